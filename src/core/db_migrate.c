/* airwrite core: schema migrations (db.h db_migrate).
 *
 * Every component (SM-DP+, eIM, platform, db_queue) owns an ordered list of
 * schema versions and calls db_migrate at start-up. Table schema_migrations
 * records what was applied per component, so a restart applies nothing
 * twice, and a database migrated by newer code is refused rather than
 * written with assumptions that no longer hold. */
#include <string.h>

#include "core/db_internal.h"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL,"
    " PRIMARY KEY (component, version))";

static const char current_version_sql[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?";

static const char insert_version_sql[] =
    "INSERT INTO schema_migrations (component, version, description, applied_at)"
    " VALUES (?, ?, ?, ?)";

static aw_err check_component(const char *component)
{
    if (component == NULL)
        return AW_ERR_ARGUMENT;
    size_t len = strnlen(component, DB_COMPONENT_MAX + 1);
    return (len == 0 || len > DB_COMPONENT_MAX) ? AW_ERR_ARGUMENT : AW_OK;
}

static aw_err check_migrations(const db_connection *db, const db_migration *migrations,
                               size_t count)
{
    if (migrations == NULL || count == 0)
        return AW_ERR_ARGUMENT;
    int64_t previous = 0;
    for (size_t i = 0; i < count; i++) {
        const db_migration *m = &migrations[i];
        const char *sql = db->backend == DB_BACKEND_SQLITE ? m->sqlite_sql : m->postgresql_sql;
        if (m->version <= previous || m->description == NULL || sql == NULL)
            return AW_ERR_ARGUMENT;
        previous = m->version;
    }
    return AW_OK;
}

aw_err db_schema_version(db_connection *db, const char *component, int64_t *version)
{
    if (version != NULL)
        *version = 0;
    if (db == NULL || version == NULL || check_component(component) != AW_OK)
        return AW_ERR_ARGUMENT;
    /* Before the first db_migrate the table does not exist: version 0. */
    const char *exists_sql =
        db->backend == DB_BACKEND_SQLITE
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
              " AND name = 'schema_migrations'"
            : "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations'"
              " AND schemaname = current_schema()";
    int64_t exists = 0;
    aw_err err = db_query_int64(db, exists_sql, NULL, 0, &exists);
    if (err != AW_OK || exists == 0)
        return err;
    db_param param = DB_PARAM_TEXT(component);
    return db_query_int64(db, current_version_sql, &param, 1, version);
}

/* Within the open transaction: apply what is pending, record it. */
static aw_err apply_pending(db_connection *db, const char *component,
                            const db_migration *migrations, size_t count, int64_t *version)
{
    aw_err err = AW_OK;
    if (db->ops->migration_lock_sql != NULL) {
        err = db_execute(db, db->ops->migration_lock_sql, NULL, 0, NULL);
        if (err != AW_OK)
            return err;
    }
    err = db_execute(db, create_table_sql, NULL, 0, NULL);
    if (err != AW_OK)
        return err;
    db_param param = DB_PARAM_TEXT(component);
    int64_t current = 0;
    err = db_query_int64(db, current_version_sql, &param, 1, &current);
    if (err != AW_OK)
        return err;
    if (current > migrations[count - 1].version) {
        db_set_error(db, "schema of %s is version %lld, this code knows up to %lld", component,
                     (long long)current, (long long)migrations[count - 1].version);
        return AW_ERR_DB_SCHEMA_NEWER;
    }
    for (size_t i = 0; i < count; i++) {
        const db_migration *m = &migrations[i];
        if (m->version <= current)
            continue;
        err = db->ops->script(db, db->backend == DB_BACKEND_SQLITE ? m->sqlite_sql
                                                                   : m->postgresql_sql);
        if (err != AW_OK)
            return err;
        db_param row[4] = {DB_PARAM_TEXT(component), DB_PARAM_INT64(m->version),
                           DB_PARAM_TEXT(m->description), DB_PARAM_INT64(db_clock_ms())};
        err = db_execute(db, insert_version_sql, row, 4, NULL);
        if (err != AW_OK)
            return err;
        current = m->version;
    }
    *version = current;
    return AW_OK;
}

aw_err db_migrate(db_connection *db, const char *component, const db_migration *migrations,
                  size_t count, int64_t *version)
{
    if (version != NULL)
        *version = 0;
    if (db == NULL || check_component(component) != AW_OK ||
        check_migrations(db, migrations, count) != AW_OK)
        return AW_ERR_ARGUMENT;
    if (db->in_transaction)
        return AW_ERR_STATE;
    int64_t current = 0;
    aw_err err = db_begin(db);
    if (err != AW_OK)
        return err;
    err = apply_pending(db, component, migrations, count, &current);
    if (err == AW_OK)
        err = db_commit(db);
    else
        (void)db_rollback(db);
    if (err == AW_OK && version != NULL)
        *version = current;
    return err;
}
