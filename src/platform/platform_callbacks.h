/* airwrite platform: callbacks and their deliveries, part of the
 * platform's one public header (included by platform/platform.h where
 * this section stood; include that, not this). */
#ifndef AIRWRITE_PLATFORM_PLATFORM_CALLBACKS_H
#define AIRWRITE_PLATFORM_PLATFORM_CALLBACKS_H

/* ---- Callbacks (callbacks.c, callback_delivery.c) ------------------------ */

/* Apps register HTTPS URLs that receive the platform's events, POSTed and
 * signed like requests (docs/api-callbacks.md). Events are written in the
 * same transaction as the state change that causes them (one delivery row
 * and one db_queue job per subscribed callback of the tenant); a worker
 * delivers them, retrying with exponential backoff, and a delivery that
 * used up its attempts becomes a dead letter that can be replayed. */

#define PLATFORM_CALLBACK_ID_LENGTH 27u   /* "cb_" + 24 hex digits */
#define PLATFORM_DELIVERY_ID_LENGTH 28u   /* "dlv_" + 24 hex digits */
#define PLATFORM_EVENT_ID_LENGTH 28u      /* "evt_" + 24 hex digits */
#define PLATFORM_CALLBACK_URL_MAX 512u
#define PLATFORM_CALLBACK_SECRET_LENGTH 64u
#define PLATFORM_CALLBACKS_PER_APP_MAX 16u
#define PLATFORM_CALLBACK_MAX_ATTEMPTS 6
#define PLATFORM_CALLBACK_BACKOFF_MS 5000 /* first retry; doubles each time */
#define PLATFORM_CALLBACK_QUEUE "platform.callback"

/* Event types, as bits of a subscription. */
typedef enum platform_event_type {
    PLATFORM_EVENT_ORDER_ACCEPTED = 1 << 0,   /* "order.accepted" */
    PLATFORM_EVENT_ORDER_FINISHED = 1 << 1,   /* "order.finished": completed, partially
                                               * completed, failed or cancelled */
    PLATFORM_EVENT_ITEM_WRITTEN = 1 << 2,     /* "item.written" */
    PLATFORM_EVENT_ITEM_FAILED = 1 << 3,      /* "item.failed" */
    PLATFORM_EVENT_LIFECYCLE_CHANGED = 1 << 4, /* "lifecycle.changed": card, profile, number */
    PLATFORM_EVENT_EXCEPTION_RAISED = 1 << 5, /* "exception.raised": a failure with its
                                               * A/W/I/T code (the standard's exceptions) */
    PLATFORM_EVENT_CARD_OPERATION_FINISHED = 1 << 6, /* "card.operation.finished": enable,
                                               * disable, delete, switch succeeded or failed */
    PLATFORM_EVENT_EXCEPTION_ESCALATED = 1 << 7, /* "exception.escalated": a graded exception
                                               * passed its time limit (docs/exceptions.md) */
} platform_event_type;
#define PLATFORM_EVENT_ALL 0xff

/* "order.accepted", ...; NULL for anything but one bit of the set. */
const char *platform_event_type_name(platform_event_type type);
/* The bit of a name; 0 if unknown. */
platform_event_type platform_event_type_from_name(const char *name);

typedef struct platform_callback {
    char callback_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    char url[PLATFORM_CALLBACK_URL_MAX + 1];
    unsigned events;                  /* platform_event_type bits */
    int64_t created_at_ms;
} platform_callback;

/* URL form: https://host[:port][/path][?query], at most
 * PLATFORM_CALLBACK_URL_MAX printable characters, no user info, fragment,
 * spaces or control characters. */
bool platform_callback_url_valid(const char *url);

/* Register url for app with its signing secret (exactly 64 of
 * [A-Za-z0-9_-], sealed under the ring's current key) and the events it
 * wants (a non-empty subset of PLATFORM_EVENT_ALL). AW_ERR_PLATFORM_FIELD:
 * bad url, secret or events; AW_ERR_STATE: the app already has url;
 * AW_ERR_LIMIT: PLATFORM_CALLBACKS_PER_APP_MAX reached. */
aw_err platform_callback_register(db_connection *db, const platform_key_ring *ring,
                                  const platform_app *app, const char *url, const char *secret,
                                  unsigned events, int64_t now_ms, platform_callback *out);

/* The app's callbacks, oldest first (at most PLATFORM_CALLBACKS_PER_APP_MAX);
 * list malloc'd, NULL when count is 0. */
aw_err platform_callback_list(db_connection *db, const char *app_id, platform_callback **list,
                              size_t *count);

/* Delete one of app_id's callbacks (its pending deliveries then die as
 * they are tried). AW_ERR_NOT_FOUND: not one of the app's. */
aw_err platform_callback_delete(db_connection *db, const char *app_id, const char *callback_id);

/* Write event type for tenant with data (a JSON object's text, copied
 * into the body) for every callback of the tenant subscribed to it: one
 * delivery row and one queue job each, in the caller's transaction (or
 * one of its own). The body is {"eventId","type","tenant","occurredAt",
 * "data"}. queued (may be NULL) receives how many deliveries were made. */
aw_err platform_event_emit(db_connection *db, const char *tenant, platform_event_type type,
                           const char *data_json, int64_t now_ms, int64_t *queued);

typedef struct platform_delivery_stats {
    int64_t delivered;   /* answered 2xx */
    int64_t retrying;    /* failed, queued again after the backoff */
    int64_t dead;        /* failed for the last time: dead letters */
} platform_delivery_stats;

struct http_client;
/* One round of the delivery worker: claim up to limit due jobs as worker
 * (a name, e.g. "host:pid:thread") and POST each, signed with its
 * callback's secret, through client (BLOCKING: call it from a worker
 * thread, never from the event loop). Retries and dead letters as above;
 * stats (may be NULL) adds up the outcomes. Errors of the database or the
 * ring stop the round; an unreachable or failing receiver is no error. */
aw_err platform_callback_deliver(db_connection *db, const platform_key_ring *ring,
                                 struct http_client *client, const char *worker, size_t limit,
                                 int64_t now_ms, platform_delivery_stats *stats);

typedef struct platform_dead_letter {
    char delivery_id[PLATFORM_DELIVERY_ID_LENGTH + 1];
    char callback_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    char event_id[PLATFORM_EVENT_ID_LENGTH + 1];
    char event_type[24];
    int64_t attempts;
    int64_t last_status;   /* HTTP status of the last attempt, 0: no answer */
    int64_t seq;           /* paging cursor */
    int64_t failed_at_ms;
} platform_dead_letter;

/* Dead letters of tenant after seq after (0: from the start), oldest
 * first, at most limit (1..PLATFORM_ITEMS_PAGE_MAX); *more tells whether
 * others follow. AW_ERR_PLATFORM_FIELD: bad limit or cursor. */
aw_err platform_dead_letter_list(db_connection *db, const char *tenant, int64_t after,
                                 size_t limit, platform_dead_letter **list, size_t *count,
                                 bool *more);

/* Queue a dead letter of tenant again with fresh attempts.
 * AW_ERR_NOT_FOUND: no such dead letter in the tenant (also one already
 * replayed and pending or delivered). */
aw_err platform_dead_letter_replay(db_connection *db, const char *tenant,
                                   const char *delivery_id, int64_t now_ms);

#endif
