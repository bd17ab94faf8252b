/* airwrite core: helpers shared by the SGP.32 codecs (named-bit BIT STRINGs,
 * raw SEQUENCE OF iteration, implicit-tag Certificates). SGP.32 2.1.3. */
#include "core/sgp32_common.h"

#include <string.h>

uint32_t sgp32_bit_string_flags(const sgp32_bit_string *bits)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < bits->bytes.len && i < 4; i++)
        for (unsigned bit = 0; bit < 8; bit++)
            if (bits->bytes.ptr[i] & (0x80u >> bit))
                flags |= 1u << (i * 8 + bit);
    return flags;
}

void sgp32_bit_string_from_flags(uint32_t flags, uint8_t storage[4], sgp32_bit_string *out)
{
    unsigned highest = 0; /* number of named bits up to the last one set */
    memset(storage, 0, 4);
    for (unsigned n = 0; n < 32; n++) {
        if (flags & (1u << n)) {
            storage[n / 8] |= (uint8_t)(0x80u >> (n % 8));
            highest = n + 1;
        }
    }
    /* X.690 11.2.2: trailing zero bits of a named bit list are removed */
    out->bytes.ptr = storage;
    out->bytes.len = (highest + 7) / 8;
    out->unused_bits = (unsigned)(out->bytes.len * 8 - highest);
}

aw_err sgp32_list_iterator_init(sgp32_list_iterator *it, aw_slice list_tlv)
{
    der_node n;
    der_reader_init(&it->reader, NULL, 0);
    aw_err err = der_decode_single(list_tlv.ptr, list_tlv.len, &n);
    if (err != AW_OK)
        return err;
    if (!n.constructed)
        return AW_ERR_DER_PRIMITIVE;
    der_reader_init(&it->reader, n.value.ptr, n.value.len);
    return AW_OK;
}

aw_err sgp32_list_next(sgp32_list_iterator *it, aw_slice *element)
{
    der_node n;
    element->ptr = NULL;
    element->len = 0;
    aw_err err = der_read_node(&it->reader, &n);
    if (err == AW_OK)
        *element = n.raw;
    return err;
}

aw_err sgp32_retag_as_sequence(aw_slice tagged_tlv, uint8_t **out, size_t *out_len)
{
    der_node n;
    *out = NULL;
    *out_len = 0;
    aw_err err = der_decode_single(tagged_tlv.ptr, tagged_tlv.len, &n);
    if (err != AW_OK)
        return err;
    if (!n.constructed)
        return AW_ERR_DER_PRIMITIVE;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_raw(&b, n.value.ptr, n.value.len);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}
