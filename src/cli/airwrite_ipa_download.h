/* airwrite-ipa: the Profile download options and command (SGP.22 3.1.3
 * direct download; SGP.32 3.2 the poll loop's download hook), split from
 * airwrite_ipa.c by concern. */
#ifndef AIRWRITE_CLI_IPA_DOWNLOAD_H
#define AIRWRITE_CLI_IPA_DOWNLOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "ipa/download.h"

#define IPA_CLI_ROUTE_MAX 8

/* What the command line says about downloads: the configuration (its
 * strings borrowed from argv) and the routes it points to. */
typedef struct download_options {
    ipa_download_config config;
    ipa_smdp_route routes[IPA_CLI_ROUTE_MAX];
    bool mode_given;  /* --download-mode: poll only */
    bool cc_given;    /* --cc: download only */
    bool any;         /* any download option */
} download_options;

/* Defaults: TAC 35290611, no IMEI, triggers run indirectly. */
void download_options_init(download_options *o);

/* Consume argv[*i] (and its value) when it is a download option: 1 taken,
 * 0 not a download option, -1 a bad value (message printed). */
int download_options_parse(download_options *o, int argc, char **argv, int *i);

/* Usage lines of the download options, for --help. */
void download_options_usage(FILE *f);

/* `download AC`: ipa_download_direct, its stage, codes and notification
 * printed; 0 installed, 3 refused, 1 other errors, 2 a malformed AC. */
int download_command(ipa *session, const download_options *o, const char *activation_code);

/* The poll loop's download hook: ipa_download_trigger_run (userdata its
 * ipa_download_config), then a line on stdout saying whether the profile
 * was installed. */
aw_err download_trigger_hook(void *userdata, ipa *session,
                             const sgp32_profile_download_trigger_request *trigger,
                             uint8_t **result, size_t *result_len);

#endif
