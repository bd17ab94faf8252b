/* airwrite-ipa: encrypted terminal information (issue 8,
 * docs/terminal-info.md), split from airwrite_ipa.c by concern: the
 * --info-* options of poll (a report before each ESipa exchange) and the
 * one-shot "terminal-info" command. */
#ifndef AIRWRITE_CLI_IPA_TERMINAL_INFO_H
#define AIRWRITE_CLI_IPA_TERMINAL_INFO_H

#include <stdbool.h>

#include "ipa/esipa.h"
#include "ipa/terminal_info.h"

typedef struct terminal_info_options {
    const char *url, *ca, *cert, *key;   /* --info-url, --info-ca, --info-cert, --info-key */
    const char *platform_key, *suite;    /* --info-platform-key PEM, --info-suite */
    const char *at;                      /* --info-at DEVICE[,BAUD]: the module's AT port */
    unsigned long key_id;                /* --info-key-id (default 1) */
    terminal_info_record configured;     /* --imei, --module-firmware, --rssi, --location, --cell */
    bool given;                          /* any --info-* option */
} terminal_info_options;

/* Take argv[*i] (and its value) when it is one of the options above:
 * 1 taken (*i moved past the value), 0 not one of them, -1 malformed
 * (printed). */
int terminal_info_options_parse(terminal_info_options *o, int argc, char **argv, int *i);

/* The reporter of the options (keys loaded), or *hook left empty when no
 * --info-* option was given. 0, or 1 after printing why. Free with
 * terminal_info_reporter_free. */
typedef struct terminal_info_loaded {
    crypto_envelope_key *platform_key;
    crypto_suite_key *device_key;
    ipa_terminal_info_serial *serial;    /* --info-at */
    ipa_terminal_info_reporter reporter;
} terminal_info_loaded;

int terminal_info_hook(terminal_info_options *o, terminal_info_loaded *loaded,
                       ipa_terminal_info_hook *hook);
void terminal_info_loaded_free(terminal_info_loaded *loaded);

/* argv: the arguments after "terminal-info" (no card: --eid names the
 * device). Exit status: 0 taken, 1 failure or refused, 2 usage. */
int terminal_info_main(int argc, char **argv);

#endif
