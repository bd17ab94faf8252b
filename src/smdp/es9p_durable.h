/* airwrite SM-DP+: the ES9+ download sessions that must outlive the
 * SM-DP+ process, kept in its database (core/db.h, SQLite or PostgreSQL;
 * db_migrate component "smdp_sessions").
 *
 * Why: after GetBoundProfilePackage (SGP.22 5.6.2, 3.1.3 step 17) the
 * eUICC installs the profile and its ProfileInstallationResult reaches the
 * SM-DP+ later through ES9+.HandleNotification (5.6.4, 3.1.3 step 23,
 * 3.5), maybe much later and maybe at another SM-DP+ process sharing the
 * database. The SM-DP+ verifies euiccSignPIR with PK.EUICC.ECDSA of the
 * CERT.EUICC it verified at AuthenticateClient (5.6.3), so that key, the
 * EID and the order of the session must survive a restart; without them the
 * profile would stay "downloaded" and the operator's point 4 (5.3.5) would
 * never go out.
 *
 * What is kept is public only, by construction: an es9p_durable_record has
 * no field for the Confirmation Code hash, the server challenge or any
 * key other than the eUICC's public one. No session secret outlives the
 * binding on the SM-DP+ side (otSK.DP.ECKA, ShS, the 2.6.4 session keys
 * and PPKs are erased before smdp_bpp_build returns, bpp.h), so nothing
 * needs sealing with the key ring (inventory_keys.h).
 *
 * Sessions before the binding (InitiateAuthentication, AuthenticateClient)
 * are not kept: after a restart their next call finds no session and is
 * answered 8.10.1 / 3.9 "TransactionId unknown" (5.6.2, 5.6.3, 5.6.5),
 * and the LPA starts the download again (3.1.3: a new RSP session). */
#ifndef AIRWRITE_SMDP_ES9P_DURABLE_H
#define AIRWRITE_SMDP_ES9P_DURABLE_H

#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "smdp/es9p_store.h"

#define ES9P_DURABLE_COMPONENT "smdp_sessions"

/* One bound session as the database holds it (table smdp_sessions). */
typedef struct es9p_durable_record {
    uint8_t transaction_id[ES9P_TRANSACTION_ID_SIZE];
    char eid[AW_PKI_EID_DIGITS + 1];          /* 32 digits */
    char iccid[ES9P_SESSION_ORDER_ID_MAX];    /* the order id (the ICCID, backend.h) */
    es9p_euicc_key euicc_key;                 /* PK.EUICC.ECDSA: public */
    int64_t created_ms;
    int64_t expires_ms;                       /* unusable from this time on */
} es9p_durable_record;

/* Create or upgrade the table (db_migrate component "smdp_sessions"). */
aw_err es9p_durable_migrate(db_connection *db);

/* The record of a bound session (state ES9P_SESSION_BOUND, eUICC key set,
 * EID of 32 digits, order id set) made at now_ms and kept until
 * expires_ms. AW_ERR_ARGUMENT otherwise. */
aw_err es9p_durable_record_from_session(const es9p_session *session, int64_t now_ms,
                                        int64_t expires_ms, es9p_durable_record *out);

/* The session a record stands for: state ES9P_SESSION_BOUND, no
 * Confirmation Code (a bound session never binds again), expires at the
 * record's expiry (rounded down to seconds). */
void es9p_durable_record_to_session(const es9p_durable_record *record, es9p_session *out);

/* Insert or replace record, after deleting the records expired at now_ms.
 * Inside the caller's transaction when one is open (the daemon's writer
 * commits it with the state change of the same request). */
aw_err es9p_durable_save(db_connection *db, const es9p_durable_record *record, int64_t now_ms);

/* The live record of transaction_id at now_ms. AW_ERR_NOT_FOUND when there
 * is none or it expired; AW_ERR_DB_TYPE for a stored row that is not a
 * record this code writes (wrong sizes, unknown curve, non-digit EID). */
aw_err es9p_durable_load(db_connection *db, const uint8_t *transaction_id, size_t len,
                         int64_t now_ms, es9p_durable_record *out);

/* Delete the record of transaction_id; an absent one is AW_OK. */
aw_err es9p_durable_remove(db_connection *db, const uint8_t *transaction_id, size_t len);

/* Delete the records expired at now_ms; deleted (may be NULL) receives how
 * many. */
aw_err es9p_durable_purge(db_connection *db, int64_t now_ms, int64_t *deleted);

#endif
