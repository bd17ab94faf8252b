/* libFuzzer target: the SGP.32 ESipa, IPA eUICC data and profile download
 * trigger decoders (src/core/sgp32_esipa.c, sgp32_esipa_eim.c, sgp32_ipa.c,
 * sgp32_trigger.c). Every decoder of the family gets the input; whatever one
 * accepts must re-encode to exactly the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_esipa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUND_TRIP(type)                                                          \
    do {                                                                          \
        sgp32_##type *v = calloc(1, sizeof(*v));                                  \
        uint8_t *out;                                                             \
        size_t out_len;                                                           \
        if (v == NULL)                                                            \
            abort();                                                              \
        if (sgp32_decode_##type(data, size, v) == AW_OK) {                        \
            if (sgp32_encode_##type(v, &out, &out_len) != AW_OK)                  \
                abort();                                                          \
            if (out_len != size || memcmp(out, data, size) != 0)                  \
                abort();                                                          \
            free(out);                                                            \
        }                                                                         \
        free(v);                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the two ESipa directions cover every member through their CHOICEs */
    ROUND_TRIP(esipa_message_from_ipa_to_eim);
    ROUND_TRIP(esipa_message_from_eim_to_ipa);
    /* members decoded on their own, as the IPA and eIM do per HTTP function */
    ROUND_TRIP(get_eim_package_response);
    ROUND_TRIP(provide_eim_package_result);
    ROUND_TRIP(provide_eim_package_result_response);
    ROUND_TRIP(transfer_eim_package_request);
    ROUND_TRIP(transfer_eim_package_response);
    ROUND_TRIP(ipa_euicc_data_request);
    ROUND_TRIP(ipa_euicc_data_response);
    ROUND_TRIP(ipa_capabilities);
    ROUND_TRIP(eim_acknowledgements);
    ROUND_TRIP(profile_download_trigger_request);
    ROUND_TRIP(profile_download_trigger_result);
    return 0;
}
