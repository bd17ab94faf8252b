/* airwrite IPA: ES10 commands over STORE DATA and response reassembly,
 * SGP.22 5.7.2 (ES10 transport) with GlobalPlatform Card Specification
 * 11.11 STORE DATA coding; T=0 response collection in transport.c. */
#include "ipa/es10_apdu.h"

#include <string.h>

#define CLA_STORE_DATA 0x80u
#define INS_STORE_DATA 0xE2u
/* SGP.22 5.7.2: P1 b8 = last block, b5..b1 = 1 (BER-TLV, no encryption info) */
#define P1_MORE_BLOCKS 0x11u
#define P1_LAST_BLOCK 0x91u
#define MAX_BLOCKS 256u /* P2 is the one-byte block number */

aw_err ipa_es10_transmit(ipa_transport *t, unsigned channel, size_t segment_size,
                         const uint8_t *command, size_t len, uint8_t *response, size_t cap,
                         size_t *response_len, uint16_t *sw)
{
    *response_len = 0;
    *sw = 0;
    if (len == 0 || segment_size == 0 || segment_size > IPA_SEGMENT_MAX)
        return AW_ERR_ARGUMENT;
    if ((len + segment_size - 1) / segment_size > MAX_BLOCKS)
        return AW_ERR_ARGUMENT;
    size_t offset = 0;
    for (unsigned block = 0; offset < len; block++) {
        size_t chunk = len - offset < segment_size ? len - offset : segment_size;
        bool last = offset + chunk == len;
        uint8_t apdu[IPA_APDU_COMMAND_MAX];
        apdu[0] = CLA_STORE_DATA;
        apdu[1] = INS_STORE_DATA;
        apdu[2] = last ? P1_LAST_BLOCK : P1_MORE_BLOCKS;
        apdu[3] = (uint8_t)block;
        apdu[4] = (uint8_t)chunk;
        memcpy(apdu + 5, command + offset, chunk);
        size_t apdu_len = 5 + chunk;
        if (last)
            apdu[apdu_len++] = 0x00; /* case 4: the response may carry 256 bytes */
        offset += chunk;
        size_t got = 0;
        aw_err err = ipa_transport_exchange(t, channel, apdu, apdu_len, response, cap, &got, sw);
        if (err != AW_OK)
            return err;
        if (!last && got != 0)
            return AW_ERR_IPA_PROTOCOL;
        *response_len = got;
        if (*sw != 0x9000)
            return AW_ERR_IPA_STATUS_WORD;
    }
    return AW_OK;
}
