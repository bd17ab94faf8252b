/* Writes the seed corpus of fuzz_platform_card_op (by hand, not a test):
 *   gen_platform_card_op_seeds fuzz/corpus
 * Request bodies of POST /api/v1/cards/{eid}/operations built with jansson:
 * each operation accepted, and the refusals of its parser (unknown
 * operation, toIccid without a switch, a switch to the same ICCID, a bad
 * Luhn digit, an extra member, not an object). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"

static int write_seed(const char *dir, const char *name, json_t *root)
{
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(root);
    if (text == NULL)
        return 1;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int status = f == NULL || fwrite(text, 1, strlen(text), f) != strlen(text);
    if (f != NULL && fclose(f) != 0)
        status = 1;
    free(text);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/fuzz_platform_card_op", argv[1]);
    mkdir(dir, 0755);
    int status = 0;
    static const char *const plain[][2] = {
        {"enable", ICCID1}, {"disable", ICCID1}, {"delete", ICCID2}};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        status |= write_seed(
            dir, plain[i][0],
            json_pack("{s:s, s:s}", "operation", plain[i][0], "iccid", plain[i][1]));
    status |= write_seed(dir, "switch", json_pack("{s:s, s:s, s:s}", "operation", "switch", "iccid",
                                                  ICCID1, "toIccid", ICCID2));
    status |= write_seed(dir, "unknown_operation",
                         json_pack("{s:s, s:s}", "operation", "reboot", "iccid", ICCID1));
    status |= write_seed(dir, "to_without_switch",
                         json_pack("{s:s, s:s, s:s}", "operation", "enable", "iccid", ICCID1,
                                   "toIccid", ICCID2));
    status |= write_seed(dir, "switch_same", json_pack("{s:s, s:s, s:s}", "operation", "switch",
                                                       "iccid", ICCID1, "toIccid", ICCID1));
    status |= write_seed(dir, "bad_luhn", json_pack("{s:s, s:s}", "operation", "enable", "iccid",
                                                    "8944500000000000015"));
    status |= write_seed(dir, "extra_member", json_pack("{s:s, s:s, s:i}", "operation", "enable",
                                                        "iccid", ICCID1, "x", 1));
    status |= write_seed(dir, "not_object", json_pack("[s]", "enable"));
    return status;
}
