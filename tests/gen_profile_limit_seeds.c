/* Writes the seed corpus of fuzz_profile_limit_result (run by hand, not a test):
 *   gen_profile_limit_seeds fuzz/corpus/fuzz_profile_limit_result
 * base64 ProfileInstallationResultData made by core's encoder (SGP.22 5.7.6): errorResults
 * with errorReason 10 (installFailedDueToInsufficientMemoryForProfile) and 9, a successResult,
 * and a text that is not base64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/sgp22_bpp.h"

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 1;
    fputs(text, f);
    return fclose(f) != 0;
}

static int write_result(const char *dir, const char *name, sgp22_final_result_kind kind,
                        int64_t reason)
{
    static const uint8_t transaction_id[16] = {0x11, 0x22};
    static const uint8_t metadata[] = {0xBF, 0x2F, 0x03, 0x80, 0x01, 0x07};
    static const uint8_t oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01};
    static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10};
    sgp22_profile_installation_result_data data;
    memset(&data, 0, sizeof(data));
    data.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    data.notification_metadata = (aw_slice){metadata, sizeof(metadata)};
    data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    data.final_result = kind;
    if (kind == SGP22_FINAL_RESULT_ERROR) {
        data.error.bpp_command_id = SGP22_BPP_COMMAND_STORE_METADATA;
        data.error.error_reason = reason;
    } else {
        data.success.aid = (aw_slice){aid, sizeof(aid)};
    }
    uint8_t *der = NULL;
    size_t len = 0;
    if (sgp22_encode_profile_installation_result_data(&data, &der, &len) != AW_OK)
        return 1;
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    int failed = text == NULL || aw_base64_encode(der, len, text, cap) != AW_OK ||
                 write_file(dir, name, text);
    free(text);
    free(der);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_profile_limit_seeds DIR\n");
        return 2;
    }
    int failed = write_result(argv[1], "insufficient-memory", SGP22_FINAL_RESULT_ERROR,
                              SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE) |
                 write_result(argv[1], "iccid-exists", SGP22_FINAL_RESULT_ERROR,
                              SGP22_ERROR_REASON_ICCID_ALREADY_EXISTS_ON_EUICC) |
                 write_result(argv[1], "success", SGP22_FINAL_RESULT_SUCCESS, 0) |
                 write_file(argv[1], "not-base64", "vzeB*A==");
    return failed;
}
