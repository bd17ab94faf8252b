/* airwrite core: StoreMetadataRequest, ConfigureISDPRequest and
 * ReplaceSessionKeysRequest, the plaintext BPP commands (SGP.22 2.5.4,
 * ES8+ 5.5.2 to 5.5.4), from SGP.22 RSPDefinitions (AUTOMATIC TAGS).
 */
#include "core/sgp22_bpp_content.h"

#include <string.h>

#include "core/sgp22_field.h"
#include "core/sgp22_tags.h"

/* StoreMetadataRequest component tags (all explicit in the ASN.1) */
#define TAG_SERVICE_PROVIDER_NAME DER_CTX(17)    /* '91' */
#define TAG_PROFILE_NAME DER_CTX(18)             /* '92' */
#define TAG_ICON_TYPE DER_CTX(19)                /* '93' */
#define TAG_ICON DER_CTX(20)                     /* '94' */
#define TAG_PROFILE_CLASS DER_CTX(21)            /* '95' */
#define TAG_NOTIFICATION_CONFIGURATION DER_CTX_CONS(22) /* 'B6' */
#define TAG_PROFILE_OWNER DER_CTX_CONS(23)       /* 'B7' */
#define TAG_PROFILE_POLICY_RULES DER_CTX(25)     /* '99' */
#define TAG_SERVICE_DATA_STORED 0xBF22u          /* [34] */
#define TAG_SERVICE_DATA_NOT_STORED 0xBF23u      /* [35] */
#define TAG_ECALL_INDICATION 0x9F7Bu             /* [123] */
#define TAG_FALLBACK_ALLOWED 0x9F67u             /* [103] */
#define TAG_IOT_SPECIFIC_METADATA 0xBF64u        /* [100] */
#define TAG_DP_PROPRIETARY_DATA DER_CTX_CONS(24) /* 'B8' */

#define ICON_MAX 1024u

/* notificationConfigurationInfo [22] SEQUENCE OF
 * NotificationConfigurationInformation: every entry checked with the
 * ProfileInfo codec's iterator, which owns the type. */
static aw_err read_notification_configurations(der_reader *parent, const der_node *list,
                                               sgp22_notification_configuration_list *out)
{
    der_reader items;
    sgp22_list_iter it;
    sgp22_notification_configuration_information entry;
    aw_err err = der_reader_enter(parent, list, &items);
    if (err != AW_OK)
        return err;
    sgp22_list_iter_init(&it, list->value);
    it.reader.depth = items.depth;
    out->raw = list->value;
    out->count = 0;
    while ((err = sgp22_notification_configuration_list_next(&it, &entry)) == AW_OK)
        out->count++;
    return err == AW_ERR_NOT_FOUND ? AW_OK : err;
}

static aw_err read_optional_bool(der_reader *r, uint32_t tag, bool *value, bool *present)
{
    der_node n;
    aw_err err = der_read_optional(r, tag, &n, present);
    if (err == AW_OK && *present)
        err = der_node_get_bool(&n, value);
    return err;
}

static aw_err read_store_metadata_body(der_reader *r, sgp22_store_metadata_request *out)
{
    der_node n;
    aw_err err = sgp22_field_read_octets(r, SGP22_TAG_ICCID, SGP22_ICCID_SIZE,
                                         SGP22_ICCID_SIZE, &out->iccid);
    if (err == AW_OK)
        err = sgp22_field_read_utf8(r, TAG_SERVICE_PROVIDER_NAME, 32,
                                    &out->service_provider_name);
    if (err == AW_OK)
        err = sgp22_field_read_utf8(r, TAG_PROFILE_NAME, 64, &out->profile_name);
    if (err == AW_OK)
        err = der_read_optional(r, TAG_ICON_TYPE, &n, &out->has_icon_type);
    if (err == AW_OK && out->has_icon_type)
        err = der_node_get_int64(&n, &out->icon_type);
    if (err == AW_OK)
        err = sgp22_field_read_optional_octets(r, TAG_ICON, 0, ICON_MAX, &out->icon,
                                               &out->has_icon);
    out->profile_class = SGP22_STORE_METADATA_DEFAULT_PROFILE_CLASS;
    if (err == AW_OK)
        err = der_read_optional(r, TAG_PROFILE_CLASS, &n, &out->has_profile_class);
    if (err == AW_OK && out->has_profile_class)
        err = der_node_get_int64(&n, &out->profile_class);
    if (err == AW_OK)
        err = der_read_optional(r, TAG_NOTIFICATION_CONFIGURATION, &n,
                                &out->has_notification_configuration_info);
    if (err == AW_OK && out->has_notification_configuration_info)
        err = read_notification_configurations(r, &n, &out->notification_configuration_info);
    if (err == AW_OK)
        err = der_read_optional(r, TAG_PROFILE_OWNER, &n, &out->has_profile_owner);
    if (err == AW_OK && out->has_profile_owner)
        err = sgp22_decode_operator_id(n.raw.ptr, n.raw.len, TAG_PROFILE_OWNER,
                                       &out->profile_owner);
    if (err == AW_OK)
        err = der_read_optional(r, TAG_PROFILE_POLICY_RULES, &n, &out->has_profile_policy_rules);
    if (err == AW_OK && out->has_profile_policy_rules)
        err = sgp22_field_get_named_bits(&n, &out->profile_policy_rules);
    if (err == AW_OK)
        err = sgp22_field_read_optional_content(r, TAG_SERVICE_DATA_STORED,
                                                &out->service_specific_data_stored_in_euicc,
                                                &out->has_service_specific_data_stored_in_euicc);
    if (err == AW_OK)
        err = sgp22_field_read_optional_content(
            r, TAG_SERVICE_DATA_NOT_STORED, &out->service_specific_data_not_stored_in_euicc,
            &out->has_service_specific_data_not_stored_in_euicc);
    if (err == AW_OK)
        err = read_optional_bool(r, TAG_ECALL_INDICATION, &out->ecall_indication,
                                 &out->has_ecall_indication);
    if (err == AW_OK)
        err = read_optional_bool(r, TAG_FALLBACK_ALLOWED, &out->fallback_allowed,
                                 &out->has_fallback_allowed);
    if (err == AW_OK)
        err = sgp22_field_read_optional_content(r, TAG_IOT_SPECIFIC_METADATA,
                                                &out->iot_specific_metadata,
                                                &out->has_iot_specific_metadata);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(r, &out->extensions);
    return err;
}

aw_err sgp22_decode_store_metadata_request(const uint8_t *buf, size_t len,
                                           sgp22_store_metadata_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_STORE_METADATA, &r, &out->raw);
    if (err == AW_OK)
        err = read_store_metadata_body(&r, out);
    return err;
}

void sgp22_put_store_metadata_request(der_builder *b, const sgp22_store_metadata_request *in)
{
    der_builder_begin(b, SGP22_TAG_STORE_METADATA);
    der_put_slice(b, SGP22_TAG_ICCID, in->iccid);
    der_put_slice(b, TAG_SERVICE_PROVIDER_NAME, in->service_provider_name);
    der_put_slice(b, TAG_PROFILE_NAME, in->profile_name);
    if (in->has_icon_type)
        der_put_int64(b, TAG_ICON_TYPE, in->icon_type);
    if (in->has_icon)
        der_put_slice(b, TAG_ICON, in->icon);
    if (in->has_profile_class)
        der_put_int64(b, TAG_PROFILE_CLASS, in->profile_class);
    if (in->has_notification_configuration_info) {
        const sgp22_notification_configuration_list *l = &in->notification_configuration_info;
        der_builder_begin(b, TAG_NOTIFICATION_CONFIGURATION);
        if (l->items == NULL)
            der_put_raw(b, l->raw.ptr, l->raw.len);
        for (size_t i = 0; l->items != NULL && i < l->count; i++) {
            der_builder_begin(b, DER_TAG_SEQUENCE);
            sgp22_field_put_named_bits(b, DER_CTX(0), l->items[i].profile_management_operation);
            der_put_slice(b, DER_CTX(1), l->items[i].notification_address);
            der_put_raw(b, l->items[i].extensions.ptr, l->items[i].extensions.len);
            der_builder_end(b);
        }
        der_builder_end(b);
    }
    if (in->has_profile_owner)
        sgp22_put_operator_id(b, TAG_PROFILE_OWNER, &in->profile_owner);
    if (in->has_profile_policy_rules)
        sgp22_field_put_named_bits(b, TAG_PROFILE_POLICY_RULES, in->profile_policy_rules);
    if (in->has_service_specific_data_stored_in_euicc)
        der_put_slice(b, TAG_SERVICE_DATA_STORED, in->service_specific_data_stored_in_euicc);
    if (in->has_service_specific_data_not_stored_in_euicc)
        der_put_slice(b, TAG_SERVICE_DATA_NOT_STORED,
                      in->service_specific_data_not_stored_in_euicc);
    if (in->has_ecall_indication)
        der_put_bool(b, TAG_ECALL_INDICATION, in->ecall_indication);
    if (in->has_fallback_allowed)
        der_put_bool(b, TAG_FALLBACK_ALLOWED, in->fallback_allowed);
    if (in->has_iot_specific_metadata)
        der_put_slice(b, TAG_IOT_SPECIFIC_METADATA, in->iot_specific_metadata);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(store_metadata_request, sgp22_store_metadata_request)

/* DpProprietaryData ::= SEQUENCE { dpOid [0] ... } followed by data objects
 * the SM-DP+ may add (5.5.2); at most 128 bytes with tag and length. */
static aw_err read_dp_proprietary_data(der_reader *parent, const der_node *n,
                                       sgp22_configure_isdp_request *out)
{
    der_reader r;
    if (n->raw.len > SGP22_DP_PROPRIETARY_DATA_MAX)
        return AW_ERR_DER_CONSTRAINT;
    aw_err err = der_reader_enter(parent, n, &r);
    if (err == AW_OK)
        err = sgp22_field_read_oid(&r, DER_CTX(0), &out->dp_oid);
    if (err == AW_OK) {
        out->dp_additional.ptr = r.pos;
        out->dp_additional.len = (size_t)(r.end - r.pos);
        err = der_validate(out->dp_additional.ptr, out->dp_additional.len, 0);
    }
    return err;
}

aw_err sgp22_decode_configure_isdp_request(const uint8_t *buf, size_t len,
                                           sgp22_configure_isdp_request *out)
{
    der_reader r;
    der_node n;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_CONFIGURE_ISDP, &r, &out->raw);
    if (err == AW_OK)
        err = der_read_optional(&r, TAG_DP_PROPRIETARY_DATA, &n, &out->has_dp_proprietary_data);
    if (err == AW_OK && out->has_dp_proprietary_data)
        err = read_dp_proprietary_data(&r, &n, out);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_configure_isdp_request(der_builder *b, const sgp22_configure_isdp_request *in)
{
    der_builder_begin(b, SGP22_TAG_CONFIGURE_ISDP);
    if (in->has_dp_proprietary_data) {
        der_builder_begin(b, TAG_DP_PROPRIETARY_DATA);
        der_put_slice(b, DER_CTX(0), in->dp_oid);
        der_put_raw(b, in->dp_additional.ptr, in->dp_additional.len);
        der_builder_end(b);
    }
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(configure_isdp_request, sgp22_configure_isdp_request)

/* ReplaceSessionKeysRequest: automatic tags [0] initialMacChainingValue,
 * [1] ppkEnc, [2] ppkCmac (5.5.4) */
aw_err sgp22_decode_replace_session_keys_request(const uint8_t *buf, size_t len,
                                                 sgp22_replace_session_keys_request *out)
{
    der_reader r;
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_field_open(buf, len, SGP22_TAG_REPLACE_SESSION_KEYS, &r, &out->raw);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(0), 0, SIZE_MAX,
                                      &out->initial_mac_chaining_value);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(1), 0, SIZE_MAX, &out->ppk_enc);
    if (err == AW_OK)
        err = sgp22_field_read_octets(&r, DER_CTX(2), 0, SIZE_MAX, &out->ppk_cmac);
    if (err == AW_OK)
        err = sgp22_field_read_extensions(&r, &out->extensions);
    return err;
}

void sgp22_put_replace_session_keys_request(der_builder *b,
                                            const sgp22_replace_session_keys_request *in)
{
    der_builder_begin(b, SGP22_TAG_REPLACE_SESSION_KEYS);
    der_put_slice(b, DER_CTX(0), in->initial_mac_chaining_value);
    der_put_slice(b, DER_CTX(1), in->ppk_enc);
    der_put_slice(b, DER_CTX(2), in->ppk_cmac);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_FIELD_DEFINE_ENCODE(replace_session_keys_request, sgp22_replace_session_keys_request)
