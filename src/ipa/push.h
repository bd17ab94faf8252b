/* airwrite IPA: eIM Package injection, the IPA's side (SGP.32 3.1.1.2 "eIM
 * Package Injection", ESipa.TransferEimPackage 6.3.2.8: the eIM is the
 * client, the IPA answers). Part of the IPA's public interface (included by
 * ipa/ipa.h).
 *
 * - ipa_push_handle (push.c): one TransferEimPackageRequest (BF4E) run on
 *   the eUICC by the poll loop's own steps (poll_package.c), answered with
 *   a TransferEimPackageResponse (BF4E):
 *     euiccPackageRequest        -> euiccPackageResult (ES10b.LoadEuiccPackage)
 *     ipaEuiccDataRequest        -> ipaEuiccDataResponse
 *     eimAcknowledgements        -> eimPackageReceived (passed to the eUICC)
 *     profileDownloadTriggerRequest -> eimPackageReceived; the download runs
 *       afterwards (ipa_push_run_trigger) and its ProfileDownloadTriggerResult
 *       reaches the eIM by ESipa.ProvideEimPackageResult, the response having
 *       no alternative for it;
 *     not decodable              -> eimPackageError invalidPackageFormat(1),
 *       a BF4E of an alternative this version does not know: unknownPackage(2),
 *       the eUICC or the IPA failing: undefinedError(127).
 *   An operation the poller still has in flight (its journal) is finished
 *   first, over its ESipa client, so a pushed package never overwrites a
 *   result not yet delivered.
 * - ipa_listener (push_listener.c): the HTTPS endpoint of the ASN.1 binding
 *   (POST of the BF4E to /gsma/rsp2/asn1, application/x-gsma-rsp-asn1, as
 *   the IPA's own ESipa requests, SGP.32 6.1 / 6.3) on core/http_server,
 *   with the same TLS policy and mutual TLS always: the eIM must present a
 *   certificate chaining to the configured CA (SGP.32 3.1.2: the eIM and
 *   the IPA authenticate each other; the eIM Configuration Data's
 *   trustedPublicKeyDataTls names that trust). Unsigned eIM Packages (data
 *   requests, triggers, acknowledgements) would otherwise be anyone's to
 *   send.
 *
 * BLOCKING on the card (and, for triggers, HTTPS): the listener serves one
 * request at a time on the loop's thread; one ES10 session, one eUICC. */
#ifndef AIRWRITE_IPA_PUSH_H
#define AIRWRITE_IPA_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sgp32_esipa.h"
#include "ipa/esipa.h"

struct event_base;

#define IPA_PUSH_BODY_MAX (64u * 1024u) /* a TransferEimPackageRequest, bytes */

/* What ipa_push_handle did. */
typedef struct ipa_push_outcome {
    sgp32_eim_package_kind package;  /* what came (NONE: not decodable) */
    sgp32_transfer_eim_package_response_kind answer;
    int64_t eim_package_error;       /* answer EIM_PACKAGE_ERROR: SGP32_EIM_PACKAGE_RESULT_* */
    aw_err cause;                    /* why an eimPackageError was answered (AW_OK otherwise) */
    size_t recovered;                /* in-flight results delivered first */
    size_t acknowledged;             /* eimAcknowledgements: seqNumbers passed to the eUICC */
    uint8_t *trigger;                /* an accepted ProfileDownloadTriggerRequest (BF54,
                                      * malloc'd): run it with ipa_push_run_trigger */
    size_t trigger_len;
} ipa_push_outcome;

/* Free the trigger and zero the outcome. NULL-safe. */
void ipa_push_outcome_clear(ipa_push_outcome *outcome);

/* Answer one TransferEimPackageRequest (request: the POSTed body, at most
 * IPA_PUSH_BODY_MAX, else answered invalidPackageFormat) for poller's eUICC.
 * *answer (malloc'd) is the TransferEimPackageResponse: every input gets
 * one. Returns AW_OK with an answer, or the IPA's own failure without one
 * (AW_ERR_NOMEM, an encoder's error). */
aw_err ipa_push_handle(ipa_poller *poller, const uint8_t *request, size_t len, uint8_t **answer,
                       size_t *answer_len, ipa_push_outcome *outcome);

/* Run a trigger ipa_push_handle accepted (SGP.32 3.2): the poller's
 * download hook (without one: profileDownloadError undefinedError), then
 * the ProfileDownloadTriggerResult saved in the journal and delivered by
 * ESipa.ProvideEimPackageResult, as the poll loop does. Errors of
 * ipa_poll_once's delivery; the decoder's for a malformed trigger. */
aw_err ipa_push_run_trigger(ipa_poller *poller, const uint8_t *trigger, size_t len,
                            ipa_poll_report *report);

/* ---- Listener (push_listener.c) ----------------------------------------- */

/* One thing the listener did, for logs and tests. */
typedef struct ipa_listener_event {
    aw_err err;                      /* the handling's or the trigger's error */
    const ipa_push_outcome *outcome; /* a request answered (NULL for a trigger) */
    const ipa_poll_report *trigger;  /* a trigger run and delivered (NULL for a request) */
} ipa_listener_event;

typedef struct ipa_listener_config {
    const char *address;             /* IP literal; NULL: "127.0.0.1" */
    uint16_t port;                   /* 0: ephemeral (ipa_listener_port) */
    const char *certificate_file;    /* required: the IPA's TLS certificate chain (PEM) */
    const char *key_file;            /* required: its private key (PEM) */
    const char *client_ca_file;      /* required: CA certificates the eIM's TLS client
                                      * certificate must chain to (mutual TLS) */
    ipa_poller *poller;              /* required, borrowed: the eUICC, journal and eIM */
    unsigned timeout_ms;             /* connection idle timeout; 0: the server's default */
    void (*observe)(void *userdata, const ipa_listener_event *event); /* may be NULL */
    void *userdata;
} ipa_listener_config;

typedef struct ipa_listener ipa_listener;

/* Listen on base (AW_ERR_ARGUMENT for a missing credential, CA or poller;
 * errors of http_server_new / http_server_start). */
aw_err ipa_listener_new(struct event_base *base, const ipa_listener_config *config,
                        ipa_listener **out);
uint16_t ipa_listener_port(const ipa_listener *listener);
/* Stop and free; a trigger not yet run is dropped (the eIM still holds it
 * as sent and may push it again). NULL-safe. */
void ipa_listener_free(ipa_listener *listener);

#endif
