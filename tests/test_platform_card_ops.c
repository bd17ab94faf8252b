/* Card operations end to end in one process (src/platform: card_ops.c,
 * card_ops_finish.c, card_ops_run.c, api_card_ops.c; src/eim
 * package_status.c): the platform's API over real HTTPS on loopback, its
 * worker queueing signed PSMOs at the eIM's database, and the real
 * software eUICC loading them as an IPA's poll hands them over (SGP.32
 * 2.11.1, ES10b.LoadEuiccPackage) with the eIM verifying and recording its
 * signed results (2.11.1.2). A card written by an order (two profiles, one
 * with a pool number) is enabled, disabled, enabled again, switched and
 * its profile deleted through POST /api/v1/cards/{eid}/operations; each
 * outcome shows in GET /cards/{eid}, its history (cause, actor), the pool
 * number (cooling after the delete) and card.operation.finished /
 * lifecycle.changed deliveries queued for the tenant's callback. Every
 * refusal: I1002 (bad operation, body, query), A5001 (unknown card, another
 * tenant's), A6001, A6002, A6003, A6004, I4001 and the idempotent repeat,
 * I1005; every failure code of the worker: W4001 (the eUICC's
 * profileNotInDisabledState), W4002, W4003, W4004 (the device never
 * polls), W4005, W4006. A worker stopping between the eIM's commit and the
 * platform's queues no second package. Responses are recorded for the
 * OpenAPI check. */
/* the HTTPS fixture's PEM writer and the eUICC fixture's share a name:
 * the first is renamed here, both stay private to their headers */
#define test_write_pem https_test_write_pem
#include "platform_api_testutil.h"
#undef test_write_pem
#include "psmo_testutil.h"

#include "core/db_queue.h"

#define EID AW_PKI_DEFAULT_EID
#define OPS_PATH "/api/v1/cards/" EID "/operations"
#define WATCH_MS 1000
#define TIMEOUT_MS 60000

static platform_token_pair token;
static psmo_fixture device;
static char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
static char msisdn[PLATFORM_MSISDN_MAX + 1];   /* the pool number of PSMO_ICCID1 */
static int64_t ops_clock;                      /* the worker's time, ahead of the API's */

/* The card written by an order of pool cmiot-pool-1: PSMO_ICCID1 with a
 * pool number, PSMO_ICCID2 without (what the executor records). */
static void card_written_by_order(void)
{
    char body[64];
    snprintf(body, sizeof(body), "%s\n", EID);
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, strlen(body), &batch),
                     AW_OK);
    batch->target_kind = PLATFORM_TARGET_NUMBER_POOL;
    snprintf(batch->target, sizeof(batch->target), "cmiot-pool-1");
    uint8_t hash[32] = {7};
    platform_order order;
    assert_int_equal(platform_order_create(fx.admin, &fx.app, NULL, hash, batch, NOW, &order,
                                           NULL),
                     AW_OK);
    platform_batch_free(batch);
    memcpy(order_id, order.order_id, sizeof(order_id));
    platform_number n;
    assert_int_equal(platform_number_reserve(fx.admin, "tenant-a", "cmiot-pool-1", order_id, EID,
                                             "executor", NOW, &n),
                     AW_OK);
    snprintf(msisdn, sizeof(msisdn), "%s", n.msisdn);
    platform_profile_record first = {.tenant = "tenant-a", .eid = EID, .iccid = PSMO_ICCID1,
                                     .imsi = n.imsi, .msisdn = n.msisdn,
                                     .profile_type = "iot-basic", .order_id = order_id};
    assert_int_equal(platform_profile_record_written(fx.admin, &first, "executor", NOW), AW_OK);
    platform_profile_record second = {.tenant = "tenant-a", .eid = EID, .iccid = PSMO_ICCID2,
                                      .profile_type = "iot-basic", .order_id = order_id};
    assert_int_equal(platform_profile_record_written(fx.admin, &second, "executor", NOW), AW_OK);
}

static int setup_ops(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX, .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    token = issue(NULL, NULL);
    psmo_fixture_setup(&device);
    card_written_by_order();
    platform_callback cb;
    assert_int_equal(platform_callback_register(fx.admin, fx.ring, &fx.app,
                                                "https://127.0.0.1:9/hook",
                                                "0123456789abcdef0123456789abcdef0123456789abcdef"
                                                "0123456789abcdef",
                                                PLATFORM_EVENT_ALL, NOW, &cb),
                     AW_OK);
    ops_clock = NOW;
    return 0;
}

static int teardown_ops(void **state)
{
    psmo_fixture_teardown(&device);
    return teardown(state);
}

/* One round of the worker at the worker's clock, advanced by advance_ms. */
static platform_card_ops_stats run_worker(db_connection *eim_db, int64_t advance_ms)
{
    ops_clock += advance_ms;
    platform_card_ops_config config = {.db = fx.admin, .eim_db = eim_db,
                                       .eim_keys = device.keys, .watch_ms = WATCH_MS,
                                       .result_timeout_ms = TIMEOUT_MS};
    platform_card_ops_stats stats = {0};
    assert_int_equal(platform_card_ops_run_once(&config, ops_clock, 10, &stats), AW_OK);
    return stats;
}

static reply post(const char *body, const char *key)
{
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH, .body = body,
                      .bearer = token.access_token, .idempotency_key = key};
    return call(&spec);
}

/* POST an operation the platform accepts: its id. */
static void accepted(const char *body, char id[PLATFORM_CARD_OP_ID_LENGTH + 1])
{
    reply r = post(body, NULL);
    assert_int_equal(r.status, 202);
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "accepted");
    snprintf(id, PLATFORM_CARD_OP_ID_LENGTH + 1, "%s",
             json_string_value(json_object_get(r.body, "operationId")));
    assert_int_equal(strlen(id), PLATFORM_CARD_OP_ID_LENGTH);
    reply_free(&r);
}

static json_t *get_json(const char *path)
{
    call_spec spec = {.method = AW_HTTP_METHOD_GET, .path = path, .bearer = token.access_token};
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    json_t *body = json_incref(r.body);
    reply_free(&r);
    return body;
}

static json_t *get_op(const char *id)
{
    char path[128];
    snprintf(path, sizeof(path), OPS_PATH "/%s", id);
    return get_json(path);
}

static void expect_op(const char *id, const char *status, const char *error_code,
                      const char *euicc_result)
{
    json_t *op = get_op(id);
    assert_string_equal(json_string_value(json_object_get(op, "status")), status);
    const char *code = json_string_value(json_object_get(op, "errorCode"));
    const char *result = json_string_value(json_object_get(op, "euiccResult"));
    if (error_code == NULL)
        assert_null(code);
    else
        assert_string_equal(code, error_code);
    if (euicc_result == NULL)
        assert_null(result);
    else
        assert_string_equal(result, euicc_result);
    json_decref(op);
}

static const char *profile_state(const char *iccid)
{
    static char state[PLATFORM_STATE_MAX + 1];
    platform_profile p;
    assert_int_equal(platform_profile_get(fx.admin, "tenant-a", iccid, &p), AW_OK);
    snprintf(state, sizeof(state), "%s", p.state);
    return state;
}

/* The whole path of one operation: accepted, sent, the device polls, done. */
static void operate(const char *body, char id[PLATFORM_CARD_OP_ID_LENGTH + 1])
{
    accepted(body, id);
    platform_card_ops_stats s = run_worker(device.eim_db, 0);
    assert_int_equal(s.sent, 1);
    expect_op(id, "sent", NULL, NULL);
    assert_true(psmo_fixture_poll(&device));
    s = run_worker(device.eim_db, WATCH_MS);
    assert_int_equal(s.succeeded, 1);
    expect_op(id, "succeeded", NULL, "ok"); /* the PSMO's result, named */
}

static int64_t deliveries(const char *type)
{
    db_param p = DB_PARAM_TEXT(type);
    int64_t n = 0;
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT COUNT(*) FROM platform_callback_deliveries "
                                    "WHERE event_type = ?",
                                    &p, 1, &n),
                     AW_OK);
    return n;
}

/* The data of the latest card.operation.finished event queued for the
 * tenant's callback. */
static json_t *last_finished(void)
{
    db_rows *rows = NULL;
    bool has_row = false;
    const uint8_t *body = NULL;
    size_t len = 0;
    assert_int_equal(db_query(fx.admin,
                              "SELECT body FROM platform_callback_deliveries WHERE event_type = "
                              "'card.operation.finished' ORDER BY seq DESC LIMIT 1",
                              NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_blob(rows, 0, &body, &len), AW_OK);
    json_t *event = json_loadb((const char *)body, len, 0, NULL);
    db_rows_free(rows);
    assert_non_null(event);
    assert_string_equal(json_string_value(json_object_get(event, "type")),
                        "card.operation.finished");
    json_t *data = json_incref(json_object_get(event, "data"));
    json_decref(event);
    return data;
}

static void test_operations(void **state)
{
    (void)state;
    char id[5][PLATFORM_CARD_OP_ID_LENGTH + 1];
    int64_t changed = deliveries("lifecycle.changed");
    operate("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id[0]);
    assert_string_equal(profile_state(PSMO_ICCID1), "enabled");
    operate("{\"operation\":\"disable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id[1]);
    assert_string_equal(profile_state(PSMO_ICCID1), "disabled");
    operate("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id[2]);
    assert_string_equal(profile_state(PSMO_ICCID1), "enabled");
    operate("{\"operation\":\"switch\",\"iccid\":\"" PSMO_ICCID1 "\",\"toIccid\":\"" PSMO_ICCID2
            "\"}",
            id[3]);
    assert_string_equal(profile_state(PSMO_ICCID1), "disabled");
    assert_string_equal(profile_state(PSMO_ICCID2), "enabled");
    operate("{\"operation\":\"delete\",\"iccid\":\"" PSMO_ICCID1 "\"}", id[4]);
    assert_string_equal(profile_state(PSMO_ICCID1), "deleted");
    /* the deleted profile's pool number rests (numbers.c cooling) */
    platform_number n;
    assert_int_equal(platform_number_get(fx.admin, "tenant-a", msisdn, &n), AW_OK);
    assert_string_equal(n.state, "cooling");

    /* GET /cards/{eid}: the profiles as the eUICC has them */
    json_t *card = get_json("/api/v1/cards/" EID);
    json_t *profiles = json_object_get(card, "profiles");
    assert_int_equal(json_array_size(profiles), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *p = json_array_get(profiles, i);
        const char *iccid = json_string_value(json_object_get(p, "iccid"));
        assert_string_equal(json_string_value(json_object_get(p, "state")),
                            strcmp(iccid, PSMO_ICCID1) == 0 ? "deleted" : "enabled");
    }
    json_decref(card);
    /* the history: every step with its cause and the worker as actor */
    call_spec card_spec = {.method = AW_HTTP_METHOD_GET, .path = "/api/v1/cards/" EID,
                           .bearer = token.access_token};
    expect_ok(&card_spec);
    json_t *history = get_json("/api/v1/cards/" EID "/history");
    json_t *events = json_object_get(history, "events");
    size_t by_ops = 0;
    bool implicit = false;
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        if (strcmp(json_string_value(json_object_get(e, "actor")), "card-ops") != 0)
            continue;
        by_ops++;
        const char *cause = json_string_value(json_object_get(e, "cause"));
        assert_non_null(strstr(cause, "cop_"));
        implicit = implicit || strstr(cause, "disabled by the enable of " PSMO_ICCID2) != NULL;
    }
    /* enable, disable, enable, switch (two records), delete */
    assert_int_equal(by_ops, 6);
    assert_true(implicit);
    json_decref(history);
    /* the list, oldest first, paged */
    json_t *list = get_json(OPS_PATH);
    assert_int_equal(json_array_size(json_object_get(list, "operations")), 5);
    assert_true(json_is_null(json_object_get(list, "nextCursor")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(list, "operations"), 3), "toIccid")),
                        PSMO_ICCID2);
    json_decref(list);
    call_spec page = {.method = AW_HTTP_METHOD_GET, .path = OPS_PATH, .query = "limit=2",
                      .bearer = token.access_token};
    reply r = call(&page);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "operations")), 2);
    assert_true(json_is_string(json_object_get(r.body, "nextCursor")));
    reply_free(&r);
    /* callbacks: one card.operation.finished per operation, lifecycle.changed per
     * record moved (six profile steps and the number's in_use -> cooling) */
    assert_int_equal(deliveries("card.operation.finished"), 5);
    json_t *data = last_finished();
    assert_string_equal(json_string_value(json_object_get(data, "status")), "succeeded");
    assert_string_equal(json_string_value(json_object_get(data, "euiccResult")), "ok");
    assert_string_equal(json_string_value(json_object_get(data, "eid")), EID);
    json_decref(data);
    assert_int_equal(deliveries("lifecycle.changed") - changed, 7);
    /* nothing left to do */
    platform_card_ops_stats s = run_worker(device.eim_db, 3600 * 1000);
    assert_int_equal(s.sent + s.succeeded + s.failed + s.waiting + s.retried, 0);
}

/* The API's refusals, one per code. */
static void test_refusals(void **state)
{
    (void)state;
    char other[33], id[PLATFORM_CARD_OP_ID_LENGTH + 1], path[160];
    /* I1002: an operation that does not exist, a missing or extra member,
     * toIccid without a switch, a bad ICCID, a query */
    static const char *const bad[] = {
        "{\"operation\":\"reboot\",\"iccid\":\"" PSMO_ICCID1 "\"}",
        "{\"operation\":\"enable\"}",
        "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\",\"x\":1}",
        "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\",\"toIccid\":\"" PSMO_ICCID2 "\"}",
        "{\"operation\":\"switch\",\"iccid\":\"" PSMO_ICCID1 "\"}",
        "{\"operation\":\"switch\",\"iccid\":\"" PSMO_ICCID1 "\",\"toIccid\":\"" PSMO_ICCID1 "\"}",
        "{\"operation\":\"enable\",\"iccid\":\"8944500000000000015\"}",
        "{\"operation\":1,\"iccid\":\"" PSMO_ICCID1 "\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH, .body = bad[i],
                          .bearer = token.access_token};
        expect_error(&spec, "I1002");
    }
    call_spec query = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH, .query = "x=1",
                       .body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}",
                       .bearer = token.access_token};
    expect_error(&query, "I1002");
    call_spec json = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH, .body = "[1]",
                      .bearer = token.access_token};
    expect_error(&json, "I1001");
    /* A5001: a card the platform does not have, and another tenant's */
    platform_test_eid(99, other);
    snprintf(path, sizeof(path), "/api/v1/cards/%s/operations", other);
    call_spec unknown = {.method = AW_HTTP_METHOD_POST, .path = path,
                         .body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}",
                         .bearer = token.access_token};
    expect_error(&unknown, "A5001");
    unknown.method = AW_HTTP_METHOD_GET;
    unknown.body = NULL;
    expect_error(&unknown, "A5001");
    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", &fx.app.limits, NOW,
                                         &app_b, secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    call_spec foreign = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH,
                         .body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}",
                         .app_id = app_b.app_id, .secret = secret_b,
                         .bearer = token_b.access_token};
    expect_error(&foreign, "A5001");
    foreign.method = AW_HTTP_METHOD_GET;
    foreign.body = NULL;
    expect_error(&foreign, "A5001");
    /* A6001: an ICCID of no profile of this card */
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH,
                      .body = "{\"operation\":\"enable\",\"iccid\":\"8944500000000000030\"}",
                      .bearer = token.access_token};
    expect_error(&spec, "A6001");
    /* A6002: disable an installed profile; switch from one not enabled */
    spec.body = "{\"operation\":\"disable\",\"iccid\":\"" PSMO_ICCID1 "\"}";
    expect_error(&spec, "A6002");
    spec.body = "{\"operation\":\"switch\",\"iccid\":\"" PSMO_ICCID1 "\",\"toIccid\":\"" PSMO_ICCID2
                "\"}";
    expect_error(&spec, "A6002");
    /* delete an enabled profile: SGP.22 5.7.18 wants it disabled first */
    operate("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    spec.body = "{\"operation\":\"delete\",\"iccid\":\"" PSMO_ICCID1 "\"}";
    expect_error(&spec, "A6002");
    spec.body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}";
    expect_error(&spec, "A6002");
    /* A6003: one operation of the card at a time */
    accepted("{\"operation\":\"disable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    spec.body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID2 "\"}";
    expect_error(&spec, "A6003");
    /* A6004: an operation id of nothing, and one of another card */
    call_spec get = {.method = AW_HTTP_METHOD_GET, .path = OPS_PATH "/cop_000000000000000000000000",
                     .bearer = token.access_token};
    expect_error(&get, "A6004");
    platform_profile_record r = {.tenant = "tenant-a", .eid = other, .iccid = "8944500000000000030",
                                 .profile_type = "iot-basic"};
    assert_int_equal(platform_profile_record_written(fx.admin, &r, "executor", NOW), AW_OK);
    snprintf(path, sizeof(path), "/api/v1/cards/%s/operations/%s", other, id);
    get.path = path;
    expect_error(&get, "A6004");
    get.path = OPS_PATH "/cop_000000000000000000000000";
    get.query = "x=1";
    expect_error(&get, "I1002");
    call_spec page = {.method = AW_HTTP_METHOD_GET, .path = OPS_PATH, .query = "limit=0",
                      .bearer = token.access_token};
    expect_error(&page, "I1002");
    /* I1005: another method */
    call_spec del = {.method = AW_HTTP_METHOD_DELETE, .path = OPS_PATH,
                     .bearer = token.access_token};
    reply d = call(&del);
    assert_int_equal(d.status, 405);
    assert_string_equal(d.header[REPLY_ALLOW], "GET, POST");
    reply_free(&d);
    del.path = OPS_PATH "/cop_000000000000000000000000";
    del.method = AW_HTTP_METHOD_POST;
    expect_error(&del, "I1005");
}

static void test_idempotency(void **state)
{
    (void)state;
    static const char body[] = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID2 "\"}";
    reply first = post(body, "op-key-1");
    assert_int_equal(first.status, 202);
    assert_null(first.header[REPLY_IDEMPOTENT_REPLAYED]);
    reply again = post(body, "op-key-1");
    assert_int_equal(again.status, 202);
    assert_string_equal(again.header[REPLY_IDEMPOTENT_REPLAYED], "true");
    assert_string_equal(json_string_value(json_object_get(again.body, "operationId")),
                        json_string_value(json_object_get(first.body, "operationId")));
    reply_free(&first);
    reply_free(&again);
    call_spec other = {.method = AW_HTTP_METHOD_POST, .path = OPS_PATH,
                       .body = "{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}",
                       .bearer = token.access_token, .idempotency_key = "op-key-1"};
    expect_error(&other, "I4001");
    other.idempotency_key = "bad key";
    expect_error(&other, "I1002");
}

/* W4001: the platform's records say disabled, the eUICC has the profile
 * enabled (enabled outside the platform): DeleteProfile refused with
 * profileNotInDisabledState, the profile stays as it was. */
static void test_euicc_refuses(void **state)
{
    (void)state;
    eim_operation enable = {.kind = EIM_OPERATION_ENABLE, .iccid = PSMO_ICCID2};
    assert_int_equal(eim_package_enqueue(device.eim_db, device.keys, EID, &enable, 1,
                                         db_clock_ms(), NULL, NULL),
                     AW_OK);
    assert_true(psmo_fixture_poll(&device));
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"delete\",\"iccid\":\"" PSMO_ICCID2 "\"}", id);
    assert_int_equal(run_worker(device.eim_db, 0).sent, 1);
    assert_true(psmo_fixture_poll(&device));
    assert_int_equal(run_worker(device.eim_db, WATCH_MS).failed, 1);
    expect_op(id, "failed", "W4001", "profileNotInDisabledState");
    assert_string_equal(profile_state(PSMO_ICCID2), "installed");
    assert_int_equal(deliveries("card.operation.finished"), 1);
    json_t *data = last_finished();
    assert_string_equal(json_string_value(json_object_get(data, "operationId")), id);
    assert_string_equal(json_string_value(json_object_get(data, "operation")), "delete");
    assert_string_equal(json_string_value(json_object_get(data, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(data, "errorCode")), "W4001");
    assert_string_equal(json_string_value(json_object_get(data, "euiccResult")),
                        "profileNotInDisabledState");
    json_decref(data);
    /* the card is free for the next operation */
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
}

/* W4004: the device never polls; the operation ends at its deadline. The
 * looks come at half the time waited, at most ten watch times apart. */
static void test_timeout(void **state)
{
    (void)state;
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    assert_int_equal(run_worker(device.eim_db, 0).sent, 1);      /* t = 0 */
    assert_int_equal(run_worker(device.eim_db, WATCH_MS - 1).waiting, 0);
    assert_int_equal(run_worker(device.eim_db, 1).waiting, 1);     /* t = 1 s: next 2 s */
    assert_int_equal(run_worker(device.eim_db, 29000).waiting, 1); /* t = 30 s: next 40 s */
    assert_int_equal(run_worker(device.eim_db, 9999).waiting, 0);
    assert_int_equal(run_worker(device.eim_db, 1).waiting, 1);     /* t = 40 s: next 50 s */
    assert_int_equal(run_worker(device.eim_db, 10000).waiting, 1); /* t = 50 s: the deadline */
    platform_card_ops_stats s = run_worker(device.eim_db, TIMEOUT_MS - 50000);
    assert_int_equal(s.failed, 1);
    expect_op(id, "failed", "W4004", NULL);
    assert_string_equal(profile_state(PSMO_ICCID1), "installed");
}

/* W4002 (a signed EuiccPackageError: the eUICC saw a higher counterValue
 * already) and W4003 (the IPA could not process the package). */
static void test_package_failures(void **state)
{
    (void)state;
    static const eim_operation list = {.kind = EIM_OPERATION_LIST_PROFILE_INFO};
    static const uint8_t tid[] = {1, 2, 3};
    eim_package_params params = {.eim_id = EIM_TEST_EIM_ID, .eid = EID, .counter_value = 5,
                                 .transaction_id = tid, .transaction_id_len = sizeof(tid)};
    uint8_t *package = NULL, *result = NULL;
    size_t package_len = 0, result_len = 0;
    assert_int_equal(eim_package_build(&params, &list, 1, eim_key_ring_find(device.keys, "eim"),
                                       &package, &package_len),
                     AW_OK);
    assert_int_equal(te_es10(&device.euicc, package, package_len, &result, &result_len), 0x9000);
    free(package);
    free(result);
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    run_worker(device.eim_db, 0);
    assert_true(psmo_fixture_poll(&device));
    run_worker(device.eim_db, WATCH_MS);
    expect_op(id, "failed", "W4002", "replayError");

    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    run_worker(device.eim_db, 0);
    assert_int_equal(eim_package_next(device.eim_db, EID, db_clock_ms(), &package, &package_len,
                                      NULL),
                     AW_OK);
    sgp32_euicc_package_request *request = calloc(1, sizeof(*request));
    assert_non_null(request);
    assert_int_equal(sgp32_decode_euicc_package_request(package, package_len, request), AW_OK);
    static const uint8_t error[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    assert_int_equal(eim_package_error_record(device.eim_db, EID,
                                              request->euicc_package_signed.eim_transaction_id.ptr,
                                              request->euicc_package_signed.eim_transaction_id.len,
                                              1, error, sizeof(error), db_clock_ms(), NULL),
                     AW_OK);
    free(request);
    free(package);
    run_worker(device.eim_db, WATCH_MS);
    expect_op(id, "failed", "W4003", "invalidPackageFormat");
}

/* W4005: the eIM does not know the eUICC (or has no signing key); W4006:
 * the eIM's database fails on every attempt. */
static void test_eim_failures(void **state)
{
    (void)state;
    char other[33], path[160], id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    platform_test_eid(98, other);
    platform_profile_record r = {.tenant = "tenant-a", .eid = other, .iccid = "8944500000000000030",
                                 .profile_type = "iot-basic"};
    assert_int_equal(platform_profile_record_written(fx.admin, &r, "executor", NOW), AW_OK);
    snprintf(path, sizeof(path), "/api/v1/cards/%s/operations", other);
    call_spec spec = {.method = AW_HTTP_METHOD_POST, .path = path,
                      .body = "{\"operation\":\"enable\",\"iccid\":\"8944500000000000030\"}",
                      .bearer = token.access_token};
    reply a = call(&spec);
    assert_int_equal(a.status, 202);
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(a.body, "operationId")));
    reply_free(&a);
    assert_int_equal(run_worker(device.eim_db, 0).failed, 1);
    platform_card_op op;
    assert_int_equal(platform_card_op_get(fx.admin, "tenant-a", other, id, &op), AW_OK);
    assert_string_equal(op.error_code, "W4005");

    /* an eIM database without the eIM's tables: every look fails */
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    db_connection *broken = platform_test_db_open(&fx.tdb);
    platform_card_ops_stats s = {0};
    for (int i = 0; i < PLATFORM_CARD_OPS_MAX_ATTEMPTS; i++) {
        platform_card_ops_stats round = run_worker(broken, 3600 * 1000);
        s.retried += round.retried;
        s.failed += round.failed;
    }
    db_close(broken);
    assert_int_equal(s.retried, PLATFORM_CARD_OPS_MAX_ATTEMPTS - 1);
    assert_int_equal(s.failed, 1);
    expect_op(id, "failed", "W4006", NULL);
}

/* Make the platform's update of an operation to sent fail (on = true), as
 * a worker that stops between the eIM's commit and the platform's would. */
static void crash_before_sent(bool on)
{
    static const char *const sqlite[][2] = {
        {"CREATE TRIGGER crash_before_sent BEFORE UPDATE ON platform_card_operations "
         "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'worker stopped'); END"},
        {"DROP TRIGGER crash_before_sent"}};
    static const char *const postgresql[][2] = {
        {"CREATE OR REPLACE FUNCTION crash_before_sent() RETURNS trigger LANGUAGE plpgsql AS "
         "$$ BEGIN RAISE EXCEPTION 'worker stopped'; END $$",
         "CREATE TRIGGER crash_before_sent BEFORE UPDATE ON platform_card_operations "
         "FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION crash_before_sent()"},
        {"DROP TRIGGER crash_before_sent ON platform_card_operations"}};
    const char *const *sql = (pg_url != NULL ? postgresql : sqlite)[on ? 0 : 1];
    for (size_t i = 0; i < 2 && sql[i] != NULL; i++)
        assert_int_equal(db_execute(fx.admin, sql[i], NULL, 0, NULL), AW_OK);
}

static int64_t eim_packages(void)
{
    int64_t n = -1;
    assert_int_equal(
        db_query_int64(device.eim_db, "SELECT COUNT(*) FROM eim_packages", NULL, 0, &n), AW_OK);
    return n;
}

/* The crash window: the package is queued at the eIM, the platform's
 * commit of sent fails, the eUICC runs the package meanwhile. The step
 * runs again and gets the package it queued (eim_package_enqueue_once under
 * the operation's id): no second enable reaches the eUICC (it would answer
 * profileNotInDisabledState, W4001), and the operation succeeds. */
static void test_crash_window(void **state)
{
    (void)state;
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    crash_before_sent(true);
    assert_int_equal(run_worker(device.eim_db, 0).retried, 1);
    crash_before_sent(false);
    expect_op(id, "accepted", NULL, NULL);
    assert_int_equal(eim_packages(), 1);
    assert_true(psmo_fixture_poll(&device)); /* the eUICC enables the profile */
    /* the retry (first backoff: DB_QUEUE_DEFAULT_BACKOFF_MS) */
    platform_card_ops_stats s = run_worker(device.eim_db, DB_QUEUE_DEFAULT_BACKOFF_MS);
    assert_int_equal(s.sent, 1);
    assert_int_equal(s.retried, 0);
    expect_op(id, "sent", NULL, NULL);
    assert_int_equal(eim_packages(), 1);
    assert_false(psmo_fixture_poll(&device)); /* nothing more for the eUICC */
    int64_t package_id = 0, queued = 0;
    db_param p = DB_PARAM_TEXT(id);
    assert_int_equal(db_query_int64(fx.admin,
                                    "SELECT package_id FROM platform_card_operations "
                                    "WHERE operation_id = ?",
                                    &p, 1, &package_id),
                     AW_OK);
    assert_int_equal(
        db_query_int64(device.eim_db, "SELECT id FROM eim_packages", NULL, 0, &queued), AW_OK);
    assert_int_equal(package_id, queued);
    assert_int_equal(run_worker(device.eim_db, WATCH_MS).succeeded, 1);
    expect_op(id, "succeeded", NULL, "ok");
    assert_string_equal(profile_state(PSMO_ICCID1), "enabled");
}

/* The executor's workers run the steps when they hold the eIM's keys
 * (platform_executor_config.eim_keys): an operation goes through without
 * any call of the test's own. */
static void test_executor_runs_operations(void **state)
{
    (void)state;
    platform_executor_config config = {
        .database_url = fx.tdb.url, .eim_database_url = eim_test_database.url,
        .smdp_es2p_url = "https://127.0.0.1:9", .smdp_address = "smdp.example.com",
        .ca_file = pki.ci, .certificate_file = pki.tls_cert, .key_file = pki.tls_key,
        .requester_identifier = "test", .workers = 1, .poll_ms = 20, .clock = test_clock,
        .eim_keys = device.keys, .card_op_timeout_ms = TIMEOUT_MS};
    platform_executor *executor = NULL;
    config.card_op_timeout_ms = -1;
    assert_int_equal(platform_executor_new(&config, &executor), AW_ERR_ARGUMENT);
    config.card_op_timeout_ms = TIMEOUT_MS;
    assert_int_equal(platform_executor_new(&config, &executor), AW_OK);
    assert_int_equal(platform_executor_start(executor), AW_OK);
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID2 "\"}", id);
    /* the device polls until the worker's package is there */
    bool delivered = false;
    for (int i = 0; i < 500 && !delivered; i++) {
        platform_executor_wake(executor);
        delivered = psmo_fixture_poll(&device);
        if (!delivered)
            usleep(10000);
    }
    assert_true(delivered);
    /* the next look (the API's clock moved past the watch time) ends it */
    atomic_store(&clock_ms, NOW + PLATFORM_CARD_OPS_DEFAULT_WATCH_MS);
    platform_card_op op = {0};
    for (int i = 0; i < 500; i++) {
        platform_executor_wake(executor);
        assert_int_equal(platform_card_op_get(fx.admin, "tenant-a", EID, id, &op), AW_OK);
        if (strcmp(op.status, "succeeded") == 0)
            break;
        usleep(10000);
    }
    platform_executor_free(executor);
    assert_string_equal(op.status, "succeeded");
    assert_string_equal(profile_state(PSMO_ICCID2), "enabled");
}

static void test_names_and_arguments(void **state)
{
    (void)state;
    assert_string_equal(platform_card_op_kind_name(PLATFORM_CARD_OP_SWITCH), "switch");
    assert_null(platform_card_op_kind_name((platform_card_op_kind)0));
    assert_null(platform_card_op_kind_name((platform_card_op_kind)5));
    assert_int_equal(platform_card_op_kind_from_name("delete"), PLATFORM_CARD_OP_DELETE);
    assert_int_equal(platform_card_op_kind_from_name("Delete"), 0);
    assert_int_equal(platform_card_op_kind_from_name(NULL), 0);
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_EIM_UNAVAILABLE), "W4006");
    assert_null(platform_card_op_error_code(PLATFORM_CARD_OP_ERROR__COUNT));
    platform_card_op_request request = {.kind = PLATFORM_CARD_OP_SWITCH, .iccid = PSMO_ICCID1};
    uint8_t hash[32] = {0};
    platform_card_op op;
    assert_int_equal(platform_card_op_create(fx.admin, &fx.app, EID, &request, NULL, hash, NOW,
                                             &op, NULL),
                     AW_ERR_ARGUMENT);
    request.kind = PLATFORM_CARD_OP_ENABLE;
    assert_int_equal(platform_card_op_create(fx.admin, &fx.app, EID, &request, "bad key", hash,
                                             NOW, &op, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_json_parse_card_op((const uint8_t *)"{}", 2, NULL), AW_ERR_ARGUMENT);
    platform_card_ops_config config = {.db = fx.admin};
    assert_int_equal(platform_card_ops_run_once(&config, NOW, 1, NULL), AW_ERR_ARGUMENT);
    config.eim_db = device.eim_db;
    assert_int_equal(platform_card_ops_run_once(&config, NOW, 0, NULL), AW_ERR_ARGUMENT);
    config.watch_ms = -1;
    assert_int_equal(platform_card_ops_run_once(&config, NOW, 1, NULL), AW_ERR_ARGUMENT);
    /* without the eIM's keys nothing can be signed: W4005 */
    char id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    accepted("{\"operation\":\"enable\",\"iccid\":\"" PSMO_ICCID1 "\"}", id);
    config.watch_ms = 0;
    assert_int_equal(platform_card_ops_run_once(&config, NOW, 1, NULL), AW_OK);
    expect_op(id, "failed", "W4005", NULL);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    int status = eim_test_db_init(2, (char *[]){argv[0], "sqlite", NULL}, "test_platform_card_ops");
    if (status != 0)
        return status;
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_operations, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_refusals, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_idempotency, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_euicc_refuses, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_timeout, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_package_failures, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_eim_failures, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_executor_runs_operations, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_crash_window, setup_ops, teardown_ops),
        cmocka_unit_test_setup_teardown(test_names_and_arguments, setup_ops, teardown_ops),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    eim_test_db_cleanup();
    return failed;
}
