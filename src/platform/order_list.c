/* airwrite platform: the list of a tenant's write orders (写卡订单 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》, 进度查询 over all of a tenant's
 * orders), newest first, filtered by status, target and creation time.
 * Orders have no numeric row id, so the page cursor is the sort key of the
 * last order answered: its creation time and its id (unique), which keeps
 * the walk stable while orders are created or change status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/order_progress.h"
#include "platform/platform_internal.h"

#define CURSOR_TIME_DIGITS_MAX 18u
#define LIST_SQL_MAX 640u /* the longest statement below is 441 bytes */

/* "<1..18 digits, no leading zero unless 0>_ord_<24 hex>" */
static bool cursor_parse(const char *cursor, int64_t *created_at_ms,
                         char order_id[PLATFORM_ORDER_ID_LENGTH + 1])
{
    size_t digits = strspn(cursor, "0123456789");
    const char *id = cursor + digits + 1;
    if (digits == 0 || digits > CURSOR_TIME_DIGITS_MAX || cursor[digits] != '_' ||
        (cursor[0] == '0' && digits > 1) || strlen(id) != PLATFORM_ORDER_ID_LENGTH ||
        strncmp(id, "ord_", 4) != 0 ||
        strspn(id + 4, "0123456789abcdef") != PLATFORM_ORDER_ID_LENGTH - 4)
        return false;
    *created_at_ms = (int64_t)strtoll(cursor, NULL, 10);
    memcpy(order_id, id, PLATFORM_ORDER_ID_LENGTH + 1);
    return true;
}

static bool filter_valid(const platform_order_filter *f)
{
    return (f->status == NULL ||
            platform_lifecycle_state_valid(PLATFORM_LIFECYCLE_ORDER, f->status)) &&
           (f->target == NULL ||
            ((f->target_kind == PLATFORM_TARGET_PROFILE_TYPE ||
              f->target_kind == PLATFORM_TARGET_NUMBER_POOL) &&
             platform_target_valid(f->target))) &&
           f->created_from_ms >= 0 && f->created_to_ms >= 0;
}

aw_err platform_order_list(db_connection *db, const char *tenant,
                           const platform_order_filter *filter, const char *cursor, size_t limit,
                           platform_order **orders, size_t *count,
                           char next_cursor[PLATFORM_ORDER_CURSOR_SIZE])
{
    if (orders != NULL)
        *orders = NULL;
    if (count != NULL)
        *count = 0;
    if (next_cursor != NULL)
        next_cursor[0] = '\0';
    if (db == NULL || tenant == NULL || orders == NULL || count == NULL || next_cursor == NULL)
        return AW_ERR_ARGUMENT;
    static const platform_order_filter none = {0};
    const platform_order_filter *f = filter != NULL ? filter : &none;
    int64_t after_time = 0;
    char after_id[PLATFORM_ORDER_ID_LENGTH + 1];
    if (!filter_valid(f) || limit == 0 || limit > PLATFORM_ORDER_PAGE_MAX ||
        (cursor != NULL && !cursor_parse(cursor, &after_time, after_id)))
        return AW_ERR_PLATFORM_FIELD;
    char sql[LIST_SQL_MAX] = "SELECT " PLATFORM_ORDER_COLUMNS
                             " FROM platform_orders WHERE tenant = ? AND created_at >= ? AND "
                             "created_at < ?";
    db_param params[10];
    size_t n = 0;
    params[n++] = DB_PARAM_TEXT(tenant);
    params[n++] = DB_PARAM_INT64(f->created_from_ms);
    params[n++] = DB_PARAM_INT64(f->created_to_ms > 0 ? f->created_to_ms : INT64_MAX);
    if (f->status != NULL) {
        strcat(sql, " AND status = ?");
        params[n++] = DB_PARAM_TEXT(f->status);
    }
    if (f->target != NULL) {
        strcat(sql, " AND target_kind = ? AND target = ?");
        params[n++] = DB_PARAM_TEXT(f->target_kind == PLATFORM_TARGET_PROFILE_TYPE
                                        ? "profileType"
                                        : "numberPool");
        params[n++] = DB_PARAM_TEXT(f->target);
    }
    if (cursor != NULL) { /* strictly after the last order of the page, newest first */
        strcat(sql, " AND (created_at < ? OR (created_at = ? AND order_id < ?))");
        params[n++] = DB_PARAM_INT64(after_time);
        params[n++] = DB_PARAM_INT64(after_time);
        params[n++] = DB_PARAM_TEXT(after_id);
    }
    strcat(sql, " ORDER BY created_at DESC, order_id DESC LIMIT ?");
    params[n++] = DB_PARAM_INT64((int64_t)limit + 1);
    platform_order *list = calloc(limit, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    db_rows *rows = NULL;
    aw_err err = db_query(db, sql, params, n, &rows);
    size_t found = 0;
    bool has_row = false, more = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (found == limit) {
            more = true;
            break;
        }
        err = platform_order_read_row(rows, &list[found]);
        if (err == AW_OK)
            found++;
    }
    db_rows_free(rows);
    if (err != AW_OK || found == 0) {
        free(list);
        return err;
    }
    if (more)
        snprintf(next_cursor, PLATFORM_ORDER_CURSOR_SIZE, "%lld_%s",
                 (long long)list[found - 1].created_at_ms, list[found - 1].order_id);
    *orders = list;
    *count = found;
    return AW_OK;
}
