/* airwrite platform: the lifecycle state machines of 《物联网 eSIM 空中写卡
 * 技术应用服务规范》 (全生命周期状态管理) for cards (eUICCs), profiles,
 * number resources (MSISDN/IMSI), write orders and order items. Each machine
 * is a table of allowed transitions; every transition is recorded with its
 * cause, actor and time (platform_lifecycle_history), and a transition the
 * table does not hold is refused with AW_ERR_PLATFORM_TRANSITION.
 * docs/lifecycle.md shows the same tables as diagrams. */
#include <stdlib.h>
#include <string.h>

#include "platform/platform_internal.h"

typedef struct transition {
    const char *from;
    const char *to;
} transition;

typedef struct machine_table {
    const char *name;
    const char *const *states; /* the first is the initial state */
    size_t state_count;
    const transition *transitions;
    size_t transition_count;
} machine_table;

/* eUICC: known to the platform (registered), in service, suspended by the
 * operator, retired for good (SGP.32 eUICC lifecycle as the platform sees it). */
static const char *const card_states[] = {"registered", "active", "suspended", "retired"};
static const transition card_transitions[] = {
    {"registered", "active"}, {"registered", "retired"}, {"active", "suspended"},
    {"suspended", "active"},  {"active", "retired"},     {"suspended", "retired"},
};

/* Profile: from the SM-DP+ inventory to the card (SGP.22 3.1.3 download,
 * 3.2 local profile management: enable, disable, delete). */
static const char *const profile_states[] = {"available", "reserved", "downloaded", "installed",
                                             "enabled",   "disabled", "deleted"};
static const transition profile_transitions[] = {
    {"available", "reserved"},  {"reserved", "available"}, {"reserved", "downloaded"},
    {"downloaded", "installed"}, {"downloaded", "available"}, {"installed", "enabled"},
    {"installed", "deleted"},   {"enabled", "disabled"},   {"disabled", "enabled"},
    {"disabled", "deleted"},
};

/* Number resource (MSISDN/IMSI): free -> reserved -> in use -> cooling ->
 * free; a reservation that is not used goes back to free. */
static const char *const number_states[] = {"free", "reserved", "in_use", "cooling"};
static const transition number_transitions[] = {
    {"free", "reserved"}, {"reserved", "free"}, {"reserved", "in_use"},
    {"in_use", "cooling"}, {"cooling", "free"},
};

/* Write order: accepted until its first item starts; finished when no item
 * is pending or in progress; a retry of failed items reopens it. */
static const char *const order_states[] = {"accepted", "processing", "completed",
                                           "partially_completed", "failed", "cancelled"};
static const transition order_transitions[] = {
    {"accepted", "processing"},          {"accepted", "cancelled"},
    {"processing", "completed"},         {"processing", "partially_completed"},
    {"processing", "failed"},            {"processing", "cancelled"},
    {"partially_completed", "processing"}, {"failed", "processing"},
};

/* Order item: one EID of an order. */
static const char *const item_states[] = {"pending", "in_progress", "written", "failed",
                                          "cancelled"};
static const transition item_transitions[] = {
    {"pending", "in_progress"}, {"pending", "cancelled"}, {"in_progress", "written"},
    {"in_progress", "failed"},  {"in_progress", "pending"}, /* lease lost: run again */
    {"failed", "pending"},                                  /* retry */
    /* the order was cancelled before the device took the item's download
     * trigger (executor_item.c) */
    {"in_progress", "cancelled"},
};

#define TABLE(n, s, t)                                                                         \
    {.name = n, .states = s, .state_count = sizeof(s) / sizeof(s[0]), .transitions = t,       \
     .transition_count = sizeof(t) / sizeof(t[0])}

static const machine_table machines[PLATFORM_LIFECYCLE__COUNT] = {
    [PLATFORM_LIFECYCLE_CARD] = TABLE("card", card_states, card_transitions),
    [PLATFORM_LIFECYCLE_PROFILE] = TABLE("profile", profile_states, profile_transitions),
    [PLATFORM_LIFECYCLE_NUMBER] = TABLE("number", number_states, number_transitions),
    [PLATFORM_LIFECYCLE_ORDER] = TABLE("order", order_states, order_transitions),
    [PLATFORM_LIFECYCLE_ORDER_ITEM] = TABLE("orderItem", item_states, item_transitions),
};

static const machine_table *machine_get(platform_lifecycle_machine machine)
{
    if ((unsigned)machine >= PLATFORM_LIFECYCLE__COUNT)
        return NULL;
    return &machines[machine];
}

const char *platform_lifecycle_machine_name(platform_lifecycle_machine machine)
{
    const machine_table *table = machine_get(machine);
    return table != NULL ? table->name : NULL;
}

const char *platform_lifecycle_initial_state(platform_lifecycle_machine machine)
{
    const machine_table *table = machine_get(machine);
    return table != NULL ? table->states[0] : NULL;
}

bool platform_lifecycle_state_valid(platform_lifecycle_machine machine, const char *state)
{
    const machine_table *table = machine_get(machine);
    if (table == NULL || state == NULL)
        return false;
    for (size_t i = 0; i < table->state_count; i++)
        if (strcmp(table->states[i], state) == 0)
            return true;
    return false;
}

bool platform_lifecycle_allowed(platform_lifecycle_machine machine, const char *from,
                                const char *to)
{
    const machine_table *table = machine_get(machine);
    if (table == NULL || from == NULL || to == NULL)
        return false;
    for (size_t i = 0; i < table->transition_count; i++)
        if (strcmp(table->transitions[i].from, from) == 0 &&
            strcmp(table->transitions[i].to, to) == 0)
            return true;
    return false;
}

size_t platform_lifecycle_transition_count(platform_lifecycle_machine machine)
{
    const machine_table *table = machine_get(machine);
    return table != NULL ? table->transition_count : 0;
}

aw_err platform_lifecycle_transition_at(platform_lifecycle_machine machine, size_t index,
                                        const char **from, const char **to)
{
    const machine_table *table = machine_get(machine);
    if (from != NULL)
        *from = NULL;
    if (to != NULL)
        *to = NULL;
    if (table == NULL || index >= table->transition_count || from == NULL || to == NULL)
        return AW_ERR_ARGUMENT;
    *from = table->transitions[index].from;
    *to = table->transitions[index].to;
    return AW_OK;
}

static bool text_valid(const char *text, size_t max)
{
    if (text == NULL)
        return false;
    size_t len = strlen(text);
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return false;
    return true;
}

bool platform_lifecycle_actor_valid(const char *actor)
{
    return text_valid(actor, PLATFORM_ACTOR_MAX);
}

bool platform_entity_id_valid(const char *entity_id)
{
    if (entity_id == NULL)
        return false;
    size_t len = strlen(entity_id);
    if (len == 0 || len > PLATFORM_ENTITY_ID_MAX)
        return false;
    return strspn(entity_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") ==
           len;
}

aw_err platform_lifecycle_record(db_connection *db, platform_lifecycle_machine machine,
                                 const char *tenant, const char *entity_id, const char *from,
                                 const char *to, const char *cause, const char *actor,
                                 int64_t now_ms)
{
    const machine_table *table = machine_get(machine);
    if (db == NULL || table == NULL || tenant == NULL || !platform_entity_id_valid(entity_id) ||
        !platform_lifecycle_state_valid(machine, to) || !text_valid(cause, PLATFORM_CAUSE_MAX) ||
        !text_valid(actor, PLATFORM_ACTOR_MAX))
        return AW_ERR_ARGUMENT;
    db_param params[] = {DB_PARAM_TEXT(table->name),
                         DB_PARAM_TEXT(tenant),
                         DB_PARAM_TEXT(entity_id),
                         from != NULL ? DB_PARAM_TEXT(from) : DB_PARAM_NULL,
                         DB_PARAM_TEXT(to),
                         DB_PARAM_TEXT(cause),
                         DB_PARAM_TEXT(actor),
                         DB_PARAM_INT64(now_ms)};
    return db_execute(db,
                      "INSERT INTO platform_lifecycle_history (machine, tenant, entity_id, "
                      "from_state, to_state, cause, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      params, 8, NULL);
}

aw_err platform_in_transaction(db_connection *db, db_transaction_fn fn, void *arg)
{
    if (db_in_transaction(db))
        return fn(db, arg);
    return db_transaction_run(db, fn, arg, NULL);
}

/* Machines whose state lives in platform_lifecycle_states. */
static bool kept_here(platform_lifecycle_machine machine)
{
    return machine == PLATFORM_LIFECYCLE_CARD || machine == PLATFORM_LIFECYCLE_PROFILE ||
           machine == PLATFORM_LIFECYCLE_NUMBER;
}

static bool names_valid(platform_lifecycle_machine machine, const char *tenant,
                        const char *entity_id, const char *cause, const char *actor)
{
    return kept_here(machine) && platform_tenant_valid(tenant) &&
           platform_entity_id_valid(entity_id) && text_valid(cause, PLATFORM_CAUSE_MAX) &&
           text_valid(actor, PLATFORM_ACTOR_MAX);
}

typedef struct change {
    platform_lifecycle_machine machine;
    const char *tenant;
    const char *entity_id;
    const char *to;
    const char *cause;
    const char *actor;
    int64_t now_ms;
    char *from; /* out: PLATFORM_STATE_MAX + 1 */
} change;

/* The "lifecycle.changed" callback event, in the change's transaction. */
static aw_err emit_changed(db_connection *db, const change *c, const char *from, const char *to)
{
    return platform_event_emitf(db, c->tenant, PLATFORM_EVENT_LIFECYCLE_CHANGED, c->now_ms,
                                "{s:s, s:s, s:s?, s:s, s:s, s:s}", "machine",
                                machines[c->machine].name, "entityId", c->entity_id, "from", from,
                                "to", to, "cause", c->cause, "actor", c->actor);
}

static aw_err create_in(db_connection *db, void *arg)
{
    const change *c = arg;
    const char *initial = machines[c->machine].states[0];
    int64_t exists = 0;
    db_param key[] = {DB_PARAM_TEXT(machines[c->machine].name), DB_PARAM_TEXT(c->tenant),
                      DB_PARAM_TEXT(c->entity_id)};
    aw_err err = db_query_int64(db,
                                "SELECT COUNT(*) FROM platform_lifecycle_states WHERE machine = ? "
                                "AND tenant = ? AND entity_id = ?",
                                key, 3, &exists);
    if (err != AW_OK)
        return err;
    if (exists != 0)
        return AW_ERR_STATE;
    db_param params[] = {key[0], key[1], key[2], DB_PARAM_TEXT(initial),
                         DB_PARAM_INT64(c->now_ms)};
    err = db_execute(db,
                     "INSERT INTO platform_lifecycle_states (machine, tenant, entity_id, state, "
                     "updated_at) VALUES (?, ?, ?, ?, ?)",
                     params, 5, NULL);
    if (err == AW_OK)
        err = platform_lifecycle_record(db, c->machine, c->tenant, c->entity_id, NULL, initial,
                                        c->cause, c->actor, c->now_ms);
    if (err == AW_OK)
        err = emit_changed(db, c, NULL, initial);
    return err;
}

aw_err platform_lifecycle_create(db_connection *db, platform_lifecycle_machine machine,
                                 const char *tenant, const char *entity_id, const char *cause,
                                 const char *actor, int64_t now_ms)
{
    if (db == NULL || !names_valid(machine, tenant, entity_id, cause, actor))
        return AW_ERR_ARGUMENT;
    change c = {.machine = machine, .tenant = tenant, .entity_id = entity_id, .cause = cause,
                .actor = actor, .now_ms = now_ms};
    return platform_in_transaction(db, create_in, &c);
}

static aw_err state_read(db_connection *db, platform_lifecycle_machine machine,
                         const char *tenant, const char *entity_id,
                         char state[PLATFORM_STATE_MAX + 1])
{
    db_param key[] = {DB_PARAM_TEXT(machines[machine].name), DB_PARAM_TEXT(tenant),
                      DB_PARAM_TEXT(entity_id)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT state FROM platform_lifecycle_states WHERE machine = ? AND "
                          "tenant = ? AND entity_id = ?",
                          key, 3, &rows);
    bool has_row = false;
    const char *text = NULL;
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK)
        err = db_rows_get_text(rows, 0, &text);
    if (err == AW_OK && strlen(text) > PLATFORM_STATE_MAX)
        err = AW_ERR_DB_TYPE;
    if (err == AW_OK)
        memcpy(state, text, strlen(text) + 1);
    db_rows_free(rows);
    return err;
}

static aw_err transition_in(db_connection *db, void *arg)
{
    change *c = arg;
    aw_err err = state_read(db, c->machine, c->tenant, c->entity_id, c->from);
    if (err != AW_OK)
        return err;
    if (!platform_lifecycle_allowed(c->machine, c->from, c->to))
        return AW_ERR_PLATFORM_TRANSITION;
    db_param params[] = {DB_PARAM_TEXT(c->to), DB_PARAM_INT64(c->now_ms),
                         DB_PARAM_TEXT(machines[c->machine].name), DB_PARAM_TEXT(c->tenant),
                         DB_PARAM_TEXT(c->entity_id), DB_PARAM_TEXT(c->from)};
    int64_t changed = 0;
    err = db_execute(db,
                     "UPDATE platform_lifecycle_states SET state = ?, updated_at = ? WHERE "
                     "machine = ? AND tenant = ? AND entity_id = ? AND state = ?",
                     params, 6, &changed);
    if (err == AW_OK && changed != 1)
        err = AW_ERR_DB_BUSY; /* changed under us (READ COMMITTED caller): try again */
    if (err == AW_OK)
        err = platform_lifecycle_record(db, c->machine, c->tenant, c->entity_id, c->from, c->to,
                                        c->cause, c->actor, c->now_ms);
    if (err == AW_OK)
        err = emit_changed(db, c, c->from, c->to);
    return err;
}

aw_err platform_lifecycle_transition(db_connection *db, platform_lifecycle_machine machine,
                                     const char *tenant, const char *entity_id, const char *to,
                                     const char *cause, const char *actor, int64_t now_ms,
                                     char from[PLATFORM_STATE_MAX + 1])
{
    char current[PLATFORM_STATE_MAX + 1] = "";
    if (from != NULL)
        from[0] = '\0';
    if (db == NULL || !names_valid(machine, tenant, entity_id, cause, actor) ||
        !platform_lifecycle_state_valid(machine, to))
        return AW_ERR_ARGUMENT;
    change c = {.machine = machine, .tenant = tenant, .entity_id = entity_id, .to = to,
                .cause = cause, .actor = actor, .now_ms = now_ms, .from = current};
    aw_err err = platform_in_transaction(db, transition_in, &c);
    if (from != NULL)
        memcpy(from, current, sizeof(current));
    return err;
}

aw_err platform_lifecycle_get(db_connection *db, platform_lifecycle_machine machine,
                              const char *tenant, const char *entity_id,
                              char state[PLATFORM_STATE_MAX + 1])
{
    if (state != NULL)
        state[0] = '\0';
    if (db == NULL || state == NULL || !kept_here(machine) || !platform_tenant_valid(tenant) ||
        !platform_entity_id_valid(entity_id))
        return AW_ERR_ARGUMENT;
    return state_read(db, machine, tenant, entity_id, state);
}

static aw_err copy_text(db_rows *rows, size_t column, char *out, size_t size, bool nullable)
{
    if (nullable && db_rows_column_type(rows, column) == DB_TYPE_NULL) {
        out[0] = '\0';
        return AW_OK;
    }
    const char *text = NULL;
    aw_err err = db_rows_get_text(rows, column, &text);
    if (err != AW_OK)
        return err;
    size_t len = strlen(text);
    if (len >= size)
        return AW_ERR_DB_TYPE;
    memcpy(out, text, len + 1);
    return AW_OK;
}

aw_err platform_lifecycle_history(db_connection *db, platform_lifecycle_machine machine,
                                  const char *tenant, const char *entity_id, size_t max,
                                  platform_lifecycle_event **events, size_t *count)
{
    if (events != NULL)
        *events = NULL;
    if (count != NULL)
        *count = 0;
    const machine_table *table = machine_get(machine);
    if (db == NULL || table == NULL || events == NULL || count == NULL || max == 0 ||
        max > INT32_MAX || tenant == NULL || !platform_entity_id_valid(entity_id))
        return AW_ERR_ARGUMENT;
    platform_lifecycle_event *list = calloc(max, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    db_param params[] = {DB_PARAM_TEXT(table->name), DB_PARAM_TEXT(tenant),
                         DB_PARAM_TEXT(entity_id), DB_PARAM_INT64((int64_t)max)};
    db_rows *rows = NULL;
    aw_err err = db_query(db,
                          "SELECT from_state, to_state, cause, actor, at FROM "
                          "platform_lifecycle_history WHERE machine = ? AND tenant = ? AND "
                          "entity_id = ? ORDER BY id LIMIT ?",
                          params, 4, &rows);
    size_t n = 0;
    bool has_row = true;
    while (err == AW_OK && n < max) {
        err = db_rows_next(rows, &has_row);
        if (err != AW_OK || !has_row)
            break;
        platform_lifecycle_event *e = &list[n];
        err = copy_text(rows, 0, e->from, sizeof(e->from), true);
        if (err == AW_OK)
            err = copy_text(rows, 1, e->to, sizeof(e->to), false);
        if (err == AW_OK)
            err = copy_text(rows, 2, e->cause, sizeof(e->cause), false);
        if (err == AW_OK)
            err = copy_text(rows, 3, e->actor, sizeof(e->actor), false);
        if (err == AW_OK)
            err = db_rows_get_int64(rows, 4, &e->at_ms);
        n++;
    }
    db_rows_free(rows);
    if (err != AW_OK || n == 0) {
        free(list);
        return err;
    }
    *events = list;
    *count = n;
    return AW_OK;
}
