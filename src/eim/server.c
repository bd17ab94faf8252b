/* airwrite eIM: the ESipa HTTPS endpoint (SGP.32 6.1 HTTPS transport;
 * 6.3 ASN.1 binding: POST of an EsipaMessageFromIpaToEim to /gsma/rsp2/asn1
 * with content type application/x-gsma-rsp-asn1, answered 200 with the
 * EsipaMessageFromEimToIpa or 204 for HandleNotification; 6.4 JSON binding
 * on /gsma/rsp2/esipa/<function> for each function, esipa_json.c) on
 * http_server, which serves clients that keep their connection alive and
 * those that close it alike.
 *
 * Serving a message may wait for the database and, for the download relay,
 * for an SM-DP+ (the ES9+ client blocks), so the handler on the event loop
 * only defers the request and queues it; worker threads, each with its own
 * database connection and HTTPS client, serve the queue and hand the
 * answers back to the loop: a byte written to a pipe wakes the loop's read
 * event (the one thread-safe way into any event_base, thread-aware or not),
 * and the deferred replies complete there. One more thread, with its own
 * connection and relay, forwards the notifications held after a failed
 * forwarding when they fall due (notification_forward.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/file.h"
#include "core/http_server.h"
#include "core/sgp32_esipa_json.h"
#include "eim/eim_internal.h"

#define EIM_PEM_MAX (64u * 1024u)
#define EIM_DEFAULT_WORKERS 2u
#define EIM_MAX_WORKERS 32u
#define EIM_PATH_MAX 4096u

typedef enum eim_binding {
    EIM_BINDING_ASN1,
    EIM_BINDING_JSON,
} eim_binding;

/* One deferred request, from the loop to a worker and back. */
typedef struct eim_job {
    struct eim_job *next;
    http_request *request;
    eim_binding binding;
    char path[64];
    uint8_t *body;
    size_t body_len;
    int status;               /* the answer */
    const char *content_type; /* NULL: no body */
    uint8_t *answer;
    size_t answer_len;
} eim_job;

typedef struct eim_worker {
    eim_server *server;
    pthread_t thread;
    bool started;
    db_connection *db;
    eim_relay *relay;
    eim_context context;
    eim_contact_cache *contacts;      /* this worker's polls' last contacts (contact.c) */
    int64_t flush_due_ms;             /* monotonic; 0: nothing noted since the last flush */
} eim_worker;

struct eim_server {
    pki_certificate *ci;
    pki_trust_store *trust;
    http_server *http;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool lock_ready;
    bool stopping;
    eim_job *queue_head, *queue_tail; /* waiting for a worker */
    eim_job *done;                    /* answered, waiting for the loop */
    int wake_pipe[2];                 /* workers -> loop: something is done */
    struct event *done_event;
    eim_worker *workers;
    size_t worker_count;
    unsigned contact_flush_ms;
    /* the forwarder of held notifications (notification_forward.c): its
     * own thread, database connection and relay, woken every
     * notification_poll_ms or to stop */
    eim_worker forwarder;
    pthread_cond_t forward_wake;
    unsigned notification_poll_ms;
};

static aw_err eim_path(char *out, size_t cap, const char *directory, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", directory, name);
    return n < 0 || (size_t)n >= cap ? AW_ERR_ARGUMENT : AW_OK;
}

/* The content type of a binding, parameters aside. */
static bool content_type_ok(const char *value, const char *expected)
{
    size_t n = strlen(expected);
    return value != NULL && strncasecmp(value, expected, n) == 0 &&
           (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

static void job_free(eim_job *job)
{
    if (job == NULL)
        return;
    free(job->body);
    free(job->answer);
    free(job);
}

/* ---- worker side ------------------------------------------------------------ */

static void serve_asn1(eim_worker *w, eim_job *job)
{
    aw_err err = eim_relay_serve(w->relay, &w->context, job->body, job->body_len, db_clock_ms(),
                                 &job->answer, &job->answer_len, NULL);
    if (err == AW_OK) {
        job->status = job->answer != NULL ? 200 : 204; /* 204: HandleNotification */
        job->content_type = job->answer != NULL ? EIM_ESIPA_CONTENT_TYPE : NULL;
    } else if (err == AW_ERR_STATE) {
        job->status = 501; /* a function this eIM does not serve */
    } else if (eim_internal_failure(err) || err == AW_ERR_NOMEM) {
        job->status = 500;
    } else {
        job->status = 400; /* not an ESipa message (AW_ERR_DER_*, limits) */
    }
}

static void serve_json(eim_worker *w, eim_job *job)
{
    char *json = NULL;
    size_t json_len = 0;
    aw_err err = eim_esipa_json_serve(w->relay, &w->context, job->path, job->body, job->body_len,
                                      db_clock_ms(), &json, &json_len, NULL);
    if (err == AW_OK) {
        job->status = json != NULL ? 200 : 204; /* 204: HandleNotification */
        job->content_type = json != NULL ? EIM_ESIPA_JSON_CONTENT_TYPE : NULL;
        job->answer = (uint8_t *)json;
        job->answer_len = json_len;
    } else {
        free(json);
        job->status = err == AW_ERR_NOT_FOUND ? 404 : 500;
    }
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write the worker's noted last contacts when their interval is over (or
 * now, when stopping). A failed flush keeps them for the next interval:
 * last contact is advisory, the polls go on. */
static void flush_contacts(eim_worker *w, bool now)
{
    size_t pending = eim_contact_cache_pending(w->contacts);
    if (pending == 0)
        return;
    int64_t t = monotonic_ms();
    if (w->flush_due_ms == 0)
        w->flush_due_ms = t + w->server->contact_flush_ms;
    if (!now && t < w->flush_due_ms)
        return;
    (void)eim_contact_cache_flush(w->contacts, w->db);
    w->flush_due_ms = eim_contact_cache_pending(w->contacts) > 0
                          ? t + w->server->contact_flush_ms
                          : 0;
}

/* Wait (lock held) for a job, the server stopping, or the worker's flush
 * deadline: an idle worker still writes its contacts within the interval. */
static void wait_for_work(eim_worker *w)
{
    eim_server *s = w->server;
    while (!s->stopping && s->queue_head == NULL) {
        if (w->flush_due_ms == 0) {
            pthread_cond_wait(&s->wake, &s->lock);
            continue;
        }
        struct timespec deadline = {.tv_sec = (time_t)(w->flush_due_ms / 1000),
                                    .tv_nsec = (long)(w->flush_due_ms % 1000) * 1000000};
        if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == ETIMEDOUT)
            return;
    }
}

static void *worker_main(void *arg)
{
    eim_worker *w = arg;
    eim_server *s = w->server;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        wait_for_work(w);
        eim_job *job = s->queue_head;
        if (job == NULL) {
            bool stopping = s->stopping;
            pthread_mutex_unlock(&s->lock);
            /* the interval is over, or a clean shutdown: nothing noted is lost */
            flush_contacts(w, stopping);
            if (stopping)
                return NULL;
            continue;
        }
        s->queue_head = job->next;
        if (s->queue_head == NULL)
            s->queue_tail = NULL;
        pthread_mutex_unlock(&s->lock);

        if (job->binding == EIM_BINDING_ASN1)
            serve_asn1(w, job);
        else
            serve_json(w, job);

        pthread_mutex_lock(&s->lock);
        job->next = s->done;
        s->done = job;
        pthread_mutex_unlock(&s->lock);
        /* a full pipe already holds a wake-up: nothing is lost */
        ssize_t written = write(s->wake_pipe[1], "", 1);
        (void)written;
        flush_contacts(w, false);
    }
}

/* SGP.32 6.3.2.4: the notifications held after a failed forwarding go to
 * their receivers from here, at their due times, until accepted or dead. */
static void *forwarder_main(void *arg)
{
    eim_worker *w = arg;
    eim_server *s = w->server;
    char name[64];
    /* unique among the processes sharing the database (db_queue leases) */
    snprintf(name, sizeof(name), "eim-forwarder-%ld-%p", (long)getpid(), (void *)s);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        if (!s->stopping) {
            int64_t due = monotonic_ms() + s->notification_poll_ms;
            struct timespec deadline = {.tv_sec = (time_t)(due / 1000),
                                        .tv_nsec = (long)(due % 1000) * 1000000};
            (void)pthread_cond_timedwait(&s->forward_wake, &s->lock, &deadline);
        }
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (stopping)
            return NULL;
        /* a failure (the database away) is tried again next interval */
        (void)eim_notification_forward_due(w->relay, &w->context, name, 16, db_clock_ms(), NULL);
    }
}

/* ---- loop side ---------------------------------------------------------------- */

static void complete(eim_job *job)
{
    http_request *r = job->request;
    http_request_set_status(r, job->status);
    if (http_request_add_header(r, "X-Admin-Protocol", EIM_ESIPA_ADMIN_PROTOCOL) != AW_OK ||
        (job->content_type != NULL &&
         (http_request_add_header(r, "Content-Type", job->content_type) != AW_OK ||
          http_request_set_body(r, job->answer, job->answer_len) != AW_OK)))
        http_request_set_status(r, 500);
    http_request_complete(r);
    job_free(job);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    eim_server *s = arg;
    char drain[64];
    (void)what;
    while (read(fd, drain, sizeof(drain)) > 0)
        continue;
    pthread_mutex_lock(&s->lock);
    eim_job *done = s->done;
    s->done = NULL;
    pthread_mutex_unlock(&s->lock);
    while (done != NULL) {
        eim_job *next = done->next;
        complete(done);
        done = next;
    }
}

static void handle(http_request *request, void *userdata, eim_binding binding,
                   const char *content_type)
{
    eim_server *s = userdata;
    size_t body_len = 0;
    if (!content_type_ok(http_request_header(request, "Content-Type"), content_type)) {
        http_request_set_status(request, 415);
        return;
    }
    const uint8_t *body = http_request_body(request, &body_len);
    eim_job *job = calloc(1, sizeof(*job));
    if (job != NULL)
        job->body = malloc(body_len > 0 ? body_len : 1);
    if (job == NULL || job->body == NULL ||
        eim_copy_text(job->path, sizeof(job->path), http_request_path(request)) != AW_OK ||
        http_request_defer(request) != AW_OK) {
        job_free(job);
        http_request_set_status(request, 500);
        return;
    }
    memcpy(job->body, body, body_len);
    job->body_len = body_len;
    job->binding = binding;
    job->request = request;
    pthread_mutex_lock(&s->lock);
    if (s->queue_tail != NULL)
        s->queue_tail->next = job;
    else
        s->queue_head = job;
    s->queue_tail = job;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void handle_asn1(http_request *request, void *userdata)
{
    handle(request, userdata, EIM_BINDING_ASN1, EIM_ESIPA_CONTENT_TYPE);
}

static void handle_json(http_request *request, void *userdata)
{
    handle(request, userdata, EIM_BINDING_JSON, "application/json");
}

/* ---- setup ---------------------------------------------------------------------- */

static aw_err eim_load_trust(eim_server *s, const char *directory)
{
    char path[EIM_PATH_MAX];
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = eim_path(path, sizeof(path), directory, "ci.pem");
    if (err == AW_OK)
        err = aw_file_read(path, EIM_PEM_MAX, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, &s->ci);
    if (err == AW_OK)
        err = pki_trust_store_new(&s->trust);
    if (err == AW_OK)
        err = pki_trust_store_add_ci(s->trust, s->ci);
    free(pem);
    return err;
}

static aw_err eim_listen(eim_server *s, struct event_base *base, const eim_config *config)
{
    char certificate[EIM_PATH_MAX], key[EIM_PATH_MAX];
    aw_err err = AW_OK;
    if (config->tls_certificate == NULL)
        err = eim_path(certificate, sizeof(certificate), config->pki_directory, "dptls.pem");
    else
        err = eim_copy_text(certificate, sizeof(certificate), config->tls_certificate);
    if (err == AW_OK && config->tls_key == NULL)
        err = eim_path(key, sizeof(key), config->pki_directory, "dptls.key.pem");
    else if (err == AW_OK)
        err = eim_copy_text(key, sizeof(key), config->tls_key);
    if (err != AW_OK)
        return AW_ERR_ARGUMENT;
    http_server_config http = {
        .address = config->address != NULL ? config->address : "127.0.0.1",
        .port = config->port,
        .certificate_file = certificate,
        .key_file = key,
        .max_body_size = EIM_ESIPA_BODY_MAX,
    };
    err = http_server_new(base, &http, &s->http);
    if (err == AW_OK)
        err = http_server_route(s->http, AW_HTTP_METHOD_POST, EIM_ESIPA_PATH, handle_asn1, s);
    /* SGP.32 6.4.1: one path per function of the JSON binding */
    for (unsigned f = 0; err == AW_OK && f < SGP32_ESIPA_JSON_FUNCTION_COUNT; f++) {
        char path[64];
        snprintf(path, sizeof(path), EIM_ESIPA_JSON_PREFIX "%s",
                 sgp32_esipa_json_function_name((sgp32_esipa_json_function)f));
        err = http_server_route(s->http, AW_HTTP_METHOD_POST, path, handle_json, s);
    }
    if (err == AW_OK)
        err = http_server_start(s->http);
    return err;
}

/* Each worker's database connection (migrated, so an in-memory database
 * has the tables too) and relay, before any thread starts. */
static aw_err eim_workers_new(eim_server *s, const eim_config *config)
{
    char ca[EIM_PATH_MAX];
    aw_err err = AW_OK;
    if (config->smdp_ca_file != NULL)
        err = eim_copy_text(ca, sizeof(ca), config->smdp_ca_file);
    else
        err = eim_path(ca, sizeof(ca), config->pki_directory, "ci.pem");
    if (err != AW_OK)
        return AW_ERR_ARGUMENT;
    size_t count = config->worker_count != 0 ? config->worker_count : EIM_DEFAULT_WORKERS;
    if (count > EIM_MAX_WORKERS)
        return AW_ERR_ARGUMENT;
    s->workers = calloc(count, sizeof(*s->workers));
    if (s->workers == NULL)
        return AW_ERR_NOMEM;
    s->worker_count = count;
    eim_relay_config relay = {.ca_file = ca, .routes = config->smdp_routes,
                              .route_count = config->smdp_route_count,
                              .timeout_ms = config->smdp_timeout_ms,
                              .notification_attempts = config->notification_attempts,
                              .notification_retry_ms = config->notification_retry_ms,
                              .device_binding = config->device_binding};
    for (size_t i = 0; err == AW_OK && i < s->worker_count; i++) {
        eim_worker *w = &s->workers[i];
        w->server = s;
        err = db_open(config->database_url, NULL, &w->db);
        if (err == AW_OK)
            err = eim_migrate(w->db);
        if (err == AW_OK)
            err = eim_relay_new(&relay, &w->relay);
        if (err == AW_OK)
            err = eim_contact_cache_new(&w->contacts);
        w->context = (eim_context){.db = w->db, .trust = s->trust, .contacts = w->contacts};
    }
    eim_worker *f = &s->forwarder;
    f->server = s;
    if (err == AW_OK)
        err = db_open(config->database_url, NULL, &f->db);
    if (err == AW_OK)
        err = eim_relay_new(&relay, &f->relay);
    f->context = (eim_context){.db = f->db, .trust = s->trust};
    return err;
}

static aw_err eim_workers_start(eim_server *s, struct event_base *base)
{
    if (pipe2(s->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return AW_ERR_IO;
    s->done_event = event_new(base, s->wake_pipe[0], EV_READ | EV_PERSIST, on_done, s);
    if (s->done_event == NULL || event_add(s->done_event, NULL) != 0)
        return AW_ERR_NOMEM;
    for (size_t i = 0; i < s->worker_count; i++) {
        eim_worker *w = &s->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            return AW_ERR_NOMEM;
        w->started = true;
    }
    if (pthread_create(&s->forwarder.thread, NULL, forwarder_main, &s->forwarder) != 0)
        return AW_ERR_NOMEM;
    s->forwarder.started = true;
    return AW_OK;
}

aw_err eim_server_new(struct event_base *base, const eim_config *config, eim_server **out)
{
    if (out != NULL)
        *out = NULL;
    if (base == NULL || config == NULL || out == NULL || config->pki_directory == NULL ||
        config->database_url == NULL)
        return AW_ERR_ARGUMENT;
    eim_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return AW_ERR_NOMEM;
    }
    /* the workers' flush deadlines are monotonic (flush_contacts) */
    pthread_condattr_t attr;
    bool cond_ready = pthread_condattr_init(&attr) == 0;
    if (cond_ready) {
        cond_ready = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                     pthread_cond_init(&s->wake, &attr) == 0;
        if (cond_ready && pthread_cond_init(&s->forward_wake, &attr) != 0) {
            pthread_cond_destroy(&s->wake);
            cond_ready = false;
        }
        pthread_condattr_destroy(&attr);
    }
    if (!cond_ready) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return AW_ERR_NOMEM;
    }
    s->contact_flush_ms =
        config->contact_flush_ms != 0 ? config->contact_flush_ms : EIM_CONTACT_FLUSH_MS;
    s->notification_poll_ms = config->notification_poll_ms != 0 ? config->notification_poll_ms
                                                                 : 1000u;
    s->lock_ready = true;
    s->wake_pipe[0] = s->wake_pipe[1] = -1;
    aw_err err = eim_load_trust(s, config->pki_directory);
    if (err == AW_OK)
        err = eim_workers_new(s, config);
    if (err == AW_OK)
        err = eim_listen(s, base, config);
    if (err == AW_OK)
        err = eim_workers_start(s, base);
    if (err != AW_OK) {
        eim_server_free(s);
        return err;
    }
    *out = s;
    return AW_OK;
}

uint16_t eim_server_port(const eim_server *server)
{
    return server != NULL && server->http != NULL ? http_server_port(server->http) : 0;
}

void eim_server_stop(eim_server *server)
{
    if (server != NULL && server->http != NULL)
        http_server_stop(server->http);
}

/* Requests still deferred: their connections are gone with the server, so
 * http_request_complete only frees them. */
static void release(eim_job *job)
{
    while (job != NULL) {
        eim_job *next = job->next;
        http_request_complete(job->request);
        job_free(job);
        job = next;
    }
}

void eim_server_free(eim_server *server)
{
    if (server == NULL)
        return;
    if (server->lock_ready) {
        pthread_mutex_lock(&server->lock);
        server->stopping = true;
        pthread_cond_broadcast(&server->wake);
        pthread_cond_broadcast(&server->forward_wake);
        pthread_mutex_unlock(&server->lock);
    }
    for (size_t i = 0; i < server->worker_count; i++) {
        if (server->workers[i].started)
            pthread_join(server->workers[i].thread, NULL);
    }
    if (server->forwarder.started)
        pthread_join(server->forwarder.thread, NULL);
    eim_relay_free(server->forwarder.relay);
    db_close(server->forwarder.db);
    http_server_free(server->http);
    if (server->done_event != NULL)
        event_free(server->done_event);
    for (size_t i = 0; i < 2; i++) {
        if (server->wake_pipe[i] >= 0)
            close(server->wake_pipe[i]);
    }
    release(server->done);
    release(server->queue_head);
    for (size_t i = 0; i < server->worker_count; i++) {
        eim_relay_free(server->workers[i].relay);
        /* flushed by its worker on the way out (worker_main) */
        eim_contact_cache_free(server->workers[i].contacts);
        db_close(server->workers[i].db);
    }
    free(server->workers);
    if (server->lock_ready) {
        pthread_cond_destroy(&server->wake);
        pthread_cond_destroy(&server->forward_wake);
        pthread_mutex_destroy(&server->lock);
    }
    pki_trust_store_free(server->trust);
    pki_certificate_free(server->ci);
    free(server);
}
