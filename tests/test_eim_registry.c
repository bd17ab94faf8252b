/* eIM registry (src/eim/registry.c, registry_parse.c): bulk registration
 * from CSV and JSON with every refusal, all-or-nothing import, certificate
 * chains, EID conversions, signing key references, and the counterValue
 * (SGP.32 2.11.1.1): kept across a restart, never the same twice when two
 * processes with their own connections allocate at once or queue signed
 * packages at once, refused when exhausted. Run against SQLite and, under tests/pg-harness.sh, PostgreSQL:
 *   test_eim_registry sqlite|postgresql */
#include "eim_testutil.h"

#include <sys/wait.h>
#include <time.h>

static pki_hierarchy hierarchy;
static char eid0[EIM_EID_DIGITS + 1];
static char eid1[EIM_EID_DIGITS + 1];

static const eim_registry_defaults defaults = {.eim_id = EIM_TEST_EIM_ID};

/* ---- CSV --------------------------------------------------------------------- */

static aw_err parse_csv_text(const char *text, eim_batch **batch, size_t *line)
{
    return eim_registry_parse_csv((const uint8_t *)text, strlen(text), &defaults, batch, line);
}

static aw_err parse_json_text(const char *text, eim_batch **batch, size_t *line)
{
    return eim_registry_parse_json((const uint8_t *)text, strlen(text), &defaults, batch, line);
}

static void test_csv_accepts(void **state)
{
    (void)state;
    char *cert = eim_test_certificate_base64(hierarchy.cert[AW_PKI_ROLE_EUICC]);
    char *eum = eim_test_certificate_base64(hierarchy.cert[AW_PKI_ROLE_EUM]);
    char text[8192];
    snprintf(text, sizeof(text),
             "eid,counter_value,association_token,eim_id,signing_key,euicc_certificate,"
             "eum_certificate\r\n"
             "%s,7,42,\"other,eim\",key-2,%s,%s\r\n"
             "\"%s\",,,,,,\n",
             eid0, cert, eum, eid1);
    eim_batch *batch = NULL;
    size_t line = 99;
    assert_int_equal(parse_csv_text(text, &batch, &line), AW_OK);
    assert_int_equal(line, 0);
    assert_int_equal(batch->count, 2);
    const eim_euicc *a = &batch->records[0], *b = &batch->records[1];
    assert_string_equal(a->eid, eid0);
    assert_int_equal(a->counter_value, 7);
    assert_true(a->has_association_token);
    assert_int_equal(a->association_token, 42);
    assert_string_equal(a->eim_id, "other,eim");
    assert_string_equal(a->signing_key, "key-2");
    aw_slice der = pki_certificate_der(hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(a->euicc_certificate_len, der.len);
    assert_memory_equal(a->euicc_certificate, der.ptr, der.len);
    assert_non_null(a->eum_certificate);
    /* empty fields keep the defaults */
    assert_string_equal(b->eid, eid1);
    assert_int_equal(b->counter_value, 0);
    assert_false(b->has_association_token);
    assert_string_equal(b->eim_id, EIM_TEST_EIM_ID);
    assert_string_equal(b->signing_key, "eim");
    assert_null(b->euicc_certificate);
    eim_batch_free(batch);
    free(cert);
    free(eum);
}

typedef struct csv_case {
    const char *text;     /* @: a valid EID */
    aw_err err;
    size_t line;
} csv_case;

/* text with each '@' replaced by eid0 */
static void expand(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (; *text != '\0'; text++) {
        const char *piece = *text == '@' ? eid0 : (char[]){*text, '\0'};
        size_t len = strlen(piece);
        assert_true(n + len < cap);
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = '\0';
}

static void test_csv_refuses(void **state)
{
    (void)state;
    static const csv_case cases[] = {
        {"", AW_ERR_EIM_IMPORT_HEADER, 0},
        {"eid,colour\n@,red\n", AW_ERR_EIM_IMPORT_HEADER, 1},
        {"eid,eid\n@,@\n", AW_ERR_EIM_IMPORT_HEADER, 1},
        {"eim_id\nx\n", AW_ERR_EIM_IMPORT_HEADER, 1},
        {"eid,eim_id,counter_value,association_token,signing_key,euicc_certificate,"
         "eum_certificate,eid\n",
         AW_ERR_EIM_IMPORT_HEADER, 1},
        {"eid\n", AW_ERR_EIM_IMPORT_SYNTAX, 1},
        {"eid,counter_value\n@,abc\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,counter_value\n@,2147483648\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,counter_value\n@,01\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,counter_value\n@,-1\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,association_token\n@,9223372036854775808\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,signing_key\n@,bad key\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,eim_id\n@,tab\there\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid,counter_value\n@\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid\n@,5\n", AW_ERR_EIM_IMPORT_FIELD, 2},
        {"eid\n89049032000000000000000000000164\n", AW_ERR_EIM_IMPORT_EID, 2},
        {"eid\n8904903200000000\n", AW_ERR_EIM_IMPORT_EID, 2},
        {"eid,counter_value\n,5\n", AW_ERR_EIM_IMPORT_EID, 2},
        {"eid\n\"@\n", AW_ERR_EIM_IMPORT_SYNTAX, 2},
        {"eid\n\"@\"x\n", AW_ERR_EIM_IMPORT_SYNTAX, 2},
        {"eid\n89\"04\n", AW_ERR_EIM_IMPORT_SYNTAX, 2},
        {"eid\n@\r", AW_ERR_EIM_IMPORT_SYNTAX, 2},
        {"eid\n@\n@\n", AW_ERR_EIM_IMPORT_DUPLICATE, 3},
        {"eid,euicc_certificate\n@,!!!!\n", AW_ERR_EIM_IMPORT_CERTIFICATE, 2},
        {"eid,eum_certificate\n@,AgEB\n", AW_ERR_EIM_IMPORT_CERTIFICATE, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024];
        expand(cases[i].text, text, sizeof(text));
        eim_batch *batch = (eim_batch *)1;
        size_t line = 99;
        aw_err err = parse_csv_text(text, &batch, &line);
        if (err != cases[i].err || line != cases[i].line)
            fprintf(stderr, "case %zu: %s line %zu\n", i, aw_err_name(err), line);
        assert_int_equal(err, cases[i].err);
        assert_int_equal(line, cases[i].line);
        assert_null(batch);
    }
}

static void test_csv_limits(void **state)
{
    (void)state;
    eim_batch *batch = NULL;
    size_t line = 0;
    /* a NUL inside a field */
    char text[128];
    int n = snprintf(text, sizeof(text), "eid\n%s\n", eid0);
    text[6] = '\0';
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)text, (size_t)n, &defaults, &batch,
                                            &line),
                     AW_ERR_EIM_IMPORT_SYNTAX);
    /* a field longer than any certificate */
    size_t big = 3 * EIM_CERTIFICATE_MAX;
    char *long_field = malloc(big + 32);
    assert_non_null(long_field);
    memcpy(long_field, "eid\n", 4);
    memset(long_field + 4, '8', big);
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)long_field, big + 4, &defaults,
                                            &batch, &line),
                     AW_ERR_LIMIT);
    free(long_field);
    /* more records than allowed */
    size_t lines = EIM_BATCH_MAX_RECORDS + 3;
    char *many = malloc(4 + 2 * lines);
    assert_non_null(many);
    memcpy(many, "eid\n", 4);
    for (size_t i = 0; i < lines; i++)
        memcpy(many + 4 + 2 * i, "x\n", 2);
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)many, 4 + 2 * lines, &defaults,
                                            &batch, &line),
                     AW_ERR_LIMIT);
    free(many);
    /* a file over the size limit, and bad arguments */
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)"eid\n", EIM_BATCH_MAX_BYTES + 1,
                                            &defaults, &batch, &line),
                     AW_ERR_LIMIT);
    eim_registry_defaults bad = {.eim_id = NULL};
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)"eid\n", 4, &bad, &batch, &line),
                     AW_ERR_ARGUMENT);
    bad.eim_id = "";
    assert_int_equal(eim_registry_parse_json((const uint8_t *)"{}", 2, &bad, &batch, &line),
                     AW_ERR_ARGUMENT);
    bad.eim_id = "ok";
    bad.signing_key = "no/slash";
    assert_int_equal(eim_registry_parse_csv((const uint8_t *)"eid\n", 4, &bad, &batch, &line),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_registry_parse_csv(NULL, 0, &defaults, &batch, &line), AW_ERR_ARGUMENT);
    assert_null(batch);
}

/* ---- JSON -------------------------------------------------------------------- */

static void test_json_accepts(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text),
             "{\"euiccs\": [{\"eid\": \"%s\", \"counter_value\": 12, \"association_token\": 3,"
             " \"eim_id\": \"x.example\", \"signing_key\": \"k1\"}, {\"eid\": \"%s\"}]}",
             eid0, eid1);
    eim_batch *batch = NULL;
    size_t line = 9;
    assert_int_equal(parse_json_text(text, &batch, &line), AW_OK);
    assert_int_equal(line, 0);
    assert_int_equal(batch->count, 2);
    assert_int_equal(batch->records[0].counter_value, 12);
    assert_int_equal(batch->records[0].association_token, 3);
    assert_string_equal(batch->records[0].eim_id, "x.example");
    assert_string_equal(batch->records[0].signing_key, "k1");
    assert_string_equal(batch->records[1].eim_id, EIM_TEST_EIM_ID);
    eim_batch_free(batch);
}

static void test_json_refuses(void **state)
{
    (void)state;
    static const csv_case cases[] = {
        {"not json", AW_ERR_EIM_IMPORT_SYNTAX, 0},
        {"{\"euiccs\": []}", AW_ERR_EIM_IMPORT_SYNTAX, 0},
        {"{\"euiccs\": {}}", AW_ERR_EIM_IMPORT_SYNTAX, 0},
        {"{\"euiccs\": [{\"eid\": \"@\"}], \"more\": 1}", AW_ERR_EIM_IMPORT_SYNTAX, 0},
        {"{\"euiccs\": [{\"eid\": \"@\"}], \"euiccs\": []}", AW_ERR_EIM_IMPORT_SYNTAX, 0},
        {"{\"euiccs\": [7]}", AW_ERR_EIM_IMPORT_SYNTAX, 1},
        {"{\"euiccs\": [{\"counter_value\": 1}]}", AW_ERR_EIM_IMPORT_SYNTAX, 1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"colour\": \"red\"}]}", AW_ERR_EIM_IMPORT_SYNTAX, 1},
        {"{\"euiccs\": [{\"eid\": 89}]}", AW_ERR_EIM_IMPORT_SYNTAX, 1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"counter_value\": \"1\"}]}", AW_ERR_EIM_IMPORT_FIELD,
         1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"counter_value\": -1}]}", AW_ERR_EIM_IMPORT_FIELD, 1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"counter_value\": 2147483648}]}",
         AW_ERR_EIM_IMPORT_FIELD, 1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"signing_key\": \"\"}]}", AW_ERR_EIM_IMPORT_FIELD, 1},
        {"{\"euiccs\": [{\"eid\": \"@\", \"eim_id\": \"a\\u0000b\"}]}", AW_ERR_EIM_IMPORT_SYNTAX,
         0},
        {"{\"euiccs\": [{\"eid\": \"@\", \"euicc_certificate\": \"\"}]}",
         AW_ERR_EIM_IMPORT_CERTIFICATE, 1},
        {"{\"euiccs\": [{\"eid\": \"@\"}, {\"eid\": \"123\"}]}", AW_ERR_EIM_IMPORT_EID, 2},
        {"{\"euiccs\": [{\"eid\": \"@\"}, {\"eid\": \"@\"}]}", AW_ERR_EIM_IMPORT_DUPLICATE,
         2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024];
        expand(cases[i].text, text, sizeof(text));
        eim_batch *batch = (eim_batch *)1;
        size_t line = 99;
        aw_err err = parse_json_text(text, &batch, &line);
        if (err != cases[i].err || line != cases[i].line)
            fprintf(stderr, "case %zu: %s line %zu\n", i, aw_err_name(err), line);
        assert_int_equal(err, cases[i].err);
        assert_int_equal(line, cases[i].line);
        assert_null(batch);
    }
}

/* ---- import ------------------------------------------------------------------- */

static pki_trust_store *trust_store(void)
{
    pki_trust_store *trust = NULL;
    assert_int_equal(pki_trust_store_new(&trust), AW_OK);
    assert_int_equal(pki_trust_store_add_ci(trust, hierarchy.cert[AW_PKI_ROLE_CI]), AW_OK);
    return trust;
}

static void test_import(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    pki_trust_store *trust = trust_store();
    eim_euicc records[2];
    eim_batch batch = {.records = records, .count = 2};
    eim_test_record(&records[0], AW_PKI_DEFAULT_EID, 5, 77, hierarchy.cert[AW_PKI_ROLE_EUICC],
                    hierarchy.cert[AW_PKI_ROLE_EUM]);
    eim_test_record(&records[1], eid1, 0, -1, NULL, NULL);
    size_t line = 9;
    int64_t before = db_clock_ms();
    assert_int_equal(eim_registry_import(db, &batch, trust, before, &line), AW_OK);
    assert_int_equal(line, 0);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    assert_string_equal(got.eim_id, EIM_TEST_EIM_ID);
    assert_int_equal(got.counter_value, 5);
    assert_true(got.has_association_token);
    assert_int_equal(got.association_token, 77);
    assert_string_equal(got.signing_key, "eim");
    assert_int_equal(got.state, EIM_EUICC_REGISTERED);
    assert_int_equal(got.last_contact_ms, 0);
    assert_int_equal(got.registered_ms, before);
    assert_int_equal(got.euicc_certificate_len, records[0].euicc_certificate_len);
    assert_memory_equal(got.euicc_certificate, records[0].euicc_certificate,
                        got.euicc_certificate_len);
    eim_euicc_clear(&got);
    assert_int_equal(eim_registry_get(db, eid1, &got), AW_OK);
    assert_false(got.has_association_token);
    assert_null(got.euicc_certificate);
    eim_euicc_clear(&got);
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(eim_registry_get(NULL, eid0, &got), AW_ERR_ARGUMENT);

    /* all or nothing: eid0 is new, eid1 exists */
    eim_euicc_clear(&records[0]);
    eim_euicc_clear(&records[1]);
    eim_test_record(&records[0], eid0, 0, -1, NULL, NULL);
    eim_test_record(&records[1], eid1, 0, -1, NULL, NULL);
    assert_int_equal(eim_registry_import(db, &batch, trust, db_clock_ms(), &line),
                     AW_ERR_EIM_IMPORT_DUPLICATE);
    assert_int_equal(line, 2);
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_ERR_EIM_UNKNOWN_EUICC);

    /* certificates: one without the other, or for another EID */
    eim_euicc_clear(&records[0]);
    eim_test_record(&records[0], eid0, 0, -1, hierarchy.cert[AW_PKI_ROLE_EUICC], NULL);
    assert_int_equal(eim_registry_import(db, &batch, trust, db_clock_ms(), &line),
                     AW_ERR_EIM_IMPORT_CERTIFICATE);
    assert_int_equal(line, 1);
    eim_euicc_clear(&records[0]);
    eim_test_record(&records[0], eid0, 0, -1, hierarchy.cert[AW_PKI_ROLE_EUICC],
                    hierarchy.cert[AW_PKI_ROLE_EUM]);
    assert_int_equal(eim_registry_import(db, &batch, trust, db_clock_ms(), &line),
                     AW_ERR_EIM_IMPORT_CERTIFICATE);
    assert_int_equal(line, 1);
    assert_int_equal(eim_registry_import(db, NULL, trust, 0, &line), AW_ERR_ARGUMENT);
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_ERR_EIM_UNKNOWN_EUICC);
    eim_euicc_clear(&records[0]);
    eim_euicc_clear(&records[1]);
    pki_trust_store_free(trust);
    db_close(db);
}

static void test_set_certificates(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    pki_trust_store *trust = trust_store();
    aw_slice euicc = pki_certificate_der(hierarchy.cert[AW_PKI_ROLE_EUICC]);
    aw_slice eum = pki_certificate_der(hierarchy.cert[AW_PKI_ROLE_EUM]);
    int64_t now = db_clock_ms();
    /* not registered yet */
    assert_int_equal(eim_registry_set_certificates(db, AW_PKI_DEFAULT_EID, trust, euicc.ptr,
                                                   euicc.len, eum.ptr, eum.len, now),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, NULL, NULL);
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    assert_int_equal(eim_registry_set_certificates(db, AW_PKI_DEFAULT_EID, trust, euicc.ptr,
                                                   euicc.len, eum.ptr, eum.len, now),
                     AW_OK);
    /* the certificate names another EID; EUM and eUICC swapped; garbage */
    assert_int_equal(eim_registry_set_certificates(db, eid0, trust, euicc.ptr, euicc.len, eum.ptr,
                                                   eum.len, now),
                     AW_ERR_PKI_EID);
    assert_int_not_equal(eim_registry_set_certificates(db, AW_PKI_DEFAULT_EID, trust, eum.ptr,
                                                       eum.len, euicc.ptr, euicc.len, now),
                         AW_OK);
    assert_int_equal(eim_registry_set_certificates(db, AW_PKI_DEFAULT_EID, trust, eum.ptr, 10,
                                                   eum.ptr, eum.len, now),
                     AW_ERR_PKI_PARSE);
    assert_int_equal(eim_registry_set_certificates(db, AW_PKI_DEFAULT_EID, NULL, euicc.ptr,
                                                   euicc.len, eum.ptr, eum.len, now),
                     AW_ERR_ARGUMENT);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, AW_PKI_DEFAULT_EID, &got), AW_OK);
    assert_int_equal(got.eum_certificate_len, eum.len);
    assert_memory_equal(got.eum_certificate, eum.ptr, eum.len);
    eim_euicc_clear(&got);
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_OK);
    assert_null(got.euicc_certificate);
    eim_euicc_clear(&got);
    pki_trust_store_free(trust);
    db_close(db);
}

/* ---- EIDs and keys ---------------------------------------------------------------- */

static void test_eid_octets(void **state)
{
    (void)state;
    uint8_t octets[SGP32_EID_LENGTH];
    char text[EIM_EID_DIGITS + 1];
    assert_int_equal(eim_eid_to_octets(AW_PKI_DEFAULT_EID, octets), AW_OK);
    assert_int_equal(octets[0], 0x89);
    assert_int_equal(octets[15], 0x63);
    assert_int_equal(eim_eid_from_octets(octets, sizeof(octets), text), AW_OK);
    assert_string_equal(text, AW_PKI_DEFAULT_EID);
    assert_int_equal(eim_eid_to_octets("89049032000000000000000000000164", octets),
                     AW_ERR_EIM_IMPORT_EID);
    assert_int_equal(eim_eid_to_octets("8904", octets), AW_ERR_EIM_IMPORT_EID);
    assert_int_equal(eim_eid_to_octets(NULL, octets), AW_ERR_ARGUMENT);
    assert_int_equal(eim_eid_from_octets(octets, 15, text), AW_ERR_EIM_IMPORT_EID);
    octets[15] ^= 1;
    assert_int_equal(eim_eid_from_octets(octets, sizeof(octets), text), AW_ERR_EIM_IMPORT_EID);
    assert_string_equal(text, "");
    assert_int_equal(eim_eid_from_octets(NULL, 16, text), AW_ERR_ARGUMENT);
}

static void test_key_ring(void **state)
{
    (void)state;
    eim_key_ring *ring = NULL;
    crypto_key *key = NULL;
    assert_int_equal(eim_key_ring_new(&ring), AW_OK);
    assert_int_equal(eim_key_ring_new(NULL), AW_ERR_ARGUMENT);
    for (int i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof(name), "k%d", i);
        assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
        assert_int_equal(eim_key_ring_add(ring, name, key), AW_OK);
    }
    assert_non_null(eim_key_ring_find(ring, "k3"));
    assert_null(eim_key_ring_find(ring, "k99"));
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    assert_int_equal(eim_key_ring_add(ring, "k3", key), AW_ERR_STATE);
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    assert_int_equal(eim_key_ring_add(ring, "bad name", key), AW_ERR_ARGUMENT);
    assert_int_equal(crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key), AW_OK);
    assert_int_equal(eim_key_ring_add(ring, "k16", key), AW_ERR_LIMIT);
    assert_int_equal(eim_key_ring_add_file(ring, "file", "/nonexistent/eim.key.pem"),
                     AW_ERR_IO);
    assert_int_equal(eim_key_ring_add_file(ring, "file", NULL), AW_ERR_ARGUMENT);
    eim_key_ring_free(ring);
    eim_key_ring_free(NULL);
}

/* ---- counterValue ------------------------------------------------------------------ */

static void test_counter_persists(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    int64_t counter = -1;
    eim_test_register(db, eid0, 10, -1, NULL, NULL);
    for (int64_t expected = 11; expected <= 13; expected++) {
        assert_int_equal(eim_registry_allocate_counter(db, eid0, &counter), AW_OK);
        assert_int_equal(counter, expected);
    }
    /* a restart: a new connection continues after the last value spent */
    db_close(db);
    db = eim_test_db_open();
    assert_int_equal(eim_migrate(db), AW_OK);
    assert_int_equal(eim_registry_allocate_counter(db, eid0, &counter), AW_OK);
    assert_int_equal(counter, 14);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_OK);
    assert_int_equal(got.counter_value, 14);
    eim_euicc_clear(&got);
    /* errors */
    assert_int_equal(eim_registry_allocate_counter(db, eid1, &counter), AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(counter, 0);
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(eim_registry_allocate_counter(db, eid0, &counter), AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    eim_test_register(db, eid1, EIM_COUNTER_MAX - 1, -1, NULL, NULL);
    assert_int_equal(eim_registry_allocate_counter(db, eid1, &counter), AW_OK);
    assert_int_equal(counter, EIM_COUNTER_MAX);
    assert_int_equal(eim_registry_allocate_counter(db, eid1, &counter),
                     AW_ERR_EIM_COUNTER_EXHAUSTED);
    assert_int_equal(eim_registry_allocate_counter(NULL, eid1, &counter), AW_ERR_ARGUMENT);
    db_close(db);
}

#define CONCURRENT_PER_PROCESS 40

/* Two processes, each with its own connection, allocate at once. */
static void test_counter_concurrent(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    db_close(db);
    int pipes[2][2];
    pid_t children[2];
    for (int c = 0; c < 2; c++) {
        assert_int_equal(pipe(pipes[c]), 0);
        children[c] = fork();
        assert_true(children[c] >= 0);
        if (children[c] == 0) {
            close(pipes[c][0]);
            db_connection *own = NULL;
            db_options options = {.busy_timeout_ms = 30000};
            if (db_open(eim_test_database.url, &options, &own) != AW_OK)
                _exit(3);
            for (int i = 0; i < CONCURRENT_PER_PROCESS; i++) {
                int64_t value = 0;
                if (eim_registry_allocate_counter(own, eid0, &value) != AW_OK ||
                    write(pipes[c][1], &value, sizeof(value)) != (ssize_t)sizeof(value))
                    _exit(4);
            }
            db_close(own);
            _exit(0);
        }
        close(pipes[c][1]);
    }
    bool seen[2 * CONCURRENT_PER_PROCESS + 1] = {false};
    for (int c = 0; c < 2; c++) {
        int64_t value = 0;
        size_t got = 0;
        while (read(pipes[c][0], &value, sizeof(value)) == (ssize_t)sizeof(value)) {
            assert_true(value >= 1 && value <= 2 * CONCURRENT_PER_PROCESS);
            assert_false(seen[value]);
            seen[value] = true;
            got++;
        }
        close(pipes[c][0]);
        int status = 0;
        assert_int_equal(waitpid(children[c], &status, 0), children[c]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(got, CONCURRENT_PER_PROCESS);
    }
    db = eim_test_db_open();
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_OK);
    assert_int_equal(got.counter_value, 2 * CONCURRENT_PER_PROCESS);
    eim_euicc_clear(&got);
    db_close(db);
}

/* Two processes queue signed packages for one eUICC at once: every
 * package gets its own counterValue, 1..2N, and the registry ends at 2N. */
static void test_enqueue_concurrent(void **state)
{
    (void)state;
    db_connection *db = eim_test_db_fresh();
    eim_test_register(db, eid0, 0, -1, NULL, NULL);
    db_close(db);
    pid_t children[2];
    for (int c = 0; c < 2; c++) {
        children[c] = fork();
        assert_true(children[c] >= 0);
        if (children[c] == 0) {
            db_connection *own = NULL;
            eim_key_ring *keys = NULL;
            crypto_key *key = NULL;
            db_options options = {.busy_timeout_ms = 30000};
            eim_operation op = {.kind = EIM_OPERATION_GET_RAT};
            if (db_open(eim_test_database.url, &options, &own) != AW_OK ||
                eim_key_ring_new(&keys) != AW_OK ||
                crypto_generate_key(CRYPTO_CURVE_NIST_P256, &key) != AW_OK ||
                eim_key_ring_add(keys, "eim", key) != AW_OK)
                _exit(3);
            for (int i = 0; i < CONCURRENT_PER_PROCESS / 2; i++)
                if (eim_package_enqueue(own, keys, eid0, &op, 1, db_clock_ms(), NULL, NULL) !=
                    AW_OK)
                    _exit(4);
            eim_key_ring_free(keys);
            db_close(own);
            _exit(0);
        }
    }
    for (int c = 0; c < 2; c++) {
        int status = 0;
        assert_int_equal(waitpid(children[c], &status, 0), children[c]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    db = eim_test_db_open();
    eim_package_record *records = NULL;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, eid0, &records, &count), AW_OK);
    assert_int_equal(count, CONCURRENT_PER_PROCESS);
    for (size_t i = 0; i < count; i++) {
        /* listed in queue order, which is counterValue order */
        assert_int_equal(records[i].counter_value, (int64_t)i + 1);
        assert_int_equal(records[i].state, EIM_PACKAGE_QUEUED);
    }
    eim_package_records_free(records, count);
    eim_euicc got;
    assert_int_equal(eim_registry_get(db, eid0, &got), AW_OK);
    assert_int_equal(got.counter_value, CONCURRENT_PER_PROCESS);
    eim_euicc_clear(&got);
    db_close(db);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_registry");
    if (status != 0)
        return status;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    if (pki_issue_hierarchy(&params, &hierarchy) != AW_OK)
        return 1;
    if (pki_eid_complete("890490320000000000000000000010", eid0) != AW_OK ||
        pki_eid_complete("890490320000000000000000000011", eid1) != AW_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_accepts),
        cmocka_unit_test(test_csv_refuses),
        cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_json_accepts),
        cmocka_unit_test(test_json_refuses),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_set_certificates),
        cmocka_unit_test(test_eid_octets),
        cmocka_unit_test(test_key_ring),
        cmocka_unit_test(test_counter_persists),
        cmocka_unit_test(test_counter_concurrent),
        cmocka_unit_test(test_enqueue_concurrent),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    pki_hierarchy_free(&hierarchy);
    eim_test_db_cleanup();
    return status;
}
