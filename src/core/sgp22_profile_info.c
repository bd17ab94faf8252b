/* airwrite core: DER codecs for SGP.22 ES10c profile information and local
 * profile management: GetProfilesInfo (5.7.15), EnableProfile (5.7.16),
 * DisableProfile (5.7.17), DeleteProfile (5.7.18), eUICCMemoryReset (5.7.19)
 * and SetNickname (5.7.21), from SGP.22 RSPDefinitions.
 *
 * Tagging (AUTOMATIC TAGS, X.680 25.3): EnableProfileRequest has no tagged
 * component, so profileIdentifier becomes [0] - explicit, being a CHOICE -
 * and refreshFlag [1]; ProfileInfoListResponse's alternatives become [0]/[1];
 * DeleteProfileRequest is a CHOICE tagged [51], hence explicit (BF33 {4F|5A}). */
#include "core/sgp22_profile_info.h"

#include <string.h>

/* ---- profileIdentifier CHOICE ------------------------------------------ */

static aw_err read_profile_identifier(const der_node *n, sgp22_profile_identifier *out)
{
    if (n->tag == SGP22_TAG_ISDP_AID) {
        out->kind = SGP22_PROFILE_IDENTIFIER_ISDP_AID;
        return sgp22_info_read_octets(n, 1, SGP22_AID_MAX, &out->value);
    }
    if (n->tag == SGP22_TAG_ICCID) {
        out->kind = SGP22_PROFILE_IDENTIFIER_ICCID;
        return sgp22_info_read_octets(n, SGP22_ICCID_SIZE, SGP22_ICCID_SIZE, &out->value);
    }
    return AW_ERR_DER_UNEXPECTED_TAG;
}

static void put_profile_identifier(der_builder *b, const sgp22_profile_identifier *in)
{
    if (in->kind == SGP22_PROFILE_IDENTIFIER_ISDP_AID)
        der_put_slice(b, SGP22_TAG_ISDP_AID, in->value);
    else if (in->kind == SGP22_PROFILE_IDENTIFIER_ICCID)
        der_put_slice(b, SGP22_TAG_ICCID, in->value);
    else
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
}

/* ---- NotificationConfigurationInformation -------------------------------- */

static const sgp22_info_field notification_configuration_fields[] = {
    {DER_CTX(0), false}, /* profileManagementOperation */
    {DER_CTX(1), false}, /* notificationAddress */
};

static aw_err visit_notification_configuration(void *ctx, size_t index,
                                               const der_reader *parent, const der_node *n)
{
    sgp22_notification_configuration_information *out = ctx;
    (void)parent;
    if (index == 0)
        return sgp22_info_read_flags(n, &out->profile_management_operation);
    return sgp22_info_read_utf8(n, 0, SIZE_MAX, &out->notification_address);
}

static aw_err read_notification_configuration(const der_reader *parent, const der_node *n,
                                              sgp22_notification_configuration_information *out)
{
    der_reader r;
    memset(out, 0, sizeof(*out));
    if (n->tag != DER_TAG_SEQUENCE)
        return AW_ERR_DER_UNEXPECTED_TAG;
    aw_err err = der_reader_enter(parent, n, &r);
    if (err != AW_OK)
        return err;
    return sgp22_info_walk(&r, notification_configuration_fields, 2,
                           visit_notification_configuration, out, &out->extensions);
}

static aw_err check_notification_configuration(const der_reader *parent, const der_node *n)
{
    sgp22_notification_configuration_information ignored;
    return read_notification_configuration(parent, n, &ignored);
}

aw_err sgp22_notification_configuration_list_next(
    sgp22_list_iter *it, sgp22_notification_configuration_information *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_node(&it->reader, &n);
    if (err != AW_OK)
        return err;
    return read_notification_configuration(&it->reader, &n, out);
}

/* ---- ProfileInfo ----------------------------------------------------------- */

enum {
    PI_ICCID, PI_ISDP_AID, PI_STATE, PI_NICKNAME, PI_SPN, PI_NAME, PI_ICON_TYPE, PI_ICON,
    PI_CLASS, PI_NOTIFICATION_CONFIG, PI_OWNER, PI_DP_PROPRIETARY, PI_PPR,
    PI_SERVICE_SPECIFIC, PI_ECALL, PI_FALLBACK_ATTRIBUTE, PI_FALLBACK_ALLOWED, PI_IOT,
    PI__COUNT
};

static const sgp22_info_field profile_info_fields[PI__COUNT] = {
    [PI_ICCID] = {SGP22_TAG_ICCID, true},
    [PI_ISDP_AID] = {SGP22_TAG_ISDP_AID, true},
    [PI_STATE] = {0x9F70u, true},              /* [112] profileState */
    [PI_NICKNAME] = {DER_CTX(16), true},
    [PI_SPN] = {DER_CTX(17), true},
    [PI_NAME] = {DER_CTX(18), true},
    [PI_ICON_TYPE] = {DER_CTX(19), true},
    [PI_ICON] = {DER_CTX(20), true},
    [PI_CLASS] = {DER_CTX(21), true},
    [PI_NOTIFICATION_CONFIG] = {DER_CTX_CONS(22), true},
    [PI_OWNER] = {DER_CTX_CONS(23), true},
    [PI_DP_PROPRIETARY] = {DER_CTX_CONS(24), true},
    [PI_PPR] = {DER_CTX(25), true},
    [PI_SERVICE_SPECIFIC] = {0xBF22u, true},   /* [34] VendorSpecificExtension */
    [PI_ECALL] = {0x9F7Bu, true},              /* [123] ecallIndication */
    [PI_FALLBACK_ATTRIBUTE] = {0x9F26u, true}, /* [38] fallbackAttribute */
    [PI_FALLBACK_ALLOWED] = {0x9F67u, true},   /* [103] fallbackAllowed */
    [PI_IOT] = {0xBF64u, true},                /* [100] iotSpecificProfileInfo */
};

/* DpProprietaryData: "maximum size including tag and length field: 128
 * bytes"; dpOid first, further SM-DP+ data objects MAY follow. */
static aw_err read_dp_proprietary_data(const der_reader *parent, const der_node *n,
                                       sgp22_profile_info *out)
{
    der_reader r;
    der_node oid;
    if (n->raw.len > 128)
        return AW_ERR_DER_CONSTRAINT;
    aw_err err = sgp22_info_read_raw(n, &out->dp_proprietary_data);
    if (err == AW_OK)
        err = der_reader_enter(parent, n, &r);
    if (err == AW_OK)
        err = der_read_expect(&r, DER_TAG_OID, &oid);
    if (err == AW_OK)
        err = sgp22_info_read_octets(&oid, 1, SIZE_MAX, &out->dp_oid);
    return err;
}

static aw_err visit_profile_info(void *ctx, size_t index, const der_reader *parent,
                                 const der_node *n)
{
    sgp22_profile_info *out = ctx;
    aw_err err;
    switch (index) {
    case PI_ICCID:
        out->has_iccid = true;
        return sgp22_info_read_octets(n, SGP22_ICCID_SIZE, SGP22_ICCID_SIZE, &out->iccid);
    case PI_ISDP_AID:
        out->has_isdp_aid = true;
        return sgp22_info_read_octets(n, 1, SGP22_AID_MAX, &out->isdp_aid);
    case PI_STATE:
        out->has_profile_state = true;
        return der_node_get_int64(n, &out->profile_state);
    case PI_NICKNAME:
        out->has_profile_nickname = true;
        return sgp22_info_read_utf8(n, 0, 64, &out->profile_nickname);
    case PI_SPN:
        out->has_service_provider_name = true;
        return sgp22_info_read_utf8(n, 0, 32, &out->service_provider_name);
    case PI_NAME:
        out->has_profile_name = true;
        return sgp22_info_read_utf8(n, 0, 64, &out->profile_name);
    case PI_ICON_TYPE:
        out->has_icon_type = true;
        return der_node_get_int64(n, &out->icon_type);
    case PI_ICON:
        out->has_icon = true;
        return sgp22_info_read_octets(n, 0, 1024, &out->icon);
    case PI_CLASS:
        out->has_profile_class = true;
        return der_node_get_int64(n, &out->profile_class);
    case PI_NOTIFICATION_CONFIG:
        out->has_notification_configuration_info = true;
        return sgp22_info_read_list(parent, n, check_notification_configuration,
                                    &out->notification_configuration_info.raw,
                                    &out->notification_configuration_info.count);
    case PI_OWNER:
        out->has_profile_owner = true;
        return sgp22_info_read_operator_id(parent, n, &out->profile_owner);
    case PI_DP_PROPRIETARY:
        out->has_dp_proprietary_data = true;
        return read_dp_proprietary_data(parent, n, out);
    case PI_PPR:
        out->has_profile_policy_rules = true;
        return sgp22_info_read_flags(n, &out->profile_policy_rules);
    case PI_SERVICE_SPECIFIC:
        out->has_service_specific_data_stored_in_euicc = true;
        return sgp22_info_read_raw(n, &out->service_specific_data_stored_in_euicc);
    case PI_ECALL:
        out->has_ecall_indication = true;
        return der_node_get_bool(n, &out->ecall_indication);
    case PI_FALLBACK_ATTRIBUTE:
        err = der_node_get_bool(n, &out->fallback_attribute);
        /* X.690 11.5: a DEFAULT value is never encoded */
        if (err == AW_OK && !out->fallback_attribute)
            err = AW_ERR_DER_CONSTRAINT;
        return err;
    case PI_FALLBACK_ALLOWED:
        out->has_fallback_allowed = true;
        return der_node_get_bool(n, &out->fallback_allowed);
    default:
        out->has_iot_specific_profile_info = true;
        return sgp22_info_read_raw(n, &out->iot_specific_profile_info);
    }
}

static aw_err read_profile_info(const der_reader *parent, const der_node *n,
                                sgp22_profile_info *out)
{
    der_reader r;
    memset(out, 0, sizeof(*out));
    if (n->tag != SGP22_TAG_PROFILE_INFO)
        return AW_ERR_DER_UNEXPECTED_TAG;
    aw_err err = der_reader_enter(parent, n, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, profile_info_fields, PI__COUNT, visit_profile_info, out,
                              &out->extensions);
    if (err == AW_OK)
        out->raw = n->raw;
    return err;
}

static aw_err check_profile_info(const der_reader *parent, const der_node *n)
{
    sgp22_profile_info ignored;
    return read_profile_info(parent, n, &ignored);
}

aw_err sgp22_decode_profile_info(const uint8_t *buf, size_t len, sgp22_profile_info *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_reader root;
    der_node n;
    memset(out, 0, sizeof(*out));
    aw_err err = der_decode_single(buf, len, &n);
    if (err != AW_OK)
        return err;
    der_reader_init(&root, buf, len);
    return read_profile_info(&root, &n, out);
}

aw_err sgp22_profile_info_list_next(sgp22_list_iter *it, sgp22_profile_info *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_node(&it->reader, &n);
    if (err != AW_OK)
        return err;
    return read_profile_info(&it->reader, &n, out);
}

static void put_bool(der_builder *b, uint32_t tag, bool present, bool value)
{
    if (present)
        der_put_bool(b, tag, value);
}

static void put_optional(der_builder *b, uint32_t tag, bool present, aw_slice value)
{
    if (present)
        der_put_slice(b, tag, value);
}

/* A component kept as a whole TLV must carry its own tag. */
static void put_raw_component(der_builder *b, uint32_t tag, aw_slice raw)
{
    der_node n;
    if (der_decode_single(raw.ptr, raw.len, &n) != AW_OK || n.tag != tag) {
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
        return;
    }
    der_put_raw(b, raw.ptr, raw.len);
}

void sgp22_put_profile_info(der_builder *b, const sgp22_profile_info *in)
{
    der_builder_begin(b, SGP22_TAG_PROFILE_INFO);
    put_optional(b, SGP22_TAG_ICCID, in->has_iccid, in->iccid);
    put_optional(b, SGP22_TAG_ISDP_AID, in->has_isdp_aid, in->isdp_aid);
    if (in->has_profile_state)
        der_put_int64(b, 0x9F70u, in->profile_state);
    put_optional(b, DER_CTX(16), in->has_profile_nickname, in->profile_nickname);
    put_optional(b, DER_CTX(17), in->has_service_provider_name, in->service_provider_name);
    put_optional(b, DER_CTX(18), in->has_profile_name, in->profile_name);
    if (in->has_icon_type)
        der_put_int64(b, DER_CTX(19), in->icon_type);
    put_optional(b, DER_CTX(20), in->has_icon, in->icon);
    if (in->has_profile_class)
        der_put_int64(b, DER_CTX(21), in->profile_class);
    if (in->has_notification_configuration_info) {
        const sgp22_notification_configuration_list *l = &in->notification_configuration_info;
        der_builder_begin(b, DER_CTX_CONS(22));
        if (l->items != NULL) {
            for (size_t i = 0; i < l->count; i++) {
                der_builder_begin(b, DER_TAG_SEQUENCE);
                sgp22_info_put_flags(b, DER_CTX(0), l->items[i].profile_management_operation);
                der_put_slice(b, DER_CTX(1), l->items[i].notification_address);
                der_put_raw(b, l->items[i].extensions.ptr, l->items[i].extensions.len);
                der_builder_end(b);
            }
        } else {
            der_put_raw(b, l->raw.ptr, l->raw.len);
        }
        der_builder_end(b);
    }
    if (in->has_profile_owner)
        sgp22_put_operator_id(b, DER_CTX_CONS(23), &in->profile_owner);
    if (in->has_dp_proprietary_data) {
        if (in->dp_proprietary_data.len > 0) {
            put_raw_component(b, DER_CTX_CONS(24), in->dp_proprietary_data);
        } else {
            der_builder_begin(b, DER_CTX_CONS(24));
            der_put_slice(b, DER_TAG_OID, in->dp_oid);
            der_builder_end(b);
        }
    }
    if (in->has_profile_policy_rules)
        sgp22_info_put_flags(b, DER_CTX(25), in->profile_policy_rules);
    if (in->has_service_specific_data_stored_in_euicc)
        put_raw_component(b, 0xBF22u, in->service_specific_data_stored_in_euicc);
    put_bool(b, 0x9F7Bu, in->has_ecall_indication, in->ecall_indication);
    put_bool(b, 0x9F26u, in->fallback_attribute, true);
    put_bool(b, 0x9F67u, in->has_fallback_allowed, in->fallback_allowed);
    if (in->has_iot_specific_profile_info)
        put_raw_component(b, 0xBF64u, in->iot_specific_profile_info);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(profile_info)

/* ---- ProfileInfoListRequest / Response ------------------------------------ */

static const sgp22_info_field list_request_fields[] = {
    {DER_CTX_CONS(0), true},                /* searchCriteria */
    {SGP22_TAG_TAG_LIST, true},             /* tagList */
    {SGP22_TAG_IOT_SPECIFIC_TAG_LIST, true}, /* iotSpecificTagList */
};

static aw_err visit_list_request(void *ctx, size_t index, const der_reader *parent,
                                 const der_node *n)
{
    sgp22_profile_info_list_request *out = ctx;
    der_node inner;
    aw_err err;
    if (index == 1) {
        out->has_tag_list = true;
        return sgp22_info_read_octets(n, 0, SIZE_MAX, &out->tag_list);
    }
    if (index == 2) {
        out->has_iot_specific_tag_list = true;
        return sgp22_info_read_octets(n, 0, SIZE_MAX, &out->iot_specific_tag_list);
    }
    err = sgp22_info_read_explicit(parent, n, &inner);
    if (err != AW_OK)
        return err;
    if (inner.tag == DER_CTX(21)) {
        out->search_kind = SGP22_PROFILE_SEARCH_PROFILE_CLASS;
        return der_node_get_int64(&inner, &out->search_profile_class);
    }
    sgp22_profile_identifier id;
    err = read_profile_identifier(&inner, &id);
    if (err != AW_OK)
        return err;
    out->search_kind = id.kind == SGP22_PROFILE_IDENTIFIER_ICCID ? SGP22_PROFILE_SEARCH_ICCID
                                                                  : SGP22_PROFILE_SEARCH_ISDP_AID;
    out->search_value = id.value;
    return AW_OK;
}

aw_err sgp22_decode_profile_info_list_request(const uint8_t *buf, size_t len,
                                              sgp22_profile_info_list_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_PROFILE_INFO_LIST, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, list_request_fields, 3, visit_list_request, out,
                              &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_profile_info_list_request(der_builder *b, const sgp22_profile_info_list_request *in)
{
    der_builder_begin(b, SGP22_TAG_PROFILE_INFO_LIST);
    if (in->search_kind != SGP22_PROFILE_SEARCH_NONE) {
        der_builder_begin(b, DER_CTX_CONS(0));
        if (in->search_kind == SGP22_PROFILE_SEARCH_ISDP_AID)
            der_put_slice(b, SGP22_TAG_ISDP_AID, in->search_value);
        else if (in->search_kind == SGP22_PROFILE_SEARCH_ICCID)
            der_put_slice(b, SGP22_TAG_ICCID, in->search_value);
        else if (in->search_kind == SGP22_PROFILE_SEARCH_PROFILE_CLASS)
            der_put_int64(b, DER_CTX(21), in->search_profile_class);
        else
            sgp22_info_fail(b, AW_ERR_ARGUMENT);
        der_builder_end(b);
    }
    put_optional(b, SGP22_TAG_TAG_LIST, in->has_tag_list, in->tag_list);
    put_optional(b, SGP22_TAG_IOT_SPECIFIC_TAG_LIST, in->has_iot_specific_tag_list,
                 in->iot_specific_tag_list);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(profile_info_list_request)

aw_err sgp22_decode_profile_info_list_response(const uint8_t *buf, size_t len,
                                               sgp22_profile_info_list_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_PROFILE_INFO_LIST, &top, &r);
    if (err == AW_OK)
        err = der_read_node(&r, &n);
    if (err == AW_ERR_NOT_FOUND)
        return AW_ERR_DER_MISSING; /* a CHOICE needs one alternative */
    if (err != AW_OK)
        return err;
    if (!der_reader_at_end(&r))
        return AW_ERR_DER_UNEXPECTED_TAG;
    if (n.tag == DER_CTX_CONS(0)) {
        out->kind = SGP22_PROFILE_INFO_LIST_OK;
        err = sgp22_info_read_list(&r, &n, check_profile_info, &out->profile_info_list_ok.raw,
                                   &out->profile_info_list_ok.count);
    } else if (n.tag == DER_CTX(1)) {
        out->kind = SGP22_PROFILE_INFO_LIST_ERROR;
        err = der_node_get_int64(&n, &out->profile_info_list_error);
    } else {
        err = AW_ERR_DER_UNEXPECTED_TAG;
    }
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_profile_info_list_response(der_builder *b,
                                          const sgp22_profile_info_list_response *in)
{
    der_builder_begin(b, SGP22_TAG_PROFILE_INFO_LIST);
    if (in->kind == SGP22_PROFILE_INFO_LIST_OK) {
        const sgp22_profile_info_list *l = &in->profile_info_list_ok;
        der_builder_begin(b, DER_CTX_CONS(0));
        if (l->items != NULL) {
            for (size_t i = 0; i < l->count; i++)
                sgp22_put_profile_info(b, &l->items[i]);
        } else {
            der_put_raw(b, l->raw.ptr, l->raw.len);
        }
        der_builder_end(b);
    } else if (in->kind == SGP22_PROFILE_INFO_LIST_ERROR) {
        der_put_int64(b, DER_CTX(1), in->profile_info_list_error);
    } else {
        sgp22_info_fail(b, AW_ERR_ARGUMENT);
    }
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(profile_info_list_response)

/* ---- Enable / Disable / Delete -------------------------------------------- */

static const sgp22_info_field switch_fields[] = {
    {DER_CTX_CONS(0), false}, /* profileIdentifier (explicit CHOICE) */
    {DER_CTX(1), false},      /* refreshFlag */
};

static aw_err visit_switch(void *ctx, size_t index, const der_reader *parent, const der_node *n)
{
    sgp22_enable_profile_request *out = ctx;
    der_node inner;
    if (index == 1)
        return der_node_get_bool(n, &out->refresh_flag);
    aw_err err = sgp22_info_read_explicit(parent, n, &inner);
    if (err == AW_OK)
        err = read_profile_identifier(&inner, &out->profile_identifier);
    return err;
}

static aw_err decode_switch_request(const uint8_t *buf, size_t len, uint32_t tag,
                                    sgp22_enable_profile_request *out)
{
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, tag, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, switch_fields, 2, visit_switch, out, &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

static void put_switch_request(der_builder *b, uint32_t tag, const sgp22_enable_profile_request *in)
{
    der_builder_begin(b, tag);
    der_builder_begin(b, DER_CTX_CONS(0));
    put_profile_identifier(b, &in->profile_identifier);
    der_builder_end(b);
    der_put_bool(b, DER_CTX(1), in->refresh_flag);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

aw_err sgp22_decode_enable_profile_request(const uint8_t *buf, size_t len,
                                           sgp22_enable_profile_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    return decode_switch_request(buf, len, SGP22_TAG_ENABLE_PROFILE, out);
}

void sgp22_put_enable_profile_request(der_builder *b, const sgp22_enable_profile_request *in)
{
    put_switch_request(b, SGP22_TAG_ENABLE_PROFILE, in);
}

SGP22_INFO_DEFINE_ENCODE(enable_profile_request)

aw_err sgp22_decode_disable_profile_request(const uint8_t *buf, size_t len,
                                            sgp22_disable_profile_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    return decode_switch_request(buf, len, SGP22_TAG_DISABLE_PROFILE, out);
}

void sgp22_put_disable_profile_request(der_builder *b, const sgp22_disable_profile_request *in)
{
    put_switch_request(b, SGP22_TAG_DISABLE_PROFILE, in);
}

SGP22_INFO_DEFINE_ENCODE(disable_profile_request)

aw_err sgp22_decode_delete_profile_request(const uint8_t *buf, size_t len,
                                           sgp22_delete_profile_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, inner;
    der_reader root;
    memset(out, 0, sizeof(*out));
    aw_err err = der_decode_single(buf, len, &top);
    if (err == AW_OK && top.tag != SGP22_TAG_DELETE_PROFILE)
        err = AW_ERR_DER_UNEXPECTED_TAG;
    if (err == AW_OK) {
        der_reader_init(&root, buf, len);
        err = sgp22_info_read_explicit(&root, &top, &inner);
    }
    if (err == AW_OK)
        err = read_profile_identifier(&inner, &out->profile_identifier);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_delete_profile_request(der_builder *b, const sgp22_delete_profile_request *in)
{
    der_builder_begin(b, SGP22_TAG_DELETE_PROFILE);
    put_profile_identifier(b, &in->profile_identifier);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(delete_profile_request)

/* ---- eUICCMemoryReset / SetNickname ---------------------------------------- */

aw_err sgp22_decode_euicc_memory_reset_request(const uint8_t *buf, size_t len,
                                               sgp22_euicc_memory_reset_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_EUICC_MEMORY_RESET,
                                          (sgp22_info_field){DER_CTX(2), false}, /* resetOptions */
                                          &top, &r, &n, &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_flags(&n, &out->reset_options);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_euicc_memory_reset_request(der_builder *b,
                                          const sgp22_euicc_memory_reset_request *in)
{
    der_builder_begin(b, SGP22_TAG_EUICC_MEMORY_RESET);
    sgp22_info_put_flags(b, DER_CTX(2), in->reset_options);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(euicc_memory_reset_request)

static const sgp22_info_field set_nickname_fields[] = {
    {SGP22_TAG_ICCID, false}, /* iccid */
    {DER_CTX(16), false},     /* profileNickname */
};

static aw_err visit_set_nickname(void *ctx, size_t index, const der_reader *parent,
                                 const der_node *n)
{
    sgp22_set_nickname_request *out = ctx;
    (void)parent;
    if (index == 0)
        return sgp22_info_read_octets(n, SGP22_ICCID_SIZE, SGP22_ICCID_SIZE, &out->iccid);
    return sgp22_info_read_utf8(n, 0, 64, &out->profile_nickname);
}

aw_err sgp22_decode_set_nickname_request(const uint8_t *buf, size_t len,
                                         sgp22_set_nickname_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_SET_NICKNAME, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, set_nickname_fields, 2, visit_set_nickname, out,
                              &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_set_nickname_request(der_builder *b, const sgp22_set_nickname_request *in)
{
    der_builder_begin(b, SGP22_TAG_SET_NICKNAME);
    der_put_slice(b, SGP22_TAG_ICCID, in->iccid);
    der_put_slice(b, DER_CTX(16), in->profile_nickname);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(set_nickname_request)

/* ---- result responses ------------------------------------------------------- */

#define DEFINE_RESULT_RESPONSE(type, tag, field)                                      \
    aw_err sgp22_decode_##type(const uint8_t *buf, size_t len, sgp22_##type *out)     \
    {                                                                                 \
        if (out == NULL)                                                              \
            return AW_ERR_ARGUMENT;                                                   \
        memset(out, 0, sizeof(*out));                                                 \
        return sgp22_info_decode_result(buf, len, tag, &out->raw, &out->field,         \
                                        &out->extensions);                            \
    }                                                                                 \
    void sgp22_put_##type(der_builder *b, const sgp22_##type *in)                     \
    {                                                                                 \
        sgp22_info_put_result(b, tag, in->field, in->extensions);                     \
    }                                                                                 \
    SGP22_INFO_DEFINE_ENCODE(type)

DEFINE_RESULT_RESPONSE(enable_profile_response, SGP22_TAG_ENABLE_PROFILE, enable_result)
DEFINE_RESULT_RESPONSE(disable_profile_response, SGP22_TAG_DISABLE_PROFILE, disable_result)
DEFINE_RESULT_RESPONSE(delete_profile_response, SGP22_TAG_DELETE_PROFILE, delete_result)
DEFINE_RESULT_RESPONSE(euicc_memory_reset_response, SGP22_TAG_EUICC_MEMORY_RESET, reset_result)
DEFINE_RESULT_RESPONSE(set_nickname_response, SGP22_TAG_SET_NICKNAME, set_nickname_result)
