/* airwrite eIM: IPA eUICC data (SGP.32 2.11.2 IpaEuiccDataRequest /
 * IpaEuiccDataResponse, an eIM Package of GetEimPackage 6.3.2.6 answered by
 * ProvideEimPackageResult 6.3.2.7).
 *
 * The eIM asks for data it needs to manage an eUICC: its certificates
 * (eumCertificate A5, euiccCertificate A6), which it keeps once their chain
 * to a trusted CI verifies for the eUICC's EID (SGP.22 4.5.2.2), and the
 * EuiccPackageResults still pending on the eUICC (euiccPackageResultList
 * A2), whose answers to the eIM were lost: each is verified and recorded as
 * if it had come by itself, and its seqNumber acknowledged so the eUICC can
 * drop it (EimAcknowledgements, 6.3.2.7). The request is matched with the
 * response by eimTransactionId. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_ipa.h"
#include "eim/eim_internal.h"
#include "eim/relay_compact.h"

/* IpaEuiccData tags a tagList may name (SGP32Definitions IpaEuiccData). */
static bool known_tag(uint32_t tag)
{
    static const uint32_t tags[] = {0xA0, 0x81, 0xA2, 0xBF20, 0xBF22, 0x83,
                                    0x84, 0xA5, 0xA6, 0xA8, 0xA9};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (tags[i] == tag)
            return true;
    return false;
}

/* tagList: IpaEuiccData tags of one or two octets (X.690 8.1.2), 1..16 octets. */
static bool tag_list_valid(const uint8_t *tags, size_t len)
{
    if (tags == NULL || len == 0 || len > 16)
        return false;
    for (size_t i = 0; i < len;) {
        uint32_t tag = tags[i++];
        if ((tag & 0x1Fu) == 0x1Fu) {
            if (i >= len)
                return false;
            tag = tag << 8 | tags[i++];
        }
        if (!known_tag(tag))
            return false;
    }
    return true;
}

aw_err eim_package_enqueue_euicc_data(db_connection *db, const char *eid, const uint8_t *tags,
                                      size_t tags_len, int64_t now_ms, int64_t *package_id)
{
    sgp32_ipa_euicc_data_request request;
    uint8_t transaction_id[EIM_TRANSACTION_ID_SIZE];
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    int64_t id = 0, count = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (db == NULL || eid == NULL)
        return AW_ERR_ARGUMENT;
    if (!tag_list_valid(tags, tags_len))
        return AW_ERR_EIM_PACKAGE;
    memset(&request, 0, sizeof(request));
    request.tag_list = (aw_slice){tags, tags_len};
    request.has_eim_transaction_id = true;
    request.eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    aw_err err = crypto_random_bytes(transaction_id, sizeof(transaction_id));
    if (err == AW_OK)
        err = sgp32_encode_ipa_euicc_data_request(&request, &encoded, &encoded_len);
    db_param who = DB_PARAM_TEXT(eid);
    if (err == AW_OK)
        err = db_query_int64(db, "SELECT COUNT(*) FROM eim_euiccs WHERE eid = ?", &who, 1, &count);
    if (err == AW_OK && count == 0)
        err = AW_ERR_EIM_UNKNOWN_EUICC;
    if (err == AW_OK)
        err = eim_package_insert(db, eid, EIM_PACKAGE_KIND_EUICC_DATA,
                                 (aw_slice){transaction_id, sizeof(transaction_id)},
                                 (aw_slice){encoded, encoded_len}, now_ms, &id);
    free(encoded);
    if (err == AW_OK && package_id != NULL)
        *package_id = id;
    return err;
}

/* ---- the response ---------------------------------------------------------- */

/* eumCertificate / euiccCertificate are [5] / [6] IMPLICIT Certificate. */
static aw_err store_certificates(db_connection *db, const pki_trust_store *trust, const char *eid,
                                 const sgp32_ipa_euicc_data *data, int64_t now_ms)
{
    uint8_t *euicc = NULL, *eum = NULL;
    size_t euicc_len = 0, eum_len = 0;
    aw_err err = sgp32_retag_as_sequence(data->euicc_certificate, &euicc, &euicc_len);
    if (err == AW_OK)
        err = sgp32_retag_as_sequence(data->eum_certificate, &eum, &eum_len);
    if (err == AW_OK)
        err = eim_registry_set_certificates(db, eid, trust, euicc, euicc_len, eum, eum_len,
                                            now_ms);
    free(euicc);
    free(eum);
    return err;
}

/* seqNumber of a result recorded earlier with exactly these bytes. */
static bool recorded_before(db_connection *db, const char *eid, aw_slice result, int64_t *seq)
{
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_BLOB(result.ptr, result.len),
                    DB_PARAM_INT64(EIM_PACKAGE_DONE)};
    return db_query_int64(db,
                          "SELECT seq_number FROM eim_packages "
                          "WHERE eid = ? AND result = ? AND state = ?",
                          p, 3, seq) == AW_OK;
}

/* Every EuiccPackageResult of the list through eim_result_record. */
static aw_err record_results(db_connection *db, const pki_trust_store *trust, const char *eid,
                             aw_slice list, int64_t now_ms, eim_euicc_data_info *info)
{
    sgp32_list_iterator it;
    aw_slice element;
    aw_err err = sgp32_list_iterator_init(&it, list);
    while (err == AW_OK && (err = sgp32_list_next(&it, &element)) == AW_OK) {
        eim_result_info result;
        int64_t seq = 0;
        info->result_count++;
        aw_err verdict = eim_result_record(db, trust, eid, element.ptr, element.len, now_ms,
                                           &result);
        bool acknowledge = false;
        if (verdict == AW_OK) {
            info->results_recorded++;
            acknowledge = !result.is_error;
            seq = result.seq_number;
        } else if (verdict == AW_ERR_EIM_RESULT_REPLAY && recorded_before(db, eid, element, &seq)) {
            info->results_recorded++;
            acknowledge = true; /* our acknowledgement was lost: send it again */
        } else if (eim_internal_failure(verdict)) {
            return verdict;
        }
        if (acknowledge && info->seq_number_count < SGP32_MAX_EIM_ACKNOWLEDGEMENTS)
            info->seq_numbers[info->seq_number_count++] = seq;
    }
    return err == AW_ERR_NOT_FOUND ? AW_OK : err;
}

static aw_err record_data(db_connection *db, const pki_trust_store *trust, const char *eid,
                          const sgp32_ipa_euicc_data_response *r, aw_slice response,
                          int64_t now_ms, eim_euicc_data_info *info)
{
    bool has_tid = r->kind == SGP32_IPA_EUICC_DATA_RESPONSE_DATA
                       ? r->ipa_euicc_data.has_eim_transaction_id
                       : r->error.has_eim_transaction_id;
    aw_slice tid = r->kind == SGP32_IPA_EUICC_DATA_RESPONSE_DATA
                       ? r->ipa_euicc_data.eim_transaction_id
                       : r->error.eim_transaction_id;
    if (!has_tid)
        return AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE; /* this eIM always sends one */
    aw_err err = eim_package_find_sent(db, eid, EIM_PACKAGE_KIND_EUICC_DATA, tid,
                                       &info->package_id);
    if (err == AW_OK && r->kind == SGP32_IPA_EUICC_DATA_RESPONSE_ERROR)
        return eim_package_finish(db, info->package_id, true, r->error.ipa_euicc_data_error_code,
                                  response, now_ms);
    const sgp32_ipa_euicc_data *data = &r->ipa_euicc_data;
    if (err == AW_OK && data->has_euicc_certificate && data->has_eum_certificate) {
        err = store_certificates(db, trust, eid, data, now_ms);
        info->certificates_stored = err == AW_OK;
    }
    if (err == AW_OK) /* minimizeEsipaBytes: euiccInfo1/2, ipaCapabilities (relay_compact.h) */
        err = eim_compact_store_euicc_data(db, eid, data, now_ms);
    if (err == AW_OK && data->has_euicc_package_result_list)
        err = record_results(db, trust, eid, data->euicc_package_result_list, now_ms, info);
    if (err == AW_OK)
        err = eim_package_finish(db, info->package_id, false, 0, response, now_ms);
    return err;
}

aw_err eim_euicc_data_record(db_connection *db, const pki_trust_store *trust, const char *eid,
                             const uint8_t *response, size_t response_len, int64_t now_ms,
                             eim_euicc_data_info *info)
{
    eim_euicc_data_info ignored;
    if (info == NULL)
        info = &ignored;
    memset(info, 0, sizeof(*info));
    if (db == NULL || trust == NULL || eid == NULL || response == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_ipa_euicc_data_response *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    eim_euicc euicc;
    aw_err err = sgp32_decode_ipa_euicc_data_response(response, response_len, decoded);
    if (err == AW_OK)
        err = eim_registry_get(db, eid, &euicc);
    if (err == AW_OK) {
        eim_euicc_clear(&euicc);
        err = record_data(db, trust, eid, decoded, (aw_slice){response, response_len}, now_ms,
                          info);
    }
    free(decoded);
    if (err != AW_OK)
        memset(info, 0, sizeof(*info));
    return err;
}
