/* airwrite eUICC: the ISD-R's persistent state (internal to src/euicc).
 *
 * What a real eUICC keeps in non-volatile memory across power cycles:
 * installed profiles (ISD-Ps, SGP.22 2.2.4) with their metadata
 * (StoreMetadataRequest, ES8+ 5.5.3) and their unprotected profile package,
 * the pending notifications (SGP.22 3.5, 5.7.9-5.7.11), the next
 * notification seqNumber, the default SM-DP+ and root SM-DS addresses
 * (ES10a, 5.7.3/5.7.4) and the ISD-P AID counter; for SGP.32, the
 * Associated eIMs with their replay counters (2.11.1) and the eUICC
 * Package results not yet acknowledged (2.11.1.2, 6.3.2.7).
 *
 * On disk, in the state directory:
 *   storage.key  32 random bytes, mode 0600, made on first start (key
 *                version 1): the root of the keys below;
 *   state.der    one DER file, replaced atomically (core/file.h) on every
 *                change, so a crash leaves the old or the new state:
 *
 *   EuiccStateFile ::= SEQUENCE {
 *     formatVersion INTEGER (1),
 *     keyVersion    INTEGER,                 -- storage key version
 *     keyId         OCTET STRING (SIZE(8)),  -- identifies the storage key
 *     body          EuiccState,
 *     mac           OCTET STRING (SIZE(32))  -- HMAC-SHA-256 over the four
 *   }                                        -- TLVs above, K-MAC
 *   EuiccState ::= SEQUENCE {
 *     nextSequenceNumber [0] INTEGER,
 *     isdpAidCounter     [1] INTEGER,
 *     defaultDpAddress   [2] UTF8String OPTIONAL,
 *     rootDsAddress      [3] UTF8String,
 *     profiles           [4] SEQUENCE OF StoredProfile,
 *     notifications      [5] SEQUENCE OF StoredNotification,
 *     eims               [6] SEQUENCE OF EimConfigurationData OPTIONAL,
 *     packageResults     [7] SEQUENCE OF StoredPackageResult OPTIONAL
 *   }
 *   StoredProfile ::= SEQUENCE {
 *     iccid    [APPLICATION 26] OCTET STRING (SIZE(10)),
 *     isdpAid  [APPLICATION 15] OCTET STRING (SIZE(1..16)),
 *     enabled  BOOLEAN,
 *     nickname [16] UTF8String (SIZE(0..64)) OPTIONAL,
 *     storeMetadata StoreMetadataRequest,    -- BF25 as received
 *     package  [0] SEQUENCE {                -- AES-256-GCM, K-ENC
 *       nonce [0] OCTET STRING (SIZE(12)), ciphertext [1] OCTET STRING,
 *       tag [2] OCTET STRING (SIZE(16)) },   -- AAD: iccid || isdpAid
 *     fallbackAttribute [1] NULL OPTIONAL    -- SGP.32 Fallback Attribute
 *   }
 *   StoredNotification ::= SEQUENCE {
 *     seqNumber INTEGER, event INTEGER (one NotificationEvent bit),
 *     address UTF8String, iccid [APPLICATION 26] OCTET STRING OPTIONAL,
 *     pending PendingNotification            -- BF37 or 30 as sent
 *   }
 *   -- appended to EuiccState after packageResults:
 *     immediateEnable [8] SEQUENCE {         -- SGP.32 configureImmediateEnable
 *       immediateEnableFlag [0] NULL OPTIONAL,
 *       defaultSmdpOid [1] OCTET STRING (SIZE(1..64)) OPTIONAL, -- OID content
 *       defaultSmdpAddress [2] UTF8String OPTIONAL } OPTIONAL,
 *     rollback [9] SEQUENCE {                -- SGP.32 enable rollbackFlag
 *       previousIccid [0] OCTET STRING (SIZE(10)) OPTIONAL,
 *       eimId [1] UTF8String, counterValue [2] INTEGER } OPTIONAL,
 *     profileLimit [10] INTEGER (1..EUICC_MAX_PROFILES) OPTIONAL
 *                                            -- the most profiles the card takes
 *                                            -- (issue 8); absent: EUICC_MAX_PROFILES
 *   StoredPackageResult ::= SEQUENCE {
 *     seqNumber INTEGER,                     -- shared with notifications
 *     result    EuiccPackageResult           -- BF51 as sent, SGP.32 2.11.1.2
 *   }
 *
 * eims, packageResults, immediateEnable, rollback and fallbackAttribute
 * (SGP.32, added for the IoT
 * eUICC) are OPTIONAL trailing components, absent while empty or false:
 * files written before them still
 * load unchanged, so formatVersion stays 1. Each eIM is its
 * EimConfigurationData (SGP.32 2.11.1) as validated DER, with counterValue
 * holding the last counter value accepted from that eIM (5.9.1).
 *
 * K-ENC and K-MAC are HMAC-SHA-256(storage key, label): the subscriber
 * secrets in a package (Ki, OPc) are never on disk in clear, and any change
 * to the file is detected before a byte of it is used. */
#ifndef AIRWRITE_EUICC_STATE_H
#define AIRWRITE_EUICC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "euicc/isdr.h"

#define EUICC_STATE_FORMAT_VERSION 1
#define EUICC_STORAGE_KEY_VERSION 1
#define EUICC_STORAGE_KEY_SIZE 32
#define EUICC_STATE_KEY_ID_SIZE 8
#define EUICC_STATE_NONCE_SIZE 12
#define EUICC_STATE_TAG_SIZE 16
#define EUICC_NICKNAME_MAX 256       /* 64 characters of up to 4 UTF-8 bytes */
#define EUICC_PACKAGE_MAX (4u << 20) /* one unprotected profile package */
#define EUICC_STATE_FILE_MAX (48u << 20) /* EUICC_MAX_PROFILES packages and more */
#define EUICC_MAX_EIMS 8                 /* = SGP32_MAX_EIM_CONFIGURATIONS */
#define EUICC_EIM_CONFIGURATION_MAX 8192 /* one EimConfigurationData (with a certificate) */
#define EUICC_MAX_PACKAGE_RESULTS 16     /* pending EuiccPackageResults */
#define EUICC_PACKAGE_RESULT_MAX 32768   /* one EuiccPackageResult */

typedef struct euicc_profile {
    uint8_t iccid[EUICC_ICCID_SIZE];
    uint8_t isdp_aid[EUICC_AID_MAX];
    size_t isdp_aid_len;
    bool enabled;
    bool fallback_attribute; /* SGP.32 2.11.1.1 setFallbackAttribute: at most one */
    bool has_nickname;
    char nickname[EUICC_NICKNAME_MAX + 1];
    uint8_t *store_metadata;  /* StoreMetadataRequest BF25 TLV */
    size_t store_metadata_len;
    /* the profile package, sealed: only euicc_state_open_package gives
     * the plaintext, transiently */
    uint8_t nonce[EUICC_STATE_NONCE_SIZE];
    uint8_t tag[EUICC_STATE_TAG_SIZE];
    uint8_t *sealed_package;
    size_t sealed_package_len;
} euicc_profile;

typedef struct euicc_notification {
    int64_t seq_number;
    uint32_t event;                        /* one SGP22_NOTIFICATION_* bit */
    char address[EUICC_ADDRESS_MAX + 1];
    bool has_iccid;
    uint8_t iccid[EUICC_ICCID_SIZE];
    uint8_t *pending;                      /* PendingNotification TLV */
    size_t pending_len;
} euicc_notification;

/* SGP.32 2.11.1: one Associated eIM */
typedef struct euicc_eim {
    uint8_t *configuration;                /* EimConfigurationData (tag 30) */
    size_t configuration_len;
} euicc_eim;

/* SGP.32 2.11.1.1 configureImmediateEnable: what the eIM configured */
#define EUICC_OID_MAX 64 /* content octets of an SM-DP+ OBJECT IDENTIFIER */
typedef struct euicc_immediate_enable {
    bool configured;                       /* stored on disk when true */
    bool flag;                             /* immediateEnableFlag */
    size_t default_smdp_oid_len;           /* 0: none configured */
    uint8_t default_smdp_oid[EUICC_OID_MAX];
    bool has_default_smdp_address;
    char default_smdp_address[EUICC_ADDRESS_MAX + 1];
} euicc_immediate_enable;

/* SGP.32 2.11.1.1 enable with rollbackFlag: the profile ES10b.ProfileRollback
 * re-enables and the package whose result it reports under */
#define EUICC_EIM_ID_MAX 128 /* eimId UTF8String (SIZE(1..128)) */
typedef struct euicc_rollback {
    bool pending;                          /* stored on disk when true */
    bool has_previous_iccid;               /* false: none was enabled */
    uint8_t previous_iccid[EUICC_ICCID_SIZE];
    char eim_id[EUICC_EIM_ID_MAX * 4 + 1];
    int64_t counter_value;
} euicc_rollback;

/* SGP.32 2.11.1.2: an EuiccPackageResult kept until the eIM acknowledges it */
typedef struct euicc_package_result {
    int64_t seq_number;
    uint8_t *result;                       /* EuiccPackageResult BF51 TLV */
    size_t result_len;
} euicc_package_result;

typedef struct euicc_state {
    char *state_path;
    uint8_t enc_key[32];                   /* K-ENC */
    uint8_t mac_key[32];                   /* K-MAC */
    uint8_t key_id[EUICC_STATE_KEY_ID_SIZE];
    char initial_root_ds_address[EUICC_ADDRESS_MAX + 1];
    /* the state proper */
    int64_t next_sequence_number;
    uint32_t isdp_aid_counter;
    bool has_default_dp_address;
    char default_dp_address[EUICC_ADDRESS_MAX + 1];
    char root_ds_address[EUICC_ADDRESS_MAX + 1];
    euicc_profile profiles[EUICC_MAX_PROFILES];
    size_t profile_count;
    euicc_notification notifications[EUICC_MAX_NOTIFICATIONS];
    size_t notification_count;
    euicc_eim eims[EUICC_MAX_EIMS];
    size_t eim_count;
    euicc_package_result package_results[EUICC_MAX_PACKAGE_RESULTS];
    size_t package_result_count;
    euicc_immediate_enable immediate_enable;
    euicc_rollback rollback;
    size_t profile_limit;                  /* 0: EUICC_MAX_PROFILES (stored when set) */
} euicc_state;

/* Open the state in dir (created 0700 if missing): read or create
 * storage.key, then load state.der if it exists, else start empty with
 * root_ds_address (an FQDN) as the root SM-DS address. Errors:
 * AW_ERR_EUICC_STORAGE_KEY (key not 32 bytes, readable by others, or
 * missing while state.der exists), AW_ERR_EUICC_STATE_CORRUPT,
 * AW_ERR_EUICC_STATE_VERSION, AW_ERR_IO, AW_ERR_ARGUMENT. */
aw_err euicc_state_open(const char *dir, const char *root_ds_address, euicc_state **out);
void euicc_state_free(euicc_state *state);

/* A process killed inside an atomic replace (core/file.h) leaves its
 * temporary, NAME.tmp.XXXXXX, in dir: a whole state file or a storage key
 * that nothing will read, and one more on every such crash. The process
 * that serves the state (euicc_open) removes them before it opens the
 * state; a reader (euicc_dump_state) must not, as a running card may be
 * writing one. Best effort: what cannot be removed stays. */
void euicc_state_remove_temporaries(const char *dir);

/* Write the whole state with one atomic replace. When it fails the state
 * in memory is rolled back to what is on disk, so memory and disk agree. */
aw_err euicc_state_commit(euicc_state *state);

/* Roll the state in memory back to the file (empty if none yet). */
aw_err euicc_state_reload(euicc_state *state);

/* Encode / decode the state file (state_codec.c; exposed for tests and the
 * fuzz target). Decoding replaces the state's contents; on failure the
 * state is left empty. */
aw_err euicc_state_encode(const euicc_state *state, uint8_t **out, size_t *len);
aw_err euicc_state_decode(euicc_state *state, const uint8_t *buf, size_t len);

/* HMAC-SHA-256 with a 32-byte key (RFC 2104). */
aw_err euicc_state_hmac(const uint8_t key[32], const uint8_t *data, size_t len, uint8_t mac[32]);

/* Forget every profile, notification and address (not the keys). */
void euicc_state_clear(euicc_state *state);

/* Index of a profile, or -1. */
int euicc_state_find_iccid(const euicc_state *state, const uint8_t iccid[EUICC_ICCID_SIZE]);
int euicc_state_find_isdp_aid(const euicc_state *state, const uint8_t *aid, size_t aid_len);
int euicc_state_find_enabled(const euicc_state *state);
int euicc_state_find_notification(const euicc_state *state, int64_t seq_number);

/* Add a profile (disabled, no nickname) sealing its package; copies
 * everything. AW_ERR_LIMIT when full. */
aw_err euicc_state_add_profile(euicc_state *state, const uint8_t iccid[EUICC_ICCID_SIZE],
                               const uint8_t *isdp_aid, size_t isdp_aid_len,
                               aw_slice store_metadata, aw_slice package);
void euicc_state_remove_profile(euicc_state *state, size_t index);

/* The plaintext package of a profile (free with der_bytes_free).
 * AW_ERR_EUICC_STATE_CORRUPT when it does not authenticate. */
aw_err euicc_state_open_package(const euicc_state *state, const euicc_profile *profile,
                                uint8_t **out, size_t *len);

/* Append a pending notification (copies). When EUICC_MAX_NOTIFICATIONS
 * are pending the oldest is dropped to make room. */
aw_err euicc_state_add_notification(euicc_state *state, int64_t seq_number, uint32_t event,
                                     aw_slice address, const uint8_t *iccid, aw_slice pending);
void euicc_state_remove_notification(euicc_state *state, size_t index);

/* eIM configurations (SGP.32 2.11.1), copied; the caller validates the
 * DER. AW_ERR_LIMIT when EUICC_MAX_EIMS are configured. */
aw_err euicc_state_add_eim(euicc_state *state, aw_slice configuration);
aw_err euicc_state_replace_eim(euicc_state *state, size_t index, aw_slice configuration);
void euicc_state_remove_eim(euicc_state *state, size_t index);

/* Append a pending EuiccPackageResult (copies); when
 * EUICC_MAX_PACKAGE_RESULTS are pending the oldest is dropped. */
aw_err euicc_state_add_package_result(euicc_state *state, int64_t seq_number, aw_slice result);
void euicc_state_remove_package_result(euicc_state *state, size_t index);
int euicc_state_find_package_result(const euicc_state *state, int64_t seq_number);

/* The most profiles the card takes: profile_limit, or EUICC_MAX_PROFILES when none is set
 * (issue 8 "Profile count limit"). A download beyond it fails at StoreMetadata with
 * installFailedDueToInsufficientMemoryForProfile (SGP.22 5.7.6). */
size_t euicc_state_profile_capacity(const euicc_state *state);

/* Reserve the next seqNumber (SGP.22 5.7.10: increments per notification). */
int64_t euicc_state_take_sequence_number(euicc_state *state);

#endif
