/* Writes the seed corpus of fuzz_platform_batch (run by hand, not a test):
 *   gen_platform_batch_seeds fuzz/corpus
 * CSV and JSON order bodies made with the platform's own EID check digits
 * (platform_eid_check_digits): good batches, and batches with each kind of
 * line error. */
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static void make_eid(unsigned long long n, char eid[PLATFORM_EID_DIGITS + 1])
{
    snprintf(eid, PLATFORM_EID_DIGITS + 1, "890490320000%018llu", n);
    char check[3];
    if (platform_eid_check_digits(eid, 30, check) == AW_OK)
        memcpy(eid + 30, check, 3);
}

static int write_seed(const char *dir, const char *name, char mode, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_platform_batch/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputc(mode, f);
    fputs(text, f);
    return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    char e[4][33];
    for (unsigned i = 0; i < 4; i++)
        make_eid(1000 + i, e[i]);
    char wrong[33];
    memcpy(wrong, e[3], sizeof(wrong));
    wrong[31] = (char)('0' + (wrong[31] - '0' + 1) % 10);
    char text[1024];
    int failed = 0;
    snprintf(text, sizeof(text), "eid\r\n%s\r\n%s\r\n%s\r\n", e[0], e[1], e[2]);
    failed |= write_seed(dir, "csv_header_crlf", 0, text);
    snprintf(text, sizeof(text), "%s", e[0]);
    failed |= write_seed(dir, "csv_one", 0, text);
    snprintf(text, sizeof(text), "%s\n%s\n\n%s,x\n\"%s\"\n%s\n", e[0], wrong, e[1], e[2], e[0]);
    failed |= write_seed(dir, "csv_line_errors", 0, text);
    snprintf(text, sizeof(text), "{\"eids\":[\"%s\",\"%s\"],\"profileType\":\"iot-basic\"}", e[0],
             e[1]);
    failed |= write_seed(dir, "json_profile_type", 1, text);
    snprintf(text, sizeof(text), "{\"numberPool\":\"pool.1\",\"eids\":[\"%s\"]}", e[2]);
    failed |= write_seed(dir, "json_number_pool", 1, text);
    snprintf(text, sizeof(text), "{\"eids\":[\"%s\",7,\"%s\",\"%s\"],\"numberPool\":\"p\"}", e[0],
             wrong, e[0]);
    failed |= write_seed(dir, "json_line_errors", 1, text);
    failed |= write_seed(dir, "json_empty", 1, "{\"eids\":[],\"profileType\":\"a\"}");
    return failed;
}
