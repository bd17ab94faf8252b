/* airwrite SM-DP+: internals shared by inventory.c, inventory_keys.c and
 * es2p.c (state changes inside a caller's transaction, secret sealing). */
#ifndef AIRWRITE_SMDP_INVENTORY_INTERNAL_H
#define AIRWRITE_SMDP_INVENTORY_INTERNAL_H

#include "smdp/inventory.h"

#define SMDP_GCM_NONCE_SIZE KEY_RING_NONCE_SIZE
#define SMDP_GCM_TAG_SIZE KEY_RING_TAG_SIZE
#define SMDP_SEALED_MAX (SMDP_GCM_NONCE_SIZE + SAIP_AKA_KEY_MAX + SMDP_GCM_TAG_SIZE)
#define SMDP_CAUSE_MAX 200u

/* AES-256-GCM under the ring's current key; AAD = iccid || 0x00 || field.
 * out receives nonce || ciphertext || tag (len + 28 bytes). */
aw_err smdp_key_ring_seal(const smdp_key_ring *ring, const char *iccid, const char *field,
                          const uint8_t *plain, size_t len, uint8_t out[SMDP_SEALED_MAX],
                          size_t *out_len, uint32_t *key_id);

/* Reverse of seal with key key_id. AW_ERR_SMDP_DECRYPT when the key is not
 * in the ring, the blob is malformed or does not authenticate. */
aw_err smdp_key_ring_open(const smdp_key_ring *ring, uint32_t key_id, const char *iccid,
                          const char *field, const uint8_t *sealed, size_t sealed_len,
                          uint8_t *plain, size_t plain_cap, size_t *plain_len);

/* Inside an open transaction: change the profile from one of the states
 * in from[] to `to` and record it in the history. *previous (may be NULL)
 * receives the state it left. AW_ERR_NOT_FOUND for an unknown ICCID,
 * AW_ERR_STATE when its state is not in from[]. */
aw_err smdp_inventory_change_state(db_connection *db, const char *iccid, const smdp_state *from,
                                   size_t from_count, smdp_state to, const char *cause,
                                   int64_t now_ms, smdp_state *previous);

/* Inside an open transaction: the profile's current state. */
aw_err smdp_inventory_read_state(db_connection *db, const char *iccid, smdp_state *state);

/* Inside an open transaction: append a history row (from 0: creation). */
aw_err smdp_inventory_record_history(db_connection *db, const char *iccid, smdp_state from,
                                     smdp_state to, const char *cause, int64_t now_ms);

/* Causes: 1..SMDP_CAUSE_MAX printable ASCII characters. */
bool smdp_inventory_cause_ok(const char *cause);

#endif
