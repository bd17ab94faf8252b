/* airwrite-ipa listen: eIM Package injection (SGP.32 3.1.1.2, 6.3.2.8): the
 * IPA's listener (src/ipa push_listener.c) on an event loop, with the
 * poller of the poll command behind it. */
#include "airwrite_ipa_listen.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define LISTEN_DEFAULT_ADDRESS "127.0.0.1"
#define LISTEN_DEFAULT_PORT 4430u

static void print_event(void *userdata, const ipa_listener_event *event)
{
    (void)userdata;
    static const char *const packages[] = {"undecodable", "euiccPackageRequest",
                                           "ipaEuiccDataRequest", "eimAcknowledgements",
                                           "profileDownloadTriggerRequest", "?"};
    static const char *const answers[] = {"?", "euiccPackageResult", "ePRAndNotifications",
                                          "ipaEuiccDataResponse", "eimPackageReceived",
                                          "eimPackageReceivedWithCid", "eimPackageError",
                                          "eimPackageErrorWithCid"};
    if (event->trigger != NULL) {
        if (event->err != AW_OK)
            printf("trigger: %s (%s)\n", aw_err_message(event->err), aw_err_name(event->err));
        else
            printf("trigger: result delivered%s\n",
                   event->trigger->refused > 0 ? ", refused by the eIM" : "");
    } else if (event->outcome != NULL) {
        const ipa_push_outcome *o = event->outcome;
        unsigned p = (unsigned)o->package < 5 ? (unsigned)o->package : 5;
        unsigned a = (unsigned)o->answer < 8 ? (unsigned)o->answer : 0;
        printf("%s: %s", packages[p], answers[a]);
        if (o->answer == SGP32_TRANSFER_RESPONSE_EIM_PACKAGE_ERROR)
            printf(" %lld", (long long)o->eim_package_error);
        if (o->acknowledged > 0)
            printf(", %zu acknowledged", o->acknowledged);
        if (o->recovered > 0)
            printf(", %zu recovered first", o->recovered);
        if (event->err != AW_OK)
            printf(" (%s)", aw_err_name(event->err));
        putchar('\n');
    } else {
        printf("request failed: %s (%s)\n", aw_err_message(event->err), aw_err_name(event->err));
    }
    fflush(stdout);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(arg, NULL);
}

/* "ADDRESS:PORT", "[IPv6]:PORT" */
static bool split_listen(const char *at, char *address, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(at, ':');
    if (colon == NULL || colon == at)
        return false;
    const char *start = at, *end = colon;
    if (*start == '[') {
        if (end[-1] != ']')
            return false;
        start++;
        end--;
    }
    size_t n = (size_t)(end - start);
    char *stop = NULL;
    unsigned long p = strtoul(colon + 1, &stop, 10);
    if (n == 0 || n >= cap || colon[1] == '\0' || *stop != '\0' || p > 65535)
        return false;
    memcpy(address, start, n);
    address[n] = '\0';
    *port = (uint16_t)p;
    return true;
}

aw_err listen_run(ipa_poller *poller, const listen_options *options)
{
    char address[64] = LISTEN_DEFAULT_ADDRESS;
    uint16_t port = LISTEN_DEFAULT_PORT;
    if (options->at != NULL && !split_listen(options->at, address, sizeof(address), &port)) {
        fprintf(stderr, "airwrite-ipa: --listen wants ADDRESS:PORT, got '%s'\n", options->at);
        return AW_ERR_ARGUMENT;
    }
    struct event_base *base = event_base_new();
    if (base == NULL)
        return AW_ERR_NOMEM;
    ipa_listener_config config = {.address = address, .port = port,
                                  .certificate_file = options->certificate,
                                  .key_file = options->key,
                                  .client_ca_file = options->client_ca,
                                  .poller = poller,
                                  .observe = print_event};
    ipa_listener *listener = NULL;
    struct event *term = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *intr = evsignal_new(base, SIGINT, on_signal, base);
    aw_err err = term == NULL || intr == NULL || evsignal_add(term, NULL) != 0 ||
                         evsignal_add(intr, NULL) != 0
                     ? AW_ERR_NOMEM
                     : ipa_listener_new(base, &config, &listener);
    if (err == AW_OK) {
        printf("listening on %s:%u\n", address, (unsigned)ipa_listener_port(listener));
        fflush(stdout);
        event_base_dispatch(base);
    }
    ipa_listener_free(listener);
    if (term != NULL)
        event_free(term);
    if (intr != NULL)
        event_free(intr);
    event_base_free(base);
    return err;
}
