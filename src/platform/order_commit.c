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
 * With a connection of its own (platform_api_config.order_db, airwrited's
 * default) the transaction runs on a committer thread: the loop thread
 * only closes a batch (at its next turn, or after the delay), hands it over
 * and answers it when the thread is done, so neither the statements nor the
 * sync hold the loop, and the batches grow while the thread is busy (what
 * arrives meanwhile waits for the next transaction, up to the batch limit).
 * Without one, everything runs on the loop thread on its connection, as a
 * library user without threads wants. Either way no transaction stays open
 * while a loop waits (other routes never see one). With committer threads
 * the other routes' calls join these transactions too (api.c
 * platform_api_run_chain): only their chain's writes, nonce and quota,
 * commit here, then the loop runs the route's handler again (or sends the
 * refusal the chain set), so no call syncs on the loop thread.
 * docs/ARCHITECTURE.md "Group commit of orders". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "platform/order_commit.h"

#define SAVEPOINT "SAVEPOINT order_commit"
#define ROLLBACK_TO "ROLLBACK TO SAVEPOINT order_commit"
#define RELEASE "RELEASE SAVEPOINT order_commit"

/* One waiting call and, once its savepoint is over, its outcome. */
typedef struct order_waiting {
    platform_order_submission submission;
    /* copies of the header values the submission names: the committer
     * thread never reads the request's headers, which go with its
     * connection when the client hangs up meanwhile */
    char idempotency_key[PLATFORM_IDEMPOTENCY_KEY_MAX + 1];
    char nonce[PLATFORM_NONCE_MAX + 1];
    aw_err err;
    int64_t retry_after_s;
    platform_order order;
    bool created;
} order_waiting;

/* Calls closed together (one loop turn, or a full batch). */
typedef struct commit_batch {
    struct commit_batch *next;
    size_t count;
    size_t eids;                    /* items of its orders */
    aw_err failed;                  /* the transaction's own failure, for every call */
    order_waiting waiting[PLATFORM_ORDER_COMMIT_BATCH_MAX];
} commit_batch;

struct platform_order_committer {
    platform_api *api;
    struct event_base *base;
    struct timeval delay;
    bool scheduled;                 /* a close timer is pending */
    commit_batch *open;             /* loop thread: the calls gathering */
    commit_batch *spare;            /* loop thread: an answered batch kept for reuse */
    /* the committer threads, each with a connection of its own */
    size_t thread_count;
    size_t started;                 /* threads running */
    struct committer_thread {
        platform_order_committer *committer;
        db_connection *db;
        pthread_t thread;
    } threads[PLATFORM_ORDER_COMMIT_THREADS_MAX];
    pthread_mutex_t lock;           /* the lists below, stop and stats */
    pthread_cond_t wake;
    bool cond_ready;
    commit_batch *queued;           /* closed, oldest first: for the thread */
    commit_batch *done;             /* over, oldest first: for the loop to answer */
    bool stop;
    int signal_fds[2];              /* the thread's "done" byte to the loop */
    struct event *done_event;
    platform_order_commit_stats stats;
};

static void list_append(commit_batch **list, commit_batch *batch)
{
    while (*list != NULL)
        list = &(*list)->next;
    *list = batch;
}

/* ---- One transaction ---------------------------------------------------------- */

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

bool platform_order_commit_call_has_writes(const api_call *call)
{
    return call->writes_deferred && (call->deferred_nonce != NULL || call->deferred_quota);
}

/* A refused call's deferred writes, committed alone on the loop's
 * connection. */
static void record_refused(api_call *call)
{
    if (!platform_order_commit_call_has_writes(call))
        return;
    db_connection *db = call->api->config.db;
    /* nonce and quota in one commit, as the chain does for other routes */
    bool own = !db_in_transaction(db) && db_begin(db) == AW_OK;
    int64_t retry_after_s = 0;
    (void)record_call(db, call, &retry_after_s);
    if (own)
        (void)db_commit(db);
}

/* Number resources and scope (scope.c, A4001..A4004), which only read,
 * then the order. *checked (checked may be NULL): the check passed, so a
 * failure came from the order's statements, which may have written. Its audit record follows at
 * the end of the transaction (run_batches). */
static aw_err create_order(db_connection *db, order_waiting *w, bool *checked)
{
    platform_order_submission *s = &w->submission;
    const platform_batch *batch = s->batch;
    aw_err err = platform_order_check_target(db, s->call.app.tenant, s->idempotency_key,
                                             batch->target_kind, batch->target, batch->count,
                                             s->call.now_ms);
    if (checked != NULL)
        *checked = err == AW_OK;
    if (err == AW_OK)
        err = platform_order_create(db, &s->call.app, s->idempotency_key, s->request_hash, batch,
                                    s->call.now_ms, &w->order, &w->created);
    return err;
}

/* The audit record of who ordered, for every order the transaction
 * created, in the calls' order. Last, so that on PostgreSQL the chain
 * head's row lock (core/audit.c) is held only from here to the COMMIT and
 * the committer threads' transactions run side by side until then. An
 * order is never kept without its record: one failing fails the whole
 * transaction (I9001 for every call, nothing kept). */
static aw_err audit_orders(db_connection *db, commit_batch *list)
{
    size_t count = 0, total = 0;
    for (commit_batch *b = list; b != NULL; b = b->next)
        total += b->count;
    api_call **calls = calloc(total, sizeof(*calls));
    const char **targets = calloc(total, sizeof(*targets));
    aw_err err = total == 0 || (calls != NULL && targets != NULL) ? AW_OK : AW_ERR_NOMEM;
    for (commit_batch *b = list; err == AW_OK && b != NULL; b = b->next)
        for (size_t i = 0; i < b->count; i++) {
            order_waiting *w = &b->waiting[i];
            if (w->err == AW_OK && w->created) {
                calls[count] = &w->submission.call;
                targets[count++] = w->order.order_id;
            }
        }
    /* one chain-head read and update for them all (core/audit.c) */
    if (err == AW_OK && count > 0 &&
        platform_api_audit_many_on(db, calls, targets, count, "order.create",
                                   AUDIT_OUTCOME_SUCCESS) != AW_OK)
        err = AW_ERR_STATE;
    free(targets);
    free(calls);
    return err;
}

static bool is_refusal(aw_err err)
{
    return err == AW_ERR_PLATFORM_NONCE_REPLAYED || err == AW_ERR_PLATFORM_QUOTA_EXHAUSTED;
}

/* One call in its savepoint of the batch's transaction (the second pass);
 * its outcome in w. Returns an error only when the transaction itself is
 * lost (a savepoint statement failed): then the whole batch fails. */
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
    } else if (w->err == AW_OK && !s->resume && !s->answered) {
        /* a second attempt only for a key another process inserted
         * meanwhile (PostgreSQL READ COMMITTED): now it finds that order */
        for (int attempt = 0; attempt < 2 && err == AW_OK; attempt++) {
            w->err = create_order(db, w, NULL);
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

/* A refusal of platform_order_check_target's, which reads only: the
 * transaction goes on without a savepoint. Anything else (a database
 * error: on PostgreSQL the transaction is then aborted) is not. */
static bool is_clean_refusal(aw_err err)
{
    return strncmp(aw_err_name(err), "AW_ERR_PLATFORM_", 16) == 0;
}

/* Every call without a savepoint, as nearly every batch goes: a call's
 * nonce, quota, check and order, one after the other. false as soon as a
 * statement fails or an order is refused after its first write (the
 * profile limit, an idempotency race): the transaction is then rolled
 * back and run again with a savepoint per call (run_one). A savepoint per
 * call costs SQLite a copy of every page the call touches and PostgreSQL
 * two more round trips, for the rare batch that needs one. *lost: the call
 * whose nonce or quota statement failed (e.g. a lock timeout): in the
 * second pass it keeps that outcome without running again, as run_one
 * would have left nothing of it, and nobody waits for that lock twice. */
static bool run_without_savepoints(db_connection *db, commit_batch *list, order_waiting **lost)
{
    *lost = NULL;
    for (commit_batch *b = list; b != NULL; b = b->next)
        for (size_t i = 0; i < b->count; i++) {
            order_waiting *w = &b->waiting[i];
            platform_order_submission *s = &w->submission;
            w->err = record_call(db, &s->call, &w->retry_after_s);
            if (w->err != AW_OK && !is_refusal(w->err)) {
                *lost = w;
                return false;
            }
            if (w->err != AW_OK)
                continue; /* a replay or the quota: nothing written */
            if (s->refused != AW_OK) {
                w->err = s->refused;
                continue;
            }
            if (s->resume || s->answered)
                continue; /* another route's call or a refusal: its chain's writes only */
            bool checked = false;
            w->err = create_order(db, w, &checked);
            if (w->err != AW_OK && (checked || !is_clean_refusal(w->err)))
                return false;
        }
    return true;
}

/* The outcome a first pass left in every call but lost, before the
 * second. */
static void reset_outcomes(commit_batch *list, const order_waiting *lost)
{
    for (commit_batch *b = list; b != NULL; b = b->next)
        for (size_t i = 0; i < b->count; i++) {
            order_waiting *w = &b->waiting[i];
            if (w == lost)
                continue;
            w->err = AW_OK;
            w->retry_after_s = 0;
            w->created = false;
            memset(&w->order, 0, sizeof(w->order));
        }
}

/* The shared transaction of every call in list (on db: the loop's or a
 * committer thread's connection); the outcome in each batch. */
static void run_batches(platform_order_committer *c, db_connection *db, commit_batch *list)
{
    size_t count = 0;
    for (commit_batch *b = list; b != NULL; b = b->next)
        count += b->count;
    aw_err failed = db_in_transaction(db) ? AW_ERR_STATE : db_begin(db);
    bool rerun = false;
    order_waiting *lost = NULL;
    if (failed == AW_OK && !run_without_savepoints(db, list, &lost)) {
        rerun = true;
        (void)db_rollback(db);
        reset_outcomes(list, lost);
        failed = db_begin(db);
    }
    bool begun = failed == AW_OK;
    for (commit_batch *b = list; rerun && failed == AW_OK && b != NULL; b = b->next)
        for (size_t i = 0; failed == AW_OK && i < b->count; i++)
            if (&b->waiting[i] != lost)
                failed = run_one(db, &b->waiting[i]);
    if (failed == AW_OK)
        failed = audit_orders(db, list);
    if (failed == AW_OK)
        failed = db_commit(db); /* rolls back itself when it fails */
    else if (begun)
        (void)db_rollback(db);
    for (commit_batch *b = list; b != NULL; b = b->next)
        b->failed = failed;
    pthread_mutex_lock(&c->lock);
    c->stats.batches++;
    c->stats.submissions += count;
    if (count > c->stats.largest_batch)
        c->stats.largest_batch = count;
    if (rerun)
        c->stats.rerun_batches++;
    if (failed != AW_OK)
        c->stats.failed_batches++;
    pthread_mutex_unlock(&c->lock);
}

/* ---- Answers, on the loop thread ---------------------------------------------- */

static void batch_free(commit_batch *batch)
{
    free(batch);
}

/* Another route's call whose chain's writes committed: its handler runs
 * again and is handed the call (api.c platform_api_run_chain). A replay,
 * the quota or the commit failing is answered here instead. */
static void answer_resumed(platform_order_committer *c, api_call *call, aw_err err,
                           int64_t retry_after_s)
{
    if (err != AW_OK) {
        platform_api_reply_error_details(call, platform_api_error_from_err(err), retry_after_s,
                                         NULL);
        http_request_complete(call->request);
        return;
    }
    c->api->resuming = call;
    http_request_redispatch(call->request);
    c->api->resuming = NULL;
}

/* Answer every call of batch with its outcome (or the transaction's
 * failure), then keep the batch for reuse or free it. */
static void answer_batch(platform_order_committer *c, commit_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        order_waiting *w = &batch->waiting[i];
        platform_order_submission *s = &w->submission;
        aw_err err = batch->failed != AW_OK ? batch->failed : w->err;
        int64_t retry_after_s = err == w->err ? w->retry_after_s : 0;
        if (s->answered) { /* the chain's refusal, whatever the commit did */
            http_request_complete(s->call.request);
            continue;
        }
        if (s->resume) {
            answer_resumed(c, &s->call, err, retry_after_s);
            continue;
        }
        platform_api_order_answer(&s->call, err, retry_after_s, s->batch, &w->order, w->created);
        http_request_complete(s->call.request);
        platform_batch_free(s->batch);
        s->batch = NULL;
    }
    batch->next = NULL;
    batch->count = 0;
    batch->eids = 0;
    batch->failed = AW_OK;
    if (c->spare == NULL)
        c->spare = batch;
    else
        batch_free(batch);
}

/* Calls that will not be committed nor answered (the committer goes with
 * its server): their requests are only freed. */
static void drop_batches(commit_batch *list)
{
    while (list != NULL) {
        commit_batch *next = list->next;
        for (size_t i = 0; i < list->count; i++) {
            platform_batch_free(list->waiting[i].submission.batch);
            http_request_complete(list->waiting[i].submission.call.request);
        }
        batch_free(list);
        list = next;
    }
}

/* The thread's batches that are over: answered here, on the loop. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    platform_order_committer *c = arg;
    char drain[64];
    while (read(fd, drain, sizeof(drain)) > 0)
        ;
    pthread_mutex_lock(&c->lock);
    commit_batch *list = c->done;
    c->done = NULL;
    pthread_mutex_unlock(&c->lock);
    while (list != NULL) {
        commit_batch *next = list->next;
        answer_batch(c, list);
        list = next;
    }
}

/* ---- The committer thread ------------------------------------------------------ */

/* The queued batches one transaction takes: the oldest, and those after it
 * while the calls stay within PLATFORM_ORDER_COMMIT_BATCH_MAX and the items
 * within PLATFORM_BATCH_MAX_EIDS. Under c->lock. */
static commit_batch *take_queued(platform_order_committer *c)
{
    commit_batch *first = c->queued, *last = first;
    size_t count = first->count, eids = first->eids;
    while (last->next != NULL && count + last->next->count <= PLATFORM_ORDER_COMMIT_BATCH_MAX &&
           eids + last->next->eids <= PLATFORM_BATCH_MAX_EIDS) {
        last = last->next;
        count += last->count;
        eids += last->eids;
    }
    c->queued = last->next;
    last->next = NULL;
    return first;
}

static void *committer_main(void *arg)
{
    struct committer_thread *self = arg;
    platform_order_committer *c = self->committer;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        while (!c->stop && c->queued == NULL)
            pthread_cond_wait(&c->wake, &c->lock);
        if (c->stop) {
            pthread_mutex_unlock(&c->lock);
            break;
        }
        commit_batch *list = take_queued(c);
        pthread_mutex_unlock(&c->lock);
        run_batches(c, self->db, list);
        pthread_mutex_lock(&c->lock);
        list_append(&c->done, list);
        pthread_mutex_unlock(&c->lock);
        /* a full pipe already holds a byte the loop has yet to read */
        ssize_t written;
        do {
            written = write(c->signal_fds[1], "d", 1);
        } while (written < 0 && errno == EINTR);
    }
    return NULL;
}

static aw_err thread_start(platform_order_committer *c)
{
    if (pipe2(c->signal_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        c->signal_fds[0] = c->signal_fds[1] = -1;
        return AW_ERR_IO;
    }
    c->done_event = event_new(c->base, c->signal_fds[0], EV_READ | EV_PERSIST, on_done, c);
    if (c->done_event == NULL || event_add(c->done_event, NULL) != 0)
        return AW_ERR_NOMEM;
    if (pthread_cond_init(&c->wake, NULL) != 0)
        return AW_ERR_NOMEM;
    c->cond_ready = true;
    for (size_t i = 0; i < c->thread_count; i++) {
        c->threads[i].committer = c;
        if (pthread_create(&c->threads[i].thread, NULL, committer_main, &c->threads[i]) != 0)
            return AW_ERR_NOMEM;
        c->started++;
    }
    return AW_OK;
}

/* ---- Gathering, on the loop thread ---------------------------------------------- */

bool platform_order_committer_takes_calls(const platform_order_committer *c)
{
    /* on the loop's own connection a call would gain nothing by waiting */
    return c != NULL && c->started > 0;
}

/* Another route's call, its chain's writes only: its handler to run again
 * (resume) or its refusal to send (answered) once they committed. */
static void submit_chain_writes(platform_order_committer *c, const api_call *call, bool answered)
{
    platform_order_submission submission;
    memset(&submission, 0, sizeof(submission));
    submission.call = *call;
    submission.resume = !answered;
    submission.answered = answered;
    platform_order_commit_submit(c, &submission);
}

void platform_order_commit_refuse(platform_order_committer *c, api_call *call)
{
    if (!platform_order_commit_call_has_writes(call))
        return;
    if (platform_order_committer_takes_calls(c))
        submit_chain_writes(c, call, true);
    else
        record_refused(call);
}

void platform_order_commit_submit_call(platform_order_committer *c, const api_call *call)
{
    submit_chain_writes(c, call, false);
}

aw_err platform_order_committer_new(platform_api *api, struct event_base *base,
                                    unsigned delay_ms, db_connection *const *thread_dbs,
                                    size_t thread_count, platform_order_committer **out)
{
    *out = NULL;
    platform_order_committer *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return AW_ERR_NOMEM;
    }
    c->api = api;
    c->base = base;
    c->delay.tv_sec = (time_t)(delay_ms / 1000u);
    c->delay.tv_usec = (suseconds_t)((delay_ms % 1000u) * 1000u);
    c->signal_fds[0] = c->signal_fds[1] = -1;
    /* threads need a loop to answer on */
    c->thread_count = base != NULL && thread_count <= PLATFORM_ORDER_COMMIT_THREADS_MAX
                          ? thread_count
                          : 0;
    for (size_t i = 0; i < c->thread_count; i++)
        c->threads[i].db = thread_dbs[i];
    aw_err err = c->thread_count > 0 ? thread_start(c) : AW_OK;
    if (err != AW_OK) {
        platform_order_committer_free(c);
        return err;
    }
    *out = c;
    return AW_OK;
}

void platform_order_committer_free(platform_order_committer *committer)
{
    if (committer == NULL)
        return;
    platform_order_committer *c = committer;
    if (c->started > 0) {
        /* the batches running commit; what is queued stays uncommitted */
        pthread_mutex_lock(&c->lock);
        c->stop = true;
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
        for (size_t i = 0; i < c->started; i++)
            pthread_join(c->threads[i].thread, NULL);
    }
    if (c->cond_ready)
        pthread_cond_destroy(&c->wake);
    if (c->done_event != NULL)
        event_free(c->done_event);
    for (size_t i = 0; i < 2; i++)
        if (c->signal_fds[i] >= 0)
            close(c->signal_fds[i]);
    drop_batches(c->open);
    drop_batches(c->queued);
    drop_batches(c->done);
    batch_free(c->spare);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void platform_api_order_commit_stats(const struct platform_api *api,
                                     platform_order_commit_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (api == NULL || api->order_committer == NULL)
        return;
    platform_order_committer *c = api->order_committer;
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}

/* The open batch is complete: committed here on the loop's connection, or
 * handed to the committer thread. */
static void close_open(platform_order_committer *c)
{
    commit_batch *batch = c->open;
    if (batch == NULL)
        return;
    c->open = NULL;
    if (c->started == 0) {
        run_batches(c, c->api->config.db, batch);
        answer_batch(c, batch);
        return;
    }
    pthread_mutex_lock(&c->lock);
    list_append(&c->queued, batch);
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

static void close_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    platform_order_committer *c = arg;
    c->scheduled = false;
    close_open(c);
}

static commit_batch *open_batch(platform_order_committer *c)
{
    if (c->open == NULL) {
        c->open = c->spare != NULL ? c->spare : malloc(sizeof(*c->open));
        c->spare = NULL;
        if (c->open != NULL) {
            c->open->next = NULL;
            c->open->count = 0;
            c->open->eids = 0;
            c->open->failed = AW_OK;
        }
    }
    return c->open;
}

void platform_order_commit_submit(platform_order_committer *c,
                                  platform_order_submission *submission)
{
    commit_batch *batch = NULL;
    aw_err err = http_request_defer(submission->call.request);
    if (err == AW_OK && (batch = open_batch(c)) == NULL)
        err = AW_ERR_NOMEM;
    if (err != AW_OK) {
        /* not from its handler (a broken caller), or no memory: answered
         * now (the handler's own request as it returns), recorded */
        record_refused(&submission->call);
        if (!submission->answered)
            platform_api_order_answer(&submission->call, err, 0, NULL, NULL, false);
        if (err != AW_ERR_STATE)
            http_request_complete(submission->call.request);
        platform_batch_free(submission->batch);
        submission->batch = NULL;
        return;
    }
    order_waiting *w = &batch->waiting[batch->count++];
    memset(w, 0, sizeof(*w));
    w->submission = *submission;
    submission->batch = NULL;
    platform_order_submission *s = &w->submission;
    /* the parsed key and nonce are bounded (order_parse, the chain); a
     * refused call's longer key is never used */
    if (s->idempotency_key != NULL) {
        snprintf(w->idempotency_key, sizeof(w->idempotency_key), "%s", s->idempotency_key);
        s->idempotency_key = w->idempotency_key;
    }
    if (s->call.deferred_nonce != NULL) {
        snprintf(w->nonce, sizeof(w->nonce), "%s", s->call.deferred_nonce);
        s->call.deferred_nonce = w->nonce;
    }
    if (s->batch != NULL)
        batch->eids += s->batch->count;
    /* a full batch, or no loop to wait on: closed now (inline, the
     * handler's own request is then answered as it returns) */
    if (batch->count == PLATFORM_ORDER_COMMIT_BATCH_MAX || batch->eids >= PLATFORM_BATCH_MAX_EIDS ||
        c->base == NULL) {
        close_open(c);
        return;
    }
    if (!c->scheduled &&
        event_base_once(c->base, -1, EV_TIMEOUT, close_timer, c, &c->delay) == 0) {
        c->scheduled = true;
        return;
    }
    if (!c->scheduled)
        close_open(c); /* no timer to be had: commit alone */
}
