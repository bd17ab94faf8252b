/* airwrite core: the storage key ring of encryption at rest (issue 7), one
 * for every component that seals secrets in its database (platform app and
 * callback secrets, SM-DP+ Ki/OPc). AES-256-GCM (NIST SP 800-38D) with a
 * 96-bit random nonce per seal; keys rotate as NIST SP 800-57 Part 1 5.3
 * describes: a key protects new data for a cryptoperiod, then a newer key
 * takes over and the data is re-encrypted (key_ring_table.h).
 *
 * Sealed form (what the columns hold, unchanged since the first release):
 *
 *   nonce (12) || ciphertext (plaintext length) || GCM tag (16)
 *
 * The key id is NOT inside it: the caller stores it beside the ciphertext
 * (a key_id column) and hands it back to key_ring_open. The additional
 * authenticated data is the caller's: it binds a ciphertext to its row and
 * field (component label, row id), so a sealed value cannot be moved.
 *
 * Key files: exactly 32 random bytes (an AES-256-GCM key, the international
 * suite) or exactly 16 (an SM4-GCM key, GB/T 32907 with GCM as RFC 8998
 * uses it: the domestic suite, issue 8), a regular file with no group or
 * other access (mode 0600 or stricter). The size alone names the cipher, so
 * every 32-byte file written before SM4 keys existed opens unchanged, and
 * a key id decides the cipher of every value sealed under it. SM4 keys
 * seal through crypto_suite's AEAD (crypto_suite_seal/open), the column
 * form staying nonce || ciphertext || tag; their tag also binds the key id. A key ring directory holds one file per
 * key named "<id>.key", id in decimal (1..2147483647, no leading zero);
 * other names are ignored. The highest id is the current key: it seals;
 * every key in the ring opens what it sealed. A single key file (the layout
 * before rotation) is key id 1.
 *
 * Threads: seal, open and the queries may run in any number of threads
 * while one thread adds keys (key_ring_add*, key_ring_load, key_ring_reload:
 * a daemon's SIGHUP); keys are only ever appended, never changed or removed
 * from a live ring. Adders must not run concurrently with each other.
 */
#ifndef AIRWRITE_CORE_KEY_RING_H
#define AIRWRITE_CORE_KEY_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_suite.h"
#include "core/error.h"

#define KEY_RING_KEY_SIZE 32u   /* AES-256; also the largest key */
#define KEY_RING_SM4_KEY_SIZE 16u /* SM4 (GB/T 32907) */
#define KEY_RING_MAX 16u
#define KEY_RING_NONCE_SIZE 12u
#define KEY_RING_TAG_SIZE 16u
#define KEY_RING_OVERHEAD (KEY_RING_NONCE_SIZE + KEY_RING_TAG_SIZE)
#define KEY_RING_PLAIN_MAX (64u * 1024u)
#define KEY_RING_AD_MAX 4096u
#define KEY_RING_ID_MAX 2147483647u
#define KEY_RING_FILE_SUFFIX ".key"

typedef struct key_ring key_ring;

aw_err key_ring_new(key_ring **out);
/* Erases the keys. NULL-safe. */
void key_ring_free(key_ring *ring);

/* Add a key from memory. AW_ERR_KEY_RING_FILE: id 0, above KEY_RING_ID_MAX
 * or already in the ring; AW_ERR_LIMIT: KEY_RING_MAX keys already. */
aw_err key_ring_add(key_ring *ring, uint32_t key_id, const uint8_t key[KEY_RING_KEY_SIZE]);

/* Add a key of suite (international: AES-256, key_len 32; domestic: SM4,
 * key_len 16). AW_ERR_KEY_RING_FILE: the id errors of key_ring_add, an
 * unknown suite or a key_len other than the suite's; AW_ERR_LIMIT. */
aw_err key_ring_add_suite(key_ring *ring, uint32_t key_id, crypto_suite suite,
                          const uint8_t *key, size_t key_len);

/* Key size of the suite's storage cipher (32 or 16); 0 for another value. */
size_t key_ring_suite_key_size(crypto_suite suite);

/* The suite of key key_id; 0 when the ring lacks it. */
crypto_suite key_ring_key_suite(const key_ring *ring, uint32_t key_id);

/* Add key key_id from a key file. AW_ERR_KEY_RING_FILE: not a regular file,
 * not 32 bytes, group/other access, or the id errors of key_ring_add;
 * AW_ERR_NOT_FOUND: absent and !create; AW_ERR_IO. create: when absent,
 * write 32 random bytes there first (mode 0600, atomically; if another
 * process wins the race its key is the one read). */
aw_err key_ring_add_file(key_ring *ring, uint32_t key_id, const char *path, bool create);

/* Add the keys at path: every "<id>.key" of a directory, or a single key
 * file as key id 1. AW_ERR_NOT_FOUND: path absent, or a directory without
 * key files; AW_ERR_IO; the errors of key_ring_add_file. On failure the
 * ring may hold some of the directory's keys: callers load into a new ring. */
aw_err key_ring_load(key_ring *ring, const char *path);

/* Add to ring the keys of from it does not hold; a key id it holds must
 * have the same bytes in from (AW_ERR_KEY_RING_FILE otherwise: a key was
 * replaced). All or nothing: on error ring is unchanged (AW_ERR_LIMIT when
 * the keys would pass KEY_RING_MAX). added (may be NULL) receives how many
 * keys were added. Keys of ring not in from stay. */
aw_err key_ring_merge(key_ring *ring, const key_ring *from, size_t *added);

/* key_ring_load for a live ring (SIGHUP): key_ring_merge of the keys at
 * path, so keys no longer on disk stay in the ring, and the errors of
 * key_ring_load too. */
aw_err key_ring_reload(key_ring *ring, const char *path, size_t *added);

/* Create the next key in directory: id one above the highest "<id>.key"
 * there (1 in an empty directory), 32 random bytes (an AES-256 key), mode 0600, never
 * replacing a file (O_EXCL; a concurrent creator makes it try the next id),
 * file and directory entry fsynced. AW_ERR_NOT_FOUND: no such directory;
 * AW_ERR_LIMIT: the id would pass KEY_RING_ID_MAX; AW_ERR_IO. */
aw_err key_ring_generate_next(const char *directory, uint32_t *key_id);
/* The same with a key of suite (16 random bytes for an SM4 key);
 * AW_ERR_ARGUMENT for an unknown suite. */
aw_err key_ring_generate_next_suite(const char *directory, crypto_suite suite, uint32_t *key_id);

/* Id of the sealing key (the highest); 0 for an empty or NULL ring. */
uint32_t key_ring_current_id(const key_ring *ring);
size_t key_ring_count(const key_ring *ring);
/* The id of the index-th key added (0 past the end), for listings. */
uint32_t key_ring_id_at(const key_ring *ring, size_t index);
bool key_ring_has_id(const key_ring *ring, uint32_t key_id);

/* Seal len bytes (at most KEY_RING_PLAIN_MAX) under the current key with
 * the additional data ad (at most KEY_RING_AD_MAX): len + KEY_RING_OVERHEAD
 * bytes into out; *key_id is the key used. AW_ERR_KEY_RING_EMPTY: no key;
 * AW_ERR_BUFFER_TOO_SMALL; AW_ERR_ARGUMENT over the bounds; AW_ERR_CRYPTO. */
aw_err key_ring_seal(const key_ring *ring, const uint8_t *ad, size_t ad_len,
                     const uint8_t *plain, size_t len, uint8_t *out, size_t out_cap,
                     size_t *out_len, uint32_t *key_id);

/* Open what key_ring_seal made under key key_id with the same ad.
 * AW_ERR_KEY_RING_KEY_UNKNOWN: key_id not in the ring;
 * AW_ERR_KEY_RING_AUTHENTICATION: shorter than the overhead, or the tag
 * fails (tampered, other ad, other key): nothing of plain is released;
 * AW_ERR_BUFFER_TOO_SMALL: plain_cap under sealed_len - KEY_RING_OVERHEAD. */
aw_err key_ring_open(const key_ring *ring, uint32_t key_id, const uint8_t *ad, size_t ad_len,
                     const uint8_t *sealed, size_t sealed_len, uint8_t *plain,
                     size_t plain_cap, size_t *plain_len);

#endif
