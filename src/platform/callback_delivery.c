/* airwrite platform: delivery of callback events (callbacks.c) to the apps'
 * HTTPS URLs. Each delivery is POSTed with the body written when the event
 * happened, signed like an API request (docs/api-callbacks.md): the
 * canonical string of docs/api-signature.md over method, the URL's path and
 * query, the registering appId, a timestamp, a nonce and the body, HMAC
 * under the callback's secret: HMAC-SHA256 or, for an app of the domestic
 * suite, HMAC-SM3 (issue 8), named in X-AW-Signature-Algorithm. A 2xx answer delivers; anything else (no
 * answer, TLS failure, other status) is retried by core's db_queue with
 * exponential backoff, and after PLATFORM_CALLBACK_MAX_ATTEMPTS the
 * delivery is a dead letter. BLOCKING (the HTTPS client): worker threads
 * only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/db_queue.h"
#include "core/http_client.h"
#include "platform/platform_internal.h"

#define CLAIM_LEASE_MS (60 * 1000)

typedef struct delivery {
    char delivery_id[PLATFORM_DELIVERY_ID_LENGTH + 1];
    char callback_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    char event_id[PLATFORM_EVENT_ID_LENGTH + 1];
    char event_type[24];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char url[PLATFORM_CALLBACK_URL_MAX + 1];
    char secret[PLATFORM_CALLBACK_SECRET_LENGTH + 1];
    crypto_suite suite; /* the app's: HMAC-SHA256 or HMAC-SM3 (issue 8) */
    uint8_t *body;
    size_t body_len;
    bool callback_gone;
} delivery;

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

/* The delivery and its callback (url, unsealed secret). */
static aw_err delivery_load(db_connection *db, const platform_key_ring *ring, const db_job *job,
                            delivery *d)
{
    if (job->payload_len != PLATFORM_DELIVERY_ID_LENGTH)
        return AW_ERR_DB_TYPE;
    memcpy(d->delivery_id, job->payload, PLATFORM_DELIVERY_ID_LENGTH);
    d->delivery_id[PLATFORM_DELIVERY_ID_LENGTH] = '\0';
    db_param key[] = {DB_PARAM_TEXT(d->delivery_id)};
    db_rows *rows = NULL;
    bool has_row = false;
    /* LEFT JOIN: a deleted callback leaves its deliveries to die */
    aw_err err = db_query(db,
                          "SELECT d.callback_id, d.event_id, d.event_type, d.body, c.app_id, "
                          "c.url, c.key_id, c.secret_encrypted, a.suite FROM "
                          "platform_callback_deliveries d LEFT JOIN platform_callbacks c ON "
                          "c.callback_id = d.callback_id LEFT JOIN platform_apps a ON "
                          "a.app_id = c.app_id WHERE d.delivery_id = ?",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_DB_NOT_FOUND;
    const uint8_t *body = NULL, *sealed = NULL;
    size_t sealed_len = 0;
    int64_t key_id = 0;
    if (err == AW_OK)
        err = copy_text(rows, 0, d->callback_id, sizeof(d->callback_id));
    if (err == AW_OK)
        err = copy_text(rows, 1, d->event_id, sizeof(d->event_id));
    if (err == AW_OK)
        err = copy_text(rows, 2, d->event_type, sizeof(d->event_type));
    if (err == AW_OK)
        err = db_rows_get_blob(rows, 3, &body, &d->body_len);
    if (err == AW_OK) {
        d->body = malloc(d->body_len + 1);
        if (d->body == NULL)
            err = AW_ERR_NOMEM;
        else
            memcpy(d->body, body, d->body_len);
    }
    if (err == AW_OK && db_rows_column_type(rows, 4) == DB_TYPE_NULL)
        d->callback_gone = true;
    if (err == AW_OK && !d->callback_gone) {
        err = copy_text(rows, 4, d->app_id, sizeof(d->app_id));
        if (err == AW_OK)
            err = copy_text(rows, 5, d->url, sizeof(d->url));
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 6, &key_id);
        if (err == AW_OK)
            err = db_rows_get_blob(rows, 7, &sealed, &sealed_len);
        const char *suite = NULL;
        if (err == AW_OK)
            err = db_rows_get_text(rows, 8, &suite);
        if (err == AW_OK && crypto_suite_parse(suite, &d->suite) != AW_OK)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK && (key_id <= 0 || key_id > INT32_MAX))
            err = AW_ERR_PLATFORM_DECRYPT;
        if (err == AW_OK)
            err = platform_key_ring_open(ring, (uint32_t)key_id, d->callback_id, sealed,
                                         sealed_len, d->secret);
    }
    db_rows_free(rows);
    return err;
}

static void delivery_clear(delivery *d)
{
    free(d->body);
    OPENSSL_cleanse(d, sizeof(*d));
}

/* Split url into the path (with a leading '/') and query of the signed
 * request: "https://host:port/p/q?x=1" -> "/p/q", "x=1". */
static void url_target(const char *url, char *path, size_t path_size, char *query,
                       size_t query_size, bool *has_query)
{
    const char *host = url + strlen("https://");
    const char *rest = host + strcspn(host, "/?");
    const char *question = strchr(rest, '?');
    size_t path_len = question != NULL ? (size_t)(question - rest) : strlen(rest);
    if (path_len == 0)
        snprintf(path, path_size, "/");
    else
        snprintf(path, path_size, "%.*s", (int)path_len, rest);
    *has_query = question != NULL;
    snprintf(query, query_size, "%s", question != NULL ? question + 1 : "");
}

/* POST one delivery; *status the HTTP status (0 without an answer). */
static aw_err delivery_post(http_client *client, const delivery *d, int64_t attempt,
                            int64_t now_ms, int *status)
{
    *status = 0;
    char path[PLATFORM_CALLBACK_URL_MAX + 1], query[PLATFORM_CALLBACK_URL_MAX + 1];
    bool has_query = false;
    url_target(d->url, path, sizeof(path), query, sizeof(query), &has_query);
    char timestamp[24], nonce[PLATFORM_DELIVERY_ID_LENGTH + 24];
    snprintf(timestamp, sizeof(timestamp), "%lld", (long long)(now_ms / 1000));
    /* one nonce per attempt: a receiver that keeps nonces refuses replays
     * of an attempt, not the platform's retries */
    snprintf(nonce, sizeof(nonce), "%s-%lld", d->delivery_id, (long long)attempt);
    platform_signed_request request = {.method = "POST",
                                       .path = path,
                                       .query = has_query ? query : NULL,
                                       .app_id = d->app_id,
                                       .timestamp = timestamp,
                                       .nonce = nonce,
                                       .body = d->body,
                                       .body_len = d->body_len};
    char signature[PLATFORM_SIGNATURE_HEX + 1];
    aw_err err = platform_signature_sign_suite(d->suite, &request, d->secret, signature);
    if (err != AW_OK)
        return err;
    http_header headers[] = {
        {"Content-Type", "application/json"},
        {PLATFORM_HEADER_APP_ID, d->app_id},
        {PLATFORM_HEADER_TIMESTAMP, timestamp},
        {PLATFORM_HEADER_NONCE, nonce},
        {PLATFORM_HEADER_SIGNATURE, signature},
        {PLATFORM_HEADER_SIGNATURE_ALGORITHM, platform_signature_algorithm(d->suite)},
        {PLATFORM_HEADER_EVENT_ID, d->event_id},
        {PLATFORM_HEADER_EVENT_TYPE, d->event_type},
    };
    http_client_request http = {.method = AW_HTTP_METHOD_POST,
                                .url = d->url,
                                .headers = headers,
                                .header_count = sizeof(headers) / sizeof(headers[0]),
                                .body = d->body,
                                .body_len = d->body_len};
    http_client_response *response = NULL;
    err = http_client_send(client, &http, &response);
    if (err == AW_OK)
        *status = response->status;
    http_client_response_free(response);
    return AW_OK; /* a receiver that cannot be reached is an outcome, not an error */
}

typedef struct outcome {
    const db_job *job;
    const char *worker;
    const char *delivery_id;
    int status;          /* HTTP status, 0: none */
    bool retry;
    int64_t now_ms;
    db_job_state state;  /* out */
} outcome;

static aw_err outcome_in(db_connection *db, void *arg)
{
    outcome *o = arg;
    bool delivered = o->status >= 200 && o->status <= 299;
    aw_err err;
    if (delivered) {
        err = db_queue_complete(db, o->job->id, o->worker, o->now_ms);
        o->state = DB_JOB_DONE;
    } else {
        err = db_queue_fail(db, o->job->id, o->worker, o->now_ms,
                            o->status != 0 ? o->status : AW_ERR_HTTP_CONNECT, o->retry,
                            &o->state);
    }
    const char *status = o->state == DB_JOB_DONE   ? "delivered"
                         : o->state == DB_JOB_DEAD ? "dead"
                                                   : "pending";
    db_param params[] = {DB_PARAM_TEXT(status), DB_PARAM_INT64(o->job->attempt),
                         DB_PARAM_INT64(o->status), DB_PARAM_INT64(o->now_ms),
                         DB_PARAM_TEXT(o->delivery_id)};
    if (err == AW_OK)
        err = db_execute(db,
                         "UPDATE platform_callback_deliveries SET status = ?, attempts = ?, "
                         "last_status = ?, updated_at = ? WHERE delivery_id = ?",
                         params, 5, NULL);
    /* a dead letter of a live callback is an interface exception
     * (exception_detect.c, docs/exceptions.md) */
    if (err == AW_OK && o->state == DB_JOB_DEAD && o->retry)
        err = platform_exception_on_dead_letter(db, NULL, o->delivery_id, o->status, o->now_ms);
    return err;
}

aw_err platform_callback_deliver(db_connection *db, const platform_key_ring *ring,
                                 struct http_client *client, const char *worker, size_t limit,
                                 int64_t now_ms, platform_delivery_stats *stats)
{
    if (db == NULL || ring == NULL || client == NULL || worker == NULL || limit == 0 ||
        limit > DB_QUEUE_CLAIM_MAX)
        return AW_ERR_ARGUMENT;
    db_job *jobs = NULL;
    size_t count = 0;
    aw_err err = db_queue_claim(db, PLATFORM_CALLBACK_QUEUE, worker, limit, CLAIM_LEASE_MS,
                                now_ms, &jobs, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        delivery d;
        memset(&d, 0, sizeof(d));
        err = delivery_load(db, ring, &jobs[i], &d);
        int status = 0;
        if (err == AW_OK && !d.callback_gone)
            err = delivery_post(client, &d, jobs[i].attempt, now_ms, &status);
        outcome o = {.job = &jobs[i], .worker = worker, .delivery_id = d.delivery_id,
                     .status = status, .retry = !d.callback_gone, .now_ms = now_ms};
        if (err == AW_OK)
            err = platform_in_transaction(db, outcome_in, &o);
        if (err == AW_ERR_DB_NOT_FOUND)
            err = AW_OK; /* the lease was lost meanwhile: another worker has the job */
        else if (err == AW_OK && stats != NULL)
            *(o.state == DB_JOB_DONE   ? &stats->delivered
              : o.state == DB_JOB_DEAD ? &stats->dead
                                       : &stats->retrying) += 1;
        delivery_clear(&d);
    }
    db_jobs_free(jobs, count);
    return err;
}
