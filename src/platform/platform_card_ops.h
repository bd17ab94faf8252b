/* airwrite platform: card operations (enable, disable, delete, switch a
 * profile) carried out as eIM PSMOs, part of the platform's one public
 * header (included at the end of platform/platform.h; include that, not
 * this). */
#ifndef AIRWRITE_PLATFORM_PLATFORM_CARD_OPS_H
#define AIRWRITE_PLATFORM_PLATFORM_CARD_OPS_H

/* ---- Card operations (card_ops.c, card_ops_run.c, api_card_ops.c) ------- */

/* An app asks for an operation on a profile of one of its tenant's cards
 * (POST /api/v1/cards/{eid}/operations). It is checked against the
 * platform's lifecycle records when asked (docs/lifecycle.md "Card
 * operations"):
 *   enable   the profile is installed or disabled; the eUICC disables the
 *            enabled one, if any (SGP.22 5.7.16 ES10c.EnableProfile, SGP.32
 *            2.11.1.1 PSMO enable)
 *   disable  the profile is enabled (SGP.22 5.7.17)
 *   delete   the profile is installed or disabled: SGP.22 5.7.18
 *            ES10c.DeleteProfile refuses an enabled profile
 *            (profileNotInDisabledState), so a client disables first
 *   switch   the profile is enabled and toIccid, another profile of the
 *            card, installed or disabled: one PSMO enable of toIccid, which
 *            disables the profile on the eUICC
 * and at most one operation per card is in progress. A db_queue job
 * (queue PLATFORM_CARD_OPS_QUEUE) then queues one eUICC Package with the
 * PSMO at the eIM (eim_package_enqueue, signed with the eIM's key) and
 * watches what the eIM recorded for it (eim_package_result_status: only a
 * result whose euiccSignEPR verified counts). A result of ok moves the
 * platform's records (profile enabled/disabled/deleted with history, cause
 * and actor; a deleted profile's pool number to cooling) and the operation
 * succeeds; anything else fails it with a W code (platform_card_op_error)
 * and the eUICC's result named (e.g. "profileNotInDisabledState"). Either
 * way the event card.operation.finished goes to the tenant's callbacks,
 * with lifecycle.changed for each record moved. */

#define PLATFORM_CARD_OPS_QUEUE "platform.card_ops"
#define PLATFORM_CARD_OP_ID_LENGTH 28u       /* "cop_" + 24 hex digits */
#define PLATFORM_CARD_OP_RESULT_MAX 40u      /* longest SGP.32 result name */
#define PLATFORM_CARD_OPS_DEFAULT_RESULT_TIMEOUT_MS (24LL * 3600 * 1000)
#define PLATFORM_CARD_OPS_DEFAULT_WATCH_MS 5000
#define PLATFORM_CARD_OPS_DEFAULT_LEASE_MS 60000
#define PLATFORM_CARD_OPS_MAX_ATTEMPTS 8     /* of one step on database failures */

typedef enum platform_card_op_kind {
    PLATFORM_CARD_OP_ENABLE = 1,
    PLATFORM_CARD_OP_DISABLE,
    PLATFORM_CARD_OP_DELETE,
    PLATFORM_CARD_OP_SWITCH,
} platform_card_op_kind;

/* "enable", "disable", "delete", "switch"; NULL outside the enum. */
const char *platform_card_op_kind_name(platform_card_op_kind kind);
/* The kind of a name; 0 when unknown. */
platform_card_op_kind platform_card_op_kind_from_name(const char *name);

/* Why an operation failed (W: 写卡异常, docs/api-errors.md "Write codes"). */
typedef enum platform_card_op_error {
    PLATFORM_CARD_OP_EUICC_REFUSED = 0,   /* W4001 a PSMO's result other than ok */
    PLATFORM_CARD_OP_PACKAGE_REFUSED,     /* W4002 the eUICC refused the package (signed or
                                           * unsigned EuiccPackageError) */
    PLATFORM_CARD_OP_IPA_FAILED,          /* W4003 the IPA could not process the package */
    PLATFORM_CARD_OP_RESULT_TIMEOUT,      /* W4004 no result within the result time */
    PLATFORM_CARD_OP_EIM_REFUSED,         /* W4005 the eIM refused to queue the package */
    PLATFORM_CARD_OP_EIM_UNAVAILABLE,     /* W4006 the eIM's database failed on every attempt */
    /* location-bound writing (location_policy.h): an enable/switch refused */
    PLATFORM_CARD_OP_LOCATION_OUTSIDE,    /* T3301 the card's fix outside the allowed regions */
    PLATFORM_CARD_OP_LOCATION_MISSING,    /* T3302 no fix */
    PLATFORM_CARD_OP_LOCATION_STALE,      /* T3303 the latest fix too old */
    PLATFORM_CARD_OP_LOCATION_IMPLAUSIBLE, /* T3304 the latest fix implausible */
    PLATFORM_CARD_OP_LOCATION_UNAVAILABLE, /* T3305 the policy's regions cannot be loaded */
    PLATFORM_CARD_OP_ERROR__COUNT
} platform_card_op_error;

/* "W4001", ...; NULL outside the enum. */
const char *platform_card_op_error_code(platform_card_op_error error);

/* Statuses: accepted (asked, no package yet), sent (the package is queued
 * at the eIM), succeeded, failed. */
typedef struct platform_card_op {
    int64_t seq;                                   /* paging cursor */
    char operation_id[PLATFORM_CARD_OP_ID_LENGTH + 1];
    char tenant[PLATFORM_TENANT_MAX + 1];
    char app_id[PLATFORM_APP_ID_MAX + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    platform_card_op_kind kind;
    char iccid[PLATFORM_ICCID_MAX + 1];
    char to_iccid[PLATFORM_ICCID_MAX + 1];         /* switch only, else "" */
    char status[PLATFORM_STATE_MAX + 1];
    char error_code[8];                            /* "" unless failed */
    char euicc_result[PLATFORM_CARD_OP_RESULT_MAX + 1]; /* SGP.32 name, "" until known */
    int64_t package_id;                            /* the eIM's, 0 until sent */
    int64_t deadline_ms;                           /* result time limit once sent, else 0 */
    int64_t created_at_ms;
    int64_t updated_at_ms;
} platform_card_op;

/* What a request asks (the JSON body of POST .../operations). */
typedef struct platform_card_op_request {
    platform_card_op_kind kind;
    char iccid[PLATFORM_ICCID_MAX + 1];
    char to_iccid[PLATFORM_ICCID_MAX + 1];         /* switch only */
} platform_card_op_request;

/* {"operation": "enable"|"disable"|"delete"|"switch", "iccid": "...",
 * "toIccid": "..." (switch only, another ICCID)}. ICCIDs must pass
 * platform_iccid_check. AW_ERR_PLATFORM_JSON; AW_ERR_PLATFORM_FIELD. */
aw_err platform_json_parse_card_op(const uint8_t *body, size_t len,
                                   platform_card_op_request *out);

/* Create or upgrade the table (db_migrate component "platform_card_ops");
 * platform_migrate calls it. */
aw_err platform_card_ops_migrate(db_connection *db);

/* Accept request for card eid of app's tenant, checked as above, and queue
 * its job, in one transaction. idempotency_key (NULL: none) and
 * request_hash as platform_order_create: a repeat answers the operation
 * made first (*created false), another request with the key
 * AW_ERR_PLATFORM_IDEMPOTENCY. AW_ERR_PLATFORM_CARD_UNKNOWN (also another
 * tenant's card), AW_ERR_PLATFORM_PROFILE_UNKNOWN (not a profile of this
 * card), AW_ERR_PLATFORM_PROFILE_STATE, AW_ERR_PLATFORM_CARD_OP_BUSY,
 * AW_ERR_ARGUMENT. */
aw_err platform_card_op_create(db_connection *db, const platform_app *app, const char *eid,
                               const platform_card_op_request *request,
                               const char *idempotency_key, const uint8_t request_hash[32],
                               int64_t now_ms, platform_card_op *op, bool *created);

/* The operation of tenant's card eid. AW_ERR_PLATFORM_CARD_OP_UNKNOWN. */
aw_err platform_card_op_get(db_connection *db, const char *tenant, const char *eid,
                            const char *operation_id, platform_card_op *op);

/* The card's operations after seq after (0: from the start), oldest first,
 * at most limit (1..PLATFORM_QUERY_PAGE_MAX); list malloc'd (NULL when
 * count is 0). AW_ERR_PLATFORM_CARD_UNKNOWN; AW_ERR_PLATFORM_FIELD. */
aw_err platform_card_op_list(db_connection *db, const char *tenant, const char *eid,
                             int64_t after, size_t limit, platform_card_op **list,
                             size_t *count, bool *more);

struct eim_key_ring;

/* The worker's side (card_ops_run.c). */
typedef struct platform_card_ops_config {
    db_connection *db;                 /* the platform's database */
    db_connection *eim_db;             /* the eIM's (eim.h) */
    const struct eim_key_ring *eim_keys; /* signs the packages (the eUICC's signing_key) */
    const char *worker;                /* lease owner; NULL: "card-ops" */
    int64_t lease_ms;                  /* 0: PLATFORM_CARD_OPS_DEFAULT_LEASE_MS */
    /* An operation whose package has no result this long after it was
     * queued (the device never polled) fails W4004. 0: the default. */
    int64_t result_timeout_ms;
    /* The first look at the eIM's record watch_ms after the package was
     * queued, later ones at half the time waited, at most ten times
     * watch_ms apart. 0: PLATFORM_CARD_OPS_DEFAULT_WATCH_MS. */
    int64_t watch_ms;
    /* Location-bound writing (location_policy.h, borrowed): the gate before
     * an enable or switch; NULL or not enabled: no location check. */
    const struct platform_location_config *location;
} platform_card_ops_config;

typedef struct platform_card_ops_stats {
    int64_t sent;        /* packages queued at the eIM */
    int64_t succeeded;
    int64_t failed;
    int64_t waiting;     /* looks that found no result yet */
    int64_t retried;     /* steps put back after a database failure */
} platform_card_ops_stats;

/* Claim and run up to limit due jobs at now_ms on the calling thread
 * (BLOCKING on both databases; the executor's workers call it, tests too).
 * stats (may be NULL) adds up the outcomes. AW_ERR_ARGUMENT; errors of the
 * platform's database that stop the round. */
aw_err platform_card_ops_run_once(const platform_card_ops_config *config, int64_t now_ms,
                                  size_t limit, platform_card_ops_stats *stats);

#endif
