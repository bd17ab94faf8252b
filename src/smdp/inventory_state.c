/* airwrite SM-DP+: profile state changes and their history (SGP.22 3.1.1
 * profile states through ES2+ 5.3 and the ES9+ download progress of 3.1.3
 * and 5.6). The transition rules are in inventory.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smdp/inventory.h"
#include "smdp/inventory_internal.h"

aw_err smdp_inventory_record_history(db_connection *db, const char *iccid, smdp_state from,
                                     smdp_state to, const char *cause, int64_t now_ms)
{
    const char *from_name = smdp_state_name(from);
    db_param p[] = {DB_PARAM_TEXT(iccid), from_name ? DB_PARAM_TEXT(from_name) : DB_PARAM_NULL,
                    DB_PARAM_TEXT(smdp_state_name(to)), DB_PARAM_TEXT(cause),
                    DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO smdp_profile_history (iccid, from_state, to_state, cause, at) "
                      "VALUES (?, ?, ?, ?, ?)",
                      p, 5, NULL);
}

aw_err smdp_inventory_read_state(db_connection *db, const char *iccid, smdp_state *state)
{
    db_rows *rows = NULL;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    aw_err err = db_query(db, "SELECT state FROM smdp_profiles WHERE iccid = ?", p, 1, &rows);
    bool has_row = false;
    const char *text;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 0, &text);
    if (err == AW_OK && smdp_state_parse(text, state) != AW_OK)
        err = AW_ERR_DB_TYPE;
    db_rows_free(rows);
    return err;
}

/* Column stamped when a profile enters a state (NULL: none). */
static const char *stamp_column(smdp_state to)
{
    switch (to) {
    case SMDP_STATE_ALLOCATED:
    case SMDP_STATE_LINKED:
        return "allocated_at";
    case SMDP_STATE_CONFIRMED:
        return "confirmed_at";
    case SMDP_STATE_RELEASED:
        return "released_at";
    case SMDP_STATE_DOWNLOADED:
        return "downloaded_at";
    case SMDP_STATE_INSTALLED:
        return "installed_at";
    default:
        return NULL;
    }
}

aw_err smdp_inventory_change_state(db_connection *db, const char *iccid, const smdp_state *from,
                                   size_t from_count, smdp_state to, const char *cause,
                                   int64_t now_ms, smdp_state *previous)
{
    smdp_state current;
    aw_err err = smdp_inventory_read_state(db, iccid, &current);
    if (err != AW_OK)
        return err;
    if (previous != NULL)
        *previous = current;
    size_t i = 0;
    while (i < from_count && from[i] != current)
        i++;
    if (i == from_count)
        return AW_ERR_STATE;
    /* The UPDATE re-checks the state it read, so a change made by another
     * connection in between finds no row (READ COMMITTED) or aborts the
     * transaction (SERIALIZABLE, retried by db_transaction_run). */
    const char *stamp = stamp_column(to);
    char sql[160];
    snprintf(sql, sizeof(sql),
             "UPDATE smdp_profiles SET state = ?, updated_at = ?%s%s%s WHERE iccid = ? AND "
             "state = ?",
             stamp ? ", " : "", stamp ? stamp : "", stamp ? " = ?" : "");
    db_param with_stamp[] = {DB_PARAM_TEXT(smdp_state_name(to)), DB_PARAM_INT64(now_ms),
                             DB_PARAM_INT64(now_ms), DB_PARAM_TEXT(iccid),
                             DB_PARAM_TEXT(smdp_state_name(current))};
    db_param without[] = {DB_PARAM_TEXT(smdp_state_name(to)), DB_PARAM_INT64(now_ms),
                          DB_PARAM_TEXT(iccid), DB_PARAM_TEXT(smdp_state_name(current))};
    int64_t changed = 0;
    err = stamp ? db_execute(db, sql, with_stamp, 5, &changed)
                : db_execute(db, sql, without, 4, &changed);
    if (err == AW_OK && changed != 1)
        err = AW_ERR_STATE;
    if (err == AW_OK)
        err = smdp_inventory_record_history(db, iccid, current, to, cause, now_ms);
    return err;
}

/* ---- ES9+ download progress -------------------------------------------------- */

typedef struct mark_job {
    const char *iccid;
    const smdp_state *from;
    size_t from_count;
    smdp_state to;
    const char *cause;
    int64_t now_ms;
} mark_job;

static aw_err mark_run(db_connection *db, void *arg)
{
    const mark_job *job = arg;
    return smdp_inventory_change_state(db, job->iccid, job->from, job->from_count, job->to,
                                       job->cause, job->now_ms, NULL);
}

static aw_err mark(db_connection *db, const char *iccid, const smdp_state *from,
                   size_t from_count, smdp_state to, const char *cause, int64_t now_ms)
{
    if (db == NULL || iccid == NULL || !smdp_inventory_cause_ok(cause))
        return AW_ERR_ARGUMENT;
    mark_job job = {iccid, from, from_count, to, cause, now_ms};
    return db_transaction_run(db, mark_run, &job, NULL);
}

aw_err smdp_inventory_mark_downloaded(db_connection *db, const char *iccid, const char *cause,
                                      int64_t now_ms)
{
    static const smdp_state from[] = {SMDP_STATE_RELEASED};
    return mark(db, iccid, from, 1, SMDP_STATE_DOWNLOADED, cause, now_ms);
}

aw_err smdp_inventory_mark_installed(db_connection *db, const char *iccid, const char *cause,
                                     int64_t now_ms)
{
    static const smdp_state from[] = {SMDP_STATE_DOWNLOADED};
    return mark(db, iccid, from, 1, SMDP_STATE_INSTALLED, cause, now_ms);
}

aw_err smdp_inventory_mark_error(db_connection *db, const char *iccid, const char *cause,
                                 int64_t now_ms)
{
    static const smdp_state from[] = {SMDP_STATE_RELEASED, SMDP_STATE_DOWNLOADED};
    return mark(db, iccid, from, 2, SMDP_STATE_ERROR, cause, now_ms);
}

/* ---- History ----------------------------------------------------------------- */

aw_err smdp_inventory_history(db_connection *db, const char *iccid, smdp_history_entry **entries,
                              size_t *count)
{
    if (entries != NULL)
        *entries = NULL;
    if (count != NULL)
        *count = 0;
    if (db == NULL || iccid == NULL || entries == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    db_param p[] = {DB_PARAM_TEXT(iccid)};
    int64_t total = 0;
    aw_err err = db_query_int64(db, "SELECT COUNT(*) FROM smdp_profile_history WHERE iccid = ?",
                                p, 1, &total);
    if (err != AW_OK)
        return err;
    smdp_history_entry *list = calloc(total > 0 ? (size_t)total : 1, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    db_rows *rows = NULL;
    err = db_query(db,
                   "SELECT from_state, to_state, cause, at FROM smdp_profile_history "
                   "WHERE iccid = ? ORDER BY id",
                   p, 1, &rows);
    size_t n = 0;
    while (err == AW_OK) {
        bool has_row = false;
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        if (n == (size_t)total) { /* rows added since the count */
            err = AW_ERR_STATE;
            break;
        }
        smdp_history_entry *e = &list[n];
        const char *text;
        if (db_rows_column_type(rows, 0) != DB_TYPE_NULL) {
            err = db_rows_get_text(rows, 0, &text);
            if (err == AW_OK && smdp_state_parse(text, &e->from) != AW_OK)
                err = AW_ERR_DB_TYPE;
        }
        if (err == AW_OK)
            err = db_rows_get_text(rows, 1, &text);
        if (err == AW_OK && smdp_state_parse(text, &e->to) != AW_OK)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK)
            err = db_rows_get_text(rows, 2, &text);
        if (err == AW_OK)
            snprintf(e->cause, sizeof(e->cause), "%s", text);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 3, &e->at_ms);
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK) {
        free(list);
        return err;
    }
    *entries = list;
    *count = n;
    return AW_OK;
}
