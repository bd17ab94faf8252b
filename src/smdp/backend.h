/* airwrite SM-DP+: the es9p_backend (es9p_session.h) of the daemon, over
 * the profile inventory and ES2+ orders (inventory.h, es2p.h) and the BPP
 * builder (personalise.h, bpp.h): SGP.22 3.1.3 steps 10 (order lookup),
 * 13 (Confirmation Code attempts), 17 (binding), 3.1.3 end (installation
 * result) and 3.5 (Cancel Session). Every state change it makes queues the
 * operator's HandleDownloadProgressInfo (SGP.22 5.3.5, es2p_notify.h) in
 * the same transaction:
 *   point 1 (eligibility and retry limit check): a found order refused to
 *           the eUICC (EID mismatch, not released, expired 8.8.5 / 4.10,
 *           Confirmation Code retries exceeded, already used), Failed with
 *           the ES9+ status the eUICC gets;
 *   point 2 (ConfirmationFailure): Confirmation Code retries exceeded, the
 *           order fails (8.2.7 / 6.4);
 *   point 3 (BPP download): the first binding of the order, success; a
 *           Cancel Session that ends the order, Failed with the code of its
 *           reason;
 *   point 4 (BPP installation): the ProfileInstallationResult, success or
 *           Failed (8.2.10 / 4.2), resultData its ProfileInstallationResultData;
 *           a Cancel Session for loadBppExecutionError, Failed. */
#ifndef AIRWRITE_SMDP_BACKEND_H
#define AIRWRITE_SMDP_BACKEND_H

#include <stdint.h>

#include "core/db.h"
#include "smdp/es2p_notifier.h"
#include "smdp/es2p_notify.h"
#include "smdp/es9p_durable.h"
#include "smdp/es9p_session.h"
#include "smdp/inventory.h"

/* Wrong Confirmation Codes accepted before the order fails (SGP.22 5.6.2). */
#define SMDP_BACKEND_DEFAULT_CC_LIMIT 3
/* State changes one ES9+ request can make (a binding or an installation
 * result makes one). */
#define SMDP_BACKEND_CHANGES_MAX 4u

/* One state change with its operator notification (smdp_es2p_progress's
 * arguments), copied so that it outlives the request that made it. cause,
 * and progress's subject_code, reason_code and message, are static texts
 * (literals or es9p_status tables); eid and result data are copies. */
typedef struct smdp_backend_change {
    char iccid[SAIP_ICCID_TEXT];
    smdp_state from[2];
    size_t from_count;
    smdp_state to;
    const char *cause;
    bool has_progress;
    smdp_progress progress;        /* eid -> eid, result_data -> result_data below */
    char eid[SMDP_EID_TEXT];
    uint8_t *result_data;          /* malloc'd; NULL when none */
    int64_t now_ms;
} smdp_backend_change;

/* Writes of bound ES9+ sessions one request can make (es9p_durable.h):
 * the record saved at GetBoundProfilePackage, removed at the end of the
 * session (HandleNotification, CancelSession). */
#define SMDP_BACKEND_SESSION_CHANGES_MAX 2u

typedef struct smdp_session_change {
    bool remove;                 /* else save */
    es9p_durable_record record;  /* save: the record (now = created_ms); remove: its ID */
} smdp_session_change;

/* The changes of one request, to be committed later (writer.h): the state
 * changes, then the session writes, in one transaction so that the
 * session record holds exactly when the state change it goes with does. */
typedef struct smdp_backend_changes {
    smdp_backend_change items[SMDP_BACKEND_CHANGES_MAX];
    size_t count;
    smdp_session_change sessions[SMDP_BACKEND_SESSION_CHANGES_MAX];
    size_t session_count;
} smdp_backend_changes;

/* True when changes holds nothing to commit (NULL too). */
bool smdp_backend_changes_empty(const smdp_backend_changes *changes);

/* Inside the caller's open transaction: make every change (in order);
 * the first error is returned and the caller rolls back. */
aw_err smdp_backend_changes_apply(db_connection *db, const smdp_backend_changes *changes);
/* Free the copies; count and session_count become 0. NULL-safe. */
void smdp_backend_changes_clear(smdp_backend_changes *changes);

typedef struct smdp_backend {
    db_connection *db;                /* borrowed; used from the event loop thread only */
    const smdp_key_ring *key_ring;    /* borrowed: decrypts Ki/OPc at binding */
    const char *notification_address; /* FQDN put in the install notification config */
    int64_t confirmation_code_limit;  /* 0: SMDP_BACKEND_DEFAULT_CC_LIMIT */
    smdp_notifier *notifier;          /* borrowed, may be NULL: woken after queuing */
    /* NULL: every state change is committed at once on db. Else the
     * changes of binding, installation results, eligibility refusals and
     * cancelled sessions are collected here instead (the caller commits
     * them before it answers, and wakes the notifier); Confirmation Code
     * attempts are still counted at once, as their count decides the
     * answer (SGP.22 5.6.2). AW_ERR_LIMIT past SMDP_BACKEND_CHANGES_MAX. */
    smdp_backend_changes *deferred;
} smdp_backend;

/* The es9p_backend whose callbacks run on backend (borrowed, must outlive it). */
es9p_backend smdp_backend_interface(smdp_backend *backend);

#endif
