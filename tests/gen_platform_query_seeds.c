/* Writes the seed corpus of fuzz_platform_query (run by hand, not a test):
 *   gen_platform_query_seeds fuzz/corpus
 * Query strings, filter lines with EIDs and ICCIDs made by the platform's
 * own check digits (platform_eid_check_digits, saip_iccid_check_digit) and
 * business scopes with whitelists. */
#include <stdio.h>
#include <string.h>

#include "core/saip.h"
#include "platform/platform.h"

static int write_seed(const char *dir, const char *name, char part, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_platform_query/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputc(part, f);
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
    char eid[33], check[3], iccid[21], text[512];
    snprintf(eid, sizeof(eid), "890490320000%018u", 2u);
    if (platform_eid_check_digits(eid, 30, check) != AW_OK)
        return 1;
    memcpy(eid + 30, check, 3);
    snprintf(iccid, sizeof(iccid), "898600%012u", 2u);
    iccid[18] = saip_iccid_check_digit(iccid, 18);
    iccid[19] = '\0';
    int failed = 0;
    failed |= write_seed(dir, "query_names", 0, "eid=1&state=active&limit=5&cursor=0");
    failed |= write_seed(dir, "query_unknown", 0, "color=red&eid");
    failed |= write_seed(dir, "query_trailing", 0, "eid=1&state=active&");
    snprintf(text, sizeof(text), "%s\n%s\n460000000000002\n1440000000002\nactive\n\n\x05", eid,
             iccid);
    failed |= write_seed(dir, "filters_all", 1, text);
    failed |= write_seed(dir, "filters_none", 1, "\n\n\n\n\n\n\x02\x01");
    failed |= write_seed(dir, "filters_profile", 1, "\n\n\n\n\ninstalled\niot\n\x0a");
    failed |= write_seed(dir, "scopes", 2,
                         "ds\n10658888,+8613800000000\n\ndsv\n10658888,+8613800000000,106590\n"
                         "106590\n");
    failed |= write_seed(dir, "scopes_bad", 2, "s\n\n\nv\n1,1\n12\n");
    return failed;
}
