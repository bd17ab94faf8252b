/* airwrite core: the audit log's byte formats (docs/audit-log.md): event
 * checks, the canonical entry encoding and its strict decoder, the entry
 * hash, checkpoint key ids and signed messages, and the streaming chain
 * check that audit_verify and the fuzz target share. */
#include "core/audit.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define TEXT_FIELDS 8u

/* Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF) without control characters (C0, DEL, C1), so a field prints on
 * one line and cannot forge another in a listing. */
static bool text_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F)
                return false;
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1Fu, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0Fu, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
            (cp >= 0x80 && cp <= 0x9F))
            return false;
        i += n + 1;
    }
    return true;
}

static bool field_ok(const char *text, bool required)
{
    if (text == NULL)
        return !required;
    size_t len = strnlen(text, AUDIT_FIELD_MAX + 1);
    if (len > AUDIT_FIELD_MAX || (required && len == 0))
        return false;
    return text_ok((const uint8_t *)text, len);
}

static aw_err details_check(const char *details, size_t len)
{
    if (len > AUDIT_DETAILS_MAX || !text_ok((const uint8_t *)details, len))
        return AW_ERR_AUDIT_DETAILS;
    json_error_t error;
    json_t *value = json_loadb(details, len, JSON_REJECT_DUPLICATES, &error);
    bool ok = value != NULL && json_is_object(value);
    json_decref(value);
    return ok ? AW_OK : AW_ERR_AUDIT_DETAILS;
}

aw_err audit_event_check(const audit_event *event)
{
    if (event == NULL)
        return AW_ERR_ARGUMENT;
    if (event->actor_type < AUDIT_ACTOR_USER || event->actor_type > AUDIT_ACTOR_SYSTEM ||
        event->outcome < AUDIT_OUTCOME_SUCCESS || event->outcome > AUDIT_OUTCOME_DENIED ||
        !field_ok(event->actor_id, true) || !field_ok(event->actor_role, false) ||
        !field_ok(event->tenant, false) || !field_ok(event->action, true) ||
        !field_ok(event->target, false) || !field_ok(event->source_address, false) ||
        !field_ok(event->request_id, false))
        return AW_ERR_AUDIT_FIELD;
    if (event->details == NULL)
        return AW_OK;
    return details_check(event->details, strnlen(event->details, AUDIT_DETAILS_MAX + 1));
}

void audit_entry_event(const audit_entry *entry, audit_event *event)
{
    *event = (audit_event){.actor_type = entry->actor_type,
                           .actor_id = entry->actor_id,
                           .actor_role = entry->actor_role,
                           .tenant = entry->tenant,
                           .action = entry->action,
                           .target = entry->target,
                           .outcome = entry->outcome,
                           .source_address = entry->source_address,
                           .request_id = entry->request_id,
                           .details = entry->details};
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

aw_err audit_entry_encode(int64_t seq, int64_t time_ms, crypto_suite suite,
                          const audit_event *event, uint8_t *out, size_t out_cap,
                          size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (out == NULL || out_len == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = audit_event_check(event);
    if (err != AW_OK)
        return err;
    if (crypto_suite_name(suite) == NULL)
        return AW_ERR_SUITE_UNKNOWN;
    const char *texts[TEXT_FIELDS] = {event->actor_id, event->actor_role, event->tenant,
                                      event->action, event->target, event->source_address,
                                      event->request_id,
                                      event->details ? event->details : "{}"};
    size_t need = AUDIT_CANONICAL_HEADER_SIZE;
    for (size_t i = 0; i < TEXT_FIELDS; i++)
        need += 4 + (texts[i] ? strlen(texts[i]) : 0);
    if (out_cap < need)
        return AW_ERR_BUFFER_TOO_SMALL;
    out[0] = AUDIT_FORMAT_VERSION;
    out[1] = (uint8_t)suite;
    put_u64(out + 2, (uint64_t)seq);
    put_u64(out + 10, (uint64_t)time_ms);
    out[18] = (uint8_t)event->actor_type;
    out[19] = (uint8_t)event->outcome;
    size_t at = AUDIT_CANONICAL_HEADER_SIZE;
    for (size_t i = 0; i < TEXT_FIELDS; i++) {
        size_t len = texts[i] ? strlen(texts[i]) : 0;
        out[at] = (uint8_t)(len >> 24);
        out[at + 1] = (uint8_t)(len >> 16);
        out[at + 2] = (uint8_t)(len >> 8);
        out[at + 3] = (uint8_t)len;
        if (len > 0)
            memcpy(out + at + 4, texts[i], len);
        at += 4 + len;
    }
    *out_len = at;
    return AW_OK;
}

aw_err audit_entry_decode(const uint8_t *data, size_t len, audit_entry *entry)
{
    if (entry != NULL)
        memset(entry, 0, sizeof(*entry));
    if (data == NULL || entry == NULL)
        return AW_ERR_ARGUMENT;
    if (len < AUDIT_CANONICAL_HEADER_SIZE || data[0] != AUDIT_FORMAT_VERSION)
        return AW_ERR_AUDIT_FORMAT;
    if (data[1] != CRYPTO_SUITE_INTERNATIONAL && data[1] != CRYPTO_SUITE_DOMESTIC)
        return AW_ERR_AUDIT_SUITE;
    entry->suite = (crypto_suite)data[1];
    entry->seq = (int64_t)get_u64(data + 2);
    entry->time_ms = (int64_t)get_u64(data + 10);
    entry->actor_type = (audit_actor_type)data[18];
    entry->outcome = (audit_outcome)data[19];
    char *texts[TEXT_FIELDS] = {entry->actor_id, entry->actor_role, entry->tenant,
                                entry->action, entry->target, entry->source_address,
                                entry->request_id, entry->details};
    size_t at = AUDIT_CANONICAL_HEADER_SIZE;
    for (size_t i = 0; i < TEXT_FIELDS; i++) {
        size_t bound = i == TEXT_FIELDS - 1 ? AUDIT_DETAILS_MAX : AUDIT_FIELD_MAX;
        if (len - at < 4)
            return AW_ERR_AUDIT_FORMAT;
        size_t field = ((size_t)data[at] << 24) | ((size_t)data[at + 1] << 16) |
                       ((size_t)data[at + 2] << 8) | data[at + 3];
        at += 4;
        if (field > bound || field > len - at)
            return AW_ERR_AUDIT_FORMAT;
        /* A NUL would end the copied text early: refused like any control
         * character. */
        if (memchr(data + at, 0, field) != NULL)
            return AW_ERR_AUDIT_FIELD;
        memcpy(texts[i], data + at, field);
        texts[i][field] = '\0';
        at += field;
    }
    if (at != len)
        return AW_ERR_AUDIT_FORMAT;
    audit_event event;
    audit_entry_event(entry, &event);
    return audit_event_check(&event);
}

aw_err audit_entry_hash(const audit_entry *entry, int64_t over_seq,
                        uint8_t hash[AUDIT_HASH_SIZE])
{
    if (entry == NULL || hash == NULL)
        return AW_ERR_ARGUMENT;
    audit_event event;
    audit_entry_event(entry, &event);
    uint8_t encoded[AUDIT_HASH_SIZE + AUDIT_CANONICAL_MAX];
    memcpy(encoded, entry->prev_hash, AUDIT_HASH_SIZE);
    size_t len = 0;
    aw_err err = audit_entry_encode(over_seq, entry->time_ms, entry->suite, &event,
                                    encoded + AUDIT_HASH_SIZE, AUDIT_CANONICAL_MAX, &len);
    if (err == AW_OK)
        err = crypto_suite_hash(entry->suite, encoded, AUDIT_HASH_SIZE + len, hash);
    return err;
}

aw_err audit_key_id(const crypto_suite_key *key, uint8_t key_id[AUDIT_KEY_ID_SIZE])
{
    if (key == NULL || key_id == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t point[CRYPTO_SUITE_POINT_SIZE];
    aw_err err = crypto_suite_key_export_point(key, point);
    if (err == AW_OK)
        err = crypto_suite_hash(crypto_suite_key_suite(key), point, sizeof(point), key_id);
    return err;
}

aw_err audit_checkpoint_message(const audit_checkpoint_info *checkpoint,
                                uint8_t out[AUDIT_CHECKPOINT_MESSAGE_SIZE])
{
    if (checkpoint == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    size_t label = sizeof(AUDIT_CHECKPOINT_LABEL) - 1;
    memcpy(out, AUDIT_CHECKPOINT_LABEL, label);
    uint8_t *p = out + label;
    p[0] = AUDIT_FORMAT_VERSION;
    p[1] = (uint8_t)checkpoint->suite;
    put_u64(p + 2, (uint64_t)checkpoint->seq);
    put_u64(p + 10, (uint64_t)checkpoint->time_ms);
    memcpy(p + 18, checkpoint->head_hash, AUDIT_HASH_SIZE);
    memcpy(p + 18 + AUDIT_HASH_SIZE, checkpoint->key_id, AUDIT_KEY_ID_SIZE);
    return AW_OK;
}

/* ---- Streaming chain check -------------------------------------------- */

void audit_chain_init(audit_chain *chain, crypto_suite suite)
{
    memset(chain, 0, sizeof(*chain));
    chain->suite = suite;
    chain->next_seq = 1;
}

/* Fill report; the message format takes seq then other (as long long). */
#define REPORT(report, code, seq_value, other_value, format)                                 \
    ((report)->error = (code), (report)->seq = (seq_value), (report)->other_seq = (other_value), \
     snprintf((report)->message, sizeof((report)->message), format, (long long)(seq_value),   \
              (long long)(other_value)),                                                      \
     (code))

aw_err audit_chain_feed(audit_chain *chain, const audit_entry *entry, audit_report *report)
{
    if (chain == NULL || entry == NULL || report == NULL)
        return AW_ERR_ARGUMENT;
    int64_t p = chain->next_seq;
    chain->hash_mismatch = false;
    if (entry->seq < p)
        return REPORT(report, AW_ERR_AUDIT_INSERTED, entry->seq, p,
                          "entry %lld: inserted before the start of the chain (expected %lld)");
    if (entry->seq > p)
        return REPORT(report, AW_ERR_AUDIT_GAP, p, entry->seq,
                          "entry %lld: missing (deleted); the next stored entry is %lld");
    if (entry->suite != chain->suite)
        return REPORT(report, AW_ERR_AUDIT_SUITE, p, entry->suite,
                      "entry %lld: made with another crypto suite (value %lld)");
    uint8_t hash[AUDIT_HASH_SIZE];
    aw_err err = audit_entry_hash(entry, p, hash);
    if (err == AW_ERR_AUDIT_FIELD || err == AW_ERR_AUDIT_DETAILS)
        return REPORT(report, AW_ERR_AUDIT_FORMAT, p, p,
                      "entry %lld: a stored field is not valid (entry %lld unreadable)");
    if (err != AW_OK)
        return err;
    if (memcmp(hash, entry->hash, AUDIT_HASH_SIZE) == 0) {
        if (memcmp(entry->prev_hash, chain->last_hash, AUDIT_HASH_SIZE) != 0)
            return REPORT(report, AW_ERR_AUDIT_LINK, p, p - 1,
                          "entry %lld: previous hash differs from entry %lld's hash"
                          " (one of them was replaced)");
        memcpy(chain->before_last_hash, chain->last_hash, AUDIT_HASH_SIZE);
        memcpy(chain->last_hash, hash, AUDIT_HASH_SIZE);
        chain->next_seq = p + 1;
        return AW_OK;
    }
    chain->hash_mismatch = true;
    /* Written as p+1: entry p was deleted and the later ones renumbered. */
    if ((err = audit_entry_hash(entry, p + 1, hash)) != AW_OK)
        return err;
    if (memcmp(hash, entry->hash, AUDIT_HASH_SIZE) == 0)
        return REPORT(report, AW_ERR_AUDIT_GAP, p, p + 1,
                      "entry %lld: missing (deleted, later entries renumbered from %lld)");
    /* Written as p-1 after entry p-2: an entry was inserted at p-1. */
    if (p > 1) {
        if ((err = audit_entry_hash(entry, p - 1, hash)) != AW_OK)
            return err;
        if (memcmp(hash, entry->hash, AUDIT_HASH_SIZE) == 0 &&
            memcmp(entry->prev_hash, chain->before_last_hash, AUDIT_HASH_SIZE) == 0)
            return REPORT(report, AW_ERR_AUDIT_INSERTED, p - 1, p,
                          "entry %lld: inserted (the entry stored as %lld was written"
                          " one number lower)");
    }
    return REPORT(report, AW_ERR_AUDIT_HASH, p, p,
                  "entry %lld: edited (the contents of entry %lld do not match its hash)");
}
