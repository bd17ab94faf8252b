/* Helpers for the IPA's ESipa tests (test code only): the real eIM (src/eim
 * server, SQLite in a temporary directory) on an event loop thread over
 * HTTPS on loopback, the in-process software eUICC with the eIM configured
 * (AddInitialEim) and registered at the eIM with its certificates, and the
 * IPA's ES10 session to it through ipa_testutil.h's card transport. */
#ifndef AIRWRITE_TESTS_IPA_ESIPA_TESTUTIL_H
#define AIRWRITE_TESTS_IPA_ESIPA_TESTUTIL_H

#include "euicc_sgp32_testutil.h"
#include "eim_testutil.h"
#include "ipa_testutil.h"
#include "loop_testutil.h"

#include <pthread.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/http_server.h"

#define ICCID1 "8944500000000000014"

typedef struct esipa_env {
    aw_pki_curve curve;
    test_euicc t;
    test_eim eim;
    eim_key_ring *keys;
    db_connection *db;             /* the operator's connection (the server has its own) */
    struct event_base *base;
    eim_server *server;
    pthread_t loop_thread;
    char base_url[96];             /* https://127.0.0.1:PORT */
    char tls_dir[160];
    char ca_file[200];
    card_transport *transport;
    ipa *session;
    ipa_esipa *esipa;
} esipa_env;

static const test_profile esipa_profile1 = {ICCID1, "001010000000001",
                                            SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

static inline void *esipa_run_loop(void *arg)
{
    event_base_loop((struct event_base *)arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static inline crypto_key *esipa_eim_key(const test_euicc *te)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, te->hierarchy.key[AW_PKI_ROLE_EIM], NULL,
                                              NULL, 0, NULL, NULL),
                     1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    crypto_key *key = NULL;
    assert_int_equal(crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key), AW_OK);
    BIO_free(bio);
    return key;
}

/* A new eIM server on env's database and TLS directory (port 0: any). */
static inline eim_server *esipa_server_new(esipa_env *env, uint16_t port)
{
    eim_config config = {.pki_directory = env->tls_dir, .database_url = eim_test_database.url,
                         .port = port};
    eim_server *server = NULL;
    assert_int_equal(eim_server_new(env->base, &config, &server), AW_OK);
    return server;
}

/* An ESipa client to url (NULL: the env's eIM). */
static inline ipa_esipa *esipa_client(const esipa_env *env, const char *url)
{
    ipa_esipa_config config = {.eim_url = url != NULL ? url : env->base_url,
                               .ca_file = env->ca_file,
                               .timeout_ms = 10000,
                               .tls12_only = env->curve == AW_PKI_CURVE_BRAINPOOL_P256R1};
    ipa_esipa *client = NULL;
    assert_int_equal(ipa_esipa_new(&config, &client), AW_OK);
    return client;
}

static inline void esipa_open_session(esipa_env *env)
{
    env->transport = card_transport_new(env->t.card);
    assert_int_equal(ipa_open(&env->transport->base, NULL, &env->session), AW_OK);
}

static inline void esipa_close_session(esipa_env *env)
{
    ipa_close(env->session);
    env->session = NULL;
    ipa_transport_close(&env->transport->base);
    env->transport = NULL;
}

static inline void esipa_env_setup(esipa_env *env, aw_pki_curve curve)
{
    memset(env, 0, sizeof(*env));
    env->curve = curve;
    te_setup(&env->t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&env->t);
    test_eim_init(&env->eim, &env->t, EIM_TEST_EIM_ID, AW_PKI_ROLE_EIM, false);
    sgp32_eim_configuration_data c = test_eim_configuration(&env->eim, 0, -1);
    size_t len = 0, n = 0;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(&env->t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    uint8_t aid[16];
    te_install(&env->t, &esipa_profile1, aid);
    snprintf(env->tls_dir, sizeof(env->tls_dir), "%s/eim", env->t.dir);
    assert_int_equal(mkdir(env->tls_dir, 0700), 0);
    test_write_pem(env->tls_dir, "ci.pem", env->t.hierarchy.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(env->tls_dir, "dptls.pem", env->t.hierarchy.cert[AW_PKI_ROLE_DP_TLS], NULL);
    test_write_pem(env->tls_dir, "dptls.key.pem", NULL,
                   env->t.hierarchy.key[AW_PKI_ROLE_DP_TLS]);
    snprintf(env->ca_file, sizeof(env->ca_file), "%s/ci.pem", env->tls_dir);
    env->db = eim_test_db_fresh();
    eim_test_register(env->db, AW_PKI_DEFAULT_EID, 0, -1,
                      env->t.hierarchy.cert[AW_PKI_ROLE_EUICC],
                      env->t.hierarchy.cert[AW_PKI_ROLE_EUM]);
    assert_int_equal(eim_key_ring_new(&env->keys), AW_OK);
    assert_int_equal(eim_key_ring_add(env->keys, "eim", esipa_eim_key(&env->t)), AW_OK);
    env->base = event_base_new();
    assert_non_null(env->base);
    env->server = esipa_server_new(env, 0);
    snprintf(env->base_url, sizeof(env->base_url), "https://127.0.0.1:%u",
             (unsigned)eim_server_port(env->server));
    assert_int_equal(pthread_create(&env->loop_thread, NULL, esipa_run_loop, env->base), 0);
    esipa_open_session(env);
    env->esipa = esipa_client(env, NULL);
}

static inline void esipa_env_teardown(esipa_env *env)
{
    ipa_esipa_free(env->esipa);
    esipa_close_session(env);
    event_base_loopexit(env->base, NULL);
    assert_int_equal(pthread_join(env->loop_thread, NULL), 0);
    eim_server_free(env->server);
    event_base_free(env->base);
    eim_key_ring_free(env->keys);
    db_close(env->db);
    test_eim_free(&env->eim);
    te_teardown(&env->t);
}

/* Queue one PSMO for the test eUICC. */
static inline int64_t esipa_enqueue(esipa_env *env, eim_operation_kind kind)
{
    eim_operation op = {.kind = kind, .iccid = ICCID1};
    int64_t id = 0;
    assert_int_equal(eim_package_enqueue(env->db, env->keys, AW_PKI_DEFAULT_EID, &op, 1,
                                         db_clock_ms(), &id, NULL),
                     AW_OK);
    return id;
}

/* The eIM's record of package id (fields copied, result dropped). */
static inline eim_package_record esipa_package(esipa_env *env, int64_t id, size_t *count)
{
    eim_package_record *records = NULL, found;
    memset(&found, 0, sizeof(found));
    assert_int_equal(eim_package_list(env->db, AW_PKI_DEFAULT_EID, &records, count), AW_OK);
    for (size_t i = 0; i < *count; i++)
        if (records[i].package_id == id) {
            found = records[i];
            found.result = NULL;
        }
    eim_package_records_free(records, *count);
    assert_int_equal(found.package_id, id);
    return found;
}

/* A poller on env's session and ESipa client. */
static inline ipa_poller *esipa_poller(esipa_env *env, const char *journal,
                                       const ipa_download_hook *hook)
{
    ipa_poll_config config = {.session = env->session, .esipa = env->esipa,
                              .journal_path = journal, .interval_ms = 1000,
                              .retry_base_ms = 10, .retry_max_ms = 40, .retry_limit = 4};
    if (hook != NULL)
        config.download = *hook;
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&config, &poller), AW_OK);
    return poller;
}

/* A clock that records the waits and stops after max of them. */
typedef struct test_clock {
    unsigned waits[32];
    size_t count;
    size_t stop_after;
    void (*on_sleep)(struct test_clock *clock); /* may be NULL */
    void *userdata;
} test_clock;

static inline bool test_clock_sleep(void *userdata, unsigned ms)
{
    test_clock *c = userdata;
    if (c->count < sizeof(c->waits) / sizeof(c->waits[0]))
        c->waits[c->count] = ms;
    c->count++;
    if (c->on_sleep != NULL)
        c->on_sleep(c);
    return c->count < c->stop_after;
}

#endif
