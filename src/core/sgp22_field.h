/* airwrite core: field readers and writers shared by the SGP.22
 * authentication, download and BPP codecs (sgp22_auth, sgp22_download,
 * sgp22_bpp, sgp22_es9), for the basic types of SGP.22 RSPDefinitions
 * (TransactionId, OctetN, UTF8String with SIZE, OBJECT IDENTIFIER, named
 * BIT STRING, embedded X.509 Certificate). SGP.22 2.5 and 5.7.
 *
 * Each reader takes the next TLV from a der_reader, requires its tag and
 * checks the type's constraints; the slices point into the input.
 */
#ifndef AIRWRITE_CORE_SGP22_FIELD_H
#define AIRWRITE_CORE_SGP22_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* TransactionId ::= OCTET STRING (SIZE(1..16)) */
#define SGP22_TRANSACTION_ID_MIN 1u
#define SGP22_TRANSACTION_ID_MAX 16u
/* Octet16 challenges (euiccChallenge, serverChallenge) */
#define SGP22_CHALLENGE_SIZE 16u
/* Octet32 hashCc */
#define SGP22_HASH_CC_SIZE 32u

/* Read a TLV with this (primitive) tag whose length is in [min, max]. */
aw_err sgp22_field_read_octets(der_reader *r, uint32_t tag, size_t min, size_t max,
                               aw_slice *out);

/* Read an OPTIONAL primitive TLV with this tag and length in [min, max]. */
aw_err sgp22_field_read_optional_octets(der_reader *r, uint32_t tag, size_t min, size_t max,
                                        aw_slice *out, bool *present);

/* Read a UTF8String: valid UTF-8 (RFC 3629) of at most max_chars characters
 * (SIZE counts characters, X.680 51.1); max_chars 0 means no limit. */
aw_err sgp22_field_read_utf8(der_reader *r, uint32_t tag, size_t max_chars, aw_slice *out);

/* Check that bytes are valid UTF-8 of at most max_chars characters (0: any). */
aw_err sgp22_field_check_utf8(aw_slice text, size_t max_chars);

/* Read an INTEGER with this tag as int64. */
aw_err sgp22_field_read_integer(der_reader *r, uint32_t tag, int64_t *out);

/* Read a BOOLEAN with this tag. */
aw_err sgp22_field_read_bool(der_reader *r, uint32_t tag, bool *out);

/* Read an OBJECT IDENTIFIER with this tag; out is its content octets,
 * checked per X.690 8.19 (non-empty, minimal subidentifiers). */
aw_err sgp22_field_read_oid(der_reader *r, uint32_t tag, aw_slice *out);

/* Read a TLV with this (constructed) tag whose content is well-formed DER;
 * out is the whole TLV (raw) or only its content octets (content). */
aw_err sgp22_field_read_raw_tlv(der_reader *r, uint32_t tag, aw_slice *raw);
aw_err sgp22_field_read_constructed_content(der_reader *r, uint32_t tag, aw_slice *content);
/* The same for an OPTIONAL component: *present tells whether it was there. */
aw_err sgp22_field_read_optional_content(der_reader *r, uint32_t tag, aw_slice *content,
                                         bool *present);

/* Read an X.509 Certificate (SEQUENCE, tag 0x30) kept as its raw TLV; the
 * PKI module parses it. */
aw_err sgp22_field_read_certificate(der_reader *r, aw_slice *raw);

/* Named BIT STRING (PprIds, NotificationEvent): bit n of the ASN.1 type is
 * flag (1u << n). DER (X.690 11.2.2) removes trailing zero bits, so a
 * non-minimal encoding is refused; bits past 31 are AW_ERR_DER_CONSTRAINT. */
aw_err sgp22_field_get_named_bits(const der_node *n, uint32_t *flags);
void sgp22_field_put_named_bits(der_builder *b, uint32_t tag, uint32_t flags);

/* Open a reader over the content of the one TLV filling buf, which must
 * carry this tag and be constructed. raw receives the whole TLV. */
aw_err sgp22_field_open(const uint8_t *buf, size_t len, uint32_t tag, der_reader *content,
                        aw_slice *raw);

/* Set the builder's sticky error unless one is already set, e.g.
 * AW_ERR_LIMIT when a fixed-capacity list count exceeds its maximum. */
void sgp22_field_fail(der_builder *b, aw_err err);

/* RSPDefinitions is "AUTOMATIC TAGS EXTENSIBILITY IMPLIED" (the module
 * header in SGP.22; the wireshark copy comments it out for its compiler),
 * so every SEQUENCE may gain components in a later version: whatever
 * follows the known components is taken as extension additions, its
 * framing checked, and kept verbatim in `extensions` for the encoder to
 * write back (so signed parts keep their exact bytes). Consumes the rest of
 * r. The convention matches sgp22_info_common.h. */
aw_err sgp22_field_read_extensions(der_reader *r, aw_slice *extensions);

/* Open a tagged CHOICE (the tag is explicit around a CHOICE, X.680 31.2.7):
 * the one TLV filling buf carries `tag` and holds exactly one alternative,
 * read into *alt (AW_ERR_DER_MISSING when empty, AW_ERR_DER_TRAILING after
 * it). outer is left on the CHOICE content for der_reader_enter. */
aw_err sgp22_field_open_choice(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                               der_reader *outer, der_node *alt);

/* Write an inner signed part verbatim from its raw TLV when it was decoded
 * (raw set); returns false when raw is empty so the caller encodes fields. */
bool sgp22_field_put_raw_if_set(der_builder *b, aw_slice raw);

/* Read the next TLV, which must carry `tag`, and decode its exact bytes with
 * `decode` (an sgp22_decode_<type> function) into `out`; result in `err`. */
#define SGP22_FIELD_READ_NESTED(r, tag, decode, out, err)          \
    do {                                                           \
        der_node nested_;                                          \
        (err) = der_read_expect((r), (tag), &nested_);             \
        if ((err) == AW_OK)                                        \
            (err) = decode(nested_.raw.ptr, nested_.raw.len, out); \
    } while (0)

/* Define the convenience encoder of a top-level message, which every codec
 * writes the same way: sgp22_encode_<name>(in, &out, &len) runs
 * sgp22_put_<name> into a fresh builder and hands over the bytes (free with
 * free, or der_bytes_free when they hold secrets). */
#define SGP22_FIELD_DEFINE_ENCODE(name, type)                                  \
    aw_err sgp22_encode_##name(const type *in, uint8_t **out, size_t *len)     \
    {                                                                          \
        der_builder b;                                                         \
        if (out != NULL)                                                       \
            *out = NULL;                                                       \
        if (len != NULL)                                                       \
            *len = 0;                                                          \
        if (in == NULL || out == NULL || len == NULL)                          \
            return AW_ERR_ARGUMENT;                                            \
        der_builder_init(&b);                                                  \
        sgp22_put_##name(&b, in);                                              \
        return der_builder_finish(&b, out, len);                               \
    }

#endif
