/* Writes the seed corpus of fuzz_audit (fuzz/fuzz_audit.c) with the audit
 * log's own encoder: records [length (2)][canonical][prev_hash][hash] of
 * intact chains in both suites, and chains with a gap, a swap, an edit and
 * a bad link (run by hand, not a test):
 *   gen_audit_seeds fuzz/corpus */
#include <stdio.h>
#include <string.h>

#include "core/audit.h"

#define ENTRIES 6

static int write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/fuzz_audit/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    return fclose(f) == 0 ? 0 : 1;
}

/* Record i of a chain into out; the chain's hashes in hashes[]. */
static size_t record(crypto_suite suite, int64_t seq, const uint8_t prev[AUDIT_HASH_SIZE],
                     uint8_t hash[AUDIT_HASH_SIZE], uint8_t *out)
{
    char target[32];
    snprintf(target, sizeof(target), "order:%lld", (long long)seq);
    audit_event event = {.actor_type = (audit_actor_type)(1 + seq % 3), .actor_id = "alice",
                         .actor_role = "operator", .tenant = "tenant-a",
                         .action = seq % 2 ? "login" : "order.cancel", .target = target,
                         .outcome = (audit_outcome)(1 + seq % 3), .source_address = "192.0.2.7",
                         .request_id = "req-1", .details = seq % 2 ? "{\"n\":[1,2]}" : NULL};
    size_t len = 0;
    audit_entry entry;
    if (audit_entry_encode(seq, 1764560000000LL + seq, suite, &event, out + 2,
                           AUDIT_CANONICAL_MAX, &len) != AW_OK ||
        audit_entry_decode(out + 2, len, &entry) != AW_OK)
        return 0;
    memcpy(entry.prev_hash, prev, AUDIT_HASH_SIZE);
    if (audit_entry_hash(&entry, seq, hash) != AW_OK)
        return 0;
    out[0] = (uint8_t)(len >> 8);
    out[1] = (uint8_t)len;
    memcpy(out + 2 + len, prev, AUDIT_HASH_SIZE);
    memcpy(out + 2 + len + AUDIT_HASH_SIZE, hash, AUDIT_HASH_SIZE);
    return 2 + len + 2 * AUDIT_HASH_SIZE;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_audit_seeds CORPUS_DIR\n");
        return 2;
    }
    static uint8_t records[ENTRIES][2 + AUDIT_CANONICAL_MAX + 2 * AUDIT_HASH_SIZE];
    static uint8_t seed[sizeof(records)];
    size_t lens[ENTRIES];
    int rc = 0;
    static const crypto_suite suites[] = {CRYPTO_SUITE_INTERNATIONAL, CRYPTO_SUITE_DOMESTIC};
    for (size_t s = 0; s < 2; s++) {
        uint8_t prev[AUDIT_HASH_SIZE] = {0}, hash[AUDIT_HASH_SIZE];
        for (int i = 0; i < ENTRIES; i++) {
            lens[i] = record(suites[s], i + 1, prev, hash, records[i]);
            if (lens[i] == 0)
                return 1;
            memcpy(prev, hash, AUDIT_HASH_SIZE);
        }
        /* order[] of each seed: indexes into records, -1 ends */
        static const int orders[][ENTRIES + 1] = {
            {0, 1, 2, 3, 4, 5, -1}, /* intact */
            {0, -1},                /* one entry */
            {0, 1, 3, 4, 5, -1},    /* gap */
            {0, 2, 1, 3, -1},       /* swap */
        };
        static const char *const names[] = {"intact", "single", "gap", "swap"};
        for (size_t k = 0; k < 4; k++) {
            size_t len = 0;
            for (size_t j = 0; orders[k][j] >= 0; j++) {
                memcpy(seed + len, records[orders[k][j]], lens[orders[k][j]]);
                len += lens[orders[k][j]];
            }
            char name[64];
            snprintf(name, sizeof(name), "%s-%s", crypto_suite_name(suites[s]), names[k]);
            rc |= write_seed(argv[1], name, seed, len);
        }
        /* an edited byte in entry 3's target, and a broken link of entry 2 */
        size_t len = 0;
        for (int i = 0; i < 3; i++) {
            memcpy(seed + len, records[i], lens[i]);
            len += lens[i];
        }
        seed[len - 2 * AUDIT_HASH_SIZE - 30] ^= 1;
        char name[64];
        snprintf(name, sizeof(name), "%s-edited", crypto_suite_name(suites[s]));
        rc |= write_seed(argv[1], name, seed, len);
        seed[len - 2 * AUDIT_HASH_SIZE - 30] ^= 1;
        seed[lens[0] + lens[1] - 2 * AUDIT_HASH_SIZE] ^= 0x80;
        snprintf(name, sizeof(name), "%s-link", crypto_suite_name(suites[s]));
        rc |= write_seed(argv[1], name, seed, len);
    }
    return rc;
}
