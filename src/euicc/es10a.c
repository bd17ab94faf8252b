/* airwrite eUICC: ES10a, the LPA's access to the configured addresses.
 *   GetEuiccConfiguredAddresses, SGP.22 5.7.3 (BF3C): the default SM-DP+
 *   address when one is set, and the root SM-DS address.
 *   SetDefaultDpAddress, SGP.22 5.7.4 (BF3F): sets the default SM-DP+
 *   address; an empty address removes it (5.7.3 then reports none). */
#include <string.h>

#include "core/sgp22_euicc_info.h"
#include "euicc/isdr_internal.h"

aw_err euicc_get_configured_addresses(euicc *card, const uint8_t *command, size_t len,
                                      uint8_t **response, size_t *response_len)
{
    sgp22_euicc_configured_addresses_request request;
    sgp22_euicc_configured_addresses_response addresses;
    const euicc_state *s = card->state;
    aw_err err = sgp22_decode_euicc_configured_addresses_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&addresses, 0, sizeof(addresses));
    addresses.has_default_dp_address = s->has_default_dp_address;
    addresses.default_dp_address =
        (aw_slice){(const uint8_t *)s->default_dp_address, strlen(s->default_dp_address)};
    addresses.root_ds_address =
        (aw_slice){(const uint8_t *)s->root_ds_address, strlen(s->root_ds_address)};
    return sgp22_encode_euicc_configured_addresses_response(&addresses, response, response_len);
}

aw_err euicc_set_default_dp_address(euicc *card, const uint8_t *command, size_t len,
                                    uint8_t **response, size_t *response_len)
{
    sgp22_set_default_dp_address_request request;
    sgp22_set_default_dp_address_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_set_default_dp_address_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    result.set_default_dp_address_result = SGP22_SET_DEFAULT_DP_ADDRESS_OK;
    aw_slice address = request.default_dp_address;
    if (address.len > EUICC_ADDRESS_MAX || memchr(address.ptr, 0, address.len) != NULL) {
        /* longer than any FQDN (RFC 1035: 255 octets) or with a NUL */
        result.set_default_dp_address_result = SGP22_SET_DEFAULT_DP_ADDRESS_UNDEFINED_ERROR;
    } else {
        s->has_default_dp_address = address.len > 0;
        if (address.len > 0)
            memcpy(s->default_dp_address, address.ptr, address.len);
        s->default_dp_address[address.len] = '\0';
        if (euicc_state_commit(s) != AW_OK)
            result.set_default_dp_address_result = SGP22_SET_DEFAULT_DP_ADDRESS_UNDEFINED_ERROR;
    }
    return sgp22_encode_set_default_dp_address_response(&result, response, response_len);
}
