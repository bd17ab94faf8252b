/* airwrite eUICC: eIM configuration of the IoT eUICC (SGP.32 2.11.1).
 *   ES10b.AddInitialEim, SGP.32 5.9.16 (BF57): the first eIM(s), accepted
 *     only while no eIM is associated;
 *   ES10b.GetEimConfigurationData, SGP.32 5.9.18 (BF55): the stored
 *     EimConfigurationData, all or the one eimId searchCriteria names;
 *   the eIM Configuration Operations of an eUICC Package (2.11.1.2, run by
 *     sgp32_package.c after the package is verified): addEim, deleteEim,
 *     updateEim, listEim.
 * Each Associated eIM is kept in the state as its EimConfigurationData DER,
 * re-encoded with counterValue = the last counter value accepted (5.9.1). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/sgp32_common.h"
#include "euicc/isdr_internal.h"

/* counterValue is an INTEGER; airwrite accepts 0..2^31-1 so a counter
 * never needs more than four content octets (counterValueOutOfRange) */
#define EIM_COUNTER_MAX INT64_C(0x7FFFFFFF)

static bool same_text(aw_slice a, aw_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int euicc_find_eim(const euicc_state *state, aw_slice eim_id, sgp32_eim_configuration_data *out)
{
    for (size_t i = 0; i < state->eim_count; i++) {
        if (sgp32_decode_eim_configuration_data(state->eims[i].configuration,
                                                state->eims[i].configuration_len,
                                                out) == AW_OK &&
            same_text(out->eim_id, eim_id))
            return (int)i;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

/* SubjectPublicKeyInfo DER to a key: the crypto API takes it as PEM. */
static aw_err key_from_spki(const uint8_t *der, size_t len, crypto_key **out)
{
    static const char head[] = "-----BEGIN PUBLIC KEY-----\n";
    static const char tail[] = "\n-----END PUBLIC KEY-----\n";
    if (len > 4096)
        return AW_ERR_DER_CONSTRAINT;
    size_t cap = sizeof(head) + 4 * ((len + 2) / 3) + sizeof(tail) + 1;
    char *pem = malloc(cap);
    if (pem == NULL)
        return AW_ERR_NOMEM;
    size_t n = sizeof(head) - 1;
    memcpy(pem, head, n);
    n += (size_t)EVP_EncodeBlock((unsigned char *)pem + n, der, (int)len);
    memcpy(pem + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    aw_err err = crypto_key_load_public_pem((const uint8_t *)pem, n, out);
    free(pem);
    return err;
}

aw_err euicc_eim_public_key(const sgp32_eim_configuration_data *eim, crypto_key **out)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    *out = NULL;
    if (!eim->has_eim_public_key_data)
        return AW_ERR_NOT_FOUND;
    /* [0] IMPLICIT SubjectPublicKeyInfo / [1] IMPLICIT Certificate (2.11.1) */
    aw_err err = sgp32_retag_as_sequence(eim->eim_public_key_data.value, &der, &der_len);
    if (err == AW_OK) {
        if (eim->eim_public_key_data.kind == SGP32_EIM_KEY_CERTIFICATE)
            err = crypto_key_from_certificate(der, der_len, out);
        else
            err = key_from_spki(der, der_len, out);
    }
    free(der);
    return err;
}

aw_err euicc_eim_set_counter(euicc_state *state, size_t index, int64_t counter_value)
{
    sgp32_eim_configuration_data eim;
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    if (index >= state->eim_count)
        return AW_ERR_ARGUMENT;
    aw_err err = sgp32_decode_eim_configuration_data(state->eims[index].configuration,
                                                     state->eims[index].configuration_len, &eim);
    if (err != AW_OK)
        return err;
    eim.raw = (aw_slice){NULL, 0};
    eim.has_counter_value = true;
    eim.counter_value = counter_value;
    err = sgp32_encode_eim_configuration_data(&eim, &encoded, &encoded_len);
    if (err == AW_OK)
        err = euicc_state_replace_eim(state, index, (aw_slice){encoded, encoded_len});
    free(encoded);
    return err;
}

static bool ci_pkid_known(const euicc *card, aw_slice pkid)
{
    const euicc_identity *id = card->identity;
    for (size_t i = 0; i < id->ci_pkid_signing_count; i++)
        if (pkid.len == id->ci_pkids_signing[i].len &&
            memcmp(pkid.ptr, id->ci_pkids_signing[i].bytes, pkid.len) == 0)
            return true;
    return false;
}

/* The checks addEim, updateEim and AddInitialEim share: an AddEimResult
 * code (2.11.1.2), SGP32_ADD_EIM_OK when the configuration is usable. */
static int64_t check_configuration(const euicc *card, const sgp32_eim_configuration_data *eim)
{
    crypto_key *key = NULL;
    if (eim->has_euicc_ci_pk_id && !ci_pkid_known(card, eim->euicc_ci_pk_id))
        return SGP32_ADD_EIM_CI_PK_UNKNOWN;
    if (eim->has_counter_value &&
        (eim->counter_value < 0 || eim->counter_value > EIM_COUNTER_MAX))
        return SGP32_ADD_EIM_COUNTER_VALUE_OUT_OF_RANGE;
    /* without PK.EIM.ECDSA no eUICC Package of this eIM could be verified */
    if (euicc_eim_public_key(eim, &key) != AW_OK)
        return SGP32_ADD_EIM_COMMAND_ERROR;
    crypto_key_free(key);
    return SGP32_ADD_EIM_OK;
}

/* Store a new eIM with counterValue set (0 when the eIM gave none). */
static aw_err store_eim(euicc_state *state, const sgp32_eim_configuration_data *eim)
{
    sgp32_eim_configuration_data copy = *eim;
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    copy.raw = (aw_slice){NULL, 0};
    if (!copy.has_counter_value) {
        copy.has_counter_value = true;
        copy.counter_value = 0;
    }
    aw_err err = sgp32_encode_eim_configuration_data(&copy, &encoded, &encoded_len);
    if (err == AW_OK && encoded_len > EUICC_EIM_CONFIGURATION_MAX)
        err = AW_ERR_LIMIT;
    if (err == AW_OK)
        err = euicc_state_add_eim(state, (aw_slice){encoded, encoded_len});
    free(encoded);
    return err;
}

/* addEim / AddInitialEim for one configuration: an AddEimResult code. */
static int64_t add_eim(euicc *card, const sgp32_eim_configuration_data *eim)
{
    sgp32_eim_configuration_data existing;
    if (euicc_find_eim(card->state, eim->eim_id, &existing) >= 0)
        return SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS;
    if (card->state->eim_count >= EUICC_MAX_EIMS)
        return SGP32_ADD_EIM_INSUFFICIENT_MEMORY;
    int64_t code = check_configuration(card, eim);
    if (code != SGP32_ADD_EIM_OK)
        return code;
    aw_err err = store_eim(card->state, eim);
    if (err == AW_ERR_LIMIT)
        return SGP32_ADD_EIM_INSUFFICIENT_MEMORY;
    return err == AW_OK ? SGP32_ADD_EIM_OK : SGP32_ADD_EIM_UNDEFINED_ERROR;
}

/* The associationToken the eUICC reports for an added eIM: the one the
 * configuration carries, echoed so the eIM can match it (2.11.1). */
static void add_result(const sgp32_eim_configuration_data *eim, int64_t code,
                       sgp32_add_eim_result *out)
{
    if (code == SGP32_ADD_EIM_OK && eim->has_association_token) {
        out->kind = SGP32_ADD_EIM_RESULT_ASSOCIATION_TOKEN;
        out->value = eim->association_token;
    } else {
        out->kind = SGP32_ADD_EIM_RESULT_CODE;
        out->value = code;
    }
}

static int64_t update_eim(euicc *card, const sgp32_eim_configuration_data *eim)
{
    sgp32_eim_configuration_data existing;
    int index = euicc_find_eim(card->state, eim->eim_id, &existing);
    if (index < 0)
        return SGP32_EIM_NOT_FOUND;
    int64_t code = check_configuration(card, eim);
    if (code != SGP32_ADD_EIM_OK)
        return code; /* ciPKUnknown(3), counterValueOutOfRange(6), commandError(7) */
    sgp32_eim_configuration_data updated = *eim;
    updated.raw = (aw_slice){NULL, 0};
    if (!updated.has_counter_value) { /* keep the replay counter */
        updated.has_counter_value = true;
        updated.counter_value = existing.counter_value;
    }
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    aw_err err = sgp32_encode_eim_configuration_data(&updated, &encoded, &encoded_len);
    if (err == AW_OK && encoded_len > EUICC_EIM_CONFIGURATION_MAX)
        err = AW_ERR_LIMIT;
    if (err == AW_OK)
        err = euicc_state_replace_eim(card->state, (size_t)index,
                                      (aw_slice){encoded, encoded_len});
    free(encoded);
    return err == AW_OK ? SGP32_RESULT_OK : SGP32_RESULT_UNDEFINED_ERROR;
}

static int64_t delete_eim(euicc *card, aw_slice eim_id)
{
    sgp32_eim_configuration_data existing;
    int index = euicc_find_eim(card->state, eim_id, &existing);
    if (index < 0)
        return SGP32_EIM_NOT_FOUND;
    euicc_state_remove_eim(card->state, (size_t)index);
    /* 2.11.1.2: lastEimDeleted reports the deletion of the last eIM */
    return card->state->eim_count == 0 ? SGP32_EIM_LAST_EIM_DELETED : SGP32_RESULT_OK;
}

static void list_eim(euicc *card, euicc_eco_scratch *scratch, sgp32_list_eim_result *out)
{
    const euicc_state *s = card->state;
    out->kind = SGP32_LIST_EIM_RESULT_EIM_ID_LIST;
    out->eim_id_count = 0;
    for (size_t i = 0; i < s->eim_count && i < SGP32_MAX_EIM_ID_INFOS; i++) {
        sgp32_eim_configuration_data eim;
        if (sgp32_decode_eim_configuration_data(s->eims[i].configuration,
                                                s->eims[i].configuration_len, &eim) != AW_OK ||
            eim.eim_id.len > SGP32_EIM_ID_MAX)
            continue;
        sgp32_eim_id_info *info = &out->eim_ids[out->eim_id_count++];
        memset(info, 0, sizeof(*info));
        memcpy(scratch->eim_ids[i], eim.eim_id.ptr, eim.eim_id.len);
        info->eim_id = (aw_slice){(const uint8_t *)scratch->eim_ids[i], eim.eim_id.len};
        /* EimIdInfo: eimIdType only for the OID and FQDN types */
        if (eim.has_eim_id_type && (eim.eim_id_type == SGP32_EIM_ID_TYPE_OID ||
                                    eim.eim_id_type == SGP32_EIM_ID_TYPE_FQDN)) {
            info->has_eim_id_type = true;
            info->eim_id_type = eim.eim_id_type;
        }
    }
}

void euicc_run_eco(euicc *card, const sgp32_eco *eco, euicc_eco_scratch *scratch,
                   sgp32_euicc_result_data *result)
{
    memset(result, 0, sizeof(*result));
    switch (eco->kind) {
    case SGP32_ECO_ADD_EIM:
        result->kind = SGP32_EUICC_RESULT_ADD_EIM;
        add_result(&eco->add_eim, add_eim(card, &eco->add_eim), &result->add_eim_result);
        break;
    case SGP32_ECO_DELETE_EIM:
        result->kind = SGP32_EUICC_RESULT_DELETE_EIM;
        result->delete_eim_result = delete_eim(card, eco->delete_eim.eim_id);
        break;
    case SGP32_ECO_UPDATE_EIM:
        result->kind = SGP32_EUICC_RESULT_UPDATE_EIM;
        result->update_eim_result = update_eim(card, &eco->update_eim);
        break;
    case SGP32_ECO_LIST_EIM:
        result->kind = SGP32_EUICC_RESULT_LIST_EIM;
        list_eim(card, scratch, &result->list_eim_result);
        break;
    default: /* an alternative of a later version */
        result->kind = SGP32_EUICC_RESULT_PROCESSING_TERMINATED;
        result->processing_terminated = SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND;
        break;
    }
}

/* ---- ES10b.AddInitialEim, SGP.32 5.9.16 -------------------------------- */

aw_err euicc_add_initial_eim(euicc *card, const uint8_t *command, size_t len,
                             uint8_t **response, size_t *response_len)
{
    sgp32_add_initial_eim_request *request = malloc(sizeof(*request));
    sgp32_add_initial_eim_response result;
    euicc_state *s = card->state;
    if (request == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_add_initial_eim_request(command, len, request);
    if (err != AW_OK)
        goto cleanup;
    memset(&result, 0, sizeof(result));
    result.kind = SGP32_ADD_INITIAL_EIM_RESPONSE_OK;
    int64_t code = SGP32_ADD_EIM_OK;
    if (s->eim_count > 0) /* only for an eUICC with no Associated eIM */
        code = SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS;
    else if (request->eim_configuration_count == 0)
        code = SGP32_ADD_EIM_COMMAND_ERROR;
    for (size_t i = 0; code == SGP32_ADD_EIM_OK && i < request->eim_configuration_count; i++) {
        const sgp32_eim_configuration_data *eim = &request->eim_configurations[i];
        code = add_eim(card, eim);
        if (code == SGP32_ADD_EIM_OK && eim->has_association_token) {
            result.ok[i].kind = SGP32_ADD_INITIAL_EIM_OK_ASSOCIATION_TOKEN;
            result.ok[i].association_token = eim->association_token;
        } else {
            result.ok[i].kind = SGP32_ADD_INITIAL_EIM_OK_ADD_OK;
        }
    }
    if (code == SGP32_ADD_EIM_OK && euicc_state_commit(s) != AW_OK)
        code = SGP32_ADD_EIM_UNDEFINED_ERROR; /* the commit rolled back */
    if (code == SGP32_ADD_EIM_OK) {
        result.ok_count = request->eim_configuration_count;
    } else {
        /* all or nothing: memory back to the file, forgetting any entry
         * this request added before the failing one */
        (void)euicc_state_reload(s);
        result.kind = SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR;
        result.add_initial_eim_error = code;
    }
    err = sgp32_encode_add_initial_eim_response(&result, response, response_len);
cleanup:
    free(request);
    return err;
}

/* ---- ES10b.GetEimConfigurationData, SGP.32 5.9.18 ---------------------- */

aw_err euicc_get_eim_configuration_data(euicc *card, const uint8_t *command, size_t len,
                                        uint8_t **response, size_t *response_len)
{
    sgp32_get_eim_configuration_data_request request;
    sgp32_get_eim_configuration_data_response *result = calloc(1, sizeof(*result));
    const euicc_state *s = card->state;
    if (result == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_get_eim_configuration_data_request(command, len, &request);
    for (size_t i = 0; err == AW_OK && i < s->eim_count; i++) {
        sgp32_eim_configuration_data *eim =
            &result->eim_configurations[result->eim_configuration_count];
        err = sgp32_decode_eim_configuration_data(s->eims[i].configuration,
                                                  s->eims[i].configuration_len, eim);
        if (err == AW_OK && request.has_search_criteria &&
            request.search_criteria.kind == SGP32_EIM_SEARCH_EIM_ID &&
            !same_text(eim->eim_id, request.search_criteria.eim_id))
            continue;
        if (err == AW_OK)
            result->eim_configuration_count++;
    }
    if (err == AW_OK)
        err = sgp32_encode_get_eim_configuration_data_response(result, response, response_len);
    free(result);
    return err;
}
