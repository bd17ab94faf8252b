/* airwrite IPA: the ESipa side of the IoT Profile Assistant (SGP.32 5.14
 * ESipa functions, 6.1 HTTPS transport, 6.3 ASN.1 binding; 3.4-3.6 the eIM
 * Package procedures) and its poll loop with a crash journal. Part of the
 * IPA's public interface (included by ipa/ipa.h).
 *
 * - ipa_esipa (esipa_client.c): one HTTPS client to one eIM. Each exchange
 *   POSTs an EsipaMessageFromIpaToEim to /gsma/rsp2/asn1 with the 6.1
 *   headers and decodes the EsipaMessageFromEimToIpa answer, bounded; or,
 *   with the JSON binding (esipa_json_client.c, 6.4), POSTs the message's
 *   JSON translation to /gsma/rsp2/esipa/<function> and translates the
 *   answer back.
 * - ipa_poller (poll.c, poll_package.c): the IPA's side of the eIM Package
 *   procedures: GetEimPackage, then per package ES10b.LoadEuiccPackage /
 *   IpaEuiccDataRequest / a download hook, ProvideEimPackageResult, and the
 *   eIM's EimAcknowledgements passed on to the eUICC.
 * - ipa_journal (journal.c): the operation in flight, in one small file
 *   replaced atomically, so a result is never lost across a crash: it is
 *   delivered before the next poll, and a package whose result the IPA never
 *   saw is recovered from the eUICC (which keeps results until acknowledged,
 *   SGP.32 2.11.1.2) with IpaEuiccDataRequest euiccPackageResultList.
 *
 * Library code: no sleeping of its own (ipa_poll_run waits through the
 * caller's clock), no printing; BLOCKING on HTTPS and the card. */
#ifndef AIRWRITE_IPA_ESIPA_H
#define AIRWRITE_IPA_ESIPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sgp22_info_common.h" /* SGP22_EID_SIZE */
#include "core/sgp32_esipa.h"

typedef struct ipa ipa;

/* ---- ESipa client (esipa_client.c) ------------------------------------- */

#define IPA_ESIPA_PATH "/gsma/rsp2/asn1"                 /* SGP.32 6.1 ASN.1 binding */
#define IPA_ESIPA_CONTENT_TYPE "application/x-gsma-rsp-asn1"
/* SGP.32 6.1 (v1.1 CR111005): an IPA in the device sends this User-Agent */
#define IPA_ESIPA_USER_AGENT "gsma-rsp-ipad"
/* SGP.32 6.1.1 "gsma/rsp/v<x.y.z>": the version this project implements,
 * as the eIM answers (src/eim EIM_ESIPA_ADMIN_PROTOCOL) */
#define IPA_ESIPA_ADMIN_PROTOCOL "gsma/rsp/v1.2.0"
#define IPA_ESIPA_DEFAULT_RESPONSE_MAX (1024u * 1024u) /* a BPP fits */
#define IPA_EIM_FQDN_MAX 255u

typedef struct ipa_esipa ipa_esipa;

/* The binding a client speaks (SGP.32 6.3 ASN.1, 6.4 JSON): the same
 * EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa either way, the JSON
 * binding translated at the edge (core/sgp32_esipa_json.h,
 * esipa_json_client.c), so every caller is unchanged. */
typedef enum ipa_esipa_binding {
    IPA_ESIPA_BINDING_ASN1 = 0, /* POST to /gsma/rsp2/asn1 (the default) */
    IPA_ESIPA_BINDING_JSON,     /* POST to /gsma/rsp2/esipa/<function> */
} ipa_esipa_binding;

/* "asn1" / "json" (NULL out of range), and back (AW_ERR_ARGUMENT). */
const char *ipa_esipa_binding_name(ipa_esipa_binding binding);
aw_err ipa_esipa_binding_parse(const char *name, ipa_esipa_binding *out);

typedef struct ipa_esipa_config {
    /* The eIM: "https://HOST[:PORT]" without a path (configuration), or,
     * when NULL, eim_fqdn (eimFqdn of ES10b.GetEimConfigurationData, SGP.32
     * 5.9.18) as "https://<eim_fqdn>". The TLS server certificate must name
     * that host (DNS name or IP address). */
    const char *eim_url;
    const char *eim_fqdn;
    const char *ca_file;          /* required: CA certificates (PEM) of the eIM's TLS */
    unsigned connect_timeout_ms;  /* 0: the HTTP client's default */
    unsigned timeout_ms;          /* whole exchange; 0: the HTTP client's default */
    size_t max_response;          /* body bytes; 0: IPA_ESIPA_DEFAULT_RESPONSE_MAX */
    bool tls12_only;              /* e.g. an eIM with a brainpoolP256r1 TLS certificate */
    ipa_esipa_binding binding;    /* 0: ASN.1 */
    /* SGP.32 IpaCapabilities minimizeEsipaBytes: every message goes out with
     * the parts the eIM holds left out (core/sgp32_compact.h
     * sgp32_minimize_esipa_message: no euiccInfo1 in InitiateAuthentication,
     * the eUICC's answers and notifications in compact form without
     * certificates); the eIM must hold the eUICC's euiccInfo1/2 and
     * certificates (IpaEuiccData). */
    bool minimize_esipa_bytes;
    /* The eIM implements SGP.32 v1.0: every message goes out in the v1.0
     * forms (core/sgp32_esipa.h sgp32_convert_esipa_message_to_v1_0: no eidValue in
     * ProvideEimPackageResult, bare notifications, v1.0 profileDownloadError;
     * docs/sgp32-versions.md). ASN.1 binding only, not with
     * minimize_esipa_bytes (AW_ERR_ARGUMENT). */
    bool eim_sgp32_v1_0;
} ipa_esipa_config;

/* Whether client sends the compact forms (minimize_esipa_bytes): the IPA
 * then announces minimizeEsipaBytes in its IpaCapabilities. */
bool ipa_esipa_minimizes(const ipa_esipa *client);

/* AW_ERR_ARGUMENT: no ca_file, neither eim_url nor eim_fqdn, an eim_url
 * not "https://" or with a path, an eim_fqdn not a host name
 * ([A-Za-z0-9.-], at most IPA_EIM_FQDN_MAX). */
aw_err ipa_esipa_new(const ipa_esipa_config *config, ipa_esipa **out);
void ipa_esipa_free(ipa_esipa *client);

/* The HTTP exchange under a client, replaceable (fuzzing, tests): post
 * sends body and returns the answer's status, Content-Type (NULL: none)
 * and body, all valid until the next call; AW_ERR_* for a failed
 * exchange. */
typedef struct ipa_esipa_http {
    aw_err (*post)(void *userdata, const uint8_t *body, size_t len, int *status,
                   const char **content_type, aw_slice *answer);
    void *userdata;
} ipa_esipa_http;

/* A client over http instead of HTTPS (max_response 0: the default; an
 * answer over it is AW_ERR_LIMIT). */
aw_err ipa_esipa_new_custom(const ipa_esipa_http *http, size_t max_response, ipa_esipa **out);

/* The endpoint URL ("https://host[:port]/gsma/rsp2/asn1", with the JSON
 * binding "https://host[:port]/gsma/rsp2/esipa/"; "" for a custom
 * client, which speaks the ASN.1 binding). */
const char *ipa_esipa_url(const ipa_esipa *client);

/* libcurl's text for the last network failure (for logs; never bodies). */
const char *ipa_esipa_last_error(const ipa_esipa *client);

/* One ESipa exchange: message encoded and POSTed; the answer must be an
 * EsipaMessageFromEimToIpa of kind expected. *answer points into the
 * client's copy of the response, valid until the next exchange. Errors:
 * those of http_client_send (AW_ERR_HTTP_*, AW_ERR_LIMIT for an answer over
 * max_response), encoder errors, and those of ipa_esipa_decode_answer.
 * With the JSON binding the message goes to its function's path as the
 * 6.4 request and the answer (200, application/json) is translated back:
 * the same answer, an error alternative for a "Failed" status;
 * AW_ERR_IPA_ESIPA_RESPONSE for an answer that is not the function's,
 * AW_ERR_STATE for a message the binding has no function for. */
aw_err ipa_esipa_exchange(ipa_esipa *client, const sgp32_esipa_message_from_ipa_to_eim *message,
                          sgp32_esipa_eim_to_ipa_kind expected,
                          sgp32_esipa_message_from_eim_to_ipa *answer);

/* The same for a message already encoded (a ProvideEimPackageResult kept
 * in the journal goes out byte for byte). */
aw_err ipa_esipa_exchange_der(ipa_esipa *client, const uint8_t *message, size_t len,
                              sgp32_esipa_eim_to_ipa_kind expected,
                              sgp32_esipa_message_from_eim_to_ipa *answer);

/* A message the eIM acknowledges without an answer, already encoded:
 * HandleNotificationEsipa (SGP.32 6.3.2.4), which the eIM answers 204 No
 * Content (6.1). POSTed like an exchange, on the same client (and TLS
 * connection). AW_ERR_IPA_ESIPA_HTTP_STATUS for any status but 204 (200
 * included: a notification has no answer); the errors of
 * http_client_send (AW_ERR_HTTP_*, AW_ERR_LIMIT). */
aw_err ipa_esipa_notify(ipa_esipa *client, const uint8_t *message, size_t len);

/* Check one HTTP answer of the ASN.1 binding (SGP.32 6.1): status 200,
 * Content-Type application/x-gsma-rsp-asn1 (content_type may carry
 * parameters), a body that decodes as one EsipaMessageFromEimToIpa of kind
 * expected. AW_ERR_IPA_ESIPA_HTTP_STATUS (any other status, 204 included:
 * GetEimPackage and ProvideEimPackageResult always have an answer),
 * AW_ERR_IPA_ESIPA_RESPONSE (content type, DER, trailing bytes, kind). */
aw_err ipa_esipa_decode_answer(int status, const char *content_type, const uint8_t *body,
                               size_t len, sgp32_esipa_eim_to_ipa_kind expected,
                               sgp32_esipa_message_from_eim_to_ipa *out);

/* The eimFqdn of the first eIM configured on the eUICC (ES10b.
 * GetEimConfigurationData), as text. AW_ERR_NOT_FOUND: no eIM, or none
 * with an eimFqdn; AW_ERR_LIMIT: longer than cap - 1. */
aw_err ipa_eim_fqdn(ipa *session, char *fqdn, size_t cap);

/* ---- Journal (journal.c) ----------------------------------------------- */

#define IPA_JOURNAL_MAX (256u * 1024u) /* file size bound */

typedef enum ipa_journal_state {
    IPA_JOURNAL_IDLE = 0,        /* nothing in flight */
    IPA_JOURNAL_LOADING,         /* an eUICC Package went to the eUICC, its result not yet seen */
    IPA_JOURNAL_DELIVERING,      /* a ProvideEimPackageResult waits to reach the eIM */
    IPA_JOURNAL_ACKNOWLEDGING,   /* the eIM's EimAcknowledgements wait to reach the eUICC */
} ipa_journal_state;

/* The journal's content. Slices point into the decoded buffer. */
typedef struct ipa_journal {
    ipa_journal_state state;
    aw_slice message;            /* DELIVERING: ProvideEimPackageResult TLV (BF50) */
    aw_slice acknowledgements;   /* ACKNOWLEDGING: EimAcknowledgements TLV (BF53) */
} ipa_journal;

/* The file format: SEQUENCE { version [0] INTEGER (1), state [1] INTEGER,
 * message [2] OCTET STRING OPTIONAL, acknowledgements [3] OCTET STRING
 * OPTIONAL }, exactly the fields of its state, the nested messages
 * decodable by the core codecs. AW_ERR_IPA_JOURNAL for anything else
 * (other version, state, missing or extra field, a nested message that
 * does not decode, trailing bytes). */
aw_err ipa_journal_decode(const uint8_t *buf, size_t len, ipa_journal *out);
aw_err ipa_journal_encode(const ipa_journal *journal, uint8_t **out, size_t *out_len);

/* Read path (absent: IDLE; *buffer NULL) into *buffer (malloc'd, the
 * slices of *out point into it). AW_ERR_IPA_JOURNAL, AW_ERR_LIMIT (over
 * IPA_JOURNAL_MAX), AW_ERR_IO. */
aw_err ipa_journal_read(const char *path, uint8_t **buffer, ipa_journal *out);
/* Replace path atomically (aw_file_write_atomic, mode 0600). */
aw_err ipa_journal_write(const char *path, const ipa_journal *journal);

/* ---- Poll loop (poll.c, poll_package.c) -------------------------------- */

/* The indirect/direct Profile download a ProfileDownloadTriggerRequest
 * asks for (SGP.32 3.2). run carries it out and returns the
 * ProfileDownloadTriggerResult (BF54, malloc'd, its eimTransactionId the
 * trigger's); an aw_err from run is reported to the eIM as
 * profileDownloadError undefinedError. features: the IpaCapabilities
 * ipaFeatures bits (SGP32_IPA_*) the hook implements. */
typedef struct ipa_download_hook {
    aw_err (*run)(void *userdata, ipa *session,
                  const sgp32_profile_download_trigger_request *trigger, uint8_t **result,
                  size_t *result_len);
    void *userdata;
    uint32_t features;
} ipa_download_hook;

/* The notifications left pending on the eUICC (SGP.22 3.5), sent to their
 * receivers and removed once accepted, at the end of every poll cycle:
 * what a failed delivery or a restart left there goes out then (e.g.
 * ipa_notifications_hook of ipa/notification.h). send reports how many
 * were accepted and how many were kept; an error of send ends the cycle
 * with it (the card); send NULL: none are sent. */
typedef struct ipa_notification_hook {
    aw_err (*send)(void *userdata, ipa *session, size_t *sent, size_t *kept);
    void *userdata;
} ipa_notification_hook;

/* The device's terminal information (IMEI, module firmware, signal,
 * location) sealed to the platform's key and sent before each cycle's
 * ESipa exchange when configured (issue 8; ipa/terminal_info.h,
 * ipa_terminal_info_poll_hook). Its error is the cycle's report's
 * terminal_info_error only: a platform that refuses it (its location
 * policy then sees no fix) does not stop the eIM exchange. report NULL:
 * none sent (SGP.32 behaviour unchanged). */
typedef struct ipa_terminal_info_hook {
    aw_err (*report)(void *userdata, const uint8_t eid[SGP22_EID_SIZE]);
    void *userdata;
} ipa_terminal_info_hook;

/* Points where an observer is told what is durable (tests kill the
 * process there to prove nothing is lost). */
typedef enum ipa_poll_checkpoint {
    IPA_POLL_CHECKPOINT_LOADED = 1,    /* LoadEuiccPackage answered; journal still LOADING */
    IPA_POLL_CHECKPOINT_RESULT_SAVED,  /* journal DELIVERING; ProvideEimPackageResult next */
    IPA_POLL_CHECKPOINT_DELIVERED,     /* the eIM answered; journal ACKNOWLEDGING or IDLE */
} ipa_poll_checkpoint;

#define IPA_POLL_DEFAULT_INTERVAL_MS 60000u
#define IPA_POLL_DEFAULT_RETRY_BASE_MS 1000u
#define IPA_POLL_DEFAULT_RETRY_MAX_MS 300000u
#define IPA_POLL_DEFAULT_RETRY_LIMIT 8u

typedef struct ipa_poll_config {
    ipa *session;                /* borrowed: the ES10 session */
    ipa_esipa *esipa;            /* borrowed: the eIM */
    const char *journal_path;    /* NULL: in memory only (lost with the process) */
    ipa_download_hook download;  /* run NULL: triggers answered profileDownloadError 127 */
    ipa_notification_hook notifications; /* send NULL: pending notifications not sent */
    ipa_terminal_info_hook terminal_info; /* report NULL: none sent (helper terminfo) */
    unsigned interval_ms;        /* wait when no package is available; 0: default */
    unsigned retry_base_ms;      /* first wait after a network failure; 0: default */
    unsigned retry_max_ms;       /* cap of the wait; 0: default */
    unsigned retry_limit;        /* failed cycles in a row before giving up; 0: default */
    void (*checkpoint)(void *userdata, ipa_poll_checkpoint point); /* may be NULL */
    void *checkpoint_userdata;
} ipa_poll_config;

typedef struct ipa_poller ipa_poller;

/* Read the EID (ES10c.GetEID) and the journal. Errors of ipa_journal_read
 * (a malformed journal is never overwritten: the caller decides) and of
 * the ES10 session; AW_ERR_ARGUMENT without session or esipa. */
aw_err ipa_poller_new(const ipa_poll_config *config, ipa_poller **out);
void ipa_poller_free(ipa_poller *poller);

/* The IPA saw a local change (SGP.32 5.14.6): the next GetEimPackageRequest
 * carries notifyStateChange and cause (SGP32_STATE_CHANGE_*), until one is
 * answered. */
void ipa_poller_note_state_change(ipa_poller *poller, int64_t cause);

/* What one cycle did. */
typedef enum ipa_poll_event {
    IPA_POLL_NO_PACKAGE = 1,     /* eimPackageError noEimPackageAvailable */
    IPA_POLL_EIM_ERROR,          /* another eimPackageError (eim_package_error) */
    IPA_POLL_EUICC_PACKAGE,      /* an eUICC Package run, its result delivered */
    IPA_POLL_EUICC_DATA,         /* an IpaEuiccDataRequest answered */
    IPA_POLL_DOWNLOAD_TRIGGER,   /* a Profile Download Trigger answered */
} ipa_poll_event;

typedef struct ipa_poll_report {
    ipa_poll_event event;
    int64_t eim_package_error;   /* IPA_POLL_EIM_ERROR */
    size_t recovered;            /* results delivered from the journal or the eUICC first */
    size_t delivered;            /* ProvideEimPackageResult exchanges answered */
    size_t refused;              /* of them answered provideEimPackageResultError */
    int64_t provide_error;       /* the last such error */
    size_t acknowledged;         /* seqNumbers passed to the eUICC */
    size_t notifications_sent;   /* pending notifications their receivers accepted */
    size_t notifications_kept;   /* pending notifications not accepted: left pending */
    bool terminal_info_sent;     /* the terminal information hook ran and the platform took it */
    aw_err terminal_info_error;  /* what it returned otherwise (AW_OK when it did not run) */
} ipa_poll_report;

/* One cycle (SGP.32 3.4-3.6 on the IPA's side): first what the journal
 * holds (a result to deliver, acknowledgements to pass on, or a package
 * whose result must be fetched from the eUICC), then GetEimPackage and
 * the package it returns, then the pending notifications (the
 * notification hook; also after a network failure of the cycle, whose
 * error is returned). A network failure keeps what is in flight for
 * the next cycle. Errors: AW_ERR_HTTP_*, AW_ERR_LIMIT,
 * AW_ERR_IPA_ESIPA_*, the ES10 session's, AW_ERR_IO (journal). */
aw_err ipa_poll_once(ipa_poller *poller, ipa_poll_report *report);

/* Whether a cycle's error is worth retrying (network, eIM answers). */
bool ipa_poll_error_is_transient(aw_err err);

/* The wait before retry number attempt (1, 2, ...): base * 2^(attempt-1)
 * capped at max, with "equal jitter" (a uniformly random part of the upper
 * half, random a 32-bit random value) so devices do not retry in step. */
unsigned ipa_poll_backoff_ms(unsigned base_ms, unsigned max_ms, unsigned attempt,
                             uint32_t random);

/* The caller's clock: sleep returns false to stop the loop (a signal).
 * cycle (may be NULL) observes each cycle's outcome (for logs). */
typedef struct ipa_poll_clock {
    bool (*sleep)(void *userdata, unsigned ms);
    void *userdata;
    void (*cycle)(void *userdata, aw_err err, const ipa_poll_report *report);
} ipa_poll_clock;

/* Cycle until stopped: after a package at once again, after
 * noEimPackageAvailable (or another eimPackageError) interval_ms, after a
 * transient error ipa_poll_backoff_ms. once: return AW_OK after the first
 * cycle that found no package. Returns AW_OK when the clock stops it, the
 * error of retry_limit failed cycles in a row, or a non-transient error at
 * once. last (may be NULL) gets the last cycle's report. */
aw_err ipa_poll_run(ipa_poller *poller, const ipa_poll_clock *clock, bool once,
                    ipa_poll_report *last);

#endif
