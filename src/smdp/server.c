/* airwrite SM-DP+ daemon component: the ES9+ HTTPS endpoint (SGP.22 6.5.2
 * over 6.1/6.2, TLS with CERT.DPtls per 2.6.6) on http_server, answering
 * through es9p_json_handle with the inventory backend (backend.h), and the
 * operators' ES2+ endpoint (6.5.2.1-6.5.2.4, mutual TLS) through
 * es2p_json_handle. */
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
#include "smdp/es2p_json.h"
#include "smdp/es9p_json.h"
#include "smdp/inventory.h"

/* Live ES9+ sessions kept at once (SGP.22 3.1.3 keeps one per download). */
#define SMDP_SESSION_CAPACITY 1024u
/* Seconds a session stays usable between two ES9+ calls. */
#define SMDP_SESSION_LIFETIME 600
#define SMDP_PEM_MAX (64u * 1024u)
#define SMDP_OID_MAX 128u

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
    es9p_session_store store;
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

/* One ES9+ POST (SGP.22 6.5.1): the JSON binding does the rest. */
static void smdp_handle_es9p(http_request *request, void *userdata)
{
    smdp_server *s = userdata;
    size_t body_len = 0;
    const uint8_t *body = http_request_body(request, &body_len);
    es9p_json_response response;
    aw_err err = es9p_json_handle(&s->es9p, http_request_path(request),
                                  http_request_header(request, "X-Admin-Protocol"), body,
                                  body_len, time(NULL), &response);
    smdp_send_json(request, err, &response);
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
    if (!smdp_es2p_subject_allowed(s, http_request_peer_subject(request))) {
        http_request_set_status(request, 403);
        return;
    }
    size_t body_len = 0;
    const uint8_t *body = http_request_body(request, &body_len);
    es9p_json_response response;
    aw_err err = es2p_json_handle(s->db, s->smdp_address, http_request_path(request),
                                  http_request_header(request, "X-Admin-Protocol"), body,
                                  body_len, db_clock_ms(), &response);
    smdp_send_json(request, err, &response);
}

static aw_err smdp_open_inventory(smdp_server *s, const smdp_config *config)
{
    aw_err err = db_open(config->database_url, NULL, &s->db);
    if (err == AW_OK)
        err = smdp_inventory_migrate(s->db);
    if (err == AW_OK)
        err = smdp_key_ring_new(&s->key_ring);
    if (err == AW_OK)
        err = smdp_key_ring_add_file(s->key_ring, 1, config->key_ring_file, false);
    return err;
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
    aw_err err = smdp_copy_text(s->smdp_address, sizeof(s->smdp_address), address);
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
    if (err != AW_OK)
        goto cleanup;
    s->store = es9p_memory_store_interface(s->sessions);
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
        .backend = &s->backend,
        .store = &s->store,
    };
    s->es2p_allowed_subjects = config->es2p_allowed_subjects;
    s->es2p_allowed_subject_count = config->es2p_allowed_subject_count;
    err = smdp_listen(s, base, config);
cleanup:
    if (err != AW_OK) {
        smdp_server_free(s);
        return err;
    }
    *out = s;
    return AW_OK;
}

uint16_t smdp_server_port(const smdp_server *server)
{
    return server != NULL && server->http != NULL ? http_server_port(server->http) : 0;
}

uint16_t smdp_server_es2p_port(const smdp_server *server)
{
    return server != NULL && server->es2p_http != NULL ? http_server_port(server->es2p_http) : 0;
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
    http_server_free(server->http);
    http_server_free(server->es2p_http);
    es9p_memory_store_free(server->sessions);
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
