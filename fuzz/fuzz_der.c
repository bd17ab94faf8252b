/* libFuzzer target: the strict DER reader (src/core/der.c).
 * Walks the whole tree, reads typed values from every primitive node, and
 * re-encodes what it read: anything the reader accepts must re-encode to the
 * same bytes (DER is canonical). */
#include <stdlib.h>
#include <string.h>

#include "core/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rebuild(der_builder *b, der_reader *r)
{
    der_node n;
    while (der_read_node(r, &n) == AW_OK) {
        if (n.constructed) {
            der_reader child;
            if (der_reader_enter(r, &n, &child) != AW_OK)
                abort(); /* der_validate passed, so entering must succeed */
            der_builder_begin(b, n.tag);
            rebuild(b, &child);
            der_builder_end(b);
        } else {
            bool bv;
            int64_t iv;
            unsigned unused;
            aw_slice s;
            (void)der_node_get_bool(&n, &bv);
            (void)der_node_get_int64(&n, &iv);
            (void)der_node_get_bit_string(&n, &unused, &s);
            der_put_slice(b, n.tag, n.value);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (der_validate(data, size, 0) != AW_OK)
        return 0;
    if (size == 0)
        return 0;
    der_reader r;
    der_reader_init(&r, data, size);
    der_builder b;
    der_builder_init(&b);
    rebuild(&b, &r);
    uint8_t *out;
    size_t out_len;
    if (der_builder_finish(&b, &out, &out_len) != AW_OK)
        abort();
    if (out_len != size || memcmp(out, data, size) != 0)
        abort(); /* accepted input must be canonical */
    free(out);
    return 0;
}
