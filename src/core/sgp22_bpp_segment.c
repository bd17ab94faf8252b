/* airwrite core: segmentation of the Bound Profile Package (SGP.22 2.5.5)
 * for ES10b.LoadBoundProfilePackage (5.7.6): the LPA's splitter and the
 * eUICC's segment-by-segment stream. See sgp22_bpp.h for the segment order.
 */
#include "core/sgp22_bpp.h"

#include <string.h>

#include "core/sgp22_tags.h"

/* ---- LPA side ---------------------------------------------------------- */

aw_err sgp22_bpp_splitter_init(sgp22_bpp_splitter *s, const uint8_t *bpp, size_t len)
{
    sgp22_bound_profile_package decoded;
    der_node top;
    der_reader outer;
    if (s == NULL)
        return AW_ERR_ARGUMENT;
    memset(s, 0, sizeof(*s));
    aw_err err = sgp22_decode_bound_profile_package(bpp, len, &decoded);
    if (err != AW_OK)
        return err;
    der_reader_init(&outer, bpp, len);
    err = der_read_node(&outer, &top);
    if (err == AW_OK)
        err = der_reader_enter(&outer, &top, &s->top);
    if (err == AW_OK)
        s->bpp_raw = top.raw;
    return err;
}

static sgp22_bpp_part part_of_list(uint32_t tag)
{
    switch (tag) {
    case SGP22_TAG_BPP_SEQUENCE_87_FIRST:
        return SGP22_BPP_PART_FIRST_SEQUENCE_OF87;
    case SGP22_TAG_BPP_SEQUENCE_88:
        return SGP22_BPP_PART_SEQUENCE_OF88;
    case SGP22_TAG_BPP_SEQUENCE_87_SECOND:
        return SGP22_BPP_PART_SECOND_SEQUENCE_OF87;
    default:
        return SGP22_BPP_PART_SEQUENCE_OF86;
    }
}

/* 2.5.5: the '87' lists travel with their first element; '88' and '86'
 * list headers travel alone. */
static bool header_takes_first_element(sgp22_bpp_part part)
{
    return part == SGP22_BPP_PART_FIRST_SEQUENCE_OF87 ||
           part == SGP22_BPP_PART_SECOND_SEQUENCE_OF87;
}

static void set_segment(sgp22_bpp_segment *out, sgp22_bpp_part part, const uint8_t *start,
                        const uint8_t *element_start, aw_slice element)
{
    out->part = part;
    out->header.ptr = start;
    out->header.len = (size_t)(element_start - start);
    out->element = element;
    out->bytes.ptr = start;
    out->bytes.len = out->header.len + element.len;
}

aw_err sgp22_bpp_splitter_next(sgp22_bpp_splitter *s, sgp22_bpp_segment *out)
{
    der_node n, element;
    aw_slice none = {NULL, 0};
    if (s == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (s->bpp_raw.ptr == NULL)
        return AW_ERR_STATE;
    if (!s->started) {
        aw_err err = der_read_node(&s->top, &n); /* BF23, checked by init */
        if (err != AW_OK)
            return err;
        s->started = true;
        set_segment(out, SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL, s->bpp_raw.ptr, n.raw.ptr,
                    n.raw);
        return AW_OK;
    }
    if (!der_reader_at_end(&s->list)) {
        aw_err err = der_read_node(&s->list, &element);
        if (err == AW_OK)
            set_segment(out, s->part, element.raw.ptr, element.raw.ptr, element.raw);
        return err;
    }
    aw_err err = der_read_node(&s->top, &n); /* AW_ERR_NOT_FOUND after A3 */
    if (err != AW_OK)
        return err;
    err = der_reader_enter(&s->top, &n, &s->list);
    if (err != AW_OK)
        return err;
    s->part = part_of_list(n.tag);
    if (header_takes_first_element(s->part) && !der_reader_at_end(&s->list)) {
        err = der_read_node(&s->list, &element);
        if (err == AW_OK)
            set_segment(out, s->part, n.raw.ptr, element.raw.ptr, element.raw);
        return err;
    }
    set_segment(out, s->part, n.raw.ptr, n.value.ptr, none);
    return AW_OK;
}

/* ---- eUICC side -------------------------------------------------------- */

/* Stages: what the next segment must open. */
enum {
    STAGE_BPP = 0,       /* BF36 header + BF23 */
    STAGE_LIST_A0 = 1,
    STAGE_LIST_A1 = 2,
    STAGE_LIST_A2_OR_A3 = 3,
    STAGE_LIST_A3 = 4,
    STAGE_DONE = 5,
};

/* Tag and definite length of a constructed TLV whose content follows in
 * later segments (X.690 8.1.2, 8.1.3, DER 10.1): the tag must be exactly
 * `tag`, the length minimal. */
static aw_err read_header(const uint8_t *p, size_t len, uint32_t tag, size_t *header_len,
                          size_t *content_len)
{
    size_t tag_len = der_tag_size(tag);
    if (len < tag_len + 1)
        return AW_ERR_DER_TRUNCATED;
    for (size_t i = 0; i < tag_len; i++)
        if (p[i] != (uint8_t)(tag >> (8 * (tag_len - 1 - i))))
            return AW_ERR_DER_UNEXPECTED_TAG;
    const uint8_t *l = p + tag_len;
    size_t avail = len - tag_len;
    if (l[0] < 0x80) {
        *content_len = l[0];
        *header_len = tag_len + 1;
        return AW_OK;
    }
    if (l[0] == 0x80)
        return AW_ERR_DER_INDEFINITE;
    size_t count = l[0] & 0x7Fu;
    if (count > DER_MAX_LENGTH_OCTETS)
        return AW_ERR_DER_LENGTH_OVERFLOW;
    if (avail - 1 < count)
        return AW_ERR_DER_TRUNCATED;
    if (l[1] == 0x00)
        return AW_ERR_DER_LENGTH;
    size_t value = 0;
    for (size_t i = 1; i <= count; i++)
        value = value << 8 | l[i];
    if (value < 0x80)
        return AW_ERR_DER_LENGTH;
    *content_len = value;
    *header_len = tag_len + 1 + count;
    return AW_OK;
}

/* Exactly one TLV with this tag filling data (the tag fixes whether it is
 * constructed: 87/88/86 primitive, BF23 constructed). */
static aw_err read_element(const uint8_t *data, size_t len, uint32_t tag, der_node *n)
{
    aw_err err = der_decode_single(data, len, n);
    if (err == AW_OK && n->tag != tag)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    return err;
}

static uint32_t element_tag(sgp22_bpp_part part)
{
    if (part == SGP22_BPP_PART_SEQUENCE_OF88)
        return SGP22_TAG_BPP_SEGMENT_88;
    if (part == SGP22_BPP_PART_SEQUENCE_OF86)
        return SGP22_TAG_BPP_SEGMENT_86;
    return SGP22_TAG_BPP_SEGMENT_87;
}

/* Take one element of the current list from data. */
static aw_err take_element(sgp22_bpp_stream *s, const uint8_t *data, size_t len,
                           sgp22_bpp_segment *out)
{
    der_node n;
    aw_err err = read_element(data, len, element_tag(s->part), &n);
    if (err != AW_OK)
        return err;
    if (n.raw.len > s->list_remaining)
        return AW_ERR_DER_TRUNCATED;
    s->list_remaining -= n.raw.len;
    s->bpp_remaining -= n.raw.len;
    out->element = n.raw;
    return AW_OK;
}

static aw_err open_list(sgp22_bpp_stream *s, const uint8_t *data, size_t len,
                        sgp22_bpp_segment *out)
{
    static const uint32_t list_tags[] = {
        SGP22_TAG_BPP_SEQUENCE_87_FIRST, SGP22_TAG_BPP_SEQUENCE_88,
        SGP22_TAG_BPP_SEQUENCE_87_SECOND, SGP22_TAG_BPP_SEQUENCE_86};
    size_t header_len, content_len;
    aw_err err = AW_ERR_DER_UNEXPECTED_TAG;
    uint32_t tag = 0;
    /* At STAGE_LIST_A2_OR_A3 either list may come: try A2, then A3. */
    for (unsigned i = 0; i < 4 && err == AW_ERR_DER_UNEXPECTED_TAG; i++) {
        bool allowed = (s->stage == STAGE_LIST_A0 && i == 0) ||
                       (s->stage == STAGE_LIST_A1 && i == 1) ||
                       (s->stage == STAGE_LIST_A2_OR_A3 && (i == 2 || i == 3)) ||
                       (s->stage == STAGE_LIST_A3 && i == 3);
        if (!allowed)
            continue;
        tag = list_tags[i];
        err = read_header(data, len, tag, &header_len, &content_len);
    }
    if (err != AW_OK)
        return err;
    if (header_len > s->bpp_remaining || content_len > s->bpp_remaining - header_len)
        return AW_ERR_DER_TRUNCATED;
    /* sequenceOf86 is the last component: nothing may follow it in BF36 */
    if (tag == SGP22_TAG_BPP_SEQUENCE_86 && content_len != s->bpp_remaining - header_len)
        return AW_ERR_DER_TRAILING;
    s->bpp_remaining -= header_len;
    s->list_remaining = content_len;
    s->part = part_of_list(tag);
    out->part = s->part;
    out->header.ptr = data;
    out->header.len = header_len;
    if (tag == SGP22_TAG_BPP_SEQUENCE_87_FIRST)
        s->stage = STAGE_LIST_A1;
    else if (tag == SGP22_TAG_BPP_SEQUENCE_88)
        s->stage = STAGE_LIST_A2_OR_A3;
    else if (tag == SGP22_TAG_BPP_SEQUENCE_87_SECOND)
        s->stage = STAGE_LIST_A3;
    else
        s->stage = STAGE_DONE;
    if (len > header_len) /* the list's first element may travel with it */
        return take_element(s, data + header_len, len - header_len, out);
    return AW_OK;
}

static aw_err open_bpp(sgp22_bpp_stream *s, const uint8_t *data, size_t len,
                       sgp22_bpp_segment *out)
{
    size_t header_len, content_len;
    der_node n;
    aw_err err = read_header(data, len, SGP22_TAG_BOUND_PROFILE_PACKAGE, &header_len,
                             &content_len);
    if (err == AW_OK)
        err = read_element(data + header_len, len - header_len,
                           SGP22_TAG_INITIALISE_SECURE_CHANNEL, &n);
    if (err != AW_OK)
        return err;
    if (n.raw.len > content_len)
        return AW_ERR_DER_TRUNCATED;
    s->bpp_remaining = content_len - n.raw.len;
    s->stage = STAGE_LIST_A0;
    out->part = SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL;
    out->header.ptr = data;
    out->header.len = header_len;
    out->element = n.raw;
    return AW_OK;
}

void sgp22_bpp_stream_init(sgp22_bpp_stream *s)
{
    memset(s, 0, sizeof(*s));
    s->stage = STAGE_BPP;
}

aw_err sgp22_bpp_stream_feed(sgp22_bpp_stream *s, const uint8_t *data, size_t len,
                             sgp22_bpp_segment *out)
{
    aw_err err;
    if (s == NULL || out == NULL || (data == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (s->failed || (s->stage == STAGE_DONE && s->list_remaining == 0))
        return AW_ERR_STATE;
    if (len == 0)
        err = AW_ERR_DER_TRUNCATED;
    else if (s->stage == STAGE_BPP)
        err = open_bpp(s, data, len, out);
    else if (s->list_remaining > 0) {
        out->part = s->part;
        err = take_element(s, data, len, out);
    } else
        err = open_list(s, data, len, out);
    if (err != AW_OK) {
        s->failed = true;
        memset(out, 0, sizeof(*out));
        return err;
    }
    out->bytes.ptr = data;
    out->bytes.len = len;
    return AW_OK;
}

bool sgp22_bpp_stream_complete(const sgp22_bpp_stream *s)
{
    return !s->failed && s->stage == STAGE_DONE && s->list_remaining == 0;
}
