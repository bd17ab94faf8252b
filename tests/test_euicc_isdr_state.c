/* Tests of the ISD-R's persistent state (state.c, state_codec.c) and of
 * the host callbacks the download engine installs through (isdr.c): the
 * state survives a restart, the subscriber secrets are never on disk in
 * clear, a changed, truncated, foreign-key or unknown-version file is
 * refused, a failed commit rolls back, and dump shows no secret. */
#include "euicc_isdr_testutil.h"

#include <sys/stat.h>

#include "core/file.h"

#define ICCID1 "8944500000000000014"
#define ICCID2 "8944500000000000022"

static test_euicc t;
static const test_profile p1 = {ICCID1, "001010000000001", SGP22_PROFILE_CLASS_OPERATIONAL,
                                SGP22_NOTIFICATION_ENABLE, 0};
static const test_profile p2 = {ICCID2, "001010000000002", SGP22_PROFILE_CLASS_OPERATIONAL, 0, 0};

static int setup(void **state)
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

static char *state_file(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", t.state, name);
    return buf;
}

static aw_err try_open(void)
{
    euicc_identity_paths paths = {.directory = t.pki};
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    euicc *card = NULL;
    aw_err err = euicc_open(&paths, t.state, &options, time(NULL), &card);
    assert_true((err == AW_OK) == (card != NULL));
    euicc_close(card);
    return err;
}

static bool contains(const uint8_t *data, size_t len, const uint8_t *needle, size_t needle_len)
{
    return memmem(data, len, needle, needle_len) != NULL;
}

static void test_persistence_and_secrets(void **state)
{
    (void)state;
    uint8_t aid[16];
    size_t aid_len = te_install(&t, &p1, aid);
    t.card->state->profiles[0].has_nickname = true;
    snprintf(t.card->state->profiles[0].nickname, 16, "car 7");
    assert_int_equal(euicc_state_commit(t.card->state), AW_OK);
    int64_t next = t.card->state->next_sequence_number;
    te_close(&t);

    char path[512];
    uint8_t *file = NULL;
    size_t file_len = 0, n;
    assert_int_equal(aw_file_read(state_file(path, sizeof(path), "state.der"), 1u << 24, &file,
                                  &file_len),
                     AW_OK);
    uint8_t *ki = test_hex(TEST_KI, &n), *opc = test_hex(TEST_OPC, &n);
    assert_false(contains(file, file_len, ki, 16));
    assert_false(contains(file, file_len, opc, 16));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(state_file(path, sizeof(path), "storage.key"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, EUICC_STORAGE_KEY_SIZE);

    te_open(&t);
    euicc_state *s = t.card->state;
    assert_int_equal(s->profile_count, 1);
    assert_memory_equal(s->profiles[0].isdp_aid, aid, aid_len);
    assert_string_equal(s->profiles[0].nickname, "car 7");
    assert_int_equal(s->notification_count, 1);
    assert_int_equal(s->next_sequence_number, next);
    /* the package comes back whole, Ki included */
    uint8_t *package = NULL;
    size_t package_len = 0;
    assert_int_equal(euicc_state_open_package(s, &s->profiles[0], &package, &package_len),
                     AW_OK);
    assert_true(contains(package, package_len, ki, 16));
    der_bytes_free(package, package_len);
    /* a sealed package bound to another profile does not open */
    s->profiles[0].iccid[0] ^= 1;
    assert_int_equal(euicc_state_open_package(s, &s->profiles[0], &package, &package_len),
                     AW_ERR_EUICC_STATE_CORRUPT);
    s->profiles[0].iccid[0] ^= 1;

    /* dump: IMSI and ICCID, never Ki or OPc */
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    assert_non_null(out);
    assert_int_equal(euicc_dump(t.card, out), AW_OK);
    fclose(out);
    assert_non_null(strstr(text, "imsi 001010000000001"));
    assert_non_null(strstr(text, "iccid " ICCID1));
    assert_non_null(strstr(text, "EID: " AW_PKI_DEFAULT_EID));
    assert_null(strstr(text, TEST_KI));
    assert_null(strstr(text, "000102030405060708090a0b0c0d0e0f"));
    free(text);
    out = open_memstream(&text, &text_len);
    assert_int_equal(euicc_dump_state(t.state, out), AW_OK);
    fclose(out);
    assert_non_null(strstr(text, "seq "));
    free(text);
    assert_int_equal(euicc_dump_state("/nonexistent/state", stdout), AW_ERR_NOT_FOUND);
    /* an empty directory has no state, and dump does not make one */
    char empty[512], key[600];
    snprintf(empty, sizeof(empty), "%s/empty", t.dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    assert_int_equal(euicc_dump_state(empty, stdout), AW_ERR_NOT_FOUND);
    snprintf(key, sizeof(key), "%s/storage.key", empty);
    assert_int_not_equal(access(key, F_OK), 0);
    assert_int_equal(rmdir(empty), 0);
    free(ki);
    free(opc);
    free(file);
}

static void rewrite(const char *name, const uint8_t *data, size_t len, mode_t mode)
{
    char path[512];
    assert_int_equal(aw_file_write_atomic(state_file(path, sizeof(path), name), data, len, mode),
                     AW_OK);
}

static void test_corrupted_state_refused(void **state)
{
    (void)state;
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    te_close(&t);
    char path[512];
    uint8_t *good = NULL;
    size_t len = 0;
    assert_int_equal(aw_file_read(state_file(path, sizeof(path), "state.der"), 1u << 24, &good,
                                  &len),
                     AW_OK);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    /* any changed byte: the HMAC or the DER rules refuse it */
    for (size_t i = 0; i < len; i += len / 97 + 1) {
        memcpy(bad, good, len);
        bad[i] ^= 0x01;
        rewrite("state.der", bad, len, 0600);
        aw_err err = try_open();
        assert_true(err == AW_ERR_EUICC_STATE_CORRUPT || err == AW_ERR_EUICC_STATE_VERSION ||
                    err == AW_ERR_EUICC_STORAGE_KEY);
    }
    rewrite("state.der", good, len / 2, 0600);
    assert_int_equal(try_open(), AW_ERR_EUICC_STATE_CORRUPT);
    rewrite("state.der", (const uint8_t *)"\x30\x00", 2, 0600);
    assert_int_equal(try_open(), AW_ERR_EUICC_STATE_CORRUPT);
    /* formatVersion 2: 30 8x.. 02 01 01 */
    memcpy(bad, good, len);
    size_t header = 2 + ((good[1] & 0x80) ? (good[1] & 0x7F) : 0);
    assert_memory_equal(bad + header, "\x02\x01\x01", 3);
    bad[header + 2] = 2;
    rewrite("state.der", bad, len, 0600);
    assert_int_equal(try_open(), AW_ERR_EUICC_STATE_VERSION);
    rewrite("state.der", good, len, 0600);
    assert_int_equal(try_open(), AW_OK);

    /* the storage key: private, 32 bytes, present, the one the file was made with */
    uint8_t key[EUICC_STORAGE_KEY_SIZE];
    assert_int_equal(chmod(state_file(path, sizeof(path), "storage.key"), 0644), 0);
    assert_int_equal(try_open(), AW_ERR_EUICC_STORAGE_KEY);
    assert_int_equal(chmod(path, 0600), 0);
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    assert_int_equal(aw_file_read(path, 64, &saved, &saved_len), AW_OK);
    rewrite("storage.key", saved, 31, 0600);
    assert_int_equal(try_open(), AW_ERR_EUICC_STORAGE_KEY);
    assert_int_equal(crypto_random_bytes(key, sizeof(key)), AW_OK);
    rewrite("storage.key", key, sizeof(key), 0600);
    assert_int_equal(try_open(), AW_ERR_EUICC_STORAGE_KEY);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(try_open(), AW_ERR_EUICC_STORAGE_KEY);
    rewrite("storage.key", saved, saved_len, 0600);
    assert_int_equal(try_open(), AW_OK);
    free(saved);
    free(bad);
    free(good);
    te_open(&t);
}

/* A well-formed, correctly MACed file that breaks an ISD-R invariant. */
static void test_invariants_checked(void **state)
{
    (void)state;
    uint8_t aid[16], *file = NULL;
    size_t file_len = 0;
    te_install(&t, &p1, aid);
    te_install(&t, &p2, aid);
    euicc_state *s = t.card->state;
    s->profiles[0].enabled = true;
    s->profiles[1].enabled = true;
    assert_int_equal(euicc_state_encode(s, &file, &file_len), AW_OK);
    assert_int_equal(euicc_state_decode(s, file, file_len), AW_ERR_EUICC_STATE_CORRUPT);
    assert_int_equal(s->profile_count, 0);
    free(file);
    assert_int_equal(euicc_state_reload(s), AW_OK);
    assert_int_equal(s->profile_count, 2);
    memcpy(s->profiles[1].iccid, s->profiles[0].iccid, EUICC_ICCID_SIZE);
    assert_int_equal(euicc_state_encode(s, &file, &file_len), AW_OK);
    assert_int_equal(euicc_state_decode(s, file, file_len), AW_ERR_EUICC_STATE_CORRUPT);
    free(file);
    assert_int_equal(euicc_state_reload(s), AW_OK);
    s->notifications[0].seq_number = s->next_sequence_number;
    assert_int_equal(euicc_state_encode(s, &file, &file_len), AW_OK);
    assert_int_equal(euicc_state_decode(s, file, file_len), AW_ERR_EUICC_STATE_CORRUPT);
    free(file);
    assert_int_equal(euicc_state_reload(s), AW_OK);
}

/* A state file that cannot be replaced: the operation reports
 * undefinedError and memory rolls back to the file. */
static void test_commit_failure_rolls_back(void **state)
{
    (void)state;
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    char path[512], moved[600];
    state_file(path, sizeof(path), "state.der");
    snprintf(moved, sizeof(moved), "%s.kept", path);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(mkdir(path, 0700), 0); /* rename() over a directory fails */
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(ICCID1, iccid);
    sgp22_set_nickname_request request = {.iccid = {iccid, EUICC_ICCID_SIZE},
                                          .profile_nickname = {(const uint8_t *)"x", 1}};
    uint8_t *command = NULL, *r = NULL;
    size_t len, n;
    assert_int_equal(sgp22_encode_set_nickname_request(&request, &command, &len), AW_OK);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    test_assert_hex(r, n, "BF2903" "80017F"); /* undefinedError */
    free(r);
    r = te_call(&t, "BF2D00", &n);
    test_assert_hex(r, n, "BF2D02A000"); /* rolled back to an unreadable file: nothing */
    free(r);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(rename(moved, path), 0);
    assert_int_equal(euicc_state_reload(t.card->state), AW_OK);
    assert_int_equal(t.card->state->profile_count, 1);
    assert_int_equal(te_es10(&t, command, len, &r, &n), 0x9000);
    test_assert_hex(r, n, "BF2903" "800100");
    free(r);
    free(command);
}

/* The host callbacks refuse what cannot be committed. */
static void test_host_callbacks(void **state)
{
    (void)state;
    uint8_t aid[16];
    te_install(&t, &p1, aid);
    euicc_download_host *host = &t.card->host;
    size_t metadata_len, pir_len, aid_len;
    uint8_t *metadata = test_store_metadata(&p1, &metadata_len);
    euicc_installed_profile again;
    memset(&again, 0, sizeof(again));
    test_iccid_bytes(ICCID1, again.iccid);
    assert_int_equal(host->allocate_isdp_aid(host->ctx, again.isdp_aid, &aid_len), AW_OK);
    assert_memory_not_equal(again.isdp_aid, aid, 16);
    again.isdp_aid_len = aid_len;
    int64_t seq = 0;
    assert_int_equal(host->next_sequence_number(host->ctx, &seq), AW_OK);
    again.sequence_number = seq;
    uint8_t *pir = test_pir(&t, seq, again.iccid, again.isdp_aid, aid_len, &pir_len);
    again.store_metadata = (aw_slice){metadata, metadata_len};
    again.profile_package = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    again.installation_result = (aw_slice){pir, pir_len};
    assert_int_equal(host->commit_profile(host->ctx, &again), AW_ERR_STATE); /* same ICCID */
    test_iccid_bytes(ICCID2, again.iccid);
    /* StoreMetadata naming another ICCID */
    assert_int_equal(host->commit_profile(host->ctx, &again), AW_ERR_ARGUMENT);
    again.isdp_aid_len = 0;
    assert_int_equal(host->commit_profile(host->ctx, &again), AW_ERR_ARGUMENT);
    /* a seqNumber not handed out, or already used, is refused */
    again.isdp_aid_len = aid_len;
    again.sequence_number = seq + 1000;
    assert_int_equal(host->commit_profile(host->ctx, &again), AW_ERR_ARGUMENT);
    /* a failed install is recorded as a pending notification */
    size_t before = t.card->state->notification_count;
    assert_int_equal(host->record_failed_installation(host->ctx, again.installation_result, seq),
                     AW_OK);
    assert_int_equal(t.card->state->notification_count, before + 1);
    assert_int_equal(host->record_failed_installation(host->ctx, again.installation_result, seq),
                     AW_ERR_ARGUMENT);
    assert_int_equal(host->next_sequence_number(host->ctx, &seq), AW_OK);
    assert_int_equal(host->record_failed_installation(
                         host->ctx, (aw_slice){(const uint8_t *)"\x30\x00", 2}, seq),
                     AW_ERR_DER_UNEXPECTED_TAG);
    int64_t a = 0, b = 0;
    assert_int_equal(host->next_sequence_number(host->ctx, &a), AW_OK);
    assert_int_equal(host->next_sequence_number(host->ctx, &b), AW_OK);
    assert_true(b > a);
    free(metadata);
    free(pir);
}

/* Fixed capacities: EUICC_MAX_PROFILES (then has_room is false and the
 * state refuses another) and EUICC_MAX_NOTIFICATIONS (the oldest goes). */
static void test_capacities(void **state)
{
    (void)state;
    euicc_state *s = t.card->state;
    euicc_download_host *host = &t.card->host;
    uint8_t iccid[EUICC_ICCID_SIZE] = {0}, aid[1] = {0};
    aw_slice metadata = {(const uint8_t *)"\xBF\x25\x00", 3};
    for (unsigned i = 0; i < EUICC_MAX_PROFILES; i++) {
        iccid[0] = (uint8_t)i;
        aid[0] = (uint8_t)i;
        assert_true(host->has_room(host->ctx));
        assert_int_equal(euicc_state_add_profile(s, iccid, aid, 1, metadata,
                                                 (aw_slice){iccid, sizeof(iccid)}),
                         AW_OK);
    }
    assert_false(host->has_room(host->ctx));
    assert_int_equal(euicc_state_add_profile(s, iccid, aid, 1, metadata,
                                             (aw_slice){iccid, sizeof(iccid)}),
                     AW_ERR_LIMIT);
    assert_int_equal(euicc_state_add_profile(s, iccid, aid, 0, metadata,
                                             (aw_slice){iccid, sizeof(iccid)}),
                     AW_ERR_ARGUMENT);
    for (int64_t seq = 1; seq <= EUICC_MAX_NOTIFICATIONS + 1; seq++)
        assert_int_equal(euicc_state_add_notification(s, seq, SGP22_NOTIFICATION_ENABLE,
                                                       (aw_slice){(const uint8_t *)"a", 1},
                                                       NULL, metadata),
                         AW_OK);
    assert_int_equal(s->notification_count, EUICC_MAX_NOTIFICATIONS);
    assert_int_equal(s->notifications[0].seq_number, 2);
    assert_int_equal(euicc_state_add_notification(s, 99, SGP22_NOTIFICATION_ENABLE,
                                                   (aw_slice){(const uint8_t *)"a", 1}, NULL,
                                                   (aw_slice){NULL, 0}),
                     AW_ERR_ARGUMENT);
    assert_int_equal(euicc_state_reload(s), AW_OK); /* nothing of this was committed */
    assert_int_equal(s->profile_count, 0);
    assert_int_equal(s->notification_count, 0);
    /* a card reset closes the ISD-R's channel: ES10 needs a new SELECT */
    euicc_reset(t.card);
    assert_int_equal(te_status(&t, "BF2D00"), 0x6D00);
    te_select_isdr(&t);
    assert_int_equal(te_status(&t, "BF2D00"), 0x9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_persistence_and_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupted_state_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invariants_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_callbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacities, setup, teardown),
    };
    return cmocka_run_group_tests_name("euicc_isdr_state", tests, NULL, NULL);
}
