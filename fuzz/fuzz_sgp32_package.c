/* libFuzzer target: the SGP.32 eUICC Package and eIM configuration decoders
 * (src/core/sgp32_package.c over the table codec sgp32_codec.c).
 * Every decoder of the family gets the input; whatever one accepts must
 * re-encode to exactly the same bytes (DER is canonical, and signed parts and
 * extensions are written back verbatim). */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_package.h"

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
    ROUND_TRIP(euicc_package_request);
    ROUND_TRIP(euicc_package_signed);
    ROUND_TRIP(euicc_package_result);
    ROUND_TRIP(euicc_package_result_data_signed);
    ROUND_TRIP(euicc_package_error_data_signed);
    ROUND_TRIP(eim_configuration_data);
    ROUND_TRIP(add_initial_eim_request);
    ROUND_TRIP(add_initial_eim_response);
    ROUND_TRIP(get_eim_configuration_data_request);
    ROUND_TRIP(get_eim_configuration_data_response);
    return 0;
}
