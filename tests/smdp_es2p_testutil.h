/* Helpers for the ES2+ JSON binding tests (test code only): an SQLite
 * inventory with one profile type and four available profiles, and the
 * checks of header.functionExecutionStatus (SGP.22 6.5.1.4). */
#ifndef AIRWRITE_TESTS_SMDP_ES2P_TESTUTIL_H
#define AIRWRITE_TESTS_SMDP_ES2P_TESTUTIL_H

#include "testutil.h"

#include <jansson.h>

#include "core/db.h"
#include "core/saip.h"
#include "smdp/import.h"
#include "smdp/inventory.h"

#define ES2P_TEST_TYPE "iot-basic"
#define ES2P_TEST_ICCID1 "8944000000000123456"
#define ES2P_TEST_ICCID2 "8944000000000123464"
#define ES2P_TEST_ICCID3 "8944000000000123472"
#define ES2P_TEST_ICCID4 "8944000000000123480"
/* SGP.29 EIDs: 32 digits, value mod 97 == 1 */
#define ES2P_TEST_EID1 "89049032000000000000000000000066"
#define ES2P_TEST_EID2 "89049032000000000000000000000163"

/* Migrate db and fill it (storage key created at key_file). */
static inline void es2p_test_fill_inventory(db_connection *db, const char *key_file)
{
    smdp_key_ring *ring = NULL;
    smdp_import_batch *batch = NULL;
    smdp_import_position at;
    uint8_t *template_package = NULL;
    size_t template_len = 0;
    assert_int_equal(smdp_inventory_migrate(db), AW_OK);
    assert_int_equal(smdp_key_ring_new(&ring), AW_OK);
    assert_int_equal(smdp_key_ring_add_file(ring, 1, key_file, true), AW_OK);
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
    assert_int_equal(saip_build(&p, &template_package, &template_len), AW_OK);
    smdp_profile_type type = {.name = ES2P_TEST_TYPE, .template_package = template_package,
                              .template_len = template_len, .service_provider_name = "Airwrite",
                              .profile_name = "IoT basic",
                              .profile_class = SMDP_PROFILE_CLASS_OPERATIONAL};
    assert_int_equal(smdp_inventory_add_profile_type(db, &type, db_clock_ms()), AW_OK);
    static const char csv[] =
        "iccid,imsi,ki,opc\n"
        ES2P_TEST_ICCID1 ",234150999999991,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A,"
                         "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\n"
        ES2P_TEST_ICCID2 ",234150999999992,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5B,"
                         "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A6\n"
        ES2P_TEST_ICCID3 ",234150999999993,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5C,"
                         "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A7\n"
        ES2P_TEST_ICCID4 ",234150999999994,5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5D,"
                         "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A8\n";
    assert_int_equal(smdp_import_parse_csv((const uint8_t *)csv, strlen(csv), ES2P_TEST_TYPE,
                                           &batch, &at),
                     AW_OK);
    assert_int_equal(smdp_inventory_import(db, ring, batch, db_clock_ms()), AW_OK);
    smdp_import_batch_free(batch);
    free(template_package);
    smdp_key_ring_free(ring);
}

static inline smdp_state es2p_test_state(db_connection *db, const char *iccid)
{
    smdp_profile_info info;
    assert_int_equal(smdp_inventory_get_profile(db, iccid, &info), AW_OK);
    return info.state;
}

/* header.functionExecutionStatus: "Executed-Success" (subject NULL) or
 * "Failed" with these codes. */
static inline void es2p_test_expect_status(json_t *root, const char *subject, const char *reason)
{
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *text = json_string_value(json_object_get(status, "status"));
    assert_non_null(text);
    if (subject == NULL) {
        assert_string_equal(text, "Executed-Success");
        return;
    }
    assert_string_equal(text, "Failed");
    json_t *code = json_object_get(status, "statusCodeData");
    assert_string_equal(json_string_value(json_object_get(code, "subjectCode")), subject);
    assert_string_equal(json_string_value(json_object_get(code, "reasonCode")), reason);
    assert_non_null(json_string_value(json_object_get(code, "message")));
}

#endif
