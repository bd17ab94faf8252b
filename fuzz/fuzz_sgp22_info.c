/* libFuzzer target: the SGP.22 eUICC-info and profile-info codecs
 * (src/core/sgp22_euicc_info.c, sgp22_profile_info.c, sgp22_info_common.c;
 * SGP.22 5.7.3-5.7.8, 5.7.15-5.7.22). Every decoder gets the input; whatever
 * one accepts must re-encode to the same bytes, and every raw list it
 * accepted must iterate without error to the count it reported, each element
 * re-encoding from its fields to the bytes it came from. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_euicc_info.h"
#include "core/sgp22_profile_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require_bytes(der_builder *b, aw_slice want)
{
    uint8_t *out;
    size_t len;
    if (der_builder_finish(b, &out, &len) != AW_OK)
        abort();
    if (len != want.len || memcmp(out, want.ptr, len) != 0)
        abort();
    free(out);
}

#define ROUNDTRIP(type)                                                                \
    do {                                                                               \
        sgp22_##type v_;                                                               \
        if (sgp22_decode_##type(data, size, &v_) == AW_OK) {                           \
            der_builder b_;                                                            \
            der_builder_init(&b_);                                                     \
            sgp22_put_##type(&b_, &v_);                                                \
            require_bytes(&b_, (aw_slice){data, size});                                \
        }                                                                              \
    } while (0)

static void walk_octets(const sgp22_octets_list *l)
{
    sgp22_list_iter it;
    aw_slice item;
    size_t n = 0;
    aw_err err;
    sgp22_list_iter_init(&it, l->raw);
    while ((err = sgp22_octets_list_next(&it, &item)) == AW_OK)
        n++;
    if (err != AW_ERR_NOT_FOUND || n != l->count)
        abort();
}

static void walk_operators(const sgp22_operator_id_list *l)
{
    sgp22_list_iter it;
    sgp22_operator_id op;
    size_t n = 0;
    aw_err err;
    sgp22_list_iter_init(&it, l->raw);
    while ((err = sgp22_operator_id_list_next(&it, &op)) == AW_OK)
        n++;
    if (err != AW_ERR_NOT_FOUND || n != l->count)
        abort();
}

static void fuzz_euicc_info(const uint8_t *data, size_t size)
{
    ROUNDTRIP(get_euicc_info1_request);
    ROUNDTRIP(get_euicc_info2_request);
    ROUNDTRIP(euicc_configured_addresses_request);
    ROUNDTRIP(get_rat_request);
    ROUNDTRIP(euicc_info1);
    ROUNDTRIP(euicc_info2);
    ROUNDTRIP(get_euicc_data_request);
    ROUNDTRIP(get_euicc_data_response);
    ROUNDTRIP(euicc_configured_addresses_response);
    ROUNDTRIP(set_default_dp_address_request);
    ROUNDTRIP(set_default_dp_address_response);
    ROUNDTRIP(get_rat_response);

    sgp22_euicc_info2 info2;
    if (sgp22_decode_euicc_info2(data, size, &info2) == AW_OK) {
        walk_octets(&info2.euicc_ci_pkid_list_for_verification);
        walk_octets(&info2.euicc_ci_pkid_list_for_signing);
        walk_octets(&info2.additional_euicc_profile_package_versions);
        walk_octets(&info2.euicc_ci_pkid_list_for_signing_v3);
    }
    sgp22_get_rat_response rat;
    if (sgp22_decode_get_rat_response(data, size, &rat) == AW_OK) {
        sgp22_list_iter it;
        sgp22_profile_policy_authorisation_rule rule;
        size_t n = 0;
        aw_err err;
        sgp22_list_iter_init(&it, rat.rat.raw);
        while ((err = sgp22_rat_list_next(&it, &rule)) == AW_OK) {
            walk_operators(&rule.allowed_operators);
            n++;
        }
        if (err != AW_ERR_NOT_FOUND || n != rat.rat.count)
            abort();
    }
    sgp22_operator_id op;
    if (sgp22_decode_operator_id(data, size, 0xB7u, &op) == AW_OK) {
        der_builder b;
        der_builder_init(&b);
        sgp22_put_operator_id(&b, 0xB7u, &op);
        require_bytes(&b, (aw_slice){data, size});
    }
}

static void check_profile_info(const sgp22_profile_info *pi)
{
    sgp22_profile_info copy = *pi;
    der_builder b;
    if (pi->has_notification_configuration_info) {
        sgp22_list_iter it;
        sgp22_notification_configuration_information nci;
        size_t n = 0;
        aw_err err;
        sgp22_list_iter_init(&it, pi->notification_configuration_info.raw);
        while ((err = sgp22_notification_configuration_list_next(&it, &nci)) == AW_OK)
            n++;
        if (err != AW_ERR_NOT_FOUND || n != pi->notification_configuration_info.count)
            abort();
    }
    /* rebuild dpProprietaryData from dpOid when it holds nothing else */
    if (pi->has_dp_proprietary_data && pi->dp_proprietary_data.len == pi->dp_oid.len + 4)
        copy.dp_proprietary_data = (aw_slice){NULL, 0};
    der_builder_init(&b);
    sgp22_put_profile_info(&b, &copy);
    require_bytes(&b, pi->raw);
}

static void fuzz_profile_info(const uint8_t *data, size_t size)
{
    ROUNDTRIP(profile_info);
    ROUNDTRIP(profile_info_list_request);
    ROUNDTRIP(profile_info_list_response);
    ROUNDTRIP(enable_profile_request);
    ROUNDTRIP(enable_profile_response);
    ROUNDTRIP(disable_profile_request);
    ROUNDTRIP(disable_profile_response);
    ROUNDTRIP(delete_profile_request);
    ROUNDTRIP(delete_profile_response);
    ROUNDTRIP(euicc_memory_reset_request);
    ROUNDTRIP(euicc_memory_reset_response);
    ROUNDTRIP(set_nickname_request);
    ROUNDTRIP(set_nickname_response);

    sgp22_profile_info pi;
    if (sgp22_decode_profile_info(data, size, &pi) == AW_OK)
        check_profile_info(&pi);
    sgp22_profile_info_list_response resp;
    if (sgp22_decode_profile_info_list_response(data, size, &resp) == AW_OK &&
        resp.kind == SGP22_PROFILE_INFO_LIST_OK) {
        sgp22_list_iter it;
        size_t n = 0;
        aw_err err;
        sgp22_list_iter_init(&it, resp.profile_info_list_ok.raw);
        while ((err = sgp22_profile_info_list_next(&it, &pi)) == AW_OK) {
            check_profile_info(&pi);
            n++;
        }
        if (err != AW_ERR_NOT_FOUND || n != resp.profile_info_list_ok.count)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_euicc_info(data, size);
    fuzz_profile_info(data, size);
    return 0;
}
