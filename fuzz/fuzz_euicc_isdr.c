/* libFuzzer target: the ISD-R dispatcher (src/euicc/isdr.c) with the whole
 * ES10 function set behind it (SGP.22 5.7). Input: one ES10 command as
 * reassembled from STORE DATA. A fresh eUICC is made once per process (a
 * test PKI, a temporary state directory removed at exit) and keeps its
 * state from input to input, as a card does. Properties: no crash, a
 * status word of SGP.22 5.7.2, and every 9000 response is exactly one
 * well-formed DER TLV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>

#include "core/der.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "euicc/isdr_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char directory[] = "/tmp/aw-fuzz-isdr-XXXXXX";
static euicc *card;

static void remove_directory(void)
{
    char cmd[64];
    euicc_close(card);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", directory);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_euicc_isdr: could not remove %s\n", directory);
}

static void write_pem(const char *name, const pki_certificate *cert, EVP_PKEY *key)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", directory, name);
    FILE *f = fopen(path, "w");
    if (f == NULL ||
        (cert != NULL ? PEM_write_X509(f, (X509 *)pki_certificate_x509(cert))
                      : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)) != 1)
        abort();
    fclose(f);
}

static void make_euicc(void)
{
    pki_hierarchy h;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    if (mkdtemp(directory) == NULL || pki_issue_hierarchy(&params, &h) != AW_OK)
        abort();
    write_pem("ci.pem", h.cert[AW_PKI_ROLE_CI], NULL);
    write_pem("eum.pem", h.cert[AW_PKI_ROLE_EUM], NULL);
    write_pem("euicc.pem", h.cert[AW_PKI_ROLE_EUICC], NULL);
    write_pem("euicc.key.pem", NULL, h.key[AW_PKI_ROLE_EUICC]);
    pki_hierarchy_free(&h);
    char state[64];
    snprintf(state, sizeof(state), "%s/state", directory);
    euicc_identity_paths paths = {.directory = directory};
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    if (euicc_open(&paths, state, &options, time(NULL), &card) != AW_OK)
        abort();
    atexit(remove_directory);
}

static void check(aw_err err)
{
    if (err != AW_OK)
        abort();
}

/* A StoreMetadataRequest and a ProfileInstallationResult as the download
 * engine hands them over, for the profile with this ICCID. */
static void install(const char *iccid_text, const uint8_t iccid[10], bool notify, uint32_t ppr)
{
    euicc_download_host *host = &card->host;
    if (host->iccid_exists(host->ctx, iccid))
        return;
    saip_build_params params = {.iccid = iccid_text, .imsi = "001010123456789", .pin1 = "1234",
                                .pin2 = "5678", .puk1 = "12345678", .puk2 = "23456789",
                                .adm1 = "11111111"};
    params.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    params.aka.key_len = 16;
    params.aka.opc_len = 16;
    sgp22_notification_configuration_information config = {
        .profile_management_operation = 0x0F,
        .notification_address = {(const uint8_t *)"notify.example.com", 18}};
    sgp22_store_metadata_request m = {.iccid = {iccid, 10},
                                      .service_provider_name = {(const uint8_t *)"fuzz", 4},
                                      .profile_name = {(const uint8_t *)"fuzz", 4},
                                      .has_notification_configuration_info = notify,
                                      .notification_configuration_info = {.items = &config,
                                                                          .count = 1},
                                      .has_profile_policy_rules = ppr != 0,
                                      .profile_policy_rules = ppr};
    euicc_installed_profile p = {.sequence_number = 0};
    memcpy(p.iccid, iccid, 10);
    uint8_t *package = NULL, *metadata = NULL, *nm = NULL, *pir = NULL, signature[64] = {0};
    size_t package_len, metadata_len, nm_len, pir_len;
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    check(saip_build(&params, &package, &package_len));
    check(sgp22_encode_store_metadata_request(&m, &metadata, &metadata_len));
    check(host->allocate_isdp_aid(host->ctx, p.isdp_aid, &p.isdp_aid_len));
    check(host->next_sequence_number(host->ctx, &p.sequence_number));
    sgp22_notification_metadata n = {.seq_number = p.sequence_number,
                                     .profile_management_operation = 1,
                                     .notification_address = {(const uint8_t *)"smdp.example", 12},
                                     .has_iccid = true,
                                     .iccid = {iccid, 10}};
    check(sgp22_encode_notification_metadata(&n, &nm, &nm_len));
    sgp22_profile_installation_result r = {
        .data = {.transaction_id = {oid, 3}, .notification_metadata = {nm, nm_len},
                 .smdp_oid = {oid, 3}, .final_result = SGP22_FINAL_RESULT_SUCCESS},
        .euicc_sign_pir = {signature, 64}};
    r.data.success.aid = (aw_slice){p.isdp_aid, p.isdp_aid_len};
    r.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    check(sgp22_encode_profile_installation_result(&r, &pir, &pir_len));
    p.store_metadata = (aw_slice){metadata, metadata_len};
    p.profile_package = (aw_slice){package, package_len};
    p.installation_result = (aw_slice){pir, pir_len};
    check(host->commit_profile(host->ctx, &p));
    der_bytes_free(package, package_len);
    free(metadata);
    free(nm);
    free(pir);
}

static void install_profiles(void)
{
    static const uint8_t iccid1[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    static const uint8_t iccid2[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x20, 0xF2};
    install("8944500000000000014", iccid1, true, 0);
    install("8944500000000000022", iccid2, false, SGP22_PPR1 | SGP22_PPR2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (card == NULL)
        make_euicc();
    if (card->state->profile_count < 2)
        install_profiles();
    uint8_t *response = NULL;
    size_t response_len = 0;
    enum euicc_sw sw = euicc_isdr_handle(card, 0, data, size, &response, &response_len);
    switch (sw) {
    case EUICC_SW_OK: {
        der_node node;
        /* intermediate BPP segments answer with no data (isdr.h) */
        if (response != NULL && der_decode_single(response, response_len, &node) != AW_OK)
            abort();
        break;
    }
    case EUICC_SW_INCORRECT_DATA:
    case EUICC_SW_REFERENCED_DATA_NOT_FOUND:
    case EUICC_SW_CONDITIONS_NOT_SATISFIED:
    case EUICC_SW_NOT_ENOUGH_MEMORY:
    case EUICC_SW_TECHNICAL_PROBLEM:
        if (response != NULL)
            abort(); /* no data with an error status */
        break;
    default:
        abort();
    }
    free(response);
    return 0;
}
