/* libFuzzer target: the device identity of card-device locking
 * (core/device_identity.h, docs/device-lock.md): the input as an
 * AuthenticateServerResponse whose euiccSigned1 DeviceInfo is turned into
 * digits (the eIM's path, before and beside the signature check), and as
 * binding text. Properties: accepted digits have the documented lengths,
 * go back to the same octets, and a binding accepted as text matches the
 * identity made from its own octets. */
#include <stdlib.h>
#include <string.h>

#include "core/device_identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_identity(const sgp22_device_info *info)
{
    device_identity id;
    if (device_identity_from_device_info(info, &id) != AW_OK) {
        if (id.tac[0] != '\0' || id.imei[0] != '\0')
            abort();
        return;
    }
    uint8_t tac[DEVICE_IDENTITY_TAC_OCTETS];
    size_t imei_len = strlen(id.imei);
    if (strlen(id.tac) != DEVICE_IDENTITY_TAC_DIGITS ||
        !device_identity_digits_to_octets(id.tac, tac, sizeof(tac)) ||
        memcmp(tac, info->tac.ptr, sizeof(tac)) != 0)
        abort();
    if (imei_len != 0) {
        uint8_t imei[DEVICE_IDENTITY_IMEI_OCTETS];
        if ((imei_len != DEVICE_IDENTITY_IMEI_DIGITS &&
             imei_len != DEVICE_IDENTITY_IMEISV_DIGITS) ||
            !device_identity_digits_to_octets(id.imei, imei, sizeof(imei)) ||
            memcmp(imei, info->imei.ptr, sizeof(imei)) != 0)
            abort();
        if (device_identity_check_text(id.imei) == AW_OK && !device_identity_matches(id.imei, &id))
            abort();
    }
    if (!device_identity_matches(id.tac, &id))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sgp22_authenticate_server_response *response = calloc(1, sizeof(*response));
    if (response == NULL)
        return 0;
    if (sgp22_decode_authenticate_server_response(data, size, response) == AW_OK &&
        response->kind == SGP22_RESPONSE_OK)
        check_identity(&response->ok.euicc_signed1.ctx_params1.device_info);
    free(response);
    /* a bare DeviceInfo (tag A1 as in CtxParams1) */
    sgp22_device_info info;
    if (sgp22_decode_device_info(data, size, DER_CTX_CONS(1), &info) == AW_OK)
        check_identity(&info);
    char text[24];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    if (device_identity_check_text(text) == AW_OK) {
        size_t len = strlen(text);
        if (len != 8 && len != 15 && len != 16)
            abort();
    }
    return 0;
}
