/* airwrite IPA: transport-independent APDU handling. ISO/IEC 7816-4 5.1
 * (APDUs), 5.4.1 and ETSI TS 102 221 10.1.1 (class byte, logical channels),
 * ISO/IEC 7816-3 12.2 (T=0: 61xx GET RESPONSE, 6Cxx re-issue), TS 102 221
 * 11.1.17 (MANAGE CHANNEL) and 11.1.1 (SELECT). See transport.h. */
#include "ipa/transport.h"

#include <assert.h>
#include <string.h>

#define INS_GET_RESPONSE 0xC0u
#define INS_MANAGE_CHANNEL 0x70u
#define INS_SELECT 0xA4u
/* A card that keeps answering 61xx / 6Cxx without data must not hold us;
 * rounds that bring data are bounded by the caller's capacity. */
#define MAX_EMPTY_ROUNDS 8

void ipa_transport_close(ipa_transport *t)
{
    if (t != NULL)
        t->ops->destroy(t);
}

aw_err ipa_transport_open_channel(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                                  unsigned *channel)
{
    *channel = 0;
    if (aid_len < 5 || aid_len > 16) /* ISO/IEC 7816-4 8.2.1.2: AIDs are 5..16 bytes */
        return AW_ERR_ARGUMENT;
    aw_err err = t->ops->open_channel(t, aid, aid_len, channel);
    if (err == AW_OK && (*channel == 0 || *channel > IPA_CHANNEL_MAX)) {
        t->ops->close_channel(t, *channel);
        *channel = 0;
        return AW_ERR_IPA_NO_CHANNEL;
    }
    return err;
}

aw_err ipa_transport_close_channel(ipa_transport *t, unsigned channel)
{
    if (channel == 0 || channel > IPA_CHANNEL_MAX)
        return AW_ERR_ARGUMENT;
    return t->ops->close_channel(t, channel);
}

uint8_t ipa_apdu_class(uint8_t cla, unsigned channel)
{
    /* secure messaging is never used by the IPA, so only b8 survives */
    uint8_t proprietary = cla & 0x80u;
    if (channel <= 3)
        return (uint8_t)(proprietary | channel);
    return (uint8_t)(proprietary | 0x40u | ((channel - 4) & 0x0Fu));
}

/* One raw exchange; the transport must hand back at least SW1 SW2. */
static aw_err exchange_once(ipa_transport *t, unsigned channel, const uint8_t *command,
                            size_t len, uint8_t *raw, size_t *raw_len, uint16_t *sw)
{
    *raw_len = 0;
    aw_err err = t->ops->transmit(t, channel, command, len, raw, raw_len);
    if (err != AW_OK)
        return err;
    assert(*raw_len <= IPA_APDU_RESPONSE_MAX); /* the transport filled our buffer */
    if (*raw_len < 2)
        return AW_ERR_IPA_PROTOCOL;
    *sw = (uint16_t)(raw[*raw_len - 2] << 8 | raw[*raw_len - 1]);
    *raw_len -= 2;
    return AW_OK;
}

aw_err ipa_transport_exchange(ipa_transport *t, unsigned channel, const uint8_t *command,
                              size_t len, uint8_t *response, size_t cap, size_t *response_len,
                              uint16_t *sw)
{
    uint8_t apdu[IPA_APDU_COMMAND_MAX];
    uint8_t raw[IPA_APDU_RESPONSE_MAX];
    size_t apdu_len = len, raw_len = 0;
    *response_len = 0;
    *sw = 0;
    if (len < 4 || len > sizeof(apdu) || channel > IPA_CHANNEL_MAX)
        return AW_ERR_ARGUMENT;
    memcpy(apdu, command, len);
    apdu[0] = ipa_apdu_class(apdu[0], channel);
    for (int empty_rounds = 0; empty_rounds < MAX_EMPTY_ROUNDS;) {
        aw_err err = exchange_once(t, channel, apdu, apdu_len, raw, &raw_len, sw);
        if (err != AW_OK)
            return err;
        if (raw_len > cap - *response_len)
            return AW_ERR_IPA_RESPONSE_TOO_LONG;
        memcpy(response + *response_len, raw, raw_len);
        *response_len += raw_len;
        empty_rounds = raw_len == 0 ? empty_rounds + 1 : 0;
        uint8_t sw1 = (uint8_t)(*sw >> 8), sw2 = (uint8_t)*sw;
        if (sw1 == 0x61) {
            /* ISO/IEC 7816-3 12.2.2: GET RESPONSE on the same channel */
            apdu[0] = ipa_apdu_class(0x00, channel);
            apdu[1] = INS_GET_RESPONSE;
            apdu[2] = 0x00;
            apdu[3] = 0x00;
            apdu[4] = sw2;
            apdu_len = 5;
        } else if (sw1 == 0x6C) {
            /* wrong Le: the same command again with Le = SW2; only a
             * command with Le (case 2, or case 4) can be answered so */
            bool has_le = apdu_len == 5 || (apdu_len > 5 && apdu_len == 6u + apdu[4]);
            if (!has_le)
                return AW_ERR_IPA_PROTOCOL;
            apdu[apdu_len - 1] = sw2;
        } else {
            return AW_OK;
        }
    }
    return AW_ERR_IPA_PROTOCOL;
}

aw_err ipa_transport_raw_open_channel(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                                      unsigned *channel)
{
    uint8_t data[IPA_APDU_RESPONSE_MAX];
    size_t n = 0;
    uint16_t sw = 0;
    *channel = 0;
    /* TS 102 221 11.1.17: P1 00 open, P2 00 the card assigns, Le 01 */
    static const uint8_t manage_open[] = {0x00, INS_MANAGE_CHANNEL, 0x00, 0x00, 0x01};
    aw_err err = ipa_transport_exchange(t, 0, manage_open, sizeof(manage_open), data,
                                        sizeof(data), &n, &sw);
    if (err != AW_OK)
        return err;
    if (sw != 0x9000) {
        t->detail = sw;
        return AW_ERR_IPA_NO_CHANNEL;
    }
    if (n != 1 || data[0] == 0 || data[0] > IPA_CHANNEL_MAX)
        return AW_ERR_IPA_PROTOCOL;
    unsigned opened = data[0];
    uint8_t select[5 + 16 + 1] = {0x00, INS_SELECT, 0x04, 0x00, (uint8_t)aid_len};
    memcpy(select + 5, aid, aid_len);
    select[5 + aid_len] = 0x00;
    err = ipa_transport_exchange(t, opened, select, 6 + aid_len, data, sizeof(data), &n, &sw);
    if (err == AW_OK && sw != 0x9000) {
        t->detail = sw;
        err = AW_ERR_IPA_SELECT;
    }
    if (err != AW_OK) {
        ipa_transport_raw_close_channel(t, opened);
        return err;
    }
    *channel = opened;
    return AW_OK;
}

aw_err ipa_transport_raw_close_channel(ipa_transport *t, unsigned channel)
{
    uint8_t data[IPA_APDU_RESPONSE_MAX];
    size_t n = 0;
    uint16_t sw = 0;
    /* TS 102 221 11.1.17: P1 80 close, P2 the channel */
    const uint8_t manage_close[] = {0x00, INS_MANAGE_CHANNEL, 0x80, (uint8_t)channel};
    aw_err err = ipa_transport_exchange(t, 0, manage_close, sizeof(manage_close), data,
                                        sizeof(data), &n, &sw);
    if (err == AW_OK && sw != 0x9000) {
        t->detail = sw;
        err = AW_ERR_IPA_NO_CHANNEL;
    }
    return err;
}
