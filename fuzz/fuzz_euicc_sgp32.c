/* libFuzzer target: the SGP.32 functions of the software eUICC
 * (src/euicc/sgp32_*.c) through the ISD-R dispatcher: LoadEuiccPackage
 * (BF51, SGP.32 5.9.1), IpaEuiccDataRequest (BF52, 2.11.2),
 * EimAcknowledgements (BF53, 6.3.2.7), GetEimConfigurationData (BF55,
 * 5.9.18), AddInitialEim (BF57, 5.9.16), ProfileRollback (BF58),
 * ConfigureImmediateProfileEnabling (BF59), ImmediateEnable (BF5A) and
 * EuiccMemoryReset (BF64, 5.9.5). Input: one command TLV. The
 * eUICC is made once per process (test PKI with AW_PKI_DEFAULT_EID, a
 * temporary state directory removed at exit) with two profiles and the
 * fixed eIM of tests/euicc_sgp32_fuzz_eim.h, whose counterValue is reset
 * to 0 before each input so seeded packages (signed with that eIM's key)
 * reach the PSMOs and eCOs every time. Properties: no crash, a status word
 * of SGP.22 5.7.2, and every 9000 response is empty (BF53) or exactly one
 * well-formed DER TLV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>

#include "../tests/euicc_sgp32_fuzz_eim.h"
#include "core/der.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "euicc/isdr_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char directory[] = "/tmp/aw-fuzz-sgp32-XXXXXX";
static euicc *card;
static uint8_t *eim_key_data;
static size_t eim_key_data_len;

static void check(aw_err err)
{
    if (err != AW_OK)
        abort();
}

static void remove_directory(void)
{
    char cmd[64];
    euicc_close(card);
    free(eim_key_data);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", directory);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_euicc_sgp32: could not remove %s\n", directory);
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
    crypto_key *key = NULL;
    check(fuzz_eim_key(&key));
    check(fuzz_eim_key_data(key, &eim_key_data, &eim_key_data_len));
    crypto_key_free(key);
    atexit(remove_directory);
}

/* A profile as the download engine hands it over (its PIR unsigned: the
 * ISD-R only stores it). */
static void install(const char *iccid_text, const uint8_t iccid[10])
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
                                      .has_notification_configuration_info = true,
                                      .notification_configuration_info = {.items = &config,
                                                                          .count = 1}};
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

/* Two profiles and the fixed eIM at counterValue 0 (in memory; the next
 * commit writes it). */
static void prepare(void)
{
    static const uint8_t iccid1[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    static const uint8_t iccid2[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x20, 0xF2};
    euicc_state *s = card->state;
    install("8944500000000000014", iccid1);
    install("8944500000000000022", iccid2);
    sgp32_eim_configuration_data eim;
    int index = euicc_find_eim(s, (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)},
                               &eim);
    if (index < 0) {
        uint8_t *encoded = NULL;
        size_t encoded_len = 0;
        fuzz_eim_configuration((aw_slice){eim_key_data, eim_key_data_len}, &eim);
        check(sgp32_encode_eim_configuration_data(&eim, &encoded, &encoded_len));
        if (s->eim_count >= EUICC_MAX_EIMS)
            euicc_state_remove_eim(s, 0);
        check(euicc_state_add_eim(s, (aw_slice){encoded, encoded_len}));
        free(encoded);
    } else {
        check(euicc_eim_set_counter(s, (size_t)index, 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (card == NULL)
        make_euicc();
    prepare();
    uint8_t *response = NULL;
    size_t response_len = 0;
    enum euicc_sw sw = euicc_isdr_handle(card, 0, data, size, &response, &response_len);
    switch (sw) {
    case EUICC_SW_OK: {
        der_node node;
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
