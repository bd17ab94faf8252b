/* airwrite eUICC: ES10b.EuiccMemoryReset of SGP.32 5.9.5
 * (EuiccMemoryResetRequest/Response, BF64), the IoT form of SGP.22's
 * eUICCMemoryReset (5.7.19, BF34, es10c.c), which this eUICC also keeps for
 * SGP.22 LPAs.
 *
 * resetOptions adds to SGP.22's three bits: deletePreLoadedTestProfiles(3)
 * (this eUICC has no pre-loaded Profile: nothing to delete),
 * deleteProvisioningProfiles(4), resetEimConfigData(5) and
 * resetImmediateEnableConfig(6). The answer carries resetEimResult only
 * when bit 5 was asked and resetImmediateEnableConfigResult only when bit 6
 * was. Removing the eIM Configuration Data also drops what only an eIM
 * could use: the EuiccPackageResults waiting for its acknowledgement and a
 * granted Profile rollback. resetResult is ok when anything at all was
 * reset, nothingToDelete otherwise. Everything asked is done in one
 * commit: a failed commit leaves the previous state whole (undefinedError
 * in each result present). */
#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "core/sgp32_tags.h"
#include "euicc/isdr_internal.h"

/* EuiccMemoryResetResponse result values (5.9.5) */
enum {
    RESET_OK = 0,
    RESET_NOTHING_TO_DELETE = 1,
    RESET_UNDEFINED_ERROR = 127,
};

/* EuiccMemoryResetRequest ::= [100] SEQUENCE { resetOptions [2] BIT STRING } */
static aw_err decode_request(const uint8_t *command, size_t len, uint32_t *options)
{
    der_node top, bits;
    der_reader r;
    aw_err err = der_decode_single(command, len, &top);
    if (err == AW_OK && (top.tag != SGP32_TAG_EUICC_MEMORY_RESET || !top.constructed))
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err != AW_OK)
        return err;
    der_reader_init(&r, top.value.ptr, top.value.len);
    err = der_read_expect(&r, DER_CTX(2), &bits);
    if (err == AW_OK)
        err = der_node_get_named_bits(&bits, options);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    return err;
}

static bool reset_eims(euicc_state *s)
{
    bool changed = s->eim_count > 0;
    while (s->eim_count > 0)
        euicc_state_remove_eim(s, s->eim_count - 1);
    while (s->package_result_count > 0)
        euicc_state_remove_package_result(s, s->package_result_count - 1);
    memset(&s->rollback, 0, sizeof(s->rollback));
    return changed;
}

aw_err euicc_sgp32_memory_reset(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len)
{
    euicc_state *s = card->state;
    uint32_t options = 0;
    aw_err err = decode_request(command, len, &options);
    if (err != AW_OK)
        return err;
    bool profiles = euicc_reset_profiles(card, options);
    bool eims = (options & EUICC_RESET_EIM_CONFIGURATION_DATA) && reset_eims(s);
    bool immediate = (options & EUICC_RESET_IMMEDIATE_ENABLE_CONFIGURATION) != 0;
    if (immediate)
        memset(&s->immediate_enable, 0, sizeof(s->immediate_enable));
    bool committed = true;
    if (profiles || eims || immediate) {
        committed = euicc_state_commit(s) == AW_OK;
        if (!committed)
            (void)euicc_state_reload(s);
    }
    if (profiles && committed)
        euicc_isdr_forget_session(card); /* no download session survives a reset */
    int64_t reset_result = !committed                ? RESET_UNDEFINED_ERROR
                           : profiles || eims || immediate ? RESET_OK
                                                           : RESET_NOTHING_TO_DELETE;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_EUICC_MEMORY_RESET);
    /* AUTOMATIC TAGS: resetResult [0], resetEimResult [1],
     * resetImmediateEnableConfigResult [2] */
    der_put_int64(&b, DER_CTX(0), reset_result);
    if (options & EUICC_RESET_EIM_CONFIGURATION_DATA)
        der_put_int64(&b, DER_CTX(1),
                      !committed ? RESET_UNDEFINED_ERROR
                      : eims     ? RESET_OK
                                 : RESET_NOTHING_TO_DELETE);
    if (immediate)
        der_put_int64(&b, DER_CTX(2), committed ? RESET_OK : RESET_UNDEFINED_ERROR);
    der_builder_end(&b);
    return der_builder_finish(&b, response, response_len);
}
