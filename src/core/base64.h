/* airwrite core: bounded base64 (RFC 4648 section 4, standard alphabet with
 * padding), as the SGP.22 6.5 JSON binding carries its ASN.1 fields
 * (SGP.22 6.5.2: "base64 encoded" DER data objects).
 *
 * Decoding is strict: the text length must be a multiple of 4, '=' only as
 * final padding, no whitespace or line breaks, and the unused low bits of
 * the last symbol must be zero (RFC 4648 3.5, canonical encoding), so each
 * byte string has exactly one accepted text.
 */
#ifndef AIRWRITE_CORE_BASE64_H
#define AIRWRITE_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Characters aw_base64_encode writes for len bytes, without the NUL. */
size_t aw_base64_encoded_length(size_t len);
/* Upper bound of the bytes a text of text_len characters decodes to. */
size_t aw_base64_decoded_max(size_t text_len);

/* Encode len bytes into out as text and a NUL. AW_ERR_BUFFER_TOO_SMALL when
 * out_cap < aw_base64_encoded_length(len) + 1. */
aw_err aw_base64_encode(const uint8_t *data, size_t len, char *out, size_t out_cap);

/* Decode text[0..text_len) into out. AW_ERR_ARGUMENT when the text is not
 * canonical base64 (see above), AW_ERR_BUFFER_TOO_SMALL when out_cap is
 * short. *out_len is 0 on failure. */
aw_err aw_base64_decode(const char *text, size_t text_len, uint8_t *out, size_t out_cap,
                        size_t *out_len);

#endif
