/* The software eUICC the ISD-R fuzz targets (fuzz_euicc_isdr.c,
 * fuzz_euicc_sgp32.c) run against: made once per process from a fresh test
 * PKI (NIST P-256, AW_PKI_DEFAULT_EID) in a temporary directory removed at
 * exit; profiles installed through the download engine's host callbacks as
 * LoadBoundProfilePackage would; and the response check both targets
 * share: a status word of SGP.22 5.7.2, every 9000 answer empty or exactly
 * one well-formed DER TLV, no data with an error. Header-only: each target
 * is one translation unit. */
#ifndef AIRWRITE_FUZZ_EUICC_FIXTURE_H
#define AIRWRITE_FUZZ_EUICC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "core/der.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "euicc/isdr_internal.h"

static char fuzz_euicc_directory[64];
static euicc *fuzz_euicc_card;

static void fuzz_check(aw_err err)
{
    if (err != AW_OK)
        abort();
}

static void fuzz_euicc_remove(void)
{
    char cmd[96];
    euicc_close(fuzz_euicc_card);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_euicc_directory);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_euicc_directory);
}

static void fuzz_euicc_write_pem(const char *name, const pki_certificate *cert, EVP_PKEY *key)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", fuzz_euicc_directory, name);
    FILE *f = fopen(path, "w");
    if (f == NULL ||
        (cert != NULL ? PEM_write_X509(f, (X509 *)pki_certificate_x509(cert))
                      : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)) != 1)
        abort();
    fclose(f);
}

/* The process's eUICC, made on first use; name tags its directory. */
static euicc *fuzz_euicc_get(const char *name)
{
    if (fuzz_euicc_card != NULL)
        return fuzz_euicc_card;
    pki_hierarchy h;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    snprintf(fuzz_euicc_directory, sizeof(fuzz_euicc_directory), "/tmp/aw-fuzz-%s-XXXXXX", name);
    if (mkdtemp(fuzz_euicc_directory) == NULL || pki_issue_hierarchy(&params, &h) != AW_OK)
        abort();
    fuzz_euicc_write_pem("ci.pem", h.cert[AW_PKI_ROLE_CI], NULL);
    fuzz_euicc_write_pem("eum.pem", h.cert[AW_PKI_ROLE_EUM], NULL);
    fuzz_euicc_write_pem("euicc.pem", h.cert[AW_PKI_ROLE_EUICC], NULL);
    fuzz_euicc_write_pem("euicc.key.pem", NULL, h.key[AW_PKI_ROLE_EUICC]);
    pki_hierarchy_free(&h);
    char state[96];
    snprintf(state, sizeof(state), "%s/state", fuzz_euicc_directory);
    euicc_identity_paths paths = {.directory = fuzz_euicc_directory};
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    if (euicc_open(&paths, state, &options, time(NULL), &fuzz_euicc_card) != AW_OK)
        abort();
    atexit(fuzz_euicc_remove);
    return fuzz_euicc_card;
}

/* A profile as the download engine hands it over: StoreMetadataRequest
 * (with a notification configuration when notify, PPRs ppr) and a
 * ProfileInstallationResult (unsigned: the ISD-R only stores it). */
static void fuzz_euicc_install(euicc *card, const char *iccid_text, const uint8_t iccid[10],
                               bool notify, uint32_t ppr)
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
    fuzz_check(saip_build(&params, &package, &package_len));
    fuzz_check(sgp22_encode_store_metadata_request(&m, &metadata, &metadata_len));
    fuzz_check(host->allocate_isdp_aid(host->ctx, p.isdp_aid, &p.isdp_aid_len));
    fuzz_check(host->next_sequence_number(host->ctx, &p.sequence_number));
    sgp22_notification_metadata n = {.seq_number = p.sequence_number,
                                     .profile_management_operation = 1,
                                     .notification_address = {(const uint8_t *)"smdp.example", 12},
                                     .has_iccid = true,
                                     .iccid = {iccid, 10}};
    fuzz_check(sgp22_encode_notification_metadata(&n, &nm, &nm_len));
    sgp22_profile_installation_result r = {
        .data = {.transaction_id = {oid, 3}, .notification_metadata = {nm, nm_len},
                 .smdp_oid = {oid, 3}, .final_result = SGP22_FINAL_RESULT_SUCCESS},
        .euicc_sign_pir = {signature, 64}};
    r.data.success.aid = (aw_slice){p.isdp_aid, p.isdp_aid_len};
    r.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    fuzz_check(sgp22_encode_profile_installation_result(&r, &pir, &pir_len));
    p.store_metadata = (aw_slice){metadata, metadata_len};
    p.profile_package = (aw_slice){package, package_len};
    p.installation_result = (aw_slice){pir, pir_len};
    fuzz_check(host->commit_profile(host->ctx, &p));
    der_bytes_free(package, package_len);
    free(metadata);
    free(nm);
    free(pir);
}

/* One command through the ISD-R dispatcher, its answer checked. */
static void fuzz_euicc_run(euicc *card, const uint8_t *data, size_t size)
{
    uint8_t *response = NULL;
    size_t response_len = 0;
    enum euicc_sw sw = euicc_isdr_handle(card, 0, data, size, &response, &response_len);
    switch (sw) {
    case EUICC_SW_OK: {
        der_node node;
        /* intermediate BPP segments and EimAcknowledgements answer with
         * no data (isdr.h) */
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
}

#endif
