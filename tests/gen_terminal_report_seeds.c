/* Writes the seed corpus of fuzz_terminal_report (docs/firmware-update.md):
 * terminal reports as the IPA's own encoder makes them (refused with and
 * without a manifest, applied). Run by hand:
 *   gen_terminal_report_seeds fuzz/corpus/fuzz_terminal_report */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipa/firmware_update.h"

#define EID "89049032123451234512345678901235"

static int write_seed(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return 1;
    size_t len = strlen(text);
    int rc = fwrite(text, 1, len, f) == len ? 0 : 1;
    return fclose(f) == 0 ? rc : 1;
}

static int encode_seed(const char *dir, const char *name, const ipa_firmware_result *r)
{
    char *json = NULL;
    if (ipa_firmware_report_encode(EID, r, 1796126400, &json) != AW_OK)
        return 1;
    int rc = write_seed(dir, name, json);
    free(json);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_terminal_report_seeds DIR\n");
        return 2;
    }
    ipa_firmware_result r = {.refusal = AW_ERR_FIRMWARE_ROLLBACK, .has_manifest = true,
                             .module_id = "AW-SE-01", .from_version = 7, .to_version = 6};
    for (size_t i = 0; i < sizeof(r.manifest_sha256); i++)
        r.manifest_sha256[i] = (uint8_t)(i * 7);
    int rc = encode_seed(argv[1], "refused_rollback.json", &r);
    r.refusal = AW_ERR_FIRMWARE_SIGNATURE;
    rc |= encode_seed(argv[1], "refused_signature.json", &r);
    ipa_firmware_result bare = {.refusal = AW_ERR_FIRMWARE_FORMAT, .from_version = 3};
    rc |= encode_seed(argv[1], "refused_format.json", &bare);
    r.refusal = AW_OK;
    r.applied = true;
    r.to_version = 8;
    rc |= encode_seed(argv[1], "applied.json", &r);
    return rc;
}
