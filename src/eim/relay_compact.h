/* airwrite eIM: what the relay keeps to honour minimizeEsipaBytes (SGP.32
 * IpaCapabilities ipaFeatures minimizeEsipaBytes; ESipa 6.3.2.1-6.3.2.5),
 * internal to src/eim (relay.c, relay_notify.c, euicc_data.c, registry.c;
 * euicc_info.c holds the per-eUICC part, relay_compact.c the rest).
 *
 * Per eUICC (table eim_euicc_info): its euiccInfo1 and euiccInfo2 and the
 * ipaFeatures its IPA announced, from IpaEuiccData (2.11.2) or
 * eim_registry_set_euicc_info. Per relayed download (eim_download_context):
 * serverAddress and serverChallenge of the serverSigned1 relayed, the
 * SM-DP+ OID of its CERT.DPauth, the bppEuiccOtpk of smdpSigned2, the ICCID
 * of the profile (profileMetadata, else the BPP's StoreMetadataRequest).
 * With those and the eUICC's certificates (the registry) the compact forms
 * are rebuilt byte for byte (core/sgp32_compact.h) before ES9+. */
#ifndef AIRWRITE_EIM_RELAY_COMPACT_H
#define AIRWRITE_EIM_RELAY_COMPACT_H

#include "core/sgp32_compact.h"
#include "eim/eim_internal.h"

/* Tables of component "eim-compact" (called by eim_migrate). */
aw_err eim_compact_migrate(db_connection *db);

/* Keep what IpaEuiccData brings (euiccInfo1, euiccInfo2, ipaCapabilities)
 * for eid; items absent leave what is held. */
aw_err eim_compact_store_euicc_data(db_connection *db, const char *eid,
                                    const sgp32_ipa_euicc_data *data, int64_t now_ms);

/* Whether eid's IPA announced minimizeEsipaBytes (false when unknown). */
aw_err eim_compact_minimizing(db_connection *db, const char *eid, bool *on);

/* The euiccInfo1 held for eid (*out malloc'd); AW_ERR_SGP32_COMPACT_CONTEXT
 * when none. */
aw_err eim_compact_euicc_info1(db_connection *db, const char *eid, uint8_t **out,
                               size_t *out_len);
/* The same for euiccInfo2. */
aw_err eim_compact_euicc_info2(db_connection *db, const char *eid, uint8_t **out,
                               size_t *out_len);

/* After the SM-DP+ answered: InitiateAuthentication (its ES9+ answer, the
 * serverSigned1 and serverCertificate), AuthenticateClient (smdpSigned2,
 * profileMetadata), GetBoundProfilePackage (the BPP). */
aw_err eim_compact_note_response(db_connection *db, sgp32_esipa_eim_to_ipa_kind kind,
                                 const uint8_t *answer, size_t len);

/* The ES9+ request of an ESipa AuthenticateClient / GetBoundProfilePackage /
 * CancelSession whose nested answer is compact, rebuilt (*out malloc'd);
 * *out NULL when the answer is not compact. AW_ERR_EIM_RELAY_TRANSACTION
 * for a transactionId this eIM relays no download of,
 * AW_ERR_SGP32_COMPACT_CONTEXT when what it left out is not held. */
aw_err eim_compact_expand_request(db_connection *db, const sgp32_esipa_message_from_ipa_to_eim *m,
                                  uint8_t **out, size_t *out_len);

/* A compact PendingNotification rebuilt (*out malloc'd): a PIR from its
 * relayed download, another notification with the certificates of the
 * eUICC its eidValue names. */
aw_err eim_compact_expand_notification(db_connection *db, aw_slice pending, uint8_t **out,
                                       size_t *out_len);

/* The Ok answer (ESipa encoding) without its transactionId, which an IPA
 * that minimizes takes from serverSigned1 / smdpSigned2 or knows already;
 * an error answer unchanged. Replaces *answer. */
aw_err eim_compact_strip_transaction_id(uint8_t **answer, size_t *len);

#endif
