/* airwrite platform: the operator's ES2+.HandleDownloadProgressInfo
 * endpoint (SGP.22 5.3.5 over the JSON binding 6.5.2.5, HTTPS with mutual
 * TLS per 2.6.6): the SM-DP+ tells the platform, which placed the order,
 * how the download of an item's profile went. Point 4 (BPP installation)
 * executed successfully makes the item written; a Failed status at any
 * point makes it failed (W3001 for points 1-3, W3002 for point 4); other
 * successes are progress only. Delivery is at least once: a repeated
 * notification, or one after the item ended, is answered 204 and changes
 * nothing. An ICCID of no item of this platform, or an EID other than the
 * item's, is refused (200 with a Failed status, so the SM-DP+ does not
 * retry it); a client certificate subject not configured as an SM-DP+'s
 * gets 403. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/es2p_client.h"
#include "platform/executor_internal.h"

#define NOTIFY_ACTOR "smdp"
#define NOTIFY_DEPTH 4u
#define NOTIFY_TEXT_MAX 256u           /* identifiers, profileType, timestamp, codes, message */
#define NOTIFY_POINT_INSTALLATION 4    /* SGP.22 5.3.5 notification point 4 */
#define NOTIFY_POINT_MAX 255

typedef struct notification {
    const char *iccid;
    const char *eid;                   /* NULL when absent */
    json_int_t point;
    bool success;
    const char *subject_code;          /* a failure's; NULL on success */
    const char *reason_code;
    const char *result_data;           /* resultData (base64), NULL when absent */
} notification;

/* The refusal of a notification: its codes (SGP.22 6.5.1.4). */
typedef struct refusal {
    const char *subject;
    const char *reason;
    const char *message;
    const char *identifier;            /* subjectIdentifier: the element concerned */
} refusal;

static bool depth_ok(const json_t *value, unsigned depth)
{
    if (depth > NOTIFY_DEPTH)
        return false;
    if (json_is_array(value))
        return false;
    if (json_is_object(value)) {
        const char *key;
        const json_t *member;
        json_object_foreach ((json_t *)value, key, member) {
            if (!depth_ok(member, depth + 1))
                return false;
        }
    }
    return true;
}

static bool members_known(const json_t *object, const char *const *allowed)
{
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

/* A string member of 1..max bytes; *missing / *invalid tell why not. */
static const char *text_member(const json_t *object, const char *name, size_t max,
                               refusal *why)
{
    const json_t *value = json_object_get(object, name);
    const char *text = json_string_value(value);
    if (value == NULL)
        *why = (refusal){"1", "2.2", "Mandatory Element Missing", name};
    else if (text == NULL || json_string_length(value) == 0 || json_string_length(value) > max ||
             strlen(text) != json_string_length(value))
        *why = (refusal){"1", "2.1", "Invalid Element", name};
    else
        return text;
    return NULL;
}

static bool digits(const char *text, size_t min, size_t max)
{
    size_t n = strlen(text);
    return n >= min && n <= max && strspn(text, "0123456789") == n;
}

/* SGP.22 6.5.2.5: header, eid?, iccid, profileType, timestamp,
 * notificationPointId, notificationPointStatus, resultData?. false with
 * *why set when the body is not that. */
static bool parse(const json_t *root, notification *n, refusal *why)
{
    static const char *const members[] = {"header", "eid", "iccid", "profileType", "timestamp",
                                          "notificationPointId", "notificationPointStatus",
                                          "resultData", NULL};
    static const char *const header_members[] = {"functionRequesterIdentifier",
                                                 "functionCallIdentifier", NULL};
    static const char *const status_members[] = {"status", "statusCodeData", NULL};
    static const char *const code_members[] = {"subjectCode", "reasonCode", "subjectIdentifier",
                                               "message", NULL};
    *why = (refusal){"1", "2.1", "Invalid Element", "body"};
    if (!json_is_object(root) || !depth_ok(root, 0) || !members_known(root, members))
        return false;
    const json_t *header = json_object_get(root, "header");
    if (header == NULL) {
        *why = (refusal){"1", "2.2", "Mandatory Element Missing", "header"};
        return false;
    }
    *why = (refusal){"1", "2.1", "Invalid Element", "header"};
    if (!json_is_object(header) || !members_known(header, header_members) ||
        text_member(header, "functionRequesterIdentifier", NOTIFY_TEXT_MAX, why) == NULL ||
        text_member(header, "functionCallIdentifier", NOTIFY_TEXT_MAX, why) == NULL)
        return false;
    n->iccid = text_member(root, "iccid", PLATFORM_ICCID_MAX, why);
    if (n->iccid == NULL)
        return false;
    if (!digits(n->iccid, 18, PLATFORM_ICCID_MAX)) {
        *why = (refusal){"1", "2.1", "Invalid Element", "iccid"};
        return false;
    }
    n->eid = NULL;
    if (json_object_get(root, "eid") != NULL) {
        n->eid = text_member(root, "eid", PLATFORM_EID_DIGITS, why);
        if (n->eid == NULL || !digits(n->eid, PLATFORM_EID_DIGITS, PLATFORM_EID_DIGITS)) {
            *why = (refusal){"1", "2.1", "Invalid Element", "eid"};
            return false;
        }
    }
    if (text_member(root, "profileType", NOTIFY_TEXT_MAX, why) == NULL ||
        text_member(root, "timestamp", NOTIFY_TEXT_MAX, why) == NULL)
        return false;
    const json_t *result = json_object_get(root, "resultData");
    n->result_data = NULL;
    if (result != NULL &&
        (n->result_data = text_member(root, "resultData", PLATFORM_EXECUTOR_NOTIFY_BODY_MAX,
                                      why)) == NULL)
        return false;
    const json_t *point = json_object_get(root, "notificationPointId");
    if (point == NULL) {
        *why = (refusal){"1", "2.2", "Mandatory Element Missing", "notificationPointId"};
        return false;
    }
    n->point = json_integer_value(point);
    if (!json_is_integer(point) || n->point < 1 || n->point > NOTIFY_POINT_MAX) {
        *why = (refusal){"1", "2.1", "Invalid Element", "notificationPointId"};
        return false;
    }
    const json_t *status = json_object_get(root, "notificationPointStatus");
    if (status == NULL) {
        *why = (refusal){"1", "2.2", "Mandatory Element Missing", "notificationPointStatus"};
        return false;
    }
    *why = (refusal){"1", "2.1", "Invalid Element", "notificationPointStatus"};
    if (!json_is_object(status) || !members_known(status, status_members))
        return false;
    const char *text = text_member(status, "status", NOTIFY_TEXT_MAX, why);
    if (text == NULL)
        return false;
    const json_t *code = json_object_get(status, "statusCodeData");
    n->success = strcmp(text, "Executed-Success") == 0 ||
                 strcmp(text, "Executed-WithWarning") == 0;
    *why = (refusal){"1", "2.1", "Invalid Element", "notificationPointStatus"};
    if (!n->success && strcmp(text, "Failed") != 0 && strcmp(text, "Expired") != 0)
        return false;
    n->subject_code = n->reason_code = NULL;
    if (code == NULL)
        return n->success; /* a failure carries its codes */
    if (!json_is_object(code) || !members_known(code, code_members))
        return false;
    n->subject_code = text_member(code, "subjectCode", NOTIFY_TEXT_MAX, why);
    n->reason_code = text_member(code, "reasonCode", NOTIFY_TEXT_MAX, why);
    const json_t *identifier = json_object_get(code, "subjectIdentifier");
    const json_t *message = json_object_get(code, "message");
    return n->subject_code != NULL && n->reason_code != NULL &&
           (identifier == NULL || json_is_string(identifier)) &&
           (message == NULL || json_is_string(message));
}

/* ---- The item --------------------------------------------------------------- */

typedef struct apply_args {
    const notification *n;
    int64_t now_ms;
    bool found;
    bool eid_mismatch;
} apply_args;

/* The item an ICCID was ordered for. */
typedef struct found_item {
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    char status[PLATFORM_STATE_MAX + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    char target_kind[16];
    char target[PLATFORM_TARGET_MAX + 1];
} found_item;

/* The item whose ES2+ order has this ICCID (the latest, when a profile came
 * back to the pool and served another item). */
static aw_err find_item(db_connection *db, const char *iccid, found_item *f)
{
    db_param key[] = {DB_PARAM_TEXT(iccid)};
    db_rows *rows = NULL;
    bool has_row = false;
    struct {
        char *out;
        size_t size;
    } columns[] = {{f->order_id, sizeof(f->order_id)}, {f->eid, sizeof(f->eid)},
                   {f->status, sizeof(f->status)},     {f->tenant, sizeof(f->tenant)},
                   {f->target_kind, sizeof(f->target_kind)}, {f->target, sizeof(f->target)}};
    aw_err err = db_query(db,
                          "SELECT e.order_id, e.eid, i.status, o.tenant, o.target_kind, "
                          "o.target FROM platform_executor_items e JOIN platform_order_items i "
                          "ON i.order_id = e.order_id AND i.eid = e.eid JOIN platform_orders o "
                          "ON o.order_id = e.order_id WHERE e.iccid = ? ORDER BY e.updated_at "
                          "DESC LIMIT 1",
                          key, 1, &rows);
    if (err == AW_OK)
        err = db_rows_next(rows, &has_row);
    if (err == AW_OK && !has_row)
        err = AW_ERR_NOT_FOUND;
    for (size_t i = 0; err == AW_OK && i < sizeof(columns) / sizeof(columns[0]); i++) {
        const char *text = NULL;
        err = db_rows_get_text(rows, i, &text);
        if (err == AW_OK && strlen(text) >= columns[i].size)
            err = AW_ERR_DB_TYPE;
        if (err == AW_OK)
            memcpy(columns[i].out, text, strlen(text) + 1);
    }
    db_rows_free(rows);
    return err;
}

/* The platform's records of a written item: card active, profile
 * installed, a pool number in use (SGP.22 5.3.5 point 4). Records that
 * refuse (a profile the operator already moved on, another card's number)
 * do not hold the item back: the card has its profile. */
static aw_err record_written(db_connection *db, const executor_result_item *f,
                             const platform_executor_item *row, const char *iccid,
                             const char *actor, int64_t now_ms)
{
    char profile_type[PLATFORM_TARGET_MAX + 1];
    snprintf(profile_type, sizeof(profile_type), "%s", f->target);
    aw_err err = AW_OK;
    if (strcmp(f->target_kind, "profileType") != 0 && row->msisdn[0] != '\0') {
        platform_number number;
        err = platform_number_get(db, f->tenant, row->msisdn, &number);
        if (err == AW_OK)
            snprintf(profile_type, sizeof(profile_type), "%s", number.profile_type);
    }
    platform_profile_record record = {.tenant = f->tenant, .eid = f->eid, .iccid = iccid,
                                      .msisdn = row->msisdn, .profile_type = profile_type,
                                      .order_id = f->order_id};
    if (err == AW_OK)
        err = platform_profile_record_written(db, &record, actor, now_ms);
    if (err == AW_ERR_PLATFORM_TRANSITION || err == AW_ERR_NOT_FOUND ||
        err == AW_ERR_PLATFORM_ICCID || err == AW_ERR_ARGUMENT)
        err = AW_OK;
    return err;
}

aw_err executor_item_written(db_connection *db, const executor_result_item *item,
                             platform_executor_item *row, const char *iccid, const char *actor,
                             const char *cause, int64_t now_ms)
{
    aw_err err = platform_order_item_transition(db, item->order_id, item->eid, "written", NULL,
                                                cause, actor, now_ms);
    if (err == AW_OK)
        err = record_written(db, item, row, iccid, actor, now_ms);
    snprintf(row->stage, sizeof(row->stage), "%s", EXECUTOR_STAGE_DONE);
    row->deadline_ms = 0;
    if (err == AW_OK)
        err = platform_executor_item_write(db, item->order_id, item->eid, row, now_ms);
    return err;
}

static aw_err apply_in(db_connection *db, void *arg)
{
    apply_args *a = arg;
    const notification *n = a->n;
    found_item f;
    a->found = a->eid_mismatch = false;
    aw_err err = find_item(db, n->iccid, &f);
    const char *order_id = f.order_id, *eid = f.eid, *status = f.status;
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    if (err != AW_OK)
        return err;
    a->found = true;
    if (n->eid != NULL && strcmp(n->eid, eid) != 0) {
        a->eid_mismatch = true;
        return AW_OK;
    }
    /* progress only, or a result for an item that already ended (a repeat,
     * or one after its timeout): received, nothing changes */
    bool final = !n->success || n->point == NOTIFY_POINT_INSTALLATION;
    if (!final || strcmp(status, "in_progress") != 0)
        return AW_OK;
    platform_executor_item row;
    err = platform_executor_item_read(db, order_id, eid, &row);
    if (err != AW_OK)
        return err;
    const char *code = NULL, *cause = "profile installed (SM-DP+ notification point 4)";
    if (!n->success) {
        code = platform_item_error_code(n->point == NOTIFY_POINT_INSTALLATION
                                            ? PLATFORM_ITEM_INSTALLATION_FAILED
                                            : PLATFORM_ITEM_DOWNLOAD_FAILED);
        cause = n->point == NOTIFY_POINT_INSTALLATION ? "installation failed (SM-DP+ notification)"
                                                      : "download failed (SM-DP+ notification)";
        /* W7402: the eUICC had no room (its errorReason in resultData, profile_limit_result.c) */
        const char *full = n->point == NOTIFY_POINT_INSTALLATION && n->result_data != NULL
                               ? platform_profile_limit_failure_code(n->result_data, 0)
                               : NULL;
        code = full != NULL ? full : code;
    }
    if (n->success) {
        executor_result_item item = {.order_id = order_id, .eid = eid, .tenant = f.tenant,
                                     .target_kind = f.target_kind, .target = f.target};
        return executor_item_written(db, &item, &row, n->iccid, NOTIFY_ACTOR, cause, a->now_ms);
    }
    err = platform_order_item_transition(db, order_id, eid, "failed", code, cause, NOTIFY_ACTOR,
                                         a->now_ms);
    if (err == AW_OK)
        err = executor_release_inventory(db, f.tenant, &row, cause, a->now_ms);
    snprintf(row.stage, sizeof(row.stage), "%s", EXECUTOR_STAGE_DONE);
    row.deadline_ms = 0;
    if (err == AW_OK)
        err = platform_executor_item_write(db, order_id, eid, &row, a->now_ms);
    return err;
}

static bool subject_allowed(const platform_executor *x, const char *subject)
{
    if (x->config.smdp_subjects == NULL)
        return subject != NULL;
    for (size_t i = 0; subject != NULL && i < x->config.smdp_subject_count; i++)
        if (strcmp(subject, x->config.smdp_subjects[i]) == 0)
            return true;
    return false;
}

/* {"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{...}}}} */
static aw_err refusal_body(const refusal *why, char **answer)
{
    json_t *root = json_pack("{s:{s:{s:s, s:{s:s, s:s, s:s}}}}", "header",
                             "functionExecutionStatus", "status", "Failed", "statusCodeData",
                             "subjectCode", why->subject, "reasonCode", why->reason, "message",
                             why->message);
    if (root == NULL)
        return AW_ERR_NOMEM;
    json_t *data = json_object_get(json_object_get(json_object_get(root, "header"),
                                                   "functionExecutionStatus"),
                                   "statusCodeData");
    if (why->identifier != NULL)
        json_object_set_new(data, "subjectIdentifier", json_string(why->identifier));
    *answer = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return *answer != NULL ? AW_OK : AW_ERR_NOMEM;
}

aw_err platform_executor_handle_notification(platform_executor *executor,
                                             const char *peer_subject, const uint8_t *body,
                                             size_t len, int64_t now_ms, int *http_status,
                                             char **answer)
{
    if (answer != NULL)
        *answer = NULL;
    if (http_status != NULL)
        *http_status = 0;
    if (executor == NULL || http_status == NULL || answer == NULL || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    if (!subject_allowed(executor, peer_subject)) {
        *http_status = 403;
        return AW_OK;
    }
    refusal why = {"1", "2.1", "Invalid Element", "body"};
    notification n;
    json_error_t error;
    json_t *root = NULL;
    bool ok = len > 0 && len <= PLATFORM_EXECUTOR_NOTIFY_BODY_MAX;
    if (ok)
        root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    ok = root != NULL && parse(root, &n, &why);
    aw_err err = AW_OK;
    if (ok) {
        apply_args a = {.n = &n, .now_ms = now_ms};
        err = db_transaction_run(executor->notify_db, apply_in, &a, NULL);
        if (err == AW_OK && !a.found)
            why = (refusal){"8.2.1", "3.9", "Profile ICCID - Unknown", "iccid"};
        else if (err == AW_OK && a.eid_mismatch)
            why = (refusal){"8.1.1", "3.10", "EID - Invalid Association", "eid"};
        ok = err == AW_OK && a.found && !a.eid_mismatch;
    }
    if (err == AW_OK && ok)
        *http_status = 204;
    else if (err == AW_OK) {
        err = refusal_body(&why, answer);
        if (err == AW_OK)
            *http_status = 200;
    }
    json_decref(root);
    return err;
}

static void notify_handler(http_request *request, void *userdata)
{
    platform_executor *x = userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    int status = 0;
    char *answer = NULL;
    aw_err err = platform_executor_handle_notification(x, http_request_peer_subject(request),
                                                       body, len, executor_now(x), &status,
                                                       &answer);
    if (err != AW_OK) {
        /* the SM-DP+ retries a notification that was not taken */
        http_request_set_status(request, 500);
        return;
    }
    http_request_set_status(request, status);
    if (answer != NULL) {
        http_request_add_header(request, "Content-Type", "application/json;charset=UTF-8");
        /* SGP.22 6.5.1: the answer carries the protocol version */
        http_request_add_header(request, "X-Admin-Protocol", ES2P_CLIENT_ADMIN_PROTOCOL);
        http_request_set_body(request, answer, strlen(answer));
        free(answer);
    }
}

aw_err platform_executor_register_notifications(platform_executor *executor,
                                                http_server *server)
{
    if (executor == NULL || server == NULL)
        return AW_ERR_ARGUMENT;
    return http_server_route(server, AW_HTTP_METHOD_POST, PLATFORM_EXECUTOR_NOTIFY_PATH,
                             notify_handler, executor);
}
