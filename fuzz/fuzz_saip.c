/* libFuzzer target: the SAIP profile package parser and personalisation
 * (src/core/saip*.c). Anything the parser accepts must re-encode byte for
 * byte; every getter must run cleanly; and after setting each field the
 * package must still parse, give the value back, and re-encode exactly.
 *
 * Seeds (fuzz/corpus/fuzz_saip/) were written by our own builder:
 *   airwrite-saip build --iccid .. --imsi .. --ki .. --opc .. [--msisdn ..]
 *       [--algorithm ..] --puk1 .. --puk2 .. --adm1 .. -o SEED
 * (see the seed names for the variant: milenage+MSISDN, TUAK 256, test
 * algorithm without MSISDN). */
#include <stdlib.h>
#include <string.h>

#include "core/saip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode_exact(const saip_profile *p, const uint8_t *data, size_t size)
{
    uint8_t *out;
    size_t out_len;
    if (saip_profile_encode(p, &out, &out_len) != AW_OK)
        abort();
    if (out_len != size || memcmp(out, data, size) != 0)
        abort(); /* an accepted package must re-encode byte-exact */
    der_bytes_free(out, out_len);
}

static void read_fields(const saip_profile *p)
{
    char text[32];
    saip_aka aka;
    unsigned major, minor;
    (void)saip_get_iccid(p, text);
    (void)saip_get_imsi(p, text);
    (void)saip_get_msisdn(p, text);
    (void)saip_get_aka(p, &aka);
    (void)saip_get_version(p, &major, &minor);
    saip_aka_cleanse(&aka);
    static uint8_t content[1u << 16];
    static const saip_pe_type types[] = {SAIP_PE_MF, SAIP_PE_TELECOM, SAIP_PE_USIM, SAIP_PE_OPT_USIM,
                                         SAIP_PE_IOT};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        for (unsigned number = 0; number < 26; number++) {
            size_t len;
            if (saip_get_file_content(p, types[t], number, content, sizeof(content), &len) == AW_OK &&
                len > sizeof(content))
                abort();
        }
    }
    for (size_t i = 0; i < saip_profile_element_count(p); i++) {
        saip_element_info e;
        (void)saip_profile_element(p, i, &e);
        (void)saip_pe_type_name(e.type);
    }
}

/* After a successful set, the result parses and re-encodes exactly. */
static void check_still_valid(const saip_profile *p)
{
    uint8_t *out;
    size_t out_len;
    saip_profile *again;
    if (saip_profile_encode(p, &out, &out_len) != AW_OK)
        abort();
    if (saip_profile_parse(out, out_len, &again) != AW_OK)
        abort();
    reencode_exact(again, out, out_len);
    saip_profile_free(again);
    der_bytes_free(out, out_len);
}

static void personalise(saip_profile *p)
{
    char text[32];
    if (saip_set_iccid(p, "8988211000000012347") == AW_OK) {
        if (saip_get_iccid(p, text) == AW_OK && strcmp(text, "8988211000000012347") != 0)
            abort();
        check_still_valid(p);
    }
    if (saip_set_imsi(p, "310410123456789") == AW_OK) {
        if (saip_get_imsi(p, text) != AW_OK || strcmp(text, "310410123456789") != 0)
            abort();
        check_still_valid(p);
    }
    if (saip_set_msisdn(p, "+4915112345678") == AW_OK) {
        if (saip_get_msisdn(p, text) != AW_OK || strcmp(text, "+4915112345678") != 0)
            abort();
        check_still_valid(p);
    }
    saip_aka aka;
    memset(&aka, 0, sizeof(aka));
    aka.algorithm = SAIP_ALGORITHM_TUAK;
    aka.key_len = 32;
    aka.opc_len = 32;
    memset(aka.key, 0x42, sizeof(aka.key));
    memset(aka.opc, 0x24, sizeof(aka.opc));
    if (saip_set_aka(p, &aka) == AW_OK) {
        saip_aka got;
        if (saip_get_aka(p, &got) != AW_OK || got.key_len != 32 ||
            memcmp(got.key, aka.key, 32) != 0)
            abort();
        saip_aka_cleanse(&got);
        check_still_valid(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saip_profile *p;
    if (saip_profile_parse(data, size, &p) != AW_OK)
        return 0;
    reencode_exact(p, data, size);
    read_fields(p);
    personalise(p);
    saip_profile_free(p);
    return 0;
}
