/* airwrite platform: graded exceptions (异常处理) of 《物联网 eSIM 空中写卡技术
 * 应用服务规范》, issue 7: the four classes (申请 application, 写卡 write, 接口
 * interface, 终端 terminal) and four grades (一般, 较大, 重大, 特别重大), the
 * time limits per class and grade (policy), the tables (db_migrate component
 * "platform_exceptions"), recording signals with deduplication, and the
 * escalation of exceptions whose time limit passed (超时升级), each with
 * its event (exception.raised, exception.escalated; docs/api-callbacks.md).
 * docs/exceptions.md is the reference. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/exceptions_internal.h"

#define ESCALATION_BATCH 100
#define POLICY_COUNT_MAX 1000000

/* ---- Names ------------------------------------------------------------------ */

static const char *const grade_names[] = {"general", "significant", "serious", "critical"};
static const char *const class_names[] = {"application", "write", "interface", "terminal"};

const char *platform_exception_grade_name(platform_exception_grade grade)
{
    return grade >= PLATFORM_GRADE_GENERAL && grade <= PLATFORM_GRADE_CRITICAL
               ? grade_names[grade - 1]
               : NULL;
}

platform_exception_grade platform_exception_grade_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < 4; i++)
        if (strcmp(name, grade_names[i]) == 0)
            return (platform_exception_grade)(i + 1);
    return 0;
}

const char *platform_error_class_name(platform_error_class error_class)
{
    return error_class >= PLATFORM_ERROR_CLASS_APPLICATION &&
                   error_class <= PLATFORM_ERROR_CLASS_TERMINAL
               ? class_names[error_class - 1]
               : NULL;
}

platform_error_class platform_error_class_from_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < 4; i++)
        if (strcmp(name, class_names[i]) == 0)
            return (platform_error_class)(i + 1);
    return 0;
}

platform_error_class exception_class_of_code(const char *code)
{
    switch (code != NULL ? code[0] : '\0') {
    case 'A': return PLATFORM_ERROR_CLASS_APPLICATION;
    case 'W': return PLATFORM_ERROR_CLASS_WRITE;
    case 'I': return PLATFORM_ERROR_CLASS_INTERFACE;
    case 'T': return PLATFORM_ERROR_CLASS_TERMINAL;
    default: return 0;
    }
}

bool exception_state_unresolved(const char *state)
{
    return strcmp(state, "open") == 0 || strcmp(state, "acknowledged") == 0 ||
           strcmp(state, "handling") == 0;
}

void exception_copy_text(char *out, size_t size, const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len >= size) {
        len = size - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--; /* never half a UTF-8 character */
    }
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

/* ---- Causes ------------------------------------------------------------------- */

/* The default grade of each cause (docs/exceptions.md "Causes"); a code
 * not listed starts general. */
static const struct {
    const char *code;
    platform_exception_grade grade;
} causes[] = {
    {"A1001", PLATFORM_GRADE_GENERAL},     {"A1002", PLATFORM_GRADE_GENERAL},
    {"A1003", PLATFORM_GRADE_GENERAL},     {"A1004", PLATFORM_GRADE_GENERAL},
    {"A4001", PLATFORM_GRADE_GENERAL},     {"A4002", PLATFORM_GRADE_SIGNIFICANT},
    {"A4003", PLATFORM_GRADE_GENERAL},     {"A4004", PLATFORM_GRADE_SIGNIFICANT},
    {"W1001", PLATFORM_GRADE_SIGNIFICANT}, {"W1002", PLATFORM_GRADE_SERIOUS},
    {"W1003", PLATFORM_GRADE_SIGNIFICANT}, {"W1004", PLATFORM_GRADE_SERIOUS},
    {"W2001", PLATFORM_GRADE_GENERAL},     {"W2002", PLATFORM_GRADE_SERIOUS},
    {"W3001", PLATFORM_GRADE_GENERAL},     {"W3002", PLATFORM_GRADE_GENERAL},
    {"W3003", PLATFORM_GRADE_GENERAL},     {"I5001", PLATFORM_GRADE_SIGNIFICANT},
    {"I5002", PLATFORM_GRADE_SERIOUS},     {"I5003", PLATFORM_GRADE_GENERAL},
    {"T1001", PLATFORM_GRADE_GENERAL},     {"T1002", PLATFORM_GRADE_SIGNIFICANT},
    {"T2001", PLATFORM_GRADE_SERIOUS},     {"T2002", PLATFORM_GRADE_SIGNIFICANT}, /* helper firmware */
    /* location-bound writing (location_gate.c, helper location): a write outside is serious */
    {"T3301", PLATFORM_GRADE_SERIOUS},     {"T3302", PLATFORM_GRADE_GENERAL},
    {"T3303", PLATFORM_GRADE_GENERAL},     {"T3304", PLATFORM_GRADE_SIGNIFICANT},
    {"T3305", PLATFORM_GRADE_SIGNIFICANT},
    /* profile count limit (profile_limit.c, helper profilelimit) */
    {"A7401", PLATFORM_GRADE_GENERAL},     {"W7401", PLATFORM_GRADE_GENERAL},
    {"W7402", PLATFORM_GRADE_SIGNIFICANT},
};

static platform_exception_grade cause_grade(const char *code)
{
    for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
        if (strcmp(causes[i].code, code) == 0)
            return causes[i].grade;
    return PLATFORM_GRADE_GENERAL;
}

/* ---- Policy ------------------------------------------------------------------- */

void platform_exception_policy_default(platform_exception_policy *policy)
{
    if (policy == NULL)
        return;
    static const int64_t limits[4] = {
        PLATFORM_EXCEPTION_DEFAULT_GENERAL_MS, PLATFORM_EXCEPTION_DEFAULT_SIGNIFICANT_MS,
        PLATFORM_EXCEPTION_DEFAULT_SERIOUS_MS, PLATFORM_EXCEPTION_DEFAULT_CRITICAL_MS};
    for (size_t c = 0; c < 4; c++)
        for (size_t g = 0; g < 4; g++)
            policy->time_limit_ms[c][g] = limits[g];
    policy->silence_ms = PLATFORM_EXCEPTION_DEFAULT_SILENCE_MS;
    policy->api_window_ms = PLATFORM_EXCEPTION_DEFAULT_API_WINDOW_MS;
    policy->api_error_threshold = PLATFORM_EXCEPTION_DEFAULT_API_ERRORS;
    policy->sweep_interval_ms = PLATFORM_EXCEPTION_DEFAULT_SWEEP_MS;
}

const platform_exception_policy *exception_policy_or_default(
    const platform_exception_policy *policy, platform_exception_policy *defaults)
{
    if (policy != NULL)
        return policy;
    platform_exception_policy_default(defaults);
    return defaults;
}

int64_t exception_time_limit(const platform_exception_policy *policy,
                             platform_error_class error_class, platform_exception_grade grade)
{
    platform_exception_policy defaults;
    policy = exception_policy_or_default(policy, &defaults);
    return policy->time_limit_ms[error_class - 1][grade - 1];
}

/* "<n>s|m|h|d" -> ms in 1 s .. PLATFORM_EXCEPTION_LIMIT_MAX_MS. */
static bool parse_duration(const char *value, int64_t *ms)
{
    size_t len = strlen(value);
    if (len < 2 || len > 9)
        return false;
    int64_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (!isdigit((unsigned char)value[i]) || (i == 0 && value[i] == '0'))
            return false;
        n = n * 10 + (value[i] - '0');
    }
    int64_t unit = value[len - 1] == 's'   ? 1000
                   : value[len - 1] == 'm' ? 60 * 1000
                   : value[len - 1] == 'h' ? 3600 * 1000
                   : value[len - 1] == 'd' ? 86400LL * 1000
                                           : 0;
    if (unit == 0 || n > PLATFORM_EXCEPTION_LIMIT_MAX_MS / unit)
        return false;
    *ms = n * unit;
    return true;
}

static bool parse_count(const char *value, int64_t *out)
{
    size_t len = strlen(value);
    if (len == 0 || len > 7 || value[0] == '0')
        return false;
    int64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)value[i]))
            return false;
        n = n * 10 + (value[i] - '0');
    }
    if (n > POLICY_COUNT_MAX)
        return false;
    *out = n;
    return true;
}

aw_err platform_exception_policy_set(platform_exception_policy *policy, const char *key,
                                     const char *value)
{
    if (policy == NULL || key == NULL || value == NULL)
        return AW_ERR_ARGUMENT;
    int64_t *target = NULL;
    bool duration = true;
    if (strcmp(key, "silence") == 0) {
        target = &policy->silence_ms;
    } else if (strcmp(key, "api_window") == 0) {
        target = &policy->api_window_ms;
    } else if (strcmp(key, "sweep_interval") == 0) {
        target = &policy->sweep_interval_ms;
    } else if (strcmp(key, "api_error_threshold") == 0) {
        target = &policy->api_error_threshold;
        duration = false;
    } else {
        /* "<class>_<grade>", e.g. write_serious */
        const char *separator = strchr(key, '_');
        char class_name[16];
        size_t class_len = separator != NULL ? (size_t)(separator - key) : 0;
        if (separator == NULL || class_len >= sizeof(class_name))
            return AW_ERR_CONFIG_KEY;
        memcpy(class_name, key, class_len);
        class_name[class_len] = '\0';
        platform_error_class c = platform_error_class_from_name(class_name);
        platform_exception_grade g = platform_exception_grade_from_name(separator + 1);
        if (c == 0 || g == 0)
            return AW_ERR_CONFIG_KEY;
        target = &policy->time_limit_ms[c - 1][g - 1];
    }
    int64_t parsed = 0;
    if (!(duration ? parse_duration(value, &parsed) : parse_count(value, &parsed)))
        return AW_ERR_CONFIG_VALUE;
    *target = parsed;
    return AW_OK;
}

aw_err platform_exception_policy_check(const platform_exception_policy *policy)
{
    if (policy == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t c = 0; c < 4; c++)
        for (size_t g = 0; g < 4; g++) {
            int64_t limit = policy->time_limit_ms[c][g];
            if (limit < 1000 || limit > PLATFORM_EXCEPTION_LIMIT_MAX_MS)
                return AW_ERR_CONFIG_VALUE;
            /* a graver exception never waits longer than a lighter one */
            if (g > 0 && limit > policy->time_limit_ms[c][g - 1])
                return AW_ERR_CONFIG_CONFLICT;
        }
    if (policy->silence_ms < 1000 || policy->silence_ms > PLATFORM_EXCEPTION_LIMIT_MAX_MS ||
        policy->api_window_ms < 1000 || policy->api_window_ms > PLATFORM_EXCEPTION_LIMIT_MAX_MS ||
        policy->sweep_interval_ms < 1000 ||
        policy->sweep_interval_ms > PLATFORM_EXCEPTION_LIMIT_MAX_MS ||
        policy->api_error_threshold < 1 || policy->api_error_threshold > POLICY_COUNT_MAX)
        return AW_ERR_CONFIG_VALUE;
    return AW_OK;
}

/* ---- Schema ------------------------------------------------------------------- */

/* active_key is "<class letter>:<code>:<object>" while the exception is
 * unresolved and NULL after: the unique pair (tenant, active_key) is the
 * deduplication (NULLs never collide, in SQLite and PostgreSQL alike). */
#define EXCEPTION_TABLES(ID, BLOB)                                                             \
    "CREATE TABLE platform_exceptions (\n"                                                    \
    "  seq " ID ",\n"                                                                         \
    "  exception_id TEXT NOT NULL UNIQUE,\n"                                                  \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  error_class BIGINT NOT NULL CHECK (error_class BETWEEN 1 AND 4),\n"                    \
    "  code TEXT NOT NULL,\n"                                                                 \
    "  grade BIGINT NOT NULL CHECK (grade BETWEEN 1 AND 4),\n"                                \
    "  state TEXT NOT NULL,\n"                                                                \
    "  source TEXT NOT NULL,\n"                                                               \
    "  object TEXT NOT NULL,\n"                                                               \
    "  active_key TEXT,\n"                                                                    \
    "  detail TEXT NOT NULL,\n"                                                               \
    "  order_id TEXT,\n"                                                                      \
    "  eid TEXT,\n"                                                                           \
    "  iccid TEXT,\n"                                                                         \
    "  callback_id TEXT,\n"                                                                   \
    "  app_id TEXT,\n"                                                                        \
    "  count BIGINT NOT NULL,\n"                                                              \
    "  escalations BIGINT NOT NULL,\n"                                                        \
    "  first_seen BIGINT NOT NULL,\n"                                                         \
    "  last_seen BIGINT NOT NULL,\n"                                                          \
    "  state_since BIGINT NOT NULL,\n"                                                        \
    "  resolved_at BIGINT NOT NULL,\n"                                                        \
    "  closed_at BIGINT NOT NULL,\n"                                                          \
    "  report_text TEXT,\n"                                                                   \
    "  report_actor TEXT,\n"                                                                  \
    "  report_at BIGINT NOT NULL,\n"                                                          \
    "  UNIQUE (tenant, active_key));\n"                                                       \
    "CREATE INDEX platform_exceptions_tenant ON platform_exceptions (tenant, seq);\n"         \
    "CREATE INDEX platform_exceptions_seen ON platform_exceptions (tenant, first_seen);\n"    \
    "CREATE INDEX platform_exceptions_due\n"                                                  \
    "  ON platform_exceptions (error_class, grade, state_since);\n"                           \
    "CREATE TABLE platform_exception_history (\n"                                             \
    "  id " ID ",\n"                                                                          \
    "  exception_id TEXT NOT NULL,\n"                                                         \
    "  from_state TEXT,\n"                                                                    \
    "  to_state TEXT NOT NULL,\n"                                                             \
    "  grade BIGINT NOT NULL,\n"                                                              \
    "  actor TEXT NOT NULL,\n"                                                                \
    "  note TEXT NOT NULL,\n"                                                                 \
    "  at BIGINT NOT NULL);\n"                                                                \
    "CREATE INDEX platform_exception_history_id\n"                                            \
    "  ON platform_exception_history (exception_id, id);\n"                                   \
    "CREATE TABLE platform_exception_attachments (\n"                                         \
    "  exception_id TEXT NOT NULL,\n"                                                         \
    "  position BIGINT NOT NULL,\n"                                                           \
    "  name TEXT NOT NULL,\n"                                                                 \
    "  content_type TEXT NOT NULL,\n"                                                         \
    "  data " BLOB " NOT NULL,\n"                                                             \
    "  PRIMARY KEY (exception_id, position));\n"                                              \
    "CREATE TABLE platform_exception_api_errors (\n"                                          \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  window_start BIGINT NOT NULL,\n"                                                       \
    "  errors BIGINT NOT NULL,\n"                                                             \
    "  PRIMARY KEY (app_id, window_start));\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "graded exceptions, their history, reports, API error windows",
        .sqlite_sql = EXCEPTION_TABLES("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        .postgresql_sql = EXCEPTION_TABLES("BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
};

aw_err platform_exceptions_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "platform_exceptions", migrations,
                      sizeof(migrations) / sizeof(migrations[0]), NULL);
}

/* ---- Rows ----------------------------------------------------------------------- */

static aw_err text_column(db_rows *rows, size_t column, char *out, size_t size)
{
    out[0] = '\0';
    if (db_rows_column_type(rows, column) == DB_TYPE_NULL)
        return AW_OK;
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err == AW_OK && strlen(text) >= size)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(out, text, strlen(text) + 1);
    return err;
}

aw_err exception_read_row(db_rows *rows, platform_exception *e)
{
    memset(e, 0, sizeof(*e));
    int64_t error_class = 0, grade = 0, report_at = 0;
    aw_err err = text_column(rows, 0, e->exception_id, sizeof(e->exception_id));
    if (err == AW_OK)
        err = text_column(rows, 1, e->tenant, sizeof(e->tenant));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 2, &error_class);
    if (err == AW_OK)
        err = text_column(rows, 3, e->code, sizeof(e->code));
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 4, &grade);
    struct {
        size_t column;
        char *out;
        size_t size;
    } texts[] = {{5, e->state, sizeof(e->state)},       {6, e->source, sizeof(e->source)},
                 {7, e->object, sizeof(e->object)},     {8, e->detail, sizeof(e->detail)},
                 {9, e->order_id, sizeof(e->order_id)}, {10, e->eid, sizeof(e->eid)},
                 {11, e->iccid, sizeof(e->iccid)},
                 {12, e->callback_id, sizeof(e->callback_id)},
                 {13, e->app_id, sizeof(e->app_id)}};
    for (size_t i = 0; err == AW_OK && i < sizeof(texts) / sizeof(texts[0]); i++)
        err = text_column(rows, texts[i].column, texts[i].out, texts[i].size);
    int64_t *numbers[] = {&e->count,       &e->escalations,    &e->first_seen_ms,
                          &e->last_seen_ms, &e->state_since_ms,   &e->resolved_at_ms,
                          &e->closed_at_ms, &report_at,        &e->seq};
    for (size_t i = 0; err == AW_OK && i < sizeof(numbers) / sizeof(numbers[0]); i++)
        err = db_rows_get_int64(rows, 14 + i, numbers[i]);
    if (err == AW_OK && (error_class < 1 || error_class > 4 || grade < 1 || grade > 4))
        err = AW_ERR_DB_TYPE;
    e->error_class = (platform_error_class)error_class;
    e->grade = (platform_exception_grade)grade;
    e->has_report = report_at != 0;
    return err;
}

aw_err exception_history_add(db_connection *db, const char *exception_id, const char *from,
                             const char *to, platform_exception_grade grade, const char *actor,
                             const char *note, int64_t now_ms)
{
    db_param params[] = {DB_PARAM_TEXT(exception_id),
                         from != NULL ? DB_PARAM_TEXT(from) : DB_PARAM_NULL,
                         DB_PARAM_TEXT(to),
                         DB_PARAM_INT64(grade),
                         DB_PARAM_TEXT(actor),
                         DB_PARAM_TEXT(note != NULL ? note : ""),
                         DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_exception_history (exception_id, from_state, "
                      "to_state, grade, actor, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      params, 7, NULL);
}

static aw_err load_by(db_connection *db, const char *where, const db_param *key, size_t count,
                      platform_exception *out, bool *found)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT " EXCEPTION_COLUMNS " FROM platform_exceptions WHERE %s",
             where);
    db_rows *rows = NULL;
    *found = false;
    aw_err err = db_query(db, sql, key, count, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, found);
    if (err == AW_OK && *found)
        err = exception_read_row(rows, out);
    db_rows_free(rows);
    return err;
}

/* ---- Recording a signal ------------------------------------------------------------ */

static bool object_valid(const char *text, size_t max)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)text[i]) && strchr("._:-", text[i]) == NULL)
            return false;
    return true;
}

static bool code_valid(const char *code)
{
    if (exception_class_of_code(code) == 0 || strlen(code) != 5)
        return false;
    for (size_t i = 1; i < 5; i++)
        if (!isdigit((unsigned char)code[i]))
            return false;
    return true;
}

typedef struct record_args {
    const platform_exception_policy *policy;
    const platform_exception_signal *s;
    int64_t now_ms;
    char *id;
    bool created;
} record_args;

static aw_err emit_raised(db_connection *db, const platform_exception_policy *policy,
                          const platform_exception *e, int64_t now_ms)
{
    return platform_event_emitf(
        db, e->tenant, PLATFORM_EVENT_EXCEPTION_RAISED, now_ms,
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:I}", "exceptionId",
        e->exception_id, "class", platform_error_class_name(e->error_class), "code", e->code,
        "grade", platform_exception_grade_name(e->grade), "source", e->source, "cause",
        e->detail, "orderId", e->order_id[0] != '\0' ? e->order_id : NULL, "eid",
        e->eid[0] != '\0' ? e->eid : NULL, "iccid", e->iccid[0] != '\0' ? e->iccid : NULL,
        "callbackId", e->callback_id[0] != '\0' ? e->callback_id : NULL, "appId",
        e->app_id[0] != '\0' ? e->app_id : NULL, "deadline",
        (json_int_t)platform_exception_deadline(policy, e));
}

static db_param optional(const char *text)
{
    return text != NULL && text[0] != '\0' ? DB_PARAM_TEXT(text) : DB_PARAM_NULL;
}

static aw_err record_in(db_connection *db, void *arg)
{
    record_args *a = arg;
    const platform_exception_signal *s = a->s;
    platform_error_class error_class = exception_class_of_code(s->code);
    platform_exception_grade grade = s->grade != 0 ? s->grade : cause_grade(s->code);
    char key[PLATFORM_ENTITY_ID_MAX + 32];
    snprintf(key, sizeof(key), "%c:%s:%s", s->code[0], s->code, s->object);
    char id[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    char detail[PLATFORM_CAUSE_MAX + 1];
    exception_copy_text(detail, sizeof(detail), s->detail != NULL ? s->detail : s->code);
    aw_err err = platform_random_id("exc_", id, PLATFORM_EXCEPTION_ID_LENGTH);
    db_param row[] = {DB_PARAM_TEXT(id),          DB_PARAM_TEXT(s->tenant),
                      DB_PARAM_INT64(error_class), DB_PARAM_TEXT(s->code),
                      DB_PARAM_INT64(grade),       DB_PARAM_TEXT(s->source),
                      DB_PARAM_TEXT(s->object),    DB_PARAM_TEXT(key),
                      DB_PARAM_TEXT(detail),       optional(s->order_id),
                      optional(s->eid),            optional(s->iccid),
                      optional(s->callback_id),    optional(s->app_id),
                      DB_PARAM_INT64(a->now_ms),   DB_PARAM_INT64(a->now_ms),
                      DB_PARAM_INT64(a->now_ms)};
    int64_t inserted = 0;
    if (err == AW_OK)
        err = db_execute(db,
                         "INSERT INTO platform_exceptions (exception_id, tenant, error_class, "
                         "code, grade, state, source, object, active_key, detail, order_id, "
                         "eid, iccid, callback_id, app_id, count, escalations, first_seen, "
                         "last_seen, state_since, resolved_at, closed_at, report_at) VALUES "
                         "(?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, 0, "
                         "0, 0) ON CONFLICT (tenant, active_key) DO NOTHING",
                         row, sizeof(row) / sizeof(row[0]), &inserted);
    platform_exception e;
    bool found = false;
    db_param by_key[] = {DB_PARAM_TEXT(s->tenant), DB_PARAM_TEXT(key)};
    if (err == AW_OK)
        err = load_by(db, "tenant = ? AND active_key = ?", by_key, 2, &e, &found);
    if (err == AW_OK && !found)
        err = AW_ERR_DB_TYPE; /* the row just written or kept must be there */
    if (err != AW_OK)
        return err;
    snprintf(a->id, PLATFORM_EXCEPTION_ID_LENGTH + 1, "%s", e.exception_id);
    a->created = inserted == 1;
    if (a->created) {
        err = exception_history_add(db, e.exception_id, NULL, "open", e.grade, s->source,
                                    detail, a->now_ms);
        return err == AW_OK ? emit_raised(db, a->policy, &e, a->now_ms) : err;
    }
    /* a repeat: counted; a graver signal raises the grade (the state's
     * time limit is then the new grade's, from the same start) */
    platform_exception_grade now_grade = grade > e.grade ? grade : e.grade;
    db_param bump[] = {DB_PARAM_INT64(a->now_ms), DB_PARAM_INT64(now_grade),
                       DB_PARAM_TEXT(e.exception_id)};
    err = db_execute(db,
                     "UPDATE platform_exceptions SET count = count + 1, last_seen = ?, "
                     "grade = ? WHERE exception_id = ?",
                     bump, 3, NULL);
    if (err == AW_OK && now_grade != e.grade) {
        char note[96];
        snprintf(note, sizeof(note), "repeated signal: grade %s -> %s",
                 platform_exception_grade_name(e.grade), platform_exception_grade_name(now_grade));
        err = exception_history_add(db, e.exception_id, e.state, e.state, now_grade, s->source,
                                    note, a->now_ms);
    }
    return err;
}

aw_err platform_exception_record(db_connection *db, const platform_exception_policy *policy,
                                 const platform_exception_signal *signal, int64_t now_ms,
                                 char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1],
                                 bool *created)
{
    char local[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    if (exception_id != NULL)
        exception_id[0] = '\0';
    if (created != NULL)
        *created = false;
    if (db == NULL || signal == NULL || !platform_tenant_valid(signal->tenant) ||
        signal->code == NULL || !code_valid(signal->code) || signal->source == NULL ||
        signal->source[0] == '\0' || strlen(signal->source) >= 16 ||
        !object_valid(signal->object, PLATFORM_ENTITY_ID_MAX + 8) ||
        (signal->grade != 0 &&
         platform_exception_grade_name(signal->grade) == NULL) ||
        (signal->order_id != NULL && strlen(signal->order_id) > PLATFORM_ORDER_ID_LENGTH) ||
        (signal->eid != NULL && strlen(signal->eid) > PLATFORM_EID_DIGITS) ||
        (signal->iccid != NULL && strlen(signal->iccid) > PLATFORM_ICCID_MAX) ||
        (signal->callback_id != NULL &&
         strlen(signal->callback_id) > PLATFORM_CALLBACK_ID_LENGTH) ||
        (signal->app_id != NULL && strlen(signal->app_id) > PLATFORM_APP_ID_MAX))
        return AW_ERR_ARGUMENT;
    record_args a = {.policy = policy, .s = signal, .now_ms = now_ms,
                     .id = exception_id != NULL ? exception_id : local};
    aw_err err = platform_in_transaction(db, record_in, &a);
    if (err == AW_OK && created != NULL)
        *created = a.created;
    return err;
}

/* ---- Escalation ----------------------------------------------------------------------- */

int64_t platform_exception_deadline(const platform_exception_policy *policy,
                                    const platform_exception *e)
{
    if (e == NULL || !exception_state_unresolved(e->state) ||
        platform_error_class_name(e->error_class) == NULL ||
        platform_exception_grade_name(e->grade) == NULL)
        return 0;
    return e->state_since_ms + exception_time_limit(policy, e->error_class, e->grade);
}

typedef struct escalate_args {
    const platform_exception_policy *policy;
    const char *exception_id;
    int64_t now_ms;
    bool escalated;
} escalate_args;

static aw_err escalate_in(db_connection *db, void *arg)
{
    escalate_args *a = arg;
    a->escalated = false;
    platform_exception e;
    bool found = false;
    db_param key[] = {DB_PARAM_TEXT(a->exception_id)};
    aw_err err = load_by(db, "exception_id = ?", key, 1, &e, &found);
    /* handled meanwhile (another process, or the state moved on) */
    if (err != AW_OK || !found || !exception_state_unresolved(e.state) ||
        platform_exception_deadline(a->policy, &e) > a->now_ms)
        return err;
    platform_exception_grade previous = e.grade;
    if (e.grade < PLATFORM_GRADE_CRITICAL)
        e.grade = (platform_exception_grade)(e.grade + 1);
    e.escalations++;
    e.state_since_ms = a->now_ms; /* the new grade's limit runs from now */
    db_param params[] = {DB_PARAM_INT64(e.grade), DB_PARAM_INT64(a->now_ms),
                         DB_PARAM_TEXT(e.exception_id)};
    err = db_execute(db,
                     "UPDATE platform_exceptions SET grade = ?, escalations = escalations + 1, "
                     "state_since = ? WHERE exception_id = ?",
                     params, 3, NULL);
    char note[128];
    snprintf(note, sizeof(note), "time limit of state %s passed: escalated %s -> %s", e.state,
             platform_exception_grade_name(previous), platform_exception_grade_name(e.grade));
    if (err == AW_OK)
        err = exception_history_add(db, e.exception_id, e.state, e.state, e.grade,
                                    EXCEPTION_ACTOR_SYSTEM, note, a->now_ms);
    if (err == AW_OK)
        err = platform_event_emitf(
            db, e.tenant, PLATFORM_EVENT_EXCEPTION_ESCALATED, a->now_ms,
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?}", "exceptionId",
            e.exception_id, "class", platform_error_class_name(e.error_class), "code", e.code,
            "grade", platform_exception_grade_name(e.grade), "previousGrade",
            platform_exception_grade_name(previous), "state", e.state, "escalations",
            (json_int_t)e.escalations, "deadline",
            (json_int_t)platform_exception_deadline(a->policy, &e), "orderId",
            e.order_id[0] != '\0' ? e.order_id : NULL, "eid", e.eid[0] != '\0' ? e.eid : NULL,
            "callbackId", e.callback_id[0] != '\0' ? e.callback_id : NULL);
    if (err == AW_OK)
        a->escalated = true;
    return err;
}

/* Up to ESCALATION_BATCH due exceptions of one class and grade into ids. */
static aw_err due_batch(db_connection *db, const platform_exception_policy *policy,
                        platform_error_class error_class, platform_exception_grade grade,
                        int64_t now_ms, char (*ids)[PLATFORM_EXCEPTION_ID_LENGTH + 1],
                        size_t *count)
{
    *count = 0;
    int64_t since = now_ms - exception_time_limit(policy, error_class, grade);
    db_param due[] = {DB_PARAM_INT64(error_class), DB_PARAM_INT64(grade), DB_PARAM_INT64(since),
                      DB_PARAM_INT64(ESCALATION_BATCH)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT exception_id FROM platform_exceptions WHERE error_class = ? "
                          "AND grade = ? AND state_since <= ? AND state IN ('open', "
                          "'acknowledged', 'handling') ORDER BY state_since LIMIT ?",
                          due, 4, &rows);
    bool has_row = false;
    while (err == AW_OK && (err = db_rows_next(rows, &has_row)) == AW_OK && has_row)
        err = text_column(rows, 0, ids[(*count)++], sizeof(ids[0]));
    db_rows_free(rows);
    return err;
}

aw_err platform_exception_escalate(db_connection *db, const platform_exception_policy *policy,
                                   int64_t now_ms, int64_t *escalated)
{
    if (escalated != NULL)
        *escalated = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    char (*ids)[PLATFORM_EXCEPTION_ID_LENGTH + 1] = calloc(ESCALATION_BATCH, sizeof(*ids));
    if (ids == NULL)
        return AW_ERR_NOMEM;
    int64_t done = 0;
    aw_err err = AW_OK;
    /* graver first; an escalated exception's limit restarts at now_ms, so
     * it is not due again in this sweep */
    for (int grade = PLATFORM_GRADE_CRITICAL; err == AW_OK && grade >= PLATFORM_GRADE_GENERAL;
         grade--)
        for (int c = PLATFORM_ERROR_CLASS_APPLICATION;
             err == AW_OK && c <= PLATFORM_ERROR_CLASS_TERMINAL; c++) {
            size_t count = 0;
            do {
                err = due_batch(db, policy, (platform_error_class)c,
                                (platform_exception_grade)grade, now_ms, ids, &count);
                for (size_t i = 0; err == AW_OK && i < count; i++) {
                    escalate_args a = {.policy = policy, .exception_id = ids[i],
                                       .now_ms = now_ms};
                    err = db_transaction_run(db, escalate_in, &a, NULL);
                    done += a.escalated ? 1 : 0;
                }
            } while (err == AW_OK && count == ESCALATION_BATCH);
        }
    free(ids);
    if (escalated != NULL)
        *escalated = done;
    return err;
}
