/* airwrite eIM: the SGP.32 eSIM IoT remote Manager's one public interface.
 *
 * - Registry (registry.c, registry_parse.c): the eUICCs this eIM manages,
 *   each with its EID, the eimId it is known under, its counterValue
 *   (SGP.32 2.11.1.1 replay protection, strictly increasing and committed
 *   before a package can leave), its associationToken, the reference of the
 *   eIM signing key used for it, and once known its eUICC and EUM
 *   certificates. Bulk registration from CSV or JSON, all or nothing.
 * - eIM Packages (package.c, euicc_data.c, download.c): eUICC Packages of
 *   PSMOs and eCOs (SGP.32 2.11.1) built with the core encoders and signed
 *   as 2.11.1.1 specifies, IPA eUICC data requests (2.11.2) and Profile
 *   Download Triggers (2.11.3), queued per eUICC in the database;
 *   GetEimPackage hands them out oldest first.
 * - Results (result.c, euicc_data.c, download.c): EuiccPackageResult
 *   (2.11.1.2) verified with the eUICC's key from its certificate chain to
 *   a trusted CI and matched with the package sent (eimId, counterValue,
 *   eimTransactionId) before being recorded, once; IpaEuiccData (the
 *   eUICC's certificates, results whose answer was lost); download results
 *   (a ProfileInstallationResult verified the same way).
 * - ESipa (esipa.c, esipa_json.c, server.c): GetEimPackage and
 *   ProvideEimPackageResult (SGP.32 6.3.2.6, 6.3.2.7) over the ASN.1
 *   binding, and every ESipa function the eIM serves over the JSON
 *   binding (6.4, translated to the ASN.1 messages) on HTTPS.
 * - eIM Package injection (push.c): the next package pushed to the IPA by
 *   ESipa.TransferEimPackage (6.3.2.8, the IPA listening), its answer
 *   recorded through ProvideEimPackageResult's path.
 * - Indirect download relay (relay.c, relay_notify.c): the ESipa download
 *   functions (6.3.2.1-6.3.2.5) relayed to the SM-DP+ over ES9+
 *   (core/es9p_client.h) on worker threads, notifications forwarded once;
 *   one that cannot be forwarded at once is held and forwarded later
 *   (notification_queue.c, notification_forward.c).
 *
 * One db_connection per thread, as core/db.h requires.
 */
#ifndef AIRWRITE_EIM_EIM_H
#define AIRWRITE_EIM_EIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/error.h"
#include "core/pki.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_ipa.h"
#include "core/sgp32_package.h"

struct event_base;

#define EIM_EID_DIGITS 32                 /* EID as text (SGP.29) */
#define EIM_KEY_REFERENCE_MAX 32          /* signing key reference: [A-Za-z0-9._-]{1,32} */
#define EIM_COUNTER_MAX INT64_C(0x7FFFFFFF) /* highest counterValue (SGP.32 2.11.1.1) */
#define EIM_BATCH_MAX_BYTES (8u * 1024u * 1024u) /* registration file size limit */
#define EIM_BATCH_MAX_RECORDS 100000u
#define EIM_CERTIFICATE_MAX 4096u         /* DER bytes of one certificate */
#define EIM_TRANSACTION_ID_SIZE 16u       /* eimTransactionId this eIM allocates */
#define EIM_MAX_OPERATIONS 16u            /* operations per queued package */

/* ---- Database --------------------------------------------------------- */

/* Create or upgrade the eIM tables (component "eim"). */
aw_err eim_migrate(db_connection *db);

/* ---- Registry --------------------------------------------------------- */

typedef enum eim_euicc_state {
    EIM_EUICC_REGISTERED = 1, /* registered, never heard from */
    EIM_EUICC_ACTIVE,         /* its IPA has contacted this eIM */
} eim_euicc_state;

/* The SGP.32 version an eUICC implements (major * 100 + minor), as the
 * operator registered it. Only the registry sets it, never a message: the
 * v1.0 tolerances (docs/sgp32-versions.md) apply to eUICCs registered as
 * v1.0, so nothing a peer sends can select them (no downgrade). */
typedef enum eim_sgp32_version {
    EIM_SGP32_VERSION_1_0 = 100,
    EIM_SGP32_VERSION_1_1 = 101,
    EIM_SGP32_VERSION_1_2 = 102,      /* the default */
} eim_sgp32_version;

/* One eUICC. Certificates are DER (NULL/0 when not known yet). */
typedef struct eim_euicc {
    char eid[EIM_EID_DIGITS + 1];
    char eim_id[SGP32_EIM_ID_MAX + 1];
    int64_t counter_value;            /* last counterValue used (the eUICC accepts only higher) */
    bool has_association_token;
    int64_t association_token;
    char signing_key[EIM_KEY_REFERENCE_MAX + 1];
    uint8_t *euicc_certificate;
    size_t euicc_certificate_len;
    uint8_t *eum_certificate;
    size_t eum_certificate_len;
    eim_euicc_state state;
    int64_t last_contact_ms;          /* 0: never */
    int64_t registered_ms;
    eim_sgp32_version sgp32_version;  /* 0 when registering: EIM_SGP32_VERSION_1_2 */
} eim_euicc;

/* Free the certificates and zero the record. NULL-safe. */
void eim_euicc_clear(eim_euicc *euicc);

/* Values a registration record takes when its file leaves them out. */
typedef struct eim_registry_defaults {
    const char *eim_id;               /* required: this eIM's eimId */
    const char *signing_key;          /* NULL: "eim" */
} eim_registry_defaults;

/* A parsed registration batch. */
typedef struct eim_batch {
    eim_euicc *records;
    size_t count;
} eim_batch;

void eim_batch_free(eim_batch *batch);

/* Parse a registration batch (bounded: EIM_BATCH_MAX_BYTES,
 * EIM_BATCH_MAX_RECORDS, EIM_CERTIFICATE_MAX). CSV (RFC 4180) has a header
 * naming its columns: eid (required), eim_id, counter_value,
 * association_token, signing_key, euicc_certificate, eum_certificate
 * (certificates base64 DER), sgp32_version ("1.0", "1.1" or "1.2", the
 * default); JSON is {"euiccs": [{...}]} with the same
 * member names (counter_value and association_token numbers). Errors:
 * AW_ERR_EIM_IMPORT_SYNTAX / _HEADER / _FIELD / _EID / _DUPLICATE (an EID
 * twice in the batch) / _CERTIFICATE (not base64 DER or over the limit),
 * AW_ERR_LIMIT, AW_ERR_ARGUMENT (no defaults->eim_id). line (may be NULL)
 * receives the 1-based record (CSV line or JSON array index + 1) at fault,
 * 0 for the file as a whole. */
aw_err eim_registry_parse_csv(const uint8_t *data, size_t len,
                              const eim_registry_defaults *defaults, eim_batch **out,
                              size_t *line);
aw_err eim_registry_parse_json(const uint8_t *data, size_t len,
                               const eim_registry_defaults *defaults, eim_batch **out,
                               size_t *line);

/* Register a batch in one transaction: all or nothing. With trust (may be
 * NULL), every record carrying certificates must have a chain CI -> EUM ->
 * eUICC valid at now_ms for its EID (AW_ERR_EIM_IMPORT_CERTIFICATE, line
 * set); a record with one certificate but not the other is refused the
 * same way. An EID already registered: AW_ERR_EIM_IMPORT_DUPLICATE. */
aw_err eim_registry_import(db_connection *db, const eim_batch *batch, const pki_trust_store *trust,
                           int64_t now_ms, size_t *line);

/* Record the SGP.32 version of a registered eUICC (an operator's act, e.g.
 * after a firmware update). AW_ERR_ARGUMENT for a version not in
 * eim_sgp32_version, AW_ERR_EIM_UNKNOWN_EUICC. */
aw_err eim_registry_set_sgp32_version(db_connection *db, const char *eid,
                                      eim_sgp32_version version);

/* "1.0", "1.1" or "1.2" as an eim_sgp32_version; AW_ERR_ARGUMENT for any
 * other text (the registration column and airwrite-eim set-version). */
aw_err eim_sgp32_version_parse(const char *text, eim_sgp32_version *out);

/* One eUICC by EID text (AW_ERR_EIM_UNKNOWN_EUICC if not registered). */
aw_err eim_registry_get(db_connection *db, const char *eid, eim_euicc *out);

/* Record the eUICC and EUM certificates once seen, after verifying the
 * chain to a CI of trust at now_ms for the eUICC's EID (AW_ERR_PKI_*). */
aw_err eim_registry_set_certificates(db_connection *db, const char *eid,
                                     const pki_trust_store *trust, const uint8_t *euicc_der,
                                     size_t euicc_len, const uint8_t *eum_der, size_t eum_len,
                                     int64_t now_ms);

/* Record the eUICC's EUICCInfo1 (BF20) and EUICCInfo2 (BF22) as its
 * ES10b.GetEUICCInfo gives them (either may be NULL: kept as held), for
 * an IPA that minimizes ESipa bytes (SGP.32 minimizeEsipaBytes: the eIM
 * supplies euiccInfo1 to InitiateAuthentication and rebuilds EuiccSigned1
 * from euiccInfo2). IpaEuiccData carrying them records them the same way.
 * AW_ERR_ARGUMENT (wrong tags, nothing given), AW_ERR_EIM_UNKNOWN_EUICC. */
aw_err eim_registry_set_euicc_info(db_connection *db, const char *eid, const uint8_t *euicc_info1,
                                   size_t euicc_info1_len, const uint8_t *euicc_info2,
                                   size_t euicc_info2_len, int64_t now_ms);

/* Spend the next counterValue of an eUICC atomically (concurrent callers on
 * any connection never get the same value) and return it; the new value is
 * committed before this returns. AW_ERR_STATE inside a transaction,
 * AW_ERR_EIM_COUNTER_EXHAUSTED past EIM_COUNTER_MAX. */
aw_err eim_registry_allocate_counter(db_connection *db, const char *eid, int64_t *counter);

/* ---- Signing keys ----------------------------------------------------- */

/* The eIM's signing keys (SK.EIM.ECDSA) by reference. */
typedef struct eim_key_ring eim_key_ring;

aw_err eim_key_ring_new(eim_key_ring **out);
/* Add a key under reference (ownership of key taken, also on error).
 * AW_ERR_ARGUMENT for a malformed reference, AW_ERR_STATE if taken,
 * AW_ERR_LIMIT past 16 keys. */
aw_err eim_key_ring_add(eim_key_ring *ring, const char *reference, crypto_key *key);
/* Add a PEM private key file under reference. */
aw_err eim_key_ring_add_file(eim_key_ring *ring, const char *reference, const char *path);
/* The key of reference, or NULL. */
const crypto_key *eim_key_ring_find(const eim_key_ring *ring, const char *reference);
void eim_key_ring_free(eim_key_ring *ring);

/* ---- eUICC Packages --------------------------------------------------- */

/* One PSMO or eCO (SGP.32 2.11.1.1 / 2.11.1.2 "eCO"). */
typedef enum eim_operation_kind {
    EIM_OPERATION_NONE = 0,
    EIM_OPERATION_ENABLE,                    /* PSMO enable [3] */
    EIM_OPERATION_DISABLE,                   /* PSMO disable [4] */
    EIM_OPERATION_DELETE,                    /* PSMO delete [5] */
    EIM_OPERATION_LIST_PROFILE_INFO,         /* PSMO listProfileInfo [45] */
    EIM_OPERATION_GET_RAT,                   /* PSMO getRAT [6] */
    EIM_OPERATION_CONFIGURE_IMMEDIATE_ENABLE, /* PSMO configureImmediateEnable [7] */
    EIM_OPERATION_SET_FALLBACK_ATTRIBUTE,    /* PSMO setFallbackAttribute [8] */
    EIM_OPERATION_UNSET_FALLBACK_ATTRIBUTE,  /* PSMO unsetFallbackAttribute [9] */
    EIM_OPERATION_SET_DEFAULT_DP_ADDRESS,    /* PSMO setDefaultDpAddress [101] */
    EIM_OPERATION_ADD_EIM,                   /* eCO addEim [8] */
    EIM_OPERATION_DELETE_EIM,                /* eCO deleteEim [9] */
    EIM_OPERATION_UPDATE_EIM,                /* eCO updateEim [10] */
    EIM_OPERATION_LIST_EIM,                  /* eCO listEim [11] */
} eim_operation_kind;

typedef struct eim_operation {
    eim_operation_kind kind;
    const char *iccid;          /* enable, disable, delete, setFallbackAttribute: 19-20 digits */
    bool rollback;              /* enable: rollbackFlag */
    const char *address;        /* setDefaultDpAddress (may be ""); configureImmediateEnable:
                                 * defaultSmdpAddress, NULL for none */
    bool immediate_enable;      /* configureImmediateEnable: immediateEnableFlag */
    const char *eim_id;         /* deleteEim */
    const sgp32_eim_configuration_data *eim_configuration; /* addEim, updateEim (borrowed) */
} eim_operation;

/* Operation name as the CLI spells it ("enable", "list-profiles", ...) and
 * back; EIM_OPERATION_NONE / NULL when unknown. */
eim_operation_kind eim_operation_kind_from_name(const char *name);
const char *eim_operation_kind_name(eim_operation_kind kind);

/* What the eIM signs for one package. */
typedef struct eim_package_params {
    const char *eim_id;
    const char *eid;                   /* 32 digits */
    int64_t counter_value;
    const uint8_t *transaction_id;     /* NULL: no eimTransactionId */
    size_t transaction_id_len;         /* 1..16 */
    bool has_association_token;
    int64_t association_token;
} eim_package_params;

/* Build and sign an EuiccPackageRequest (BF51) of count operations, all
 * PSMOs or all eCOs (AW_ERR_EIM_PACKAGE otherwise, or for an invalid
 * argument). eimSignature covers euiccPackageSigned as encoded followed by
 * the associationToken data object (SGP.32 2.11.1.1). */
aw_err eim_package_build(const eim_package_params *params, const eim_operation *operations,
                         size_t count, const crypto_key *key, uint8_t **out, size_t *out_len);

/* What a queued eIM Package is (GetEimPackageResponse alternatives). */
typedef enum eim_package_kind {
    EIM_PACKAGE_KIND_EUICC_PACKAGE = 1, /* EuiccPackageRequest (BF51), 2.11.1 */
    EIM_PACKAGE_KIND_EUICC_DATA,        /* IpaEuiccDataRequest (BF52), 2.11.2 */
    EIM_PACKAGE_KIND_DOWNLOAD_TRIGGER,  /* ProfileDownloadTriggerRequest (BF54), 2.11.3 */
} eim_package_kind;

/* A queued package as stored. */
typedef enum eim_package_state {
    EIM_PACKAGE_QUEUED = 1,   /* waiting for GetEimPackage */
    EIM_PACKAGE_SENT,         /* handed to the IPA, no result yet */
    EIM_PACKAGE_DONE,         /* signed EuiccPackageResult / IpaEuiccData recorded */
    EIM_PACKAGE_FAILED,       /* signed EuiccPackageError / IpaEuiccDataResponseError */
    EIM_PACKAGE_WITHDRAWN,    /* withdrawn by its operator before it was handed out
                               * (eim_download_trigger_withdraw): never sent */
} eim_package_state;

const char *eim_package_state_name(eim_package_state state);

/* Allocate the eUICC's next counterValue and a fresh eimTransactionId,
 * build and sign the package with the eUICC's signing key from keys, and
 * queue it: one transaction, so the counter is committed together with the
 * package (nothing leaves with a counter the database does not hold).
 * package_id and counter (may be NULL) receive what was queued. Errors of
 * eim_package_build (also AW_ERR_EIM_PACKAGE for a PSMO that SGP.32 v1.0
 * lacks, for an eUICC registered as v1.0), AW_ERR_EIM_UNKNOWN_EUICC, AW_ERR_EIM_SIGNING_KEY,
 * AW_ERR_EIM_COUNTER_EXHAUSTED, AW_ERR_DB_*. */
aw_err eim_package_enqueue(db_connection *db, const eim_key_ring *keys, const char *eid,
                           const eim_operation *operations, size_t count, int64_t now_ms,
                           int64_t *package_id, int64_t *counter);

/* Longest caller reference of eim_package_enqueue_once (a platform
 * operation id is 28 characters). */
#define EIM_CLIENT_REFERENCE_MAX 64u

/* eim_package_enqueue at most once per (eid, client_reference)
 * (package_once.c): client_reference is the caller's own name for the
 * package, e.g. the id of the operation it carries out, 1 to
 * EIM_CLIENT_REFERENCE_MAX printable ASCII characters without space
 * (AW_ERR_ARGUMENT otherwise). The first call queues and signs as
 * eim_package_enqueue and keeps the reference with the package. A repeat
 * (a caller that crashed before it recorded the first call's outcome, or
 * two workers racing) signs and queues nothing and spends no counterValue:
 * package_id and counter receive the package already queued under the
 * reference, in whatever state it is now; operations are not compared with
 * its. A reference is unique per EID (UNIQUE (eid, client_reference)), so
 * two racing calls queue one package on SQLite and on PostgreSQL. Errors
 * as eim_package_enqueue. */
aw_err eim_package_enqueue_once(db_connection *db, const eim_key_ring *keys, const char *eid,
                                const eim_operation *operations, size_t count,
                                const char *client_reference, int64_t now_ms,
                                int64_t *package_id, int64_t *counter);

/* The next eIM Package for an eUICC (the oldest not yet answered: eUICC
 * Packages thus go out in counterValue order, and one whose answer was
 * lost is sent again), marked sent; the eUICC's last contact becomes now_ms.
 * *out is the EuiccPackageRequest or IpaEuiccDataRequest TLV. AW_ERR_NOT_FOUND
 * when none waits, AW_ERR_EIM_UNKNOWN_EUICC. *out is malloc'd. */
aw_err eim_package_next(db_connection *db, const char *eid, int64_t now_ms, uint8_t **out,
                        size_t *out_len, int64_t *package_id);

/* ---- Last contact (contact.c) ------------------------------------------ */

/* Last contact times of ACTIVE eUICCs kept in memory and written in one
 * transaction per flush, so a poll that finds nothing is a read. The time
 * is advisory: a crash loses at most the contacts noted since the last
 * flush (one flush interval), and eim_registry_get shows the time of the
 * last flush. One cache per thread (not thread-safe). */
typedef struct eim_contact_cache eim_contact_cache;

#define EIM_CONTACT_FLUSH_MS 1000u       /* default flush interval of the server */

aw_err eim_contact_cache_new(eim_contact_cache **out);
/* Free without writing (what a crash does). NULL-safe. */
void eim_contact_cache_free(eim_contact_cache *cache);
/* Remember that eid was in contact at now_ms (> 0; the later time wins).
 * AW_ERR_LIMIT when the cache cannot grow: write the contact at once. */
aw_err eim_contact_cache_note(eim_contact_cache *cache, const char *eid, int64_t now_ms);
/* eUICCs noted since the last flush. */
size_t eim_contact_cache_pending(const eim_contact_cache *cache);
/* Write every noted contact in one transaction (a row's last_contact_ms
 * only moves forward) and forget them; on failure they are kept for the
 * next flush. AW_ERR_STATE inside a transaction, AW_ERR_DB_*. */
aw_err eim_contact_cache_flush(eim_contact_cache *cache, db_connection *db);

/* eim_package_next for a poll (SGP.32 6.3.2.6) with a contact cache: an
 * ACTIVE eUICC with no package waiting costs one read and its last contact
 * goes to contacts (written by eim_contact_cache_flush); a first contact
 * (REGISTERED -> ACTIVE) and a package handed out are committed at once,
 * the last contact with them. contacts NULL: as eim_package_next. */
aw_err eim_package_poll(db_connection *db, eim_contact_cache *contacts, const char *eid,
                        int64_t now_ms, uint8_t **out, size_t *out_len, int64_t *package_id);

/* ---- Results ---------------------------------------------------------- */

typedef struct eim_result_info {
    int64_t package_id;
    int64_t counter_value;
    bool is_error;              /* euiccPackageErrorSigned */
    int64_t seq_number;         /* signed result: seqNumber to acknowledge */
    int64_t error_code;         /* signed error: EuiccPackageErrorCode */
    bool repeated;              /* recorded before, byte for byte: acknowledged again */
    bool is_unsigned;           /* an EuiccPackageErrorUnsigned: unauthenticated failure */
} eim_result_info;

/* Verify and record an EuiccPackageResult (BF51, exactly as received) that
 * eUICC eid returned (SGP.32 2.11.1.2): the package it answers is found by
 * counterValue among those sent to eid (AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE);
 * the eUICC's certificate chain verifies to a CI of trust at now_ms for eid
 * (AW_ERR_EIM_NO_CERTIFICATE, AW_ERR_PKI_*) and its key verifies
 * euiccSignEPR / euiccSignEPE over the signed data as received
 * (AW_ERR_SIGNATURE, AW_ERR_SIGNATURE_FORMAT); eimId and eimTransactionId
 * equal the package's (AW_ERR_EIM_RESULT_MISMATCH); no result was recorded
 * for it before (AW_ERR_EIM_RESULT_REPLAY), except that a signed result
 * replaces a recorded replayError (the eUICC's answer to a package sent
 * again after its first answer was lost), and that the recorded signed
 * result itself, byte for byte, is accepted again without being recorded
 * (info->repeated): the IPA lost its acknowledgement and delivers it once
 * more (SGP.32 6.3.2.7). An unsigned error is
 * recorded as the failure of the package its eimTransactionId names, with
 * the same eimId (info->is_unsigned; AW_ERR_EIM_RESULT_UNSIGNED without an
 * eimTransactionId), replaced by any signed answer for that package later.
 * Malformed DER: AW_ERR_DER_*. info may be NULL. */
aw_err eim_result_record(db_connection *db, const pki_trust_store *trust, const char *eid,
                         const uint8_t *result, size_t result_len, int64_t now_ms,
                         eim_result_info *info);

/* One package of an eUICC with its result, for reports. */
typedef struct eim_package_record {
    int64_t package_id;
    eim_package_kind kind;
    int64_t counter_value;      /* eUICC Packages; 0 for data requests */
    eim_package_state state;
    int64_t created_ms;
    int64_t sent_ms;            /* 0: not sent */
    int64_t result_ms;          /* 0: no result */
    int64_t seq_number;         /* DONE */
    int64_t error_code;         /* FAILED */
    uint8_t *result;            /* EuiccPackageResult / IpaEuiccDataResponse DER as
                                 * received; NULL without */
    size_t result_len;
} eim_package_record;

/* Every package of eid, oldest first (*out malloc'd; free with
 * eim_package_records_free). */
aw_err eim_package_list(db_connection *db, const char *eid, eim_package_record **out,
                        size_t *count);
void eim_package_records_free(eim_package_record *records, size_t count);

/* What became of one eUICC Package (package_status.c; the platform's card
 * operations watch their PSMOs with it). */
typedef enum eim_package_outcome {
    EIM_PACKAGE_OUTCOME_WAITING = 1,   /* queued or sent, no result yet */
    EIM_PACKAGE_OUTCOME_EXECUTED,      /* signed EuiccPackageResult: per-operation results */
    EIM_PACKAGE_OUTCOME_REFUSED,       /* signed EuiccPackageError: error_code */
    EIM_PACKAGE_OUTCOME_UNSIGNED_ERROR, /* EuiccPackageErrorUnsigned (a signed answer may
                                        * still replace it, result.c) */
    EIM_PACKAGE_OUTCOME_IPA_ERROR,     /* the IPA could not process it: error_code */
} eim_package_outcome;

typedef struct eim_package_status {
    eim_package_outcome outcome;
    int64_t error_code;                /* REFUSED, UNSIGNED_ERROR, IPA_ERROR */
    int64_t result_ms;                 /* when the result was recorded; 0 while waiting */
    size_t result_count;               /* EXECUTED: EuiccResultData in order */
    struct {
        sgp32_euicc_result_kind kind;  /* SGP32_EUICC_RESULT_ENABLE, ... */
        int64_t code;                  /* its INTEGER result (SGP32_RESULT_*), 0 for data */
    } results[EIM_MAX_OPERATIONS];
} eim_package_status;

/* The eUICC Package package_id queued for eid and its recorded (verified)
 * result. AW_ERR_NOT_FOUND: no such eUICC Package of eid; AW_ERR_DER_* or
 * AW_ERR_EIM_PACKAGE for a stored result that does not decode. */
aw_err eim_package_result_status(db_connection *db, const char *eid, int64_t package_id,
                                 eim_package_status *out);

/* ---- IPA eUICC data (SGP.32 2.11.2) ------------------------------------ */

/* The IpaEuiccData items this eIM asks for by default: euiccPackageResultList
 * (A2, results whose answer was lost), eumCertificate (A5) and
 * euiccCertificate (A6). */
#define EIM_EUICC_DATA_DEFAULT_TAGS "\xA2\xA5\xA6"

/* Queue an IpaEuiccDataRequest (BF52) for eid with tagList tags (1..16
 * octets of IpaEuiccData tags, AW_ERR_EIM_PACKAGE otherwise) and a fresh
 * eimTransactionId. AW_ERR_EIM_UNKNOWN_EUICC, AW_ERR_DB_*. */
aw_err eim_package_enqueue_euicc_data(db_connection *db, const char *eid, const uint8_t *tags,
                                      size_t tags_len, int64_t now_ms, int64_t *package_id);

typedef struct eim_euicc_data_info {
    int64_t package_id;
    bool certificates_stored;         /* eUICC + EUM certificates verified and kept */
    size_t result_count;              /* EuiccPackageResults in the list */
    size_t results_recorded;          /* of them verified and recorded (now or before) */
    size_t seq_number_count;          /* seqNumbers to acknowledge */
    int64_t seq_numbers[SGP32_MAX_EIM_ACKNOWLEDGEMENTS];
} eim_euicc_data_info;

/* Record an IpaEuiccDataResponse (BF52, exactly as received) that eUICC eid
 * returned for a data request: the request is found by eimTransactionId
 * among those sent to eid (AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE, also without
 * one), and answered once (AW_ERR_EIM_RESULT_REPLAY). eumCertificate and
 * euiccCertificate, when both present, must chain to a CI of trust for eid
 * (AW_ERR_PKI_*) and are kept (eim_registry_set_certificates); each
 * EuiccPackageResult of euiccPackageResultList goes through
 * eim_result_record, and the seqNumbers of those recorded, now or before
 * with the same bytes, are to be acknowledged. An ipaEuiccDataResponseError
 * marks the request failed with its code. info may be NULL. */
aw_err eim_euicc_data_record(db_connection *db, const pki_trust_store *trust, const char *eid,
                             const uint8_t *response, size_t response_len, int64_t now_ms,
                             eim_euicc_data_info *info);

/* ---- Profile Download Triggers (SGP.32 2.11.3, 3.2) -------------------- */

typedef enum eim_download_kind {
    EIM_DOWNLOAD_ACTIVATION_CODE = 1, /* profileDownloadData activationCode [0] */
    EIM_DOWNLOAD_DEFAULT_SMDP,        /* contactDefaultSmdp [1] */
    EIM_DOWNLOAD_SMDS,                /* contactSmds [2] */
} eim_download_kind;

typedef struct eim_download_trigger {
    eim_download_kind kind;
    const char *activation_code;      /* SGP.22 4.1 "1$ADDRESS$MATCHING-ID[...]", <= 255 bytes */
    const char *smds_address;         /* contactSmds: NULL for the eUICC's root SM-DS */
} eim_download_trigger;

/* Queue a ProfileDownloadTriggerRequest (BF54) for eid with a fresh
 * eimTransactionId. AW_ERR_EIM_PACKAGE (malformed Activation Code or
 * address), AW_ERR_EIM_UNKNOWN_EUICC, AW_ERR_DB_*. */
aw_err eim_package_enqueue_download_trigger(db_connection *db, const char *eid,
                                            const eim_download_trigger *trigger, int64_t now_ms,
                                            int64_t *package_id);

typedef struct eim_download_result_info {
    int64_t package_id;
    bool installed;                   /* a verified ProfileInstallationResult of success */
    int64_t error_reason;             /* else: SGP.22 errorReason or profileDownloadErrorReason */
    bool already_recorded;            /* the same installation result was recorded before */
} eim_download_result_info;

/* Record a ProfileDownloadTriggerResult (BF54, exactly as received) from
 * eid: matched by eimTransactionId with a trigger sent to eid
 * (AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE, also without one), once
 * (AW_ERR_EIM_RESULT_REPLAY), except that the installation result already
 * recorded for the trigger, byte for byte (relayed by HandleNotification
 * before the IPA's report, or the same report delivered again), is
 * accepted again, verified, without a change (info->already_recorded). A ProfileInstallationResult must verify
 * (euiccSignPIR over profileInstallationResultData, SGP.22 5.7.6) with the
 * eUICC's key from its chain to a CI of trust (AW_ERR_EIM_NO_CERTIFICATE,
 * AW_ERR_PKI_*, AW_ERR_SIGNATURE); the trigger is then done when the
 * profile was installed, failed with its errorReason otherwise. A
 * profileDownloadError marks it failed with its reason. info may be NULL. */
aw_err eim_download_result_record(db_connection *db, const pki_trust_store *trust,
                                  const char *eid, const uint8_t *result, size_t result_len,
                                  int64_t now_ms, eim_download_result_info *info);

/* What became of the triggers of one Activation Code for eid (its
 * operator's view, e.g. an order executor's): */
typedef enum eim_trigger_outcome {
    EIM_TRIGGER_NONE = 0,             /* no trigger of eid carries the code */
    EIM_TRIGGER_WAITING,              /* one is queued or sent, without a result */
    EIM_TRIGGER_INSTALLED,            /* one ended with a verified PIR of success */
    EIM_TRIGGER_INSTALL_FAILED,       /* the latest: a verified PIR of an error */
    EIM_TRIGGER_DOWNLOAD_FAILED,      /* the latest: the IPA's profileDownloadError
                                       * (no PIR: the download never installed) */
} eim_trigger_outcome;

typedef struct eim_trigger_status {
    eim_trigger_outcome outcome;      /* INSTALLED over WAITING over the latest failure */
    size_t count;                     /* triggers of eid queued with the code */
    int64_t error_reason;             /* a failure's errorReason or profileDownloadErrorReason */
} eim_trigger_status;

/* The Profile Download Triggers (SGP.32 2.11.3) queued for eid with exactly
 * activation_code, and what their results say (recorded by
 * eim_download_result_record or the relay's HandleNotification). A result
 * is DONE only once its PIR verified, so INSTALLED is the eUICC's signed
 * word. AW_ERR_ARGUMENT, AW_ERR_DB_*. */
aw_err eim_download_trigger_status(db_connection *db, const char *eid,
                                   const char *activation_code, eim_trigger_status *out);

/* What eim_download_trigger_withdraw did with the triggers of one
 * Activation Code for eid. */
typedef struct eim_trigger_withdrawal {
    size_t withdrawn;                 /* queued ones withdrawn now: never handed out */
    size_t outstanding;               /* handed out to the IPA, no result yet */
    size_t installed;                 /* ended with a verified PIR of success */
} eim_trigger_withdrawal;

/* Withdraw the Profile Download Triggers queued for eid with exactly
 * activation_code that GetEimPackage has not yet handed out (its operator,
 * e.g. an order executor, no longer wants the profile: the write order was
 * cancelled). One that the IPA already received cannot be called back
 * (SGP.32 has no such message): it is counted outstanding, and its result
 * comes as any other's. A withdrawn trigger is never sent, and no result
 * is accepted for it. In one transaction against the poll's hand-out (a
 * trigger is either withdrawn or sent, never both). AW_ERR_ARGUMENT,
 * AW_ERR_STATE inside a transaction on db, AW_ERR_DB_*. */
aw_err eim_download_trigger_withdraw(db_connection *db, const char *eid,
                                     const char *activation_code, int64_t now_ms,
                                     eim_trigger_withdrawal *out);

/* ---- ESipa ------------------------------------------------------------ */

/* Everything an ESipa exchange needs. */
typedef struct eim_context {
    db_connection *db;
    const pki_trust_store *trust;     /* CIs the eUICC chains must end at */
    eim_contact_cache *contacts;      /* NULL: every poll commits its last contact */
} eim_context;

/* An IPA could not process a package it got (SGP.32 6.3.2.7
 * EimPackageResultResponseError: invalidPackageFormat, unknownPackage,
 * undefinedError): the package sent to eid with transaction_id is marked
 * failed with that code, once (AW_ERR_EIM_RESULT_REPLAY); none sent (or
 * no transaction_id): AW_ERR_EIM_RESULT_UNKNOWN_PACKAGE;
 * AW_ERR_EIM_UNKNOWN_EUICC. error (the EimPackageResultResponseError
 * TLV as received) is kept as its result. */
aw_err eim_package_error_record(db_connection *db, const char *eid, const uint8_t *transaction_id,
                                size_t transaction_id_len, int64_t code, const uint8_t *error,
                                size_t error_len, int64_t now_ms, int64_t *package_id);

/* One ESipa message of the ASN.1 binding (SGP.32 6.3: EsipaMessageFromIpaToEim
 * in, EsipaMessageFromEimToIpa out). GetEimPackageRequest answers with the
 * next package or eimPackageError (noEimPackageAvailable, eidNotFound,
 * invalidEid); ProvideEimPackageResult records an EuiccPackageResult
 * (eim_result_record; alone or in ePRAndNotifications, whose notifications
 * eim_relay_serve forwards), an IpaEuiccDataResponse (eim_euicc_data_record), a
 * ProfileDownloadTriggerResult (eim_download_result_record) or the IPA's
 * eimPackageResultResponseError (eim_package_error_record) and answers with EimAcknowledgements of the seqNumbers recorded,
 * emptyResponse when there is none (a signed error, data without results), or
 * provideEimPackageResultError (missingEid, invalidEid, eidNotFound, and
 * undefinedError for a result refused). verdict (may be NULL) receives
 * why a package or result was refused (AW_ERR_EIM_*, AW_ERR_SIGNATURE,
 * AW_ERR_PKI_*, AW_ERR_NOT_FOUND for no package), AW_OK otherwise.
 * Messages of the download functions (eim_relay_serve relays them) are
 * AW_ERR_STATE here;
 * undecodable ones AW_ERR_DER_*. *out malloc'd. */
aw_err eim_esipa_handle(const eim_context *context, const uint8_t *request, size_t len,
                        int64_t now_ms, uint8_t **out, size_t *out_len, aw_err *verdict);

/* ---- Indirect Profile download relay (SGP.32 3.2, 6.3.2.1-6.3.2.5) -------- */

/* Where the ES9+ requests of an SM-DP+ address go: by default
 * "https://<smdpAddress>" (SGP.22 6.1); a route names another base URL
 * (e.g. a port, or a test's loopback address). */
typedef struct eim_smdp_route {
    const char *smdp_address;         /* as in smdpAddress / notificationAddress */
    const char *base_url;             /* "https://host[:port]" */
} eim_smdp_route;

typedef struct eim_relay_config {
    const char *ca_file;              /* required: CA certificates (PEM) of the SM-DP+ TLS */
    const eim_smdp_route *routes;     /* borrowed, must outlive the relay */
    size_t route_count;
    unsigned timeout_ms;              /* per ES9+ exchange; 0: the HTTP client's default */
    /* notifications held after a failed forwarding: forwarder attempts
     * (0: EIM_NOTIFICATION_DEFAULT_ATTEMPTS) and first retry delay (0:
     * EIM_NOTIFICATION_DEFAULT_RETRY_MS) */
    unsigned notification_attempts;
    unsigned notification_retry_ms;
    /* card-device locking (eim_device_binding.h): check AuthenticateClient's
     * eUICC-signed DeviceInfo against the card's binding; false: SGP.32 as is */
    bool device_binding;
} eim_relay_config;

/* Progress of a relayed download (eim_downloads.state). */
typedef enum eim_download_state {
    EIM_DOWNLOAD_AUTHENTICATING = 1,  /* InitiateAuthentication answered by the SM-DP+ */
    EIM_DOWNLOAD_AUTHENTICATED,       /* AuthenticateClient answered */
    EIM_DOWNLOAD_BPP_SENT,            /* GetBoundProfilePackage answered with the BPP */
    EIM_DOWNLOAD_INSTALLED,           /* verified ProfileInstallationResult of success */
    EIM_DOWNLOAD_INSTALL_FAILED,      /* verified ProfileInstallationResult of an error */
    EIM_DOWNLOAD_CANCELLED,           /* CancelSession accepted by the SM-DP+ */
    EIM_DOWNLOAD_REFUSED,             /* the SM-DP+ answered a function with Failed */
} eim_download_state;

/* One relayed download, as recorded. */
typedef struct eim_download_record {
    uint8_t transaction_id[16];
    size_t transaction_id_len;
    char smdp_address[256];
    char eid[EIM_EID_DIGITS + 1];     /* "" when the download answers no trigger */
    int64_t package_id;               /* the trigger, 0 for none */
    eim_download_state state;
    char subject_code[16];            /* REFUSED: the SM-DP+'s statusCodeData */
    char reason_code[16];
} eim_download_record;

/* The download relayed under transaction_id (AW_ERR_EIM_RELAY_TRANSACTION
 * when none). */
aw_err eim_download_get(db_connection *db, const uint8_t *transaction_id,
                        size_t transaction_id_len, eim_download_record *out);

/* Whether a notification (eUICC identity, seqNumber) was forwarded. */
aw_err eim_notification_forwarded(db_connection *db, const char *identity, int64_t seq_number,
                                  bool *forwarded);

/* A relay: one HTTPS client to the SM-DP+s. Not thread-safe: one per
 * worker thread, each with its own eim_context (database connection). */
typedef struct eim_relay eim_relay;

aw_err eim_relay_new(const eim_relay_config *config, eim_relay **out);
void eim_relay_free(eim_relay *relay);

/* Serve one ESipa message of the ASN.1 binding: GetEimPackage and
 * ProvideEimPackageResult as eim_esipa_handle does (the notifications of
 * ePRAndNotifications then forwarded), and the download functions relayed
 * to the SM-DP+ over ES9+ (es9p_client.h):
 *  - InitiateAuthentication (6.3.2.1): the SM-DP+ is the request's
 *    smdpAddress, else the address of the Activation Code of the trigger
 *    named by eimTransactionId; the transactionId it allocates is then
 *    remembered with that address (and the trigger's EID);
 *  - AuthenticateClient, GetBoundProfilePackage, CancelSession (6.3.2.2,
 *    6.3.2.3, 6.3.2.5) go to the SM-DP+ of their transactionId;
 *  - HandleNotification (6.3.2.4): the pendingNotification goes to its
 *    notificationAddress by ES9+.HandleNotification, once per (EID,
 *    seqNumber); a ProfileInstallationResult is verified (euiccSignPIR)
 *    and recorded against the trigger of its download. One that cannot
 *    be forwarded now is held for the forwarder (eim_notification_forward_due)
 *    and not forwarded again on arrival (verdict AW_ERR_EIM_NOTIFICATION_HELD).
 *    Answered with no content: AW_OK with *out NULL (HTTP 204); the
 *    eIM's failure to record or hold it is an error (HTTP 500), so the
 *    IPA keeps the notification on the eUICC (SGP.22 3.5).
 *  - minimizeEsipaBytes (SGP.32 IpaCapabilities; src/eim/relay_compact.h):
 *    an InitiateAuthentication without euiccInfo1 gets the one held for
 *    the trigger's eUICC (IpaEuiccData, eim_registry_set_euicc_info); the
 *    compact forms of AuthenticateClient, GetBoundProfilePackage,
 *    CancelSession and HandleNotification are rebuilt byte for byte
 *    (core/sgp32_compact.h) from what was relayed and what is held of the
 *    eUICC before ES9+; one that cannot be (no relayed session: the
 *    function's invalidTransactionId; what it left out not held:
 *    undefinedError, verdict AW_ERR_SGP32_COMPACT_CONTEXT) goes nowhere. For
 *    an eUICC whose IPA announced minimizeEsipaBytes the Ok answers go back
 *    without their OPTIONAL transactionId.
 * The SM-DP+'s answer goes back byte for byte on success; a Failed status
 * becomes the function's ESipa error integer, and an SM-DP+ that cannot be
 * reached or answers out of the binding undefinedError(127). verdict
 * receives why a request was refused or failed (AW_ERR_EIM_RELAY_*,
 * AW_ERR_HTTP_*, AW_ERR_ES9P_CLIENT_*, AW_ERR_EIM_RESULT_REPLAY for a
 * notification forwarded before, AW_ERR_EIM_NOTIFICATION_HELD for one
 * held, AW_ERR_EIM_* of eim_esipa_handle).
 * BLOCKING (ES9+ exchanges): call it from worker threads. Errors as
 * eim_esipa_handle. */
aw_err eim_relay_serve(eim_relay *relay, const eim_context *context, const uint8_t *request,
                       size_t len, int64_t now_ms, uint8_t **out, size_t *out_len,
                       aw_err *verdict);

/* ---- ESipa JSON binding (SGP.32 6.4) --------------------------------------- */

#define EIM_ESIPA_JSON_PREFIX "/gsma/rsp2/esipa/"       /* SGP.32 6.4.1 paths */
#define EIM_ESIPA_JSON_CONTENT_TYPE "application/json;charset=UTF-8"

/* One request of the JSON binding (core/sgp32_esipa_json.h: the members,
 * their encodings and the status codes): InitiateAuthentication,
 * AuthenticateClient, GetBoundProfilePackage, CancelSession,
 * HandleNotification (6.4.1.1-6.4.1.3, 6.4.1.7, 6.4.1.8; e.g.
 * {"transactionId": hex, "prepareDownloadResponse": base64 DER}),
 * GetEimPackage (6.4.1.5: {"eidValue": 32 digits}) and
 * ProvideEimPackageResult (6.4.1.6: {"eidValue", "eimPackageResult":
 * base64 of the EimPackageResult DER}), translated to the ASN.1 message
 * and served by eim_relay_serve, its answer translated back:
 * {"header": {"functionExecutionStatus": {"status": "Executed-Success"}}}
 * with the Ok alternative's members (the SM-DP+'s components byte for
 * byte); a download function's error as "Failed" with the statusCodeData
 * of its SGP.22 5.6 error table; GetEimPackage's and
 * ProvideEimPackageResult's errors as "eimPackageError" /
 * "provideEimPackageResultError" integers. HandleNotification: AW_OK with
 * *json NULL (HTTP 204). A request that is not well formed is answered
 * "Failed" with subjectCode 1.2 and reasonCode 2.1 (invalid) or 2.2
 * (missing), subjectIdentifier naming the member (SGP.22 6.5.1.4), *verdict
 * AW_ERR_ARGUMENT (or why the ASN.1 side refused it). *json is malloc'd,
 * NUL-terminated. AW_ERR_NOT_FOUND for a path that names no function. */
aw_err eim_esipa_json_serve(eim_relay *relay, const eim_context *context, const char *path,
                            const uint8_t *body, size_t len, int64_t now_ms, char **json,
                            size_t *json_len, aw_err *verdict);

#define EIM_ESIPA_PATH "/gsma/rsp2/asn1"                 /* SGP.32 6.1 ASN.1 binding */
#define EIM_ESIPA_CONTENT_TYPE "application/x-gsma-rsp-asn1"
/* X-Admin-Protocol of the answers (SGP.32 6.1.1, "gsma/rsp/v<x.y.z>"): the
 * SGP.32 version the project implements (v1.2, see core/sgp32_package.h) */
#define EIM_ESIPA_ADMIN_PROTOCOL "gsma/rsp/v1.2.0"
#define EIM_ESIPA_BODY_MAX (64u * 1024u)

typedef struct eim_config {
    const char *pki_directory;   /* ci.pem, eim.key.pem, and the TLS credential */
    const char *database_url;
    const char *address;         /* IP literal; NULL: "127.0.0.1" */
    uint16_t port;               /* 0: ephemeral (eim_server_port) */
    const char *tls_certificate; /* NULL: pki_directory/dptls.pem */
    const char *tls_key;         /* NULL: pki_directory/dptls.key.pem */
    /* The download relay: CA certificates of the SM-DP+s' TLS (NULL:
     * pki_directory/ci.pem), routes (borrowed), ES9+ timeout (0: default).
     * Every ESipa request is served on one of worker_count threads (0: 2),
     * each with its own database connection and HTTPS client, and answered
     * through a deferred reply: the event loop never waits for the
     * database or an SM-DP+. The answers reach the loop through a pipe,
     * so any event_base will do. */
    const char *smdp_ca_file;
    const eim_smdp_route *smdp_routes;
    size_t smdp_route_count;
    unsigned smdp_timeout_ms;
    unsigned worker_count;
    /* Each worker keeps the last contacts of its polls in memory and writes
     * them every contact_flush_ms (0: EIM_CONTACT_FLUSH_MS) and when the
     * server is freed: a crash loses at most that interval of them. */
    unsigned contact_flush_ms;
    /* Notifications whose forwarding failed are held and forwarded by one
     * more thread, which looks for due ones every notification_poll_ms (0:
     * 1000); attempts and first retry delay as in eim_relay_config. */
    unsigned notification_poll_ms;
    unsigned notification_attempts;
    unsigned notification_retry_ms;
    bool device_binding; /* card-device locking, as in eim_relay_config */
} eim_config;

typedef struct eim_server eim_server;

/* Load ci.pem, open and migrate the database, listen on HTTPS with the
 * ESipa route. */
aw_err eim_server_new(struct event_base *base, const eim_config *config, eim_server **out);
uint16_t eim_server_port(const eim_server *server);
void eim_server_stop(eim_server *server);
void eim_server_free(eim_server *server);

/* ---- Helpers ---------------------------------------------------------- */

/* EID text (32 digits, check digits valid) <-> eidValue octets (SGP.32:
 * the 32 digits packed two per octet). AW_ERR_EIM_IMPORT_EID / AW_ERR_ARGUMENT. */
aw_err eim_eid_to_octets(const char *eid, uint8_t out[SGP32_EID_LENGTH]);
aw_err eim_eid_from_octets(const uint8_t *octets, size_t len, char out[EIM_EID_DIGITS + 1]);

/* The sections of the public interface kept in their own file (size). */
#include "eim/eim_forwarding.h"
#include "eim/eim_device_binding.h" /* card-device locking (helper devicelock) */

#endif
