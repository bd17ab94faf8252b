/* libFuzzer target: the IPA's handling of a pushed eIM Package (src/ipa
 * push.c with the poll loop's steps behind it; SGP.32 6.3.2.8
 * ESipa.TransferEimPackage) with every peer from the input: the eIM's
 * TransferEimPackageRequest (the listener's POST body), the eIM answering
 * the IPA's ProvideEimPackageResult (a custom ESipa exchange), the card
 * answering its APDUs. Input: two bytes (big-endian) of request length,
 * the request, two bytes of eIM stream length, the eIM stream, then the
 * card stream. eIM stream: answers, each a flags byte (bit 0: status 500,
 * bit 1: a wrong Content-Type, bit 2: the exchange fails), two length bytes
 * and the body. Card stream: answers, each a length byte and that many
 * bytes (SW1 SW2 last). The request is handled twice (a journal in memory
 * between), an accepted trigger run. Properties: no crash, no leak; every
 * AW_OK carries an answer that decodes as the TransferEimPackageResponse
 * the outcome names. */
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
        return AW_ERR_IO;
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
        return AW_ERR_HTTP_CONNECT;
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

/* Take a two-byte length and that many bytes (fewer at the end). */
static stream take(const uint8_t **data, size_t *size)
{
    stream s = {NULL, 0, 0};
    if (*size < 2)
        return s;
    size_t n = (size_t)(*data)[0] << 8 | (*data)[1];
    if (n > *size - 2)
        n = *size - 2;
    s.data = *data + 2;
    s.size = n;
    *data += 2 + n;
    *size -= 2 + n;
    return s;
}

static void push_once(ipa_poller *poller, const stream *request)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    ipa_push_outcome outcome;
    aw_err err = ipa_push_handle(poller, request->data, request->size, &answer, &answer_len,
                                 &outcome);
    if (err == AW_OK) {
        sgp32_transfer_eim_package_response *r = malloc(sizeof(*r));
        if (r == NULL)
            abort();
        if (answer == NULL ||
            sgp32_decode_transfer_eim_package_response(answer, answer_len, r) != AW_OK ||
            r->kind != outcome.answer)
            abort();
        free(r);
        if (outcome.trigger != NULL) {
            ipa_poll_report report;
            (void)ipa_push_run_trigger(poller, outcome.trigger, outcome.trigger_len, &report);
        }
    } else if (answer != NULL || outcome.trigger != NULL) {
        abort(); /* no answer, no trigger without AW_OK */
    }
    ipa_push_outcome_clear(&outcome);
    free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stream request = take(&data, &size);
    stream eim = take(&data, &size);
    fuzz_card card = {.base = {.ops = &card_ops}, .s = {data, size, 0}};
    ipa_esipa_http http = {eim_post, &eim};
    ipa *session = NULL;
    ipa_esipa *esipa = NULL;
    ipa_poller *poller = NULL;
    if (request.data == NULL || ipa_open(&card.base, NULL, &session) != AW_OK)
        return 0;
    if (ipa_esipa_new_custom(&http, 4096, &esipa) == AW_OK) {
        ipa_poll_config config = {.session = session, .esipa = esipa};
        if (ipa_poller_new(&config, &poller) == AW_OK) {
            push_once(poller, &request);
            push_once(poller, &request);
        }
    }
    ipa_poller_free(poller);
    ipa_esipa_free(esipa);
    ipa_close(session);
    return 0;
}
