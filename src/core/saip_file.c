/* airwrite core: file content inside SAIP template-based PEs (PE_Definitions
 * File ::= SEQUENCE OF CHOICE { doNotCreate, fileDescriptor, fillFileOffset,
 * fillFileContent }; SAIP 8.3.2: fillFileOffset moves the write position
 * forward from the current one, fillFileContent writes at it and moves it
 * past what it wrote, starting at offset 0 of the EF; records of a record
 * file follow one another). */
#include "core/saip_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Largest EF content the rewrite path rebuilds (ETSI TS 102 221 EFs use a
 * two-byte size; BER-TLV EFs stay far below this). */
#define SAIP_FILE_MAX_CONTENT (1u << 20)

aw_err saip_file_find(const saip_profile *p, saip_pe_type type, unsigned number, saip_file_ref *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; p != NULL && i < p->count; i++) {
        const struct saip_element *e = &p->elements[i];
        if (e->type != type)
            continue;
        der_reader r;
        der_node n;
        aw_err err = saip_element_open(e, &r);
        if (err != AW_OK)
            return err;
        while (der_read_node(&r, &n) == AW_OK) {
            if (n.tag == SAIP_PE_TAG(number) && number >= 2) {
                out->element = i;
                out->offset = (size_t)(n.raw.ptr - e->der);
                return AW_OK;
            }
        }
    }
    return AW_ERR_NOT_FOUND;
}

/* Reader over the entries of the File. */
static aw_err file_open(const saip_profile *p, const saip_file_ref *f, der_node *file, der_reader *r)
{
    if (p == NULL || f->element >= p->count)
        return AW_ERR_ARGUMENT;
    const struct saip_element *e = &p->elements[f->element];
    if (f->offset >= e->len)
        return AW_ERR_ARGUMENT;
    der_reader outer;
    der_reader_init(&outer, e->der + f->offset, e->len - f->offset);
    outer.depth = 1;
    if (der_read_node(&outer, file) != AW_OK || der_reader_enter(&outer, file, r) != AW_OK)
        return AW_ERR_SAIP_FORMAT;
    return AW_OK;
}

/* fillFileOffset value (checked UInt16 by saip_element_check). */
static size_t offset_value(const der_node *n)
{
    uint64_t v = 0;
    (void)der_node_get_uint64(n, &v);
    return (size_t)v;
}

aw_err saip_file_read(const saip_profile *p, const saip_file_ref *f, size_t offset,
                      uint8_t *out, size_t len, bool *defined)
{
    der_node file, n;
    der_reader r;
    *defined = false;
    memset(out, 0xFF, len);
    aw_err err = file_open(p, f, &file, &r);
    if (err != AW_OK)
        return err;
    size_t pos = 0, covered = 0;
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_FILE_OFFSET) {
            pos += offset_value(&n);
        } else if (n.tag == SAIP_TAG_FILE_CONTENT) {
            size_t lo = pos > offset ? pos : offset;
            size_t hi_piece = pos + n.value.len, hi_want = offset + len;
            size_t hi = hi_piece < hi_want ? hi_piece : hi_want;
            if (lo < hi) {
                memcpy(out + (lo - offset), n.value.ptr + (lo - pos), hi - lo);
                covered += hi - lo; /* pieces never overlap: pos only grows */
            }
            pos += n.value.len;
        }
    }
    *defined = covered == len;
    return AW_OK;
}

/* Patch fillFileContent bytes in place; only used when they cover the
 * whole range, so the encoding keeps its length. */
static void patch_in_place(struct saip_element *e, der_reader *r, size_t offset,
                           const uint8_t *data, size_t len)
{
    der_node n;
    size_t pos = 0;
    while (der_read_node(r, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_FILE_OFFSET) {
            pos += offset_value(&n);
        } else if (n.tag == SAIP_TAG_FILE_CONTENT) {
            size_t lo = pos > offset ? pos : offset;
            size_t hi_piece = pos + n.value.len, hi_want = offset + len;
            size_t hi = hi_piece < hi_want ? hi_piece : hi_want;
            if (lo < hi) {
                size_t at = (size_t)(n.value.ptr - e->der) + (lo - pos);
                memcpy(e->der + at, data + (lo - offset), hi - lo);
            }
            pos += n.value.len;
        }
    }
}

/* Emit the fill pieces for content[0..extent) where defined[i] marks bytes
 * some piece gives: fillFileOffset over gaps, fillFileContent over runs. */
static void emit_pieces(der_builder *b, const uint8_t *content, const uint8_t *defined, size_t extent)
{
    size_t i = 0;
    while (i < extent) {
        size_t j = i;
        if (!defined[i]) {
            while (j < extent && !defined[j])
                j++;
            if (j == extent)
                break; /* trailing gap: nothing to write */
            for (size_t gap = j - i; gap > 0;) {
                size_t step = gap > 65535 ? 65535 : gap;
                der_put_int64(b, SAIP_TAG_FILE_OFFSET, (int64_t)step);
                gap -= step;
            }
        } else {
            while (j < extent && defined[j])
                j++;
            der_put_tlv(b, SAIP_TAG_FILE_CONTENT, content + i, j - i);
        }
        i = j;
    }
}

aw_err saip_file_write(saip_profile *p, const saip_file_ref *f, size_t offset,
                       const uint8_t *data, size_t len)
{
    der_node file, n;
    der_reader r;
    uint8_t *content = NULL, *defined = NULL;
    size_t extent = 0;
    der_builder b;
    der_builder_init(&b);
    aw_err err = file_open(p, f, &file, &r);
    if (err != AW_OK)
        return err;
    if (len == 0 || offset > SAIP_FILE_MAX_CONTENT || len > SAIP_FILE_MAX_CONTENT - offset)
        return AW_ERR_ARGUMENT;

    /* Pass 1: extent of the pieces and whether they cover the range. */
    der_reader scan = r;
    size_t pos = 0, covered = 0;
    while (der_read_node(&scan, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_FILE_DO_NOT_CREATE)
            return AW_ERR_SAIP_FIELD; /* the eUICC will not create this file */
        if (n.tag == SAIP_TAG_FILE_OFFSET) {
            pos += offset_value(&n);
        } else if (n.tag == SAIP_TAG_FILE_CONTENT) {
            size_t lo = pos > offset ? pos : offset;
            size_t hi = pos + n.value.len < offset + len ? pos + n.value.len : offset + len;
            if (lo < hi)
                covered += hi - lo;
            pos += n.value.len;
            if (pos > extent)
                extent = pos;
        }
        if (pos > SAIP_FILE_MAX_CONTENT)
            return AW_ERR_LIMIT;
    }
    if (covered == len) {
        patch_in_place(&p->elements[f->element], &r, offset, data, len);
        return AW_OK;
    }

    /* Pass 2: lay the content out, overlay the new bytes, and re-emit the
     * pieces after the File's other entries (fileDescriptor, doNotCreate),
     * which are copied unchanged. */
    if (offset + len > extent)
        extent = offset + len;
    content = calloc(extent, 1);
    defined = calloc(extent, 1);
    if (content == NULL || defined == NULL) {
        err = AW_ERR_NOMEM;
        goto cleanup;
    }
    scan = r;
    pos = 0;
    while (der_read_node(&scan, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_FILE_OFFSET) {
            pos += offset_value(&n);
        } else if (n.tag == SAIP_TAG_FILE_CONTENT) {
            if (n.value.len > 0) {
                memcpy(content + pos, n.value.ptr, n.value.len);
                memset(defined + pos, 1, n.value.len);
            }
            pos += n.value.len;
        } else {
            der_put_raw(&b, n.raw.ptr, n.raw.len);
        }
    }
    memcpy(content + offset, data, len);
    memset(defined + offset, 1, len);
    emit_pieces(&b, content, defined, extent);
    uint8_t *value;
    size_t value_len;
    err = der_builder_finish(&b, &value, &value_len);
    if (err != AW_OK)
        goto cleanup;
    const struct saip_element *e = &p->elements[f->element];
    size_t chain[2] = {0, f->offset};
    size_t start = (size_t)(file.value.ptr - e->der);
    err = saip_element_splice(p, f->element, chain, 2, start, start + file.value.len, value, value_len);
    der_bytes_free(value, value_len);
cleanup:
    der_builder_free(&b);
    if (content != NULL) {
        OPENSSL_cleanse(content, extent);
        free(content);
    }
    free(defined);
    return err;
}

aw_err saip_get_file_content(const saip_profile *p, saip_pe_type type, unsigned number,
                             uint8_t *out, size_t cap, size_t *len)
{
    saip_file_ref f;
    der_node file, n;
    der_reader r;
    bool defined;
    *len = 0;
    aw_err err = saip_file_find(p, type, number, &f);
    if (err == AW_OK)
        err = file_open(p, &f, &file, &r);
    if (err != AW_OK)
        return err;
    size_t pos = 0, extent = 0;
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_FILE_OFFSET)
            pos += offset_value(&n);
        else if (n.tag == SAIP_TAG_FILE_CONTENT)
            pos += n.value.len;
        if (n.tag == SAIP_TAG_FILE_CONTENT && pos > extent)
            extent = pos;
        if (pos > SAIP_FILE_MAX_CONTENT)
            return AW_ERR_LIMIT;
    }
    if (extent > cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    if (extent > 0) {
        err = saip_file_read(p, &f, 0, out, extent, &defined);
        if (err != AW_OK)
            return err;
    }
    *len = extent;
    return AW_OK;
}

aw_err saip_file_record_length(const saip_profile *p, const saip_file_ref *f, size_t *out)
{
    der_node file, n, d;
    der_reader r, fr;
    *out = 0;
    aw_err err = file_open(p, f, &file, &r);
    if (err != AW_OK)
        return err;
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag != SAIP_TAG_FILE_DESCRIPTOR || der_reader_enter(&r, &n, &fr) != AW_OK)
            continue;
        while (der_read_node(&fr, &d) == AW_OK) {
            /* ETSI TS 102 221 11.1.1.4.3: FDB, DCB, record length (2) */
            if (d.tag == SAIP_TAG_FCP_FILE_DESCRIPTOR && d.value.len >= 4) {
                *out = (size_t)d.value.ptr[2] << 8 | d.value.ptr[3];
                return *out > 0 ? AW_OK : AW_ERR_SAIP_FIELD;
            }
        }
    }
    return AW_ERR_NOT_FOUND;
}
