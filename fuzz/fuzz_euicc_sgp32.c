/* libFuzzer target: the SGP.32 functions of the software eUICC
 * (src/euicc/sgp32_*.c) through the ISD-R dispatcher: LoadEuiccPackage
 * (BF51, SGP.32 5.9.1), IpaEuiccDataRequest (BF52, 2.11.2),
 * EimAcknowledgements (BF53, 6.3.2.7), GetEimConfigurationData (BF55,
 * 5.9.18), AddInitialEim (BF57, 5.9.16), ProfileRollback (BF58),
 * ConfigureImmediateProfileEnabling (BF59), ImmediateEnable (BF5A) and
 * EuiccMemoryReset (BF64, 5.9.5). Input: one command TLV. The
 * eUICC is made once per process (test PKI with AW_PKI_DEFAULT_EID, a
 * temporary state directory removed at exit) with two profiles and the
 * fixed eIM of tests/euicc_sgp32_fuzz_eim.h, whose counterValue is reset
 * to 0 before each input so seeded packages (signed with that eIM's key)
 * reach the PSMOs and eCOs every time. Properties: no crash, a status word
 * of SGP.22 5.7.2, and every 9000 response is empty (BF53) or exactly one
 * well-formed DER TLV. */
#include "../tests/euicc_sgp32_fuzz_eim.h"
#include "fuzz_euicc_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *eim_key_data;
static size_t eim_key_data_len;

static void free_eim_key_data(void)
{
    free(eim_key_data);
}

/* Two profiles and the fixed eIM at counterValue 0 (in memory; the next
 * commit writes it). */
static void prepare(euicc *card)
{
    static const uint8_t iccid1[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x10, 0xF4};
    static const uint8_t iccid2[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0x20, 0xF2};
    euicc_state *s = card->state;
    if (eim_key_data == NULL) {
        crypto_key *key = NULL;
        fuzz_check(fuzz_eim_key(&key));
        fuzz_check(fuzz_eim_key_data(key, &eim_key_data, &eim_key_data_len));
        crypto_key_free(key);
        atexit(free_eim_key_data);
    }
    fuzz_euicc_install(card, "8944500000000000014", iccid1, true, 0);
    fuzz_euicc_install(card, "8944500000000000022", iccid2, true, 0);
    sgp32_eim_configuration_data eim;
    int index = euicc_find_eim(s, (aw_slice){(const uint8_t *)FUZZ_EIM_ID, strlen(FUZZ_EIM_ID)},
                               &eim);
    if (index < 0) {
        uint8_t *encoded = NULL;
        size_t encoded_len = 0;
        fuzz_eim_configuration((aw_slice){eim_key_data, eim_key_data_len}, &eim);
        fuzz_check(sgp32_encode_eim_configuration_data(&eim, &encoded, &encoded_len));
        if (s->eim_count >= EUICC_MAX_EIMS)
            euicc_state_remove_eim(s, 0);
        fuzz_check(euicc_state_add_eim(s, (aw_slice){encoded, encoded_len}));
        free(encoded);
    } else {
        fuzz_check(euicc_eim_set_counter(s, (size_t)index, 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    euicc *card = fuzz_euicc_get("sgp32");
    prepare(card);
    fuzz_euicc_run(card, data, size);
    return 0;
}
