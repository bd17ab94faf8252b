/* airwrite core: DER codecs for the SGP.22 eUICC information messages:
 * ES10b.GetEUICCInfo (5.7.8), ES10c.GetEID (5.7.20),
 * ES10a.GetEuiccConfiguredAddresses (5.7.3), ES10a.SetDefaultDpAddress
 * (5.7.4) and ES10b.GetRAT (5.7.22), from SGP.22 RSPDefinitions.
 *
 * Tagging follows the module's AUTOMATIC TAGS (X.680 25.3): a SEQUENCE gets
 * automatic context tags only when none of its components carries a tag, so
 * EuiccConfiguredAddressesResponse uses [0]/[1] while EUICCInfo2's untagged
 * ppVersion and sasAcreditationNumber keep their universal tags 04 and 0C. */
#include "core/sgp22_euicc_info.h"

#include <string.h>

/* ---- requests without content ---------------------------------------- */

#define DEFINE_EMPTY_REQUEST(type, tag)                                               \
    aw_err sgp22_decode_##type(const uint8_t *buf, size_t len, sgp22_##type *out)     \
    {                                                                                 \
        if (out == NULL)                                                              \
            return AW_ERR_ARGUMENT;                                                   \
        memset(out, 0, sizeof(*out));                                                 \
        return sgp22_info_decode_empty(buf, len, tag, &out->raw, &out->extensions);   \
    }                                                                                 \
    void sgp22_put_##type(der_builder *b, const sgp22_##type *in)                     \
    {                                                                                 \
        der_builder_begin(b, tag);                                                    \
        der_put_raw(b, in->extensions.ptr, in->extensions.len);                       \
        der_builder_end(b);                                                           \
    }                                                                                 \
    SGP22_INFO_DEFINE_ENCODE(type)

DEFINE_EMPTY_REQUEST(get_euicc_info1_request, SGP22_TAG_EUICC_INFO1)
DEFINE_EMPTY_REQUEST(get_euicc_info2_request, SGP22_TAG_EUICC_INFO2)
DEFINE_EMPTY_REQUEST(euicc_configured_addresses_request, SGP22_TAG_EUICC_CONFIGURED_ADDRESSES)
DEFINE_EMPTY_REQUEST(get_rat_request, SGP22_TAG_GET_RAT)

/* ---- SEQUENCE OF SubjectKeyIdentifier / VersionType -------------------- */

static aw_err check_ski(const der_reader *parent, const der_node *n)
{
    aw_slice ignored;
    (void)parent;
    if (n->tag != DER_TAG_OCTET_STRING)
        return AW_ERR_DER_UNEXPECTED_TAG;
    return sgp22_info_read_octets(n, 0, SIZE_MAX, &ignored);
}

static aw_err check_version(const der_reader *parent, const der_node *n)
{
    aw_slice ignored;
    (void)parent;
    if (n->tag != DER_TAG_OCTET_STRING)
        return AW_ERR_DER_UNEXPECTED_TAG;
    return sgp22_info_read_octets(n, SGP22_VERSION_SIZE, SGP22_VERSION_SIZE, &ignored);
}

static aw_err read_ski_list(const der_reader *parent, const der_node *n, sgp22_octets_list *out)
{
    return sgp22_info_read_list(parent, n, check_ski, &out->raw, &out->count);
}

static aw_err read_version(const der_node *n, aw_slice *out)
{
    return sgp22_info_read_octets(n, SGP22_VERSION_SIZE, SGP22_VERSION_SIZE, out);
}

/* ---- EUICCInfo1 -------------------------------------------------------- */

static const sgp22_info_field euicc_info1_fields[] = {
    {DER_CTX(2), false},       /* svn */
    {DER_CTX_CONS(9), false},  /* euiccCiPKIdListForVerification */
    {DER_CTX_CONS(10), false}, /* euiccCiPKIdListForSigning */
};

static aw_err visit_euicc_info1(void *ctx, size_t index, const der_reader *parent,
                                const der_node *n)
{
    sgp22_euicc_info1 *out = ctx;
    switch (index) {
    case 0:
        return read_version(n, &out->svn);
    case 1:
        return read_ski_list(parent, n, &out->euicc_ci_pkid_list_for_verification);
    default:
        return read_ski_list(parent, n, &out->euicc_ci_pkid_list_for_signing);
    }
}

aw_err sgp22_decode_euicc_info1(const uint8_t *buf, size_t len, sgp22_euicc_info1 *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_EUICC_INFO1, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, euicc_info1_fields, 3, visit_euicc_info1, out,
                              &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_euicc_info1(der_builder *b, const sgp22_euicc_info1 *in)
{
    der_builder_begin(b, SGP22_TAG_EUICC_INFO1);
    der_put_slice(b, DER_CTX(2), in->svn);
    sgp22_info_put_octets_list(b, DER_CTX_CONS(9), &in->euicc_ci_pkid_list_for_verification);
    sgp22_info_put_octets_list(b, DER_CTX_CONS(10), &in->euicc_ci_pkid_list_for_signing);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(euicc_info1)

/* ---- EUICCInfo2 -------------------------------------------------------- */

enum {
    EI2_PROFILE_VERSION, EI2_SVN, EI2_FIRMWARE, EI2_EXT_CARD_RESOURCE, EI2_UICC_CAPABILITY,
    EI2_TS102241, EI2_GLOBALPLATFORM, EI2_RSP_CAPABILITY, EI2_PKID_VERIFICATION,
    EI2_PKID_SIGNING, EI2_CATEGORY, EI2_FORBIDDEN_PPR, EI2_PP_VERSION, EI2_SAS,
    EI2_CERTIFICATION, EI2_TRE_PROPERTIES, EI2_TRE_PRODUCT, EI2_ADDITIONAL_VERSIONS,
    EI2_LPA_MODE, EI2_PKID_SIGNING_V3, EI2_ADDITIONAL_INFO, EI2_HIGHEST_SVN, EI2_IOT,
    EI2_MSL, EI2__COUNT
};

static const sgp22_info_field euicc_info2_fields[EI2__COUNT] = {
    [EI2_PROFILE_VERSION] = {DER_CTX(1), false},
    [EI2_SVN] = {DER_CTX(2), false},
    [EI2_FIRMWARE] = {DER_CTX(3), false},
    [EI2_EXT_CARD_RESOURCE] = {DER_CTX(4), false},
    [EI2_UICC_CAPABILITY] = {DER_CTX(5), false},
    [EI2_TS102241] = {DER_CTX(6), true},
    [EI2_GLOBALPLATFORM] = {DER_CTX(7), true},
    [EI2_RSP_CAPABILITY] = {DER_CTX(8), false},
    [EI2_PKID_VERIFICATION] = {DER_CTX_CONS(9), false},
    [EI2_PKID_SIGNING] = {DER_CTX_CONS(10), false},
    [EI2_CATEGORY] = {DER_CTX(11), true},
    [EI2_FORBIDDEN_PPR] = {DER_CTX(25), true},
    [EI2_PP_VERSION] = {DER_TAG_OCTET_STRING, false},
    [EI2_SAS] = {DER_TAG_UTF8_STRING, false},
    [EI2_CERTIFICATION] = {DER_CTX_CONS(12), true},
    [EI2_TRE_PROPERTIES] = {DER_CTX(13), true},
    [EI2_TRE_PRODUCT] = {DER_CTX(14), true},
    [EI2_ADDITIONAL_VERSIONS] = {DER_CTX_CONS(15), true},
    [EI2_LPA_MODE] = {DER_CTX(16), true},
    [EI2_PKID_SIGNING_V3] = {DER_CTX_CONS(17), true},
    [EI2_ADDITIONAL_INFO] = {DER_CTX(18), true},
    [EI2_HIGHEST_SVN] = {DER_CTX(19), true},
    [EI2_IOT] = {DER_CTX_CONS(20), true},
    [EI2_MSL] = {DER_CTX(21), true},
};

/* CertificationDataObject: automatic tags [0] platformLabel, [1] discoveryBaseURL */
static const sgp22_info_field certification_fields[] = {
    {DER_CTX(0), false},
    {DER_CTX(1), false},
};

static aw_err visit_certification(void *ctx, size_t index, const der_reader *parent,
                                  const der_node *n)
{
    sgp22_euicc_info2 *out = ctx;
    (void)parent;
    return sgp22_info_read_utf8(n, 0, SIZE_MAX,
                                index == 0 ? &out->platform_label : &out->discovery_base_url);
}

static aw_err visit_euicc_info2(void *ctx, size_t index, const der_reader *parent,
                                const der_node *n)
{
    sgp22_euicc_info2 *out = ctx;
    der_reader inner;
    aw_err err;
    switch (index) {
    case EI2_PROFILE_VERSION:
        return read_version(n, &out->profile_version);
    case EI2_SVN:
        return read_version(n, &out->svn);
    case EI2_FIRMWARE:
        return read_version(n, &out->euicc_firmware_ver);
    case EI2_EXT_CARD_RESOURCE:
        return sgp22_info_read_octets(n, 0, SIZE_MAX, &out->ext_card_resource);
    case EI2_UICC_CAPABILITY:
        return sgp22_info_read_bits(n, &out->uicc_capability);
    case EI2_TS102241:
        out->has_ts102241_version = true;
        return read_version(n, &out->ts102241_version);
    case EI2_GLOBALPLATFORM:
        out->has_globalplatform_version = true;
        return read_version(n, &out->globalplatform_version);
    case EI2_RSP_CAPABILITY:
        return sgp22_info_read_flags(n, &out->rsp_capability);
    case EI2_PKID_VERIFICATION:
        return read_ski_list(parent, n, &out->euicc_ci_pkid_list_for_verification);
    case EI2_PKID_SIGNING:
        return read_ski_list(parent, n, &out->euicc_ci_pkid_list_for_signing);
    case EI2_CATEGORY:
        out->has_euicc_category = true;
        return der_node_get_int64(n, &out->euicc_category);
    case EI2_FORBIDDEN_PPR:
        out->has_forbidden_profile_policy_rules = true;
        return sgp22_info_read_flags(n, &out->forbidden_profile_policy_rules);
    case EI2_PP_VERSION:
        return read_version(n, &out->pp_version);
    case EI2_SAS:
        return sgp22_info_read_utf8(n, 0, 64, &out->sas_acreditation_number);
    case EI2_CERTIFICATION:
        out->has_certification_data_object = true;
        err = der_reader_enter(parent, n, &inner);
        if (err != AW_OK)
            return err;
        return sgp22_info_walk(&inner, certification_fields, 2, visit_certification, out,
                               &out->certification_data_object_extensions);
    case EI2_TRE_PROPERTIES:
        out->has_tre_properties = true;
        return sgp22_info_read_flags(n, &out->tre_properties);
    case EI2_TRE_PRODUCT:
        out->has_tre_product_reference = true;
        return sgp22_info_read_utf8(n, 0, SIZE_MAX, &out->tre_product_reference);
    case EI2_ADDITIONAL_VERSIONS:
        out->has_additional_euicc_profile_package_versions = true;
        return sgp22_info_read_list(parent, n, check_version,
                                    &out->additional_euicc_profile_package_versions.raw,
                                    &out->additional_euicc_profile_package_versions.count);
    case EI2_LPA_MODE:
        out->has_lpa_mode = true;
        return der_node_get_int64(n, &out->lpa_mode);
    case EI2_PKID_SIGNING_V3:
        out->has_euicc_ci_pkid_list_for_signing_v3 = true;
        return read_ski_list(parent, n, &out->euicc_ci_pkid_list_for_signing_v3);
    case EI2_ADDITIONAL_INFO:
        out->has_additional_euicc_info = true;
        return sgp22_info_read_octets(n, 0, 32, &out->additional_euicc_info);
    case EI2_HIGHEST_SVN:
        out->has_highest_svn = true;
        return read_version(n, &out->highest_svn);
    case EI2_IOT:
        /* IoTSpecificInfo is empty in SGP.22 and defined by SGP.32: kept raw */
        out->has_iot_specific_info = true;
        return sgp22_info_read_raw(n, &out->iot_specific_info);
    default:
        out->has_euicc_minimum_security_level = true;
        return sgp22_info_read_octets(n, 1, 1, &out->euicc_minimum_security_level);
    }
}

aw_err sgp22_decode_euicc_info2(const uint8_t *buf, size_t len, sgp22_euicc_info2 *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_EUICC_INFO2, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, euicc_info2_fields, EI2__COUNT, visit_euicc_info2, out,
                              &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_euicc_info2(der_builder *b, const sgp22_euicc_info2 *in)
{
    der_builder_begin(b, SGP22_TAG_EUICC_INFO2);
    der_put_slice(b, DER_CTX(1), in->profile_version);
    der_put_slice(b, DER_CTX(2), in->svn);
    der_put_slice(b, DER_CTX(3), in->euicc_firmware_ver);
    der_put_slice(b, DER_CTX(4), in->ext_card_resource);
    der_put_bit_string(b, DER_CTX(5), in->uicc_capability.unused_bits,
                       in->uicc_capability.bits.ptr, in->uicc_capability.bits.len);
    if (in->has_ts102241_version)
        der_put_slice(b, DER_CTX(6), in->ts102241_version);
    if (in->has_globalplatform_version)
        der_put_slice(b, DER_CTX(7), in->globalplatform_version);
    sgp22_info_put_flags(b, DER_CTX(8), in->rsp_capability);
    sgp22_info_put_octets_list(b, DER_CTX_CONS(9), &in->euicc_ci_pkid_list_for_verification);
    sgp22_info_put_octets_list(b, DER_CTX_CONS(10), &in->euicc_ci_pkid_list_for_signing);
    if (in->has_euicc_category)
        der_put_int64(b, DER_CTX(11), in->euicc_category);
    if (in->has_forbidden_profile_policy_rules)
        sgp22_info_put_flags(b, DER_CTX(25), in->forbidden_profile_policy_rules);
    der_put_slice(b, DER_TAG_OCTET_STRING, in->pp_version);
    der_put_slice(b, DER_TAG_UTF8_STRING, in->sas_acreditation_number);
    if (in->has_certification_data_object) {
        der_builder_begin(b, DER_CTX_CONS(12));
        der_put_slice(b, DER_CTX(0), in->platform_label);
        der_put_slice(b, DER_CTX(1), in->discovery_base_url);
        der_put_raw(b, in->certification_data_object_extensions.ptr,
                    in->certification_data_object_extensions.len);
        der_builder_end(b);
    }
    if (in->has_tre_properties)
        sgp22_info_put_flags(b, DER_CTX(13), in->tre_properties);
    if (in->has_tre_product_reference)
        der_put_slice(b, DER_CTX(14), in->tre_product_reference);
    if (in->has_additional_euicc_profile_package_versions)
        sgp22_info_put_octets_list(b, DER_CTX_CONS(15),
                                   &in->additional_euicc_profile_package_versions);
    if (in->has_lpa_mode)
        der_put_int64(b, DER_CTX(16), in->lpa_mode);
    if (in->has_euicc_ci_pkid_list_for_signing_v3)
        sgp22_info_put_octets_list(b, DER_CTX_CONS(17), &in->euicc_ci_pkid_list_for_signing_v3);
    if (in->has_additional_euicc_info)
        der_put_slice(b, DER_CTX(18), in->additional_euicc_info);
    if (in->has_highest_svn)
        der_put_slice(b, DER_CTX(19), in->highest_svn);
    if (in->has_iot_specific_info) {
        /* the raw TLV must be the [20] component itself */
        if (in->iot_specific_info.len == 0 || in->iot_specific_info.ptr[0] != DER_CTX_CONS(20))
            sgp22_info_fail(b, AW_ERR_ARGUMENT);
        der_put_raw(b, in->iot_specific_info.ptr, in->iot_specific_info.len);
    }
    if (in->has_euicc_minimum_security_level)
        der_put_slice(b, DER_CTX(21), in->euicc_minimum_security_level);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(euicc_info2)

/* ---- GetEuiccData (EID) ------------------------------------------------- */

aw_err sgp22_decode_get_euicc_data_request(const uint8_t *buf, size_t len,
                                           sgp22_get_euicc_data_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_GET_EUICC_DATA,
                                          (sgp22_info_field){SGP22_TAG_TAG_LIST, false}, &top, &r,
                                          &n, &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_octets(&n, 1, 1, &out->tag_list);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_get_euicc_data_request(der_builder *b, const sgp22_get_euicc_data_request *in)
{
    der_builder_begin(b, SGP22_TAG_GET_EUICC_DATA);
    der_put_slice(b, SGP22_TAG_TAG_LIST, in->tag_list);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(get_euicc_data_request)

aw_err sgp22_decode_get_euicc_data_response(const uint8_t *buf, size_t len,
                                            sgp22_get_euicc_data_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    /* eidValue [APPLICATION 26], the tag of Iccid */
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_GET_EUICC_DATA,
                                          (sgp22_info_field){SGP22_TAG_ICCID, false}, &top, &r,
                                          &n, &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_octets(&n, SGP22_EID_SIZE, SGP22_EID_SIZE, &out->eid_value);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_get_euicc_data_response(der_builder *b, const sgp22_get_euicc_data_response *in)
{
    der_builder_begin(b, SGP22_TAG_GET_EUICC_DATA);
    der_put_slice(b, SGP22_TAG_ICCID, in->eid_value);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(get_euicc_data_response)

/* ---- EuiccConfiguredAddresses / SetDefaultDpAddress ---------------------- */

static const sgp22_info_field configured_addresses_fields[] = {
    {DER_CTX(0), true},  /* defaultDpAddress */
    {DER_CTX(1), false}, /* rootDsAddress */
};

static aw_err visit_configured_addresses(void *ctx, size_t index, const der_reader *parent,
                                         const der_node *n)
{
    sgp22_euicc_configured_addresses_response *out = ctx;
    (void)parent;
    if (index == 0) {
        out->has_default_dp_address = true;
        return sgp22_info_read_utf8(n, 0, SIZE_MAX, &out->default_dp_address);
    }
    return sgp22_info_read_utf8(n, 0, SIZE_MAX, &out->root_ds_address);
}

aw_err sgp22_decode_euicc_configured_addresses_response(
    const uint8_t *buf, size_t len, sgp22_euicc_configured_addresses_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top;
    der_reader r;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_open(buf, len, SGP22_TAG_EUICC_CONFIGURED_ADDRESSES, &top, &r);
    if (err == AW_OK)
        err = sgp22_info_walk(&r, configured_addresses_fields, 2, visit_configured_addresses,
                              out, &out->extensions);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_euicc_configured_addresses_response(
    der_builder *b, const sgp22_euicc_configured_addresses_response *in)
{
    der_builder_begin(b, SGP22_TAG_EUICC_CONFIGURED_ADDRESSES);
    if (in->has_default_dp_address)
        der_put_slice(b, DER_CTX(0), in->default_dp_address);
    der_put_slice(b, DER_CTX(1), in->root_ds_address);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(euicc_configured_addresses_response)

aw_err sgp22_decode_set_default_dp_address_request(const uint8_t *buf, size_t len,
                                                   sgp22_set_default_dp_address_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_SET_DEFAULT_DP_ADDRESS,
                                          (sgp22_info_field){DER_CTX(0), false}, &top, &r, &n,
                                          &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_utf8(&n, 0, SIZE_MAX, &out->default_dp_address);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_set_default_dp_address_request(der_builder *b,
                                              const sgp22_set_default_dp_address_request *in)
{
    der_builder_begin(b, SGP22_TAG_SET_DEFAULT_DP_ADDRESS);
    der_put_slice(b, DER_CTX(0), in->default_dp_address);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(set_default_dp_address_request)

aw_err sgp22_decode_set_default_dp_address_response(const uint8_t *buf, size_t len,
                                                    sgp22_set_default_dp_address_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    return sgp22_info_decode_result(buf, len, SGP22_TAG_SET_DEFAULT_DP_ADDRESS, &out->raw,
                                    &out->set_default_dp_address_result, &out->extensions);
}

void sgp22_put_set_default_dp_address_response(der_builder *b,
                                               const sgp22_set_default_dp_address_response *in)
{
    sgp22_info_put_result(b, SGP22_TAG_SET_DEFAULT_DP_ADDRESS, in->set_default_dp_address_result,
                          in->extensions);
}

SGP22_INFO_DEFINE_ENCODE(set_default_dp_address_response)

/* ---- GetRAT -------------------------------------------------------------- */

/* ProfilePolicyAuthorisationRule: automatic tags [0] pprIds, [1]
 * allowedOperators, [2] pprFlags */
static const sgp22_info_field rule_fields[] = {
    {DER_CTX(0), false},
    {DER_CTX_CONS(1), false},
    {DER_CTX(2), false},
};

static aw_err check_operator_id(const der_reader *parent, const der_node *n)
{
    sgp22_operator_id ignored;
    if (n->tag != DER_TAG_SEQUENCE)
        return AW_ERR_DER_UNEXPECTED_TAG;
    return sgp22_info_read_operator_id(parent, n, &ignored);
}

static aw_err visit_rule(void *ctx, size_t index, const der_reader *parent, const der_node *n)
{
    sgp22_profile_policy_authorisation_rule *out = ctx;
    switch (index) {
    case 0:
        return sgp22_info_read_flags(n, &out->ppr_ids);
    case 1:
        return sgp22_info_read_list(parent, n, check_operator_id, &out->allowed_operators.raw,
                                    &out->allowed_operators.count);
    default:
        return sgp22_info_read_flags(n, &out->ppr_flags);
    }
}

static aw_err read_rule(const der_reader *parent, const der_node *n,
                        sgp22_profile_policy_authorisation_rule *out)
{
    der_reader r;
    memset(out, 0, sizeof(*out));
    if (n->tag != DER_TAG_SEQUENCE)
        return AW_ERR_DER_UNEXPECTED_TAG;
    aw_err err = der_reader_enter(parent, n, &r);
    if (err != AW_OK)
        return err;
    return sgp22_info_walk(&r, rule_fields, 3, visit_rule, out, &out->extensions);
}

static aw_err check_rule(const der_reader *parent, const der_node *n)
{
    sgp22_profile_policy_authorisation_rule ignored;
    return read_rule(parent, n, &ignored);
}

aw_err sgp22_rat_list_next(sgp22_list_iter *it, sgp22_profile_policy_authorisation_rule *out)
{
    der_node n;
    memset(out, 0, sizeof(*out));
    if (der_reader_at_end(&it->reader))
        return AW_ERR_NOT_FOUND;
    aw_err err = der_read_node(&it->reader, &n);
    if (err != AW_OK)
        return err;
    return read_rule(&it->reader, &n, out);
}

aw_err sgp22_decode_get_rat_response(const uint8_t *buf, size_t len, sgp22_get_rat_response *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    der_node top, n;
    der_reader r;
    bool present;
    memset(out, 0, sizeof(*out));
    aw_err err = sgp22_info_decode_single(buf, len, SGP22_TAG_GET_RAT,
                                          (sgp22_info_field){DER_CTX_CONS(0), false}, &top, &r,
                                          &n, &present, &out->extensions);
    if (err == AW_OK)
        err = sgp22_info_read_list(&r, &n, check_rule, &out->rat.raw, &out->rat.count);
    if (err == AW_OK)
        out->raw = top.raw;
    return err;
}

void sgp22_put_get_rat_response(der_builder *b, const sgp22_get_rat_response *in)
{
    der_builder_begin(b, SGP22_TAG_GET_RAT);
    der_builder_begin(b, DER_CTX_CONS(0));
    if (in->rat.items != NULL) {
        for (size_t i = 0; i < in->rat.count; i++) {
            const sgp22_profile_policy_authorisation_rule *rule = &in->rat.items[i];
            der_builder_begin(b, DER_TAG_SEQUENCE);
            sgp22_info_put_flags(b, DER_CTX(0), rule->ppr_ids);
            sgp22_info_put_operator_id_list(b, DER_CTX_CONS(1), &rule->allowed_operators);
            sgp22_info_put_flags(b, DER_CTX(2), rule->ppr_flags);
            der_put_raw(b, rule->extensions.ptr, rule->extensions.len);
            der_builder_end(b);
        }
    } else {
        der_put_raw(b, in->rat.raw.ptr, in->rat.raw.len);
    }
    der_builder_end(b);
    der_put_raw(b, in->extensions.ptr, in->extensions.len);
    der_builder_end(b);
}

SGP22_INFO_DEFINE_ENCODE(get_rat_response)
