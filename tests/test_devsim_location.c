/* airwrite-devsim's location of a device (src/cli/airwrite_devsim_location.c:
 * run --location and DIR/devices/EID/location): GNSS fixes and cells with
 * and without their time and final newline, and each refusal (bounds,
 * grammar, field count, a second line, over DEVSIM_LOCATION_MAX). */
#include "testutil.h"

#include "cli/airwrite_devsim_location.h"

static aw_err parse(const char *text, terminal_info_location *out)
{
    return devsim_parse_location((const uint8_t *)text, strlen(text), out);
}

static void test_gnss(void **state)
{
    (void)state;
    terminal_info_location l;
    assert_int_equal(parse("39.9042,116.4074,5\n", &l), AW_OK);
    assert_int_equal(l.kind, TERMINAL_INFO_LOCATION_GNSS);
    assert_true(l.has_position);
    assert_true(l.latitude == 39.9042 && l.longitude == 116.4074 && l.accuracy_m == 5.0);
    assert_int_equal(l.time, 0);
    assert_int_equal(parse("-33.868800001,-151.2093,0.125,1796105991", &l), AW_OK);
    assert_true(l.latitude == -33.868800001 && l.longitude == -151.2093);
    assert_true(l.accuracy_m == 0.125);
    assert_int_equal(l.time, 1796105991);
    assert_int_equal(parse("90,-180,1000000", &l), AW_OK);
    assert_true(l.latitude == 90.0 && l.longitude == -180.0 && l.accuracy_m == 1000000.0);
}

static void test_cell(void **state)
{
    (void)state;
    terminal_info_location l;
    assert_int_equal(parse("cell,460,00,6699,27054532\n", &l), AW_OK);
    assert_int_equal(l.kind, TERMINAL_INFO_LOCATION_CELL);
    assert_false(l.has_position);
    assert_string_equal(l.mcc, "460");
    assert_string_equal(l.mnc, "00");
    assert_int_equal(l.tac, 6699);
    assert_true(l.cell_id == 27054532u);
    assert_int_equal(l.time, 0);
    assert_int_equal(parse("cell,310,260,16777215,68719476735,1796105991", &l), AW_OK);
    assert_string_equal(l.mnc, "260");
    assert_int_equal(l.tac, 16777215);
    assert_true(l.cell_id == 68719476735ull);
    assert_int_equal(l.time, 1796105991);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "\n", "39.9,116.4", "39.9,116.4,5,1,2", "91,116.4,5", "-90.000000001,0,5",
        "39.9,180.5,5", "39.9,116.4,1000000.001", "39.9,116.4,-5", "+39.9,116.4,5",
        "39.,116.4,5", ".5,116.4,5", "1e1,116.4,5", "nan,116.4,5", "inf,0,5", "0x10,0,5",
        "39.9042,116.4074,5.0001", "1234,0,5", "39.1234567890,0,5", "39.9, 116.4,5",
        "39.9,116.4,5\n\n", "39.9,116.4,5\r\n", "39.9,116.4,5\nx", "39.9,116.4,5,",
        "39.9,116.4,5,1234567890123", "39.9,116.4,5,-1", "cell,460,00,1", "cell,46,00,1,1",
        "cell,4600,00,1,1", "cell,460,0,1,1", "cell,460,0000,1,1", "cell,460,00,16777216,1",
        "cell,460,00,1,68719476736", "cell,460,00,1,1,1,1", "cell,460,00,,1", "cell,46a,00,1,1",
        "CELL,460,00,1,1", "gnss,39.9,116.4,5", ",,,"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        terminal_info_location l;
        memset(&l, 0x5A, sizeof(l));
        if (parse(bad[i], &l) != AW_ERR_ARGUMENT)
            fail_msg("accepted: '%s'", bad[i]);
        assert_int_equal(l.kind, TERMINAL_INFO_LOCATION_NONE);
    }
    char long_line[DEVSIM_LOCATION_MAX + 2];
    memset(long_line, '1', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    terminal_info_location l;
    assert_int_equal(parse(long_line, &l), AW_ERR_LIMIT);
    assert_int_equal(devsim_parse_location(NULL, 0, &l), AW_ERR_ARGUMENT);
    assert_int_equal(devsim_parse_location((const uint8_t *)"1,1,1", 5, NULL), AW_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gnss),
        cmocka_unit_test(test_cell),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
