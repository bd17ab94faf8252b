/* The IPA's in-process transport (src/ipa/in_process.c): an ES10 session
 * on a software eUICC in the same process (MANAGE CHANNEL + SELECT of the
 * ISD-R, ES10c.GetEID and ES10b.GetEUICCInfo over STORE DATA), and every
 * error path: no transmit function, a card's error passed on, a card that
 * reports more than the buffer, a response without a status word. */
#include "ipa_testutil.h"

static test_euicc t;

static int setup(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    te_teardown(&t);
    return 0;
}

static aw_err card_apdu(void *card, const uint8_t *command, size_t len, uint8_t *response,
                         size_t cap, size_t *response_len)
{
    euicc_transmit(card, command, len, response, cap, response_len);
    return AW_OK;
}

static void test_es10_session(void **state)
{
    (void)state;
    ipa_transport *transport = NULL;
    ipa *session = NULL;
    uint8_t eid[SGP22_EID_SIZE];
    char eid_text[2 * SGP22_EID_SIZE + 1];
    assert_int_equal(ipa_transport_open_in_process(card_apdu, t.card, &transport), AW_OK);
    assert_string_equal(transport->ops->name, "in-process");
    assert_int_equal(ipa_open(transport, NULL, &session), AW_OK);
    assert_true(ipa_channel(session) >= 1);
    assert_int_equal(ipa_es10c_get_eid(session, eid), AW_OK);
    aw_hex_encode(eid, sizeof(eid), eid_text, true);
    assert_string_equal(eid_text, AW_PKI_DEFAULT_EID);
    sgp22_euicc_info2 info;
    assert_int_equal(ipa_es10b_get_euicc_info2(session, &info), AW_OK);
    ipa_close(session);
    ipa_transport_close(transport);
}

static void test_arguments(void **state)
{
    (void)state;
    ipa_transport *transport = (ipa_transport *)&t; /* must be reset to NULL */
    assert_int_equal(ipa_transport_open_in_process(NULL, t.card, &transport), AW_ERR_ARGUMENT);
    assert_null(transport);
    assert_int_equal(ipa_transport_open_in_process(card_apdu, t.card, NULL), AW_ERR_ARGUMENT);
}

static aw_err card_gone(void *card, const uint8_t *command, size_t len, uint8_t *response,
                        size_t cap, size_t *response_len)
{
    (void)card, (void)command, (void)len, (void)response, (void)cap;
    *response_len = 0;
    return AW_ERR_IO;
}

static aw_err card_overlong(void *card, const uint8_t *command, size_t len, uint8_t *response,
                            size_t cap, size_t *response_len)
{
    (void)card, (void)command, (void)len;
    response[0] = 0x90;
    response[1] = 0x00;
    *response_len = cap + 1; /* claims more than it was given */
    return AW_OK;
}

static aw_err card_mute(void *card, const uint8_t *command, size_t len, uint8_t *response,
                        size_t cap, size_t *response_len)
{
    (void)card, (void)command, (void)len, (void)cap;
    response[0] = 0x90;
    *response_len = 1; /* no whole status word */
    return AW_OK;
}

static void expect_open_error(ipa_in_process_transmit transmit, aw_err want)
{
    ipa_transport *transport = NULL;
    ipa *session = NULL;
    assert_int_equal(ipa_transport_open_in_process(transmit, NULL, &transport), AW_OK);
    assert_int_equal(ipa_open(transport, NULL, &session), want);
    assert_null(session);
    ipa_transport_close(transport);
}

static void test_card_errors(void **state)
{
    (void)state;
    expect_open_error(card_gone, AW_ERR_IO);
    expect_open_error(card_overlong, AW_ERR_IPA_PROTOCOL);
    expect_open_error(card_mute, AW_ERR_IPA_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_es10_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
        cmocka_unit_test(test_card_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
