/* airwrite-ipa: the firmware-update command (signed secure-module firmware
 * packages, docs/firmware-update.md), split from airwrite_ipa.c by concern. */
#ifndef AIRWRITE_CLI_IPA_FIRMWARE_H
#define AIRWRITE_CLI_IPA_FIRMWARE_H

/* argv: the arguments after "firmware-update". Exit status: 0 applied,
 * 1 failure (or report not taken), 2 usage, 3 refused. */
int firmware_update_main(int argc, char **argv);

#endif
