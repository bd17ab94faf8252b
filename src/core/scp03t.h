/* airwrite core: SCP03t, the BPP protection protocol ("BSP", SGP.22 2.6.4)
 * that secures a Bound Profile Package between the SM-DP+ and the eUICC.
 *
 * Each segment is a TLV: one-byte tag, BER length, then the data (AES-128-CBC
 * ciphertext, or the plaintext for MAC-only segments) and an 8-byte C-MAC.
 *   - Padding (SGP.22 2.6.4.4): 80 then 00 up to a multiple of 16 bytes,
 *     always at least one byte.
 *   - ICV (SGP.22 2.6.4): AES(S-ENC, block counter left-padded with zeros
 *     to 16 bytes); the counter starts at 1 and goes up by one for every
 *     segment, encrypted or MAC-only.
 *   - C-MAC (SGP.22 2.6.4): AES-CMAC(S-MAC, MAC chaining value || tag ||
 *     final length || data); its full 16 bytes are the next chaining value,
 *     its first 8 bytes are appended.
 *   - Segments are at most 1020 bytes including tag, length and MAC (SGP.22
 *     v3.0 2.5.3), so at most 1007 plaintext bytes when encrypted (padding
 *     takes at least one) and 1008 when MAC-only.
 *
 * Which parts of the BPP (SGP.22 2.5.4) use what:
 *   tag 87 ConfigureISDPRequest, ReplaceSessionKeysRequest: encrypted + MAC,
 *          with the session keys S-ENC / S-MAC;
 *   tag 88 StoreMetadataRequest: MAC only, session keys (the counter still
 *          advances);
 *   tag 86 profile elements: encrypted + MAC, with the session keys, or with
 *          PPK-ENC / PPK-MAC and their own initial chaining value when a
 *          ReplaceSessionKeysRequest preceded them. That is a fresh state:
 *          scp03t_init() with the PPKs, counter back at 1 (as osmocom pySim
 *          bsp.py and sysmocom's BSP implementation do).
 *
 * The state is explicit and plain data, one per direction of one session.
 * It holds keys: scp03t_clear() it when done.
 */
#ifndef AIRWRITE_CORE_SCP03T_H
#define AIRWRITE_CORE_SCP03T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/error.h"

#define SCP03T_SEGMENT_MAX 1020u
#define SCP03T_MAC_SIZE 8u
#define SCP03T_ENCRYPTED_DATA_MAX 1007u
#define SCP03T_MAC_ONLY_DATA_MAX 1008u
/* An output buffer of this size holds the data of any segment. */
#define SCP03T_DATA_MAX 1008u

/* BPP segment tags (SGP.22 2.5.4 BoundProfilePackage) */
#define SCP03T_TAG_PROFILE_ELEMENT 0x86u   /* sequenceOf86 */
#define SCP03T_TAG_ENCRYPTED_REQUEST 0x87u /* first/secondSequenceOf87 */
#define SCP03T_TAG_METADATA 0x88u          /* sequenceOf88 */

typedef enum scp03t_protection {
    SCP03T_ENCRYPT_AND_MAC,
    SCP03T_MAC_ONLY,
} scp03t_protection;

typedef struct scp03t_state {
    uint8_t enc_key[CRYPTO_AES_KEY_SIZE];  /* S-ENC or PPK-ENC */
    uint8_t mac_key[CRYPTO_AES_KEY_SIZE];  /* S-MAC or PPK-MAC */
    uint8_t mac_chaining_value[16];
    uint32_t block_counter;                /* number of the next segment, from 1 */
    bool failed;                           /* a received segment was refused */
} scp03t_state;

/* Start a state: counter 1, chaining value = the initial one. */
void scp03t_init(scp03t_state *state, const uint8_t enc_key[CRYPTO_AES_KEY_SIZE],
                 const uint8_t mac_key[CRYPTO_AES_KEY_SIZE], const uint8_t initial_mcv[16]);
void scp03t_init_session(scp03t_state *state, const crypto_session_keys *keys);

/* Erase the keys and chaining value. NULL-safe. */
void scp03t_clear(scp03t_state *state);

/* SM-DP+: protect len bytes of data (at most SCP03T_ENCRYPTED_DATA_MAX or
 * SCP03T_MAC_ONLY_DATA_MAX, else AW_ERR_LIMIT) as one segment with the given
 * one-byte primitive tag, written to out. The state advances only on
 * success. AW_ERR_LIMIT also when the block counter is exhausted. */
aw_err scp03t_protect_segment(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                              const uint8_t *data, size_t len,
                              uint8_t *out, size_t out_cap, size_t *out_len);

/* SM-DP+: split data (len > 0) into as many full segments as needed and
 * append them back to back to out, e.g. inside der_builder_begin(b, 0xA3)
 * ... der_builder_end(b) for sequenceOf86. On failure the state is marked
 * failed and the builder's contents must be discarded. */
aw_err scp03t_protect(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                      const uint8_t *data, size_t len, der_builder *out);

/* eUICC: check and open one received segment (its whole TLV, exactly len
 * bytes) into out, which needs room for the segment's data length minus 8
 * (SCP03T_DATA_MAX always suffices; else AW_ERR_BUFFER_TOO_SMALL, with the
 * state untouched). Errors about the segment are final, since the eUICC
 * stops processing the BPP at the first one: the state is then marked
 * failed and refuses every later call with AW_ERR_STATE.
 *   AW_ERR_LIMIT                segment over 1020 bytes, counter exhausted
 *   AW_ERR_DER_*                not exactly one DER TLV
 *   AW_ERR_DER_UNEXPECTED_TAG   another tag, or constructed
 *   AW_ERR_DER_CONSTRAINT       no room for the MAC, or ciphertext empty or
 *                               not a multiple of 16 bytes
 *   AW_ERR_MAC                  C-MAC does not verify
 *   AW_ERR_PADDING              decrypted data not padded 80 00..00 */
aw_err scp03t_unprotect_segment(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                                const uint8_t *segment, size_t len,
                                uint8_t *out, size_t out_cap, size_t *out_len);

/* eUICC: open every segment in the contents of a sequenceOfNN (segments
 * back to back, at least one: AW_ERR_DER_MISSING otherwise) and append the
 * data to out (the builder erases what it frees). Errors as above. */
aw_err scp03t_unprotect(scp03t_state *state, uint8_t tag, scp03t_protection protection,
                        const uint8_t *segments, size_t len, der_builder *out);

#endif
