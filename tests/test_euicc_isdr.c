/* Tests of the ISD-R core (src/euicc: identity.c, isdr.c, isdr_info.c,
 * es10a.c, state.c, state_codec.c, euicc.c) driven over APDUs: STORE DATA
 * blocks and GET RESPONSE under T=0 and T=1 (SGP.22 5.7.2), identities
 * from pki_issue_hierarchy on both curves, the state file's persistence,
 * integrity and secrecy. Profile management and notifications are in
 * test_euicc_isdr_profiles.c. */
#include "euicc_isdr_testutil.h"

#include <fcntl.h>

#include "core/file.h"
#include "core/sgp22_euicc_info.h"

#define ICCID1 "8944500000000000014"

static test_euicc t;

static int setup_p256_t1(void **state)
{
    (void)state;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    te_teardown(&t);
    return 0;
}

static void check_get_eid(aw_pki_curve curve, euicc_protocol protocol)
{
    test_euicc local;
    te_setup(&local, curve, protocol);
    te_select_isdr(&local);
    size_t n;
    uint8_t *r = te_call(&local, "BF3E035C015A", &n);
    test_assert_hex(r, n, "BF3E125A10" AW_PKI_DEFAULT_EID);
    free(r);
    assert_string_equal(local.card->identity->eid, AW_PKI_DEFAULT_EID);
    assert_int_equal(local.card->identity->curve, curve == AW_PKI_CURVE_NIST_P256
                                                       ? CRYPTO_CURVE_NIST_P256
                                                       : CRYPTO_CURVE_BRAINPOOL_P256R1);
    te_teardown(&local);
}

static void test_get_eid_curves_and_protocols(void **state)
{
    (void)state;
    check_get_eid(AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T0);
    check_get_eid(AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
    check_get_eid(AW_PKI_CURVE_BRAINPOOL_P256R1, EUICC_PROTOCOL_T0);
    check_get_eid(AW_PKI_CURVE_BRAINPOOL_P256R1, EUICC_PROTOCOL_T1);
}

/* SGP.22 5.7.2: malformed data 6A80, unknown function 6A88. */
static void test_dispatcher_status_words(void **state)
{
    (void)state;
    assert_int_equal(te_status(&t, "BF3E035C014F"), 0x6A80); /* tagList other than 5A */
    assert_int_equal(te_status(&t, "BF5000"), 0x6A88);       /* no such function */
    assert_int_equal(te_status(&t, "A000"), 0x6A88);         /* BPP segment outside a download */
    assert_int_equal(te_status(&t, "BF2D"), 0x6A80);         /* truncated */
    assert_int_equal(te_status(&t, "BF2D0000"), 0x6A80);     /* trailing byte */
    assert_int_equal(te_status(&t, "BF2D04A0025A00"), 0x6A80); /* ICCID of 0 octets */
    assert_int_equal(te_status(&t, "BF2080"), 0x6A80);       /* indefinite length */
    assert_int_equal(te_status(&t, "1F"), 0x6A80);           /* tag cut short */
    /* a command split over several STORE DATA blocks is reassembled */
    size_t len, n;
    uint8_t *command = test_hex("BF3E035C015A", &len), *r = NULL;
    assert_int_equal(te_es10_blocks(&t, command, len, 2, &r, &n), 0x9000);
    test_assert_hex(r, n, "BF3E125A10" AW_PKI_DEFAULT_EID);
    free(command);
    free(r);
}

/* ES10b download functions reach the download engine (isdr.h): a
 * GetEUICCChallenge answers BF2E { 80 16-byte challenge }, fresh each time. */
static void test_download_routing(void **state)
{
    (void)state;
    size_t n1, n2;
    uint8_t *r1 = te_call(&t, "BF2E00", &n1), *r2 = te_call(&t, "BF2E00", &n2);
    assert_int_equal(n1, 21);
    assert_int_equal(n2, 21);
    assert_memory_equal(r1, "\xBF\x2E\x12\x80\x10", 5);
    assert_memory_not_equal(r1 + 5, r2 + 5, 16);
    free(r1);
    free(r2);
}

static void test_euicc_info(void **state)
{
    (void)state;
    aw_pki_key_id ski;
    assert_int_equal(pki_certificate_get_subject_key_id(t.hierarchy.cert[AW_PKI_ROLE_CI], &ski),
                     AW_OK);
    size_t n;
    uint8_t *r = te_call(&t, "BF2000", &n);
    sgp22_euicc_info1 info1;
    assert_int_equal(sgp22_decode_euicc_info1(r, n, &info1), AW_OK);
    test_assert_hex(info1.svn.ptr, info1.svn.len, "020202");
    sgp22_list_iter it;
    aw_slice id;
    assert_int_equal(info1.euicc_ci_pkid_list_for_verification.count, 1);
    sgp22_list_iter_init(&it, info1.euicc_ci_pkid_list_for_verification.raw);
    assert_int_equal(sgp22_octets_list_next(&it, &id), AW_OK);
    assert_int_equal(id.len, ski.len);
    assert_memory_equal(id.ptr, ski.bytes, ski.len);
    assert_int_equal(info1.euicc_ci_pkid_list_for_signing.count, 1);
    free(r);

    r = te_call(&t, "BF2200", &n);
    sgp22_euicc_info2 info2;
    assert_int_equal(sgp22_decode_euicc_info2(r, n, &info2), AW_OK);
    test_assert_hex(info2.svn.ptr, info2.svn.len, "020202");
    test_assert_hex(info2.profile_version.ptr, 3, "020301");
    /* TS 102 226 8.2.1.7.2: no application yet, 8 x 4 MiB free */
    test_assert_hex(info2.ext_card_resource.ptr, info2.ext_card_resource.len,
                    "810100820402000000830210" "00");
    assert_true(info2.rsp_capability & SGP22_RSP_CAPABILITY_ADDITIONAL_PROFILE);
    assert_true(info2.has_euicc_category);
    assert_true(info2.has_ts102241_version && info2.has_globalplatform_version);
    assert_int_equal(info2.euicc_ci_pkid_list_for_signing.count, 1);
    assert_int_equal(info2.sas_acreditation_number.len, strlen("AIRWRITE-SOFTWARE-EUICC"));
    free(r);
    assert_int_equal(te_status(&t, "BF220100"), 0x6A80); /* not a GetEuiccInfo2Request */
}

/* SGP.22 5.7.22: no PPR authorisation configured, an empty RAT. */
static void test_get_rat(void **state)
{
    (void)state;
    size_t n;
    uint8_t *r = te_call(&t, "BF4300", &n);
    test_assert_hex(r, n, "BF4302A000");
    free(r);
    assert_int_equal(te_status(&t, "BF430100"), 0x6A80); /* broken extension */
}

static unsigned set_default_dp(const char *address, int64_t *result)
{
    sgp22_set_default_dp_address_request request;
    memset(&request, 0, sizeof(request));
    request.default_dp_address = (aw_slice){(const uint8_t *)address, strlen(address)};
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp22_encode_set_default_dp_address_request(&request, &command, &len),
                     AW_OK);
    unsigned sw = te_es10(&t, command, len, &r, &n);
    if (sw == 0x9000) {
        sgp22_set_default_dp_address_response response;
        assert_int_equal(sgp22_decode_set_default_dp_address_response(r, n, &response), AW_OK);
        *result = response.set_default_dp_address_result;
    }
    free(command);
    free(r);
    return sw;
}

static void check_addresses(const char *default_dp, const char *root_ds)
{
    size_t n;
    uint8_t *r = te_call(&t, "BF3C00", &n);
    sgp22_euicc_configured_addresses_response a;
    assert_int_equal(sgp22_decode_euicc_configured_addresses_response(r, n, &a), AW_OK);
    assert_int_equal(a.has_default_dp_address, default_dp != NULL);
    if (default_dp != NULL) {
        assert_int_equal(a.default_dp_address.len, strlen(default_dp));
        assert_memory_equal(a.default_dp_address.ptr, default_dp, strlen(default_dp));
    }
    assert_int_equal(a.root_ds_address.len, strlen(root_ds));
    assert_memory_equal(a.root_ds_address.ptr, root_ds, strlen(root_ds));
    free(r);
}

/* ES10a, SGP.22 5.7.3 / 5.7.4, persisted across a restart. */
static void test_configured_addresses(void **state)
{
    (void)state;
    int64_t result = -1;
    check_addresses(NULL, EUICC_DEFAULT_ROOT_DS);
    assert_int_equal(set_default_dp("smdp.example.com", &result), 0x9000);
    assert_int_equal(result, SGP22_SET_DEFAULT_DP_ADDRESS_OK);
    check_addresses("smdp.example.com", EUICC_DEFAULT_ROOT_DS);
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    check_addresses("smdp.example.com", EUICC_DEFAULT_ROOT_DS);
    char long_address[300];
    memset(long_address, 'a', sizeof(long_address) - 1);
    long_address[sizeof(long_address) - 1] = '\0';
    assert_int_equal(set_default_dp(long_address, &result), 0x9000);
    assert_int_equal(result, SGP22_SET_DEFAULT_DP_ADDRESS_UNDEFINED_ERROR);
    check_addresses("smdp.example.com", EUICC_DEFAULT_ROOT_DS);
    assert_int_equal(set_default_dp("", &result), 0x9000);
    assert_int_equal(result, SGP22_SET_DEFAULT_DP_ADDRESS_OK);
    check_addresses(NULL, EUICC_DEFAULT_ROOT_DS);
    assert_int_equal(te_status(&t, "BF3C0100"), 0x6A80);
    assert_int_equal(te_status(&t, "BF3F00"), 0x6A80); /* defaultDpAddress missing */
}

/* ---- identity ---------------------------------------------------------- */

static aw_err load_with(const char *euicc_cert, const char *euicc_key, const char *eum,
                        const char *ci)
{
    euicc_identity_paths paths = {NULL, euicc_cert, euicc_key, eum, ci};
    euicc_identity *id = NULL;
    aw_err err = euicc_identity_load(&paths, time(NULL), &id);
    assert_true((err == AW_OK) == (id != NULL));
    euicc_identity_free(id);
    return err;
}

static void test_identity_files(void **state)
{
    (void)state;
    char cert[256], key[256], eum[256], ci[256], other[256], bad[256];
    snprintf(cert, sizeof(cert), "%s/euicc.pem", t.pki);
    snprintf(key, sizeof(key), "%s/euicc.key.pem", t.pki);
    snprintf(eum, sizeof(eum), "%s/eum.pem", t.pki);
    snprintf(ci, sizeof(ci), "%s/ci.pem", t.pki);
    snprintf(other, sizeof(other), "%s/other", t.dir);
    snprintf(bad, sizeof(bad), "%s/bad.pem", t.dir);
    assert_int_equal(load_with(cert, key, eum, ci), AW_OK);
    /* DER certificates work as well as PEM */
    char der[256];
    snprintf(der, sizeof(der), "%s/euicc.der", t.dir);
    aw_slice d = pki_certificate_der(t.hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(aw_file_write_atomic(der, d.ptr, d.len, 0644), AW_OK);
    assert_int_equal(load_with(der, key, eum, ci), AW_OK);

    pki_hierarchy h2;
    test_write_pki(other, AW_PKI_CURVE_NIST_P256, &h2);
    char other_key[300], other_ci[300], other_eum[300];
    snprintf(other_key, sizeof(other_key), "%s/euicc.key.pem", other);
    snprintf(other_ci, sizeof(other_ci), "%s/ci.pem", other);
    snprintf(other_eum, sizeof(other_eum), "%s/eum.pem", other);
    assert_int_equal(load_with(cert, other_key, eum, ci), AW_ERR_CRYPTO_KEY);
    assert_int_equal(load_with(cert, key, eum, other_ci), AW_ERR_PKI_UNKNOWN_CI);
    assert_int_equal(load_with(cert, key, other_eum, ci), AW_ERR_PKI_UNKNOWN_CI);
    pki_hierarchy_free(&h2);
    assert_int_equal(aw_file_write_atomic(bad, (const uint8_t *)"junk", 4, 0644), AW_OK);
    assert_int_equal(load_with(bad, key, eum, ci), AW_ERR_PKI_PARSE);
    assert_int_equal(load_with(cert, key, eum, "/nonexistent/ci.pem"), AW_ERR_NOT_FOUND);
    assert_int_equal(load_with(NULL, key, eum, ci), AW_ERR_ARGUMENT);
    /* a chain checked at a time it is not valid is refused at load */
    euicc_identity_paths paths = {.directory = t.pki};
    euicc_identity *id = NULL;
    assert_int_equal(euicc_identity_load(&paths, time(NULL) + 40L * 365 * 86400, &id),
                     AW_ERR_PKI_EXPIRED);
    assert_null(id);
}

static void test_open_arguments(void **state)
{
    (void)state;
    euicc_identity_paths paths = {.directory = t.pki};
    euicc_options options = {.protocol = (euicc_protocol)7};
    euicc *card = (euicc *)&t;
    assert_int_equal(euicc_open(&paths, t.state, &options, time(NULL), &card), AW_ERR_ARGUMENT);
    assert_null(card);
    options.protocol = EUICC_PROTOCOL_T0;
    options.root_ds_address = "";
    char fresh[256];
    snprintf(fresh, sizeof(fresh), "%s/fresh", t.dir);
    assert_int_equal(euicc_open(&paths, fresh, &options, time(NULL), &card), AW_ERR_ARGUMENT);
    options.root_ds_address = "ds.example.org";
    assert_int_equal(euicc_open(&paths, fresh, &options, time(NULL), &card), AW_OK);
    euicc_close(card);
    euicc_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_eid_curves_and_protocols),
        cmocka_unit_test_setup_teardown(test_dispatcher_status_words, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_download_routing, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_euicc_info, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_get_rat, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_configured_addresses, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_identity_files, setup_p256_t1, teardown),
        cmocka_unit_test_setup_teardown(test_open_arguments, setup_p256_t1, teardown),
    };
    return cmocka_run_group_tests_name("euicc_isdr", tests, NULL, NULL);
}
