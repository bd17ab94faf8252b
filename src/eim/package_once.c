/* airwrite eIM: an eUICC Package (SGP.32 2.11.1.1) queued at most once per
 * caller reference (eim_package_enqueue_once).
 *
 * A caller that queues a package and then records that it did in another
 * database (the platform's card operations: two commits) runs again after
 * a crash between the two. Queued twice, the eUICC would run the PSMOs
 * twice, the second in counterValue order after the first, and answer it
 * e.g. profileNotInDisabledState (SGP.22 5.7.16). With the caller's
 * reference kept in the package's row under UNIQUE (eid, client_reference)
 * the repeat finds the first package and returns it instead: nothing is
 * signed and no counterValue spent (each one the eUICC sees must be higher
 * than the last, 2.11.1.1, so a spent one is never taken back).
 *
 * Two callers racing with one reference: on SQLite BEGIN IMMEDIATE orders
 * them, and the second finds the first's row. On PostgreSQL (READ
 * COMMITTED) both may look before either commits; the second then waits on
 * the eUICC's counter row, signs and inserts, and the unique index refuses
 * its row. Its transaction (with its counterValue) is rolled back and it
 * returns the row that won. */
#include <string.h>

#include "eim/eim_internal.h"

/* 1..EIM_CLIENT_REFERENCE_MAX characters of printable ASCII without space:
 * what identifiers look like (a platform operation id, a UUID) and safe to
 * show in the CLI's listing. */
static bool client_reference_valid(const char *reference)
{
    size_t n = strnlen(reference, EIM_CLIENT_REFERENCE_MAX + 1);
    if (n == 0 || n > EIM_CLIENT_REFERENCE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (reference[i] <= 0x20 || reference[i] >= 0x7F)
            return false;
    return true;
}

/* The package of eid queued under reference: AW_ERR_NOT_FOUND when none. */
static aw_err find_by_reference(db_connection *db, const char *eid, const char *reference,
                                int64_t *package_id, int64_t *counter)
{
    db_rows *rows = NULL;
    bool has_row = false;
    db_param p[] = {DB_PARAM_TEXT(eid), DB_PARAM_TEXT(reference)};
    aw_err err = db_query(db,
                          "SELECT id, counter_value FROM eim_packages "
                          "WHERE eid = ? AND client_reference = ?",
                          p, 2, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 0, package_id);
    if (err == AW_OK)
        err = db_rows_get_int64(rows, 1, counter);
    db_rows_free(rows);
    return err;
}

/* One transaction: the package under reference, or a new one. */
static aw_err find_or_enqueue(db_connection *db, const eim_key_ring *keys, const char *eid,
                              const eim_operation *operations, size_t count,
                              const char *reference, int64_t now_ms, int64_t *package_id,
                              int64_t *counter)
{
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = find_by_reference(db, eid, reference, package_id, counter);
    if (err == AW_ERR_NOT_FOUND)
        err = eim_package_enqueue_locked(db, keys, eid, operations, count, reference, now_ms,
                                         package_id, counter);
    /* the counterValue is committed with the package or not spent at all */
    if (err == AW_OK)
        err = db_commit(db);
    else
        (void)db_rollback(db);
    return err;
}

aw_err eim_package_enqueue_once(db_connection *db, const eim_key_ring *keys, const char *eid,
                                const eim_operation *operations, size_t count,
                                const char *client_reference, int64_t now_ms,
                                int64_t *package_id, int64_t *counter)
{
    int64_t id = 0, value = 0;
    if (package_id != NULL)
        *package_id = 0;
    if (counter != NULL)
        *counter = 0;
    if (db == NULL || keys == NULL || eid == NULL || operations == NULL ||
        client_reference == NULL || !client_reference_valid(client_reference))
        return AW_ERR_ARGUMENT;
    aw_err err = find_or_enqueue(db, keys, eid, operations, count, client_reference, now_ms, &id,
                                 &value);
    if (err == AW_ERR_DB_UNIQUE) {
        /* lost a race (PostgreSQL): the winner's row is committed now */
        err = find_by_reference(db, eid, client_reference, &id, &value);
        if (err == AW_ERR_NOT_FOUND)
            err = AW_ERR_DB_UNIQUE;
    }
    if (err != AW_OK)
        return err;
    if (package_id != NULL)
        *package_id = id;
    if (counter != NULL)
        *counter = value;
    return AW_OK;
}
