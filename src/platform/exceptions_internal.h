/* airwrite platform: what the exception files share (platform_exceptions.h). */
#ifndef AIRWRITE_PLATFORM_EXCEPTIONS_INTERNAL_H
#define AIRWRITE_PLATFORM_EXCEPTIONS_INTERNAL_H

#include "platform/platform_internal.h"

#define EXCEPTION_ACTOR_SYSTEM "system"

/* The columns read_exception expects, in its order (table alias-free). */
#define EXCEPTION_COLUMNS                                                                     \
    "exception_id, tenant, error_class, code, grade, state, source, object, detail, "         \
    "order_id, eid, iccid, callback_id, app_id, count, escalations, first_seen, last_seen, "  \
    "state_since, resolved_at, closed_at, report_at, seq"

/* The current row of a query selecting EXCEPTION_COLUMNS. */
aw_err exception_read_row(db_rows *rows, platform_exception *out);

/* policy, or (NULL) the defaults written into *defaults. */
const platform_exception_policy *exception_policy_or_default(
    const platform_exception_policy *policy, platform_exception_policy *defaults);

/* Time limit of class x grade in policy (NULL: the defaults). */
int64_t exception_time_limit(const platform_exception_policy *policy,
                             platform_error_class error_class, platform_exception_grade grade);

/* Class of a cause code's letter; 0 for another letter. */
platform_error_class exception_class_of_code(const char *code);

/* Whether the state is one with a time limit (open, acknowledged, handling). */
bool exception_state_unresolved(const char *state);

/* Append one history row. from NULL: the creation. */
aw_err exception_history_add(db_connection *db, const char *exception_id, const char *from,
                             const char *to, platform_exception_grade grade, const char *actor,
                             const char *note, int64_t now_ms);

/* A POST /api/v1/exceptions/{id}/report body (api_exceptions.c):
 * {"text", "attachments": [{"name", "contentType", "data" (base64)}]},
 * at most PLATFORM_EXCEPTION_REPORT_BODY_MAX bytes, the attachments
 * decoded. AW_ERR_PLATFORM_JSON, AW_ERR_PLATFORM_FIELD (a member missing,
 * malformed or unknown, bad base64, a NUL in text),
 * AW_ERR_PLATFORM_REPORT_LIMIT (more than PLATFORM_EXCEPTION_ATTACHMENTS_MAX
 * attachments or one over PLATFORM_EXCEPTION_ATTACHMENT_MAX); the text's
 * own bound is platform_exception_report's. Clear after AW_OK. */
typedef struct exception_report_body {
    struct json_t *root;
    const char *text;            /* in root */
    platform_exception_attachment attachments[PLATFORM_EXCEPTION_ATTACHMENTS_MAX];
    uint8_t *data[PLATFORM_EXCEPTION_ATTACHMENTS_MAX];
    size_t count;
} exception_report_body;

aw_err exception_report_body_parse(const uint8_t *body, size_t len, exception_report_body *out);
void exception_report_body_clear(exception_report_body *body);

/* Text up to size - 1 bytes, cut on a UTF-8 character boundary. */
void exception_copy_text(char *out, size_t size, const char *text);

#endif
