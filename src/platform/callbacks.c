/* airwrite platform: callbacks (事件通知) of 《物联网 eSIM 空中写卡技术应用服务规范》:
 * apps register HTTPS URLs with a signing secret and the events they want;
 * the platform's state changes write their events here, in the same
 * transaction as the change (transactional outbox: a delivery row and a
 * core db_queue job per subscribed callback), and callback_delivery.c
 * POSTs them. Dead letters (deliveries that used up their attempts) are
 * listed and replayed per tenant. docs/api-callbacks.md is the contract. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/db_queue.h"
#include "core/hex.h"
#include "platform/platform_internal.h"

static const char *const event_names[] = {"order.accepted",   "order.finished",
                                          "item.written",     "item.failed",
                                          "lifecycle.changed", "exception.raised",
                                          "card.operation.finished", "exception.escalated"};
#define EVENT_COUNT (sizeof(event_names) / sizeof(event_names[0]))

const char *platform_event_type_name(platform_event_type type)
{
    for (size_t i = 0; i < EVENT_COUNT; i++)
        if ((unsigned)type == 1u << i)
            return event_names[i];
    return NULL;
}

platform_event_type platform_event_type_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < EVENT_COUNT; i++)
        if (strcmp(name, event_names[i]) == 0)
            return (platform_event_type)(1u << i);
    return (platform_event_type)0;
}

aw_err platform_random_id(const char *prefix, char *out, size_t length)
{
    size_t prefix_len = strlen(prefix);
    uint8_t random[16];
    size_t hex = length - prefix_len;
    if (hex % 2 != 0 || hex / 2 > sizeof(random))
        return AW_ERR_ARGUMENT;
    aw_err err = crypto_random_bytes(random, hex / 2);
    if (err != AW_OK)
        return err;
    memcpy(out, prefix, prefix_len);
    aw_hex_encode(random, hex / 2, out + prefix_len, false);
    out[length] = '\0';
    return AW_OK;
}

bool platform_callback_url_valid(const char *url)
{
    static const char scheme[] = "https://";
    if (url == NULL || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
        return false;
    size_t len = strlen(url);
    if (len > PLATFORM_CALLBACK_URL_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '#')
            return false;
    const char *host = url + sizeof(scheme) - 1;
    size_t authority = strcspn(host, "/?");
    /* a host is required; user info ("user@") is refused: credentials do
     * not belong in a stored URL */
    return authority > 0 && memchr(host, '@', authority) == NULL && host[0] != ':';
}

static bool secret_valid(const char *secret)
{
    return secret != NULL && strlen(secret) == PLATFORM_CALLBACK_SECRET_LENGTH &&
           strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
               PLATFORM_CALLBACK_SECRET_LENGTH;
}

typedef struct register_args {
    const platform_key_ring *ring;
    const platform_app *app;
    const char *url;
    const char *secret;
    unsigned events;
    int64_t now_ms;
    platform_callback *out;
} register_args;

static aw_err register_in(db_connection *db, void *arg)
{
    register_args *a = arg;
    platform_callback *cb = a->out;
    int64_t count = 0;
    db_param app[] = {DB_PARAM_TEXT(a->app->app_id), DB_PARAM_TEXT(a->url)};
    aw_err err = db_query_int64(db, "SELECT COUNT(*) FROM platform_callbacks WHERE app_id = ?",
                                app, 1, &count);
    if (err == AW_OK && count >= (int64_t)PLATFORM_CALLBACKS_PER_APP_MAX)
        err = AW_ERR_LIMIT;
    int64_t same = 0;
    if (err == AW_OK)
        err = db_query_int64(db,
                             "SELECT COUNT(*) FROM platform_callbacks WHERE app_id = ? AND url = ?",
                             app, 2, &same);
    if (err == AW_OK && same != 0)
        err = AW_ERR_STATE;
    if (err == AW_OK)
        err = platform_random_id("cb_", cb->callback_id, PLATFORM_CALLBACK_ID_LENGTH);
    uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE];
    uint32_t key_id = 0;
    if (err == AW_OK)
        /* the AAD is the callback id: a sealed secret cannot move to another row */
        err = platform_key_ring_seal(a->ring, cb->callback_id, a->secret, sealed, &key_id);
    if (err != AW_OK)
        return err;
    snprintf(cb->app_id, sizeof(cb->app_id), "%s", a->app->app_id);
    snprintf(cb->tenant, sizeof(cb->tenant), "%s", a->app->tenant);
    snprintf(cb->url, sizeof(cb->url), "%s", a->url);
    cb->events = a->events;
    cb->created_at_ms = a->now_ms;
    db_param params[] = {DB_PARAM_TEXT(cb->callback_id),     DB_PARAM_TEXT(cb->tenant),
                         DB_PARAM_TEXT(cb->app_id),          DB_PARAM_TEXT(cb->url),
                         DB_PARAM_INT64(cb->events),         DB_PARAM_INT64(key_id),
                         DB_PARAM_BLOB(sealed, sizeof(sealed)), DB_PARAM_INT64(a->now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_callbacks (callback_id, tenant, app_id, url, events, "
                      "key_id, secret_encrypted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      params, 8, NULL);
}

aw_err platform_callback_register(db_connection *db, const platform_key_ring *ring,
                                  const platform_app *app, const char *url, const char *secret,
                                  unsigned events, int64_t now_ms, platform_callback *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || ring == NULL || app == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_callback_url_valid(url) || !secret_valid(secret) || events == 0 ||
        (events & ~(unsigned)PLATFORM_EVENT_ALL) != 0)
        return AW_ERR_PLATFORM_FIELD;
    register_args a = {.ring = ring, .app = app, .url = url, .secret = secret, .events = events,
                       .now_ms = now_ms, .out = out};
    aw_err err = platform_in_transaction(db, register_in, &a);
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}

static aw_err copy_text(db_rows *rows, size_t column, char *out, size_t size)
{
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_OK && strlen(text) >= size)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, strlen(text) + 1);
    return err;
}

aw_err platform_callback_list(db_connection *db, const char *app_id, platform_callback **list,
                              size_t *count)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || app_id == NULL || list == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    platform_callback *items = calloc(PLATFORM_CALLBACKS_PER_APP_MAX, sizeof(*items));
    if (items == NULL)
        return AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(app_id),
                         DB_PARAM_INT64((int64_t)PLATFORM_CALLBACKS_PER_APP_MAX)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT callback_id, app_id, tenant, url, events, created_at FROM "
                          "platform_callbacks WHERE app_id = ? ORDER BY created_at, callback_id "
                          "LIMIT ?",
                          params, 2, &rows);
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK && n < PLATFORM_CALLBACKS_PER_APP_MAX) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        platform_callback *cb = &items[n];
        int64_t events = 0;
        err = copy_text(rows, 0, cb->callback_id, sizeof(cb->callback_id));
        if (err == AW_OK)
            err = copy_text(rows, 1, cb->app_id, sizeof(cb->app_id));
        if (err == AW_OK)
            err = copy_text(rows, 2, cb->tenant, sizeof(cb->tenant));
        if (err == AW_OK)
            err = copy_text(rows, 3, cb->url, sizeof(cb->url));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 4, &events);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &cb->created_at_ms);
        cb->events = (unsigned)events;
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(items);
        return err;
    }
    *list = items;
    *count = n;
    return AW_OK;
}

aw_err platform_callback_delete(db_connection *db, const char *app_id, const char *callback_id)
{
    if (db == NULL || app_id == NULL || callback_id == NULL)
        return AW_ERR_ARGUMENT;
    db_param params[] = {DB_PARAM_TEXT(callback_id), DB_PARAM_TEXT(app_id)};
    int64_t changes = 0;
    aw_err err = db_execute(db, "DELETE FROM platform_callbacks WHERE callback_id = ? AND app_id = ?",
                            params, 2, &changes);
    if (err == AW_OK && changes == 0)
        err = AW_ERR_NOT_FOUND;
    return err;
}

/* ---- Emitting events ----------------------------------------------------- */

/* Queue one delivery (row + job) of body to callback_id. */
static aw_err delivery_queue(db_connection *db, const char *delivery_id, int64_t replays,
                             int64_t now_ms)
{
    char dedupe[PLATFORM_DELIVERY_ID_LENGTH + 24];
    snprintf(dedupe, sizeof(dedupe), "%s:%lld", delivery_id, (long long)replays);
    db_job_spec spec = {.queue = PLATFORM_CALLBACK_QUEUE,
                        .kind = "deliver",
                        .payload = delivery_id,
                        .payload_len = strlen(delivery_id),
                        .dedupe_key = dedupe,
                        .max_attempts = PLATFORM_CALLBACK_MAX_ATTEMPTS,
                        .backoff_ms = PLATFORM_CALLBACK_BACKOFF_MS};
    int64_t job_id = 0;
    return db_queue_enqueue(db, &spec, now_ms, &job_id, NULL);
}

/* The event's body is built only once a subscribed callback wants it: most
 * state changes of a tenant without callbacks then cost one indexed read
 * (an accepted order's profile had the JSON of an event nobody receives
 * take a fifth of its creation). Built once, it is kept for a retried
 * transaction, with its event id, as when it was built before. */
typedef struct emit_args {
    const char *tenant;
    platform_event_type type;
    json_t *data;        /* the event's data object (borrowed), or */
    const char *format;  /* its json_pack format and arguments */
    va_list *format_args;
    int64_t now_ms;
    char event_id[PLATFORM_EVENT_ID_LENGTH + 1];
    char *body;          /* NULL until a callback wants the event */
    int64_t queued;
} emit_args;

/* The event's JSON: eventId, type, tenant, occurredAt, data. */
static aw_err emit_body(emit_args *a)
{
    if (a->body != NULL)
        return AW_OK;
    aw_err err = platform_random_id("evt_", a->event_id, PLATFORM_EVENT_ID_LENGTH);
    if (err != AW_OK)
        return err;
    json_t *data = a->data != NULL ? json_incref(a->data)
                                   : json_vpack_ex(NULL, 0, a->format, *a->format_args);
    if (data != NULL && !json_is_object(data)) { /* a format that is no object */
        json_decref(data);
        return AW_ERR_ARGUMENT;
    }
    json_t *event = data != NULL ? json_pack("{s:s, s:s, s:s, s:I, s:o}", "eventId",
                                             a->event_id, "type",
                                             platform_event_type_name(a->type), "tenant",
                                             a->tenant, "occurredAt", (json_int_t)a->now_ms,
                                             "data", data)
                                 : NULL;
    a->body = event != NULL ? json_dumps(event, JSON_COMPACT) : NULL;
    json_decref(event);
    return a->body != NULL ? AW_OK : AW_ERR_NOMEM;
}

static aw_err emit_in(db_connection *db, void *arg)
{
    emit_args *a = arg;
    a->queued = 0;
    db_param key[] = {DB_PARAM_TEXT(a->tenant)};
    db_rows *rows = NULL;
    /* the subscribed callbacks first (one statement per connection at a
     * time): at most the tenant's apps x PLATFORM_CALLBACKS_PER_APP_MAX */
    aw_err err = db_query(db,
                          "SELECT callback_id, events FROM platform_callbacks WHERE tenant = ? "
                          "ORDER BY callback_id",
                          key, 1, &rows);
    char (*ids)[PLATFORM_CALLBACK_ID_LENGTH + 1] = NULL;
    size_t n = 0, cap = 0;
    bool has_row = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        int64_t events = 0;
        err = db_rows_get_int64(rows, 1, &events);
        if (err != AW_OK || ((unsigned)events & (unsigned)a->type) == 0)
            continue;
        if (n == cap) {
            size_t next = cap == 0 ? 8 : cap * 2;
            void *grown = realloc(ids, next * sizeof(*ids));
            if (grown == NULL) {
                err = AW_ERR_NOMEM;
                break;
            }
            ids = grown;
            cap = next;
        }
        err = copy_text(rows, 0, ids[n], sizeof(ids[n]));
        n++;
    }
    db_rows_free(rows);
    if (err == AW_OK && n > 0)
        err = emit_body(a);
    for (size_t i = 0; err == AW_OK && i < n; i++) {
        char delivery_id[PLATFORM_DELIVERY_ID_LENGTH + 1];
        err = platform_random_id("dlv_", delivery_id, PLATFORM_DELIVERY_ID_LENGTH);
        db_param params[] = {DB_PARAM_TEXT(delivery_id),
                             DB_PARAM_TEXT(a->tenant),
                             DB_PARAM_TEXT(ids[i]),
                             DB_PARAM_TEXT(a->event_id),
                             DB_PARAM_TEXT(platform_event_type_name(a->type)),
                             DB_PARAM_BLOB(a->body, strlen(a->body)),
                             DB_PARAM_INT64(a->now_ms),
                             DB_PARAM_INT64(a->now_ms)};
        if (err == AW_OK)
            err = db_execute(db,
                             "INSERT INTO platform_callback_deliveries (delivery_id, tenant, "
                             "callback_id, event_id, event_type, body, status, attempts, "
                             "last_status, replays, created_at, updated_at) VALUES (?, ?, ?, ?, "
                             "?, ?, 'pending', 0, 0, 0, ?, ?)",
                             params, 8, NULL);
        if (err == AW_OK)
            err = delivery_queue(db, delivery_id, 0, a->now_ms);
        if (err == AW_OK)
            a->queued++;
    }
    free(ids);
    return err;
}

aw_err platform_event_emit(db_connection *db, const char *tenant, platform_event_type type,
                           const char *data_json, int64_t now_ms, int64_t *queued)
{
    if (queued != NULL)
        *queued = 0;
    if (db == NULL || tenant == NULL || platform_event_type_name(type) == NULL ||
        data_json == NULL)
        return AW_ERR_ARGUMENT;
    json_t *data = json_loads(data_json, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        return AW_ERR_ARGUMENT;
    }
    emit_args a = {.tenant = tenant, .type = type, .data = data, .now_ms = now_ms};
    aw_err err = platform_in_transaction(db, emit_in, &a);
    json_decref(data);
    free(a.body);
    if (err == AW_OK && queued != NULL)
        *queued = a.queued;
    return err;
}

/* The data object straight from the format (json_pack of data, dumped and
 * parsed again, gave the same body at three times the cost). */
aw_err platform_event_emitf(db_connection *db, const char *tenant, platform_event_type type,
                            int64_t now_ms, const char *format, ...)
{
    if (db == NULL || tenant == NULL || platform_event_type_name(type) == NULL || format == NULL)
        return AW_ERR_ARGUMENT;
    va_list args;
    va_start(args, format);
    emit_args a = {.tenant = tenant, .type = type, .format = format, .format_args = &args,
                   .now_ms = now_ms};
    aw_err err = platform_in_transaction(db, emit_in, &a);
    va_end(args);
    free(a.body);
    return err;
}

/* ---- Dead letters ------------------------------------------------------------ */

aw_err platform_dead_letter_list(db_connection *db, const char *tenant, int64_t after,
                                 size_t limit, platform_dead_letter **list, size_t *count,
                                 bool *more)
{
    if (list != NULL)
        *list = NULL;
    if (count != NULL)
        *count = 0;
    if (more != NULL)
        *more = false;
    if (db == NULL || tenant == NULL || list == NULL || count == NULL || more == NULL)
        return AW_ERR_ARGUMENT;
    if (limit == 0 || limit > PLATFORM_ITEMS_PAGE_MAX || after < 0)
        return AW_ERR_PLATFORM_FIELD;
    platform_dead_letter *items = calloc(limit, sizeof(*items));
    if (items == NULL)
        return AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(tenant), DB_PARAM_INT64(after),
                         DB_PARAM_INT64((int64_t)limit + 1)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT seq, delivery_id, callback_id, event_id, event_type, attempts, "
                          "last_status, updated_at FROM platform_callback_deliveries WHERE "
                          "tenant = ? AND status = 'dead' AND seq > ? ORDER BY seq LIMIT ?",
                          params, 3, &rows);
    size_t n = 0;
    bool has_row = false;
    while (err == AW_OK) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (n == limit) {
            *more = true;
            break;
        }
        platform_dead_letter *d = &items[n];
        err = db_rows_get_int64(rows, 0, &d->seq);
        if (err == AW_OK)
            err = copy_text(rows, 1, d->delivery_id, sizeof(d->delivery_id));
        if (err == AW_OK)
            err = copy_text(rows, 2, d->callback_id, sizeof(d->callback_id));
        if (err == AW_OK)
            err = copy_text(rows, 3, d->event_id, sizeof(d->event_id));
        if (err == AW_OK)
            err = copy_text(rows, 4, d->event_type, sizeof(d->event_type));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 5, &d->attempts);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 6, &d->last_status);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 7, &d->failed_at_ms);
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(items);
        *more = false;
        return err;
    }
    *list = items;
    *count = n;
    return AW_OK;
}

typedef struct replay_args {
    const char *tenant;
    const char *delivery_id;
    int64_t now_ms;
} replay_args;

static aw_err replay_in(db_connection *db, void *arg)
{
    const replay_args *a = arg;
    db_param key[] = {DB_PARAM_TEXT(a->delivery_id), DB_PARAM_TEXT(a->tenant)};
    int64_t replays = 0;
    aw_err err = db_query_int64(db,
                                "SELECT replays FROM platform_callback_deliveries WHERE "
                                "delivery_id = ? AND tenant = ? AND status = 'dead'",
                                key, 2, &replays);
    if (err == AW_ERR_DB_NOT_FOUND)
        return AW_ERR_NOT_FOUND;
    db_param params[] = {DB_PARAM_INT64(replays + 1), DB_PARAM_INT64(a->now_ms),
                         DB_PARAM_TEXT(a->delivery_id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_callback_deliveries SET status = 'pending', "
                         "attempts = 0, replays = ?, updated_at = ? WHERE delivery_id = ?",
                         params, 3, NULL);
    if (err == AW_OK)
        err = delivery_queue(db, a->delivery_id, replays + 1, a->now_ms);
    return err;
}

aw_err platform_dead_letter_replay(db_connection *db, const char *tenant,
                                   const char *delivery_id, int64_t now_ms)
{
    if (db == NULL || tenant == NULL || delivery_id == NULL)
        return AW_ERR_ARGUMENT;
    replay_args a = {.tenant = tenant, .delivery_id = delivery_id, .now_ms = now_ms};
    return platform_in_transaction(db, replay_in, &a);
}
