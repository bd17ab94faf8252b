/* Helpers for the IPA tests (test code only): two ipa_transport
 * implementations. card_transport drives an in-process software eUICC
 * (euicc_transmit) with raw APDUs and logs every command; script_transport
 * answers from a list of canned hex responses, logs the commands, and can
 * fail a transmit on demand, for the error paths of the shared layers. */
#ifndef AIRWRITE_TESTS_IPA_TESTUTIL_H
#define AIRWRITE_TESTS_IPA_TESTUTIL_H

#include "euicc_isdr_testutil.h"

#include "ipa/ipa.h"

#define TEST_LOG_MAX 600

typedef struct test_apdu_log {
    size_t count;
    char *apdus[TEST_LOG_MAX]; /* hex */
} test_apdu_log;

static inline void test_log_apdu(test_apdu_log *log, const uint8_t *apdu, size_t len)
{
    if (log->count == TEST_LOG_MAX)
        return;
    char *hex = malloc(2 * len + 1);
    assert_non_null(hex);
    aw_hex_encode(apdu, len, hex, true);
    log->apdus[log->count++] = hex;
}

static inline void test_log_clear(test_apdu_log *log)
{
    for (size_t i = 0; i < log->count; i++)
        free(log->apdus[i]);
    log->count = 0;
}

/* ---- in-process eUICC --------------------------------------------------- */

typedef struct card_transport {
    ipa_transport base;
    euicc *card;
    test_apdu_log log;
} card_transport;

static inline aw_err card_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                                   size_t len, uint8_t *response, size_t *response_len)
{
    card_transport *c = (card_transport *)t;
    (void)channel;
    test_log_apdu(&c->log, command, len);
    euicc_transmit(c->card, command, len, response, IPA_APDU_RESPONSE_MAX, response_len);
    return AW_OK;
}

static inline void card_destroy(ipa_transport *t)
{
    card_transport *c = (card_transport *)t;
    test_log_clear(&c->log);
    free(c);
}

static const ipa_transport_ops card_transport_ops = {
    .name = "card",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = card_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = card_destroy,
};

static inline card_transport *card_transport_new(euicc *card)
{
    card_transport *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->base.ops = &card_transport_ops;
    c->card = card;
    return c;
}

/* ---- scripted responses ------------------------------------------------- */

typedef struct script_transport {
    ipa_transport base;
    const char *const *responses; /* hex (spaces allowed), NULL-terminated */
    size_t next;
    size_t fail_at;               /* transmit number that fails with fail_err (0: none) */
    aw_err fail_err;
    test_apdu_log log;
} script_transport;

static inline aw_err script_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                                     size_t len, uint8_t *response, size_t *response_len)
{
    script_transport *s = (script_transport *)t;
    (void)channel;
    test_log_apdu(&s->log, command, len);
    if (s->fail_at != 0 && s->log.count == s->fail_at)
        return s->fail_err;
    const char *hex = s->responses[s->next];
    assert_non_null(hex); /* the script ran out: the code sent more than expected */
    s->next++;
    char compact[2 * IPA_APDU_RESPONSE_MAX + 1];
    size_t k = 0;
    for (size_t i = 0; hex[i] != '\0' && k + 1 < sizeof(compact); i++)
        if (hex[i] != ' ')
            compact[k++] = hex[i];
    compact[k] = '\0';
    assert_int_equal(aw_hex_decode(compact, response, IPA_APDU_RESPONSE_MAX, response_len), AW_OK);
    return AW_OK;
}

static inline void script_destroy(ipa_transport *t)
{
    test_log_clear(&((script_transport *)t)->log);
}

static const ipa_transport_ops script_transport_ops = {
    .name = "script",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = script_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = script_destroy,
};

static inline void script_init(script_transport *s, const char *const *responses)
{
    memset(s, 0, sizeof(*s));
    s->base.ops = &script_transport_ops;
    s->responses = responses;
}

#endif
