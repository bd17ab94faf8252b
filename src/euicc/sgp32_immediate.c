/* airwrite eUICC: SGP.32 immediate Profile enabling on the software IoT
 * eUICC: ES10b.ImmediateEnable (ImmediateEnableRequest/Response, BF5A)
 * and ES10b.ConfigureImmediateProfileEnabling
 * (ConfigureImmediateProfileEnablingRequest/Response, BF59).
 *
 * The configuration (immediateEnableFlag, defaultSmdpOid,
 * defaultSmdpAddress) is the one the configureImmediateEnable PSMO
 * (2.11.1.1) stores (state.h immediateEnable); BF59 sets the same
 * components locally, and only while no eIM is associated (its result
 * associatedEimAlreadyExists(2) says so); otherwise the eIM owns it.
 *
 * The eUICC never enables a downloaded Profile on its own: the ISD-R's
 * commit remembers, in memory only, the Profile the last download session
 * installed with the SM-DP+ it came from (the PIR's smdpOid and its
 * notificationAddress). BF5A then enables that Profile through ES10c
 * (SGP.22 5.7.16: policy rules, notifications, commit) when
 * immediateEnableFlag is set and that SM-DP+ is the configured default
 * one; else immediateEnableNotAvailable(1). Without such a Profile (no
 * installation since the card was reset, a new session began, or the
 * last one failed; or it was already used) the answer is
 * noSessionContext(4). */
#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "core/sgp22_profile_info.h"
#include "core/sgp32_tags.h"
#include "euicc/isdr_internal.h"

/* ImmediateEnableResponse immediateEnableResult */
enum {
    IMMEDIATE_ENABLE_OK = 0,
    IMMEDIATE_ENABLE_NOT_AVAILABLE = 1,
    IMMEDIATE_ENABLE_NO_SESSION_CONTEXT = 4,
    /* catBusy(5) does not arise: this eUICC has no CAT session to wait for */
    IMMEDIATE_ENABLE_UNDEFINED_ERROR = 127,
};

/* ConfigureImmediateProfileEnablingResponse configImmediateEnableResult */
enum {
    CONFIGURE_OK = 0,
    CONFIGURE_EIM_ALREADY_EXISTS = 2,
    CONFIGURE_UNDEFINED_ERROR = 127,
};

void euicc_immediate_enable_remember(euicc *card, const uint8_t iccid[EUICC_ICCID_SIZE],
                                     aw_slice smdp_oid, aw_slice smdp_address)
{
    euicc_last_install *last = &card->last_install;
    memset(last, 0, sizeof(*last));
    if (smdp_address.len > EUICC_ADDRESS_MAX)
        return; /* cannot be any configured address: nothing to enable */
    last->present = true;
    memcpy(last->iccid, iccid, EUICC_ICCID_SIZE);
    /* an OID longer than a configured one can be matches none */
    last->smdp_oid_too_long = smdp_oid.len > EUICC_OID_MAX;
    if (!last->smdp_oid_too_long && smdp_oid.len > 0) {
        memcpy(last->smdp_oid, smdp_oid.ptr, smdp_oid.len);
        last->smdp_oid_len = smdp_oid.len;
    }
    if (smdp_address.len > 0)
        memcpy(last->smdp_address, smdp_address.ptr, smdp_address.len);
}

void euicc_immediate_enable_forget(euicc *card)
{
    memset(&card->last_install, 0, sizeof(card->last_install));
}

static bool same_address(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false; /* FQDNs compare without regard to case */
        if (x == '\0')
            return true;
    }
}

/* Whether the last installed Profile came from the default SM-DP+ the
 * configuration names: each configured identity must match; with none
 * configured, the ES10a default SM-DP+ address must. */
static bool from_default_smdp(const euicc_state *s, const euicc_last_install *last)
{
    const euicc_immediate_enable *ie = &s->immediate_enable;
    if (ie->default_smdp_oid_len == 0 && !ie->has_default_smdp_address)
        return s->has_default_dp_address &&
               same_address(s->default_dp_address, last->smdp_address);
    if (ie->default_smdp_oid_len > 0 &&
        (last->smdp_oid_too_long || last->smdp_oid_len != ie->default_smdp_oid_len ||
         memcmp(last->smdp_oid, ie->default_smdp_oid, last->smdp_oid_len) != 0))
        return false;
    return !ie->has_default_smdp_address ||
           same_address(ie->default_smdp_address, last->smdp_address);
}

/* One [0] INTEGER result in a SEQUENCE tagged tag. */
static aw_err encode_result(uint32_t tag, int64_t result, uint8_t **response,
                            size_t *response_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, tag);
    der_put_int64(&b, DER_CTX(0), result);
    der_builder_end(&b);
    return der_builder_finish(&b, response, response_len);
}

/* ImmediateEnableRequest ::= [90] SEQUENCE { refreshFlag [0] BOOLEAN } */
static aw_err decode_immediate_enable_request(const uint8_t *command, size_t len,
                                              bool *refresh)
{
    der_node top, flag;
    der_reader r;
    aw_err err = der_decode_single(command, len, &top);
    if (err == AW_OK && (top.tag != SGP32_TAG_IMMEDIATE_ENABLE || !top.constructed))
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK) {
        der_reader_init(&r, top.value.ptr, top.value.len);
        err = der_read_expect(&r, DER_CTX(0), &flag);
    }
    if (err == AW_OK)
        err = der_node_get_bool(&flag, refresh);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    return err;
}

/* ES10c.EnableProfile (SGP.22 5.7.16) on the remembered Profile; the
 * refreshFlag goes along as the IPA gave it (this eUICC has no terminal
 * to REFRESH, ES10c ignores it). An immediateEnableResult. */
static int64_t enable_last_install(euicc *card, bool refresh)
{
    sgp22_enable_profile_request request;
    sgp22_enable_profile_response decoded;
    uint8_t *command = NULL, *response = NULL;
    size_t command_len = 0, response_len = 0;
    int64_t result = IMMEDIATE_ENABLE_UNDEFINED_ERROR;
    memset(&request, 0, sizeof(request));
    request.profile_identifier.kind = SGP22_PROFILE_IDENTIFIER_ICCID;
    request.profile_identifier.value = (aw_slice){card->last_install.iccid, EUICC_ICCID_SIZE};
    request.refresh_flag = refresh;
    aw_err err = sgp22_encode_enable_profile_request(&request, &command, &command_len);
    if (err == AW_OK)
        err = euicc_enable_profile(card, command, command_len, &response, &response_len);
    if (err == AW_OK)
        err = sgp22_decode_enable_profile_response(response, response_len, &decoded);
    /* any other EnableProfileResult (e.g. already enabled, a policy rule)
     * has no immediateEnableResult of its own */
    if (err == AW_OK && decoded.enable_result == SGP22_ENABLE_RESULT_OK)
        result = IMMEDIATE_ENABLE_OK;
    free(command);
    free(response);
    return result;
}

aw_err euicc_immediate_enable_profile(euicc *card, const uint8_t *command, size_t len,
                                      uint8_t **response, size_t *response_len)
{
    const euicc_state *s = card->state;
    bool refresh = false;
    int64_t result;
    aw_err err = decode_immediate_enable_request(command, len, &refresh);
    if (err != AW_OK)
        return err;
    if (!card->last_install.present || euicc_state_find_iccid(s, card->last_install.iccid) < 0)
        result = IMMEDIATE_ENABLE_NO_SESSION_CONTEXT;
    else if (!s->immediate_enable.flag || !from_default_smdp(s, &card->last_install))
        result = IMMEDIATE_ENABLE_NOT_AVAILABLE;
    else
        result = enable_last_install(card, refresh);
    /* the installation's one immediate enabling is spent once it is done;
     * a refused one may be retried (e.g. after the configuration changes) */
    if (result == IMMEDIATE_ENABLE_OK)
        euicc_immediate_enable_forget(card);
    return encode_result(SGP32_TAG_IMMEDIATE_ENABLE, result, response, response_len);
}

/* ConfigureImmediateProfileEnablingRequest ::= [89] SEQUENCE {
 *   immediateEnableFlag [0] NULL OPTIONAL,
 *   defaultSmdpOid [1] OBJECT IDENTIFIER OPTIONAL,
 *   defaultSmdpAddress [2] UTF8String OPTIONAL } */
static aw_err decode_configure_request(const uint8_t *command, size_t len,
                                       sgp32_configure_immediate_enable *out)
{
    der_node top, node;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = der_decode_single(command, len, &top);
    if (err == AW_OK && (top.tag != SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING ||
                         !top.constructed))
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err != AW_OK)
        return err;
    der_reader_init(&r, top.value.ptr, top.value.len);
    err = der_read_optional(&r, DER_CTX(0), &node, &out->immediate_enable_flag);
    if (err == AW_OK && out->immediate_enable_flag)
        err = der_node_get_null(&node);
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(1), &node, &out->has_default_smdp_oid);
    if (err == AW_OK && out->has_default_smdp_oid)
        out->default_smdp_oid = node.value;
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(2), &node, &out->has_default_smdp_address);
    if (err == AW_OK && out->has_default_smdp_address) {
        out->default_smdp_address = node.value;
        err = der_check_utf8(node.value, 0, node.value.len);
    }
    if (err == AW_OK)
        err = der_reader_finish(&r);
    return err;
}

aw_err euicc_configure_immediate_profile_enabling(euicc *card, const uint8_t *command,
                                                  size_t len, uint8_t **response,
                                                  size_t *response_len)
{
    sgp32_configure_immediate_enable request;
    int64_t result;
    aw_err err = decode_configure_request(command, len, &request);
    if (err != AW_OK)
        return err;
    if (card->state->eim_count > 0)
        result = CONFIGURE_EIM_ALREADY_EXISTS; /* the eIM configures it (PSMO) */
    else if (euicc_configure_immediate_enable(card, &request) == SGP32_RESULT_OK)
        result = CONFIGURE_OK;
    else
        result = CONFIGURE_UNDEFINED_ERROR; /* a value this eUICC cannot hold, or storage */
    return encode_result(SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING, result, response,
                         response_len);
}
