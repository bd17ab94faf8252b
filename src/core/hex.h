/* airwrite core: hexadecimal conversion for tests, tools and logs of public data. */
#ifndef AIRWRITE_CORE_HEX_H
#define AIRWRITE_CORE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Parse an even number of hex digits (either case, no separators) into out.
 * AW_ERR_ARGUMENT on a non-hex digit or odd length, AW_ERR_BUFFER_TOO_SMALL
 * when out_cap is short. */
aw_err aw_hex_decode(const char *hex, uint8_t *out, size_t out_cap, size_t *out_len);

/* Write 2*len hex digits and a NUL into out, which holds 2*len+1 bytes. */
void aw_hex_encode(const uint8_t *data, size_t len, char *out, bool upper);

#endif
