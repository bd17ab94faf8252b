/* The crash test's model of an eUICC (test code only): the profiles and
 * pending notifications the reader knows of, the effect SGP.22 gives each
 * operation the test drives (download 3.1.3, EnableProfile 5.7.16,
 * DisableProfile 5.7.17, DeleteProfile 5.7.18, RemoveNotificationFromList
 * 5.7.11), and the comparison of a model with what a card holds. Also the
 * identities (ICCID with its Luhn digit, IMSI, StoreMetadataRequest) of
 * the profiles the test downloads. */
#ifndef AIRWRITE_TESTS_EUICC_CRASH_MODEL_H
#define AIRWRITE_TESTS_EUICC_CRASH_MODEL_H

#include "testutil.h"

#include <inttypes.h>
#include <stdbool.h>

#include "core/saip.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_info_common.h"
#include "core/sgp22_profile_info.h"
#include "euicc/isdr.h"

#define CRASH_ICCID_PREFIX "89882119"   /* + 10 digits + Luhn digit */
#define CRASH_IMSI_PREFIX "00101"       /* + the same 10 digits */
#define CRASH_NOTIFY_ADDRESS "notify.example.com"
/* The eUICC drops its oldest notification when EUICC_MAX_NOTIFICATIONS are
 * pending; the reader keeps well below that by removing some. */
#define CRASH_MAX_PENDING 24
#define UNKNOWN_SEQ (-1)

typedef struct model_profile {
    uint8_t iccid[EUICC_ICCID_SIZE];
    bool enabled;
    bool install_removed; /* the reader removed (or is removing) its PIR */
} model_profile;

typedef struct model_notification {
    int64_t seq; /* UNKNOWN_SEQ: queued by an operation, number not seen yet */
    uint32_t event;
    uint8_t iccid[EUICC_ICCID_SIZE];
} model_notification;

/* What the eUICC holds, as far as the reader knows. */
typedef struct model {
    model_profile profiles[EUICC_MAX_PROFILES];
    size_t profile_count;
    model_notification notifications[EUICC_MAX_NOTIFICATIONS];
    size_t notification_count;
    int64_t next_floor; /* nextSequenceNumber on disk at the last restart */
} model;

typedef enum op_kind {
    OP_NONE,
    OP_DOWNLOAD,
    OP_ENABLE,
    OP_DISABLE,
    OP_DELETE,
    OP_REMOVE_NOTIFICATION,
} op_kind;

typedef struct operation {
    op_kind kind;
    uint8_t iccid[EUICC_ICCID_SIZE];
    int64_t seq; /* OP_REMOVE_NOTIFICATION */
} operation;


/* ---- identities of the downloaded profiles ------------------------------- */

static inline char luhn_digit(const char *digits)
{
    size_t n = strlen(digits);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[n - 1 - i] - '0');
        if (i % 2 == 0)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

static inline void profile_iccid(uint64_t number, char iccid[SAIP_ICCID_TEXT])
{
    snprintf(iccid, SAIP_ICCID_TEXT, "%s%010" PRIu64, CRASH_ICCID_PREFIX, number % 10000000000u);
    size_t n = strlen(iccid);
    iccid[n] = luhn_digit(iccid);
    iccid[n + 1] = '\0';
    assert_true(saip_iccid_luhn_ok(iccid));
}

/* The IMSI a profile was given: the prefix and the ICCID's 10 digits. */
static inline void profile_imsi(const char *iccid, char imsi[SAIP_IMSI_TEXT])
{
    snprintf(imsi, SAIP_IMSI_TEXT, "%s%.10s", CRASH_IMSI_PREFIX,
             iccid + strlen(CRASH_ICCID_PREFIX));
}

/* EF.ICCID coding back to digits. */
static inline void iccid_text(const uint8_t iccid[EUICC_ICCID_SIZE], char out[SAIP_ICCID_TEXT])
{
    size_t n = 0;
    for (size_t i = 0; i < 2 * EUICC_ICCID_SIZE; i++) {
        unsigned nibble = i % 2 == 0 ? iccid[i / 2] & 0x0Fu : iccid[i / 2] >> 4;
        if (nibble > 9)
            break;
        out[n++] = (char)('0' + nibble);
    }
    out[n] = '\0';
}

/* StoreMetadataRequest asking for enable, disable and delete notifications
 * (ES8+ 5.5.3 notificationConfigurationInfo), so every operation of the
 * test queues one. */
static inline uint8_t *profile_metadata(const uint8_t iccid[EUICC_ICCID_SIZE], size_t *len)
{
    sgp22_notification_configuration_information config = {
        .profile_management_operation =
            SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE | SGP22_NOTIFICATION_DELETE,
        .notification_address = {(const uint8_t *)CRASH_NOTIFY_ADDRESS,
                                 strlen(CRASH_NOTIFY_ADDRESS)},
    };
    sgp22_store_metadata_request m;
    memset(&m, 0, sizeof(m));
    m.iccid = (aw_slice){iccid, EUICC_ICCID_SIZE};
    m.service_provider_name = (aw_slice){(const uint8_t *)"airwrite", 8};
    m.profile_name = (aw_slice){(const uint8_t *)"crash test", 10};
    m.has_notification_configuration_info = true;
    m.notification_configuration_info.items = &config;
    m.notification_configuration_info.count = 1;
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_store_metadata_request(&m, &out, len), AW_OK);
    return out;
}

/* ---- the model ----------------------------------------------------------- */

static inline int model_find_profile(const model *m, const uint8_t iccid[EUICC_ICCID_SIZE])
{
    for (size_t i = 0; i < m->profile_count; i++)
        if (memcmp(m->profiles[i].iccid, iccid, EUICC_ICCID_SIZE) == 0)
            return (int)i;
    return -1;
}

static inline int model_find_enabled(const model *m)
{
    for (size_t i = 0; i < m->profile_count; i++)
        if (m->profiles[i].enabled)
            return (int)i;
    return -1;
}

static inline void model_add_notification(model *m, int64_t seq, uint32_t event,
                                   const uint8_t iccid[EUICC_ICCID_SIZE])
{
    assert_true(m->notification_count < EUICC_MAX_NOTIFICATIONS);
    model_notification *n = &m->notifications[m->notification_count++];
    n->seq = seq;
    n->event = event;
    memcpy(n->iccid, iccid, EUICC_ICCID_SIZE);
}

/* The effect of one operation, as SGP.22 defines it for our profiles. */
static inline void model_apply(model *m, const operation *op, int64_t install_seq)
{
    int target = model_find_profile(m, op->iccid);
    switch (op->kind) {
    case OP_DOWNLOAD: /* 3.1.3: installed disabled, its PIR pending */
        assert_true(target < 0 && m->profile_count < EUICC_MAX_PROFILES);
        memset(&m->profiles[m->profile_count], 0, sizeof(m->profiles[0]));
        memcpy(m->profiles[m->profile_count++].iccid, op->iccid, EUICC_ICCID_SIZE);
        model_add_notification(m, install_seq, SGP22_NOTIFICATION_INSTALL, op->iccid);
        break;
    case OP_ENABLE: { /* 5.7.16: the enabled one, if any, is disabled first */
        int current = model_find_enabled(m);
        assert_true(target >= 0);
        if (current >= 0) {
            m->profiles[current].enabled = false;
            model_add_notification(m, UNKNOWN_SEQ, SGP22_NOTIFICATION_DISABLE,
                                   m->profiles[current].iccid);
        }
        m->profiles[target].enabled = true;
        model_add_notification(m, UNKNOWN_SEQ, SGP22_NOTIFICATION_ENABLE, op->iccid);
        break;
    }
    case OP_DISABLE:
        assert_true(target >= 0);
        m->profiles[target].enabled = false;
        model_add_notification(m, UNKNOWN_SEQ, SGP22_NOTIFICATION_DISABLE, op->iccid);
        break;
    case OP_DELETE:
        assert_true(target >= 0);
        model_add_notification(m, UNKNOWN_SEQ, SGP22_NOTIFICATION_DELETE, op->iccid);
        memmove(&m->profiles[target], &m->profiles[target + 1],
                (m->profile_count - (size_t)target - 1) * sizeof(m->profiles[0]));
        m->profile_count--;
        break;
    case OP_REMOVE_NOTIFICATION:
        for (size_t i = 0; i < m->notification_count; i++) {
            if (m->notifications[i].seq != op->seq)
                continue;
            int owner = model_find_profile(m, m->notifications[i].iccid);
            if (m->notifications[i].event == SGP22_NOTIFICATION_INSTALL && owner >= 0)
                m->profiles[owner].install_removed = true;
            memmove(&m->notifications[i], &m->notifications[i + 1],
                    (m->notification_count - i - 1) * sizeof(m->notifications[0]));
            m->notification_count--;
            return;
        }
        fail_msg("removing seqNumber %" PRId64 ", which the model does not hold", op->seq);
        break;
    case OP_NONE:
        break;
    }
}

/* Do the observed notifications match the model's? Known seqNumbers must
 * be there with their event and ICCID; unknown ones (queued since the
 * reader last looked) must be new: at or above the last restart's next. */
static inline bool match_notifications(const model *m, const model_notification *observed,
                                size_t count, char *why, size_t why_cap)
{
    bool used[EUICC_MAX_NOTIFICATIONS] = {false};
    if (count != m->notification_count) {
        snprintf(why, why_cap, "%zu notifications pending, %zu expected", count,
                 m->notification_count);
        return false;
    }
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < m->notification_count; i++) {
            const model_notification *want = &m->notifications[i];
            if ((pass == 0) != (want->seq != UNKNOWN_SEQ))
                continue;
            size_t k = 0;
            for (; k < count; k++) {
                const model_notification *got = &observed[k];
                if (used[k] || got->event != want->event ||
                    memcmp(got->iccid, want->iccid, EUICC_ICCID_SIZE) != 0)
                    continue;
                if (want->seq == UNKNOWN_SEQ ? got->seq >= m->next_floor : got->seq == want->seq)
                    break;
            }
            if (k == count) {
                char text[SAIP_ICCID_TEXT];
                iccid_text(want->iccid, text);
                snprintf(why, why_cap, "no pending notification seq %" PRId64 " event %u iccid %s",
                         want->seq, want->event, text);
                return false;
            }
            used[k] = true;
        }
    }
    return true;
}

static inline bool match_profiles(const model *m, const model *observed, char *why, size_t why_cap)
{
    if (observed->profile_count != m->profile_count) {
        snprintf(why, why_cap, "%zu profiles installed, %zu expected", observed->profile_count,
                 m->profile_count);
        return false;
    }
    for (size_t i = 0; i < m->profile_count; i++) {
        int k = model_find_profile(observed, m->profiles[i].iccid);
        if (k < 0 || observed->profiles[k].enabled != m->profiles[i].enabled) {
            char text[SAIP_ICCID_TEXT];
            iccid_text(m->profiles[i].iccid, text);
            snprintf(why, why_cap, "profile %s %s", text,
                     k < 0 ? "missing" : "in the wrong state");
            return false;
        }
    }
    return true;
}

#endif
