/* Tests of the ES2+ order functions (src/smdp/es2p.h, SGP.22 5.3.1 -
 * 5.3.4): each function's success and every error code it reports, the
 * state history of a whole order, the confirmation code check, and two
 * processes allocating from one pool (never one profile twice). Run on
 * SQLite and PostgreSQL by test_smdp_inventory.c. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/crypto.h"
#include "smdp_testutil.h"

static void assert_result(const smdp_es2p_result *r, const char *subject, const char *reason)
{
    if (subject == NULL) {
        if (!r->success)
            print_error("failed: %s / %s (%s)\n", r->subject_code, r->reason_code, r->message);
        assert_true(r->success);
        assert_null(r->subject_code);
        assert_null(r->reason_code);
        return;
    }
    assert_false(r->success);
    assert_non_null(r->subject_code);
    assert_string_equal(r->subject_code, subject);
    assert_string_equal(r->reason_code, reason);
    assert_non_null(r->message);
}

static smdp_state state_of(db_connection *db, const char *iccid)
{
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, iccid, &info), AW_OK);
    return info.state;
}

/* ---- DownloadOrder ----------------------------------------------------------- */

static void test_download_order(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 3);
    char iccid[SAIP_ICCID_TEXT], first[SAIP_ICCID_TEXT], eid[SMDP_EID_TEXT];
    smdp_test_iccid(1, first);
    smdp_test_eid(1, eid);
    smdp_es2p_result r;

    /* by profile type, no EID: the first available, allocated */
    smdp_download_order order = {.profile_type = SMDP_TEST_TYPE};
    assert_int_equal(smdp_es2p_download_order(db, &order, 10, iccid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_string_equal(iccid, first);
    assert_int_equal(state_of(db, iccid), SMDP_STATE_ALLOCATED);

    /* by ICCID with an EID: linked, EID stored */
    char third[SAIP_ICCID_TEXT];
    smdp_test_iccid(3, third);
    order = (smdp_download_order){.iccid = third, .eid = eid};
    assert_int_equal(smdp_es2p_download_order(db, &order, 11, iccid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_string_equal(iccid, third);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, third, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_LINKED);
    assert_string_equal(info.eid, eid);

    /* 8.2.1 / 3.3: that ICCID is already in use */
    assert_int_equal(smdp_es2p_download_order(db, &order, 12, iccid, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.3");
    assert_string_equal(iccid, "");
    /* 8.2.1 / 3.9: unknown ICCID (also a malformed one) */
    order = (smdp_download_order){.iccid = "8988247000000000999"};
    assert_int_equal(smdp_es2p_download_order(db, &order, 12, iccid, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.9");
    order = (smdp_download_order){.iccid = "898824700000000099999999"};
    assert_int_equal(smdp_es2p_download_order(db, &order, 12, iccid, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.9");
    /* 8.2.5 / 3.9: unknown profile type */
    order = (smdp_download_order){.profile_type = "nope"};
    assert_int_equal(smdp_es2p_download_order(db, &order, 12, iccid, &r), AW_OK);
    assert_result(&r, "8.2.5", "3.9");
    /* 8.2.5 / 4.8: stock depleted after the last one */
    order = (smdp_download_order){.profile_type = SMDP_TEST_TYPE};
    assert_int_equal(smdp_es2p_download_order(db, &order, 13, iccid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(smdp_es2p_download_order(db, &order, 14, iccid, &r), AW_OK);
    assert_result(&r, "8.2.5", "3.7");
    /* 8.1.1 / 2.1: malformed EID (check digits) */
    char bad_eid[SMDP_EID_TEXT];
    memcpy(bad_eid, eid, sizeof(bad_eid));
    bad_eid[31] = bad_eid[31] == '9' ? '0' : (char)(bad_eid[31] + 1);
    order = (smdp_download_order){.profile_type = SMDP_TEST_TYPE, .eid = bad_eid};
    assert_int_equal(smdp_es2p_download_order(db, &order, 14, iccid, &r), AW_OK);
    assert_result(&r, "8.1.1", "2.1");
    /* neither ICCID nor profile type */
    order = (smdp_download_order){.eid = eid};
    assert_int_equal(smdp_es2p_download_order(db, &order, 14, iccid, &r), AW_ERR_ARGUMENT);

    int64_t n;
    assert_int_equal(smdp_inventory_count(db, NULL, SMDP_STATE_AVAILABLE, &n), AW_OK);
    assert_int_equal(n, 0);
}

/* ---- ConfirmOrder -------------------------------------------------------------- */

static void allocate(db_connection *db, const char *iccid, const char *eid)
{
    char out[SAIP_ICCID_TEXT];
    smdp_es2p_result r;
    smdp_download_order order = {.iccid = iccid, .eid = eid};
    assert_int_equal(smdp_es2p_download_order(db, &order, 20, out, &r), AW_OK);
    assert_result(&r, NULL, NULL);
}

static void test_confirm_order(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 6);
    char i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT], i3[SAIP_ICCID_TEXT], i4[SAIP_ICCID_TEXT];
    char e1[SMDP_EID_TEXT], e2[SMDP_EID_TEXT], mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_test_iccid(2, i2);
    smdp_test_iccid(3, i3);
    smdp_test_iccid(4, i4);
    smdp_test_eid(1, e1);
    smdp_test_eid(2, e2);
    smdp_es2p_result r;

    /* 8.2.1 / 3.5: still available (no DownloadOrder) */
    smdp_confirm_order c = {.iccid = i1};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 30, mid, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    assert_string_equal(mid, "");
    /* 8.2.1 / 3.9 */
    c = (smdp_confirm_order){.iccid = "8988247000000000999"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 30, mid, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.9");

    /* generated matching ID, EID bound now, code hashed, confirmed */
    allocate(db, i1, NULL);
    c = (smdp_confirm_order){.iccid = i1, .eid = e1, .confirmation_code = "12345678"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 31, mid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(strlen(mid), SMDP_MATCHING_ID_GENERATED_LEN);
    assert_true(smdp_es2p_matching_id_ok(mid));
    assert_int_equal(mid[5], '-');
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, i1, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_CONFIRMED);
    assert_string_equal(info.matching_id, mid);
    assert_string_equal(info.eid, e1);
    assert_true(info.has_confirmation_code);
    uint8_t cc_hash[32];
    assert_int_equal(crypto_sha256((const uint8_t *)"12345678", 8, cc_hash), AW_OK);
    assert_memory_equal(info.confirmation_code_hash, cc_hash, 32);
    /* two generated IDs differ */
    char mid2[SMDP_MATCHING_ID_MAX + 1];
    allocate(db, i2, NULL);
    c = (smdp_confirm_order){.iccid = i2, .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 32, mid2, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_string_not_equal(mid, mid2);
    assert_int_equal(state_of(db, i2), SMDP_STATE_RELEASED);

    /* 8.2.6 / 3.3: a given matching ID already in use */
    allocate(db, i3, e1);
    c = (smdp_confirm_order){.iccid = i3, .matching_id = mid};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 33, mid2, &r), AW_OK);
    assert_result(&r, "8.2.6", "3.3");
    assert_int_equal(state_of(db, i3), SMDP_STATE_LINKED);
    /* 8.2.6 / 2.1: malformed matching ID */
    c = (smdp_confirm_order){.iccid = i3, .matching_id = "abc"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 33, mid2, &r), AW_OK);
    assert_result(&r, "8.2.6", "2.1");
    /* 8.1.1 / 3.10: another EID than the DownloadOrder's */
    c = (smdp_confirm_order){.iccid = i3, .eid = e2};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 33, mid2, &r), AW_OK);
    assert_result(&r, "8.1.1", "3.10");
    /* 8.1.1 / 2.1: malformed EID */
    c = (smdp_confirm_order){.iccid = i3, .eid = "89"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 33, mid2, &r), AW_OK);
    assert_result(&r, "8.1.1", "2.1");
    /* 8.2.7 / 2.1: empty confirmation code */
    c = (smdp_confirm_order){.iccid = i3, .confirmation_code = ""};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 33, mid2, &r), AW_OK);
    assert_result(&r, "8.2.7", "2.1");
    /* a given matching ID */
    c = (smdp_confirm_order){.iccid = i3, .matching_id = "OPERATOR-ORDER-42"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 34, mid2, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_string_equal(mid2, "OPERATOR-ORDER-42");

    /* no matching ID (default SM-DP+): 8.1.1 / 2.2 without an EID ... */
    allocate(db, i4, NULL);
    c = (smdp_confirm_order){.iccid = i4, .matching_id = ""};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 35, mid2, &r), AW_OK);
    assert_result(&r, "8.1.1", "2.2");
    /* ... accepted with one */
    c = (smdp_confirm_order){.iccid = i4, .matching_id = "", .eid = e2, .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 35, mid2, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_string_equal(mid2, "");
    assert_int_equal(smdp_inventory_get_profile(db, i4, &info), AW_OK);
    assert_string_equal(info.matching_id, "");
    assert_int_equal(info.state, SMDP_STATE_RELEASED);
    /* confirmed twice: 8.2.1 / 3.5 */
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 36, mid2, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    assert_int_equal(smdp_es2p_confirm_order(db, NULL, 36, mid2, &r), AW_ERR_ARGUMENT);
}

static void test_confirmation_code_check(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 2);
    char i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT], mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_test_iccid(2, i2);
    allocate(db, i1, NULL);
    smdp_es2p_result r;
    smdp_confirm_order c = {.iccid = i1, .confirmation_code = "8413", .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 40, mid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    /* what the eUICC sends: SHA-256(SHA-256(CC) || TransactionID) */
    static const uint8_t tid[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                    0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE};
    uint8_t input[48], hash_cc[32];
    assert_int_equal(crypto_sha256((const uint8_t *)"8413", 4, input), AW_OK);
    memcpy(input + 32, tid, 16);
    assert_int_equal(crypto_sha256(input, 48, hash_cc), AW_OK);
    bool match = false;
    assert_int_equal(smdp_es2p_check_confirmation_code(db, i1, tid, 16, hash_cc, &match), AW_OK);
    assert_true(match);
    hash_cc[0] ^= 1;
    assert_int_equal(smdp_es2p_check_confirmation_code(db, i1, tid, 16, hash_cc, &match), AW_OK);
    assert_false(match);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, i1, &info), AW_OK);
    assert_int_equal(info.confirmation_code_attempts, 1);
    /* no code stored */
    assert_int_equal(smdp_es2p_check_confirmation_code(db, i2, tid, 16, hash_cc, &match), AW_OK);
    assert_false(match);
    assert_int_equal(smdp_es2p_check_confirmation_code(db, "8988247000000000999", tid, 16,
                                                       hash_cc, &match),
                     AW_ERR_NOT_FOUND);
    assert_int_equal(smdp_es2p_check_confirmation_code(db, i1, tid, 0, hash_cc, &match),
                     AW_ERR_ARGUMENT);
}

/* A matching ID taken by another order between ConfirmOrder's check and
 * its write (as a concurrent ConfirmOrder would): a trigger takes it for
 * another profile right when the first changes state. The unique
 * constraint refuses the write, the whole function is rolled back and
 * reported as 8.2.6 / 3.3. */
static void test_confirm_order_matching_id_race(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 2);
    char i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT], sql[512];
    char mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_test_iccid(2, i2);
    if (smdp_test_is_postgresql()) {
        snprintf(sql, sizeof(sql),
                 "CREATE FUNCTION take_matching_id() RETURNS trigger AS $$ BEGIN "
                 "UPDATE smdp_profiles SET matching_id = 'RACE-ID' WHERE iccid = '%s'; "
                 "RETURN NEW; END $$ LANGUAGE plpgsql",
                 i2);
        assert_int_equal(db_execute(db, sql, NULL, 0, NULL), AW_OK);
        assert_int_equal(db_execute(db,
                                    "CREATE TRIGGER race AFTER UPDATE OF state ON smdp_profiles "
                                    "FOR EACH ROW WHEN (NEW.state = 'confirmed') "
                                    "EXECUTE FUNCTION take_matching_id()",
                                    NULL, 0, NULL),
                         AW_OK);
    } else {
        snprintf(sql, sizeof(sql),
                 "CREATE TRIGGER race AFTER UPDATE OF state ON smdp_profiles "
                 "WHEN NEW.state = 'confirmed' BEGIN "
                 "UPDATE smdp_profiles SET matching_id = 'RACE-ID' WHERE iccid = '%s'; END",
                 i2);
        assert_int_equal(db_execute(db, sql, NULL, 0, NULL), AW_OK);
    }
    allocate(db, i1, NULL);
    smdp_es2p_result r;
    smdp_confirm_order c = {.iccid = i1, .matching_id = "RACE-ID"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 90, mid, &r), AW_OK);
    assert_result(&r, "8.2.6", "3.3");
    assert_string_equal(mid, "");
    /* nothing kept: neither the state change nor the trigger's write */
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, i1, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_ALLOCATED);
    assert_string_equal(info.matching_id, "");
    assert_int_equal(smdp_inventory_get_profile(db, i2, &info), AW_OK);
    assert_string_equal(info.matching_id, "");
    smdp_history_entry *h = NULL;
    size_t n = 0;
    assert_int_equal(smdp_inventory_history(db, i1, &h, &n), AW_OK);
    assert_int_equal(n, 2); /* import, DownloadOrder */
    free(h);
}

/* ---- ReleaseProfile and CancelOrder -------------------------------------------- */

static void test_release_profile(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 1);
    char i1[SAIP_ICCID_TEXT], mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_es2p_result r;
    /* 8.2.1 / 3.5 from available */
    assert_int_equal(smdp_es2p_release_profile(db, i1, 50, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    allocate(db, i1, NULL);
    smdp_confirm_order c = {.iccid = i1};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 51, mid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(smdp_es2p_release_profile(db, i1, 52, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(state_of(db, i1), SMDP_STATE_RELEASED);
    /* 8.2.1 / 3.5: released already */
    assert_int_equal(smdp_es2p_release_profile(db, i1, 53, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    /* 8.2.1 / 3.9 */
    assert_int_equal(smdp_es2p_release_profile(db, "8988247000000000999", 53, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.9");
    assert_int_equal(smdp_es2p_release_profile(db, NULL, 53, &r), AW_ERR_ARGUMENT);
}

static void test_cancel_order(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 3);
    char i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT], i3[SAIP_ICCID_TEXT];
    char e1[SMDP_EID_TEXT], e2[SMDP_EID_TEXT], mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_test_iccid(2, i2);
    smdp_test_iccid(3, i3);
    smdp_test_eid(1, e1);
    smdp_test_eid(2, e2);
    smdp_es2p_result r;

    allocate(db, i1, e1);
    smdp_confirm_order c = {.iccid = i1, .release_flag = true, .confirmation_code = "1"};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 60, mid, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    /* 8.1.1 / 3.10, 8.2.6 / 3.10, 8.1.1 / 2.1, 8.2.1 / 3.9 */
    assert_int_equal(smdp_es2p_cancel_order(db, i1, e2, NULL, SMDP_FINAL_AVAILABLE, 61, &r),
                     AW_OK);
    assert_result(&r, "8.1.1", "3.10");
    assert_int_equal(smdp_es2p_cancel_order(db, i1, e1, "OTHER-ID", SMDP_FINAL_AVAILABLE, 61, &r),
                     AW_OK);
    assert_result(&r, "8.2.6", "3.10");
    assert_int_equal(smdp_es2p_cancel_order(db, i1, "123", NULL, SMDP_FINAL_AVAILABLE, 61, &r),
                     AW_OK);
    assert_result(&r, "8.1.1", "2.1");
    assert_int_equal(smdp_es2p_cancel_order(db, "8988247000000000999", NULL, NULL,
                                            SMDP_FINAL_AVAILABLE, 61, &r),
                     AW_OK);
    assert_result(&r, "8.2.1", "3.9");
    assert_int_equal(state_of(db, i1), SMDP_STATE_RELEASED);
    /* back to the pool, order data cleared */
    assert_int_equal(smdp_es2p_cancel_order(db, i1, e1, mid, SMDP_FINAL_AVAILABLE, 62, &r), AW_OK);
    assert_result(&r, NULL, NULL);
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, i1, &info), AW_OK);
    assert_int_equal(info.state, SMDP_STATE_AVAILABLE);
    assert_string_equal(info.eid, "");
    assert_string_equal(info.matching_id, "");
    assert_false(info.has_confirmation_code);
    /* 8.2.1 / 3.5: nothing to cancel */
    assert_int_equal(smdp_es2p_cancel_order(db, i1, NULL, NULL, SMDP_FINAL_AVAILABLE, 63, &r),
                     AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    /* unavailable for good: DownloadOrder cannot take it again */
    allocate(db, i2, NULL);
    assert_int_equal(smdp_es2p_cancel_order(db, i2, NULL, NULL, SMDP_FINAL_UNAVAILABLE, 64, &r),
                     AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(state_of(db, i2), SMDP_STATE_UNAVAILABLE);
    char out[SAIP_ICCID_TEXT];
    smdp_download_order order = {.iccid = i2};
    assert_int_equal(smdp_es2p_download_order(db, &order, 65, out, &r), AW_OK);
    assert_result(&r, "8.2.1", "3.3");
    /* installed: 8.2.1 / 3.5 */
    allocate(db, i3, NULL);
    c = (smdp_confirm_order){.iccid = i3, .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 66, mid, &r), AW_OK);
    assert_int_equal(smdp_inventory_mark_downloaded(db, i3, "BPP delivered", 67), AW_OK);
    assert_int_equal(smdp_inventory_mark_installed(db, i3, "installation result ok", 68), AW_OK);
    assert_int_equal(smdp_es2p_cancel_order(db, i3, NULL, NULL, SMDP_FINAL_AVAILABLE, 69, &r),
                     AW_OK);
    assert_result(&r, "8.2.1", "3.5");
    assert_int_equal(smdp_es2p_cancel_order(db, i3, NULL, NULL, (smdp_final_status)7, 69, &r),
                     AW_ERR_ARGUMENT);
}

/* ---- A whole order's history ---------------------------------------------------- */

static void test_history(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, 2);
    char i1[SAIP_ICCID_TEXT], i2[SAIP_ICCID_TEXT], e1[SMDP_EID_TEXT];
    char mid[SMDP_MATCHING_ID_MAX + 1];
    smdp_test_iccid(1, i1);
    smdp_test_iccid(2, i2);
    smdp_test_eid(1, e1);
    smdp_es2p_result r;
    allocate(db, i1, e1);
    smdp_confirm_order c = {.iccid = i1};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 71, mid, &r), AW_OK);
    assert_int_equal(smdp_es2p_release_profile(db, i1, 72, &r), AW_OK);
    /* illegal ES9+ steps are refused and leave no trace */
    assert_int_equal(smdp_inventory_mark_installed(db, i1, "too early", 73), AW_ERR_STATE);
    assert_int_equal(smdp_inventory_mark_downloaded(db, i1, "BPP delivered", 74), AW_OK);
    assert_int_equal(smdp_inventory_mark_downloaded(db, i1, "again", 75), AW_ERR_STATE);
    assert_int_equal(smdp_inventory_mark_installed(db, i1, "installed", 76), AW_OK);
    assert_int_equal(smdp_inventory_mark_error(db, i1, "late error", 77), AW_ERR_STATE);

    static const struct {
        smdp_state from, to;
        const char *cause;
        int64_t at;
    } want[] = {
        {0, SMDP_STATE_AVAILABLE, "import", 1000},
        {SMDP_STATE_AVAILABLE, SMDP_STATE_LINKED, "ES2+.DownloadOrder", 20},
        {SMDP_STATE_LINKED, SMDP_STATE_CONFIRMED, "ES2+.ConfirmOrder", 71},
        {SMDP_STATE_CONFIRMED, SMDP_STATE_RELEASED, "ES2+.ReleaseProfile", 72},
        {SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED, "BPP delivered", 74},
        {SMDP_STATE_DOWNLOADED, SMDP_STATE_INSTALLED, "installed", 76},
    };
    smdp_history_entry *h = NULL;
    size_t n = 0;
    assert_int_equal(smdp_inventory_history(db, i1, &h, &n), AW_OK);
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].from, want[i].from);
        assert_int_equal(h[i].to, want[i].to);
        assert_string_equal(h[i].cause, want[i].cause);
        assert_int_equal(h[i].at_ms, want[i].at);
    }
    free(h);

    /* error path: released -> error, then cancelled back to the pool */
    allocate(db, i2, NULL);
    c = (smdp_confirm_order){.iccid = i2, .release_flag = true};
    assert_int_equal(smdp_es2p_confirm_order(db, &c, 80, mid, &r), AW_OK);
    assert_int_equal(smdp_inventory_mark_error(db, i2, "download failed", 81), AW_OK);
    assert_int_equal(smdp_es2p_cancel_order(db, i2, NULL, NULL, SMDP_FINAL_AVAILABLE, 82, &r),
                     AW_OK);
    assert_result(&r, NULL, NULL);
    assert_int_equal(smdp_inventory_history(db, i2, &h, &n), AW_OK);
    assert_int_equal(n, 5);
    assert_int_equal(h[3].to, SMDP_STATE_ERROR);
    assert_int_equal(h[4].from, SMDP_STATE_ERROR);
    assert_int_equal(h[4].to, SMDP_STATE_AVAILABLE);
    assert_string_equal(h[4].cause, "ES2+.CancelOrder");
    free(h);

    /* names */
    smdp_state s;
    assert_string_equal(smdp_state_name(SMDP_STATE_LINKED), "linked");
    assert_null(smdp_state_name((smdp_state)0));
    assert_int_equal(smdp_state_parse("unavailable", &s), AW_OK);
    assert_int_equal(s, SMDP_STATE_UNAVAILABLE);
    assert_int_equal(smdp_state_parse("gone", &s), AW_ERR_NOT_FOUND);
}

/* ---- Two processes, one pool ----------------------------------------------------- */

#define POOL 200
#define WORKERS 2
#define CHILD_DEADLINE_MS 60000

/* Allocate until stock is depleted, writing each ICCID to fd. Exit 0 on
 * depletion, 10+ on failure. */
static int allocator(int start_fd, int out_fd)
{
    /* connect first, then wait for the start, so both race from the outset */
    db_connection *db = NULL;
    db_options options = {.busy_timeout_ms = 10000};
    aw_err opened = db_open(smdp_test_url(), &options, &db);
    char c;
    while (read(start_fd, &c, 1) > 0)
        ;
    close(start_fd);
    if (opened != AW_OK)
        return 10;
    int status = 11;
    int64_t deadline = db_clock_ms() + CHILD_DEADLINE_MS;
    while (db_clock_ms() < deadline) {
        char iccid[SAIP_ICCID_TEXT];
        smdp_es2p_result r;
        smdp_download_order order = {.profile_type = SMDP_TEST_TYPE};
        aw_err err = smdp_es2p_download_order(db, &order, db_clock_ms(), iccid, &r);
        if (err == AW_ERR_DB_BUSY)
            continue; /* serialisation conflict that ran out of retries */
        if (err != AW_OK) {
            status = 12;
            break;
        }
        if (!r.success) {
            status = strcmp(r.subject_code, "8.2.5") == 0 && strcmp(r.reason_code, "3.7") == 0
                         ? 0
                         : 13;
            break;
        }
        char line[SAIP_ICCID_TEXT + 1];
        int n = snprintf(line, sizeof(line), "%s\n", iccid);
        if (write(out_fd, line, (size_t)n) != n) {
            status = 14;
            break;
        }
        /* a request handler's own work between orders: lets the other in
         * (SQLite's busy wait would otherwise let one process take all) */
        usleep(500);
    }
    db_close(db);
    close(out_fd);
    return status;
}

static void test_concurrent_allocation(void **state)
{
    (void)state;
    db_connection *db = smdp_test_db();
    smdp_test_import(db, smdp_test_ring(), 1, POOL);
    int start[2], out[WORKERS][2];
    assert_int_equal(pipe(start), 0);
    pid_t pids[WORKERS];
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < WORKERS; i++) {
        assert_int_equal(pipe(out[i]), 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(start[1]);
            close(out[i][0]);
            _exit(allocator(start[0], out[i][1]));
        }
        close(out[i][1]);
    }
    close(start[0]);
    usleep(200000); /* let both connect */
    close(start[1]); /* go */
    static char seen[POOL + 1][SAIP_ICCID_TEXT];
    size_t total = 0;
    size_t per_worker[WORKERS] = {0};
    for (int i = 0; i < WORKERS; i++) {
        char buf[POOL * (SAIP_ICCID_TEXT + 1) + 64];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(buf) - 1 && (n = read(out[i][0], buf + len, sizeof(buf) - 1 - len)) > 0)
            len += (size_t)n;
        buf[len] = '\0';
        close(out[i][0]);
        for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            assert_true(total < POOL);
            for (size_t k = 0; k < total; k++)
                assert_string_not_equal(seen[k], line); /* never twice */
            snprintf(seen[total++], SAIP_ICCID_TEXT, "%s", line);
            per_worker[i]++;
        }
    }
    for (int i = 0; i < WORKERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(total, POOL);
    int64_t n = 0;
    assert_int_equal(smdp_inventory_count(db, NULL, SMDP_STATE_ALLOCATED, &n), AW_OK);
    assert_int_equal(n, POOL);
    assert_int_equal(db_query_int64(db,
                                    "SELECT COUNT(*) FROM smdp_profile_history "
                                    "WHERE to_state = 'allocated'",
                                    NULL, 0, &n),
                     AW_OK);
    assert_int_equal(n, POOL);
    printf("concurrency: worker shares %zu / %zu\n", per_worker[0], per_worker[1]);
}

int smdp_test_run_es2p(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_download_order, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_confirm_order, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_confirm_order_matching_id_race, smdp_test_setup,
                                        smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_code_check, smdp_test_setup,
                                        smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_release_profile, smdp_test_setup,
                                        smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_order, smdp_test_setup, smdp_test_teardown),
        cmocka_unit_test_setup_teardown(test_history, smdp_test_setup, smdp_test_teardown),
    };
    return cmocka_run_group_tests_name(smdp_test_is_postgresql() ? "smdp es2+ (postgresql)"
                                                                 : "smdp es2+ (sqlite)",
                                       tests, NULL, NULL);
}

int smdp_test_run_concurrency(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_allocation, smdp_test_setup,
                                        smdp_test_teardown),
    };
    return cmocka_run_group_tests_name(smdp_test_is_postgresql()
                                           ? "smdp concurrency (postgresql)"
                                           : "smdp concurrency (sqlite)",
                                       tests, NULL, NULL);
}
