/* airwrite platform: roles, permissions, console users and the security
 * audit of the platform (T/CA group standard, security management: roles
 * and permissions enforced on every API route, tenants isolated, an audit
 * record of every security-relevant action), part of the platform's one
 * public header (included at the end of platform/platform.h; include that,
 * not this). docs/rbac.md is the role -> permission table.
 *
 * Separation of duties follows the three-administrator split of GB/T
 * 22239-2019 (等保 2.0, 安全管理中心: 系统管理, 审计管理, 安全管理): the
 * platform administrator runs the service but neither manages credentials
 * nor reads the audit log; the security officer manages apps, users and
 * keys but writes no card and reads no business data; the auditor reads
 * the audit log and business data and changes nothing. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_RBAC_H
#define AIRWRITE_PLATFORM_PLATFORM_RBAC_H

#include "core/audit.h"
#include "core/password.h"
#include "core/throttle.h"

/* ---- Roles and permissions (rbac.c) ------------------------------------- */

typedef enum platform_role {
    PLATFORM_ROLE_PLATFORM_ADMIN = 1,   /* 平台管理员 */
    PLATFORM_ROLE_OPERATOR = 2,         /* 运维人员/操作员 */
    PLATFORM_ROLE_TENANT_USER = 3,      /* 企业用户: only its own tenant */
    PLATFORM_ROLE_AUDITOR = 4,          /* 审计员 */
    PLATFORM_ROLE_SECURITY_OFFICER = 5, /* 安全管理员 */
} platform_role;
#define PLATFORM_ROLE_COUNT 5u
#define PLATFORM_ROLE_NAME_MAX 16u

/* What a route needs. Every route of the router has exactly one. */
typedef enum platform_permission {
    PLATFORM_PERMISSION_SESSION = 0,        /* tokens, ping, login: every role */
    PLATFORM_PERMISSION_ORDERS_READ,
    PLATFORM_PERMISSION_ORDERS_WRITE,       /* create, cancel, retry */
    PLATFORM_PERMISSION_CARDS_READ,         /* cards, profiles, history */
    PLATFORM_PERMISSION_CARDS_OPERATE,      /* enable, disable, delete, switch profiles */
    PLATFORM_PERMISSION_CALLBACKS_MANAGE,   /* register, list, delete callbacks */
    PLATFORM_PERMISSION_DEAD_LETTERS_READ,
    PLATFORM_PERMISSION_DEAD_LETTERS_REPLAY,
    PLATFORM_PERMISSION_INVENTORY_READ,     /* number pools */
    PLATFORM_PERMISSION_INVENTORY_MANAGE,   /* pools, numbers, profile types, scope */
    PLATFORM_PERMISSION_STATISTICS_READ,
    PLATFORM_PERMISSION_AUDIT_READ,
    PLATFORM_PERMISSION_SECURITY_MANAGE,    /* apps, users, roles, keys */
    PLATFORM_PERMISSION_EXCEPTIONS_READ,
    PLATFORM_PERMISSION_EXCEPTIONS_HANDLE,  /* acknowledge, escalate, resolve */
    PLATFORM_PERMISSION_REVIEWS_READ,
    PLATFORM_PERMISSION_REVIEWS_WRITE,      /* produce review reports */
    PLATFORM_PERMISSION_USERS_READ,         /* the console users and their roles */
    /* card-device locking (docs/device-lock.md, helper devicelock) */
    PLATFORM_PERMISSION_DEVICE_BINDING_MANAGE, /* bind, unbind, lock a card to its device */
    PLATFORM_PERMISSION_DEVICE_BINDING_UNLOCK, /* unlock a locked card */
    PLATFORM_PERMISSION_TERMINAL_INFO_READ, /* devices' terminal information: IMEI, location (helper terminfo) */
    PLATFORM_PERMISSION_LOCATION_POLICY_MANAGE, /* tenants' location policies (helper location) */
    PLATFORM_PERMISSION__COUNT
} platform_permission;

/* "platform_admin", "operator", "tenant_user", "auditor",
 * "security_officer"; NULL for another value. */
const char *platform_role_name(platform_role role);
/* The role named name; 0 when none is. */
platform_role platform_role_from_name(const char *name);
/* "orders.read", ...; NULL for another value. */
const char *platform_permission_name(platform_permission permission);
/* Whether role holds permission (false for unknown values). */
bool platform_role_allows(platform_role role, platform_permission permission);
/* Whether role may address another tenant than its own (the `tenant`
 * query parameter): every role but tenant_user. */
bool platform_role_cross_tenant(platform_role role);

/* One entry of the route table: method and path pattern, in which a
 * segment "{name}" stands for any one non-empty segment. */
typedef struct platform_route_permission {
    aw_http_method method;
    const char *pattern;
    platform_permission permission;
} platform_route_permission;

/* The route table (count entries), for tests and docs. */
const platform_route_permission *platform_route_permissions(size_t *count);
/* The permission of the route method + path (no query). AW_ERR_NOT_FOUND
 * when the table has no entry: the router then refuses the call (fail
 * closed). */
aw_err platform_route_permission_find(aw_http_method method, const char *path,
                                      platform_permission *permission);

/* ---- Roles of apps (rbac.c; schema component "platform_rbac") ---------- */

/* Create or upgrade the tables of roles, users and sessions; part of
 * platform_migrate (with core's audit and throttle tables). */
aw_err platform_rbac_migrate(db_connection *db);

/* The role of app_id; an app never given one is a tenant_user.
 * AW_ERR_PLATFORM_APP_UNKNOWN for a malformed appId. */
aw_err platform_app_role_get(db_connection *db, const char *app_id, platform_role *role);
/* Admin (security officer): set the role of an existing app.
 * AW_ERR_PLATFORM_APP_UNKNOWN; AW_ERR_ARGUMENT for an unknown role. */
aw_err platform_app_role_set(db_connection *db, const char *app_id, platform_role role,
                             int64_t now_ms);

/* ---- The audit log's signing key (rbac.c) ------------------------------ */

#define PLATFORM_AUDIT_KEY_FILE_MAX 16384u

/* The audit options of a server from a checkpoint signing key file (PEM
 * private key, international P-256 or domestic SM2: the suite is the
 * key's) signing every interval entries (1..1000000): options->suite,
 * checkpoint_key (*key, freed by the caller with crypto_suite_key_free
 * after the server), checkpoint_interval. AW_ERR_ARGUMENT for an interval
 * out of range; file errors (AW_ERR_NOT_FOUND, AW_ERR_LIMIT over
 * PLATFORM_AUDIT_KEY_FILE_MAX); AW_ERR_SUITE_MISMATCH when the PEM is no
 * private key of either suite. */
aw_err platform_audit_key_load(const char *path, uint32_t interval, audit_options *options,
                               crypto_suite_key **key);

/* ---- Console users (users.c) ------------------------------------------- */

#define PLATFORM_USERNAME_MAX 64u           /* 1..64 of [A-Za-z0-9._@-] */

typedef struct platform_user {
    char username[PLATFORM_USERNAME_MAX + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    platform_role role;
    bool enabled;
    int64_t created_at_ms;
    int64_t updated_at_ms;
} platform_user;

bool platform_username_valid(const char *username);

/* Admin: create an enabled user; password must pass the core password
 * policy (password.h, default policy: AW_ERR_PASSWORD_*) and is stored as
 * an scrypt PHC string made with params (NULL: PASSWORD_DEFAULT_PARAMETERS).
 * AW_ERR_STATE: the username exists; AW_ERR_ARGUMENT: bad username, tenant
 * or role. */
aw_err platform_user_create(db_connection *db, const char *username, const char *tenant,
                            platform_role role, const char *password,
                            const password_parameters *params, int64_t now_ms,
                            platform_user *user);
/* AW_ERR_NOT_FOUND (also for a malformed username). */
aw_err platform_user_get(db_connection *db, const char *username, platform_user *user);
/* Admin: a new password (policy and params as create). AW_ERR_NOT_FOUND. */
aw_err platform_user_set_password(db_connection *db, const char *username, const char *password,
                                  const password_parameters *params, int64_t now_ms);
/* Admin: enable or disable; disabling revokes the user's console sessions.
 * AW_ERR_NOT_FOUND. */
aw_err platform_user_set_enabled(db_connection *db, const char *username, bool enabled,
                                 int64_t now_ms);

#define PLATFORM_USER_PAGE_DEFAULT 50u
#define PLATFORM_USER_PAGE_MAX 200u

/* The users of tenant, by username, those after the username after (NULL:
 * from the first), of role only (0: any role), at most limit
 * (1..PLATFORM_USER_PAGE_MAX + 1: a page and one more, to tell whether a
 * next page exists). users is malloc'd (free()), NULL when count
 * is 0. AW_ERR_ARGUMENT for a bad tenant, role, cursor or limit. */
aw_err platform_user_list(db_connection *db, const char *tenant, platform_role role,
                          const char *after, size_t limit, platform_user **users, size_t *count);
/* Admin (security officer): a new role; the user's sessions take it at
 * their next call. AW_ERR_NOT_FOUND; AW_ERR_ARGUMENT for an unknown role. */
aw_err platform_user_set_role(db_connection *db, const char *username, platform_role role,
                              int64_t now_ms);

/* A login attempt from address (throttle.h; policy NULL: the default):
 *   AW_ERR_THROTTLE_LOCKED    the account or address is locked, password not
 *                             looked at; *retry_after_s the seconds to wait;
 *   AW_ERR_PASSWORD_MISMATCH  wrong password, unknown or disabled user (one
 *                             answer, and an unknown user costs one scrypt
 *                             verification with params too, so neither the
 *                             answer nor its time tells which names exist);
 *                             *locked true when this failure locked a subject;
 *   AW_OK                     user filled in.
 * params: those of new hashes (NULL: default), the cost of the unknown-user
 * check. */
aw_err platform_user_login(db_connection *db, const throttle_policy *policy,
                           const password_parameters *params, const char *username,
                           const char *password, const char *address, int64_t now_ms,
                           platform_user *user, int64_t *retry_after_s, bool *locked);

/* POST /api/v1/auth/login {"username", "password"}: one JSON object of at
 * most PLATFORM_JSON_MAX_BODY bytes with exactly these members, a valid
 * username and a password of 1..PASSWORD_BYTES_MAX bytes (the policy is
 * for new passwords, not here). AW_ERR_PLATFORM_JSON, AW_ERR_PLATFORM_FIELD
 * (outputs then empty). The caller erases password; the copy inside the
 * parser is erased before it is freed. */
aw_err platform_json_parse_login(const uint8_t *body, size_t len,
                                 char username[PLATFORM_USERNAME_MAX + 1],
                                 char password[PASSWORD_BYTES_MAX + 1]);

/* A console session: the token pair issued at login to the signing app is
 * bound to the user (only SHA-256 of the access token is stored). */
aw_err platform_user_session_bind(db_connection *db, const char *username,
                                  const platform_token_pair *pair, int64_t now_ms);
/* The user of a bound access token: AW_ERR_NOT_FOUND when the token is an
 * app's own; AW_ERR_PLATFORM_TOKEN_REVOKED when the user is disabled. */
aw_err platform_user_session_find(db_connection *db, const char *access_token,
                                  platform_user *user);
/* Housekeeping: delete the bindings of pairs whose refresh time ended
 * before before_ms (those pairs answer "expired" already, and are purged
 * by platform_token_purge at the same cutoff). deleted may be NULL. */
aw_err platform_user_session_purge(db_connection *db, int64_t before_ms, int64_t *deleted);
/* Whether refresh_token is a console session's (those are not refreshed:
 * the console logs in again). */
aw_err platform_user_session_is_refresh(db_connection *db, const char *refresh_token,
                                        bool *is_session);

#endif
