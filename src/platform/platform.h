/* airwrite platform: the card-writing service's northbound API (the
 * application side of 《物联网 eSIM 空中写卡技术应用服务规范》, issue 6).
 *
 * The write orders (orders.c, batch.c, api_orders.c), the lifecycle state
 * machines (lifecycle.c, docs/lifecycle.md) and callbacks (callbacks.c,
 * callback_delivery.c, api_callbacks.c, docs/api-callbacks.md) stand on
 * the security foundation of that API:
 *   - apps: tenant + appId + appSecret, the secret sealed at rest with
 *     AES-256-GCM under a key ring (key id beside each ciphertext), because
 *     the server needs it back to verify HMAC signatures;
 *   - bearer tokens (POST /api/v1/auth/token, refresh, revoke), opaque
 *     random strings of which only the SHA-256 is stored;
 *   - request signatures: HMAC-SHA256 (HMAC-SM3 for an app of the domestic
 *     suite, platform_suite.h) over a canonical string of method,
 *     path, sorted query, appId, timestamp, nonce and SHA-256 of the body
 *     (docs/api-signature.md), a +-300 s timestamp window, nonces accepted
 *     once (kept in the database, so a replay is refused across restarts);
 *   - call limits: a per-app token bucket (rate, burst) and a daily quota;
 *   - the error model: JSON {code, message, requestId} with stable codes
 *     grouped by the standard's four exception classes (docs/api-errors.md);
 *   - the HTTPS router for /api/v1 on core's http_server.
 *
 * Times are milliseconds since the Unix epoch supplied by the caller (the
 * router takes a clock), so nothing here sleeps. Functions taking a
 * db_connection use it on the calling thread only (db.h); the router uses
 * its connection on the event loop thread.
 */
#ifndef AIRWRITE_PLATFORM_PLATFORM_H
#define AIRWRITE_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_suite.h"
#include "core/db.h"
#include "core/key_ring_table.h"
#include "core/error.h"
#include "core/http_server.h"

/* ---- Schema ------------------------------------------------------------- */

/* Create or upgrade the platform's tables (component "platform"). */
aw_err platform_migrate(db_connection *db);

/* ---- Storage key ring (keys.c) ------------------------------------------ */

#define PLATFORM_STORAGE_KEY_SIZE KEY_RING_KEY_SIZE /* AES-256 */
#define PLATFORM_KEY_RING_MAX KEY_RING_MAX

/* Keys that seal app and callback secrets: the core key ring
 * (core/key_ring.h) with the platform's error codes. The newest (highest
 * id) seals; any key in the ring opens what it sealed, so keys rotate
 * without re-encrypting at once. */
typedef struct key_ring platform_key_ring;

aw_err platform_key_ring_new(platform_key_ring **out);
/* Erases the keys. NULL-safe. */
void platform_key_ring_free(platform_key_ring *ring);
/* Add a key from memory. AW_ERR_PLATFORM_KEY_FILE: id 0, above INT32_MAX or
 * already present; AW_ERR_LIMIT: ring full. */
aw_err platform_key_ring_add(platform_key_ring *ring, uint32_t key_id,
                             const uint8_t key[PLATFORM_STORAGE_KEY_SIZE]);
/* Add a key from a file of exactly 32 bytes (AES-256) or 16 (SM4, the
 * domestic suite: core/key_ring.h) with no group/other access
 * (AW_ERR_PLATFORM_KEY_FILE otherwise). create: when the file is absent,
 * write 32 random bytes to it first (mode 0600). AW_ERR_NOT_FOUND: absent
 * and !create. */
aw_err platform_key_ring_add_file(platform_key_ring *ring, uint32_t key_id, const char *path,
                                  bool create);
/* Add a key ring directory ("<id>.key" files, key_ring_load) or a single
 * key file as key id 1. AW_ERR_NOT_FOUND, AW_ERR_IO, AW_ERR_LIMIT,
 * AW_ERR_PLATFORM_KEY_FILE. */
aw_err platform_key_ring_load(platform_key_ring *ring, const char *path);
/* Id of the sealing key (the highest); 0 for an empty ring. */
uint32_t platform_key_ring_current_id(const platform_key_ring *ring);
/* A storage key argument "[ID:]PATH" (airwrite-platform --keys, airwrited
 * storage_key): *id is ID, or position + 1 without one; *path points into
 * argument. AW_ERR_PLATFORM_KEY_FILE: ID 0, over INT32_MAX or not decimal. */
aw_err platform_key_argument_parse(const char *argument, size_t position, uint32_t *id,
                                   const char **path);

/* ---- Key rotation of every sealed secret of the platform (keys.c) ------- */

/* The platform's tables with sealed columns: platform_apps (app secrets)
 * and platform_callbacks (callback secrets), *count of them. A table that
 * gains a sealed column is added here, so rotation and status cover it. */
const key_ring_table *platform_sealed_tables(size_t *count);

/* key_ring_table_rotate (core/key_ring_table.h: chunked, resumable,
 * compare-and-swap per row) over every sealed table, stats added to.
 * AW_ERR_PLATFORM_KEY_FILE: empty ring; AW_ERR_PLATFORM_DECRYPT: a secret
 * under a key the ring lacks, or one that does not authenticate. */
aw_err platform_keys_rotate(db_connection *db, const platform_key_ring *ring, size_t chunk,
                            size_t max_chunks, int64_t now_ms, key_ring_progress_fn progress,
                            void *progress_arg, key_ring_rotation *stats);

/* Secrets under another key than the ring's current one, every table.
 * AW_ERR_PLATFORM_KEY_FILE: empty ring. */
aw_err platform_keys_count_stale(db_connection *db, const platform_key_ring *ring,
                                 int64_t *count);

/* Every key id the platform's secrets use is in ring, else
 * AW_ERR_PLATFORM_DECRYPT with the lowest missing one in *missing_key_id. */
aw_err platform_keys_check_ids(db_connection *db, const platform_key_ring *ring,
                               uint32_t *missing_key_id);

/* ---- Apps (apps.c) ------------------------------------------------------ */

#define PLATFORM_APP_ID_MAX 32u       /* "app" + 16 hex digits today */
#define PLATFORM_TENANT_MAX 64u
#define PLATFORM_APP_SECRET_LENGTH 64u /* lowercase hex of 32 random bytes */
#define PLATFORM_DEFAULT_RATE_PER_MINUTE 600
#define PLATFORM_DEFAULT_BURST 20
#define PLATFORM_DEFAULT_DAILY_QUOTA 100000
#define PLATFORM_LIMIT_MAX 1000000000 /* any limit value */

typedef struct platform_app_limits {
    int64_t rate_per_minute; /* bucket refill, 1..PLATFORM_LIMIT_MAX calls per minute */
    int64_t burst;           /* bucket size, 1..PLATFORM_LIMIT_MAX */
    int64_t daily_quota;     /* calls per day, 0: unlimited */
} platform_app_limits;

typedef struct platform_app {
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    bool enabled;
    platform_app_limits limits;
    uint32_t key_id;         /* key that sealed the secret */
    int64_t created_at_ms;
    int64_t updated_at_ms;
    crypto_suite suite;      /* its signature scheme (platform_suite.h, issue 8) */
} platform_app;

/* The default limits (PLATFORM_DEFAULT_*). */
platform_app_limits platform_app_default_limits(void);

/* Admin: create an enabled app for tenant (1..64 of [A-Za-z0-9._-]) with a
 * fresh appId and appSecret; the secret is sealed under the ring's current
 * key and handed out once in secret (NUL-terminated), which the caller
 * erases after showing it. limits NULL: defaults. AW_ERR_ARGUMENT: bad
 * tenant or limits; AW_ERR_PLATFORM_KEY_FILE: empty ring. */
aw_err platform_app_create(db_connection *db, const platform_key_ring *ring, const char *tenant,
                           const platform_app_limits *limits, int64_t now_ms, platform_app *app,
                           char secret[PLATFORM_APP_SECRET_LENGTH + 1]);

/* AW_ERR_PLATFORM_APP_UNKNOWN when there is no such app (also for a
 * malformed appId). */
aw_err platform_app_get(db_connection *db, const char *app_id, platform_app *app);

/* Admin: enable or disable (a disabled app's calls are refused, its tokens
 * stay stored but unusable). AW_ERR_PLATFORM_APP_UNKNOWN. */
aw_err platform_app_set_enabled(db_connection *db, const char *app_id, bool enabled,
                                int64_t now_ms);

/* Admin: change the call limits. AW_ERR_ARGUMENT, AW_ERR_PLATFORM_APP_UNKNOWN. */
aw_err platform_app_set_limits(db_connection *db, const char *app_id,
                               const platform_app_limits *limits, int64_t now_ms);

/* The app and its secret, unsealed (the HMAC key of its signatures).
 * AW_ERR_PLATFORM_APP_UNKNOWN; AW_ERR_PLATFORM_DECRYPT when the ciphertext
 * fails authentication or its key id is not in the ring. The caller erases
 * secret (crypto_cleanse). */
aw_err platform_app_load_secret(db_connection *db, const platform_key_ring *ring,
                                const char *app_id, platform_app *app,
                                char secret[PLATFORM_APP_SECRET_LENGTH + 1]);

/* Key rotation of the apps table alone (platform_keys_rotate does every
 * sealed table): re-seal under the ring's current key every app secret
 * sealed under another (then the old key can leave the ring), chunk by
 * chunk, each chunk all or nothing: AW_ERR_PLATFORM_DECRYPT when one cannot
 * be opened (its key is not in the ring); AW_ERR_PLATFORM_KEY_FILE: empty
 * ring. resealed (may be NULL) receives how many were re-sealed. */
aw_err platform_app_reseal(db_connection *db, const platform_key_ring *ring, int64_t now_ms,
                           int64_t *resealed);

/* ---- Bearer tokens (auth_token.c) --------------------------------------- */

#define PLATFORM_TOKEN_LENGTH 69u /* "awat_"/"awrt_" + 64 hex digits */
#define PLATFORM_DEFAULT_ACCESS_TTL_S 7200
#define PLATFORM_DEFAULT_REFRESH_TTL_S (30 * 86400)

typedef struct platform_token_pair {
    char access_token[PLATFORM_TOKEN_LENGTH + 1];
    char refresh_token[PLATFORM_TOKEN_LENGTH + 1];
    int64_t access_expires_at_ms;
    int64_t refresh_expires_at_ms;
} platform_token_pair;

/* Issue a new access/refresh pair for app_id; only their SHA-256 is stored.
 * access_ttl_ms, refresh_ttl_ms > 0. */
aw_err platform_token_issue(db_connection *db, const char *app_id, int64_t access_ttl_ms,
                            int64_t refresh_ttl_ms, int64_t now_ms, platform_token_pair *pair);

/* Exchange a refresh token of app_id for a new pair; the old pair (access
 * token included) is revoked, so a refresh token works once.
 * AW_ERR_PLATFORM_TOKEN_INVALID (unknown, malformed, another app's),
 * AW_ERR_PLATFORM_TOKEN_EXPIRED, AW_ERR_PLATFORM_TOKEN_REVOKED. */
aw_err platform_token_refresh(db_connection *db, const char *app_id, const char *refresh_token,
                              int64_t access_ttl_ms, int64_t refresh_ttl_ms, int64_t now_ms,
                              platform_token_pair *pair);

/* Revoke the pair holding token (an access or a refresh token) of app_id.
 * As RFC 7009 2.2, an unknown token or another app's is no error: *revoked
 * tells whether a live pair was revoked now. */
aw_err platform_token_revoke(db_connection *db, const char *app_id, const char *token,
                             int64_t now_ms, bool *revoked);

/* Check a bearer access token; app_id receives its app, expires_at_ms its
 * expiry. AW_ERR_PLATFORM_TOKEN_INVALID, _EXPIRED, _REVOKED. */
aw_err platform_token_verify(db_connection *db, const char *access_token, int64_t now_ms,
                             char app_id[PLATFORM_APP_ID_MAX + 1], int64_t *expires_at_ms);

/* Delete pairs whose refresh token expired before before_ms. */
aw_err platform_token_purge(db_connection *db, int64_t before_ms, int64_t *deleted);

/* ---- Request bodies (api_json.c) ---------------------------------------- */

#define PLATFORM_JSON_MAX_BODY (16u * 1024u)
#define PLATFORM_JSON_MAX_DEPTH 8u

/* POST /api/v1/auth/token {"appId": "...", "appSecret": "..."} */
typedef struct platform_token_request {
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char app_secret[PLATFORM_APP_SECRET_LENGTH + 1]; /* erased by the caller */
} platform_token_request;

/* AW_ERR_PLATFORM_JSON: not one JSON object of at most PLATFORM_JSON_MAX_BODY
 * bytes and PLATFORM_JSON_MAX_DEPTH levels, or duplicate keys;
 * AW_ERR_PLATFORM_FIELD: a member missing, not a string, too long, or a
 * member not defined for the request. */
aw_err platform_json_parse_token_request(const uint8_t *body, size_t len,
                                         platform_token_request *out);

/* POST /api/v1/auth/refresh {"refreshToken": "..."} and
 * POST /api/v1/auth/revoke {"token": "..."}: the one string member named
 * member, at most PLATFORM_TOKEN_LENGTH characters. Errors as above. */
aw_err platform_json_parse_token_member(const uint8_t *body, size_t len, const char *member,
                                        char token[PLATFORM_TOKEN_LENGTH + 1]);

/* ---- Request signatures (auth_signature.c) ------------------------------ */

/* Header names (docs/api-signature.md). */
#define PLATFORM_HEADER_APP_ID "X-AW-AppId"
#define PLATFORM_HEADER_TIMESTAMP "X-AW-Timestamp"
#define PLATFORM_HEADER_NONCE "X-AW-Nonce"
#define PLATFORM_HEADER_SIGNATURE "X-AW-Signature"
#define PLATFORM_HEADER_REQUEST_ID "X-Request-Id"
#define PLATFORM_HEADER_EVENT_ID "X-AW-Event-Id"     /* callbacks (docs/api-callbacks.md) */
#define PLATFORM_HEADER_EVENT_TYPE "X-AW-Event-Type"

#define PLATFORM_SIGNATURE_ALGORITHM "AW-HMAC-SHA256"
#define PLATFORM_SIGNATURE_SIZE 32u      /* HMAC-SHA256 */
#define PLATFORM_SIGNATURE_HEX 64u       /* its lowercase hex in X-AW-Signature */
#define PLATFORM_NONCE_MIN 16u
#define PLATFORM_NONCE_MAX 64u
#define PLATFORM_TIMESTAMP_DIGITS_MAX 12u
#define PLATFORM_DEFAULT_WINDOW_S 300
#define PLATFORM_PATH_MAX 1024u
#define PLATFORM_QUERY_MAX 2048u
#define PLATFORM_QUERY_PARAMETERS_MAX 64u

/* The parts of a request that are signed. query: raw text after '?' or
 * NULL; body may be NULL when body_len is 0. */
typedef struct platform_signed_request {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* as sent, not percent-decoded */
    const char *query;
    const char *app_id;
    const char *timestamp;   /* X-AW-Timestamp, as sent */
    const char *nonce;       /* X-AW-Nonce, as sent */
    const uint8_t *body;
    size_t body_len;
} platform_signed_request;

/* The canonical string (docs/api-signature.md), malloc'd, NUL-terminated.
 * AW_ERR_PLATFORM_AUTH_HEADER: appId, timestamp or nonce malformed;
 * AW_ERR_ARGUMENT: method or path malformed; AW_ERR_LIMIT: path or query
 * over their bounds (or more than PLATFORM_QUERY_PARAMETERS_MAX
 * parameters); AW_ERR_PLATFORM_FIELD: an empty query parameter ("a&&b"). */
aw_err platform_signature_canonical(const platform_signed_request *request, char **canonical);

/* HMAC-SHA256 of the canonical string under secret, as lowercase hex:
 * what a client puts in X-AW-Signature. Errors as above. */
aw_err platform_signature_sign(const platform_signed_request *request, const char *secret,
                               char signature_hex[PLATFORM_SIGNATURE_HEX + 1]);

/* The signature headers of a request, checked for form only. */
typedef struct platform_signature_headers {
    const char *app_id;
    const char *timestamp;
    const char *nonce;
    int64_t timestamp_s;
    uint8_t signature[PLATFORM_SIGNATURE_SIZE];
} platform_signature_headers;

/* Parse the four header values (any may be NULL: absent). The strings are
 * referenced, not copied. AW_ERR_PLATFORM_AUTH_HEADER: one is absent or
 * malformed (appId, timestamp 1..12 digits without a leading zero, nonce
 * 16..64 of [A-Za-z0-9_-], signature 64 hex digits). */
aw_err platform_signature_parse_headers(const char *app_id, const char *timestamp,
                                        const char *nonce, const char *signature,
                                        platform_signature_headers *out);

/* Recompute and compare in constant time. AW_ERR_MAC on a mismatch. */
aw_err platform_signature_verify(const platform_signed_request *request, const char *secret,
                                 const uint8_t signature[PLATFORM_SIGNATURE_SIZE]);

/* |timestamp - now| <= window_s, else AW_ERR_PLATFORM_TIMESTAMP. */
aw_err platform_signature_check_time(int64_t timestamp_s, int64_t now_ms, int64_t window_s);

/* Record nonce for app_id until expires_at_ms, the expiry its call's signed
 * timestamp gives (timestamp + window + 1 s: api.c). AW_ERR_PLATFORM_NONCE_
 * REPLAYED when the same nonce with the same expiry is already recorded and
 * not yet expired (one atomic statement, so concurrent processes on one
 * database accept a signed call once). */
aw_err platform_nonce_record(db_connection *db, const char *app_id, const char *nonce,
                             int64_t expires_at_ms, int64_t now_ms);

/* Delete nonces expired at now_ms. deleted may be NULL. */
aw_err platform_nonce_purge(db_connection *db, int64_t now_ms, int64_t *deleted);

/* ---- Call limits (ratelimit.c) ------------------------------------------ */

/* In-memory token buckets, one per app (per process). */
typedef struct platform_rate_limiter platform_rate_limiter;

#define PLATFORM_RATE_LIMITER_MAX_APPS 100000u

aw_err platform_rate_limiter_new(platform_rate_limiter **out);
void platform_rate_limiter_free(platform_rate_limiter *limiter);

/* Take one call from app_id's bucket (created full). AW_ERR_PLATFORM_RATE_LIMITED
 * when empty: retry_after_s receives the whole seconds until one call is
 * available again. AW_ERR_ARGUMENT: bad limits; AW_ERR_LIMIT: too many apps. */
aw_err platform_rate_limiter_take(platform_rate_limiter *limiter, const char *app_id,
                                  const platform_app_limits *limits, int64_t now_ms,
                                  int64_t *retry_after_s);

/* Count one call against app_id's daily quota (the day runs from midnight
 * at UTC + utc_offset_minutes; kept in the database, shared by processes).
 * AW_ERR_PLATFORM_QUOTA_EXHAUSTED when limits->daily_quota calls were made
 * today: retry_after_s receives the seconds until the next day starts. */
aw_err platform_quota_take(db_connection *db, const char *app_id, const platform_app_limits *limits,
                           int utc_offset_minutes, int64_t now_ms, int64_t *retry_after_s);

/* ---- Error model (api_error.c) ------------------------------------------ */

/* The standard's four exception classes. */
typedef enum platform_error_class {
    PLATFORM_ERROR_CLASS_APPLICATION = 1, /* 申请异常: the order or request itself */
    PLATFORM_ERROR_CLASS_WRITE = 2,       /* 写卡异常: writing the profile to the card */
    PLATFORM_ERROR_CLASS_INTERFACE = 3,   /* 接口异常: calling the API */
    PLATFORM_ERROR_CLASS_TERMINAL = 4,    /* 终端异常: the device or its eUICC */
} platform_error_class;

/* Every error the API answers with; codes are stable (docs/api-errors.md). */
typedef enum platform_api_error {
    PLATFORM_API_MALFORMED_JSON = 0,
    PLATFORM_API_INVALID_FIELD,
    PLATFORM_API_BODY_TOO_LARGE,
    PLATFORM_API_UNSUPPORTED_MEDIA_TYPE,
    PLATFORM_API_METHOD_NOT_ALLOWED,
    PLATFORM_API_UNKNOWN_ROUTE,
    PLATFORM_API_SIGNATURE_HEADER,
    PLATFORM_API_UNKNOWN_APP,
    PLATFORM_API_APP_DISABLED,
    PLATFORM_API_BAD_SIGNATURE,
    PLATFORM_API_TIMESTAMP_WINDOW,
    PLATFORM_API_NONCE_REPLAYED,
    PLATFORM_API_BAD_CREDENTIALS,
    PLATFORM_API_TOKEN_MISSING,
    PLATFORM_API_TOKEN_INVALID,
    PLATFORM_API_TOKEN_EXPIRED,
    PLATFORM_API_TOKEN_REVOKED,
    PLATFORM_API_RATE_LIMITED,
    PLATFORM_API_QUOTA_EXHAUSTED,
    PLATFORM_API_IDEMPOTENCY_CONFLICT,
    PLATFORM_API_UNSUPPORTED_ORDER_MEDIA_TYPE,
    PLATFORM_API_INVALID_EID,
    PLATFORM_API_DUPLICATE_EID,
    PLATFORM_API_MALFORMED_LINE,
    PLATFORM_API_BATCH_SIZE,
    PLATFORM_API_ORDER_UNKNOWN,
    PLATFORM_API_ORDER_STATE,
    PLATFORM_API_CALLBACK_EXISTS,
    PLATFORM_API_CALLBACK_LIMIT,
    PLATFORM_API_CALLBACK_UNKNOWN,
    PLATFORM_API_DEAD_LETTER_UNKNOWN,
    /* number resources and business scope (helper query) */
    PLATFORM_API_PROFILE_TYPE_UNKNOWN,
    PLATFORM_API_OUT_OF_SCOPE,
    PLATFORM_API_POOL_UNKNOWN,
    PLATFORM_API_POOL_EXHAUSTED,
    PLATFORM_API_CARD_UNKNOWN,
    PLATFORM_API_POOL_NOT_FOUND,
    /* card operations (helper cardops) */
    PLATFORM_API_PROFILE_UNKNOWN,
    PLATFORM_API_PROFILE_STATE,
    PLATFORM_API_CARD_OP_BUSY,
    PLATFORM_API_CARD_OP_UNKNOWN,
    /* roles, permissions and console logins (helper rbac, docs/rbac.md) */
    PLATFORM_API_PERMISSION_DENIED,
    PLATFORM_API_LOGIN_FAILED,
    PLATFORM_API_LOGIN_LOCKED,
    /* graded exceptions (helper exceptions, docs/exceptions.md) */
    PLATFORM_API_EXCEPTION_UNKNOWN,
    PLATFORM_API_EXCEPTION_STATE,
    PLATFORM_API_EXCEPTION_REPORT_REQUIRED,
    PLATFORM_API_EXCEPTION_REPORT_LIMIT,
    /* console users (helper ops7, docs/rbac.md) */
    PLATFORM_API_USER_UNKNOWN,
    PLATFORM_API_USER_EXISTS,
    PLATFORM_API_USER_PASSWORD_POLICY,
    /* crypto suite per app (helper suite, issue 8) */
    PLATFORM_API_SIGNATURE_SUITE,
    /* profile count limit (helper profilelimit, src/platform/profile_limit.c) */
    PLATFORM_API_PROFILE_LIMIT,
    /* card-device locking (helper devicelock, docs/device-lock.md) */
    PLATFORM_API_DEVICE_LOCKED,
    PLATFORM_API_DEVICE_BINDING_UNKNOWN,
    PLATFORM_API_DEVICE_NOT_LOCKED,
    PLATFORM_API_DEVICE_IDENTITY,
    PLATFORM_API_DEVICE_UNVERIFIED,
    /* location-bound writing (helper location, docs/location.md) */
    PLATFORM_API_LOCATION_POLICY,
    PLATFORM_API_LOCATION_REGION_UNKNOWN,
    PLATFORM_API_INTERNAL,
    PLATFORM_API_UNAVAILABLE,
    PLATFORM_API_ERROR__COUNT
} platform_api_error;

typedef struct platform_api_error_info {
    const char *code;          /* stable: "I1001" (class letter + 4 digits) */
    platform_error_class error_class;
    int http_status;
    const char *message;       /* English, fixed: never carries request data */
} platform_api_error_info;

/* Entry of the table; NULL for a value outside it. */
const platform_api_error_info *platform_api_error_get(platform_api_error error);
/* The API error an aw_err from this component maps to (PLATFORM_API_INTERNAL
 * for anything unexpected, PLATFORM_API_UNAVAILABLE for AW_ERR_DB_BUSY). */
platform_api_error platform_api_error_from_err(aw_err err);
/* Class letter of a class: 'A', 'W', 'I', 'T'. */
char platform_error_class_letter(platform_error_class error_class);

#define PLATFORM_REQUEST_ID_LENGTH 32u /* lowercase hex of 16 random bytes */

/* A fresh request id. */
aw_err platform_request_id_new(char id[PLATFORM_REQUEST_ID_LENGTH + 1]);

/* The error body {"code","message","requestId"} as malloc'd JSON text. */
aw_err platform_api_error_body(platform_api_error error, const char *request_id, char **json,
                               size_t *len);

/* ---- Lifecycle state machines (lifecycle.c) ----------------------------- */

/* The standard's 全生命周期状态管理: five machines, each a table of allowed
 * transitions (docs/lifecycle.md lists them). Every transition is recorded
 * in platform_lifecycle_history (from, to, cause, actor, time); a refused
 * one is AW_ERR_PLATFORM_TRANSITION and changes nothing. */
typedef enum platform_lifecycle_machine {
    PLATFORM_LIFECYCLE_CARD = 0,    /* eUICC: registered, active, suspended, retired */
    PLATFORM_LIFECYCLE_PROFILE,     /* available, reserved, downloaded, installed, enabled,
                                     * disabled, deleted */
    PLATFORM_LIFECYCLE_NUMBER,      /* MSISDN/IMSI: free, reserved, in_use, cooling */
    PLATFORM_LIFECYCLE_ORDER,       /* accepted, processing, completed, partially_completed,
                                     * failed, cancelled */
    PLATFORM_LIFECYCLE_ORDER_ITEM,  /* pending, in_progress, written, failed, cancelled */
    PLATFORM_LIFECYCLE__COUNT
} platform_lifecycle_machine;

#define PLATFORM_STATE_MAX 24u       /* longest state name */
#define PLATFORM_ENTITY_ID_MAX 64u   /* EID, ICCID, MSISDN, IMSI, order id, ... */
#define PLATFORM_CAUSE_MAX 128u
#define PLATFORM_ACTOR_MAX 64u

/* "card", "profile", "number", "order", "orderItem"; NULL outside the enum. */
const char *platform_lifecycle_machine_name(platform_lifecycle_machine machine);
/* The state a new entity starts in ("registered", "available", "free",
 * "accepted", "pending"); NULL outside the enum. */
const char *platform_lifecycle_initial_state(platform_lifecycle_machine machine);
/* Whether state is one of machine's states. */
bool platform_lifecycle_state_valid(platform_lifecycle_machine machine, const char *state);
/* Whether from -> to is in machine's table. */
bool platform_lifecycle_allowed(platform_lifecycle_machine machine, const char *from,
                                const char *to);
/* Number of allowed transitions of machine and the index-th of them (for
 * documentation and tests). AW_ERR_ARGUMENT outside the table. */
size_t platform_lifecycle_transition_count(platform_lifecycle_machine machine);
aw_err platform_lifecycle_transition_at(platform_lifecycle_machine machine, size_t index,
                                        const char **from, const char **to);

/* Card, profile and number entities (their state is kept by this module).
 * Create entity_id (1..PLATFORM_ENTITY_ID_MAX of [A-Za-z0-9._:-]) of
 * tenant in the machine's initial state, recording the creation (from
 * NULL). AW_ERR_STATE: it exists; AW_ERR_ARGUMENT: bad names, an order
 * machine (orders keep their own state), cause or actor empty or too long. */
aw_err platform_lifecycle_create(db_connection *db, platform_lifecycle_machine machine,
                                 const char *tenant, const char *entity_id, const char *cause,
                                 const char *actor, int64_t now_ms);
/* Move entity_id to state to. AW_ERR_NOT_FOUND: no such entity;
 * AW_ERR_PLATFORM_TRANSITION: to is not allowed from its current state
 * (from receives the current state either way; may be NULL). Atomic: in
 * its own transaction, or in the caller's when one is open. */
aw_err platform_lifecycle_transition(db_connection *db, platform_lifecycle_machine machine,
                                     const char *tenant, const char *entity_id, const char *to,
                                     const char *cause, const char *actor, int64_t now_ms,
                                     char from[PLATFORM_STATE_MAX + 1]);
/* Current state. AW_ERR_NOT_FOUND. */
aw_err platform_lifecycle_get(db_connection *db, platform_lifecycle_machine machine,
                              const char *tenant, const char *entity_id,
                              char state[PLATFORM_STATE_MAX + 1]);

/* One recorded transition; from is "" for a creation. */
typedef struct platform_lifecycle_event {
    char from[PLATFORM_STATE_MAX + 1];
    char to[PLATFORM_STATE_MAX + 1];
    char cause[PLATFORM_CAUSE_MAX + 1];
    char actor[PLATFORM_ACTOR_MAX + 1];
    int64_t at_ms;
} platform_lifecycle_event;

/* History of one entity, oldest first, at most max events (the first
 * ones). events is malloc'd (free()), NULL when count is 0. */
aw_err platform_lifecycle_history(db_connection *db, platform_lifecycle_machine machine,
                                  const char *tenant, const char *entity_id, size_t max,
                                  platform_lifecycle_event **events, size_t *count);

#include "platform/platform_orders.h" /* order batches, write orders, the order list */
#include "platform/platform_callbacks.h" /* callbacks and their deliveries */
#include "platform/platform_order_commit.h" /* group commit of orders: its figures */

/* ---- The /api/v1 router (api.c) ----------------------------------------- */

typedef int64_t (*platform_clock_fn)(void *userdata); /* ms since the Unix epoch */

typedef struct platform_api_config {
    db_connection *db;              /* required, migrated; used on the loop thread */
    const platform_key_ring *keys;  /* required: opens app secrets */
    platform_clock_fn clock;        /* NULL: db_clock_ms */
    void *clock_userdata;
    int64_t timestamp_window_s;     /* 0: PLATFORM_DEFAULT_WINDOW_S */
    int64_t access_ttl_s;           /* 0: PLATFORM_DEFAULT_ACCESS_TTL_S */
    int64_t refresh_ttl_s;          /* 0: PLATFORM_DEFAULT_REFRESH_TTL_S */
    int quota_utc_offset_minutes;   /* start of the quota day, e.g. 480 for UTC+8;
                                     * -840..840 */
    /* the security audit log (core/audit.h, docs/rbac.md "Audit"): suite and
     * checkpoint key, borrowed; NULL: international suite, no automatic
     * checkpoints */
    const struct audit_options *audit;
    /* console logins (POST /api/v1/auth/login): NULL: defaults */
    const struct throttle_policy *login_throttle;
    const struct password_parameters *password_parameters;
    /* graded exceptions (platform_exceptions.h): time limits and detection
     * thresholds, borrowed; NULL: the documented defaults */
    const struct platform_exception_policy *exceptions;
    /* quality indicators (platform_indicators.h): the periodic evaluation
     * whose text GET /metrics serves when its settings say so; borrowed,
     * NULL: no /metrics */
    struct platform_indicator_monitor *indicators;
    /* the web console (api_console.c, docs/console.md): console_dir, its
     * static files served at /console/ (NULL: no console); console_app_id,
     * the app whose unsigned login and console sessions the browser uses
     * (NULL: every call is signed) */
    const char *console_dir;
    const char *console_app_id;
    /* the console's unsigned logins (POST /api/v1/auth/login without a
     * signature) take from a token bucket of their own, not from the
     * console app's bucket and quota, so a flood of logins cannot starve the
     * console's other calls nor they the logins (docs/console.md): calls
     * per minute and size, 0..PLATFORM_LIMIT_MAX, 0: the defaults */
    int64_t console_login_rate_per_minute;
    int64_t console_login_burst;
    /* group commit of POST /api/v1/orders (order_commit.c): how long the
     * first waiting order waits for others to share its transaction and
     * sync, 0..PLATFORM_ORDER_COMMIT_DELAY_MAX_MS; 0: until the event loop's
     * next turn (the orders that arrived meanwhile) */
    unsigned order_commit_delay_ms;
    /* more connections to db's database (borrowed, outliving the API; the
     * entries before the first NULL; db itself or one twice is refused): the
     * group commit's transactions run on as many threads of their own, one
     * connection each, instead of on the loop thread (order_commit.c; on
     * SQLite one is all that helps: writers take turns); with them every
     * other route's call also leaves its chain's writes (nonce, daily quota)
     * to these transactions and its handler runs once they committed, so no
     * call syncs on the loop thread before its handler; the API then keeps
     * an event on the server's base and must be freed before that base */
    db_connection *order_db[PLATFORM_ORDER_COMMIT_THREADS_MAX];
    /* location-bound writing (location_policy.h, borrowed): the defaults and
     * region files GET/PUT /api/v1/location-policy show and check; NULL: off */
    const struct platform_location_config *location;
    /* the credential cache (credential_cache.c, docs/api-signature.md
     * "Credential cache"): how long, in ms, calls reuse an app's row, role
     * and unsealed secret and a bearer token's app, expiry and console user
     * read by an earlier call; changes made in this process apply at once,
     * another process's within this time. 1..PLATFORM_CREDENTIAL_CACHE_MAX_MS;
     * 0: PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS; PLATFORM_CREDENTIAL_CACHE_OFF:
     * every call reads the database */
    int64_t credential_cache_ms;
} platform_api_config;

#define PLATFORM_CREDENTIAL_CACHE_DEFAULT_MS 1000
#define PLATFORM_CREDENTIAL_CACHE_MAX_MS 60000
#define PLATFORM_CREDENTIAL_CACHE_OFF (-1)

#define PLATFORM_CONSOLE_LOGIN_RATE_DEFAULT 60  /* per minute */
#define PLATFORM_CONSOLE_LOGIN_BURST_DEFAULT 30

/* The web console's largest file (api_console.c). */
#define PLATFORM_CONSOLE_FILE_MAX (1024u * 1024u)
/* Read name (a relative path under directory) for the console: its bytes
 * (malloc'd, *len of them) and Content-Type. AW_ERR_NOT_FOUND: a name with
 * a character outside [A-Za-z0-9._-/], an empty or dot-led segment, an
 * unknown extension, no such regular file, or one resolving (symlinks) out
 * of directory; AW_ERR_LIMIT: over PLATFORM_CONSOLE_FILE_MAX; AW_ERR_IO:
 * directory unusable or the read failed. */
aw_err platform_console_file_read(const char *directory, const char *name, char **data,
                                  size_t *len, const char **type);

typedef struct platform_api platform_api;

/* Register /api/v1/auth/token, /auth/refresh, /auth/revoke and /ping (and
 * their other methods GET/POST/PUT/DELETE/PATCH, answered 405 in JSON) on
 * server, before it starts listening. AW_ERR_ARGUMENT: missing db or keys,
 * a negative window or lifetime, a quota offset out of range, an order
 * commit delay over PLATFORM_ORDER_COMMIT_DELAY_MAX_MS, a credential cache
 * time neither PLATFORM_CREDENTIAL_CACHE_OFF nor in
 * 0..PLATFORM_CREDENTIAL_CACHE_MAX_MS;
 * route errors of http_server_route (then some routes may be registered:
 * free the server without starting it, it cannot unroute). The API must
 * outlive the server's last request. */
aw_err platform_api_new(http_server *server, const platform_api_config *config,
                        platform_api **out);
void platform_api_free(platform_api *api);

/* ---- The platform server (server.c) ------------------------------------- */

/* What airwrite-platform serve and airwrited's platform role run on one
 * event loop: the database opened and migrated, the HTTPS listener with
 * the /api/v1 router on the loop thread, and (callback_ca_file set) the
 * callback delivery worker: one thread with its own database connection
 * and HTTPS client, rounds of platform_callback_deliver, resting a second
 * after a round that found nothing due. */
struct event_base;
struct aw_log;

typedef struct platform_server_config {
    const char *database_url;       /* required (db_open URL) */
    const platform_key_ring *keys;  /* required, borrowed: outlives the server */
    const char *address;            /* IP literal; NULL: "127.0.0.1" */
    uint16_t port;                  /* 0: ephemeral (platform_server_port) */
    const char *certificate_file;   /* required: HTTPS chain (PEM) */
    const char *key_file;           /* required: its key (PEM) */
    const char *callback_ca_file;   /* CAs of the receivers; NULL: events stay queued */
    struct aw_log *log;             /* borrowed; NULL: none. Worker events and errors */
    const struct audit_options *audit; /* borrowed; NULL: as platform_api_config.audit */
    /* graded exceptions' thresholds for the router's signals (borrowed;
     * NULL: defaults; platform_exceptions.h) */
    const struct platform_exception_policy *exceptions;
    /* quality indicators' thresholds, window, /metrics (borrowed; NULL: no
     * periodic evaluation; platform_indicators.h) */
    const struct platform_indicator_settings *indicators;
    const char *console_dir;        /* as platform_api_config (borrowed) */
    const char *console_app_id;
    int64_t console_login_rate_per_minute; /* as platform_api_config */
    int64_t console_login_burst;
    const struct platform_location_config *location; /* as platform_api_config */
    int64_t credential_cache_ms;    /* as platform_api_config */
    /* the order committer's threads and connections (order_commit.c), 1..
     * PLATFORM_ORDER_COMMIT_THREADS_MAX; 0: one. More only help PostgreSQL
     * (SQLite's writers take turns), where round trips rather than CPU
     * bound one thread: docs/ARCHITECTURE.md "Group commit of orders" */
    unsigned order_committers;
} platform_server_config;

typedef struct platform_server platform_server;

/* Open and migrate the database, create the router and listen; then start
 * the delivery worker. AW_ERR_ARGUMENT: a required field missing; the
 * errors of db_open, platform_migrate, http_server_new/start. */
aw_err platform_server_new(struct event_base *base, const platform_server_config *config,
                           platform_server **out);
/* Bound port; 0 for NULL. */
uint16_t platform_server_port(const platform_server *server);
/* Stop accepting connections and tell the delivery worker to stop after
 * its round in progress, without waiting (call it on the loop thread).
 * First step of a clean shutdown; NULL-safe. */
void platform_server_stop(platform_server *server);
/* Stops (if not done), joins the delivery worker, closes the database;
 * NULL-safe. */
void platform_server_free(platform_server *server);

/* The sections of the public interface kept in their own files (sizes). */
#include "platform/platform_inventory.h"
#include "platform/platform_executor.h"
#include "platform/platform_card_ops.h"
#include "platform/platform_rbac.h"
#include "platform/platform_exceptions.h"
#include "platform/platform_indicators.h"
#include "platform/platform_profile_limit.h" /* profile count limit (helper profilelimit) */
#include "platform/platform_suite.h" /* the crypto suite of each app (issue 8) */
#include "platform/platform_device_lock.h" /* card-device locking (helper devicelock) */
#include "platform/location_policy.h" /* location-bound writing (helper location) */

#endif
