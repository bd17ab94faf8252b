/* libFuzzer target: the eUICC APDU entry point (src/euicc/card.c).
 * Input: one protocol byte (bit 0: T=1), then APDUs each prefixed by a
 * length byte, sent in order to one card. Every response must fit the
 * buffer and end in a status word equal to the returned one. */
#include <stdlib.h>
#include <string.h>

#include "euicc/card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum euicc_sw echo_handler(void *ctx, unsigned channel, const uint8_t *command,
                                  size_t len, uint8_t **response, size_t *response_len)
{
    (void)ctx;
    (void)channel;
    if (len > 0 && command[0] == 0xFF)
        return EUICC_SW_INCORRECT_DATA;
    /* answer twice the command, so long responses and 61xx paths are hit */
    *response = malloc(2 * len);
    if (*response == NULL)
        return EUICC_SW_TECHNICAL_PROBLEM;
    memcpy(*response, command, len);
    memcpy(*response + len, command, len);
    *response_len = 2 * len;
    return EUICC_SW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    euicc_card card;
    euicc_card_init(&card, (data[0] & 1) ? EUICC_PROTOCOL_T1 : EUICC_PROTOCOL_T0, echo_handler,
                    NULL);
    size_t pos = 1;
    while (pos < size) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        uint8_t *apdu = malloc(len ? len : 1); /* exact size for ASan */
        if (apdu == NULL)
            break;
        memcpy(apdu, data + pos, len);
        pos += len;
        uint8_t resp[EUICC_CARD_RESPONSE_MAX];
        size_t resp_len;
        enum euicc_sw sw = euicc_card_transmit(&card, apdu, len, resp, sizeof(resp), &resp_len);
        free(apdu);
        if (resp_len < 2 || resp_len > sizeof(resp) ||
            ((unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1]) != (unsigned)sw)
            abort();
        if (data[0] & 0x80)
            euicc_card_reset(&card);
    }
    euicc_card_free(&card);
    return 0;
}
