/* airwrite platform: the server of the northbound API (platform.h "The
 * platform server"): database, HTTPS listener with the /api/v1 router, and
 * the callback delivery worker thread (docs/api-callbacks.md), shared by
 * airwrite-platform serve and airwrited's platform role. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/http_client.h"
#include "core/log.h"
#include "platform/platform.h"

#define PLATFORM_SERVER_COMPONENT "platform"
#define DELIVERY_BATCH 50
#define DELIVERY_IDLE_MS 1000

struct platform_server {
    db_connection *db;            /* the router's, used on the loop thread */
    db_connection *order_db[PLATFORM_ORDER_COMMIT_THREADS_MAX]; /* the order committer's */
    http_server *http;
    platform_api *api;
    platform_indicator_monitor *indicators; /* NULL without settings */
    aw_log *log;
    /* the delivery worker */
    const char *database_url;
    const char *callback_ca_file;
    const platform_key_ring *keys;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool started;
    bool sync_ready;
};

static void log_error(aw_log *log, const char *event, aw_err err)
{
    log_field fields[] = {LOG_TEXT("error", aw_err_name(err)),
                          LOG_TEXT("message", aw_err_message(err))};
    log_event(log, LOG_LEVEL_ERROR, PLATFORM_SERVER_COMPONENT, event, fields, 2);
}

/* Rounds of platform_callback_deliver (blocking HTTPS, hence off the event
 * loop), resting DELIVERY_IDLE_MS after a round that found nothing due or
 * failed. */
static void *delivery_loop(void *arg)
{
    platform_server *s = arg;
    db_connection *db = NULL;
    http_client *client = NULL;
    http_client_config config = {.ca_file = s->callback_ca_file};
    char name[64];
    snprintf(name, sizeof(name), "platform:%ld", (long)getpid());
    aw_err err = db_open(s->database_url, NULL, &db);
    if (err == AW_OK)
        err = http_client_new(&config, &client);
    if (err != AW_OK)
        log_error(s->log, "callback_worker_failed", err);
    pthread_mutex_lock(&s->lock);
    while (err == AW_OK && !s->stop) {
        pthread_mutex_unlock(&s->lock);
        platform_delivery_stats stats = {0};
        aw_err round = platform_callback_deliver(db, s->keys, client, name, DELIVERY_BATCH,
                                                 db_clock_ms(), &stats);
        if (round != AW_OK)
            log_error(s->log, "callback_delivery_failed", round);
        else if (stats.delivered + stats.retrying + stats.dead > 0) {
            log_field fields[] = {LOG_INT("delivered", stats.delivered),
                                  LOG_INT("retrying", stats.retrying),
                                  LOG_INT("dead", stats.dead)};
            log_event(s->log, LOG_LEVEL_DEBUG, PLATFORM_SERVER_COMPONENT, "callback_round",
                      fields, 3);
        }
        bool busy = round == AW_OK && stats.delivered + stats.retrying + stats.dead > 0;
        pthread_mutex_lock(&s->lock);
        if (!busy && !s->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += DELIVERY_IDLE_MS / 1000;
            (void)pthread_cond_timedwait(&s->wake, &s->lock, &until);
        }
    }
    pthread_mutex_unlock(&s->lock);
    http_client_free(client);
    db_close(db);
    return NULL;
}

static aw_err delivery_start(platform_server *s)
{
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        return AW_ERR_NOMEM;
    if (pthread_cond_init(&s->wake, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        return AW_ERR_NOMEM;
    }
    s->sync_ready = true;
    if (pthread_create(&s->thread, NULL, delivery_loop, s) != 0)
        return AW_ERR_NOMEM;
    s->started = true;
    return AW_OK;
}

/* Ask the worker to stop after its round; no wait. */
static void delivery_signal_stop(platform_server *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void delivery_stop(platform_server *s)
{
    delivery_signal_stop(s);
    if (s->started) {
        pthread_join(s->thread, NULL);
        s->started = false;
    }
    if (s->sync_ready) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        s->sync_ready = false;
    }
}

aw_err platform_server_new(struct event_base *base, const platform_server_config *config,
                           platform_server **out)
{
    if (out != NULL)
        *out = NULL;
    if (base == NULL || config == NULL || out == NULL || config->database_url == NULL ||
        config->keys == NULL || config->certificate_file == NULL || config->key_file == NULL)
        return AW_ERR_ARGUMENT;
    platform_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    s->log = config->log;
    s->database_url = config->database_url;
    s->callback_ca_file = config->callback_ca_file;
    s->keys = config->keys;
    aw_err err = db_open(config->database_url, NULL, &s->db);
    if (err == AW_OK)
        err = platform_migrate(s->db);
    /* orders commit on threads of their own, off the loop (order_commit.c) */
    unsigned committers = config->order_committers != 0 ? config->order_committers : 1;
    if (err == AW_OK && committers > PLATFORM_ORDER_COMMIT_THREADS_MAX)
        err = AW_ERR_ARGUMENT;
    for (unsigned i = 0; err == AW_OK && i < committers; i++)
        err = db_open(config->database_url, NULL, &s->order_db[i]);
    http_server_config http = {.address = config->address != NULL ? config->address
                                                                  : "127.0.0.1",
                               .port = config->port,
                               .certificate_file = config->certificate_file,
                               .key_file = config->key_file};
    if (err == AW_OK)
        err = http_server_new(base, &http, &s->http);
    /* quality indicators evaluated on the loop (indicators_exposure.c) */
    if (err == AW_OK && config->indicators != NULL)
        err = platform_indicator_monitor_new(base, s->db, config->indicators,
                                             config->exceptions, NULL, NULL, &s->indicators);
    platform_api_config api = {.db = s->db, .keys = config->keys, .audit = config->audit,
                               .exceptions = config->exceptions, .indicators = s->indicators,
                               .console_dir = config->console_dir,
                               .console_app_id = config->console_app_id,
                               .console_login_rate_per_minute =
                                   config->console_login_rate_per_minute,
                               .console_login_burst = config->console_login_burst,
                               .location = config->location, /* location_policy.h */
                               .credential_cache_ms = config->credential_cache_ms};
    memcpy(api.order_db, s->order_db, sizeof(api.order_db));
    if (err == AW_OK)
        err = platform_api_new(s->http, &api, &s->api);
    if (err == AW_OK)
        err = http_server_start(s->http);
    if (err == AW_OK && config->callback_ca_file != NULL)
        err = delivery_start(s);
    if (err != AW_OK) {
        platform_server_free(s);
        return err;
    }
    log_field fields[] = {LOG_BOOL("callback_delivery", config->callback_ca_file != NULL)};
    log_event(s->log, LOG_LEVEL_DEBUG, PLATFORM_SERVER_COMPONENT, "server_started", fields, 1);
    *out = s;
    return AW_OK;
}

uint16_t platform_server_port(const platform_server *server)
{
    return server != NULL ? http_server_port(server->http) : 0;
}

void platform_server_stop(platform_server *server)
{
    if (server == NULL)
        return;
    if (server->http != NULL)
        http_server_stop(server->http);
    delivery_signal_stop(server);
}

void platform_server_free(platform_server *server)
{
    if (server == NULL)
        return;
    platform_server_stop(server);
    delivery_stop(server);
    http_server_free(server->http); /* answers what is pending before the API goes */
    platform_api_free(server->api);
    platform_indicator_monitor_free(server->indicators);
    for (size_t i = 0; i < PLATFORM_ORDER_COMMIT_THREADS_MAX; i++)
        db_close(server->order_db[i]);
    db_close(server->db);
    free(server);
}
