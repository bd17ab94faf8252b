/* libFuzzer target: the audit log's entry decoder and streaming chain check
 * (src/core/audit_format.c, docs/audit-log.md), the input audit_verify
 * reads from the database. Input: records of [length (2 bytes, big-endian)]
 * [canonical entry][prev_hash (32)][hash (32)], fed in order to one chain
 * of the first record's suite. Seeds: tests/gen_audit_seeds.c.
 * Properties: a decoded entry re-encodes to exactly its input (one
 * encoding per entry); the chain accepts an entry only when its hash
 * recomputes over its position and it links to the previous accepted one;
 * a refusal is an AW_ERR_AUDIT_* with a report naming a sequence number. */
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static audit_entry entry;
    static uint8_t again[AUDIT_CANONICAL_MAX];
    audit_chain chain;
    bool started = false;
    size_t at = 0;
    while (size - at >= 2) {
        size_t len = ((size_t)data[at] << 8) | data[at + 1];
        at += 2;
        if (len > size - at || size - at - len < 2 * AUDIT_HASH_SIZE)
            break;
        const uint8_t *canonical = data + at;
        aw_err err = audit_entry_decode(canonical, len, &entry);
        at += len;
        if (err != AW_OK) {
            if (err != AW_ERR_AUDIT_FORMAT && err != AW_ERR_AUDIT_SUITE &&
                err != AW_ERR_AUDIT_FIELD && err != AW_ERR_AUDIT_DETAILS)
                abort();
            at += 2 * AUDIT_HASH_SIZE;
            continue;
        }
        audit_event event;
        audit_entry_event(&entry, &event);
        size_t again_len = 0;
        if (audit_entry_encode(entry.seq, entry.time_ms, entry.suite, &event, again,
                               sizeof(again), &again_len) != AW_OK ||
            again_len != len || memcmp(again, canonical, len) != 0)
            abort();
        memcpy(entry.prev_hash, data + at, AUDIT_HASH_SIZE);
        memcpy(entry.hash, data + at + AUDIT_HASH_SIZE, AUDIT_HASH_SIZE);
        at += 2 * AUDIT_HASH_SIZE;
        if (!started) {
            audit_chain_init(&chain, entry.suite);
            started = true;
        }
        audit_chain before = chain;
        audit_report report;
        memset(&report, 0, sizeof(report));
        err = audit_chain_feed(&chain, &entry, &report);
        if (err == AW_OK) {
            uint8_t hash[AUDIT_HASH_SIZE];
            if (entry.seq != before.next_seq || chain.next_seq != before.next_seq + 1 ||
                memcmp(entry.prev_hash, before.last_hash, AUDIT_HASH_SIZE) != 0 ||
                audit_entry_hash(&entry, entry.seq, hash) != AW_OK ||
                memcmp(hash, entry.hash, AUDIT_HASH_SIZE) != 0)
                abort();
            continue;
        }
        if (err < AW_ERR_AUDIT_FIELD || err > AW_ERR_AUDIT_CHECKPOINT_MISMATCH ||
            report.error != err || report.message[0] == '\0')
            abort();
        break;
    }
    return 0;
}
