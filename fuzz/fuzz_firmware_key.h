/* Fixed firmware signing key shared by fuzz_firmware.c and its seed
 * generator (tests/gen_firmware_seeds.c), so generated seeds carry valid
 * signatures and the fuzzer reaches the checks after the signature. */
#ifndef AIRWRITE_FUZZ_FIRMWARE_KEY_H
#define AIRWRITE_FUZZ_FIRMWARE_KEY_H

#include <stdint.h>

/* A P-256 private scalar (1 <= d < n), test data only. */
static const uint8_t fuzz_firmware_scalar[32] = {
    0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
    0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21};

#define FUZZ_FIRMWARE_MODULE "AW-SE-01"
/* The detached image the seeds were signed over. */
#define FUZZ_FIRMWARE_DETACHED_IMAGE "detached secure module image"

#endif
