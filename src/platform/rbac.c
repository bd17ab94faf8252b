/* airwrite platform: roles and permissions of the northbound API (T/CA
 * group standard, security management: roles and permissions enforced on
 * every API route). Three tables, in this file only:
 *   - role -> permissions (docs/rbac.md prints it; a test compares);
 *   - route -> permission: every route of the router, method and path
 *     pattern; the router's chain (api.c) looks the call up here and
 *     refuses a route without an entry (fail closed), so a route added
 *     without a decision here is answered I2201 403, never served;
 *   - the roles of apps in the database (component "platform_rbac"; an app
 *     without a row is a tenant_user, so apps made before roles existed
 *     keep exactly the access they had).
 * Separation of duties: GB/T 22239-2019 安全管理中心 (system, audit and
 * security administration held by different people). */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include <openssl/crypto.h>

#include "core/audit.h"
#include "core/file.h"
#include "core/throttle.h"
#include "platform/credential_cache.h"

/* ---- Roles ------------------------------------------------------------------ */

static const char *const role_names[PLATFORM_ROLE_COUNT + 1] = {
    [PLATFORM_ROLE_PLATFORM_ADMIN] = "platform_admin",
    [PLATFORM_ROLE_OPERATOR] = "operator",
    [PLATFORM_ROLE_TENANT_USER] = "tenant_user",
    [PLATFORM_ROLE_AUDITOR] = "auditor",
    [PLATFORM_ROLE_SECURITY_OFFICER] = "security_officer",
};

static const char *const permission_names[PLATFORM_PERMISSION__COUNT] = {
    [PLATFORM_PERMISSION_SESSION] = "session",
    [PLATFORM_PERMISSION_ORDERS_READ] = "orders.read",
    [PLATFORM_PERMISSION_ORDERS_WRITE] = "orders.write",
    [PLATFORM_PERMISSION_CARDS_READ] = "cards.read",
    [PLATFORM_PERMISSION_CARDS_OPERATE] = "cards.operate",
    [PLATFORM_PERMISSION_CALLBACKS_MANAGE] = "callbacks.manage",
    [PLATFORM_PERMISSION_DEAD_LETTERS_READ] = "dead_letters.read",
    [PLATFORM_PERMISSION_DEAD_LETTERS_REPLAY] = "dead_letters.replay",
    [PLATFORM_PERMISSION_INVENTORY_READ] = "inventory.read",
    [PLATFORM_PERMISSION_INVENTORY_MANAGE] = "inventory.manage",
    [PLATFORM_PERMISSION_STATISTICS_READ] = "statistics.read",
    [PLATFORM_PERMISSION_AUDIT_READ] = "audit.read",
    [PLATFORM_PERMISSION_SECURITY_MANAGE] = "security.manage",
    [PLATFORM_PERMISSION_EXCEPTIONS_READ] = "exceptions.read",
    [PLATFORM_PERMISSION_EXCEPTIONS_HANDLE] = "exceptions.handle",
    [PLATFORM_PERMISSION_REVIEWS_READ] = "reviews.read",
    [PLATFORM_PERMISSION_REVIEWS_WRITE] = "reviews.write",
    [PLATFORM_PERMISSION_USERS_READ] = "users.read",
    [PLATFORM_PERMISSION_DEVICE_BINDING_MANAGE] = "device_binding.manage",
    [PLATFORM_PERMISSION_DEVICE_BINDING_UNLOCK] = "device_binding.unlock",
    [PLATFORM_PERMISSION_TERMINAL_INFO_READ] = "terminal_info.read",
    [PLATFORM_PERMISSION_LOCATION_POLICY_MANAGE] = "location_policy.manage",
};

#define BIT(p) (1u << (p))
#define READ_BUSINESS                                                                        \
    (BIT(PLATFORM_PERMISSION_ORDERS_READ) | BIT(PLATFORM_PERMISSION_CARDS_READ) |            \
     BIT(PLATFORM_PERMISSION_DEAD_LETTERS_READ) | BIT(PLATFORM_PERMISSION_INVENTORY_READ) |  \
     BIT(PLATFORM_PERMISSION_STATISTICS_READ))
#define RUN_SERVICE                                                                          \
    (BIT(PLATFORM_PERMISSION_ORDERS_WRITE) | BIT(PLATFORM_PERMISSION_CARDS_OPERATE) |        \
     BIT(PLATFORM_PERMISSION_DEAD_LETTERS_REPLAY) | BIT(PLATFORM_PERMISSION_EXCEPTIONS_READ) | \
     BIT(PLATFORM_PERMISSION_EXCEPTIONS_HANDLE) | BIT(PLATFORM_PERMISSION_REVIEWS_READ) |     \
     BIT(PLATFORM_PERMISSION_REVIEWS_WRITE))

/* docs/rbac.md "Role -> permission". Tenant users read the exceptions
 * and review reports of their own tenant (the routes filter by tenant);
 * handling them is the operator's. */
static const unsigned role_permissions[PLATFORM_ROLE_COUNT + 1] = {
    [PLATFORM_ROLE_PLATFORM_ADMIN] = BIT(PLATFORM_PERMISSION_SESSION) | READ_BUSINESS |
                                     RUN_SERVICE | BIT(PLATFORM_PERMISSION_CALLBACKS_MANAGE) |
                                     BIT(PLATFORM_PERMISSION_INVENTORY_MANAGE) |
                                     BIT(PLATFORM_PERMISSION_USERS_READ) |
                                     BIT(PLATFORM_PERMISSION_DEVICE_BINDING_MANAGE) |
                                     BIT(PLATFORM_PERMISSION_DEVICE_BINDING_UNLOCK) |
                                     BIT(PLATFORM_PERMISSION_LOCATION_POLICY_MANAGE),
    /* card-device locking: the operator binds and locks, and may not lift
     * a lock it (or a mismatch) set; unlocking is the platform
     * administrator's (the security officer touches no card: docs/rbac.md,
     * docs/device-lock.md) */
    [PLATFORM_ROLE_OPERATOR] = BIT(PLATFORM_PERMISSION_SESSION) | READ_BUSINESS | RUN_SERVICE |
                               BIT(PLATFORM_PERMISSION_DEVICE_BINDING_MANAGE) |
                               BIT(PLATFORM_PERMISSION_TERMINAL_INFO_READ),
    [PLATFORM_ROLE_TENANT_USER] = BIT(PLATFORM_PERMISSION_SESSION) | READ_BUSINESS |
                                  BIT(PLATFORM_PERMISSION_ORDERS_WRITE) |
                                  BIT(PLATFORM_PERMISSION_CARDS_OPERATE) |
                                  BIT(PLATFORM_PERMISSION_CALLBACKS_MANAGE) |
                                  BIT(PLATFORM_PERMISSION_DEAD_LETTERS_REPLAY) |
                                  BIT(PLATFORM_PERMISSION_EXCEPTIONS_READ) |
                                  BIT(PLATFORM_PERMISSION_REVIEWS_READ) |
                                  BIT(PLATFORM_PERMISSION_TERMINAL_INFO_READ),
    [PLATFORM_ROLE_AUDITOR] = BIT(PLATFORM_PERMISSION_SESSION) | READ_BUSINESS |
                              BIT(PLATFORM_PERMISSION_AUDIT_READ) |
                              BIT(PLATFORM_PERMISSION_EXCEPTIONS_READ) |
                              BIT(PLATFORM_PERMISSION_REVIEWS_READ),
    /* the platform administrator sees who may log in (users.read); only
     * the security officer changes it */
    [PLATFORM_ROLE_SECURITY_OFFICER] = BIT(PLATFORM_PERMISSION_SESSION) |
                                       BIT(PLATFORM_PERMISSION_SECURITY_MANAGE) |
                                       BIT(PLATFORM_PERMISSION_USERS_READ) |
                                       BIT(PLATFORM_PERMISSION_LOCATION_POLICY_MANAGE),
};

const char *platform_role_name(platform_role role)
{
    return (unsigned)role >= 1 && (unsigned)role <= PLATFORM_ROLE_COUNT ? role_names[role] : NULL;
}

platform_role platform_role_from_name(const char *name)
{
    for (unsigned r = 1; name != NULL && r <= PLATFORM_ROLE_COUNT; r++)
        if (strcmp(role_names[r], name) == 0)
            return (platform_role)r;
    return 0;
}

const char *platform_permission_name(platform_permission permission)
{
    return (unsigned)permission < PLATFORM_PERMISSION__COUNT ? permission_names[permission]
                                                             : NULL;
}

bool platform_role_allows(platform_role role, platform_permission permission)
{
    if (platform_role_name(role) == NULL || (unsigned)permission >= PLATFORM_PERMISSION__COUNT)
        return false;
    return (role_permissions[role] & BIT(permission)) != 0;
}

bool platform_role_cross_tenant(platform_role role)
{
    return platform_role_name(role) != NULL && role != PLATFORM_ROLE_TENANT_USER;
}

/* ---- Routes ------------------------------------------------------------------ */

#define ROUTE(m, p, perm) {AW_HTTP_METHOD_##m, p, PLATFORM_PERMISSION_##perm}

/* Every route of the router (docs/openapi.yaml; a test checks that every
 * operation there has its entry). Exact paths before patterns that could
 * also match them. */
static const platform_route_permission routes[] = {
    ROUTE(POST, "/api/v1/auth/token", SESSION),
    ROUTE(POST, "/api/v1/auth/refresh", SESSION),
    ROUTE(POST, "/api/v1/auth/revoke", SESSION),
    ROUTE(POST, "/api/v1/auth/login", SESSION),
    ROUTE(GET, "/api/v1/ping", SESSION),
    ROUTE(GET, "/api/v1/audit", AUDIT_READ),
    ROUTE(POST, "/api/v1/orders", ORDERS_WRITE),
    ROUTE(GET, "/api/v1/orders", ORDERS_READ),
    ROUTE(GET, "/api/v1/orders/{orderId}", ORDERS_READ),
    ROUTE(GET, "/api/v1/orders/{orderId}/items", ORDERS_READ),
    ROUTE(POST, "/api/v1/orders/{orderId}/cancel", ORDERS_WRITE),
    ROUTE(POST, "/api/v1/orders/{orderId}/retry", ORDERS_WRITE),
    ROUTE(POST, "/api/v1/callbacks", CALLBACKS_MANAGE),
    ROUTE(GET, "/api/v1/callbacks", CALLBACKS_MANAGE),
    ROUTE(GET, "/api/v1/callbacks/dead-letters", DEAD_LETTERS_READ),
    ROUTE(POST, "/api/v1/callbacks/dead-letters/{deliveryId}/replay", DEAD_LETTERS_REPLAY),
    ROUTE(DELETE, "/api/v1/callbacks/{callbackId}", CALLBACKS_MANAGE),
    ROUTE(GET, "/api/v1/cards", CARDS_READ),
    ROUTE(GET, "/api/v1/cards/{eid}", CARDS_READ),
    ROUTE(GET, "/api/v1/cards/{eid}/history", CARDS_READ),
    /* card operations (api_card_ops.c) */
    ROUTE(POST, "/api/v1/cards/{eid}/operations", CARDS_OPERATE),
    ROUTE(GET, "/api/v1/cards/{eid}/operations", CARDS_READ),
    ROUTE(GET, "/api/v1/cards/{eid}/operations/{operationId}", CARDS_READ),
    /* card-device locking (api_device_lock.c) */
    ROUTE(GET, "/api/v1/cards/{eid}/device-binding", CARDS_READ),
    ROUTE(PUT, "/api/v1/cards/{eid}/device-binding", DEVICE_BINDING_MANAGE),
    ROUTE(DELETE, "/api/v1/cards/{eid}/device-binding", DEVICE_BINDING_MANAGE),
    ROUTE(POST, "/api/v1/cards/{eid}/device-binding/lock", DEVICE_BINDING_MANAGE),
    ROUTE(POST, "/api/v1/cards/{eid}/device-binding/unlock", DEVICE_BINDING_UNLOCK),
    ROUTE(GET, "/api/v1/cards/{eid}/terminal-info", TERMINAL_INFO_READ), /* helper terminfo */
    ROUTE(GET, "/api/v1/profiles", CARDS_READ),
    /* profile-device bindings (api_device_lock.c, helper iccidbinding) */
    ROUTE(GET, "/api/v1/profiles/{iccid}/device-binding", CARDS_READ),
    ROUTE(PUT, "/api/v1/profiles/{iccid}/device-binding", DEVICE_BINDING_MANAGE),
    ROUTE(DELETE, "/api/v1/profiles/{iccid}/device-binding", DEVICE_BINDING_MANAGE),
    ROUTE(GET, "/api/v1/number-pools", INVENTORY_READ),
    ROUTE(GET, "/api/v1/number-pools/{name}", INVENTORY_READ),
    ROUTE(GET, "/api/v1/statistics", STATISTICS_READ),
    ROUTE(GET, "/api/v1/profile-limit", INVENTORY_READ), /* profile count limit */
    ROUTE(PUT, "/api/v1/profile-limit", INVENTORY_MANAGE),
    ROUTE(GET, "/api/v1/location-policy", LOCATION_POLICY_MANAGE), /* helper location */
    ROUTE(PUT, "/api/v1/location-policy", LOCATION_POLICY_MANAGE),
    ROUTE(GET, "/api/v1/indicators", STATISTICS_READ), /* quality indicators (api_indicators.c) */
    /* graded exceptions and review reports (api_exceptions.c, helper exceptions) */
    ROUTE(GET, "/api/v1/exceptions", EXCEPTIONS_READ),
    ROUTE(GET, "/api/v1/exceptions/{exceptionId}", EXCEPTIONS_READ),
    ROUTE(POST, "/api/v1/exceptions/{exceptionId}/transition", EXCEPTIONS_HANDLE),
    ROUTE(POST, "/api/v1/exceptions/{exceptionId}/report", EXCEPTIONS_HANDLE),
    ROUTE(GET, "/api/v1/reviews", REVIEWS_READ),
    /* console users and their roles (api_users.c) */
    ROUTE(GET, "/api/v1/users", USERS_READ),
    ROUTE(POST, "/api/v1/users", SECURITY_MANAGE),
    ROUTE(POST, "/api/v1/users/{username}/role", SECURITY_MANAGE),
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

const platform_route_permission *platform_route_permissions(size_t *count)
{
    if (count != NULL)
        *count = ROUTE_COUNT;
    return routes;
}

/* path matches pattern segment by segment; "{...}" takes one non-empty
 * segment. */
static bool route_matches(const char *pattern, const char *path)
{
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        size_t pattern_len = strcspn(pattern, "/");
        size_t path_len = strcspn(path, "/");
        if (pattern[0] == '{') {
            if (path_len == 0)
                return false;
        } else if (pattern_len != path_len || strncmp(pattern, path, path_len) != 0) {
            return false;
        }
        pattern += pattern_len;
        path += path_len;
    }
    return *pattern == '\0' && *path == '\0';
}

aw_err platform_route_permission_find(aw_http_method method, const char *path,
                                      platform_permission *permission)
{
    if (permission != NULL)
        *permission = PLATFORM_PERMISSION_SESSION;
    if (path == NULL || permission == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        if (routes[i].method == method && route_matches(routes[i].pattern, path)) {
            *permission = routes[i].permission;
            return AW_OK;
        }
    }
    return AW_ERR_NOT_FOUND;
}

/* ---- Schema ------------------------------------------------------------------ */

#define RBAC_TABLES(BLOB)                                                                      \
    "CREATE TABLE platform_app_roles (\n"                                                     \
    "  app_id TEXT PRIMARY KEY REFERENCES platform_apps (app_id),\n"                          \
    "  role TEXT NOT NULL,\n"                                                                 \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE TABLE platform_users (\n"                                                         \
    "  username TEXT PRIMARY KEY,\n"                                                          \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  role TEXT NOT NULL,\n"                                                                 \
    "  password_hash TEXT NOT NULL,\n"                                                        \
    "  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),\n"                                 \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE TABLE platform_user_sessions (\n"                                                 \
    "  access_hash " BLOB " PRIMARY KEY,\n"                                                   \
    "  refresh_hash " BLOB " NOT NULL UNIQUE,\n"                                              \
    "  username TEXT NOT NULL REFERENCES platform_users (username),\n"                        \
    "  refresh_expires_at BIGINT NOT NULL,\n"                                                 \
    "  created_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_user_sessions_user ON platform_user_sessions (username);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "roles of apps, console users, user sessions",
        .sqlite_sql = RBAC_TABLES("BLOB"),
        .postgresql_sql = RBAC_TABLES("BYTEA"),
    },
};

aw_err platform_rbac_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    /* the security audit log and login throttling are core's tables */
    aw_err err = audit_migrate(db);
    if (err == AW_OK)
        err = throttle_migrate(db);
    if (err == AW_OK)
        err = db_migrate(db, "platform_rbac", migrations,
                         sizeof(migrations) / sizeof(migrations[0]), NULL);
    return err;
}

/* ---- Roles of apps ------------------------------------------------------------- */

aw_err platform_app_role_get(db_connection *db, const char *app_id, platform_role *role)
{
    if (role != NULL)
        *role = 0;
    if (db == NULL || role == NULL)
        return AW_ERR_ARGUMENT;
    if (!platform_app_id_valid(app_id))
        return AW_ERR_PLATFORM_APP_UNKNOWN;
    const db_param p[] = {DB_PARAM_TEXT(app_id)};
    db_rows *rows = NULL;
    aw_err err = db_query(db, "SELECT role FROM platform_app_roles WHERE app_id = ?", p, 1, &rows);
    bool has_row = false;
    const char *name = NULL;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row)
        err = db_rows_get_text(rows, 0, &name);
    if (err == AW_OK) {
        *role = has_row ? platform_role_from_name(name) : PLATFORM_ROLE_TENANT_USER;
        if (*role == 0)
            err = AW_ERR_DB_TYPE; /* a row this code did not write */
    }
    db_rows_free(rows);
    return err;
}

aw_err platform_app_role_set(db_connection *db, const char *app_id, platform_role role,
                             int64_t now_ms)
{
    if (db == NULL || platform_role_name(role) == NULL)
        return AW_ERR_ARGUMENT;
    platform_app app;
    aw_err err = platform_app_get(db, app_id, &app);
    if (err != AW_OK)
        return err;
    const db_param p[] = {DB_PARAM_TEXT(app_id), DB_PARAM_TEXT(platform_role_name(role)),
                          DB_PARAM_INT64(now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_app_roles (app_id, role, updated_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (app_id) DO UPDATE SET role = excluded.role, "
                     "updated_at = excluded.updated_at",
                     p, 3, NULL);
    platform_credential_cache_changed(); /* this process's API calls: at once */
    return err;
}

/* ---- The audit log's signing key ------------------------------------------------ */

#define AUDIT_INTERVAL_MAX 1000000u

aw_err platform_audit_key_load(const char *path, uint32_t interval, audit_options *options,
                               crypto_suite_key **key)
{
    if (key != NULL)
        *key = NULL;
    if (options != NULL)
        memset(options, 0, sizeof(*options));
    if (path == NULL || options == NULL || key == NULL || interval == 0 ||
        interval > AUDIT_INTERVAL_MAX)
        return AW_ERR_ARGUMENT;
    uint8_t *pem = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, PLATFORM_AUDIT_KEY_FILE_MAX, &pem, &len);
    if (err != AW_OK)
        return err;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    err = AW_ERR_SUITE_MISMATCH;
    for (size_t i = 0; i < 2 && err != AW_OK; i++) {
        err = crypto_suite_key_load_private_pem(suites[i], (const char *)pem, len, key);
        if (err == AW_OK)
            options->suite = suites[i];
        else
            err = AW_ERR_SUITE_MISMATCH;
    }
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (err == AW_OK) {
        options->checkpoint_key = *key;
        options->checkpoint_interval = interval;
    }
    return err;
}
