/* ES9+ sessions that survive the SM-DP+ (src/smdp/es9p_durable.h, wired in
 * server.c), end to end over HTTPS on loopback against the daemon, on
 * SQLite and on a real PostgreSQL with
 *   tests/pg-harness.sh run test_smdp_durable postgresql
 * - a download up to the ProfileInstallationResult (SGP.22 3.1.3), the
 *   daemon freed, a new one on the same database: the PIR (5.6.4) is
 *   verified with the stored PK.EUICC.ECDSA, the profile becomes installed
 *   and the operator's point 4 (5.3.5) is queued; the session row is gone
 *   and the PIR sent again changes nothing (logged as dropped, unknown);
 * - the same with the daemon's process killed (SIGKILL) after its
 *   GetBoundProfilePackage answer;
 * - after a restart a PIR with a bad euiccSignPIR, or with altered result
 *   data, is acknowledged (204) and dropped (logged 8.1 / 6.1), the row
 *   kept: the genuine one then installs;
 * - expired and unknown transactions: acknowledged, no state change, no
 *   notification (the behaviour of the in-memory store, kept), logged
 *   8.10.1 / 3.9; the row made live again installs;
 * - CancelSession (5.6.5) after a restart: a bad signature refused 8.1 /
 *   6.1, the genuine one ends the order (point 3 Failed) and the session;
 *   a postponed one keeps the order but ends the session;
 * - a download interrupted before GetBoundProfilePackage is refused after
 *   a restart (8.10.1 / 3.9) and a new one succeeds;
 * - the table's columns are exactly the public set, the stored key is the
 *   eUICC certificate's;
 * - two daemons on one database: the PIR of a session bound by one is
 *   verified by the other.
 * The store itself: test_smdp_durable_store.c. */
#include "smdp_daemon_testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include <event2/thread.h>

#include "core/db_queue.h"
#include "smdp/es2p_notify.h"
#include "smdp/es9p_session.h"

const char *dt_postgresql_url;
int ds_run_store_tests(void);

static const smdp_es2p_caller du_operator = {"CN=Operator One,O=Operator", "op1", NULL};

/* Subscriber n with a released order placed by du_operator, so that its
 * progress is queued for it (es2p_notify.h). */
static void du_add_subscriber(dt_fixture *x, unsigned n, dt_subscriber *s)
{
    db_connection *db = NULL;
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    smdp_es2p_result result;
    char iccid[SAIP_ICCID_TEXT], matching_id[SMDP_MATCHING_ID_MAX + 1];
    dt_subscriber_make(n, s);
    smdp_key_ring *ring = dt_ring(x);
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    char csv[256];
    snprintf(csv, sizeof(csv), "iccid,imsi,ki,opc\n%s,%s,%s,%s\n", s->iccid, s->imsi, s->ki,
             s->opc);
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), DT_TYPE, &batch,
                                           &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    smdp_download_order order = {.iccid = s->iccid, .caller = &du_operator};
    assert_int_equal(smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &result), AW_OK);
    assert_true(result.success);
    smdp_confirm_order confirm = {.iccid = s->iccid, .matching_id = s->matching_id,
                                  .release_flag = true, .caller = &du_operator};
    assert_int_equal(smdp_es2p_confirm_order(db, &confirm, db_clock_ms(), matching_id, &result),
                     AW_OK);
    assert_true(result.success);
    OPENSSL_cleanse(csv, sizeof(csv));
    smdp_import_batch_free(batch);
    smdp_key_ring_free(ring);
    db_close(db);
}

static void du_prepare(dt_fixture *x, dt_subscriber *s)
{
    dt_prepare(x, AW_PKI_CURVE_NIST_P256);
    du_add_subscriber(x, 1, s);
    dt_start(x);
}

/* Authentication, GetBoundProfilePackage and the loading of the package
 * on the eUICC (SGP.22 3.1.3 up to step 22): its ProfileInstallationResult. */
static uint8_t *du_until_pir(dt_fixture *x, const char *matching_id, size_t *pir_len)
{
    char transaction_id[33];
    size_t bpp_len = 0;
    json_t *auth = dt_authenticate(x, matching_id, transaction_id);
    dt_expect_status(auth, NULL, NULL);
    uint8_t *bpp = dt_get_bpp(x, auth, transaction_id, &bpp_len);
    json_decref(auth);
    sgp22_bpp_splitter splitter;
    sgp22_bpp_segment segment;
    uint8_t *pir = NULL;
    aw_err err;
    assert_int_equal(sgp22_bpp_splitter_init(&splitter, bpp, bpp_len), AW_OK);
    while ((err = sgp22_bpp_splitter_next(&splitter, &segment)) == AW_OK) {
        assert_null(pir);
        assert_int_equal(te_es10(&x->t, segment.bytes.ptr, segment.bytes.len, &pir, pir_len),
                         0x9000);
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    assert_non_null(pir);
    free(bpp);
    return pir;
}

/* HandleNotification: always 204, whatever the SM-DP+ made of it (6.5.2.9). */
static void du_post_pir(dt_fixture *x, const uint8_t *pir, size_t pir_len)
{
    char *pir64 = dt_base64(pir, pir_len);
    char *request = malloc(strlen(pir64) + 64);
    assert_non_null(request);
    sprintf(request, "{\"pendingNotification\":\"%s\"}", pir64);
    assert_null(dt_post(x, "handleNotification", request, 204));
    free(request);
    free(pir64);
}

static smdp_state du_state(dt_fixture *x, const char *iccid)
{
    db_connection *db = NULL;
    smdp_profile_info info;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_get_profile(db, iccid, &info), AW_OK);
    db_close(db);
    return info.state;
}

static int64_t du_sql_int64(dt_fixture *x, const char *sql)
{
    db_connection *db = NULL;
    int64_t value = -1;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(db_query_int64(db, sql, NULL, 0, &value), AW_OK);
    db_close(db);
    return value;
}

static int64_t du_session_rows(dt_fixture *x)
{
    return du_sql_int64(x, "SELECT COUNT(*) FROM smdp_sessions");
}

/* Take the queued operator notifications: their points in queue order
 * (at most cap); failed NULL: each checked Executed-Success, else
 * failed[i] tells whether it is Failed. A successful point 4 carries the
 * ProfileInstallationResultData as resultData. */
static size_t du_take_points_status(dt_fixture *x, int *points, bool *failed, size_t cap)
{
    db_connection *db = NULL;
    db_job *jobs = NULL;
    size_t count = 0;
    assert_int_equal(db_open(x->db_url, NULL, &db), AW_OK);
    assert_int_equal(db_queue_claim(db, SMDP_NOTIFY_QUEUE, "test", 16, 60000, db_clock_ms(),
                                    &jobs, &count),
                     AW_OK);
    assert_true(count <= cap);
    for (size_t i = 0; i < count; i++) {
        json_t *payload = json_loadb((const char *)jobs[i].payload, jobs[i].payload_len, 0, NULL);
        assert_non_null(payload);
        json_t *body = json_object_get(payload, "body");
        points[i] = (int)json_integer_value(json_object_get(body, "notificationPointId"));
        json_t *status = json_object_get(body, "notificationPointStatus");
        const char *text = json_string_value(json_object_get(status, "status"));
        assert_non_null(text);
        bool success = strcmp(text, "Executed-Success") == 0;
        if (failed == NULL)
            assert_true(success);
        else
            failed[i] = !success;
        if (success && points[i] == SMDP_NOTIFY_POINT_BPP_INSTALLATION)
            assert_non_null(json_string_value(json_object_get(body, "resultData")));
        json_decref(payload);
        assert_int_equal(db_queue_complete(db, jobs[i].id, "test", db_clock_ms()), AW_OK);
    }
    db_jobs_free(jobs, count);
    db_close(db);
    return count;
}

static size_t du_take_points(dt_fixture *x, int *points, size_t cap)
{
    return du_take_points_status(x, points, NULL, cap);
}

/* Lines of the daemon's log for a dropped notification (server.c) with
 * this SGP.22 subject code ("" for any). */
static size_t du_dropped(dt_fixture *x, const char *subject_code)
{
    size_t len = 0, count = 0;
    uint8_t *data = test_read_file(x->log_path, &len);
    assert_non_null(data);
    char *text = realloc(data, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    char code[64];
    snprintf(code, sizeof(code), "\"subject_code\":\"%s\"", subject_code);
    for (char *line = text; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        if (strstr(line, "\"es9p_notification_dropped\"") != NULL &&
            (subject_code[0] == '\0' || strstr(line, code) != NULL))
            count++;
        line = end != NULL ? end + 1 : NULL;
    }
    free(text);
    return count;
}

/* Restart: the daemon freed (its memory sessions gone), a new one on the
 * same database and the same eUICC. */
static void du_restart(dt_fixture *x)
{
    dt_halt(x);
    dt_start(x);
}

static void test_pir_after_restart(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_session_rows(&x), 1);
    du_restart(&x);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    assert_int_equal(du_dropped(&x, ""), 0);
    int points[4];
    assert_int_equal(du_take_points(&x, points, 4), 2);
    assert_int_equal(points[0], SMDP_NOTIFY_POINT_BPP_DOWNLOAD);
    assert_int_equal(points[1], SMDP_NOTIFY_POINT_BPP_INSTALLATION);
    /* the session ended with the state change */
    assert_int_equal(du_session_rows(&x), 0);
    /* the same PIR again (an LPA that lost the 204): acknowledged, nothing more */
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_dropped(&x, "8.10.1"), 1); /* logged as unknown */
    dt_check_installed(&x, 0, &s);
    free(pir);
    dt_close(&x);
}

static void test_bad_signature_after_restart(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len);
    int points[4];
    assert_int_equal(du_take_points(&x, points, 4), 1); /* point 3 */
    du_restart(&x);
    /* the last byte is in euiccSignPIR (5F37, the PIR's last element) */
    pir[pir_len - 1] ^= 0x01;
    sgp22_profile_installation_result parsed;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &parsed), AW_OK);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_session_rows(&x), 1); /* still waiting for the real one */
    assert_int_equal(du_dropped(&x, "8.1"), 1); /* 8.1 / 6.1 verification failed */
    /* the result data changed under a valid-looking signature: refused too */
    pir[pir_len - 1] ^= 0x01;
    size_t data_at = (size_t)(parsed.data.raw.ptr - pir) + parsed.data.raw.len - 1;
    uint8_t *altered = malloc(pir_len);
    assert_non_null(altered);
    memcpy(altered, pir, pir_len);
    altered[data_at] ^= 0x01;
    sgp22_profile_installation_result reparsed; /* still well formed: the signature decides */
    assert_int_equal(sgp22_decode_profile_installation_result(altered, pir_len, &reparsed),
                     AW_OK);
    du_post_pir(&x, altered, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_dropped(&x, "8.1"), 2);
    free(altered);
    /* the genuine PIR, after a second restart */
    du_restart(&x);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    assert_int_equal(du_take_points(&x, points, 4), 1);
    assert_int_equal(points[0], SMDP_NOTIFY_POINT_BPP_INSTALLATION);
    free(pir);
    dt_close(&x);
}

/* SGP.22 5.6.4 has no error answer: a PIR of an expired or unknown
 * transaction is acknowledged and changes nothing (es9p_session.h), as
 * with the in-memory store; the same row made live again with its own ID
 * then installs, so it is the expiry and the ID that refused it. */
static void test_expired_and_unknown(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len);
    int points[4];
    assert_int_equal(du_take_points(&x, points, 4), 1);
    du_restart(&x);
    db_connection *db = NULL;
    uint8_t id[ES9P_TRANSACTION_ID_SIZE], other[ES9P_TRANSACTION_ID_SIZE] = {0};
    const uint8_t *blob = NULL;
    size_t len = 0;
    db_rows *rows = NULL;
    bool has_row = false;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(db_query(db, "SELECT transaction_id FROM smdp_sessions", NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_blob(rows, 0, &blob, &len), AW_OK);
    assert_int_equal(len, sizeof(id));
    memcpy(id, blob, len);
    db_rows_free(rows);
    /* expired: its time passed (smdp_config.bound_session_lifetime_ms) */
    assert_int_equal(db_execute(db, "UPDATE smdp_sessions SET expires_ms = 1", NULL, 0, NULL),
                     AW_OK);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_dropped(&x, "8.10.1"), 1);
    /* unknown: live again, under another transaction ID */
    db_param renamed[] = {DB_PARAM_BLOB(other, sizeof(other)),
                          DB_PARAM_INT64(db_clock_ms() + 3600000)};
    assert_int_equal(db_execute(db, "UPDATE smdp_sessions SET transaction_id = ?, expires_ms = ?",
                                renamed, 2, NULL),
                     AW_OK);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_dropped(&x, "8.10.1"), 2);
    /* its own ID back: installed */
    db_param restored[] = {DB_PARAM_BLOB(id, sizeof(id))};
    assert_int_equal(db_execute(db, "UPDATE smdp_sessions SET transaction_id = ?", restored, 1,
                                NULL),
                     AW_OK);
    db_close(db);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    assert_int_equal(du_take_points(&x, points, 4), 1);
    free(pir);
    dt_close(&x);
}

/* SGP.22 5.6.2: a session interrupted before the binding lived in memory
 * only; after a restart GetBoundProfilePackage answers 8.10.1 / 3.9 and
 * the LPA starts a new download, which succeeds. */
static void test_interrupted_download(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    char transaction_id[33];
    json_t *auth = dt_authenticate(&x, s.matching_id, transaction_id);
    dt_expect_status(auth, NULL, NULL);
    assert_int_equal(du_session_rows(&x), 0); /* nothing before the binding */
    du_restart(&x);
    static const char *const fields[] = {"smdpSigned2", "smdpSignature2", "smdpCertificate"};
    der_builder b;
    size_t n;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF21); /* PrepareDownloadRequest (SGP.22 5.7.5) */
    for (size_t i = 0; i < 3; i++) {
        uint8_t *field = dt_unbase64(auth, fields[i], &n);
        der_put_raw(&b, field, n);
        free(field);
    }
    der_builder_end(&b);
    json_t *reply = dt_relay(&x, &b, "getBoundProfilePackage", "prepareDownloadResponse",
                             transaction_id);
    dt_expect_status(reply, "8.10.1", "3.9");
    json_decref(reply);
    json_decref(auth);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_RELEASED);
    dt_download(&x, s.matching_id);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    dt_check_installed(&x, 0, &s);
    dt_close(&x);
}

/* Only what PIR verification needs, all public: the columns, and the key
 * stored is the CERT.EUICC's. */
static void test_columns_hold_no_secret(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len);
    static const char *const expected[] = {"transaction_id", "state",      "eid",
                                           "iccid",          "euicc_curve", "euicc_public_key",
                                           "created_ms",     "expires_ms"};
    db_connection *db = NULL;
    db_rows *rows = NULL;
    bool has_row = false;
    assert_int_equal(db_open(x.db_url, NULL, &db), AW_OK);
    assert_int_equal(db_query(db,
                              dt_postgresql_url == NULL
                                  ? "SELECT name FROM pragma_table_info('smdp_sessions') "
                                    "ORDER BY cid"
                                  : "SELECT column_name FROM information_schema.columns WHERE "
                                    "table_name = 'smdp_sessions' ORDER BY ordinal_position",
                              NULL, 0, &rows),
                     AW_OK);
    size_t count = 0;
    while (db_rows_next(rows, &has_row) == AW_OK && has_row) {
        const char *name = NULL;
        assert_int_equal(db_rows_get_text(rows, 0, &name), AW_OK);
        assert_true(count < sizeof(expected) / sizeof(expected[0]));
        assert_string_equal(name, expected[count]);
        count++;
    }
    assert_int_equal(count, sizeof(expected) / sizeof(expected[0]));
    db_rows_free(rows);
    /* the row: the eUICC's EID, the order's ICCID, PK.EUICC.ECDSA */
    es9p_euicc_key key;
    char eid[AW_PKI_EID_DIGITS + 1];
    const pki_certificate *certificate = x.t.hierarchy.cert[AW_PKI_ROLE_EUICC];
    assert_int_equal(es9p_euicc_key_from_certificate(pki_certificate_der(certificate), &key),
                     AW_OK);
    assert_int_equal(pki_certificate_get_eid(certificate, eid), AW_OK);
    assert_int_equal(db_query(db,
                              "SELECT eid, iccid, euicc_curve, euicc_public_key, state "
                              "FROM smdp_sessions",
                              NULL, 0, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    const char *text = NULL;
    const uint8_t *blob = NULL;
    size_t len = 0;
    assert_int_equal(db_rows_get_text(rows, 0, &text), AW_OK);
    assert_string_equal(text, eid);
    assert_int_equal(db_rows_get_text(rows, 1, &text), AW_OK);
    assert_string_equal(text, s.iccid);
    assert_int_equal(db_rows_get_text(rows, 2, &text), AW_OK);
    assert_string_equal(text, crypto_curve_name(key.curve));
    assert_int_equal(db_rows_get_blob(rows, 3, &blob, &len), AW_OK);
    assert_int_equal(len, CRYPTO_POINT_SIZE);
    assert_memory_equal(blob, key.point, CRYPTO_POINT_SIZE);
    assert_int_equal(db_rows_get_text(rows, 4, &text), AW_OK);
    assert_string_equal(text, "bound");
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_false(has_row);
    db_rows_free(rows);
    /* the default lifetime: a week from the binding */
    int64_t lifetime = 0;
    assert_int_equal(db_query_int64(db, "SELECT expires_ms - created_ms FROM smdp_sessions", NULL,
                                    0, &lifetime),
                     AW_OK);
    assert_int_equal(lifetime, SMDP_BOUND_SESSION_LIFETIME_MS);
    db_close(db);
    free(pir);
    dt_close(&x);
}

/* Authentication and GetBoundProfilePackage without loading the package:
 * the eUICC's session is still open (SGP.22 3.1.3 step 18). */
static json_t *du_until_bpp(dt_fixture *x, const char *matching_id, char transaction_id[33])
{
    size_t bpp_len = 0;
    json_t *auth = dt_authenticate(x, matching_id, transaction_id);
    dt_expect_status(auth, NULL, NULL);
    uint8_t *bpp = dt_get_bpp(x, auth, transaction_id, &bpp_len);
    free(bpp);
    return auth;
}

/* ES10b.CancelSession (SGP.22 5.7.14) on the eUICC: its signed
 * CancelSessionResponse, base64; corrupt: also a copy whose signature is
 * broken (its last byte is in euiccCancelSessionSignature). */
static char *du_euicc_cancel(dt_fixture *x, const char *transaction_id, uint8_t reason,
                             char **corrupt)
{
    size_t id_len = 0, command_len = 0, response_len = 0;
    uint8_t *id = test_hex(transaction_id, &id_len), *command = NULL;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, 0xBF41);
    der_put_tlv(&b, 0x80, id, id_len);
    der_put_tlv(&b, 0x81, &reason, 1);
    der_builder_end(&b);
    assert_int_equal(der_builder_finish(&b, &command, &command_len), AW_OK);
    uint8_t *response = dt_es10(x, command, command_len, &response_len);
    char *text = dt_base64(response, response_len);
    if (corrupt != NULL) {
        response[response_len - 1] ^= 0x01;
        *corrupt = dt_base64(response, response_len);
    }
    free(response);
    free(command);
    free(id);
    return text;
}

static json_t *du_post_cancel(dt_fixture *x, const char *transaction_id, const char *response64)
{
    char *request = malloc(strlen(response64) + 128);
    assert_non_null(request);
    sprintf(request, "{\"transactionId\":\"%s\",\"cancelSessionResponse\":\"%s\"}",
            transaction_id, response64);
    json_t *reply = dt_post(x, "cancelSession", request, 200);
    free(request);
    return reply;
}

/* SGP.22 5.6.5 after a restart: euiccCancelSessionSignature verified with
 * the stored key (a bad one: 8.1 / 6.1, the session kept), the order ends
 * for endUserRejection (point 3 Failed, 3.5), the session with it. */
static void test_cancel_after_restart(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    char transaction_id[33];
    du_prepare(&x, &s);
    json_decref(du_until_bpp(&x, s.matching_id, transaction_id));
    int points[4];
    bool failed[4];
    assert_int_equal(du_take_points(&x, points, 4), 1);
    du_restart(&x);
    /* endUserRejection (0), first with the eUICC's signature broken */
    char *corrupt64 = NULL;
    char *response64 = du_euicc_cancel(&x, transaction_id, 0, &corrupt64);
    json_t *reply = du_post_cancel(&x, transaction_id, corrupt64);
    dt_expect_status(reply, "8.1", "6.1");
    json_decref(reply);
    free(corrupt64);
    assert_int_equal(du_session_rows(&x), 1);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    /* the genuine answer */
    reply = du_post_cancel(&x, transaction_id, response64);
    dt_expect_status(reply, NULL, NULL);
    json_decref(reply);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_ERROR);
    assert_int_equal(du_take_points_status(&x, points, failed, 4), 1);
    assert_int_equal(points[0], SMDP_NOTIFY_POINT_BPP_DOWNLOAD);
    assert_true(failed[0]);
    assert_int_equal(du_session_rows(&x), 0);
    /* the session is over: the same cancel again is unknown */
    reply = du_post_cancel(&x, transaction_id, response64);
    dt_expect_status(reply, "8.10.1", "3.9");
    json_decref(reply);
    free(response64);
    dt_close(&x);
}

/* A cancel that keeps the order (postponed, 1: SGP.22 3.5) makes no state
 * change but still ends the bound session: its row goes too. */
static void test_postponed_cancel_ends_session(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    char transaction_id[33];
    du_prepare(&x, &s);
    json_decref(du_until_bpp(&x, s.matching_id, transaction_id));
    du_restart(&x);
    char *response64 = du_euicc_cancel(&x, transaction_id, 1, NULL);
    json_t *reply = du_post_cancel(&x, transaction_id, response64);
    dt_expect_status(reply, NULL, NULL);
    json_decref(reply);
    free(response64);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_session_rows(&x), 0);
    /* the order is kept: the eUICC downloads it again */
    dt_download(&x, s.matching_id);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    dt_close(&x);
}

/* Bound sessions of the child daemon live an hour. */
#define DU_CHILD_LIFETIME_MS 3600000

/* The daemon in a child process on x's files (no log); returns its pid,
 * and points x's LPA client at it. */
static pid_t du_spawn(dt_fixture *x)
{
    int fds[2];
    uint16_t port = 0;
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct event_base *base = event_base_new();
        smdp_server *server = NULL;
        smdp_config config = {.pki_directory = x->t.pki, .database_url = x->db_url,
                              .key_ring_file = x->keys, .address = "127.0.0.1",
                              .smdp_address = DT_ADDRESS,
                              .bound_session_lifetime_ms = DU_CHILD_LIFETIME_MS};
        if (base == NULL || smdp_server_new(base, &config, &server) != AW_OK)
            _exit(1);
        uint16_t bound = smdp_server_port(server);
        if (write(fds[1], &bound, sizeof(bound)) != (ssize_t)sizeof(bound))
            _exit(1);
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &port, sizeof(port)), (ssize_t)sizeof(port));
    close(fds[0]);
    snprintf(x->base_url, sizeof(x->base_url), "https://127.0.0.1:%u", (unsigned)port);
    http_client_free(x->client); /* no kept connection to a dead daemon */
    char ca[192];
    snprintf(ca, sizeof(ca), "%s/ci.pem", x->t.pki);
    http_client_config client = {.ca_file = ca};
    assert_int_equal(http_client_new(&client, &x->client), AW_OK);
    return pid;
}

static void du_kill(pid_t pid)
{
    int status = 0;
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
}

/* The SM-DP+ process killed (SIGKILL) between GetBoundProfilePackage and
 * the PIR: what it answered was committed with the session record, so a
 * new process installs the profile from the PIR. */
static void test_pir_after_kill(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    dt_prepare(&x, AW_PKI_CURVE_NIST_P256);
    du_add_subscriber(&x, 1, &s);
    te_open(&x.t);
    te_select_isdr(&x.t);
    pid_t pid = du_spawn(&x);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len);
    du_kill(pid);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_DOWNLOADED);
    assert_int_equal(du_sql_int64(&x, "SELECT expires_ms - created_ms FROM smdp_sessions"),
                     DU_CHILD_LIFETIME_MS); /* smdp_config.bound_session_lifetime_ms */
    pid = du_spawn(&x);
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    int points[4];
    assert_int_equal(du_take_points(&x, points, 4), 2);
    assert_int_equal(points[1], SMDP_NOTIFY_POINT_BPP_INSTALLATION);
    assert_int_equal(du_session_rows(&x), 0);
    du_kill(pid);
    free(pir);
    dt_close(&x);
}

/* A second daemon on the database: its own loop thread. */
typedef struct du_second {
    struct event_base *base;
    smdp_server *server;
    pthread_t thread;
} du_second;

static void *du_second_loop(void *arg)
{
    du_second *d = arg;
    event_base_loop(d->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Two SM-DP+ processes share the database (SGP.22 puts no affinity on an
 * RSP session): the session bound by the first is verified by the second,
 * and its end is seen by the first. */
static void test_two_daemons_one_database(void **state)
{
    (void)state;
    dt_fixture x;
    dt_subscriber s;
    du_prepare(&x, &s);
    du_second second = {0};
    second.base = event_base_new();
    assert_non_null(second.base);
    smdp_config config = dt_config(&x);
    assert_int_equal(smdp_server_new(second.base, &config, &second.server), AW_OK);
    assert_int_equal(pthread_create(&second.thread, NULL, du_second_loop, &second), 0);
    size_t pir_len = 0;
    uint8_t *pir = du_until_pir(&x, s.matching_id, &pir_len); /* on the first */
    char first_url[sizeof(x.base_url)];
    memcpy(first_url, x.base_url, sizeof(first_url));
    snprintf(x.base_url, sizeof(x.base_url), "https://127.0.0.1:%u",
             (unsigned)smdp_server_port(second.server));
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_state(&x, s.iccid), SMDP_STATE_INSTALLED);
    int points[4];
    assert_int_equal(du_take_points(&x, points, 4), 2);
    assert_int_equal(points[1], SMDP_NOTIFY_POINT_BPP_INSTALLATION);
    /* the first knows the session ended: the PIR again is unknown there */
    memcpy(x.base_url, first_url, sizeof(first_url));
    du_post_pir(&x, pir, pir_len);
    assert_int_equal(du_take_points(&x, points, 4), 0);
    assert_int_equal(du_session_rows(&x), 0);
    event_base_loopexit(second.base, NULL);
    assert_int_equal(pthread_join(second.thread, NULL), 0);
    smdp_server_free(second.server);
    event_base_free(second.base);
    free(pir);
    dt_close(&x);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
        fprintf(stderr, "usage: %s sqlite|postgresql\n", argv[0]);
        return 1;
    }
    if (strcmp(argv[1], "postgresql") == 0) {
        dt_postgresql_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (dt_postgresql_url == NULL) {
            fprintf(stderr, "AW_TEST_POSTGRESQL_URL not set (run through tests/pg-harness.sh); "
                            "skipping\n");
            return TEST_SKIP_EXIT;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pir_after_restart),
        cmocka_unit_test(test_pir_after_kill),
        cmocka_unit_test(test_bad_signature_after_restart),
        cmocka_unit_test(test_expired_and_unknown),
        cmocka_unit_test(test_interrupted_download),
        cmocka_unit_test(test_columns_hold_no_secret),
        cmocka_unit_test(test_cancel_after_restart),
        cmocka_unit_test(test_postponed_cancel_ends_session),
        cmocka_unit_test(test_two_daemons_one_database),
    };
    int failed = cmocka_run_group_tests_name(
        dt_postgresql_url != NULL ? "smdp durable sessions (postgresql)"
                                  : "smdp durable sessions (sqlite)",
        tests, NULL, NULL);
    return failed + ds_run_store_tests();
}
