/* libFuzzer target: the IPA's handling of eIM answers (src/ipa
 * esipa_client.c, poll.c, poll_package.c; SGP.32 6.1 answer checks, 5.14.6
 * GetEimPackage, 5.14.7 ProvideEimPackageResult, 6.3.2.7
 * EimAcknowledgements) with both peers from the input: the eIM through a
 * custom ESipa HTTP exchange, the card through an APDU transport. Input:
 * two bytes (big-endian) of eIM stream length, the eIM stream, then the
 * card stream. eIM stream: answers, each a flags byte (bit 0: status 500
 * instead of 200, bit 1: a wrong Content-Type, bit 2: the exchange fails),
 * two length bytes and the body. Card stream: answers, each a length byte
 * and that many bytes (SW1 SW2 last). The poller opens the ISD-R, reads the
 * EID and runs up to three cycles (in memory, no journal). Properties: no
 * crash, no leak, a cycle ends with a typed error or a report. */
#include <stdlib.h>
#include <string.h>

#include "ipa/ipa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct stream {
    const uint8_t *data;
    size_t size, pos;
} stream;

typedef struct fuzz_card {
    ipa_transport base;
    stream s;
} fuzz_card;

static aw_err card_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                            size_t len, uint8_t *response, size_t *response_len)
{
    stream *s = &((fuzz_card *)t)->s;
    (void)channel;
    (void)command;
    (void)len;
    *response_len = 0;
    if (s->pos >= s->size)
        return AW_ERR_IO; /* the card went away */
    size_t n = s->data[s->pos++];
    if (n > s->size - s->pos)
        n = s->size - s->pos;
    memcpy(response, s->data + s->pos, n);
    s->pos += n;
    *response_len = n;
    return AW_OK;
}

static void card_destroy(ipa_transport *t)
{
    (void)t;
}

static const ipa_transport_ops card_ops = {
    .name = "fuzz",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = card_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = card_destroy,
};

static aw_err eim_post(void *userdata, const uint8_t *body, size_t len, int *status,
                       const char **content_type, aw_slice *answer)
{
    stream *s = userdata;
    (void)body;
    (void)len;
    if (s->size - s->pos < 3)
        return AW_ERR_HTTP_CONNECT; /* the eIM went away */
    uint8_t flags = s->data[s->pos];
    size_t n = (size_t)s->data[s->pos + 1] << 8 | s->data[s->pos + 2];
    s->pos += 3;
    if (n > s->size - s->pos)
        n = s->size - s->pos;
    *status = flags & 1 ? 500 : 200;
    *content_type = flags & 2 ? "text/html" : IPA_ESIPA_CONTENT_TYPE;
    *answer = (aw_slice){s->data + s->pos, n};
    s->pos += n;
    return flags & 4 ? AW_ERR_HTTP_TRANSFER : AW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t eim_len = (size_t)data[0] << 8 | data[1];
    if (eim_len > size - 2)
        eim_len = size - 2;
    stream eim = {data + 2, eim_len, 0};
    fuzz_card card = {.base = {.ops = &card_ops}, .s = {data + 2 + eim_len, size - 2 - eim_len, 0}};
    ipa_esipa_http http = {eim_post, &eim};
    ipa *session = NULL;
    ipa_esipa *esipa = NULL;
    ipa_poller *poller = NULL;
    if (ipa_open(&card.base, NULL, &session) != AW_OK)
        return 0;
    if (ipa_esipa_new_custom(&http, 4096, &esipa) == AW_OK) {
        ipa_poll_config config = {.session = session, .esipa = esipa};
        if (ipa_poller_new(&config, &poller) == AW_OK) {
            ipa_poll_report report;
            for (int i = 0; i < 3; i++)
                if (ipa_poll_once(poller, &report) == AW_OK &&
                    (report.event < IPA_POLL_NO_PACKAGE ||
                     report.event > IPA_POLL_DOWNLOAD_TRIGGER))
                    abort();
        }
    }
    ipa_poller_free(poller);
    ipa_esipa_free(esipa);
    ipa_close(session);
    return 0;
}
