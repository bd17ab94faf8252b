/* airwrite core: the security audit log (T/CA group standard, security
 * management: an audit record of every security-relevant action), an
 * append-only hash chain in the database (db.h) with signed checkpoints.
 * The byte formats are specified in docs/audit-log.md.
 *
 * - Each entry carries: sequence number (1, 2, 3, ... without gaps), time,
 *   actor (type user/app/system, id, role), tenant, action, target object,
 *   outcome, source address, request id and details (one JSON object of at
 *   most AUDIT_DETAILS_MAX bytes, stored as given), the suite, the previous
 *   entry's hash and its own hash
 *       hash = H(prev_hash || canonical encoding of the entry)
 *   with H the crypto suite's hash (SHA-256 international, SM3 domestic;
 *   crypto_suite.h). The first entry's prev_hash is 32 zero bytes. The suite
 *   is in every entry and inside its hashed encoding, and a chain never
 *   mixes suites (audit_append refuses another suite than the head's).
 * - A checkpoint signs the chain head (sequence number and hash) with a
 *   crypto_suite signing key, every checkpoint_interval entries (in the
 *   appending transaction) and on demand (audit_checkpoint), so deleting
 *   the tail behind a checkpoint is detected too.
 * - Appends from several processes form one chain: the append locks the
 *   head row (SQLite BEGIN IMMEDIATE; PostgreSQL SELECT ... FOR UPDATE in a
 *   READ COMMITTED transaction). Inside a transaction the caller opened,
 *   audit_append joins it, so an action and its audit entry commit together.
 * - The tables refuse UPDATE and DELETE (triggers), a first barrier; the
 *   hash chain and the checkpoints are what proves integrity.
 * - audit_verify walks the chain in pages of AUDIT_VERIFY_PAGE entries
 *   (bounded memory), recomputes every hash, checks the sequence and every
 *   checkpoint's signature and head, and reports the first broken entry.
 *
 * Schema: component "audit" of db_migrate, tables aw_audit_entry,
 * aw_audit_head, aw_audit_checkpoint. Times are milliseconds since the
 * Unix epoch from the caller (db_clock_ms in production).
 */
#ifndef AIRWRITE_CORE_AUDIT_H
#define AIRWRITE_CORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_suite.h"
#include "core/db.h"
#include "core/error.h"

#define AUDIT_FORMAT_VERSION 1u
#define AUDIT_FIELD_MAX 255u          /* bytes of each text field but details */
#define AUDIT_DETAILS_MAX 4096u       /* bytes of the details JSON object */
#define AUDIT_HASH_SIZE CRYPTO_SUITE_HASH_SIZE
#define AUDIT_KEY_ID_SIZE CRYPTO_SUITE_HASH_SIZE
/* version, suite, seq, time, actor type, outcome; 8 length-prefixed texts */
#define AUDIT_CANONICAL_HEADER_SIZE 20u
#define AUDIT_CANONICAL_MAX                                                                   \
    (AUDIT_CANONICAL_HEADER_SIZE + 8u * 4u + 7u * AUDIT_FIELD_MAX + AUDIT_DETAILS_MAX)
#define AUDIT_CHECKPOINT_LABEL "airwrite-audit-checkpoint"
#define AUDIT_CHECKPOINT_MESSAGE_SIZE (sizeof(AUDIT_CHECKPOINT_LABEL) - 1u + 50u + AUDIT_KEY_ID_SIZE)
#define AUDIT_VERIFY_PAGE 256u        /* entries read per query */
#define AUDIT_LIST_MAX 10000u         /* entries per audit_list call */

typedef enum audit_actor_type {
    AUDIT_ACTOR_USER = 1,   /* a console user */
    AUDIT_ACTOR_APP = 2,    /* a northbound API application */
    AUDIT_ACTOR_SYSTEM = 3, /* airwrite itself (daemon, scheduled job, CLI) */
} audit_actor_type;

typedef enum audit_outcome {
    AUDIT_OUTCOME_SUCCESS = 1,
    AUDIT_OUTCOME_FAILURE = 2, /* attempted and failed (e.g. wrong password) */
    AUDIT_OUTCOME_DENIED = 3,  /* refused by policy (permission, lockout, rate limit) */
} audit_outcome;

/* What a caller records. Texts are UTF-8 without control characters, at
 * most AUDIT_FIELD_MAX bytes; actor_id and action are required, the others
 * may be NULL or "" (none). details: one JSON object (RFC 8259) of at most
 * AUDIT_DETAILS_MAX bytes, stored byte for byte; NULL means "{}". */
typedef struct audit_event {
    audit_actor_type actor_type;
    const char *actor_id;
    const char *actor_role;
    const char *tenant;
    const char *action;          /* e.g. "login", "key.rotate", "order.cancel" */
    const char *target;          /* the object acted on, e.g. "order:42" */
    audit_outcome outcome;
    const char *source_address;  /* e.g. "192.0.2.7" */
    const char *request_id;
    const char *details;
} audit_event;

/* A stored entry, as read back (texts NUL-terminated copies). */
typedef struct audit_entry {
    int64_t seq;
    int64_t time_ms;
    crypto_suite suite;
    audit_actor_type actor_type;
    audit_outcome outcome;
    char actor_id[AUDIT_FIELD_MAX + 1];
    char actor_role[AUDIT_FIELD_MAX + 1];
    char tenant[AUDIT_FIELD_MAX + 1];
    char action[AUDIT_FIELD_MAX + 1];
    char target[AUDIT_FIELD_MAX + 1];
    char source_address[AUDIT_FIELD_MAX + 1];
    char request_id[AUDIT_FIELD_MAX + 1];
    char details[AUDIT_DETAILS_MAX + 1];
    uint8_t prev_hash[AUDIT_HASH_SIZE];
    uint8_t hash[AUDIT_HASH_SIZE];
} audit_entry;

/* How this process appends. checkpoint_key (borrowed, may be NULL: no
 * automatic checkpoints) is a private key of the same suite; with
 * checkpoint_interval N > 0, an entry whose seq is a multiple of N is
 * followed by a checkpoint in the same transaction. */
typedef struct audit_options {
    crypto_suite suite;
    const crypto_suite_key *checkpoint_key;
    uint32_t checkpoint_interval;
} audit_options;

typedef struct audit_checkpoint_info {
    int64_t id;         /* row id, in creation order */
    int64_t seq;        /* chain head it signs */
    int64_t time_ms;
    crypto_suite suite;
    uint8_t head_hash[AUDIT_HASH_SIZE];
    uint8_t key_id[AUDIT_KEY_ID_SIZE];
    uint8_t signature[CRYPTO_SUITE_SIGNATURE_MAX];
    size_t signature_len;
} audit_checkpoint_info;

/* ---- Formats (docs/audit-log.md) ------------------------------------ */

/* Check an event: AW_ERR_AUDIT_FIELD (type, outcome or a text),
 * AW_ERR_AUDIT_DETAILS (details), AW_ERR_ARGUMENT for NULL. */
aw_err audit_event_check(const audit_event *event);

/* The event's texts as stored in an entry (pointers into entry). */
void audit_entry_event(const audit_entry *entry, audit_event *event);

/* Canonical encoding of an entry (format version 1) into out (at most
 * AUDIT_CANONICAL_MAX bytes). Event errors as audit_event_check;
 * AW_ERR_SUITE_UNKNOWN; AW_ERR_BUFFER_TOO_SMALL. */
aw_err audit_entry_encode(int64_t seq, int64_t time_ms, crypto_suite suite,
                          const audit_event *event, uint8_t *out, size_t out_cap,
                          size_t *out_len);

/* Strict decoder of the canonical encoding (every length checked, nothing
 * after the last field): fills everything but prev_hash and hash.
 * AW_ERR_AUDIT_FORMAT for anything malformed, AW_ERR_AUDIT_SUITE for an
 * unknown suite byte, the audit_event_check errors for bad field values. */
aw_err audit_entry_decode(const uint8_t *data, size_t len, audit_entry *entry);

/* H(prev_hash || canonical encoding) with the entry's suite, over the
 * entry's own seq (or over_seq to test where an entry was written). */
aw_err audit_entry_hash(const audit_entry *entry, int64_t over_seq,
                        uint8_t hash[AUDIT_HASH_SIZE]);

/* key id = H(uncompressed public point 04||X||Y) with the key's suite. */
aw_err audit_key_id(const crypto_suite_key *key, uint8_t key_id[AUDIT_KEY_ID_SIZE]);

/* The signed message of a checkpoint: label || version || suite || seq ||
 * time || head hash || key id (AUDIT_CHECKPOINT_MESSAGE_SIZE bytes). */
aw_err audit_checkpoint_message(const audit_checkpoint_info *checkpoint,
                                uint8_t out[AUDIT_CHECKPOINT_MESSAGE_SIZE]);

/* ---- Chain check without a database (the verifier's core) ------------ */

/* The first problem found in a log. seq is the first broken entry:
 *   AW_ERR_AUDIT_HASH       entry seq was edited (its hash does not match)
 *   AW_ERR_AUDIT_LINK       entry seq-1 or seq was replaced with recomputed hashes
 *   AW_ERR_AUDIT_GAP        entry seq is missing (deleted)
 *   AW_ERR_AUDIT_INSERTED   entry seq was inserted (later entries renumbered, or seq < 1)
 *   AW_ERR_AUDIT_ORDER      the entry written as seq is stored at other_seq
 *   AW_ERR_AUDIT_SUITE      entry seq made with another suite than expected
 *   AW_ERR_AUDIT_FORMAT     entry seq unreadable (a column NULL, over its bound)
 *   AW_ERR_AUDIT_TRUNCATED  entries from seq on were deleted: checkpoint
 *                           other_seq signs a longer chain
 *   AW_ERR_AUDIT_CHECKPOINT_SIGNATURE / _KEY / _MISMATCH, and
 *   AW_ERR_AUDIT_SUITE / _FORMAT for a checkpoint:
 *                           checkpoint id other_seq over entry seq */
typedef struct audit_report {
    aw_err error;               /* AW_OK: intact */
    int64_t seq;
    int64_t other_seq;
    int64_t entries;            /* entries verified before the problem */
    int64_t head_seq;           /* last entry verified */
    int64_t checkpoints;        /* checkpoints verified */
    int64_t last_checkpoint_seq; /* highest seq a verified checkpoint signs (0: none) */
    char message[256];          /* one line for people */
} audit_report;

/* Streaming state: feed entries in stored order. */
typedef struct audit_chain {
    crypto_suite suite;
    int64_t next_seq;
    uint8_t last_hash[AUDIT_HASH_SIZE];
    uint8_t before_last_hash[AUDIT_HASH_SIZE];
    /* The last error came from an entry whose hash does not match its
     * position: audit_verify then looks for it elsewhere (reordering). */
    bool hash_mismatch;
} audit_chain;

void audit_chain_init(audit_chain *chain, crypto_suite suite);

/* Check the next stored entry. AW_OK, or an AW_ERR_AUDIT_* with report set
 * (AW_ERR_AUDIT_HASH when the database-level checks may still find it
 * reordered). Other errors (crypto) as they come. */
aw_err audit_chain_feed(audit_chain *chain, const audit_entry *entry, audit_report *report);

/* ---- Database ------------------------------------------------------- */

/* Create or upgrade the tables (db_migrate component "audit"). */
aw_err audit_migrate(db_connection *db);

/* Append one event at now_ms; *seq (may be NULL) receives its sequence
 * number. Event errors as audit_event_check; AW_ERR_SUITE_UNKNOWN;
 * AW_ERR_SUITE_MISMATCH for a checkpoint key of another suite,
 * AW_ERR_SUITE_KEY for one without its private part; AW_ERR_AUDIT_SUITE when the chain was started with
 * another suite; database errors as db.h. */
aw_err audit_append(db_connection *db, const audit_options *options, const audit_event *event,
                    int64_t now_ms, int64_t *seq);

/* Append count (>= 1) events in their order, events[i] at times_ms[i], in
 * one transaction (the caller's, or one of its own): all or none. The head
 * row is read and moved once for all of them; a checkpoint is written for
 * each seq on the interval. *last_seq (may be NULL) receives the last one's
 * sequence number. AW_ERR_ARGUMENT for count 0 or a NULL array; otherwise
 * errors as audit_append (an invalid event refuses all before any write). */
aw_err audit_append_many(db_connection *db, const audit_options *options,
                         const audit_event *events, const int64_t *times_ms, size_t count,
                         int64_t *last_seq);

/* Sign the current chain head with key (private, of suite) now. AW_ERR_STATE
 * for an empty log; AW_ERR_AUDIT_SUITE when the chain uses another suite;
 * key errors as audit_append. out may be NULL. */
aw_err audit_checkpoint(db_connection *db, crypto_suite suite, const crypto_suite_key *key,
                        int64_t now_ms, audit_checkpoint_info *out);

/* Up to max (1..AUDIT_LIST_MAX) entries with seq >= from_seq in order, into
 * entries (caller's array); *count receives how many. Read as stored: no
 * verification (AW_ERR_AUDIT_FORMAT for an unreadable row). */
aw_err audit_list(db_connection *db, int64_t from_seq, audit_entry *entries, size_t max,
                  size_t *count);

/* Verify the whole log with suite and the checkpoint public keys (keys of
 * suite; count 0 allowed: then any checkpoint fails with _KEY). AW_OK when
 * intact; the AW_ERR_AUDIT_* of the first problem otherwise, described in
 * *report; database errors as db.h (report->error AW_OK then). Safe while
 * other processes append: the checkpoints checked are those committed
 * before the walk starts. */
aw_err audit_verify(db_connection *db, crypto_suite suite, const crypto_suite_key *const *keys,
                    size_t key_count, audit_report *report);

#endif
