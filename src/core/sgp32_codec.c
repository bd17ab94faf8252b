/* airwrite core: the table-driven DER codec behind the SGP.32 message
 * codecs (SGP32Definitions, SGP.32 2.1.3 / 6.3; rules of X.690 clause 10 and
 * X.680 for AUTOMATIC TAGS EXTENSIBILITY IMPLIED). See sgp32_codec.h.
 */
#include "core/sgp32_codec.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const sgp32_type sgp32_empty_type = {
    .fields = NULL,
    .count = 0,
    .raw_offset = offsetof(sgp32_empty, raw),
    .extensions_offset = offsetof(sgp32_empty, extensions),
    .kind_offset = SGP32_NO_OFFSET,
    .unknown_offset = SGP32_NO_OFFSET,
};

/* ---- Small helpers ---------------------------------------------------- */

static void store_slice(uint8_t *base, size_t offset, aw_slice value)
{
    if (offset != SGP32_NO_OFFSET)
        memcpy(base + offset, &value, sizeof(value));
}

static aw_slice load_slice(const uint8_t *base, size_t offset)
{
    aw_slice s = {NULL, 0};
    if (offset != SGP32_NO_OFFSET)
        memcpy(&s, base + offset, sizeof(s));
    return s;
}

static void store_bool(uint8_t *base, size_t offset, bool value)
{
    if (offset != SGP32_NO_OFFSET)
        memcpy(base + offset, &value, sizeof(value));
}

static bool load_bool(const uint8_t *base, size_t offset)
{
    bool v = false;
    if (offset != SGP32_NO_OFFSET)
        memcpy(&v, base + offset, sizeof(v));
    return v;
}

/* CHOICE kinds are C enums; the codec reads and writes them as int. */
static void store_kind(uint8_t *base, size_t offset, int kind)
{
    memcpy(base + offset, &kind, sizeof(kind));
}

static int load_kind(const uint8_t *base, size_t offset)
{
    int kind;
    memcpy(&kind, base + offset, sizeof(kind));
    return kind;
}

static void fail(der_builder *b, aw_err err)
{
    if (b->err == AW_OK)
        b->err = err;
}

/* X.690 8.19: OBJECT IDENTIFIER subidentifiers in minimal base-128 form. */
static aw_err check_oid(const der_node *n)
{
    if (n->constructed)
        return AW_ERR_DER_PRIMITIVE;
    const uint8_t *v = n->value.ptr;
    size_t len = n->value.len;
    if (len == 0 || (v[len - 1] & 0x80u) != 0)
        return AW_ERR_DER_CONSTRAINT;
    bool start = true;
    for (size_t i = 0; i < len; i++) {
        if (start && v[i] == 0x80u)
            return AW_ERR_DER_CONSTRAINT; /* leading zero septet */
        start = (v[i] & 0x80u) == 0;
    }
    return AW_OK;
}

/* A TLV of another module's type: its framing must be valid DER all the way
 * down, within the nesting left at this depth. */
static aw_err check_foreign(const der_reader *parent, const der_node *n)
{
    unsigned left = DER_MAX_DEPTH - parent->depth;
    return der_validate(n->raw.ptr, n->raw.len, left);
}

static int alternative_index(const sgp32_type *t, uint32_t tag)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->fields[i].tag == tag)
            return (int)i;
    return -1;
}

static bool field_matches(const sgp32_field *f, uint32_t tag)
{
    if (f->kind == SGP32_FIELD_CHOICE)
        return alternative_index(f->type, tag) >= 0;
    return f->tag == tag;
}

/* Whether tag belongs to a component from index `from` on. */
static bool tag_known_from(const sgp32_type *t, uint32_t tag, size_t from)
{
    for (size_t i = from; i < t->count; i++)
        if (field_matches(&t->fields[i], tag))
            return true;
    return false;
}

/* ---- Decoder ---------------------------------------------------------- */

static aw_err decode_value(const sgp32_field *f, const der_reader *parent, const der_node *n,
                           uint8_t *base);

static aw_err decode_alternative(const sgp32_type *t, const der_reader *parent,
                                 const der_node *n, uint8_t *base)
{
    int index = alternative_index(t, n->tag);
    aw_err err;
    if (index < 0) {
        /* An alternative added after this version (EXTENSIBILITY IMPLIED):
         * kept whole where the caller can still answer it, else refused. */
        if (t->unknown_kind == 0)
            return AW_ERR_DER_UNEXPECTED_TAG;
        err = check_foreign(parent, n);
        if (err != AW_OK)
            return err;
        store_kind(base, t->kind_offset, t->unknown_kind);
        store_slice(base, t->unknown_offset, n->raw);
        return AW_OK;
    }
    store_kind(base, t->kind_offset, index + 1);
    err = decode_value(&t->fields[index], parent, n, base);
    if (err != AW_OK)
        return err;
    store_slice(base, t->raw_offset, n->raw);
    return AW_OK;
}

/* Components of an extensible SEQUENCE, in order (X.680 25). */
static aw_err decode_sequence(const sgp32_type *t, der_reader *r, uint8_t *base)
{
    aw_err err;
    assert(t->extensions_offset != SGP32_NO_OFFSET); /* every SEQUENCE here is extensible */
    der_node n;
    for (size_t i = 0; i < t->count; i++) {
        const sgp32_field *f = &t->fields[i];
        uint32_t next = 0;
        bool have = !der_reader_at_end(r);
        if (have && !der_peek_tag(r, &next)) {
            der_reader probe = *r;
            return der_read_node(&probe, &n); /* malformed tag: report why */
        }
        if (!have || !field_matches(f, next)) {
            if (f->optional)
                continue;
            /* a mandatory component is absent: either the input moved on to
             * a later component (or ended), or it holds a tag not allowed here */
            return (!have || tag_known_from(t, next, i + 1)) ? AW_ERR_DER_MISSING
                                                             : AW_ERR_DER_UNEXPECTED_TAG;
        }
        err = der_read_node(r, &n);
        if (err != AW_OK)
            return err;
        err = decode_value(f, r, &n, base);
        if (err != AW_OK)
            return err;
    }
    /* Extension additions: unknown components after the root ones. A root
     * tag here is a component out of order or repeated. */
    const uint8_t *start = r->pos;
    while (!der_reader_at_end(r)) {
        err = der_read_node(r, &n);
        if (err != AW_OK)
            return err;
        if (tag_known_from(t, n.tag, 0))
            return AW_ERR_DER_UNEXPECTED_TAG;
        err = check_foreign(r, &n);
        if (err != AW_OK)
            return err;
    }
    aw_slice extensions = {start, (size_t)(r->pos - start)};
    if (extensions.len == 0)
        extensions.ptr = NULL;
    store_slice(base, t->extensions_offset, extensions);
    return AW_OK;
}

static aw_err decode_type(const sgp32_type *t, const der_reader *parent, const der_node *n,
                          uint8_t *base)
{
    der_reader child;
    der_node inner;
    aw_err err = der_reader_enter(parent, n, &child);
    if (err != AW_OK)
        return err;
    if (!t->choice) {
        err = decode_sequence(t, &child, base);
    } else if (der_reader_at_end(&child) && t->empty_kind != 0) {
        store_kind(base, t->kind_offset, t->empty_kind);
    } else {
        /* [n] CHOICE is explicitly tagged: exactly one alternative inside */
        err = der_read_node(&child, &inner);
        if (err == AW_ERR_NOT_FOUND)
            return AW_ERR_DER_MISSING;
        if (err == AW_OK)
            err = decode_alternative(t, &child, &inner, base);
        if (err == AW_OK)
            err = der_reader_finish(&child);
    }
    if (err != AW_OK)
        return err;
    store_slice(base, t->raw_offset, n->raw);
    return AW_OK;
}

static aw_err decode_list(const sgp32_field *f, const der_reader *parent, const der_node *n,
                          uint8_t *base)
{
    der_reader child;
    der_node item;
    size_t count = 0;
    aw_err err = der_reader_enter(parent, n, &child);
    if (err != AW_OK)
        return err;
    while (!der_reader_at_end(&child)) {
        err = der_read_node(&child, &item);
        if (err != AW_OK)
            return err;
        if (count == f->max)
            return AW_ERR_LIMIT;
        if (f->element->kind != SGP32_FIELD_CHOICE && item.tag != f->element->tag)
            return AW_ERR_DER_UNEXPECTED_TAG;
        err = decode_value(f->element, &child, &item, base + f->offset + count * f->stride);
        if (err != AW_OK)
            return err;
        count++;
    }
    memcpy(base + f->count_offset, &count, sizeof(count));
    return AW_OK;
}

/* A SEQUENCE OF kept raw: every element well-formed and of the element tag. */
static aw_err check_raw_list(const sgp32_field *f, const der_reader *parent, const der_node *n)
{
    der_reader child;
    der_node item;
    aw_err err = der_reader_enter(parent, n, &child);
    while (err == AW_OK && !der_reader_at_end(&child)) {
        err = der_read_node(&child, &item);
        if (err == AW_OK)
            err = item.tag == f->element->tag ? check_foreign(&child, &item)
                                              : AW_ERR_DER_UNEXPECTED_TAG;
    }
    return err;
}

static aw_err decode_value(const sgp32_field *f, const der_reader *parent, const der_node *n,
                           uint8_t *base)
{
    aw_err err = AW_OK;
    uint8_t *value = f->offset != SGP32_NO_OFFSET ? base + f->offset : NULL;
    switch (f->kind) {
    case SGP32_FIELD_OCTETS:
        err = der_node_check_octets(n, f->min, f->max);
        if (err == AW_OK)
            store_slice(base, f->offset, n->value);
        break;
    case SGP32_FIELD_INTEGER: {
        int64_t v;
        err = der_node_get_int64(n, &v);
        if (err == AW_OK)
            memcpy(value, &v, sizeof(v));
        break;
    }
    case SGP32_FIELD_NULL:
        err = der_node_get_null(n);
        break;
    case SGP32_FIELD_BITS: {
        sgp32_bit_string bits;
        err = der_node_get_bit_string(n, &bits.unused_bits, &bits.bytes);
        if (err == AW_OK)
            memcpy(value, &bits, sizeof(bits));
        break;
    }
    case SGP32_FIELD_OID:
        err = check_oid(n);
        if (err == AW_OK)
            store_slice(base, f->offset, n->value);
        break;
    case SGP32_FIELD_FOREIGN:
        err = check_foreign(parent, n);
        if (err == AW_OK)
            store_slice(base, f->offset, n->raw);
        break;
    case SGP32_FIELD_WRAPPED_FOREIGN: {
        der_reader child;
        der_node inner;
        err = der_reader_enter(parent, n, &child);
        if (err == AW_OK)
            err = der_read_node(&child, &inner);
        if (err == AW_ERR_NOT_FOUND)
            err = AW_ERR_DER_MISSING;
        if (err == AW_OK)
            err = der_reader_finish(&child);
        if (err == AW_OK)
            err = check_foreign(&child, &inner);
        if (err == AW_OK)
            store_slice(base, f->offset, inner.raw);
        break;
    }
    case SGP32_FIELD_RAW_LIST:
        err = check_raw_list(f, parent, n);
        if (err == AW_OK)
            store_slice(base, f->offset, n->raw);
        break;
    case SGP32_FIELD_LIST:
        err = decode_list(f, parent, n, base);
        break;
    case SGP32_FIELD_TYPE:
        err = decode_type(f->type, parent, n, value);
        break;
    case SGP32_FIELD_CHOICE:
        err = decode_alternative(f->type, parent, n, value);
        break;
    default:
        err = AW_ERR_STATE; /* descriptor tables are static: unreachable */
        break;
    }
    if (err == AW_OK)
        store_bool(base, f->present_offset, true);
    return err;
}

aw_err sgp32_codec_decode(const sgp32_field *top, const uint8_t *buf, size_t len, void *out,
                          size_t out_size)
{
    der_reader root;
    der_node n;
    memset(out, 0, out_size);
    aw_err err = der_decode_single(buf, len, &n);
    if (err == AW_OK && top->kind != SGP32_FIELD_CHOICE && n.tag != top->tag)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK) {
        der_reader_init(&root, buf, len);
        err = decode_value(top, &root, &n, out);
    }
    if (err != AW_OK)
        memset(out, 0, out_size);
    return err;
}

/* ---- Encoder ---------------------------------------------------------- */

static void put_value(der_builder *b, const sgp32_field *f, const uint8_t *base);

/* A caller-supplied TLV must carry the tag the position requires. */
static void put_checked_tlv(der_builder *b, uint32_t tag, aw_slice tlv)
{
    der_node n;
    if (tlv.len == 0 || der_decode_single(tlv.ptr, tlv.len, &n) != AW_OK ||
        (tag != 0 && n.tag != tag)) {
        fail(b, AW_ERR_ARGUMENT);
        return;
    }
    der_put_raw(b, tlv.ptr, tlv.len);
}

static void put_alternative(der_builder *b, const sgp32_type *t, const uint8_t *base)
{
    int kind = load_kind(base, t->kind_offset);
    if (t->unknown_kind != 0 && kind == t->unknown_kind) {
        put_checked_tlv(b, 0, load_slice(base, t->unknown_offset));
        return;
    }
    if (kind < 1 || (size_t)kind > t->count) {
        fail(b, AW_ERR_ARGUMENT); /* CHOICE kind not set */
        return;
    }
    put_value(b, &t->fields[kind - 1], base);
}

static void put_content(der_builder *b, const sgp32_type *t, const uint8_t *base)
{
    if (t->choice) {
        if (t->empty_kind != 0 && load_kind(base, t->kind_offset) == t->empty_kind)
            return;
        put_alternative(b, t, base);
        return;
    }
    for (size_t i = 0; i < t->count; i++) {
        const sgp32_field *f = &t->fields[i];
        if (f->optional && !load_bool(base, f->present_offset))
            continue;
        put_value(b, f, base);
    }
    aw_slice extensions = load_slice(base, t->extensions_offset);
    if (extensions.len > 0) {
        if (der_validate(extensions.ptr, extensions.len, 0) != AW_OK)
            fail(b, AW_ERR_ARGUMENT);
        else
            der_put_raw(b, extensions.ptr, extensions.len);
    }
}

static void put_value(der_builder *b, const sgp32_field *f, const uint8_t *base)
{
    const uint8_t *value = f->offset != SGP32_NO_OFFSET ? base + f->offset : NULL;
    switch (f->kind) {
    case SGP32_FIELD_OCTETS:
    case SGP32_FIELD_OID: {
        aw_slice s = load_slice(base, f->offset);
        der_node oid = {.value = s};
        if ((f->kind == SGP32_FIELD_OCTETS && (s.len < f->min || s.len > f->max)) ||
            (f->kind == SGP32_FIELD_OID && check_oid(&oid) != AW_OK)) {
            fail(b, AW_ERR_ARGUMENT); /* never write what the decoder refuses */
            return;
        }
        der_put_slice(b, f->tag, s);
        break;
    }
    case SGP32_FIELD_INTEGER: {
        int64_t v;
        memcpy(&v, value, sizeof(v));
        der_put_int64(b, f->tag, v);
        break;
    }
    case SGP32_FIELD_NULL:
        der_put_null(b, f->tag);
        break;
    case SGP32_FIELD_BITS: {
        sgp32_bit_string bits;
        memcpy(&bits, value, sizeof(bits));
        der_put_bit_string(b, f->tag, bits.unused_bits, bits.bytes.ptr, bits.bytes.len);
        break;
    }
    case SGP32_FIELD_FOREIGN:
        put_checked_tlv(b, f->tag, load_slice(base, f->offset));
        break;
    case SGP32_FIELD_WRAPPED_FOREIGN:
        der_builder_begin(b, f->tag);
        put_checked_tlv(b, 0, load_slice(base, f->offset));
        der_builder_end(b);
        break;
    case SGP32_FIELD_RAW_LIST: {
        aw_slice list = load_slice(base, f->offset);
        der_reader root;
        der_node n;
        der_reader_init(&root, list.ptr, list.len);
        if (list.len == 0 || der_decode_single(list.ptr, list.len, &n) != AW_OK ||
            n.tag != f->tag || check_raw_list(f, &root, &n) != AW_OK) {
            fail(b, AW_ERR_ARGUMENT);
            return;
        }
        der_put_raw(b, list.ptr, list.len);
        break;
    }
    case SGP32_FIELD_LIST: {
        size_t count;
        memcpy(&count, base + f->count_offset, sizeof(count));
        if (count > f->max) {
            fail(b, AW_ERR_ARGUMENT);
            return;
        }
        der_builder_begin(b, f->tag);
        for (size_t i = 0; i < count; i++)
            put_value(b, f->element, value + i * f->stride);
        der_builder_end(b);
        break;
    }
    case SGP32_FIELD_TYPE: {
        aw_slice raw = load_slice(value, f->type->raw_offset);
        if (f->type->signed_part && raw.len > 0) {
            /* signed data goes out exactly as it was received or signed */
            put_checked_tlv(b, f->tag, raw);
            break;
        }
        der_builder_begin(b, f->tag);
        put_content(b, f->type, value);
        der_builder_end(b);
        break;
    }
    case SGP32_FIELD_CHOICE:
        put_alternative(b, f->type, value);
        break;
    default:
        fail(b, AW_ERR_ARGUMENT); /* a kind reserved by a shared enum (SGP32_A_UNUSED) */
        break;
    }
}

void sgp32_codec_put(der_builder *b, const sgp32_field *top, const void *in)
{
    if (in == NULL) {
        fail(b, AW_ERR_ARGUMENT);
        return;
    }
    put_value(b, top, in);
}

aw_err sgp32_codec_encode(const sgp32_field *top, const void *in, uint8_t **out, size_t *out_len)
{
    der_builder b;
    der_builder_init(&b);
    sgp32_codec_put(&b, top, in);
    return der_builder_finish(&b, out, out_len);
}
