/* airwrite core: strict DER reader and builder (ITU-T X.690 clause 10).
 *
 * Reader: zero-copy. A der_node points into the caller's buffer; nothing is
 * allocated. Every length is checked against the bytes actually present,
 * lengths must be definite and minimal, tags minimal and at most four bytes
 * (SGP.22 uses up to three: BF 2D, 5F 37, 9F 70), and nesting is capped.
 *
 * Builder: appends TLVs to a growable buffer; der_builder_begin/end bracket a
 * constructed element and the builder fills in its minimal length at end().
 * Errors are sticky: after the first failure every call is a no-op and
 * der_builder_finish() reports it, so encoders need no error checks per field.
 *
 * Tags are held as the integer formed by their wire bytes, big-endian, exactly
 * as the GSMA specifications write them: 0x30, 0xA0, 0xBF2D, 0x5F37, 0x9F70.
 */
#ifndef AIRWRITE_CORE_DER_H
#define AIRWRITE_CORE_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Maximum nesting the reader and builder accept. SGP.22/32 messages nest
 * fewer than 12 levels; SAIP profile elements fewer than 16. */
#define DER_MAX_DEPTH 32

/* Longest length field accepted: 0x84 + 4 bytes (values below 4 GiB). */
#define DER_MAX_LENGTH_OCTETS 4

/* Universal tags (X.680 clause 8.6) */
#define DER_TAG_BOOLEAN 0x01u
#define DER_TAG_INTEGER 0x02u
#define DER_TAG_BIT_STRING 0x03u
#define DER_TAG_OCTET_STRING 0x04u
#define DER_TAG_NULL 0x05u
#define DER_TAG_OID 0x06u
#define DER_TAG_ENUMERATED 0x0Au
#define DER_TAG_UTF8_STRING 0x0Cu
#define DER_TAG_PRINTABLE_STRING 0x13u
#define DER_TAG_IA5_STRING 0x16u
#define DER_TAG_UTC_TIME 0x17u
#define DER_TAG_GENERALIZED_TIME 0x18u
#define DER_TAG_SEQUENCE 0x30u
#define DER_TAG_SET 0x31u

/* Context-specific tags [n] for n < 31 */
#define DER_CTX(n) (0x80u | (uint32_t)(n))          /* primitive [n] */
#define DER_CTX_CONS(n) (0xA0u | (uint32_t)(n))     /* constructed [n] */

/* A borrowed byte range. */
typedef struct aw_slice {
    const uint8_t *ptr;
    size_t len;
} aw_slice;

/* One decoded TLV. All pointers point into the buffer that was read. */
typedef struct der_node {
    uint32_t tag;        /* wire bytes of the tag, big-endian */
    bool constructed;    /* bit 6 of the first tag byte */
    aw_slice value;      /* content octets */
    aw_slice raw;        /* the whole TLV: tag, length and value */
} der_node;

/* Cursor over a sequence of sibling TLVs. */
typedef struct der_reader {
    const uint8_t *pos;
    const uint8_t *end;
    unsigned depth;      /* nesting level of the TLVs this reader yields */
} der_reader;

/* Start reading the TLVs in buf[0..len). */
void der_reader_init(der_reader *r, const uint8_t *buf, size_t len);

/* True once every byte has been consumed. */
bool der_reader_at_end(const der_reader *r);

/* Read the next TLV. AW_ERR_NOT_FOUND at the end of input. */
aw_err der_read_node(der_reader *r, der_node *out);

/* Look at the next tag without consuming it. Returns false at end or on a
 * malformed tag (which der_read_node will then report). */
bool der_peek_tag(const der_reader *r, uint32_t *tag);

/* Read the next TLV and require its tag. AW_ERR_DER_MISSING at end of input,
 * AW_ERR_DER_UNEXPECTED_TAG on another tag. */
aw_err der_read_expect(der_reader *r, uint32_t tag, der_node *out);

/* Read the next TLV only if it carries this tag (OPTIONAL components).
 * *present tells whether it was there; not present is not an error. */
aw_err der_read_optional(der_reader *r, uint32_t tag, der_node *out, bool *present);

/* Require that the reader has no bytes left (end of a SEQUENCE). */
aw_err der_reader_finish(const der_reader *r);

/* Open a reader over the contents of a constructed node read by parent.
 * Fails with AW_ERR_DER_PRIMITIVE if the node is primitive and
 * AW_ERR_DER_DEPTH past DER_MAX_DEPTH. */
aw_err der_reader_enter(const der_reader *parent, const der_node *node, der_reader *child);

/* Decode exactly one TLV filling buf: AW_ERR_DER_TRAILING if bytes remain. */
aw_err der_decode_single(const uint8_t *buf, size_t len, der_node *out);

/* Walk the whole tree, descending into every constructed node, and check
 * every level is well-formed DER framing within max_depth. */
aw_err der_validate(const uint8_t *buf, size_t len, unsigned max_depth);

/* Encoded size of a tag / of a length field. */
size_t der_tag_size(uint32_t tag);
size_t der_length_size(size_t len);

/* Typed value readers over a node. Each checks the DER rules of its type. */
aw_err der_node_get_bool(const der_node *n, bool *out);              /* X.690 11.1 */
aw_err der_node_get_int64(const der_node *n, int64_t *out);          /* X.690 8.3 */
aw_err der_node_get_uint64(const der_node *n, uint64_t *out);
/* Unsigned INTEGER magnitude without the sign octet, checked minimal. */
aw_err der_node_get_unsigned_bytes(const der_node *n, aw_slice *out);
aw_err der_node_get_null(const der_node *n);
/* BIT STRING: unused-bits count (0..7, 0 if empty) and the data octets;
 * unused bits must be zero (X.690 11.2). */
aw_err der_node_get_bit_string(const der_node *n, unsigned *unused_bits, aw_slice *bits);
/* Require a primitive node whose length is in [min, max]. */
aw_err der_node_check_octets(const der_node *n, size_t min, size_t max);

/* Named-bit BIT STRING (X.680 22.7, X.690 11.2.2) as flags, bit n of the
 * ASN.1 list = 1u << n, at most 32 named bits. DER drops trailing zero bits,
 * so the last octet must carry a one bit at the last used position. */
aw_err der_node_get_named_bits(const der_node *n, uint32_t *flags);
/* The content octets for flags: returns the octet count (0..4) and the
 * unused bit count of the last octet. */
size_t der_named_bits_from_flags(uint32_t flags, uint8_t out[4], unsigned *unused_bits);
/* Flags from BIT STRING data octets (bits past the 32nd are ignored). */
uint32_t der_named_bits_to_flags(aw_slice bits);

/* UTF8String content (X.680 41, RFC 3629 4): shortest forms only, no
 * surrogates, nothing past U+10FFFF, and between min_chars and max_chars
 * characters. AW_ERR_DER_CONSTRAINT otherwise. */
aw_err der_check_utf8(aw_slice text, size_t min_chars, size_t max_chars);

/* ---- Builder ---------------------------------------------------------- */

typedef struct der_builder {
    uint8_t *buf;
    size_t len;
    size_t cap;
    size_t limit;                    /* maximum total size, 0 for none */
    size_t open[DER_MAX_DEPTH];      /* content start of each open element */
    uint32_t open_tag[DER_MAX_DEPTH];
    unsigned depth;
    aw_err err;
} der_builder;

/* The builder erases memory it gives back (realloc, free), so it may carry
 * secrets such as keys inside a ProfileElement. */
void der_builder_init(der_builder *b);
void der_builder_set_limit(der_builder *b, size_t limit);
void der_builder_free(der_builder *b);

/* Begin a constructed element; its length is written by der_builder_end. */
void der_builder_begin(der_builder *b, uint32_t tag);
void der_builder_end(der_builder *b);

/* Append raw, already-encoded bytes (e.g. a signed TLV kept verbatim). */
void der_put_raw(der_builder *b, const uint8_t *data, size_t len);
/* Append a TLV with the given content octets. */
void der_put_tlv(der_builder *b, uint32_t tag, const uint8_t *value, size_t len);
void der_put_slice(der_builder *b, uint32_t tag, aw_slice value);
void der_put_bool(der_builder *b, uint32_t tag, bool value);
void der_put_int64(der_builder *b, uint32_t tag, int64_t value);
/* Non-negative INTEGER from big-endian magnitude bytes: leading zeros
 * stripped, a 0x00 sign octet added when the top bit is set. */
void der_put_unsigned_bytes(der_builder *b, uint32_t tag, const uint8_t *mag, size_t len);
void der_put_null(der_builder *b, uint32_t tag);
void der_put_bit_string(der_builder *b, uint32_t tag, unsigned unused_bits,
                        const uint8_t *bits, size_t len);
/* A named-bit BIT STRING from flags (see der_node_get_named_bits). */
void der_put_named_bits(der_builder *b, uint32_t tag, uint32_t flags);

/* Finish: on success *out and *out_len take ownership of the encoding (free()
 * with free, or with der_bytes_free to erase first). Fails with the first
 * error seen, AW_ERR_STATE if elements are still open. */
aw_err der_builder_finish(der_builder *b, uint8_t **out, size_t *out_len);

/* Erase then free a buffer returned by der_builder_finish. */
void der_bytes_free(uint8_t *buf, size_t len);

#endif
