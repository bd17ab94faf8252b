/* airwrite platform: group commit of POST /api/v1/orders (写卡申请 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》, issue 6 throughput goal).
 *
 * The handler runs the call's chain (signature, timestamp, app, rate limit,
 * bearer token, role) and parses the order, then hands it here and defers
 * its request. The calls that arrive while the loop is busy wait together;
 * at the loop's next turn (or after order_commit_delay_ms) one transaction
 * records, for each call in turn inside its own savepoint: the nonce and
 * daily quota the chain left to it (api.c), then the order with its items,
 * jobs, history, event and audit record (orders.c, api_rbac.c). One COMMIT,
 * so one WAL sync on SQLite and one commit round trip on PostgreSQL, for
 * the whole batch; each request is answered only after it:
 *   - a call refused (replayed nonce, quota, scope, idempotency conflict,
 *     a statement failing in its savepoint) is rolled back to its savepoint
 *     alone: the others' orders stand, and its nonce and quota stay spent;
 *   - two calls with one Idempotency-Key in one batch: the second finds the
 *     first's order in the same transaction and answers it as a repeat;
 *   - the transaction failing whole (BEGIN, a savepoint statement, COMMIT)
 *     stores nothing of the batch, and every waiting call is answered with
 *     that error (I9001, or I9002 when the database is busy or unreachable);
 *   - a crash before the commit loses only calls not yet answered.
 * Everything runs on the server's loop thread, on its connection: no
 * transaction stays open while the loop waits (other routes never see one),
 * and the sync blocks the loop while the next batch gathers in the socket
 * buffers. docs/ARCHITECTURE.md "Group commit of orders". */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "platform/order_commit.h"

#define SAVEPOINT "SAVEPOINT order_commit"
#define ROLLBACK_TO "ROLLBACK TO SAVEPOINT order_commit"
#define RELEASE "RELEASE SAVEPOINT order_commit"

/* One waiting call and, once its savepoint is over, its outcome. */
typedef struct order_waiting {
    platform_order_submission submission;
    aw_err err;
    int64_t retry_after_s;
    platform_order order;
    bool created;
} order_waiting;

struct platform_order_committer {
    platform_api *api;
    struct event_base *base;
    struct timeval delay;
    bool scheduled;                 /* a flush timer is pending */
    order_waiting *waiting;         /* PLATFORM_ORDER_COMMIT_BATCH_MAX slots */
    size_t count;
    size_t eids;                    /* items of the waiting orders */
    platform_order_commit_stats stats;
};

aw_err platform_order_committer_new(platform_api *api, struct event_base *base,
                                    unsigned delay_ms, platform_order_committer **out)
{
    *out = NULL;
    platform_order_committer *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    c->waiting = calloc(PLATFORM_ORDER_COMMIT_BATCH_MAX, sizeof(*c->waiting));
    if (c->waiting == NULL) {
        free(c);
        return AW_ERR_NOMEM;
    }
    c->api = api;
    c->base = base;
    c->delay.tv_sec = (time_t)(delay_ms / 1000u);
    c->delay.tv_usec = (suseconds_t)((delay_ms % 1000u) * 1000u);
    *out = c;
    return AW_OK;
}

void platform_order_committer_free(platform_order_committer *committer)
{
    if (committer == NULL)
        return;
    for (size_t i = 0; i < committer->count; i++) {
        platform_batch_free(committer->waiting[i].submission.batch);
        http_request_complete(committer->waiting[i].submission.call.request);
    }
    free(committer->waiting);
    free(committer);
}

void platform_api_order_commit_stats(const struct platform_api *api,
                                     platform_order_commit_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (api != NULL && api->order_committer != NULL)
        *out = api->order_committer->stats;
}

/* The writes the chain deferred (api.c authenticate): the nonce once, then
 * the daily quota. A replay or an exhausted quota is a refusal, not a
 * database error: their upserts change nothing and leave the transaction
 * usable. */
static aw_err record_call(db_connection *db, const api_call *call, int64_t *retry_after_s)
{
    *retry_after_s = 0;
    aw_err err = AW_OK;
    if (call->deferred_nonce != NULL)
        err = platform_nonce_record(db, call->app.app_id, call->deferred_nonce,
                                    call->deferred_nonce_expires_at_ms, call->now_ms);
    if (err == AW_OK && call->deferred_quota)
        err = platform_quota_take(db, call->app.app_id, &call->app.limits,
                                  call->api->config.quota_utc_offset_minutes, call->now_ms,
                                  retry_after_s);
    return err;
}

void platform_order_commit_record_refused(api_call *call)
{
    if (!call->writes_deferred || (call->deferred_nonce == NULL && !call->deferred_quota))
        return;
    db_connection *db = call->api->config.db;
    /* nonce and quota in one commit, as the chain does for other routes */
    bool own = !db_in_transaction(db) && db_begin(db) == AW_OK;
    int64_t retry_after_s = 0;
    (void)record_call(db, call, &retry_after_s);
    if (own)
        (void)db_commit(db);
}

/* Number resources and scope (scope.c, A4001..A4004), the order, and the
 * audit record of who ordered: without that record the order is taken
 * back (I9001, as api_rbac.c wants every order attributed). */
static aw_err create_order(db_connection *db, order_waiting *w)
{
    platform_order_submission *s = &w->submission;
    const platform_batch *batch = s->batch;
    aw_err err = platform_order_check_target(db, s->call.app.tenant, s->idempotency_key,
                                             batch->target_kind, batch->target, batch->count,
                                             s->call.now_ms);
    if (err == AW_OK)
        err = platform_order_create(db, &s->call.app, s->idempotency_key, s->request_hash, batch,
                                    s->call.now_ms, &w->order, &w->created);
    if (err == AW_OK && w->created &&
        platform_api_audit(&s->call, "order.create", w->order.order_id, AUDIT_OUTCOME_SUCCESS,
                           NULL) != AW_OK)
        err = AW_ERR_STATE;
    return err;
}

static bool is_refusal(aw_err err)
{
    return err == AW_ERR_PLATFORM_NONCE_REPLAYED || err == AW_ERR_PLATFORM_QUOTA_EXHAUSTED;
}

/* One call in its savepoint of the batch's transaction; its outcome in w.
 * Returns an error only when the transaction itself is lost (a savepoint
 * statement failed): then the whole batch fails. */
static aw_err run_one(db_connection *db, order_waiting *w)
{
    platform_order_submission *s = &w->submission;
    aw_err err = db_execute(db, SAVEPOINT, NULL, 0, NULL);
    if (err != AW_OK)
        return err;
    w->err = record_call(db, &s->call, &w->retry_after_s);
    if (w->err != AW_OK && !is_refusal(w->err)) {
        /* a statement failed: nothing of the call stays */
        err = db_execute(db, ROLLBACK_TO, NULL, 0, NULL);
    } else if (w->err == AW_OK && s->refused != AW_OK) {
        w->err = s->refused; /* its nonce and quota stay spent */
    } else if (w->err == AW_OK) {
        /* a second attempt only for a key another process inserted
         * meanwhile (PostgreSQL READ COMMITTED): now it finds that order */
        for (int attempt = 0; attempt < 2 && err == AW_OK; attempt++) {
            w->err = create_order(db, w);
            if (w->err == AW_OK)
                break;
            /* the order's rows go, the call's nonce and quota are recorded
             * again: a refused order still spent them */
            err = db_execute(db, ROLLBACK_TO, NULL, 0, NULL);
            int64_t ignored = 0;
            aw_err again = err == AW_OK ? record_call(db, &s->call, &ignored) : AW_OK;
            if (again != AW_OK) {
                w->err = again;
                err = is_refusal(again) ? AW_OK : db_execute(db, ROLLBACK_TO, NULL, 0, NULL);
                break;
            }
            if (w->err != AW_ERR_DB_UNIQUE || s->idempotency_key == NULL)
                break;
        }
    }
    if (err == AW_OK)
        err = db_execute(db, RELEASE, NULL, 0, NULL);
    return err;
}

/* Answer every waiting call with its outcome, or all with failed. */
static void answer_all(platform_order_committer *c, size_t count, aw_err failed)
{
    for (size_t i = 0; i < count; i++) {
        order_waiting *w = &c->waiting[i];
        platform_order_submission *s = &w->submission;
        aw_err err = failed != AW_OK ? failed : w->err;
        platform_api_order_answer(&s->call, err, err == w->err ? w->retry_after_s : 0, s->batch,
                                  &w->order, w->created);
        http_request_complete(s->call.request);
        platform_batch_free(s->batch);
        memset(w, 0, sizeof(*w));
    }
}

/* The shared transaction of every waiting call, then their answers. */
static void flush(platform_order_committer *c)
{
    size_t count = c->count;
    if (count == 0)
        return;
    db_connection *db = c->api->config.db;
    c->stats.batches++;
    c->stats.submissions += count;
    if (count > c->stats.largest_batch)
        c->stats.largest_batch = count;
    /* on the loop thread nothing else holds a transaction here */
    aw_err failed = db_in_transaction(db) ? AW_ERR_STATE : db_begin(db);
    bool begun = failed == AW_OK;
    for (size_t i = 0; failed == AW_OK && i < count; i++)
        failed = run_one(db, &c->waiting[i]);
    if (failed == AW_OK)
        failed = db_commit(db); /* rolls back itself when it fails */
    else if (begun)
        (void)db_rollback(db);
    if (failed != AW_OK)
        c->stats.failed_batches++;
    c->count = 0;
    c->eids = 0;
    answer_all(c, count, failed);
}

static void flush_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    platform_order_committer *c = arg;
    c->scheduled = false;
    flush(c);
}

void platform_order_commit_submit(platform_order_committer *c,
                                  platform_order_submission *submission)
{
    if (http_request_defer(submission->call.request) != AW_OK) {
        /* not from its handler: a broken caller; answered now, recorded */
        platform_order_commit_record_refused(&submission->call);
        platform_api_order_answer(&submission->call, AW_ERR_STATE, 0, NULL, NULL, false);
        platform_batch_free(submission->batch);
        submission->batch = NULL;
        return;
    }
    order_waiting *w = &c->waiting[c->count++];
    memset(w, 0, sizeof(*w));
    w->submission = *submission;
    submission->batch = NULL;
    if (w->submission.batch != NULL)
        c->eids += w->submission.batch->count;
    /* a full batch, or no loop to wait on: commit now (the handler's own
     * request is then answered as it returns) */
    if (c->count == PLATFORM_ORDER_COMMIT_BATCH_MAX || c->eids >= PLATFORM_BATCH_MAX_EIDS ||
        c->base == NULL) {
        flush(c);
        return;
    }
    if (!c->scheduled &&
        event_base_once(c->base, -1, EV_TIMEOUT, flush_timer, c, &c->delay) == 0) {
        c->scheduled = true;
        return;
    }
    if (!c->scheduled)
        flush(c); /* no timer to be had: commit alone */
}
