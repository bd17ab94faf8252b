/* airwrite core: login throttling over the database (NIST SP 800-63B 5.2.2;
 * see throttle.h for the rules). */
#include "core/throttle.h"

#include <string.h>

static const db_migration migrations[] = {
    {1, "login failures and lockouts",
     "CREATE TABLE aw_throttle_failure ("
     " scope INTEGER NOT NULL, subject TEXT NOT NULL, at_ms INTEGER NOT NULL);"
     "CREATE INDEX aw_throttle_failure_subject ON aw_throttle_failure (scope, subject, at_ms);"
     "CREATE INDEX aw_throttle_failure_at ON aw_throttle_failure (at_ms);"
     "CREATE TABLE aw_throttle_lock ("
     " scope INTEGER NOT NULL, subject TEXT NOT NULL, level INTEGER NOT NULL,"
     " locked_until_ms INTEGER NOT NULL, last_event_ms INTEGER NOT NULL,"
     " PRIMARY KEY (scope, subject));",
     "CREATE TABLE aw_throttle_failure ("
     " scope INTEGER NOT NULL, subject TEXT NOT NULL, at_ms BIGINT NOT NULL);"
     "CREATE INDEX aw_throttle_failure_subject ON aw_throttle_failure (scope, subject, at_ms);"
     "CREATE INDEX aw_throttle_failure_at ON aw_throttle_failure (at_ms);"
     "CREATE TABLE aw_throttle_lock ("
     " scope INTEGER NOT NULL, subject TEXT NOT NULL, level INTEGER NOT NULL,"
     " locked_until_ms BIGINT NOT NULL, last_event_ms BIGINT NOT NULL,"
     " PRIMARY KEY (scope, subject));"},
};

aw_err throttle_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    return db_migrate(db, "throttle", migrations, sizeof(migrations) / sizeof(migrations[0]),
                      NULL);
}

static bool duration_ok(int64_t ms, int64_t min)
{
    return ms >= min && ms <= THROTTLE_DURATION_MAX;
}

aw_err throttle_policy_check(const throttle_policy *policy)
{
    if (policy == NULL || !duration_ok(policy->window_ms, 1000) ||
        !duration_ok(policy->lockout_base_ms, 1000) ||
        !duration_ok(policy->lockout_max_ms, policy->lockout_base_ms) ||
        !duration_ok(policy->forget_ms, policy->window_ms) || policy->account_max_failures == 0 ||
        policy->account_max_failures > THROTTLE_FAILURES_MAX ||
        policy->address_max_failures == 0 ||
        policy->address_max_failures > THROTTLE_FAILURES_MAX)
        return AW_ERR_THROTTLE_POLICY;
    return AW_OK;
}

static bool subject_ok(const char *subject)
{
    if (subject == NULL)
        return false;
    size_t len = strnlen(subject, THROTTLE_SUBJECT_MAX + 1);
    return len > 0 && len <= THROTTLE_SUBJECT_MAX;
}

static aw_err check_arguments(db_connection *db, const throttle_policy *policy,
                              const char *account, const char *address)
{
    if (db == NULL || !subject_ok(account) || !subject_ok(address))
        return AW_ERR_ARGUMENT;
    return throttle_policy_check(policy);
}

/* A subject's lock row (zeros when absent). */
typedef struct lock_row {
    int64_t level;
    int64_t locked_until_ms;
    int64_t last_event_ms;
} lock_row;

/* Read the row; with for_update, first make sure it exists and lock it
 * until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE already
 * holds the database's write lock), so concurrent failures queue up. */
static aw_err read_lock(db_connection *db, throttle_scope scope, const char *subject,
                        bool for_update, lock_row *out)
{
    memset(out, 0, sizeof(*out));
    db_param key[] = {DB_PARAM_INT64(scope), DB_PARAM_TEXT(subject)};
    aw_err err;
    if (for_update &&
        (err = db_execute(db,
                          "INSERT INTO aw_throttle_lock (scope, subject, level, locked_until_ms,"
                          " last_event_ms) VALUES (?, ?, 0, 0, 0)"
                          " ON CONFLICT (scope, subject) DO NOTHING",
                          key, 2, NULL)) != AW_OK)
        return err;
    const char *sql = for_update && db_get_backend(db) == DB_BACKEND_POSTGRESQL
                          ? "SELECT level, locked_until_ms, last_event_ms FROM aw_throttle_lock"
                            " WHERE scope = ? AND subject = ? FOR UPDATE"
                          : "SELECT level, locked_until_ms, last_event_ms FROM aw_throttle_lock"
                            " WHERE scope = ? AND subject = ?";
    db_rows *rows = NULL;
    if ((err = db_query(db, sql, key, 2, &rows)) != AW_OK)
        return err;
    bool has_row = false;
    err = db_rows_next(rows, &has_row);
    if (err == AW_OK && has_row &&
        ((err = db_rows_get_int64(rows, 0, &out->level)) != AW_OK ||
         (err = db_rows_get_int64(rows, 1, &out->locked_until_ms)) != AW_OK ||
         (err = db_rows_get_int64(rows, 2, &out->last_event_ms)) != AW_OK))
        memset(out, 0, sizeof(*out));
    db_rows_free(rows);
    return err;
}

static aw_err write_lock(db_connection *db, throttle_scope scope, const char *subject,
                         const lock_row *row)
{
    db_param params[] = {DB_PARAM_INT64(row->level), DB_PARAM_INT64(row->locked_until_ms),
                         DB_PARAM_INT64(row->last_event_ms), DB_PARAM_INT64(scope),
                         DB_PARAM_TEXT(subject)};
    return db_execute(db,
                      "UPDATE aw_throttle_lock SET level = ?, locked_until_ms = ?,"
                      " last_event_ms = ? WHERE scope = ? AND subject = ?",
                      params, 5, NULL);
}

/* The level once a quiet period of forget_ms is taken into account. */
static int64_t current_level(const throttle_policy *policy, const lock_row *row, int64_t now_ms)
{
    int64_t last = row->last_event_ms > row->locked_until_ms ? row->last_event_ms
                                                             : row->locked_until_ms;
    return now_ms - last >= policy->forget_ms ? 0 : row->level;
}

static aw_err count_failures(db_connection *db, const throttle_policy *policy,
                             throttle_scope scope, const char *subject, int64_t now_ms,
                             int64_t *count)
{
    db_param params[] = {DB_PARAM_INT64(scope), DB_PARAM_TEXT(subject),
                         DB_PARAM_INT64(now_ms - policy->window_ms)};
    return db_query_int64(db,
                          "SELECT COUNT(*) FROM aw_throttle_failure"
                          " WHERE scope = ? AND subject = ? AND at_ms > ?",
                          params, 3, count);
}

static aw_err delete_failures(db_connection *db, throttle_scope scope, const char *subject,
                              int64_t before_ms)
{
    db_param params[] = {DB_PARAM_INT64(scope), DB_PARAM_TEXT(subject),
                         DB_PARAM_INT64(before_ms)};
    return db_execute(db,
                      "DELETE FROM aw_throttle_failure WHERE scope = ? AND subject = ?"
                      " AND at_ms <= ?",
                      params, 3, NULL);
}

/* Count one failure of one subject; *locked_until_ms is its lock end (0
 * when it is not locked after this failure). */
static aw_err fail_subject(db_connection *db, const throttle_policy *policy,
                           throttle_scope scope, const char *subject, unsigned max_failures,
                           int64_t now_ms, int64_t *locked_until_ms)
{
    *locked_until_ms = 0;
    lock_row row;
    aw_err err = read_lock(db, scope, subject, true, &row);
    if (err != AW_OK)
        return err;
    if (row.locked_until_ms > now_ms) {
        *locked_until_ms = row.locked_until_ms; /* already locked: not counted */
        return AW_OK;
    }
    row.level = current_level(policy, &row, now_ms);
    row.last_event_ms = now_ms;
    /* The sliding window: failures at or before now - window no longer count. */
    if ((err = delete_failures(db, scope, subject, now_ms - policy->window_ms)) != AW_OK)
        return err;
    db_param event[] = {DB_PARAM_INT64(scope), DB_PARAM_TEXT(subject), DB_PARAM_INT64(now_ms)};
    if ((err = db_execute(db,
                          "INSERT INTO aw_throttle_failure (scope, subject, at_ms)"
                          " VALUES (?, ?, ?)",
                          event, 3, NULL)) != AW_OK)
        return err;
    int64_t count = 0;
    if ((err = count_failures(db, policy, scope, subject, now_ms, &count)) != AW_OK)
        return err;
    if (count >= (int64_t)max_failures) {
        /* Exponential lockout, capped; the count starts again afterwards. */
        int64_t duration = policy->lockout_base_ms;
        for (int64_t i = 1; i < row.level + 1 && duration < policy->lockout_max_ms; i++)
            duration *= 2;
        if (duration > policy->lockout_max_ms)
            duration = policy->lockout_max_ms;
        row.level++;
        row.locked_until_ms = now_ms + duration;
        *locked_until_ms = row.locked_until_ms;
        if ((err = delete_failures(db, scope, subject, now_ms)) != AW_OK)
            return err;
    }
    return write_lock(db, scope, subject, &row);
}

/* Seconds from now to until, rounded up, at least 1. */
static int64_t seconds_until(int64_t until_ms, int64_t now_ms)
{
    int64_t s = (until_ms - now_ms + 999) / 1000;
    return s < 1 ? 1 : s;
}

/* The later lock end of the two subjects at now_ms (0: neither locked). */
static aw_err lock_end(db_connection *db, const char *account, const char *address,
                       int64_t now_ms, int64_t *until_ms)
{
    *until_ms = 0;
    lock_row a, b;
    aw_err err = read_lock(db, THROTTLE_SCOPE_ACCOUNT, account, false, &a);
    if (err == AW_OK)
        err = read_lock(db, THROTTLE_SCOPE_ADDRESS, address, false, &b);
    if (err != AW_OK)
        return err;
    int64_t until = a.locked_until_ms > b.locked_until_ms ? a.locked_until_ms : b.locked_until_ms;
    *until_ms = until > now_ms ? until : 0;
    return AW_OK;
}

/* One transaction: SQLite BEGIN IMMEDIATE, PostgreSQL READ COMMITTED with
 * the subjects' rows locked in a fixed order (account, then address), so
 * concurrent callers neither lose updates nor deadlock. */
static aw_err finish(db_connection *db, aw_err err)
{
    if (err == AW_OK)
        return db_commit(db);
    db_rollback(db);
    return err;
}

aw_err throttle_check(db_connection *db, const throttle_policy *policy, const char *account,
                      const char *address, int64_t now_ms, int64_t *retry_after_s)
{
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    aw_err err = check_arguments(db, policy, account, address);
    if (err != AW_OK || retry_after_s == NULL)
        return err != AW_OK ? err : AW_ERR_ARGUMENT;
    int64_t until = 0;
    if ((err = lock_end(db, account, address, now_ms, &until)) != AW_OK)
        return err;
    if (until == 0)
        return AW_OK;
    *retry_after_s = seconds_until(until, now_ms);
    return AW_ERR_THROTTLE_LOCKED;
}

aw_err throttle_record_failure(db_connection *db, const throttle_policy *policy,
                               const char *account, const char *address, int64_t now_ms,
                               int64_t *retry_after_s)
{
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    aw_err err = check_arguments(db, policy, account, address);
    if (err != AW_OK || retry_after_s == NULL)
        return err != AW_OK ? err : AW_ERR_ARGUMENT;
    if ((err = db_begin(db)) != AW_OK)
        return err;
    int64_t account_until = 0, address_until = 0;
    err = fail_subject(db, policy, THROTTLE_SCOPE_ACCOUNT, account, policy->account_max_failures,
                       now_ms, &account_until);
    if (err == AW_OK)
        err = fail_subject(db, policy, THROTTLE_SCOPE_ADDRESS, address,
                           policy->address_max_failures, now_ms, &address_until);
    if ((err = finish(db, err)) != AW_OK)
        return err;
    int64_t until = account_until > address_until ? account_until : address_until;
    if (until == 0)
        return AW_OK;
    *retry_after_s = seconds_until(until, now_ms);
    return AW_ERR_THROTTLE_LOCKED;
}

aw_err throttle_record_success(db_connection *db, const throttle_policy *policy,
                               const char *account, const char *address, int64_t now_ms,
                               int64_t *retry_after_s)
{
    if (retry_after_s != NULL)
        *retry_after_s = 0;
    aw_err err = check_arguments(db, policy, account, address);
    if (err != AW_OK || retry_after_s == NULL)
        return err != AW_OK ? err : AW_ERR_ARGUMENT;
    if ((err = db_begin(db)) != AW_OK)
        return err;
    lock_row row;
    int64_t until = 0;
    err = read_lock(db, THROTTLE_SCOPE_ACCOUNT, account, true, &row);
    if (err == AW_OK)
        err = lock_end(db, account, address, now_ms, &until);
    if (err == AW_OK && until == 0) {
        db_param key[] = {DB_PARAM_INT64(THROTTLE_SCOPE_ACCOUNT), DB_PARAM_TEXT(account)};
        err = db_execute(db, "DELETE FROM aw_throttle_failure WHERE scope = ? AND subject = ?",
                         key, 2, NULL);
        if (err == AW_OK)
            err = db_execute(db, "DELETE FROM aw_throttle_lock WHERE scope = ? AND subject = ?",
                             key, 2, NULL);
    }
    if ((err = finish(db, err)) != AW_OK)
        return err;
    if (until == 0)
        return AW_OK;
    *retry_after_s = seconds_until(until, now_ms);
    return AW_ERR_THROTTLE_LOCKED;
}

aw_err throttle_get_status(db_connection *db, const throttle_policy *policy,
                           throttle_scope scope, const char *subject, int64_t now_ms,
                           throttle_status *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (db == NULL || out == NULL || !subject_ok(subject) ||
        (scope != THROTTLE_SCOPE_ACCOUNT && scope != THROTTLE_SCOPE_ADDRESS))
        return AW_ERR_ARGUMENT;
    aw_err err = throttle_policy_check(policy);
    if (err != AW_OK)
        return err;
    lock_row row;
    int64_t count = 0;
    if ((err = read_lock(db, scope, subject, false, &row)) != AW_OK ||
        (err = count_failures(db, policy, scope, subject, now_ms, &count)) != AW_OK)
        return err;
    out->failures = (unsigned)count;
    out->level = (unsigned)current_level(policy, &row, now_ms);
    out->locked_until_ms = row.locked_until_ms > now_ms ? row.locked_until_ms : 0;
    return AW_OK;
}

aw_err throttle_purge(db_connection *db, const throttle_policy *policy, int64_t now_ms,
                      int64_t *removed)
{
    if (removed != NULL)
        *removed = 0;
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = throttle_policy_check(policy);
    if (err != AW_OK)
        return err;
    if ((err = db_begin(db)) != AW_OK)
        return err;
    int64_t failures = 0, locks = 0;
    db_param window[] = {DB_PARAM_INT64(now_ms - policy->window_ms)};
    err = db_execute(db, "DELETE FROM aw_throttle_failure WHERE at_ms <= ?", window, 1,
                     &failures);
    /* Quiet for forget_ms after both the last failure and the lock end: the
     * row holds nothing current_level would still use. */
    db_param quiet[] = {DB_PARAM_INT64(now_ms - policy->forget_ms),
                        DB_PARAM_INT64(now_ms - policy->forget_ms)};
    if (err == AW_OK)
        err = db_execute(db,
                         "DELETE FROM aw_throttle_lock WHERE last_event_ms <= ?"
                         " AND locked_until_ms <= ?",
                         quiet, 2, &locks);
    if ((err = finish(db, err)) != AW_OK)
        return err;
    if (removed != NULL)
        *removed = failures + locks;
    return AW_OK;
}
