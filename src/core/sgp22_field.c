/* airwrite core: field readers and writers for the basic types of SGP.22
 * RSPDefinitions used by the authentication, download and BPP codecs
 * (SGP.22 2.5, 5.7). */
#include "core/sgp22_field.h"

aw_err sgp22_field_read_octets(der_reader *r, uint32_t tag, size_t min, size_t max,
                               aw_slice *out)
{
    der_node n;
    aw_err err = der_read_expect(r, tag, &n);
    if (err == AW_OK)
        err = der_node_check_octets(&n, min, max);
    if (err == AW_OK)
        *out = n.value;
    return err;
}

aw_err sgp22_field_read_optional_octets(der_reader *r, uint32_t tag, size_t min, size_t max,
                                        aw_slice *out, bool *present)
{
    der_node n;
    aw_err err = der_read_optional(r, tag, &n, present);
    if (err != AW_OK || !*present)
        return err;
    err = der_node_check_octets(&n, min, max);
    if (err == AW_OK)
        *out = n.value;
    return err;
}

/* RFC 3629 clause 4: shortest form only, no surrogates, at most U+10FFFF. */
aw_err sgp22_field_check_utf8(aw_slice text, size_t max_chars)
{
    size_t chars = 0;
    size_t i = 0;
    while (i < text.len) {
        uint8_t c = text.ptr[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            extra = 0;
            cp = c;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07u;
        } else {
            return AW_ERR_DER_CONSTRAINT;
        }
        if (extra > text.len - i - 1)
            return AW_ERR_DER_CONSTRAINT;
        for (size_t k = 1; k <= extra; k++) {
            uint8_t cc = text.ptr[i + k];
            if ((cc & 0xC0u) != 0x80u)
                return AW_ERR_DER_CONSTRAINT;
            cp = cp << 6 | (cc & 0x3Fu);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return AW_ERR_DER_CONSTRAINT;
        i += extra + 1;
        chars++;
    }
    if (max_chars != 0 && chars > max_chars)
        return AW_ERR_DER_CONSTRAINT;
    return AW_OK;
}

aw_err sgp22_field_read_utf8(der_reader *r, uint32_t tag, size_t max_chars, aw_slice *out)
{
    der_node n;
    aw_err err = der_read_expect(r, tag, &n);
    if (err != AW_OK)
        return err;
    err = sgp22_field_check_utf8(n.value, max_chars);
    if (err == AW_OK)
        *out = n.value;
    return err;
}

aw_err sgp22_field_read_integer(der_reader *r, uint32_t tag, int64_t *out)
{
    der_node n;
    aw_err err = der_read_expect(r, tag, &n);
    if (err == AW_OK)
        err = der_node_get_int64(&n, out);
    return err;
}

aw_err sgp22_field_read_bool(der_reader *r, uint32_t tag, bool *out)
{
    der_node n;
    aw_err err = der_read_expect(r, tag, &n);
    if (err == AW_OK)
        err = der_node_get_bool(&n, out);
    return err;
}

/* X.690 8.19.2: each subidentifier is base-128 with the fewest octets, so
 * no subidentifier starts with 0x80 and the last octet has bit 8 clear. */
aw_err sgp22_field_read_oid(der_reader *r, uint32_t tag, aw_slice *out)
{
    der_node n;
    aw_err err = der_read_expect(r, tag, &n);
    if (err != AW_OK)
        return err;
    if (n.value.len == 0 || (n.value.ptr[n.value.len - 1] & 0x80u) != 0)
        return AW_ERR_DER_CONSTRAINT;
    bool start = true;
    for (size_t i = 0; i < n.value.len; i++) {
        if (start && n.value.ptr[i] == 0x80)
            return AW_ERR_DER_CONSTRAINT;
        start = (n.value.ptr[i] & 0x80u) == 0;
    }
    *out = n.value;
    return AW_OK;
}

static aw_err read_validated(der_reader *r, uint32_t tag, der_node *n)
{
    aw_err err = der_read_expect(r, tag, n);
    if (err != AW_OK)
        return err;
    return der_validate(n->value.ptr, n->value.len, DER_MAX_DEPTH - 1 - r->depth);
}

aw_err sgp22_field_read_raw_tlv(der_reader *r, uint32_t tag, aw_slice *raw)
{
    der_node n;
    aw_err err = read_validated(r, tag, &n);
    if (err == AW_OK)
        *raw = n.raw;
    return err;
}

aw_err sgp22_field_read_constructed_content(der_reader *r, uint32_t tag, aw_slice *content)
{
    der_node n;
    aw_err err = read_validated(r, tag, &n);
    if (err == AW_OK)
        *content = n.value;
    return err;
}

aw_err sgp22_field_read_optional_content(der_reader *r, uint32_t tag, aw_slice *content,
                                         bool *present)
{
    der_node n;
    aw_err err = der_read_optional(r, tag, &n, present);
    if (err != AW_OK || !*present)
        return err;
    err = der_validate(n.value.ptr, n.value.len, DER_MAX_DEPTH - 1 - r->depth);
    if (err == AW_OK)
        *content = n.value;
    return err;
}

aw_err sgp22_field_read_certificate(der_reader *r, aw_slice *raw)
{
    return sgp22_field_read_raw_tlv(r, DER_TAG_SEQUENCE, raw);
}

aw_err sgp22_field_get_named_bits(const der_node *n, uint32_t *flags)
{
    unsigned unused;
    aw_slice bits;
    aw_err err = der_node_get_bit_string(n, &unused, &bits);
    if (err != AW_OK)
        return err;
    if (bits.len > 4)
        return AW_ERR_DER_CONSTRAINT;
    /* X.690 11.2.2: the last octet carries the last one bit */
    if (bits.len > 0 && (bits.ptr[bits.len - 1] & (1u << unused)) == 0)
        return AW_ERR_DER_CONSTRAINT;
    uint32_t value = 0;
    for (size_t i = 0; i < bits.len; i++)
        for (unsigned bit = 0; bit < 8; bit++)
            if (bits.ptr[i] & (0x80u >> bit))
                value |= 1u << (i * 8 + bit);
    *flags = value;
    return AW_OK;
}

void sgp22_field_put_named_bits(der_builder *b, uint32_t tag, uint32_t flags)
{
    uint8_t bytes[4] = {0};
    unsigned highest = 0;
    bool any = false;
    for (unsigned bit = 0; bit < 32; bit++) {
        if (flags & (1u << bit)) {
            bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
            highest = bit;
            any = true;
        }
    }
    if (!any) {
        der_put_bit_string(b, tag, 0, NULL, 0);
        return;
    }
    der_put_bit_string(b, tag, 7 - highest % 8, bytes, highest / 8 + 1);
}

aw_err sgp22_field_open(const uint8_t *buf, size_t len, uint32_t tag, der_reader *content,
                        aw_slice *raw)
{
    der_node n;
    der_reader outer;
    aw_err err = der_decode_single(buf, len, &n);
    if (err != AW_OK)
        return err;
    if (n.tag != tag)
        return AW_ERR_DER_UNEXPECTED_TAG;
    der_reader_init(&outer, buf, len);
    err = der_reader_enter(&outer, &n, content);
    if (err == AW_OK && raw != NULL)
        *raw = n.raw;
    return err;
}

aw_err sgp22_field_read_extensions(der_reader *r, aw_slice *extensions)
{
    size_t left = (size_t)(r->end - r->pos);
    aw_err err = der_validate(r->pos, left, DER_MAX_DEPTH - 1 - r->depth);
    if (err != AW_OK)
        return err;
    extensions->ptr = left > 0 ? r->pos : NULL;
    extensions->len = left;
    r->pos = r->end;
    return AW_OK;
}

aw_err sgp22_field_open_choice(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                               der_reader *outer, der_node *alt)
{
    aw_err err = sgp22_field_open(buf, len, tag, outer, raw);
    if (err == AW_OK)
        err = der_read_node(outer, alt);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_DER_MISSING;
    if (err == AW_OK)
        err = der_reader_finish(outer);
    return err;
}

void sgp22_field_fail(der_builder *b, aw_err err)
{
    if (b->err == AW_OK)
        b->err = err;
}

bool sgp22_field_put_raw_if_set(der_builder *b, aw_slice raw)
{
    if (raw.len == 0)
        return false;
    der_put_raw(b, raw.ptr, raw.len);
    return true;
}
