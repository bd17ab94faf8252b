/* airwrite-ipa: card-device locking on the device (src/ipa/device_binding.h,
 * docs/device-lock.md): --device-binding FILE refuses a card (EID) not bound
 * to this device before any other ES10 function, and with --refusal-report
 * reports it to the platform over mutual TLS. */
#ifndef AIRWRITE_CLI_IPA_DEVICE_BINDING_H
#define AIRWRITE_CLI_IPA_DEVICE_BINDING_H

#include <stdbool.h>
#include <stdio.h>

#include "ipa/download.h"
#include "ipa/firmware_update.h" /* ipa_firmware_report_target: the terminal report channel */

typedef struct device_binding_options {
    const char *file;                   /* --device-binding FILE; NULL: no check */
    const char *device_eid;             /* --device-eid: the EID the device certificate names */
    ipa_firmware_report_target report;  /* --refusal-report URL --refusal-cert --refusal-key
                                         * --refusal-ca */
} device_binding_options;

/* Consume argv[*i] (and its value) when it is one of the options above: 1
 * taken, 0 not one, -1 a missing value (message printed). */
int device_binding_options_parse(device_binding_options *o, int argc, char **argv, int *i);

/* Whether the options hang together (a report needs every report option
 * and --device-eid; any of them needs --device-binding); message printed. */
bool device_binding_options_valid(const device_binding_options *o);

/* Usage lines, for --help. */
void device_binding_options_usage(FILE *f);

/* With --device-binding: ES10c.GetEID, then the check. 0: go on (bound, or
 * no check configured); 3: refused (reported when configured: the card is
 * left untouched); 1: the binding file, GetEID or the report failed. device
 * gives the IMEI the report carries. */
int device_binding_gate(ipa *session, const device_binding_options *o,
                        const ipa_device_info *device);

#endif
