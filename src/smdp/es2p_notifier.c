/* airwrite SM-DP+: the notifier that delivers queued
 * ES2+.HandleDownloadProgressInfo requests (SGP.22 5.3.5, 6.5.2.5) to the
 * operators over HTTPS with mutual TLS (SGP.22 2.6.6), with retries and
 * dead letters from core/db_queue. See es2p_notifier.h. */
#include "smdp/es2p_notifier.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/db.h"
#include "core/db_queue.h"
#include "core/http_client.h"
#include "smdp/es2p.h"
#include "smdp/es2p_notify.h"
#include "smdp/es9p_json.h"

struct smdp_notifier {
    db_connection *db;
    http_client *client;
    char *requester_identifier;
    char *worker_id;
    const smdp_operator_endpoint *endpoints;
    size_t endpoint_count;
    int64_t max_attempts;
    int64_t lease_ms;
    unsigned poll_ms;
    /* the worker thread */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started;
    bool stopping;
    bool woken;
};

/* ---- Creation -------------------------------------------------------------- */

static bool notifier_endpoints_ok(const smdp_notifier_config *config)
{
    if (config->endpoint_count > 0 && config->endpoints == NULL)
        return false;
    for (size_t i = 0; i < config->endpoint_count; i++) {
        const smdp_operator_endpoint *e = &config->endpoints[i];
        if (e->base_url == NULL || strnlen(e->base_url, SMDP_NOTIFIER_URL_MAX) +
                                           sizeof(SMDP_NOTIFY_PATH) > SMDP_NOTIFIER_URL_MAX ||
            (e->subject == NULL && e->requester_id == NULL))
            return false;
    }
    return true;
}

aw_err smdp_notifier_new(const smdp_notifier_config *config, smdp_notifier **out)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL || config->database_url == NULL ||
        config->ca_file == NULL || config->requester_identifier == NULL ||
        config->requester_identifier[0] == '\0' || !notifier_endpoints_ok(config) ||
        config->max_attempts < 0 || config->max_attempts > SMDP_NOTIFY_ATTEMPTS_CEILING ||
        config->lease_ms < 0)
        return AW_ERR_ARGUMENT;
    smdp_notifier *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return AW_ERR_NOMEM;
    n->endpoints = config->endpoints;
    n->endpoint_count = config->endpoint_count;
    n->max_attempts = config->max_attempts > 0 ? config->max_attempts
                                               : SMDP_NOTIFIER_DEFAULT_MAX_ATTEMPTS;
    n->lease_ms = config->lease_ms > 0 ? config->lease_ms : SMDP_NOTIFIER_DEFAULT_LEASE_MS;
    n->poll_ms = config->poll_ms > 0 ? config->poll_ms : SMDP_NOTIFIER_DEFAULT_POLL_MS;
    n->requester_identifier = strdup(config->requester_identifier);
    n->worker_id = strdup(config->worker_id != NULL ? config->worker_id : "smdp-notifier");
    bool lock_made = pthread_mutex_init(&n->lock, NULL) == 0;
    bool cond_made = lock_made && pthread_cond_init(&n->wake, NULL) == 0;
    aw_err err = AW_ERR_NOMEM;
    if (n->requester_identifier == NULL || n->worker_id == NULL || !cond_made) {
        if (lock_made)
            pthread_mutex_destroy(&n->lock);
        free(n->requester_identifier);
        free(n->worker_id);
        free(n);
        return err;
    }
    http_client_config http = {
        .ca_file = config->ca_file,
        .certificate_file = config->certificate_file,
        .key_file = config->key_file,
        .timeout_ms = config->timeout_ms > 0 ? config->timeout_ms
                                             : SMDP_NOTIFIER_DEFAULT_TIMEOUT_MS,
    };
    err = http_client_new(&http, &n->client);
    if (err == AW_OK)
        err = db_open(config->database_url, NULL, &n->db);
    if (err == AW_OK)
        err = smdp_es2p_migrate(n->db);
    if (err != AW_OK) {
        smdp_notifier_free(n);
        return err;
    }
    *out = n;
    return AW_OK;
}

/* ---- One delivery ------------------------------------------------------------- */

static const smdp_operator_endpoint *notifier_endpoint(const smdp_notifier *n,
                                                       const char *subject,
                                                       const char *requester)
{
    for (size_t i = 0; i < n->endpoint_count; i++) {
        const smdp_operator_endpoint *e = &n->endpoints[i];
        if ((e->subject == NULL || strcmp(e->subject, subject) == 0) &&
            (e->requester_id == NULL || strcmp(e->requester_id, requester) == 0))
            return e;
    }
    return NULL;
}

/* The request of a job: its queued body with the header added (SGP.22
 * 6.5.1.3), and the endpoint of its operator. AW_ERR_NOT_FOUND when no
 * endpoint is configured for the operator; AW_ERR_ARGUMENT for a payload
 * this code did not write. */
static aw_err notifier_build(const smdp_notifier *n, const db_job *job,
                             const smdp_operator_endpoint **endpoint, char **text)
{
    *text = NULL;
    json_t *payload = json_loadb((const char *)job->payload, job->payload_len,
                                 JSON_REJECT_DUPLICATES, NULL);
    json_t *route = json_object_get(payload, "route");
    json_t *body = json_object_get(payload, "body");
    const char *subject = json_string_value(json_object_get(route, "subject"));
    const char *requester = json_string_value(json_object_get(route, "requester"));
    aw_err err = AW_ERR_ARGUMENT;
    if (subject == NULL || requester == NULL || !json_is_object(body))
        goto cleanup;
    err = AW_ERR_NOT_FOUND;
    *endpoint = notifier_endpoint(n, subject, requester);
    if (*endpoint == NULL)
        goto cleanup;
    char call_id[40];
    snprintf(call_id, sizeof(call_id), "notification-%lld", (long long)job->id);
    json_t *header = json_object();
    err = AW_ERR_NOMEM;
    if (json_object_set_new(body, "header", header) != 0 ||
        json_object_set_new(header, "functionRequesterIdentifier",
                            json_string(n->requester_identifier)) != 0 ||
        json_object_set_new(header, "functionCallIdentifier", json_string(call_id)) != 0)
        goto cleanup;
    *text = json_dumps(body, JSON_COMPACT);
    if (*text != NULL)
        err = AW_OK;
cleanup:
    json_decref(payload);
    return err;
}

/* POST one notification; AW_OK when the operator accepted it (2xx: SGP.22
 * 6.5.2.5 answers 204; a 200 with a header is taken as received too). */
static aw_err notifier_send(smdp_notifier *n, const smdp_operator_endpoint *endpoint,
                            const char *text)
{
    char url[SMDP_NOTIFIER_URL_MAX];
    int len = snprintf(url, sizeof(url), "%s%s", endpoint->base_url, SMDP_NOTIFY_PATH);
    if (len < 0 || (size_t)len >= sizeof(url))
        return AW_ERR_ARGUMENT;
    http_header headers[] = {{"Content-Type", "application/json;charset=UTF-8"},
                             {"X-Admin-Protocol", ES9P_JSON_ADMIN_PROTOCOL}};
    http_client_request request = {.method = AW_HTTP_METHOD_POST,
                                   .url = url,
                                   .headers = headers,
                                   .header_count = 2,
                                   .body = text,
                                   .body_len = strlen(text)};
    http_client_response *response = NULL;
    aw_err err = http_client_send(n->client, &request, &response);
    if (err == AW_OK && (response->status < 200 || response->status > 299))
        err = AW_ERR_HTTP_TRANSFER;
    http_client_response_free(response);
    return err;
}

/* Deliver one claimed job and settle it in the queue. A lost lease
 * (AW_ERR_DB_NOT_FOUND) means another worker owns the job now: not an
 * error of this pass. */
static aw_err notifier_deliver(smdp_notifier *n, const db_job *job, int64_t now_ms,
                               bool *delivered)
{
    const smdp_operator_endpoint *endpoint = NULL;
    char *text = NULL;
    *delivered = false;
    aw_err outcome = notifier_build(n, job, &endpoint, &text);
    if (outcome == AW_OK)
        outcome = notifier_send(n, endpoint, text);
    free(text);
    aw_err err;
    if (outcome == AW_OK) {
        err = db_queue_complete(n->db, job->id, n->worker_id, now_ms);
        *delivered = err == AW_OK;
    } else {
        /* a payload this code cannot read never improves: dead at once;
         * everything else (operator down, refused, not configured yet)
         * is retried until the attempt limit */
        bool retry = outcome != AW_ERR_ARGUMENT && job->attempt < n->max_attempts;
        err = db_queue_fail(n->db, job->id, n->worker_id, now_ms, (int64_t)outcome, retry, NULL);
    }
    return err == AW_ERR_DB_NOT_FOUND ? AW_OK : err;
}

aw_err smdp_notifier_deliver_due(smdp_notifier *notifier, int64_t now_ms, size_t *delivered)
{
    if (delivered != NULL)
        *delivered = 0;
    if (notifier == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = smdp_es2p_expire_orders(notifier->db, now_ms, NULL);
    db_job *jobs = NULL;
    size_t count = 0;
    if (err == AW_OK)
        err = db_queue_claim(notifier->db, SMDP_NOTIFY_QUEUE, notifier->worker_id,
                             SMDP_NOTIFIER_BATCH, notifier->lease_ms, now_ms, &jobs, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        bool sent = false;
        err = notifier_deliver(notifier, &jobs[i], now_ms, &sent);
        if (sent && delivered != NULL)
            (*delivered)++;
    }
    db_jobs_free(jobs, count);
    return err;
}

/* ---- The worker thread ------------------------------------------------------- */

static void *notifier_loop(void *arg)
{
    smdp_notifier *n = arg;
    pthread_mutex_lock(&n->lock);
    while (!n->stopping) {
        n->woken = false;
        pthread_mutex_unlock(&n->lock);
        size_t delivered = 0;
        /* a failed pass (database busy, ...) is simply tried again later */
        aw_err err = smdp_notifier_deliver_due(n, db_clock_ms(), &delivered);
        pthread_mutex_lock(&n->lock);
        /* a full batch may have more behind it: go again at once */
        if (err == AW_OK && delivered == SMDP_NOTIFIER_BATCH)
            continue;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += n->poll_ms / 1000u;
        until.tv_nsec += (long)(n->poll_ms % 1000u) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!n->stopping && !n->woken &&
               pthread_cond_timedwait(&n->wake, &n->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

aw_err smdp_notifier_start(smdp_notifier *notifier)
{
    if (notifier == NULL)
        return AW_ERR_ARGUMENT;
    if (notifier->started)
        return AW_ERR_STATE;
    if (pthread_create(&notifier->thread, NULL, notifier_loop, notifier) != 0)
        return AW_ERR_NOMEM;
    notifier->started = true;
    return AW_OK;
}

void smdp_notifier_wake(smdp_notifier *notifier)
{
    if (notifier == NULL)
        return;
    pthread_mutex_lock(&notifier->lock);
    notifier->woken = true;
    pthread_cond_signal(&notifier->wake);
    pthread_mutex_unlock(&notifier->lock);
}

void smdp_notifier_free(smdp_notifier *notifier)
{
    if (notifier == NULL)
        return;
    if (notifier->started) {
        pthread_mutex_lock(&notifier->lock);
        notifier->stopping = true;
        pthread_cond_signal(&notifier->wake);
        pthread_mutex_unlock(&notifier->lock);
        pthread_join(notifier->thread, NULL);
    }
    pthread_cond_destroy(&notifier->wake);
    pthread_mutex_destroy(&notifier->lock);
    http_client_free(notifier->client);
    db_close(notifier->db);
    free(notifier->requester_identifier);
    free(notifier->worker_id);
    free(notifier);
}
