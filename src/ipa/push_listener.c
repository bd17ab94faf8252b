/* airwrite IPA: the HTTPS endpoint of eIM Package injection (SGP.32 3.1.1.2,
 * 6.3.2.8 ESipa.TransferEimPackage; 6.1 HTTPS transport, 6.3 ASN.1 binding:
 * a POST of the TransferEimPackageRequest to /gsma/rsp2/asn1 with content
 * type application/x-gsma-rsp-asn1, answered 200 with the
 * TransferEimPackageResponse) on core/http_server, mutual TLS required.
 * See push.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "core/http_server.h"
#include "ipa/poll_internal.h"

/* A trigger answered eimPackageReceived, waiting to run. */
typedef struct pending_trigger {
    struct pending_trigger *next;
    uint8_t *trigger;
    size_t len;
} pending_trigger;

struct ipa_listener {
    http_server *http;
    ipa_poller *poller;
    struct event *run_event;          /* runs the pending triggers */
    pending_trigger *head, *tail;
    bool serving;                     /* listening: the poller reports ipaInjectHttps */
    void (*observe)(void *userdata, const ipa_listener_event *event);
    void *userdata;
};

/* The wait between answering eimPackageReceived and starting the download:
 * the answer is queued on the connection when the handler returns and
 * written by the loop, which a download (blocking on the loop's thread)
 * would otherwise hold back. */
#define IPA_LISTENER_TRIGGER_DELAY_MS 10

static void observe(ipa_listener *l, aw_err err, const ipa_push_outcome *outcome,
                    const ipa_poll_report *trigger)
{
    if (l->observe == NULL)
        return;
    ipa_listener_event event = {err, outcome, trigger};
    l->observe(l->userdata, &event);
}

/* The content type of the ASN.1 binding, parameters aside. */
static bool content_type_ok(const char *value)
{
    size_t n = strlen(IPA_ESIPA_CONTENT_TYPE);
    return value != NULL && strncasecmp(value, IPA_ESIPA_CONTENT_TYPE, n) == 0 &&
           (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/* Run every pending trigger in the order received (SGP.32 3.2), each
 * result delivered by ProvideEimPackageResult. */
static void run_pending(evutil_socket_t fd, short what, void *arg)
{
    ipa_listener *l = arg;
    (void)fd;
    (void)what;
    while (l->head != NULL) {
        pending_trigger *p = l->head;
        l->head = p->next;
        if (l->head == NULL)
            l->tail = NULL;
        ipa_poll_report report;
        aw_err err = ipa_push_run_trigger(l->poller, p->trigger, p->len, &report);
        observe(l, err, NULL, &report);
        free(p->trigger);
        free(p);
    }
}

static aw_err queue_trigger(ipa_listener *l, ipa_push_outcome *outcome)
{
    pending_trigger *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    p->trigger = outcome->trigger; /* ownership taken */
    p->len = outcome->trigger_len;
    outcome->trigger = NULL;
    outcome->trigger_len = 0;
    if (l->tail != NULL)
        l->tail->next = p;
    else
        l->head = p;
    l->tail = p;
    struct timeval delay = {0, IPA_LISTENER_TRIGGER_DELAY_MS * 1000};
    return evtimer_add(l->run_event, &delay) == 0 ? AW_OK : AW_ERR_NOMEM;
}

static void handle_transfer(http_request *request, void *userdata)
{
    ipa_listener *l = userdata;
    if (!content_type_ok(http_request_header(request, "Content-Type"))) {
        http_request_set_status(request, 415); /* not the ASN.1 binding (6.1) */
        return;
    }
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    ipa_push_outcome outcome;
    aw_err err = ipa_push_handle(l->poller, body, len, &answer, &answer_len, &outcome);
    if (err == AW_OK && (http_request_add_header(request, "X-Admin-Protocol",
                                                 IPA_ESIPA_ADMIN_PROTOCOL) != AW_OK ||
                         http_request_add_header(request, "Content-Type",
                                                 IPA_ESIPA_CONTENT_TYPE) != AW_OK ||
                         http_request_set_body(request, answer, answer_len) != AW_OK))
        err = AW_ERR_NOMEM;
    if (err == AW_OK && outcome.trigger != NULL)
        err = queue_trigger(l, &outcome);
    /* a trigger that could not be queued is not answered received */
    http_request_set_status(request, err == AW_OK ? 200 : 500);
    if (err != AW_OK)
        http_request_set_body(request, NULL, 0);
    observe(l, err != AW_OK ? err : outcome.cause, &outcome, NULL);
    ipa_push_outcome_clear(&outcome);
    free(answer);
}

aw_err ipa_listener_new(struct event_base *base, const ipa_listener_config *config,
                        ipa_listener **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (base == NULL || config == NULL || config->certificate_file == NULL ||
        config->key_file == NULL || config->client_ca_file == NULL || config->poller == NULL)
        return AW_ERR_ARGUMENT;
    ipa_listener *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return AW_ERR_NOMEM;
    l->poller = config->poller;
    l->observe = config->observe;
    l->userdata = config->userdata;
    http_server_config http = {
        .address = config->address != NULL ? config->address : "127.0.0.1",
        .port = config->port,
        .certificate_file = config->certificate_file,
        .key_file = config->key_file,
        .client_ca_file = config->client_ca_file,
        .max_body_size = IPA_PUSH_BODY_MAX,
        .timeout_ms = config->timeout_ms,
    };
    aw_err err = AW_OK;
    l->run_event = evtimer_new(base, run_pending, l);
    if (l->run_event == NULL)
        err = AW_ERR_NOMEM;
    if (err == AW_OK)
        err = http_server_new(base, &http, &l->http);
    if (err == AW_OK)
        err = http_server_route(l->http, AW_HTTP_METHOD_POST, IPA_ESIPA_PATH, handle_transfer, l);
    if (err == AW_OK)
        err = http_server_start(l->http);
    if (err != AW_OK) {
        ipa_listener_free(l);
        return err;
    }
    /* IpaCapabilities: ipaInjectHttps, truthfully, while it listens */
    config->poller->injection = l->serving = true;
    *out = l;
    return AW_OK;
}

uint16_t ipa_listener_port(const ipa_listener *listener)
{
    return listener != NULL ? http_server_port(listener->http) : 0;
}

void ipa_listener_free(ipa_listener *listener)
{
    if (listener == NULL)
        return;
    if (listener->serving)
        listener->poller->injection = false;
    http_server_free(listener->http);
    if (listener->run_event != NULL)
        event_free(listener->run_event);
    while (listener->head != NULL) {
        pending_trigger *p = listener->head;
        listener->head = p->next;
        free(p->trigger);
        free(p);
    }
    free(listener);
}
