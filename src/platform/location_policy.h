/* airwrite platform: location-bound writing (境外禁写, location verification
 * of 《物联网 eSIM 空中写卡技术应用服务规范》 issue 8). The device reports fixes
 * (GNSS, or a cell of 3GPP TS 23.003 identity) over the terminal information
 * channel; the platform keeps each card's latest fixes, evaluates them
 * against the allowed regions of the tenant's policy (polygons in WGS-84 or
 * an ISO 3166-1 alpha-2 country) and refuses, or holds, a profile write or
 * an enable/switch outside them. docs/location.md. Platform-internal header
 * (the terminal information helper calls platform_location_record). */
#ifndef AIRWRITE_PLATFORM_LOCATION_POLICY_H
#define AIRWRITE_PLATFORM_LOCATION_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"

/* ---- Fixes (the API the terminal information channel calls) ---- */

typedef enum platform_location_kind {
    PLATFORM_LOCATION_GNSS = 1,
    PLATFORM_LOCATION_CELL = 2,
} platform_location_kind;

typedef struct platform_location_fix {
    platform_location_kind kind;
    double latitude, longitude;  /* WGS-84 degrees (GNSS; a cell's when resolved: accuracy_m > 0) */
    double accuracy_m;           /* 0 when unknown; a CELL fix's position counts only when > 0 */
    int64_t fix_time;            /* Unix seconds the fix was taken */
    char mcc[4], mnc[4];         /* cell identity (3GPP TS 23.003), "" when absent */
    uint32_t tac;                /* LAC/TAC */
    uint64_t cell_id;            /* ECI/NCI */
} platform_location_fix;

/* Record a decrypted fix reported by the device holding eid (32 digits), at
 * now (Unix s): it becomes the card's latest fix (the one before is kept
 * for the speed check), and items held for want of a fix are looked at
 * again at once. AW_ERR_LOCATION_FIX for a fix of no kind, a malformed
 * MCC/MNC or coordinates that are not numbers (implausible but well-formed
 * values are stored: the policy judges them). AW_ERR_PLATFORM_EID. */
aw_err platform_location_record(db_connection *db, const char *eid,
                                const platform_location_fix *fix, int64_t now);

/* ---- Regions (location_region.c) ---- */

#define LOCATION_REGION_NAME_MAX 32u
#define LOCATION_REGION_FILE_MAX (1024u * 1024u) /* bytes of one region file */
#define LOCATION_REGION_POLYGONS_MAX 64u
#define LOCATION_REGION_RINGS_MAX 256u          /* outer rings and holes, all polygons */
#define LOCATION_REGION_VERTICES_MAX 100000u    /* all rings */

typedef struct location_point {
    double longitude, latitude; /* WGS-84 degrees */
} location_point;

typedef struct location_ring {
    size_t first, count; /* into location_region.points; closed implicitly */
} location_ring;

typedef struct location_polygon {
    size_t first_ring, ring_count; /* the outer ring first, then its holes */
} location_polygon;

typedef struct location_region {
    char name[LOCATION_REGION_NAME_MAX + 1];
    char country[3];          /* ISO 3166-1 alpha-2 the region stands for, "" when none */
    location_point *points;
    size_t point_count;
    location_ring *rings;
    size_t ring_count;
    location_polygon *polygons;
    size_t polygon_count;
} location_region;

/* Strict parse of a region file (format in docs/location.md): bounded by
 * the LOCATION_REGION_* limits. AW_ERR_LOCATION_REGION for anything else
 * (*out NULL), AW_ERR_NOMEM. */
aw_err location_region_parse(const uint8_t *text, size_t len, location_region **out);
void location_region_free(location_region *region);

/* A region name: 1..32 of [A-Za-z0-9_-] (len bytes of name). */
bool location_region_name_valid(const char *name, size_t len);

/* Read <directory>/<name>.region (name: 1..32 of [A-Za-z0-9_-]).
 * AW_ERR_NOT_FOUND when there is no such file, AW_ERR_LOCATION_REGION,
 * AW_ERR_IO, AW_ERR_NOMEM. */
aw_err location_region_load(const char *directory, const char *name, location_region **out);

/* Even-odd rule over each polygon's rings (holes subtract); inside any
 * polygon of the region. Longitudes are not wrapped: no ring may cross the
 * antimeridian (none of the shipped regions does). */
bool location_region_contains(const location_region *region, double latitude, double longitude);

/* Great-circle distance in metres (haversine, mean Earth radius 6371008.8 m). */
double location_distance_m(double latitude1, double longitude1, double latitude2,
                           double longitude2);

/* ISO 3166-1 alpha-2 of an MCC (ITU-T E.212 list; a small table of the
 * region's neighbours and frequent roaming countries); NULL when unknown. */
const char *location_country_of_mcc(const char *mcc);

/* ---- Policy and its evaluation (location_evaluate.c) ---- */

typedef enum location_action {
    LOCATION_ACTION_REFUSE = 0,
    LOCATION_ACTION_HOLD = 1,
} location_action;

#define LOCATION_POLICY_REGIONS_MAX 8u
#define LOCATION_INLINE_REGION_MAX 8192u /* bytes of inline region text (fits an API body) */

typedef struct location_policy {
    bool enabled;
    size_t region_count;
    char regions[LOCATION_POLICY_REGIONS_MAX][LOCATION_REGION_NAME_MAX + 1];
    char inline_region[LOCATION_INLINE_REGION_MAX + 1]; /* region-file text, "" when none */
    int64_t max_age_s;         /* a fix older than this is stale */
    int64_t max_accuracy_m;    /* a position less accurate (or of unknown accuracy) is
                                * implausible; 0: no limit */
    int64_t max_speed_kmh;     /* faster between the last two fixes: implausible; 0: no check */
    location_action on_missing, on_stale, on_implausible;
    int64_t hold_s;            /* how long a held item waits for a good fix */
} location_policy;

/* The policy of a tenant without its own: off (behaviour unchanged),
 * region CN, max age 600 s, no accuracy limit, 1000 km/h, hold 3600 s on a
 * missing or stale fix, refuse an implausible one. */
void location_policy_default(location_policy *policy);

/* Region names well-formed, inline region parses, bounds (max age 1 s..30
 * d, hold 1 s..7 d, accuracy 0..1000 km, speed 0..100000 km/h), an enabled
 * policy allows some region. AW_ERR_LOCATION_POLICY. */
aw_err location_policy_check(const location_policy *policy);

/* Strict parse of the API's LocationPolicy JSON (api_location.c,
 * docs/openapi.yaml): one object of at most PLATFORM_JSON_MAX_BODY bytes,
 * "enabled" and "regions" required, the other members optional over the
 * defaults, no unknown or duplicate member; then location_policy_check.
 * AW_ERR_PLATFORM_JSON / AW_ERR_PLATFORM_FIELD for the JSON layer,
 * AW_ERR_LOCATION_POLICY for the values (*out: the defaults on error). */
aw_err location_policy_parse_json(const uint8_t *body, size_t len, location_policy *out);

typedef enum location_verdict {
    LOCATION_INSIDE = 0,       /* go on */
    LOCATION_OUTSIDE,          /* refuse: T3301 */
    LOCATION_MISSING,          /* no fix: T3302 */
    LOCATION_STALE,            /* too old: T3303 */
    LOCATION_IMPLAUSIBLE,      /* impossible values or jump: T3304 */
} location_verdict;

/* The card's last two fixes as stored. */
typedef struct location_fixes {
    bool has_latest, has_previous;
    platform_location_fix latest, previous;
} location_fixes;

typedef struct location_decision {
    location_verdict verdict;
    location_action action;    /* for MISSING/STALE/IMPLAUSIBLE: the policy's; OUTSIDE: refuse */
    const char *reason;        /* static text for logs and audit */
} location_decision;

/* The regions a policy allows, loaded once: its named regions from the
 * data directory and its inline region. */
typedef struct location_region_set {
    size_t count;
    location_region *regions[LOCATION_POLICY_REGIONS_MAX + 1];
} location_region_set;

aw_err location_region_set_load(const location_policy *policy, const char *directory,
                                location_region_set *out);
void location_region_set_clear(location_region_set *set);

/* Pure decision (no I/O): the fixes against the policy's regions at now
 * (Unix s). A policy that is not enabled answers INSIDE. */
void location_evaluate(const location_policy *policy, const location_region_set *regions,
                       const location_fixes *fixes, int64_t now, location_decision *out);

/* "T3301".."T3304": the failure code of an item or card operation refused
 * for the verdict, and the cause of the terminal exception it raises; NULL
 * for INSIDE. */
const char *location_exception_code(location_verdict verdict);
/* "inside", "outside", "missing", "stale", "implausible". */
const char *location_verdict_name(location_verdict verdict);

/* A policy whose regions cannot be loaded (a region file missing or
 * malformed) refuses rather than lets through: T3305. */
#define LOCATION_UNAVAILABLE_CODE "T3305"

/* ---- The platform's configuration (airwrited [location]) ---- */

typedef struct platform_location_config {
    bool enabled;                /* false: no location check at all (behaviour unchanged) */
    const char *data_directory;  /* the region files (<name>.region) */
    location_policy defaults;    /* of tenants without their own policy */
} platform_location_config;

/* ---- Storage (location_store.c; db_migrate component "platform_location") ---- */

aw_err platform_location_migrate(db_connection *db);

/* The card's stored fixes (none: has_latest false). */
aw_err platform_location_fixes_read(db_connection *db, const char *eid, location_fixes *out);

/* The tenant's policy, or location_policy_default's when it has none
 * (*found false). */
aw_err platform_location_policy_read(db_connection *db, const char *tenant,
                                     location_policy *out, bool *found);
/* Store the tenant's policy (its inline region must parse, its region
 * names be well-formed: AW_ERR_LOCATION_POLICY otherwise). */
aw_err platform_location_policy_write(db_connection *db, const char *tenant,
                                      const location_policy *policy, int64_t now);

/* ---- The gate before a write or an enable (location_gate.c) ---- */

typedef enum platform_location_outcome {
    PLATFORM_LOCATION_GO = 0,    /* go on (inside, or no policy in force) */
    PLATFORM_LOCATION_HELD,      /* wait: the subject's job comes again at the hold's end, or
                                  * at once when a fix arrives (platform_location_record) */
    PLATFORM_LOCATION_REFUSED,   /* fail the subject with code */
} platform_location_outcome;

typedef struct platform_location_gate {
    platform_location_outcome outcome;
    location_verdict verdict;
    const char *code;            /* REFUSED: "T3301".."T3305" */
    char cause[192];             /* REFUSED/HELD: what was seen, for the item's history */
} platform_location_gate;

/* What is about to happen on the card: an order item's profile write
 * (order_id) or a card operation's enable/switch (operation_id). */
typedef struct platform_location_subject {
    const char *tenant;
    const char *eid;
    const char *order_id;        /* an item's, else NULL */
    const char *operation_id;    /* a card operation's, else NULL */
} platform_location_subject;

/* Evaluate the card's latest fix against the tenant's policy (config NULL
 * or not enabled: GO). A hold is stored with its end (policy hold_s) and
 * the subject's job queued for then (an item job, a card operation step);
 * a hold past its end refuses with the verdict's code. A refused card
 * operation raises its terminal exception here (an item's failure raises
 * it through the item's transition, orders.c). Database errors. */
aw_err platform_location_gate_check(db_connection *db, const platform_location_config *config,
                                    const platform_location_subject *subject, int64_t now_ms,
                                    platform_location_gate *out);

/* ---- Routes (api_location.c, docs/openapi.yaml) ---- */

struct http_request;
/* GET /api/v1/location-policy: the policy in force for the tenant acted on
 * (its own, or the [location] defaults). PUT: the tenant's own policy
 * (A7301 malformed, A7302 a region not installed). Permission
 * location_policy.manage (platform_admin, security_officer). */
void platform_api_handle_location_policy_get(struct http_request *request, void *userdata);
void platform_api_handle_location_policy_put(struct http_request *request, void *userdata);

#endif
