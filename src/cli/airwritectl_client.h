/* airwritectl's client of the card-writing platform's northbound API
 * (/api/v1, docs/openapi.yaml): every request signed with the app's secret
 * in its suite's scheme (HMAC-SHA256, or HMAC-SM3 for a domestic app;
 * docs/api-signature.md, through platform_signature_sign_suite),
 * a bearer token from POST /api/v1/auth/token kept in a private cache file
 * and renewed through /auth/refresh when it expires or the platform refuses
 * it, error answers {code, message, requestId} (docs/api-errors.md) kept
 * for the caller, and 429 answers waited out for their Retry-After (RFC
 * 9110 10.2.3) within a bound. BLOCKING, like core/http_client.h: a tool's
 * client, one per thread. The secret and tokens are never logged and are
 * erased before their memory is freed. */
#ifndef AIRWRITE_CLI_AIRWRITECTL_CLIENT_H
#define AIRWRITE_CLI_AIRWRITECTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"
#include "core/http_server.h" /* aw_http_method */
#include "platform/platform.h"

#define CTL_DEFAULT_MAX_WAIT_S 60   /* all Retry-After waits of one call together */
#define CTL_TOKEN_MARGIN_S 30       /* a token this close to its expiry is renewed first */
#define CTL_TOKEN_CACHE_MAX 4096u   /* bytes of a cache file */
#define CTL_CODE_MAX 7u             /* "I2004" and room for longer future codes */
#define CTL_MESSAGE_MAX 160u
#define CTL_DETAIL_MAX 256u

/* Exit statuses of airwritectl, one per outcome class (docs/airwritectl.md). */
#define CTL_EXIT_OK 0
#define CTL_EXIT_TAMPERED 1        /* audit verify: the log was altered */
#define CTL_EXIT_USAGE 2           /* usage, local files, configuration, local failures */
#define CTL_EXIT_NOT_ALL_WRITTEN 3 /* order watch: finished with items not written */
#define CTL_EXIT_WATCH_TIMEOUT 4   /* order watch: --timeout passed first */
#define CTL_EXIT_APPLICATION 10    /* A-class code (申请异常): the order or request itself */
#define CTL_EXIT_WRITE 11          /* W-class code (写卡异常) */
#define CTL_EXIT_INTERFACE 12      /* I-class code (接口异常) but authentication and limits */
#define CTL_EXIT_TERMINAL 13       /* T-class code (终端异常) */
#define CTL_EXIT_AUTHENTICATION 14 /* I2xxx: signature, app, credentials, token */
#define CTL_EXIT_LIMITED 15        /* I3xxx: rate limit or quota, beyond the wait bound */
#define CTL_EXIT_TRANSPORT 16      /* no answer (connect, TLS, timeout) or not the JSON expected */

typedef int64_t (*ctl_clock_fn)(void *userdata);             /* ms since the Unix epoch */
typedef void (*ctl_sleep_fn)(int64_t seconds, void *userdata); /* wait that long */

typedef struct ctl_client_config {
    const char *base_url;     /* "https://host[:port]", the API's origin */
    const char *ca_file;      /* PEM CA certificates the server must chain to */
    const char *app_id;
    const char *app_secret;   /* copied, erased on free */
    crypto_suite suite;       /* the app's signature scheme (issue 8); 0: international;
                               * another value: AW_ERR_SUITE_UNKNOWN */
    const char *token_cache;  /* cache file; NULL: tokens kept in memory only */
    int64_t max_wait_s;       /* 0: CTL_DEFAULT_MAX_WAIT_S; negative: never wait */
    unsigned timeout_ms;      /* each exchange; 0: the HTTP client's default */
    ctl_clock_fn clock;       /* NULL: the real time */
    void *clock_userdata;
    ctl_sleep_fn sleep;       /* NULL: nanosleep */
    void *sleep_userdata;
} ctl_client_config;

/* Why a call failed. err is AW_ERR_CTL_API when the API answered an error
 * (http_status, code, message, request_id, body); a transport error of
 * core/http_client.h with detail when there was no answer;
 * AW_ERR_CTL_RESPONSE when the answer was not the JSON expected. */
typedef struct ctl_error {
    aw_err err;
    int http_status;                                  /* 0: no answer */
    char code[CTL_CODE_MAX + 1];                      /* "" when the body had none */
    char message[CTL_MESSAGE_MAX + 1];
    char request_id[PLATFORM_REQUEST_ID_LENGTH + 1];  /* "" when not answered */
    int64_t retry_after_s;                            /* last 429's Retry-After, -1: none */
    int64_t waited_s;                                 /* Retry-After seconds waited */
    json_t *body;                                     /* the error body (a refused batch's
                                                       * "errors"); NULL */
    char detail[CTL_DETAIL_MAX + 1];                  /* transport detail, "" */
} ctl_error;

/* Release body and reset (NULL-safe). */
void ctl_error_clear(ctl_error *error);

typedef struct ctl_request {
    aw_http_method method;
    const char *path;            /* "/api/v1/..." already encoded (ctl_encode_component) */
    const char *query;           /* encoded "a=1&b=2" or NULL */
    const uint8_t *body;
    size_t body_len;
    const char *content_type;    /* with a body; NULL: application/json */
    const char *idempotency_key; /* Idempotency-Key or NULL */
    bool anonymous;              /* no bearer token (auth/token, auth/refresh) */
} ctl_request;

typedef struct ctl_response {
    int status;
    json_t *json;                                    /* the body: a JSON object */
    char request_id[PLATFORM_REQUEST_ID_LENGTH + 1];
    bool idempotent_replayed;                        /* Idempotent-Replayed: true */
    int64_t waited_s;                                /* Retry-After seconds waited */
} ctl_response;

void ctl_response_clear(ctl_response *response);

typedef struct ctl_token {
    char access_token[PLATFORM_TOKEN_LENGTH + 1];
    char refresh_token[PLATFORM_TOKEN_LENGTH + 1];
    int64_t access_expires_at_ms;
    int64_t refresh_expires_at_ms;
} ctl_token;

typedef enum ctl_token_source {
    CTL_TOKEN_MEMORY = 0,  /* held from an earlier call of this client */
    CTL_TOKEN_CACHED,      /* read from the cache file */
    CTL_TOKEN_REFRESHED,   /* renewed with the refresh token (/auth/refresh) */
    CTL_TOKEN_ISSUED,      /* new from appId and appSecret (/auth/token) */
} ctl_token_source;

typedef struct ctl_client ctl_client;

/* AW_ERR_ARGUMENT: a member missing, a base URL not "https://" without a
 * path, query or trailing slash, an appId or secret of the wrong form;
 * http_client_new's errors. */
aw_err ctl_client_new(const ctl_client_config *config, ctl_client **out);
/* Erases the secret and tokens. NULL-safe. */
void ctl_client_free(ctl_client *client);

/* A token valid for at least CTL_TOKEN_MARGIN_S more: the one held, the
 * cache file's (of this base URL and appId), one renewed with the refresh
 * token, or (when the refresh token is expired or refused) a new one; a
 * renewed or new token is written to the cache file (mode 0600) at once.
 * force_new: renew even a token still valid (through its refresh token when
 * the client holds or caches one). Errors of the calls (the error
 * filled) and AW_ERR_IO when the cache cannot be written. token and source
 * may be NULL. */
aw_err ctl_client_token(ctl_client *client, bool force_new, ctl_token *token,
                        ctl_token_source *source, ctl_error *error);

/* How the token the client holds was obtained (CTL_TOKEN_CACHED,
 * _REFRESHED or _ISSUED); CTL_TOKEN_MEMORY when it holds none. */
ctl_token_source ctl_client_token_origin(const ctl_client *client);

/* One call with a fresh timestamp, nonce and signature per attempt; a
 * bearer token unless anonymous. A 429 with Retry-After is waited out and
 * tried again while the waits stay within max_wait_s; a refused bearer token
 * (I2102..I2104) is renewed once and the call tried again. AW_OK for a 2xx
 * answer with a JSON object body (response filled), AW_ERR_CTL_API for an
 * error answer, AW_ERR_CTL_RESPONSE, transport errors (error filled). */
aw_err ctl_client_call(ctl_client *client, const ctl_request *request, ctl_response *response,
                       ctl_error *error);

/* ---- Pieces, public for their tests ---------------------------------------- */

/* The token cache file: JSON {"baseUrl","appId","accessToken",
 * "accessExpiresAt","refreshToken","refreshExpiresAt"}. load:
 * AW_ERR_NOT_FOUND when absent; AW_ERR_CTL_TOKEN_CACHE when it is not a
 * regular file of this user without group/other access, is malformed or
 * over CTL_TOKEN_CACHE_MAX, or belongs to another base URL or appId.
 * save: atomically, mode 0600 (AW_ERR_IO). */
aw_err ctl_token_cache_load(const char *path, const char *base_url, const char *app_id,
                            ctl_token *token);
/* The content of a cache file (load's check after reading it):
 * AW_ERR_CTL_TOKEN_CACHE as above. */
aw_err ctl_token_cache_parse(const char *text, size_t len, const char *base_url,
                             const char *app_id, ctl_token *token);
aw_err ctl_token_cache_save(const char *path, const char *base_url, const char *app_id,
                            const ctl_token *token);

/* Token form (docs/openapi.yaml AccessToken, RefreshToken): prefix
 * ("awat_", "awrt_") and lowercase hex, PLATFORM_TOKEN_LENGTH in all, so
 * nothing else reaches a header or the cache. */
bool ctl_token_valid(const char *value, const char *prefix);

/* Fill error from an error answer: the body {code, message, requestId}
 * when it is one with a code of the documented form (a capital letter and
 * 1..6 digits; code "" and the status as message otherwise), AW_ERR_CTL_API
 * either way. Control characters of the message become '?', and a request
 * id not of 32 lowercase hex digits is dropped, so an answer cannot drive
 * the terminal it is shown on. */
void ctl_error_from_answer(int status, const uint8_t *body, size_t len,
                           const char *request_id, ctl_error *error);

/* Replace control characters (C0, DEL) with '?'. */
void ctl_text_sanitize(char *text);

/* Retry-After as delay-seconds (RFC 9110 10.2.3), 0..86400; -1 for
 * anything else (absent, an HTTP-date, malformed). */
int64_t ctl_retry_after_parse(const char *value);

/* The exit status of an error (CTL_EXIT_*). */
int ctl_exit_status(const ctl_error *error);

/* Whether the failure may pass by itself: no answer (connect, timeout,
 * transfer) or a 5xx answer (I9001, I9002: the platform restarting or its
 * database busy). Certificates, TLS, 4xx and malformed answers are not. */
bool ctl_error_transient(const ctl_error *error);

/* Percent-encode value (RFC 3986 2.1: all but unreserved characters) into
 * out. AW_ERR_LIMIT when out is too small. */
aw_err ctl_encode_component(const char *value, char *out, size_t cap);

#endif
