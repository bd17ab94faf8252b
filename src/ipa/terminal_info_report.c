/* airwrite IPA: the terminal information report before each poll cycle
 * (issue 8; ipa/terminal_info.h): collect (module or configuration), seal
 * to the platform's key, POST to /terminal/v1/info over mutual TLS, and
 * keep the platform's answer. docs/terminal-info.md. */
#include "ipa/terminal_info.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"

aw_err ipa_terminal_info_report(ipa_terminal_info_reporter *reporter, const char *eid)
{
    if (reporter == NULL || eid == NULL)
        return AW_ERR_ARGUMENT;
    reporter->last_status = 0;
    reporter->last_code[0] = '\0';
    int64_t now = reporter->clock != NULL ? reporter->clock(reporter->clock_userdata)
                                          : (int64_t)time(NULL);
    terminal_info_record record;
    uint8_t *envelope = NULL;
    size_t len = 0;
    aw_err err = ipa_terminal_info_collect(&reporter->source, eid, now, &record);
    if (err == AW_OK)
        err = ipa_terminal_info_seal(&record, reporter->platform_key, reporter->key_id,
                                     reporter->device_key, &envelope, &len);
    if (err == AW_OK)
        err = ipa_terminal_info_send(&reporter->target, envelope, len, &reporter->last_status,
                                     reporter->last_code);
    if (err == AW_OK && reporter->last_status != 204)
        err = AW_ERR_TERMINAL_INFO_REFUSED;
    free(envelope);
    return err;
}

aw_err ipa_terminal_info_poll_hook(void *userdata, const uint8_t eid[CRYPTO_ENVELOPE_EID_SIZE])
{
    char text[2 * CRYPTO_ENVELOPE_EID_SIZE + 1];
    aw_hex_encode(eid, CRYPTO_ENVELOPE_EID_SIZE, text, false);
    return ipa_terminal_info_report(userdata, text);
}
