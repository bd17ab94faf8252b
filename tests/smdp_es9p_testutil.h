/* Shared by the ES9+ tests (test_smdp_es9p.c, test_smdp_es9p_json.c): an
 * SM-DP+ configured from a fresh test PKI (pki_issue_hierarchy), a fake
 * backend that records what it is told, and an in-test eUICC built from the
 * core codecs and crypto: it signs euiccSigned1, euiccSigned2, the
 * ProfileInstallationResult, CancelSession and other notifications with
 * SK.EUICC itself (test code only). */
#ifndef AIRWRITE_TESTS_SMDP_ES9P_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_ES9P_TESTUTIL_H

#include "testutil.h"

#include <openssl/objects.h>
#include <openssl/pem.h>

#include "core/sgp22_auth.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_download.h"
#include "core/sgp22_euicc_info.h"
#include "smdp/es9p_session.h"

/* 2026-01-01T00:00:00Z */
#define FX_NOW ((time_t)1767225600)
#define FX_ADDRESS "smdp.example.com"
#define FX_MATCHING_ID "MATCH-0001"
#define FX_CONFIRMATION_CODE "4711"
#define FX_LIFETIME 600

/* ---- Fake backend -------------------------------------------------------- */

typedef struct fake_backend {
    es9p_status find_status;   /* forced outcome of find_order */
    bool cc_required;
    unsigned cc_failures;
    unsigned cc_limit;         /* failures at which retries are exceeded */
    es9p_status bind_status;
    int bind_calls;
    uint8_t bound_otpk[CRYPTO_POINT_SIZE];
    int installation_calls;
    bool installation_success;
    int other_calls;
    int64_t other_seq_number;
    int cancel_calls;
    int64_t cancel_reason;
    char last_eid[AW_PKI_EID_DIGITS + 1];
    /* contract breaches and internal failures on demand */
    aw_err find_error;
    bool find_without_metadata;
    bool find_bad_metadata;
    bool cc_failed_says_ok;
    bool bind_without_package;
    aw_err report_error;          /* installation_result, session_cancelled */
} fake_backend;

static inline aw_err fake_find_order(void *userdata, const char *matching_id, const char *eid,
                                     time_t now, es9p_order *order, es9p_status *status)
{
    (void)now;
    fake_backend *fb = userdata;
    snprintf(fb->last_eid, sizeof(fb->last_eid), "%s", eid);
    if (fb->find_error != AW_OK)
        return fb->find_error;
    if (fb->find_status != ES9P_STATUS_OK) {
        *status = fb->find_status;
        return AW_OK;
    }
    if (matching_id == NULL || strcmp(matching_id, FX_MATCHING_ID) != 0) {
        *status = ES9P_STATUS_MATCHING_ID_REFUSED;
        return AW_OK;
    }
    memset(order, 0, sizeof(*order));
    snprintf(order->order_id, sizeof(order->order_id), "order-1");
    order->cc_required = fb->cc_required;
    assert_int_equal(crypto_sha256((const uint8_t *)FX_CONFIRMATION_CODE,
                                   strlen(FX_CONFIRMATION_CODE), order->confirmation_code_hash),
                     AW_OK);
    static const uint8_t iccid[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
    sgp22_store_metadata_request md;
    memset(&md, 0, sizeof(md));
    md.iccid = (aw_slice){iccid, sizeof(iccid)};
    md.service_provider_name = (aw_slice){(const uint8_t *)"Op", 2};
    md.profile_name = (aw_slice){(const uint8_t *)"Test profile", 12};
    assert_int_equal(sgp22_encode_store_metadata_request(&md, &order->profile_metadata,
                                                         &order->profile_metadata_len),
                     AW_OK);
    if (fb->find_without_metadata) {
        free(order->profile_metadata);
        order->profile_metadata = NULL;
    }
    if (fb->find_bad_metadata)
        order->profile_metadata[0] = 0x30; /* not a StoreMetadataRequest */
    *status = ES9P_STATUS_OK;
    return AW_OK;
}

static inline aw_err fake_confirmation_code_failed(void *userdata, const char *order_id,
                                                   es9p_status *status)
{
    fake_backend *fb = userdata;
    assert_string_equal(order_id, "order-1");
    fb->cc_failures++;
    if (fb->cc_failed_says_ok) {
        *status = ES9P_STATUS_OK;
        return AW_OK;
    }
    *status = fb->cc_failures >= fb->cc_limit ? ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED
                                              : ES9P_STATUS_CONFIRMATION_CODE_REFUSED;
    return AW_OK;
}

static inline aw_err fake_bind_profile(void *userdata, const es9p_bind_request *request,
                                       uint8_t **bpp, size_t *bpp_len, es9p_status *status)
{
    fake_backend *fb = userdata;
    fb->bind_calls++;
    assert_string_equal(request->order_id, "order-1");
    assert_int_equal(request->euicc_otpk.len, CRYPTO_POINT_SIZE);
    assert_int_equal(request->euicc_signature2.len, CRYPTO_SIGNATURE_SIZE);
    assert_non_null(request->dppb_key);
    memcpy(fb->bound_otpk, request->euicc_otpk.ptr, CRYPTO_POINT_SIZE);
    if (fb->bind_status != ES9P_STATUS_OK || fb->bind_without_package) {
        *status = fb->bind_status;
        return AW_OK;
    }
    /* a stand-in BF36 carrying the otPK, enough to see it travel */
    *bpp = malloc(3 + CRYPTO_POINT_SIZE);
    assert_non_null(*bpp);
    (*bpp)[0] = 0xBF;
    (*bpp)[1] = 0x36;
    (*bpp)[2] = CRYPTO_POINT_SIZE;
    memcpy(*bpp + 3, request->euicc_otpk.ptr, CRYPTO_POINT_SIZE);
    *bpp_len = 3 + CRYPTO_POINT_SIZE;
    *status = ES9P_STATUS_OK;
    return AW_OK;
}

static inline aw_err fake_installation_result(void *userdata,
                                              const es9p_installation_report *report)
{
    fake_backend *fb = userdata;
    fb->installation_calls++;
    fb->installation_success = report->success;
    assert_string_equal(report->order_id, "order-1");
    return fb->report_error;
}

static inline aw_err fake_other_notification(void *userdata, const char *eid,
                                             const sgp22_notification_metadata *metadata)
{
    fake_backend *fb = userdata;
    fb->other_calls++;
    fb->other_seq_number = metadata->seq_number;
    snprintf(fb->last_eid, sizeof(fb->last_eid), "%s", eid);
    return AW_OK;
}

static inline aw_err fake_session_cancelled(void *userdata, const char *order_id, int64_t reason)
{
    (void)order_id;
    fake_backend *fb = userdata;
    fb->cancel_calls++;
    fb->cancel_reason = reason;
    return fb->report_error;
}

/* ---- Fixture --------------------------------------------------------------- */

typedef struct fixture {
    aw_pki_curve curve;
    pki_hierarchy pki;
    crypto_key *dpauth_key;
    crypto_key *dppb_key;
    crypto_key *euicc_key;   /* SK.EUICC.ECDSA of the in-test eUICC */
    es9p_credential credential;
    pki_trust_store *trust;
    es9p_memory_store *memory;
    es9p_session_store store;
    fake_backend fake;
    es9p_backend backend;
    es9p_server server;
    /* the eUICC's view of the session */
    uint8_t euicc_challenge[16];
    uint8_t transaction_id[ES9P_TRANSACTION_ID_SIZE];
    uint8_t server_challenge[16];
    uint8_t smdp_signature2[CRYPTO_SIGNATURE_SIZE];
    uint8_t smdp_oid[16];
    size_t smdp_oid_len;
} fixture;

static inline crypto_key *fx_key_from_evp(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)data, (size_t)n, &key), AW_OK);
    BIO_free(bio);
    return key;
}

static inline aw_slice fx_der(const fixture *fx, aw_pki_role role)
{
    return pki_certificate_der(fx->pki.cert[role]);
}

static inline void fx_open(fixture *fx, aw_pki_curve curve)
{
    memset(fx, 0, sizeof(*fx));
    fx->curve = curve;
    pki_hierarchy_params params = {.curve = curve, .now = FX_NOW};
    assert_int_equal(pki_issue_hierarchy(&params, &fx->pki), AW_OK);
    fx->dpauth_key = fx_key_from_evp(fx->pki.key[AW_PKI_ROLE_DP_AUTH]);
    fx->dppb_key = fx_key_from_evp(fx->pki.key[AW_PKI_ROLE_DP_PB]);
    fx->euicc_key = fx_key_from_evp(fx->pki.key[AW_PKI_ROLE_EUICC]);
    assert_int_equal(pki_certificate_get_subject_key_id(fx->pki.cert[AW_PKI_ROLE_CI],
                                                        &fx->credential.ci_pkid),
                     AW_OK);
    fx->credential.dpauth_certificate = fx->pki.cert[AW_PKI_ROLE_DP_AUTH];
    fx->credential.dpauth_key = fx->dpauth_key;
    fx->credential.dppb_certificate = fx->pki.cert[AW_PKI_ROLE_DP_PB];
    fx->credential.dppb_key = fx->dppb_key;
    assert_int_equal(pki_trust_store_new(&fx->trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(fx->trust, fx->pki.cert[AW_PKI_ROLE_CI]), AW_OK);
    assert_int_equal(es9p_memory_store_new(8, &fx->memory), AW_OK);
    fx->store = es9p_memory_store_interface(fx->memory);
    fx->fake.cc_limit = 3;
    fx->backend = (es9p_backend){
        .userdata = &fx->fake,
        .find_order = fake_find_order,
        .confirmation_code_failed = fake_confirmation_code_failed,
        .bind_profile = fake_bind_profile,
        .installation_result = fake_installation_result,
        .other_notification = fake_other_notification,
        .session_cancelled = fake_session_cancelled,
    };
    fx->server = (es9p_server){
        .smdp_address = FX_ADDRESS,
        .smdp_oid = AW_PKI_TEST_SMDP_OID,
        .credentials = &fx->credential,
        .credential_count = 1,
        .trust_store = fx->trust,
        .trusted_ci_pkids = &fx->credential.ci_pkid,
        .trusted_ci_pkid_count = 1,
        .session_lifetime = FX_LIFETIME,
        .backend = &fx->backend,
        .store = &fx->store,
    };
    for (size_t i = 0; i < sizeof(fx->euicc_challenge); i++)
        fx->euicc_challenge[i] = (uint8_t)(0xE0 + i);
    ASN1_OBJECT *oid = OBJ_txt2obj(AW_PKI_TEST_SMDP_OID, 1);
    assert_non_null(oid);
    fx->smdp_oid_len = OBJ_length(oid);
    memcpy(fx->smdp_oid, OBJ_get0_data(oid), fx->smdp_oid_len);
    ASN1_OBJECT_free(oid);
}

static inline void fx_close(fixture *fx)
{
    es9p_memory_store_free(fx->memory);
    pki_trust_store_free(fx->trust);
    crypto_key_free(fx->dpauth_key);
    crypto_key_free(fx->dppb_key);
    crypto_key_free(fx->euicc_key);
    pki_hierarchy_free(&fx->pki);
}

/* EUICCInfo1 (BF20) with one PKID in each list. */
static inline uint8_t *fx_euicc_info1(const aw_pki_key_id *signing, const aw_pki_key_id *verify,
                                      size_t *len)
{
    static const uint8_t svn[3] = {2, 2, 2};
    aw_slice sign_item = {signing->bytes, signing->len};
    aw_slice verify_item = {verify->bytes, verify->len};
    sgp22_euicc_info1 info;
    memset(&info, 0, sizeof(info));
    info.svn = (aw_slice){svn, 3};
    info.euicc_ci_pkid_list_for_verification = (sgp22_octets_list){{NULL, 0}, 1, &verify_item};
    info.euicc_ci_pkid_list_for_signing = (sgp22_octets_list){{NULL, 0}, 1, &sign_item};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_euicc_info1(&info, &out, len), AW_OK);
    return out;
}

/* Run InitiateAuthentication as the LPA does, keeping the eUICC's view. */
static inline es9p_status fx_initiate(fixture *fx)
{
    size_t info_len;
    uint8_t *info = fx_euicc_info1(&fx->credential.ci_pkid, &fx->credential.ci_pkid, &info_len);
    es9p_initiate_authentication_request req = {
        .euicc_challenge = {fx->euicc_challenge, 16},
        .euicc_info1 = {info, info_len},
        .smdp_address = {(const uint8_t *)FX_ADDRESS, strlen(FX_ADDRESS)},
    };
    es9p_initiate_authentication_response resp;
    es9p_status status;
    assert_int_equal(es9p_initiate_authentication(&fx->server, &req, FX_NOW, &resp, &status),
                     AW_OK);
    if (status == ES9P_STATUS_OK) {
        sgp22_server_signed1 s1;
        assert_int_equal(sgp22_decode_server_signed1(resp.server_signed1,
                                                     resp.server_signed1_len, &s1), AW_OK);
        memcpy(fx->transaction_id, s1.transaction_id.ptr, ES9P_TRANSACTION_ID_SIZE);
        memcpy(fx->server_challenge, s1.server_challenge.ptr, 16);
    }
    es9p_initiate_authentication_response_clear(&resp);
    free(info);
    return status;
}

/* What the in-test eUICC does wrong on purpose. */
typedef struct fx_auth_options {
    const char *matching_id;       /* NULL: FX_MATCHING_ID */
    bool no_matching_id;
    bool bad_signature;
    bool wrong_challenge;
    bool wrong_transaction_id;
    aw_slice euicc_certificate;    /* empty: the hierarchy's */
    aw_slice eum_certificate;
} fx_auth_options;

/* ES10b.AuthenticateServer response (BF38) signed with SK.EUICC. */
static inline uint8_t *fx_authenticate_server_response(fixture *fx, const fx_auth_options *o,
                                                       size_t *len)
{
    static const uint8_t info2[] = {0xBF, 0x22, 0x05, 0x81, 0x03, 0x02, 0x03, 0x00};
    static const uint8_t tac[4] = {0x35, 0x29, 0x06, 0x11};
    uint8_t tid[ES9P_TRANSACTION_ID_SIZE], challenge[16];
    memcpy(tid, fx->transaction_id, sizeof(tid));
    memcpy(challenge, fx->server_challenge, sizeof(challenge));
    if (o->wrong_transaction_id)
        tid[0] ^= 1;
    if (o->wrong_challenge)
        challenge[0] ^= 1;
    const char *mid = o->matching_id != NULL ? o->matching_id : FX_MATCHING_ID;
    sgp22_euicc_signed1 s1;
    memset(&s1, 0, sizeof(s1));
    s1.transaction_id = (aw_slice){tid, sizeof(tid)};
    s1.server_address = (aw_slice){(const uint8_t *)FX_ADDRESS, strlen(FX_ADDRESS)};
    s1.server_challenge = (aw_slice){challenge, sizeof(challenge)};
    s1.euicc_info2 = (aw_slice){info2, sizeof(info2)};
    s1.ctx_params1.has_matching_id = !o->no_matching_id;
    s1.ctx_params1.matching_id = (aw_slice){(const uint8_t *)mid, strlen(mid)};
    s1.ctx_params1.device_info.tac = (aw_slice){tac, 4};
    der_builder b;
    der_builder_init(&b);
    sgp22_put_euicc_signed1(&b, &s1);
    uint8_t *signed1 = NULL;
    size_t signed1_len = 0;
    assert_int_equal(der_builder_finish(&b, &signed1, &signed1_len), AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(fx->euicc_key, signed1, signed1_len, signature), AW_OK);
    if (o->bad_signature)
        signature[10] ^= 0x40;
    sgp22_authenticate_server_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_signed1.raw = (aw_slice){signed1, signed1_len};
    r.ok.euicc_signature1 = (aw_slice){signature, sizeof(signature)};
    r.ok.euicc_certificate = o->euicc_certificate.len ? o->euicc_certificate
                                                      : fx_der(fx, AW_PKI_ROLE_EUICC);
    r.ok.eum_certificate = o->eum_certificate.len ? o->eum_certificate
                                                  : fx_der(fx, AW_PKI_ROLE_EUM);
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_authenticate_server_response(&r, &out, len), AW_OK);
    /* keep the eUICC's euiccSignature1 for PrepareDownload */
    free(signed1);
    return out;
}

/* AuthenticateClient for the current session; keeps smdpSignature2. */
static inline es9p_status fx_authenticate(fixture *fx, const fx_auth_options *o)
{
    size_t len;
    uint8_t *asr = fx_authenticate_server_response(fx, o, &len);
    es9p_authenticate_client_request req = {
        .transaction_id = {fx->transaction_id, ES9P_TRANSACTION_ID_SIZE},
        .authenticate_server_response = {asr, len},
    };
    es9p_authenticate_client_response resp;
    es9p_status status;
    assert_int_equal(es9p_authenticate_client(&fx->server, &req, FX_NOW, &resp, &status), AW_OK);
    if (status == ES9P_STATUS_OK)
        memcpy(fx->smdp_signature2, resp.smdp_signature2, CRYPTO_SIGNATURE_SIZE);
    es9p_authenticate_client_response_clear(&resp);
    free(asr);
    return status;
}

typedef struct fx_prepare_options {
    bool bad_signature;
    bool wrong_transaction_id;
    bool with_hash_cc;
    const char *confirmation_code;  /* NULL: FX_CONFIRMATION_CODE */
} fx_prepare_options;

/* ES10b.PrepareDownload response (BF21): euiccSignature2 over euiccSigned2
 * || smdpSignature2 TLV (SGP.22 5.7.5). */
static inline uint8_t *fx_prepare_download_response(fixture *fx, const fx_prepare_options *o,
                                                    uint8_t otpk[CRYPTO_POINT_SIZE], size_t *len)
{
    crypto_key *one_time = NULL;
    assert_int_equal(crypto_generate_key(crypto_key_curve(fx->euicc_key), &one_time), AW_OK);
    assert_int_equal(crypto_key_export_point(one_time, otpk), AW_OK);
    crypto_key_free(one_time);
    uint8_t tid[ES9P_TRANSACTION_ID_SIZE];
    memcpy(tid, fx->transaction_id, sizeof(tid));
    if (o->wrong_transaction_id)
        tid[0] ^= 1;
    uint8_t hash_cc[CRYPTO_SHA256_SIZE];
    if (o->with_hash_cc) {
        const char *cc = o->confirmation_code ? o->confirmation_code : FX_CONFIRMATION_CODE;
        uint8_t input[CRYPTO_SHA256_SIZE + ES9P_TRANSACTION_ID_SIZE];
        assert_int_equal(crypto_sha256((const uint8_t *)cc, strlen(cc), input), AW_OK);
        memcpy(input + CRYPTO_SHA256_SIZE, fx->transaction_id, ES9P_TRANSACTION_ID_SIZE);
        assert_int_equal(crypto_sha256(input, sizeof(input), hash_cc), AW_OK);
    }
    sgp22_euicc_signed2 s2;
    memset(&s2, 0, sizeof(s2));
    s2.transaction_id = (aw_slice){tid, sizeof(tid)};
    s2.euicc_otpk = (aw_slice){otpk, CRYPTO_POINT_SIZE};
    s2.has_hash_cc = o->with_hash_cc;
    s2.hash_cc = (aw_slice){hash_cc, sizeof(hash_cc)};
    der_builder b;
    der_builder_init(&b);
    sgp22_put_euicc_signed2(&b, &s2);
    der_put_slice(&b, 0x5F37, (aw_slice){fx->smdp_signature2, CRYPTO_SIGNATURE_SIZE});
    uint8_t *signed_data = NULL;
    size_t signed_len = 0;
    assert_int_equal(der_builder_finish(&b, &signed_data, &signed_len), AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(fx->euicc_key, signed_data, signed_len, signature), AW_OK);
    if (o->bad_signature)
        signature[5] ^= 0x01;
    sgp22_prepare_download_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    /* euiccSigned2 alone: the signed data minus the 67-byte 5F37 TLV */
    r.ok.euicc_signed2.raw = (aw_slice){signed_data, signed_len - 3 - CRYPTO_SIGNATURE_SIZE};
    r.ok.euicc_signature2 = (aw_slice){signature, sizeof(signature)};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_prepare_download_response(&r, &out, len), AW_OK);
    free(signed_data);
    return out;
}

static inline es9p_status fx_get_bpp(fixture *fx, const fx_prepare_options *o,
                                     es9p_get_bound_profile_package_response *resp)
{
    uint8_t otpk[CRYPTO_POINT_SIZE];
    size_t len;
    uint8_t *pdr = fx_prepare_download_response(fx, o, otpk, &len);
    es9p_get_bound_profile_package_request req = {
        .transaction_id = {fx->transaction_id, ES9P_TRANSACTION_ID_SIZE},
        .prepare_download_response = {pdr, len},
    };
    es9p_status status;
    assert_int_equal(es9p_get_bound_profile_package(&fx->server, &req, FX_NOW, resp, &status),
                     AW_OK);
    if (status == ES9P_STATUS_OK)
        assert_memory_equal(fx->fake.bound_otpk, otpk, CRYPTO_POINT_SIZE);
    free(pdr);
    return status;
}

/* NotificationMetadata (BF2F) for an event. */
static inline uint8_t *fx_notification_metadata(uint32_t event, int64_t seq, size_t *len)
{
    sgp22_notification_metadata md;
    memset(&md, 0, sizeof(md));
    md.seq_number = seq;
    md.profile_management_operation = event;
    md.notification_address = (aw_slice){(const uint8_t *)FX_ADDRESS, strlen(FX_ADDRESS)};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_notification_metadata(&md, &out, len), AW_OK);
    return out;
}

/* ProfileInstallationResult (BF37) with euiccSignPIR over the BF27 TLV. */
static inline uint8_t *fx_installation_result(fixture *fx, bool success, bool bad_signature,
                                              size_t *len)
{
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x00};
    size_t md_len;
    uint8_t *md = fx_notification_metadata(SGP22_NOTIFICATION_INSTALL, 1, &md_len);
    sgp22_profile_installation_result_data data;
    memset(&data, 0, sizeof(data));
    data.transaction_id = (aw_slice){fx->transaction_id, ES9P_TRANSACTION_ID_SIZE};
    data.notification_metadata = (aw_slice){md, md_len};
    data.smdp_oid = (aw_slice){fx->smdp_oid, fx->smdp_oid_len};
    if (success) {
        data.final_result = SGP22_FINAL_RESULT_SUCCESS;
        data.success.aid = (aw_slice){aid, sizeof(aid)};
        data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    } else {
        data.final_result = SGP22_FINAL_RESULT_ERROR;
        data.error.bpp_command_id = 3;
        data.error.error_reason = 8;
    }
    uint8_t *data_der = NULL;
    size_t data_len = 0;
    assert_int_equal(sgp22_encode_profile_installation_result_data(&data, &data_der, &data_len),
                     AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(fx->euicc_key, data_der, data_len, signature), AW_OK);
    if (bad_signature)
        signature[20] ^= 0x08;
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.raw = (aw_slice){data_der, data_len};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(data_der);
    free(md);
    return out;
}

/* OtherSignedNotification (30) for a disable event, signed with SK.EUICC. */
static inline uint8_t *fx_other_notification(fixture *fx, bool bad_signature, size_t *len)
{
    size_t md_len;
    uint8_t *md = fx_notification_metadata(SGP22_NOTIFICATION_DISABLE, 7, &md_len);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(fx->euicc_key, md, md_len, signature), AW_OK);
    if (bad_signature)
        signature[1] ^= 0x10;
    sgp22_pending_notification p;
    memset(&p, 0, sizeof(p));
    p.kind = SGP22_PENDING_OTHER_SIGNED_NOTIFICATION;
    assert_int_equal(sgp22_decode_notification_metadata(md, md_len,
                                                        &p.other_signed_notification
                                                             .tbs_other_notification),
                     AW_OK);
    p.other_signed_notification.euicc_notification_signature =
        (aw_slice){signature, sizeof(signature)};
    p.other_signed_notification.euicc_certificate = fx_der(fx, AW_PKI_ROLE_EUICC);
    p.other_signed_notification.eum_certificate = fx_der(fx, AW_PKI_ROLE_EUM);
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_pending_notification(&p, &out, len), AW_OK);
    free(md);
    return out;
}

/* ES10b.CancelSession response (BF41) signed with SK.EUICC. */
static inline uint8_t *fx_cancel_session_response(fixture *fx, int64_t reason, bool bad_signature,
                                                  bool wrong_oid, size_t *len)
{
    uint8_t oid[16];
    memcpy(oid, fx->smdp_oid, fx->smdp_oid_len);
    if (wrong_oid)
        oid[fx->smdp_oid_len - 1] ^= 0x01;
    sgp22_euicc_cancel_session_signed s;
    memset(&s, 0, sizeof(s));
    s.transaction_id = (aw_slice){fx->transaction_id, ES9P_TRANSACTION_ID_SIZE};
    s.smdp_oid = (aw_slice){oid, fx->smdp_oid_len};
    s.reason = reason;
    der_builder b;
    der_builder_init(&b);
    sgp22_put_euicc_cancel_session_signed(&b, &s);
    uint8_t *signed_der = NULL;
    size_t signed_len = 0;
    assert_int_equal(der_builder_finish(&b, &signed_der, &signed_len), AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(fx->euicc_key, signed_der, signed_len, signature), AW_OK);
    if (bad_signature)
        signature[30] ^= 0x02;
    sgp22_cancel_session_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_RESPONSE_OK;
    r.ok.euicc_cancel_session_signed.raw = (aw_slice){signed_der, signed_len};
    r.ok.euicc_cancel_session_signature = (aw_slice){signature, sizeof(signature)};
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_cancel_session_response(&r, &out, len), AW_OK);
    free(signed_der);
    return out;
}

#endif
