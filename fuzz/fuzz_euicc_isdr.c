/* libFuzzer target: the ISD-R dispatcher (src/euicc/isdr.c) with the whole
 * ES10 function set behind it (SGP.22 5.7). Input: one ES10 command as
 * reassembled from STORE DATA. A fresh eUICC is made once per process (a
 * test PKI, a temporary state directory removed at exit:
 * fuzz_euicc_fixture.h) and keeps its
 * state from input to input, as a card does. Properties: no crash, a
 * status word of SGP.22 5.7.2, and every 9000 response is exactly one
 * well-formed DER TLV. */
#include "fuzz_euicc_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t iccid1[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    static const uint8_t iccid2[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x20, 0xF2};
    euicc *card = fuzz_euicc_get("isdr");
    if (card->state->profile_count < 2) {
        fuzz_euicc_install(card, "8944500000000000014", iccid1, true, 0);
        fuzz_euicc_install(card, "8944500000000000022", iccid2, false, SGP22_PPR1 | SGP22_PPR2);
    }
    fuzz_euicc_run(card, data, size);
    return 0;
}
