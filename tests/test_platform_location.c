/* Location-bound writing (src/platform/location_*.c, docs/location.md):
 * the shipped mainland region against known cities, the region file
 * parser's refusals (one per rule), even-odd with holes, distance, the MCC
 * table, each decision of location_evaluate, the policy bounds, the store
 * (fixes, policies) and the gate: go, refuse (each code), hold, hold
 * released by a fresh fix, hold expired, fail-closed T3305, the card
 * operation's terminal exception. argv[1]: the data/regions directory. */
#include <math.h>
#include <unistd.h>

#include "testutil.h"

#include "core/db_queue.h"
#include "platform/platform.h"
#include "platform_testutil.h"

static const char *regions_dir;

#define EID "89049032123451234512345678901235"
#define TENANT "tenant-a"
#define ORDER "ord_0123456789abcdef01234567"
#define OPERATION "cop_0123456789abcdef01234567"

/* ---- regions ---------------------------------------------------------------- */

static const struct {
    const char *name;
    double latitude, longitude;
    bool inside;
} cities[] = {
    {"Beijing", 39.90, 116.40, true},     {"Shanghai", 31.23, 121.47, true},
    {"Urumqi", 43.83, 87.62, true},       {"Harbin", 45.75, 126.63, true},
    {"Sanya", 18.25, 109.51, true},       {"Lhasa", 29.65, 91.13, true},
    {"Kashgar", 39.47, 75.99, true},      {"Shenzhen", 22.545, 114.06, true},
    {"Zhuhai", 22.27, 113.576, true},     {"Guangzhou", 23.13, 113.26, true},
    {"Hong Kong", 22.32, 114.17, false},  {"Macao", 22.19, 113.54, false},
    {"Taipei", 25.03, 121.56, false},     {"Seoul", 37.57, 126.98, false},
    {"Hanoi", 21.03, 105.85, false},      {"Tokyo", 35.69, 139.69, false},
    {"Pyongyang", 39.02, 125.75, false},  {"Ulaanbaatar", 47.92, 106.91, false},
    {"Vladivostok", 43.12, 131.89, false}, {"Almaty", 43.24, 76.89, false},
    {"Thimphu", 27.47, 89.64, false},     {"Kathmandu", 27.72, 85.32, false},
};

static void test_mainland_cities(void **state)
{
    (void)state;
    location_region *cn = NULL;
    assert_int_equal(location_region_load(regions_dir, "CN", &cn), AW_OK);
    assert_string_equal(cn->name, "CN");
    assert_string_equal(cn->country, "CN");
    assert_int_equal(cn->polygon_count, 2); /* the mainland and Hainan */
    for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++) {
        bool inside = location_region_contains(cn, cities[i].latitude, cities[i].longitude);
        if (inside != cities[i].inside)
            fail_msg("%s: inside %d, expected %d", cities[i].name, inside, cities[i].inside);
    }
    assert_false(location_region_contains(cn, NAN, 116.4));
    assert_false(location_region_contains(NULL, 39.9, 116.4));
    location_region_free(cn);
}

static aw_err parse_text(const char *text, location_region **out)
{
    return location_region_parse((const uint8_t *)text, strlen(text), out);
}

#define SQUARE "polygon\n0.5 0.5\n10 0.5\n10 10\n0.5 10\n"

static void test_region_parse(void **state)
{
    (void)state;
    location_region *r = NULL;
    /* a square with a hole, a closing vertex (dropped), a second polygon */
    assert_int_equal(parse_text("# test\nregion sq_1-A\ncountry XY\n" SQUARE "0.5 0.5\n"
                                "hole\n2 2\n4 2\n4 4\n2 4\npolygon\n-20 -20\n-10 -20\n"
                                "-10 -10",
                                &r),
                     AW_OK);
    assert_string_equal(r->name, "sq_1-A");
    assert_string_equal(r->country, "XY");
    assert_int_equal(r->polygon_count, 2);
    assert_int_equal(r->ring_count, 3);
    assert_int_equal(r->rings[0].count, 4); /* the closing vertex dropped */
    assert_true(location_region_contains(r, 1, 1));
    assert_false(location_region_contains(r, 3, 3)); /* in the hole */
    assert_true(location_region_contains(r, 5, 5));
    assert_false(location_region_contains(r, 11, 5));
    assert_true(location_region_contains(r, -18, -12));
    assert_false(location_region_contains(r, -12, -18));
    location_region_free(r);
    location_region_free(NULL);

    static const char *const bad[] = {
        "",                                              /* empty */
        "polygon\n0 0\n1 0\n1 1\n",                      /* no region first */
        "region\n" SQUARE,                               /* no name */
        "region a b\n" SQUARE,                           /* bad name */
        "region aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" SQUARE, /* name of 33 */
        "region a\nregion b\n" SQUARE,                   /* twice */
        "region a\n",                                    /* no polygon */
        "region a\ncountry cn\n" SQUARE,                 /* lower case country */
        "region a\ncountry CHN\n" SQUARE,                /* three letters */
        "region a\ncountry CN\ncountry CN\n" SQUARE,     /* twice */
        "region a\n" SQUARE "country CN\n",              /* after a polygon */
        "region a\n0 0\n",                               /* vertex before polygon */
        "region a\nhole\n0 0\n1 0\n1 1\n",               /* hole before polygon */
        "region a\npolygon\n0 0\n1 0\n",                 /* two vertices */
        "region a\npolygon\n0 0\n1 0\n0 0\n",            /* closed triangle of two */
        "region a\n" SQUARE "hole\n1 1\n2 2\n",          /* hole of two */
        "region a\npolygon\n0 0\n1 0\n1 1\npolygon\n",   /* empty polygon at the end */
        "region a\npolygon\n181 0\n1 0\n1 1\n",          /* longitude out of range */
        "region a\npolygon\n0 91\n1 0\n1 1\n",           /* latitude out of range */
        "region a\npolygon\n0  0\n1 0\n1 1\n",           /* two spaces */
        "region a\npolygon\n0\t0\n1 0\n1 1\n",           /* tab */
        "region a\npolygon\n0 0\r\n1 0\n1 1\n",          /* CR */
        "region a\npolygon\n1e1 0\n1 0\n1 1\n",          /* exponent */
        "region a\npolygon\n+1 0\n1 0\n1 1\n",           /* plus sign */
        "region a\npolygon\n1. 0\n1 0\n1 1\n",           /* empty fraction */
        "region a\npolygon\n.5 0\n1 0\n1 1\n",           /* no integer part */
        "region a\npolygon\n1000 0\n1 0\n1 1\n",         /* four digits */
        "region a\npolygon\n1.0123456789 0\n1 0\n1 1\n", /* ten decimals */
        "region a\npolygon\n1 0 0\n1 0\n1 1\n",          /* three numbers */
        "region a\npolygon\n- 0\n1 0\n1 1\n",            /* sign alone */
        "region a\npolygon x\n0 0\n1 0\n1 1\n",          /* argument to polygon */
        "region a\nholes\n",                             /* unknown keyword */
        "region a\npolygon\n0 0\n1 0\n1 1\n\xc3\xa9\n",  /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = (location_region *)1;
        if (parse_text(bad[i], &r) != AW_ERR_LOCATION_REGION || r != NULL)
            fail_msg("bad region %zu accepted", i);
    }
    assert_int_equal(location_region_parse(NULL, 1, &r), AW_ERR_LOCATION_REGION);
    assert_int_equal(location_region_parse((const uint8_t *)"x", 1, NULL), AW_ERR_ARGUMENT);
}

/* The bounds: a line over 128 bytes, 65 polygons, a file over 1 MiB. */
static void test_region_limits(void **state)
{
    (void)state;
    location_region *r = NULL;
    char line[300];
    snprintf(line, sizeof(line), "region a\n# %0200d\n" SQUARE, 0);
    assert_int_equal(parse_text(line, &r), AW_ERR_LOCATION_REGION);
    size_t cap = 65 * 64 + 64;
    char *many = malloc(cap);
    assert_non_null(many);
    size_t used = (size_t)snprintf(many, cap, "region a\n");
    for (int i = 0; i < 65; i++)
        used += (size_t)snprintf(many + used, cap - used, "polygon\n0 0\n1 0\n1 1\n");
    assert_int_equal(parse_text(many, &r), AW_ERR_LOCATION_REGION);
    many[used - 20] = '\0'; /* 64 polygons */
    assert_int_equal(parse_text(many, &r), AW_OK);
    assert_int_equal(r->polygon_count, 64);
    location_region_free(r);
    free(many);
    uint8_t *big = calloc(1, LOCATION_REGION_FILE_MAX + 1);
    assert_non_null(big);
    memset(big, '#', LOCATION_REGION_FILE_MAX + 1);
    assert_int_equal(location_region_parse(big, LOCATION_REGION_FILE_MAX + 1, &r),
                     AW_ERR_LOCATION_REGION);
    free(big);
}

static void test_region_load(void **state)
{
    (void)state;
    location_region *r = (location_region *)1;
    assert_int_equal(location_region_load(regions_dir, "XX", &r), AW_ERR_NOT_FOUND);
    assert_null(r);
    assert_int_equal(location_region_load(regions_dir, "../CN", &r), AW_ERR_LOCATION_REGION);
    assert_int_equal(location_region_load(NULL, "CN", &r), AW_ERR_LOCATION_REGION);
    /* a file must carry the name it is loaded by */
    char dir[] = "/tmp/aw-location-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/B.region", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("region A\n" SQUARE, f);
    fclose(f);
    assert_int_equal(location_region_load(dir, "B", &r), AW_ERR_LOCATION_REGION);
    assert_null(r);
    remove(path);
    rmdir(dir);
}

static void test_distance_and_mcc(void **state)
{
    (void)state;
    /* Beijing - Shanghai, about 1067 km great-circle */
    double d = location_distance_m(39.9042, 116.4074, 31.2304, 121.4737);
    assert_true(d > 1060000 && d < 1075000);
    assert_true(location_distance_m(10, 20, 10, 20) == 0);
    /* half the circumference: pi * 6371008.8 m */
    d = location_distance_m(0, 0, 0, 180);
    assert_true(fabs(d - 20015115.07) < 1);
    assert_string_equal(location_country_of_mcc("460"), "CN");
    assert_string_equal(location_country_of_mcc("461"), "CN");
    assert_string_equal(location_country_of_mcc("454"), "HK");
    assert_string_equal(location_country_of_mcc("455"), "MO");
    assert_string_equal(location_country_of_mcc("466"), "TW");
    assert_null(location_country_of_mcc("999"));
    assert_null(location_country_of_mcc(""));
    assert_null(location_country_of_mcc(NULL));
}

/* ---- decisions -------------------------------------------------------------- */

#define NOW INT64_C(1800000000)

static location_policy on_policy(void)
{
    location_policy p;
    location_policy_default(&p);
    p.enabled = true;
    return p;
}

static platform_location_fix gnss(double latitude, double longitude, int64_t time)
{
    return (platform_location_fix){.kind = PLATFORM_LOCATION_GNSS, .latitude = latitude,
                                   .longitude = longitude, .accuracy_m = 10, .fix_time = time};
}

static location_decision decide(const location_policy *p, const location_region_set *set,
                                const platform_location_fix *latest,
                                const platform_location_fix *previous)
{
    location_fixes fixes = {.has_latest = latest != NULL, .has_previous = previous != NULL};
    if (latest != NULL)
        fixes.latest = *latest;
    if (previous != NULL)
        fixes.previous = *previous;
    location_decision d;
    location_evaluate(p, set, &fixes, NOW, &d);
    return d;
}

static void expect(location_decision d, location_verdict verdict, location_action action)
{
    assert_int_equal(d.verdict, verdict);
    if (verdict != LOCATION_INSIDE)
        assert_int_equal(d.action, action);
    assert_non_null(d.reason);
}

static void test_evaluate(void **state)
{
    (void)state;
    location_policy p = on_policy();
    location_region_set set;
    assert_int_equal(location_region_set_load(&p, regions_dir, &set), AW_OK);
    assert_int_equal(set.count, 1);
    platform_location_fix beijing = gnss(39.9, 116.4, NOW - 10);
    platform_location_fix seoul = gnss(37.57, 126.98, NOW - 10);

    /* off: everything goes */
    location_policy off = p;
    off.enabled = false;
    expect(decide(&off, &set, &seoul, NULL), LOCATION_INSIDE, 0);
    expect(decide(NULL, &set, NULL, NULL), LOCATION_INSIDE, 0);

    expect(decide(&p, &set, &beijing, NULL), LOCATION_INSIDE, 0);
    expect(decide(&p, &set, &seoul, NULL), LOCATION_OUTSIDE, LOCATION_ACTION_REFUSE);
    expect(decide(&p, &set, NULL, NULL), LOCATION_MISSING, LOCATION_ACTION_HOLD);
    platform_location_fix old = gnss(39.9, 116.4, NOW - 601);
    expect(decide(&p, &set, &old, NULL), LOCATION_STALE, LOCATION_ACTION_HOLD);
    old.fix_time = NOW - 600; /* exactly max_age: still fresh */
    expect(decide(&p, &set, &old, NULL), LOCATION_INSIDE, 0);

    /* implausible, each rule */
    platform_location_fix f = beijing;
    f.kind = 0;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f = beijing;
    f.fix_time = NOW + 61;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f.fix_time = NOW + 60; /* within the clock skew allowed */
    expect(decide(&p, &set, &f, NULL), LOCATION_INSIDE, 0);
    f = beijing;
    f.accuracy_m = -1;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f.accuracy_m = 1000001;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f.accuracy_m = NAN;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f = beijing;
    f.latitude = 95;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f = beijing;
    f.longitude = -181;
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f = gnss(0, 0, NOW - 10);
    expect(decide(&p, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    /* an accuracy the policy requires: unknown (0) or worse is implausible */
    location_policy strict = p;
    strict.max_accuracy_m = 100;
    f = beijing;
    f.accuracy_m = 0;
    expect(decide(&strict, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f.accuracy_m = 101;
    expect(decide(&strict, &set, &f, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    f.accuracy_m = 100;
    expect(decide(&strict, &set, &f, NULL), LOCATION_INSIDE, 0);
    /* a jump: Shanghai 100 s before Beijing (over 1000 km/h) */
    platform_location_fix before = gnss(31.23, 121.47, NOW - 110);
    expect(decide(&p, &set, &beijing, &before), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    before.fix_time = NOW - 4 * 3600 - 10; /* four hours: 267 km/h */
    expect(decide(&p, &set, &beijing, &before), LOCATION_INSIDE, 0);
    location_policy no_speed = p;
    no_speed.max_speed_kmh = 0;
    before.fix_time = NOW - 110;
    expect(decide(&no_speed, &set, &beijing, &before), LOCATION_INSIDE, 0);
    /* the policy's actions are applied */
    location_policy actions = p;
    actions.on_missing = LOCATION_ACTION_REFUSE;
    actions.on_stale = LOCATION_ACTION_REFUSE;
    actions.on_implausible = LOCATION_ACTION_HOLD;
    expect(decide(&actions, &set, NULL, NULL), LOCATION_MISSING, LOCATION_ACTION_REFUSE);
    old.fix_time = NOW - 700;
    expect(decide(&actions, &set, &old, NULL), LOCATION_STALE, LOCATION_ACTION_REFUSE);
    expect(decide(&actions, &set, &beijing, &before), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_HOLD);

    /* cells: by MCC alone (no accuracy), or by a resolved position */
    platform_location_fix cell = {.kind = PLATFORM_LOCATION_CELL, .fix_time = NOW - 10,
                                  .mcc = "460", .mnc = "00", .tac = 1, .cell_id = 2};
    expect(decide(&p, &set, &cell, NULL), LOCATION_INSIDE, 0);
    snprintf(cell.mcc, sizeof(cell.mcc), "454"); /* Hong Kong */
    expect(decide(&p, &set, &cell, NULL), LOCATION_OUTSIDE, LOCATION_ACTION_REFUSE);
    snprintf(cell.mcc, sizeof(cell.mcc), "999"); /* unknown country */
    expect(decide(&p, &set, &cell, NULL), LOCATION_OUTSIDE, LOCATION_ACTION_REFUSE);
    cell.mcc[0] = '\0';
    expect(decide(&p, &set, &cell, NULL), LOCATION_IMPLAUSIBLE, LOCATION_ACTION_REFUSE);
    cell.accuracy_m = 500; /* resolved: its position decides, not the MCC */
    cell.latitude = 22.32;
    cell.longitude = 114.17;
    snprintf(cell.mcc, sizeof(cell.mcc), "460");
    expect(decide(&p, &set, &cell, NULL), LOCATION_OUTSIDE, LOCATION_ACTION_REFUSE);
    location_region_set_clear(&set);
    location_region_set_clear(NULL);

    /* an inline region alone */
    location_policy inline_only = p;
    inline_only.region_count = 0;
    snprintf(inline_only.inline_region, sizeof(inline_only.inline_region),
             "region site\npolygon\n116 39\n117 39\n117 40\n116 40\n");
    assert_int_equal(location_region_set_load(&inline_only, NULL, &set), AW_OK);
    expect(decide(&inline_only, &set, &beijing, NULL), LOCATION_INSIDE, 0);
    platform_location_fix shanghai = gnss(31.23, 121.47, NOW - 10);
    expect(decide(&inline_only, &set, &shanghai, NULL), LOCATION_OUTSIDE,
           LOCATION_ACTION_REFUSE);
    location_region_set_clear(&set);
    /* a region that is not there */
    location_policy missing = p;
    snprintf(missing.regions[0], sizeof(missing.regions[0]), "XX");
    assert_int_equal(location_region_set_load(&missing, regions_dir, &set), AW_ERR_NOT_FOUND);
    assert_int_equal(set.count, 0);
}

static void test_codes(void **state)
{
    (void)state;
    assert_null(location_exception_code(LOCATION_INSIDE));
    assert_string_equal(location_exception_code(LOCATION_OUTSIDE), "T3301");
    assert_string_equal(location_exception_code(LOCATION_MISSING), "T3302");
    assert_string_equal(location_exception_code(LOCATION_STALE), "T3303");
    assert_string_equal(location_exception_code(LOCATION_IMPLAUSIBLE), "T3304");
    assert_null(location_exception_code((location_verdict)99));
    assert_string_equal(location_verdict_name(LOCATION_STALE), "stale");
    assert_string_equal(location_verdict_name((location_verdict)99), "unknown");
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_LOCATION_OUTSIDE), "T3301");
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_LOCATION_MISSING), "T3302");
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_LOCATION_STALE), "T3303");
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_LOCATION_IMPLAUSIBLE),
                        "T3304");
    assert_string_equal(platform_card_op_error_code(PLATFORM_CARD_OP_LOCATION_UNAVAILABLE),
                        "T3305");
}

static void test_policy_check(void **state)
{
    (void)state;
    location_policy p = on_policy();
    assert_int_equal(location_policy_check(&p), AW_OK);
    assert_int_equal(location_policy_check(NULL), AW_ERR_ARGUMENT);
    location_policy bad[16];
    for (size_t i = 0; i < 16; i++)
        bad[i] = p;
    bad[0].region_count = LOCATION_POLICY_REGIONS_MAX + 1;
    snprintf(bad[1].regions[0], sizeof(bad[1].regions[0]), "a/b");
    bad[2].regions[0][0] = '\0';
    snprintf(bad[3].inline_region, sizeof(bad[3].inline_region), "region x\n");
    bad[4].region_count = 0; /* enabled, nothing allowed */
    bad[5].max_age_s = 0;
    bad[6].max_age_s = 30 * 86400 + 1;
    bad[7].hold_s = 0;
    bad[8].hold_s = 7 * 86400 + 1;
    bad[9].max_accuracy_m = -1;
    bad[10].max_speed_kmh = 100001;
    bad[11].on_missing = (location_action)2;
    bad[12].on_stale = (location_action)-1;
    bad[13].on_implausible = (location_action)7;
    memset(bad[14].inline_region, 'a', sizeof(bad[14].inline_region)); /* not terminated */
    memset(bad[15].regions[0], 'a', sizeof(bad[15].regions[0]));       /* 33, not terminated */
    for (size_t i = 0; i < 16; i++)
        if (location_policy_check(&bad[i]) != AW_ERR_LOCATION_POLICY)
            fail_msg("bad policy %zu accepted", i);
    location_policy off = bad[4];
    off.enabled = false; /* off with no region is a valid policy */
    assert_int_equal(location_policy_check(&off), AW_OK);
}

/* ---- store and gate ----------------------------------------------------------- */

static db_connection *db;
static platform_test_db test_db;
static const char *pg_url; /* argument "postgresql": AW_TEST_POSTGRESQL_URL */

static int open_db(void **state)
{
    (void)state;
    platform_test_db_make(&test_db, pg_url); /* fresh and migrated */
    db = platform_test_db_open(&test_db);
    return 0;
}

static int close_db(void **state)
{
    (void)state;
    db_close(db);
    db = NULL;
    platform_test_db_remove(&test_db);
    return 0;
}

static void test_record(void **state)
{
    (void)state;
    platform_location_fix f = gnss(39.9042123, 116.4074456, NOW - 5);
    f.accuracy_m = 12.34;
    assert_int_equal(platform_location_record(db, "123", &f, NOW), AW_ERR_PLATFORM_EID);
    assert_int_equal(platform_location_record(db, NULL, &f, NOW), AW_ERR_PLATFORM_EID);
    assert_int_equal(platform_location_record(NULL, EID, &f, NOW), AW_ERR_ARGUMENT);
    platform_location_fix bad = f;
    bad.kind = 3;
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    bad.latitude = NAN;
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    bad.accuracy_m = INFINITY;
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    snprintf(bad.mcc, sizeof(bad.mcc), "46a");
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    snprintf(bad.mcc, sizeof(bad.mcc), "46");
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    snprintf(bad.mnc, sizeof(bad.mnc), "1");
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);
    bad = f;
    memset(bad.mnc, '1', sizeof(bad.mnc)); /* not terminated */
    assert_int_equal(platform_location_record(db, EID, &bad, NOW), AW_ERR_LOCATION_FIX);

    location_fixes fixes;
    assert_int_equal(platform_location_fixes_read(db, EID, &fixes), AW_OK);
    assert_false(fixes.has_latest);
    assert_int_equal(platform_location_record(db, EID, &f, NOW), AW_OK);
    platform_location_fix cell = {.kind = PLATFORM_LOCATION_CELL, .fix_time = NOW,
                                  .mcc = "460", .mnc = "011", .tac = 0xABCDE,
                                  .cell_id = 0xFFFFFFFFFull};
    assert_int_equal(platform_location_record(db, EID, &cell, NOW + 1), AW_OK);
    assert_int_equal(platform_location_fixes_read(db, EID, &fixes), AW_OK);
    assert_true(fixes.has_latest && fixes.has_previous);
    assert_int_equal(fixes.latest.kind, PLATFORM_LOCATION_CELL);
    assert_string_equal(fixes.latest.mcc, "460");
    assert_string_equal(fixes.latest.mnc, "011");
    assert_int_equal(fixes.latest.tac, 0xABCDE);
    assert_true(fixes.latest.cell_id == 0xFFFFFFFFFull);
    assert_int_equal(fixes.previous.kind, PLATFORM_LOCATION_GNSS);
    assert_true(fabs(fixes.previous.latitude - 39.9042123) < 1e-7);
    assert_true(fabs(fixes.previous.longitude - 116.4074456) < 1e-7);
    assert_true(fabs(fixes.previous.accuracy_m - 12.34) < 0.01);
    assert_int_equal(fixes.previous.fix_time, NOW - 5);
}

static void test_policy_store(void **state)
{
    (void)state;
    location_policy p;
    bool found = true;
    assert_int_equal(platform_location_policy_read(db, TENANT, &p, &found), AW_OK);
    assert_false(found);
    assert_false(p.enabled);
    p = on_policy();
    p.region_count = 2;
    snprintf(p.regions[1], sizeof(p.regions[1]), "site-2");
    snprintf(p.inline_region, sizeof(p.inline_region), "region x\n" SQUARE);
    p.max_accuracy_m = 50;
    p.on_missing = LOCATION_ACTION_REFUSE;
    assert_int_equal(platform_location_policy_write(db, TENANT, &p, NOW), AW_OK);
    location_policy back;
    assert_int_equal(platform_location_policy_read(db, TENANT, &back, &found), AW_OK);
    assert_true(found);
    assert_true(back.enabled);
    assert_int_equal(back.region_count, 2);
    assert_string_equal(back.regions[0], "CN");
    assert_string_equal(back.regions[1], "site-2");
    assert_string_equal(back.inline_region, p.inline_region);
    assert_int_equal(back.max_accuracy_m, 50);
    assert_int_equal(back.on_missing, LOCATION_ACTION_REFUSE);
    assert_int_equal(back.hold_s, p.hold_s);
    p.max_age_s = 0;
    assert_int_equal(platform_location_policy_write(db, TENANT, &p, NOW), AW_ERR_LOCATION_POLICY);
}

static int64_t jobs_at(const char *queue, int64_t run_after_ms)
{
    db_param params[] = {DB_PARAM_TEXT(queue), DB_PARAM_INT64(run_after_ms)};
    int64_t n = 0;
    assert_int_equal(db_query_int64(db,
                                    "SELECT COUNT(*) FROM job_queue WHERE queue = ? AND "
                                    "run_after = ?",
                                    params, 2, &n),
                     AW_OK);
    return n;
}

static platform_location_gate gate_at(const platform_location_config *config,
                                      const char *operation_id, int64_t now_s)
{
    platform_location_subject s = {.tenant = TENANT, .eid = EID,
                                   .order_id = operation_id == NULL ? ORDER : NULL,
                                   .operation_id = operation_id};
    platform_location_gate g;
    assert_int_equal(platform_location_gate_check(db, config, &s, now_s * 1000, &g), AW_OK);
    return g;
}

static platform_location_config on_config(void)
{
    platform_location_config c = {.enabled = true, .data_directory = regions_dir};
    location_policy_default(&c.defaults);
    c.defaults.hold_s = 100;
    return c;
}

static void test_gate_item(void **state)
{
    (void)state;
    platform_location_config config = on_config();
    platform_location_gate g = gate_at(NULL, NULL, NOW);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_GO);
    platform_location_config off = config;
    off.enabled = false;
    assert_int_equal(gate_at(&off, NULL, NOW).outcome, PLATFORM_LOCATION_GO);
    platform_location_subject neither = {.tenant = TENANT, .eid = EID};
    assert_int_equal(platform_location_gate_check(db, &config, &neither, NOW, &g),
                     AW_ERR_ARGUMENT);

    /* no fix: held, its job queued at the hold's end, once */
    g = gate_at(&config, NULL, NOW);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_HELD);
    assert_int_equal(g.verdict, LOCATION_MISSING);
    assert_int_equal(jobs_at(PLATFORM_EXECUTOR_QUEUE, (NOW + 100) * 1000), 1);
    g = gate_at(&config, NULL, NOW + 50);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_HELD);
    assert_int_equal(jobs_at(PLATFORM_EXECUTOR_QUEUE, (NOW + 100) * 1000), 1);
    /* a fresh fix inside: the held item's job at once, then it goes */
    platform_location_fix beijing = gnss(39.9, 116.4, NOW + 60);
    assert_int_equal(platform_location_record(db, EID, &beijing, NOW + 60), AW_OK);
    assert_int_equal(jobs_at(PLATFORM_EXECUTOR_QUEUE, (NOW + 60) * 1000), 1);
    g = gate_at(&config, NULL, NOW + 61);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_GO);
    int64_t holds = -1;
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM platform_location_holds", NULL, 0,
                                    &holds),
                     AW_OK);
    assert_int_equal(holds, 0);

    /* stale: held, and refused T3303 at the hold's end */
    int64_t later = NOW + 60 + 601;
    g = gate_at(&config, NULL, later);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_HELD);
    assert_int_equal(g.verdict, LOCATION_STALE);
    g = gate_at(&config, NULL, later + 100);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3303");
    assert_non_null(strstr(g.cause, "held"));

    /* outside: refused T3301 at once */
    platform_location_fix seoul = gnss(37.57, 126.98, later + 200);
    assert_int_equal(platform_location_record(db, EID, &seoul, later + 200), AW_OK);
    g = gate_at(&config, NULL, later + 201); /* Beijing to Seoul in 800 s: a jump */
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3304");
    seoul.fix_time = later + 4 * 3600;
    assert_int_equal(platform_location_record(db, EID, &seoul, later + 4 * 3600), AW_OK);
    g = gate_at(&config, NULL, later + 4 * 3600 + 1);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3301");
    /* implausible, refused by default: T3304 */
    platform_location_fix zero = gnss(0, 0, later + 4 * 3600 + 2);
    assert_int_equal(platform_location_record(db, EID, &zero, later + 4 * 3600 + 2), AW_OK);
    g = gate_at(&config, NULL, later + 4 * 3600 + 3);
    assert_string_equal(g.code, "T3304");
    /* missing refused by the tenant's own policy: T3302 for another card */
    location_policy p = on_policy();
    p.on_missing = LOCATION_ACTION_REFUSE;
    assert_int_equal(platform_location_policy_write(db, TENANT, &p, NOW), AW_OK);
    platform_location_subject other = {.tenant = TENANT, .eid = "89049032123451234512345678901236",
                                       .order_id = ORDER};
    assert_int_equal(platform_location_gate_check(db, &config, &other, NOW * 1000, &g), AW_OK);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3302");
    /* the tenant's policy off: outside goes */
    p.enabled = false;
    assert_int_equal(platform_location_policy_write(db, TENANT, &p, NOW), AW_OK);
    g = gate_at(&config, NULL, later + 4 * 3600 + 3);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_GO);
    /* regions that cannot be loaded: refused T3305 (fail closed) */
    p.enabled = true;
    snprintf(p.regions[0], sizeof(p.regions[0]), "XX");
    assert_int_equal(platform_location_policy_write(db, TENANT, &p, NOW), AW_OK);
    g = gate_at(&config, NULL, NOW);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3305");
}

static void test_gate_card_op(void **state)
{
    (void)state;
    platform_location_config config = on_config();
    /* held: the operation's step at the hold's end */
    platform_location_gate g = gate_at(&config, OPERATION, NOW);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_HELD);
    assert_int_equal(jobs_at(PLATFORM_CARD_OPS_QUEUE, (NOW + 100) * 1000), 1);
    platform_location_fix seoul = gnss(37.57, 126.98, NOW + 10);
    assert_int_equal(platform_location_record(db, EID, &seoul, NOW + 10), AW_OK);
    assert_int_equal(jobs_at(PLATFORM_CARD_OPS_QUEUE, (NOW + 10) * 1000), 1);
    g = gate_at(&config, OPERATION, NOW + 11);
    assert_int_equal(g.outcome, PLATFORM_LOCATION_REFUSED);
    assert_string_equal(g.code, "T3301");
    /* the refusal's terminal exception, serious */
    platform_exception *list = NULL;
    size_t count = 0;
    bool more = false;
    platform_exception_filter filter = {.error_class = PLATFORM_ERROR_CLASS_TERMINAL};
    assert_int_equal(platform_exception_list(db, TENANT, &filter, 0, 10, &list, &count, &more),
                     AW_OK);
    assert_int_equal(count, 1);
    assert_string_equal(list[0].code, "T3301");
    assert_string_equal(list[0].eid, EID);
    assert_int_equal(list[0].grade, PLATFORM_GRADE_SERIOUS);
    free(list);

    /* a hold an hour past its end (its operation ended otherwise) goes
     * with the next fix; one within that hour stays */
    platform_location_fix old = gnss(39.9, 116.4, NOW - 7200);
    assert_int_equal(platform_location_record(db, EID, &old, NOW), AW_OK);
    assert_int_equal(platform_location_record(db, EID, &old, NOW), AW_OK); /* no jump */
    g = gate_at(&config, "cop_00000000000000000000000a", NOW + 20); /* stale: held to +120 */
    assert_int_equal(g.outcome, PLATFORM_LOCATION_HELD);
    int64_t holds = 0;
    assert_int_equal(platform_location_record(db, EID, &old, NOW + 120 + 3600), AW_OK);
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM platform_location_holds", NULL, 0,
                                    &holds),
                     AW_OK);
    assert_int_equal(holds, 1);
    assert_int_equal(platform_location_record(db, EID, &old, NOW + 121 + 3600), AW_OK);
    assert_int_equal(db_query_int64(db, "SELECT COUNT(*) FROM platform_location_holds", NULL, 0,
                                    &holds),
                     AW_OK);
    assert_int_equal(holds, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_REGIONS_DIRECTORY [postgresql]\n", argv[0]);
        return 2;
    }
    regions_dir = argv[1];
    if (argc > 2 && strcmp(argv[2], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mainland_cities),
        cmocka_unit_test(test_region_parse),
        cmocka_unit_test(test_region_limits),
        cmocka_unit_test(test_region_load),
        cmocka_unit_test(test_distance_and_mcc),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_policy_check),
        cmocka_unit_test_setup_teardown(test_record, open_db, close_db),
        cmocka_unit_test_setup_teardown(test_policy_store, open_db, close_db),
        cmocka_unit_test_setup_teardown(test_gate_item, open_db, close_db),
        cmocka_unit_test_setup_teardown(test_gate_card_op, open_db, close_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
