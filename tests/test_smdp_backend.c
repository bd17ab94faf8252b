/* The SM-DP+ daemon's es9p_backend (src/smdp/backend.h) over an SQLite
 * inventory: every outcome of the order lookup (SGP.22 5.6.3, 3.1.3 step
 * 10), Confirmation Code attempts (5.6.2), binding refusals, installation
 * results (5.6.4) and Cancel Session reasons (3.5, 5.6.5). The successful
 * binding is covered end to end by test_smdp_download. */
#include "testutil.h"

#include <unistd.h>

#include "core/crypto.h"
#include "core/sgp22_bpp_content.h"
#include "smdp/backend.h"
#include "smdp/es2p.h"

#define TYPE_NAME "iot"
#define ICCID_RELEASED "8944000000000120015"
#define ICCID_CONFIRMED "8944000000000120023"
#define ICCID_LINKED "8944000000000120031"
#define ICCID_CC "8944000000000120049"
#define EID_ONE "89049032000000000000000000000163" /* AW_PKI_DEFAULT_EID */

static char dir[64];
static char eid_two[33];
static db_connection *db;
static smdp_key_ring *ring;
static smdp_backend backend;
static es9p_backend iface;

/* order: iccid released/confirmed with matching id, optional EID and CC */
static void order(const char *iccid, const char *eid, const char *matching_id, const char *cc,
                  bool release)
{
    char out_iccid[SAIP_ICCID_TEXT], out_matching_id[SMDP_MATCHING_ID_MAX + 1];
    smdp_es2p_result result;
    smdp_download_order request = {.iccid = iccid, .eid = eid};
    assert_int_equal(smdp_es2p_download_order(db, &request, 1, out_iccid, &result), AW_OK);
    assert_true(result.success);
    smdp_confirm_order confirm = {.iccid = iccid, .eid = eid, .matching_id = matching_id,
                                  .confirmation_code = cc, .release_flag = release};
    assert_int_equal(smdp_es2p_confirm_order(db, &confirm, 2, out_matching_id, &result), AW_OK);
    assert_true(result.success);
}

static int setup(void **state)
{
    (void)state;
    char url[128], key[128];
    snprintf(dir, sizeof(dir), "/tmp/aw-smdp-backend-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(url, sizeof(url), "sqlite:%s/inventory.db", dir);
    snprintf(key, sizeof(key), "%s/storage.key", dir);
    assert_int_equal(db_open(url, NULL, &db), AW_OK);
    assert_int_equal(smdp_inventory_migrate(db), AW_OK);
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, key, true), AW_OK);
    saip_build_params p;
    memset(&p, 0, sizeof(p));
    p.iccid = "8988211000000012347";
    p.imsi = "001010000000001";
    p.pin1 = "1234";
    p.pin2 = "5678";
    p.puk1 = "12345678";
    p.puk2 = "87654321";
    p.adm1 = "11111111";
    p.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    p.aka.key_len = 16;
    p.aka.opc_len = 16;
    memset(p.aka.key, 0x11, 16);
    memset(p.aka.opc, 0x22, 16);
    uint8_t *template_package = NULL;
    size_t template_len = 0;
    assert_int_equal(saip_build(&p, &template_package, &template_len), AW_OK);
    smdp_profile_type type = {.name = TYPE_NAME, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Op",
                              .profile_name = "IoT", .profile_class = SMDP_PROFILE_CLASS_TEST};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, 0), AW_OK);
    free(template_package);
    static const char csv[] =
        "iccid,imsi,ki,opc\n" ICCID_RELEASED ",001010000000011,000102030405060708090A0B0C0D0E0F,"
        "0F0E0D0C0B0A09080706050403020100\n" ICCID_CONFIRMED ",001010000000012,"
        "000102030405060708090A0B0C0D0E0F,0F0E0D0C0B0A09080706050403020100\n" ICCID_LINKED
        ",001010000000013,000102030405060708090A0B0C0D0E0F,0F0E0D0C0B0A09080706050403020100\n"
        ICCID_CC ",001010000000014,000102030405060708090A0B0C0D0E0F,"
        "0F0E0D0C0B0A09080706050403020100\n";
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), TYPE_NAME, &batch,
                                           &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, 0), AW_OK);
    smdp_import_batch_free(batch);
    assert_int_equal(pki_eid_complete("890490320000000000000000000002", eid_two), AW_OK);
    order(ICCID_RELEASED, NULL, "M-RELEASED", NULL, true);
    order(ICCID_CONFIRMED, NULL, "M-CONFIRMED", NULL, false);
    order(ICCID_LINKED, EID_ONE, "M-LINKED", NULL, true);
    order(ICCID_CC, NULL, "M-CC", "4711", true);
    backend = (smdp_backend){.db = db, .key_ring = ring,
                             .notification_address = "smdp.example.com"};
    iface = smdp_backend_interface(&backend);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    smdp_key_ring_free(ring);
    db_close(db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static es9p_status find(const char *matching_id, const char *eid, es9p_order *out)
{
    es9p_status status = ES9P_STATUS_OK;
    memset(out, 0, sizeof(*out));
    assert_int_equal(iface.find_order(iface.userdata, matching_id, eid, 0, out, &status), AW_OK);
    return status;
}

static smdp_state state_of(const char *iccid)
{
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, iccid, &info), AW_OK);
    return info.state;
}

static void test_find_order(void **state)
{
    (void)state;
    es9p_order o;
    assert_int_equal(find("M-RELEASED", EID_ONE, &o), ES9P_STATUS_OK);
    assert_string_equal(o.order_id, ICCID_RELEASED);
    assert_false(o.cc_required);
    sgp22_store_metadata_request md;
    assert_int_equal(sgp22_decode_store_metadata_request(o.profile_metadata,
                                                         o.profile_metadata_len, &md),
                     AW_OK);
    test_assert_hex(md.iccid.ptr, md.iccid.len, "984400000000100210F5");
    assert_int_equal(md.profile_name.len, 3);
    assert_memory_equal(md.profile_name.ptr, "IoT", 3);
    free(o.profile_metadata);

    /* the Confirmation Code travels as SHA-256(CC) (SGP.22 5.6.2) */
    uint8_t hash[CRYPTO_SHA256_SIZE];
    assert_int_equal(crypto_sha256((const uint8_t *)"4711", 4, hash), AW_OK);
    assert_int_equal(find("M-CC", EID_ONE, &o), ES9P_STATUS_OK);
    assert_true(o.cc_required);
    assert_memory_equal(o.confirmation_code_hash, hash, sizeof(hash));
    free(o.profile_metadata);

    /* an order linked to an EID, found by EID without a matchingId too */
    assert_int_equal(find("M-LINKED", EID_ONE, &o), ES9P_STATUS_OK);
    free(o.profile_metadata);
    assert_int_equal(find("M-LINKED", eid_two, &o), ES9P_STATUS_EID_MISMATCH);
    assert_int_equal(find(NULL, EID_ONE, &o), ES9P_STATUS_OK);
    assert_string_equal(o.order_id, ICCID_LINKED);
    free(o.profile_metadata);
    assert_int_equal(find(NULL, eid_two, &o), ES9P_STATUS_NO_ELIGIBLE_PROFILE);

    assert_int_equal(find("M-UNKNOWN", EID_ONE, &o), ES9P_STATUS_MATCHING_ID_REFUSED);
    assert_int_equal(find("M-CONFIRMED", EID_ONE, &o), ES9P_STATUS_PROFILE_NOT_RELEASED);
    assert_null(o.profile_metadata);
}

static void test_confirmation_code_attempts(void **state)
{
    (void)state;
    es9p_status status;
    es9p_order o;
    /* a limit lowered below the attempts already made refuses the order */
    assert_int_equal(iface.confirmation_code_failed(iface.userdata, ICCID_CC, &status), AW_OK);
    assert_int_equal(status, ES9P_STATUS_CONFIRMATION_CODE_REFUSED);
    backend.confirmation_code_limit = 1;
    assert_int_equal(find("M-CC", EID_ONE, &o), ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED);
    assert_null(o.profile_metadata);
    backend.confirmation_code_limit = 0;
    for (int i = 2; i < SMDP_BACKEND_DEFAULT_CC_LIMIT; i++) {
        assert_int_equal(iface.confirmation_code_failed(iface.userdata, ICCID_CC, &status),
                         AW_OK);
        assert_int_equal(status, ES9P_STATUS_CONFIRMATION_CODE_REFUSED);
    }
    assert_int_equal(state_of(ICCID_CC), SMDP_STATE_RELEASED);
    assert_int_equal(iface.confirmation_code_failed(iface.userdata, ICCID_CC, &status), AW_OK);
    assert_int_equal(status, ES9P_STATUS_CONFIRMATION_CODE_RETRIES_EXCEEDED);
    /* the order is terminated: no later session finds it */
    assert_int_equal(state_of(ICCID_CC), SMDP_STATE_ERROR);
    assert_int_equal(find("M-CC", EID_ONE, &o), ES9P_STATUS_MATCHING_ID_REFUSED);
}

static void test_bind_refused(void **state)
{
    (void)state;
    uint8_t *bpp = NULL;
    size_t bpp_len = 0;
    es9p_status status = ES9P_STATUS_OK;
    static const uint8_t tid[16] = {1};
    es9p_bind_request request = {.order_id = ICCID_CONFIRMED, .eid = EID_ONE,
                                 .transaction_id = {tid, sizeof(tid)}};
    /* not released: nothing to bind (SGP.22 5.6.2) */
    assert_int_equal(iface.bind_profile(iface.userdata, &request, &bpp, &bpp_len, &status),
                     AW_OK);
    assert_int_equal(status, ES9P_STATUS_BPP_NOT_AVAILABLE);
    assert_null(bpp);
    /* an EID that is not 32 digits is an internal failure */
    request.order_id = ICCID_RELEASED;
    request.eid = "8904903200000000000000000000016";
    assert_int_equal(iface.bind_profile(iface.userdata, &request, &bpp, &bpp_len, &status),
                     AW_ERR_ARGUMENT);
    assert_int_equal(status, ES9P_STATUS_EXECUTION_ERROR);
    assert_null(bpp);
    assert_int_equal(state_of(ICCID_RELEASED), SMDP_STATE_RELEASED);
}

static void test_results_and_cancel(void **state)
{
    (void)state;
    /* postponed (1) and timeout (2) keep the order (SGP.22 3.5) */
    assert_int_equal(iface.session_cancelled(iface.userdata, ICCID_RELEASED, 1), AW_OK);
    assert_int_equal(iface.session_cancelled(iface.userdata, ICCID_RELEASED, 2), AW_OK);
    assert_int_equal(state_of(ICCID_RELEASED), SMDP_STATE_RELEASED);
    /* endUserRejection (0) terminates it */
    assert_int_equal(iface.session_cancelled(iface.userdata, ICCID_RELEASED, 0), AW_OK);
    assert_int_equal(state_of(ICCID_RELEASED), SMDP_STATE_ERROR);

    /* a failed installation ends in error; other notifications change nothing */
    es9p_installation_report report = {.order_id = ICCID_LINKED, .eid = EID_ONE,
                                       .success = false};
    assert_int_equal(iface.installation_result(iface.userdata, &report), AW_OK);
    assert_int_equal(state_of(ICCID_LINKED), SMDP_STATE_ERROR);
    sgp22_notification_metadata metadata;
    memset(&metadata, 0, sizeof(metadata));
    assert_int_equal(iface.other_notification(iface.userdata, EID_ONE, &metadata), AW_OK);
    /* installed is only reachable from downloaded: confirmed is refused */
    report.order_id = ICCID_CONFIRMED;
    report.success = true;
    assert_int_not_equal(iface.installation_result(iface.userdata, &report), AW_OK);
    assert_int_equal(state_of(ICCID_CONFIRMED), SMDP_STATE_CONFIRMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirmation_code_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_and_cancel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
