/* Shared by the SGP.22 message fuzz targets (fuzz_sgp22_auth.c,
 * fuzz_sgp22_download.c): the decode, re-encode, compare round trip. */
#ifndef AIRWRITE_FUZZ_SGP22_FUZZ_H
#define AIRWRITE_FUZZ_SGP22_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static inline void sgp22_fuzz_check_same(aw_err err, uint8_t *out, size_t out_len,
                                         const uint8_t *data, size_t size)
{
    if (err != AW_OK || out_len != size || memcmp(out, data, size) != 0)
        abort(); /* an accepted input must re-encode byte for byte */
    free(out);
}

/* Decode into v_ of `type`; on success re-encode, then run the statement
 * `clear` (which drops raw parts of v_) and re-encode again. */
#define FUZZ_ROUND_TRIP(name, type, clear)                                   \
    do {                                                                     \
        type v_;                                                             \
        uint8_t *out_;                                                       \
        size_t out_len_;                                                     \
        if (sgp22_decode_##name(data, size, &v_) == AW_OK) {                 \
            aw_err e_ = sgp22_encode_##name(&v_, &out_, &out_len_);          \
            sgp22_fuzz_check_same(e_, out_, out_len_, data, size);                      \
            clear;                                                           \
            e_ = sgp22_encode_##name(&v_, &out_, &out_len_);                 \
            sgp22_fuzz_check_same(e_, out_, out_len_, data, size);                      \
        }                                                                    \
    } while (0)

#endif
