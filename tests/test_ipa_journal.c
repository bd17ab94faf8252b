/* The IPA's journal (src/ipa/journal.c) and resuming after a crash (poll.c,
 * poll_package.c; SGP.32 2.11.1.2: the eUICC keeps each EuiccPackageResult
 * until the eIM acknowledges it, 6.3.2.7). The codec round trip and every
 * malformed file; then a real IPA process (this test re-executed as a
 * child) is killed with SIGKILL at each durability point, between
 * LoadEuiccPackage and ProvideEimPackageResult and after, and a new IPA on
 * the same journal and eUICC state resumes: the real eIM ends up with the
 * result exactly once and the eUICC's pending results empty. */
#include "ipa_esipa_testutil.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static esipa_env env;
static char journal[200];

static int setup(void **state)
{
    (void)state;
    esipa_env_setup(&env, AW_PKI_CURVE_NIST_P256);
    snprintf(journal, sizeof(journal), "%s/journal", env.t.dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    esipa_env_teardown(&env);
    return 0;
}

/* ---- codec ------------------------------------------------------------------ */

/* A ProvideEimPackageResult (BF50): a download trigger's undefinedError. */
static uint8_t *provide_message(size_t *len)
{
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    static const uint8_t eid[16] = {0x89, 0x04};
    static const uint8_t transaction[2] = {0x01, 0x02};
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.has_eid_value = true;
    m->provide_eim_package_result.eid_value = (aw_slice){eid, sizeof(eid)};
    sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
    r->kind = SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
    r->profile_download_trigger_result.has_eim_transaction_id = true;
    r->profile_download_trigger_result.eim_transaction_id = (aw_slice){transaction, 2};
    r->profile_download_trigger_result.result_data.kind =
        SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    r->profile_download_trigger_result.result_data.profile_download_error
        .profile_download_error_reason = 127;
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_esipa_message_from_ipa_to_eim(m, &out, len), AW_OK);
    free(m);
    return out;
}

static uint8_t *acknowledgements(size_t *len)
{
    sgp32_eim_acknowledgements a = {.count = 2, .seq_numbers = {1, 7}};
    uint8_t *out = NULL;
    assert_int_equal(sgp32_encode_eim_acknowledgements(&a, &out, len), AW_OK);
    return out;
}

static void round_trip(const ipa_journal *j)
{
    uint8_t *der = NULL;
    size_t len = 0;
    ipa_journal back;
    assert_int_equal(ipa_journal_encode(j, &der, &len), AW_OK);
    assert_int_equal(ipa_journal_decode(der, len, &back), AW_OK);
    assert_int_equal(back.state, j->state);
    assert_int_equal(back.message.len, j->message.len);
    if (j->message.len > 0)
        assert_memory_equal(back.message.ptr, j->message.ptr, j->message.len);
    assert_int_equal(back.acknowledgements.len, j->acknowledgements.len);
    if (j->acknowledgements.len > 0)
        assert_memory_equal(back.acknowledgements.ptr, j->acknowledgements.ptr,
                            j->acknowledgements.len);
    free(der);
}

static void bad(const char *hex)
{
    size_t len = 0;
    uint8_t *der = test_hex(hex, &len);
    ipa_journal j;
    assert_int_equal(ipa_journal_decode(der, len, &j), AW_ERR_IPA_JOURNAL);
    assert_int_equal(j.state, IPA_JOURNAL_IDLE);
    free(der);
}

static void test_codec(void **state)
{
    (void)state;
    size_t message_len = 0, acks_len = 0;
    uint8_t *message = provide_message(&message_len);
    uint8_t *acks = acknowledgements(&acks_len);
    round_trip(&(ipa_journal){.state = IPA_JOURNAL_IDLE});
    round_trip(&(ipa_journal){.state = IPA_JOURNAL_LOADING});
    round_trip(&(ipa_journal){.state = IPA_JOURNAL_DELIVERING, .message = {message, message_len}});
    round_trip(&(ipa_journal){.state = IPA_JOURNAL_ACKNOWLEDGING,
                              .acknowledgements = {acks, acks_len}});
    /* the exact form */
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(ipa_journal_encode(&(ipa_journal){.state = IPA_JOURNAL_LOADING}, &der, &len),
                     AW_OK);
    test_assert_hex(der, len, "3006800101810101");
    free(der);

    bad("");                                         /* empty */
    bad("3106800101810101");                         /* not a SEQUENCE */
    bad("300680010181010100");                       /* trailing byte */
    bad("3007800101810101");                         /* length beyond the data */
    bad("3006800102810101");                         /* version 2 */
    bad("3003810101");                               /* no version */
    bad("3003800101");                               /* no state */
    bad("3006800101810104");                         /* state 4 */
    bad("30068001018101FF");                         /* state -1 */
    bad("3006800101810102");                         /* DELIVERING without its message */
    bad("3006800101810103");                         /* ACKNOWLEDGING without its list */
    bad("300A8001018101008202BF50");                 /* IDLE with a message */
    bad("300A8001018101028202BF50");                 /* message not a BF50 TLV */
    bad("30098001018101028201" "00");                /* message not DER */
    bad("300A8001018101038302BF53");                 /* list not a BF53 TLV */
    bad("30098001018101008501" "00");                /* unknown field */
    bad("300B80010181010383043002" "8000");          /* list of the wrong tag */

    /* the encoder refuses what the decoder would */
    assert_int_equal(ipa_journal_encode(&(ipa_journal){.state = IPA_JOURNAL_DELIVERING}, &der,
                                        &len),
                     AW_ERR_ARGUMENT);
    assert_null(der);
    assert_int_equal(ipa_journal_encode(&(ipa_journal){.state = IPA_JOURNAL_IDLE,
                                                       .acknowledgements = {acks, acks_len}},
                                        &der, &len),
                     AW_ERR_ARGUMENT);
    assert_int_equal(ipa_journal_encode(&(ipa_journal){.state = (ipa_journal_state)9}, &der, &len),
                     AW_ERR_ARGUMENT);
    free(message);
    free(acks);
}

static void test_files(void **state)
{
    (void)state;
    uint8_t *buffer = (uint8_t *)"x";
    ipa_journal j;
    /* absent: nothing in flight */
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_null(buffer);
    assert_int_equal(j.state, IPA_JOURNAL_IDLE);
    /* written and read back */
    size_t acks_len = 0;
    uint8_t *acks = acknowledgements(&acks_len);
    ipa_journal written = {.state = IPA_JOURNAL_ACKNOWLEDGING, .acknowledgements = {acks, acks_len}};
    assert_int_equal(ipa_journal_write(journal, &written), AW_OK);
    struct stat st;
    assert_int_equal(stat(journal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, IPA_JOURNAL_ACKNOWLEDGING);
    assert_int_equal(j.acknowledgements.len, acks_len);
    free(buffer);
    /* invalid content is not written */
    assert_int_equal(ipa_journal_write(journal, &(ipa_journal){.state = IPA_JOURNAL_DELIVERING}),
                     AW_ERR_ARGUMENT);
    /* a directory that does not exist */
    char missing[260];
    snprintf(missing, sizeof(missing), "%s/none/journal", env.t.dir);
    assert_int_equal(ipa_journal_write(missing, &written), AW_ERR_IO);
    free(acks);

    /* malformed: refused, and a poller does not start on it (nor rewrite it) */
    FILE *f = fopen(journal, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("\x30\x03\x80\x01\x02", 1, 5, f), 5);
    fclose(f);
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_ERR_IPA_JOURNAL);
    assert_null(buffer);
    ipa_poll_config config = {.session = env.session, .esipa = env.esipa,
                              .journal_path = journal};
    ipa_poller *poller = NULL;
    assert_int_equal(ipa_poller_new(&config, &poller), AW_ERR_IPA_JOURNAL);
    assert_null(poller);
    assert_int_equal(stat(journal, &st), 0);
    assert_int_equal(st.st_size, 5);
    /* over the size bound */
    f = fopen(journal, "wb");
    assert_non_null(f);
    assert_int_equal(fseek(f, IPA_JOURNAL_MAX, SEEK_SET), 0);
    assert_int_equal(fputc(0, f), 0);
    fclose(f);
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_ERR_LIMIT);
    assert_int_equal(unlink(journal), 0);

    /* the journal cannot be written: the package is not run */
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    poller = esipa_poller(&env, missing, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_ERR_IO);
    assert_false(env.t.card->state->profiles[0].enabled);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    ipa_poller_free(poller);
    size_t count = 0;
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_SENT);
}

/* ---- kill and resume ------------------------------------------------------- */

static int kill_at;

static void kill_here(void *userdata, ipa_poll_checkpoint point)
{
    (void)userdata;
    if ((int)point == kill_at)
        raise(SIGKILL);
}

/* The IPA child: argv = child DIR URL CA JOURNAL CHECKPOINT. */
static int run_child(char **argv)
{
    test_euicc t;
    memset(&t, 0, sizeof(t));
    snprintf(t.dir, sizeof(t.dir), "%s", argv[2]);
    snprintf(t.pki, sizeof(t.pki), "%s/pki", t.dir);
    snprintf(t.state, sizeof(t.state), "%s/state", t.dir);
    t.protocol = EUICC_PROTOCOL_T1;
    kill_at = atoi(argv[6]);
    euicc_identity_paths paths = {.directory = t.pki};
    euicc_options options = {.protocol = t.protocol};
    if (euicc_open(&paths, t.state, &options, time(NULL), &t.card) != AW_OK)
        return 10;
    card_transport *transport = card_transport_new(t.card);
    ipa *session = NULL;
    ipa_esipa *esipa = NULL;
    ipa_esipa_config ec = {.eim_url = argv[3], .ca_file = argv[4]};
    if (ipa_open(&transport->base, NULL, &session) != AW_OK ||
        ipa_esipa_new(&ec, &esipa) != AW_OK)
        return 11;
    ipa_poll_config config = {.session = session, .esipa = esipa, .journal_path = argv[5],
                              .checkpoint = kill_here};
    ipa_poller *poller = NULL;
    ipa_poll_report report;
    if (ipa_poller_new(&config, &poller) != AW_OK)
        return 12;
    aw_err err = ipa_poll_once(poller, &report);
    /* not killed: a failure of the test */
    fprintf(stderr, "child: cycle ended (%s) without reaching checkpoint %d\n", aw_err_name(err),
            kill_at);
    return 13;
}

static void run_killed_child(ipa_poll_checkpoint point)
{
    char at[16];
    snprintf(at, sizeof(at), "%d", (int)point);
    char *argv[] = {"test_ipa_journal", "child", env.t.dir, env.base_url, env.ca_file,
                    journal, at, NULL};
    pid_t pid = 0;
    assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* After the child: this process's eUICC reloads the state the child wrote. */
static void reload_card(void)
{
    esipa_close_session(&env);
    te_close(&env.t);
    te_open(&env.t);
    esipa_open_session(&env);
}

static void kill_and_resume(ipa_poll_checkpoint point, ipa_journal_state left,
                            eim_package_state eim_state_after_kill, size_t recovered,
                            size_t delivered)
{
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    run_killed_child(point);
    size_t count = 0;
    assert_int_equal(esipa_package(&env, id, &count).state, eim_state_after_kill);
    reload_card();
    /* the package ran on the eUICC, which keeps its result */
    assert_true(env.t.card->state->profiles[0].enabled);
    assert_int_equal(env.t.card->state->package_result_count, 1);
    uint8_t *buffer = NULL;
    ipa_journal j;
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, left);
    free(buffer);

    /* a new IPA on the same journal: what was in flight first */
    ipa_poller *poller = esipa_poller(&env, journal, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.recovered, recovered);
    assert_int_equal(report.delivered, delivered);
    assert_int_equal(report.refused, 0); /* the eIM took it: it had no result before */
    assert_int_equal(report.acknowledged, 1);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    eim_package_record r = esipa_package(&env, id, &count);
    assert_int_equal(r.state, EIM_PACKAGE_DONE);
    assert_int_equal(count, 1);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    assert_int_equal(ipa_journal_read(journal, &buffer, &j), AW_OK);
    assert_int_equal(j.state, IPA_JOURNAL_IDLE);
    free(buffer);
    /* and nothing more happens */
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.recovered + report.delivered + report.acknowledged, 0);
    assert_int_equal(report.event, IPA_POLL_NO_PACKAGE);
    ipa_poller_free(poller);
}

static void test_kill_after_load(void **state)
{
    (void)state;
    /* the result never reached the journal: fetched from the eUICC */
    kill_and_resume(IPA_POLL_CHECKPOINT_LOADED, IPA_JOURNAL_LOADING, EIM_PACKAGE_SENT, 1, 1);
}

static void test_kill_after_save(void **state)
{
    (void)state;
    kill_and_resume(IPA_POLL_CHECKPOINT_RESULT_SAVED, IPA_JOURNAL_DELIVERING, EIM_PACKAGE_SENT,
                    1, 1);
}

static void test_kill_after_delivery(void **state)
{
    (void)state;
    /* the eIM has it; only its acknowledgement must reach the eUICC */
    kill_and_resume(IPA_POLL_CHECKPOINT_DELIVERED, IPA_JOURNAL_ACKNOWLEDGING, EIM_PACKAGE_DONE,
                    0, 0);
}

/* Crash before the package reached the eUICC: nothing to recover, and the
 * eIM sends the package again (it was never answered). */
static void test_loading_without_result(void **state)
{
    (void)state;
    int64_t id = esipa_enqueue(&env, EIM_OPERATION_ENABLE);
    uint8_t *package = NULL;
    size_t len = 0, count = 0;
    int64_t package_id = 0;
    assert_int_equal(
        eim_package_next(env.db, AW_PKI_DEFAULT_EID, db_clock_ms(), &package, &len, &package_id),
        AW_OK);
    free(package);
    assert_int_equal(ipa_journal_write(journal, &(ipa_journal){.state = IPA_JOURNAL_LOADING}),
                     AW_OK);
    ipa_poller *poller = esipa_poller(&env, journal, NULL);
    ipa_poll_report report;
    assert_int_equal(ipa_poll_once(poller, &report), AW_OK);
    assert_int_equal(report.recovered, 0);
    assert_int_equal(report.event, IPA_POLL_EUICC_PACKAGE);
    assert_int_equal(esipa_package(&env, id, &count).state, EIM_PACKAGE_DONE);
    assert_int_equal(env.t.card->state->package_result_count, 0);
    ipa_poller_free(poller);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 7 && strcmp(argv[1], "child") == 0)
        return run_child(argv);
    evthread_use_pthreads();
    int status = eim_test_db_init(2, (char *[]){"test_ipa_journal", "sqlite", NULL},
                                  "test_ipa_journal");
    if (status != 0)
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_after_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_after_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_after_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loading_without_result, setup, teardown),
    };
    status = cmocka_run_group_tests(tests, NULL, NULL);
    eim_test_db_cleanup();
    return status;
}
