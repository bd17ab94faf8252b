/* airwrite platform: POST /terminal/v1/reports, the devices' terminal
 * reports of secure-module firmware updates (终端异常 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》; device and chip protection of the
 * group standard's security management part). Mutual TLS authenticates the
 * device (its certificate's subject serialNumber is its EID, as for the
 * eUICC certificate of SGP.22 4.5.2.1); the report may only speak for that
 * EID. docs/firmware-update.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "platform/platform_terminal.h"

#define TERMINAL_SOURCE "terminal"
#define TERMINAL_TENANTS_MAX 8u /* tenants holding one EID's card that are told */

/* ---- Parsing ---------------------------------------------------------------- */

static bool members_known(const json_t *object)
{
    static const char *const allowed[] = {"eid", "kind", "module", "fromVersion", "toVersion",
                                          "code", "manifestSha256", "time", NULL};
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return false;
    }
    return true;
}

/* A string member of min..max bytes without NUL, copied to out (max + 1). */
static bool text_member(const json_t *root, const char *name, size_t min, size_t max,
                        char *out)
{
    const json_t *value = json_object_get(root, name);
    const char *text = json_string_value(value);
    if (text == NULL)
        return false;
    size_t len = json_string_length(value);
    if (len < min || len > max || strlen(text) != len)
        return false;
    memcpy(out, text, len + 1);
    return true;
}

static bool version_member(const json_t *root, const char *name, int64_t *out)
{
    const json_t *value = json_object_get(root, name);
    if (!json_is_integer(value) || json_integer_value(value) < 0)
        return false;
    *out = (int64_t)json_integer_value(value);
    return true;
}

static bool all_of(const char *text, const char *set)
{
    return strspn(text, set) == strlen(text);
}

/* RFC 3339 UTC, seconds: "YYYY-MM-DDTHH:MM:SSZ", fields in range. */
static bool time_valid(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(t) != PLATFORM_TERMINAL_TIME_LENGTH)
        return false;
    for (size_t i = 0; i < PLATFORM_TERMINAL_TIME_LENGTH; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            return false;
    int month = (t[5] - '0') * 10 + (t[6] - '0'), day = (t[8] - '0') * 10 + (t[9] - '0');
    int hour = (t[11] - '0') * 10 + (t[12] - '0'), minute = (t[14] - '0') * 10 + (t[15] - '0');
    int second = (t[17] - '0') * 10 + (t[18] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
           second <= 60;
}

const char *platform_terminal_exception_code(const char *refusal_code)
{
    if (refusal_code == NULL)
        return NULL;
    for (int e = AW_ERR_FIRMWARE_FORMAT; e <= AW_ERR_FIRMWARE_TOO_LARGE; e++) {
        if (strcmp(aw_err_name((aw_err)e), refusal_code) != 0)
            continue;
        /* the package is genuine but not for this device now: a downgrade
         * attempt or a mix-up; the rest means tampering or an untrusted signer */
        return e == AW_ERR_FIRMWARE_ROLLBACK || e == AW_ERR_FIRMWARE_SAME_VERSION ||
                       e == AW_ERR_FIRMWARE_MODULE
                   ? "T2002"
                   : "T2001";
    }
    return NULL;
}

static bool parse_members(const json_t *root, platform_terminal_report *r)
{
    char kind[32];
    if (!json_is_object(root) || !members_known(root) ||
        !text_member(root, "eid", PLATFORM_EID_DIGITS, PLATFORM_EID_DIGITS, r->eid) ||
        !all_of(r->eid, "0123456789") || !text_member(root, "kind", 1, sizeof(kind) - 1, kind) ||
        !version_member(root, "fromVersion", &r->from_version) ||
        !text_member(root, "time", 1, PLATFORM_TERMINAL_TIME_LENGTH, r->time) ||
        !time_valid(r->time))
        return false;
    if (strcmp(kind, "firmware_refused") == 0)
        r->kind = PLATFORM_TERMINAL_FIRMWARE_REFUSED;
    else if (strcmp(kind, "firmware_applied") == 0)
        r->kind = PLATFORM_TERMINAL_FIRMWARE_APPLIED;
    else
        return false;
    bool applied = r->kind == PLATFORM_TERMINAL_FIRMWARE_APPLIED;
    /* an applied update names what it installed; a refusal what it can */
    if (json_object_get(root, "module") != NULL || applied) {
        if (!text_member(root, "module", 1, PLATFORM_TERMINAL_MODULE_MAX, r->module))
            return false;
    }
    if (json_object_get(root, "toVersion") != NULL || applied) {
        if (!version_member(root, "toVersion", &r->to_version))
            return false;
        r->has_to_version = true;
    }
    if (json_object_get(root, "manifestSha256") != NULL || applied) {
        if (!text_member(root, "manifestSha256", 64, 64, r->manifest_sha256) ||
            !all_of(r->manifest_sha256, "0123456789abcdef"))
            return false;
    }
    if (applied)
        return json_object_get(root, "code") == NULL && r->to_version > r->from_version;
    return text_member(root, "code", 1, PLATFORM_TERMINAL_CODE_MAX, r->code) &&
           platform_terminal_exception_code(r->code) != NULL;
}

aw_err platform_terminal_report_parse(const uint8_t *body, size_t len,
                                      platform_terminal_report *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (body == NULL || len == 0 || len > PLATFORM_TERMINAL_REPORT_BODY_MAX)
        return AW_ERR_TERMINAL_REPORT;
    json_error_t error;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    bool ok = root != NULL && parse_members(root, out);
    json_decref(root);
    if (!ok)
        memset(out, 0, sizeof(*out));
    return ok ? AW_OK : AW_ERR_TERMINAL_REPORT;
}

/* ---- Storage ---------------------------------------------------------------- */

#define TERMINAL_TABLES(ID)                                                                    \
    "CREATE TABLE platform_terminal_reports (\n"                                              \
    "  id " ID ",\n"                                                                          \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  kind TEXT NOT NULL,\n"                                                                 \
    "  module TEXT,\n"                                                                        \
    "  from_version BIGINT NOT NULL,\n"                                                       \
    "  to_version BIGINT,\n"                                                                  \
    "  code TEXT,\n"                                                                          \
    "  manifest_sha256 TEXT,\n"                                                               \
    "  device_time TEXT NOT NULL,\n"                                                          \
    "  subject TEXT NOT NULL,\n"                                                              \
    "  received_at BIGINT NOT NULL);\n"                                                       \
    "CREATE INDEX platform_terminal_reports_eid ON platform_terminal_reports (eid, id);\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "terminal reports of secure-module firmware updates",
        .sqlite_sql = TERMINAL_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT"),
        .postgresql_sql = TERMINAL_TABLES("BIGSERIAL PRIMARY KEY"),
    },
};

aw_err platform_terminal_reports_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_terminal_reports", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

static db_param optional_text(const char *text)
{
    return text[0] != '\0' ? DB_PARAM_TEXT(text) : DB_PARAM_NULL;
}

typedef struct store_args {
    const platform_terminal_report *r;
    const platform_exception_policy *policy;
    const char *subject;
    int64_t now_ms;
} store_args;

/* The report's row, then one exception per tenant holding the card. */
static aw_err store_in(db_connection *db, void *arg)
{
    store_args *a = arg;
    const platform_terminal_report *r = a->r;
    bool refused = r->kind == PLATFORM_TERMINAL_FIRMWARE_REFUSED;
    db_param row[] = {DB_PARAM_TEXT(r->eid),
                      DB_PARAM_TEXT(refused ? "firmware_refused" : "firmware_applied"),
                      optional_text(r->module),
                      DB_PARAM_INT64(r->from_version),
                      r->has_to_version ? DB_PARAM_INT64(r->to_version) : DB_PARAM_NULL,
                      optional_text(r->code),
                      optional_text(r->manifest_sha256),
                      DB_PARAM_TEXT(r->time),
                      DB_PARAM_TEXT(a->subject),
                      DB_PARAM_INT64(a->now_ms)};
    aw_err err = db_execute(db,
                            "INSERT INTO platform_terminal_reports (eid, kind, module, "
                            "from_version, to_version, code, manifest_sha256, device_time, "
                            "subject, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            row, sizeof(row) / sizeof(row[0]), NULL);
    if (err != AW_OK || !refused)
        return err;
    char tenants[TERMINAL_TENANTS_MAX][PLATFORM_TENANT_MAX + 1];
    size_t count = 0;
    db_param key[] = {DB_PARAM_TEXT(r->eid)};
    db_rows *rows = NULL;
    bool has_row = false;
    err = db_query(db, "SELECT DISTINCT tenant FROM platform_cards WHERE eid = ? ORDER BY tenant",
                   key, 1, &rows);
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row &&
           count < TERMINAL_TENANTS_MAX) {
        const char *tenant = NULL;
        err = db_rows_get_text(rows, 0, &tenant);
        if (err == AW_OK && strlen(tenant) > PLATFORM_TENANT_MAX)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK)
            memcpy(tenants[count++], tenant, strlen(tenant) + 1);
    }
    db_rows_free(rows);
    char object[PLATFORM_EID_DIGITS + 8], detail[PLATFORM_CAUSE_MAX + 1];
    snprintf(object, sizeof(object), "eid:%s", r->eid);
    if (r->has_to_version)
        snprintf(detail, sizeof(detail), "firmware update refused by the IPA: %s (%lld -> %lld)",
                 r->code, (long long)r->from_version, (long long)r->to_version);
    else
        snprintf(detail, sizeof(detail), "firmware update refused by the IPA: %s", r->code);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        const char *code = platform_terminal_exception_code(r->code);
        /* docs/exceptions.md: tampering is serious (重大), a downgrade significant (较大) */
        platform_exception_signal s = {.tenant = tenants[i], .code = code,
                                       .grade = strcmp(code, "T2001") == 0
                                                    ? PLATFORM_GRADE_SERIOUS
                                                    : PLATFORM_GRADE_SIGNIFICANT,
                                       .source = TERMINAL_SOURCE, .object = object,
                                       .detail = detail, .eid = r->eid};
        err = platform_exception_record(db, a->policy, &s, a->now_ms, NULL, NULL);
    }
    return err;
}

/* ---- The endpoint ------------------------------------------------------------- */

bool platform_terminal_certificate_eid(aw_slice der, char eid[PLATFORM_EID_DIGITS + 1],
                                       char *subject, size_t subject_size)
{
    const unsigned char *p = der.ptr;
    X509 *cert = der.len > 0 && der.len <= 65536 ? d2i_X509(NULL, &p, (long)der.len) : NULL;
    bool ok = cert != NULL && p == der.ptr + der.len;
    X509_NAME *name = ok ? X509_get_subject_name(cert) : NULL;
    int at = name != NULL ? X509_NAME_get_index_by_NID(name, NID_serialNumber, -1) : -1;
    const ASN1_STRING *value =
        at >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)) : NULL;
    ok = value != NULL && ASN1_STRING_length(value) == (int)PLATFORM_EID_DIGITS &&
         X509_NAME_get_index_by_NID(name, NID_serialNumber, at) < 0;
    if (ok) {
        memcpy(eid, ASN1_STRING_get0_data(value), PLATFORM_EID_DIGITS);
        eid[PLATFORM_EID_DIGITS] = '\0';
        ok = all_of(eid, "0123456789");
    }
    if (ok && X509_NAME_oneline(name, subject, (int)subject_size) == NULL)
        ok = false;
    X509_free(cert);
    return ok;
}

aw_err platform_terminal_answer(const char *code, const char *message, char **answer)
{
    json_t *root = json_pack("{s:s, s:s}", "code", code, "message", message);
    *answer = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return *answer != NULL ? AW_OK : AW_ERR_NOMEM;
}

aw_err platform_terminal_handle_report(db_connection *db, const platform_exception_policy *policy,
                                       aw_slice peer_certificate, const uint8_t *body,
                                       size_t len, int64_t now_ms, int *http_status,
                                       char **answer)
{
    if (answer != NULL)
        *answer = NULL;
    if (http_status != NULL)
        *http_status = 0;
    if (db == NULL || http_status == NULL || answer == NULL || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    char device_eid[PLATFORM_EID_DIGITS + 1], subject[256];
    if (!platform_terminal_certificate_eid(peer_certificate, device_eid, subject,
                                           sizeof(subject))) {
        *http_status = 403;
        return platform_terminal_answer("T2101", "device certificate missing or names no EID", answer);
    }
    platform_terminal_report report;
    if (platform_terminal_report_parse(body, len, &report) != AW_OK) {
        *http_status = 400;
        return platform_terminal_answer("T2102", "malformed terminal report", answer);
    }
    if (strcmp(report.eid, device_eid) != 0) {
        *http_status = 403;
        return platform_terminal_answer("T2101", "report for another EID than the device certificate's",
                           answer);
    }
    store_args a = {.r = &report, .policy = policy, .subject = subject, .now_ms = now_ms};
    aw_err err = db_transaction_run(db, store_in, &a, NULL);
    if (err == AW_OK)
        *http_status = 204;
    return err;
}

static int64_t wall_clock_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void report_handler(http_request *request, void *userdata)
{
    platform_terminal_endpoint *endpoint = userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    int status = 0;
    char *answer = NULL;
    aw_err err = platform_terminal_handle_report(endpoint->db, endpoint->policy,
                                                 http_request_peer_certificate(request), body,
                                                 len, wall_clock_ms(), &status, &answer);
    /* a report not taken is retried by the device */
    http_request_set_status(request, err == AW_OK ? status : 500);
    if (err == AW_OK && answer != NULL) {
        http_request_add_header(request, "Content-Type", "application/json");
        http_request_set_body(request, answer, strlen(answer));
    }
    free(answer);
}

aw_err platform_terminal_register(http_server *server, platform_terminal_endpoint *endpoint)
{
    if (server == NULL || endpoint == NULL || endpoint->db == NULL)
        return AW_ERR_ARGUMENT;
    return http_server_route(server, AW_HTTP_METHOD_POST, PLATFORM_TERMINAL_REPORT_PATH,
                             report_handler, endpoint);
}
