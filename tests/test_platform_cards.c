/* Tests of cards and profiles in the store (src/platform: cards.c,
 * inventory_query.c): the ICCID check (ITU-T E.118 Luhn digit); the
 * executor's records (card ensured and activated, profile reserved,
 * written through downloaded and installed, failed back to available) with
 * the pool number following the profile (reserved -> in_use, freed on a
 * failed download, cooling when the profile is deleted); refused records
 * leaving nothing behind; the queries by EID, ICCID, IMSI, MSISDN and
 * state, paged, tenant-isolated; a card's history; statistics over a
 * period. SQLite by default; PostgreSQL with the argument "postgresql"
 * under tests/pg-harness.sh. */
#include "platform_inventory_testutil.h"
#include "platform_testutil.h"

#include <stdlib.h>

#define NOW PLATFORM_TEST_NOW_MS
#define DAY_MS (86400LL * 1000)

static const char *pg_url;

static struct {
    platform_test_db tdb;
    db_connection *db;
} fx;

static int setup(void **state)
{
    (void)state;
    platform_test_db_make(&fx.tdb, pg_url);
    fx.db = platform_test_db_open(&fx.tdb);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(fx.db);
    platform_test_db_remove(&fx.tdb);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* ---- Cards and profiles ------------------------------------------------------ */

static void test_iccid_check(void **state)
{
    (void)state;
    char iccid[21];
    platform_test_iccid(42, iccid);
    assert_int_equal(platform_iccid_check(iccid), AW_OK);
    /* the ITU-T E.118 example form, 20 digits: 89 86 00 ... with its digit */
    char twenty[21] = "8986001234567890123";
    twenty[19] = saip_iccid_check_digit(twenty, 19);
    twenty[20] = '\0';
    assert_int_equal(platform_iccid_check(twenty), AW_OK);
    iccid[18] = iccid[18] == '9' ? '0' : (char)(iccid[18] + 1);
    assert_int_equal(platform_iccid_check(iccid), AW_ERR_PLATFORM_ICCID);
    assert_int_equal(platform_iccid_check("898600000000000004"), AW_ERR_PLATFORM_ICCID);
    assert_int_equal(platform_iccid_check("8986000000000000000042"), AW_ERR_PLATFORM_ICCID);
    assert_int_equal(platform_iccid_check("89860000000000000a4"), AW_ERR_PLATFORM_ICCID);
    assert_int_equal(platform_iccid_check(NULL), AW_ERR_PLATFORM_ICCID);
}

static void test_profile_records(void **state)
{
    (void)state;
    platform_test_pool(fx.db, "tenant-a", "pool-a", "iot-data", "14409", "460040000000000", 2,
                       DAY_MS);
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_NUMBER_POOL, "pool-a",
                        2, 1, NULL, order_id);
    char eid[33], eid_2[33], iccid[21], iccid_2[21];
    platform_test_eid(1, eid);
    platform_test_eid(2, eid_2);
    platform_test_iccid(1, iccid);
    platform_test_iccid(2, iccid_2);
    bool created = false;
    assert_int_equal(platform_card_ensure(fx.db, "tenant-a", eid, "exec", NOW, &created), AW_OK);
    assert_true(created);
    assert_int_equal(platform_card_ensure(fx.db, "tenant-a", eid, "exec", NOW, &created), AW_OK);
    assert_false(created);
    assert_int_equal(platform_card_ensure(fx.db, "tenant-a", "8904", "exec", NOW, &created),
                     AW_ERR_PLATFORM_EID);
    platform_card card;
    assert_int_equal(platform_card_get(fx.db, "tenant-a", eid, &card), AW_OK);
    assert_string_equal(card.state, "registered");
    assert_int_equal(platform_card_get(fx.db, "tenant-b", eid, &card),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);
    assert_int_equal(platform_card_get(fx.db, "tenant-a", "x", &card),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);

    /* the executor's path: reserve a number, DownloadOrder names the ICCID,
     * the profile is written with the number */
    platform_number n;
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid, "exec",
                                             NOW, &n),
                     AW_OK);
    platform_profile_record r = {.tenant = "tenant-a", .eid = eid, .iccid = iccid,
                                 .profile_type = "iot-data", .order_id = order_id};
    assert_int_equal(platform_profile_record_reserved(fx.db, &r, "exec", NOW + 1), AW_OK);
    assert_int_equal(platform_profile_record_reserved(fx.db, &r, "exec", NOW + 1), AW_OK);
    platform_profile p;
    assert_int_equal(platform_profile_get(fx.db, "tenant-a", iccid, &p), AW_OK);
    assert_string_equal(p.state, "reserved");
    r.imsi = n.imsi;
    r.msisdn = n.msisdn;
    assert_int_equal(platform_profile_record_written(fx.db, &r, "exec", NOW + 2), AW_OK);
    assert_int_equal(platform_profile_record_written(fx.db, &r, "exec", NOW + 3), AW_OK);
    assert_int_equal(platform_profile_get(fx.db, "tenant-a", iccid, &p), AW_OK);
    assert_string_equal(p.state, "installed");
    assert_string_equal(p.msisdn, n.msisdn);
    assert_string_equal(p.imsi, n.imsi);
    assert_string_equal(p.order_id, order_id);
    assert_int_equal(platform_card_get(fx.db, "tenant-a", eid, &card), AW_OK);
    assert_string_equal(card.state, "active");
    platform_number got;
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &got), AW_OK);
    assert_string_equal(got.state, "in_use");
    assert_string_equal(got.iccid, iccid);
    /* the ICCID on another card; the number for another profile */
    platform_profile_record other = r;
    other.eid = eid_2;
    assert_int_equal(platform_profile_record_written(fx.db, &other, "exec", NOW + 4),
                     AW_ERR_PLATFORM_TRANSITION);
    other.iccid = iccid_2;
    assert_int_equal(platform_profile_record_written(fx.db, &other, "exec", NOW + 4),
                     AW_ERR_PLATFORM_TRANSITION);
    /* the whole refused record left nothing behind */
    assert_int_equal(platform_profile_get(fx.db, "tenant-a", iccid_2, &p), AW_ERR_NOT_FOUND);
    assert_int_equal(platform_card_get(fx.db, "tenant-a", eid_2, &card),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);
    /* forms */
    platform_profile_record bad = r;
    char wrong[21];
    memcpy(wrong, iccid, sizeof(wrong));
    wrong[18] = wrong[18] == '9' ? '0' : (char)(wrong[18] + 1);
    bad.iccid = wrong;
    assert_int_equal(platform_profile_record_written(fx.db, &bad, "exec", NOW),
                     AW_ERR_PLATFORM_ICCID);
    bad = r;
    bad.eid = "89049032000000000000000000000000";
    assert_int_equal(platform_profile_record_written(fx.db, &bad, "exec", NOW),
                     AW_ERR_PLATFORM_EID);
    bad = r;
    bad.imsi = "4600";
    assert_int_equal(platform_profile_record_reserved(fx.db, &bad, "exec", NOW), AW_ERR_ARGUMENT);
    /* a failed download: the second card's profile back to available, its
     * reserved number free */
    platform_number n2;
    assert_int_equal(platform_number_reserve(fx.db, "tenant-a", "pool-a", order_id, eid_2, "exec",
                                             NOW, &n2),
                     AW_OK);
    platform_profile_record r2 = {.tenant = "tenant-a", .eid = eid_2, .iccid = iccid_2,
                                  .profile_type = "iot-data", .order_id = order_id};
    assert_int_equal(platform_profile_record_reserved(fx.db, &r2, "exec", NOW + 5), AW_OK);
    assert_int_equal(platform_profile_record_failed(fx.db, "tenant-a", iccid_2,
                                                    "download failed", "exec", NOW + 6),
                     AW_OK);
    assert_int_equal(platform_profile_get(fx.db, "tenant-a", iccid_2, &p), AW_OK);
    assert_string_equal(p.state, "available");
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n2.msisdn, &got), AW_OK);
    assert_string_equal(got.state, "free");
    assert_int_equal(platform_profile_record_failed(fx.db, "tenant-a", iccid_2, "again", "exec",
                                                    NOW + 6),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_profile_record_failed(fx.db, "tenant-b", iccid_2, "x", "exec",
                                                    NOW + 6),
                     AW_ERR_NOT_FOUND);
    /* back in the SM-DP+'s pool, the next DownloadOrder may name it for
     * another card: reserved for the first card again, without the second
     * card's number; on that card, no third card may take it */
    platform_profile_record again = {.tenant = "tenant-a", .eid = eid, .iccid = iccid_2,
                                     .profile_type = "iot-data"};
    assert_int_equal(platform_profile_record_reserved(fx.db, &again, "exec", NOW + 6), AW_OK);
    assert_int_equal(platform_profile_get(fx.db, "tenant-a", iccid_2, &p), AW_OK);
    assert_string_equal(p.state, "reserved");
    assert_string_equal(p.eid, eid);
    assert_string_equal(p.msisdn, "");
    assert_string_equal(p.order_id, "");
    assert_int_equal(platform_profile_record_reserved(fx.db, &r2, "exec", NOW + 6),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_profile_record_failed(fx.db, "tenant-a", iccid_2, "cancelled",
                                                    "exec", NOW + 6),
                     AW_OK);
    /* local management: enable, disable, delete; the number cools */
    assert_int_equal(platform_profile_transition(fx.db, "tenant-a", iccid, "enabled", "enabled",
                                                 "card", NOW + 7),
                     AW_OK);
    assert_int_equal(platform_profile_transition(fx.db, "tenant-a", iccid, "deleted", "deleted",
                                                 "card", NOW + 8),
                     AW_ERR_PLATFORM_TRANSITION);
    assert_int_equal(platform_profile_transition(fx.db, "tenant-a", iccid, "disabled", "disabled",
                                                 "card", NOW + 8),
                     AW_OK);
    assert_int_equal(platform_profile_transition(fx.db, "tenant-a", iccid, "deleted", "deleted",
                                                 "card", NOW + 9),
                     AW_OK);
    assert_int_equal(platform_number_get(fx.db, "tenant-a", n.msisdn, &got), AW_OK);
    assert_string_equal(got.state, "cooling");
    assert_int_equal(platform_profile_transition(fx.db, "tenant-b", iccid, "enabled", "x", "card",
                                                 NOW + 9),
                     AW_ERR_NOT_FOUND);
    /* a deleted profile is not written again */
    assert_int_equal(platform_profile_record_written(fx.db, &r, "exec", NOW + 10),
                     AW_ERR_PLATFORM_TRANSITION);
    /* a profile of a profile-type order, straight to written; its MSISDN
     * is not a pool number */
    char eid_3[33], iccid_3[21];
    platform_test_eid(3, eid_3);
    platform_test_iccid(3, iccid_3);
    platform_profile_record r3 = {.tenant = "tenant-a", .eid = eid_3, .iccid = iccid_3,
                                  .imsi = "460001234567890", .msisdn = "8613900000000",
                                  .profile_type = "iot-data"};
    assert_int_equal(platform_profile_record_written(fx.db, &r3, "exec", NOW + 11), AW_OK);
    char history[256];
    platform_lifecycle_event *events = NULL;
    size_t count = 0;
    assert_int_equal(platform_lifecycle_history(fx.db, PLATFORM_LIFECYCLE_PROFILE, "tenant-a",
                                                iccid_3, 16, &events, &count),
                     AW_OK);
    size_t len = 0;
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(history + len, sizeof(history) - len, "%s>%s;", events[i].from,
                                events[i].to);
    free(events);
    assert_string_equal(history, ">available;available>reserved;reserved>downloaded;"
                                 "downloaded>installed;");
}

/* ---- Queries ------------------------------------------------------------------ */

/* n cards of tenant with one profile each (ICCID base + i, IMSI and MSISDN
 * derived), written at NOW + i. */
static void cards_written(const char *tenant, size_t n, unsigned long long base)
{
    for (size_t i = 0; i < n; i++) {
        char eid[33], iccid[21], imsi[16], msisdn[16];
        platform_test_eid(base + i, eid);
        platform_test_iccid(base + i, iccid);
        snprintf(imsi, sizeof(imsi), "46000%010llu", base + i);
        snprintf(msisdn, sizeof(msisdn), "1440%09llu", base + i);
        platform_profile_record r = {.tenant = tenant, .eid = eid, .iccid = iccid, .imsi = imsi,
                                     .msisdn = msisdn, .profile_type = "iot-data"};
        assert_int_equal(platform_profile_record_written(fx.db, &r, "exec", NOW + (int64_t)i),
                         AW_OK);
    }
}

static size_t card_count(const char *tenant, const platform_query_filter *filter)
{
    platform_card *list = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_card_list(fx.db, tenant, filter, 0, PLATFORM_QUERY_PAGE_MAX, &list,
                                        &count, &more),
                     AW_OK);
    free(list);
    return count;
}

static void test_queries(void **state)
{
    (void)state;
    cards_written("tenant-a", 5, 10);
    cards_written("tenant-b", 2, 100);
    char eid[33], iccid[21];
    platform_test_eid(12, eid);
    platform_test_iccid(12, iccid);
    /* filters */
    assert_int_equal(card_count("tenant-a", NULL), 5);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.eid = eid}), 1);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.iccid = iccid}), 1);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.imsi = "460000000000012"}),
                     1);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.msisdn = "1440000000012"}),
                     1);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.state = "active"}), 5);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.state = "retired"}), 0);
    assert_int_equal(card_count("tenant-a", &(platform_query_filter){.eid = eid,
                                                                     .msisdn = "1440000000013"}),
                     0);
    /* tenant B sees none of A's, by any key */
    assert_int_equal(card_count("tenant-b", NULL), 2);
    assert_int_equal(card_count("tenant-b", &(platform_query_filter){.eid = eid}), 0);
    assert_int_equal(card_count("tenant-b", &(platform_query_filter){.iccid = iccid}), 0);
    /* paging */
    platform_card *page = NULL;
    size_t count = 0;
    bool more = false;
    assert_int_equal(platform_card_list(fx.db, "tenant-a", NULL, 0, 2, &page, &count, &more),
                     AW_OK);
    assert_int_equal(count, 2);
    assert_true(more);
    int64_t cursor = page[1].id;
    free(page);
    assert_int_equal(platform_card_list(fx.db, "tenant-a", NULL, cursor, 3, &page, &count, &more),
                     AW_OK);
    assert_int_equal(count, 3);
    assert_false(more);
    assert_memory_equal(page[0].eid + 12, "000000000000000012", 18); /* base 10 + 2 */
    free(page);
    /* bad filters, limits, cursors */
    static const platform_query_filter bad[] = {
        {.eid = "89049032"}, {.iccid = "8986000000000000001"}, {.imsi = "46000"},
        {.msisdn = "14a"},   {.state = "enabled"},            {.profile_type = "iot-data"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(platform_card_list(fx.db, "tenant-a", &bad[i], 0, 10, &page, &count,
                                            &more),
                         AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_card_list(fx.db, "tenant-a", NULL, 0, PLATFORM_QUERY_PAGE_MAX + 1,
                                        &page, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_card_list(fx.db, "tenant-a", NULL, -5, 10, &page, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    /* profiles */
    platform_profile *profiles = NULL;
    assert_int_equal(platform_profile_list(fx.db, "tenant-a",
                                           &(platform_query_filter){.profile_type = "iot-data",
                                                                    .state = "installed"},
                                           0, 10, &profiles, &count, &more),
                     AW_OK);
    assert_int_equal(count, 5);
    free(profiles);
    assert_int_equal(platform_profile_list(fx.db, "tenant-b",
                                           &(platform_query_filter){.iccid = iccid}, 0, 10,
                                           &profiles, &count, &more),
                     AW_OK);
    assert_int_equal(count, 0);
    assert_int_equal(platform_profile_list(fx.db, "tenant-a",
                                           &(platform_query_filter){.state = "active"}, 0, 10,
                                           &profiles, &count, &more),
                     AW_ERR_PLATFORM_FIELD);
    /* history: the card's and its profile's, paged */
    platform_history_entry *history = NULL;
    assert_int_equal(platform_card_history(fx.db, "tenant-a", eid, 0, 3, &history, &count, &more),
                     AW_OK);
    assert_int_equal(count, 3);
    assert_true(more);
    assert_int_equal(history[0].machine, PLATFORM_LIFECYCLE_CARD);
    assert_string_equal(history[0].event.to, "registered");
    assert_string_equal(history[0].event.from, "");
    assert_int_equal(history[1].machine, PLATFORM_LIFECYCLE_CARD);
    assert_string_equal(history[1].event.to, "active");
    assert_int_equal(history[2].machine, PLATFORM_LIFECYCLE_PROFILE);
    assert_string_equal(history[2].entity_id, iccid);
    cursor = history[2].id;
    free(history);
    assert_int_equal(platform_card_history(fx.db, "tenant-a", eid, cursor, 10, &history, &count,
                                           &more),
                     AW_OK);
    assert_int_equal(count, 3); /* reserved, downloaded, installed */
    assert_false(more);
    assert_string_equal(history[2].event.to, "installed");
    free(history);
    assert_int_equal(platform_card_history(fx.db, "tenant-b", eid, 0, 10, &history, &count,
                                           &more),
                     AW_ERR_PLATFORM_CARD_UNKNOWN);
    assert_int_equal(platform_card_history(fx.db, "tenant-a", eid, 0, 0, &history, &count,
                                           &more),
                     AW_ERR_PLATFORM_FIELD);
    /* statistics over a period */
    platform_test_inventory_allow(fx.db, "tenant-a", "iot-data");
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    platform_test_order(fx.db, "tenant-a", PLATFORM_TARGET_PROFILE_TYPE, "iot-data",
                        3, 500, NULL, order_id);
    char item_eid[33];
    platform_test_eid(500, item_eid);
    assert_int_equal(platform_order_item_transition(fx.db, order_id, item_eid, "in_progress",
                                                    NULL, "start", "exec", NOW),
                     AW_OK);
    platform_statistics stats;
    assert_int_equal(platform_statistics_get(fx.db, "tenant-a", 0, NOW + 100, &stats), AW_OK);
    assert_int_equal(stats.order_count, 1);
    assert_string_equal(stats.orders[0].state, "processing");
    assert_int_equal(stats.orders[0].count, 1);
    assert_int_equal(stats.item_count, 2);
    assert_string_equal(stats.items[0].state, "in_progress");
    assert_int_equal(stats.items[0].count, 1);
    assert_string_equal(stats.items[1].state, "pending");
    assert_int_equal(stats.items[1].count, 2);
    assert_int_equal(stats.card_count, 1);
    assert_string_equal(stats.cards[0].state, "active");
    assert_int_equal(stats.cards[0].count, 5);
    assert_int_equal(stats.profiles[0].count, 5);
    /* a period holding only the cards written at NOW + 3 and NOW + 4 */
    assert_int_equal(platform_statistics_get(fx.db, "tenant-a", NOW + 3, NOW + 5, &stats), AW_OK);
    assert_int_equal(stats.order_count, 0);
    assert_int_equal(stats.cards[0].count, 2);
    assert_int_equal(platform_statistics_get(fx.db, "tenant-b", 0, NOW + 100, &stats), AW_OK);
    assert_int_equal(stats.order_count, 0);
    assert_int_equal(stats.cards[0].count, 2);
    assert_int_equal(platform_statistics_get(fx.db, "tenant-a", NOW, NOW, &stats),
                     AW_ERR_PLATFORM_FIELD);
    assert_int_equal(platform_statistics_get(fx.db, "tenant-a", -1, NOW, &stats),
                     AW_ERR_PLATFORM_FIELD);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "postgresql") == 0) {
        pg_url = getenv("AW_TEST_POSTGRESQL_URL");
        if (pg_url == NULL) {
            printf("skip: AW_TEST_POSTGRESQL_URL is not set (run under tests/pg-harness.sh run)\n");
            return TEST_SKIP_EXIT;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iccid_check),
        cmocka_unit_test_setup_teardown(test_profile_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
