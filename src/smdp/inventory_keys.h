/* airwrite SM-DP+: the storage key ring on disk and key rotation for the
 * Ki/OPc encrypted at rest (inventory.h; NIST SP 800-57 Part 1 5.3: a key
 * used for a cryptoperiod, then replaced, its data re-encrypted).
 *
 * Key ring directory: one file per key, named "<id>.key" with id in
 * decimal (1..2147483647, no leading zero), each exactly 32 random bytes
 * with mode 0600 or stricter. Other names in the directory are ignored.
 * The highest id is the current key: new imports are encrypted under it,
 * and every row is decrypted with the key id stored beside it. A single
 * key file (the layout before rotation) is key id 1.
 *
 * Rotation without downtime: smdp_key_ring_generate adds the next key to
 * the directory; the daemon reloads the ring (SIGHUP) so it holds old and
 * new keys; smdp_inventory_rekey (inventory.h) re-encrypts the rows under
 * older keys chunk by chunk, each chunk one transaction (an interrupted run
 * is resumed by running it again); once smdp_inventory_count_stale is 0 the
 * old key files can be removed.
 */
#ifndef AIRWRITE_SMDP_INVENTORY_KEYS_H
#define AIRWRITE_SMDP_INVENTORY_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "smdp/inventory.h"

#define SMDP_KEY_FILE_SUFFIX ".key"

/* Add the keys at path to ring: every "<id>.key" of a directory, or a
 * single key file as key id 1. AW_ERR_NOT_FOUND when path does not exist
 * or the directory holds no key file; AW_ERR_IO when it cannot be read;
 * otherwise the errors of smdp_key_ring_add_file (AW_ERR_SMDP_KEY_FILE for
 * a key of the wrong size or mode, or an id already in the ring;
 * AW_ERR_LIMIT past SMDP_KEY_RING_MAX keys). */
aw_err smdp_key_ring_load(smdp_key_ring *ring, const char *path);

/* Create the next key in directory: id one above the highest "<id>.key"
 * there (1 in an empty directory), 32 random bytes, mode 0600, never
 * replacing a file. *key_id receives the new id. AW_ERR_NOT_FOUND when the
 * directory does not exist, AW_ERR_LIMIT when the id would pass
 * 2147483647, AW_ERR_IO on a write failure. */
aw_err smdp_key_ring_generate(const char *directory, uint32_t *key_id);

/* Number of keys in the ring. */
size_t smdp_key_ring_count(const smdp_key_ring *ring);

/* Is key_id one of the ring's keys? */
bool smdp_key_ring_has_id(const smdp_key_ring *ring, uint32_t key_id);

/* Every key id the inventory's Ki/OPc are encrypted under is in ring, else
 * AW_ERR_SMDP_KEY_MISSING with the lowest missing id in *missing_key_id
 * (0 on success). What a daemon checks before serving, so a missing key
 * shows at startup rather than as failed downloads. */
aw_err smdp_inventory_check_key_ids(db_connection *db, const smdp_key_ring *ring,
                                    uint32_t *missing_key_id);

/* Profiles whose Ki/OPc are under a key other than the ring's current one
 * (what smdp_inventory_rekey rewrites). AW_ERR_SMDP_KEY_FILE for an empty
 * ring. */
aw_err smdp_inventory_count_stale(db_connection *db, const smdp_key_ring *ring, int64_t *count);

#endif
