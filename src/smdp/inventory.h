/* airwrite SM-DP+: profile inventory (SGP.22 3.1.1 profile ordering, 5.3
 * ES2+): profile types (SAIP templates by name), the profiles of imported
 * batches with their order state, and the history of every state change;
 * on SQLite or PostgreSQL (core/db.h), schema component "smdp_inventory".
 *
 * Profile states (SGP.22 3.1.1 / 5.3 ES2+ and ES9+ progress):
 *   available -> allocated (DownloadOrder without EID) | linked (with EID)
 *   allocated | linked -> confirmed | released      (ConfirmOrder releaseFlag)
 *   confirmed -> released                            (ReleaseProfile)
 *   released -> downloaded -> installed              (ES9+, mark_*)
 *   released | downloaded -> error                   (ES9+, mark_error)
 *   allocated | linked | confirmed | released | error
 *       -> available | unavailable                   (CancelOrder final state)
 * Every change is one conditional UPDATE (from the expected state) plus a
 * history row, in one transaction: an illegal or concurrent change finds
 * no row and is refused (AW_ERR_STATE); a profile is never given to two
 * orders.
 *
 * Ki/OPc are stored encrypted (AES-256-GCM, 12-byte random nonce, 16-byte
 * tag; blob = nonce || ciphertext || tag) under the newest key of a key
 * ring, its key id stored beside the ciphertext so keys can rotate; the
 * additional authenticated data binds the ICCID and the field ("ki"/"opc"),
 * so a ciphertext moved to another row or column does not decrypt. Secrets
 * are decrypted only by smdp_inventory_load_secrets (personalisation).
 */
#ifndef AIRWRITE_SMDP_INVENTORY_H
#define AIRWRITE_SMDP_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "core/key_ring_table.h"
#include "core/saip.h"
#include "smdp/import.h"

#define SMDP_STORAGE_KEY_SIZE KEY_RING_KEY_SIZE
#define SMDP_KEY_RING_MAX KEY_RING_MAX
#define SMDP_EID_TEXT 33u           /* 32 digits (SGP.29) + NUL */
#define SMDP_MATCHING_ID_MAX 64u    /* characters, without the NUL */
#define SMDP_NAME_MAX 64u           /* serviceProviderName, profileName (SGP.22 5.5.3: 0..64 octets) */

/* ---- Key ring ----------------------------------------------------------- */

/* The core key ring (core/key_ring.h) with the SM-DP+'s error codes. */
typedef struct key_ring smdp_key_ring;

aw_err smdp_key_ring_new(smdp_key_ring **out);
void smdp_key_ring_free(smdp_key_ring *ring); /* erases the keys; NULL-safe */

/* Add key key_id (1..2^31-1, unique in the ring) read from path: exactly 32
 * bytes, mode 0600 or stricter (no group or other bits). If the file does
 * not exist and create is true, 32 random bytes are written to it first
 * (mode 0600, atomically). AW_ERR_SMDP_KEY_FILE for a wrong size, mode or
 * repeated id; AW_ERR_NOT_FOUND when absent and create is false; AW_ERR_LIMIT
 * past SMDP_KEY_RING_MAX keys. The highest id is the one new rows use. */
aw_err smdp_key_ring_add_file(smdp_key_ring *ring, uint32_t key_id, const char *path, bool create);

/* Id new rows are encrypted under (0 if the ring is empty). */
uint32_t smdp_key_ring_current_id(const smdp_key_ring *ring);

/* ---- States --------------------------------------------------------------- */

typedef enum smdp_state {
    SMDP_STATE_AVAILABLE = 1,
    SMDP_STATE_ALLOCATED,
    SMDP_STATE_LINKED,
    SMDP_STATE_CONFIRMED,
    SMDP_STATE_RELEASED,
    SMDP_STATE_DOWNLOADED,
    SMDP_STATE_INSTALLED,
    SMDP_STATE_ERROR,
    SMDP_STATE_UNAVAILABLE,
} smdp_state;

/* Lower-case name as stored ("available", ...); NULL for another value. */
const char *smdp_state_name(smdp_state state);
/* AW_ERR_NOT_FOUND for an unknown name. */
aw_err smdp_state_parse(const char *name, smdp_state *state);

/* ---- Schema and profile types ------------------------------------------- */

/* Create or upgrade the tables (db_migrate component "smdp_inventory"). */
aw_err smdp_inventory_migrate(db_connection *db);

/* SGP.22 ProfileInfo profileClass values (RSPDefinitions ProfileClass). */
typedef enum smdp_profile_class {
    SMDP_PROFILE_CLASS_TEST = 0,
    SMDP_PROFILE_CLASS_PROVISIONING = 1,
    SMDP_PROFILE_CLASS_OPERATIONAL = 2,
} smdp_profile_class;

typedef struct smdp_profile_type {
    const char *name;                  /* smdp_import_check_profile_type rule */
    const uint8_t *template_package;   /* unprotected SAIP profile package (saip.h) */
    size_t template_len;
    const char *service_provider_name; /* 0..64 bytes (SGP.22 5.5.3) */
    const char *profile_name;          /* 0..64 bytes */
    smdp_profile_class profile_class;
} smdp_profile_type;

/* Store a profile type. The template must parse as a SAIP package
 * (saip_profile_parse's error otherwise). AW_ERR_SMDP_IMPORT_PROFILE_TYPE for
 * a bad name, AW_ERR_SMDP_METADATA for a name or class out of range,
 * AW_ERR_DB_UNIQUE if the name exists. */
aw_err smdp_inventory_add_profile_type(db_connection *db, const smdp_profile_type *type,
                                       int64_t now_ms);

/* The stored template of a profile type (malloc'd; free()). AW_ERR_NOT_FOUND. */
aw_err smdp_inventory_get_template(db_connection *db, const char *name, uint8_t **package,
                                   size_t *len);

/* ---- Import ----------------------------------------------------------------- */

/* Insert every record of batch as an available profile in one transaction:
 * all or nothing. AW_ERR_SMDP_IMPORT_PROFILE_TYPE if the batch's profile
 * type is not stored, AW_ERR_DB_UNIQUE if an ICCID or IMSI is already in
 * the inventory (nothing inserted), AW_ERR_SMDP_KEY_FILE for an empty ring. */
aw_err smdp_inventory_import(db_connection *db, const smdp_key_ring *ring,
                             const smdp_import_batch *batch, int64_t now_ms);

/* ---- Profiles --------------------------------------------------------------- */

typedef struct smdp_profile_info {
    char iccid[SAIP_ICCID_TEXT];
    char imsi[SAIP_IMSI_TEXT];
    char msisdn[SAIP_MSISDN_TEXT];     /* "" when none */
    char profile_type[SMDP_PROFILE_TYPE_MAX + 1];
    smdp_state state;
    char eid[SMDP_EID_TEXT];           /* "" when none */
    char matching_id[SMDP_MATCHING_ID_MAX + 1]; /* "" when none */
    bool has_confirmation_code;
    uint8_t confirmation_code_hash[32]; /* SHA-256(CC) when has_confirmation_code */
    int64_t confirmation_code_attempts;
    uint32_t key_id;                   /* key the Ki/OPc are encrypted under */
} smdp_profile_info;

/* AW_ERR_NOT_FOUND for an unknown ICCID. */
aw_err smdp_inventory_get_profile(db_connection *db, const char *iccid, smdp_profile_info *out);

/* Decrypt a profile's Ki/OPc and algorithm for personalisation (erase with
 * saip_aka_cleanse). AW_ERR_SMDP_DECRYPT if its key id is not in the ring or
 * the ciphertext does not authenticate; AW_ERR_NOT_FOUND. */
aw_err smdp_inventory_load_secrets(db_connection *db, const smdp_key_ring *ring,
                                   const char *iccid, saip_aka *out);

/* Re-encrypt every row not under the ring's current key (key rotation):
 * key_ring_table_rotate over smdp_inventory_sealed_table, 64 rows per
 * transaction, resumable, compare-and-swap per row. *count receives the
 * number of rows rewritten. AW_ERR_SMDP_KEY_FILE: empty ring;
 * AW_ERR_SMDP_DECRYPT: a row under a key the ring lacks or one that does
 * not authenticate. */
aw_err smdp_inventory_rekey(db_connection *db, const smdp_key_ring *ring, int64_t now_ms,
                            size_t *count);

/* The profile table's sealed columns (ki_encrypted, opc_encrypted under
 * key_id; AAD = ICCID || 0x00 || "ki"/"opc"), for key_ring_table.h. */
const key_ring_table *smdp_inventory_sealed_table(void);

/* Number of profiles of a type in a state (profile_type NULL: any type). */
aw_err smdp_inventory_count(db_connection *db, const char *profile_type, smdp_state state,
                            int64_t *count);

/* ---- Download progress (ES9+ sets these; SGP.22 3.1.3, 5.6) ----------------- */

/* released -> downloaded; downloaded -> installed; released | downloaded ->
 * error. cause is recorded in the history (1..200 printable characters).
 * AW_ERR_NOT_FOUND for an unknown ICCID, AW_ERR_STATE from another state. */
aw_err smdp_inventory_mark_downloaded(db_connection *db, const char *iccid, const char *cause,
                                      int64_t now_ms);
aw_err smdp_inventory_mark_installed(db_connection *db, const char *iccid, const char *cause,
                                     int64_t now_ms);
aw_err smdp_inventory_mark_error(db_connection *db, const char *iccid, const char *cause,
                                 int64_t now_ms);

/* ---- History ---------------------------------------------------------------- */

typedef struct smdp_history_entry {
    smdp_state from;
    smdp_state to;
    char cause[201];
    int64_t at_ms;
} smdp_history_entry;

/* A profile's state changes, oldest first (free()). */
aw_err smdp_inventory_history(db_connection *db, const char *iccid, smdp_history_entry **entries,
                              size_t *count);

#endif
