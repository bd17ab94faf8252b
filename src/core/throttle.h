/* airwrite core: login throttling for console users (T/CA group standard,
 * security management: limit password guessing; NIST SP 800-63B 5.2.2
 * "Rate Limiting (Throttling)"), kept in the database (db.h) so that a
 * restart keeps it and every process of a deployment shares it.
 *
 * Two subjects are counted for each failed login: the account name and the
 * source address. For each subject:
 *   - failures are counted in a sliding window of window_ms (only failures
 *     newer than now - window_ms count);
 *   - when the count reaches the subject's threshold (account_max_failures
 *     or address_max_failures) the subject is locked for
 *     min(lockout_base_ms * 2^(level - 1), lockout_max_ms), level being the
 *     number of lockouts so far (exponential, capped), and its count starts
 *     again from zero;
 *   - the level returns to zero once the subject has been quiet (no failure,
 *     no lock) for forget_ms;
 *   - a successful login clears the account's failures and level, never the
 *     address's (one valid account must not reset an address guessing
 *     others).
 * While a subject is locked, throttle_check answers AW_ERR_THROTTLE_LOCKED
 * with the seconds to wait (rounded up): the console refuses the login
 * without looking at the password, and says "retry after N seconds".
 *
 * Login flow: throttle_check; if AW_OK, verify the password (password.h);
 * then throttle_record_failure or throttle_record_success.
 *
 * Times are milliseconds since the Unix epoch from the caller (db_clock_ms
 * in production), so nothing here sleeps or reads a clock. Each call is one
 * transaction; on PostgreSQL the subject's row is locked (SELECT ... FOR
 * UPDATE), so concurrent processes never lose a failure. Schema: component
 * "throttle" of db_migrate, tables aw_throttle_failure and aw_throttle_lock.
 */
#ifndef AIRWRITE_CORE_THROTTLE_H
#define AIRWRITE_CORE_THROTTLE_H

#include <stdint.h>

#include "core/db.h"
#include "core/error.h"

#define THROTTLE_SUBJECT_MAX 255u              /* bytes of an account name or address */
#define THROTTLE_DURATION_MAX (30LL * 24 * 3600 * 1000) /* 30 days, any time setting */
#define THROTTLE_FAILURES_MAX 1000u

typedef enum throttle_scope {
    THROTTLE_SCOPE_ACCOUNT = 1,
    THROTTLE_SCOPE_ADDRESS = 2,
} throttle_scope;

typedef struct throttle_policy {
    int64_t window_ms;              /* sliding window, >= 1 s */
    unsigned account_max_failures;  /* failures in the window that lock an account */
    unsigned address_max_failures;  /* ... a source address */
    int64_t lockout_base_ms;        /* first lockout, >= 1 s */
    int64_t lockout_max_ms;         /* cap, >= lockout_base_ms */
    int64_t forget_ms;              /* quiet time resetting the level, >= window_ms */
} throttle_policy;

/* 5 failures per account or 20 per address within 15 minutes lock for 1
 * minute, doubling up to 1 hour; forgotten after a quiet day. */
#define THROTTLE_POLICY_DEFAULT                                                               \
    ((throttle_policy){.window_ms = 15 * 60 * 1000, .account_max_failures = 5,                 \
                       .address_max_failures = 20, .lockout_base_ms = 60 * 1000,               \
                       .lockout_max_ms = 3600 * 1000, .forget_ms = 24 * 3600 * 1000})

/* AW_OK or AW_ERR_THROTTLE_POLICY: a time under 1 s (window, base) or over
 * THROTTLE_DURATION_MAX, a threshold of 0 or over THROTTLE_FAILURES_MAX,
 * lockout_max_ms < lockout_base_ms, forget_ms < window_ms. */
aw_err throttle_policy_check(const throttle_policy *policy);

/* Create or upgrade the tables (db_migrate component "throttle"). */
aw_err throttle_migrate(db_connection *db);

/* Before a login attempt. AW_OK when neither the account nor the address is
 * locked at now_ms; AW_ERR_THROTTLE_LOCKED with *retry_after_s (>= 1) the
 * seconds until both are free. Subjects: 1..THROTTLE_SUBJECT_MAX bytes
 * (AW_ERR_ARGUMENT otherwise). Policy errors as throttle_policy_check;
 * database errors as db.h. */
aw_err throttle_check(db_connection *db, const throttle_policy *policy, const char *account,
                      const char *address, int64_t now_ms, int64_t *retry_after_s);

/* After a wrong password: count the failure for the account and the address
 * (not for a subject already locked). AW_ERR_THROTTLE_LOCKED with
 * *retry_after_s when either is locked now (by this failure or before),
 * AW_OK otherwise. */
aw_err throttle_record_failure(db_connection *db, const throttle_policy *policy,
                               const char *account, const char *address, int64_t now_ms,
                               int64_t *retry_after_s);

/* After a correct password: clear the account's failures and level.
 * AW_ERR_THROTTLE_LOCKED (and nothing cleared) when the account or address
 * got locked meanwhile, e.g. by another process: refuse that login. */
aw_err throttle_record_success(db_connection *db, const throttle_policy *policy,
                               const char *account, const char *address, int64_t now_ms,
                               int64_t *retry_after_s);

typedef struct throttle_status {
    unsigned failures;          /* failures counted in the window at now_ms */
    unsigned level;             /* lockouts so far (0 once forgotten) */
    int64_t locked_until_ms;    /* 0 when not locked at now_ms */
} throttle_status;

/* One subject's state at now_ms (zeros for a subject never seen). */
aw_err throttle_get_status(db_connection *db, const throttle_policy *policy,
                           throttle_scope scope, const char *subject, int64_t now_ms,
                           throttle_status *out);

/* Delete failures outside the window and subjects quiet for forget_ms, so
 * the tables stay bounded (run periodically). *removed (may be NULL): rows
 * deleted. */
aw_err throttle_purge(db_connection *db, const throttle_policy *policy, int64_t now_ms,
                      int64_t *removed);

#endif
