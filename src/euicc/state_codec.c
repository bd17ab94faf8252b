/* airwrite eUICC: the state file codec (layout in state.h). A private,
 * versioned DER format: every component typed and bounded, the file's HMAC
 * checked before its body is read, the embedded SGP.22 objects
 * (StoreMetadataRequest, ES8+ 5.5.3; PendingNotification, 5.7.10) decoded
 * with their codecs, and the ISD-R invariants checked. */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_field.h"
#include "core/sgp22_info_common.h"
#include "core/sgp22_notification.h"
#include "core/sgp32_package.h"
#include "euicc/state.h"

#define TAG_PACKAGE DER_CTX_CONS(0)
#define TAG_NICKNAME 0x90u /* [16] as in ProfileInfo profileNickname */
#define ALL_EVENTS                                                                    \
    (SGP22_NOTIFICATION_INSTALL | SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE | \
     SGP22_NOTIFICATION_DELETE)

static void put_text(der_builder *b, uint32_t tag, const char *text)
{
    der_put_tlv(b, tag, (const uint8_t *)text, strlen(text));
}

static void put_profile(der_builder *b, const euicc_profile *p)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_tlv(b, SGP22_TAG_ICCID, p->iccid, EUICC_ICCID_SIZE);
    der_put_tlv(b, SGP22_TAG_ISDP_AID, p->isdp_aid, p->isdp_aid_len);
    der_put_bool(b, DER_TAG_BOOLEAN, p->enabled);
    if (p->has_nickname)
        put_text(b, TAG_NICKNAME, p->nickname);
    der_put_raw(b, p->store_metadata, p->store_metadata_len);
    der_builder_begin(b, TAG_PACKAGE);
    der_put_tlv(b, DER_CTX(0), p->nonce, sizeof(p->nonce));
    der_put_tlv(b, DER_CTX(1), p->sealed_package, p->sealed_package_len);
    der_put_tlv(b, DER_CTX(2), p->tag, sizeof(p->tag));
    der_builder_end(b);
    if (p->fallback_attribute)
        der_put_null(b, DER_CTX(1));
    der_builder_end(b);
}

static void put_notification(der_builder *b, const euicc_notification *n)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_int64(b, DER_TAG_INTEGER, n->seq_number);
    der_put_int64(b, DER_TAG_INTEGER, n->event);
    put_text(b, DER_TAG_UTF8_STRING, n->address);
    if (n->has_iccid)
        der_put_tlv(b, SGP22_TAG_ICCID, n->iccid, EUICC_ICCID_SIZE);
    der_put_raw(b, n->pending, n->pending_len);
    der_builder_end(b);
}

/* immediateEnable [8] (SGP.32 configureImmediateEnable), absent until set */
static void put_immediate_enable(der_builder *b, const euicc_immediate_enable *ie)
{
    if (!ie->configured)
        return;
    der_builder_begin(b, DER_CTX_CONS(8));
    if (ie->flag)
        der_put_null(b, DER_CTX(0));
    if (ie->default_smdp_oid_len > 0)
        der_put_tlv(b, DER_CTX(1), ie->default_smdp_oid, ie->default_smdp_oid_len);
    if (ie->has_default_smdp_address)
        put_text(b, DER_CTX(2), ie->default_smdp_address);
    der_builder_end(b);
}

/* rollback [9] (SGP.32 enable rollbackFlag), absent while none is pending */
static void put_rollback(der_builder *b, const euicc_rollback *rb)
{
    if (!rb->pending)
        return;
    der_builder_begin(b, DER_CTX_CONS(9));
    if (rb->has_previous_iccid)
        der_put_tlv(b, DER_CTX(0), rb->previous_iccid, EUICC_ICCID_SIZE);
    put_text(b, DER_CTX(1), rb->eim_id);
    der_put_int64(b, DER_CTX(2), rb->counter_value);
    der_builder_end(b);
}

static void put_body(der_builder *b, const euicc_state *s)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    der_put_int64(b, DER_CTX(0), s->next_sequence_number);
    der_put_int64(b, DER_CTX(1), s->isdp_aid_counter);
    if (s->has_default_dp_address)
        put_text(b, DER_CTX(2), s->default_dp_address);
    put_text(b, DER_CTX(3), s->root_ds_address);
    der_builder_begin(b, DER_CTX_CONS(4));
    for (size_t i = 0; i < s->profile_count; i++)
        put_profile(b, &s->profiles[i]);
    der_builder_end(b);
    der_builder_begin(b, DER_CTX_CONS(5));
    for (size_t i = 0; i < s->notification_count; i++)
        put_notification(b, &s->notifications[i]);
    der_builder_end(b);
    if (s->eim_count > 0) {
        der_builder_begin(b, DER_CTX_CONS(6));
        for (size_t i = 0; i < s->eim_count; i++)
            der_put_raw(b, s->eims[i].configuration, s->eims[i].configuration_len);
        der_builder_end(b);
    }
    if (s->package_result_count > 0) {
        der_builder_begin(b, DER_CTX_CONS(7));
        for (size_t i = 0; i < s->package_result_count; i++) {
            der_builder_begin(b, DER_TAG_SEQUENCE);
            der_put_int64(b, DER_TAG_INTEGER, s->package_results[i].seq_number);
            der_put_raw(b, s->package_results[i].result, s->package_results[i].result_len);
            der_builder_end(b);
        }
        der_builder_end(b);
    }
    put_immediate_enable(b, &s->immediate_enable);
    put_rollback(b, &s->rollback);
    if (s->profile_limit != 0) /* profileLimit [10], absent while none is set */
        der_put_int64(b, DER_CTX(10), (int64_t)s->profile_limit);
    der_builder_end(b);
}

aw_err euicc_state_encode(const euicc_state *state, uint8_t **out, size_t *len)
{
    uint8_t *signed_part = NULL;
    size_t signed_len = 0;
    uint8_t mac[32];
    der_builder b;
    *out = NULL;
    *len = 0;
    der_builder_init(&b);
    der_put_int64(&b, DER_TAG_INTEGER, EUICC_STATE_FORMAT_VERSION);
    der_put_int64(&b, DER_TAG_INTEGER, EUICC_STORAGE_KEY_VERSION);
    der_put_tlv(&b, DER_TAG_OCTET_STRING, state->key_id, sizeof(state->key_id));
    put_body(&b, state);
    aw_err err = der_builder_finish(&b, &signed_part, &signed_len);
    if (err == AW_OK)
        err = euicc_state_hmac(state->mac_key, signed_part, signed_len, mac);
    if (err == AW_OK) {
        der_builder_init(&b);
        der_builder_begin(&b, DER_TAG_SEQUENCE);
        der_put_raw(&b, signed_part, signed_len);
        der_put_tlv(&b, DER_TAG_OCTET_STRING, mac, sizeof(mac));
        der_builder_end(&b);
        err = der_builder_finish(&b, out, len);
    }
    free(signed_part);
    return err;
}

/* ---- decoding ---------------------------------------------------------- */

static aw_err read_text(der_reader *r, uint32_t tag, size_t max_chars, char *out, size_t cap)
{
    aw_slice text;
    aw_err err = sgp22_field_read_utf8(r, tag, max_chars, &text);
    if (err != AW_OK)
        return err;
    if (text.len >= cap || memchr(text.ptr, 0, text.len) != NULL)
        return AW_ERR_DER_CONSTRAINT;
    if (text.len > 0)
        memcpy(out, text.ptr, text.len);
    out[text.len] = '\0';
    return AW_OK;
}

static aw_err read_count(der_reader *r, uint32_t tag, int64_t min, int64_t max, int64_t *out)
{
    aw_err err = sgp22_field_read_integer(r, tag, out);
    if (err == AW_OK && (*out < min || *out > max))
        err = AW_ERR_DER_CONSTRAINT;
    return err;
}

static aw_err copy_out(aw_slice in, uint8_t **out, size_t *len)
{
    *out = malloc(in.len > 0 ? in.len : 1);
    if (*out == NULL)
        return AW_ERR_NOMEM;
    if (in.len > 0)
        memcpy(*out, in.ptr, in.len);
    *len = in.len;
    return AW_OK;
}

static aw_err decode_profile(const der_reader *parent, const der_node *node, euicc_profile *p)
{
    der_reader r, pr;
    der_node n, pkg;
    aw_slice iccid, aid, nonce, tag, sealed;
    uint32_t next;
    sgp22_store_metadata_request metadata;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_ICCID, EUICC_ICCID_SIZE, EUICC_ICCID_SIZE,
                                      &iccid);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, SGP22_TAG_ISDP_AID, 1, EUICC_AID_MAX, &aid);
    if (err == AW_OK)
        err = sgp22_field_read_bool(&r, DER_TAG_BOOLEAN, &p->enabled);
    if (err == AW_OK && der_peek_tag(&r, &next) && next == TAG_NICKNAME) {
        p->has_nickname = true;
        err = read_text(&r, TAG_NICKNAME, 64, p->nickname, sizeof(p->nickname));
    }
    if (err == AW_OK)
        err = der_read_expect(&r, SGP22_TAG_STORE_METADATA, &n);
    if (err == AW_OK)
        err = sgp22_decode_store_metadata_request(n.raw.ptr, n.raw.len, &metadata);
    if (err == AW_OK && (metadata.iccid.len != EUICC_ICCID_SIZE ||
                         memcmp(metadata.iccid.ptr, iccid.ptr, EUICC_ICCID_SIZE) != 0))
        err = AW_ERR_DER_CONSTRAINT;
    if (err == AW_OK)
        err = copy_out(n.raw, &p->store_metadata, &p->store_metadata_len);
    if (err == AW_OK)
        err = der_read_expect(&r, TAG_PACKAGE, &pkg);
    if (err == AW_OK)
        err = der_reader_enter(&r, &pkg, &pr);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&pr, DER_CTX(0), EUICC_STATE_NONCE_SIZE,
                                      EUICC_STATE_NONCE_SIZE, &nonce);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&pr, DER_CTX(1), 0, EUICC_PACKAGE_MAX, &sealed);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&pr, DER_CTX(2), EUICC_STATE_TAG_SIZE,
                                      EUICC_STATE_TAG_SIZE, &tag);
    if (err == AW_OK)
        err = der_reader_finish(&pr);
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX(1)) {
        der_node fallback;
        err = der_read_node(&r, &fallback);
        if (err == AW_OK)
            err = der_node_get_null(&fallback);
        p->fallback_attribute = err == AW_OK;
    }
    if (err == AW_OK)
        err = der_reader_finish(&r);
    if (err == AW_OK)
        err = copy_out(sealed, &p->sealed_package, &p->sealed_package_len);
    if (err == AW_OK) {
        memcpy(p->iccid, iccid.ptr, EUICC_ICCID_SIZE);
        memcpy(p->isdp_aid, aid.ptr, aid.len);
        p->isdp_aid_len = aid.len;
        memcpy(p->nonce, nonce.ptr, EUICC_STATE_NONCE_SIZE);
        memcpy(p->tag, tag.ptr, EUICC_STATE_TAG_SIZE);
    }
    return err;
}

static aw_err decode_notification(const der_reader *parent, const der_node *node,
                                  euicc_notification *n)
{
    der_reader r;
    der_node pending;
    int64_t event = 0;
    aw_slice iccid;
    bool has_iccid = false;
    sgp22_pending_notification decoded;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err == AW_OK)
        err = read_count(&r, DER_TAG_INTEGER, 0, INT64_MAX, &n->seq_number);
    if (err == AW_OK)
        err = read_count(&r, DER_TAG_INTEGER, 1, ALL_EVENTS, &event);
    if (err == AW_OK && (event & (event - 1)) != 0)
        err = AW_ERR_DER_CONSTRAINT; /* exactly one NotificationEvent bit */
    if (err == AW_OK)
        err = read_text(&r, DER_TAG_UTF8_STRING, 0, n->address, sizeof(n->address));
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(&r, SGP22_TAG_ICCID, EUICC_ICCID_SIZE,
                                               EUICC_ICCID_SIZE, &iccid, &has_iccid);
    if (err == AW_OK)
        err = der_read_node(&r, &pending);
    if (err == AW_OK)
        err = sgp22_decode_pending_notification(pending.raw.ptr, pending.raw.len, &decoded);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    if (err == AW_OK)
        err = copy_out(pending.raw, &n->pending, &n->pending_len);
    if (err == AW_OK) {
        n->event = (uint32_t)event;
        n->has_iccid = has_iccid;
        if (has_iccid)
            memcpy(n->iccid, iccid.ptr, EUICC_ICCID_SIZE);
    }
    return err;
}

/* eims [6]: each an EimConfigurationData (SGP.32 2.11.1), eimIds unique */
static aw_err decode_eims(euicc_state *s, const der_reader *parent, const der_node *node)
{
    der_reader list;
    aw_err err = der_reader_enter(parent, node, &list);
    while (err == AW_OK && !der_reader_at_end(&list)) {
        der_node item;
        sgp32_eim_configuration_data eim;
        if (s->eim_count >= EUICC_MAX_EIMS)
            return AW_ERR_LIMIT;
        err = der_read_expect(&list, DER_TAG_SEQUENCE, &item);
        if (err == AW_OK && item.raw.len > EUICC_EIM_CONFIGURATION_MAX)
            err = AW_ERR_DER_CONSTRAINT;
        if (err == AW_OK)
            err = sgp32_decode_eim_configuration_data(item.raw.ptr, item.raw.len, &eim);
        for (size_t i = 0; err == AW_OK && i < s->eim_count; i++) {
            sgp32_eim_configuration_data other;
            err = sgp32_decode_eim_configuration_data(s->eims[i].configuration,
                                                      s->eims[i].configuration_len, &other);
            if (err == AW_OK && other.eim_id.len == eim.eim_id.len &&
                memcmp(other.eim_id.ptr, eim.eim_id.ptr, eim.eim_id.len) == 0)
                err = AW_ERR_DER_CONSTRAINT;
        }
        if (err == AW_OK)
            err = euicc_state_add_eim(s, item.raw);
    }
    return err;
}

/* packageResults [7]: seqNumber and EuiccPackageResult (SGP.32 2.11.1.2) */
static aw_err decode_package_results(euicc_state *s, const der_reader *parent,
                                     const der_node *node)
{
    der_reader list;
    aw_err err = der_reader_enter(parent, node, &list);
    while (err == AW_OK && !der_reader_at_end(&list)) {
        der_node item, result;
        der_reader r;
        int64_t seq_number = 0;
        sgp32_euicc_package_result decoded;
        if (s->package_result_count >= EUICC_MAX_PACKAGE_RESULTS)
            return AW_ERR_LIMIT;
        err = der_read_expect(&list, DER_TAG_SEQUENCE, &item);
        if (err == AW_OK)
            err = der_reader_enter(&list, &item, &r);
        if (err == AW_OK)
            err = read_count(&r, DER_TAG_INTEGER, 0, INT64_MAX, &seq_number);
        if (err == AW_OK)
            err = der_read_node(&r, &result);
        if (err == AW_OK)
            err = der_reader_finish(&r);
        if (err == AW_OK && result.raw.len > EUICC_PACKAGE_RESULT_MAX)
            err = AW_ERR_DER_CONSTRAINT;
        if (err == AW_OK)
            err = sgp32_decode_euicc_package_result(result.raw.ptr, result.raw.len, &decoded);
        if (err == AW_OK)
            err = euicc_state_add_package_result(s, seq_number, result.raw);
    }
    return err;
}

/* immediateEnable [8] */
static aw_err decode_immediate_enable(euicc_state *s, const der_reader *parent,
                                      const der_node *node)
{
    euicc_immediate_enable *ie = &s->immediate_enable;
    der_reader r;
    der_node n;
    uint32_t next;
    bool present = false;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(0), &n, &present);
    if (err == AW_OK && present)
        err = der_node_get_null(&n);
    ie->flag = present;
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(1), &n, &present);
    if (err == AW_OK && present)
        err = der_node_check_octets(&n, 1, EUICC_OID_MAX);
    if (err == AW_OK && present) {
        memcpy(ie->default_smdp_oid, n.value.ptr, n.value.len);
        ie->default_smdp_oid_len = n.value.len;
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX(2)) {
        ie->has_default_smdp_address = true;
        err = read_text(&r, DER_CTX(2), 0, ie->default_smdp_address,
                        sizeof(ie->default_smdp_address));
    }
    if (err == AW_OK)
        err = der_reader_finish(&r);
    ie->configured = err == AW_OK;
    return err;
}

/* rollback [9] */
static aw_err decode_rollback(euicc_state *s, const der_reader *parent, const der_node *node)
{
    euicc_rollback *rb = &s->rollback;
    der_reader r;
    der_node n;
    bool present = false;
    aw_err err = der_reader_enter(parent, node, &r);
    if (err == AW_OK)
        err = der_read_optional(&r, DER_CTX(0), &n, &present);
    if (err == AW_OK && present)
        err = der_node_check_octets(&n, EUICC_ICCID_SIZE, EUICC_ICCID_SIZE);
    if (err == AW_OK && present) {
        memcpy(rb->previous_iccid, n.value.ptr, EUICC_ICCID_SIZE);
        rb->has_previous_iccid = true;
    }
    if (err == AW_OK)
        err = read_text(&r, DER_CTX(1), EUICC_EIM_ID_MAX, rb->eim_id, sizeof(rb->eim_id));
    if (err == AW_OK && rb->eim_id[0] == '\0')
        err = AW_ERR_DER_CONSTRAINT;
    if (err == AW_OK)
        err = read_count(&r, DER_CTX(2), 0, INT64_MAX, &rb->counter_value);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    rb->pending = err == AW_OK;
    return err;
}

/* The ISD-R invariants a well-formed file must also meet. */
static aw_err check_invariants(const euicc_state *s)
{
    size_t enabled = 0;
    for (size_t i = 0; i < s->profile_count; i++) {
        const euicc_profile *p = &s->profiles[i];
        enabled += p->enabled ? 1 : 0;
        for (size_t j = 0; j < i; j++)
            if (memcmp(s->profiles[j].iccid, p->iccid, EUICC_ICCID_SIZE) == 0 ||
                (s->profiles[j].isdp_aid_len == p->isdp_aid_len &&
                 memcmp(s->profiles[j].isdp_aid, p->isdp_aid, p->isdp_aid_len) == 0))
                return AW_ERR_DER_CONSTRAINT;
    }
    if (enabled > 1)
        return AW_ERR_DER_CONSTRAINT;
    size_t fallback = 0;
    for (size_t i = 0; i < s->profile_count; i++)
        fallback += s->profiles[i].fallback_attribute ? 1 : 0;
    if (fallback > 1)
        return AW_ERR_DER_CONSTRAINT; /* SGP.32: one Fallback Profile at most */
    for (size_t i = 0; i < s->notification_count; i++) {
        if (s->notifications[i].seq_number >= s->next_sequence_number)
            return AW_ERR_DER_CONSTRAINT;
        for (size_t j = 0; j < i; j++)
            if (s->notifications[j].seq_number == s->notifications[i].seq_number)
                return AW_ERR_DER_CONSTRAINT;
    }
    /* results and notifications share one seqNumber counter (SGP.32 6.3.2.7) */
    for (size_t i = 0; i < s->package_result_count; i++) {
        int64_t seq_number = s->package_results[i].seq_number;
        if (seq_number >= s->next_sequence_number ||
            euicc_state_find_notification(s, seq_number) >= 0 ||
            euicc_state_find_package_result(s, seq_number) != (int)i)
            return AW_ERR_DER_CONSTRAINT;
    }
    return AW_OK;
}

static aw_err decode_body(euicc_state *s, const der_reader *parent, const der_node *body)
{
    der_reader r, list;
    der_node n;
    uint32_t next;
    int64_t value;
    aw_err err = der_reader_enter(parent, body, &r);
    if (err == AW_OK)
        err = read_count(&r, DER_CTX(0), 0, INT64_MAX - 1, &s->next_sequence_number);
    if (err == AW_OK)
        err = read_count(&r, DER_CTX(1), 0, UINT32_MAX, &value);
    if (err == AW_OK)
        s->isdp_aid_counter = (uint32_t)value;
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX(2)) {
        s->has_default_dp_address = true;
        err = read_text(&r, DER_CTX(2), 0, s->default_dp_address, sizeof(s->default_dp_address));
    }
    if (err == AW_OK)
        err = read_text(&r, DER_CTX(3), 0, s->root_ds_address, sizeof(s->root_ds_address));
    if (err == AW_OK)
        err = der_read_expect(&r, DER_CTX_CONS(4), &n);
    if (err == AW_OK)
        err = der_reader_enter(&r, &n, &list);
    while (err == AW_OK && !der_reader_at_end(&list)) {
        der_node item;
        if (s->profile_count >= EUICC_MAX_PROFILES)
            return AW_ERR_LIMIT;
        err = der_read_expect(&list, DER_TAG_SEQUENCE, &item);
        if (err == AW_OK) {
            /* counted first, so a half-read profile is freed by clear() */
            euicc_profile *p = &s->profiles[s->profile_count++];
            err = decode_profile(&list, &item, p);
        }
    }
    if (err == AW_OK)
        err = der_read_expect(&r, DER_CTX_CONS(5), &n);
    if (err == AW_OK)
        err = der_reader_enter(&r, &n, &list);
    while (err == AW_OK && !der_reader_at_end(&list)) {
        der_node item;
        if (s->notification_count >= EUICC_MAX_NOTIFICATIONS)
            return AW_ERR_LIMIT;
        err = der_read_expect(&list, DER_TAG_SEQUENCE, &item);
        if (err == AW_OK) {
            euicc_notification *nt = &s->notifications[s->notification_count++];
            err = decode_notification(&list, &item, nt);
        }
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX_CONS(6)) {
        err = der_read_node(&r, &n);
        if (err == AW_OK)
            err = decode_eims(s, &r, &n);
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX_CONS(7)) {
        err = der_read_node(&r, &n);
        if (err == AW_OK)
            err = decode_package_results(s, &r, &n);
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX_CONS(8)) {
        err = der_read_node(&r, &n);
        if (err == AW_OK)
            err = decode_immediate_enable(s, &r, &n);
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX_CONS(9)) {
        err = der_read_node(&r, &n);
        if (err == AW_OK)
            err = decode_rollback(s, &r, &n);
    }
    if (err == AW_OK && der_peek_tag(&r, &next) && next == DER_CTX(10)) {
        err = read_count(&r, DER_CTX(10), 1, EUICC_MAX_PROFILES, &value);
        if (err == AW_OK)
            s->profile_limit = (size_t)value;
    }
    if (err == AW_OK)
        err = der_reader_finish(&r);
    if (err == AW_OK)
        err = check_invariants(s);
    return err;
}

aw_err euicc_state_decode(euicc_state *state, const uint8_t *buf, size_t len)
{
    der_node top, version, key_version, key_id, body, mac;
    der_reader r;
    int64_t number;
    uint8_t expected[32];
    euicc_state_clear(state);
    aw_err err = der_decode_single(buf, len, &top);
    if (err == AW_OK && top.tag != DER_TAG_SEQUENCE)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err != AW_OK)
        return AW_ERR_EUICC_STATE_CORRUPT;
    der_reader_init(&r, top.value.ptr, top.value.len);
    err = der_read_expect(&r, DER_TAG_INTEGER, &version);
    if (err == AW_OK)
        err = der_node_get_int64(&version, &number);
    if (err == AW_OK && number != EUICC_STATE_FORMAT_VERSION)
        return AW_ERR_EUICC_STATE_VERSION;
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_INTEGER, &key_version);
    if (err == AW_OK)
        err = der_node_get_int64(&key_version, &number);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_OCTET_STRING, &key_id);
    if (err == AW_OK && (number != EUICC_STORAGE_KEY_VERSION ||
                         key_id.value.len != EUICC_STATE_KEY_ID_SIZE ||
                         memcmp(key_id.value.ptr, state->key_id, EUICC_STATE_KEY_ID_SIZE) != 0))
        return AW_ERR_EUICC_STORAGE_KEY; /* written under another storage key */
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_SEQUENCE, &body);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_OCTET_STRING, &mac);
    if (err == AW_OK)
        err = der_reader_finish(&r);
    if (err == AW_OK && mac.value.len != sizeof(expected))
        err = AW_ERR_DER_CONSTRAINT;
    if (err == AW_OK)
        err = euicc_state_hmac(state->mac_key, version.raw.ptr,
                               (size_t)(body.raw.ptr + body.raw.len - version.raw.ptr), expected);
    if (err == AW_OK && !crypto_equal(expected, mac.value.ptr, sizeof(expected)))
        err = AW_ERR_EUICC_STATE_CORRUPT;
    if (err == AW_OK)
        err = decode_body(state, &r, &body);
    if (err != AW_OK) {
        euicc_state_clear(state);
        if (err != AW_ERR_NOMEM && err != AW_ERR_CRYPTO)
            err = AW_ERR_EUICC_STATE_CORRUPT;
    }
    return err;
}
