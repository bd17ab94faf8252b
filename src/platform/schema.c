/* airwrite platform: database schema of the northbound API (apps, token
 * pairs, nonces, daily quota counters; lifecycle states and history; write
 * orders and items; callbacks and their deliveries), applied
 * through core's per-component migrations (db.h). */
#include "core/db_queue.h"
#include "platform/inventory_internal.h"
#include "platform/location_policy.h"
#include "platform/order_progress.h"
#include "platform/platform_terminal_info.h" /* helper terminfo */

#define APPS_TABLE(BLOB)                                                                       \
    "CREATE TABLE platform_apps (\n"                                                          \
    "  app_id TEXT PRIMARY KEY,\n"                                                            \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),\n"                                 \
    "  rate_per_minute BIGINT NOT NULL CHECK (rate_per_minute > 0),\n"                        \
    "  burst BIGINT NOT NULL CHECK (burst > 0),\n"                                            \
    "  daily_quota BIGINT NOT NULL CHECK (daily_quota >= 0),\n"                               \
    "  key_id BIGINT NOT NULL,\n"                                                             \
    "  secret_encrypted " BLOB " NOT NULL,\n"                                                 \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_apps_tenant ON platform_apps (tenant);\n"

/* One row per issued access/refresh pair: only SHA-256 of each token. */
#define TOKENS_TAIL(BLOB)                                                                      \
    "  app_id TEXT NOT NULL REFERENCES platform_apps (app_id),\n"                             \
    "  access_hash " BLOB " NOT NULL UNIQUE,\n"                                               \
    "  refresh_hash " BLOB " NOT NULL UNIQUE,\n"                                              \
    "  access_expires_at BIGINT NOT NULL,\n"                                                  \
    "  refresh_expires_at BIGINT NOT NULL,\n"                                                 \
    "  revoked_at BIGINT,\n"                                                                  \
    "  created_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_tokens_refresh_expiry ON platform_tokens (refresh_expires_at);\n"

#define NONCES_AND_QUOTA                                                                       \
    "CREATE TABLE platform_nonces (\n"                                                        \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  nonce TEXT NOT NULL,\n"                                                                \
    "  expires_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (app_id, nonce));\n"                                                       \
    "CREATE INDEX platform_nonces_expiry ON platform_nonces (expires_at);\n"                  \
    "CREATE TABLE platform_quota_usage (\n"                                                   \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  day BIGINT NOT NULL,\n"                                                                \
    "  used BIGINT NOT NULL,\n"                                                               \
    "  PRIMARY KEY (app_id, day));\n"

/* Version 2: lifecycle state and history (全生命周期状态管理), write orders
 * and their items. Orders and items keep their state in their own rows;
 * cards, profiles and number resources in platform_lifecycle_states. */
#define LIFECYCLE_AND_ORDERS(ID, BLOB)                                                         \
    "CREATE TABLE platform_lifecycle_states (\n"                                               \
    "  machine TEXT NOT NULL,\n"                                                              \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  entity_id TEXT NOT NULL,\n"                                                            \
    "  state TEXT NOT NULL,\n"                                                                \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (machine, tenant, entity_id));\n"                                          \
    "CREATE TABLE platform_lifecycle_history (\n"                                             \
    "  id " ID ",\n"                                                                          \
    "  machine TEXT NOT NULL,\n"                                                              \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  entity_id TEXT NOT NULL,\n"                                                            \
    "  from_state TEXT,\n"                                                                    \
    "  to_state TEXT NOT NULL,\n"                                                             \
    "  cause TEXT NOT NULL,\n"                                                                \
    "  actor TEXT NOT NULL,\n"                                                                \
    "  at BIGINT NOT NULL);\n"                                                                \
    "CREATE INDEX platform_lifecycle_history_entity\n"                                        \
    "  ON platform_lifecycle_history (machine, tenant, entity_id, id);\n"                     \
    "CREATE TABLE platform_orders (\n"                                                        \
    "  order_id TEXT PRIMARY KEY,\n"                                                          \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  idempotency_key TEXT,\n"                                                               \
    "  request_hash " BLOB " NOT NULL,\n"                                                     \
    "  target_kind TEXT NOT NULL CHECK (target_kind IN ('profileType', 'numberPool')),\n"     \
    "  target TEXT NOT NULL,\n"                                                               \
    "  status TEXT NOT NULL,\n"                                                               \
    "  item_count BIGINT NOT NULL,\n"                                                         \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (tenant, idempotency_key));\n"                                                  \
    "CREATE INDEX platform_orders_tenant ON platform_orders (tenant, created_at);\n"          \
    "CREATE TABLE platform_order_items (\n"                                                   \
    "  id " ID ",\n"                                                                          \
    "  order_id TEXT NOT NULL REFERENCES platform_orders (order_id),\n"                       \
    "  line BIGINT NOT NULL,\n"                                                               \
    "  eid TEXT NOT NULL,\n"                                                                  \
    "  status TEXT NOT NULL,\n"                                                               \
    "  error_code TEXT,\n"                                                                    \
    "  updated_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (order_id, eid));\n"                                                            \
    "CREATE INDEX platform_order_items_status ON platform_order_items (order_id, status, id);\n"

/* Version 3: callback registrations (secrets sealed as app secrets are)
 * and their deliveries; the jobs themselves are in core's db_queue. */
#define CALLBACKS(ID, BLOB)                                                                    \
    "CREATE TABLE platform_callbacks (\n"                                                     \
    "  callback_id TEXT PRIMARY KEY,\n"                                                       \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  app_id TEXT NOT NULL REFERENCES platform_apps (app_id),\n"                             \
    "  url TEXT NOT NULL,\n"                                                                  \
    "  events BIGINT NOT NULL,\n"                                                             \
    "  key_id BIGINT NOT NULL,\n"                                                             \
    "  secret_encrypted " BLOB " NOT NULL,\n"                                                 \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  UNIQUE (app_id, url));\n"                                                              \
    "CREATE INDEX platform_callbacks_tenant ON platform_callbacks (tenant);\n"                \
    "CREATE TABLE platform_callback_deliveries (\n"                                           \
    "  seq " ID ",\n"                                                                         \
    "  delivery_id TEXT NOT NULL UNIQUE,\n"                                                   \
    "  tenant TEXT NOT NULL,\n"                                                               \
    "  callback_id TEXT NOT NULL,\n"                                                          \
    "  event_id TEXT NOT NULL,\n"                                                             \
    "  event_type TEXT NOT NULL,\n"                                                           \
    "  body " BLOB " NOT NULL,\n"                                                             \
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),\n"            \
    "  attempts BIGINT NOT NULL,\n"                                                           \
    "  last_status BIGINT NOT NULL,\n"                                                        \
    "  replays BIGINT NOT NULL,\n"                                                            \
    "  created_at BIGINT NOT NULL,\n"                                                         \
    "  updated_at BIGINT NOT NULL);\n"                                                        \
    "CREATE INDEX platform_callback_deliveries_status\n"                                      \
    "  ON platform_callback_deliveries (tenant, status, seq);\n"

/* Version 4: on SQLite the nonces live in their primary key's B-tree
 * (WITHOUT ROWID, https://sqlite.org/withoutrowid.html): a nonce recorded
 * is then one entry there and one in the expiry index, not also a row in a
 * table of its own, one page fewer to write per call and commit
 * (bench/bench_api_orders); its upsert finds a replay in the one B-tree.
 * The live nonces are carried over: a replay stays refused across the
 * upgrade. PostgreSQL keeps its table and index as they are. */
#define NONCES_WITHOUT_ROWID                                                                   \
    "CREATE TABLE platform_nonces_keyed (\n"                                                  \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  nonce TEXT NOT NULL,\n"                                                                \
    "  expires_at BIGINT NOT NULL,\n"                                                         \
    "  PRIMARY KEY (app_id, nonce)) WITHOUT ROWID;\n"                                         \
    "INSERT INTO platform_nonces_keyed (app_id, nonce, expires_at)\n"                         \
    "  SELECT app_id, nonce, expires_at FROM platform_nonces;\n"                              \
    "DROP TABLE platform_nonces;\n"                                                           \
    "ALTER TABLE platform_nonces_keyed RENAME TO platform_nonces;\n"                          \
    "CREATE INDEX platform_nonces_expiry ON platform_nonces (expires_at);\n"

/* Version 5: the history's entity index led by the entity. Led by the
 * machine, an order's row and its items' rows went to two places in the
 * middle of the index ("order" and "orderItem" between "number" and
 * "profile"), where every leaf that fills splits among its neighbours: the
 * most written pages of an order's transaction (7 of ~46 per group commit,
 * bench/bench_api_orders). Led by entity_id, the rows of orders and items
 * ("ord_" + creation time, after every EID, ICCID and MSISDN, which are
 * digits) are appended together at the index's end. Every lookup names
 * machine, tenant and entity_id (lifecycle.c, inventory_query.c,
 * indicators.c): the order of the columns does not matter to them. */
#define HISTORY_ENTITY_FIRST                                                                   \
    "DROP INDEX platform_lifecycle_history_entity;\n"                                          \
    "CREATE INDEX platform_lifecycle_history_entity\n"                                         \
    "  ON platform_lifecycle_history (entity_id, machine, tenant, id);\n"

/* Version 6: nonces keyed by their expiry first. Clients draw nonces at
 * random (docs/api-signature.md), so a key led by (app_id, nonce) put every
 * call's entry on another leaf of the B-tree: one more page written per call
 * and commit, and one read when that leaf was not cached; with random
 * nonces bench/bench_api_orders took about a fifth fewer orders per second
 * than with sequential ones. Led by expires_at, which is the call's signed
 * timestamp + window + 1 s, entries are appended at the end and purged
 * from the start, and the key serves the purge: the expiry index goes.
 * A replayed call repeats its signed timestamp and nonce, so it meets its
 * own key and is refused as before; the same nonce signed again with
 * another timestamp is a new call, which only the app's secret can make. */
#define NONCES_BY_EXPIRY(WITHOUT_ROWID)                                                        \
    "CREATE TABLE platform_nonces_by_expiry (\n"                                              \
    "  expires_at BIGINT NOT NULL,\n"                                                         \
    "  app_id TEXT NOT NULL,\n"                                                               \
    "  nonce TEXT NOT NULL,\n"                                                                \
    "  PRIMARY KEY (expires_at, app_id, nonce))" WITHOUT_ROWID ";\n"                          \
    "INSERT INTO platform_nonces_by_expiry (expires_at, app_id, nonce)\n"                     \
    "  SELECT expires_at, app_id, nonce FROM platform_nonces;\n"                              \
    "DROP TABLE platform_nonces;\n"                                                           \
    "ALTER TABLE platform_nonces_by_expiry RENAME TO platform_nonces;\n"

static const db_migration migrations[] = {
    {
        .version = 1,
        .description = "apps, token pairs, nonces, daily quota usage",
        .sqlite_sql = APPS_TABLE("BLOB") "CREATE TABLE platform_tokens (\n"
                                         "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n" TOKENS_TAIL(
                                             "BLOB") NONCES_AND_QUOTA,
        .postgresql_sql = APPS_TABLE("BYTEA") "CREATE TABLE platform_tokens (\n"
                                              "  id BIGSERIAL PRIMARY KEY,\n" TOKENS_TAIL(
                                                  "BYTEA") NONCES_AND_QUOTA,
    },
    {
        .version = 2,
        .description = "lifecycle states and history, write orders and items",
        .sqlite_sql = LIFECYCLE_AND_ORDERS("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        .postgresql_sql = LIFECYCLE_AND_ORDERS("BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
    {
        .version = 3,
        .description = "callbacks and their deliveries",
        .sqlite_sql = CALLBACKS("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        .postgresql_sql = CALLBACKS("BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
    {
        .version = 4,
        .description = "nonces keyed by their primary key alone (SQLite)",
        .sqlite_sql = NONCES_WITHOUT_ROWID,
        .postgresql_sql = "SELECT 1",
    },
    {
        .version = 5,
        .description = "lifecycle history's entity index led by the entity",
        .sqlite_sql = HISTORY_ENTITY_FIRST,
        .postgresql_sql = HISTORY_ENTITY_FIRST,
    },
    {
        .version = 6,
        .description = "nonces keyed by expiry first",
        .sqlite_sql = NONCES_BY_EXPIRY(" WITHOUT ROWID"),
        .postgresql_sql = NONCES_BY_EXPIRY(""),
    },
};

aw_err platform_migrate(db_connection *db)
{
    if (db == NULL)
        return AW_ERR_ARGUMENT;
    /* callback deliveries are db_queue jobs, enqueued with the business rows */
    aw_err err = db_queue_migrate(db);
    if (err != AW_OK)
        return err;
    err = db_migrate(db, "platform", migrations, sizeof(migrations) / sizeof(migrations[0]),
                     NULL);
    if (err == AW_OK) /* the crypto suite of each app (apps.c, issue 8), own component */
        err = platform_suite_migrate(db);
    if (err == AW_OK) /* order progress counters, item times (order_progress.c) */
        err = platform_order_progress_migrate(db);
    if (err == AW_OK) /* the executor's rows (executor_store.c), own component */
        err = platform_executor_migrate(db);
    if (err == AW_OK) /* card operations as eIM PSMOs (card_ops.c), own component */
        err = platform_card_ops_migrate(db);
    if (err == AW_OK) /* graded exceptions (exceptions.c), own component */
        err = platform_exceptions_migrate(db);
    if (err == AW_OK) /* roles, users, sessions; core's audit and throttle (rbac.c) */
        err = platform_rbac_migrate(db);
    if (err == AW_OK) /* quality indicators (indicators.c), own component, after exceptions */
        err = platform_indicators_migrate(db);
    if (err == AW_OK) /* location-bound writing (location_store.c), own component */
        err = platform_location_migrate(db);
    if (err == AW_OK) /* card-device locking (device_lock.c), own component */
        err = platform_device_lock_migrate(db);
    if (err == AW_OK) /* encrypted terminal information (terminal_info_store.c), own component */
        err = platform_terminal_info_migrate(db);
    if (err != AW_OK)
        return err;
    /* number resources, business scope, cards, profiles (inventory.c) */
    return platform_inventory_migrate(db);
}
