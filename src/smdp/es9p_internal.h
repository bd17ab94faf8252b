/* airwrite SM-DP+: helpers shared by the ES9+ function files (es9p_auth.c,
 * es9p_download.c). Internal to aw_smdp_es9p. */
#ifndef AIRWRITE_SMDP_ES9P_INTERNAL_H
#define AIRWRITE_SMDP_ES9P_INTERNAL_H

#include "smdp/es9p_session.h"

/* A signature as the TLV SGP.22 signs over when it chains signatures
 * (5.7.5: smdpSignature2 covers euiccSignature1 "including tag '5F37'"):
 * 5F 37 40 || r||s. */
#define ES9P_SIGNATURE_TLV_SIZE (3 + CRYPTO_SIGNATURE_SIZE)
void es9p_signature_tlv(const uint8_t signature[CRYPTO_SIGNATURE_SIZE],
                        uint8_t out[ES9P_SIGNATURE_TLV_SIZE]);

/* Load the live session of transaction_id in one of the allowed states
 * (bit mask 1u << state). Unknown, expired or in another state:
 * *status = ES9P_STATUS_TRANSACTION_UNKNOWN (8.10.1 / 3.9), AW_OK. */
aw_err es9p_session_load(const es9p_server *server, aw_slice transaction_id, time_t now,
                         unsigned allowed_states, es9p_session *session, es9p_status *status);

/* Verify an r||s signature by an eUICC (PK.EUICC.ECDSA, e.g. the session's
 * key kept at AuthenticateClient) over part1 || part2. *valid is false for
 * a wrong or malformed signature or no key. */
aw_err es9p_verify_euicc_signature(const es9p_euicc_key *key, aw_slice part1, aw_slice part2,
                                   aw_slice signature, bool *valid);

/* SGP.22 5.6.3: verify CERT.EUM and CERT.EUICC up to a CI of
 * server->trust_store, giving the EID and PK.EUICC.ECDSA. *status is OK or
 * the failure (8.1.2 / 6.1|6.3, 8.1.3 / 6.1|6.3, 8.11.1 / 3.9). */
aw_err es9p_verify_euicc_chain(const es9p_server *server, aw_slice eum_der, aw_slice euicc_der,
                               time_t now, char eid[AW_PKI_EID_DIGITS + 1], es9p_euicc_key *key,
                               es9p_status *status);

/* True when a slice equals the 16-byte transaction ID. */
bool es9p_transaction_id_equal(aw_slice candidate, const uint8_t id[ES9P_TRANSACTION_ID_SIZE]);

#endif
