/* airwrite core: strict DER reader and builder (ITU-T X.690 clause 10).
 *
 * Defects this reader is written against, all seen in public LPA/IPA code:
 * length-of-length not capped, indefinite length read as zero, 0x7F short
 * form taken for long form, no nesting limit, tags limited to two bytes.
 */
#include "core/der.h"

#include <stdlib.h>
#include <string.h>

/* ---- Reader ----------------------------------------------------------- */

void der_reader_init(der_reader *r, const uint8_t *buf, size_t len)
{
    r->pos = buf;
    r->end = buf != NULL ? buf + len : NULL;
    r->depth = 0;
}

bool der_reader_at_end(const der_reader *r)
{
    return r->pos == r->end;
}

/* X.690 8.1.2: identifier octets. DER (10.1 via 8.1.2.4.2) requires the
 * high-tag-number form only for numbers >= 31, with no leading 0x80 octet. */
static aw_err parse_tag(const uint8_t *p, const uint8_t *end, uint32_t *tag, size_t *size)
{
    if (p >= end)
        return AW_ERR_DER_TRUNCATED;
    uint32_t t = p[0];
    size_t n = 1;
    if ((p[0] & 0x1Fu) == 0x1Fu) {
        uint32_t number = 0;
        for (;;) {
            if (p + n >= end)
                return AW_ERR_DER_TRUNCATED;
            uint8_t b = p[n];
            if (n == 1 && b == 0x80)
                return AW_ERR_DER_TAG; /* leading zero septet */
            t = t << 8 | b;
            number = number << 7 | (b & 0x7Fu);
            n++;
            if ((b & 0x80u) == 0)
                break;
            if (n == 4)
                return AW_ERR_DER_TAG; /* would need a fifth octet */
        }
        if (number < 31)
            return AW_ERR_DER_TAG; /* should have used the one-octet form */
    } else if (p[0] == 0x00) {
        return AW_ERR_DER_TAG; /* end-of-contents: BER indefinite form only */
    }
    *tag = t;
    *size = n;
    return AW_OK;
}

/* X.690 8.1.3 and 10.1: definite form, minimal number of octets. */
static aw_err parse_length(const uint8_t *p, const uint8_t *end, size_t *length, size_t *size)
{
    if (p >= end)
        return AW_ERR_DER_TRUNCATED;
    uint8_t l0 = p[0];
    if (l0 < 0x80) {
        *length = l0;
        *size = 1;
        return AW_OK;
    }
    if (l0 == 0x80)
        return AW_ERR_DER_INDEFINITE;
    size_t count = l0 & 0x7Fu;
    if (count > DER_MAX_LENGTH_OCTETS) /* includes the reserved 0xFF */
        return AW_ERR_DER_LENGTH_OVERFLOW;
    if ((size_t)(end - p) - 1 < count)
        return AW_ERR_DER_TRUNCATED;
    if (p[1] == 0x00)
        return AW_ERR_DER_LENGTH; /* leading zero octet */
    size_t value = 0;
    for (size_t i = 1; i <= count; i++)
        value = value << 8 | p[i];
    if (value < 0x80)
        return AW_ERR_DER_LENGTH; /* fits the short form */
    *length = value;
    *size = 1 + count;
    return AW_OK;
}

aw_err der_read_node(der_reader *r, der_node *out)
{
    if (r->pos == NULL || r->pos >= r->end)
        return AW_ERR_NOT_FOUND;
    const uint8_t *p = r->pos;
    uint32_t tag;
    size_t tag_size, length, length_size;
    aw_err err = parse_tag(p, r->end, &tag, &tag_size);
    if (err != AW_OK)
        return err;
    err = parse_length(p + tag_size, r->end, &length, &length_size);
    if (err != AW_OK)
        return err;
    size_t header = tag_size + length_size;
    if (length > (size_t)(r->end - p) - header)
        return AW_ERR_DER_TRUNCATED;
    out->tag = tag;
    out->constructed = (p[0] & 0x20u) != 0;
    out->value.ptr = p + header;
    out->value.len = length;
    out->raw.ptr = p;
    out->raw.len = header + length;
    r->pos = p + header + length;
    return AW_OK;
}

bool der_peek_tag(const der_reader *r, uint32_t *tag)
{
    size_t size;
    if (r->pos == NULL || r->pos >= r->end)
        return false;
    return parse_tag(r->pos, r->end, tag, &size) == AW_OK;
}

aw_err der_read_expect(der_reader *r, uint32_t tag, der_node *out)
{
    uint32_t next;
    if (der_reader_at_end(r))
        return AW_ERR_DER_MISSING;
    if (der_peek_tag(r, &next) && next != tag)
        return AW_ERR_DER_UNEXPECTED_TAG;
    return der_read_node(r, out);
}

aw_err der_read_optional(der_reader *r, uint32_t tag, der_node *out, bool *present)
{
    uint32_t next;
    *present = false;
    if (der_reader_at_end(r))
        return AW_OK;
    if (!der_peek_tag(r, &next)) {
        der_reader probe = *r;
        der_node ignored;
        return der_read_node(&probe, &ignored); /* report why the tag is bad */
    }
    if (next != tag)
        return AW_OK;
    aw_err err = der_read_node(r, out);
    if (err == AW_OK)
        *present = true;
    return err;
}

aw_err der_reader_finish(const der_reader *r)
{
    return der_reader_at_end(r) ? AW_OK : AW_ERR_DER_TRAILING;
}

aw_err der_reader_enter(const der_reader *parent, const der_node *node, der_reader *child)
{
    if (!node->constructed)
        return AW_ERR_DER_PRIMITIVE;
    if (parent->depth + 1 >= DER_MAX_DEPTH)
        return AW_ERR_DER_DEPTH;
    der_reader_init(child, node->value.ptr, node->value.len);
    child->depth = parent->depth + 1;
    return AW_OK;
}

aw_err der_decode_single(const uint8_t *buf, size_t len, der_node *out)
{
    der_reader r;
    if (buf == NULL || len == 0)
        return AW_ERR_DER_TRUNCATED;
    der_reader_init(&r, buf, len);
    aw_err err = der_read_node(&r, out);
    if (err != AW_OK)
        return err;
    return der_reader_finish(&r);
}

aw_err der_validate(const uint8_t *buf, size_t len, unsigned max_depth)
{
    der_reader stack[DER_MAX_DEPTH];
    unsigned top = 0;
    if (max_depth == 0 || max_depth > DER_MAX_DEPTH)
        max_depth = DER_MAX_DEPTH;
    der_reader_init(&stack[0], buf, len);
    for (;;) {
        der_reader *r = &stack[top];
        if (der_reader_at_end(r)) {
            if (top == 0)
                return AW_OK;
            top--;
            continue;
        }
        der_node n;
        aw_err err = der_read_node(r, &n);
        if (err != AW_OK)
            return err;
        if (n.constructed) {
            if (top + 1 >= max_depth)
                return AW_ERR_DER_DEPTH;
            top++;
            der_reader_init(&stack[top], n.value.ptr, n.value.len);
        }
    }
}

size_t der_tag_size(uint32_t tag)
{
    if (tag > 0xFFFFFFu)
        return 4;
    if (tag > 0xFFFFu)
        return 3;
    if (tag > 0xFFu)
        return 2;
    return 1;
}

size_t der_length_size(size_t len)
{
    if (len < 0x80)
        return 1;
    size_t n = 1;
    while (len > 0) {
        n++;
        len >>= 8;
    }
    return n;
}

/* ---- Typed values ----------------------------------------------------- */

aw_err der_node_get_bool(const der_node *n, bool *out)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE;
    /* X.690 11.1: FALSE is 0x00, TRUE is 0xFF, nothing else */
    if (n->value.len != 1 || (n->value.ptr[0] != 0x00 && n->value.ptr[0] != 0xFF))
        return AW_ERR_DER_BOOLEAN;
    *out = n->value.ptr[0] == 0xFF;
    return AW_OK;
}

/* X.690 8.3.2: the first nine bits are never all ones or all zeros. */
static aw_err check_integer(const der_node *n)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE;
    const uint8_t *v = n->value.ptr;
    if (n->value.len == 0)
        return AW_ERR_DER_INTEGER;
    if (n->value.len > 1) {
        if (v[0] == 0x00 && (v[1] & 0x80) == 0)
            return AW_ERR_DER_INTEGER;
        if (v[0] == 0xFF && (v[1] & 0x80) != 0)
            return AW_ERR_DER_INTEGER;
    }
    return AW_OK;
}

aw_err der_node_get_int64(const der_node *n, int64_t *out)
{
    aw_err err = check_integer(n);
    if (err != AW_OK)
        return err;
    if (n->value.len > 8)
        return AW_ERR_DER_INTEGER;
    uint64_t u = (n->value.ptr[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n->value.len; i++)
        u = u << 8 | n->value.ptr[i];
    memcpy(out, &u, sizeof(*out)); /* two's complement reinterpretation */
    return AW_OK;
}

aw_err der_node_get_uint64(const der_node *n, uint64_t *out)
{
    aw_slice mag;
    aw_err err = der_node_get_unsigned_bytes(n, &mag);
    if (err != AW_OK)
        return err;
    if (mag.len > 8)
        return AW_ERR_DER_INTEGER;
    uint64_t u = 0;
    for (size_t i = 0; i < mag.len; i++)
        u = u << 8 | mag.ptr[i];
    *out = u;
    return AW_OK;
}

aw_err der_node_get_unsigned_bytes(const der_node *n, aw_slice *out)
{
    aw_err err = check_integer(n);
    if (err != AW_OK)
        return err;
    if (n->value.ptr[0] & 0x80)
        return AW_ERR_DER_INTEGER; /* negative */
    out->ptr = n->value.ptr;
    out->len = n->value.len;
    if (out->len > 1 && out->ptr[0] == 0x00) {
        out->ptr++;
        out->len--;
    }
    return AW_OK;
}

aw_err der_node_get_null(const der_node *n)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE;
    return n->value.len == 0 ? AW_OK : AW_ERR_DER_CONSTRAINT;
}

aw_err der_node_get_bit_string(const der_node *n, unsigned *unused_bits, aw_slice *bits)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE; /* X.690 10.2: DER uses the primitive form */
    if (n->value.len == 0)
        return AW_ERR_DER_CONSTRAINT;
    unsigned unused = n->value.ptr[0];
    if (unused > 7 || (n->value.len == 1 && unused != 0))
        return AW_ERR_DER_CONSTRAINT;
    /* X.690 11.2.1: unused bits are zero */
    if (unused != 0 && (n->value.ptr[n->value.len - 1] & ((1u << unused) - 1)) != 0)
        return AW_ERR_DER_CONSTRAINT;
    *unused_bits = unused;
    bits->ptr = n->value.ptr + 1;
    bits->len = n->value.len - 1;
    return AW_OK;
}

aw_err der_node_check_octets(const der_node *n, size_t min, size_t max)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE;
    if (n->value.len < min || n->value.len > max)
        return AW_ERR_DER_CONSTRAINT;
    return AW_OK;
}

uint32_t der_named_bits_to_flags(aw_slice bits)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < bits.len && i < 4; i++)
        for (unsigned bit = 0; bit < 8; bit++)
            if (bits.ptr[i] & (0x80u >> bit))
                flags |= 1u << (i * 8 + bit);
    return flags;
}

size_t der_named_bits_from_flags(uint32_t flags, uint8_t out[4], unsigned *unused_bits)
{
    size_t used = 0; /* named bits up to and including the last one set */
    memset(out, 0, 4);
    for (unsigned bit = 0; bit < 32; bit++) {
        if (flags & (1u << bit)) {
            out[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
            used = bit + 1;
        }
    }
    size_t octets = (used + 7) / 8;
    *unused_bits = (unsigned)(octets * 8 - used);
    return octets;
}

aw_err der_node_get_named_bits(const der_node *n, uint32_t *flags)
{
    unsigned unused;
    aw_slice bits;
    aw_err err = der_node_get_bit_string(n, &unused, &bits);
    if (err != AW_OK)
        return err;
    if (bits.len > 4)
        return AW_ERR_DER_CONSTRAINT;
    /* X.690 11.2.2: no trailing zero bits, so the last used bit is a one */
    if (bits.len > 0 && (bits.ptr[bits.len - 1] & (1u << unused)) == 0)
        return AW_ERR_DER_CONSTRAINT;
    *flags = der_named_bits_to_flags(bits);
    return AW_OK;
}

/* Length of the UTF-8 sequence at p, 0 if it is not the shortest form of a
 * scalar value (RFC 3629 4: the second octet's range depends on the first). */
static size_t utf8_sequence_length(const uint8_t *p, size_t left)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (left < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return need;
}

aw_err der_check_utf8(aw_slice text, size_t min_chars, size_t max_chars)
{
    size_t chars = 0;
    for (size_t i = 0; i < text.len;) {
        size_t step = utf8_sequence_length(text.ptr + i, text.len - i);
        if (step == 0)
            return AW_ERR_DER_CONSTRAINT;
        i += step;
        chars++;
    }
    return chars < min_chars || chars > max_chars ? AW_ERR_DER_CONSTRAINT : AW_OK;
}

/* ---- Builder ---------------------------------------------------------- */

void der_builder_init(der_builder *b)
{
    memset(b, 0, sizeof(*b));
}

void der_builder_set_limit(der_builder *b, size_t limit)
{
    b->limit = limit;
}

void der_bytes_free(uint8_t *buf, size_t len)
{
    if (buf == NULL)
        return;
    /* explicit_bzero (glibc 2.25) is a memset the compiler may not drop: a
     * byte-wise volatile loop cost more than the AES and CMAC of the same
     * bytes in SCP03t (bench/bench_crypto) */
    explicit_bzero(buf, len);
    free(buf);
}

void der_builder_free(der_builder *b)
{
    der_bytes_free(b->buf, b->cap);
    der_builder_init(b);
}

/* Make room for extra bytes. Growth copies into a fresh block and erases
 * the old one, so no secret is left behind in freed memory. */
static bool builder_reserve(der_builder *b, size_t extra)
{
    if (b->err != AW_OK)
        return false;
    if (extra > SIZE_MAX / 2 - b->len || (b->limit != 0 && b->len + extra > b->limit)) {
        b->err = AW_ERR_LIMIT;
        return false;
    }
    size_t need = b->len + extra;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    uint8_t *nb = malloc(cap);
    if (nb == NULL) {
        b->err = AW_ERR_NOMEM;
        return false;
    }
    if (b->len > 0)
        memcpy(nb, b->buf, b->len);
    der_bytes_free(b->buf, b->cap);
    b->buf = nb;
    b->cap = cap;
    return true;
}

static void write_tag(uint8_t *p, uint32_t tag, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)(tag >> (8 * (size - 1 - i)));
}

static void write_length(uint8_t *p, size_t len, size_t size)
{
    if (size == 1) {
        p[0] = (uint8_t)len;
        return;
    }
    p[0] = (uint8_t)(0x80u | (size - 1));
    for (size_t i = 1; i < size; i++)
        p[i] = (uint8_t)(len >> (8 * (size - 1 - i)));
}

/* Reject tags the reader would refuse, so we never emit what we'd reject. */
static bool tag_is_valid(uint32_t tag)
{
    uint8_t wire[4];
    size_t size = der_tag_size(tag), parsed_size;
    uint32_t parsed;
    write_tag(wire, tag, size);
    return parse_tag(wire, wire + size, &parsed, &parsed_size) == AW_OK && parsed_size == size;
}

static bool length_is_valid(der_builder *b, size_t len)
{
    if (der_length_size(len) > 1 + DER_MAX_LENGTH_OCTETS) {
        b->err = AW_ERR_DER_LENGTH_OVERFLOW;
        return false;
    }
    return true;
}

void der_builder_begin(der_builder *b, uint32_t tag)
{
    if (b->err != AW_OK)
        return;
    if (b->depth >= DER_MAX_DEPTH) {
        b->err = AW_ERR_DER_DEPTH;
        return;
    }
    if (!tag_is_valid(tag) || ((tag >> (8 * (der_tag_size(tag) - 1))) & 0x20u) == 0) {
        b->err = AW_ERR_DER_TAG; /* unknown or primitive tag for a constructed element */
        return;
    }
    size_t size = der_tag_size(tag);
    if (!builder_reserve(b, size))
        return;
    write_tag(b->buf + b->len, tag, size);
    b->len += size;
    b->open_tag[b->depth] = tag;
    b->open[b->depth++] = b->len;
}

void der_builder_end(der_builder *b)
{
    if (b->err != AW_OK)
        return;
    if (b->depth == 0) {
        b->err = AW_ERR_STATE;
        return;
    }
    size_t start = b->open[--b->depth];
    size_t content = b->len - start;
    if (!length_is_valid(b, content))
        return;
    size_t lsize = der_length_size(content);
    if (!builder_reserve(b, lsize))
        return;
    memmove(b->buf + start + lsize, b->buf + start, content);
    write_length(b->buf + start, content, lsize);
    b->len += lsize;
}

void der_put_raw(der_builder *b, const uint8_t *data, size_t len)
{
    if (len == 0 || !builder_reserve(b, len))
        return;
    memcpy(b->buf + b->len, data, len);
    b->len += len;
}

void der_put_tlv(der_builder *b, uint32_t tag, const uint8_t *value, size_t len)
{
    if (b->err != AW_OK)
        return;
    if (!tag_is_valid(tag)) {
        b->err = AW_ERR_DER_TAG;
        return;
    }
    if (!length_is_valid(b, len))
        return;
    size_t tsize = der_tag_size(tag), lsize = der_length_size(len);
    if (!builder_reserve(b, tsize + lsize + len))
        return;
    write_tag(b->buf + b->len, tag, tsize);
    write_length(b->buf + b->len + tsize, len, lsize);
    if (len > 0)
        memcpy(b->buf + b->len + tsize + lsize, value, len);
    b->len += tsize + lsize + len;
}

void der_put_slice(der_builder *b, uint32_t tag, aw_slice value)
{
    der_put_tlv(b, tag, value.ptr, value.len);
}

void der_put_bool(der_builder *b, uint32_t tag, bool value)
{
    uint8_t v = value ? 0xFF : 0x00;
    der_put_tlv(b, tag, &v, 1);
}

void der_put_int64(der_builder *b, uint32_t tag, int64_t value)
{
    uint8_t v[8];
    uint64_t u;
    memcpy(&u, &value, sizeof(u));
    for (int i = 7; i >= 0; i--) {
        v[i] = (uint8_t)u;
        u >>= 8;
    }
    size_t start = 0;
    /* Drop redundant leading octets (X.690 8.3.2). */
    while (start < 7 && ((v[start] == 0x00 && (v[start + 1] & 0x80) == 0) ||
                         (v[start] == 0xFF && (v[start + 1] & 0x80) != 0)))
        start++;
    der_put_tlv(b, tag, v + start, 8 - start);
}

void der_put_unsigned_bytes(der_builder *b, uint32_t tag, const uint8_t *mag, size_t len)
{
    while (len > 1 && mag[0] == 0x00) {
        mag++;
        len--;
    }
    if (len == 0) {
        uint8_t zero = 0;
        der_put_tlv(b, tag, &zero, 1);
        return;
    }
    if ((mag[0] & 0x80) == 0) {
        der_put_tlv(b, tag, mag, len);
        return;
    }
    if (b->err != AW_OK)
        return;
    if (!tag_is_valid(tag)) {
        b->err = AW_ERR_DER_TAG;
        return;
    }
    size_t tsize = der_tag_size(tag), lsize = der_length_size(len + 1);
    if (!builder_reserve(b, tsize + lsize + len + 1))
        return;
    uint8_t *p = b->buf + b->len;
    write_tag(p, tag, tsize);
    write_length(p + tsize, len + 1, lsize);
    p[tsize + lsize] = 0x00;
    memcpy(p + tsize + lsize + 1, mag, len);
    b->len += tsize + lsize + len + 1;
}

void der_put_null(der_builder *b, uint32_t tag)
{
    der_put_tlv(b, tag, NULL, 0);
}

void der_put_bit_string(der_builder *b, uint32_t tag, unsigned unused_bits,
                        const uint8_t *bits, size_t len)
{
    if (b->err != AW_OK)
        return;
    if (unused_bits > 7 || (len == 0 && unused_bits != 0) ||
        (unused_bits != 0 && (bits[len - 1] & ((1u << unused_bits) - 1)) != 0)) {
        b->err = AW_ERR_DER_CONSTRAINT;
        return;
    }
    if (!tag_is_valid(tag)) {
        b->err = AW_ERR_DER_TAG;
        return;
    }
    size_t tsize = der_tag_size(tag), lsize = der_length_size(len + 1);
    if (!builder_reserve(b, tsize + lsize + len + 1))
        return;
    uint8_t *p = b->buf + b->len;
    write_tag(p, tag, tsize);
    write_length(p + tsize, len + 1, lsize);
    p[tsize + lsize] = (uint8_t)unused_bits;
    if (len > 0)
        memcpy(p + tsize + lsize + 1, bits, len);
    b->len += tsize + lsize + len + 1;
}

void der_put_named_bits(der_builder *b, uint32_t tag, uint32_t flags)
{
    uint8_t bytes[4];
    unsigned unused;
    size_t octets = der_named_bits_from_flags(flags, bytes, &unused);
    der_put_bit_string(b, tag, unused, bytes, octets);
}

aw_err der_builder_finish(der_builder *b, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    aw_err err = b->err;
    if (err == AW_OK && b->depth != 0)
        err = AW_ERR_STATE;
    if (err == AW_OK && b->len == 0)
        err = AW_ERR_STATE;
    if (err != AW_OK) {
        der_builder_free(b);
        return err;
    }
    /* Hand over an exact-size copy so callers may free with free() and we
     * still erase the working buffer. */
    uint8_t *result = malloc(b->len);
    if (result == NULL) {
        der_builder_free(b);
        return AW_ERR_NOMEM;
    }
    memcpy(result, b->buf, b->len);
    *out = result;
    *out_len = b->len;
    der_builder_free(b);
    return AW_OK;
}
