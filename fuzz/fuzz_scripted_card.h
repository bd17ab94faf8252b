/* A scripted card for the IPA fuzz targets (fuzz_ipa_es10,
 * fuzz_ipa_notification): each response is a length octet and that many
 * bytes of the input, from pos on; the input running out is the card going
 * away (AW_ERR_IO). Commands are ignored. */
#ifndef AIRWRITE_FUZZ_SCRIPTED_CARD_H
#define AIRWRITE_FUZZ_SCRIPTED_CARD_H

#include <string.h>

#include "ipa/ipa.h"

typedef struct fuzz_card {
    ipa_transport base;
    const uint8_t *data;
    size_t size, pos;
} fuzz_card;

static aw_err fuzz_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                            size_t len, uint8_t *response, size_t *response_len)
{
    fuzz_card *c = (fuzz_card *)t;
    (void)channel;
    (void)command;
    (void)len;
    *response_len = 0;
    if (c->pos >= c->size)
        return AW_ERR_IO; /* the card went away */
    size_t n = c->data[c->pos++];
    if (n > c->size - c->pos)
        n = c->size - c->pos;
    memcpy(response, c->data + c->pos, n);
    c->pos += n;
    *response_len = n;
    return AW_OK;
}

static void fuzz_destroy(ipa_transport *t)
{
    (void)t;
}

static const ipa_transport_ops fuzz_ops = {
    .name = "fuzz",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = fuzz_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = fuzz_destroy,
};

#endif
