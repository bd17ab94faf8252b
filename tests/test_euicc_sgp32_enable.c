/* Tests of SGP.32 immediate profile enabling and profile rollback on the
 * software eUICC over APDUs: the configureImmediateEnable PSMO (2.11.1.1) and
 * its persistence across a restart; ES10b.ImmediateEnable (BF5A) enabling the
 * profile just installed from the configured default SM-DP+, through the ISD-R
 * commit (te_install) and through a whole download session
 * (euicc_download_sim.h), and its refusals: immediateEnableNotAvailable(1)
 * (flag off, another SM-DP+), noSessionContext(4) (no installation, a restart,
 * a new session, a failed or deleted installation, already used),
 * undefinedError(127) (the profile enabled meanwhile), 6A80 for a malformed
 * request; a profile is never enabled without it; ES10b.ConfigureImmediateProfileEnabling (BF59) without an eIM,
 * associatedEimAlreadyExists(2) with one; the enable PSMO's rollbackFlag and
 * ES10b.ProfileRollback (BF58): the previous profile comes back, the signed
 * EuiccPackageResult carries rollbackResult, rollbackNotAllowed(1) without a
 * pending rollback, the window closing at the next package and surviving a
 * restart. */
#include "euicc_sgp32_testutil.h"

#include <openssl/objects.h>

#include "core/sgp32_tags.h"
#include "euicc_download_sim.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"
#define ICCID3 "8944500000000000030"
#define EVENTS (SGP22_NOTIFICATION_ENABLE | SGP22_NOTIFICATION_DISABLE)

static test_euicc t;
static test_eim eim1;
static sim s;
static bool with_sim;
static int64_t counter;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                EVENTS, 0};
static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL,
                                EVENTS, 0};
static const test_profile p3 = {ICCID3, "001010000000003", SGP22_PROFILE_CLASS_OPERATIONAL,
                                EVENTS, 0};
/* the smdpOid te_install's PIRs carry (2.999.10) */
static const uint8_t test_oid[] = {0x88, 0x37, 0x0A};

static void configure_eim1(void)
{
    sgp32_eim_configuration_data c = test_eim_configuration(&eim1, 1, -1);
    size_t len, n;
    uint8_t *command = test_add_initial_eim(&c, 1, &len), *r = NULL;
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    free(r);
    counter = 1;
}

static int setup_curve(aw_pki_curve curve)
{
    with_sim = false;
    te_setup(&t, curve, EUICC_PROTOCOL_T1);
    te_select_isdr(&t);
    test_eim_init(&eim1, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    configure_eim1();
    return 0;
}

/* No Associated eIM: ES10b.ConfigureImmediateProfileEnabling applies. */
static int setup_no_eim(void **state)
{
    (void)state;
    with_sim = false;
    te_setup(&t, AW_PKI_CURVE_NIST_P256, EUICC_PROTOCOL_T1);
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

/* The eUICC's identity is the one the simulated SM-DP+'s PKI issued. */
static int setup_download(void **state)
{
    (void)state;
    with_sim = true;
    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "/tmp/aw-eie-XXXXXX");
    assert_non_null(mkdtemp(t.dir));
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = EUICC_PROTOCOL_T1;
    assert_int_equal(sim_init(&s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    assert_int_equal(mkdir(t.pki, 0700), 0);
    test_write_pem(t.pki, "ci.pem", s.pki.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(t.pki, "eum.pem", s.pki.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(t.pki, "euicc.pem", s.pki.cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(t.pki, "euicc.key.pem", NULL, s.pki.key[AW_PKI_ROLE_EUICC]);
    te_open(&t);
    te_select_isdr(&t);
    t.hierarchy = s.pki; /* borrowed for the eIM key and CERT.EUICC */
    test_eim_init(&eim1, &t, "eim1.example.com", AW_PKI_ROLE_DP_AUTH, false);
    configure_eim1();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_eim_free(&eim1);
    if (!with_sim) {
        te_teardown(&t);
        return 0;
    }
    te_close(&t);
    memset(&t.hierarchy, 0, sizeof(t.hierarchy));
    sim_free(&s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void reopen(void)
{
    te_close(&t);
    te_open(&t);
    te_select_isdr(&t);
}

static int64_t profile_state(const char *iccid)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    int index = euicc_state_find_iccid(t.card->state, bytes);
    return index < 0 ? -1 : t.card->state->profiles[index].enabled;
}

/* Run a package of one PSMO; returns the first result, checks
 * euiccSignEPR. */
static sgp32_euicc_result_data run_psmo(const sgp32_psmo *psmo)
{
    sgp32_euicc_package_signed package;
    sgp32_euicc_package_result result;
    test_package_init(&package, eim1.eim_id, t.card->identity->eid_bytes, ++counter);
    package.euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    package.euicc_package.psmo_count = 1;
    package.euicc_package.psmos[0] = *psmo;
    uint8_t *r = test_run_package(&t, &eim1, &package, 0, true, &result);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    const sgp32_euicc_package_result_data_signed *data =
        &result.result_signed.euicc_package_result_data_signed;
    test_check_euicc_signature(&t, data->raw, 0, result.result_signed.euicc_sign_epr);
    assert_int_equal(data->euicc_result_count, 1);
    sgp32_euicc_result_data out = data->euicc_result[0];
    assert_true(out.kind != SGP32_EUICC_RESULT_LIST_PROFILE_INFO); /* no slices kept */
    free(r);
    return out;
}

/* configureImmediateEnable; returns its result. */
static int64_t configure(bool flag, aw_slice oid, const char *address)
{
    sgp32_psmo psmo;
    memset(&psmo, 0, sizeof(psmo));
    psmo.kind = SGP32_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
    psmo.configure_immediate_enable.immediate_enable_flag = flag;
    psmo.configure_immediate_enable.has_default_smdp_oid = oid.len > 0;
    psmo.configure_immediate_enable.default_smdp_oid = oid;
    psmo.configure_immediate_enable.has_default_smdp_address = address != NULL;
    if (address != NULL)
        psmo.configure_immediate_enable.default_smdp_address =
            (aw_slice){(const uint8_t *)address, strlen(address)};
    sgp32_euicc_result_data r = run_psmo(&psmo);
    assert_int_equal(r.kind, SGP32_EUICC_RESULT_CONFIGURE_IMMEDIATE_ENABLE);
    return r.configure_immediate_enable_result;
}

/* enable PSMO, with or without rollbackFlag; returns its result. */
static int64_t enable(const char *iccid, bool rollback)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    sgp32_psmo psmo;
    memset(&psmo, 0, sizeof(psmo));
    psmo.kind = SGP32_PSMO_ENABLE;
    psmo.enable.iccid = (aw_slice){bytes, EUICC_ICCID_SIZE};
    psmo.enable.rollback_flag = rollback;
    sgp32_euicc_result_data r = run_psmo(&psmo);
    assert_int_equal(r.kind, SGP32_EUICC_RESULT_ENABLE);
    return r.enable_result;
}

static size_t count_notifications(const char *iccid, uint32_t event)
{
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(iccid, bytes);
    size_t n = 0;
    for (size_t i = 0; i < t.card->state->notification_count; i++) {
        const euicc_notification *nt = &t.card->state->notifications[i];
        n += nt->event == event && nt->has_iccid &&
             memcmp(nt->iccid, bytes, EUICC_ICCID_SIZE) == 0;
    }
    return n;
}

/* One SEQUENCE tagged tag holding only [0] INTEGER: its value. */
static int64_t single_result(uint32_t tag, const uint8_t *response, size_t n)
{
    der_node top, code;
    der_reader r;
    int64_t value = -1;
    assert_int_equal(der_decode_single(response, n, &top), AW_OK);
    assert_int_equal(top.tag, tag);
    der_reader_init(&r, top.value.ptr, top.value.len);
    assert_int_equal(der_read_expect(&r, DER_CTX(0), &code), AW_OK);
    assert_int_equal(der_node_get_int64(&code, &value), AW_OK);
    assert_int_equal(der_reader_finish(&r), AW_OK);
    return value;
}

/* ES10b.ImmediateEnable: ImmediateEnableRequest BF5A { refreshFlag 80 };
 * returns immediateEnableResult. */
static int64_t immediate_enable(bool refresh)
{
    const uint8_t command[] = {0xBF, 0x5A, 0x03, 0x80, 0x01, refresh ? 0xFF : 0x00};
    uint8_t *r = NULL;
    size_t n = 0;
    assert_int_equal(te_es10(&t, command, sizeof(command), &r, &n), 0x9000);
    int64_t value = single_result(SGP32_TAG_IMMEDIATE_ENABLE, r, n);
    free(r);
    return value;
}

/* ES10b.ConfigureImmediateProfileEnabling: BF59 around content; returns
 * configImmediateEnableResult. */
static int64_t configure_local(const uint8_t *content, size_t content_len)
{
    uint8_t *command = NULL, *r = NULL;
    size_t len = 0, n = 0;
    der_builder b;
    der_builder_init(&b);
    der_put_tlv(&b, SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING, content, content_len);
    assert_int_equal(der_builder_finish(&b, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    int64_t value = single_result(SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING, r, n);
    free(r);
    return value;
}

/* ---- configureImmediateEnable ------------------------------------------ */

static void test_configure_immediate_enable(void **state)
{
    (void)state;
    const euicc_immediate_enable *ie = &t.card->state->immediate_enable;
    assert_false(ie->configured);
    assert_int_equal(configure(true, (aw_slice){test_oid, sizeof(test_oid)}, "smdp.example.com"),
                     SGP32_RESULT_OK);
    reopen();
    ie = &t.card->state->immediate_enable;
    assert_true(ie->configured);
    assert_true(ie->flag);
    assert_int_equal(ie->default_smdp_oid_len, sizeof(test_oid));
    assert_memory_equal(ie->default_smdp_oid, test_oid, sizeof(test_oid));
    assert_true(ie->has_default_smdp_address);
    assert_string_equal(ie->default_smdp_address, "smdp.example.com");

    /* an OID longer than the eUICC holds: commandError(7), nothing changes */
    uint8_t long_oid[EUICC_OID_MAX + 1];
    memset(long_oid, 0x81, sizeof(long_oid));
    long_oid[sizeof(long_oid) - 1] = 0x01;
    assert_int_equal(configure(false, (aw_slice){long_oid, sizeof(long_oid)}, NULL),
                     SGP32_RESULT_COMMAND_ERROR);
    /* so does an address longer than an FQDN can be */
    char long_address[EUICC_ADDRESS_MAX + 2];
    memset(long_address, 'a', sizeof(long_address) - 1);
    long_address[sizeof(long_address) - 1] = '\0';
    assert_int_equal(configure(false, (aw_slice){NULL, 0}, long_address),
                     SGP32_RESULT_COMMAND_ERROR);
    reopen();
    ie = &t.card->state->immediate_enable;
    assert_true(ie->flag);
    assert_int_equal(ie->default_smdp_oid_len, sizeof(test_oid));

    /* the next configuration replaces it whole: flag off, no OID */
    assert_int_equal(configure(false, (aw_slice){NULL, 0}, "other.example.com"),
                     SGP32_RESULT_OK);
    reopen();
    ie = &t.card->state->immediate_enable;
    assert_true(ie->configured);
    assert_false(ie->flag);
    assert_int_equal(ie->default_smdp_oid_len, 0);
    assert_string_equal(ie->default_smdp_address, "other.example.com");
}

/* ---- ES10b.ImmediateEnable after an install --------------------------- */

static void test_immediate_enable_install(void **state)
{
    (void)state;
    uint8_t aid[16];
    /* not configured: installed disabled, and BF5A is not available */
    te_install(&t, &p1, aid);
    assert_int_equal(profile_state(ICCID1), 0);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID1), 0);
    assert_int_equal(enable(ICCID1, false), SGP32_RESULT_OK);

    /* configured for this SM-DP+ (OID and address, the address in another
     * case): the next install stays disabled until the IPA asks; then it
     * is enabled, p1 disabled, both notified */
    assert_int_equal(configure(true, (aw_slice){test_oid, sizeof(test_oid)}, "SMDP.Example.com"),
                     SGP32_RESULT_OK);
    reopen();
    te_install(&t, &p2, aid);
    assert_int_equal(profile_state(ICCID2), 0);
    assert_int_equal(profile_state(ICCID1), 1);
    assert_int_equal(count_notifications(ICCID2, SGP22_NOTIFICATION_ENABLE), 0);
    assert_int_equal(immediate_enable(true), 0);
    assert_int_equal(profile_state(ICCID2), 1);
    assert_int_equal(profile_state(ICCID1), 0);
    assert_int_equal(count_notifications(ICCID2, SGP22_NOTIFICATION_ENABLE), 1);
    assert_int_equal(count_notifications(ICCID1, SGP22_NOTIFICATION_DISABLE), 1);
    /* one enabling per installation */
    assert_int_equal(immediate_enable(false), 4);
    reopen();
    assert_int_equal(profile_state(ICCID2), 1);

    /* another SM-DP+ OID: installed, not available, not enabled */
    static const uint8_t other_oid[] = {0x88, 0x37, 0x0B};
    assert_int_equal(configure(true, (aw_slice){other_oid, sizeof(other_oid)}, NULL),
                     SGP32_RESULT_OK);
    te_install(&t, &p3, aid);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID3), 0);
    assert_int_equal(profile_state(ICCID2), 1);
    /* another SM-DP+ address (OID matching) is not available either */
    assert_int_equal(configure(true, (aw_slice){test_oid, sizeof(test_oid)}, "other.example.com"),
                     SGP32_RESULT_OK);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID3), 0);
    /* a refusal leaves the installation's enabling for when it matches */
    assert_int_equal(configure(true, (aw_slice){test_oid, sizeof(test_oid)}, NULL),
                     SGP32_RESULT_OK);
    assert_int_equal(immediate_enable(false), 0);
    assert_int_equal(profile_state(ICCID3), 1);
    assert_int_equal(profile_state(ICCID2), 0);
}

static void test_immediate_enable_flag_off(void **state)
{
    (void)state;
    uint8_t aid[16];
    /* the matching SM-DP+ but no immediateEnableFlag: immediateEnableNotAvailable */
    assert_int_equal(configure(false, (aw_slice){test_oid, sizeof(test_oid)}, NULL),
                     SGP32_RESULT_OK);
    te_install(&t, &p1, aid);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID1), 0);
    /* flag with neither OID nor address: the ES10a default SM-DP+ decides */
    assert_int_equal(configure(true, (aw_slice){NULL, 0}, NULL), SGP32_RESULT_OK);
    te_install(&t, &p2, aid);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID2), 0);
    t.card->state->has_default_dp_address = true;
    strcpy(t.card->state->default_dp_address, "smdp.example.com");
    assert_int_equal(euicc_state_commit(t.card->state), AW_OK);
    te_install(&t, &p3, aid);
    assert_int_equal(profile_state(ICCID3), 0);
    assert_int_equal(immediate_enable(false), 0);
    assert_int_equal(profile_state(ICCID3), 1);
}

/* noSessionContext(4) without a profile the last session installed, and
 * undefinedError(127) when that profile was enabled meanwhile. */
static void test_immediate_enable_no_session(void **state)
{
    (void)state;
    uint8_t aid[16];
    size_t n = 0;
    assert_int_equal(configure(true, (aw_slice){test_oid, sizeof(test_oid)}, NULL),
                     SGP32_RESULT_OK);
    assert_int_equal(immediate_enable(false), 4);
    /* the card restarted after the installation */
    te_install(&t, &p1, aid);
    reopen();
    assert_int_equal(immediate_enable(false), 4);
    assert_int_equal(profile_state(ICCID1), 0);
    /* a new download session began (GetEUICCChallenge) */
    te_install(&t, &p2, aid);
    free(te_call(&t, "BF2E00", &n));
    assert_int_equal(n, 21);
    assert_int_equal(immediate_enable(false), 4);
    assert_int_equal(profile_state(ICCID2), 0);
    /* the profile was enabled by other means first */
    te_install(&t, &p3, aid);
    assert_int_equal(enable(ICCID3, false), SGP32_RESULT_OK);
    assert_int_equal(immediate_enable(false), 127);
    assert_int_equal(profile_state(ICCID3), 1);
    /* or deleted */
    assert_int_equal(enable(ICCID1, false), SGP32_RESULT_OK);
    sgp32_psmo psmo;
    uint8_t bytes[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID3, bytes);
    memset(&psmo, 0, sizeof(psmo));
    psmo.kind = SGP32_PSMO_DELETE;
    psmo.delete_profile.iccid = (aw_slice){bytes, EUICC_ICCID_SIZE};
    assert_int_equal(run_psmo(&psmo).delete_result, SGP32_RESULT_OK);
    assert_int_equal(immediate_enable(false), 4);
    assert_int_equal(profile_state(ICCID1), 1);
    /* the last session's installation failed (its PIR recorded) */
    te_install(&t, &p3, aid);
    euicc_download_host *host = &t.card->host;
    int64_t sequence_number = -1;
    size_t pir_len = 0;
    assert_int_equal(host->next_sequence_number(host->ctx, &sequence_number), AW_OK);
    uint8_t *pir = test_pir(&t, sequence_number, bytes, aid, sizeof(aid), &pir_len);
    assert_int_equal(
        host->record_failed_installation(host->ctx, (aw_slice){pir, pir_len}, sequence_number),
        AW_OK);
    free(pir);
    assert_int_equal(immediate_enable(false), 4);
    assert_int_equal(profile_state(ICCID3), 0);

    /* not an ImmediateEnableRequest: 6A80 */
    static const uint8_t empty[] = {0xBF, 0x5A, 0x00};
    static const uint8_t not_boolean[] = {0xBF, 0x5A, 0x03, 0x80, 0x01, 0x01};
    static const uint8_t trailing[] = {0xBF, 0x5A, 0x05, 0x80, 0x01, 0x00, 0x81, 0x00};
    uint8_t *r = NULL;
    assert_int_equal(te_es10(&t, empty, sizeof(empty), &r, &n), 0x6A80);
    free(r);
    assert_int_equal(te_es10(&t, not_boolean, sizeof(not_boolean), &r, &n), 0x6A80);
    free(r);
    assert_int_equal(te_es10(&t, trailing, sizeof(trailing), &r, &n), 0x6A80);
    free(r);
}

/* ---- ES10b.ConfigureImmediateProfileEnabling ----------------------------- */

static void test_configure_local(void **state)
{
    (void)state;
    uint8_t aid[16];
    size_t n = 0;
    /* {80 00, 81 03 OID, 82 10 "smdp.example.com"} */
    static const uint8_t full[] = {0x80, 0x00, 0x81, 0x03, 0x88, 0x37, 0x0A, 0x82, 0x10,
                                   's',  'm',  'd',  'p',  '.',  'e',  'x',  'a',  'm',
                                   'p',  'l',  'e',  '.',  'c',  'o',  'm'};
    assert_int_equal(configure_local(full, sizeof(full)), 0);
    reopen();
    const euicc_immediate_enable *ie = &t.card->state->immediate_enable;
    assert_true(ie->configured);
    assert_true(ie->flag);
    assert_int_equal(ie->default_smdp_oid_len, sizeof(test_oid));
    assert_memory_equal(ie->default_smdp_oid, test_oid, sizeof(test_oid));
    assert_string_equal(ie->default_smdp_address, "smdp.example.com");
    te_install(&t, &p1, aid);
    assert_int_equal(immediate_enable(false), 0);
    assert_int_equal(profile_state(ICCID1), 1);

    /* an OID longer than the eUICC holds: undefinedError, nothing changes */
    uint8_t long_oid[2 + EUICC_OID_MAX + 1];
    long_oid[0] = 0x81;
    long_oid[1] = EUICC_OID_MAX + 1;
    memset(long_oid + 2, 0x81, EUICC_OID_MAX);
    long_oid[sizeof(long_oid) - 1] = 0x01;
    assert_int_equal(configure_local(long_oid, sizeof(long_oid)), 127);
    assert_true(t.card->state->immediate_enable.flag);

    /* nothing: immediate enabling off */
    assert_int_equal(configure_local(NULL, 0), 0);
    reopen();
    assert_false(t.card->state->immediate_enable.flag);
    te_install(&t, &p2, aid);
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(ICCID2), 0);

    /* malformed: a NULL with content, an address that is no UTF-8 */
    static const uint8_t bad_null[] = {0xBF, 0x59, 0x03, 0x80, 0x01, 0x00};
    static const uint8_t bad_utf8[] = {0xBF, 0x59, 0x03, 0x82, 0x01, 0xFF};
    uint8_t *r = NULL;
    assert_int_equal(te_es10(&t, bad_null, sizeof(bad_null), &r, &n), 0x6A80);
    free(r);
    assert_int_equal(te_es10(&t, bad_utf8, sizeof(bad_utf8), &r, &n), 0x6A80);
    free(r);

    /* with an Associated eIM the eIM configures it: associatedEimAlreadyExists */
    configure_eim1();
    assert_int_equal(configure_local(full, sizeof(full)), 2);
    assert_false(t.card->state->immediate_enable.flag);
}

/* A download session over APDUs with the simulated SM-DP+. */
static void download(void)
{
    size_t n, len;
    uint8_t *command = NULL, *r = te_call(&t, "BF2E00", &n);
    assert_int_equal(n, 21);
    assert_int_equal(
        sim_authenticate_server_request(&s, r + 5, &(sim_auth_options){0}, &command, &len),
        AW_OK);
    free(r);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    assert_int_equal(sim_take_authenticate_response(&s, r, n), AW_OK);
    free(r);
    assert_int_equal(sim_prepare_download_request(&s, &(sim_prepare_options){0}, &command, &len),
                     AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    free(command);
    assert_int_equal(sim_take_prepare_response(&s, r, n), AW_OK);
    free(r);
    uint8_t *bpp = NULL, *pir = NULL;
    size_t bpp_len = 0;
    sim_segments *segments = calloc(1, sizeof(*segments));
    assert_non_null(segments);
    assert_int_equal(sim_bound_profile_package(&s, &(sim_bpp_options){0}, &bpp, &bpp_len), AW_OK);
    assert_int_equal(sim_split(bpp, bpp_len, segments), AW_OK);
    for (size_t i = 0; i < segments->count && pir == NULL; i++)
        assert_int_equal(te_es10(&t, segments->segment[i].ptr, segments->segment[i].len, &pir, &n),
                         0x9000);
    assert_non_null(pir);
    sgp22_profile_installation_result decoded;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, n, &decoded), AW_OK);
    assert_int_equal(decoded.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    free(pir);
    der_bytes_free(bpp, bpp_len);
    free(segments);
}

static void test_immediate_enable_download(void **state)
{
    (void)state;
    /* defaultSmdpOid: the SM-DP+ OID of CERT.DPpb (subjectAltName) */
    char text[128];
    assert_int_equal(pki_certificate_get_registered_id(s.pki.cert[AW_PKI_ROLE_DP_PB], text,
                                                       sizeof(text)),
                     AW_OK);
    ASN1_OBJECT *oid = OBJ_txt2obj(text, 1);
    assert_non_null(oid);
    aw_slice oid_bytes = {OBJ_get0_data(oid), (size_t)OBJ_length(oid)};
    assert_int_equal(configure(true, oid_bytes, SIM_SERVER_ADDRESS), SGP32_RESULT_OK);
    ASN1_OBJECT_free(oid);
    reopen();
    download();
    assert_int_equal(profile_state(SIM_ICCID), 0);
    assert_int_equal(immediate_enable(true), 0);
    assert_int_equal(profile_state(SIM_ICCID), 1);
    reopen();
    assert_int_equal(profile_state(SIM_ICCID), 1);
}

static void test_download_other_smdp(void **state)
{
    (void)state;
    /* configured for another SM-DP+ address: installed, not available */
    assert_int_equal(configure(true, (aw_slice){NULL, 0}, "elsewhere.example.com"),
                     SGP32_RESULT_OK);
    download();
    assert_int_equal(immediate_enable(false), 1);
    assert_int_equal(profile_state(SIM_ICCID), 0);
}

/* ---- rollback ------------------------------------------------------------ */

/* ES10b.ProfileRollback; returns cmdResult, *package the signed result's
 * data when present (decoded from *buffer, which the caller frees). */
static int64_t rollback(uint8_t **buffer, sgp32_euicc_package_result *package, bool *present)
{
    static const uint8_t command[] = {0xBF, 0x58, 0x03, 0x80, 0x01, 0x00};
    size_t n = 0;
    der_node top, code, item;
    der_reader r;
    int64_t value = -1;
    *buffer = NULL;
    assert_int_equal(te_es10(&t, command, sizeof(command), buffer, &n), 0x9000);
    assert_int_equal(der_decode_single(*buffer, n, &top), AW_OK);
    assert_int_equal(top.tag, SGP32_TAG_PROFILE_ROLLBACK);
    der_reader_init(&r, top.value.ptr, top.value.len);
    assert_int_equal(der_read_expect(&r, DER_CTX(0), &code), AW_OK);
    assert_int_equal(der_node_get_int64(&code, &value), AW_OK);
    *present = !der_reader_at_end(&r);
    if (*present) {
        assert_int_equal(der_read_expect(&r, SGP32_TAG_EUICC_PACKAGE, &item), AW_OK);
        assert_int_equal(sgp32_decode_euicc_package_result(item.raw.ptr, item.raw.len, package),
                         AW_OK);
    }
    assert_true(der_reader_at_end(&r));
    return value;
}

static void test_rollback(void **state)
{
    (void)state;
    uint8_t aid[16], *buffer = NULL;
    sgp32_euicc_package_result result;
    bool present;
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    /* nothing to roll back yet */
    assert_int_equal(rollback(&buffer, &result, &present), 1);
    assert_false(present);
    free(buffer);

    assert_int_equal(enable(ICCID1, false), SGP32_RESULT_OK);
    assert_int_equal(rollback(&buffer, &result, &present), 1); /* no rollbackFlag */
    free(buffer);
    assert_int_equal(enable(ICCID2, true), SGP32_RESULT_OK);
    int64_t granting_counter = counter;
    assert_int_equal(profile_state(ICCID2), 1);
    reopen(); /* the rollback survives a restart */
    assert_true(t.card->state->rollback.pending);
    size_t enables = count_notifications(ICCID1, SGP22_NOTIFICATION_ENABLE);
    assert_int_equal(rollback(&buffer, &result, &present), 0);
    assert_int_equal(profile_state(ICCID1), 1);
    assert_int_equal(profile_state(ICCID2), 0);
    assert_int_equal(count_notifications(ICCID1, SGP22_NOTIFICATION_ENABLE), enables + 1);
    /* the signed result reports rollbackResult ok under the granting package */
    assert_true(present);
    assert_int_equal(result.kind, SGP32_EUICC_PACKAGE_RESULT_SIGNED);
    const sgp32_euicc_package_result_data_signed *data =
        &result.result_signed.euicc_package_result_data_signed;
    test_check_euicc_signature(&t, data->raw, 0, result.result_signed.euicc_sign_epr);
    assert_int_equal(data->counter_value, granting_counter);
    assert_int_equal(data->eim_id.len, strlen(eim1.eim_id));
    assert_memory_equal(data->eim_id.ptr, eim1.eim_id, data->eim_id.len);
    assert_int_equal(data->euicc_result_count, 1);
    assert_int_equal(data->euicc_result[0].kind, SGP32_EUICC_RESULT_ROLLBACK);
    assert_int_equal(data->euicc_result[0].rollback_result, 0);
    /* kept for the eIM like any package result */
    assert_true(euicc_state_find_package_result(t.card->state, data->seq_number) >= 0);
    free(buffer);
    /* spent: a second rollback is not allowed, also after a restart */
    assert_int_equal(rollback(&buffer, &result, &present), 1);
    free(buffer);
    reopen();
    assert_int_equal(rollback(&buffer, &result, &present), 1);
    free(buffer);
    assert_int_equal(profile_state(ICCID1), 1);
}

static void test_rollback_window(void **state)
{
    (void)state;
    uint8_t aid[16], *buffer = NULL;
    sgp32_euicc_package_result result;
    bool present;
    te_install(&t, &p1, aid);
    /* from no enabled profile: rolling back disables it again */
    assert_int_equal(enable(ICCID1, true), SGP32_RESULT_OK);
    assert_int_equal(rollback(&buffer, &result, &present), 0);
    assert_true(present);
    free(buffer);
    assert_int_equal(profile_state(ICCID1), 0);

    /* the next package ends the window */
    assert_int_equal(enable(ICCID1, true), SGP32_RESULT_OK);
    assert_true(t.card->state->rollback.pending);
    assert_int_equal(configure(false, (aw_slice){NULL, 0}, NULL), SGP32_RESULT_OK);
    assert_false(t.card->state->rollback.pending);
    assert_int_equal(rollback(&buffer, &result, &present), 1);
    assert_false(present);
    free(buffer);
    assert_int_equal(profile_state(ICCID1), 1);

    /* a failed enable grants no rollback */
    assert_int_equal(enable(ICCID1, true), SGP32_RESULT_PROFILE_NOT_IN_DISABLED_STATE);
    assert_false(t.card->state->rollback.pending);

    /* a malformed request (no refreshFlag) is refused: 6A80 */
    assert_int_equal(te_status(&t, "BF5800"), 0x6A80);
}

/* The previous profile deleted through ES10c within the window: the
 * rollback cannot happen, undefinedError(127), and stays pending. */
static void test_rollback_previous_deleted(void **state)
{
    (void)state;
    uint8_t aid[16], *buffer = NULL;
    sgp32_euicc_package_result result;
    bool present;
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    assert_int_equal(enable(ICCID1, false), SGP32_RESULT_OK);
    assert_int_equal(enable(ICCID2, true), SGP32_RESULT_OK);
    /* DeleteProfileRequest BF33 { iccid 5A } for p1 (disabled now) */
    uint8_t bytes[EUICC_ICCID_SIZE], command[15] = {0xBF, 0x33, 0x0C, 0x5A, 0x0A};
    test_iccid_bytes(ICCID1, bytes);
    memcpy(command + 5, bytes, sizeof(bytes));
    size_t n = 0;
    assert_int_equal(te_es10(&t, command, sizeof(command), &buffer, &n), 0x9000);
    free(buffer);
    assert_int_equal(profile_state(ICCID1), -1);
    assert_int_equal(rollback(&buffer, &result, &present), 127);
    assert_false(present);
    free(buffer);
    assert_int_equal(profile_state(ICCID2), 1);
    assert_true(t.card->state->rollback.pending);
}

/* The new state components round-trip, and a damaged one is refused. */
static void test_state_components(void **state)
{
    (void)state;
    euicc_state *st = t.card->state;
    uint8_t *file = NULL;
    size_t len = 0;
    st->immediate_enable = (euicc_immediate_enable){.configured = true,
                                                    .flag = true,
                                                    .default_smdp_oid_len = 3,
                                                    .default_smdp_oid = {0x88, 0x37, 0x0A},
                                                    .has_default_smdp_address = true,
                                                    .default_smdp_address = "smdp.example.com"};
    st->rollback = (euicc_rollback){.pending = true, .eim_id = "eim1.example.com",
                                    .counter_value = 42};
    assert_int_equal(euicc_state_encode(st, &file, &len), AW_OK);
    assert_int_equal(euicc_state_decode(st, file, len), AW_OK);
    free(file);
    assert_true(st->immediate_enable.flag);
    assert_string_equal(st->immediate_enable.default_smdp_address, "smdp.example.com");
    assert_true(st->rollback.pending);
    assert_false(st->rollback.has_previous_iccid);
    assert_int_equal(st->rollback.counter_value, 42);
    /* an empty eimId is no eimId (SIZE(1..128)) */
    st->rollback.eim_id[0] = '\0';
    assert_int_equal(euicc_state_encode(st, &file, &len), AW_OK);
    assert_int_equal(euicc_state_decode(st, file, len), AW_ERR_EUICC_STATE_CORRUPT);
    free(file);
    assert_int_equal(euicc_state_reload(st), AW_OK);
    assert_false(st->rollback.pending); /* what is on disk */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_configure_immediate_enable, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_configure_immediate_enable, setup_brainpool,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_install, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_install, setup_brainpool,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_flag_off, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_no_session, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_no_session, setup_brainpool,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_configure_local, setup_no_eim, teardown),
        cmocka_unit_test_setup_teardown(test_immediate_enable_download, setup_download,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_download_other_smdp, setup_download, teardown),
        cmocka_unit_test_setup_teardown(test_rollback, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_rollback, setup_brainpool, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_window, setup_nist, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_previous_deleted, setup_brainpool,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_state_components, setup_nist, teardown),
    };
    return cmocka_run_group_tests_name("euicc_sgp32_enable", tests, NULL, NULL);
}
