/* airwrite platform: declarations shared by the platform's own files. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_INTERNAL_H
#define AIRWRITE_PLATFORM_PLATFORM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"
#include "platform/platform.h"

#define PLATFORM_GCM_NONCE_SIZE KEY_RING_NONCE_SIZE
#define PLATFORM_GCM_TAG_SIZE KEY_RING_TAG_SIZE
#define PLATFORM_SEALED_SECRET_SIZE                                                            \
    (PLATFORM_GCM_NONCE_SIZE + PLATFORM_APP_SECRET_LENGTH + PLATFORM_GCM_TAG_SIZE)

/* Seal the app secret of app_id (AES-256-GCM, NIST SP 800-38D) under the
 * ring's current key: nonce || ciphertext || tag. The AAD binds the
 * ciphertext to its app, so a row's secret cannot be moved to another. */
aw_err platform_key_ring_seal(const platform_key_ring *ring, const char *app_id,
                              const char secret[PLATFORM_APP_SECRET_LENGTH + 1],
                              uint8_t sealed[PLATFORM_SEALED_SECRET_SIZE], uint32_t *key_id);

/* Open what platform_key_ring_seal made. AW_ERR_PLATFORM_DECRYPT. */
aw_err platform_key_ring_open(const platform_key_ring *ring, uint32_t key_id, const char *app_id,
                              const uint8_t *sealed, size_t sealed_len,
                              char secret[PLATFORM_APP_SECRET_LENGTH + 1]);

/* appId form: 1..PLATFORM_APP_ID_MAX of [A-Za-z0-9_-]. */
bool platform_app_id_valid(const char *app_id);

/* Token form: "awat_" or "awrt_" and 64 lowercase hex digits. */
bool platform_token_valid(const char *token, const char *prefix);

struct json_t;
/* One JSON object of at most max_len bytes and PLATFORM_JSON_MAX_DEPTH
 * levels, without duplicate members, whose members are all in allowed
 * (NULL-terminated). AW_ERR_PLATFORM_JSON, AW_ERR_PLATFORM_FIELD. */
aw_err platform_json_parse_object(const uint8_t *body, size_t len, size_t max_len,
                                  const char *const *allowed, struct json_t **out);

/* Tenant form: 1..PLATFORM_TENANT_MAX of [A-Za-z0-9._-]. */
bool platform_tenant_valid(const char *tenant);

/* Entity id form: 1..PLATFORM_ENTITY_ID_MAX of [A-Za-z0-9._:-]. */
bool platform_entity_id_valid(const char *entity_id);

/* An actor platform_lifecycle_record takes: 1..PLATFORM_ACTOR_MAX bytes,
 * no control character. */
bool platform_lifecycle_actor_valid(const char *actor);

/* Append one row to the lifecycle history (from NULL: a creation) for an
 * entity whose state the caller keeps (orders, order items), after it
 * checked platform_lifecycle_allowed. */
aw_err platform_lifecycle_record(db_connection *db, platform_lifecycle_machine machine,
                                 const char *tenant, const char *entity_id, const char *from,
                                 const char *to, const char *cause, const char *actor,
                                 int64_t now_ms);

/* prefix followed by random lowercase hex up to length characters, NUL at
 * out[length] (at most 32 hex digits). */
aw_err platform_random_id(const char *prefix, char *out, size_t length);

/* platform_event_emit with data built by json_pack(format, ...). */
aw_err platform_event_emitf(db_connection *db, const char *tenant, platform_event_type type,
                            int64_t now_ms, const char *format, ...);

/* fn in the caller's open transaction, or in one of its own. */
aw_err platform_in_transaction(db_connection *db, db_transaction_fn fn, void *arg);

/* ---- The router's shared parts (api.c, api_orders.c) ---- */

/* Refusals of one app noted in memory (api_exceptions.c): a flood of
 * refused calls adds to its window's count at most once a second, or
 * when it reaches the threshold, not in a transaction per call. */
#define PLATFORM_API_REFUSAL_TALLIES 64u
typedef struct platform_api_refusal_tally {
    platform_app app;                /* app_id "": a free slot */
    char code[8];                    /* the last refusal's */
    int64_t window_ms;               /* the window counted */
    int64_t last_ms;                 /* the last refusal noted */
    int64_t known;                   /* the window's count after the last addition */
    int64_t pending;                 /* noted since */
    int64_t added_ms;                /* when added last */
} platform_api_refusal_tally;

struct platform_api {
    platform_api_config config;     /* defaults filled in */
    platform_rate_limiter *limiter;
    platform_rate_limiter *login_limiter; /* the console's unsigned logins (api_console.c) */
    int64_t last_purge_ms;
    platform_call_counts *call_counts; /* every answer, for the indicators */
    struct platform_order_committer *order_committer; /* order_commit.c */
    /* the call whose handler runs again after its chain's writes committed
     * (order_commit.c answer_batch), for the chain to hand over */
    const struct api_call *resuming;
    platform_api_refusal_tally refusals[PLATFORM_API_REFUSAL_TALLIES]; /* api_exceptions.c */
    /* apps, roles, bearer tokens read by earlier calls (credential_cache.c);
     * NULL: off */
    struct platform_credential_cache *credentials;
};

/* One call in flight: what the chain established. */
typedef struct api_call {
    platform_api *api;
    http_request *request;
    char request_id[PLATFORM_REQUEST_ID_LENGTH + 1];
    int64_t now_ms;
    platform_app app;
    const uint8_t *body;
    size_t body_len;
    bool body_is_csv;               /* order bodies: text/csv, else JSON */
    int64_t token_expires_at_ms;
    /* who calls (api_rbac.c): the app's role, or a console session's user;
     * app.tenant is the tenant the call acts on (the caller's own, or the
     * `tenant` parameter of a cross-tenant role), home_tenant the caller's */
    platform_role role;
    char username[PLATFORM_USERNAME_MAX + 1]; /* "" for an app's own token */
    char home_tenant[PLATFORM_TENANT_MAX + 1];
    /* POST /api/v1/orders (PLATFORM_API_BODY_ORDER): the chain leaves the
     * call's writes to the order's group commit (order_commit.c): the nonce
     * (the header's value, NULL: none to record) and, once past the rate
     * limit, the daily quota */
    bool writes_deferred;
    const char *deferred_nonce;
    int64_t deferred_nonce_expires_at_ms;
    bool deferred_quota;
} api_call;

typedef enum platform_api_body {
    PLATFORM_API_BODY_NONE = 0,     /* not read (only signed over) */
    PLATFORM_API_BODY_JSON,         /* PLATFORM_JSON_MAX_BODY of application/json */
    PLATFORM_API_BODY_ORDER,        /* PLATFORM_BATCH_MAX_BODY of JSON or text/csv */
} platform_api_body;

/* The whole chain for a route; false when an error answer is set. */
bool platform_api_run_chain(platform_api *api, http_request *request, api_call *call,
                            platform_api_body body, bool bearer);
void platform_api_reply_text(api_call *call, int status, const char *json, size_t len);
/* 200 with root (taken; NULL: I9001). */
void platform_api_reply_json(api_call *call, struct json_t *root);
void platform_api_reply_err(api_call *call, aw_err err);
/* The error answer, with "errors" (taken, may be NULL) added to the body. */
void platform_api_reply_error_details(api_call *call, platform_api_error error,
                                      int64_t retry_after_s, struct json_t *errors);

/* api_rbac.c: the route's permission against the caller's role, and the
 * tenant the call acts on; false when a 403 answer is set (and audited). */
bool platform_api_authorize(api_call *call);
/* A console session's user takes the call's role and tenant (after the
 * bearer token verified: token, platform_credential_cache_token's answer);
 * an app's own token changes nothing. */
struct platform_credential_token;
aw_err platform_api_session_user(api_call *call, const char *access_token,
                                 const struct platform_credential_token *token);
/* Append the call's security-relevant action to the audit log: actor (the
 * app or user, its role), tenant acted on, target, outcome; details one JSON
 * object or NULL. Never secrets. */
aw_err platform_api_audit(api_call *call, const char *action, const char *target,
                          audit_outcome outcome, const char *details);
/* The same on db, a connection other than the API's (the order committer
 * thread's, order_commit.c): it reads only the call and its request's peer
 * address, which stays while the request is deferred. */
aw_err platform_api_audit_on(db_connection *db, api_call *call, const char *action,
                             const char *target, audit_outcome outcome, const char *details);
/* The same for count calls of one API (details none: only what the calls
 * themselves add), in their order, through audit_append_many: all or none
 * (order_commit.c: one head update for a batch's orders). */
aw_err platform_api_audit_many_on(db_connection *db, api_call *const *calls,
                                  const char *const *targets, size_t count, const char *action,
                                  audit_outcome outcome);
/* api_console.c: the web console's static files under /console (false:
 * not one of its paths, or no console); whether a call is the console's
 * unsigned one, and its chain step in place of the signature and bearer
 * steps (false when an error answer is set). */
bool platform_api_console_dispatch(platform_api *api, http_request *request);
bool platform_api_console_call(const api_call *call);
bool platform_api_console_authenticate(api_call *call, bool bearer);
/* POST /api/v1/auth/login */
void platform_api_handle_login(http_request *request, void *userdata);
/* api_audit.c: GET /api/v1/audit */
void platform_api_handle_audit(http_request *request, void *userdata);
/* api_users.c: GET and POST /api/v1/users, POST /api/v1/users/{username}/role
 * for api.c's fallback: false when the path is not one of them. */
bool platform_api_users_dispatch(platform_api *api, http_request *request);

/* I1005 405 with "Allow: allow", for paths the dispatcher routes. */
void platform_api_reply_method_not_allowed(platform_api *api, http_request *request,
                                           const char *allow);

/* api_orders.c: POST /api/v1/orders, and the /api/v1/orders/{id}...
 * routes, which core's exact-path table cannot hold: the fallback hands
 * every request to the dispatcher first; false when the path is not one
 * of them. */
void platform_api_handle_order_create(http_request *request, void *userdata);
/* api_orders.c: the JSON of an order and its progress (schema Order) */
struct json_t *platform_api_order_json(const platform_order *order);
/* The same object as text, byte for byte what json_dumps(JSON_COMPACT)
 * gives of it, into out (cap bytes, PLATFORM_ORDER_JSON_TEXT_MAX is enough
 * for any order); false (*len 0) when a string would need escaping or it
 * does not fit: then the tree is the way. */
#define PLATFORM_ORDER_JSON_TEXT_MAX 1024u
bool platform_api_order_json_text(const platform_order *order, char *out, size_t cap,
                                  size_t *len);
/* api_order_list.c: GET /api/v1/orders */
void platform_api_handle_order_list(http_request *request, void *userdata);
/* orders.c: one row of PLATFORM_ORDER_COLUMNS (order_progress.h). */
aw_err platform_order_read_row(db_rows *rows, platform_order *order);
bool platform_api_orders_dispatch(platform_api *api, http_request *request);

/* api_callbacks.c: POST and GET /api/v1/callbacks, GET
 * /api/v1/callbacks/dead-letters, and the dispatcher of DELETE
 * /api/v1/callbacks/{id} and POST .../dead-letters/{id}/replay. */
void platform_api_handle_callback_register(http_request *request, void *userdata);
void platform_api_handle_callback_list(http_request *request, void *userdata);
void platform_api_handle_dead_letters(http_request *request, void *userdata);
bool platform_api_callbacks_dispatch(platform_api *api, http_request *request);

/* api_exceptions.c: GET /api/v1/exceptions, /exceptions/{id}, POST
 * /exceptions/{id}/transition and /report, GET /api/v1/reviews (all by
 * the dispatcher); and the note every error answer makes of itself (order
 * refusals, 5xx answers, refusal spikes: docs/exceptions.md "Signals"). */
bool platform_api_exceptions_dispatch(platform_api *api, http_request *request);
void platform_api_exception_note(api_call *call, const platform_api_error_info *info);
/* The refusals noted but not yet added to their windows' counts, added now
 * (platform_api_free). */
void platform_api_exception_flush(platform_api *api);

/* api_indicators.c: GET /api/v1/indicators and GET /metrics (by the
 * dispatcher); and the count of every answer (platform_api_reply_text). */
bool platform_api_indicators_dispatch(platform_api *api, http_request *request);
void platform_api_count_answer(api_call *call, int status);

#define PLATFORM_ACCESS_TOKEN_PREFIX "awat_"
#define PLATFORM_REFRESH_TOKEN_PREFIX "awrt_"

#endif
