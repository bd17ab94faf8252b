/* airwrite platform: order batches, write orders and the order list, part
 * of the platform's one public header (included by platform/platform.h
 * where this section stood; include that, not this). */
#ifndef AIRWRITE_PLATFORM_PLATFORM_ORDERS_H
#define AIRWRITE_PLATFORM_PLATFORM_ORDERS_H

/* ---- Order batches (batch.c) -------------------------------------------- */

#define PLATFORM_EID_DIGITS 32u
#define PLATFORM_BATCH_MAX_EIDS 10000u
#define PLATFORM_BATCH_MAX_BODY (1024u * 1024u) /* CSV or JSON order body */
#define PLATFORM_BATCH_MAX_ERRORS 100u          /* line errors reported */
#define PLATFORM_CSV_LINE_MAX 256u
#define PLATFORM_TARGET_MAX 64u                 /* profile type or number pool name */

/* EID check (GSMA SGP.29 section 10): exactly 32 decimal digits whose value,
 * read as one decimal integer, is 1 modulo 97 (ISO/IEC 7064 MOD 97-10, the
 * last two digits being the check digits). AW_ERR_PLATFORM_EID otherwise. */
aw_err platform_eid_check(const char *eid, size_t len);

/* The check digits for the first 30 digits of an EID: the EID is
 * digits30 followed by check[0..1]. AW_ERR_PLATFORM_EID: not 30 digits. */
aw_err platform_eid_check_digits(const char *digits30, size_t len, char check[3]);

typedef enum platform_line_error {
    PLATFORM_LINE_INVALID_EID = 1, /* A1001 */
    PLATFORM_LINE_DUPLICATE_EID,   /* A1002: the EID is on an earlier line too */
    PLATFORM_LINE_MALFORMED,       /* A1003: not one EID field (CSV), not a string (JSON) */
} platform_line_error;

typedef struct platform_batch_error {
    size_t line;                   /* CSV: line number; JSON: element of "eids", from 1 */
    platform_line_error error;
} platform_batch_error;

typedef enum platform_target_kind {
    PLATFORM_TARGET_PROFILE_TYPE = 1,
    PLATFORM_TARGET_NUMBER_POOL = 2,
} platform_target_kind;

typedef struct platform_batch {
    platform_target_kind target_kind;          /* 0 until known (CSV: from the query) */
    char target[PLATFORM_TARGET_MAX + 1];
    size_t count;                               /* EIDs, each with its line */
    char (*eids)[PLATFORM_EID_DIGITS + 1];
    size_t *lines;
    size_t error_count;                         /* at most PLATFORM_BATCH_MAX_ERRORS kept */
    size_t error_total;                         /* all line errors found */
    platform_batch_error errors[PLATFORM_BATCH_MAX_ERRORS]; /* by line */
} platform_batch;

void platform_batch_free(platform_batch *batch);

/* CSV body (RFC 4180 subset): one EID per line, LF or CRLF, an optional
 * header line "eid" first, an empty last line allowed; no quoting. Errors:
 *   AW_ERR_PLATFORM_BATCH  body empty or over PLATFORM_BATCH_MAX_BODY, no
 *                          EID, more than PLATFORM_BATCH_MAX_EIDS (*out NULL);
 *   AW_ERR_PLATFORM_EID    lines with errors: *out holds them (and the good
 *                          EIDs), the caller reports and frees it.
 * The target is left unset. */
aw_err platform_batch_parse_csv(const uint8_t *body, size_t len, platform_batch **out);

/* JSON order body {"eids": ["...", ...], "profileType": "..."} or with
 * "numberPool" instead (exactly one of them, 1..PLATFORM_TARGET_MAX of
 * [A-Za-z0-9._-]). Errors as the CSV parser's, plus AW_ERR_PLATFORM_JSON
 * (not one object within bounds) and AW_ERR_PLATFORM_FIELD (unknown member,
 * "eids" not an array, target missing, doubled or malformed). */
aw_err platform_batch_parse_json(const uint8_t *body, size_t len, platform_batch **out);

/* Target name form. */
bool platform_target_valid(const char *name);

/* ---- Write orders (orders.c) -------------------------------------------- */

#define PLATFORM_ORDER_ID_LENGTH 28u /* "ord_" + 24 hex digits */
#define PLATFORM_IDEMPOTENCY_KEY_MAX 64u
#define PLATFORM_ITEMS_PAGE_MAX 1000u
#define PLATFORM_ITEMS_PAGE_DEFAULT 100u

typedef struct platform_order {
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char idempotency_key[PLATFORM_IDEMPOTENCY_KEY_MAX + 1]; /* "" if none */
    platform_target_kind target_kind;
    char target[PLATFORM_TARGET_MAX + 1];
    char status[PLATFORM_STATE_MAX + 1];
    int64_t item_count;
    /* items per status: pending, in_progress, written, failed, cancelled
     * (counters kept with the items, order_progress.c) */
    int64_t progress[5];
    int64_t created_at_ms;
    int64_t updated_at_ms;
} platform_order;

/* Item statuses in the order of platform_order.progress. */
extern const char *const platform_item_statuses[5];

/* Idempotency-Key form: 1..64 of [A-Za-z0-9_.:-]. */
bool platform_idempotency_key_valid(const char *key);

/* Create an order of app (its tenant) from a parsed batch without line
 * errors and with its target set; every item pending ("accepted" order).
 * request_hash: SHA-256 of what identifies the request (api.c hashes the
 * query and body), compared when idempotency_key (NULL: none) was seen
 * before for the tenant: the same hash gives the existing order with
 * *created false; another hash AW_ERR_PLATFORM_IDEMPOTENCY. The order,
 * its items and their history rows are written in one transaction. AW_ERR_ARGUMENT: batch with errors or no
 * target. */
aw_err platform_order_create(db_connection *db, const platform_app *app,
                             const char *idempotency_key, const uint8_t request_hash[32],
                             const platform_batch *batch, int64_t now_ms, platform_order *order,
                             bool *created);

/* The order with its progress, if it belongs to tenant.
 * AW_ERR_PLATFORM_ORDER_UNKNOWN otherwise (also a malformed id). */
aw_err platform_order_get(db_connection *db, const char *tenant, const char *order_id,
                          platform_order *order);

/* ---- Order list (order_list.c) ---- */

#define PLATFORM_ORDER_PAGE_MAX 200u     /* as the query routes' pages */
#define PLATFORM_ORDER_PAGE_DEFAULT 50u
/* cursor: "<createdAt ms>_<orderId>" of the last order of a page */
#define PLATFORM_ORDER_CURSOR_SIZE (18u + 1u + PLATFORM_ORDER_ID_LENGTH + 1u)

typedef struct platform_order_filter {
    const char *status;               /* NULL: any; else an order state (docs/lifecycle.md) */
    platform_target_kind target_kind; /* with target */
    const char *target;               /* NULL: any target */
    int64_t created_from_ms;          /* created at or after; 0: no bound */
    int64_t created_to_ms;            /* created before; 0: no bound */
} platform_order_filter;

/* Tenant's orders matching filter (NULL: all), newest first (createdAt,
 * then orderId, both descending), after cursor (NULL: from the newest; else
 * a next_cursor of an earlier page), at most limit (1..PLATFORM_ORDER_PAGE_MAX).
 * orders malloc'd (NULL when count is 0); next_cursor "" on the last page.
 * AW_ERR_PLATFORM_FIELD: bad status, target, time bound, cursor or limit. */
aw_err platform_order_list(db_connection *db, const char *tenant,
                           const platform_order_filter *filter, const char *cursor, size_t limit,
                           platform_order **orders, size_t *count,
                           char next_cursor[PLATFORM_ORDER_CURSOR_SIZE]);

typedef struct platform_order_item {
    int64_t id;                         /* the cursor of the next page starts after it */
    char eid[PLATFORM_EID_DIGITS + 1];
    int64_t line;
    char status[PLATFORM_STATE_MAX + 1];
    char error_code[8];                 /* "" unless failed */
    int64_t updated_at_ms;
    int64_t started_at_ms;              /* first claimed by the executor; 0: not yet */
    int64_t finished_at_ms;             /* written, failed or cancelled; 0: not yet */
} platform_order_item;

/* Items of tenant's order after item id after_id (0: from the start),
 * status NULL or one of platform_item_statuses, at most limit
 * (1..PLATFORM_ITEMS_PAGE_MAX). *more tells whether items follow.
 * AW_ERR_PLATFORM_ORDER_UNKNOWN; AW_ERR_PLATFORM_FIELD: bad status or limit. */
aw_err platform_order_list_items(db_connection *db, const char *tenant, const char *order_id,
                                 const char *status, int64_t after_id, size_t limit,
                                 platform_order_item **items, size_t *count, bool *more);

/* Cancel: the order (accepted or processing) and its pending items become
 * cancelled, recorded with actor. AW_ERR_PLATFORM_ORDER_STATE in another
 * state; AW_ERR_PLATFORM_ORDER_UNKNOWN. */
aw_err platform_order_cancel(db_connection *db, const char *tenant, const char *order_id,
                             const char *actor, int64_t now_ms, platform_order *order);

/* Retry: failed items go back to pending (a finished order back to
 * processing); *retried receives how many. AW_ERR_PLATFORM_ORDER_STATE for
 * a cancelled order or one without failed items; AW_ERR_PLATFORM_ORDER_UNKNOWN. */
aw_err platform_order_retry(db_connection *db, const char *tenant, const char *order_id,
                            const char *actor, int64_t now_ms, platform_order *order,
                            int64_t *retried);

/* The executor's step (the SM-DP+ ES2+ order and eIM download trigger of
 * the next part of issue 6 call it): move one item to status to, checked
 * against the item machine; error_code (an A/W/T code, NULL) is kept with a
 * failure. The order follows: its first item starting makes it processing;
 * when no item is pending or in progress it becomes completed (all written),
 * failed (none written) or partially_completed.
 * AW_ERR_NOT_FOUND: no such item; AW_ERR_PLATFORM_TRANSITION. */
aw_err platform_order_item_transition(db_connection *db, const char *order_id, const char *eid,
                                      const char *to, const char *error_code, const char *cause,
                                      const char *actor, int64_t now_ms);

#endif
