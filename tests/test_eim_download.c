/* eIM Profile Download Triggers (src/eim/download.c, SGP.32 2.11.3): each
 * kind of ProfileDownloadTriggerRequest queued and decoded as the IPA gets
 * it; ProfileDownloadTriggerResults recorded: a ProfileInstallationResult
 * signed with the eUICC's key (euiccSignPIR over
 * profileInstallationResultData, SGP.22 5.7.6) of success or error, a
 * profileDownloadError; refused: a bad signature, no certificate, no or an
 * unknown eimTransactionId, a trigger never sent, a replay; and every
 * refusal of a trigger to queue; the status of an Activation Code's
 * triggers (none, waiting, download failed, installation failed,
 * installed); a withdrawal and a poll meeting on one trigger, each way
 * round. On SQLite and, under tests/pg-harness.sh, PostgreSQL:
 *   test_eim_download sqlite|postgresql */
#include "eim_testutil.h"

#include <pthread.h>
#include <time.h>

#include <openssl/pem.h>

#include "core/sgp22_bpp.h"
#include "core/sgp22_notification.h"
#include "core/sgp32_trigger.h"

static pki_hierarchy hierarchy;
static pki_trust_store *trust;
static crypto_key *euicc_key;
static db_connection *db;

static int setup(void **state)
{
    (void)state;
    db = eim_test_db_fresh();
    eim_test_register(db, AW_PKI_DEFAULT_EID, 0, -1, hierarchy.cert[AW_PKI_ROLE_EUICC],
                      hierarchy.cert[AW_PKI_ROLE_EUM]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    return 0;
}

/* Queue trigger, hand it out; the request as the IPA decodes it. */
static uint8_t *queue_and_send(const eim_download_trigger *trigger,
                               sgp32_profile_download_trigger_request *decoded)
{
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(
        eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, trigger, db_clock_ms(), NULL),
        AW_OK);
    assert_int_equal(
        eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package, &len, NULL), AW_OK);
    assert_int_equal(sgp32_decode_profile_download_trigger_request(package, len, decoded), AW_OK);
    assert_true(decoded->has_eim_transaction_id);
    assert_int_equal(decoded->eim_transaction_id.len, EIM_TRANSACTION_ID_SIZE);
    return package;
}

/* A ProfileInstallationResult signed with the eUICC's key (SGP.22 5.7.6). */
static uint8_t *installation_result(bool success, bool tamper, size_t *len)
{
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10};
    static const uint8_t smdp_transaction[16] = {7};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A}; /* 2.999.10 */
    sgp22_notification_metadata nm;
    memset(&nm, 0, sizeof(nm));
    nm.seq_number = 4;
    nm.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    nm.notification_address = (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    nm.has_iccid = true;
    nm.iccid = (aw_slice){iccid, sizeof(iccid)};
    uint8_t *nm_der = NULL, *data_der = NULL, *out = NULL;
    size_t nm_len = 0, data_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&nm, &nm_der, &nm_len), AW_OK);
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){smdp_transaction, sizeof(smdp_transaction)};
    pir.data.notification_metadata = (aw_slice){nm_der, nm_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    if (success) {
        pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
        pir.data.success.aid = (aw_slice){aid, sizeof(aid)};
        pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    } else {
        pir.data.final_result = SGP22_FINAL_RESULT_ERROR;
        pir.data.error.bpp_command_id = 3;
        pir.data.error.error_reason = 8;
    }
    assert_int_equal(sgp22_encode_profile_installation_result_data(&pir.data, &data_der, &data_len),
                     AW_OK);
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    assert_int_equal(crypto_sign_ecdsa(euicc_key, data_der, data_len, signature), AW_OK);
    signature[0] ^= tamper ? 0x01 : 0x00;
    pir.data.raw = (aw_slice){data_der, data_len};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(nm_der);
    free(data_der);
    return out;
}

/* A ProfileDownloadTriggerResult for tid (NULL: without one): with a PIR,
 * or a profileDownloadError of reason when pir is NULL. */
static uint8_t *trigger_result(aw_slice tid, const uint8_t *pir, size_t pir_len, int64_t reason,
                               size_t *len)
{
    sgp32_profile_download_trigger_result r;
    memset(&r, 0, sizeof(r));
    r.has_eim_transaction_id = tid.ptr != NULL;
    r.eim_transaction_id = tid;
    if (pir != NULL) {
        r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION;
        r.result_data.profile_installation_result = (aw_slice){pir, pir_len};
    } else {
        r.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
        r.result_data.profile_download_error.profile_download_error_reason = reason;
    }
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_profile_download_trigger_result(&r, &out, len), AW_OK);
    return out;
}

static eim_package_record last_record(void)
{
    eim_package_record *records = NULL, r;
    size_t count = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_true(count > 0);
    r = records[count - 1];
    assert_int_equal(r.kind, EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER);
    r.result = NULL;
    eim_package_records_free(records, count);
    return r;
}

static void test_installed(void **state)
{
    (void)state;
    static const char code[] = "1$smdp.example.com$MATCH-0001";
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE, .activation_code = code};
    sgp32_profile_download_trigger_request request;
    uint8_t *package = queue_and_send(&trigger, &request);
    assert_int_equal(request.profile_download_data.kind,
                     SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE);
    assert_int_equal(request.profile_download_data.activation_code.len, strlen(code));
    assert_memory_equal(request.profile_download_data.activation_code.ptr, code, strlen(code));
    size_t pir_len = 0, len = 0;
    uint8_t *pir = installation_result(true, false, &pir_len);
    uint8_t *result = trigger_result(request.eim_transaction_id, pir, pir_len, 0, &len);
    eim_download_result_info info;
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), &info),
                     AW_OK);
    assert_true(info.installed);
    assert_false(info.already_recorded);
    assert_int_equal(last_record().state, EIM_PACKAGE_DONE);
    /* the same report again (its answer lost): accepted, nothing changes */
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), &info),
                     AW_OK);
    assert_true(info.installed);
    assert_true(info.already_recorded);
    assert_int_equal(last_record().state, EIM_PACKAGE_DONE);
    /* another report for the finished trigger: a replay */
    size_t other_len = 0;
    uint8_t *other = trigger_result(request.eim_transaction_id, NULL, 0, 127, &other_len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, other, other_len,
                                                db_clock_ms(), &info),
                     AW_ERR_EIM_RESULT_REPLAY);
    assert_false(info.installed);
    free(other);
    free(result);
    free(pir);
    free(package);
}

static void test_not_installed(void **state)
{
    (void)state;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_DEFAULT_SMDP};
    sgp32_profile_download_trigger_request request;
    uint8_t *package = queue_and_send(&trigger, &request);
    assert_int_equal(request.profile_download_data.kind,
                     SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_DEFAULT_SMDP);
    size_t pir_len = 0, len = 0;
    uint8_t *pir = installation_result(false, false, &pir_len);
    uint8_t *result = trigger_result(request.eim_transaction_id, pir, pir_len, 0, &len);
    eim_download_result_info info;
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), &info),
                     AW_OK);
    assert_false(info.installed);
    assert_int_equal(info.error_reason, 8);
    eim_package_record r = last_record();
    assert_int_equal(r.state, EIM_PACKAGE_FAILED);
    assert_int_equal(r.error_code, 8);
    free(result);
    free(pir);
    free(package);

    /* the IPA's own report of a failed download */
    eim_download_trigger smds = {.kind = EIM_DOWNLOAD_SMDS, .smds_address = "smds.example.com"};
    package = queue_and_send(&smds, &request);
    assert_int_equal(request.profile_download_data.kind, SGP32_PROFILE_DOWNLOAD_DATA_CONTACT_SMDS);
    assert_true(request.profile_download_data.contact_smds.has_smds_address);
    result = trigger_result(request.eim_transaction_id, NULL, 0,
                            SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR, &len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), &info),
                     AW_OK);
    assert_int_equal(info.error_reason, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    assert_int_equal(last_record().state, EIM_PACKAGE_FAILED);
    free(result);
    free(package);
    smds.smds_address = NULL; /* the root SM-DS */
    package = queue_and_send(&smds, &request);
    assert_false(request.profile_download_data.contact_smds.has_smds_address);
    free(package);
}

/* eim_download_trigger_status: what the results of an Activation Code's
 * triggers say, as an order executor reads them. */
static eim_trigger_status status_of(const char *code)
{
    eim_trigger_status status;
    assert_int_equal(eim_download_trigger_status(db, AW_PKI_DEFAULT_EID, code, &status), AW_OK);
    return status;
}

/* Queue a trigger of code, hand it out and record result (NULL: none):
 * a signed PIR (pir_success) or a profileDownloadError. */
static void trigger_with(const char *code, bool answer, bool with_pir, bool pir_success)
{
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = code};
    sgp32_profile_download_trigger_request request;
    uint8_t *package = queue_and_send(&trigger, &request);
    size_t pir_len = 0, len = 0;
    uint8_t *pir = with_pir ? installation_result(pir_success, false, &pir_len) : NULL;
    uint8_t *result = trigger_result(request.eim_transaction_id, pir, pir_len,
                                     SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR, &len);
    if (answer)
        assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                    db_clock_ms(), NULL),
                         AW_OK);
    free(result);
    free(pir);
    free(package);
}

static void test_trigger_status(void **state)
{
    (void)state;
    static const char code[] = "1$smdp.example.com$AW-01";
    static const char other[] = "1$smdp.example.com$AW-02";
    eim_trigger_status status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_NONE);
    assert_int_equal(status.count, 0);
    /* another code's trigger and other packages do not count */
    trigger_with(other, true, false, false);
    assert_int_equal(status_of(code).count, 0);
    /* queued and sent, no result: waiting */
    trigger_with(code, false, false, false);
    status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_WAITING);
    assert_int_equal(status.count, 1);
    /* the IPA's profileDownloadError: failed without installing; a trigger
     * still out waits first */
    eim_package_record waiting = last_record();
    db_param id = DB_PARAM_INT64(waiting.package_id);
    assert_int_equal(db_execute(db, "UPDATE eim_packages SET state = 4 WHERE id = ?", &id, 1,
                                NULL),
                     AW_OK);
    trigger_with(code, true, false, false);
    status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_DOWNLOAD_FAILED);
    assert_int_equal(status.count, 2);
    assert_int_equal(status.error_reason, SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR);
    trigger_with(code, false, false, false);
    assert_int_equal(status_of(code).outcome, EIM_TRIGGER_WAITING);
    assert_int_equal(db_execute(db, "DELETE FROM eim_packages WHERE state = 2", NULL, 0, NULL),
                     AW_OK);
    /* a signed PIR of an error: the installation failed */
    trigger_with(code, true, true, false);
    status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_INSTALL_FAILED);
    assert_int_equal(status.error_reason, 8);
    /* the PIR the relay recorded alone (BF37) says the same */
    eim_package_record failed = last_record();
    db_param pir[] = {DB_PARAM_BLOB("\xBF\x37\x00", 3), DB_PARAM_INT64(failed.package_id)};
    assert_int_equal(db_execute(db, "UPDATE eim_packages SET result = ? WHERE id = ?", pir, 2,
                                NULL),
                     AW_OK);
    assert_int_equal(status_of(code).outcome, EIM_TRIGGER_INSTALL_FAILED);
    /* a verified PIR of success stands over any failure after it */
    trigger_with(code, true, true, true);
    trigger_with(code, true, false, false);
    status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_INSTALLED);
    assert_int_equal(status.count, 5);
    assert_int_equal(eim_download_trigger_status(NULL, AW_PKI_DEFAULT_EID, code, &status),
                     AW_ERR_ARGUMENT);
    assert_int_equal(status.count, 0);
    assert_int_equal(eim_download_trigger_status(db, AW_PKI_DEFAULT_EID, NULL, &status),
                     AW_ERR_ARGUMENT);
}

static eim_trigger_withdrawal withdraw(const char *code)
{
    eim_trigger_withdrawal w;
    assert_int_equal(
        eim_download_trigger_withdraw(db, AW_PKI_DEFAULT_EID, code, db_clock_ms(), &w), AW_OK);
    return w;
}

static eim_package_state state_of(int64_t package_id)
{
    eim_package_record *records = NULL;
    size_t count = 0;
    eim_package_state state = 0;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    for (size_t i = 0; i < count; i++)
        if (records[i].package_id == package_id)
            state = records[i].state;
    eim_package_records_free(records, count);
    return state;
}


/* ---- A withdrawal and a poll on one trigger ----------------------------------- */

#define RACE_CODE "1$smdp.example.com$RACE"

typedef struct trigger_racer {
    db_connection *db;
    aw_err err;
    uint8_t *package;
    size_t len;
    eim_trigger_withdrawal withdrawal;
} trigger_racer;

static void *poll_racer(void *arg)
{
    trigger_racer *r = arg;
    r->err = eim_package_next(r->db, AW_PKI_DEFAULT_EID, db_clock_ms(), &r->package, &r->len,
                              NULL);
    return NULL;
}

static void *withdraw_racer(void *arg)
{
    trigger_racer *r = arg;
    r->err = eim_download_trigger_withdraw(r->db, AW_PKI_DEFAULT_EID, RACE_CODE, db_clock_ms(),
                                           &r->withdrawal);
    return NULL;
}

static int64_t queue_race_trigger(void)
{
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = RACE_CODE};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &id),
                     AW_OK);
    return id;
}

/* The test holds one side's change open in its own transaction; the other
 * side runs in a thread, blocked behind it, until the test commits. */
static void hold_and_race(int64_t id, eim_package_state to, void *(*racer)(void *),
                          trigger_racer *r)
{
    db_connection *holder = eim_test_db_open();
    r->db = eim_test_db_open();
    db_param p[] = {DB_PARAM_INT64(to), DB_PARAM_INT64(id), DB_PARAM_INT64(EIM_PACKAGE_QUEUED)};
    int64_t changes = 0;
    assert_int_equal(db_begin(holder), AW_OK);
    assert_int_equal(db_execute(holder,
                                "UPDATE eim_packages SET state = ? WHERE id = ? AND state = ?", p,
                                3, &changes),
                     AW_OK);
    assert_int_equal(changes, 1);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, racer, r), 0);
    bool blocked = eim_test_wait_blocked();
    assert_int_equal(db_commit(holder), AW_OK);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(blocked);
    db_close(r->db);
    db_close(holder);
}

/* The withdrawal commits while a poll has read the trigger as queued and
 * waits to hand it out: the hand-out changes a package only while queued or
 * sent (package.c next_locked; PostgreSQL's READ COMMITTED reads the row
 * again), so the poll hands out nothing and the trigger stays withdrawn. */
static void test_withdraw_during_poll(void **state)
{
    (void)state;
    int64_t id = queue_race_trigger();
    trigger_racer r = {0};
    hold_and_race(id, EIM_PACKAGE_WITHDRAWN, poll_racer, &r);
    assert_int_equal(r.err, AW_ERR_NOT_FOUND);
    assert_null(r.package);
    assert_int_equal(state_of(id), EIM_PACKAGE_WITHDRAWN);
}

/* The hand-out commits while a withdrawal has read the trigger as queued
 * and waits to withdraw it: the withdrawal (SERIALIZABLE on PostgreSQL, run
 * again after the conflict) finds it sent, withdraws nothing and counts it
 * outstanding at the device, so the platform does not cancel its order. */
static void test_poll_during_withdraw(void **state)
{
    (void)state;
    int64_t id = queue_race_trigger();
    trigger_racer r = {0};
    hold_and_race(id, EIM_PACKAGE_SENT, withdraw_racer, &r);
    assert_int_equal(r.err, AW_OK);
    assert_int_equal(r.withdrawal.withdrawn, 0);
    assert_int_equal(r.withdrawal.outstanding, 1);
    assert_int_equal(r.withdrawal.installed, 0);
    assert_int_equal(state_of(id), EIM_PACKAGE_SENT);
}

/* eim_download_trigger_withdraw: an order cancelled after its trigger was
 * queued (platform executor_item.c). */
static void test_trigger_withdraw(void **state)
{
    (void)state;
    const char *code = "1$smdp.example.com$ORDER-CANCELLED", *other = "1$smdp.example.com$OTHER";
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = code};
    eim_download_trigger another = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = other};
    /* installed: counted, nothing withdrawn */
    const char *installed = "1$smdp.example.com$INSTALLED";
    trigger_with(installed, true, true, true);
    eim_trigger_withdrawal w = withdraw(installed);
    assert_int_equal(w.installed, 1);
    assert_int_equal(w.withdrawn + w.outstanding, 0);
    /* queued, never handed out: withdrawn, and the poll finds nothing */
    int64_t first = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &first),
                     AW_OK);
    w = withdraw(code);
    assert_int_equal(w.withdrawn, 1);
    assert_int_equal(w.outstanding + w.installed, 0);
    assert_int_equal(state_of(first), EIM_PACKAGE_WITHDRAWN);
    assert_string_equal(eim_package_state_name(EIM_PACKAGE_WITHDRAWN), "withdrawn");
    uint8_t *package = NULL;
    size_t len = 0;
    assert_int_equal(eim_package_next(db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package, &len, NULL),
                     AW_ERR_NOT_FOUND);
    assert_null(package);
    /* a result for it is refused: it was never sent */
    uint8_t *request = NULL;
    const uint8_t *stored = NULL;
    db_rows *rows = NULL;
    bool has_row = false;
    db_param key[] = {DB_PARAM_INT64(first)};
    assert_int_equal(db_query(db, "SELECT request FROM eim_packages WHERE id = ?", key, 1, &rows),
                     AW_OK);
    assert_int_equal(db_rows_next(rows, &has_row), AW_OK);
    assert_true(has_row);
    assert_int_equal(db_rows_get_blob(rows, 0, &stored, &len), AW_OK);
    request = malloc(len);
    assert_non_null(request);
    memcpy(request, stored, len);
    db_rows_free(rows);
    sgp32_profile_download_trigger_request decoded;
    assert_int_equal(sgp32_decode_profile_download_trigger_request(request, len, &decoded), AW_OK);
    size_t result_len = 0;
    uint8_t *result = trigger_result(decoded.eim_transaction_id, NULL, 0,
                                     SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR, &result_len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result,
                                                result_len, db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(result);
    free(request);
    /* one handed out stays outstanding; the next one queued is withdrawn;
     * another code's trigger is left alone */
    sgp32_profile_download_trigger_request sent;
    package = queue_and_send(&trigger, &sent);
    free(package);
    int64_t queued = 0, kept = 0;
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger,
                                                          db_clock_ms(), &queued),
                     AW_OK);
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &another,
                                                          db_clock_ms(), &kept),
                     AW_OK);
    w = withdraw(code);
    assert_int_equal(w.withdrawn, 1);
    assert_int_equal(w.outstanding, 1);
    assert_int_equal(w.installed, 0);
    assert_int_equal(state_of(queued), EIM_PACKAGE_WITHDRAWN);
    assert_int_equal(state_of(kept), EIM_PACKAGE_QUEUED);
    /* again: nothing left to withdraw */
    w = withdraw(code);
    assert_int_equal(w.withdrawn, 0);
    assert_int_equal(w.outstanding, 1);
    /* the status counts the withdrawn ones, and the one out still waits */
    eim_trigger_status status = status_of(code);
    assert_int_equal(status.outcome, EIM_TRIGGER_WAITING);
    assert_int_equal(status.count, 3);
    /* refusals */
    assert_int_equal(eim_download_trigger_withdraw(NULL, AW_PKI_DEFAULT_EID, code, 0, &w),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_download_trigger_withdraw(db, NULL, code, 0, &w), AW_ERR_ARGUMENT);
    assert_int_equal(eim_download_trigger_withdraw(db, AW_PKI_DEFAULT_EID, NULL, 0, &w),
                     AW_ERR_ARGUMENT);
    assert_int_equal(eim_download_trigger_withdraw(db, AW_PKI_DEFAULT_EID, code, 0, NULL),
                     AW_ERR_ARGUMENT);
    assert_int_equal(db_begin(db), AW_OK);
    assert_int_equal(eim_download_trigger_withdraw(db, AW_PKI_DEFAULT_EID, other, 0, &w),
                     AW_ERR_STATE);
    assert_int_equal(db_rollback(db), AW_OK);
    assert_int_equal(state_of(kept), EIM_PACKAGE_QUEUED);
}

static void test_result_refusals(void **state)
{
    (void)state;
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_DEFAULT_SMDP};
    sgp32_profile_download_trigger_request request;
    uint8_t *package = queue_and_send(&trigger, &request);
    size_t pir_len = 0, len = 0;
    /* a signature that does not verify: the trigger stays unanswered */
    uint8_t *pir = installation_result(true, true, &pir_len);
    uint8_t *result = trigger_result(request.eim_transaction_id, pir, pir_len, 0, &len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), NULL),
                     AW_ERR_SIGNATURE);
    assert_int_equal(last_record().state, EIM_PACKAGE_SENT);
    free(result);
    free(pir);
    /* no certificate chain known */
    pir = installation_result(true, false, &pir_len);
    result = trigger_result(request.eim_transaction_id, pir, pir_len, 0, &len);
    assert_int_equal(
        db_execute(db, "UPDATE eim_euiccs SET eum_certificate = NULL", NULL, 0, NULL), AW_OK);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), NULL),
                     AW_ERR_EIM_NO_CERTIFICATE);
    free(result);
    /* without, or with an unknown, eimTransactionId */
    result = trigger_result((aw_slice){NULL, 0}, pir, pir_len, 0, &len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(result);
    static const uint8_t other[4] = {1, 2, 3, 4};
    result = trigger_result((aw_slice){other, sizeof(other)}, NULL, 0, 127, &len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    free(result);
    /* a trigger never handed out */
    assert_int_equal(db_execute(db, "UPDATE eim_packages SET state = 1", NULL, 0, NULL), AW_OK);
    result = trigger_result(request.eim_transaction_id, NULL, 0, 127, &len);
    assert_int_equal(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len,
                                                db_clock_ms(), NULL),
                     AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
    /* damaged DER, arguments */
    assert_true(eim_download_result_record(db, trust, AW_PKI_DEFAULT_EID, result, len - 1, 0,
                                           NULL) >= AW_ERR_DER_TRUNCATED);
    assert_int_equal(eim_download_result_record(db, NULL, AW_PKI_DEFAULT_EID, result, len, 0,
                                                NULL),
                     AW_ERR_ARGUMENT);
    free(result);
    free(pir);
    free(package);
}

static void test_trigger_refusals(void **state)
{
    (void)state;
    char long_code[300];
    memset(long_code, 'a', sizeof(long_code));
    memcpy(long_code, "1$smdp.example.com$", 19);
    long_code[256] = '\0';
    static const char *const codes[] = {"", "2$smdp.example.com$M", "1$$M", "1$smdp.example.com",
                                        "1$\xFF$M", NULL};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        eim_download_trigger t = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                  .activation_code = codes[i]};
        assert_int_equal(
            eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &t, 0, NULL),
            AW_ERR_EIM_PACKAGE);
    }
    eim_download_trigger t = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE, .activation_code = long_code};
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &t, 0, NULL),
                     AW_ERR_EIM_PACKAGE);
    t = (eim_download_trigger){.kind = EIM_DOWNLOAD_SMDS, .smds_address = ""};
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &t, 0, NULL),
                     AW_ERR_EIM_PACKAGE);
    t = (eim_download_trigger){.kind = (eim_download_kind)0};
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &t, 0, NULL),
                     AW_ERR_EIM_PACKAGE);
    char unknown[EIM_EID_DIGITS + 1];
    eim_test_eid(8, unknown);
    t = (eim_download_trigger){.kind = EIM_DOWNLOAD_DEFAULT_SMDP};
    assert_int_equal(eim_package_enqueue_download_trigger(db, unknown, &t, 0, NULL),
                     AW_ERR_EIM_UNKNOWN_EUICC);
    assert_int_equal(eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, NULL, 0, NULL),
                     AW_ERR_ARGUMENT);
    /* nothing was queued */
    eim_package_record *records = NULL;
    size_t count = 9;
    assert_int_equal(eim_package_list(db, AW_PKI_DEFAULT_EID, &records, &count), AW_OK);
    assert_int_equal(count, 0);
    eim_package_records_free(records, count);
}

int main(int argc, char **argv)
{
    int status = eim_test_db_init(argc, argv, "test_eim_download");
    if (status != 0)
        return status;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    if (pki_issue_hierarchy(&params, &hierarchy) != AW_OK || pki_trust_store_new(&trust) != AW_OK ||
        pki_trust_store_add_ci(trust, hierarchy.cert[AW_PKI_ROLE_CI]) != AW_OK)
        return 1;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    if (bio == NULL ||
        PEM_write_bio_PrivateKey(bio, hierarchy.key[AW_PKI_ROLE_EUICC], NULL, NULL, 0, NULL,
                                 NULL) != 1)
        return 1;
    long pem_len = BIO_get_mem_data(bio, &pem);
    if (crypto_key_load_private_pem((const uint8_t *)pem, (size_t)pem_len, &euicc_key) != AW_OK)
        return 1;
    BIO_free(bio);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdraw_during_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_during_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_refusals, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    crypto_key_free(euicc_key);
    pki_trust_store_free(trust);
    pki_hierarchy_free(&hierarchy);
    eim_test_db_cleanup();
    return status;
}
