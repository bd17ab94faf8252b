/* libFuzzer target: key_ring_open (src/core/key_ring.c) on sealed values as
 * a tampered database would hold them (NIST SP 800-38D AES-256-GCM), with
 * the key ring and layout of fuzz_key_ring_fixture.h.
 * Properties: never crashes; the only errors are an unknown key id (exactly
 * for ids the ring lacks) and failed authentication; a failure releases
 * nothing (length 0, output zeroed); what opens is a seed's plaintext (a
 * mutation never authenticates). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_key_ring_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_KEY_RING_HEADER || size > 1u << 16)
        return 0;
    uint32_t key_id = (uint32_t)(data[0] & 3u) + 1;
    size_t ad_len = data[1];
    if (ad_len > size - FUZZ_KEY_RING_HEADER)
        return 0;
    const uint8_t *ad = data + FUZZ_KEY_RING_HEADER;
    const uint8_t *sealed = ad + ad_len;
    size_t sealed_len = size - FUZZ_KEY_RING_HEADER - ad_len;
    static key_ring *ring;
    if (ring == NULL) {
        uint8_t key[KEY_RING_KEY_SIZE];
        if (key_ring_new(&ring) != AW_OK)
            abort();
        for (uint32_t id = 1; id <= 2; id++) {
            fuzz_key_ring_key(id, key);
            if (key_ring_add(ring, id, key) != AW_OK)
                abort();
        }
    }
    uint8_t *plain = malloc(sealed_len + 1);
    if (plain == NULL)
        abort();
    memset(plain, 0xA5, sealed_len + 1);
    size_t plain_len = 99;
    aw_err err = key_ring_open(ring, key_id, ad, ad_len, sealed, sealed_len, plain,
                               sealed_len + 1, &plain_len);
    if ((key_id > 2) != (err == AW_ERR_KEY_RING_KEY_UNKNOWN))
        abort();
    if (err == AW_OK) {
        if (plain_len + KEY_RING_OVERHEAD != sealed_len ||
            plain_len < sizeof(FUZZ_KEY_RING_MAGIC) - 1 ||
            memcmp(plain, FUZZ_KEY_RING_MAGIC, sizeof(FUZZ_KEY_RING_MAGIC) - 1) != 0)
            abort();
    } else {
        if (err != AW_ERR_KEY_RING_KEY_UNKNOWN && err != AW_ERR_KEY_RING_AUTHENTICATION)
            abort();
        if (plain_len != 0)
            abort();
        size_t body = sealed_len >= KEY_RING_OVERHEAD ? sealed_len - KEY_RING_OVERHEAD : 0;
        for (size_t i = 0; err == AW_ERR_KEY_RING_AUTHENTICATION && i < body; i++)
            if (plain[i] != 0)
                abort();
    }
    free(plain);
    return 0;
}
