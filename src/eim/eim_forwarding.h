/* airwrite eIM: notifications held for forwarding and eIM Package
 * injection, part of the eIM's one public header (included at the end of
 * eim/eim.h; include that, not this). */
#ifndef AIRWRITE_EIM_EIM_FORWARDING_H
#define AIRWRITE_EIM_EIM_FORWARDING_H

/* ---- Notifications held for forwarding (notification_queue.c,
 * notification_forward.c; SGP.32 6.3.2.4) ----------------------------------
 * A notification whose forwarding failed is held before the IPA is
 * answered (so the IPA removes it from the eUICC only once the eIM holds
 * it, SGP.22 3.5): a row of eim_notification_queue with the exact bytes,
 * and a core db_queue job (queue EIM_NOTIFICATION_QUEUE) that the eIM
 * server's forwarder retries with exponential backoff until the receiver
 * accepts it, or until its attempts are used up: then it is dead, kept for
 * an operator to list and replay (airwrite-eim notifications). */

#define EIM_NOTIFICATION_QUEUE "eim.notification"
#define EIM_NOTIFICATION_DEFAULT_ATTEMPTS 10
#define EIM_NOTIFICATION_DEFAULT_RETRY_MS 30000 /* first retry; doubled each time */
#define EIM_NOTIFICATION_IDENTITY_MAX 48        /* an EID, or "transaction:" + 32 hex */
#define EIM_NOTIFICATION_LIST_MAX 1000u

typedef enum eim_notification_status {
    EIM_NOTIFICATION_PENDING = 1, /* waiting for the forwarder */
    EIM_NOTIFICATION_FORWARDED,   /* the receiver accepted it */
    EIM_NOTIFICATION_DEAD,        /* attempts used up: an operator replays it */
} eim_notification_status;

/* "pending", "forwarded", "dead" (NULL for another value). */
const char *eim_notification_status_name(eim_notification_status status);

/* One held notification (its bytes stay in the database). */
typedef struct eim_notification_record {
    int64_t id;
    char identity[EIM_NOTIFICATION_IDENTITY_MAX + 1];
    int64_t seq_number;
    char address[256];                /* its notificationAddress */
    eim_notification_status status;
    int64_t attempts;                 /* forwarder attempts, all replays included */
    int64_t last_error;               /* aw_err of the last failed attempt, 0 if none */
    int64_t replays;
    int64_t created_ms;
    int64_t updated_ms;
} eim_notification_record;

/* The held notifications in status with id > after_id, oldest first, at
 * most limit (1..EIM_NOTIFICATION_LIST_MAX). *out malloc'd (free()), NULL
 * when *count is 0. AW_ERR_ARGUMENT, AW_ERR_DB_*. */
aw_err eim_notification_list(db_connection *db, eim_notification_status status, int64_t after_id,
                             size_t limit, eim_notification_record **out, size_t *count);

/* Give a dead notification to the forwarder again (a fresh job with the
 * attempts and backoff given when it was held). AW_ERR_NOT_FOUND when id
 * is no dead notification. */
aw_err eim_notification_replay(db_connection *db, int64_t id, int64_t now_ms);

typedef struct eim_notification_stats {
    size_t forwarded;                 /* accepted by their receivers */
    size_t retrying;                  /* failed, tried again later */
    size_t dead;                      /* failed for the last time */
} eim_notification_stats;

/* The forwarder (notification_forward.c): claim up to limit
 * (1..DB_QUEUE_CLAIM_MAX) due jobs of EIM_NOTIFICATION_QUEUE for worker,
 * forward each by ES9+.HandleNotification to its notificationAddress,
 * and record the outcome: forwarded (also in eim_notification_forwarded),
 * retried later, or dead. stats (may be NULL) are added to. BLOCKING (ES9+):
 * worker threads only. Errors: the database's (a lost lease is not one). */
aw_err eim_notification_forward_due(eim_relay *relay, const eim_context *context,
                                    const char *worker, size_t limit, int64_t now_ms,
                                    eim_notification_stats *stats);

/* ---- eIM Package injection (push.c; SGP.32 3.1.1.2, 6.3.2.8) ---------- */

typedef struct eim_push_config {
    const char *ca_file;          /* required: CA certificates (PEM) of the IPA's TLS */
    const char *certificate_file; /* required: this eIM's TLS client certificate (PEM); the
                                   * IPA authenticates the eIM (SGP.32 3.1.2) */
    const char *key_file;         /* required: its private key (PEM) */
    unsigned timeout_ms;          /* whole exchange; 0: the HTTP client's default */
    bool tls12_only;              /* e.g. an IPA with a brainpoolP256r1 TLS certificate */
} eim_push_config;

/* An HTTPS client to IPAs (one per thread). AW_ERR_ARGUMENT without the CA,
 * certificate or key; http_client_new's errors. */
typedef struct eim_pusher eim_pusher;
aw_err eim_pusher_new(const eim_push_config *config, eim_pusher **out);
void eim_pusher_free(eim_pusher *pusher);
/* libcurl's text for the last network failure (for logs). */
const char *eim_pusher_last_error(const eim_pusher *pusher);

typedef struct eim_push_info {
    int64_t package_id;                /* the package pushed */
    sgp32_transfer_eim_package_response_kind answer; /* the IPA's answer */
    int64_t eim_package_error;         /* answer eimPackageError: EimPackageResultErrorCode */
    aw_err verdict;                    /* the answer's fate, as eim_esipa_handle's verdict:
                                        * AW_OK recorded, else why it was refused */
    bool pending;                      /* eimPackageReceived: the result comes later by
                                        * ESipa.ProvideEimPackageResult */
    size_t acknowledged;               /* seqNumbers pushed back as eimAcknowledgements */
    aw_err acknowledgement_error;      /* why that push failed (AW_OK otherwise) */
} eim_push_info;

/* Push the next package of eid (eim_package_next: the oldest not answered,
 * marked sent) to the IPA at url ("https://host[:port]", the ASN.1 binding's
 * path appended) as a TransferEimPackageRequest (SGP.32 6.3.2.8), record
 * the answer (eim_push_record) and push the EimAcknowledgements of what
 * was recorded back to the IPA. relay (may be NULL) forwards the
 * notifications of an ePRAndNotifications. AW_ERR_NOT_FOUND: nothing
 * queued; AW_ERR_EIM_UNKNOWN_EUICC; http_client_send's errors (the package
 * stays sent: a later push sends it again); AW_ERR_EIM_PUSH_RESPONSE for an
 * answer outside the binding (status, type, DER); the eIM's own failures.
 * A refused result is AW_OK with info->verdict set. */
aw_err eim_package_push(eim_pusher *pusher, const eim_context *context, eim_relay *relay,
                        const char *eid, const char *url, int64_t now_ms, eim_push_info *info);

/* Record an IPA's TransferEimPackageResponse (response, as received) to
 * package (the EuiccPackageRequest / IpaEuiccDataRequest / trigger TLV
 * pushed) through ESipa.ProvideEimPackageResult's path (6.3.2.7,
 * eim_esipa_handle or, with relay, eim_relay_serve): the result
 * alternatives as the EimPackageResult of the same tag, eimPackageError
 * as the eimPackageResultResponseError of the package's eimTransactionId,
 * eimPackageReceived as pending. *acknowledgements (malloc'd, NULL when
 * none) is the TransferEimPackageRequest of the EimAcknowledgements to push
 * back. info is reset but for package_id. AW_ERR_EIM_PUSH_RESPONSE for a
 * response that does not decode. */
aw_err eim_push_record(const eim_context *context, eim_relay *relay, const char *eid,
                       const uint8_t *package, size_t package_len, const uint8_t *response,
                       size_t response_len, int64_t now_ms, eim_push_info *info,
                       uint8_t **acknowledgements, size_t *acknowledgements_len);

#endif
