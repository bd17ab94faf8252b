/* airwrite IPA: the poll loop (SGP.32 3.4-3.6: the IPA retrieves eIM
 * Packages with ESipa.GetEimPackage, 5.14.6, and returns their results with
 * ESipa.ProvideEimPackageResult, 5.14.7), its backoff, and the journal
 * state of the operation in flight. See esipa.h; one package is handled in
 * poll_package.c. */
#include "ipa/poll_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"

static uint8_t *copy_bytes(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, data, len);
    return copy;
}

aw_err poll_set_state(ipa_poller *poller, ipa_journal_state state, const uint8_t *message,
                      size_t message_len, const uint8_t *acknowledgements,
                      size_t acknowledgements_len)
{
    uint8_t *new_message = NULL, *new_acks = NULL;
    if (message != NULL && (new_message = copy_bytes(message, message_len)) == NULL)
        return AW_ERR_NOMEM;
    if (acknowledgements != NULL &&
        (new_acks = copy_bytes(acknowledgements, acknowledgements_len)) == NULL) {
        free(new_message);
        return AW_ERR_NOMEM;
    }
    free(poller->message);
    free(poller->acknowledgements);
    poller->state = state;
    poller->message = new_message;
    poller->message_len = new_message != NULL ? message_len : 0;
    poller->acknowledgements = new_acks;
    poller->acknowledgements_len = new_acks != NULL ? acknowledgements_len : 0;
    if (poller->journal_path == NULL)
        return AW_OK;
    ipa_journal journal = {
        .state = state,
        .message = {poller->message, poller->message_len},
        .acknowledgements = {poller->acknowledgements, poller->acknowledgements_len},
    };
    return ipa_journal_write(poller->journal_path, &journal);
}

void poll_checkpoint(ipa_poller *poller, ipa_poll_checkpoint point)
{
    if (poller->config.checkpoint != NULL)
        poller->config.checkpoint(poller->config.checkpoint_userdata, point);
}

aw_err ipa_poller_new(const ipa_poll_config *config, ipa_poller **out)
{
    *out = NULL;
    if (config == NULL || config->session == NULL || config->esipa == NULL)
        return AW_ERR_ARGUMENT;
    ipa_poller *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    p->config = *config;
    p->config.journal_path = NULL;
    if (p->config.interval_ms == 0)
        p->config.interval_ms = IPA_POLL_DEFAULT_INTERVAL_MS;
    if (p->config.retry_base_ms == 0)
        p->config.retry_base_ms = IPA_POLL_DEFAULT_RETRY_BASE_MS;
    if (p->config.retry_max_ms == 0)
        p->config.retry_max_ms = IPA_POLL_DEFAULT_RETRY_MAX_MS;
    if (p->config.retry_limit == 0)
        p->config.retry_limit = IPA_POLL_DEFAULT_RETRY_LIMIT;
    aw_err err = AW_OK;
    if (config->journal_path != NULL) {
        size_t n = strlen(config->journal_path) + 1;
        p->journal_path = malloc(n);
        if (p->journal_path == NULL)
            err = AW_ERR_NOMEM;
        else
            memcpy(p->journal_path, config->journal_path, n);
    }
    if (err == AW_OK)
        err = ipa_es10c_get_eid(config->session, p->eid);
    if (err == AW_OK && p->journal_path != NULL) {
        uint8_t *buffer = NULL;
        ipa_journal journal;
        err = ipa_journal_read(p->journal_path, &buffer, &journal);
        /* the memory state follows the file; nothing is rewritten */
        if (err == AW_OK && journal.message.len > 0 &&
            (p->message = copy_bytes(journal.message.ptr, journal.message.len)) == NULL)
            err = AW_ERR_NOMEM;
        if (err == AW_OK && journal.acknowledgements.len > 0 &&
            (p->acknowledgements = copy_bytes(journal.acknowledgements.ptr,
                                              journal.acknowledgements.len)) == NULL)
            err = AW_ERR_NOMEM;
        if (err == AW_OK) {
            p->state = journal.state;
            p->message_len = p->message != NULL ? journal.message.len : 0;
            p->acknowledgements_len =
                p->acknowledgements != NULL ? journal.acknowledgements.len : 0;
        }
        free(buffer);
    }
    if (err != AW_OK) {
        ipa_poller_free(p);
        return err;
    }
    *out = p;
    return AW_OK;
}

void ipa_poller_free(ipa_poller *poller)
{
    if (poller == NULL)
        return;
    free(poller->journal_path);
    free(poller->message);
    free(poller->acknowledgements);
    free(poller);
}

void ipa_poller_note_state_change(ipa_poller *poller, int64_t cause)
{
    poller->state_change = true;
    poller->state_change_cause = cause;
}

static aw_err poll_cycle(ipa_poller *poller, ipa_poll_report *report);

aw_err ipa_poll_once(ipa_poller *poller, ipa_poll_report *report)
{
    memset(report, 0, sizeof(*report));
    aw_err err = poll_cycle(poller, report);
    /* SGP.22 3.5: what is still pending on the eUICC (a PIR whose delivery
     * failed, or was cut by a restart) goes after the cycle's own work, so
     * a download hook recovering a PIR after a restart finds it first */
    const ipa_notification_hook *hook = &poller->config.notifications;
    if (hook->send != NULL && (err == AW_OK || ipa_poll_error_is_transient(err))) {
        aw_err sent = hook->send(hook->userdata, poller->config.session,
                                 &report->notifications_sent, &report->notifications_kept);
        if (err == AW_OK)
            err = sent;
    }
    return err;
}

/* ipa_poll_once without the notifications. */
static aw_err poll_cycle(ipa_poller *poller, ipa_poll_report *report)
{
    /* issue 8: the terminal information goes before the ESipa exchange */
    const ipa_terminal_info_hook *info = &poller->config.terminal_info;
    if (info->report != NULL) {
        report->terminal_info_error = info->report(info->userdata, poller->eid);
        report->terminal_info_sent = report->terminal_info_error == AW_OK;
    }
    /* what a crash or a network failure left in flight goes first */
    aw_err err = poll_finish_in_flight(poller, report);
    if (err != AW_OK)
        return err;
    sgp32_esipa_message_from_ipa_to_eim *request = calloc(1, sizeof(*request));
    sgp32_esipa_message_from_eim_to_ipa *answer = malloc(sizeof(*answer));
    if (request == NULL || answer == NULL) {
        free(request);
        free(answer);
        return AW_ERR_NOMEM;
    }
    /* SGP.32 5.14.6 GetEimPackage: eidValue, and notifyStateChange with its
     * cause when the IPA saw a local change */
    request->kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    sgp32_get_eim_package_request *g = &request->get_eim_package_request;
    g->eid_value = (aw_slice){poller->eid, sizeof(poller->eid)};
    g->notify_state_change = poller->state_change;
    g->has_state_change_cause = poller->state_change;
    g->state_change_cause = poller->state_change_cause;
    err = ipa_esipa_exchange(poller->config.esipa, request, SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE,
                             answer);
    if (err == AW_OK) {
        poller->state_change = false;
        const sgp32_get_eim_package_response *response = &answer->get_eim_package_response;
        if (response->kind == SGP32_EIM_PACKAGE_ERROR) {
            report->eim_package_error = response->eim_package_error;
            report->event = response->eim_package_error == SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE
                                ? IPA_POLL_NO_PACKAGE
                                : IPA_POLL_EIM_ERROR;
        } else {
            err = poll_handle_package(poller, response, report);
        }
    }
    free(request);
    free(answer);
    return err;
}

bool ipa_poll_error_is_transient(aw_err err)
{
    switch (err) {
    case AW_ERR_HTTP_CONNECT:
    case AW_ERR_HTTP_TLS:
    case AW_ERR_HTTP_TIMEOUT:
    case AW_ERR_HTTP_TRANSFER:
    case AW_ERR_IPA_ESIPA_HTTP_STATUS:
    case AW_ERR_IPA_ESIPA_RESPONSE:
        return true;
    default:
        return false;
    }
}

unsigned ipa_poll_backoff_ms(unsigned base_ms, unsigned max_ms, unsigned attempt,
                             uint32_t random)
{
    unsigned wait = base_ms < max_ms ? base_ms : max_ms;
    for (unsigned i = 1; i < attempt && wait < max_ms; i++)
        wait = wait > max_ms / 2 ? max_ms : wait * 2;
    unsigned half = wait / 2;
    return half + (unsigned)(random % ((uint32_t)(wait - half) + 1u));
}

aw_err ipa_poll_run(ipa_poller *poller, const ipa_poll_clock *clock, bool once,
                    ipa_poll_report *last)
{
    unsigned failures = 0;
    for (;;) {
        ipa_poll_report report;
        unsigned wait = 0;
        aw_err err = ipa_poll_once(poller, &report);
        if (clock->cycle != NULL)
            clock->cycle(clock->userdata, err, &report);
        if (err == AW_OK) {
            failures = 0;
            if (last != NULL)
                *last = report;
            bool idle = report.event == IPA_POLL_NO_PACKAGE || report.event == IPA_POLL_EIM_ERROR;
            if (idle && once)
                return AW_OK;
            /* after a package at once again (more may wait), yet through the
             * clock so a stop request is seen */
            wait = idle ? poller->config.interval_ms : 0;
        } else {
            failures++;
            if (!ipa_poll_error_is_transient(err) || failures >= poller->config.retry_limit)
                return err;
            uint8_t random[4] = {0};
            if (crypto_random_bytes(random, sizeof(random)) != AW_OK)
                memset(random, 0, sizeof(random)); /* no jitter is still a bounded wait */
            wait = ipa_poll_backoff_ms(poller->config.retry_base_ms, poller->config.retry_max_ms,
                                       failures,
                                       (uint32_t)random[0] << 24 | (uint32_t)random[1] << 16 |
                                           (uint32_t)random[2] << 8 | random[3]);
        }
        if (!clock->sleep(clock->userdata, wait))
            return AW_OK;
    }
}
