/* Tests of the write-order routes (src/platform/api_orders.c) over real
 * HTTPS on loopback: orders from JSON and CSV bodies (one EID, a batch,
 * 10,000 EIDs), Idempotency-Key (same request: the same order with
 * Idempotent-Replayed; another request: I4001), progress, item paging with
 * cursor and status filter, cancel, retry of failed items, tenant scoping
 * (another tenant's order is A2001 404 for every route), one transaction
 * per order call (a refused order keeps its nonce spent and leaves no row),
 * and every error answer of these routes; the order list (GET
 * /api/v1/orders): newest first, paging, filters, tenants. SQLite by default; PostgreSQL with the argument
 * "postgresql" under pg-harness.sh. Responses are recorded for the OpenAPI
 * check like test_platform_api's. */
#include "platform_api_testutil.h"
#include "platform/platform_internal.h" /* platform_api_order_json_text */

#include <time.h>

static platform_token_pair token;

/* The fixture with limits that a long test cannot exhaust, and a token. */
static int setup_orders(void **state)
{
    setup(state);
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, fx.app.app_id, &limits, NOW), AW_OK);
    fx.app.limits = limits;
    token = issue(NULL, NULL);
    return 0;
}

/* {"eids":[...n EIDs from base...], "profileType":"iot-basic"} */
static char *json_order(size_t n, unsigned long long base)
{
    size_t cap = n * 35 + 64;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t len = (size_t)snprintf(body, cap, "{\"profileType\":\"iot-basic\",\"eids\":[");
    for (size_t i = 0; i < n; i++) {
        body[len++] = '"';
        platform_test_eid(base + i, body + len);
        len += 32;
        body[len++] = '"';
        body[len++] = i + 1 < n ? ',' : ']';
    }
    body[len++] = '}';
    body[len] = '\0';
    return body;
}

static call_spec order_spec(const char *body)
{
    return (call_spec){.method = AW_HTTP_METHOD_POST, .path = "/api/v1/orders", .body = body,
                       .bearer = token.access_token};
}

/* POST an order, expect 200: its id. */
static void create_order(const call_spec *spec, char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    reply r = call(spec);
    if (r.status != 200)
        print_error("create: %d %s\n", r.status, json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    snprintf(order_id, PLATFORM_ORDER_ID_LENGTH + 1, "%s",
             json_string_value(json_object_get(r.body, "orderId")));
    assert_int_equal(strlen(order_id), PLATFORM_ORDER_ID_LENGTH);
    reply_free(&r);
}

static call_spec action_spec(aw_http_method method, const char *order_id, const char *suffix,
                             char *path, size_t size)
{
    snprintf(path, size, "/api/v1/orders/%s%s", order_id, suffix);
    return (call_spec){.method = method, .path = path, .bearer = token.access_token};
}

static int64_t progress(const reply *r, const char *status)
{
    return json_integer_value(json_object_get(json_object_get(r->body, "progress"), status));
}

static void test_order_json(void **state)
{
    (void)state;
    char *body = json_order(3, 100);
    call_spec spec = order_spec(body);
    spec.idempotency_key = "order-2025-12-01-a";
    reply r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_null(r.header[REPLY_IDEMPOTENT_REPLAYED]);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(order_id, sizeof(order_id), "%s", json_string_value(json_object_get(r.body, "orderId")));
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "accepted");
    assert_string_equal(json_string_value(json_object_get(r.body, "profileType")), "iot-basic");
    assert_string_equal(json_string_value(json_object_get(r.body, "idempotencyKey")),
                        "order-2025-12-01-a");
    assert_int_equal(json_integer_value(json_object_get(r.body, "itemCount")), 3);
    assert_int_equal(progress(&r, "pending"), 3);
    assert_int_equal(progress(&r, "written"), 0);
    assert_int_equal(json_integer_value(json_object_get(r.body, "createdAt")), NOW);
    reply_free(&r);
    /* the same request again, later: the original order */
    atomic_fetch_add(&clock_ms, 60000);
    r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_non_null(r.header[REPLY_IDEMPOTENT_REPLAYED]);
    assert_string_equal(r.header[REPLY_IDEMPOTENT_REPLAYED], "true");
    assert_string_equal(json_string_value(json_object_get(r.body, "orderId")), order_id);
    assert_int_equal(json_integer_value(json_object_get(r.body, "createdAt")), NOW);
    reply_free(&r);
    /* the same key with another body */
    char *other = json_order(3, 200);
    spec.body = other;
    expect_error(&spec, "I4001");
    /* the same key with the same EID as CSV is another request too */
    char eid0[33];
    platform_test_eid(100, eid0);
    spec.body = eid0;
    spec.content_type = "text/csv";
    spec.query = "profileType=iot-basic";
    expect_error(&spec, "I4001");
    free(body);
    free(other);
    /* the order, read back */
    char path[128];
    call_spec get = action_spec(AW_HTTP_METHOD_GET, order_id, "", path, sizeof(path));
    r = call(&get);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "orderId")), order_id);
    assert_int_equal(progress(&r, "pending"), 3);
    reply_free(&r);
    /* a number pool order */
    char eid[33];
    platform_test_eid(7, eid);
    char pool[128];
    snprintf(pool, sizeof(pool), "{\"eids\":[\"%s\"],\"numberPool\":\"cmiot-pool-1\"}", eid);
    spec = order_spec(pool);
    r = call(&spec);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "numberPool")), "cmiot-pool-1");
    assert_null(json_object_get(r.body, "profileType"));
    assert_null(json_object_get(r.body, "idempotencyKey"));
    reply_free(&r);
}

static void test_order_csv_items(void **state)
{
    (void)state;
    char body[16 * 33 + 8] = "eid\r\n";
    size_t len = 5;
    char eids[12][33];
    for (size_t i = 0; i < 12; i++) {
        platform_test_eid(300 + i, eids[i]);
        len += (size_t)snprintf(body + len, sizeof(body) - len, "%s\r\n", eids[i]);
    }
    call_spec spec = order_spec(body);
    spec.content_type = "text/csv; charset=utf-8";
    spec.query = "profileType=iot-basic";
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(&spec, order_id);
    /* pages of 5: 5, 5, 2, following nextCursor */
    char path[128];
    call_spec items = action_spec(AW_HTTP_METHOD_GET, order_id, "/items", path, sizeof(path));
    char query[64] = "limit=5";
    size_t seen = 0;
    for (int page = 0; page < 3; page++) {
        items.query = query;
        reply r = call(&items);
        assert_int_equal(r.status, 200);
        json_t *list = json_object_get(r.body, "items");
        size_t n = json_array_size(list);
        assert_int_equal(n, page < 2 ? 5 : 2);
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_array_get(list, i);
            assert_string_equal(json_string_value(json_object_get(item, "eid")), eids[seen + i]);
            assert_int_equal(json_integer_value(json_object_get(item, "line")),
                             (json_int_t)(seen + i + 2));
            assert_string_equal(json_string_value(json_object_get(item, "status")), "pending");
        }
        seen += n;
        json_t *cursor = json_object_get(r.body, "nextCursor");
        if (page < 2) {
            assert_true(json_is_string(cursor));
            snprintf(query, sizeof(query), "cursor=%s&limit=5", json_string_value(cursor));
        } else {
            assert_true(json_is_null(cursor));
        }
        reply_free(&r);
    }
    /* status filter, with a failed item moved by the executor's step */
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eids[4], "in_progress",
                                                    NULL, "start", "executor", NOW),
                     AW_OK);
    assert_int_equal(platform_order_item_transition(fx.admin, order_id, eids[4], "failed",
                                                    "W1001", "download failed", "executor",
                                                    NOW + 1500),
                     AW_OK);
    items.query = "status=failed";
    reply r = call(&items);
    assert_int_equal(r.status, 200);
    json_t *list = json_object_get(r.body, "items");
    assert_int_equal(json_array_size(list), 1);
    json_t *failed_item = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(failed_item, "errorCode")), "W1001");
    /* the item's write time: from its first claim to its end */
    assert_int_equal(json_integer_value(json_object_get(failed_item, "startedAt")), NOW);
    assert_int_equal(json_integer_value(json_object_get(failed_item, "finishedAt")), NOW + 1500);
    reply_free(&r);
    /* a pending item has neither */
    items.query = "limit=1";
    r = call(&items);
    assert_int_equal(r.status, 200);
    json_t *pending_item = json_array_get(json_object_get(r.body, "items"), 0);
    assert_null(json_object_get(pending_item, "startedAt"));
    assert_null(json_object_get(pending_item, "finishedAt"));
    reply_free(&r);
    /* retry: the failed item back to pending */
    call_spec retry = action_spec(AW_HTTP_METHOD_POST, order_id, "/retry", path, sizeof(path));
    r = call(&retry);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.body, "retried")), 1);
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "processing");
    assert_int_equal(progress(&r, "pending"), 12);
    reply_free(&r);
    /* nothing failed now */
    expect_error(&retry, "A2002");
    /* cancel: pending items cancelled; then neither cancel nor retry */
    call_spec cancel = action_spec(AW_HTTP_METHOD_POST, order_id, "/cancel", path, sizeof(path));
    r = call(&cancel);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.body, "status")), "cancelled");
    assert_int_equal(progress(&r, "cancelled"), 12);
    reply_free(&r);
    expect_error(&cancel, "A2002");
    /* a number pool CSV order */
    spec.query = "numberPool=pool-9";
    spec.body = eids[0];
    spec.content_type = "text/csv";
    create_order(&spec, order_id);
}

static void test_order_large(void **state)
{
    (void)state;
    char *body = json_order(PLATFORM_BATCH_MAX_EIDS, 100000);
    call_spec spec = order_spec(body);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    reply r = call(&spec);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r.status != 200)
        print_error("large order: %d %s\n", r.status,
                    json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.body, "itemCount")),
                     PLATFORM_BATCH_MAX_EIDS);
    printf("order of %u EIDs accepted in %.0f ms (%s)\n", PLATFORM_BATCH_MAX_EIDS,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           pg_url != NULL ? "PostgreSQL" : "SQLite");
    reply_free(&r);
    free(body);
    /* 10,001: A1004 */
    body = json_order(PLATFORM_BATCH_MAX_EIDS + 1, 100000);
    spec.body = body;
    expect_error(&spec, "A1004");
    free(body);
}

/* The first error's code at the top, every line in "errors". */
static void expect_lines(const call_spec *spec, const char *code, size_t count,
                         const size_t *lines)
{
    reply r = call(spec);
    assert_int_equal(r.status, 400);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), code);
    json_t *errors = json_object_get(r.body, "errors");
    assert_int_equal(json_array_size(errors), count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(errors, i), "line")),
                         (json_int_t)lines[i]);
    reply_free(&r);
}

static void test_order_errors(void **state)
{
    (void)state;
    char e1[33], e2[33], body[512];
    platform_test_eid(1, e1);
    platform_test_eid(2, e2);
    char wrong[33];
    memcpy(wrong, e2, sizeof(wrong));
    wrong[31] = (char)('0' + (wrong[31] - '0' + 1) % 10);
    /* A1001 at line 2, and a duplicate at 3 */
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\",\"%s\",\"%s\"],\"profileType\":\"p\"}", e1,
             wrong, e1);
    call_spec spec = order_spec(body);
    expect_lines(&spec, "A1001", 2, (const size_t[]){2, 3});
    /* A1002 first */
    snprintf(body, sizeof(body), "%s\n%s\n%s\n", e1, e1, wrong);
    spec.content_type = "text/csv";
    spec.query = "profileType=p";
    expect_lines(&spec, "A1002", 2, (const size_t[]){2, 3});
    /* A1003 */
    snprintf(body, sizeof(body), "%s,1\n%s\n", e1, e2);
    expect_lines(&spec, "A1003", 1, (const size_t[]){1});
    /* A1004: no EID; a body over 1 MiB */
    spec.body = "eid\n";
    expect_error(&spec, "A1004");
    char *big = malloc(PLATFORM_BATCH_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, '\n', PLATFORM_BATCH_MAX_BODY + 1);
    big[PLATFORM_BATCH_MAX_BODY + 1] = '\0';
    spec.body = big;
    expect_error(&spec, "A1004");
    free(big);
    /* I1002: CSV without a target, with two, with a bad one; JSON with a
     * query; a malformed Idempotency-Key; JSON members */
    snprintf(body, sizeof(body), "%s\n", e1);
    spec.body = body;
    spec.query = NULL;
    expect_error(&spec, "I1002");
    spec.query = "profileType=a&numberPool=b";
    expect_error(&spec, "I1002");
    spec.query = "profileType=a%20b";
    expect_error(&spec, "I1002");
    spec.query = "color=red";
    expect_error(&spec, "I1002");
    spec.query = "profileType=a";
    spec.idempotency_key = "white space";
    expect_error(&spec, "I1002");
    spec = order_spec(NULL);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"p\"}", e1);
    spec.body = body;
    spec.query = "profileType=p";
    expect_error(&spec, "I1002");
    spec.query = NULL;
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"]}", e1);
    expect_error(&spec, "I1002");
    /* I1001 */
    spec.body = "{\"eids\":";
    expect_error(&spec, "I1001");
    /* I4002 */
    spec.body = e1;
    spec.content_type = "text/plain";
    expect_error(&spec, "I4002");
    /* the chain still runs first: no bearer token */
    spec = order_spec(body);
    spec.bearer = NULL;
    expect_error(&spec, "I2101");
    /* A2001: unknown and malformed ids; I1002: bad paging parameters */
    char path[128];
    call_spec get = action_spec(AW_HTTP_METHOD_GET, "ord_000000000000000000000000", "", path,
                                sizeof(path));
    expect_error(&get, "A2001");
    get = action_spec(AW_HTTP_METHOD_GET, "nope", "/items", path, sizeof(path));
    expect_error(&get, "A2001");
    call_spec post = action_spec(AW_HTTP_METHOD_POST, "ord_000000000000000000000000", "/cancel",
                                 path, sizeof(path));
    expect_error(&post, "A2001");
    post = action_spec(AW_HTTP_METHOD_POST, "ord_000000000000000000000000", "/retry", path,
                       sizeof(path));
    expect_error(&post, "A2001");
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"p\"}", e1);
    spec = order_spec(body);
    create_order(&spec, order_id);
    static const char *const bad_queries[] = {"limit=0",   "limit=1001",  "limit=x",
                                              "limit=01",  "cursor=-1",   "cursor=abc",
                                              "status=ok", "cursor=1234567890123456789"};
    for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
        get = action_spec(AW_HTTP_METHOD_GET, order_id, "/items", path, sizeof(path));
        get.query = bad_queries[i];
        expect_error(&get, "I1002");
    }
    /* routing under /orders/: other methods 405 with Allow; other paths 404 */
    call_spec wrong_method = action_spec(AW_HTTP_METHOD_DELETE, order_id, "", path, sizeof(path));
    reply r = call(&wrong_method);
    assert_int_equal(r.status, 405);
    assert_string_equal(json_string_value(json_object_get(r.body, "code")), "I1005");
    assert_string_equal(r.header[REPLY_ALLOW], "GET");
    reply_free(&r);
    wrong_method = action_spec(AW_HTTP_METHOD_GET, order_id, "/cancel", path, sizeof(path));
    r = call(&wrong_method);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "POST");
    reply_free(&r);
    call_spec unknown = action_spec(AW_HTTP_METHOD_GET, order_id, "/history", path, sizeof(path));
    expect_error(&unknown, "I1006");
    unknown = action_spec(AW_HTTP_METHOD_GET, "", "", path, sizeof(path));
    expect_error(&unknown, "I1006");
    /* GET and POST are its methods (the list: test_order_list) */
    call_spec list = {.method = AW_HTTP_METHOD_DELETE, .path = "/api/v1/orders",
                      .bearer = token.access_token};
    r = call(&list);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.header[REPLY_ALLOW], "GET, POST");
    reply_free(&r);
}

/* Tenant B's app cannot see, page, cancel or retry tenant A's order. */
/* POST /api/v1/orders commits the chain's writes with the order (one
 * transaction): an order refused after the chain keeps its nonce spent
 * and leaves no row of the order; an accepted one has both. */
static void test_order_one_transaction(void **state)
{
    (void)state;
    int64_t orders = admin_rows("SELECT COUNT(*) FROM platform_orders");
    int64_t jobs = admin_rows("SELECT COUNT(*) FROM job_queue");
    int64_t items = admin_rows("SELECT COUNT(*) FROM platform_order_items");
    /* refused by the business scope (A4001): nothing of the order stored */
    char *body = json_order(3, 800);
    memcpy(strstr(body, "iot-basic"), "iot-nope0", 9);
    call_spec spec = order_spec(body);
    spec.nonce = "one-transaction-nonce-1";
    expect_error(&spec, "A4001");
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM job_queue"), jobs);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_order_items"), items);
    /* its nonce was recorded all the same: the same signed call is a replay */
    expect_error(&spec, "I2006");
    free(body);
    /* accepted: the order, its job and the nonce in one commit */
    body = json_order(2, 810);
    spec = order_spec(body);
    spec.nonce = "one-transaction-nonce-2";
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(&spec, order_id);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_orders"), orders + 1);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM job_queue"), jobs + 2);
    assert_int_equal(admin_rows("SELECT COUNT(*) FROM platform_order_items"), items + 2);
    expect_error(&spec, "I2006");
    free(body);
}

static void test_tenant_scoping(void **state)
{
    (void)state;
    char body[128], eid[33];
    platform_test_eid(42, eid);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"p\"}", eid);
    call_spec spec = order_spec(body);
    spec.idempotency_key = "shared-key";
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(&spec, order_id);

    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", NULL, NOW, &app_b,
                                         secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    char path[128];
    static const struct {
        aw_http_method method;
        const char *suffix;
    } routes[] = {{AW_HTTP_METHOD_GET, ""},
                  {AW_HTTP_METHOD_GET, "/items"},
                  {AW_HTTP_METHOD_POST, "/cancel"},
                  {AW_HTTP_METHOD_POST, "/retry"}};
    for (size_t i = 0; i < 4; i++) {
        call_spec other = action_spec(routes[i].method, order_id, routes[i].suffix, path,
                                      sizeof(path));
        other.app_id = app_b.app_id;
        other.secret = secret_b;
        other.bearer = token_b.access_token;
        reply r = call(&other);
        assert_int_equal(r.status, 404);
        assert_string_equal(json_string_value(json_object_get(r.body, "code")), "A2001");
        reply_free(&r);
    }
    /* the same Idempotency-Key in tenant B makes B's own order */
    spec.app_id = app_b.app_id;
    spec.secret = secret_b;
    spec.bearer = token_b.access_token;
    char order_b[PLATFORM_ORDER_ID_LENGTH + 1];
    create_order(&spec, order_b);
    assert_string_not_equal(order_b, order_id);
    /* A's order is untouched, and A still reads it */
    call_spec own = action_spec(AW_HTTP_METHOD_GET, order_id, "", path, sizeof(path));
    expect_ok(&own);
    platform_order order;
    assert_int_equal(platform_order_get(fx.admin, "tenant-a", order_id, &order), AW_OK);
    assert_string_equal(order.status, "accepted");
}

/* ---- GET /api/v1/orders (src/platform/api_order_list.c) ---------------------- */

static call_spec list_spec(const char *query)
{
    return (call_spec){.method = AW_HTTP_METHOD_GET, .path = "/api/v1/orders", .query = query,
                       .bearer = token.access_token};
}

/* List with query, expect 200 with exactly the orders ids (newest first);
 * copies nextCursor into next ("" when null). */
static void expect_list(const call_spec *spec, const char *const *ids, size_t n, char *next,
                        size_t next_size)
{
    reply r = call(spec);
    if (r.status != 200)
        print_error("list %s: %d %s\n", spec->query != NULL ? spec->query : "", r.status,
                    json_string_value(json_object_get(r.body, "code")));
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_size(r.body), 2);
    json_t *orders = json_object_get(r.body, "orders");
    assert_int_equal(json_array_size(orders), n);
    for (size_t i = 0; i < n; i++) {
        json_t *order = json_array_get(orders, i);
        assert_string_equal(json_string_value(json_object_get(order, "orderId")), ids[i]);
        /* the summary of GET /orders/{id}: progress counters included */
        assert_int_equal(json_integer_value(json_object_get(order, "itemCount")), 1);
        assert_true(json_is_object(json_object_get(order, "progress")));
    }
    json_t *cursor = json_object_get(r.body, "nextCursor");
    assert_true(json_is_string(cursor) || json_is_null(cursor));
    if (next != NULL)
        snprintf(next, next_size, "%s", json_is_string(cursor) ? json_string_value(cursor) : "");
    else
        assert_true(json_is_null(cursor));
    reply_free(&r);
}

/* One order of eid number and profile type at clock time at_ms. */
static void order_at(int64_t at_ms, unsigned long long eid_number, const char *profile_type,
                     const platform_app *app, const char *secret, const char *bearer,
                     char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char body[128], eid[33];
    platform_test_eid(eid_number, eid);
    snprintf(body, sizeof(body), "{\"eids\":[\"%s\"],\"profileType\":\"%s\"}", eid, profile_type);
    atomic_store(&clock_ms, at_ms);
    call_spec spec = order_spec(body);
    if (app != NULL) {
        spec.app_id = app->app_id;
        spec.secret = secret;
        spec.bearer = bearer;
    }
    create_order(&spec, order_id);
}

static void test_order_list(void **state)
{
    (void)state;
    char secret_b[PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app_b;
    assert_int_equal(platform_app_create(fx.admin, fx.ring, "tenant-b", NULL, NOW, &app_b,
                                         secret_b),
                     AW_OK);
    platform_token_pair token_b = issue(&app_b, secret_b);
    char a1[PLATFORM_ORDER_ID_LENGTH + 1], a2[PLATFORM_ORDER_ID_LENGTH + 1],
        a3[PLATFORM_ORDER_ID_LENGTH + 1], b1[PLATFORM_ORDER_ID_LENGTH + 1];
    order_at(NOW, 1, "iot-basic", NULL, NULL, NULL, a1);
    order_at(NOW + 1000, 2, "iot-basic", NULL, NULL, NULL, a2);
    order_at(NOW + 1500, 3, "iot-basic", &app_b, secret_b, token_b.access_token, b1);
    order_at(NOW + 2000, 4, "p", NULL, NULL, NULL, a3);
    char path[128];
    call_spec cancel = action_spec(AW_HTTP_METHOD_POST, a3, "/cancel", path, sizeof(path));
    expect_ok(&cancel);

    /* own tenant only, newest first, one page */
    const char *const all[] = {a3, a2, a1};
    call_spec spec = list_spec(NULL);
    expect_list(&spec, all, 3, NULL, 0);
    /* limit 1 walks every order once and stops */
    char cursor[PLATFORM_ORDER_CURSOR_SIZE] = "", query[160];
    for (size_t page = 0; page < 3; page++) {
        if (page == 0)
            snprintf(query, sizeof(query), "limit=1");
        else
            snprintf(query, sizeof(query), "limit=1&cursor=%s", cursor);
        spec = list_spec(query);
        expect_list(&spec, &all[page], 1, cursor, sizeof(cursor));
        assert_int_equal(cursor[0] != '\0', page < 2);
    }
    /* a cursor with a filter: the rest after A3 among accepted orders */
    snprintf(query, sizeof(query), "limit=2&status=accepted");
    spec = list_spec(query);
    expect_list(&spec, &all[1], 2, NULL, 0);
    spec = list_spec("status=cancelled");
    expect_list(&spec, all, 1, NULL, 0);
    spec = list_spec("status=completed");
    expect_list(&spec, NULL, 0, NULL, 0);
    /* createdFrom included, createdTo excluded */
    snprintf(query, sizeof(query), "createdFrom=%lld", (long long)(NOW + 1000));
    spec = list_spec(query);
    expect_list(&spec, all, 2, NULL, 0);
    snprintf(query, sizeof(query), "createdTo=%lld", (long long)(NOW + 1000));
    spec = list_spec(query);
    expect_list(&spec, &all[2], 1, NULL, 0);
    snprintf(query, sizeof(query), "createdFrom=%lld&createdTo=%lld", (long long)(NOW + 1000),
             (long long)(NOW + 2000));
    spec = list_spec(query);
    expect_list(&spec, &all[1], 1, NULL, 0);
    spec = list_spec("profileType=p");
    expect_list(&spec, all, 1, NULL, 0);
    spec = list_spec("numberPool=p");
    expect_list(&spec, NULL, 0, NULL, 0);

    /* every malformed parameter is I1002 */
    static const char *const bad[] = {
        "limit=0", "limit=201", "limit=01", "limit=x", "limit=",
        "cursor=12", "cursor=abc", "cursor=1_ord_00", "cursor=01_ord_000000000000000000000000",
        "status=bogus", "status=pending", "createdFrom=-1", "createdFrom=x",
        "createdTo=0", "createdTo=1000000000000000000", "profileType=a%20b",
        "profileType=p&numberPool=q", "state=accepted", "limit=1&&cursor=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spec = list_spec(bad[i]);
        expect_error(&spec, "I1002");
    }

    /* tenant B sees its own order only, and may not name tenant A */
    spec = list_spec(NULL);
    spec.app_id = app_b.app_id;
    spec.secret = secret_b;
    spec.bearer = token_b.access_token;
    expect_list(&spec, (const char *const[]){b1}, 1, NULL, 0);
    spec.query = "tenant=tenant-a";
    expect_error(&spec, "I2201");
    /* a cross-tenant role of tenant B reads A's list with ?tenant= */
    assert_int_equal(platform_app_role_set(fx.admin, app_b.app_id, PLATFORM_ROLE_OPERATOR, NOW),
                     AW_OK);
    expect_list(&spec, all, 3, NULL, 0);
    spec.query = "tenant=tenant-a&status=accepted&limit=1";
    char next[PLATFORM_ORDER_CURSOR_SIZE];
    expect_list(&spec, &all[1], 1, next, sizeof(next));
    assert_true(next[0] != '\0');

    /* the store's own checks */
    platform_order *orders = NULL;
    size_t count = 1;
    assert_int_equal(platform_order_list(fx.admin, "tenant-a", NULL, NULL, 0, &orders, &count,
                                         next),
                     AW_ERR_PLATFORM_FIELD);
    assert_null(orders);
    assert_int_equal(count, 0);
    assert_int_equal(platform_order_list(NULL, "tenant-a", NULL, NULL, 1, &orders, &count, next),
                     AW_ERR_ARGUMENT);
    platform_order_filter filter = {.created_from_ms = -1};
    assert_int_equal(platform_order_list(fx.admin, "tenant-a", &filter, NULL, 1, &orders, &count,
                                         next),
                     AW_ERR_PLATFORM_FIELD);
    filter = (platform_order_filter){.target = "p"};
    assert_int_equal(platform_order_list(fx.admin, "tenant-a", &filter, NULL, 1, &orders, &count,
                                         next),
                     AW_ERR_PLATFORM_FIELD); /* a target without its kind */
    assert_int_equal(platform_order_list(fx.admin, "tenant-c", NULL, NULL, 1, &orders, &count,
                                         next),
                     AW_OK);
    assert_null(orders);
    assert_int_equal(count, 0);
    assert_string_equal(next, "");
}

/* The create answer written directly (api_orders.c) is byte for byte
 * jansson's compact dump of the same order's tree; a string that needs
 * escaping, or a buffer too small, leaves it to the tree. */
static void test_order_json_text(void **state)
{
    (void)state;
    platform_order o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "ord_0123456789abcdef01234567");
    snprintf(o.status, sizeof(o.status), "accepted");
    snprintf(o.target, sizeof(o.target), "iot-basic.v2");
    o.target_kind = PLATFORM_TARGET_PROFILE_TYPE;
    o.item_count = 10000;
    int64_t progress[5] = {9000, 500, 400, 99, 1};
    memcpy(o.progress, progress, sizeof(progress));
    o.created_at_ms = 1764547200123;
    o.updated_at_ms = INT64_MAX;
    char text[PLATFORM_ORDER_JSON_TEXT_MAX];
    size_t len = 0;
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            snprintf(o.idempotency_key, sizeof(o.idempotency_key), "batch-2026.12:01_A");
        if (round == 2)
            o.target_kind = PLATFORM_TARGET_NUMBER_POOL;
        json_t *tree = platform_api_order_json(&o);
        char *dumped = json_dumps(tree, JSON_COMPACT);
        json_decref(tree);
        assert_true(platform_api_order_json_text(&o, text, sizeof(text), &len));
        assert_int_equal(len, strlen(dumped));
        assert_memory_equal(text, dumped, len);
        assert_int_equal(text[len], '\0');
        free(dumped);
    }
    /* too small a buffer */
    assert_false(platform_api_order_json_text(&o, text, 40, &len));
    assert_int_equal(len, 0);
    /* strings that would need escaping: quote, backslash, control, non-ASCII */
    static const char *const unplain[] = {"a\"b", "a\\b", "a\nb", "\xe5\xae\xa1"};
    for (size_t i = 0; i < 4; i++) {
        platform_order bad = o;
        snprintf(bad.target, sizeof(bad.target), "%s", unplain[i]);
        assert_false(platform_api_order_json_text(&bad, text, sizeof(text), &len));
        bad = o;
        snprintf(bad.idempotency_key, sizeof(bad.idempotency_key), "%s", unplain[i]);
        assert_false(platform_api_order_json_text(&bad, text, sizeof(text), &len));
    }
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
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_json, setup_orders, teardown),
        cmocka_unit_test(test_order_json_text),
        cmocka_unit_test_setup_teardown(test_order_csv_items, setup_orders, teardown),
        cmocka_unit_test_setup_teardown(test_order_large, setup_orders, teardown),
        cmocka_unit_test_setup_teardown(test_order_errors, setup_orders, teardown),
        cmocka_unit_test_setup_teardown(test_order_one_transaction, setup_orders, teardown),
        cmocka_unit_test_setup_teardown(test_tenant_scoping, setup_orders, teardown),
        cmocka_unit_test_setup_teardown(test_order_list, setup_orders, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
