/* Tests of the platform's request signatures (src/platform/auth_signature.c),
 * bounded JSON request bodies (api_json.c) and error model (api_error.c):
 * the worked examples of docs/api-signature.md (first computed with
 * Python's hmac/hashlib as an independent implementation), every form
 * error of the canonicaliser and header parser, and the error table against
 * docs/api-errors.md and docs/openapi.yaml. */
#include "platform_testutil.h"

#include <jansson.h>

static const char example_secret[] =
    "5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
static const char example_body[] =
    "{\"appId\":\"app0123456789abcdef\",\"appSecret\":"
    "\"5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70\"}";

static platform_signed_request example_a(void)
{
    return (platform_signed_request){.method = "GET",
                                     .path = "/api/v1/ping",
                                     .query = "z=9&a=2&a=10&flag",
                                     .app_id = "app0123456789abcdef",
                                     .timestamp = "1764567890",
                                     .nonce = "n0nce-Example_0001"};
}

static platform_signed_request example_b(void)
{
    return (platform_signed_request){.method = "POST",
                                     .path = "/api/v1/auth/token",
                                     .app_id = "app0123456789abcdef",
                                     .timestamp = "1764567890",
                                     .nonce = "Zm9vYmFyLW5vbmNlLTAy",
                                     .body = (const uint8_t *)example_body,
                                     .body_len = sizeof(example_body) - 1};
}

static void check_example(const platform_signed_request *request, const char *want_canonical,
                          const char *want_signature)
{
    char *canonical = NULL;
    assert_int_equal(platform_signature_canonical(request, &canonical), AW_OK);
    assert_string_equal(canonical, want_canonical);
    char hex[PLATFORM_SIGNATURE_HEX + 1];
    assert_int_equal(platform_signature_sign(request, example_secret, hex), AW_OK);
    assert_string_equal(hex, want_signature);
    /* the document shows exactly these values */
    char *doc = platform_test_source_file("docs/api-signature.md");
    char block[1024];
    snprintf(block, sizeof(block), "```\n%s\n```", canonical);
    assert_non_null(strstr(doc, block));
    char line[128];
    snprintf(line, sizeof(line), "`X-AW-Signature: %s`", hex);
    assert_non_null(strstr(doc, line));
    free(doc);
    free(canonical);
}

static void test_doc_example_a(void **state)
{
    (void)state;
    platform_signed_request request = example_a();
    check_example(&request,
                  "AW-HMAC-SHA256\nGET\n/api/v1/ping\na=10&a=2&flag=&z=9\napp0123456789abcdef\n"
                  "1764567890\nn0nce-Example_0001\n"
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                  "dde3c1e2fd67801195db9f9d497dfccbfbd6c52913ee22eab5c7c666776efb68");
}

static void test_doc_example_b(void **state)
{
    (void)state;
    platform_signed_request request = example_b();
    check_example(&request,
                  "AW-HMAC-SHA256\nPOST\n/api/v1/auth/token\n\napp0123456789abcdef\n1764567890\n"
                  "Zm9vYmFyLW5vbmNlLTAy\n"
                  "d87b29467e7e6138afce017c6a4b01417309c2836271956b85504fa84d88f5fe",
                  "bbac5ffb76cff618e7fb6b200b0f7c78ff043da2b315b88941b00e44b9cf8376");
    char *doc = platform_test_source_file("docs/api-signature.md");
    assert_non_null(strstr(doc, example_body));
    free(doc);
}

static aw_err canonical_error(platform_signed_request request)
{
    char *canonical = NULL;
    aw_err err = platform_signature_canonical(&request, &canonical);
    if (err == AW_OK)
        free(canonical);
    else
        assert_null(canonical);
    return err;
}

static void test_canonical_errors(void **state)
{
    (void)state;
    platform_signed_request r = example_a();
    char *out = NULL;
    assert_int_equal(platform_signature_canonical(NULL, &out), AW_ERR_ARGUMENT);
    assert_int_equal(platform_signature_canonical(&r, NULL), AW_ERR_ARGUMENT);
    r.method = "get";
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    r.method = NULL;
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    r = example_a();
    r.path = "api/v1/ping";
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    r.path = NULL;
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    r.path = "/api/v1/p ing";
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    r.path = "/api/v1/ping?x";
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    char long_path[PLATFORM_PATH_MAX + 2];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    r.path = long_path;
    assert_int_equal(canonical_error(r), AW_ERR_LIMIT);
    r = example_a();
    r.body_len = 3; /* no body pointer */
    assert_int_equal(canonical_error(r), AW_ERR_ARGUMENT);
    /* query form */
    static const char *const bad_queries[] = {"a&&b", "&a", "a&", "=x", "a=1#f", "a b"};
    for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
        r = example_a();
        r.query = bad_queries[i];
        assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_FIELD);
    }
    char many[PLATFORM_QUERY_PARAMETERS_MAX * 4 + 8] = "";
    for (size_t i = 0; i <= PLATFORM_QUERY_PARAMETERS_MAX; i++)
        strcat(many, i == 0 ? "a=1" : "&a=1");
    r.query = many;
    assert_int_equal(canonical_error(r), AW_ERR_LIMIT);
    many[strlen(many) - 4] = '\0'; /* exactly the maximum */
    assert_int_equal(canonical_error(r), AW_OK);
    char long_query[PLATFORM_QUERY_MAX + 2];
    memset(long_query, 'q', sizeof(long_query) - 1);
    long_query[sizeof(long_query) - 1] = '\0';
    r.query = long_query;
    assert_int_equal(canonical_error(r), AW_ERR_LIMIT);
    r.query = "";
    assert_int_equal(canonical_error(r), AW_OK);
    /* parameters without '=' grow by one byte each (found by fuzz_platform_request) */
    char bare[PLATFORM_QUERY_PARAMETERS_MAX * 2] = "";
    for (size_t i = 0; i < PLATFORM_QUERY_PARAMETERS_MAX; i++)
        strcat(bare, i == 0 ? "b" : "&b");
    r.query = bare;
    char *canonical = NULL;
    assert_int_equal(platform_signature_canonical(&r, &canonical), AW_OK);
    char want[PLATFORM_QUERY_PARAMETERS_MAX * 3] = "";
    for (size_t i = 0; i < PLATFORM_QUERY_PARAMETERS_MAX; i++)
        strcat(want, i == 0 ? "b=" : "&b=");
    assert_non_null(strstr(canonical, want));
    assert_non_null(strstr(canonical, "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    free(canonical);
    /* header values */
    static const char *const bad_timestamps[] = {"0", "01764567890", "1764567890123", "17645x",
                                                 "", "-1"};
    for (size_t i = 0; i < sizeof(bad_timestamps) / sizeof(bad_timestamps[0]); i++) {
        r = example_a();
        r.timestamp = bad_timestamps[i];
        assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_AUTH_HEADER);
    }
    static const char *const bad_nonces[] = {
        "short", "n0nce.Example_0001",
        "0123456789012345678901234567890123456789012345678901234567890123X"};
    for (size_t i = 0; i < sizeof(bad_nonces) / sizeof(bad_nonces[0]); i++) {
        r = example_a();
        r.nonce = bad_nonces[i];
        assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_AUTH_HEADER);
    }
    r = example_a();
    r.app_id = "app 1";
    assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_AUTH_HEADER);
    r.app_id = "app012345678901234567890123456789"; /* 33 characters */
    assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_AUTH_HEADER);
    r.app_id = NULL;
    assert_int_equal(canonical_error(r), AW_ERR_PLATFORM_AUTH_HEADER);
}

static void test_sign_verify(void **state)
{
    (void)state;
    platform_signed_request r = example_b();
    char hex[PLATFORM_SIGNATURE_HEX + 1];
    assert_int_equal(platform_signature_sign(&r, example_secret, hex), AW_OK);
    uint8_t mac[PLATFORM_SIGNATURE_SIZE];
    size_t len = 0;
    assert_int_equal(aw_hex_decode(hex, mac, sizeof(mac), &len), AW_OK);
    assert_int_equal(platform_signature_verify(&r, example_secret, mac), AW_OK);
    /* wrong secret */
    char other[sizeof(example_secret)];
    memcpy(other, example_secret, sizeof(other));
    other[0] = '6';
    assert_int_equal(platform_signature_verify(&r, other, mac), AW_ERR_MAC);
    /* another body, each signed part changed */
    platform_signed_request changed = r;
    changed.body_len--;
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.path = "/api/v1/auth/refresh";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.query = "a=1";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.method = "PUT";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.timestamp = "1764567891";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.nonce = "Zm9vYmFyLW5vbmNlLTAz";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    changed = r;
    changed.app_id = "app0123456789abcdee";
    assert_int_equal(platform_signature_verify(&changed, example_secret, mac), AW_ERR_MAC);
    /* argument errors */
    assert_int_equal(platform_signature_verify(&r, "", mac), AW_ERR_ARGUMENT);
    assert_int_equal(platform_signature_verify(&r, NULL, mac), AW_ERR_ARGUMENT);
    assert_int_equal(platform_signature_verify(&r, example_secret, NULL), AW_ERR_ARGUMENT);
    assert_int_equal(platform_signature_sign(&r, example_secret, NULL), AW_ERR_ARGUMENT);
    r.nonce = "bad";
    assert_int_equal(platform_signature_sign(&r, example_secret, hex), AW_ERR_PLATFORM_AUTH_HEADER);
    assert_string_equal(hex, "");
}

static void test_parse_headers(void **state)
{
    (void)state;
    const char *sig = "DDE3C1E2FD67801195DB9F9D497DFCCBFBD6C52913EE22EAB5C7C666776EFB68";
    platform_signature_headers h;
    assert_int_equal(platform_signature_parse_headers("app0123456789abcdef", "1764567890",
                                                      "n0nce-Example_0001", sig, &h),
                     AW_OK);
    assert_int_equal(h.timestamp_s, 1764567890);
    assert_string_equal(h.app_id, "app0123456789abcdef");
    assert_int_equal(h.signature[0], 0xDD);
    const char *fields[4] = {"app0123456789abcdef", "1764567890", "n0nce-Example_0001", sig};
    for (size_t missing = 0; missing < 4; missing++) {
        const char *f[4];
        memcpy(f, fields, sizeof(f));
        f[missing] = NULL;
        assert_int_equal(platform_signature_parse_headers(f[0], f[1], f[2], f[3], &h),
                         AW_ERR_PLATFORM_AUTH_HEADER);
        assert_null(h.app_id);
    }
    static const char *const bad_signatures[] = {
        "dde3c1e2fd67801195db9f9d497dfccbfbd6c52913ee22eab5c7c666776efb6",   /* 63 */
        "dde3c1e2fd67801195db9f9d497dfccbfbd6c52913ee22eab5c7c666776efb688", /* 65 */
        "gde3c1e2fd67801195db9f9d497dfccbfbd6c52913ee22eab5c7c666776efb68",  /* not hex */
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(platform_signature_parse_headers(fields[0], fields[1], fields[2],
                                                          bad_signatures[i], &h),
                         AW_ERR_PLATFORM_AUTH_HEADER);
    assert_int_equal(platform_signature_parse_headers(fields[0], "01", fields[2], sig, &h),
                     AW_ERR_PLATFORM_AUTH_HEADER);
    assert_int_equal(platform_signature_parse_headers(fields[0], fields[1], fields[2], sig, NULL),
                     AW_ERR_ARGUMENT);
}

static void test_time_window(void **state)
{
    (void)state;
    int64_t now_ms = 1764567890LL * 1000 + 999;
    assert_int_equal(platform_signature_check_time(1764567890, now_ms, 300), AW_OK);
    assert_int_equal(platform_signature_check_time(1764567890 - 300, now_ms, 300), AW_OK);
    assert_int_equal(platform_signature_check_time(1764567890 + 300, now_ms, 300), AW_OK);
    assert_int_equal(platform_signature_check_time(1764567890 - 301, now_ms, 300),
                     AW_ERR_PLATFORM_TIMESTAMP);
    assert_int_equal(platform_signature_check_time(1764567890 + 301, now_ms, 300),
                     AW_ERR_PLATFORM_TIMESTAMP);
    assert_int_equal(platform_signature_check_time(1764567890, now_ms, -1), AW_ERR_ARGUMENT);
}

/* ---- Cross-check with an independent implementation ------------------------- */

#define CROSSCHECK_REQUESTS 200

static uint8_t random_byte(void)
{
    uint8_t b = 0;
    assert_int_equal(crypto_random_bytes(&b, 1), AW_OK);
    return b;
}

/* count characters of alphabet into out, NUL-terminated */
static void random_text(char *out, size_t count, const char *alphabet)
{
    size_t n = strlen(alphabet);
    for (size_t i = 0; i < count; i++)
        out[i] = alphabet[random_byte() % n];
    out[count] = '\0';
}

/* Random requests signed here and by tests/platform_signature_crosscheck.py
 * (/usr/bin/python3, hmac and hashlib), which follows docs/api-signature.md. */
static void test_crosscheck_python(void **state)
{
    (void)state;
    const char *root = getenv("AW_SOURCE_ROOT");
    assert_non_null(root);
    char dir[] = "/tmp/aw_platform_sig_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char input[128], output[128], cmd[1024];
    snprintf(input, sizeof(input), "%s/requests.jsonl", dir);
    snprintf(output, sizeof(output), "%s/signatures.txt", dir);
    FILE *f = fopen(input, "w");
    assert_non_null(f);
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    static const char query_chars[] = "abAB01=%_-.~+*";
    char want[CROSSCHECK_REQUESTS][2 * PLATFORM_SIGNATURE_HEX + 2];
    for (size_t i = 0; i < CROSSCHECK_REQUESTS; i++) {
        char path[40], query[200], app_id[24], timestamp[16], nonce[72], secret[72];
        random_text(path + 1, 1 + random_byte() % 30, "abz09-_.~%/");
        path[0] = '/';
        /* parameters of 1..6 characters, some without '=' or with several */
        size_t params = random_byte() % 6, pos = 0;
        for (size_t p = 0; p < params; p++) {
            if (p > 0)
                query[pos++] = '&';
            query[pos++] = "abcAB0"[random_byte() % 6]; /* a non-empty name */
            random_text(query + pos, random_byte() % 6, query_chars);
            pos += strlen(query + pos);
        }
        query[pos] = '\0';
        random_text(app_id, 1 + random_byte() % 20, "abcdef0123456789_-XYZ");
        snprintf(timestamp, sizeof(timestamp), "%u", 1u + (unsigned)random_byte() * 7919u);
        random_text(nonce, PLATFORM_NONCE_MIN + random_byte() % 49, "aZ09_-");
        random_text(secret, 1 + random_byte() % 64, "0123456789abcdef");
        uint8_t body[64];
        size_t body_len = random_byte() % sizeof(body);
        assert_int_equal(crypto_random_bytes(body, sizeof(body)), AW_OK);
        char body_hex[2 * sizeof(body) + 1];
        aw_hex_encode(body, body_len, body_hex, false);
        platform_signed_request r = {.method = methods[random_byte() % 5], .path = path,
                                     .query = query, .app_id = app_id, .timestamp = timestamp,
                                     .nonce = nonce, .body = body, .body_len = body_len};
        char *canonical = NULL;
        assert_int_equal(platform_signature_canonical(&r, &canonical), AW_OK);
        uint8_t digest[CRYPTO_SHA256_SIZE];
        assert_int_equal(crypto_sha256((const uint8_t *)canonical, strlen(canonical), digest),
                         AW_OK);
        free(canonical);
        char signature[PLATFORM_SIGNATURE_HEX + 1];
        assert_int_equal(platform_signature_sign(&r, secret, signature), AW_OK);
        aw_hex_encode(digest, sizeof(digest), want[i], false);
        want[i][PLATFORM_SIGNATURE_HEX] = ' ';
        memcpy(want[i] + PLATFORM_SIGNATURE_HEX + 1, signature, PLATFORM_SIGNATURE_HEX + 1);
        fprintf(f,
                "{\"method\":\"%s\",\"path\":\"%s\",\"query\":\"%s\",\"appId\":\"%s\","
                "\"timestamp\":\"%s\",\"nonce\":\"%s\",\"bodyHex\":\"%s\",\"secret\":\"%s\"}\n",
                r.method, path, query, app_id, timestamp, nonce, body_hex, secret);
    }
    fclose(f);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/platform_signature_crosscheck.py %s > %s",
             root, input, output);
    assert_int_equal(system(cmd), 0);
    f = fopen(output, "r");
    assert_non_null(f);
    char line[256];
    for (size_t i = 0; i < CROSSCHECK_REQUESTS; i++) {
        assert_non_null(fgets(line, sizeof(line), f));
        line[strcspn(line, "\n")] = '\0';
        assert_string_equal(line, want[i]);
    }
    assert_null(fgets(line, sizeof(line), f));
    fclose(f);
    unlink(input);
    unlink(output);
    rmdir(dir);
}

/* ---- JSON bodies --------------------------------------------------------- */

static aw_err parse_token(const char *json)
{
    platform_token_request out;
    aw_err err = platform_json_parse_token_request((const uint8_t *)json, strlen(json), &out);
    if (err != AW_OK) {
        assert_string_equal(out.app_id, "");
        assert_string_equal(out.app_secret, "");
    }
    return err;
}

static void test_json_token_request(void **state)
{
    (void)state;
    platform_token_request out;
    assert_int_equal(platform_json_parse_token_request((const uint8_t *)example_body,
                                                       strlen(example_body), &out),
                     AW_OK);
    assert_string_equal(out.app_id, "app0123456789abcdef");
    assert_string_equal(out.app_secret, example_secret);
    /* AW_ERR_PLATFORM_JSON */
    assert_int_equal(parse_token(""), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("{"), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("[]"), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("\"appId\""), AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("{\"appId\":\"a\",\"appId\":\"b\",\"appSecret\":\"c\"}"),
                     AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("{\"appId\":\"a\\u0000b\",\"appSecret\":\"c\"}"),
                     AW_ERR_PLATFORM_JSON);
    assert_int_equal(parse_token("{\"appId\":\"a\",\"appSecret\":\"c\"} x"), AW_ERR_PLATFORM_JSON);
    /* nine levels: over the depth bound, even inside an unknown member */
    assert_int_equal(parse_token("{\"x\":[[[[[[[[1]]]]]]]]}"), AW_ERR_PLATFORM_JSON);
    /* brackets inside strings do not count */
    assert_int_equal(parse_token("{\"appId\":\"a\",\"appSecret\":\"[[[[[[[[[[\\\"{{{{{{{{{\"}"),
                     AW_OK);
    char *big = malloc(PLATFORM_JSON_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, ' ', PLATFORM_JSON_MAX_BODY + 1);
    static const char small[] = "{\"appId\":\"a\",\"appSecret\":\"c\"}";
    memcpy(big, small, sizeof(small) - 1);
    big[PLATFORM_JSON_MAX_BODY + 1] = '\0';
    assert_int_equal(parse_token(big), AW_ERR_PLATFORM_JSON);
    big[PLATFORM_JSON_MAX_BODY] = '\0'; /* exactly the bound */
    assert_int_equal(parse_token(big), AW_OK);
    free(big);
    assert_int_equal(platform_json_parse_token_request(NULL, 0, &out), AW_ERR_PLATFORM_JSON);
    assert_int_equal(platform_json_parse_token_request((const uint8_t *)"{}", 2, NULL),
                     AW_ERR_ARGUMENT);
    /* AW_ERR_PLATFORM_FIELD */
    assert_int_equal(parse_token("{\"appId\":\"a\"}"), AW_ERR_PLATFORM_FIELD);
    assert_int_equal(parse_token("{\"appSecret\":\"a\"}"), AW_ERR_PLATFORM_FIELD);
    assert_int_equal(parse_token("{\"appId\":1,\"appSecret\":\"c\"}"), AW_ERR_PLATFORM_FIELD);
    assert_int_equal(parse_token("{\"appId\":\"\",\"appSecret\":\"c\"}"), AW_ERR_PLATFORM_FIELD);
    assert_int_equal(parse_token("{\"appId\":\"a b\",\"appSecret\":\"c\"}"), AW_ERR_PLATFORM_FIELD);
    assert_int_equal(parse_token("{\"appId\":\"a\",\"appSecret\":\"c\",\"extra\":1}"),
                     AW_ERR_PLATFORM_FIELD);
    char long_secret[200];
    snprintf(long_secret, sizeof(long_secret), "{\"appId\":\"a\",\"appSecret\":\"%s0\"}",
             example_secret);
    assert_int_equal(parse_token(long_secret), AW_ERR_PLATFORM_FIELD);
}

static void test_json_token_member(void **state)
{
    (void)state;
    char token[PLATFORM_TOKEN_LENGTH + 1];
    const char *ok = "{\"refreshToken\":\"awrt_00\"}";
    assert_int_equal(platform_json_parse_token_member((const uint8_t *)ok, strlen(ok),
                                                      "refreshToken", token),
                     AW_OK);
    assert_string_equal(token, "awrt_00");
    const char *other = "{\"token\":\"awrt_00\"}";
    assert_int_equal(platform_json_parse_token_member((const uint8_t *)other, strlen(other),
                                                      "refreshToken", token),
                     AW_ERR_PLATFORM_FIELD);
    assert_string_equal(token, "");
    char too_long[PLATFORM_TOKEN_LENGTH + 32];
    snprintf(too_long, sizeof(too_long), "{\"token\":\"%0*d\"}", (int)PLATFORM_TOKEN_LENGTH + 1, 0);
    assert_int_equal(platform_json_parse_token_member((const uint8_t *)too_long, strlen(too_long),
                                                      "token", token),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_json_parse_token_member((const uint8_t *)"[1]", 3, "token", token),
                     AW_ERR_PLATFORM_JSON);
    assert_int_equal(platform_json_parse_token_member((const uint8_t *)ok, strlen(ok), NULL, token),
                     AW_ERR_ARGUMENT);
}

/* ---- Error model --------------------------------------------------------- */

static void test_error_table(void **state)
{
    (void)state;
    char *doc = platform_test_source_file("docs/api-errors.md");
    char *openapi = platform_test_source_file("docs/openapi.yaml");
    for (int e = 0; e < PLATFORM_API_ERROR__COUNT; e++) {
        const platform_api_error_info *info = platform_api_error_get((platform_api_error)e);
        assert_non_null(info);
        assert_non_null(info->code);
        assert_int_equal(strlen(info->code), 5);
        assert_int_equal(info->code[0], platform_error_class_letter(info->error_class));
        assert_true(info->http_status >= 400 && info->http_status <= 599);
        assert_non_null(info->message);
        for (int other = 0; other < e; other++)
            assert_string_not_equal(platform_api_error_get((platform_api_error)other)->code,
                                    info->code);
        /* docs/api-errors.md has the row "| `I1001` | 400 | ..." */
        char row[64];
        snprintf(row, sizeof(row), "| `%s` | %d |", info->code, info->http_status);
        if (strstr(doc, row) == NULL)
            print_error("docs/api-errors.md lacks the row %s\n", row);
        assert_non_null(strstr(doc, row));
        /* docs/openapi.yaml lists it in the ErrorCode enum */
        char item[32];
        snprintf(item, sizeof(item), "- %s\n", info->code);
        assert_non_null(strstr(openapi, item));
    }
    assert_null(platform_api_error_get(PLATFORM_API_ERROR__COUNT));
    assert_null(platform_api_error_get((platform_api_error)-1));
    assert_int_equal(platform_error_class_letter(PLATFORM_ERROR_CLASS_APPLICATION), 'A');
    assert_int_equal(platform_error_class_letter(PLATFORM_ERROR_CLASS_WRITE), 'W');
    assert_int_equal(platform_error_class_letter(PLATFORM_ERROR_CLASS_TERMINAL), 'T');
    assert_int_equal(platform_error_class_letter((platform_error_class)9), '?');
    free(doc);
    free(openapi);
}

static void test_error_mapping(void **state)
{
    (void)state;
    static const struct {
        aw_err err;
        platform_api_error api;
    } map[] = {
        {AW_ERR_PLATFORM_JSON, PLATFORM_API_MALFORMED_JSON},
        {AW_ERR_PLATFORM_FIELD, PLATFORM_API_INVALID_FIELD},
        {AW_ERR_LIMIT, PLATFORM_API_INVALID_FIELD},
        {AW_ERR_PLATFORM_AUTH_HEADER, PLATFORM_API_SIGNATURE_HEADER},
        {AW_ERR_PLATFORM_APP_UNKNOWN, PLATFORM_API_UNKNOWN_APP},
        {AW_ERR_PLATFORM_APP_DISABLED, PLATFORM_API_APP_DISABLED},
        {AW_ERR_MAC, PLATFORM_API_BAD_SIGNATURE},
        {AW_ERR_PLATFORM_TIMESTAMP, PLATFORM_API_TIMESTAMP_WINDOW},
        {AW_ERR_PLATFORM_NONCE_REPLAYED, PLATFORM_API_NONCE_REPLAYED},
        {AW_ERR_PLATFORM_CREDENTIALS, PLATFORM_API_BAD_CREDENTIALS},
        {AW_ERR_PLATFORM_TOKEN_INVALID, PLATFORM_API_TOKEN_INVALID},
        {AW_ERR_PLATFORM_TOKEN_EXPIRED, PLATFORM_API_TOKEN_EXPIRED},
        {AW_ERR_PLATFORM_TOKEN_REVOKED, PLATFORM_API_TOKEN_REVOKED},
        {AW_ERR_PLATFORM_RATE_LIMITED, PLATFORM_API_RATE_LIMITED},
        {AW_ERR_PLATFORM_QUOTA_EXHAUSTED, PLATFORM_API_QUOTA_EXHAUSTED},
        {AW_ERR_PLATFORM_IDEMPOTENCY, PLATFORM_API_IDEMPOTENCY_CONFLICT},
        {AW_ERR_PLATFORM_EID, PLATFORM_API_INVALID_EID},
        {AW_ERR_PLATFORM_BATCH, PLATFORM_API_BATCH_SIZE},
        {AW_ERR_PLATFORM_ORDER_UNKNOWN, PLATFORM_API_ORDER_UNKNOWN},
        {AW_ERR_PLATFORM_ORDER_STATE, PLATFORM_API_ORDER_STATE},
        {AW_ERR_PLATFORM_TRANSITION, PLATFORM_API_INTERNAL},
        {AW_ERR_DB_BUSY, PLATFORM_API_UNAVAILABLE},
        {AW_ERR_DB_CONNECTION, PLATFORM_API_UNAVAILABLE},
        {AW_ERR_PLATFORM_DECRYPT, PLATFORM_API_INTERNAL},
        {AW_ERR_NOMEM, PLATFORM_API_INTERNAL},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        assert_int_equal(platform_api_error_from_err(map[i].err), map[i].api);
}

static void test_error_body(void **state)
{
    (void)state;
    char id[PLATFORM_REQUEST_ID_LENGTH + 1], id2[PLATFORM_REQUEST_ID_LENGTH + 1];
    assert_int_equal(platform_request_id_new(id), AW_OK);
    assert_int_equal(platform_request_id_new(id2), AW_OK);
    assert_int_equal(strlen(id), PLATFORM_REQUEST_ID_LENGTH);
    assert_int_equal(strspn(id, "0123456789abcdef"), PLATFORM_REQUEST_ID_LENGTH);
    assert_string_not_equal(id, id2);
    assert_int_equal(platform_request_id_new(NULL), AW_ERR_ARGUMENT);
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(platform_api_error_body(PLATFORM_API_NONCE_REPLAYED, id, &json, &len), AW_OK);
    json_error_t error;
    json_t *root = json_loadb(json, len, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), 3);
    assert_string_equal(json_string_value(json_object_get(root, "code")), "I2006");
    assert_string_equal(json_string_value(json_object_get(root, "message")), "nonce already used");
    assert_string_equal(json_string_value(json_object_get(root, "requestId")), id);
    json_decref(root);
    free(json);
    assert_int_equal(platform_api_error_body(PLATFORM_API_ERROR__COUNT, id, &json, &len),
                     AW_ERR_ARGUMENT);
    assert_null(json);
    assert_int_equal(platform_api_error_body(PLATFORM_API_INTERNAL, NULL, &json, &len),
                     AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_example_a),
        cmocka_unit_test(test_doc_example_b),
        cmocka_unit_test(test_canonical_errors),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_parse_headers),
        cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_crosscheck_python),
        cmocka_unit_test(test_json_token_request),
        cmocka_unit_test(test_json_token_member),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_error_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
