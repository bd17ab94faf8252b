/* libFuzzer target: the ES9+ JSON handlers of the SM-DP+
 * (src/smdp/es9p_json.c over es9p_auth.c / es9p_download.c, SGP.22 6.5.2).
 * Input: one selector byte (function; 5 = no X-Admin-Protocol header), then
 * the request body. Each input runs against a server with a fake backend
 * and one live session, transaction ID 000102...0F, authenticated with the
 * test PKI's eUICC, so bodies naming it reach the signature checks.
 * Properties checked beyond "no crash": a response is always produced;
 * with status 200 it is one JSON object whose
 * header.functionExecutionStatus.status is "Executed-Success" or "Failed",
 * the latter with string subjectCode and reasonCode; 204 (no body) only
 * for HandleNotification. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "core/sgp22_bpp_content.h"
#include "smdp/es9p_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW ((time_t)1767225600)

typedef struct fuzz_server {
    pki_hierarchy pki;
    crypto_key *dpauth_key;
    crypto_key *dppb_key;
    es9p_credential credential;
    pki_trust_store *trust;
    es9p_memory_store *memory;
    es9p_session_store store;
    es9p_backend backend;
    es9p_server server;
} fuzz_server;

static void fuzz_check(bool ok)
{
    if (!ok)
        abort();
}

static aw_err fuzz_find_order(void *userdata, const char *matching_id, const char *eid,
                              time_t now, es9p_order *order, es9p_status *status)
{
    (void)userdata;
    (void)eid;
    (void)now;
    if (matching_id == NULL) {
        *status = ES9P_STATUS_MATCHING_ID_REFUSED;
        return AW_OK;
    }
    static const uint8_t iccid[10] = {0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
    sgp22_store_metadata_request md;
    memset(&md, 0, sizeof(md));
    md.iccid = (aw_slice){iccid, sizeof(iccid)};
    memset(order, 0, sizeof(*order));
    memcpy(order->order_id, "fuzz", 5);
    order->cc_required = matching_id[0] == 'C';
    *status = ES9P_STATUS_OK;
    return sgp22_encode_store_metadata_request(&md, &order->profile_metadata,
                                               &order->profile_metadata_len);
}

static aw_err fuzz_confirmation_code_failed(void *userdata, const char *order_id,
                                            es9p_status *status)
{
    (void)userdata;
    (void)order_id;
    *status = ES9P_STATUS_CONFIRMATION_CODE_REFUSED;
    return AW_OK;
}

static aw_err fuzz_bind_profile(void *userdata, const es9p_bind_request *request, uint8_t **bpp,
                                size_t *bpp_len, es9p_status *status)
{
    (void)userdata;
    (void)request;
    *bpp = malloc(2);
    if (*bpp == NULL)
        return AW_ERR_NOMEM;
    (*bpp)[0] = 0x30;
    (*bpp)[1] = 0x00;
    *bpp_len = 2;
    *status = ES9P_STATUS_OK;
    return AW_OK;
}

static aw_err fuzz_installation_result(void *userdata, const es9p_installation_report *report)
{
    (void)userdata;
    (void)report;
    return AW_OK;
}

static aw_err fuzz_other_notification(void *userdata, const char *eid,
                                      const sgp22_notification_metadata *metadata)
{
    (void)userdata;
    (void)eid;
    (void)metadata;
    return AW_OK;
}

static aw_err fuzz_session_cancelled(void *userdata, const char *order_id, int64_t reason)
{
    (void)userdata;
    (void)order_id;
    (void)reason;
    return AW_OK;
}

static crypto_key *fuzz_key(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    fuzz_check(bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1);
    char *pem = NULL;
    long n = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    fuzz_check(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)n, &key) == AW_OK);
    BIO_free(bio);
    return key;
}

/* Built once: issuing a PKI per input would only slow the fuzzer down. */
static fuzz_server *fuzz_server_get(void)
{
    static fuzz_server fs;
    static bool ready;
    if (ready)
        return &fs;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = FUZZ_NOW};
    fuzz_check(pki_issue_hierarchy(&params, &fs.pki) == AW_OK);
    fs.dpauth_key = fuzz_key(fs.pki.key[AW_PKI_ROLE_DP_AUTH]);
    fs.dppb_key = fuzz_key(fs.pki.key[AW_PKI_ROLE_DP_PB]);
    fuzz_check(pki_certificate_get_subject_key_id(fs.pki.cert[AW_PKI_ROLE_CI],
                                                  &fs.credential.ci_pkid) == AW_OK);
    fs.credential.dpauth_certificate = fs.pki.cert[AW_PKI_ROLE_DP_AUTH];
    fs.credential.dpauth_key = fs.dpauth_key;
    fs.credential.dppb_certificate = fs.pki.cert[AW_PKI_ROLE_DP_PB];
    fs.credential.dppb_key = fs.dppb_key;
    fuzz_check(pki_trust_store_new(&fs.trust) == AW_OK);
    fuzz_check(pki_trust_store_add_ci(fs.trust, fs.pki.cert[AW_PKI_ROLE_CI]) == AW_OK);
    fuzz_check(es9p_memory_store_new(4, &fs.memory) == AW_OK);
    fs.store = es9p_memory_store_interface(fs.memory);
    fs.backend = (es9p_backend){
        .find_order = fuzz_find_order,
        .confirmation_code_failed = fuzz_confirmation_code_failed,
        .bind_profile = fuzz_bind_profile,
        .installation_result = fuzz_installation_result,
        .other_notification = fuzz_other_notification,
        .session_cancelled = fuzz_session_cancelled,
    };
    fs.server = (es9p_server){
        .smdp_address = "smdp.example.com",
        .smdp_oid = AW_PKI_TEST_SMDP_OID,
        .credentials = &fs.credential,
        .credential_count = 1,
        .trust_store = fs.trust,
        .trusted_ci_pkids = &fs.credential.ci_pkid,
        .trusted_ci_pkid_count = 1,
        .session_lifetime = 600,
        .backend = &fs.backend,
        .store = &fs.store,
    };
    ready = true;
    return &fs;
}

/* The one live session every input starts from. */
static void fuzz_reset_session(fuzz_server *fs)
{
    es9p_session s;
    memset(&s, 0, sizeof(s));
    for (uint8_t i = 0; i < ES9P_TRANSACTION_ID_SIZE; i++)
        s.transaction_id[i] = i;
    s.state = ES9P_SESSION_AUTHENTICATED;
    s.expires = FUZZ_NOW + 600;
    memcpy(s.order_id, "fuzz", 5);
    memcpy(s.eid, AW_PKI_DEFAULT_EID, sizeof(AW_PKI_DEFAULT_EID));
    aw_slice cert = pki_certificate_der(fs->pki.cert[AW_PKI_ROLE_EUICC]);
    fuzz_check(es9p_euicc_key_from_certificate(cert, &s.euicc_key) == AW_OK);
    fuzz_check(fs->store.put(fs->store.userdata, &s, FUZZ_NOW) == AW_OK);
}

static void fuzz_check_response(es9p_function function, const es9p_json_response *resp)
{
    if (resp->http_status == 204) {
        fuzz_check(function == ES9P_FUNCTION_HANDLE_NOTIFICATION && resp->body == NULL);
        return;
    }
    fuzz_check(resp->http_status == 200 && resp->body != NULL &&
               strlen(resp->body) == resp->body_len);
    json_error_t error;
    json_t *root = json_loads(resp->body, JSON_REJECT_DUPLICATES, &error);
    fuzz_check(root != NULL && json_is_object(root));
    json_t *execution =
        json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *status = json_string_value(json_object_get(execution, "status"));
    fuzz_check(status != NULL);
    if (strcmp(status, "Failed") == 0) {
        json_t *code = json_object_get(execution, "statusCodeData");
        fuzz_check(json_is_string(json_object_get(code, "subjectCode")) &&
                   json_is_string(json_object_get(code, "reasonCode")));
    } else {
        fuzz_check(strcmp(status, "Executed-Success") == 0);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_server *fs = fuzz_server_get();
    fuzz_reset_session(fs);
    unsigned selector = data[0] % 6;
    es9p_function function = selector == 5 ? ES9P_FUNCTION_INITIATE_AUTHENTICATION
                                           : (es9p_function)(selector + 1);
    const char *protocol = selector == 5 ? NULL : "gsma/rsp/v2.2.0";
    es9p_json_response resp;
    fuzz_check(es9p_json_handle(&fs->server, es9p_json_function_path(function), protocol,
                                data + 1, size - 1, FUZZ_NOW, &resp) == AW_OK);
    fuzz_check_response(function, &resp);
    es9p_json_response_clear(&resp);
    return 0;
}
