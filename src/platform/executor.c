/* airwrite platform: the executor's workers (platform.h "Executor"): each
 * thread has its own connections (platform database, eIM database, ES2+
 * HTTPS client with the platform's client certificate, SGP.22 2.6.6),
 * claims due jobs of PLATFORM_EXECUTOR_QUEUE under a lease (core/db_queue.h;
 * FOR UPDATE SKIP LOCKED on PostgreSQL, so several processes share one
 * database without running a job twice at once) and runs them
 * (executor_item.c). Between passes a worker sleeps until poll_ms passed or
 * platform_executor_wake. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/http_client.h"
#include "platform/executor_internal.h"

int64_t executor_now(const platform_executor *executor)
{
    return executor->config.clock != NULL ? executor->config.clock(executor->config.clock_userdata)
                                          : db_clock_ms();
}

void executor_count(platform_executor *executor, const platform_executor_stats *add)
{
    pthread_mutex_lock(&executor->lock);
    executor->stats.started += add->started;
    executor->stats.failed += add->failed;
    executor->stats.retried += add->retried;
    executor->stats.skipped += add->skipped;
    executor->stats.cancelled += add->cancelled;
    executor->stats.retriggered += add->retriggered;
    executor->stats.withdrawn += add->withdrawn;
    pthread_mutex_unlock(&executor->lock);
}

void platform_executor_get_stats(platform_executor *executor, platform_executor_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (executor == NULL)
        return;
    pthread_mutex_lock(&executor->lock);
    *out = executor->stats;
    pthread_mutex_unlock(&executor->lock);
}

static bool config_ok(const platform_executor_config *c)
{
    return c->database_url != NULL && c->eim_database_url != NULL && c->smdp_es2p_url != NULL &&
           strncmp(c->smdp_es2p_url, "https://", 8) == 0 && c->smdp_address != NULL &&
           c->smdp_address[0] != '\0' && c->ca_file != NULL && c->certificate_file != NULL &&
           c->key_file != NULL && c->requester_identifier != NULL &&
           c->requester_identifier[0] != '\0' &&
           (c->smdp_subjects != NULL || c->smdp_subject_count == 0) &&
           c->workers <= EXECUTOR_WORKERS_MAX && c->result_timeout_ms >= 0 &&
           c->lease_ms >= 0 && c->max_attempts >= 0 &&
           c->max_attempts <= PLATFORM_EXECUTOR_ATTEMPTS_CEILING && c->watch_ms >= 0 &&
           c->download_attempts >= 0 &&
           c->download_attempts <= PLATFORM_EXECUTOR_ATTEMPTS_CEILING &&
           c->card_op_timeout_ms >= 0;
}

static aw_err worker_open(platform_executor *x, unsigned index)
{
    executor_worker *w = &x->workers[index];
    w->executor = x;
    char host[64] = "host";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(w->name, sizeof(w->name), "%s:%s:%ld:%u",
             x->config.worker_name != NULL ? x->config.worker_name : "executor", host,
             (long)getpid(), index);
    http_client_config http = {.ca_file = x->config.ca_file,
                               .certificate_file = x->config.certificate_file,
                               .key_file = x->config.key_file,
                               .timeout_ms = x->config.http_timeout_ms};
    aw_err err = db_open(x->config.database_url, NULL, &w->db);
    if (err == AW_OK)
        err = db_open(x->config.eim_database_url, NULL, &w->eim_db);
    if (err == AW_OK)
        err = http_client_new(&http, &w->http);
    return err;
}

static void worker_close(executor_worker *w)
{
    http_client_free(w->http);
    db_close(w->eim_db);
    db_close(w->db);
    w->http = NULL;
    w->eim_db = NULL;
    w->db = NULL;
}

aw_err platform_executor_new(const platform_executor_config *config, platform_executor **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || !config_ok(config))
        return AW_ERR_ARGUMENT;
    platform_executor *x = calloc(1, sizeof(*x));
    if (x == NULL)
        return AW_ERR_NOMEM;
    x->config = *config;
    platform_executor_config *c = &x->config;
    if (c->workers == 0)
        c->workers = PLATFORM_EXECUTOR_DEFAULT_WORKERS;
    if (c->result_timeout_ms == 0)
        c->result_timeout_ms = PLATFORM_EXECUTOR_DEFAULT_RESULT_TIMEOUT_MS;
    if (c->lease_ms == 0)
        c->lease_ms = PLATFORM_EXECUTOR_DEFAULT_LEASE_MS;
    if (c->max_attempts == 0)
        c->max_attempts = PLATFORM_EXECUTOR_DEFAULT_MAX_ATTEMPTS;
    if (c->poll_ms == 0)
        c->poll_ms = PLATFORM_EXECUTOR_DEFAULT_POLL_MS;
    if (c->watch_ms == 0)
        c->watch_ms = PLATFORM_EXECUTOR_DEFAULT_WATCH_MS;
    if (c->download_attempts == 0)
        c->download_attempts = PLATFORM_EXECUTOR_DEFAULT_DOWNLOAD_ATTEMPTS;
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->wake, NULL);
    x->workers = calloc(c->workers, sizeof(*x->workers));
    aw_err err = x->workers == NULL ? AW_ERR_NOMEM : AW_OK;
    if (err == AW_OK)
        err = db_open(c->database_url, NULL, &x->notify_db);
    for (unsigned i = 0; err == AW_OK && i < c->workers; i++) {
        x->worker_count = i + 1;
        err = worker_open(x, i);
    }
    if (err != AW_OK) {
        platform_executor_free(x);
        return err;
    }
    *out = x;
    return AW_OK;
}

/* One pass of worker w: claim and run up to limit due jobs. */
static aw_err worker_pass(executor_worker *w, int64_t now_ms, size_t limit,
                          platform_executor_stats *stats, size_t *claimed)
{
    platform_executor *x = w->executor;
    db_job *jobs = NULL;
    size_t count = 0;
    *claimed = 0;
    aw_err err = db_queue_claim(w->db, PLATFORM_EXECUTOR_QUEUE, w->name,
                                limit < EXECUTOR_CLAIM_BATCH ? limit : EXECUTOR_CLAIM_BATCH,
                                x->config.lease_ms, now_ms, &jobs, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        executor_outcome outcome = EXECUTOR_JOB_COMPLETE;
        int64_t at = executor_now(x);
        aw_err run = executor_run_job(w, &jobs[i], at, &outcome, stats);
        if (run != AW_OK)
            outcome = EXECUTOR_JOB_RETRY; /* database or memory: try again later */
        if (outcome == EXECUTOR_JOB_COMPLETE)
            err = db_queue_complete(w->db, jobs[i].id, w->name, at);
        else if (outcome == EXECUTOR_JOB_RETRY) {
            stats->retried++;
            err = db_queue_fail(w->db, jobs[i].id, w->name, at, run != AW_OK ? run : 1, true,
                                NULL);
        }
        /* a lost lease is another worker's job now: not completed here */
        if (err == AW_ERR_DB_NOT_FOUND)
            err = AW_OK;
    }
    *claimed = count;
    db_jobs_free(jobs, count);
    return err;
}

aw_err platform_executor_run_once(platform_executor *executor, int64_t now_ms, size_t limit,
                                  platform_executor_stats *stats)
{
    if (stats != NULL)
        memset(stats, 0, sizeof(*stats));
    if (executor == NULL || limit == 0)
        return AW_ERR_ARGUMENT;
    pthread_mutex_lock(&executor->lock);
    bool running = executor->running;
    pthread_mutex_unlock(&executor->lock);
    if (running)
        return AW_ERR_STATE;
    platform_executor_stats pass = {0};
    aw_err err = AW_OK;
    size_t done = 0, claimed = 0;
    do {
        err = worker_pass(&executor->workers[0], now_ms, limit - done, &pass, &claimed);
        done += claimed;
    } while (err == AW_OK && claimed > 0 && done < limit);
    executor_count(executor, &pass);
    if (stats != NULL)
        *stats = pass;
    return err;
}

static void *worker_main(void *arg)
{
    executor_worker *w = arg;
    platform_executor *x = w->executor;
    for (;;) {
        pthread_mutex_lock(&x->lock);
        bool stopping = x->stopping;
        pthread_mutex_unlock(&x->lock);
        if (stopping)
            break;
        platform_executor_stats pass = {0};
        size_t claimed = 0;
        aw_err err = worker_pass(w, executor_now(x), EXECUTOR_CLAIM_BATCH, &pass, &claimed);
        executor_count(x, &pass);
        int64_t card_ops = executor_card_ops_pass(w, executor_now(x)); /* card_ops_run.c */
        if (err == AW_OK && (claimed > 0 || card_ops > 0))
            continue; /* more may be due */
        pthread_mutex_lock(&x->lock);
        if (!x->stopping && !x->woken) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += x->config.poll_ms / 1000;
            until.tv_nsec += (long)(x->config.poll_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            int rc = 0;
            while (!x->stopping && !x->woken && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&x->wake, &x->lock, &until);
        }
        x->woken = false;
        pthread_mutex_unlock(&x->lock);
    }
    return NULL;
}

aw_err platform_executor_start(platform_executor *executor)
{
    if (executor == NULL)
        return AW_ERR_ARGUMENT;
    pthread_mutex_lock(&executor->lock);
    if (executor->running) {
        pthread_mutex_unlock(&executor->lock);
        return AW_ERR_STATE;
    }
    executor->running = true;
    executor->stopping = false;
    pthread_mutex_unlock(&executor->lock);
    /* the first exception sweep (executor_exceptions.c); later ones queue
     * their successor. A failure here leaves it to the next start. */
    if (executor->config.exceptions != NULL)
        (void)executor_exception_sweep_schedule(executor->workers[0].db,
                                                executor->config.exceptions->sweep_interval_ms,
                                                executor_now(executor));
    for (unsigned i = 0; i < executor->worker_count; i++) {
        if (pthread_create(&executor->workers[i].thread, NULL, worker_main,
                           &executor->workers[i]) != 0) {
            pthread_mutex_lock(&executor->lock);
            executor->stopping = true;
            pthread_cond_broadcast(&executor->wake);
            pthread_mutex_unlock(&executor->lock);
            for (unsigned k = 0; k < i; k++)
                pthread_join(executor->workers[k].thread, NULL);
            pthread_mutex_lock(&executor->lock);
            executor->running = false;
            pthread_mutex_unlock(&executor->lock);
            return AW_ERR_NOMEM;
        }
    }
    return AW_OK;
}

void platform_executor_wake(platform_executor *executor)
{
    if (executor == NULL)
        return;
    pthread_mutex_lock(&executor->lock);
    executor->woken = true;
    pthread_cond_broadcast(&executor->wake);
    pthread_mutex_unlock(&executor->lock);
}

void platform_executor_stop(platform_executor *executor)
{
    if (executor == NULL)
        return;
    pthread_mutex_lock(&executor->lock);
    bool running = executor->running;
    executor->stopping = true;
    pthread_cond_broadcast(&executor->wake);
    pthread_mutex_unlock(&executor->lock);
    if (!running)
        return;
    for (unsigned i = 0; i < executor->worker_count; i++)
        pthread_join(executor->workers[i].thread, NULL);
    pthread_mutex_lock(&executor->lock);
    executor->running = false;
    pthread_mutex_unlock(&executor->lock);
}

void platform_executor_free(platform_executor *executor)
{
    if (executor == NULL)
        return;
    platform_executor_stop(executor);
    for (unsigned i = 0; executor->workers != NULL && i < executor->worker_count; i++)
        worker_close(&executor->workers[i]);
    free(executor->workers);
    db_close(executor->notify_db);
    pthread_cond_destroy(&executor->wake);
    pthread_mutex_destroy(&executor->lock);
    free(executor);
}
