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

/* RFC 3629 clause 4 (der_check_utf8); max_chars 0 means unbounded. */
aw_err sgp22_field_check_utf8(aw_slice text, size_t max_chars)
{
    return der_check_utf8(text, 0, max_chars != 0 ? max_chars : SIZE_MAX);
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
    return der_node_get_named_bits(n, flags);
}

void sgp22_field_put_named_bits(der_builder *b, uint32_t tag, uint32_t flags)
{
    der_put_named_bits(b, tag, flags);
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
