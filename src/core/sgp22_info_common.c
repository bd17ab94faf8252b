/* airwrite core: shared helpers of the SGP.22 eUICC-info, profile-info and
 * notification codecs: SEQUENCE walking against a field table, constrained
 * primitive readers, named BIT STRINGs, raw SEQUENCE OF lists and OperatorId
 * (SGP.22 RSPDefinitions; DER per X.690 clause 10/11). */
#include "core/sgp22_info_common.h"

#include <string.h>

void sgp22_list_iter_init(sgp22_list_iter *it, aw_slice contents)
{
    der_reader_init(&it->reader, contents.ptr, contents.len);
}

/* SGP.22 RSPDefinitions is "AUTOMATIC TAGS EXTENSIBILITY IMPLIED" (the
 * wireshark copy comments the clause out for its compiler): every SEQUENCE
 * ends with an implied extension marker (X.680, module header), so components past
 * the root that the module does not define are extension additions from a
 * later version. They are kept, framing checked, for byte-exact re-encoding;
 * a known component after them is out of order. */
static aw_err skip_extensions(der_reader *r, const der_node *first,
                              const sgp22_info_field *fields, size_t count,
                              aw_slice *extensions)
{
    der_node n = *first;
    for (;;) {
        for (size_t k = 0; k < count; k++)
            if (fields[k].tag == n.tag)
                return AW_ERR_DER_ORDER;
        aw_err err = der_validate(n.raw.ptr, n.raw.len, 0);
        if (err != AW_OK)
            return err;
        if (der_reader_at_end(r))
            break;
        err = der_read_node(r, &n);
        if (err != AW_OK)
            return err;
    }
    extensions->ptr = first->raw.ptr;
    extensions->len = (size_t)(n.raw.ptr + n.raw.len - first->raw.ptr);
    return AW_OK;
}

aw_err sgp22_info_walk(der_reader *r, const sgp22_info_field *fields, size_t count,
                       sgp22_info_visit_fn visit, void *ctx, aw_slice *extensions)
{
    size_t next = 0;
    der_node n;
    *extensions = (aw_slice){0};
    while (!der_reader_at_end(r)) {
        aw_err err = der_read_node(r, &n);
        if (err != AW_OK)
            return err;
        size_t j = next;
        while (j < count && fields[j].tag != n.tag)
            j++;
        if (j == count) {
            for (size_t k = 0; k < next; k++)
                if (fields[k].tag == n.tag)
                    return AW_ERR_DER_ORDER;
            for (size_t k = next; k < count; k++)
                if (!fields[k].optional)
                    return AW_ERR_DER_MISSING;
            return skip_extensions(r, &n, fields, count, extensions);
        }
        for (size_t k = next; k < j; k++)
            if (!fields[k].optional)
                return AW_ERR_DER_MISSING;
        err = visit(ctx, j, r, &n);
        if (err != AW_OK)
            return err;
        next = j + 1;
    }
    for (size_t k = next; k < count; k++)
        if (!fields[k].optional)
            return AW_ERR_DER_MISSING;
    return AW_OK;
}

aw_err sgp22_info_open(const uint8_t *buf, size_t len, uint32_t tag, der_node *top,
                       der_reader *inner)
{
    der_reader root;
    if (buf == NULL || len == 0)
        return AW_ERR_DER_TRUNCATED;
    der_reader_init(&root, buf, len);
    aw_err err = der_read_node(&root, top);
    if (err != AW_OK)
        return err;
    if (!der_reader_at_end(&root))
        return AW_ERR_DER_TRAILING;
    if (top->tag != tag)
        return AW_ERR_DER_UNEXPECTED_TAG;
    return der_reader_enter(&root, top, inner);
}

typedef struct capture {
    der_node node;
    bool present;
} capture;

static aw_err visit_capture(void *ctx, size_t index, const der_reader *parent, const der_node *n)
{
    capture *c = ctx;
    (void)index;
    (void)parent;
    c->node = *n;
    c->present = true;
    return AW_OK;
}

aw_err sgp22_info_decode_empty(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                               aw_slice *extensions)
{
    der_node top;
    der_reader r;
    capture c = {.present = false}; /* no field: every component is an extension */
    *raw = (aw_slice){0};
    *extensions = (aw_slice){0};
    aw_err err = sgp22_info_open(buf, len, tag, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, NULL, 0, visit_capture, &c, extensions);
    if (err == AW_OK)
        *raw = top.raw;
    return err;
}

aw_err sgp22_info_decode_single(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_info_field field, der_node *top, der_reader *r,
                                der_node *n, bool *present, aw_slice *extensions)
{
    capture c = {.present = false};
    *present = false;
    aw_err err = sgp22_info_open(buf, len, tag, top, r);
    if (err == AW_OK)
        err = sgp22_info_walk(r, &field, 1, visit_capture, &c, extensions);
    if (err == AW_OK) {
        *n = c.node;
        *present = c.present;
    }
    return err;
}

aw_err sgp22_info_decode_result(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                                int64_t *result, aw_slice *extensions)
{
    der_node top, n;
    der_reader r;
    bool present;
    *raw = (aw_slice){0};
    *result = 0;
    aw_err err = sgp22_info_decode_single(buf, len, tag, (sgp22_info_field){DER_CTX(0), false},
                                          &top, &r, &n, &present, extensions);
    if (err == AW_OK)
        err = der_node_get_int64(&n, result);
    if (err == AW_OK)
        *raw = top.raw;
    return err;
}

void sgp22_info_put_result(der_builder *b, uint32_t tag, int64_t result, aw_slice extensions)
{
    der_builder_begin(b, tag);
    der_put_int64(b, DER_CTX(0), result);
    der_put_raw(b, extensions.ptr, extensions.len);
    der_builder_end(b);
}

aw_err sgp22_info_read_explicit(const der_reader *parent, const der_node *node,
                                der_node *inner)
{
    der_reader r;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err != AW_OK)
        return err;
    if (der_reader_at_end(&r))
        return AW_ERR_DER_MISSING;
    err = der_read_node(&r, inner);
    if (err != AW_OK)
        return err;
    return der_reader_at_end(&r) ? AW_OK : AW_ERR_DER_UNEXPECTED_TAG;
}

aw_err sgp22_info_read_octets(const der_node *n, size_t min, size_t max, aw_slice *out)
{
    aw_err err = der_node_check_octets(n, min, max);
    if (err == AW_OK)
        *out = n->value;
    return err;
}

aw_err sgp22_info_read_utf8(const der_node *n, size_t min, size_t max, aw_slice *out)
{
    /* callers pass primitive tags only (0C, 8x) */
    aw_err err = der_check_utf8(n->value, min, max);
    if (err == AW_OK)
        *out = n->value;
    return err;
}

aw_err sgp22_info_read_flags(const der_node *n, uint32_t *flags)
{
    return der_node_get_named_bits(n, flags);
}

aw_err sgp22_info_read_bits(const der_node *n, sgp22_bit_string *out)
{
    return der_node_get_bit_string(n, &out->unused_bits, &out->bits);
}

aw_err sgp22_info_read_raw(const der_node *n, aw_slice *out)
{
    /* callers pass constructed tags only (B4, B8, BF22, BF37, BF64, 30) */
    aw_err err = der_validate(n->raw.ptr, n->raw.len, 0);
    if (err == AW_OK)
        *out = n->raw;
    return err;
}

void sgp22_info_put_flags(der_builder *b, uint32_t tag, uint32_t flags)
{
    der_put_named_bits(b, tag, flags);
}

void sgp22_info_put_octets_list(der_builder *b, uint32_t tag, const sgp22_octets_list *list)
{
    der_builder_begin(b, tag);
    if (list->items != NULL) {
        for (size_t i = 0; i < list->count; i++)
            der_put_slice(b, DER_TAG_OCTET_STRING, list->items[i]);
    } else {
        der_put_raw(b, list->raw.ptr, list->raw.len);
    }
    der_builder_end(b);
}

void sgp22_info_fail(der_builder *b, aw_err err)
{
    if (b->err == AW_OK)
        b->err = err;
}

aw_err sgp22_info_read_list(const der_reader *parent, const der_node *node,
                            sgp22_info_element_fn check, aw_slice *raw, size_t *count)
{
    der_reader r;
    der_node item;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err != AW_OK)
        return err;
    size_t n = 0;
    while (!der_reader_at_end(&r)) {
        err = der_read_node(&r, &item);
        if (err == AW_OK)
            err = check(&r, &item);
        if (err != AW_OK)
            return err;
        n++;
    }
    *raw = node->value;
    *count = n;
    return AW_OK;
}

aw_err sgp22_octets_list_next(sgp22_list_iter *it, aw_slice *out)
{
    der_node n;
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_expect(&it->reader, DER_TAG_OCTET_STRING, &n);
    if (err != AW_OK)
        return err;
    return sgp22_info_read_octets(&n, 0, SIZE_MAX, out);
}

/* ---- OperatorId ------------------------------------------------------- */

static const sgp22_info_field operator_id_fields[] = {
    {DER_CTX(0), false}, /* mccMnc */
    {DER_CTX(1), true},  /* gid1 */
    {DER_CTX(2), true},  /* gid2 */
};

static aw_err visit_operator_id(void *ctx, size_t index, const der_reader *parent,
                                const der_node *n)
{
    sgp22_operator_id *out = ctx;
    (void)parent;
    switch (index) {
    case 0:
        return sgp22_info_read_octets(n, 3, 3, &out->mcc_mnc);
    case 1:
        out->has_gid1 = true;
        return sgp22_info_read_octets(n, 0, SIZE_MAX, &out->gid1);
    default:
        out->has_gid2 = true;
        return sgp22_info_read_octets(n, 0, SIZE_MAX, &out->gid2);
    }
}

aw_err sgp22_info_read_operator_id(const der_reader *parent, const der_node *n,
                               sgp22_operator_id *out)
{
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = der_reader_enter(parent, n, &r);
    if (err != AW_OK)
        return err;
    return sgp22_info_walk(&r, operator_id_fields, 3, visit_operator_id, out, &out->extensions);
}

aw_err sgp22_decode_operator_id(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_operator_id *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, tag, &top, &r);
    if (err != AW_OK)
        return err;
    return sgp22_info_walk(&r, operator_id_fields, 3, visit_operator_id, out, &out->extensions);
}

void sgp22_put_operator_id(der_builder *b, uint32_t tag, const sgp22_operator_id *in)
{
    der_builder_begin(b, tag);
    der_put_slice(b, DER_CTX(0), in->mcc_mnc);
    if (in->has_gid1)
        der_put_slice(b, DER_CTX(1), in->gid1);
    if (in->has_gid2)
        der_put_slice(b, DER_CTX(2), in->gid2);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

aw_err sgp22_operator_id_list_next(sgp22_list_iter *it, sgp22_operator_id *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_expect(&it->reader, DER_TAG_SEQUENCE, &n);
    if (err != AW_OK)
        return err;
    return sgp22_info_read_operator_id(&it->reader, &n, out);
}

void sgp22_info_put_operator_id_list(der_builder *b, uint32_t tag,
                                     const sgp22_operator_id_list *list)
{
    der_builder_begin(b, tag);
    if (list->items != NULL) {
        for (size_t i = 0; i < list->count; i++)
            sgp22_put_operator_id(b, DER_TAG_SEQUENCE, &list->items[i]);
    } else {
        der_put_raw(b, list->raw.ptr, list->raw.len);
    }
    der_builder_end(b);
}
