/* ipa_esipa_notify (src/ipa/esipa_client.c): HandleNotificationEsipa
 * (SGP.32 6.3.2.4) is answered 204 No Content (6.1), which the exchange
 * functions refuse. Over the replaceable HTTP exchange
 * (ipa_esipa_new_custom): the message goes out byte for byte; 204 is
 * success; 200 (even with a well-formed answer) and 500 are
 * AW_ERR_IPA_ESIPA_HTTP_STATUS; a failed exchange keeps its error; a body
 * over the bound is AW_ERR_LIMIT; the same client goes on with
 * ipa_esipa_exchange_der (one client, one connection, for a whole
 * download), where 204 stays an error. The HTTPS path against the real eIM
 * is in test_ipa_download_indirect. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipa/ipa.h"

typedef struct fake_eim {
    aw_err err;                 /* what post returns */
    int status;
    const char *content_type;
    uint8_t body[256];
    size_t body_len;
    uint8_t seen[256];          /* what the IPA sent last */
    size_t seen_len;
    size_t posts;
} fake_eim;

static aw_err fake_post(void *userdata, const uint8_t *body, size_t len, int *status,
                        const char **content_type, aw_slice *answer)
{
    fake_eim *f = userdata;
    f->posts++;
    assert_true(len <= sizeof(f->seen));
    memcpy(f->seen, body, len);
    f->seen_len = len;
    *status = f->status;
    *content_type = f->content_type;
    *answer = (aw_slice){f->body, f->body_len};
    return f->err;
}

/* A HandleNotificationEsipa: BF3D { A0 { BF37 {} } } (the content is not
 * the client's business: it posts what it is given). */
static const uint8_t notification[] = {0xBF, 0x3D, 0x05, 0xA0, 0x03, 0xBF, 0x37, 0x00};

static ipa_esipa *fake_client(fake_eim *f, size_t max_response)
{
    ipa_esipa_http http = {fake_post, f};
    ipa_esipa *c = NULL;
    assert_int_equal(ipa_esipa_new_custom(&http, max_response, &c), AW_OK);
    return c;
}

/* GetEimPackageResponse eimPackageError noEimPackageAvailable, as the
 * fake's body */
static void set_no_package_answer(fake_eim *f)
{
    sgp32_esipa_message_from_eim_to_ipa m;
    memset(&m, 0, sizeof(m));
    m.kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m.get_eim_package_response.kind = SGP32_EIM_PACKAGE_ERROR;
    m.get_eim_package_response.eim_package_error = 1;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(sgp32_encode_esipa_message_from_eim_to_ipa(&m, &der, &len), AW_OK);
    assert_true(len <= sizeof(f->body));
    memcpy(f->body, der, len);
    f->body_len = len;
    free(der);
}

static void test_notify_204(void **state)
{
    (void)state;
    fake_eim f = {.status = 204};
    ipa_esipa *c = fake_client(&f, 0);
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)), AW_OK);
    assert_int_equal(f.posts, 1);
    assert_int_equal(f.seen_len, sizeof(notification));
    assert_memory_equal(f.seen, notification, sizeof(notification));
    ipa_esipa_free(c);
}

static void test_notify_other_status(void **state)
{
    (void)state;
    fake_eim f = {.status = 200, .content_type = IPA_ESIPA_CONTENT_TYPE};
    set_no_package_answer(&f);
    ipa_esipa *c = fake_client(&f, 0);
    /* a notification has no answer: 200 with one is not the binding */
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)),
                     AW_ERR_IPA_ESIPA_HTTP_STATUS);
    f.status = 500;
    f.body_len = 0;
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)),
                     AW_ERR_IPA_ESIPA_HTTP_STATUS);
    assert_int_equal(f.posts, 2);
    ipa_esipa_free(c);
}

static void test_notify_failed_exchange(void **state)
{
    (void)state;
    fake_eim f = {.status = 204, .err = AW_ERR_HTTP_TRANSFER};
    ipa_esipa *c = fake_client(&f, 0);
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)),
                     AW_ERR_HTTP_TRANSFER);
    ipa_esipa_free(c);
}

static void test_notify_over_bound(void **state)
{
    (void)state;
    fake_eim f = {.status = 204, .body_len = 65};
    ipa_esipa *c = fake_client(&f, 64);
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)), AW_ERR_LIMIT);
    f.body_len = 64;
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)), AW_OK);
    ipa_esipa_free(c);
}

/* One client for every message of a download: exchanges before and after
 * a notification, and 204 still refused where an answer is due. */
static void test_shared_client(void **state)
{
    (void)state;
    fake_eim f = {.status = 200, .content_type = IPA_ESIPA_CONTENT_TYPE};
    set_no_package_answer(&f);
    ipa_esipa *c = fake_client(&f, 0);
    static const uint8_t request[] = {0xBF, 0x4F, 0x00}; /* GetEimPackageRequest, as bytes */
    sgp32_esipa_message_from_eim_to_ipa answer;
    assert_int_equal(ipa_esipa_exchange_der(c, request, sizeof(request),
                                            SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, &answer),
                     AW_OK);
    f.status = 204;
    assert_int_equal(ipa_esipa_notify(c, notification, sizeof(notification)), AW_OK);
    assert_int_equal(ipa_esipa_exchange_der(c, request, sizeof(request),
                                            SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, &answer),
                     AW_ERR_IPA_ESIPA_HTTP_STATUS);
    f.status = 200;
    assert_int_equal(ipa_esipa_exchange_der(c, request, sizeof(request),
                                            SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE, &answer),
                     AW_OK);
    assert_int_equal(answer.get_eim_package_response.eim_package_error, 1);
    assert_int_equal(f.posts, 4);
    ipa_esipa_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_204),
        cmocka_unit_test(test_notify_other_status),
        cmocka_unit_test(test_notify_failed_exchange),
        cmocka_unit_test(test_notify_over_bound),
        cmocka_unit_test(test_shared_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
