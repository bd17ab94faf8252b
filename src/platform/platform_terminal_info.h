/* airwrite platform: encrypted terminal information (issue 8, 终端信息加密
 * 上报 of 《物联网 eSIM 空中写卡技术应用服务规范》). Devices POST envelopes
 * (core/crypto_envelope.h: the terminal information record of
 * core/terminal_info.h sealed to the platform's public key with SM2 per
 * GB/T 32918.4 or ECIES on P-256, signed with the key of the device's TLS
 * client certificate) to POST /terminal/v1/info over mutual TLS. The
 * platform checks the certificate's EID (subject serialNumber, as SGP.22
 * 4.5.2.1 for the eUICC), the signature, its key, freshness and replay,
 * decrypts, stores the record sealed with the storage key ring, hands the
 * location to location-bound writing (location_policy.h) and shows the
 * records only to authorised roles (GET /api/v1/cards/{eid}/terminal-info,
 * permission terminal_info.read, every view audited).
 * docs/terminal-info.md. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_TERMINAL_INFO_H
#define AIRWRITE_PLATFORM_PLATFORM_TERMINAL_INFO_H

#include "core/crypto_envelope.h"
#include "core/http_server.h"
#include "core/key_ring.h"
#include "core/key_ring_table.h"
#include "core/terminal_info.h"
#include "platform/platform.h"

#define PLATFORM_TERMINAL_INFO_PATH "/terminal/v1/info"
#define PLATFORM_TERMINAL_INFO_KEYS_MAX 4u
#define PLATFORM_TERMINAL_INFO_FRESHNESS_DEFAULT_S 300
#define PLATFORM_TERMINAL_INFO_LIST_MAX 20u

/* One decryption key of the platform (its suite is the key's). */
typedef struct platform_terminal_info_key {
    uint32_t key_id;                  /* 1..2^32-1, what the envelopes name */
    const crypto_envelope_key *key;   /* private; borrowed */
} platform_terminal_info_key;

typedef struct platform_terminal_info_config {
    size_t key_count;
    platform_terminal_info_key keys[PLATFORM_TERMINAL_INFO_KEYS_MAX];
    int64_t freshness_s;              /* |now - envelope time| allowed; 0: default */
    const key_ring *storage;          /* seals the records at rest; borrowed */
} platform_terminal_info_config;

aw_err platform_terminal_info_migrate(db_connection *db);

/* Handle one POST (body: the envelope). peer_certificate: the client
 * certificate the TLS layer verified (DER; empty: none). Answers
 * (*http_status, *answer a malloc'd JSON {"code","message"}, NULL for 204):
 *   204        taken: stored sealed, location recorded
 *   403 T3201  no certificate, or it names no EID (32 digits)
 *   400 T3202  not an envelope (crypto_envelope_parse)
 *   403 T3203  envelope for another EID than the certificate's
 *   403 T3204  the signature does not verify with the certificate's key
 *   400 T3205  sealed to a key id / suite the platform does not hold
 *   400 T3206  does not decrypt (another key, tampered)
 *   400 T3207  the record is malformed or disagrees with the envelope
 *   409 T3208  envelope time outside the freshness window
 *   409 T3209  envelope already received (replay)
 * AW_OK whenever an answer is decided; database and key ring errors
 * otherwise. now_s: Unix seconds. */
aw_err platform_terminal_info_handle(db_connection *db, const platform_terminal_info_config *config,
                                     aw_slice peer_certificate, const uint8_t *body, size_t len,
                                     int64_t now_s, int *http_status, char **answer);

/* Store record (its JSON as received) of eid sealed with storage, bound to
 * the row by EID and envelope id (hex), in one transaction with
 * platform_location_record of its location (when it has one). *replay:
 * that envelope id of eid is stored already (nothing written). Errors of
 * the database, key ring and platform_location_record. */
aw_err platform_terminal_info_store(db_connection *db, const key_ring *storage, const char *eid,
                                    const char *envelope_id, const crypto_envelope_header *header,
                                    const terminal_info_record *record, const uint8_t *json,
                                    size_t json_len, int64_t now_s, bool *replay);

/* The table's sealed column for key rotation (core/key_ring_table.h: row
 * id "row_key" = "<EID>|<envelope id>", column "sealed", key id "key_id"),
 * so key_ring_table_rotate re-seals the records under a newer storage
 * key. */
const key_ring_table *platform_terminal_info_sealed_table(void);
/* Its additional data: "platform_terminal_info|<row_key>" (key_ring_table_aad_fn). */
aw_err platform_terminal_info_sealing_ad(const char *row_key, size_t column, uint8_t *ad,
                                         size_t cap, size_t *ad_len);

/* One stored record, opened. */
typedef struct platform_terminal_info_stored {
    terminal_info_record record;
    int64_t received_at;              /* Unix seconds */
    crypto_suite suite;               /* of the envelope */
    uint32_t platform_key_id;         /* the key it was sealed to */
} platform_terminal_info_stored;

/* The latest records of eid, newest first, at most max (<=
 * PLATFORM_TERMINAL_INFO_LIST_MAX), opened with storage. Errors of the
 * database and key ring (AW_ERR_KEY_RING_*: a row that does not open). */
aw_err platform_terminal_info_latest(db_connection *db, const key_ring *storage, const char *eid,
                                     size_t max, platform_terminal_info_stored *out,
                                     size_t *count);

/* The endpoint on the terminal listener (mutual TLS, device CA). */
typedef struct platform_terminal_info_endpoint {
    db_connection *db;                          /* the listener's loop thread */
    const platform_terminal_info_config *config; /* borrowed */
} platform_terminal_info_endpoint;

aw_err platform_terminal_info_register(http_server *server,
                                       platform_terminal_info_endpoint *endpoint);

#endif
