/* libFuzzer target: SCP03t / BSP segment opening (src/core/scp03t.c,
 * SGP.22 2.6.4) with fixed keys. Received segments must never crash the
 * eUICC side, whatever they hold; in round-trip mode the input is plaintext
 * that must come back unchanged after protect then unprotect. */
#include <stdlib.h>
#include <string.h>

#include "core/scp03t.h"
#include "fuzz_crypto_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keep round trips small enough to stay fast. */
#define FUZZ_ROUND_TRIP_MAX 4096u

static void round_trip(uint8_t tag, scp03t_protection prot, const uint8_t *data, size_t size)
{
    if (size == 0 || size > FUZZ_ROUND_TRIP_MAX)
        return;
    scp03t_state tx, rx;
    scp03t_init(&tx, fuzz_key_enc, fuzz_key_mac, fuzz_key_mcv);
    scp03t_init(&rx, fuzz_key_enc, fuzz_key_mac, fuzz_key_mcv);
    der_builder segments, plain;
    der_builder_init(&segments);
    der_builder_init(&plain);
    if (scp03t_protect(&tx, tag, prot, data, size, &segments) != AW_OK
        || scp03t_unprotect(&rx, tag, prot, segments.buf, segments.len, &plain) != AW_OK
        || plain.len != size || memcmp(plain.buf, data, size) != 0
        || tx.block_counter != rx.block_counter
        || memcmp(tx.mac_chaining_value, rx.mac_chaining_value, 16) != 0)
        abort();
    der_builder_free(&segments);
    der_builder_free(&plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    uint8_t tag = fuzz_scp03t_tag(mode);
    scp03t_protection prot = (mode & FUZZ_SCP03T_MAC_ONLY) ? SCP03T_MAC_ONLY
                                                            : SCP03T_ENCRYPT_AND_MAC;
    data++;
    size--;
    if (mode & FUZZ_SCP03T_ROUND_TRIP) {
        round_trip(tag, prot, data, size);
        return 0;
    }
    scp03t_state st;
    uint8_t out[SCP03T_DATA_MAX];
    size_t out_len = 0;
    scp03t_init(&st, fuzz_key_enc, fuzz_key_mac, fuzz_key_mcv);
    if (size > 0)
        (void)scp03t_unprotect_segment(&st, tag, prot, data, size, out, sizeof(out), &out_len);
    scp03t_init(&st, fuzz_key_enc, fuzz_key_mac, fuzz_key_mcv);
    der_builder b;
    der_builder_init(&b);
    aw_err err = scp03t_unprotect(&st, tag, prot, data, size, &b);
    if (err == AW_OK && st.failed)
        abort();
    der_builder_free(&b);
    return 0;
}
