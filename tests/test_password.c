/* Tests for console password hashing and policy (core/password.h): the
 * RFC 7914 12 known answer, the PHC string form, every error path, rehash
 * detection, and a cross-check both ways with an independent scrypt
 * (Python's hashlib.scrypt run by /usr/bin/python3,
 * tests/crosscheck_password.py). Prints the time per hash at the default
 * parameters. */
#include "testutil.h"

#include <time.h>
#include <unistd.h>

#include "core/password.h"

#define PYTHON "/usr/bin/python3"

/* RFC 7914 12, third test vector, as a PHC string. */
static const char rfc7914_phc[] =
    "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw";

static const password_parameters fast = {.log2_n = 14, .r = 8, .p = 1};

static void test_known_answer(void **state)
{
    (void)state;
    assert_int_equal(password_verify("pleaseletmein", rfc7914_phc), AW_OK);
    assert_int_equal(password_verify("pleaseletmeiN", rfc7914_phc), AW_ERR_PASSWORD_MISMATCH);
    char out[PASSWORD_STRING_MAX + 1];
    assert_int_equal(password_hash_with_salt("pleaseletmein", &fast,
                                             (const uint8_t *)"SodiumChloride", 14, 64, out,
                                             sizeof(out)),
                     AW_OK);
    assert_string_equal(out, rfc7914_phc);
    password_stored parsed;
    assert_int_equal(password_parse(rfc7914_phc, &parsed), AW_OK);
    assert_int_equal(parsed.params.log2_n, 14);
    assert_int_equal(parsed.params.r, 8);
    assert_int_equal(parsed.params.p, 1);
    assert_int_equal(parsed.salt_len, 14);
    assert_memory_equal(parsed.salt, "SodiumChloride", 14);
    assert_int_equal(parsed.hash_len, 64);
    test_assert_hex(parsed.hash, 4, "7023bdcb");
}

static void test_round_trip(void **state)
{
    (void)state;
    char a[PASSWORD_STRING_MAX + 1], b[PASSWORD_STRING_MAX + 1];
    const char *pw = "correct horse battery staple";
    assert_int_equal(password_hash(pw, &fast, a, sizeof(a)), AW_OK);
    assert_int_equal(password_hash(pw, &fast, b, sizeof(b)), AW_OK);
    assert_true(strncmp(a, "$scrypt$ln=14,r=8,p=1$", 22) == 0);
    /* 16-byte salt and 32-byte hash: 22 + 22 + 1 + 43 characters */
    assert_int_equal(strlen(a), 22 + 22 + 1 + 43);
    assert_string_not_equal(a, b); /* fresh salt each time */
    assert_int_equal(password_verify(pw, a), AW_OK);
    assert_int_equal(password_verify(pw, b), AW_OK);
    assert_int_equal(password_verify("correct horse battery stapl", a), AW_ERR_PASSWORD_MISMATCH);
    assert_int_equal(password_verify("", a), AW_ERR_PASSWORD_MISMATCH);
    /* empty password hashes and verifies (the policy is separate) */
    assert_int_equal(password_hash("", &fast, a, sizeof(a)), AW_OK);
    assert_int_equal(password_verify("", a), AW_OK);
}

static void test_hash_errors(void **state)
{
    (void)state;
    char out[PASSWORD_STRING_MAX + 1];
    uint8_t salt[PASSWORD_SALT_MAX + 1] = {0};
    password_parameters weak = {.log2_n = 13, .r = 8, .p = 1};
    assert_int_equal(password_hash("x", &weak, out, sizeof(out)), AW_ERR_PASSWORD_PARAMETERS);
    assert_string_equal(out, "");
    assert_int_equal(password_hash_with_salt("x", &fast, salt, PASSWORD_SALT_MIN - 1, 32, out,
                                             sizeof(out)),
                     AW_ERR_ARGUMENT);
    assert_int_equal(password_hash_with_salt("x", &fast, salt, PASSWORD_SALT_MAX + 1, 32, out,
                                             sizeof(out)),
                     AW_ERR_ARGUMENT);
    assert_int_equal(password_hash_with_salt("x", &fast, salt, 16, PASSWORD_HASH_MIN - 1, out,
                                             sizeof(out)),
                     AW_ERR_ARGUMENT);
    assert_int_equal(password_hash_with_salt("x", &fast, salt, 16, PASSWORD_HASH_MAX + 1, out,
                                             sizeof(out)),
                     AW_ERR_ARGUMENT);
    assert_int_equal(password_hash(NULL, &fast, out, sizeof(out)), AW_ERR_ARGUMENT);
    /* the buffer: too small for the parameters, the salt, the hash */
    assert_int_equal(password_hash("x", &fast, out, 10), AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(password_hash("x", &fast, out, 30), AW_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(password_hash("x", &fast, out, 50), AW_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");
    assert_int_equal(password_hash("x", &fast, out, 22 + 22 + 1 + 43 + 1), AW_OK);
    /* over PASSWORD_BYTES_MAX */
    char *huge = malloc(PASSWORD_BYTES_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'a', PASSWORD_BYTES_MAX + 1);
    huge[PASSWORD_BYTES_MAX + 1] = '\0';
    assert_int_equal(password_hash(huge, &fast, out, sizeof(out)), AW_ERR_PASSWORD_TOO_LONG);
    assert_int_equal(password_verify(huge, rfc7914_phc), AW_ERR_PASSWORD_TOO_LONG);
    huge[PASSWORD_BYTES_MAX] = '\0'; /* exactly the bound is fine */
    assert_int_equal(password_hash(huge, &fast, out, sizeof(out)), AW_OK);
    assert_int_equal(password_verify(huge, out), AW_OK);
    free(huge);
    assert_int_equal(password_verify(NULL, rfc7914_phc), AW_ERR_ARGUMENT);
}

static void test_parameter_bounds(void **state)
{
    (void)state;
    static const password_parameters bad[] = {
        {13, 8, 1}, {21, 8, 1}, {14, 7, 1}, {14, 33, 1}, {14, 8, 0}, {14, 8, 17},
        {19, 32, 1}, /* 2 GiB */
        {20, 9, 1},  /* just over 1 GiB */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(password_parameters_check(&bad[i]), AW_ERR_PASSWORD_PARAMETERS);
    static const password_parameters good[] = {{14, 8, 1}, {17, 8, 1}, {20, 8, 16}, {18, 32, 1}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(password_parameters_check(&good[i]), AW_OK);
    assert_int_equal(password_parameters_check(NULL), AW_ERR_PASSWORD_PARAMETERS);
    assert_int_equal(password_parameters_check(&PASSWORD_DEFAULT_PARAMETERS), AW_OK);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const malformed[] = {
        "",
        "scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
        "$scrypt$ln=14,r=8$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$r=8,ln=14,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=014,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=+14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=100,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1,x=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        /* padded base64, URL alphabet, non-canonical last symbol */
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU=$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046_2o-7qQT44-qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGV$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        /* salt of 6 bytes, hash of 31 bytes, hash over 64 bytes */
        "$scrypt$ln=14,r=8,p=1$c2FsdHNh$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdo",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
        "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYh3cA",
        /* missing hash, trailing text, empty salt, length 1 mod 4 */
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI$",
        "$scrypt$ln=14,r=8,p=1$$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGUab$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI\n",
    };
    password_stored parsed;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        aw_err err = password_parse(malformed[i], &parsed);
        if (err != AW_ERR_PASSWORD_FORMAT)
            print_error("case %zu: %s\n", i, aw_err_name(err));
        assert_int_equal(err, AW_ERR_PASSWORD_FORMAT);
        assert_int_equal(parsed.salt_len, 0);
        assert_int_equal(password_verify("x", malformed[i]), AW_ERR_PASSWORD_FORMAT);
    }
    assert_int_equal(password_parse(NULL, &parsed), AW_ERR_PASSWORD_FORMAT);
    assert_int_equal(password_parse(rfc7914_phc, NULL), AW_ERR_ARGUMENT);
    char long_text[PASSWORD_STRING_MAX + 2];
    memset(long_text, 'A', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    memcpy(long_text, "$scrypt$", 8);
    assert_int_equal(password_parse(long_text, &parsed), AW_ERR_PASSWORD_FORMAT);
    /* well formed but weaker than the floor, or dearer than the ceiling */
    static const char *const out_of_bounds[] = {
        "$scrypt$ln=10,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=1,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=14,r=8,p=0$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=30,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
        "$scrypt$ln=19,r=32,p=16$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI",
    };
    for (size_t i = 0; i < sizeof(out_of_bounds) / sizeof(out_of_bounds[0]); i++) {
        assert_int_equal(password_parse(out_of_bounds[i], &parsed), AW_ERR_PASSWORD_PARAMETERS);
        assert_int_equal(password_verify("x", out_of_bounds[i]), AW_ERR_PASSWORD_PARAMETERS);
    }
}

static void test_needs_rehash(void **state)
{
    (void)state;
    char stored[PASSWORD_STRING_MAX + 1];
    password_parameters p15 = {.log2_n = 15, .r = 8, .p = 2};
    assert_int_equal(password_hash("a long passphrase", &p15, stored, sizeof(stored)), AW_OK);
    bool needed = true;
    assert_int_equal(password_needs_rehash(stored, &p15, &needed), AW_OK);
    assert_false(needed);
    assert_int_equal(password_needs_rehash(stored, &fast, &needed), AW_OK);
    assert_false(needed); /* current parameters lower: keep the stronger hash */
    static const password_parameters higher[] = {{16, 8, 2}, {15, 9, 2}, {15, 8, 3}};
    for (size_t i = 0; i < 3; i++) {
        needed = false;
        assert_int_equal(password_needs_rehash(stored, &higher[i], &needed), AW_OK);
        assert_true(needed);
    }
    /* the default parameters (ln=17) are above ln=15 */
    assert_int_equal(password_needs_rehash(stored, NULL, &needed), AW_OK);
    assert_true(needed);
    /* a 14-byte salt (shorter than this module makes) asks for a rehash */
    assert_int_equal(password_needs_rehash(rfc7914_phc, &fast, &needed), AW_OK);
    assert_true(needed);
    password_parameters weak = {.log2_n = 12, .r = 8, .p = 1};
    assert_int_equal(password_needs_rehash(stored, &weak, &needed), AW_ERR_PASSWORD_PARAMETERS);
    assert_false(needed);
    assert_int_equal(password_needs_rehash("$scrypt$", &fast, &needed), AW_ERR_PASSWORD_FORMAT);
    assert_int_equal(password_needs_rehash(stored, &fast, NULL), AW_ERR_ARGUMENT);
}

/* ---- Cross-check with Python's hashlib.scrypt ------------------------- */

static bool python_available(void)
{
    const char *root = getenv("AW_SOURCE_ROOT");
    if (root == NULL || access(PYTHON, X_OK) != 0) {
        printf("crosscheck: needs AW_SOURCE_ROOT (meson test) and " PYTHON "\n");
        return false;
    }
    return true;
}

static void run_python(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), PYTHON " '%s/tests/crosscheck_password.py' %s",
             getenv("AW_SOURCE_ROOT"), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    int status = pclose(p);
    if (status != 0)
        print_error("reference failed (%d): %s\n", status, cmd);
    assert_int_equal(status, 0);
}

static void test_crosscheck_python(void **state)
{
    (void)state;
    if (!python_available())
        skip();
    static const char *const passwords[] = {"pleaseletmein", "Pässwörd mit Ümläuten ✓", "x"};
    static const password_parameters sets[] = {{14, 8, 1}, {15, 8, 2}, {14, 16, 1}};
    for (size_t i = 0; i < 3; i++) {
        const char *pw = passwords[i];
        char pw_hex[256];
        aw_hex_encode((const uint8_t *)pw, strlen(pw), pw_hex, false);
        char ours[PASSWORD_STRING_MAX + 1], args[512], answer[512];
        /* ours -> python */
        assert_int_equal(password_hash(pw, &sets[i], ours, sizeof(ours)), AW_OK);
        snprintf(args, sizeof(args), "verify %s '%s'", pw_hex, ours);
        run_python(args, answer, sizeof(answer));
        assert_string_equal(answer, "match");
        /* python -> ours */
        snprintf(args, sizeof(args), "hash %s %u %u %u", pw_hex, sets[i].log2_n, sets[i].r,
                 sets[i].p);
        run_python(args, answer, sizeof(answer));
        assert_int_equal(password_verify(pw, answer), AW_OK);
        assert_int_equal(password_verify("wrong", answer), AW_ERR_PASSWORD_MISMATCH);
        /* python sees the mismatch of a wrong password too */
        snprintf(args, sizeof(args), "verify 77726f6e67 '%s'", ours);
        run_python(args, answer, sizeof(answer));
        assert_string_equal(answer, "mismatch");
    }
}

/* ---- Policy ----------------------------------------------------------- */

static void test_policy(void **state)
{
    (void)state;
    const password_policy *def = NULL;
    assert_int_equal(password_policy_check(def, "alice", "violet-kettle-orbit"), AW_OK);
    /* 12 characters is the default minimum; characters, not bytes */
    assert_int_equal(password_policy_check(def, "alice", "abcdefghijk"), AW_ERR_PASSWORD_TOO_SHORT);
    assert_int_equal(password_policy_check(def, "alice", "abcdefghijkl"), AW_OK);
    assert_int_equal(password_policy_check(def, "alice", "ééééééééééé"),
                     AW_ERR_PASSWORD_TOO_SHORT); /* 22 bytes, 11 characters */
    assert_int_equal(password_policy_check(def, "alice", "éééééééééééé"), AW_OK);
    char long_pw[200];
    memset(long_pw, 'k', 129);
    long_pw[129] = '\0';
    assert_int_equal(password_policy_check(def, "alice", long_pw), AW_ERR_PASSWORD_TOO_LONG);
    long_pw[128] = '\0';
    assert_int_equal(password_policy_check(def, "alice", long_pw), AW_OK);
    char *huge = malloc(PASSWORD_BYTES_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'k', PASSWORD_BYTES_MAX + 1);
    huge[PASSWORD_BYTES_MAX + 1] = '\0';
    assert_int_equal(password_policy_check(def, "alice", huge), AW_ERR_PASSWORD_TOO_LONG);
    assert_int_equal(password_policy_check(def, huge, "violet-kettle-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    free(huge);
    /* encoding: invalid UTF-8, C0, DEL and C1 controls, in password or user name */
    assert_int_equal(password_policy_check(def, "alice", "violet-kettle\xff-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    assert_int_equal(password_policy_check(def, "alice", "violet-kettle\t-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    assert_int_equal(password_policy_check(def, "alice", "violet-kettle\x7f-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    assert_int_equal(password_policy_check(def, "alice", "violet-kettle\xc2\x85-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    assert_int_equal(password_policy_check(def, "ali\xc3", "violet-kettle-orbit"),
                     AW_ERR_PASSWORD_ENCODING);
    /* the user name, ignoring ASCII case */
    assert_int_equal(password_policy_check(def, "Operator.Zhang", "operator.zhang"),
                     AW_ERR_PASSWORD_USER_NAME);
    assert_int_equal(password_policy_check(def, "operator.zhang", "OPERATOR.ZHANG"),
                     AW_ERR_PASSWORD_USER_NAME);
    assert_int_equal(password_policy_check(def, "operator.zhang", "operator.zhang!"), AW_OK);
    /* common passwords, ignoring ASCII case */
    assert_int_equal(password_policy_check(def, "alice", "Password1234"), AW_ERR_PASSWORD_COMMON);
    assert_int_equal(password_policy_check(def, "alice", "QWERTY123456"), AW_ERR_PASSWORD_COMMON);
    assert_int_equal(password_policy_check(def, "alice", "1qaz2wsx3edc"), AW_ERR_PASSWORD_COMMON);
    password_policy eight = {.min_characters = 8, .max_characters = 64};
    assert_int_equal(password_policy_check(&eight, "alice", "P@ssw0rd"), AW_ERR_PASSWORD_COMMON);
    assert_int_equal(password_policy_check(&eight, "alice", "iloveyou"), AW_ERR_PASSWORD_COMMON);
    assert_int_equal(password_policy_check(&eight, "alice", "kettle88"), AW_OK);
    assert_int_equal(password_policy_check(&eight, "alice", "kettle8"), AW_ERR_PASSWORD_TOO_SHORT);
    /* a bad policy or missing argument */
    password_policy seven = {.min_characters = 7, .max_characters = 64};
    assert_int_equal(password_policy_check(&seven, "alice", "kettle88"), AW_ERR_ARGUMENT);
    password_policy inverted = {.min_characters = 16, .max_characters = 12};
    assert_int_equal(password_policy_check(&inverted, "alice", "kettle88"), AW_ERR_ARGUMENT);
    password_policy too_big = {.min_characters = 8, .max_characters = PASSWORD_BYTES_MAX + 1};
    assert_int_equal(password_policy_check(&too_big, "alice", "kettle88"), AW_ERR_ARGUMENT);
    assert_int_equal(password_policy_check(def, NULL, "kettle88"), AW_ERR_ARGUMENT);
    assert_int_equal(password_policy_check(def, "alice", NULL), AW_ERR_ARGUMENT);
}

/* The figure for the report: time per hash at the default parameters. */
static void test_default_cost(void **state)
{
    (void)state;
    char stored[PASSWORD_STRING_MAX + 1];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(password_hash("violet-kettle-orbit", NULL, stored, sizeof(stored)), AW_OK);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double hash_ms = (double)(end.tv_sec - start.tv_sec) * 1e3 +
                     (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    assert_true(strncmp(stored, "$scrypt$ln=17,r=8,p=1$", 22) == 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(password_verify("violet-kettle-orbit", stored), AW_OK);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double verify_ms = (double)(end.tv_sec - start.tv_sec) * 1e3 +
                       (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    printf("scrypt ln=17 r=8 p=1 (128 MiB): hash %.0f ms, verify %.0f ms\n", hash_ms, verify_ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hash_errors),
        cmocka_unit_test(test_parameter_bounds),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_crosscheck_python),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_default_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
