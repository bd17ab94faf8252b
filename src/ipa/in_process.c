/* airwrite IPA: APDU transport to a card in the same process (a device
 * simulator running many software eUICCs, tests): each command APDU (ISO/IEC
 * 7816-4 5.1) is handed to the card's own APDU entry, as a reader would pass
 * it, and its response (data + SW1 SW2) comes back. Channels are opened
 * with MANAGE CHANNEL + SELECT on the basic channel like the PC/SC and vpcd
 * transports (transport.h, ipa_transport_raw_open_channel). */
#include "ipa/transport.h"

#include <stdlib.h>

typedef struct in_process_transport {
    ipa_transport base;
    ipa_in_process_transmit transmit;
    void *card;
} in_process_transport;

static aw_err in_process_transmit_apdu(ipa_transport *t, unsigned channel,
                                       const uint8_t *command, size_t len, uint8_t *response,
                                       size_t *response_len)
{
    in_process_transport *p = (in_process_transport *)t;
    (void)channel; /* coded in the class byte already */
    *response_len = 0;
    size_t n = 0;
    aw_err err = p->transmit(p->card, command, len, response, IPA_APDU_RESPONSE_MAX, &n);
    if (err != AW_OK)
        return err;
    /* a card writing past the buffer it was given broke its contract; a
     * response without a status word is the shared layer's protocol error */
    if (n > IPA_APDU_RESPONSE_MAX)
        return AW_ERR_IPA_PROTOCOL;
    *response_len = n;
    return AW_OK;
}

static void in_process_destroy(ipa_transport *t)
{
    free(t);
}

static const ipa_transport_ops in_process_ops = {
    .name = "in-process",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = in_process_transmit_apdu,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = in_process_destroy,
};

aw_err ipa_transport_open_in_process(ipa_in_process_transmit transmit, void *card,
                                     ipa_transport **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (transmit == NULL)
        return AW_ERR_ARGUMENT;
    in_process_transport *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    p->base.ops = &in_process_ops;
    p->transmit = transmit;
    p->card = card;
    *out = &p->base;
    return AW_OK;
}
