/* Writes the seed corpora of fuzz/fuzz_sgp32_package.c and
 * fuzz/fuzz_sgp32_esipa.c with airwrite's own SGP.32 encoders (not a test;
 * run by hand):  gen_sgp32_seeds <fuzz/corpus directory>
 * Each vector of tests/sgp32_vectors.h is decoded and the seed is what our
 * encoder writes for it, plus messages built from fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/sgp32_esipa.h"

#include "sgp32_vectors.h"

static int write_seed(const char *dir, const char *target, const char *name,
                      const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    return fclose(f) != 0;
}

/* Decode hex with the type's decoder, re-encode, and write the encoding. */
#define SEED(target, type, name, hex)                                               \
    do {                                                                            \
        size_t n_, out_len_;                                                        \
        uint8_t *in_ = malloc(strlen(hex) / 2 + 1), *out_ = NULL;                   \
        sgp32_##type *v_ = calloc(1, sizeof(*v_));                                  \
        if (in_ == NULL || v_ == NULL ||                                            \
            aw_hex_decode(hex, in_, strlen(hex) / 2 + 1, &n_) != AW_OK ||           \
            sgp32_decode_##type(in_, n_, v_) != AW_OK ||                            \
            sgp32_encode_##type(v_, &out_, &out_len_) != AW_OK) {                   \
            fprintf(stderr, "cannot encode seed %s\n", name);                       \
            rc = 1;                                                                 \
        } else {                                                                    \
            rc |= write_seed(dir, target, name, out_, out_len_);                    \
        }                                                                           \
        free(out_);                                                                 \
        free(v_);                                                                   \
        free(in_);                                                                  \
    } while (0)

#define PACKAGE(type, name, hex) SEED("fuzz_sgp32_package", type, name, hex)
#define ESIPA(type, name, hex) SEED("fuzz_sgp32_esipa", type, name, hex)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int rc = 0;
    PACKAGE(euicc_package_request, "request_psmo", REQUEST_PSMO);
    PACKAGE(euicc_package_signed, "signed_psmo", SIGNED_PSMO);
    PACKAGE(euicc_package_result, "result_signed", RESULT_SIGNED);
    PACKAGE(euicc_package_result, "result_error_signed", RESULT_ERROR_SIGNED);
    PACKAGE(euicc_package_result, "result_error_unsigned", RESULT_ERROR_UNSIGNED);
    PACKAGE(euicc_package_result_data_signed, "result_data", RESULT_DATA);
    PACKAGE(euicc_package_error_data_signed, "error_data", ERROR_DATA);
    PACKAGE(eim_configuration_data, "eim_configuration",
            "3036800B65696D2E6578616D706C65811065696D2E6578616D706C653A38343433820102830101"
            "A509A10730003000030100870205A08900");
    PACKAGE(add_initial_eim_request, "add_initial_eim", "BF570AA0083006800165830100");
    PACKAGE(add_initial_eim_response, "add_initial_eim_ok", "BF5707A0058401090500");
    PACKAGE(get_eim_configuration_data_request, "get_eim_configuration",
            "BF5505A003800165");
    PACKAGE(get_eim_configuration_data_response, "eim_configuration_list",
            "BF550EA00C300380016530058001668900");
    PACKAGE(euicc_package_signed, "signed_extension",
            "301E8001655A1089049032123451234512345678901235810101A0009F200107");

    ESIPA(ipa_euicc_data_request, "ipa_request", IPA_REQUEST);
    ESIPA(ipa_euicc_data_response, "ipa_response", IPA_RESPONSE);
    ESIPA(ipa_euicc_data_response, "ipa_response_error", IPA_RESPONSE_ERROR);
    ESIPA(eim_acknowledgements, "acks", ACKS);
    ESIPA(profile_download_trigger_request, "trigger_ac", TRIGGER_AC);
    ESIPA(profile_download_trigger_request, "trigger_smds", TRIGGER_SMDS);
    ESIPA(profile_download_trigger_result, "trigger_result", TRIGGER_RESULT_PIR);
    ESIPA(profile_download_trigger_result, "trigger_error", TRIGGER_RESULT_ERROR);
    ESIPA(esipa_message_from_ipa_to_eim, "iar", IAR);
    ESIPA(esipa_message_from_ipa_to_eim, "acr", ACR);
    ESIPA(esipa_message_from_ipa_to_eim, "gbr", GBR);
    ESIPA(esipa_message_from_ipa_to_eim, "csr", CSR);
    ESIPA(esipa_message_from_ipa_to_eim, "hn_pending", HN_PENDING);
    ESIPA(esipa_message_from_ipa_to_eim, "hn_per", HN_PER);
    ESIPA(esipa_message_from_ipa_to_eim, "per_epr_notif", PER_EPR_NOTIF);
    ESIPA(esipa_message_from_ipa_to_eim, "per_ipa", PER_IPA);
    ESIPA(esipa_message_from_ipa_to_eim, "per_trigger", PER_TRIGGER);
    ESIPA(esipa_message_from_ipa_to_eim, "per_error", PER_ERROR);
    ESIPA(esipa_message_from_ipa_to_eim, "per_v10", PER_V10_ERROR);
    ESIPA(esipa_message_from_ipa_to_eim, "gpr", GPR);
    ESIPA(esipa_message_from_ipa_to_eim, "ter_cid", TER_CID);
    ESIPA(esipa_message_from_ipa_to_eim, "ter_error_cid", TER_ERROR_CID);
    ESIPA(esipa_message_from_ipa_to_eim, "ter_received", TER_RECEIVED);
    ESIPA(esipa_message_from_eim_to_ipa, "iares_ok", IARES_OK);
    ESIPA(esipa_message_from_eim_to_ipa, "acres_dp", ACRES_DP);
    ESIPA(esipa_message_from_eim_to_ipa, "acres_ds", ACRES_DS);
    ESIPA(esipa_message_from_eim_to_ipa, "gbres_ok", GBRES_OK);
    ESIPA(esipa_message_from_eim_to_ipa, "csres_ok", CSRES_OK);
    ESIPA(esipa_message_from_eim_to_ipa, "gpres_package", GPRES_PACKAGE);
    ESIPA(esipa_message_from_eim_to_ipa, "gpres_ipa", GPRES_IPA);
    ESIPA(esipa_message_from_eim_to_ipa, "gpres_error", GPRES_ERROR);
    ESIPA(esipa_message_from_eim_to_ipa, "tr_acks", TR_ACKS);
    ESIPA(esipa_message_from_eim_to_ipa, "tr_trigger", TR_TRIGGER);
    ESIPA(esipa_message_from_eim_to_ipa, "pres_acks", PRES_ACKS);
    ESIPA(esipa_message_from_eim_to_ipa, "pres_empty", PRES_EMPTY);
    ESIPA(esipa_message_from_eim_to_ipa, "pres_v10_empty", PRES_V10_EMPTY);
    return rc;
}
