/* The northbound API's credential cache (src/platform/credential_cache.c)
 * and request ids (api_error.c): a cached app, role and token are used
 * until the TTL passes, whatever the database says meanwhile (a change
 * written behind the API's back: another process's); every change made in
 * this process (the API's handlers, the admin functions) applies at once,
 * on every API of the process; TTL off reads the database every call; a
 * full set gives up its oldest entry; an expired token is refused from the
 * cache; request ids are unique across threads and across fork(). */
#include "platform_api_testutil.h"

#include <sys/wait.h>

#include "platform/credential_cache.h"

#define TTL_MS PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS
#define GOOD_PASSWORD "correct horse battery staple"

static const password_parameters fast_scrypt = {.log2_n = 14, .r = 8, .p = 1};

/* The fixture's server again, with credential_cache_ms (the fixture's runs
 * with the default). */
static void server_restart(int64_t credential_cache_ms)
{
    server_stop();
    server_start_with(&(platform_api_config){.credential_cache_ms = credential_cache_ms});
}

/* One statement on the test's connection: a change the API is not told of. */
static void behind_the_back(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void behind_the_back(const char *format, ...)
{
    char statement[300];
    va_list args;
    va_start(args, format);
    vsnprintf(statement, sizeof(statement), format, args);
    va_end(args);
    assert_int_equal(db_execute(fx.admin, statement, NULL, 0, NULL), AW_OK);
}

/* GET /api/v1/ping of app a with bearer: member of the answer, or the
 * error code of a refusal. */
static void expect_ping(const role_app *a, const char *bearer, const char *member,
                        const char *expected)
{
    call_spec spec = role_spec(a, AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, NULL);
    spec.bearer = bearer;
    reply r = call(&spec);
    const char *value = json_string_value(
        json_object_get(r.body, r.status == 200 ? member : "code"));
    if (value == NULL || strcmp(value, expected) != 0)
        print_error("ping %s: expected %s, got %d %s\n", member, expected, r.status,
                    value != NULL ? value : "(none)");
    assert_non_null(value);
    assert_string_equal(value, expected);
    reply_free(&r);
}

static void at(int64_t ms)
{
    atomic_store(&clock_ms, ms);
}

/* ---- Through the API ------------------------------------------------------- */

/* A console session of a new operator username of tenant, through app_id. */
static platform_token_pair operator_session(const char *username, const char *tenant,
                                            const char *app_id)
{
    platform_user user;
    assert_int_equal(platform_user_create(fx.admin, username, tenant, PLATFORM_ROLE_OPERATOR,
                                          GOOD_PASSWORD, &fast_scrypt, NOW, &user),
                     AW_OK);
    platform_token_pair session;
    assert_int_equal(platform_token_issue(fx.admin, app_id, 3600000, 3600000, NOW, &session),
                     AW_OK);
    assert_int_equal(platform_user_session_bind(fx.admin, username, &session, NOW), AW_OK);
    return session;
}

static void test_cached_until_ttl(void **state)
{
    (void)state;
    role_app a;
    role_app_make(&a, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    const char *token = a.token.access_token;
    expect_ping(&a, token, "tenant", "tenant-a");
    /* the app's row and role change behind the API's back */
    behind_the_back("UPDATE platform_apps SET tenant = 'tenant-z' WHERE app_id = '%s'",
                    a.app.app_id);
    behind_the_back("INSERT INTO platform_app_roles (app_id, role, updated_at) "
                    "VALUES ('%s', 'auditor', 0)",
                    a.app.app_id);
    at(NOW + TTL_MS - 1); /* the cached values, no database read */
    expect_ping(&a, token, "tenant", "tenant-a");
    expect_ping(&a, token, "role", "tenant_user");
    at(NOW + TTL_MS); /* the TTL passed: read again */
    expect_ping(&a, token, "tenant", "tenant-z");
    expect_ping(&a, token, "role", "auditor");
    /* the token: revoked behind the API's back, accepted until the TTL */
    behind_the_back("UPDATE platform_tokens SET revoked_at = 1 WHERE app_id = '%s'",
                    a.app.app_id);
    at(NOW + 2 * TTL_MS - 1);
    expect_ping(&a, token, "appId", a.app.app_id);
    at(NOW + 2 * TTL_MS);
    expect_ping(&a, token, "appId", "I2104");
    /* a console session's user, likewise */
    platform_token_pair session = operator_session("dora", "tenant-a", a.app.app_id);
    expect_ping(&a, session.access_token, "role", "operator");
    behind_the_back("UPDATE platform_users SET role = 'auditor' WHERE username = '%s'", "dora");
    at(NOW + 3 * TTL_MS - 1);
    expect_ping(&a, session.access_token, "role", "operator");
    at(NOW + 3 * TTL_MS);
    expect_ping(&a, session.access_token, "role", "auditor");
}

static void test_changes_apply_at_once(void **state)
{
    (void)state;
    role_app a, officer;
    role_app_make(&a, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    role_app_make(&officer, "tenant-a", PLATFORM_ROLE_SECURITY_OFFICER);
    expect_ping(&a, a.token.access_token, "appId", a.app.app_id);
    /* POST /api/v1/auth/revoke: refused on the next call */
    platform_token_pair second = issue(&a.app, a.secret);
    expect_ping(&a, second.access_token, "appId", a.app.app_id);
    char body[200];
    snprintf(body, sizeof(body), "{\"token\":\"%s\"}", second.access_token);
    call_spec revoke = role_spec(&a, AW_HTTP_METHOD_POST, "/api/v1/auth/revoke", NULL, body);
    expect_ok(&revoke);
    call_spec ping = role_spec(&a, AW_HTTP_METHOD_GET, "/api/v1/ping", NULL, NULL);
    ping.bearer = second.access_token;
    expect_error(&ping, "I2104");
    /* POST /api/v1/auth/refresh: the old access token goes with its pair */
    snprintf(body, sizeof(body), "{\"refreshToken\":\"%s\"}", a.token.refresh_token);
    reply r = role_call(&a, AW_HTTP_METHOD_POST, "/api/v1/auth/refresh", body);
    assert_int_equal(r.status, 200);
    char fresh[PLATFORM_TOKEN_LENGTH + 1];
    snprintf(fresh, sizeof(fresh), "%s",
             json_string_value(json_object_get(r.body, "accessToken")));
    reply_free(&r);
    expect_ping(&a, a.token.access_token, "appId", "I2104");
    expect_ping(&a, fresh, "appId", a.app.app_id);
    /* disable and enable (airwrite-platform app-disable's function) */
    assert_int_equal(platform_app_set_enabled(fx.admin, a.app.app_id, false, NOW), AW_OK);
    expect_ping(&a, fresh, "appId", "I2003");
    assert_int_equal(platform_app_set_enabled(fx.admin, a.app.app_id, true, NOW), AW_OK);
    expect_ping(&a, fresh, "appId", a.app.app_id);
    /* the app's role */
    assert_int_equal(platform_app_role_set(fx.admin, a.app.app_id, PLATFORM_ROLE_AUDITOR, NOW),
                     AW_OK);
    expect_ping(&a, fresh, "role", "auditor");
    /* a change of limits, and a key rotation, forget the app too: a tenant
     * changed behind the API's back shows at once after each */
    behind_the_back("UPDATE platform_apps SET tenant = 'tenant-y' WHERE app_id = '%s'",
                    a.app.app_id);
    expect_ping(&a, fresh, "tenant", "tenant-a");
    platform_app_limits limits = {.rate_per_minute = PLATFORM_LIMIT_MAX,
                                  .burst = PLATFORM_LIMIT_MAX,
                                  .daily_quota = 0};
    assert_int_equal(platform_app_set_limits(fx.admin, a.app.app_id, &limits, NOW), AW_OK);
    expect_ping(&a, fresh, "tenant", "tenant-y");
    behind_the_back("UPDATE platform_apps SET tenant = 'tenant-x' WHERE app_id = '%s'",
                    a.app.app_id);
    uint8_t key[PLATFORM_STORAGE_KEY_SIZE];
    assert_int_equal(crypto_random_bytes(key, sizeof(key)), AW_OK);
    assert_int_equal(platform_key_ring_add(fx.ring, 2, key), AW_OK); /* the API's ring too */
    crypto_cleanse(key, sizeof(key));
    key_ring_rotation stats = {0};
    assert_int_equal(platform_keys_rotate(fx.admin, fx.ring, 64, 0, NOW, NULL, NULL, &stats),
                     AW_OK);
    assert_true(stats.rotated >= 2);
    expect_ping(&a, fresh, "tenant", "tenant-x"); /* and the secret, unsealed under key 2 */
    /* a console session: its user's role through POST /api/v1/users/{name}/role,
     * then the user disabled */
    platform_token_pair session = operator_session("erin", "tenant-x", a.app.app_id);
    expect_ping(&a, session.access_token, "role", "operator");
    behind_the_back("UPDATE platform_users SET tenant = 'tenant-a' WHERE username = '%s'", "erin");
    role_expect(&officer, AW_HTTP_METHOD_POST, "/api/v1/users/erin/role",
                "{\"role\":\"auditor\"}", 200, NULL);
    expect_ping(&a, session.access_token, "role", "auditor");
    assert_int_equal(platform_user_set_enabled(fx.admin, "erin", false, NOW), AW_OK);
    expect_ping(&a, session.access_token, "role", "I2104");
}

/* A second API on the same database (another airwrited): this process's
 * changes at once, another process's (SQL behind both) after the TTL. */
static void test_second_api(void **state)
{
    (void)state;
    db_connection *db = platform_test_db_open(&fx.tdb);
    test_server other;
    http_server_config config = {.address = "127.0.0.1",
                                 .certificate_file = pki.tls_cert,
                                 .key_file = pki.tls_key,
                                 .timeout_ms = 5000};
    test_server_new(&other, &config);
    platform_api *api = NULL;
    platform_api_config api_config = {.db = db, .keys = fx.ring, .clock = test_clock};
    assert_int_equal(platform_api_new(other.server, &api_config, &api), AW_OK);
    test_server_run(&other);
    http_server *first = fx.ts.server; /* call() aims at fx.ts.server */
    role_app a;
    role_app_make(&a, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    http_server *servers[2] = {first, other.server};
    for (size_t i = 0; i < 2; i++) {
        fx.ts.server = servers[i];
        expect_ping(&a, a.token.access_token, "appId", a.app.app_id);
    }
    behind_the_back("UPDATE platform_apps SET enabled = 0 WHERE app_id = '%s'", a.app.app_id);
    at(NOW + TTL_MS - 1);
    for (size_t i = 0; i < 2; i++) {
        fx.ts.server = servers[i];
        expect_ping(&a, a.token.access_token, "appId", a.app.app_id);
    }
    at(NOW + TTL_MS);
    for (size_t i = 0; i < 2; i++) {
        fx.ts.server = servers[i];
        expect_ping(&a, a.token.access_token, "appId", "I2003");
    }
    assert_int_equal(platform_app_set_enabled(fx.admin, a.app.app_id, true, NOW), AW_OK);
    for (size_t i = 0; i < 2; i++) {
        fx.ts.server = servers[i];
        expect_ping(&a, a.token.access_token, "appId", a.app.app_id);
    }
    fx.ts.server = first;
    test_server_free(&other);
    platform_api_free(api);
    db_close(db);
}

static void test_cache_off(void **state)
{
    (void)state;
    server_restart(PLATFORM_CREDENTIAL_CACHE_OFF);
    role_app a;
    role_app_make(&a, "tenant-a", PLATFORM_ROLE_TENANT_USER);
    expect_ping(&a, a.token.access_token, "tenant", "tenant-a");
    behind_the_back("UPDATE platform_apps SET tenant = 'tenant-z' WHERE app_id = '%s'",
                    a.app.app_id);
    expect_ping(&a, a.token.access_token, "tenant", "tenant-z");
    behind_the_back("UPDATE platform_tokens SET revoked_at = 1 WHERE app_id = '%s'",
                    a.app.app_id);
    expect_ping(&a, a.token.access_token, "tenant", "I2104");
    /* the TTL's bounds */
    platform_api *api = NULL;
    int64_t bad[] = {-2, PLATFORM_CREDENTIAL_CACHE_MAX_MS + 1};
    for (size_t i = 0; i < 2; i++) {
        platform_api_config api_config = {.db = fx.server_db, .keys = fx.ring,
                                          .credential_cache_ms = bad[i]};
        assert_int_equal(platform_api_new(fx.ts.server, &api_config, &api), AW_ERR_ARGUMENT);
        assert_null(api);
    }
}

/* ---- The cache itself ------------------------------------------------------- */

static void test_full_set_evicts_oldest(void **state)
{
    (void)state;
    platform_credential_cache *cache = NULL;
    /* one set of four */
    assert_int_equal(platform_credential_cache_new(PLATFORM_CREDENTIAL_CACHE_WAYS, 60000, &cache),
                     AW_OK);
    platform_app apps[PLATFORM_CREDENTIAL_CACHE_WAYS + 1];
    char secrets[PLATFORM_CREDENTIAL_CACHE_WAYS + 1][PLATFORM_APP_SECRET_LENGTH + 1];
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    for (size_t i = 0; i <= PLATFORM_CREDENTIAL_CACHE_WAYS; i++)
        apps[i] = new_app(NULL, secrets[i]);
    for (size_t i = 0; i < PLATFORM_CREDENTIAL_CACHE_WAYS; i++) {
        assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, apps[i].app_id,
                                                       NOW + (int64_t)i, &app, secret),
                         AW_OK);
        assert_string_equal(secret, secrets[i]);
        behind_the_back("UPDATE platform_apps SET tenant = 'tenant-z' WHERE app_id = '%s'",
                        apps[i].app_id);
    }
    int64_t now = NOW + 10;
    for (size_t i = 0; i < PLATFORM_CREDENTIAL_CACHE_WAYS; i++) { /* all four held */
        assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, apps[i].app_id,
                                                       now, &app, secret),
                         AW_OK);
        assert_string_equal(app.tenant, "tenant-a");
        assert_string_equal(secret, secrets[i]);
    }
    /* a fifth takes the place of the first read */
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, apps[4].app_id, now,
                                                   &app, secret),
                     AW_OK);
    assert_string_equal(secret, secrets[4]);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, NULL, apps[1].app_id, now,
                                                   &app, NULL),
                     AW_OK);
    assert_string_equal(app.tenant, "tenant-a"); /* still held */
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, apps[0].app_id, now,
                                                   &app, secret),
                     AW_OK);
    assert_string_equal(app.tenant, "tenant-z"); /* read again */
    assert_string_equal(secret, secrets[0]);
    /* an app read without its secret is read again when the secret is asked */
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, NULL, apps[2].app_id, now,
                                                   &app, NULL),
                     AW_OK);
    assert_string_equal(app.tenant, "tenant-a");
    platform_credential_cache_free(cache);
    assert_int_equal(platform_credential_cache_new(PLATFORM_CREDENTIAL_CACHE_WAYS, 60000, &cache),
                     AW_OK);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, NULL, apps[2].app_id, now,
                                                   &app, NULL),
                     AW_OK);
    behind_the_back("UPDATE platform_apps SET tenant = 'tenant-w' WHERE app_id = '%s'",
                    apps[2].app_id);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, apps[2].app_id, now,
                                                   &app, secret),
                     AW_OK);
    assert_string_equal(app.tenant, "tenant-w");
    assert_string_equal(secret, secrets[2]);
    platform_credential_cache_free(cache);
    platform_credential_cache_free(NULL);
}

static void test_tokens(void **state)
{
    (void)state;
    platform_credential_cache *cache = NULL;
    assert_int_equal(platform_credential_cache_new(16, 60000, &cache), AW_OK);
    platform_token_pair pair;
    assert_int_equal(platform_token_issue(fx.admin, fx.app.app_id, 1000, 60000, NOW, &pair),
                     AW_OK);
    platform_credential_token token;
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW, &token), AW_OK);
    assert_string_equal(token.app_id, fx.app.app_id);
    assert_int_equal(token.expires_at_ms, NOW + 1000);
    platform_user user;
    assert_int_equal(platform_credential_cache_session(cache, fx.admin, pair.access_token, &token,
                                                       NOW, &user),
                     AW_OK);
    assert_string_equal(user.username, ""); /* the app's own */
    /* gone behind the cache's back: held, until the token's own expiry */
    behind_the_back("DELETE FROM platform_tokens WHERE app_id = '%s'", fx.app.app_id);
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW + 999, &token),
        AW_OK);
    assert_int_equal(platform_credential_cache_session(cache, fx.admin, pair.access_token, &token,
                                                       NOW + 999, &user),
                     AW_OK);
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW + 1000, &token),
        AW_ERR_PLATFORM_TOKEN_EXPIRED); /* from the cache: the database says invalid */
    assert_string_equal(token.app_id, "");
    assert_int_equal(token.expires_at_ms, 0);
    assert_int_equal(
        platform_credential_cache_token(NULL, fx.admin, pair.access_token, NOW + 1000, &token),
        AW_ERR_PLATFORM_TOKEN_INVALID);
    /* refusals are not kept: a revoked token read each time */
    assert_int_equal(platform_token_issue(fx.admin, fx.app.app_id, 60000, 60000, NOW, &pair),
                     AW_OK);
    behind_the_back("UPDATE platform_tokens SET revoked_at = 1 WHERE app_id = '%s'",
                    fx.app.app_id);
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW, &token),
        AW_ERR_PLATFORM_TOKEN_REVOKED);
    behind_the_back("UPDATE platform_tokens SET revoked_at = NULL WHERE app_id = '%s'",
                    fx.app.app_id);
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW, &token), AW_OK);
    /* malformed and unknown tokens */
    assert_int_equal(platform_credential_cache_token(cache, fx.admin, "awat_x", NOW, &token),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    assert_int_equal(platform_credential_cache_token(cache, fx.admin, NULL, NOW, &token),
                     AW_ERR_PLATFORM_TOKEN_INVALID);
    pair.access_token[10] = pair.access_token[10] == 'a' ? 'b' : 'a';
    assert_int_equal(
        platform_credential_cache_token(cache, fx.admin, pair.access_token, NOW, &token),
        AW_ERR_PLATFORM_TOKEN_INVALID);
    platform_credential_cache_free(cache);
}

static void test_arguments(void **state)
{
    (void)state;
    platform_credential_cache *cache = NULL;
    assert_int_equal(platform_credential_cache_new(16, 1000, NULL), AW_ERR_ARGUMENT);
    size_t capacities[] = {0, 2, 12, PLATFORM_CREDENTIAL_CACHE_ENTRIES * 2};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(platform_credential_cache_new(capacities[i], 1000, &cache),
                         AW_ERR_ARGUMENT);
        assert_null(cache);
    }
    assert_int_equal(platform_credential_cache_new(16, 0, &cache), AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_new(PLATFORM_CREDENTIAL_CACHE_ENTRIES, 1000, &cache),
                     AW_OK);
    platform_app app;
    char secret[PLATFORM_APP_SECRET_LENGTH + 1];
    assert_int_equal(platform_credential_cache_app(cache, NULL, fx.ring, fx.app.app_id, NOW, &app,
                                                   secret),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, fx.app.app_id, NOW,
                                                   NULL, secret),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, fx.app.app_id, NOW,
                                                   &app, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, "bad id!", NOW, &app,
                                                   secret),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, fx.ring, "app0000000000000099",
                                                   NOW, &app, secret),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_credential_cache_app(NULL, fx.admin, fx.ring, fx.app.app_id, NOW,
                                                   &app, secret),
                     AW_OK);
    assert_string_equal(secret, fx.secret);
    platform_role role = 0;
    assert_int_equal(platform_credential_cache_role(cache, NULL, fx.app.app_id, NOW, &role),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_role(cache, fx.admin, fx.app.app_id, NOW, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_role(cache, fx.admin, "bad id!", NOW, &role),
                     AW_ERR_PLATFORM_APP_UNKNOWN);
    assert_int_equal(platform_credential_cache_role(NULL, fx.admin, fx.app.app_id, NOW, &role),
                     AW_OK);
    assert_int_equal(role, PLATFORM_ROLE_TENANT_USER);
    /* held beside its app */
    assert_int_equal(platform_credential_cache_app(cache, fx.admin, NULL, fx.app.app_id, NOW, &app,
                                                   NULL),
                     AW_OK);
    assert_int_equal(platform_credential_cache_role(cache, fx.admin, fx.app.app_id, NOW, &role),
                     AW_OK);
    behind_the_back("INSERT INTO platform_app_roles (app_id, role, updated_at) "
                    "VALUES ('%s', 'auditor', 0)",
                    fx.app.app_id);
    assert_int_equal(platform_credential_cache_role(cache, fx.admin, fx.app.app_id, NOW, &role),
                     AW_OK);
    assert_int_equal(role, PLATFORM_ROLE_TENANT_USER);
    platform_credential_token token;
    assert_int_equal(platform_credential_cache_token(cache, NULL, "awat_x", NOW, &token),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_token(cache, fx.admin, "awat_x", NOW, NULL),
                     AW_ERR_ARGUMENT);
    platform_user user;
    memset(&token, 0, sizeof(token));
    assert_int_equal(platform_credential_cache_session(cache, NULL, "awat_x", &token, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_session(cache, fx.admin, NULL, &token, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_session(cache, fx.admin, "awat_x", NULL, NOW, &user),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_session(cache, fx.admin, "awat_x", &token, NOW,
                                                       NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(platform_credential_cache_session(NULL, fx.admin, "awat_x", &token, NOW,
                                                       &user),
                     AW_OK);
    assert_string_equal(user.username, "");
    platform_credential_cache_free(cache);
}

/* ---- Request ids ------------------------------------------------------------------ */

#define ID_THREADS 4
#define IDS_PER_THREAD 2000

static void *make_ids(void *arg)
{
    char *ids = arg;
    for (size_t i = 0; i < IDS_PER_THREAD; i++)
        if (platform_request_id_new(ids + i * (PLATFORM_REQUEST_ID_LENGTH + 1)) != AW_OK)
            return arg;
    return NULL;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_request_ids(void **state)
{
    (void)state;
    const size_t size = PLATFORM_REQUEST_ID_LENGTH + 1;
    char *ids = calloc(ID_THREADS * IDS_PER_THREAD, size);
    assert_non_null(ids);
    pthread_t threads[ID_THREADS];
    for (size_t t = 0; t < ID_THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, make_ids,
                                        ids + t * IDS_PER_THREAD * size),
                         0);
    for (size_t t = 0; t < ID_THREADS; t++) {
        void *failed = NULL;
        assert_int_equal(pthread_join(threads[t], &failed), 0);
        assert_null(failed);
    }
    for (size_t i = 0; i < ID_THREADS * IDS_PER_THREAD; i++) {
        assert_int_equal(strlen(ids + i * size), PLATFORM_REQUEST_ID_LENGTH);
        assert_int_equal(strspn(ids + i * size, "0123456789abcdef"), PLATFORM_REQUEST_ID_LENGTH);
    }
    qsort(ids, ID_THREADS * IDS_PER_THREAD, size, compare_ids);
    for (size_t i = 1; i < ID_THREADS * IDS_PER_THREAD; i++)
        assert_string_not_equal(ids + (i - 1) * size, ids + i * size);
    free(ids);
    /* a forked child does not hand out its parent's next ids */
    char first[PLATFORM_REQUEST_ID_LENGTH + 1], parent[PLATFORM_REQUEST_ID_LENGTH + 1],
        child[PLATFORM_REQUEST_ID_LENGTH + 1] = "";
    assert_int_equal(platform_request_id_new(first), AW_OK);
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char id[PLATFORM_REQUEST_ID_LENGTH + 1] = "";
        (void)platform_request_id_new(id);
        _exit(write(pipe_fds[1], id, sizeof(id)) == (ssize_t)sizeof(id) ? 0 : 1);
    }
    close(pipe_fds[1]);
    assert_int_equal(read(pipe_fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    close(pipe_fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(platform_request_id_new(parent), AW_OK);
    assert_int_equal(strlen(child), PLATFORM_REQUEST_ID_LENGTH);
    assert_string_not_equal(child, parent);
    assert_int_equal(platform_request_id_new(NULL), AW_ERR_ARGUMENT);
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
    evthread_use_pthreads(); /* test_server_halt stops the loop from this thread */
    test_pki_make(&pki, AW_PKI_CURVE_NIST_P256, NULL, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cached_until_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_apply_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_set_evicts_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
        cmocka_unit_test(test_request_ids),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    test_pki_remove(&pki);
    return failed;
}
