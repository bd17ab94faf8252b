/* airwrite platform: graded exception handling (异常处理) of
 * 《物联网 eSIM 空中写卡技术应用服务规范》 (issue 7), part of the platform's
 * one public header (included at the end of platform/platform.h; include
 * that, not this). docs/exceptions.md describes classes, grades, causes,
 * signals, time limits, states, escalation and the review report. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_EXCEPTIONS_H
#define AIRWRITE_PLATFORM_PLATFORM_EXCEPTIONS_H

/* ---- Exceptions (exceptions.c, exception_detect.c, exception_review.c) ---- */

/* An exception is one of the standard's four classes (platform_error_class:
 * application, write, interface, terminal) with a cause code (an A/W/I/T
 * code of docs/api-errors.md or docs/exceptions.md), a grade, its source,
 * the objects it affects (order, EID, ICCID, callback, app) and a time
 * limit for its current state taken from the policy (class x grade).
 * Signals of one cause on one object while an exception about them is not
 * yet resolved bump its count and last_seen instead of adding a row. */

#define PLATFORM_EXCEPTION_ID_LENGTH 28u  /* "exc_" + 24 hex digits */
#define PLATFORM_EXCEPTION_CODE_MAX 8u    /* "W3001" */
#define PLATFORM_EXCEPTION_NOTE_MAX 512u
#define PLATFORM_EXCEPTION_PAGE_MAX 500u
#define PLATFORM_EXCEPTION_REPORT_TEXT_MAX 8000u        /* bytes of UTF-8 */
#define PLATFORM_EXCEPTION_ATTACHMENTS_MAX 4u
#define PLATFORM_EXCEPTION_ATTACHMENT_MAX (160u * 1024u) /* decoded bytes, each */
#define PLATFORM_EXCEPTION_ATTACHMENT_NAME_MAX 128u
#define PLATFORM_EXCEPTION_REPORT_BODY_MAX (1024u * 1024u) /* POST .../report: the server's bound */
#define PLATFORM_EXCEPTION_QUEUE "platform.exceptions"

/* Grades, lowest first (一般, 较大, 重大, 特别重大). */
typedef enum platform_exception_grade {
    PLATFORM_GRADE_GENERAL = 1,     /* 一般 */
    PLATFORM_GRADE_SIGNIFICANT = 2, /* 较大 */
    PLATFORM_GRADE_SERIOUS = 3,     /* 重大: closing needs a report */
    PLATFORM_GRADE_CRITICAL = 4,    /* 特别重大: closing needs a report */
} platform_exception_grade;

/* "general", "significant", "serious", "critical"; NULL outside the enum. */
const char *platform_exception_grade_name(platform_exception_grade grade);
/* The grade of a name; 0 if unknown. */
platform_exception_grade platform_exception_grade_from_name(const char *name);
/* "application", "write", "interface", "terminal"; NULL outside the enum. */
const char *platform_error_class_name(platform_error_class error_class);
/* The class of a name; 0 if unknown. */
platform_error_class platform_error_class_from_name(const char *name);

/* Time limits and detection thresholds (airwrited [exceptions]). */
typedef struct platform_exception_policy {
    /* How long an exception may stay in one unresolved state (open,
     * acknowledged, handling) before it is escalated, per class and grade:
     * time_limit_ms[class - 1][grade - 1]. */
    int64_t time_limit_ms[4][4];
    int64_t silence_ms;          /* terminal: no eIM contact for longer (T1001) */
    int64_t api_window_ms;       /* interface: window of the error-rate count */
    int64_t api_error_threshold; /* refused calls of one app in one window (I5003) */
    int64_t sweep_interval_ms;   /* the executor's sweep job: escalation, silent devices */
} platform_exception_policy;

#define PLATFORM_EXCEPTION_DEFAULT_CRITICAL_MS (3600LL * 1000)          /* 1 h */
#define PLATFORM_EXCEPTION_DEFAULT_SERIOUS_MS (4 * 3600LL * 1000)       /* 4 h */
#define PLATFORM_EXCEPTION_DEFAULT_SIGNIFICANT_MS (24 * 3600LL * 1000)  /* 24 h */
#define PLATFORM_EXCEPTION_DEFAULT_GENERAL_MS (72 * 3600LL * 1000)      /* 72 h */
#define PLATFORM_EXCEPTION_DEFAULT_SILENCE_MS (24 * 3600LL * 1000)
#define PLATFORM_EXCEPTION_DEFAULT_API_WINDOW_MS (60 * 1000)
#define PLATFORM_EXCEPTION_DEFAULT_API_ERRORS 100
#define PLATFORM_EXCEPTION_DEFAULT_SWEEP_MS (60 * 1000)
/* Unresolved write failures of one EID that make its terminal suspect (T1002). */
#define PLATFORM_EXCEPTION_REPEATS 3
#define PLATFORM_EXCEPTION_LIMIT_MAX_MS (90 * 86400LL * 1000)

/* The documented defaults. */
void platform_exception_policy_default(platform_exception_policy *policy);
/* Set one setting from its configuration text (airwrited [exceptions]):
 * key "<class>_<grade>" (e.g. "write_serious") takes a duration "<n>s|m|h|d" of 1 s to 90 days;
 * "silence", "api_window" and "sweep_interval" durations;
 * "api_error_threshold" an integer 1..1000000. AW_ERR_CONFIG_KEY: unknown key;
 * AW_ERR_CONFIG_VALUE: malformed or out of range. */
aw_err platform_exception_policy_set(platform_exception_policy *policy, const char *key,
                                     const char *value);
/* Whole-policy check: every value in range and, within a class, a higher
 * grade never allowed longer than a lower one. AW_ERR_CONFIG_CONFLICT. */
aw_err platform_exception_policy_check(const platform_exception_policy *policy);

/* Create or upgrade the exception tables (db_migrate component
 * "platform_exceptions"); platform_migrate calls it. */
aw_err platform_exceptions_migrate(db_connection *db);

/* A signal: what happened, where (the affected objects; unknown ones NULL). */
typedef struct platform_exception_signal {
    const char *tenant;      /* required */
    const char *code;        /* required: cause code, its letter the class */
    const char *source;      /* required: "orders", "executor", "callbacks", "api", "eim" */
    const char *object;      /* required: the object deduplicated on, e.g. "eid:<EID>" */
    const char *detail;      /* what was seen (<= PLATFORM_CAUSE_MAX), NULL: the cause's text */
    const char *order_id;
    const char *eid;
    const char *iccid;
    const char *callback_id;
    const char *app_id;
    platform_exception_grade grade; /* 0: the cause's default grade */
} platform_exception_signal;

/* Record a signal in the caller's transaction (or one of its own): a new
 * exception (event exception.raised to the tenant's callbacks) or, when one
 * about the same class, cause and object is not yet resolved, its count and
 * last_seen bumped (and grade raised to signal->grade when that is higher).
 * exception_id (may be NULL) receives the exception's id, created whether it
 * was new. AW_ERR_ARGUMENT: a required member missing or malformed. */
aw_err platform_exception_record(db_connection *db, const platform_exception_policy *policy,
                                 const platform_exception_signal *signal, int64_t now_ms,
                                 char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1],
                                 bool *created);

typedef struct platform_exception {
    char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    platform_error_class error_class;
    char code[PLATFORM_EXCEPTION_CODE_MAX + 1];
    platform_exception_grade grade;
    char state[PLATFORM_STATE_MAX + 1]; /* open, acknowledged, handling, resolved, closed */
    char source[16];
    char object[PLATFORM_ENTITY_ID_MAX + 16];
    char detail[PLATFORM_CAUSE_MAX + 1];
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1]; /* "" when none */
    char eid[PLATFORM_EID_DIGITS + 1];
    char iccid[PLATFORM_ICCID_MAX + 1];
    char callback_id[PLATFORM_CALLBACK_ID_LENGTH + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    int64_t count;                 /* signals */
    int64_t escalations;           /* time limits passed */
    int64_t first_seen_ms, last_seen_ms;
    int64_t state_since_ms;        /* entered its state, or last escalated */
    int64_t resolved_at_ms;        /* last resolution; 0 if none */
    int64_t closed_at_ms;
    bool has_report;
    int64_t seq;                   /* paging cursor */
} platform_exception;

/* When the exception's time limit in its state passes under policy (NULL:
 * defaults): state_since + limit(class, grade); 0 once resolved. */
int64_t platform_exception_deadline(const platform_exception_policy *policy,
                                    const platform_exception *e);

/* AW_ERR_PLATFORM_EXCEPTION_UNKNOWN (also another tenant's or a malformed id). */
aw_err platform_exception_get(db_connection *db, const char *tenant, const char *exception_id,
                              platform_exception *out);

typedef struct platform_exception_filter {
    platform_error_class error_class; /* 0: any */
    platform_exception_grade grade;   /* 0: any */
    const char *state;                /* NULL: any */
    int64_t from_ms, to_ms;           /* first seen in [from, to); 0: unbounded */
} platform_exception_filter;

/* Tenant's exceptions matching filter after seq after (0: from the newest),
 * newest first, at most limit (1..PLATFORM_EXCEPTION_PAGE_MAX); list
 * malloc'd, NULL when count is 0. AW_ERR_PLATFORM_FIELD: bad filter or limit. */
aw_err platform_exception_list(db_connection *db, const char *tenant,
                               const platform_exception_filter *filter, int64_t after,
                               size_t limit, platform_exception **list, size_t *count,
                               bool *more);

/* One entry of an exception's history: a state change (from != to), an
 * escalation (from == to, grade raised or the limit passed again) or the
 * creation (from ""). */
typedef struct platform_exception_event {
    char from[PLATFORM_STATE_MAX + 1];
    char to[PLATFORM_STATE_MAX + 1];
    platform_exception_grade grade;  /* after the entry */
    char actor[PLATFORM_ACTOR_MAX + 1];
    char note[PLATFORM_EXCEPTION_NOTE_MAX + 1];
    int64_t at_ms;
} platform_exception_event;

/* History, oldest first, at most max entries; events malloc'd. */
aw_err platform_exception_history(db_connection *db, const char *exception_id, size_t max,
                                  platform_exception_event **events, size_t *count);

/* Move an exception: open -> acknowledged -> handling -> resolved ->
 * closed (reviewed), and resolved -> handling (reopened), recorded with
 * actor, note and time. AW_ERR_PLATFORM_TRANSITION: not allowed from its
 * state; AW_ERR_PLATFORM_EXCEPTION_REPORT: closing a serious or critical
 * one without a report; AW_ERR_PLATFORM_EXCEPTION_UNKNOWN; AW_ERR_ARGUMENT:
 * an unknown state, empty actor, or a note over PLATFORM_EXCEPTION_NOTE_MAX. */
aw_err platform_exception_transition(db_connection *db, const char *tenant,
                                     const char *exception_id, const char *to,
                                     const char *actor, const char *note, int64_t now_ms,
                                     platform_exception *out);

typedef struct platform_exception_attachment {
    char name[PLATFORM_EXCEPTION_ATTACHMENT_NAME_MAX + 1];
    char content_type[64];
    const uint8_t *data;           /* borrowed when submitting */
    size_t size;
} platform_exception_attachment;

/* Submit (or replace) the report of an exception that is not closed: text
 * (1..PLATFORM_EXCEPTION_REPORT_TEXT_MAX bytes) and up to
 * PLATFORM_EXCEPTION_ATTACHMENTS_MAX attachments of at most
 * PLATFORM_EXCEPTION_ATTACHMENT_MAX bytes each, recorded in the history.
 * AW_ERR_PLATFORM_REPORT_LIMIT; AW_ERR_PLATFORM_TRANSITION: closed;
 * AW_ERR_PLATFORM_EXCEPTION_UNKNOWN; AW_ERR_ARGUMENT: a name or type empty. */
aw_err platform_exception_report(db_connection *db, const char *tenant,
                                 const char *exception_id, const char *actor, const char *text,
                                 const platform_exception_attachment *attachments,
                                 size_t attachment_count, int64_t now_ms);

/* The report's text (malloc'd, NULL without a report) and its attachments'
 * names, types and sizes (data NULL). */
aw_err platform_exception_report_get(db_connection *db, const char *exception_id, char **text,
                                     platform_exception_attachment **attachments,
                                     size_t *count);

/* Escalation (the standard's 超时升级): every unresolved exception whose
 * state's time limit under policy (NULL: defaults) passed at now_ms goes
 * one grade up (a critical one stays critical), its limit restarting now
 * for the new grade; recorded in its history, with exception.escalated
 * emitted to the tenant's callbacks subscribed to it (signed as every
 * event). The limits are the sweep's policy, so a changed configuration
 * applies to open exceptions too. Each in its own transaction; escalated
 * (may be NULL) receives how many. */
aw_err platform_exception_escalate(db_connection *db, const platform_exception_policy *policy,
                                   int64_t now_ms, int64_t *escalated);

/* ---- Detection (exception_detect.c): each called where its signal happens ---- */

/* An order refused by its target or batch (A1001..A1004, A4001..A4004):
 * one application exception per app and code. */
aw_err platform_exception_on_order_refused(db_connection *db,
                                           const platform_exception_policy *policy,
                                           const platform_app *app, const char *code,
                                           int64_t now_ms);
/* An item failed with code (its letter the class: W codes are write
 * exceptions per EID and code); when the EID's unresolved write failures
 * reach PLATFORM_EXCEPTION_REPEATS, also a terminal exception T1002. In
 * the item's transaction. */
aw_err platform_exception_on_item_failed(db_connection *db,
                                         const platform_exception_policy *policy,
                                         const char *tenant, const char *order_id,
                                         const char *eid, const char *iccid, const char *code,
                                         const char *cause, int64_t now_ms);
/* A callback delivery became a dead letter (I5001 per callback). */
aw_err platform_exception_on_dead_letter(db_connection *db,
                                         const platform_exception_policy *policy,
                                         const char *delivery_id, int64_t last_status,
                                         int64_t now_ms);
/* The API answered app an error (code of api_error.c, its HTTP status): a
 * 5xx is I5002 at once; refusals are counted per app and window, and the
 * window's api_error_threshold-th raises I5003. */
aw_err platform_exception_on_api_error(db_connection *db,
                                       const platform_exception_policy *policy,
                                       const platform_app *app, const char *code,
                                       int http_status, int64_t now_ms);
/* count (>= 1) refusals of app, the last with code, added at once to the
 * count of the window holding now_ms (counted by the caller, api_exceptions.c,
 * so that a flood of them is not a transaction each); the count passing
 * api_error_threshold raises I5003, once per window. *total: the window's
 * count after. */
aw_err platform_exception_on_api_refusals(db_connection *db,
                                          const platform_exception_policy *policy,
                                          const platform_app *app, const char *code,
                                          int64_t count, int64_t now_ms, int64_t *total);
/* Last contact of a device with the eIM (0: never), as the caller read it. */
typedef aw_err (*platform_contact_fn)(void *userdata, const char *eid, int64_t *last_contact_ms);
/* Terminal silence: every active card whose device's last contact (from
 * contact) is older than policy->silence_ms raises T1001. found (may be
 * NULL) receives how many cards were silent. */
aw_err platform_exception_scan_silence(db_connection *db, const platform_exception_policy *policy,
                                       platform_contact_fn contact, void *userdata,
                                       int64_t now_ms, int64_t *found);

/* ---- Review reports (exception_review.c): 复盘 ---- */

#define PLATFORM_REVIEW_TOP_CAUSES 10u
#define PLATFORM_REVIEW_OVERDUE_MAX 50u
#define PLATFORM_WEEK_MS (7 * 86400LL * 1000)
#define PLATFORM_MONTH_MS (30 * 86400LL * 1000)

typedef struct platform_review_cause {
    char code[PLATFORM_EXCEPTION_CODE_MAX + 1];
    int64_t count;                  /* exceptions */
    int64_t signals;                /* their signal counts added up */
} platform_review_cause;

typedef struct platform_review {
    char tenant[PLATFORM_TENANT_MAX + 1];
    int64_t from_ms, to_ms, generated_at_ms;
    int64_t total;                  /* exceptions first seen in [from, to) */
    int64_t by_class[4];            /* application, write, interface, terminal */
    int64_t by_grade[4];            /* general .. critical (the grade now) */
    int64_t by_state[5];            /* open, acknowledged, handling, resolved, closed */
    int64_t resolved;               /* of them, resolved or closed */
    int64_t handle_mean_ms;         /* first seen -> resolved; 0 when none resolved */
    int64_t handle_p95_ms;          /* nearest rank */
    int64_t overdue;                /* escalated at least once */
    size_t cause_count;             /* all causes, most exceptions first (code order on ties) */
    platform_review_cause *causes;
    size_t overdue_count;           /* listed: at most PLATFORM_REVIEW_OVERDUE_MAX */
    platform_exception *overdue_list;
} platform_review;

void platform_review_free(platform_review *review);
/* Build the review of tenant's exceptions first seen in [from_ms, to_ms).
 * AW_ERR_PLATFORM_FIELD: from_ms >= to_ms or negative. */
aw_err platform_review_build(db_connection *db, const char *tenant, int64_t from_ms,
                             int64_t to_ms, int64_t now_ms, platform_review **out);
struct json_t;
/* As JSON (docs/exceptions.md "Review report"); NULL on allocation failure. */
struct json_t *platform_review_json(const platform_review *review);
/* As one HTML page (UTF-8, malloc'd, text escaped). */
aw_err platform_review_html(const platform_review *review, char **html, size_t *len);

#endif
