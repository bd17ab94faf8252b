/* Writes the seed corpus of fuzz_key_ring_open (run by hand, not a test):
 *   gen_key_ring_seeds fuzz/corpus/fuzz_key_ring_open
 * values sealed by key_ring_seal under the fixture's keys, in the layout of
 * fuzz/fuzz_key_ring_fixture.h, plus one under an unknown key id. */
#include <stdio.h>
#include <string.h>

#include "core/key_ring.h"
#include "../fuzz/fuzz_key_ring_fixture.h"

static int write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_key_ring_seeds DIR\n");
        return 2;
    }
    static const char *const ads[] = {"", "airwrite.platform.app-secret\0app1",
                                      "8944000000000000011\0ki"};
    static const size_t ad_lens[] = {0, 33, 22};
    static const char *const tails[] = {"", " with a longer plaintext of a callback secret", "k"};
    int status = 0;
    for (uint32_t id = 1; id <= 2; id++) {
        key_ring *ring = NULL;
        uint8_t key[KEY_RING_KEY_SIZE];
        fuzz_key_ring_key(id, key);
        if (key_ring_new(&ring) != AW_OK || key_ring_add(ring, id, key) != AW_OK)
            return 1;
        for (size_t i = 0; i < 3; i++) {
            uint8_t plain[128], input[512];
            int n = snprintf((char *)plain, sizeof(plain), "%s%s", FUZZ_KEY_RING_MAGIC, tails[i]);
            size_t sealed_len = 0;
            uint32_t used = 0;
            input[0] = (uint8_t)(id - 1);
            input[1] = (uint8_t)ad_lens[i];
            memcpy(input + FUZZ_KEY_RING_HEADER, ads[i], ad_lens[i]);
            uint8_t *sealed = input + FUZZ_KEY_RING_HEADER + ad_lens[i];
            if (key_ring_seal(ring, (const uint8_t *)ads[i], ad_lens[i], plain, (size_t)n, sealed,
                              sizeof(input) - FUZZ_KEY_RING_HEADER - ad_lens[i], &sealed_len,
                              &used) != AW_OK)
                return 1;
            char name[32];
            snprintf(name, sizeof(name), "key%u-%zu", id, i);
            status |= write_seed(argv[1], name, input,
                                 FUZZ_KEY_RING_HEADER + ad_lens[i] + sealed_len);
            if (id == 2 && i == 2) { /* the same under key id 4, which the ring lacks */
                input[0] = 3;
                status |= write_seed(argv[1], "unknown-key", input,
                                     FUZZ_KEY_RING_HEADER + ad_lens[i] + sealed_len);
            }
        }
        key_ring_free(ring);
    }
    return status;
}
