/* airwrite eUICC: ES10b.LoadEuiccPackage (SGP.32 5.9.1, eUICC Packages
 * 2.11.1) on the software IoT eUICC.
 *
 * The eUICC Package (EuiccPackageRequest, BF51) is checked in this order:
 *   1. eimId names an Associated eIM, else an EuiccPackageErrorUnsigned;
 *   2. eimSignature verifies with that eIM's PK.EIM.ECDSA (eimPublicKeyData)
 *      over the euiccPackageSigned TLV exactly as received followed by the
 *      associationToken data object (tag 84; value 0 when the eIM has
 *      none), as 2.11.1.1 specifies the signed input; else unsigned error;
 *   3. eidValue is this eUICC's EID, else euiccPackageErrorSigned
 *      invalidEid(3);
 *   4. counterValue is within range (0..2^31-1 here), else
 *      counterValueOutOfRange(6), and greater than the last one accepted
 *      from the eIM, else replayError(4);
 * then the counter and the result's seqNumber are committed before any
 * operation runs, so a replay is refused even if an operation fails. The
 * PSMOs (2.11.1.1: enable, disable, delete, listProfileInfo, getRAT,
 * setDefaultDpAddress, setFallbackAttribute, unsetFallbackAttribute)
 * reuse the ES10c/ES10b functions of the ISD-R where there is one; the
 * eCOs (addEim, deleteEim, updateEim, listEim) are in sgp32_eim.c. They run
 * in order and processing stops after the first one that fails (its result
 * is the last in euiccResult). The EuiccPackageResultSigned (2.11.2.1) is
 * signed with SK.EUICC.ECDSA over the euiccPackageResultDataSigned TLV as
 * encoded followed by the eIM's associationToken data object (the same
 * 84 TLV as in the eimSignature input; SGP.32 v1.1 changed this input from
 * "data || eimSignature" of v1.0, and v1.2 eIMs verify data || token), and
 * kept as a pending result until the eIM acknowledges its seqNumber
 * (EimAcknowledgements, sgp32_ipa.c). Signed errors carry euiccSignEPE over
 * euiccPackageErrorDataSigned || associationToken alike.
 *
 * configureImmediateEnable (2.11.1.1) replaces the stored immediate
 * enabling configuration (state.h immediateEnable) that
 * ES10b.ImmediateEnable (BF5A, sgp32_immediate.c) checks when the IPA asks
 * to enable the Profile just downloaded. An enable with rollbackFlag
 * remembers the profile it replaced (state.h rollback) until the next
 * eUICC Package is accepted; in that window ES10b.ProfileRollback (BF58)
 * re-enables it and answers with a signed EuiccPackageResult carrying
 * rollbackResult [12] (without eimTransactionId, which is not kept). */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_bpp_content.h"
#include "core/sgp22_euicc_info.h"
#include "core/sgp22_profile_info.h"
#include "core/sgp22_tags.h"
#include "core/sgp32_tags.h"
#include "euicc/isdr_internal.h"

#define COUNTER_MAX INT64_C(0x7FFFFFFF)
/* What the listProfileInfo results of one package may add up to so that
 * the whole EuiccPackageResult stays a storable pending result
 * (EUICC_PACKAGE_RESULT_MAX with room for the rest of it) */
#define RESULT_BUDGET (EUICC_PACKAGE_RESULT_MAX - 2048)

/* Everything one package needs (too large for the stack). */
typedef struct package_run {
    sgp32_euicc_package_request request;
    sgp32_euicc_package_result_data_signed data;
    euicc_eco_scratch scratch;
    uint8_t *owned[SGP32_MAX_EUICC_RESULTS]; /* result TLVs to free */
    size_t owned_count;
    int64_t association_token; /* of the eIM the package came from */
} package_run;

static void run_free(package_run *run)
{
    if (run == NULL)
        return;
    for (size_t i = 0; i < run->owned_count; i++)
        free(run->owned[i]);
    free(run);
}

/* ---- responses ---------------------------------------------------------- */

/* The input of eimSignature (2.11.1.1) and of euiccSignEPR/EPE (2.11.2.1):
 * the signed data TLV followed by the associationToken data object
 * (tag 84; value 0 when the eIM has none). */
static aw_err build_signed_input(const uint8_t *data, size_t data_len, int64_t association_token,
                                 uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_put_raw(&b, data, data_len);
    der_put_int64(&b, DER_CTX(4), association_token);
    return der_builder_finish(&b, out, out_len);
}

static int64_t association_token_of(const sgp32_eim_configuration_data *eim)
{
    return eim != NULL && eim->has_association_token ? eim->association_token : 0;
}

/* SK.EUICC.ECDSA over tbs || associationToken (2.11.2.1). */
static aw_err sign_with_association_token(const euicc *card, const uint8_t *tbs, size_t tbs_len,
                                          int64_t association_token,
                                          uint8_t signature[CRYPTO_SIGNATURE_SIZE])
{
    uint8_t *input = NULL;
    size_t input_len = 0;
    aw_err err = build_signed_input(tbs, tbs_len, association_token, &input, &input_len);
    if (err == AW_OK)
        err = crypto_sign_ecdsa(card->identity->euicc_key, input, input_len, signature);
    free(input);
    return err;
}

static aw_err encode_unsigned_error(const sgp32_euicc_package_signed *package,
                                    const sgp32_eim_configuration_data *eim, uint8_t **response,
                                    size_t *response_len)
{
    sgp32_euicc_package_result result;
    memset(&result, 0, sizeof(result));
    result.kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    result.error_unsigned.eim_id = package->eim_id;
    result.error_unsigned.has_eim_transaction_id = package->has_eim_transaction_id;
    result.error_unsigned.eim_transaction_id = package->eim_transaction_id;
    if (eim != NULL && eim->has_association_token) {
        result.error_unsigned.has_association_token = true;
        result.error_unsigned.association_token = eim->association_token;
    }
    return sgp32_encode_euicc_package_result(&result, response, response_len);
}

static aw_err encode_signed_error(const euicc *card, const sgp32_euicc_package_signed *package,
                                  const sgp32_eim_configuration_data *eim, int64_t code,
                                  uint8_t **response, size_t *response_len)
{
    sgp32_euicc_package_result result;
    sgp32_euicc_package_error_data_signed *data =
        &result.error_signed.euicc_package_error_data_signed;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    memset(&result, 0, sizeof(result));
    result.kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED;
    data->eim_id = package->eim_id;
    data->counter_value = package->counter_value;
    data->has_eim_transaction_id = package->has_eim_transaction_id;
    data->eim_transaction_id = package->eim_transaction_id;
    data->euicc_package_error_code = code;
    aw_err err = sgp32_encode_euicc_package_error_data_signed(data, &tbs, &tbs_len);
    if (err == AW_OK)
        err = sign_with_association_token(card, tbs, tbs_len, association_token_of(eim),
                                          signature);
    if (err == AW_OK) {
        data->raw = (aw_slice){tbs, tbs_len}; /* written verbatim: what was signed */
        result.error_signed.euicc_sign_epe = (aw_slice){signature, sizeof(signature)};
        err = sgp32_encode_euicc_package_result(&result, response, response_len);
    }
    free(tbs);
    return err;
}

/* ---- verification (steps 1-4) ------------------------------------------ */

/* eimSignature over euiccPackageSigned || associationToken (2.11.1.1). */
static aw_err verify_signature(const sgp32_eim_configuration_data *eim,
                               const sgp32_euicc_package_request *request)
{
    crypto_key *key = NULL;
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    aw_err err = euicc_eim_public_key(eim, &key);
    if (err != AW_OK)
        return err;
    err = build_signed_input(request->euicc_package_signed.raw.ptr,
                             request->euicc_package_signed.raw.len, association_token_of(eim),
                             &tbs, &tbs_len);
    if (err == AW_OK)
        err = crypto_verify_ecdsa(key, tbs, tbs_len, request->eim_signature.ptr,
                                  request->eim_signature.len);
    free(tbs);
    crypto_key_free(key);
    return err;
}

/* ---- PSMOs --------------------------------------------------------------- */

/* Run an ES10 function of the ISD-R on a command built here. */
static aw_err call(euicc *card, euicc_es10_function function, const uint8_t *command,
                   size_t len, uint8_t **response, size_t *response_len)
{
    *response = NULL;
    *response_len = 0;
    return function(card, command, len, response, response_len);
}

/* enable / disable / delete through ES10c (SGP.22 5.7.16-5.7.18): the same
 * checks, policy rules, notifications and commit. The SGP.32 result codes
 * are the SGP.22 ones. */
static int64_t profile_operation(euicc *card, sgp32_psmo_kind kind, aw_slice iccid)
{
    sgp22_enable_profile_request request;
    uint8_t *command = NULL, *response = NULL;
    size_t command_len = 0, response_len = 0;
    int64_t result = SGP32_RESULT_UNDEFINED_ERROR;
    memset(&request, 0, sizeof(request));
    request.profile_identifier.kind = SGP22_PROFILE_IDENTIFIER_ICCID;
    request.profile_identifier.value = iccid;
    aw_err err;
    if (kind == SGP32_PSMO_ENABLE) {
        sgp22_enable_profile_response decoded;
        err = sgp22_encode_enable_profile_request(&request, &command, &command_len);
        if (err == AW_OK)
            err = call(card, euicc_enable_profile, command, command_len, &response,
                       &response_len);
        if (err == AW_OK)
            err = sgp22_decode_enable_profile_response(response, response_len, &decoded);
        if (err == AW_OK)
            result = decoded.enable_result;
    } else if (kind == SGP32_PSMO_DISABLE) {
        sgp22_disable_profile_response decoded;
        err = sgp22_encode_disable_profile_request(&request, &command, &command_len);
        if (err == AW_OK)
            err = call(card, euicc_disable_profile, command, command_len, &response,
                       &response_len);
        if (err == AW_OK)
            err = sgp22_decode_disable_profile_response(response, response_len, &decoded);
        if (err == AW_OK)
            result = decoded.disable_result;
    } else {
        sgp22_delete_profile_request delete_request;
        sgp22_delete_profile_response decoded;
        memset(&delete_request, 0, sizeof(delete_request));
        delete_request.profile_identifier = request.profile_identifier;
        err = sgp22_encode_delete_profile_request(&delete_request, &command, &command_len);
        if (err == AW_OK)
            err = call(card, euicc_delete_profile, command, command_len, &response,
                       &response_len);
        if (err == AW_OK)
            err = sgp22_decode_delete_profile_response(response, response_len, &decoded);
        if (err == AW_OK)
            result = decoded.delete_result;
    }
    free(command);
    free(response);
    return result;
}

/* getRAT: the RulesAuthorisationTable of GetRatResponse (SGP.22 5.7.22),
 * re-tagged [6] as getRATResult. */
static aw_err get_rat(euicc *card, uint8_t **out, size_t *out_len)
{
    static const uint8_t command[] = {0xBF, 0x43, 0x00};
    uint8_t *response = NULL;
    size_t response_len = 0;
    der_node top, rat;
    der_reader r;
    der_builder b;
    aw_err err = call(card, euicc_get_rat, command, sizeof(command), &response, &response_len);
    if (err == AW_OK)
        err = der_decode_single(response, response_len, &top);
    if (err == AW_OK) {
        der_reader_init(&r, top.value.ptr, top.value.len);
        err = der_read_expect(&r, DER_CTX_CONS(0), &rat);
    }
    if (err == AW_OK) {
        der_builder_init(&b);
        der_put_tlv(&b, DER_CTX_CONS(6), rat.value.ptr, rat.value.len);
        err = der_builder_finish(&b, out, out_len);
    }
    free(response);
    return err;
}

/* setDefaultDpAddress (SetDefaultDpAddressRequest BF65): as ES10a
 * SetDefaultDpAddress (SGP.22 5.7.4), an empty address removes it. */
static int64_t set_default_dp_address(euicc *card, aw_slice address)
{
    euicc_state *s = card->state;
    if (address.len > EUICC_ADDRESS_MAX || memchr(address.ptr, 0, address.len) != NULL)
        return SGP32_RESULT_UNDEFINED_ERROR;
    s->has_default_dp_address = address.len > 0;
    if (address.len > 0)
        memcpy(s->default_dp_address, address.ptr, address.len);
    s->default_dp_address[address.len] = '\0';
    return euicc_state_commit(s) == AW_OK ? SGP32_RESULT_OK : SGP32_RESULT_UNDEFINED_ERROR;
}

/* setFallbackAttribute / unsetFallbackAttribute (SGP.32 2.11.1.1): at
 * most one profile carries the Fallback Attribute; it cannot move away
 * from, or be removed from, an enabled Fallback Profile
 * (fallbackProfileEnabled); a profile whose metadata says fallbackAllowed
 * FALSE cannot take it (fallbackNotAllowed). */
static int64_t set_fallback_attribute(euicc *card, aw_slice iccid)
{
    euicc_state *s = card->state;
    sgp22_store_metadata_request metadata;
    int target = iccid.len == EUICC_ICCID_SIZE ? euicc_state_find_iccid(s, iccid.ptr) : -1;
    if (target < 0)
        return SGP32_RESULT_ICCID_OR_AID_NOT_FOUND;
    euicc_profile *p = &s->profiles[target];
    if (sgp22_decode_store_metadata_request(p->store_metadata, p->store_metadata_len,
                                            &metadata) != AW_OK)
        return SGP32_RESULT_UNDEFINED_ERROR;
    if (metadata.has_fallback_allowed && !metadata.fallback_allowed)
        return SGP32_FALLBACK_NOT_ALLOWED;
    for (size_t i = 0; i < s->profile_count; i++)
        if ((int)i != target && s->profiles[i].fallback_attribute && s->profiles[i].enabled)
            return SGP32_FALLBACK_PROFILE_ENABLED;
    for (size_t i = 0; i < s->profile_count; i++)
        s->profiles[i].fallback_attribute = (int)i == target;
    return euicc_state_commit(s) == AW_OK ? SGP32_RESULT_OK : SGP32_RESULT_UNDEFINED_ERROR;
}

static int64_t unset_fallback_attribute(euicc *card)
{
    euicc_state *s = card->state;
    for (size_t i = 0; i < s->profile_count; i++) {
        if (!s->profiles[i].fallback_attribute)
            continue;
        if (s->profiles[i].enabled)
            return SGP32_FALLBACK_PROFILE_ENABLED;
        s->profiles[i].fallback_attribute = false;
        return euicc_state_commit(s) == AW_OK ? SGP32_RESULT_OK : SGP32_RESULT_UNDEFINED_ERROR;
    }
    return SGP32_FALLBACK_NO_FALLBACK_ATTRIBUTE;
}

/* configureImmediateEnable (2.11.1.1): the three components replace the
 * stored configuration; an absent immediateEnableFlag turns immediate
 * enabling off. Values this eUICC cannot hold are a commandError(7). */
int64_t euicc_configure_immediate_enable(euicc *card, const sgp32_configure_immediate_enable *c)
{
    euicc_immediate_enable *ie = &card->state->immediate_enable;
    if ((c->has_default_smdp_oid &&
         (c->default_smdp_oid.len == 0 || c->default_smdp_oid.len > EUICC_OID_MAX)) ||
        (c->has_default_smdp_address &&
         (c->default_smdp_address.len > EUICC_ADDRESS_MAX ||
          memchr(c->default_smdp_address.ptr, 0, c->default_smdp_address.len) != NULL)))
        return SGP32_RESULT_COMMAND_ERROR;
    memset(ie, 0, sizeof(*ie));
    ie->configured = true;
    ie->flag = c->immediate_enable_flag;
    if (c->has_default_smdp_oid) {
        memcpy(ie->default_smdp_oid, c->default_smdp_oid.ptr, c->default_smdp_oid.len);
        ie->default_smdp_oid_len = c->default_smdp_oid.len;
    }
    ie->has_default_smdp_address = c->has_default_smdp_address;
    if (c->has_default_smdp_address && c->default_smdp_address.len > 0)
        memcpy(ie->default_smdp_address, c->default_smdp_address.ptr,
               c->default_smdp_address.len);
    return euicc_state_commit(card->state) == AW_OK ? SGP32_RESULT_OK
                                                     : SGP32_RESULT_UNDEFINED_ERROR;
}

/* enable (2.11.1.1); with rollbackFlag the profile it replaces (or none) is
 * kept for ES10b.ProfileRollback, under the package's eimId and
 * counterValue. The record is set before the enable so that the enable's
 * one commit writes both; a failed enable drops it. */
static int64_t enable_profile(euicc *card, const sgp32_euicc_package_signed *package,
                              const sgp32_psmo_enable *enable)
{
    euicc_state *s = card->state;
    if (enable->rollback_flag) {
        euicc_rollback *rb = &s->rollback;
        if (package->eim_id.len >= sizeof(rb->eim_id))
            return SGP32_RESULT_UNDEFINED_ERROR;
        memset(rb, 0, sizeof(*rb));
        int previous = euicc_state_find_enabled(s);
        if (previous >= 0) {
            rb->has_previous_iccid = true;
            memcpy(rb->previous_iccid, s->profiles[previous].iccid, EUICC_ICCID_SIZE);
        }
        memcpy(rb->eim_id, package->eim_id.ptr, package->eim_id.len);
        rb->counter_value = package->counter_value;
        rb->pending = true;
    }
    int64_t result = profile_operation(card, SGP32_PSMO_ENABLE, enable->iccid);
    if (result != SGP32_RESULT_OK && enable->rollback_flag)
        memset(&s->rollback, 0, sizeof(s->rollback));
    return result;
}

/* One PSMO; false when it failed (processing stops). */
static bool run_psmo(euicc *card, package_run *run, const sgp32_psmo *psmo,
                     sgp32_euicc_result_data *result)
{
    const sgp32_euicc_package_signed *package = &run->request.euicc_package_signed;
    uint8_t *tlv = NULL;
    size_t tlv_len = 0;
    memset(result, 0, sizeof(result[0]));
    switch (psmo->kind) {
    case SGP32_PSMO_ENABLE:
        result->kind = SGP32_EUICC_RESULT_ENABLE;
        result->enable_result = enable_profile(card, package, &psmo->enable);
        return result->enable_result == SGP32_RESULT_OK;
    case SGP32_PSMO_DISABLE:
        result->kind = SGP32_EUICC_RESULT_DISABLE;
        result->disable_result = profile_operation(card, psmo->kind, psmo->disable.iccid);
        return result->disable_result == SGP32_RESULT_OK;
    case SGP32_PSMO_DELETE:
        result->kind = SGP32_EUICC_RESULT_DELETE;
        result->delete_result = profile_operation(card, psmo->kind, psmo->delete_profile.iccid);
        return result->delete_result == SGP32_RESULT_OK;
    case SGP32_PSMO_LIST_PROFILE_INFO:
        /* the ProfileInfoListRequest TLV is ES10c.GetProfilesInfo's command */
        if (call(card, euicc_get_profiles_info, psmo->list_profile_info.ptr,
                 psmo->list_profile_info.len, &tlv, &tlv_len) != AW_OK)
            break;
        run->owned[run->owned_count++] = tlv;
        result->kind = SGP32_EUICC_RESULT_LIST_PROFILE_INFO;
        result->list_profile_info_result = (aw_slice){tlv, tlv_len};
        return true;
    case SGP32_PSMO_GET_RAT:
        if (get_rat(card, &tlv, &tlv_len) != AW_OK)
            break;
        run->owned[run->owned_count++] = tlv;
        result->kind = SGP32_EUICC_RESULT_GET_RAT;
        result->get_rat_result = (aw_slice){tlv, tlv_len};
        return true;
    case SGP32_PSMO_SET_DEFAULT_DP_ADDRESS:
        result->kind = SGP32_EUICC_RESULT_SET_DEFAULT_DP_ADDRESS;
        result->set_default_dp_address_result.set_default_dp_address_result =
            set_default_dp_address(card, psmo->set_default_dp_address.default_dp_address);
        return result->set_default_dp_address_result.set_default_dp_address_result ==
               SGP32_RESULT_OK;
    case SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE:
        result->kind = SGP32_EUICC_RESULT_CONFIGURE_IMMEDIATE_ENABLE;
        result->configure_immediate_enable_result =
            euicc_configure_immediate_enable(card, &psmo->configure_immediate_enable);
        return result->configure_immediate_enable_result == SGP32_RESULT_OK;
    case SGP32_PSMO_SET_FALLBACK_ATTRIBUTE:
        result->kind = SGP32_EUICC_RESULT_SET_FALLBACK_ATTRIBUTE;
        result->set_fallback_attribute_result =
            set_fallback_attribute(card, psmo->set_fallback_attribute.iccid);
        return result->set_fallback_attribute_result == SGP32_RESULT_OK;
    case SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE:
        result->kind = SGP32_EUICC_RESULT_UNSET_FALLBACK_ATTRIBUTE;
        result->unset_fallback_attribute_result = unset_fallback_attribute(card);
        return result->unset_fallback_attribute_result == SGP32_RESULT_OK;
    default:
        break;
    }
    /* an alternative of a later version, or a damaged listProfileInfo */
    result->kind = SGP32_EUICC_RESULT_PROCESSING_TERMINATED;
    result->processing_terminated = SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND;
    return false;
}

static bool eco_succeeded(const sgp32_euicc_result_data *r)
{
    switch (r->kind) {
    case SGP32_EUICC_RESULT_ADD_EIM:
        return r->add_eim_result.kind == SGP32_ADD_EIM_RESULT_ASSOCIATION_TOKEN ||
               r->add_eim_result.value == SGP32_ADD_EIM_OK;
    case SGP32_EUICC_RESULT_DELETE_EIM:
        return r->delete_eim_result == SGP32_RESULT_OK ||
               r->delete_eim_result == SGP32_EIM_LAST_EIM_DELETED;
    case SGP32_EUICC_RESULT_UPDATE_EIM:
        return r->update_eim_result == SGP32_RESULT_OK;
    case SGP32_EUICC_RESULT_LIST_EIM:
        return true;
    default:
        return false;
    }
}

/* Run the package's operations into run->data.euicc_result. */
static aw_err run_operations(euicc *card, package_run *run)
{
    const sgp32_euicc_package *package = &run->request.euicc_package_signed.euicc_package;
    sgp32_euicc_package_result_data_signed *data = &run->data;
    if (package->kind == SGP32_EUICC_PACKAGE_PSMO_LIST) {
        size_t size = 0;
        for (size_t i = 0; i < package->psmo_count; i++) {
            sgp32_euicc_result_data *result = &data->euicc_result[data->euicc_result_count++];
            bool ok = run_psmo(card, run, &package->psmos[i], result);
            if (result->kind == SGP32_EUICC_RESULT_LIST_PROFILE_INFO)
                size += result->list_profile_info_result.len;
            if (size > RESULT_BUDGET) {
                /* 2.11.1.2: the result would not fit, processing stops */
                free(run->owned[--run->owned_count]);
                memset(result, 0, sizeof(*result));
                result->kind = SGP32_EUICC_RESULT_PROCESSING_TERMINATED;
                result->processing_terminated = SGP32_PROCESSING_TERMINATED_RESULT_SIZE_OVERFLOW;
                ok = false;
            }
            if (!ok)
                break;
        }
        return AW_OK;
    }
    for (size_t i = 0; i < package->eco_count; i++) {
        sgp32_euicc_result_data *result = &data->euicc_result[data->euicc_result_count++];
        euicc_run_eco(card, &package->ecos[i], &run->scratch, result);
        if (!eco_succeeded(result))
            break;
    }
    return euicc_state_commit(card->state);
}

/* ---- ES10b.LoadEuiccPackage --------------------------------------------- */

static aw_err sign_result(euicc *card, package_run *run, uint8_t **response,
                          size_t *response_len)
{
    sgp32_euicc_package_result result;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    aw_err err = sgp32_encode_euicc_package_result_data_signed(&run->data, &tbs, &tbs_len);
    if (err == AW_OK)
        err = sign_with_association_token(card, tbs, tbs_len, run->association_token, signature);
    if (err == AW_OK) {
        memset(&result, 0, sizeof(result));
        result.kind = SGP32_EUICC_PACKAGE_RESULT_SIGNED;
        result.result_signed.euicc_package_result_data_signed = run->data;
        result.result_signed.euicc_package_result_data_signed.raw = (aw_slice){tbs, tbs_len};
        result.result_signed.euicc_sign_epr = (aw_slice){signature, sizeof(signature)};
        err = sgp32_encode_euicc_package_result(&result, response, response_len);
    }
    free(tbs);
    return err;
}

aw_err euicc_load_euicc_package(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len)
{
    package_run *run = calloc(1, sizeof(*run));
    euicc_state *s = card->state;
    sgp32_eim_configuration_data eim;
    if (run == NULL)
        return AW_ERR_NOMEM;
    const sgp32_euicc_package_signed *package = &run->request.euicc_package_signed;
    aw_err err = sgp32_decode_euicc_package_request(command, len, &run->request);
    if (err != AW_OK)
        goto cleanup;
    /* Step 1: the eIM */
    int index = euicc_find_eim(s, package->eim_id, &eim);
    if (index < 0) {
        err = encode_unsigned_error(package, NULL, response, response_len);
        goto cleanup;
    }
    /* Step 2: eimSignature */
    err = verify_signature(&eim, &run->request);
    if (err != AW_OK) {
        err = err == AW_ERR_NOMEM ? err
                                  : encode_unsigned_error(package, &eim, response, response_len);
        goto cleanup;
    }
    /* Steps 3 and 4: EID and replay protection, answered signed */
    int64_t code = 0;
    if (package->eid_value.len != EUICC_EID_SIZE ||
        memcmp(package->eid_value.ptr, card->identity->eid_bytes, EUICC_EID_SIZE) != 0)
        code = SGP32_EUICC_PACKAGE_ERROR_INVALID_EID;
    else if (package->counter_value < 0 || package->counter_value > COUNTER_MAX)
        code = SGP32_EUICC_PACKAGE_ERROR_COUNTER_VALUE_OUT_OF_RANGE;
    else if (package->counter_value <= eim.counter_value)
        code = SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR;
    int64_t seq_number = 0;
    if (code == 0) {
        /* the counter and seqNumber are spent before anything runs */
        seq_number = euicc_state_take_sequence_number(s);
        /* a new package ends the rollback window of the previous one */
        memset(&s->rollback, 0, sizeof(s->rollback));
        if (euicc_eim_set_counter(s, (size_t)index, package->counter_value) != AW_OK ||
            euicc_state_commit(s) != AW_OK) {
            (void)euicc_state_reload(s);
            code = SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR;
        }
    }
    if (code != 0) {
        err = encode_signed_error(card, package, &eim, code, response, response_len);
        goto cleanup;
    }
    /* Step 5: the operations, then the signed result (signed with the
     * token the package was verified with, even if an eCO changes it) */
    run->association_token = association_token_of(&eim);
    run->data.eim_id = package->eim_id;
    run->data.counter_value = package->counter_value;
    run->data.has_eim_transaction_id = package->has_eim_transaction_id;
    run->data.eim_transaction_id = package->eim_transaction_id;
    run->data.seq_number = seq_number;
    if (run_operations(card, run) != AW_OK) {
        /* the eCOs did not persist: report that instead of their results */
        err = encode_signed_error(card, package, &eim, SGP32_EUICC_PACKAGE_ERROR_UNDEFINED_ERROR,
                                  response, response_len);
        goto cleanup;
    }
    err = sign_result(card, run, response, response_len);
    /* pending until acknowledged (EimAcknowledgements); a failed commit
     * rolls the state back but the operations' own commits stand */
    if (err == AW_OK &&
        euicc_state_add_package_result(s, seq_number, (aw_slice){*response, *response_len}) ==
            AW_OK)
        (void)euicc_state_commit(s);
cleanup:
    run_free(run);
    return err;
}

/* ---- ES10b.ProfileRollback ---------------------------------------------- */

/* ProfileRollbackResponse cmdResult (SGP.32 ES10b.ProfileRollback) */
enum {
    ROLLBACK_OK = 0,
    ROLLBACK_NOT_ALLOWED = 1, /* no enable with rollbackFlag to undo */
    ROLLBACK_UNDEFINED_ERROR = 127,
};

static aw_err encode_rollback_response(int64_t result, aw_slice package_result,
                                       uint8_t **response, size_t *response_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_PROFILE_ROLLBACK);
    der_put_int64(&b, DER_CTX(0), result);
    if (package_result.len > 0)
        der_put_raw(&b, package_result.ptr, package_result.len); /* [81] BF51 */
    der_builder_end(&b);
    return der_builder_finish(&b, response, response_len);
}

/* ProfileRollbackRequest ::= [88] SEQUENCE { refreshFlag [0] BOOLEAN } */
static aw_err decode_rollback_request(const uint8_t *command, size_t len)
{
    der_node top, flag;
    der_reader r;
    bool refresh = false;
    aw_err err = der_decode_single(command, len, &top);
    if (err == AW_OK && (top.tag != SGP32_TAG_PROFILE_ROLLBACK || !top.constructed))
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK) {
        der_reader_init(&r, top.value.ptr, top.value.len);
        err = der_read_expect(&r, DER_CTX(0), &flag);
    }
    if (err == AW_OK)
        err = der_node_get_bool(&flag, &refresh);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    return err;
}

/* Re-enable the remembered profile, or disable the enabled one when none
 * was enabled before; an SGP.22 result code. */
static int64_t roll_back(euicc *card)
{
    euicc_state *s = card->state;
    aw_slice iccid;
    if (s->rollback.has_previous_iccid) {
        iccid = (aw_slice){s->rollback.previous_iccid, EUICC_ICCID_SIZE};
        return profile_operation(card, SGP32_PSMO_ENABLE, iccid);
    }
    int current = euicc_state_find_enabled(s);
    if (current < 0)
        return SGP32_RESULT_OK; /* nothing enabled: already as before */
    iccid = (aw_slice){s->profiles[current].iccid, EUICC_ICCID_SIZE};
    return profile_operation(card, SGP32_PSMO_DISABLE, iccid);
}

aw_err euicc_profile_rollback(euicc *card, const uint8_t *command, size_t len,
                              uint8_t **response, size_t *response_len)
{
    euicc_state *s = card->state;
    package_run *run = NULL;
    uint8_t *result = NULL;
    size_t result_len = 0;
    int64_t code = ROLLBACK_UNDEFINED_ERROR;
    aw_err err = decode_rollback_request(command, len);
    if (err != AW_OK)
        return err;
    if (!s->rollback.pending) {
        code = ROLLBACK_NOT_ALLOWED;
        goto answer;
    }
    if (roll_back(card) != SGP32_RESULT_OK)
        goto answer;
    run = calloc(1, sizeof(*run));
    if (run == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    /* the result reports under the package that granted the rollback
     * (its eimId and counterValue) with a fresh seqNumber */
    run->data.eim_id = (aw_slice){(const uint8_t *)s->rollback.eim_id, strlen(s->rollback.eim_id)};
    sgp32_eim_configuration_data eim;
    run->association_token =
        euicc_find_eim(s, run->data.eim_id, &eim) >= 0 ? association_token_of(&eim) : 0;
    run->data.counter_value = s->rollback.counter_value;
    run->data.seq_number = euicc_state_take_sequence_number(s);
    run->data.euicc_result_count = 1;
    run->data.euicc_result[0].kind = SGP32_EUICC_RESULT_ROLLBACK;
    run->data.euicc_result[0].rollback_result = ROLLBACK_OK;
    err = sign_result(card, run, &result, &result_len);
    if (err != AW_OK)
        goto cleanup;
    /* pending until the eIM acknowledges it, as any package result; the
     * rollback is spent */
    memset(&s->rollback, 0, sizeof(s->rollback));
    if (euicc_state_add_package_result(s, run->data.seq_number,
                                       (aw_slice){result, result_len}) != AW_OK ||
        euicc_state_commit(s) != AW_OK) {
        (void)euicc_state_reload(s);
        free(result);
        result = NULL;
        result_len = 0;
        goto answer;
    }
    code = ROLLBACK_OK;
answer:
    err = encode_rollback_response(code, (aw_slice){result, result_len}, response, response_len);
cleanup:
    free(result);
    run_free(run);
    return err;
}
