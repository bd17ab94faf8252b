/* libFuzzer target: what the information queries and the business scope
 * take from outside (src/platform: api_query.c, inventory_query.c,
 * scope.c). The first byte picks the part:
 *   0: a raw query string against the names a list route allows;
 *   1: filters of GET /cards and /profiles as lines eid, iccid, imsi,
 *      msisdn, state, profileType (an empty line: absent), then the limit
 *      and cursor bytes, run on an in-memory SQLite store holding cards of
 *      two tenants;
 *   2: two business scopes from comma-separated whitelists (lines: flags,
 *      SMS list, voice list; twice).
 * Properties checked beyond "no crash":
 * - the list queries answer AW_OK or AW_ERR_PLATFORM_FIELD only, and AW_OK
 *   only with every filter well-formed; the rows are the tenant's own and
 *   match the filters;
 * - a valid scope is within itself; within implies both are valid; an
 *   empty scope is within any valid one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/saip.h"
#include "platform/inventory_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_MAX 96

static db_connection *store;
static char tenant_b_eid[33]; /* card 4, which tenant-a never sees */

/* Cards 1..3 of tenant-a and 4 of tenant-b, each with one written profile. */
static void store_open(void)
{
    if (store != NULL)
        return;
    if (db_open("sqlite::memory:", NULL, &store) != AW_OK || platform_migrate(store) != AW_OK)
        abort();
    platform_business_scope data = {.data = true};
    if (platform_profile_type_define(store, "iot", &data, 1) != AW_OK)
        abort();
    for (unsigned i = 1; i <= 4; i++) {
        char eid[33], check[3], iccid[21], imsi[16], msisdn[16];
        snprintf(eid, sizeof(eid), "890490320000%018u", i);
        if (platform_eid_check_digits(eid, 30, check) != AW_OK)
            abort();
        memcpy(eid + 30, check, 3);
        snprintf(iccid, sizeof(iccid), "898600%012u", i);
        iccid[18] = saip_iccid_check_digit(iccid, 18);
        iccid[19] = '\0';
        snprintf(imsi, sizeof(imsi), "46000%010u", i);
        snprintf(msisdn, sizeof(msisdn), "1440%09u", i);
        platform_profile_record r = {.tenant = i < 4 ? "tenant-a" : "tenant-b", .eid = eid,
                                     .iccid = iccid, .imsi = imsi, .msisdn = msisdn,
                                     .profile_type = "iot"};
        if (platform_profile_record_written(store, &r, "fuzz", 1) != AW_OK)
            abort();
        if (i == 4)
            memcpy(tenant_b_eid, eid, sizeof(eid));
    }
}

/* The next line of data (at most FIELD_MAX - 1 bytes kept) into field;
 * NULL for an empty line. */
static const char *next_line(const uint8_t **data, size_t *size, char field[FIELD_MAX])
{
    size_t len = 0;
    while (len < *size && (*data)[len] != '\n')
        len++;
    size_t kept = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;
    memcpy(field, *data, kept);
    field[kept] = '\0';
    *data += len < *size ? len + 1 : len;
    *size -= len < *size ? len + 1 : len;
    return kept > 0 && strlen(field) == kept ? field : NULL;
}

static void fuzz_filters(const uint8_t *data, size_t size)
{
    store_open();
    char fields[6][FIELD_MAX];
    const char *values[6];
    for (size_t i = 0; i < 6; i++)
        values[i] = next_line(&data, &size, fields[i]);
    size_t limit = size > 0 ? data[0] : 1;
    int64_t after = size > 1 ? (int64_t)(int8_t)data[1] : 0;
    platform_query_filter filter = {.eid = values[0], .iccid = values[1], .imsi = values[2],
                                    .msisdn = values[3], .state = values[4],
                                    .profile_type = values[5]};
    platform_card *cards = NULL;
    platform_profile *profiles = NULL;
    size_t count = 0;
    bool more = false;
    aw_err err = platform_card_list(store, "tenant-a", &filter, after, limit, &cards, &count,
                                    &more);
    if (err == AW_OK) {
        if (filter.profile_type != NULL || (filter.eid != NULL && strlen(filter.eid) != 32) ||
            count > limit)
            abort();
        for (size_t i = 0; i < count; i++)
            if ((filter.eid != NULL && strcmp(cards[i].eid, filter.eid) != 0) ||
                cards[i].id <= after || strcmp(cards[i].eid, tenant_b_eid) == 0)
                abort();
    } else if (err != AW_ERR_PLATFORM_FIELD || cards != NULL || count != 0) {
        abort();
    }
    free(cards);
    err = platform_profile_list(store, "tenant-a", &filter, after, limit, &profiles, &count, &more);
    if (err == AW_OK) {
        for (size_t i = 0; i < count; i++)
            if ((filter.iccid != NULL && strcmp(profiles[i].iccid, filter.iccid) != 0) ||
                (filter.msisdn != NULL && strcmp(profiles[i].msisdn, filter.msisdn) != 0) ||
                (filter.imsi != NULL && strcmp(profiles[i].imsi, filter.imsi) != 0) ||
                strcmp(profiles[i].eid, tenant_b_eid) == 0 || profiles[i].id <= after)
                abort();
    } else if (err != AW_ERR_PLATFORM_FIELD || profiles != NULL || count != 0) {
        abort();
    }
    free(profiles);
}

/* Flags line ("d", "s", "v" letters), SMS list, voice list. */
static void scope_read(const uint8_t **data, size_t *size, platform_business_scope *scope)
{
    char flags[FIELD_MAX], sms[FIELD_MAX], voice[FIELD_MAX];
    const char *f = next_line(data, size, flags);
    const char *lists[2] = {next_line(data, size, sms), next_line(data, size, voice)};
    memset(scope, 0, sizeof(*scope));
    scope->data = f != NULL && strchr(f, 'd') != NULL;
    scope->sms = f != NULL && strchr(f, 's') != NULL;
    scope->voice = f != NULL && strchr(f, 'v') != NULL;
    for (size_t l = 0; l < 2; l++) {
        size_t *count = l == 0 ? &scope->sms_count : &scope->voice_count;
        char(*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1] =
            l == 0 ? scope->sms_whitelist : scope->voice_whitelist;
        for (const char *p = lists[l];
             p != NULL && *p != '\0' && *count < PLATFORM_WHITELIST_MAX;) {
            size_t len = strcspn(p, ",");
            size_t kept = len < PLATFORM_WHITELIST_NUMBER_MAX ? len : PLATFORM_WHITELIST_NUMBER_MAX;
            memcpy(list[*count], p, kept);
            list[(*count)++][kept] = '\0';
            p += len + (p[len] == ',');
        }
    }
}

static void fuzz_scopes(const uint8_t *data, size_t size)
{
    platform_business_scope a, b, empty = {0};
    scope_read(&data, &size, &a);
    scope_read(&data, &size, &b);
    bool valid_a = platform_business_scope_valid(&a);
    bool valid_b = platform_business_scope_valid(&b);
    if (valid_a && (!platform_business_scope_within(&a, &a) ||
                    !platform_business_scope_within(&empty, &a)))
        abort();
    if (platform_business_scope_within(&a, &b) && (!valid_a || !valid_b))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t part = data[0] % 3;
    data++;
    size--;
    if (part == 0) {
        static const char *const allowed[] = {"eid", "iccid", "imsi", "msisdn", "state",
                                              "limit", "cursor", NULL};
        char *query = malloc(size + 1);
        if (query == NULL)
            return 0;
        memcpy(query, data, size);
        query[size] = '\0';
        bool ok = inventory_query_names_allowed(query, allowed);
        /* a query of allowed names stays allowed with one more allowed name */
        char *longer = malloc(size + 8);
        if (longer != NULL) {
            snprintf(longer, size + 8, "%s%slimit=1", query, query[0] != '\0' ? "&" : "");
            if (ok && strlen(query) == size && !inventory_query_names_allowed(longer, allowed))
                abort();
            free(longer);
        }
        free(query);
    } else if (part == 1) {
        fuzz_filters(data, size);
    } else {
        fuzz_scopes(data, size);
    }
    return 0;
}
