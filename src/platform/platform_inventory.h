/* airwrite platform: number resources, business scope, cards and profiles,
 * part of the platform's one public header (included at the end of
 * platform/platform.h; include that, not this). */
#ifndef AIRWRITE_PLATFORM_PLATFORM_INVENTORY_H
#define AIRWRITE_PLATFORM_PLATFORM_INVENTORY_H

/* ---- Number resources and business scope (scope.c, pools.c, cards.c,
 * inventory_query.c; docs/lifecycle.md "Number pools and cooling") ------- */

/* 号码使用 and 合规业务范围 of 《物联网 eSIM 空中写卡技术应用服务规范》: a tenant
 * writes numbers only from its own number pools (the MSISDN segments, e.g.
 * 13-digit IoT MSISDNs, and IMSI ranges allotted to it), and only profile
 * types inside its business scope: mobile data, SMS directed to a whitelist,
 * voice directed to a whitelist. Profile types are the operator's catalogue
 * (global); scopes and pools belong to a tenant. Cards, profiles and numbers
 * keep their state in the lifecycle machines (card, profile, number), so
 * every change is in the history and raises lifecycle.changed. */

#define PLATFORM_WHITELIST_MAX 32u         /* numbers per directed whitelist */
#define PLATFORM_WHITELIST_NUMBER_MAX 20u  /* 3..20 digits, optionally '+' first */
#define PLATFORM_MSISDN_MAX 15u            /* ITU-T E.164 */
#define PLATFORM_IMSI_MAX 15u              /* 3GPP TS 23.003 2.2: 6..15 digits */
#define PLATFORM_ICCID_MAX 20u             /* ITU-T E.118: 19..20 digits, Luhn last */
#define PLATFORM_POOL_RANGES_MAX 16u       /* MSISDN segments, and IMSI ranges, per pool */
#define PLATFORM_NUMBERS_ADD_MAX 100000u   /* numbers added by one call */
#define PLATFORM_QUERY_PAGE_MAX 200u
#define PLATFORM_QUERY_PAGE_DEFAULT 50u

typedef struct platform_business_scope {
    bool data;                     /* mobile data */
    bool sms;                      /* SMS, directed: only with the numbers of sms_whitelist */
    bool voice;                    /* voice, directed: only with voice_whitelist */
    size_t sms_count;              /* 1..PLATFORM_WHITELIST_MAX when sms, else 0 */
    char sms_whitelist[PLATFORM_WHITELIST_MAX][PLATFORM_WHITELIST_NUMBER_MAX + 1];
    size_t voice_count;
    char voice_whitelist[PLATFORM_WHITELIST_MAX][PLATFORM_WHITELIST_NUMBER_MAX + 1];
} platform_business_scope;

/* Form: sms (voice) true exactly when its whitelist has 1..32 numbers, no
 * number twice. */
bool platform_business_scope_valid(const platform_business_scope *scope);
/* Whether inner needs nothing outer does not allow: data only if outer has
 * data, SMS (voice) only if outer has it and every whitelisted number of
 * inner is in outer's whitelist. */
bool platform_business_scope_within(const platform_business_scope *inner,
                                    const platform_business_scope *outer);

/* Admin: define (or redefine) profile type name (platform_target_valid) with
 * the business its profiles provide (valid, at least one service).
 * AW_ERR_ARGUMENT otherwise. */
aw_err platform_profile_type_define(db_connection *db, const char *name,
                                    const platform_business_scope *scope, int64_t now_ms);
/* AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN (also for a malformed name). */
aw_err platform_profile_type_get(db_connection *db, const char *name,
                                 platform_business_scope *scope);

/* Admin: set tenant's business scope (valid; all false: nothing allowed). */
aw_err platform_tenant_scope_set(db_connection *db, const char *tenant,
                                 const platform_business_scope *scope, int64_t now_ms);
/* The tenant's scope; a tenant never given one has the empty scope (no
 * business allowed), AW_OK. */
aw_err platform_tenant_scope_get(db_connection *db, const char *tenant,
                                 platform_business_scope *scope);

/* The order checks of POST /api/v1/orders, before platform_order_create:
 * the batch's target for tenant, ordering count EIDs.
 *   AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN  no such profile type (A4001)
 *   AW_ERR_PLATFORM_SCOPE                 the profile type (a pool's: its
 *                                         profile type) outside the tenant's
 *                                         scope (A4002)
 *   AW_ERR_PLATFORM_POOL_UNKNOWN          no such pool of the tenant (A4003)
 *   AW_ERR_PLATFORM_POOL_EXHAUSTED        free numbers (and cooled ones)
 *                                         less the pool's outstanding items
 *                                         (pending or in progress, no number
 *                                         yet) fewer than count (A4004)
 * AW_OK without checking when idempotency_key (NULL: none) already names an
 * order of the tenant: platform_order_create answers that repeat. Advisory
 * against concurrent orders: platform_number_reserve decides at execution. */
aw_err platform_order_check_target(db_connection *db, const char *tenant,
                                   const char *idempotency_key, platform_target_kind kind,
                                   const char *target, size_t count, int64_t now_ms);

typedef struct platform_imsi_range {
    char first[PLATFORM_IMSI_MAX + 1]; /* same length as last, first <= last */
    char last[PLATFORM_IMSI_MAX + 1];
} platform_imsi_range;

typedef struct platform_number_pool {
    int64_t id;                        /* paging cursor (set by the store) */
    char name[PLATFORM_TARGET_MAX + 1];  /* unique across tenants */
    char tenant[PLATFORM_TENANT_MAX + 1];
    char profile_type[PLATFORM_TARGET_MAX + 1]; /* what is written with its numbers */
    unsigned msisdn_length;            /* 5..15 digits; 13 for IoT MSISDNs */
    int64_t cooling_ms;                /* 0..10 years: a released number rests so long */
    size_t segment_count;              /* 1..PLATFORM_POOL_RANGES_MAX MSISDN prefixes */
    char segments[PLATFORM_POOL_RANGES_MAX][PLATFORM_MSISDN_MAX + 1];
    size_t range_count;                /* 1..PLATFORM_POOL_RANGES_MAX */
    platform_imsi_range ranges[PLATFORM_POOL_RANGES_MAX];
    int64_t created_at_ms;
} platform_number_pool;

typedef struct platform_pool_counts {
    int64_t free, reserved, in_use, cooling;
    int64_t available;                 /* free, and cooling past the cooling period */
} platform_pool_counts;

/* Admin: create pool (id and created_at_ms are set). Each segment is 1..
 * msisdn_length digits, each range two IMSIs of 6..15 digits.
 * AW_ERR_ARGUMENT: bad form; AW_ERR_PLATFORM_PROFILE_TYPE_UNKNOWN;
 * AW_ERR_STATE: the name exists; AW_ERR_PLATFORM_NUMBER_RANGE: a segment
 * is a prefix of another pool's (or of one in the pool) of the same length,
 * or an IMSI range meets another. */
aw_err platform_number_pool_create(db_connection *db, platform_number_pool *pool, int64_t now_ms);
/* tenant's pool name and (counts may be NULL) its numbers per state at
 * now_ms. AW_ERR_PLATFORM_POOL_UNKNOWN also for another tenant's. */
aw_err platform_number_pool_get(db_connection *db, const char *tenant, const char *name,
                                int64_t now_ms, platform_number_pool *pool,
                                platform_pool_counts *counts);
/* tenant's pools with id above after, oldest first, at most limit
 * (1..PLATFORM_QUERY_PAGE_MAX); list malloc'd (NULL when count is 0).
 * AW_ERR_PLATFORM_FIELD: bad limit or cursor. */
aw_err platform_number_pool_list(db_connection *db, const char *tenant, int64_t after,
                                 size_t limit, platform_number_pool **list, size_t *count,
                                 bool *more);

/* Admin: add count (1..PLATFORM_NUMBERS_ADD_MAX) numbers to tenant's pool:
 * MSISDN msisdn_first + i with IMSI imsi_first + i (decimal, same length),
 * each created free in the number machine. All or none:
 * AW_ERR_PLATFORM_POOL_UNKNOWN; AW_ERR_PLATFORM_NUMBER_RANGE (an MSISDN not
 * of the pool's length and segments, an IMSI outside its ranges);
 * AW_ERR_STATE: one exists (in any pool); AW_ERR_ARGUMENT. */
aw_err platform_number_add(db_connection *db, const char *tenant, const char *pool,
                           const char *msisdn_first, const char *imsi_first, size_t count,
                           const char *actor, int64_t now_ms);

typedef struct platform_number {
    char msisdn[PLATFORM_MSISDN_MAX + 1];
    char imsi[PLATFORM_IMSI_MAX + 1];
    char pool[PLATFORM_TARGET_MAX + 1];
    char profile_type[PLATFORM_TARGET_MAX + 1];  /* the pool's */
    char state[PLATFORM_STATE_MAX + 1];          /* free, reserved, in_use, cooling */
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1]; /* holder while reserved/in use, else "" */
    char eid[PLATFORM_EID_DIGITS + 1];
    char iccid[PLATFORM_ICCID_MAX + 1];          /* the profile using it (in_use) */
    int64_t state_since_ms;
} platform_number;

/* EXECUTOR, before writing an item of a numberPool order: reserve a number
 * of tenant's pool for (order_id, eid): free -> reserved (a cooling number
 * whose period is over goes cooling -> free first). Idempotent: a number
 * already reserved or in use for (order_id, eid) is answered again, so a
 * retried step never takes two. AW_ERR_PLATFORM_POOL_UNKNOWN;
 * AW_ERR_PLATFORM_POOL_EXHAUSTED (fail the item with A4004). Atomic: in the
 * caller's open transaction, else its own (on PostgreSQL READ COMMITTED
 * with the number's rows locked FOR UPDATE SKIP LOCKED, so concurrent
 * executors take distinct numbers without serialization failures). */
aw_err platform_number_reserve(db_connection *db, const char *tenant, const char *pool,
                               const char *order_id, const char *eid, const char *actor,
                               int64_t now_ms, platform_number *number);
/* The reserved number msisdn is now used by profile iccid: reserved ->
 * in_use (platform_profile_record_written does this itself when the profile
 * carries the MSISDN). AW_ERR_NOT_FOUND; AW_ERR_PLATFORM_TRANSITION. */
aw_err platform_number_commit(db_connection *db, const char *tenant, const char *msisdn,
                              const char *iccid, const char *actor, int64_t now_ms);
/* EXECUTOR, when an item with a reserved number fails: reserved -> free at
 * once (never used). A number in use (its profile deleted) goes in_use ->
 * cooling and becomes free only after the pool's cooling period. The holder
 * is cleared. AW_ERR_NOT_FOUND; AW_ERR_PLATFORM_TRANSITION (free, cooling). */
aw_err platform_number_release(db_connection *db, const char *tenant, const char *msisdn,
                               const char *cause, const char *actor, int64_t now_ms);
/* AW_ERR_NOT_FOUND. */
aw_err platform_number_get(db_connection *db, const char *tenant, const char *msisdn,
                           platform_number *number);
/* Housekeeping: every cooling number of tenant's pool whose period ended
 * by now_ms goes cooling -> free; released (may be NULL) counts them. */
aw_err platform_number_release_cooled(db_connection *db, const char *tenant, const char *pool,
                                      const char *actor, int64_t now_ms, int64_t *released);

/* ICCID form (ITU-T E.118 4.2): 19 or 20 digits, the last the Luhn check
 * digit of the others. AW_ERR_PLATFORM_ICCID otherwise. */
aw_err platform_iccid_check(const char *iccid);

typedef struct platform_card {
    int64_t id;                                  /* paging cursor */
    char eid[PLATFORM_EID_DIGITS + 1];
    char state[PLATFORM_STATE_MAX + 1];          /* card machine */
    int64_t created_at_ms;
    int64_t updated_at_ms;                       /* of its state */
} platform_card;

typedef struct platform_profile {
    int64_t id;                                  /* paging cursor */
    char iccid[PLATFORM_ICCID_MAX + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    char imsi[PLATFORM_IMSI_MAX + 1];            /* "" unknown */
    char msisdn[PLATFORM_MSISDN_MAX + 1];        /* "" unknown */
    char profile_type[PLATFORM_TARGET_MAX + 1];
    char order_id[PLATFORM_ORDER_ID_LENGTH + 1]; /* "" not from an order */
    char state[PLATFORM_STATE_MAX + 1];          /* profile machine */
    int64_t created_at_ms;
    int64_t updated_at_ms;
} platform_profile;

/* EXECUTOR: the card eid of tenant exists (created registered when new;
 * created may be NULL). AW_ERR_PLATFORM_EID; AW_ERR_ARGUMENT. */
aw_err platform_card_ensure(db_connection *db, const char *tenant, const char *eid,
                            const char *actor, int64_t now_ms, bool *created);
/* AW_ERR_PLATFORM_CARD_UNKNOWN (also for a malformed EID). */
aw_err platform_card_get(db_connection *db, const char *tenant, const char *eid,
                         platform_card *card);

/* What the SM-DP+ tells of one profile for a card. */
typedef struct platform_profile_record {
    const char *tenant;
    const char *eid;
    const char *iccid;
    const char *imsi;          /* NULL or "": unknown */
    const char *msisdn;        /* NULL or "": unknown */
    const char *profile_type;  /* platform_target_valid */
    const char *order_id;      /* NULL: not from an order */
} platform_profile_record;

/* EXECUTOR, after ES2+ DownloadOrder named the ICCID (SGP.22 5.3.1): the
 * card is ensured and the profile created (available) and reserved for it.
 * A repeat (reserved for the same EID) is no error. AW_ERR_PLATFORM_EID,
 * AW_ERR_PLATFORM_ICCID, AW_ERR_ARGUMENT (IMSI, MSISDN, type);
 * AW_ERR_PLATFORM_TRANSITION: the profile is elsewhere in its life. */
aw_err platform_profile_record_reserved(db_connection *db, const platform_profile_record *record,
                                        const char *actor, int64_t now_ms);
/* EXECUTOR, when the item is written (the download and installation
 * succeeded, SGP.22 5.3.5 HandleDownloadProgressInfo): the card is ensured
 * (registered -> active), the profile (created when unknown) walks
 * available -> reserved -> downloaded -> installed, recording each step, and
 * takes the IMSI/MSISDN given; an MSISDN that is a number of the tenant's
 * pools goes reserved -> in_use for this ICCID (it must be reserved for this
 * EID or order). One transaction (own or the caller's). A repeat (installed
 * on the same EID) is no error. Errors as above, and AW_ERR_PLATFORM_TRANSITION
 * for a number in another state or held for another card. */
aw_err platform_profile_record_written(db_connection *db, const platform_profile_record *record,
                                       const char *actor, int64_t now_ms);
/* EXECUTOR, when the download failed after the profile was reserved: the
 * profile goes back to available (reserved or downloaded -> available) and
 * a pool number reserved for its card and order is released (-> free).
 * AW_ERR_NOT_FOUND; AW_ERR_PLATFORM_TRANSITION. */
aw_err platform_profile_record_failed(db_connection *db, const char *tenant, const char *iccid,
                                      const char *cause, const char *actor, int64_t now_ms);
/* Local profile management as the card reports it (SGP.22 3.2: enabled,
 * disabled, deleted): the profile machine's transition; a deleted
 * profile's pool number goes in_use -> cooling. AW_ERR_NOT_FOUND;
 * AW_ERR_PLATFORM_TRANSITION. */
aw_err platform_profile_transition(db_connection *db, const char *tenant, const char *iccid,
                                   const char *to, const char *cause, const char *actor,
                                   int64_t now_ms);
/* AW_ERR_NOT_FOUND. */
aw_err platform_profile_get(db_connection *db, const char *tenant, const char *iccid,
                            platform_profile *profile);

/* Filters of the queries; NULL members match anything. */
typedef struct platform_query_filter {
    const char *eid;
    const char *iccid;
    const char *imsi;
    const char *msisdn;
    const char *state;         /* of the card (cards) or the profile (profiles) */
    const char *profile_type;  /* profiles only */
} platform_query_filter;

/* tenant's cards with id above after, oldest first, at most limit
 * (1..PLATFORM_QUERY_PAGE_MAX), matching filter (iccid, imsi, msisdn: cards
 * holding such a profile). list malloc'd, NULL when count is 0.
 * AW_ERR_PLATFORM_FIELD: a malformed filter, limit or cursor. */
aw_err platform_card_list(db_connection *db, const char *tenant,
                          const platform_query_filter *filter, int64_t after, size_t limit,
                          platform_card **list, size_t *count, bool *more);
/* The same for profiles. */
aw_err platform_profile_list(db_connection *db, const char *tenant,
                             const platform_query_filter *filter, int64_t after, size_t limit,
                             platform_profile **list, size_t *count, bool *more);

typedef struct platform_history_entry {
    int64_t id;                                  /* paging cursor */
    platform_lifecycle_machine machine;          /* card or profile */
    char entity_id[PLATFORM_ENTITY_ID_MAX + 1];  /* EID or ICCID */
    platform_lifecycle_event event;
} platform_history_entry;

/* Lifecycle history of tenant's card eid and of its profiles, oldest
 * first, paged as the lists. AW_ERR_PLATFORM_CARD_UNKNOWN;
 * AW_ERR_PLATFORM_FIELD. */
aw_err platform_card_history(db_connection *db, const char *tenant, const char *eid,
                             int64_t after, size_t limit, platform_history_entry **list,
                             size_t *count, bool *more);

typedef struct platform_state_count {
    char state[PLATFORM_STATE_MAX + 1];
    int64_t count;
} platform_state_count;

#define PLATFORM_STATISTICS_STATES 8u

/* Counts per state, only states with entities. */
typedef struct platform_statistics {
    size_t order_count, item_count, card_count, profile_count;
    platform_state_count orders[PLATFORM_STATISTICS_STATES];   /* created in the period */
    platform_state_count items[PLATFORM_STATISTICS_STATES];    /* of those orders */
    platform_state_count cards[PLATFORM_STATISTICS_STATES];    /* first seen in it, state now */
    platform_state_count profiles[PLATFORM_STATISTICS_STATES]; /* created in it, state now */
} platform_statistics;

/* tenant's statistics over [from_ms, to_ms). AW_ERR_PLATFORM_FIELD:
 * from_ms < 0 or to_ms <= from_ms. */
aw_err platform_statistics_get(db_connection *db, const char *tenant, int64_t from_ms,
                               int64_t to_ms, platform_statistics *stats);

#endif
