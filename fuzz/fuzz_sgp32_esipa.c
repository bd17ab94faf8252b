/* libFuzzer target: the SGP.32 ESipa, IPA eUICC data and profile download
 * trigger decoders (src/core/sgp32_esipa.c, sgp32_esipa_eim.c, sgp32_ipa.c,
 * sgp32_trigger.c) and the minimizeEsipaBytes compact forms (sgp32_compact.c,
 * sgp32_compact_convert.c, sgp32_compact_esipa.c). Every decoder of the
 * family gets the input; whatever one accepts must re-encode to exactly the
 * same bytes. The IPA's minimization and the eIM's rebuild (with nothing
 * held) run on it too: they must fail cleanly or produce DER. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp32_compact.h"
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
    /* minimizeEsipaBytes */
    ROUND_TRIP(compact_authenticate_response_ok);
    ROUND_TRIP(compact_prepare_download_response_ok);
    ROUND_TRIP(compact_cancel_session_response_ok);
    ROUND_TRIP(compact_profile_installation_result);
    ROUND_TRIP(compact_other_signed_notification);
    uint8_t *out = NULL;
    size_t out_len = 0;
    static const uint8_t held[16] = {0x01};
    const sgp32_rebuild_context context = {
        .transaction_id = {held, sizeof(held)}, .server_address = {held, 4},
        .server_challenge = {held, sizeof(held)}, .smdp_oid = {held, 3},
        .notification_address = {held, 4}, .iccid = {held, 10}};
    der_node node;
    if (sgp32_rebuild_euicc_answer(data, size, &context, &out, &out_len) == AW_OK &&
        der_decode_single(out, out_len, &node) != AW_OK)
        abort();
    free(out);
    if (sgp32_minimize_euicc_answer(data, size, NULL, &out, &out_len) == AW_OK &&
        der_decode_single(out, out_len, &node) != AW_OK)
        abort();
    free(out);
    if (sgp32_minimize_esipa_message(data, size, NULL, &out, &out_len) == AW_OK &&
        der_decode_single(out, out_len, &node) != AW_OK)
        abort();
    free(out);
    return 0;
}
