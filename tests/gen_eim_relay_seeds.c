/* Writes the seed corpora of fuzz_es9p_client (from the project's own test
 * vectors, es9p_client_vectors.h and sgp22_golden.h) and
 * fuzz_eim_esipa_json (run by hand, not a test):
 *   gen_eim_relay_seeds fuzz/corpus
 * Each seed is the target's selector byte (fuzz_es9p_client: function in
 * bits 0-2, request parser in bit 3, HTTP 204 in bit 4;
 * fuzz_eim_esipa_json: bit 0 provideEimPackageResult) and the bytes to
 * parse. */
#include <stdbool.h>
#include <stdio.h>

#include "core/pki.h"
#include "es9p_client_vectors.h"
#include "sgp22_golden.h"

static const char *target = "fuzz_es9p_client";

static int write_seed(const char *dir, int n, uint8_t selector, const uint8_t *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/seed_%02d", dir, target, n);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return 1;
    int bad = fwrite(&selector, 1, 1, f) != 1 || (len > 0 && fwrite(data, 1, len, f) != len);
    return (fclose(f) != 0) | bad;
}

static int write_text(const char *dir, int n, uint8_t selector, const char *text)
{
    return text == NULL ? 1 : write_seed(dir, n, selector, (const uint8_t *)text, strlen(text));
}

static int write_hex(const char *dir, int n, uint8_t selector, const char *hex)
{
    uint8_t der[2048];
    size_t len = 0;
    if (aw_hex_decode(hex, der, sizeof(der), &len) != AW_OK)
        return 1;
    return write_seed(dir, n, selector, der, len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int failures = 0;
    char *json = es9p_vector_ok_json(IARESP_OK, es9p_vector_initiate_names, 5);
    failures += write_text(dir, 1, 0x00, json);
    free(json);
    json = es9p_vector_ok_json(ACRESP_OK, es9p_vector_authenticate_names, 5);
    failures += write_text(dir, 2, 0x01, json);
    free(json);
    failures += write_text(dir, 3, 0x04, "{" ES9P_VECTOR_SUCCESS_HEADER "}");
    failures += write_text(dir, 4, 0x13, "");
    failures += write_text(dir, 5, 0x01,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                           "\"statusCodeData\":{\"subjectCode\":\"8.2.6\",\"reasonCode\":\"3.8\","
                           "\"subjectIdentifier\":\"matchingId\"}}}}");
    failures += write_text(dir, 6, 0x02,
                           "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\"}}}");
    failures += write_hex(dir, 7, 0x08, IAREQ);
    failures += write_hex(dir, 8, 0x09, "BF3B1580080102030405060708BF3808A10680010102017F");
    failures += write_hex(dir, 9, 0x0C, CSREQ9);
    char hex[1024];
    snprintf(hex, sizeof(hex), "BF3D81B4A081B1%s", golden_profile_installation_result);
    failures += write_hex(dir, 10, 0x0B, hex);
    snprintf(hex, sizeof(hex), "BF3A81A480080102030405060708%s", golden_prepare_download_response);
    failures += write_hex(dir, 11, 0x0A, hex);

    target = "fuzz_eim_esipa_json";
    char json_text[256];
    snprintf(json_text, sizeof(json_text), "{\"eidValue\":\"%s\"}", AW_PKI_DEFAULT_EID);
    failures += write_text(dir, 1, 0x00, json_text);
    /* eimPackageResultResponseError {eimTransactionId, undefinedError} */
    snprintf(json_text, sizeof(json_text),
             "{\"eidValue\":\"%s\",\"eimPackageResult\":\"oBWAEAECAwQFBgcICQoLDA0ODxACAX8=\"}",
             AW_PKI_DEFAULT_EID);
    failures += write_text(dir, 2, 0x01, json_text);
    failures += write_text(dir, 3, 0x00, "{}");
    failures += write_text(dir, 4, 0x01, "{\"eimPackageResult\":\"BAA=\"}");
    return failures != 0;
}
