/* Fixed SCP03t keys shared by fuzz_scp03t.c and its seed generator
 * (tests/gen_crypto_seeds.c), so generated seeds carry valid MACs. */
#ifndef AIRWRITE_FUZZ_CRYPTO_KEYS_H
#define AIRWRITE_FUZZ_CRYPTO_KEYS_H

#include <stdint.h>

static const uint8_t fuzz_key_enc[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                         0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t fuzz_key_mac[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                         0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t fuzz_key_mcv[16] = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
                                         0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};

/* First input byte of fuzz_scp03t: bit 0 MAC-only, bits 1-2 the tag
 * (86, 87, 88), bit 3 round trip (the rest is plaintext to protect and
 * reopen) instead of opening the rest as received segments. */
#define FUZZ_SCP03T_MAC_ONLY 0x01u
#define FUZZ_SCP03T_ROUND_TRIP 0x08u

static inline uint8_t fuzz_scp03t_tag(uint8_t mode)
{
    static const uint8_t tags[4] = {0x86, 0x87, 0x88, 0x86};
    return tags[(mode >> 1) & 3u];
}

#endif
