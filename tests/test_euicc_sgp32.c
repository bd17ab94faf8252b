/* Tests of the SGP.32 functions of the software eUICC over APDUs, on both
 * curves: ES10b.AddInitialEim (5.9.16) and GetEimConfigurationData
 * (5.9.18), ES10b.LoadEuiccPackage (5.9.1) with PSMOs against installed
 * profiles (enable, disable, delete, listProfileInfo, getRAT,
 * setDefaultDpAddress, set/unsetFallbackAttribute) and eCOs (addEim,
 * listEim, updateEim, deleteEim) with their result codes, the signed errors
 * invalidEid, replayError and counterValueOutOfRange, the unsigned errors
 * (unknown eIM, bad eimSignature), resultSizeOverflow, and euiccSignEPR /
 * euiccSignEPE checked with CERT.EUICC's key. */
#include "euicc_sgp32_testutil.h"

#include "core/sgp22_profile_info.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"

static test_euicc t;
static test_eim eim1;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE, 0};
static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

static int setup_curve(aw_pki_curve curve)
{
    te_setup(&t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim1, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    return 0;
}

static int setup_nist(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_NIST_P256);
}

static int setup_brainpool(void **state)
{
    (void)state;
    return setup_curve(AW_PKI_CURVE_BRAINPOOL_P256R1);
}

static int teardown(void **state)
{
    (void)state;
    test_eim_free(&eim1);
    te_teardown(&t);
    return 0;
}

/* AddInitialEim of configs; returns the decoded response kind, *error the
 * addInitialEimError, *token the first ok's associationToken (or -1). */
static int add_initial(const sgp32_eim_configuration_data *configs, size_t count,
                       int64_t *error, int64_t *token)
{
    size_t len, n;
    uint8_t *command = test_add_initial_eim(configs, count, &len), *r = NULL;
    sgp32_add_initial_eim_response response;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    assert_int_equal(sgp32_decode_add_initial_eim_response(r, n, &response), AW_OK);
    *error = response.add_initial_eim_error;
    *token = response.ok_count > 0 &&
                     response.ok[0].kind == SGP32_ADD_INITIAL_EIM_OK_ASSOCIATION_TOKEN
                 ? response.ok[0].association_token
                 : -1;
    if (response.kind == SGP32_ADD_INITIAL_EIM_RESPONSE_OK)
        assert_int_equal(response.ok_count, count);
    free(command);
    free(r);
    return response.kind;
}

static void configure_eim1(int64_t counter)
{
    sgp32_eim_configuration_data c = test_eim_configuration(&eim1, counter, -1);
    int64_t error, token;
    assert_int_equal(add_initial(&c, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    assert_int_equal(token, -1);
}

/* GetEimConfigurationData, all or by eimId: the number of entries, the
 * first one's counterValue in *counter. */
static size_t get_configuration(const char *eim_id, int64_t *counter)
{
    sgp32_get_eim_configuration_data_request q;
    memset(&q, 0, sizeof(q));
    if (eim_id != NULL) {
        q.has_search_criteria = true;
        q.search_criteria.kind = SGP32_EIM_SEARCH_EIM_ID;
        q.search_criteria.eim_id = (aw_slice){(const uint8_t *)eim_id, strlen(eim_id)};
    }
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp32_encode_get_eim_configuration_data_request(&q, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    sgp32_get_eim_configuration_data_response *response = malloc(sizeof(*response));
    assert_non_null(response);
    assert_int_equal(sgp32_decode_get_eim_configuration_data_response(r, n, response), AW_OK);
    size_t count = response->eim_configuration_count;
    *counter = count > 0 ? response->eim_configurations[0].counter_value : -1;
    if (count > 0 && eim_id != NULL)
        assert_memory_equal(response->eim_configurations[0].eim_id.ptr, eim_id, strlen(eim_id));
    free(response);
    free(command);
    free(r);
    return count;
}

static void test_initial_eim(void **state)
{
    (void)state;
    int64_t error, token, counter;
    assert_int_equal(get_configuration(NULL, &counter), 0);
    /* errors first: nothing is stored by a refused request */
    sgp32_eim_configuration_data bad = test_eim_configuration(&eim1, -1, -1);
    bad.has_euicc_ci_pk_id = true;
    bad.euicc_ci_pk_id = (aw_slice){(const uint8_t *)"\x01\x02\x03", 3};
    assert_int_equal(add_initial(&bad, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);
    assert_int_equal(error, SGP32_ADD_EIM_CI_PK_UNKNOWN);
    bad = test_eim_configuration(&eim1, INT64_C(0x80000000), -1);
    assert_int_equal(add_initial(&bad, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);
    assert_int_equal(error, SGP32_ADD_EIM_COUNTER_VALUE_OUT_OF_RANGE);
    bad = test_eim_configuration(&eim1, 1, -1);
    bad.has_eim_public_key_data = false; /* no key to verify packages with */
    assert_int_equal(add_initial(&bad, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);
    assert_int_equal(error, SGP32_ADD_EIM_COMMAND_ERROR);
    sgp32_eim_configuration_data twice[2] = {test_eim_configuration(&eim1, 1, -1),
                                             test_eim_configuration(&eim1, 2, -1)};
    assert_int_equal(add_initial(twice, 2, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);
    assert_int_equal(error, SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS);
    assert_int_equal(t.card->state->eim_count, 0);
    assert_int_equal(get_configuration(NULL, &counter), 0);

    sgp32_eim_configuration_data c = test_eim_configuration(&eim1, 5, 7);
    assert_int_equal(add_initial(&c, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_OK);
    assert_int_equal(token, 7);
    assert_int_equal(get_configuration(NULL, &counter), 1);
    assert_int_equal(counter, 5);
    assert_int_equal(get_configuration("eim1.example.com", &counter), 1);
    assert_int_equal(get_configuration("other.example.com", &counter), 0);
    /* persisted: a power cycle keeps it */
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    assert_int_equal(get_configuration("eim1.example.com", &counter), 1);
    assert_int_equal(counter, 5);
    /* SGP.32 5.9.16: only while no eIM is associated */
    test_eim eim2;
    test_eim_init(&eim2, &t, "eim2.example.com", AW_PKI_ROLE_DP_PB, false);
    c = test_eim_configuration(&eim2, -1, -1);
    assert_int_equal(add_initial(&c, 1, &error, &token), SGP32_ADD_INITIAL_EIM_RESPONSE_ERROR);
    assert_int_equal(error, SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS);
    assert_int_equal(get_configuration(NULL, &counter), 1);
    test_eim_free(&eim2);
    assert_int_equal(te_status(&t, "BF5700"), 0x6A80); /* list missing */
    /* searchCriteria holding a NULL instead of eimId */
    assert_int_equal(te_status(&t, "BF5504A0020500"), 0x6A80);
}

static void list_profiles_package(sgp32_euicc_package_signed *package, const char *eim_id,
                                  const uint8_t *eid, int64_t counter);

static int64_t profile_state(const char *iccid)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    int index = euicc_state_find_iccid(t.card->state, bytes);
    return index < 0 ? -1 : t.card->state->profiles[index].enabled;
}

/* A verified, signed result: checks euiccSignEPR and the echoed fields. */
static const sgp32_euicc_package_result_data_signed *
check_result(const sgp32_euicc_package_result *result, int64_t counter)
{
    assert_int_equal(result->kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    const sgp32_euicc_package_result_data_signed *data =
        &result->result_signed.euicc_package_result_data_signed;
    test_check_euicc_signature(&t, data->raw, 0, result->result_signed.euicc_sign_epr);
    assert_int_equal(data->counter_value, counter);
    assert_int_equal(data->eim_id.len, strlen(eim1.eim_id));
    assert_memory_equal(data->eim_id.ptr, eim1.eim_id, data->eim_id.len);
    assert_true(data->has_eim_transaction_id);
    assert_int_equal(euicc_state_find_package_result(t.card->state, data->seq_number) >= 0, 1);
    return data;
}

static void test_package_psmos(void **state)
{
    (void)state;
    uint8_t aid[16], iccid1[EUICC_ICCID_SIZE], iccid2[EUICC_ICCID_SIZE];
    sgp32_euicc_package_signed package;
    sgp32_euicc_package_result result;
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    test_iccid_bytes(ICCID1, iccid1);
    test_iccid_bytes(ICCID2, iccid2);
    configure_eim1(5);
    const uint8_t *eid = t.card->identity->eid_bytes;
    size_t notifications = t.card->state->notification_count;

    /* enable p1 */
    test_package_init(&package, eim1.eim_id, eid, 6);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 1;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_ENABLE;
    package.euicc_package.psmos[0].enable.iccid = (aw_slice){iccid1, EUICC_ICCID_SIZE};
    uint8_t *r = test_run_package(&t, &eim1, &package, 0, true, &result);
    const sgp32_euicc_package_result_data_signed *data = check_result(&result, 6);
    int64_t first_seq = data->seq_number;
    assert_int_equal(data->euicc_result_count, 1);
    assert_int_equal(data->euicc_result[0].kind, SGP32_EUICC_RESULT_ENABLE);
    assert_int_equal(data->euicc_result[0].enable_result, SGP32_RESULT_OK);
    assert_int_equal(profile_state(ICCID1), 1);
    /* the profile asked for enable notifications: one was queued */
    assert_int_equal(t.card->state->notification_count, notifications + 1);
    free(r);

    /* disable p1, delete p1, list what is left, getRAT */
    test_package_init(&package, eim1.eim_id, eid, 8);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 4;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_DISABLE;
    package.euicc_package.psmos[0].disable.iccid = (aw_slice){iccid1, EUICC_ICCID_SIZE};
    package.euicc_package.psmos[1].kind = SGP32_PSMO_DELETE;
    package.euicc_package.psmos[1].delete_profile.iccid = (aw_slice){iccid1, EUICC_ICCID_SIZE};
    package.euicc_package.psmos[2].kind = SGP32_PSMO_LIST_PROFILE_INFO;
    package.euicc_package.psmos[2].list_profile_info =
        (aw_slice){(const uint8_t *)"\xBF\x2D\x00", 3};
    package.euicc_package.psmos[3].kind = SGP32_PSMO_GET_RAT;
    r = test_run_package(&t, &eim1, &package, 0, true, &result);
    data = check_result(&result, 8);
    assert_true(data->seq_number > first_seq);
    assert_int_equal(data->euicc_result_count, 4);
    assert_int_equal(data->euicc_result[0].disable_result, SGP32_RESULT_OK);
    assert_int_equal(data->euicc_result[1].kind, SGP32_EUICC_RESULT_DELETE);
    assert_int_equal(data->euicc_result[1].delete_result, SGP32_RESULT_OK);
    assert_int_equal(profile_state(ICCID1), -1);
    assert_int_equal(data->euicc_result[2].kind, SGP32_EUICC_RESULT_LIST_PROFILE_INFO);
    sgp22_profile_info_list_response list;
    aw_slice tlv = data->euicc_result[2].list_profile_info_result;
    assert_int_equal(sgp22_decode_profile_info_list_response(tlv.ptr, tlv.len, &list), AW_OK);
    assert_int_equal(list.profile_info_list_ok.count, 1); /* p2 only */
    assert_int_equal(data->euicc_result[3].kind, SGP32_EUICC_RESULT_GET_RAT);
    free(r);

    /* processing stops at the first failure: p1 is gone */
    test_package_init(&package, eim1.eim_id, eid, 9);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 2;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_ENABLE;
    package.euicc_package.psmos[0].enable.iccid = (aw_slice){iccid1, EUICC_ICCID_SIZE};
    package.euicc_package.psmos[1].kind = SGP32_PSMO_ENABLE;
    package.euicc_package.psmos[1].enable.iccid = (aw_slice){iccid2, EUICC_ICCID_SIZE};
    r = test_run_package(&t, &eim1, &package, 0, true, &result);
    data = check_result(&result, 9);
    assert_int_equal(data->euicc_result_count, 1);
    assert_int_equal(data->euicc_result[0].enable_result, SGP32_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(profile_state(ICCID2), 0);
    free(r);

    /* setDefaultDpAddress, then an empty configureImmediateEnable (immediate
     * enabling off; test_euicc_sgp32_enable.c covers the rest) */
    test_package_init(&package, eim1.eim_id, eid, 10);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 2;
    package.euicc_package.psmos[0].kind = SGP32_PSMO_SET_DEFAULT_DP_ADDRESS;
    package.euicc_package.psmos[0].set_default_dp_address.default_dp_address =
        (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    package.euicc_package.psmos[1].kind = SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
    r = test_run_package(&t, &eim1, &package, 0, true, &result);
    data = check_result(&result, 10);
    assert_int_equal(data->euicc_result_count, 2);
    assert_int_equal(
        data->euicc_result[0].set_default_dp_address_result.set_default_dp_address_result, 0);
    assert_string_equal(t.card->state->default_dp_address, "smdp.example.com");
    assert_int_equal(data->euicc_result[1].configure_immediate_enable_result, SGP32_RESULT_OK);
    assert_true(t.card->state->immediate_enable.configured);
    assert_false(t.card->state->immediate_enable.flag);
    free(r);

    /* a listProfileInfo that is DER but no ProfileInfoListRequest */
    list_profiles_package(&package, eim1.eim_id, eid, 11);
    package.euicc_package.psmos[0].list_profile_info =
        (aw_slice){(const uint8_t *)"\xBF\x2D\x04\xA0\x02\x05\x00", 7};
    r = test_run_package(&t, &eim1, &package, 0, true, &result);
    data = check_result(&result, 11);
    assert_int_equal(data->euicc_result_count, 1);
    assert_int_equal(data->euicc_result[0].kind, SGP32_EUICC_RESULT_PROCESSING_TERMINATED);
    assert_int_equal(data->euicc_result[0].processing_terminated,
                     SGP32_PROCESSING_TERMINATED_UNKNOWN_OR_DAMAGED_COMMAND);
    free(r);
    int64_t counter;
    assert_int_equal(get_configuration(eim1.eim_id, &counter), 1);
    assert_int_equal(counter, 11);
    assert_int_equal(t.card->state->package_result_count, 5);
}

/* Send a package expected to be refused signed with code. */
static void expect_signed_error(const test_eim *eim, sgp32_euicc_package_signed *package,
                                int64_t token, bool with_token, int64_t counter, int64_t code)
{
    sgp32_euicc_package_result result;
    uint8_t *r = test_run_package(&t, eim, package, token, with_token, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    const sgp32_euicc_package_error_data_signed *data =
        &result.error_signed.euicc_package_error_data_signed;
    test_check_euicc_signature(&t, data->raw, token, result.error_signed.euicc_sign_epe);
    assert_int_equal(data->euicc_package_error_code, code);
    assert_int_equal(data->counter_value, counter);
    free(r);
}

static void expect_unsigned_error(const test_eim *eim, sgp32_euicc_package_signed *package,
                                  int64_t token, bool with_token, const char *eim_id)
{
    sgp32_euicc_package_result result;
    uint8_t *r = test_run_package(&t, eim, package, token, with_token, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED);
    assert_int_equal(result.error_unsigned.eim_id.len, strlen(eim_id));
    assert_memory_equal(result.error_unsigned.eim_id.ptr, eim_id, strlen(eim_id));
    assert_true(result.error_unsigned.has_eim_transaction_id);
    free(r);
}

static void list_profiles_package(sgp32_euicc_package_signed *package, const char *eim_id,
                                  const uint8_t *eid, int64_t counter)
{
    test_package_init(package, eim_id, eid, counter);
    package->euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package->euicc_package.psmo_count = 1;
    package->euicc_package.psmos[0].kind = SGP32_PSMO_LIST_PROFILE_INFO;
    package->euicc_package.psmos[0].list_profile_info =
        (aw_slice){(const uint8_t *)"\xBF\x2D\x00", 3};
}

static void test_package_errors(void **state)
{
    (void)state;
    sgp32_euicc_package_signed package;
    size_t len;
    configure_eim1(5);
    const uint8_t *eid = t.card->identity->eid_bytes;
    int64_t next_seq = t.card->state->next_sequence_number, counter;

    /* replayError(4): counterValue not greater than the stored one */
    list_profiles_package(&package, eim1.eim_id, eid, 5);
    expect_signed_error(&eim1, &package, 0, true, 5,
                        SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    /* invalidEid(3) */
    uint8_t other_eid[EUICC_EID_SIZE];
    memcpy(other_eid, eid, EUICC_EID_SIZE);
    other_eid[15] ^= 0x01;
    list_profiles_package(&package, eim1.eim_id, other_eid, 6);
    expect_signed_error(&eim1, &package, 0, true, 6,
                        SGP32_EUICC_PACKAGE_ERROR_INVALID_EID);
    /* counterValueOutOfRange(6) */
    list_profiles_package(&package, eim1.eim_id, eid, INT64_C(0x80000000));
    expect_signed_error(&eim1, &package, 0, true, INT64_C(0x80000000),
                        SGP32_EUICC_PACKAGE_ERROR_COUNTER_VALUE_OUT_OF_RANGE);
    /* unknown eIM: unsigned */
    list_profiles_package(&package, "unknown.example.com", eid, 6);
    expect_unsigned_error(&eim1, &package, 0, true, "unknown.example.com");
    /* a signature by another key: unsigned */
    test_eim other;
    test_eim_init(&other, &t, eim1.eim_id, AW_PKI_ROLE_DP_PB, false);
    list_profiles_package(&package, eim1.eim_id, eid, 6);
    expect_unsigned_error(&other, &package, 0, true, eim1.eim_id);
    test_eim_free(&other);
    /* a signature over euiccPackageSigned alone (no associationToken), or
     * over another token value: unsigned */
    expect_unsigned_error(&eim1, &package, 0, false, eim1.eim_id);
    expect_unsigned_error(&eim1, &package, 1, true, eim1.eim_id);
    /* nothing changed: counter, results, seqNumbers */
    assert_int_equal(get_configuration(eim1.eim_id, &counter), 1);
    assert_int_equal(counter, 5);
    assert_int_equal(t.card->state->package_result_count, 0);
    assert_int_equal(t.card->state->next_sequence_number, next_seq);
    /* the same package correctly signed is accepted, then is a replay */
    uint8_t *good = test_package_request(&eim1, &package, 0, true, &len);
    uint8_t *again = malloc(len);
    assert_non_null(again);
    memcpy(again, good, len);
    sgp32_euicc_package_result result;
    uint8_t *r = test_send_package(&t, good, len, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    free(r);
    /* the identical bytes again: replayError */
    sgp32_euicc_package_result replayed;
    r = test_send_package(&t, again, len, &replayed);
    assert_int_equal(replayed.kind, SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED);
    assert_int_equal(
        replayed.error_signed.euicc_package_error_data_signed.euicc_package_error_code,
        SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR);
    free(r);
    assert_int_equal(t.card->state->package_result_count, 1);
    /* not an EuiccPackageRequest */
    assert_int_equal(te_status(&t, "BF5100"), 0x6A80);
}

/* Run an eCO package from eim1; returns the decoded results buffer. */
static uint8_t *run_ecos(const sgp32_eco *ecos, size_t count, int64_t counter,
                         sgp32_euicc_package_result *result)
{
    sgp32_euicc_package_signed *package = calloc(1, sizeof(*package));
    assert_non_null(package);
    size_t len;
    test_package_init(package, eim1.eim_id, t.card->identity->eid_bytes, counter);
    package->euicc_package.kind = SGP32_EUICC_PACKAGE_ECO_LIST;
    package->euicc_package.eco_count = count;
    for (size_t i = 0; i < count; i++)
        package->euicc_package.ecos[i] = ecos[i];
    uint8_t *command = test_package_request(&eim1, package, 0, true, &len);
    free(package);
    uint8_t *r = test_send_package(&t, command, len, result);
    check_result(result, counter);
    return r;
}

static void test_package_ecos(void **state)
{
    (void)state;
    sgp32_euicc_package_result result;
    sgp32_eco ecos[3];
    test_eim eim2;
    int64_t counter;
    configure_eim1(1);
    test_eim_init(&eim2, &t, "eim2.example.com", AW_PKI_ROLE_DP_PB, true);

    /* addEim (certificate form, with an associationToken), listEim */
    memset(ecos, 0, sizeof(ecos));
    ecos[0].kind = SGP32_ECO_ADD_EIM;
    ecos[0].add_eim = test_eim_configuration(&eim2, 3, 42);
    ecos[1].kind = SGP32_ECO_LIST_EIM;
    uint8_t *r = run_ecos(ecos, 2, 2, &result);
    const sgp32_euicc_package_result_data_signed *data =
        &result.result_signed.euicc_package_result_data_signed;
    assert_int_equal(data->euicc_result_count, 2);
    assert_int_equal(data->euicc_result[0].add_eim_result.kind,
                     SGP32_ADD_EIM_RESULT_ASSOCIATION_TOKEN);
    assert_int_equal(data->euicc_result[0].add_eim_result.value, 42);
    const sgp32_list_eim_result *list = &data->euicc_result[1].list_eim_result;
    assert_int_equal(list->kind, SGP32_LIST_EIM_RESULT_EIM_ID_LIST);
    assert_int_equal(list->eim_id_count, 2);
    assert_memory_equal(list->eim_ids[1].eim_id.ptr, eim2.eim_id, strlen(eim2.eim_id));
    assert_int_equal(list->eim_ids[1].eim_id_type, SGP32_EIM_ID_TYPE_FQDN);
    free(r);
    assert_int_equal(get_configuration(eim2.eim_id, &counter), 1);
    assert_int_equal(counter, 3);

    /* eim2 signs with its certificate's key */
    sgp32_euicc_package_signed package;
    list_profiles_package(&package, eim2.eim_id, t.card->identity->eid_bytes, 4);
    r = test_run_package(&t, &eim2, &package, 42, true, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    /* euiccSignEPR covers eim2's associationToken (2.11.2.1): neither the
     * data alone nor the data with another token verify */
    aw_slice epr_data = result.result_signed.euicc_package_result_data_signed.raw;
    aw_slice epr = result.result_signed.euicc_sign_epr;
    test_check_euicc_signature(&t, epr_data, 42, epr);
    assert_int_not_equal(test_verify_euicc_signature(&t, epr_data, 0, epr), AW_OK);
    crypto_key *euicc_key = NULL;
    aw_slice euicc_cert = pki_certificate_der(t.hierarchy.cert[AW_PKI_ROLE_EUICC]);
    assert_int_equal(crypto_key_from_certificate(euicc_cert.ptr, euicc_cert.len, &euicc_key),
                     AW_OK);
    assert_int_not_equal(
        crypto_verify_ecdsa(euicc_key, epr_data.ptr, epr_data.len, epr.ptr, epr.len), AW_OK);
    crypto_key_free(euicc_key);
    free(r);

    /* addEim again: associatedEimAlreadyExists, processing stops */
    memset(ecos, 0, sizeof(ecos));
    ecos[0].kind = SGP32_ECO_ADD_EIM;
    ecos[0].add_eim = test_eim_configuration(&eim2, -1, -1);
    ecos[1].kind = SGP32_ECO_LIST_EIM;
    r = run_ecos(ecos, 2, 3, &result);
    assert_int_equal(data->euicc_result_count, 1);
    assert_int_equal(data->euicc_result[0].add_eim_result.value,
                     SGP32_ADD_EIM_ASSOCIATED_EIM_ALREADY_EXISTS);
    free(r);

    /* updateEim: counter kept when absent; unknown eIM; out of range */
    memset(ecos, 0, sizeof(ecos));
    ecos[0].kind = SGP32_ECO_UPDATE_EIM;
    ecos[0].update_eim = test_eim_configuration(&eim2, -1, -1);
    ecos[0].update_eim.eim_fqdn = (aw_slice){(const uint8_t *)"new.example.com", 15};
    r = run_ecos(ecos, 1, 4, &result);
    assert_int_equal(data->euicc_result[0].update_eim_result, SGP32_RESULT_OK);
    free(r);
    assert_int_equal(get_configuration(eim2.eim_id, &counter), 1);
    assert_int_equal(counter, 4);
    ecos[0].update_eim = test_eim_configuration(&eim2, INT64_C(0x80000000), -1);
    r = run_ecos(ecos, 1, 5, &result);
    assert_int_equal(data->euicc_result[0].update_eim_result,
                     SGP32_EIM_COUNTER_VALUE_OUT_OF_RANGE);
    free(r);
    ecos[0].update_eim.eim_id = (aw_slice){(const uint8_t *)"none", 4};
    r = run_ecos(ecos, 1, 6, &result);
    assert_int_equal(data->euicc_result[0].update_eim_result, SGP32_EIM_NOT_FOUND);
    free(r);

    /* deleteEim: unknown, eim2, then eim1 itself as the last one */
    memset(ecos, 0, sizeof(ecos));
    ecos[0].kind = SGP32_ECO_DELETE_EIM;
    ecos[0].delete_eim.eim_id = (aw_slice){(const uint8_t *)"none", 4};
    r = run_ecos(ecos, 1, 7, &result);
    assert_int_equal(data->euicc_result[0].delete_eim_result, SGP32_EIM_NOT_FOUND);
    free(r);
    ecos[0].delete_eim.eim_id = (aw_slice){(const uint8_t *)eim2.eim_id, strlen(eim2.eim_id)};
    ecos[1].kind = SGP32_ECO_DELETE_EIM;
    ecos[1].delete_eim.eim_id = (aw_slice){(const uint8_t *)eim1.eim_id, strlen(eim1.eim_id)};
    r = run_ecos(ecos, 2, 8, &result);
    assert_int_equal(data->euicc_result[0].delete_eim_result, SGP32_RESULT_OK);
    assert_int_equal(data->euicc_result[1].delete_eim_result, SGP32_EIM_LAST_EIM_DELETED);
    free(r);
    assert_int_equal(get_configuration(NULL, &counter), 0);
    /* with no eIM left, AddInitialEim is allowed again */
    configure_eim1(9);
    test_eim_free(&eim2);
}

static void test_package_eco_limits(void **state)
{
    (void)state;
    sgp32_euicc_package_result result;
    sgp32_eco ecos[EUICC_MAX_EIMS];
    char names[EUICC_MAX_EIMS][16];
    configure_eim1(1);
    /* fill the eIM list, then one more: insufficientMemory(1) */
    memset(ecos, 0, sizeof(ecos));
    for (size_t i = 0; i < EUICC_MAX_EIMS; i++) {
        snprintf(names[i], sizeof(names[i]), "eim-%zu", i);
        ecos[i].kind = SGP32_ECO_ADD_EIM;
        ecos[i].add_eim = test_eim_configuration(&eim1, -1, -1);
        ecos[i].add_eim.eim_id = (aw_slice){(const uint8_t *)names[i], strlen(names[i])};
    }
    uint8_t *r = run_ecos(ecos, EUICC_MAX_EIMS, 2, &result);
    const sgp32_euicc_package_result_data_signed *data =
        &result.result_signed.euicc_package_result_data_signed;
    assert_int_equal(data->euicc_result_count, EUICC_MAX_EIMS);
    for (size_t i = 0; i + 1 < EUICC_MAX_EIMS; i++)
        assert_int_equal(data->euicc_result[i].add_eim_result.value, SGP32_ADD_EIM_OK);
    assert_int_equal(data->euicc_result[EUICC_MAX_EIMS - 1].add_eim_result.value,
                     SGP32_ADD_EIM_INSUFFICIENT_MEMORY);
    free(r);
    assert_int_equal(t.card->state->eim_count, EUICC_MAX_EIMS);
    /* updateEim naming a CI the eUICC does not have: ciPKUnknown(3) */
    memset(ecos, 0, sizeof(ecos));
    ecos[0].kind = SGP32_ECO_UPDATE_EIM;
    ecos[0].update_eim = test_eim_configuration(&eim1, -1, -1);
    ecos[0].update_eim.eim_id = (aw_slice){(const uint8_t *)names[0], strlen(names[0])};
    ecos[0].update_eim.has_euicc_ci_pk_id = true;
    ecos[0].update_eim.euicc_ci_pk_id = (aw_slice){(const uint8_t *)"\x01\x02", 2};
    r = run_ecos(ecos, 1, 3, &result);
    assert_int_equal(data->euicc_result[0].update_eim_result, SGP32_EIM_CI_PK_UNKNOWN);
    free(r);
}

/* One PSMO on a profile from eim1; returns its integer result. */
static int64_t one_psmo(sgp32_psmo_kind kind, const char *iccid, int64_t counter)
{
    sgp32_euicc_package_signed package;
    sgp32_euicc_package_result result;
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    test_package_init(&package, eim1.eim_id, t.card->identity->eid_bytes, counter);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 1;
    sgp32_psmo *psmo = &package.euicc_package.psmos[0];
    psmo->kind = kind;
    psmo->enable.iccid = (aw_slice){bytes, EUICC_ICCID_SIZE}; /* same layout for all four */
    psmo->set_fallback_attribute.iccid = psmo->enable.iccid;
    uint8_t *r = test_run_package(&t, &eim1, &package, 0, true, &result);
    const sgp32_euicc_package_result_data_signed *data = check_result(&result, counter);
    assert_int_equal(data->euicc_result_count, 1);
    const sgp32_euicc_result_data *d = &data->euicc_result[0];
    int64_t value = -1;
    if (d->kind == SGP32_EUICC_RESULT_ENABLE)
        value = d->enable_result;
    else if (d->kind == SGP32_EUICC_RESULT_DISABLE)
        value = d->disable_result;
    else if (d->kind == SGP32_EUICC_RESULT_SET_FALLBACK_ATTRIBUTE)
        value = d->set_fallback_attribute_result;
    else if (d->kind == SGP32_EUICC_RESULT_UNSET_FALLBACK_ATTRIBUTE)
        value = d->unset_fallback_attribute_result;
    free(r);
    return value;
}

static bool has_fallback(const char *iccid)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    int index = euicc_state_find_iccid(t.card->state, bytes);
    assert_true(index >= 0);
    return t.card->state->profiles[index].fallback_attribute;
}

/* ProfileInfo of iccid reports fallbackAttribute (GetProfilesInfo, BF2D). */
static bool reported_fallback(const char *iccid)
{
    sgp22_profile_info_list_request q;
    sgp22_profile_info_list_response list;
    sgp22_list_iter it;
    sgp22_profile_info info;
    uint8_t bytes[EUICC_ICCID_SIZE], *command = NULL, *r = NULL;
    size_t len, n;
    test_iccid_bytes(iccid, bytes);
    memset(&q, 0, sizeof(q));
    q.search_kind = SGP22_PROFILE_SEARCH_ICCID;
    q.search_value = (aw_slice){bytes, EUICC_ICCID_SIZE};
    assert_int_equal(sgp22_encode_profile_info_list_request(&q, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    assert_int_equal(sgp22_decode_profile_info_list_response(r, n, &list), AW_OK);
    sgp22_list_iter_init(&it, list.profile_info_list_ok.raw);
    assert_int_equal(sgp22_profile_info_list_next(&it, &info), AW_OK);
    bool fallback = info.fallback_attribute;
    free(command);
    free(r);
    return fallback;
}

static void test_package_fallback(void **state)
{
    (void)state;
    static const test_profile p3 = {"8944500000000000030", "001010000000003",
                                    SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    te_install(&t, &p3, aid);
    configure_eim1(1);
    assert_int_equal(one_psmo(SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE, ICCID1, 2),
                     SGP32_FALLBACK_NO_FALLBACK_ATTRIBUTE);
    assert_int_equal(one_psmo(SGP32_PSMO_SET_FALLBACK_ATTRIBUTE, "8944500000000000998", 3),
                     SGP32_RESULT_ICCID_OR_AID_NOT_FOUND);
    assert_int_equal(one_psmo(SGP32_PSMO_SET_FALLBACK_ATTRIBUTE, ICCID1, 4), SGP32_RESULT_OK);
    assert_true(has_fallback(ICCID1));
    assert_true(reported_fallback(ICCID1));
    assert_false(reported_fallback(ICCID2));
    /* the enabled Fallback Profile keeps it */
    assert_int_equal(one_psmo(SGP32_PSMO_ENABLE, ICCID1, 5), SGP32_RESULT_OK);
    assert_int_equal(one_psmo(SGP32_PSMO_SET_FALLBACK_ATTRIBUTE, ICCID2, 6),
                     SGP32_FALLBACK_PROFILE_ENABLED);
    assert_int_equal(one_psmo(SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE, ICCID1, 7),
                     SGP32_FALLBACK_PROFILE_ENABLED);
    assert_int_equal(one_psmo(SGP32_PSMO_DISABLE, ICCID1, 8), SGP32_RESULT_OK);
    assert_int_equal(one_psmo(SGP32_PSMO_SET_FALLBACK_ATTRIBUTE, ICCID2, 9), SGP32_RESULT_OK);
    assert_false(has_fallback(ICCID1));
    /* persisted */
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
    assert_true(has_fallback(ICCID2));
    /* a profile whose owner forbids it: fallbackAllowed FALSE in its metadata */
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(p3.iccid, bytes);
    euicc_profile *profile = &t.card->state->profiles[euicc_state_find_iccid(t.card->state, bytes)];
    size_t metadata_len;
    uint8_t *metadata = test_store_metadata(&p3, &metadata_len), *forbidding = NULL;
    sgp22_store_metadata_request m;
    assert_int_equal(sgp22_decode_store_metadata_request(metadata, metadata_len, &m), AW_OK);
    m.raw = (aw_slice){NULL, 0};
    m.has_fallback_allowed = true;
    m.fallback_allowed = false;
    assert_int_equal(sgp22_encode_store_metadata_request(&m, &forbidding, &metadata_len), AW_OK);
    free(profile->store_metadata);
    profile->store_metadata = forbidding;
    profile->store_metadata_len = metadata_len;
    free(metadata);
    assert_int_equal(one_psmo(SGP32_PSMO_SET_FALLBACK_ATTRIBUTE, p3.iccid, 10),
                     SGP32_FALLBACK_NOT_ALLOWED);
    assert_true(has_fallback(ICCID2));
    assert_int_equal(one_psmo(SGP32_PSMO_UNSET_FALLBACK_ATTRIBUTE, ICCID2, 11), SGP32_RESULT_OK);
    assert_false(has_fallback(ICCID2));
    /* a state file with two Fallback Profiles does not load */
    euicc_state *s = t.card->state;
    uint8_t *file = NULL;
    size_t file_len = 0;
    s->profiles[0].fallback_attribute = true;
    s->profiles[1].fallback_attribute = true;
    assert_int_equal(euicc_state_encode(s, &file, &file_len), AW_OK);
    assert_int_equal(euicc_state_decode(s, file, file_len), AW_ERR_EUICC_STATE_CORRUPT);
    free(file);
    assert_int_equal(euicc_state_reload(s), AW_OK);
    assert_int_equal(s->profile_count, 3);
}

/* listProfileInfo results that would not fit a storable result:
 * processingTerminated resultSizeOverflow(1), the result still kept */
static void test_package_size_overflow(void **state)
{
    (void)state;
    static const char *const iccids[EUICC_MAX_PROFILES] = {
        "8944500000000001004", "8944500000000001012", "8944500000000001020",
        "8944500000000001038", "8944500000000001046", "8944500000000001053",
        "8944500000000001061", "8944500000000001079"}; /* Luhn check digits */
    uint8_t aid[16];
    for (size_t i = 0; i < EUICC_MAX_PROFILES; i++) {
        test_profile p = {iccids[i], "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                          SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE |
                              SGP22_NOTIFICATION_DELETE,
                          0};
        te_install(&t, &p, aid);
        /* 64-character nicknames make each ProfileInfo larger */
        euicc_profile *profile = &t.card->state->profiles[i];
        profile->has_nickname = true;
        memset(profile->nickname, 'n', 64);
        profile->nickname[64] = '\0';
    }
    configure_eim1(1);
    sgp32_euicc_package_signed *package = calloc(1, sizeof(*package));
    assert_non_null(package);
    list_profiles_package(package, eim1.eim_id, t.card->identity->eid_bytes, 2);
    package->euicc_package.psmo_count = SGP32_MAX_PSMOS;
    for (size_t i = 1; i < SGP32_MAX_PSMOS; i++)
        package->euicc_package.psmos[i] = package->euicc_package.psmos[0];
    sgp32_euicc_package_result result;
    uint8_t *r = test_run_package(&t, &eim1, package, 0, true, &result);
    free(package);
    const sgp32_euicc_package_result_data_signed *data = check_result(&result, 2);
    size_t count = data->euicc_result_count;
    assert_true(count > 1 && count < SGP32_MAX_PSMOS);
    assert_int_equal(data->euicc_result[0].kind, SGP32_EUICC_RESULT_LIST_PROFILE_INFO);
    assert_int_equal(data->euicc_result[count - 1].kind,
                     SGP32_EUICC_RESULT_PROCESSING_TERMINATED);
    assert_int_equal(data->euicc_result[count - 1].processing_terminated,
                     SGP32_PROCESSING_TERMINATED_RESULT_SIZE_OVERFLOW);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_initial_eim, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_initial_eim, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_package_psmos, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_package_psmos, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_package_errors, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_package_errors, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_package_ecos, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_package_ecos, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_package_eco_limits, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_package_fallback, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_package_fallback, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_package_size_overflow, setup_nist, teardown),
    };
    return cmocka_run_group_tests_name("euicc_sgp32", tests, NULL, NULL);
}
