/* airwrite SM-DP+ daemon component: the ES9+ HTTPS endpoint (SGP.22 6.5.2
 * over 6.1/6.2, TLS with CERT.DPtls per 2.6.6) on http_server, answering
 * through es9p_json_handle with the inventory backend (backend.h), and the
 * operators' ES2+ endpoint (6.5.2.1-6.5.2.4, mutual TLS) through
 * es2p_json_handle; every answer counted and logged by server_ops.c, the
 * key ring loaded (and reloaded) from inventory_keys.h's layout. */
#include "smdp/smdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/file.h"
#include "core/http_server.h"
#include "core/pki.h"
#include "smdp/backend.h"
#include "smdp/es2p.h"
#include "smdp/es2p_json.h"
#include "smdp/es2p_notifier.h"
#include "smdp/es9p_durable.h"
#include "smdp/es9p_json.h"
#include "smdp/inventory.h"
#include "smdp/inventory_keys.h"
#include "smdp/server_ops.h"
#include "smdp/writer.h"

/* Live ES9+ sessions kept at once (SGP.22 3.1.3 keeps one per download). */
#define SMDP_SESSION_CAPACITY 1024u
/* Parsed CERT.EUMs kept (es9p_store.h): a few EUMs serve every eUICC. */
#define SMDP_EUM_CACHE_CAPACITY 16u
/* Seconds a session stays usable between two ES9+ calls. */
#define SMDP_SESSION_LIFETIME 600
#define SMDP_PEM_MAX (64u * 1024u)
#define SMDP_OID_MAX 128u
/* Session removals one ES9+ request makes (the end of its session, or
 * the move of a bound session to the database). */
#define SMDP_REMOVALS_MAX 2u

/* An ES9+ request whose state changes wait for the writer (writer.h): its
 * answer is sent once they are durable, and the end of its session (the
 * store's remove) takes effect only then, so that an LPA whose request
 * failed to commit can send it again (SGP.22 5.6.4: a
 * ProfileInstallationResult retried). */
typedef struct smdp_pending {
    struct smdp_server *server;
    http_request *request;
    int64_t started;
    es9p_json_response response;
    smdp_backend_changes changes;
    uint8_t removals[SMDP_REMOVALS_MAX][ES9P_TRANSACTION_ID_SIZE];
    size_t removal_count;
} smdp_pending;

struct smdp_server {
    db_connection *db;
    smdp_key_ring *key_ring;
    pki_certificate *dpauth_certificate;
    pki_certificate *dppb_certificate;
    pki_certificate *ci_certificate;
    crypto_key *dpauth_key;
    crypto_key *dppb_key;
    pki_trust_store *trust_store;
    es9p_memory_store *sessions;
    es9p_certificate_cache *eum_cache;
    es9p_session_store memory_store; /* over sessions */
    /* memory_store before the binding, es9p_durable.h after it; removals
     * and the bound record held by current until its commit */
    es9p_session_store store;
    int64_t bound_session_lifetime_ms;
    smdp_pending *current;           /* the ES9+ request being handled */
    smdp_writer *writer;             /* commits ES9+ state changes (writer.h) */
    bool closing;                    /* in smdp_server_free: no more answers */
    smdp_backend backend_state;
    es9p_backend backend;
    es9p_credential credential;
    es9p_server es9p;
    char smdp_address[256];
    char smdp_oid[SMDP_OID_MAX];
    http_server *http;
    http_server *es2p_http; /* NULL when ES2+ is not served */
    const char *const *es2p_allowed_subjects;
    size_t es2p_allowed_subject_count;
    int64_t es2p_order_lifetime_ms;
    smdp_notifier *notifier; /* NULL when operators are not notified */
    smdp_ops ops;            /* metrics and request logs (server_ops.h) */
    char *key_ring_path;     /* what smdp_server_reload_key_ring reads */
};

static aw_err smdp_path(char *out, size_t cap, const char *directory, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", directory, name);
    return n < 0 || (size_t)n >= cap ? AW_ERR_ARGUMENT : AW_OK;
}

static aw_err smdp_copy_text(char *out, size_t cap, const char *text)
{
    size_t n = strnlen(text, cap);
    if (n == cap || n == 0)
        return AW_ERR_ARGUMENT;
    memcpy(out, text, n + 1);
    return AW_OK;
}

static aw_err smdp_load_certificate(const char *directory, const char *name,
                                    pki_certificate **out)
{
    char path[4096];
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = smdp_path(path, sizeof(path), directory, name);
    if (err == AW_OK)
        err = aw_file_read(path, SMDP_PEM_MAX, &pem, &len);
    if (err == AW_OK)
        err = pki_certificate_parse_pem((const char *)pem, len, out);
    free(pem);
    return err;
}

static aw_err smdp_load_key(const char *directory, const char *name, crypto_key **out)
{
    char path[4096];
    aw_err err = smdp_path(path, sizeof(path), directory, name);
    return err == AW_OK ? crypto_key_load_private_pem_file(path, out) : err;
}

/* CERT.DPauth, CERT.DPpb and their keys under the CI of ci.pem. */
static aw_err smdp_load_credentials(smdp_server *s, const char *directory)
{
    aw_err err = smdp_load_certificate(directory, "dpauth.pem", &s->dpauth_certificate);
    if (err == AW_OK)
        err = smdp_load_certificate(directory, "dppb.pem", &s->dppb_certificate);
    if (err == AW_OK)
        err = smdp_load_certificate(directory, "ci.pem", &s->ci_certificate);
    if (err == AW_OK)
        err = smdp_load_key(directory, "dpauth.key.pem", &s->dpauth_key);
    if (err == AW_OK)
        err = smdp_load_key(directory, "dppb.key.pem", &s->dppb_key);
    if (err == AW_OK)
        err = pki_certificate_get_subject_key_id(s->ci_certificate, &s->credential.ci_pkid);
    if (err == AW_OK)
        err = pki_trust_store_new(&s->trust_store);
    if (err == AW_OK)
        err = pki_trust_store_add_ci(s->trust_store, s->ci_certificate);
    s->credential.dpauth_certificate = s->dpauth_certificate;
    s->credential.dpauth_key = s->dpauth_key;
    s->credential.dppb_certificate = s->dppb_certificate;
    s->credential.dppb_key = s->dppb_key;
    return err;
}

/* Send what a JSON binding (ES9+ or ES2+) produced (SGP.22 6.5.1). */
static void smdp_send_json(http_request *request, aw_err err, es9p_json_response *response)
{
    if (err != AW_OK) {
        http_request_set_status(request, 500);
        return;
    }
    http_request_set_status(request, response->http_status);
    if (http_request_add_header(request, "X-Admin-Protocol", ES9P_JSON_ADMIN_PROTOCOL) != AW_OK ||
        (response->body != NULL &&
         (http_request_add_header(request, "Content-Type",
                                  "application/json;charset=UTF-8") != AW_OK ||
          http_request_set_body(request, response->body, response->body_len) != AW_OK)))
        http_request_set_status(request, 500);
    es9p_json_response_clear(response);
}

/* Count, time and log the answer (server_ops.h), then send it. */
static void smdp_answer(smdp_server *s, http_request *request, smdp_interface interface,
                        int64_t started, aw_err err, es9p_json_response *response)
{
    const es9p_json_outcome *outcome = &response->outcome;
    bool json = err == AW_OK && response->body != NULL;
    smdp_ops_request observed = {
        .interface = interface,
        .path = http_request_path(request),
        .http_status = err != AW_OK ? 500 : response->http_status,
        .status = json ? outcome->status : NULL,
        .subject_code = json ? outcome->subject_code : NULL,
        .reason_code = json ? outcome->reason_code : NULL,
        .transaction_id = json ? outcome->transaction_id : NULL,
        .duration_us = smdp_ops_clock_us() - started,
        .peer = http_request_peer_address(request),
        .caller = interface == SMDP_INTERFACE_ES2P ? http_request_peer_subject(request) : NULL,
    };
    smdp_ops_observe(&s->ops, &observed);
    smdp_send_json(request, err, response);
}

/* The session store of es9p. Sessions before the binding live in memory
 * (SMDP_SESSION_LIFETIME: an interrupted one is refused after a restart,
 * 8.10.1 / 3.9, and the LPA starts again, SGP.22 5.6.2 / 5.6.3); a bound
 * session (GetBoundProfilePackage, 5.6.2) moves to the database
 * (es9p_durable.h), so that its ProfileInstallationResult (5.6.4) or
 * CancelSession (5.6.5) is verified by whichever process on the database
 * gets it, before or after a restart. What a request changes waits for its
 * commit (smdp_pending): the record is written, and the end of a session
 * takes effect, together with the request's state change. */
static aw_err smdp_store_put(void *userdata, const es9p_session *session, time_t now)
{
    smdp_server *s = userdata;
    if (session->state != ES9P_SESSION_BOUND)
        return s->memory_store.put(s->memory_store.userdata, session, now);
    int64_t now_ms = (int64_t)now * 1000;
    smdp_session_change change = {.remove = false};
    aw_err err = es9p_durable_record_from_session(session, now_ms,
                                                  now_ms + s->bound_session_lifetime_ms,
                                                  &change.record);
    if (err != AW_OK)
        return err;
    smdp_pending *p = s->current;
    if (p == NULL)
        return AW_ERR_STATE; /* es9p uses the store only inside smdp_handle_es9p */
    if (p->changes.session_count == SMDP_BACKEND_SESSION_CHANGES_MAX ||
        p->removal_count == SMDP_REMOVALS_MAX)
        return AW_ERR_LIMIT;
    /* at the commit: the record saved, the unbound copy dropped; if the
     * commit fails the session stays unbound and the LPA may retry */
    p->changes.sessions[p->changes.session_count++] = change;
    memcpy(p->removals[p->removal_count++], session->transaction_id, ES9P_TRANSACTION_ID_SIZE);
    return AW_OK;
}

static aw_err smdp_store_get(void *userdata, const uint8_t *transaction_id, size_t len,
                             time_t now, es9p_session *session)
{
    smdp_server *s = userdata;
    aw_err err = s->memory_store.get(s->memory_store.userdata, transaction_id, len, now, session);
    if (err != AW_ERR_NOT_FOUND)
        return err;
    es9p_durable_record record;
    err = es9p_durable_load(s->db, transaction_id, len, (int64_t)now * 1000, &record);
    if (err == AW_OK)
        es9p_durable_record_to_session(&record, session);
    return err;
}

static aw_err smdp_store_remove(void *userdata, const uint8_t *transaction_id, size_t len)
{
    smdp_server *s = userdata;
    smdp_pending *p = s->current;
    if (es9p_memory_store_contains(s->sessions, transaction_id, len)) {
        if (p == NULL || smdp_backend_changes_empty(&p->changes))
            return s->memory_store.remove(s->memory_store.userdata, transaction_id, len);
        if (len != ES9P_TRANSACTION_ID_SIZE || p->removal_count == SMDP_REMOVALS_MAX)
            return AW_ERR_LIMIT;
        memcpy(p->removals[p->removal_count++], transaction_id, len);
        return AW_OK;
    }
    /* a bound session: its record ends with the request's commit */
    if (p == NULL)
        return AW_ERR_STATE; /* es9p uses the store only inside smdp_handle_es9p */
    if (len != ES9P_TRANSACTION_ID_SIZE ||
        p->changes.session_count == SMDP_BACKEND_SESSION_CHANGES_MAX)
        return AW_ERR_LIMIT;
    smdp_session_change *change = &p->changes.sessions[p->changes.session_count++];
    memset(change, 0, sizeof(*change));
    change->remove = true;
    memcpy(change->record.transaction_id, transaction_id, len);
    return AW_OK;
}

/* Answer a handled ES9+ request once its changes are committed (AW_OK) or
 * not. A failed commit is the SM-DP+'s own failure: SGP.22 1.2 / 4.2
 * Execution Error, whatever the request had produced, and its session is
 * kept. */
static void smdp_es9p_finish(smdp_pending *p, aw_err committed)
{
    smdp_server *s = p->server;
    aw_err err = AW_OK;
    if (committed != AW_OK) {
        log_field fields[] = {LOG_TEXT("error", aw_err_name(committed)),
                              LOG_TEXT("message", aw_err_message(committed))};
        log_event(s->ops.log, LOG_LEVEL_ERROR, SMDP_OPS_COMPONENT, "es9p_commit_failed", fields,
                  2);
        es9p_json_response_clear(&p->response);
        err = es9p_json_failure(ES9P_STATUS_EXECUTION_ERROR, &p->response);
    } else {
        for (size_t i = 0; i < p->removal_count; i++) /* gone already: nothing to do */
            (void)s->memory_store.remove(s->memory_store.userdata, p->removals[i],
                                         ES9P_TRANSACTION_ID_SIZE);
        if (p->changes.count > 0)
            smdp_notifier_wake(s->notifier); /* progress was queued (es2p_notify.h) */
    }
    smdp_answer(s, p->request, SMDP_INTERFACE_ES9P, p->started, err, &p->response);
}

static void smdp_pending_free(smdp_pending *p)
{
    es9p_json_response_clear(&p->response);
    smdp_backend_changes_clear(&p->changes);
    free(p);
}

/* The writer's verdict on a deferred ES9+ request, on the loop thread. */
static void smdp_es9p_committed(void *userdata, aw_err result)
{
    smdp_pending *p = userdata;
    if (!p->server->closing)
        smdp_es9p_finish(p, result);
    http_request_complete(p->request);
    smdp_pending_free(p);
}

/* SGP.22 5.6.4: a notification the LPA got 204 for but that was not taken
 * (unknown or expired transaction, signature that does not verify, ...):
 * nothing changes for it, so operations must at least see why. */
static void smdp_log_dropped_notification(smdp_server *s, es9p_status status)
{
    const char *subject = es9p_status_subject_code(status);
    const char *reason = es9p_status_reason_code(status);
    log_field fields[] = {LOG_TEXT("subject_code", subject != NULL ? subject : ""),
                          LOG_TEXT("reason_code", reason != NULL ? reason : ""),
                          LOG_TEXT("message", es9p_status_message(status))};
    log_event(s->ops.log, LOG_LEVEL_WARNING, SMDP_OPS_COMPONENT, "es9p_notification_dropped",
              fields, 3);
}

/* One ES9+ POST (SGP.22 6.5.1): the JSON binding does the rest; what it
 * changed is committed by the writer before the answer goes out. */
static void smdp_handle_es9p(http_request *request, void *userdata)
{
    smdp_server *s = userdata;
    smdp_pending *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        es9p_json_response none = {.http_status = 500};
        smdp_answer(s, request, SMDP_INTERFACE_ES9P, smdp_ops_clock_us(), AW_ERR_NOMEM, &none);
        return;
    }
    p->server = s;
    p->request = request;
    p->started = smdp_ops_clock_us();
    size_t body_len = 0;
    const uint8_t *body = http_request_body(request, &body_len);
    s->current = p;
    s->backend_state.deferred = &p->changes;
    aw_err err = es9p_json_handle(&s->es9p, http_request_path(request),
                                  http_request_header(request, "X-Admin-Protocol"), body,
                                  body_len, time(NULL), &p->response);
    s->backend_state.deferred = NULL;
    s->current = NULL;
    if (err == AW_OK && p->response.http_status == 204 &&
        p->response.notification_status != ES9P_STATUS_OK)
        smdp_log_dropped_notification(s, p->response.notification_status);
    if (err != AW_OK || smdp_backend_changes_empty(&p->changes)) {
        smdp_answer(s, request, SMDP_INTERFACE_ES9P, p->started, err, &p->response);
        smdp_pending_free(p);
        return;
    }
    err = http_request_defer(request);
    bool deferred = err == AW_OK;
    if (deferred)
        err = smdp_writer_submit(s->writer, &p->changes, smdp_es9p_committed, p);
    if (err == AW_OK)
        return;
    /* nothing was committed: answered now (complete, called here, undoes
     * the deferral) */
    smdp_es9p_finish(p, err);
    if (deferred)
        http_request_complete(request);
    smdp_pending_free(p);
}

/* A verified operator certificate subject that may call ES2+. */
static bool smdp_es2p_subject_allowed(const smdp_server *s, const char *subject)
{
    if (subject == NULL)
        return false;
    if (s->es2p_allowed_subjects == NULL)
        return true;
    for (size_t i = 0; i < s->es2p_allowed_subject_count; i++) {
        if (strcmp(subject, s->es2p_allowed_subjects[i]) == 0)
            return true;
    }
    return false;
}

/* One ES2+ POST from an operator (SGP.22 6.5.2.1-6.5.2.4) over mutual TLS. */
static void smdp_handle_es2p(http_request *request, void *userdata)
{
    smdp_server *s = userdata;
    int64_t started = smdp_ops_clock_us();
    if (!smdp_es2p_subject_allowed(s, http_request_peer_subject(request))) {
        es9p_json_response forbidden = {.http_status = 403};
        smdp_answer(s, request, SMDP_INTERFACE_ES2P, started, AW_OK, &forbidden);
        return;
    }
    size_t body_len = 0;
    const uint8_t *body = http_request_body(request, &body_len);
    es9p_json_response response;
    /* the order answers to this operator (es2p.h) */
    es2p_json_context context = {.smdp_address = s->smdp_address,
                                 .caller_subject = http_request_peer_subject(request),
                                 .order_lifetime_ms = s->es2p_order_lifetime_ms};
    aw_err err = es2p_json_handle_for(s->db, &context, http_request_path(request),
                                      http_request_header(request, "X-Admin-Protocol"), body,
                                      body_len, db_clock_ms(), &response);
    smdp_answer(s, request, SMDP_INTERFACE_ES2P, started, err, &response);
}

/* The key ring at key_ring_path, refused unless it holds every key id the
 * inventory's rows are under (inventory_keys.h). */
static aw_err smdp_load_key_ring(smdp_server *s, smdp_key_ring **out)
{
    smdp_key_ring *ring = NULL;
    uint32_t missing = 0;
    aw_err err = smdp_key_ring_new(&ring);
    if (err == AW_OK)
        err = smdp_key_ring_load(ring, s->key_ring_path);
    if (err == AW_OK)
        err = smdp_inventory_check_key_ids(s->db, ring, &missing);
    if (err != AW_OK) {
        log_field fields[] = {LOG_TEXT("error", aw_err_name(err)),
                              LOG_TEXT("message", aw_err_message(err)),
                              LOG_UINT("missing_key_id", missing)};
        log_event(s->ops.log, LOG_LEVEL_ERROR, SMDP_OPS_COMPONENT, "key_ring_refused", fields,
                  missing != 0 ? 3 : 2);
        smdp_key_ring_free(ring);
        return err;
    }
    log_field fields[] = {LOG_UINT("key_count", smdp_key_ring_count(ring)),
                          LOG_UINT("current_key_id", smdp_key_ring_current_id(ring))};
    log_event(s->ops.log, LOG_LEVEL_INFO, SMDP_OPS_COMPONENT, "key_ring_loaded", fields, 2);
    *out = ring;
    return AW_OK;
}

static aw_err smdp_open_inventory(smdp_server *s, const smdp_config *config)
{
    aw_err err = db_open(config->database_url, NULL, &s->db);
    if (err == AW_OK)
        err = smdp_inventory_migrate(s->db);
    if (err == AW_OK)
        err = smdp_es2p_migrate(s->db);
    if (err == AW_OK)
        err = es9p_durable_migrate(s->db);
    if (err == AW_OK) {
        s->key_ring_path = strdup(config->key_ring_file);
        err = s->key_ring_path == NULL ? AW_ERR_NOMEM : smdp_load_key_ring(s, &s->key_ring);
    }
    return err;
}

/* GET /metrics on the ES9+ listener (smdp_config.metrics_on_es9p). */
static void smdp_handle_metrics(http_request *request, void *userdata)
{
    smdp_server *s = userdata;
    char *text = NULL;
    size_t len = 0;
    if (metrics_registry_render(s->ops.registry, &text, &len) != AW_OK ||
        http_request_add_header(request, "Content-Type", METRICS_CONTENT_TYPE) != AW_OK ||
        http_request_set_body(request, text, len) != AW_OK)
        http_request_set_status(request, 500);
    free(text);
}

static aw_err smdp_listen(smdp_server *s, struct event_base *base, const smdp_config *config)
{
    char certificate[4096], key[4096];
    aw_err err = smdp_path(certificate, sizeof(certificate), config->pki_directory, "dptls.pem");
    if (err == AW_OK)
        err = smdp_path(key, sizeof(key), config->pki_directory, "dptls.key.pem");
    if (err != AW_OK)
        return err;
    http_server_config http = {
        .address = config->address != NULL ? config->address : "127.0.0.1",
        .port = config->port,
        .certificate_file = certificate,
        .key_file = key,
        .max_body_size = ES9P_JSON_BODY_MAX,
    };
    err = http_server_new(base, &http, &s->http);
    for (int f = ES9P_FUNCTION_INITIATE_AUTHENTICATION;
         err == AW_OK && f <= ES9P_FUNCTION_CANCEL_SESSION; f++)
        err = http_server_route(s->http, AW_HTTP_METHOD_POST,
                                es9p_json_function_path((es9p_function)f), smdp_handle_es9p, s);
    if (err == AW_OK && config->metrics_on_es9p)
        err = http_server_route(s->http, AW_HTTP_METHOD_GET, "/metrics", smdp_handle_metrics, s);
    if (err == AW_OK)
        err = http_server_start(s->http);
    if (err != AW_OK || config->es2p_client_ca_file == NULL)
        return err;
    /* SGP.22 2.6.6: ES2+ only with a verified operator certificate */
    http.port = config->es2p_port;
    http.client_ca_file = config->es2p_client_ca_file;
    http.max_body_size = ES2P_JSON_BODY_MAX;
    err = http_server_new(base, &http, &s->es2p_http);
    for (int f = ES2P_FUNCTION_DOWNLOAD_ORDER; err == AW_OK && f <= ES2P_FUNCTION_RELEASE_PROFILE;
         f++)
        err = http_server_route(s->es2p_http, AW_HTTP_METHOD_POST,
                                es2p_json_function_path((es2p_function)f), smdp_handle_es2p, s);
    if (err == AW_OK)
        err = http_server_start(s->es2p_http);
    return err;
}

/* SGP.22 5.3.5: notify the operators from the notifier's worker thread,
 * presenting CERT.DPtls as the TLS client certificate (SGP.22 2.6.6). */
static aw_err smdp_start_notifier(smdp_server *s, const smdp_config *config)
{
    if (config->es2p_operator_ca_file == NULL)
        return AW_OK;
    char certificate[4096], key[4096];
    aw_err err = smdp_path(certificate, sizeof(certificate), config->pki_directory, "dptls.pem");
    if (err == AW_OK)
        err = smdp_path(key, sizeof(key), config->pki_directory, "dptls.key.pem");
    smdp_notifier_config notify = {
        .database_url = config->database_url,
        .ca_file = config->es2p_operator_ca_file,
        .certificate_file = certificate,
        .key_file = key,
        .requester_identifier = config->es2p_requester_identifier != NULL
                                    ? config->es2p_requester_identifier
                                    : s->smdp_address,
        .endpoints = config->es2p_operators,
        .endpoint_count = config->es2p_operator_count,
        .max_attempts = config->es2p_notify_max_attempts,
        .poll_ms = config->es2p_notify_poll_ms,
    };
    if (err == AW_OK)
        err = smdp_notifier_new(&notify, &s->notifier);
    if (err == AW_OK)
        err = smdp_notifier_start(s->notifier);
    s->backend_state.notifier = s->notifier;
    return err;
}

/* What the daemon serves, where, and on which database (without password). */
static void smdp_log_startup(const smdp_server *s, const smdp_config *config)
{
    db_url url;
    if (db_url_parse(config->database_url, &url) != AW_OK)
        snprintf(url.redacted, sizeof(url.redacted), "?");
    log_field fields[] = {
        LOG_TEXT("smdp_address", s->smdp_address),
        LOG_TEXT("address", config->address != NULL ? config->address : "127.0.0.1"),
        LOG_UINT("es9p_port", smdp_server_port(s)),
        LOG_UINT("es2p_port", smdp_server_es2p_port(s)),
        LOG_UINT("metrics_port", smdp_server_metrics_port(s)),
        LOG_BOOL("metrics_on_es9p", config->metrics_on_es9p),
        LOG_TEXT("database", url.redacted),
    };
    log_event(s->ops.log, LOG_LEVEL_INFO, SMDP_OPS_COMPONENT, "startup", fields,
              sizeof(fields) / sizeof(fields[0]));
}

aw_err smdp_server_new(struct event_base *base, const smdp_config *config, smdp_server **out)
{
    if (out != NULL)
        *out = NULL;
    if (base == NULL || config == NULL || out == NULL || config->pki_directory == NULL ||
        config->database_url == NULL || config->key_ring_file == NULL)
        return AW_ERR_ARGUMENT;
    smdp_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    const char *address = config->smdp_address != NULL ? config->smdp_address : "localhost";
    aw_err err = smdp_ops_init(&s->ops, config->log);
    if (err == AW_OK)
        err = smdp_copy_text(s->smdp_address, sizeof(s->smdp_address), address);
    if (err == AW_OK)
        err = smdp_load_credentials(s, config->pki_directory);
    /* SGP.22 5.6.5: the SM-DP+ OID is the registeredID of its certificates */
    if (err == AW_OK && config->smdp_oid == NULL)
        err = pki_certificate_get_registered_id(s->dpauth_certificate, s->smdp_oid,
                                                sizeof(s->smdp_oid));
    else if (err == AW_OK)
        err = smdp_copy_text(s->smdp_oid, sizeof(s->smdp_oid), config->smdp_oid);
    if (err == AW_OK)
        err = smdp_open_inventory(s, config);
    if (err == AW_OK)
        err = es9p_memory_store_new(SMDP_SESSION_CAPACITY, &s->sessions);
    if (err == AW_OK)
        err = es9p_certificate_cache_new(SMDP_EUM_CACHE_CAPACITY, &s->eum_cache);
    if (err == AW_OK)
        err = smdp_writer_new(base, config->database_url, &s->writer);
    if (err != AW_OK)
        goto cleanup;
    s->memory_store = es9p_memory_store_interface(s->sessions);
    s->store = (es9p_session_store){.userdata = s,
                                    .put = smdp_store_put,
                                    .get = smdp_store_get,
                                    .remove = smdp_store_remove};
    s->backend_state = (smdp_backend){.db = s->db, .key_ring = s->key_ring,
                                      .notification_address = s->smdp_address};
    s->backend = smdp_backend_interface(&s->backend_state);
    s->es9p = (es9p_server){
        .smdp_address = s->smdp_address,
        .smdp_oid = s->smdp_oid,
        .credentials = &s->credential,
        .credential_count = 1,
        .trust_store = s->trust_store,
        .trusted_ci_pkids = &s->credential.ci_pkid,
        .trusted_ci_pkid_count = 1,
        .session_lifetime = SMDP_SESSION_LIFETIME,
        .eum_cache = s->eum_cache,
        .backend = &s->backend,
        .store = &s->store,
    };
    s->es2p_allowed_subjects = config->es2p_allowed_subjects;
    s->es2p_allowed_subject_count = config->es2p_allowed_subject_count;
    s->es2p_order_lifetime_ms = config->es2p_order_lifetime_ms;
    s->bound_session_lifetime_ms = config->bound_session_lifetime_ms > 0
                                       ? config->bound_session_lifetime_ms
                                       : SMDP_BOUND_SESSION_LIFETIME_MS;
    err = smdp_start_notifier(s, config);
    if (err == AW_OK)
        err = smdp_listen(s, base, config);
    if (err == AW_OK && config->metrics_listen)
        err = metrics_server_new(base,
                                 config->metrics_address != NULL ? config->metrics_address
                                                                 : "127.0.0.1",
                                 config->metrics_port, s->ops.registry, &s->ops.listener);
cleanup:
    if (err != AW_OK) {
        log_field fields[] = {LOG_TEXT("error", aw_err_name(err)),
                              LOG_TEXT("message", aw_err_message(err))};
        log_event(config->log, LOG_LEVEL_ERROR, SMDP_OPS_COMPONENT, "startup_failed", fields, 2);
        smdp_server_free(s);
        return err;
    }
    smdp_log_startup(s, config);
    *out = s;
    return AW_OK;
}

uint16_t smdp_server_port(const smdp_server *server)
{
    return server != NULL && server->http != NULL ? http_server_port(server->http) : 0;
}

uint16_t smdp_server_metrics_port(const smdp_server *server)
{
    return server != NULL ? metrics_server_port(server->ops.listener) : 0;
}

aw_err smdp_server_reload_key_ring(smdp_server *server)
{
    if (server == NULL)
        return AW_ERR_ARGUMENT;
    smdp_key_ring *ring = NULL;
    aw_err err = smdp_load_key_ring(server, &ring);
    if (err != AW_OK)
        return err; /* the old ring stays in use */
    smdp_key_ring_free(server->key_ring);
    server->key_ring = ring;
    server->backend_state.key_ring = ring;
    return AW_OK;
}

uint16_t smdp_server_es2p_port(const smdp_server *server)
{
    return server != NULL && server->es2p_http != NULL ? http_server_port(server->es2p_http) : 0;
}

void smdp_server_get_stats(const smdp_server *server, smdp_server_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (server == NULL)
        return;
    smdp_writer_stats writer;
    smdp_writer_get_stats(server->writer, &writer);
    out->writes_submitted = writer.submitted;
    out->writes_committed = writer.committed;
    out->writes_failed = writer.failed;
    out->write_transactions = writer.transactions;
    out->writer_cpu_seconds = (double)writer.cpu_ns / 1e9;
}

void smdp_server_stop(smdp_server *server)
{
    if (server != NULL && server->http != NULL)
        http_server_stop(server->http);
    if (server != NULL && server->es2p_http != NULL)
        http_server_stop(server->es2p_http);
}

void smdp_server_free(smdp_server *server)
{
    if (server == NULL)
        return;
    /* requests still deferred are answered 503 by http_server_free; the
     * writer then commits what they changed (their state holds, the LPA
     * retries) and only completes them */
    http_server_free(server->http);
    http_server_free(server->es2p_http);
    server->closing = true;
    smdp_writer_free(server->writer);
    smdp_notifier_free(server->notifier);
    smdp_ops_clear(&server->ops);
    free(server->key_ring_path);
    es9p_memory_store_free(server->sessions);
    es9p_certificate_cache_free(server->eum_cache);
    smdp_key_ring_free(server->key_ring);
    db_close(server->db);
    pki_trust_store_free(server->trust_store);
    crypto_key_free(server->dpauth_key);
    crypto_key_free(server->dppb_key);
    pki_certificate_free(server->dpauth_certificate);
    pki_certificate_free(server->dppb_certificate);
    pki_certificate_free(server->ci_certificate);
    free(server);
}
