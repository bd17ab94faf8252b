/* airwrite core: helpers shared by the SGP.32 codecs (named-bit BIT STRINGs,
 * raw SEQUENCE OF iteration, implicit-tag Certificates). SGP.32 2.1.3. */
#include "core/sgp32_common.h"

#include <string.h>

uint32_t sgp32_bit_string_flags(const sgp32_bit_string *bits)
{
    return der_named_bits_to_flags(bits->bytes);
}

void sgp32_bit_string_from_flags(uint32_t flags, uint8_t storage[4], sgp32_bit_string *out)
{
    out->bytes.ptr = storage;
    out->bytes.len = der_named_bits_from_flags(flags, storage, &out->unused_bits);
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
