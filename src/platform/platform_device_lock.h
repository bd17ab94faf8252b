/* airwrite platform: card-device locking (机卡互锁, issue 8), part of the
 * platform's one public header (included at the end of platform/platform.h;
 * include that, not this). docs/device-lock.md.
 *
 * A card (EID) of a tenant is bound to one device: an IMEI, IMEISV or TAC
 * (core/device_identity.h). The binding goes to the eIM
 * (eim_device_binding_set, by the executor's sweep), which with the policy
 * on refuses an indirect download whose eUICC-signed DeviceInfo names
 * another device and records the mismatch; the sweep collects it, raises a
 * terminal exception T3101 for each tenant holding the card, and with
 * lock_on_mismatch locks the card and queues a PSMO disable of its enabled
 * profile (card operations). A locked card takes no card operation and no
 * write (A7201) until a role with device_binding.unlock unlocks it. Every
 * change is in the audit log. With the policy off the eIM checks nothing,
 * no mismatch is collected, and SGP.22/SGP.32 run unchanged. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_DEVICE_LOCK_H
#define AIRWRITE_PLATFORM_PLATFORM_DEVICE_LOCK_H

#define PLATFORM_DEVICE_TEXT_MAX 16u      /* IMEISV digits */
#define PLATFORM_DEVICE_ACTOR_MAX 160u
#define PLATFORM_DEVICE_LOCK_MISMATCH_CODE "T3101" /* card in another device */
#define PLATFORM_DEVICE_LOCK_REFUSED_CODE "T3102"  /* the device refused a card */
#define PLATFORM_DEVICE_LOCK_ITEM_CODE "A7201"     /* an order item of a locked card */
#define PLATFORM_DEVICE_LOCK_SYSTEM_ACTOR "device-lock"
#define PLATFORM_DEVICE_LOCK_SWEEP_PAGE 100u

struct audit_options;

/* [device_lock] of airwrited (docs/device-lock.md). */
typedef struct platform_device_lock_policy {
    bool enabled;          /* the eIM checks downloads and mismatches are collected */
    bool lock_on_mismatch; /* a mismatch locks the card and disables its enabled profile */
    /* how the sweep's entries are appended (borrowed; NULL: the international
     * suite without checkpoints, as the API's default) */
    const struct audit_options *audit;
} platform_device_lock_policy;

/* enabled false, lock_on_mismatch true, audit NULL. */
void platform_device_lock_policy_default(platform_device_lock_policy *policy);

/* Create or upgrade the tables (db_migrate component "platform_device_lock");
 * platform_migrate calls it. */
aw_err platform_device_lock_migrate(db_connection *db);

/* A card's binding as stored. */
typedef struct platform_device_binding {
    char tenant[PLATFORM_TENANT_MAX + 1];
    char eid[PLATFORM_EID_DIGITS + 1];
    char device[PLATFORM_DEVICE_TEXT_MAX + 1];
    bool locked;
    char lock_cause[PLATFORM_EXCEPTION_CODE_MAX + 1]; /* "T3101" or "manual"; "" unlocked */
    char exception_id[PLATFORM_EXCEPTION_ID_LENGTH + 1]; /* the mismatch's; "" otherwise */
    char locked_by[PLATFORM_DEVICE_ACTOR_MAX + 1];
    int64_t locked_at_ms;
    bool synced;             /* the eIM holds this device for the card */
    char bound_by[PLATFORM_DEVICE_ACTOR_MAX + 1];
    int64_t created_at_ms, updated_at_ms;
} platform_device_binding;

/* Bind tenant's card eid to device (device_identity_check_text), or change
 * its device; actor names who (e.g. "app:<id>"). AW_ERR_PLATFORM_CARD_UNKNOWN
 * (no such card of the tenant), AW_ERR_DEVICE_IDENTITY_FORMAT,
 * AW_ERR_PLATFORM_DEVICE_LOCKED (a locked card keeps its device until
 * unlocked), AW_ERR_ARGUMENT. *out (may be NULL) the binding now. */
aw_err platform_device_binding_set(db_connection *db, const char *tenant, const char *eid,
                                   const char *device, const char *actor, int64_t now_ms,
                                   platform_device_binding *out);

/* AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN when the card has none. */
aw_err platform_device_binding_get(db_connection *db, const char *tenant, const char *eid,
                                   platform_device_binding *out);

/* Remove the binding (the eIM's at the next sweep).
 * AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN; AW_ERR_PLATFORM_DEVICE_LOCKED. */
aw_err platform_device_binding_remove(db_connection *db, const char *tenant, const char *eid,
                                      int64_t now_ms);

/* Lock the bound card: cause "manual" or a cause code, exception_id ""
 * when none. AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
 * AW_ERR_PLATFORM_DEVICE_LOCKED when it is locked already. In the caller's
 * transaction when it has one. */
aw_err platform_device_lock(db_connection *db, const char *tenant, const char *eid,
                            const char *cause, const char *exception_id, const char *actor,
                            int64_t now_ms);

/* Lift the lock. AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN;
 * AW_ERR_PLATFORM_DEVICE_NOT_LOCKED. *out (may be NULL) the binding as it
 * was locked (its cause and exception, for the audit record). */
aw_err platform_device_unlock(db_connection *db, const char *tenant, const char *eid,
                              int64_t now_ms, platform_device_binding *out);

/* AW_ERR_PLATFORM_DEVICE_LOCKED when tenant's card eid is locked, else
 * AW_OK (also for an unbound card). */
aw_err platform_device_lock_check(db_connection *db, const char *tenant, const char *eid);

/* ---- Bindings per profile (device_lock_profile.c) ----------------------
 * A profile (ICCID) of a tenant bound to a device. The executor tells the
 * eIM the device with each download trigger of the profile
 * (platform_device_lock_expect), and the eIM, with the policy on, refuses a
 * download of it whose eUICC-signed DeviceInfo names another device (T3101
 * by the sweep, no lock: the profile never reached the card). Enable and
 * switch card operations to a bound profile are refused (A7205) under the
 * policy unless the card's last eUICC-signed device (the latest download
 * the eIM verified for that EID) is the bound one. */
typedef struct platform_profile_binding {
    char tenant[PLATFORM_TENANT_MAX + 1];
    char iccid[PLATFORM_ICCID_MAX + 1];
    char device[PLATFORM_DEVICE_TEXT_MAX + 1];
    char bound_by[PLATFORM_DEVICE_ACTOR_MAX + 1];
    int64_t created_at_ms, updated_at_ms;
} platform_profile_binding;

/* Bind (or rebind) tenant's profile iccid (platform_iccid_check; the
 * profile need not be written yet) to device. AW_ERR_PLATFORM_FIELD (ICCID),
 * AW_ERR_DEVICE_IDENTITY_FORMAT, AW_ERR_ARGUMENT. *out (may be NULL). */
aw_err platform_profile_binding_set(db_connection *db, const char *tenant, const char *iccid,
                                    const char *device, const char *actor, int64_t now_ms,
                                    platform_profile_binding *out);

/* AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN when the profile has none. */
aw_err platform_profile_binding_get(db_connection *db, const char *tenant, const char *iccid,
                                    platform_profile_binding *out);

/* AW_ERR_PLATFORM_DEVICE_BINDING_UNKNOWN when the profile has none. */
aw_err platform_profile_binding_remove(db_connection *db, const char *tenant, const char *iccid);

/* The executor, before it queues the download trigger of matching_id for
 * tenant's profile iccid on card eid: when the profile is bound, its device
 * goes to the eIM with the trigger (eim_device_binding_expect); nothing
 * otherwise. BLOCKING on both databases. */
aw_err platform_device_lock_expect(db_connection *db, db_connection *eim_db, const char *tenant,
                                   const char *eid, const char *iccid, const char *matching_id,
                                   int64_t now_ms);

/* A card operation of tenant's card eid enabling iccid (enable, or switch
 * to it): AW_ERR_PLATFORM_DEVICE_UNVERIFIED when the policy (as the sweep
 * last applied it) is on, iccid is bound, and the card's last verified
 * device is missing or not the bound device; else AW_OK. */
aw_err platform_profile_binding_check(db_connection *db, const char *tenant, const char *eid,
                                      const char *iccid);

typedef struct platform_device_lock_stats {
    int64_t pushed;      /* bindings set at the eIM */
    int64_t removed;     /* bindings removed at the eIM */
    int64_t mismatches;  /* the eIM's refusals collected */
    int64_t locked;      /* cards locked by them */
    int64_t disables;    /* PSMO disables queued */
    int64_t verified;    /* cards' last verified devices taken from the eIM */
} platform_device_lock_stats;

/* One round (the executor's sweep, BLOCKING on both databases): bindings
 * not yet at the eIM set or removed there; with policy->enabled the eIM's
 * mismatches since the last round: an exception T3101 (serious, source
 * "eim") per tenant holding a binding of the card, and with
 * lock_on_mismatch the card locked (audited as the system) and a card
 * operation disable of its enabled profile queued (none when no profile is
 * enabled or another operation is in progress). Each mismatch commits in
 * one transaction with the cursor, so a crash repeats at most the one in
 * progress (the exception bumps, the lock stands). policy NULL: off. stats
 * may be NULL. */
aw_err platform_device_lock_sweep(db_connection *db, db_connection *eim_db,
                                  const platform_device_lock_policy *policy,
                                  const platform_exception_policy *exceptions, int64_t now_ms,
                                  platform_device_lock_stats *stats);

/* A device's refusal of a card not bound to it (terminal report kind
 * card_refused): T3102 (significant, source "terminal") for each tenant
 * holding card eid, the device's own EID and reported IMEI in the detail.
 * In the caller's transaction. */
aw_err platform_device_lock_on_refused(db_connection *db, const platform_exception_policy *policy,
                                       const char *device_eid, const char *card_eid,
                                       const char *imei, int64_t now_ms);

#endif
