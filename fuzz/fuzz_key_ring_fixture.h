/* The fixed storage keys and input layout shared by fuzz_key_ring_open and
 * its seed generator (tests/gen_key_ring_seeds.c). Fuzz-only keys. */
#ifndef AIRWRITE_FUZZ_KEY_RING_FIXTURE_H
#define AIRWRITE_FUZZ_KEY_RING_FIXTURE_H

#include <stdint.h>

#include "core/key_ring.h"

/* Input: key id byte (1..4; the ring holds 1 and 2), AAD length byte n,
 * n bytes of AAD, then the sealed value (nonce || ciphertext || tag). */
#define FUZZ_KEY_RING_HEADER 2u
/* Every plaintext the generator seals starts with this. */
#define FUZZ_KEY_RING_MAGIC "airwrite fuzz seed"

static inline void fuzz_key_ring_key(uint32_t key_id, uint8_t key[KEY_RING_KEY_SIZE])
{
    for (unsigned i = 0; i < KEY_RING_KEY_SIZE; i++)
        key[i] = (uint8_t)(key_id * 0x40u + i);
}

#endif
