/* airwrite eIM: minimizeEsipaBytes in the download relay (SGP.32
 * IpaCapabilities ipaFeatures minimizeEsipaBytes(5); ESipa 6.3.2.1-6.3.2.5:
 * InitiateAuthenticationRequestEsipa without euiccInfo1, the compact forms
 * CompactAuthenticateResponseOk, CompactPrepareDownloadResponseOk,
 * CompactCancelSessionResponseOk, CompactProfileInstallationResult,
 * CompactOtherSignedNotification, and the Ok answers without their
 * OPTIONAL transactionId). What the eIM relayed and holds of the eUICC is
 * kept here; the byte-exact rebuild is core/sgp32_compact.h's. See
 * relay_compact.h. */
#include "eim/relay_compact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_download.h"
#include "core/sgp22_tags.h"
#include "core/sgp32_tags.h"

#define SCP03T_MAC_LENGTH 8u /* the C-MAC closing each MAC-only 88 segment (SGP.22 2.5.5) */

static db_param blob_or_null(bool has, aw_slice s)
{
    return has && s.len > 0 ? DB_PARAM_BLOB(s.ptr, s.len) : DB_PARAM_NULL;
}

/* ---- per download ------------------------------------------------------- */

static aw_err note_initiate(db_connection *db, const sgp32_initiate_authentication_ok_esipa *ok)
{
    sgp22_server_signed1 signed1;
    uint8_t oid[64];
    size_t oid_len = 0;
    aw_err err = sgp22_decode_server_signed1(ok->server_signed1.ptr, ok->server_signed1.len,
                                             &signed1);
    if (err != AW_OK)
        return err;
    /* no OID: nothing to restore a CancelSession or PIR with (refused then) */
    if (sgp32_compact_smdp_oid(ok->server_certificate.ptr, ok->server_certificate.len, oid,
                               sizeof(oid), &oid_len) != AW_OK)
        oid_len = 0;
    db_param p[] = {DB_PARAM_BLOB(signed1.transaction_id.ptr, signed1.transaction_id.len),
                    DB_PARAM_BLOB(signed1.server_address.ptr, signed1.server_address.len),
                    DB_PARAM_BLOB(signed1.server_challenge.ptr, signed1.server_challenge.len),
                    oid_len > 0 ? DB_PARAM_BLOB(oid, oid_len) : DB_PARAM_NULL};
    return db_execute(db,
                      "INSERT INTO eim_download_context (transaction_id, server_address, "
                      "server_challenge, smdp_oid) VALUES (?, ?, ?, ?) ON CONFLICT "
                      "(transaction_id) DO UPDATE SET server_address = excluded.server_address, "
                      "server_challenge = excluded.server_challenge, smdp_oid = excluded.smdp_oid",
                      p, 4, NULL);
}

static aw_err set_iccid(db_connection *db, aw_slice transaction_id, aw_slice iccid)
{
    db_param p[] = {DB_PARAM_BLOB(iccid.ptr, iccid.len),
                    DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len)};
    return db_execute(db, "UPDATE eim_download_context SET iccid = ? WHERE transaction_id = ?",
                      p, 2, NULL);
}

static aw_err note_authenticate(db_connection *db, const sgp32_authenticate_client_ok_dp_esipa *ok)
{
    sgp22_smdp_signed2 signed2;
    aw_err err = sgp22_decode_smdp_signed2(ok->smdp_signed2.ptr, ok->smdp_signed2.len, &signed2);
    if (err != AW_OK)
        return err;
    db_param p[] = {blob_or_null(signed2.has_bpp_euicc_otpk, signed2.bpp_euicc_otpk),
                    DB_PARAM_BLOB(signed2.transaction_id.ptr, signed2.transaction_id.len)};
    err = db_execute(db,
                     "UPDATE eim_download_context SET bpp_euicc_otpk = ? WHERE transaction_id = ?",
                     p, 2, NULL);
    sgp22_store_metadata_request metadata;
    if (err == AW_OK && ok->has_profile_metadata &&
        sgp22_decode_store_metadata_request(ok->profile_metadata.ptr, ok->profile_metadata.len,
                                            &metadata) == AW_OK)
        err = set_iccid(db, signed2.transaction_id, metadata.iccid);
    return err;
}

/* The ICCID of the BPP's StoreMetadataRequest (sequenceOf88: MAC-only
 * segments, each its part of the request followed by the C-MAC, SGP.22
 * 2.5.5), when profileMetadata did not give it. */
static aw_err note_bpp(db_connection *db, aw_slice bpp)
{
    sgp22_bound_profile_package *decoded = calloc(1, sizeof(*decoded));
    sgp22_bpp_list_iter it;
    aw_slice segment;
    der_builder b;
    uint8_t *metadata = NULL;
    size_t metadata_len = 0;
    aw_err err = decoded == NULL ? AW_ERR_NOMEM
                                 : sgp22_decode_bound_profile_package(bpp.ptr, bpp.len, decoded);
    if (err != AW_OK) {
        free(decoded);
        return err;
    }
    der_builder_init(&b);
    sgp22_bpp_list_iter_init(&it, decoded->sequence_of88);
    while (err == AW_OK && (err = sgp22_bpp_list_next(&it, &segment)) == AW_OK) {
        der_node node;
        err = der_decode_single(segment.ptr, segment.len, &node);
        if (err == AW_OK && node.value.len <= SCP03T_MAC_LENGTH)
            err = AW_ERR_DER_CONSTRAINT;
        if (err == AW_OK)
            der_put_raw(&b, node.value.ptr, node.value.len - SCP03T_MAC_LENGTH);
    }
    if (err == AW_ERR_NOT_FOUND)
        err = der_builder_finish(&b, &metadata, &metadata_len);
    else
        der_builder_free(&b);
    sgp22_store_metadata_request request;
    aw_slice tid = decoded->initialise_secure_channel_request.transaction_id;
    if (err == AW_OK && sgp22_decode_store_metadata_request(metadata, metadata_len, &request) ==
                            AW_OK) {
        db_param p[] = {DB_PARAM_BLOB(request.iccid.ptr, request.iccid.len),
                        DB_PARAM_BLOB(tid.ptr, tid.len)};
        err = db_execute(db,
                         "UPDATE eim_download_context SET iccid = ? WHERE transaction_id = ? "
                         "AND iccid IS NULL",
                         p, 2, NULL);
    }
    free(metadata);
    free(decoded);
    return err;
}

aw_err eim_compact_note_response(db_connection *db, sgp32_esipa_eim_to_ipa_kind kind,
                                 const uint8_t *answer, size_t len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_eim_to_ipa(answer, len, m);
    if (err == AW_OK && m->kind != kind)
        err = AW_ERR_ARGUMENT;
    if (err != AW_OK) {
        free(m);
        return err;
    }
    if (kind == SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE &&
        m->initiate_authentication_response.kind == SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK)
        err = note_initiate(db, &m->initiate_authentication_response.ok);
    else if (kind == SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE &&
             m->authenticate_client_response.kind == SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP)
        err = note_authenticate(db, &m->authenticate_client_response.ok_dp);
    else if (kind == SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE &&
             m->get_bound_profile_package_response.kind == SGP32_GET_BPP_RESPONSE_OK)
        err = note_bpp(db, m->get_bound_profile_package_response.ok.bound_profile_package);
    free(m);
    /* a malformed part of the SM-DP+'s answer only costs the rebuild later */
    return eim_internal_failure(err) ? err : AW_OK;
}

/* ---- the rebuild ---------------------------------------------------------- */

/* Everything held for one download, and the buffers behind the context. */
typedef struct held {
    sgp32_rebuild_context context;
    db_rows *rows;
    eim_euicc euicc;
    uint8_t *euicc_info2;
    size_t euicc_info2_len;
} held;

static void held_clear(held *h)
{
    db_rows_free(h->rows);
    eim_euicc_clear(&h->euicc);
    free(h->euicc_info2);
    memset(h, 0, sizeof(*h));
}

static aw_slice column_blob(const db_rows *rows, size_t column)
{
    const uint8_t *data = NULL;
    size_t len = 0;
    if (db_rows_get_blob(rows, column, &data, &len) != AW_OK)
        return (aw_slice){NULL, 0};
    return (aw_slice){data, len};
}

/* The eUICC's certificates and euiccInfo2 (those known). */
static aw_err hold_euicc(db_connection *db, const char *eid, held *h)
{
    aw_err err = eim_registry_get(db, eid, &h->euicc);
    if (err == AW_ERR_EIM_UNKNOWN_EUICC)
        return AW_ERR_SGP32_COMPACT_CONTEXT;
    if (err != AW_OK)
        return err;
    h->context.euicc_certificate = (aw_slice){h->euicc.euicc_certificate,
                                              h->euicc.euicc_certificate_len};
    h->context.eum_certificate = (aw_slice){h->euicc.eum_certificate,
                                            h->euicc.eum_certificate_len};
    err = eim_compact_euicc_info2(db, eid, &h->euicc_info2, &h->euicc_info2_len);
    if (err == AW_OK)
        h->context.euicc_info2 = (aw_slice){h->euicc_info2, h->euicc_info2_len};
    return err == AW_ERR_SGP32_COMPACT_CONTEXT ? AW_OK : err;
}

/* The download of transaction_id: its session data and its eUICC's. */
static aw_err hold_download(db_connection *db, aw_slice transaction_id, held *h)
{
    eim_download_record download;
    bool has_row = false;
    memset(h, 0, sizeof(*h));
    aw_err err = eim_download_get(db, transaction_id.ptr, transaction_id.len, &download);
    if (err != AW_OK)
        return err;
    if (download.eid[0] != '\0')
        err = hold_euicc(db, download.eid, h);
    db_param p = DB_PARAM_BLOB(transaction_id.ptr, transaction_id.len);
    if (err == AW_OK)
        err = db_query(db,
                       "SELECT server_address, server_challenge, smdp_oid, bpp_euicc_otpk, iccid "
                       "FROM eim_download_context WHERE transaction_id = ?",
                       &p, 1, &h->rows);
    if (err == AW_OK)
        err = db_rows_next(h->rows, &has_row);
    if (err == AW_OK && has_row) {
        h->context.server_address = column_blob(h->rows, 0);
        h->context.notification_address = h->context.server_address;
        h->context.server_challenge = column_blob(h->rows, 1);
        h->context.smdp_oid = column_blob(h->rows, 2);
        h->context.bpp_euicc_otpk = column_blob(h->rows, 3);
        h->context.iccid = column_blob(h->rows, 4);
    }
    h->context.transaction_id = transaction_id;
    if (err != AW_OK)
        held_clear(h);
    return err;
}

/* The ES9+ request: tag { [0] transactionId, answer } */
static aw_err build_request(uint32_t tag, aw_slice transaction_id, aw_slice answer,
                            uint32_t answer_tag, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, tag);
    der_put_slice(&b, DER_CTX(0), transaction_id);
    if (answer_tag == 0) {
        der_put_raw(&b, answer.ptr, answer.len);
    } else {
        der_node node;
        if (der_decode_single(answer.ptr, answer.len, &node) == AW_OK)
            der_put_slice(&b, answer_tag, node.value);
    }
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

aw_err eim_compact_expand_request(db_connection *db, const sgp32_esipa_message_from_ipa_to_eim *m,
                                  uint8_t **out, size_t *out_len)
{
    aw_slice tid, answer;
    uint32_t tag;
    uint8_t *wrapped = NULL, *full = NULL;
    size_t wrapped_len = 0, full_len = 0;
    *out = NULL;
    *out_len = 0;
    switch (m->kind) {
    case SGP32_ESIPA_AUTHENTICATE_CLIENT_REQUEST:
        tid = m->authenticate_client_request.transaction_id;
        answer = m->authenticate_client_request.authenticate_server_response;
        tag = SGP32_TAG_AUTHENTICATE_CLIENT_ESIPA;
        break;
    case SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_REQUEST:
        tid = m->get_bound_profile_package_request.transaction_id;
        answer = m->get_bound_profile_package_request.prepare_download_response;
        tag = SGP32_TAG_GET_BOUND_PROFILE_PACKAGE_ESIPA;
        break;
    case SGP32_ESIPA_CANCEL_SESSION_REQUEST: {
        /* [1] IMPLICIT CancelSessionResponse: the BF41 it stands for */
        der_node node;
        der_builder b;
        tid = m->cancel_session_request.transaction_id;
        tag = SGP32_TAG_CANCEL_SESSION_ESIPA;
        aw_err err = der_decode_single(m->cancel_session_request.cancel_session_response.ptr,
                                       m->cancel_session_request.cancel_session_response.len,
                                       &node);
        if (err != AW_OK)
            return err;
        der_builder_init(&b);
        der_put_slice(&b, SGP22_TAG_CANCEL_SESSION, node.value);
        err = der_builder_finish(&b, &wrapped, &wrapped_len);
        if (err != AW_OK)
            return err;
        answer = (aw_slice){wrapped, wrapped_len};
        break;
    }
    default:
        return AW_OK;
    }
    aw_err err = AW_OK;
    if (sgp32_compact_is_compact(answer.ptr, answer.len)) {
        held h;
        memset(&h, 0, sizeof(h));
        err = hold_download(db, tid, &h);
        if (err == AW_OK)
            err = sgp32_rebuild_euicc_answer(answer.ptr, answer.len, &h.context, &full,
                                             &full_len);
        if (err == AW_OK)
            err = build_request(tag, tid, (aw_slice){full, full_len},
                                tag == SGP32_TAG_CANCEL_SESSION_ESIPA ? DER_CTX_CONS(1) : 0, out,
                                out_len);
        held_clear(&h);
    }
    free(full);
    free(wrapped);
    return err;
}

aw_err eim_compact_expand_notification(db_connection *db, aw_slice pending, uint8_t **out,
                                       size_t *out_len)
{
    held h;
    aw_err err;
    memset(&h, 0, sizeof(h));
    if (pending.len > 0 && pending.ptr[0] == SGP32_TAG_COMPACT_PROFILE_INSTALLATION_RESULT) {
        sgp32_compact_profile_installation_result *c = calloc(1, sizeof(*c));
        err = c == NULL ? AW_ERR_NOMEM
                        : sgp32_decode_compact_profile_installation_result(pending.ptr,
                                                                           pending.len, c);
        if (err == AW_OK)
            err = hold_download(db, c->data.transaction_id, &h);
        if (err == AW_ERR_EIM_RELAY_TRANSACTION)
            err = AW_ERR_SGP32_COMPACT_CONTEXT; /* no relayed session to restore it from */
        free(c);
    } else {
        sgp32_compact_other_signed_notification c;
        char eid[EIM_EID_DIGITS + 1];
        err = sgp32_decode_compact_other_signed_notification(pending.ptr, pending.len, &c);
        if (err == AW_OK && !c.has_eid_value)
            err = AW_ERR_SGP32_COMPACT_CONTEXT; /* no other way to name its eUICC */
        if (err == AW_OK)
            err = eim_eid_from_octets(c.eid_value.ptr, c.eid_value.len, eid);
        if (err == AW_OK)
            err = hold_euicc(db, eid, &h);
    }
    if (err == AW_OK)
        err = sgp32_rebuild_euicc_answer(pending.ptr, pending.len, &h.context, out, out_len);
    held_clear(&h);
    return err;
}

aw_err eim_compact_strip_transaction_id(uint8_t **answer, size_t *len)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    uint8_t *stripped = NULL;
    size_t stripped_len = 0;
    bool changed = false;
    if (m == NULL)
        return AW_ERR_NOMEM;
    aw_err err = sgp32_decode_esipa_message_from_eim_to_ipa(*answer, *len, m);
    if (err == AW_OK) {
        if (m->kind == SGP32_ESIPA_INITIATE_AUTHENTICATION_RESPONSE &&
            m->initiate_authentication_response.kind == SGP32_INITIATE_AUTHENTICATION_RESPONSE_OK) {
            changed = m->initiate_authentication_response.ok.has_transaction_id;
            m->initiate_authentication_response.ok.has_transaction_id = false;
        } else if (m->kind == SGP32_ESIPA_AUTHENTICATE_CLIENT_RESPONSE &&
                   m->authenticate_client_response.kind ==
                       SGP32_AUTHENTICATE_CLIENT_RESPONSE_OK_DP) {
            changed = m->authenticate_client_response.ok_dp.has_transaction_id;
            m->authenticate_client_response.ok_dp.has_transaction_id = false;
        } else if (m->kind == SGP32_ESIPA_GET_BOUND_PROFILE_PACKAGE_RESPONSE &&
                   m->get_bound_profile_package_response.kind == SGP32_GET_BPP_RESPONSE_OK) {
            changed = m->get_bound_profile_package_response.ok.has_transaction_id;
            m->get_bound_profile_package_response.ok.has_transaction_id = false;
        }
    }
    if (err == AW_OK && changed)
        err = sgp32_encode_esipa_message_from_eim_to_ipa(m, &stripped, &stripped_len);
    if (err == AW_OK && changed) {
        free(*answer);
        *answer = stripped;
        *len = stripped_len;
    }
    free(m);
    return err;
}
