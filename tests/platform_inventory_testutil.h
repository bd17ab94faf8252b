/* Helpers of the platform tests (test code only) for number resources and
 * business scope: the profile types, tenants' scopes and number pools an
 * order needs before POST /api/v1/orders accepts it (scope.c refuses
 * unknown profile types A4001, types outside the tenant's scope A4002,
 * pools not the tenant's A4003, pools short of numbers A4004). */
#ifndef AIRWRITE_TESTS_PLATFORM_INVENTORY_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_INVENTORY_TESTUTIL_H

#include "platform_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/saip.h"
#include "platform/platform.h"

#define PLATFORM_TEST_NOW_MS 1764567890000LL /* 2025-12-01 05:44:50 UTC */

/* Profile type name, data only (defined once; a redefinition is the same). */
static inline void platform_test_profile_type(db_connection *db, const char *name)
{
    platform_business_scope data = {.data = true};
    assert_int_equal(platform_profile_type_define(db, name, &data, PLATFORM_TEST_NOW_MS), AW_OK);
}

/* tenant may order data-only profile types, and profile_type is one. */
static inline void platform_test_inventory_allow(db_connection *db, const char *tenant,
                                                 const char *profile_type)
{
    platform_test_profile_type(db, profile_type);
    platform_business_scope data = {.data = true};
    assert_int_equal(platform_tenant_scope_set(db, tenant, &data, PLATFORM_TEST_NOW_MS), AW_OK);
}

/* Pool name of tenant for profile_type (allowed to the tenant): 13-digit
 * MSISDNs from segment, IMSIs from imsi_first, count numbers added, the
 * given cooling period. */
static inline void platform_test_pool(db_connection *db, const char *tenant, const char *name,
                                      const char *profile_type, const char *segment,
                                      const char *imsi_first, size_t count, int64_t cooling_ms)
{
    platform_test_inventory_allow(db, tenant, profile_type);
    platform_number_pool pool = {.msisdn_length = 13, .cooling_ms = cooling_ms,
                                 .segment_count = 1, .range_count = 1};
    snprintf(pool.name, sizeof(pool.name), "%s", name);
    snprintf(pool.tenant, sizeof(pool.tenant), "%s", tenant);
    snprintf(pool.profile_type, sizeof(pool.profile_type), "%s", profile_type);
    snprintf(pool.segments[0], sizeof(pool.segments[0]), "%s", segment);
    snprintf(pool.ranges[0].first, sizeof(pool.ranges[0].first), "%s", imsi_first);
    /* the range: imsi_first up to the same digits ending in nines */
    size_t len = strlen(imsi_first);
    memcpy(pool.ranges[0].last, imsi_first, len + 1);
    memset(pool.ranges[0].last + len - 5, '9', 5);
    assert_int_equal(platform_number_pool_create(db, &pool, PLATFORM_TEST_NOW_MS), AW_OK);
    char msisdn[16];
    snprintf(msisdn, sizeof(msisdn), "%s%0*d", segment, (int)(13 - strlen(segment)), 0);
    if (count > 0)
        assert_int_equal(platform_number_add(db, tenant, name, msisdn, imsi_first, count, "test",
                                             PLATFORM_TEST_NOW_MS),
                         AW_OK);
}

/* A valid 19-digit ICCID: 898600 + 12 digits of n + the Luhn digit. */
static inline void platform_test_iccid(unsigned long long n,
                                       char iccid[PLATFORM_ICCID_MAX + 1])
{
    snprintf(iccid, PLATFORM_ICCID_MAX + 1, "898600%012llu", n);
    iccid[18] = saip_iccid_check_digit(iccid, 18);
    iccid[19] = '\0';
}

/* An order of tenant on target with n EIDs from base: its id. */
static inline void platform_test_order(db_connection *db, const char *tenant,
                                       platform_target_kind kind, const char *target, size_t n,
                                       unsigned long long base, const char *key,
                                       char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    char *body = malloc(n * 33 + 1);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++) {
        platform_test_eid(base + i, body + i * 33);
        body[i * 33 + 32] = '\n';
    }
    platform_batch *batch = NULL;
    assert_int_equal(platform_batch_parse_csv((const uint8_t *)body, n * 33, &batch), AW_OK);
    free(body);
    batch->target_kind = kind;
    snprintf(batch->target, sizeof(batch->target), "%s", target);
    platform_app app = {.app_id = "app0000000000000001"};
    snprintf(app.tenant, sizeof(app.tenant), "%s", tenant);
    uint8_t hash[32] = {1};
    platform_order order;
    assert_int_equal(platform_order_create(db, &app, key, hash, batch, PLATFORM_TEST_NOW_MS,
                                           &order, NULL),
                     AW_OK);
    platform_batch_free(batch);
    memcpy(order_id, order.order_id, PLATFORM_ORDER_ID_LENGTH + 1);
}

/* What the order tests of the write path use (test_platform_orders,
 * test_platform_callbacks through platform_api_testutil.h): data-only types
 * iot-basic, p and a for tenant-a and tenant-b; tenant-a's pools
 * cmiot-pool-1 and pool-9 with 100 numbers each. */
static inline void platform_test_inventory_default(db_connection *db)
{
    static const char *const types[] = {"iot-basic", "p", "a"};
    for (size_t i = 0; i < 3; i++) {
        platform_test_inventory_allow(db, "tenant-a", types[i]);
        platform_test_inventory_allow(db, "tenant-b", types[i]);
    }
    platform_test_pool(db, "tenant-a", "cmiot-pool-1", "iot-basic", "14409", "460040000000000",
                       100, 0);
    platform_test_pool(db, "tenant-a", "pool-9", "iot-basic", "14419", "460040000100000", 100,
                       0);
}

#endif
