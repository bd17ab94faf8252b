/* airwrite eIM: the indirect Profile download relay (SGP.32 3.2 eIM-
 * triggered download through the eIM; ESipa 6.3.2.1 InitiateAuthentication,
 * 6.3.2.2 AuthenticateClient, 6.3.2.3 GetBoundProfilePackage, 6.3.2.5
 * CancelSession over the ASN.1 binding), each ESipa request relayed as the
 * matching ES9+ function (SGP.22 5.6.1-5.6.5) to the SM-DP+ over the 6.5
 * JSON binding (core/es9p_client.h).
 *
 * The SM-DP+ of a download is the smdpAddress of InitiateAuthentication (or
 * the one of the Activation Code of the trigger its eimTransactionId
 * names); the transactionId the SM-DP+ allocates is stored with it, and the
 * later functions go where their transactionId leads. Success answers of
 * ES9+ and ESipa share their encoding (the [0] Ok alternatives of
 * InitiateAuthenticationOkEsipa, AuthenticateClientOkDPEsipa,
 * GetBoundProfilePackageOkEsipa and CancelSessionOk carry the very
 * components of the SGP.22 Ok sequences, in the same order with the same
 * tags), so the SM-DP+'s bytes go back unchanged and its signatures stay
 * verifiable by the eUICC. A Failed status becomes the function's ESipa
 * error integer through the error tables of SGP.22 5.6.1-5.6.5 (which
 * pair each subjectCode/reasonCode with the RSPDefinitions error value the
 * SGP32Definitions ...ErrorEsipa enumerations repeat).
 *
 * minimizeEsipaBytes (relay_compact.h): an IPA's compact forms are rebuilt
 * into the exact SGP.22 bytes the eUICC signed before ES9+, euiccInfo1 is
 * supplied from what the eIM holds, and for an IPA that announced it the
 * Ok answers go back without their OPTIONAL transactionId. */
#include <stdlib.h>
#include <string.h>

#include "core/es9p_client.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_es9.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"
#include "core/sgp32_trigger.h"
#include "eim/eim_internal.h"
#include "eim/relay_compact.h"

aw_err eim_relay_new(const eim_relay_config *config, eim_relay **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || config->ca_file == NULL || out == NULL ||
        (config->routes == NULL && config->route_count != 0))
        return AW_ERR_ARGUMENT;
    eim_relay *relay = calloc(1, sizeof(*relay));
    if (relay == NULL)
        return AW_ERR_NOMEM;
    http_client_config http = {.ca_file = config->ca_file, .timeout_ms = config->timeout_ms,
                               .max_response_size = ES9P_CLIENT_RESPONSE_MAX};
    aw_err err = http_client_new(&http, &relay->client);
    if (err != AW_OK) {
        free(relay);
        return err;
    }
    relay->routes = config->routes;
    relay->route_count = config->route_count;
    relay->device_binding = config->device_binding;
    relay->notification_attempts = config->notification_attempts != 0
                                       ? config->notification_attempts
                                       : EIM_NOTIFICATION_DEFAULT_ATTEMPTS;
    relay->notification_retry_ms = config->notification_retry_ms != 0
                                       ? config->notification_retry_ms
                                       : EIM_NOTIFICATION_DEFAULT_RETRY_MS;
    *out = relay;
    return AW_OK;
}

void eim_relay_free(eim_relay *relay)
{
    if (relay == NULL)
        return;
    http_client_free(relay->client);
    free(relay);
}

aw_err eim_relay_base_url(const eim_relay *relay, aw_slice address, char *out, size_t cap)
{
    for (size_t i = 0; i < relay->route_count; i++) {
        const eim_smdp_route *r = &relay->routes[i];
        if (r->smdp_address != NULL && r->base_url != NULL &&
            strlen(r->smdp_address) == address.len &&
            memcmp(r->smdp_address, address.ptr, address.len) == 0)
            return eim_copy_text(out, cap, r->base_url) == AW_OK ? AW_OK : AW_ERR_ARGUMENT;
    }
    return es9p_client_base_url((const char *)address.ptr, address.len, out, cap);
}

/* ---- ES9+ status -> ESipa error integer ---------------------------------- */

typedef struct status_map {
    const char *subject;
    const char *reason;
    int64_t error;
} status_map;

/* SGP.22 5.6.1 error table -> InitiateAuthenticationErrorEsipa */
static const status_map initiate_map[] = {
    {"8.8.1", "3.8", SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS},
    {"8.8.3", "3.1", SGP32_INITIATE_AUTHENTICATION_EUICC_VERSION_NOT_SUPPORTED_BY_DP},
    {"8.8.2", "3.1", SGP32_INITIATE_AUTHENTICATION_CI_PK_ID_NOT_SUPPORTED},
    /* no DPauth certificate for the eUICC's CIs: its CI PKIDs cannot be used */
    {"8.8.4", "3.7", SGP32_INITIATE_AUTHENTICATION_CI_PK_ID_NOT_SUPPORTED},
};

/* SGP.22 5.6.3 error table -> AuthenticateClientErrorEsipa */
static const status_map authenticate_map[] = {
    {"8.1.2", "6.1", SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_INVALID},
    {"8.1.2", "6.3", SGP32_AUTHENTICATE_CLIENT_EUM_CERTIFICATE_EXPIRED},
    {"8.1.3", "6.1", SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_INVALID},
    {"8.1.3", "6.3", SGP32_AUTHENTICATE_CLIENT_EUICC_CERTIFICATE_EXPIRED},
    {"8.1", "6.1", SGP32_AUTHENTICATE_CLIENT_EUICC_SIGNATURE_INVALID},
    {"8.2.6", "3.8", SGP32_AUTHENTICATE_CLIENT_MATCHING_ID_REFUSED},
    {"8.1.1", "3.8", SGP32_AUTHENTICATE_CLIENT_EID_MISMATCH},
    {"8.2.5", "4.3", SGP32_AUTHENTICATE_CLIENT_NO_ELIGIBLE_PROFILE},
    {"8.11.1", "3.9", SGP32_AUTHENTICATE_CLIENT_CI_PK_UNKNOWN},
    {"8.10.1", "3.9", SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID},
    {"8.8.5", "4.10", SGP32_AUTHENTICATE_CLIENT_DOWNLOAD_ORDER_EXPIRED},
};

/* SGP.22 5.6.2 error table -> GetBoundProfilePackageErrorEsipa */
static const status_map bpp_map[] = {
    {"8.1", "6.1", SGP32_GET_BPP_EUICC_SIGNATURE_INVALID},
    {"8.2.7", "2.2", SGP32_GET_BPP_CONFIRMATION_CODE_MISSING},
    {"8.2.7", "3.8", SGP32_GET_BPP_CONFIRMATION_CODE_REFUSED},
    {"8.2.7", "6.4", SGP32_GET_BPP_CONFIRMATION_CODE_RETRIES_EXCEEDED},
    {"8.2", "3.7", SGP32_GET_BPP_REBINDING_REFUSED},
    {"8.10.1", "3.9", SGP32_GET_BPP_INVALID_TRANSACTION_ID},
};

/* SGP.22 5.6.5 error table -> CancelSessionErrorEsipa */
static const status_map cancel_map[] = {
    {"8.10.1", "3.9", SGP32_CANCEL_SESSION_INVALID_TRANSACTION_ID},
    {"8.1", "6.1", SGP32_CANCEL_SESSION_EUICC_SIGNATURE_INVALID},
};

/* Every status the tables do not name (order expired or retries exceeded
 * where the function has no value for it, generic format errors, the
 * SM-DP+'s own failures) is undefinedError. */
#define RELAY_UNDEFINED_ERROR 127

static int64_t map_status(const status_map *map, size_t count, const es9p_client_status *status)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(map[i].subject, status->subject_code) == 0 &&
            strcmp(map[i].reason, status->reason_code) == 0)
            return map[i].error;
    }
    return RELAY_UNDEFINED_ERROR;
}

/* The relayed functions, by ESipa message kind. */
typedef struct relay_function {
    sgp32_esipa_ipa_to_eim_kind request;
    sgp32_esipa_eim_to_ipa_kind response;
    es9p_client_function es9p;
    const status_map *map;
    size_t map_count;
    int64_t unknown_transaction; /* the ESipa error for a transactionId not relayed */
    eim_download_state next;     /* the download's state once answered with success */
} relay_function;

#define MAP(m) m, sizeof(m) / sizeof(m[0])

static const relay_function relay_functions[] = {
    {SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST, SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE,
     ES9P_CLIENT_INITIATE_AUTHENTICATION, MAP(initiate_map),
     SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID, EIM_DOWNLOAD_AUTHENTICATING},
    {SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST, SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE,
     ES9P_CLIENT_AUTHENTICATE_CLIENT, MAP(authenticate_map),
     SGP32_AUTHENTICATE_CLIENT_INVALID_TRANSACTION_ID, EIM_DOWNLOAD_AUTHENTICATED},
    {SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST, SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE,
     ES9P_CLIENT_GET_BOUND_PROFILE_PACKAGE, MAP(bpp_map), SGP32_GET_BPP_INVALID_TRANSACTION_ID,
     EIM_DOWNLOAD_BPP_SENT},
    {SGP32_ESIPA_CANCEL_SESSION_REQUEST, SGP32_ESIPA_CANCEL_SESSION_RESPONSE,
     ES9P_CLIENT_CANCEL_SESSION, MAP(cancel_map), SGP32_CANCEL_SESSION_INVALID_TRANSACTION_ID,
     EIM_DOWNLOAD_CANCELLED},
};

/* The ESipa response of f carrying error (the CHOICE's error alternative). */
static aw_err answer_error(const relay_function *f, int64_t error, uint8_t **out, size_t *out_len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    m->kind = f->response;
    switch (f->response) {
    case SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE:
        m->initiate_authentication_response.kind = SGP32_INITIATE_AUTHENTICATION_RESPONSE_ERROR;
        m->initiate_authentication_response.error = error;
        break;
    case SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE:
        m->authenticate_client_response.kind = SGP32_AUTHENTICATE_CLIENT_RESPONSE_ERROR;
        m->authenticate_client_response.error = error;
        break;
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE:
        m->get_bound_profile_package_response.kind = SGP32_GET_BPP_RESPONSE_ERROR;
        m->get_bound_profile_package_response.error = error;
        break;
    default:
        m->cancel_session_response.kind = SGP32_CANCEL_SESSION_RESPONSE_ERROR;
        m->cancel_session_response.error = error;
        break;
    }
    aw_err err = sgp32_encode_esipa_message_from_eim_to_ipa(m, out, out_len);
    free(m);
    return err;
}

/* ---- the download records ------------------------------------------------- */

static aw_err download_insert(db_connection *db, aw_slice transaction_id, aw_slice address,
                              const char *eid, int64_t package_id, int64_t now_ms)
{
    char text[ES9P_CLIENT_ADDRESS_MAX + 1];
    memcpy(text, address.ptr, address.len);
    text[address.len] = '\0';
    db_param p[] = {DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len), DB_PARAM_TEXT(text),
                    eid != NULL ? DB_PARAM_TEXT(eid) : DB_PARAM_NULL,
                    package_id != 0 ? DB_PARAM_INT64(package_id) : DB_PARAM_NULL,
                    DB_PARAM_INT64(EIM_DOWNLOAD_AUTHENTICATING), DB_PARAM_INT64(now_ms),
                    DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO eim_downloads (transaction_id, smdp_address, eid, package_id, "
                      "state, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      p, 7, NULL);
}

static aw_err download_set_state(db_connection *db, aw_slice transaction_id,
                                 eim_download_state state, const es9p_client_status *status,
                                 int64_t now_ms)
{
    db_param p[] = {DB_PARAM_INT64(state),
                    status != NULL ? DB_PARAM_TEXT(status->subject_code) : DB_PARAM_NULL,
                    status != NULL ? DB_PARAM_TEXT(status->reason_code) : DB_PARAM_NULL,
                    DB_PARAM_INT64(now_ms),
                    DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len)};
    return db_execute(db,
                      "UPDATE eim_downloads SET state = ?, subject_code = ?, reason_code = ?, "
                      "updated_ms = ? WHERE transaction_id = ?",
                      p, 5, NULL);
}

static aw_err read_download(const db_rows *rows, eim_download_record *out)
{
    const uint8_t *id = NULL;
    const char *text = NULL;
    int64_t state = 0;
    aw_err err = db_rows_get_blob(rows, 0, &id, &out->transaction_id_len);
    if (err == AW_OK && out->transaction_id_len > sizeof(out->transaction_id))
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK) {
        memcpy(out->transaction_id, id, out->transaction_id_len);
        err = db_rows_get_text(rows, 1, &text);
    }
    if (err == AW_OK)
        err = eim_copy_text(out->smdp_address, sizeof(out->smdp_address), text);
    if (err == AW_OK && db_rows_get_text(rows, 2, &text) == AW_OK)
        err = eim_copy_text(out->eid, sizeof(out->eid), text);
    if (err == AW_OK && db_rows_get_int64(rows, 3, &out->package_id) != AW_OK)
        out->package_id = 0;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &state);
    out->state = (eim_download_state)state;
    if (err == AW_OK && db_rows_get_text(rows, 5, &text) == AW_OK)
        err = eim_copy_text(out->subject_code, sizeof(out->subject_code), text);
    if (err == AW_OK && db_rows_get_text(rows, 6, &text) == AW_OK)
        err = eim_copy_text(out->reason_code, sizeof(out->reason_code), text);
    return err;
}

aw_err eim_download_get(db_connection *db, const uint8_t *transaction_id,
                        size_t transaction_id_len, eim_download_record *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || transaction_id == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    db_rows *rows = NULL;
    bool has_row = false;
    db_param p = DB_PARAM_BLOB(transaction_id, transaction_id_len);
    aw_err err = db_query(db,
                          "SELECT transaction_id, smdp_address, eid, package_id, state, "
                          "subject_code, reason_code FROM eim_downloads WHERE transaction_id = ?",
                          &p, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_RELAY_TRANSACTION;
    if (err == AW_OK)
        err = read_download(rows, out);
    db_rows_free(rows);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

/* minimizeEsipaBytes (relay_compact.h): the SM-DP+'s Ok answer *out noted
 * for later rebuilds and, for an eUICC whose IPA minimizes, sent without
 * its OPTIONAL transactionId. */
static aw_err finish_minimized(const eim_context *c, const relay_function *f, const char *eid,
                               uint8_t **out, size_t *out_len)
{
    bool minimizing = false;
    aw_err err = eim_compact_note_response(c->db, f->response, *out, *out_len);
    if (err == AW_OK && eid != NULL && eid[0] != '\0')
        err = eim_compact_minimizing(c->db, eid, &minimizing);
    if (err == AW_OK && minimizing)
        err = eim_compact_strip_transaction_id(out, out_len);
    return err;
}

/* ---- InitiateAuthentication (6.3.2.1) ------------------------------------ */

/* The trigger an eimTransactionId names: handed out (SENT) and of an
 * Activation Code, whose SM-DP+ address is the download's (SGP.22 4.1:
 * "1$address$matchingId..."). */
typedef struct trigger_info {
    int64_t package_id;
    char eid[EIM_EID_DIGITS + 1];
    char address[ES9P_CLIENT_ADDRESS_MAX + 1];
} trigger_info;

static aw_err trigger_find(db_connection *db, aw_slice eim_transaction_id, trigger_info *out)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const char *eid = NULL;
    const uint8_t *request = NULL;
    size_t request_len = 0;
    int64_t state = 0;
    db_param p[] = {DB_PARAM_INT64(EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER),
                    DB_PARAM_BLOB(eim_transaction_id.ptr, eim_transaction_id.len)};
    aw_err err = db_query(db,
                          "SELECT id, eid, request, state FROM eim_packages "
                          "WHERE kind = ? AND transaction_id = ?",
                          p, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_EIM_RELAY_TRANSACTION;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &out->package_id);
    if (err == AW_OK)
        err = db_rows_get_text(rows, 1, &eid);
    if (err == AW_OK)
        err = eim_copy_text(out->eid, sizeof(out->eid), eid);
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 2, &request, &request_len);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 3, &state);
    if (err == AW_OK && state != EIM_PACKAGE_SENT)
        err = AW_ERR_EIM_RELAY_TRANSACTION; /* not handed out, or answered already */
    sgp32_profile_download_trigger_request trigger;
    if (err == AW_OK &&
        sgp32_decode_profile_download_trigger_request(request, request_len, &trigger) == AW_OK &&
        trigger.has_profile_download_data &&
        trigger.profile_download_data.kind == SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE) {
        aw_slice code = trigger.profile_download_data.activation_code;
        const uint8_t *start = code.len > 2 ? code.ptr + 2 : NULL;
        const uint8_t *end = start != NULL ? memchr(start, '$', code.len - 2) : NULL;
        if (end != NULL && end > start && (size_t)(end - start) <= ES9P_CLIENT_ADDRESS_MAX) {
            memcpy(out->address, start, (size_t)(end - start));
            out->address[end - start] = '\0';
        }
    }
    db_rows_free(rows);
    return err;
}

/* The SGP.22 InitiateAuthenticationRequest (5.6.1) of an ESipa one: the
 * eimTransactionId stays with the eIM. */
static aw_err build_initiate_request(const sgp32_initiate_authentication_request_esipa *r,
                                     aw_slice address, aw_slice euicc_info1, uint8_t **out,
                                     size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF39);
    der_put_slice(&b, 0x81, r->euicc_challenge);
    der_put_slice(&b, 0x83, address);
    der_put_raw(&b, euicc_info1.ptr, euicc_info1.len);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

/* Relay one ES9+ exchange of f and answer the IPA: the SM-DP+'s Ok bytes
 * when they decode as the ESipa response, else the mapped error. result
 * keeps the SM-DP+'s answer (its response NULL unless executed);
 * *verdict is AW_ERR_STATE when the SM-DP+ refused the function. */
static aw_err exchange(eim_relay *relay, const relay_function *f, const char *base_url,
                       const uint8_t *request, size_t len, uint8_t **out, size_t *out_len,
                       es9p_client_result *result, aw_err *verdict)
{
    aw_err err = es9p_client_call(relay->client, base_url, f->es9p, request, len, result);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) {
        /* unreachable, or an answer out of the binding: no ES9+ status to
         * map, so the IPA learns only that the function failed */
        *verdict = err;
        return answer_error(f, RELAY_UNDEFINED_ERROR, out, out_len);
    }
    if (result->response == NULL) {
        *verdict = AW_ERR_STATE;
        return answer_error(f, map_status(f->map, f->map_count, &result->status), out, out_len);
    }
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    err = sgp32_decode_esipa_message_from_eim_to_ipa(result->response, result->response_len, m);
    bool same_kind = err == AW_OK && m->kind == f->response;
    free(m);
    if (!same_kind) {
        *verdict = AW_ERR_ES9P_CLIENT_RESPONSE;
        es9p_client_result_clear(result);
        return answer_error(f, RELAY_UNDEFINED_ERROR, out, out_len);
    }
    *out = malloc(result->response_len);
    if (*out == NULL)
        return AW_ERR_NOMEM;
    memcpy(*out, result->response, result->response_len);
    *out_len = result->response_len;
    return AW_OK;
}

static aw_err initiate_authentication(eim_relay *relay, const eim_context *c,
                                      const sgp32_initiate_authentication_request_esipa *r,
                                      int64_t now_ms, uint8_t **out, size_t *out_len,
                                      aw_err *verdict)
{
    const relay_function *f = &relay_functions[0];
    trigger_info trigger;
    memset(&trigger, 0, sizeof(trigger));
    if (r->has_eim_transaction_id) {
        aw_err err = trigger_find(c->db, r->eim_transaction_id, &trigger);
        if (err == AW_ERR_EIM_RELAY_TRANSACTION) {
            *verdict = err;
            return answer_error(f, SGP32_INITIATE_AUTHENTICATION_INVALID_EIM_TRANSACTION_ID, out,
                                out_len);
        }
        if (err != AW_OK)
            return err;
    }
    aw_slice address = r->has_smdp_address
                           ? r->smdp_address
                           : (aw_slice){(const uint8_t *)trigger.address, strlen(trigger.address)};
    /* SGP.32 6.3.2.1: the address the IPA names must be the trigger's */
    if (r->has_smdp_address && trigger.address[0] != '\0' &&
        (address.len != strlen(trigger.address) ||
         memcmp(address.ptr, trigger.address, address.len) != 0)) {
        *verdict = AW_ERR_EIM_RELAY_ADDRESS;
        return answer_error(f, SGP32_INITIATE_AUTHENTICATION_SMDP_ADDRESS_MISMATCH, out, out_len);
    }
    char base_url[ES9P_CLIENT_ADDRESS_MAX + 64];
    if (address.len == 0 || address.len > ES9P_CLIENT_ADDRESS_MAX ||
        eim_relay_base_url(relay, address, base_url, sizeof(base_url)) != AW_OK) {
        *verdict = AW_ERR_EIM_RELAY_ADDRESS;
        return answer_error(f, SGP32_INITIATE_AUTHENTICATION_INVALID_DP_ADDRESS, out, out_len);
    }
    uint8_t *held_info1 = NULL;
    size_t held_len = 0;
    aw_slice info1 = r->euicc_info1;
    if (!r->has_euicc_info1) {
        /* minimizeEsipaBytes: ES9+ needs euiccInfo1, the one held for the
         * trigger's eUICC (relay_compact.h) */
        aw_err held = trigger.eid[0] != '\0'
                          ? eim_compact_euicc_info1(c->db, trigger.eid, &held_info1, &held_len)
                          : AW_ERR_SGP32_COMPACT_CONTEXT;
        if (eim_internal_failure(held))
            return held;
        if (held != AW_OK) {
            *verdict = held;
            return answer_error(f, RELAY_UNDEFINED_ERROR, out, out_len);
        }
        info1 = (aw_slice){held_info1, held_len};
    }
    uint8_t *request = NULL;
    size_t request_len = 0;
    es9p_client_result result;
    memset(&result, 0, sizeof(result));
    aw_err err = build_initiate_request(r, address, info1, &request, &request_len);
    if (err == AW_OK)
        err = exchange(relay, f, base_url, request, request_len, out, out_len, &result, verdict);
    if (err == AW_OK && result.response != NULL) {
        sgp22_initiate_authentication_response *decoded = calloc(1, sizeof(*decoded));
        err = decoded == NULL ? AW_ERR_NOMEM
                              : sgp22_decode_initiate_authentication_response(
                                    result.response, result.response_len, decoded);
        if (err == AW_OK)
            err = download_insert(c->db, decoded->ok.transaction_id, address,
                                  trigger.package_id != 0 ? trigger.eid : NULL,
                                  trigger.package_id, now_ms);
        free(decoded);
        if (err == AW_OK)
            err = finish_minimized(c, f, trigger.package_id != 0 ? trigger.eid : NULL, out,
                                   out_len);
    }
    es9p_client_result_clear(&result);
    free(request);
    free(held_info1);
    return err;
}

/* ---- AuthenticateClient, GetBoundProfilePackage, CancelSession ------------ */

static aw_err relay_session(eim_relay *relay, const eim_context *c, const relay_function *f,
                            aw_slice transaction_id, aw_slice request, int64_t now_ms,
                            uint8_t **out, size_t *out_len, aw_err *verdict)
{
    eim_download_record download;
    aw_err err = eim_download_get(c->db, transaction_id.ptr, transaction_id.len, &download);
    if (err == AW_ERR_EIM_RELAY_TRANSACTION) {
        *verdict = err;
        return answer_error(f, f->unknown_transaction, out, out_len);
    }
    if (err != AW_OK)
        return err;
    char base_url[ES9P_CLIENT_ADDRESS_MAX + 64];
    aw_slice address = {(const uint8_t *)download.smdp_address, strlen(download.smdp_address)};
    if (eim_relay_base_url(relay, address, base_url, sizeof(base_url)) != AW_OK) {
        *verdict = AW_ERR_EIM_RELAY_ADDRESS;
        return answer_error(f, RELAY_UNDEFINED_ERROR, out, out_len);
    }
    es9p_client_result result;
    memset(&result, 0, sizeof(result));
    err = exchange(relay, f, base_url, request.ptr, request.len, out, out_len, &result, verdict);
    if (err == AW_OK && result.response != NULL)
        err = download_set_state(c->db, transaction_id, f->next, NULL, now_ms);
    else if (err == AW_OK && *verdict == AW_ERR_STATE)
        err = download_set_state(c->db, transaction_id, EIM_DOWNLOAD_REFUSED, &result.status,
                                 now_ms);
    es9p_client_result_clear(&result);
    return err;
}

/* The AuthenticateServerResponse of an AuthenticateClientRequestEsipa
 * (the request as relayed, rebuilt when minimized) through the binding
 * check; *verdict its refusal. */
static aw_err device_binding_refuses(const eim_context *c, aw_slice request, int64_t now_ms,
                                     aw_err *verdict)
{
    sgp32_esipa_message_from_ipa_to_eim *decoded = calloc(1, sizeof(*decoded));
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(request.ptr, request.len, decoded);
    if (err == AW_OK && decoded->kind == SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST)
        err = eim_device_binding_check(
            c->db, c->trust, decoded->authenticate_client_request.authenticate_server_response,
            now_ms, NULL, verdict);
    else if (!eim_internal_failure(err)) {
        *verdict = AW_ERR_DEVICE_BINDING_SIGNATURE;
        err = AW_OK;
    }
    free(decoded);
    return err;
}

/* A session function with minimizeEsipaBytes (relay_compact.h): a compact
 * nested answer is rebuilt into the ES9+ request the eUICC signed before
 * relay_session relays it; one that cannot be (no relayed session: the
 * function's invalidTransactionId; what it left out not held:
 * undefinedError) is answered without reaching the SM-DP+. */
static aw_err relay_minimized(eim_relay *relay, const eim_context *c, const relay_function *f,
                              aw_slice transaction_id,
                              const sgp32_esipa_message_from_ipa_to_eim *m, int64_t now_ms,
                              uint8_t **out, size_t *out_len, aw_err *verdict)
{
    uint8_t *expanded = NULL;
    size_t expanded_len = 0;
    aw_err err = eim_compact_expand_request(c->db, m, &expanded, &expanded_len);
    if (eim_internal_failure(err))
        return err;
    if (err != AW_OK) {
        *verdict = err;
        return answer_error(f,
                            err == AW_ERR_EIM_RELAY_TRANSACTION ? f->unknown_transaction
                                                                : RELAY_UNDEFINED_ERROR,
                            out, out_len);
    }
    aw_slice request = expanded != NULL ? (aw_slice){expanded, expanded_len} : m->raw;
    /* card-device locking (eim_device_binding.h): the eUICC-signed DeviceInfo
     * must name the card's bound device before the SM-DP+ sees the request */
    if (relay->device_binding && f == &relay_functions[1]) {
        err = device_binding_refuses(c, request, now_ms, verdict);
        if (err != AW_OK || *verdict != AW_OK) {
            free(expanded);
            return err != AW_OK ? err : answer_error(f, RELAY_UNDEFINED_ERROR, out, out_len);
        }
    }
    err = relay_session(relay, c, f, transaction_id, request, now_ms, out, out_len, verdict);
    free(expanded);
    eim_download_record download;
    if (err == AW_OK && *verdict == AW_OK &&
        eim_download_get(c->db, transaction_id.ptr, transaction_id.len, &download) == AW_OK)
        err = finish_minimized(c, f, download.eid, out, out_len);
    return err;
}

/* ---- HandleNotification (6.3.2.4) and the dispatcher ----------------------
 * SGP.32 v1.0 put the PendingNotification or the ProvideEimPackageResult
 * alternative directly inside BF3D (docs/sgp32-versions.md #7). */

/* ePRAndNotifications (6.3.2.7): the notifications beside a result go on
 * to their receivers as HandleNotification's do. */
static aw_err forward_list(eim_relay *relay, const eim_context *c, aw_slice list, int64_t now_ms)
{
    der_reader top, items;
    der_node node;
    aw_err verdict = AW_OK;
    der_reader_init(&top, list.ptr, list.len);
    aw_err err = der_read_node(&top, &node);
    if (err == AW_OK)
        err = der_reader_enter(&top, &node, &items);
    while (err == AW_OK && !der_reader_at_end(&items)) {
        err = der_read_node(&items, &node);
        if (err == AW_OK)
            err = eim_relay_forward_notification(relay, c, node.raw, now_ms, &verdict);
        if (err != AW_OK && !eim_internal_failure(err))
            err = AW_OK; /* one bad notification does not stop the others */
    }
    return err;
}

/* A ProvideEimPackageResult (BF50 TLV) sent as a notification: recorded as
 * one, no answer of its own (HandleNotification has none). */
static aw_err serve_result(eim_relay *relay, const eim_context *c, aw_slice request,
                           int64_t now_ms, aw_err *verdict)
{
    uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    aw_err err = eim_relay_serve(relay, c, request.ptr, request.len, now_ms, &ignored,
                                 &ignored_len, verdict);
    free(ignored);
    return err;
}

/* A v1.0 ProvideEimPackageResult alternative (SGP.32 v1.0 6.3.2.4: untagged
 * inside BF3D) goes the way of a v1.0 BF50 without eidValue, which names
 * its eUICC through its package, for eUICCs registered as v1.0 only. */
static aw_err serve_result_v1_0(eim_relay *relay, const eim_context *c, aw_slice alternative,
                                int64_t now_ms, aw_err *verdict)
{
    der_builder b;
    uint8_t *request = NULL;
    size_t len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT);
    der_put_raw(&b, alternative.ptr, alternative.len);
    der_builder_end(&b);
    aw_err err = der_builder_finish(&b, &request, &len);
    if (err == AW_OK)
        err = serve_result(relay, c, (aw_slice){request, len}, now_ms, verdict);
    free(request);
    return err;
}

/* A v1.0 ProfileInstallationResult (BF3D { BF37 }) of a download relayed
 * for a registered eUICC is taken only when that eUICC is registered as
 * v1.0; one of no relayed download names no eUICC and goes on (the SM-DP+
 * verifies it). */
static aw_err check_installation_v1_0(const eim_context *c, aw_slice pir, aw_err *verdict)
{
    sgp22_profile_installation_result *decoded = calloc(1, sizeof(*decoded));
    eim_download_record download;
    if (decoded == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp22_decode_profile_installation_result(pir.ptr, pir.len, decoded);
    if (err == AW_OK)
        err = eim_download_get(c->db, decoded->data.transaction_id.ptr,
                               decoded->data.transaction_id.len, &download);
    if (err == AW_OK && download.eid[0] != '\0')
        err = eim_registry_require_v1_0(c->db, download.eid);
    else if (err == AW_ERR_EIM_RELAY_TRANSACTION || err == AW_OK)
        err = AW_OK;
    free(decoded);
    if (eim_internal_failure(err))
        return err;
    *verdict = err;
    return AW_OK;
}

static aw_err handle_notification(eim_relay *relay, const eim_context *c,
                                  const sgp32_handle_notification_esipa *n, int64_t now_ms,
                                  aw_err *verdict)
{
    aw_err err;
    switch (n->kind) {
    case SGP32_HANDLE_NOTIFICATION_PENDING_NOTIFICATION:
        return eim_relay_forward_notification(relay, c, n->pending_notification, now_ms,
                                              verdict);
    case SGP32_HANDLE_NOTIFICATION_PROVIDE_EIM_PACKAGE_RESULT:
        return serve_result(relay, c, n->provide_eim_package_result.raw, now_ms, verdict);
    case SGP32_HANDLE_NOTIFICATION_PROFILE_INSTALLATION_RESULT_V1_0:
        err = check_installation_v1_0(c, n->pending_notification, verdict);
        if (err != AW_OK || *verdict != AW_OK)
            return err;
        return eim_relay_forward_notification(relay, c, n->pending_notification, now_ms,
                                              verdict);
    case SGP32_HANDLE_NOTIFICATION_SEQUENCE_V1_0:
        if (sgp32_handle_notification_is_epr_v1_0(n))
            return serve_result_v1_0(relay, c, n->sequence_v1_0, now_ms, verdict);
        return eim_relay_forward_notification(relay, c, n->sequence_v1_0, now_ms, verdict);
    case SGP32_HANDLE_NOTIFICATION_EUICC_PACKAGE_RESULT_V1_0:
    case SGP32_HANDLE_NOTIFICATION_IPA_EUICC_DATA_RESPONSE_V1_0:
    case SGP32_HANDLE_NOTIFICATION_PROFILE_DOWNLOAD_TRIGGER_RESULT_V1_0:
        return serve_result_v1_0(relay, c, n->eim_package_result_v1_0, now_ms, verdict);
    default:
        return AW_ERR_STATE; /* the decoder sets one of the kinds above */
    }
}

aw_err eim_relay_serve(eim_relay *relay, const eim_context *context, const uint8_t *request,
                       size_t len, int64_t now_ms, uint8_t **out, size_t *out_len,
                       aw_err *verdict)
{
    aw_err ignored;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (verdict == NULL)
        verdict = &ignored;
    *verdict = AW_OK;
    if (relay == NULL || context == NULL || context->db == NULL || context->trust == NULL ||
        request == NULL || out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_ipa_to_eim(request, len, m);
    if (err != AW_OK) {
        free(m);
        /* the eIM Package functions take v1.0 forms of their own for
         * eUICCs registered as v1.0 (esipa.c); else the same refusal */
        return eim_internal_failure(err) ? err
                                         : eim_esipa_handle(context, request, len, now_ms, out,
                                                            out_len, verdict);
    }
    switch (m->kind) {
    case SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST:
        err = initiate_authentication(relay, context, &m->initiate_authentication_request, now_ms,
                                      out, out_len, verdict);
        break;
    case SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST:
        err = relay_minimized(relay, context, &relay_functions[1],
                              m->authenticate_client_request.transaction_id, m, now_ms, out,
                              out_len, verdict);
        break;
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST:
        err = relay_minimized(relay, context, &relay_functions[2],
                              m->get_bound_profile_package_request.transaction_id, m, now_ms,
                              out, out_len, verdict);
        break;
    case SGP32_ESIPA_CANCEL_SESSION_REQUEST:
        err = relay_minimized(relay, context, &relay_functions[3],
                              m->cancel_session_request.transaction_id, m, now_ms, out, out_len,
                              verdict);
        break;
    case SGP32_ESIPA_HANDLE_NOTIFICATION:
        err = handle_notification(relay, context, &m->handle_notification, now_ms, verdict);
        break;
    default:
        err = eim_esipa_handle(context, request, len, now_ms, out, out_len, verdict);
        aw_slice list;
        if (err == AW_OK && *verdict == AW_OK &&
            m->kind == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT &&
            m->provide_eim_package_result.eim_package_result.kind ==
                SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS &&
            sgp32_get_epr_pending_notifications(
                &m->provide_eim_package_result.eim_package_result.epr_and_notifications, &list))
            err = forward_list(relay, context, list, now_ms);
        break;
    }
    free(m);
    if (err != AW_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return err;
}
