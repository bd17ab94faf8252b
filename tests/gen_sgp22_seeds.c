/* Seed corpus generator for fuzz_sgp22_auth and fuzz_sgp22_download: builds
 * SGP.22 authentication and download messages (5.6, 5.7.5-5.7.14, 2.5.4)
 * from synthetic field values with the project's own encoders and writes
 * each to <dir>/fuzz_sgp22_auth/ or <dir>/fuzz_sgp22_download/.
 * Usage: gen_sgp22_seeds <fuzz/corpus directory> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_es9.h"

#define S(lit) ((aw_slice){(const uint8_t *)(lit), sizeof(lit) - 1})

static const char *root;
static int failures;

static void write_seed(const char *target, const char *name, aw_err err, uint8_t *buf,
                       size_t len)
{
    char path[4096];
    if (err != AW_OK) {
        fprintf(stderr, "%s: %s\n", name, aw_err_name(err));
        failures++;
        return;
    }
    snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len) {
        perror(path);
        failures++;
    }
    if (f != NULL)
        fclose(f);
    free(buf);
}

#define SEED(target, name, type, value)                                  \
    do {                                                                 \
        uint8_t *b_;                                                     \
        size_t l_;                                                       \
        aw_err e_ = sgp22_encode_##type(value, &b_, &l_);                \
        write_seed(target, name, e_, b_, l_);                            \
    } while (0)

static const uint8_t challenge[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                      0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
static uint8_t signature[64];
static uint8_t otpk[65];
/* SEQUENCE { INTEGER 1, SEQUENCE { OID 1.3.6 } }: stands in for a certificate */
static const uint8_t certificate[] = {0x30, 0x09, 0x02, 0x01, 0x01, 0x30,
                                      0x04, 0x06, 0x02, 0x2B, 0x06};

static sgp22_server_signed1 server_signed1(void)
{
    sgp22_server_signed1 s;
    memset(&s, 0, sizeof(s));
    s.transaction_id = S("\x01\x02\x03\x04\x05\x06\x07\x08");
    s.euicc_challenge = (aw_slice){challenge, 16};
    s.server_address = S("smdp.example.com");
    s.server_challenge = (aw_slice){challenge, 16};
    return s;
}

static sgp22_ctx_params1 ctx_params1(void)
{
    sgp22_ctx_params1 c;
    memset(&c, 0, sizeof(c));
    c.has_matching_id = true;
    c.matching_id = S("ABCD-1234");
    c.device_info.tac = S("\x35\x29\x06\x11");
    c.device_info.device_capabilities = S("\x80\x03\x0B\x00\x00");
    c.device_info.has_imei = true;
    c.device_info.imei = S("\x35\x29\x06\x11\x12\x34\x56\x78");
    return c;
}

static sgp22_store_metadata_request metadata(void)
{
    static const sgp22_notification_configuration_information items[] = {
        {.profile_management_operation = 0x1,
         .notification_address = {(const uint8_t *)"notify.example.com", 18}},
    };
    sgp22_store_metadata_request m;
    memset(&m, 0, sizeof(m));
    m.iccid = S("\x98\x00\x10\x32\x54\x76\x98\x10\x32\x14");
    m.service_provider_name = S("Operator");
    m.profile_name = S("Profile");
    m.has_icon_type = true;
    m.icon_type = 1;
    m.has_icon = true;
    m.icon = S("\x89PNG");
    m.has_profile_class = true;
    m.profile_class = 1;
    m.has_notification_configuration_info = true;
    m.notification_configuration_info.count = 1;
    m.notification_configuration_info.items = items;
    m.has_profile_owner = true;
    m.profile_owner.mcc_mnc = S("\x64\xF0\x07");
    m.has_profile_policy_rules = true;
    m.profile_policy_rules = 0x6;
    m.has_fallback_allowed = true;
    m.fallback_allowed = true;
    return m;
}

static void auth_seeds(void)
{
    const char *t = "fuzz_sgp22_auth";
    sgp22_get_euicc_challenge_request cq;
    memset(&cq, 0, sizeof(cq));
    SEED(t, "get_euicc_challenge_request", get_euicc_challenge_request, &cq);
    sgp22_get_euicc_challenge_response cr;
    memset(&cr, 0, sizeof(cr));
    cr.euicc_challenge = (aw_slice){challenge, 16};
    SEED(t, "get_euicc_challenge_response", get_euicc_challenge_response, &cr);

    sgp22_authenticate_server_request asq;
    memset(&asq, 0, sizeof(asq));
    asq.server_signed1 = server_signed1();
    asq.server_signature1 = (aw_slice){signature, 64};
    asq.euicc_ci_pkid_to_be_used = S("\xF5\x41\x72\xBD\xF9\x8A\x95\xD6\x5C\xBE\xB8\x8A\x38\xA1"
                                     "\xC1\x1D\x80\x0A\x85\xC3");
    asq.server_certificate = (aw_slice){certificate, sizeof(certificate)};
    asq.ctx_params1 = ctx_params1();
    SEED(t, "authenticate_server_request", authenticate_server_request, &asq);

    sgp22_authenticate_server_response asr;
    memset(&asr, 0, sizeof(asr));
    asr.kind = SGP22_RESPONSE_OK;
    asr.ok.euicc_signed1.transaction_id = asq.server_signed1.transaction_id;
    asr.ok.euicc_signed1.server_address = asq.server_signed1.server_address;
    asr.ok.euicc_signed1.server_challenge = asq.server_signed1.server_challenge;
    asr.ok.euicc_signed1.euicc_info2 = S("\xBF\x22\x05\x81\x03\x02\x03\x00");
    asr.ok.euicc_signed1.ctx_params1 = asq.ctx_params1;
    asr.ok.euicc_signature1 = (aw_slice){signature, 64};
    asr.ok.euicc_certificate = asq.server_certificate;
    asr.ok.eum_certificate = asq.server_certificate;
    SEED(t, "authenticate_server_response_ok", authenticate_server_response, &asr);

    sgp22_authenticate_client_request acq;
    memset(&acq, 0, sizeof(acq));
    acq.transaction_id = asq.server_signed1.transaction_id;
    acq.authenticate_server_response = asr;
    acq.use_matching_id_for_acr = true;
    SEED(t, "authenticate_client_request", authenticate_client_request, &acq);

    sgp22_authenticate_server_response ase;
    memset(&ase, 0, sizeof(ase));
    ase.kind = SGP22_RESPONSE_ERROR;
    ase.error.transaction_id = asq.server_signed1.transaction_id;
    ase.error.authenticate_error_code = SGP22_AUTHENTICATE_ERROR_CI_PK_UNKNOWN;
    SEED(t, "authenticate_server_response_error", authenticate_server_response, &ase);

    sgp22_initiate_authentication_request iaq;
    memset(&iaq, 0, sizeof(iaq));
    iaq.euicc_challenge = (aw_slice){challenge, 16};
    iaq.smdp_address = S("smdp.example.com");
    iaq.euicc_info1 = S("\xBF\x20\x09\x82\x03\x02\x02\x00\xA9\x00\xAA\x00");
    SEED(t, "initiate_authentication_request", initiate_authentication_request, &iaq);

    sgp22_initiate_authentication_response iar;
    memset(&iar, 0, sizeof(iar));
    iar.kind = SGP22_RESPONSE_OK;
    iar.ok.transaction_id = asq.server_signed1.transaction_id;
    iar.ok.server_signed1 = asq.server_signed1;
    iar.ok.server_signature1 = asq.server_signature1;
    iar.ok.euicc_ci_pkid_to_be_used = asq.euicc_ci_pkid_to_be_used;
    iar.ok.server_certificate = asq.server_certificate;
    SEED(t, "initiate_authentication_response", initiate_authentication_response, &iar);

    sgp22_authenticate_client_response acr;
    memset(&acr, 0, sizeof(acr));
    acr.kind = SGP22_AUTHENTICATE_CLIENT_OK;
    acr.ok.transaction_id = asq.server_signed1.transaction_id;
    acr.ok.profile_metadata = metadata();
    acr.ok.smdp_signed2.transaction_id = asq.server_signed1.transaction_id;
    acr.ok.smdp_signature2 = (aw_slice){signature, 64};
    acr.ok.smdp_certificate = asq.server_certificate;
    SEED(t, "authenticate_client_response", authenticate_client_response, &acr);
    acr.kind = SGP22_AUTHENTICATE_CLIENT_OK_ACR;
    SEED(t, "authenticate_client_response_acr", authenticate_client_response, &acr);
}

static void download_seeds(void)
{
    const char *t = "fuzz_sgp22_download";
    aw_slice txid = S("\x0A\x0B\x0C\x0D");
    sgp22_prepare_download_request pq;
    memset(&pq, 0, sizeof(pq));
    pq.smdp_signed2.transaction_id = txid;
    pq.smdp_signed2.cc_required_flag = true;
    pq.smdp_signed2.has_bpp_euicc_otpk = true;
    pq.smdp_signed2.bpp_euicc_otpk = (aw_slice){otpk, 65};
    pq.smdp_signature2 = (aw_slice){signature, 64};
    pq.has_hash_cc = true;
    pq.hash_cc = (aw_slice){signature, 32};
    pq.smdp_certificate = (aw_slice){certificate, sizeof(certificate)};
    SEED(t, "prepare_download_request", prepare_download_request, &pq);

    sgp22_prepare_download_response pr;
    memset(&pr, 0, sizeof(pr));
    pr.kind = SGP22_RESPONSE_OK;
    pr.ok.euicc_signed2.transaction_id = txid;
    pr.ok.euicc_signed2.euicc_otpk = (aw_slice){otpk, 65};
    pr.ok.euicc_signature2 = (aw_slice){signature, 64};
    SEED(t, "prepare_download_response", prepare_download_response, &pr);

    sgp22_get_bound_profile_package_request gq;
    memset(&gq, 0, sizeof(gq));
    gq.transaction_id = txid;
    gq.prepare_download_response = pr;
    SEED(t, "get_bound_profile_package_request", get_bound_profile_package_request, &gq);

    sgp22_cancel_session_request cq;
    memset(&cq, 0, sizeof(cq));
    cq.transaction_id = txid;
    cq.reason = SGP22_CANCEL_SESSION_TIMEOUT;
    SEED(t, "cancel_session_request", cancel_session_request, &cq);
    sgp22_cancel_session_response cr;
    memset(&cr, 0, sizeof(cr));
    cr.kind = SGP22_RESPONSE_OK;
    cr.ok.euicc_cancel_session_signed.transaction_id = txid;
    cr.ok.euicc_cancel_session_signed.smdp_oid = S("\x2B\x06\x01\x04");
    cr.ok.euicc_cancel_session_signed.reason = SGP22_CANCEL_SESSION_POSTPONED;
    cr.ok.euicc_cancel_session_signature = (aw_slice){signature, 64};
    SEED(t, "cancel_session_response", cancel_session_response, &cr);
    sgp22_cancel_session_request_es9 cq9;
    memset(&cq9, 0, sizeof(cq9));
    cq9.transaction_id = txid;
    cq9.cancel_session_response = cr;
    SEED(t, "cancel_session_request_es9", cancel_session_request_es9, &cq9);

    sgp22_store_metadata_request md = metadata();
    SEED(t, "store_metadata_request", store_metadata_request, &md);
    sgp22_configure_isdp_request cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.has_dp_proprietary_data = true;
    cfg.dp_oid = S("\x2B\x06\x01\x04\x01");
    SEED(t, "configure_isdp_request", configure_isdp_request, &cfg);
    sgp22_replace_session_keys_request rsk;
    memset(&rsk, 0, sizeof(rsk));
    rsk.initial_mac_chaining_value = (aw_slice){challenge, 16};
    rsk.ppk_enc = (aw_slice){challenge, 16};
    rsk.ppk_cmac = (aw_slice){challenge, 16};
    SEED(t, "replace_session_keys_request", replace_session_keys_request, &rsk);

    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = txid;
    pir.data.notification_metadata = S("\xBF\x2F\x06\x80\x01\x01\x81\x01\x00");
    pir.data.smdp_oid = S("\x2B\x06\x01\x04");
    pir.data.final_result = SGP22_FINAL_RESULT_ERROR;
    pir.data.error.bpp_command_id = SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS;
    pir.data.error.error_reason = SGP22_ERROR_REASON_PE_PROCESSING_ERROR;
    pir.euicc_sign_pir = (aw_slice){signature, 64};
    SEED(t, "profile_installation_result", profile_installation_result, &pir);

    sgp22_get_bound_profile_package_response gr;
    memset(&gr, 0, sizeof(gr));
    gr.kind = SGP22_RESPONSE_OK;
    gr.ok.transaction_id = txid;
    sgp22_bound_profile_package *bpp = &gr.ok.bound_profile_package;
    sgp22_initialise_secure_channel_request *iscr = &bpp->initialise_secure_channel_request;
    iscr->remote_op_id = SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE;
    iscr->transaction_id = txid;
    iscr->control_ref_template.key_type = 0x88;
    iscr->control_ref_template.key_len = 0x10;
    iscr->control_ref_template.host_id = S("\x01\x02\x03\x04");
    iscr->smdp_otpk = (aw_slice){otpk, 65};
    iscr->smdp_sign = (aw_slice){signature, 64};
    bpp->first_sequence_of87 = S("\x87\x03\x01\x02\x03");
    bpp->sequence_of88 = S("\x88\x02\x04\x05\x88\x01\x06");
    bpp->has_second_sequence_of87 = true;
    bpp->second_sequence_of87 = S("\x87\x01\x07");
    bpp->sequence_of86 = S("\x86\x02\x08\x09\x86\x01\x0A");
    SEED(t, "bound_profile_package", bound_profile_package, bpp);
    SEED(t, "get_bound_profile_package_response", get_bound_profile_package_response, &gr);

    /* the same BPP cut as the LPA sends it, in fuzz_sgp22_download's form:
     * explicit length count n, n segment lengths, then the bytes (the last
     * segment takes the rest) */
    uint8_t *b;
    size_t len;
    aw_err err = sgp22_encode_bound_profile_package(bpp, &b, &len);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment seg;
    uint8_t lengths[16];
    size_t n = 0;
    if (err == AW_OK)
        err = sgp22_bpp_splitter_init(&splitter, b, len);
    while (err == AW_OK && sgp22_bpp_splitter_next(&splitter, &seg) == AW_OK) {
        if (n == sizeof(lengths) || seg.bytes.len > 255)
            err = AW_ERR_LIMIT;
        else
            lengths[n++] = (uint8_t)seg.bytes.len;
    }
    uint8_t *cut = err == AW_OK ? malloc(n + len) : NULL;
    if (err == AW_OK && cut == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK) {
        cut[0] = (uint8_t)(n - 1);
        memcpy(cut + 1, lengths, n - 1);
        memcpy(cut + n, b, len);
    }
    write_seed(t, "bpp_segments", err, cut, n + len);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
        return 2;
    }
    root = argv[1];
    memset(signature, 0x5A, sizeof(signature));
    memset(otpk, 0x3C, sizeof(otpk));
    otpk[0] = 0x04;
    auth_seeds();
    download_seeds();
    return failures == 0 ? 0 : 1;
}
