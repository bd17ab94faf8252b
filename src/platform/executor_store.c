/* airwrite platform: the executor's records (platform.h "Executor"): the
 * per-item execution row (ICCID and Matching ID of the SM-DP+'s ES2+ order,
 * SGP.22 5.3.1/5.3.2; stage; result deadline), the item jobs in core's
 * queue, and the write failure codes (W, 写卡异常) stored with failed
 * items. */
#include <stdio.h>
#include <string.h>

#include "core/db_queue.h"
#include "platform/executor_internal.h"

#define EXECUTOR_TABLE                                                                         \
    "CREATE TABLE platform_executor_items (\n"                                                 \
    "  order_id TEXT NOT NULL,\n"                                                             \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  round BIGINT NOT NULL,\n"                                                              \
    "  stage TEXT NOT NULL,\n"                                                                \
    "  iccid TEXT,\n"                                                                         \
    "  matching_id TEXT,\n"                                                                   \
    "  smdp_address TEXT,\n"                                                                  \
    "  msisdn TEXT,\n"                                                                        \
    "  deadline BIGINT NOT NULL,\n"                                                           \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (order_id, eid));\n"                                                       \
    "CREATE INDEX platform_executor_items_iccid ON platform_executor_items (iccid);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "execution of order items: ES2+ order, trigger, result deadline",
        .sqlite_sql = EXECUTOR_TABLE,
        .postgresql_sql = EXECUTOR_TABLE,
    },
};

aw_err platform_executor_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = db_queue_migrate(db);
    if (err != AW_OK)
        return err;
    return db_migrate(db, "platform_executor", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

aw_err platform_executor_enqueue_job(db_connection *db, const char *kind, const char *order_id,
                                     const char *eid, int64_t round, int64_t run_after_ms,
                                     int64_t now_ms)
{
    char payload[EXECUTOR_PAYLOAD_MAX];
    int n = snprintf(payload, sizeof(payload), "%s:%s:%lld", order_id, eid, (long long)round);
    if (n < 0 || (size_t)n >= sizeof(payload))
        return AW_ERR_ARGUMENT;
    db_job_spec spec = {.queue = PLATFORM_EXECUTOR_QUEUE,
                        .kind = kind,
                        .payload = payload,
                        .payload_len = (size_t)n,
                        .run_after_ms = run_after_ms,
                        .max_attempts = PLATFORM_EXECUTOR_ATTEMPTS_CEILING,
                        .backoff_ms = PLATFORM_EXECUTOR_BACKOFF_MS};
    int64_t job_id = 0;
    return db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
}

/* item jobs per db_queue_enqueue_batch call: their payloads on the stack */
#define ITEM_JOBS_PER_BATCH (DB_QUEUE_BATCH_ROWS * 8u)

/* A job of kind for each of count items of order_id. */
static aw_err enqueue_for_items(db_connection *db, const char *kind, const char *order_id,
                                const char (*eids)[PLATFORM_EID_DIGITS + 1], size_t count,
                                int64_t now_ms)
{
    if (db == NULL || order_id == NULL || eids == NULL || count == 0)
        return AW_ERR_ARGUMENT;
    char payloads[ITEM_JOBS_PER_BATCH][EXECUTOR_PAYLOAD_MAX];
    db_job_spec specs[ITEM_JOBS_PER_BATCH];
    aw_err err = AW_OK;
    for (size_t start = 0; err == AW_OK && start < count; start += ITEM_JOBS_PER_BATCH) {
        size_t n = count - start < ITEM_JOBS_PER_BATCH ? count - start : ITEM_JOBS_PER_BATCH;
        for (size_t i = 0; err == AW_OK && i < n; i++) {
            /* round 0: the worker reads the item's round and applies its
             * configured attempts (executor_item.c) */
            int len = snprintf(payloads[i], sizeof(payloads[i]), "%s:%s:0", order_id,
                               eids[start + i]);
            if (len < 0 || (size_t)len >= sizeof(payloads[i]))
                err = AW_ERR_ARGUMENT;
            specs[i] = (db_job_spec){.queue = PLATFORM_EXECUTOR_QUEUE,
                                     .kind = kind,
                                     .payload = payloads[i],
                                     .payload_len = len > 0 ? (size_t)len : 0,
                                     .max_attempts = PLATFORM_EXECUTOR_ATTEMPTS_CEILING,
                                     .backoff_ms = PLATFORM_EXECUTOR_BACKOFF_MS};
        }
        if (err == AW_OK)
            err = db_queue_enqueue_batch(db, specs, n, now_ms);
    }
    return err;
}

aw_err platform_executor_enqueue_items(db_connection *db, const char *order_id,
                                       const char (*eids)[PLATFORM_EID_DIGITS + 1], size_t count,
                                       int64_t now_ms)
{
    return enqueue_for_items(db, EXECUTOR_JOB_ITEM, order_id, eids, count, now_ms);
}

aw_err platform_executor_enqueue_withdrawals(db_connection *db, const char *order_id,
                                             const char (*eids)[PLATFORM_EID_DIGITS + 1],
                                             size_t count, int64_t now_ms)
{
    return enqueue_for_items(db, EXECUTOR_JOB_WITHDRAW, order_id, eids, count, now_ms);
}

bool platform_executor_parse_payload(const uint8_t *payload, size_t len,
                                     char order_id[PLATFORM_ORDER_ID_LENGTH + 1],
                                     char eid[PLATFORM_EID_DIGITS + 1], int64_t *round)
{
    /* "<order id>:<eid>:<round>" as platform_executor_enqueue_job wrote it */
    char text[EXECUTOR_PAYLOAD_MAX];
    if (payload == NULL || len == 0 || len >= sizeof(text))
        return false;
    memcpy(text, payload, len);
    text[len] = '\0';
    const char *first = strchr(text, ':');
    const char *second = first != NULL ? strchr(first + 1, ':') : NULL;
    if (first == NULL || second == NULL || (size_t)(first - text) != PLATFORM_ORDER_ID_LENGTH ||
        (size_t)(second - first - 1) != PLATFORM_EID_DIGITS)
        return false;
    const char *digits = second + 1;
    size_t digit_count = strlen(digits);
    if (digit_count == 0 || digit_count > 18 || strspn(digits, "0123456789") != digit_count)
        return false;
    memcpy(order_id, text, PLATFORM_ORDER_ID_LENGTH);
    order_id[PLATFORM_ORDER_ID_LENGTH] = '\0';
    memcpy(eid, first + 1, PLATFORM_EID_DIGITS);
    eid[PLATFORM_EID_DIGITS] = '\0';
    *round = 0;
    for (size_t i = 0; i < digit_count; i++)
        *round = *round * 10 + (digits[i] - '0');
    return true;
}

static aw_err copy_optional(db_rows *rows, size_t column, char *out, size_t size)
{
    out[0] = '\0';
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_OK && strlen(text) >= size)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, strlen(text) + 1);
    return err;
}

aw_err platform_executor_item_read(db_connection *db, const char *order_id, const char *eid,
                                   platform_executor_item *item)
{
    memset(item, 0, sizeof(*item));
    db_param key[] = {DB_PARAM_TEXT(order_id), DB_PARAM_TEXT(eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    aw_err err = db_query(db,
                          "SELECT round, stage, iccid, matching_id, smdp_address, deadline, "
                          "msisdn FROM platform_executor_items WHERE order_id = ? AND eid = ?",
                          key, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, &item->round);
    if (err == AW_OK)
        err = copy_optional(rows, 1, item->stage, sizeof(item->stage));
    if (err == AW_OK)
        err = copy_optional(rows, 2, item->iccid, sizeof(item->iccid));
    if (err == AW_OK)
        err = copy_optional(rows, 3, item->matching_id, sizeof(item->matching_id));
    if (err == AW_OK)
        err = copy_optional(rows, 4, item->smdp_address, sizeof(item->smdp_address));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 5, &item->deadline_ms);
    if (err == AW_OK)
        err = copy_optional(rows, 6, item->msisdn, sizeof(item->msisdn));
    db_rows_free(rows);
    if (err != AW_OK)
        memset(item, 0, sizeof(*item));
    return err;
}

aw_err platform_executor_item_get(db_connection *db, const char *order_id, const char *eid,
                                  platform_executor_item *item)
{
    if (item != NULL)
        memset(item, 0, sizeof(*item));
    if (db == NULL || order_id == NULL || eid == NULL || item == NULL)
        return AW_ERR_ARGUMENT;
    return platform_executor_item_read(db, order_id, eid, item);
}

aw_err platform_executor_item_write(db_connection *db, const char *order_id, const char *eid,
                                    const platform_executor_item *item, int64_t now_ms)
{
    db_param params[] = {
        DB_PARAM_INT64(item->round),
        DB_PARAM_TEXT(item->stage),
        item->iccid[0] != '\0' ? DB_PARAM_TEXT(item->iccid) : DB_PARAM_NULL,
        item->matching_id[0] != '\0' ? DB_PARAM_TEXT(item->matching_id) : DB_PARAM_NULL,
        item->smdp_address[0] != '\0' ? DB_PARAM_TEXT(item->smdp_address) : DB_PARAM_NULL,
        DB_PARAM_INT64(item->deadline_ms),
        item->msisdn[0] != '\0' ? DB_PARAM_TEXT(item->msisdn) : DB_PARAM_NULL,
        DB_PARAM_INT64(now_ms),
        DB_PARAM_TEXT(order_id),
        DB_PARAM_TEXT(eid),
    };
    int64_t changed = 0;
    aw_err err = db_execute(db,
                            "UPDATE platform_executor_items SET round = ?, stage = ?, iccid = ?, "
                            "matching_id = ?, smdp_address = ?, deadline = ?, msisdn = ?, "
                            "updated_at = ? WHERE order_id = ? AND eid = ?",
                            params, 10, &changed);
    if (err != AW_OK || changed == 1)
        return err;
    /* the first round of the item: (round, stage, ..., order_id, eid) */
    return db_execute(db,
                      "INSERT INTO platform_executor_items (round, stage, iccid, matching_id, "
                      "smdp_address, deadline, msisdn, updated_at, order_id, eid) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      params, 10, NULL);
}

/* ---- Write failure codes ---------------------------------------------------- */

static const struct {
    const char *code;
    const char *message;
} item_errors[PLATFORM_ITEM_ERROR__COUNT] = {
    [PLATFORM_ITEM_PROFILE_TYPE_UNKNOWN] = {"W1001", "the SM-DP+ does not know the profile type"},
    [PLATFORM_ITEM_PROFILE_UNAVAILABLE] = {"W1002", "the SM-DP+ has no profile of the type left"},
    [PLATFORM_ITEM_SMDP_REFUSED] = {"W1003", "the SM-DP+ refused the download order"},
    [PLATFORM_ITEM_SMDP_UNREACHABLE] = {"W1004", "the SM-DP+ could not be reached"},
    [PLATFORM_ITEM_EIM_REFUSED] = {"W2001", "the eIM refused the download trigger"},
    [PLATFORM_ITEM_EIM_UNAVAILABLE] = {"W2002", "the eIM could not be reached"},
    [PLATFORM_ITEM_DOWNLOAD_FAILED] = {"W3001", "the profile download failed"},
    [PLATFORM_ITEM_INSTALLATION_FAILED] = {"W3002", "the profile installation failed on the eUICC"},
    [PLATFORM_ITEM_RESULT_TIMEOUT] = {"W3003", "no download result within the result time"},
};

const char *platform_item_error_code(platform_item_error error)
{
    return (unsigned)error < PLATFORM_ITEM_ERROR__COUNT ? item_errors[error].code : NULL;
}

const char *platform_item_error_message(platform_item_error error)
{
    return (unsigned)error < PLATFORM_ITEM_ERROR__COUNT ? item_errors[error].message : NULL;
}
