/* Crash consistency of the software eUICC's persistent state (src/euicc/
 * state.h: one DER file replaced atomically, core/file.h).
 *
 * The real airwrite-euicc (argv[1]) serves vpcd on a loopback port while
 * this test, as the reader, drives repeated profile downloads (SGP.22
 * 3.1.3: GetEUICCChallenge 5.7.7, AuthenticateServer 5.7.13,
 * PrepareDownload 5.7.5, the BPP segments 5.7.6, with the test SM-DP+ of
 * euicc_download_sim.h, each with a new ICCID and IMSI), EnableProfile,
 * DisableProfile, DeleteProfile (5.7.16-5.7.18) and
 * RemoveNotificationFromList (5.7.11). A one-shot timer kills the process
 * with SIGKILL after a random delay. After every kill the state directory
 * must load (with the library and with `airwrite-euicc --state DIR dump`),
 * every profile must be whole (its sealed package opens and carries the
 * ICCID of its metadata and the IMSI it was given), at most one enabled,
 * seqNumbers unique and below the next one, and the profiles and pending
 * notifications must be exactly what the reader saw acknowledged, or that
 * plus the one operation in flight at the kill: nothing in between.
 *
 * AW_CRASH_KILLS (default 20) kills; AW_CRASH_SEED replays the choices of
 * a run (operations, targets, delays; the seed is printed first);
 * AW_CRASH_MAX_DELAY_MS (default 400) bounds the delay before each kill. */
#include "euicc_crash_model.h"
#include "euicc_crash_testutil.h"

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>

#include "core/sgp22_notification.h"
#include "core/sgp22_profile_info.h"
#include "euicc/state.h"
#include "euicc_download_sim.h"
#include "euicc_isdr_testutil.h"

#define CRASH_DEFAULT_KILLS 20
#define CRASH_DEFAULT_MAX_DELAY_MS 400

static struct {
    const char *program;
    char dir[64], pki[128], state[128], state_file[160], dump_path[160];
    char leftover[NAME_MAX + 1]; /* the temporary file the last write kill left */
    sim s;
    uint64_t rng, next_number;
    model acked;          /* every acknowledged operation applied */
    operation in_flight;  /* begun, not yet acknowledged */
    pid_t child;
    unsigned kill_index;
    bool passed;
    unsigned kills, startup_kills, write_kills, downloads, interrupted, interrupted_landed,
        operations;
} run;
static sim_segments segments;

/* ---- randomness (splitmix64: a replayable stream from the seed) -------- */

static uint64_t rng_next(void)
{
    uint64_t z = (run.rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next() % n);
}

/* ---- the reader's operations ------------------------------------------- */

/* ES10b.ListNotification (5.7.9): the pending list as the card has it in
 * memory must be the model's; then the model learns its seqNumbers. */
static bool refresh_notifications(int fd)
{
    static const uint8_t list_all[] = {0xBF, 0x28, 0x00};
    model_notification observed[EUICC_MAX_NOTIFICATIONS];
    size_t count = 0, n = 0;
    uint8_t *r = NULL;
    if (!crash_es10(fd, list_all, sizeof(list_all), &r, &n))
        return false;
    sgp22_list_notification_response response;
    sgp22_list_iter it;
    sgp22_notification_metadata item;
    aw_err err;
    assert_int_equal(sgp22_decode_list_notification_response(r, n, &response), AW_OK);
    assert_int_equal(response.kind, SGP22_NOTIFICATION_LIST_OK);
    sgp22_list_iter_init(&it, response.notification_metadata_list.raw);
    while ((err = sgp22_notification_metadata_list_next(&it, &item)) == AW_OK) {
        assert_true(count < EUICC_MAX_NOTIFICATIONS);
        assert_true(item.has_iccid && item.iccid.len == EUICC_ICCID_SIZE);
        observed[count].seq = item.seq_number;
        observed[count].event = item.profile_management_operation;
        memcpy(observed[count++].iccid, item.iccid.ptr, EUICC_ICCID_SIZE);
    }
    assert_int_equal(err, AW_ERR_NOT_FOUND);
    free(r);
    char why[160];
    if (!match_notifications(&run.acked, observed, count, why, sizeof(why)))
        fail_msg("kill %u, live card: %s", run.kill_index, why);
    memcpy(run.acked.notifications, observed, count * sizeof(observed[0]));
    return true;
}

/* One download with a new ICCID; the PIR acknowledges it (it is sent only
 * after the commit). */
static bool do_download(int fd)
{
    char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT];
    uint8_t *metadata = NULL, *package = NULL, *command = NULL, *r = NULL, *bpp = NULL,
            *pir = NULL;
    size_t metadata_len = 0, package_len = 0, len = 0, n = 0, bpp_len = 0, pir_len = 0;
    operation op = {.kind = OP_DOWNLOAD};
    profile_iccid(++run.next_number, iccid);
    profile_imsi(iccid, imsi);
    sim_iccid_bytes(iccid, op.iccid);
    metadata = profile_metadata(op.iccid, &metadata_len);
    saip_build_params params = sim_profile_params(iccid);
    params.imsi = imsi;
    assert_int_equal(saip_build(&params, &package, &package_len), AW_OK);

    run.in_flight = op;
    static const uint8_t get_challenge[] = {0xBF, 0x2E, 0x00};
    bool alive = crash_es10(fd, get_challenge, sizeof(get_challenge), &r, &n);
    if (!alive)
        goto done;
    assert_int_equal(n, 21);
    assert_int_equal(sim_authenticate_server_request(&run.s, r + 5, &(sim_auth_options){0},
                                                     &command, &len),
                     AW_OK);
    free(r);
    alive = crash_es10(fd, command, len, &r, &n);
    free(command);
    if (!alive)
        goto done;
    assert_int_equal(sim_take_authenticate_response(&run.s, r, n), AW_OK);
    free(r);
    assert_int_equal(sim_prepare_download_request(&run.s, &(sim_prepare_options){0}, &command,
                                                  &len),
                     AW_OK);
    alive = crash_es10(fd, command, len, &r, &n);
    free(command);
    if (!alive)
        goto done;
    assert_int_equal(sim_take_prepare_response(&run.s, r, n), AW_OK);
    sim_bpp_options options = {.metadata_iccid = iccid,
                               .profile_iccid = iccid,
                               .metadata_override = {metadata, metadata_len},
                               .package_override = {package, package_len}};
    assert_int_equal(sim_bound_profile_package(&run.s, &options, &bpp, &bpp_len), AW_OK);
    assert_int_equal(sim_split(bpp, bpp_len, &segments), AW_OK);
    for (size_t i = 0; alive && pir == NULL && i < segments.count; i++)
        alive = crash_es10(fd, segments.segment[i].ptr, segments.segment[i].len, &pir, &pir_len);
    if (!alive)
        goto done;
    assert_non_null(pir); /* the last segment answers */
    sgp22_profile_installation_result result;
    sgp22_notification_metadata notification;
    assert_int_equal(sgp22_decode_profile_installation_result(pir, pir_len, &result), AW_OK);
    assert_int_equal(result.data.final_result, SGP22_FINAL_RESULT_SUCCESS);
    assert_int_equal(sgp22_decode_notification_metadata(result.data.notification_metadata.ptr,
                                                        result.data.notification_metadata.len,
                                                        &notification),
                     AW_OK);
    model_apply(&run.acked, &op, notification.seq_number);
    run.in_flight.kind = OP_NONE;
    run.downloads++;
done:
    free(r);
    free(pir);
    free(metadata);
    der_bytes_free(package, package_len);
    der_bytes_free(bpp, bpp_len);
    return alive;
}

/* EnableProfile, DisableProfile, DeleteProfile by ICCID, or
 * RemoveNotificationFromList: the result must be ok(0). */
static bool do_operation(int fd, const operation *op)
{
    uint8_t *command = NULL, *r = NULL;
    size_t len = 0, n = 0;
    sgp22_enable_profile_request request;
    memset(&request, 0, sizeof(request));
    request.profile_identifier.kind = SGP22_PROFILE_IDENTIFIER_ICCID;
    request.profile_identifier.value = (aw_slice){op->iccid, EUICC_ICCID_SIZE};
    sgp22_delete_profile_request delete_request = {.profile_identifier =
                                                       request.profile_identifier};
    sgp22_notification_sent_request sent = {.seq_number = op->seq};
    aw_err err = AW_ERR_ARGUMENT;
    if (op->kind == OP_ENABLE)
        err = sgp22_encode_enable_profile_request(&request, &command, &len);
    else if (op->kind == OP_DISABLE)
        err = sgp22_encode_disable_profile_request(&request, &command, &len);
    else if (op->kind == OP_DELETE)
        err = sgp22_encode_delete_profile_request(&delete_request, &command, &len);
    else if (op->kind == OP_REMOVE_NOTIFICATION)
        err = sgp22_encode_notification_sent_request(&sent, &command, &len);
    assert_int_equal(err, AW_OK);
    run.in_flight = *op;
    bool alive = crash_es10(fd, command, len, &r, &n);
    free(command);
    if (!alive)
        return false;
    int64_t result = -1;
    if (op->kind == OP_ENABLE) {
        sgp22_enable_profile_response response;
        assert_int_equal(sgp22_decode_enable_profile_response(r, n, &response), AW_OK);
        result = response.enable_result;
    } else if (op->kind == OP_DISABLE) {
        sgp22_disable_profile_response response;
        assert_int_equal(sgp22_decode_disable_profile_response(r, n, &response), AW_OK);
        result = response.disable_result;
    } else if (op->kind == OP_DELETE) {
        sgp22_delete_profile_response response;
        assert_int_equal(sgp22_decode_delete_profile_response(r, n, &response), AW_OK);
        result = response.delete_result;
    } else {
        sgp22_notification_sent_response response;
        assert_int_equal(sgp22_decode_notification_sent_response(r, n, &response), AW_OK);
        result = response.delete_notification_status;
    }
    free(r);
    if (result != 0)
        fail_msg("kill %u: operation %d answered %" PRId64, run.kill_index, (int)op->kind, result);
    model_apply(&run.acked, op, UNKNOWN_SEQ);
    run.in_flight.kind = OP_NONE;
    return true;
}

/* Pick a profile with the given enabled state (one must exist). */
static const uint8_t *pick_profile(bool enabled)
{
    size_t eligible = 0, chosen;
    for (size_t i = 0; i < run.acked.profile_count; i++)
        eligible += run.acked.profiles[i].enabled == enabled;
    chosen = rng_below(eligible);
    for (size_t i = 0; i < run.acked.profile_count; i++)
        if (run.acked.profiles[i].enabled == enabled && chosen-- == 0)
            return run.acked.profiles[i].iccid;
    fail_msg("no %s profile to pick", enabled ? "enabled" : "disabled");
    return NULL;
}

/* Choose the next operation by weight among those that apply, do it, and
 * look at the pending notifications. */
static bool drive_one(int fd)
{
    const model *m = &run.acked;
    size_t disabled = 0;
    for (size_t i = 0; i < m->profile_count; i++)
        disabled += !m->profiles[i].enabled;
    bool full = m->profile_count == EUICC_MAX_PROFILES;
    bool crowded = m->notification_count >= CRASH_MAX_PENDING;
    size_t weight[OP_REMOVE_NOTIFICATION + 1] = {0};
    weight[OP_DOWNLOAD] = full || crowded ? 0 : 40;
    weight[OP_ENABLE] = disabled > 0 && !crowded ? 15 : 0;
    weight[OP_DISABLE] = disabled < m->profile_count && !crowded ? 10 : 0;
    weight[OP_DELETE] = disabled > 0 && !crowded ? (full ? 60 : 15) : 0;
    weight[OP_REMOVE_NOTIFICATION] = m->notification_count > 0 ? (crowded ? 100 : 20) : 0;
    size_t total = 0, pick;
    for (size_t k = 0; k < sizeof(weight) / sizeof(weight[0]); k++)
        total += weight[k];
    assert_true(total > 0);
    pick = rng_below(total);
    operation op;
    memset(&op, 0, sizeof(op));
    while (pick >= weight[op.kind])
        pick -= weight[op.kind++];
    bool alive;
    if (op.kind == OP_DOWNLOAD) {
        alive = do_download(fd);
    } else {
        if (op.kind == OP_REMOVE_NOTIFICATION) {
            op.seq = m->notifications[rng_below(m->notification_count)].seq;
            assert_true(op.seq != UNKNOWN_SEQ); /* every number seen by now */
        } else {
            memcpy(op.iccid, pick_profile(op.kind == OP_DISABLE), EUICC_ICCID_SIZE);
        }
        alive = do_operation(fd, &op);
    }
    if (alive)
        run.operations++;
    return alive && refresh_notifications(fd);
}

/* ---- after a kill ---------------------------------------------------------- */

/* Temporary files of core/file.h's atomic replace in the state directory
 * (a kill inside a write leaves one; the next start removes it); the name
 * of one in name. */
static size_t count_temporary_files(char name[NAME_MAX + 1])
{
    DIR *d = opendir(run.state);
    size_t count = 0;
    name[0] = '\0';
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strstr(e->d_name, ".tmp.") == NULL)
            continue;
        count++;
        snprintf(name, NAME_MAX + 1, "%s", e->d_name);
    }
    closedir(d);
    return count;
}

/* Every profile whole: metadata for its ICCID, package opening under its
 * key and AAD and carrying that ICCID and its IMSI; at most one enabled;
 * seqNumbers unique (the decoder checks) and below the next one. */
static void check_state(const euicc_state *state)
{
    size_t enabled = 0;
    for (size_t i = 0; i < state->profile_count; i++) {
        const euicc_profile *p = &state->profiles[i];
        char want_iccid[SAIP_ICCID_TEXT], want_imsi[SAIP_IMSI_TEXT], iccid[SAIP_ICCID_TEXT],
            imsi[SAIP_IMSI_TEXT];
        sgp22_store_metadata_request metadata;
        uint8_t *package = NULL;
        size_t package_len = 0;
        saip_profile *parsed = NULL;
        iccid_text(p->iccid, want_iccid);
        profile_imsi(want_iccid, want_imsi);
        enabled += p->enabled;
        assert_int_equal(sgp22_decode_store_metadata_request(p->store_metadata,
                                                             p->store_metadata_len, &metadata),
                         AW_OK);
        assert_int_equal(metadata.iccid.len, EUICC_ICCID_SIZE);
        assert_memory_equal(metadata.iccid.ptr, p->iccid, EUICC_ICCID_SIZE);
        if (euicc_state_open_package(state, p, &package, &package_len) != AW_OK)
            fail_msg("kill %u: the package of %s does not open", run.kill_index, want_iccid);
        assert_int_equal(saip_profile_parse(package, package_len, &parsed), AW_OK);
        assert_int_equal(saip_get_iccid(parsed, iccid), AW_OK);
        assert_int_equal(saip_get_imsi(parsed, imsi), AW_OK);
        assert_string_equal(iccid, want_iccid);
        assert_string_equal(imsi, want_imsi);
        saip_profile_free(parsed);
        der_bytes_free(package, package_len);
    }
    assert_true(enabled <= 1);
    for (size_t i = 0; i < state->notification_count; i++) {
        const euicc_notification *n = &state->notifications[i];
        assert_true(n->seq_number >= 0 && n->seq_number < state->next_sequence_number);
        assert_true(n->has_iccid);
        for (size_t k = 0; k < i; k++)
            assert_true(state->notifications[k].seq_number != n->seq_number);
    }
}

/* airwrite-euicc --state DIR dump must load the same state and show each
 * profile with the IMSI read from its package. */
static void check_dump(const euicc_state *state)
{
    char *argv[] = {(char *)run.program, "--state", run.state, "dump", NULL};
    int status = crash_wait(crash_spawn(run.program, argv, run.dump_path));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("kill %u: airwrite-euicc dump failed (status %d)", run.kill_index, status);
    size_t len = 0;
    char *text = (char *)test_read_file(run.dump_path, &len), header[32];
    assert_non_null(text);
    text = realloc(text, len + 1);
    assert_non_null(text);
    text[len] = '\0';
    snprintf(header, sizeof(header), "profiles: %zu\n", state->profile_count);
    assert_non_null(strstr(text, header));
    for (size_t i = 0; i < state->profile_count; i++) {
        char iccid[SAIP_ICCID_TEXT], imsi[SAIP_IMSI_TEXT], want[80];
        iccid_text(state->profiles[i].iccid, iccid);
        profile_imsi(iccid, imsi);
        snprintf(want, sizeof(want), "iccid %s ", iccid);
        const char *line = strstr(text, want);
        assert_non_null(line);
        const char *end = strchr(line, '\n');
        snprintf(want, sizeof(want), " imsi %s", imsi);
        const char *at = strstr(line, want);
        assert_true(at != NULL && end != NULL && at < end);
    }
    free(text);
}

/* The model of what is on disk (every seqNumber known). */
static void observe(const euicc_state *state, const model *matched, model *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < state->profile_count; i++) {
        model_profile *p = &out->profiles[out->profile_count++];
        memcpy(p->iccid, state->profiles[i].iccid, EUICC_ICCID_SIZE);
        p->enabled = state->profiles[i].enabled;
        int k = matched != NULL ? model_find_profile(matched, p->iccid) : -1;
        p->install_removed = k >= 0 && matched->profiles[k].install_removed;
    }
    for (size_t i = 0; i < state->notification_count; i++)
        model_add_notification(out, state->notifications[i].seq_number,
                               state->notifications[i].event, state->notifications[i].iccid);
    out->next_floor = state->next_sequence_number;
}

/* The state on disk is the acknowledged one or that plus the operation in
 * flight; then it is what the reader goes on from. */
static void check_after_kill(void)
{
    model candidate[2];
    size_t candidates = 1, matched = 0;
    char why[2][160] = {"", ""};
    char leftover[NAME_MAX + 1];
    size_t temporary = count_temporary_files(leftover);
    /* one kill interrupts at most one write, and a restart clears it */
    if (temporary > 1)
        fail_msg("kill %u: %zu temporary files in the state directory", run.kill_index,
                 temporary);
    if (temporary == 1 && strcmp(leftover, run.leftover) != 0)
        run.write_kills++; /* not the last one, kept by a kill during start-up */
    memcpy(run.leftover, leftover, sizeof(leftover));
    candidate[0] = run.acked;
    if (run.in_flight.kind != OP_NONE) {
        candidate[1] = run.acked;
        model_apply(&candidate[1], &run.in_flight, UNKNOWN_SEQ);
        candidates = 2;
    }
    struct stat st;
    if (stat(run.state_file, &st) != 0) {
        /* nothing committed yet: nothing may have been acknowledged */
        if (run.acked.profile_count != 0 || run.acked.notification_count != 0)
            fail_msg("kill %u: state.der missing after acknowledged changes", run.kill_index);
        run.in_flight.kind = OP_NONE;
        return;
    }
    euicc_state *state = NULL;
    aw_err err = euicc_state_open(run.state, EUICC_DEFAULT_ROOT_DS, &state);
    if (err != AW_OK)
        fail_msg("kill %u: the state does not load: %s", run.kill_index, aw_err_name(err));
    check_state(state);
    check_dump(state);
    model seen;
    observe(state, NULL, &seen);
    for (; matched < candidates; matched++) {
        seen.next_floor = candidate[matched].next_floor;
        if (match_profiles(&candidate[matched], &seen, why[matched], sizeof(why[0])) &&
            match_notifications(&candidate[matched], seen.notifications,
                                seen.notification_count, why[matched], sizeof(why[0])))
            break;
    }
    if (matched == candidates)
        fail_msg("kill %u: the state is neither the acknowledged one (%s) nor that plus "
                 "operation %d in flight (%s)",
                 run.kill_index, why[0], (int)run.in_flight.kind,
                 candidates > 1 ? why[1] : "none");
    for (size_t i = 0; i < candidate[matched].profile_count; i++) {
        const model_profile *p = &candidate[matched].profiles[i];
        bool pending = false;
        for (size_t k = 0; k < seen.notification_count; k++)
            pending |= seen.notifications[k].event == SGP22_NOTIFICATION_INSTALL &&
                       memcmp(seen.notifications[k].iccid, p->iccid, EUICC_ICCID_SIZE) == 0;
        if (!p->install_removed && !pending)
            fail_msg("kill %u: a profile lost its install notification", run.kill_index);
    }
    assert_true(state->next_sequence_number >= run.acked.next_floor);
    if (run.in_flight.kind == OP_DOWNLOAD) {
        run.interrupted++;
        run.interrupted_landed += matched == 1;
    }
    observe(state, &candidate[matched], &run.acked);
    run.in_flight.kind = OP_NONE;
    euicc_state_free(state);
}

/* ---- one life of the card ---------------------------------------------- */

static void crash_cycle(long max_delay_us)
{
    char listen_at[32];
    unsigned port = crash_free_port();
    snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", port);
    char *argv[] = {(char *)run.program, "--state", run.state, "--identity", run.pki,
                    "--listen", listen_at, NULL};
    long delay = 1 + (long)rng_below((size_t)max_delay_us);
    bool ended = false;
    int status = 0;
    crash_fired = 0;
    run.child = crash_spawn(run.program, argv, NULL);
    crash_victim = run.child;
    crash_set_timer(delay);
    int fd = crash_connect(port, run.child, &ended, &status);
    if (fd >= 0) {
        if (crash_card_start(fd))
            while (drive_one(fd))
                ;
        close(fd);
    }
    if (!crash_fired) {
        /* the card ended or dropped the reader on its own */
        kill(run.child, SIGKILL);
        if (!ended)
            status = crash_wait(run.child);
        run.child = 0;
        fail_msg("kill %u: airwrite-euicc gave up before the kill (status %d)", run.kill_index,
                 status);
    }
    if (!ended)
        status = crash_wait(run.child);
    crash_set_timer(0);
    crash_victim = 0;
    run.child = 0;
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("kill %u: airwrite-euicc ended with status %d, not by the kill", run.kill_index,
                 status);
    run.kills++;
    run.startup_kills += fd < 0;
    check_after_kill();
}

/* ---- the test -------------------------------------------------------------- */

static unsigned long env_number(const char *name, unsigned long fallback)
{
    const char *text = getenv(name);
    char *end = NULL;
    if (text == NULL || *text == '\0')
        return fallback;
    unsigned long value = strtoul(text, &end, 10);
    if (*end != '\0')
        fail_msg("%s must be a number, got '%s'", name, text);
    return value;
}

static int setup(void **state)
{
    (void)state;
    const char *program = run.program;
    memset(&run, 0, sizeof(run));
    run.program = program;
    snprintf(run.dir, sizeof(run.dir), "/tmp/aw-crash-XXXXXX");
    assert_non_null(mkdtemp(run.dir));
    snprintf(run.pki, sizeof(run.pki), "%s/pki", run.dir);
    snprintf(run.state, sizeof(run.state), "%s/state", run.dir);
    snprintf(run.state_file, sizeof(run.state_file), "%s/state.der", run.state);
    snprintf(run.dump_path, sizeof(run.dump_path), "%s/dump.txt", run.dir);
    assert_int_equal(sim_init(&run.s, AW_PKI_CURVE_NIST_P256, time(NULL)), AW_OK);
    /* the card's identity is the one the SM-DP+'s PKI issued */
    assert_int_equal(mkdir(run.pki, 0700), 0);
    test_write_pem(run.pki, "ci.pem", run.s.pki.cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(run.pki, "eum.pem", run.s.pki.cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(run.pki, "euicc.pem", run.s.pki.cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(run.pki, "euicc.key.pem", NULL, run.s.pki.key[AW_PKI_ROLE_EUICC]);
    run.acked.next_floor = 1;
    crash_install_timer_handler();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    crash_set_timer(0);
    crash_victim = 0;
    if (run.child > 0) {
        kill(run.child, SIGKILL);
        crash_wait(run.child);
    }
    sim_free(&run.s);
    if (run.passed) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run.dir);
        assert_int_equal(system(cmd), 0);
    } else {
        fprintf(stderr, "crash test: state kept in %s\n", run.dir);
    }
    return 0;
}

static void test_crash_consistency(void **state)
{
    (void)state;
    unsigned long kills = env_number("AW_CRASH_KILLS", CRASH_DEFAULT_KILLS);
    unsigned long max_delay_ms = env_number("AW_CRASH_MAX_DELAY_MS", CRASH_DEFAULT_MAX_DELAY_MS);
    uint64_t seed = env_number("AW_CRASH_SEED", 0);
    if (seed == 0)
        seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
    run.rng = seed;
    printf("crash test: seed %" PRIu64 " (replay with AW_CRASH_SEED=%" PRIu64
           "), %lu kills, delay up to %lu ms\n",
           seed, seed, kills, max_delay_ms);
    fflush(stdout);
    assert_true(kills > 0 && max_delay_ms > 0);
    double start = crash_now();
    for (run.kill_index = 1; run.kill_index <= kills; run.kill_index++)
        crash_cycle((long)max_delay_ms * 1000L);
    double seconds = crash_now() - start;
    printf("crash test: %u operations acknowledged, %u kills during start-up, %u inside a state "
           "write, %u of the interrupted downloads committed before the kill; %.1f s\n",
           run.operations, run.startup_kills, run.write_kills, run.interrupted_landed, seconds);
    printf("crash test: %u kills, %u downloads completed, %u interrupted, all states consistent\n",
           run.kills, run.downloads, run.interrupted);
    run.passed = true;
}

static void plant(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", run.state, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("left by a killed write", f);
    fclose(f);
}

static bool present(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", run.state, name);
    return stat(path, &st) == 0;
}

/* What a kill inside a write leaves (core/file.h's NAME.tmp.XXXXXX for
 * state.der and storage.key) is removed when the card starts, not by a
 * dump (a reader, which a running card may be writing beside), and
 * nothing else in the directory is touched. */
static void test_leftovers_removed_on_start(void **state)
{
    (void)state;
    euicc_identity_paths paths = {.directory = run.pki};
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    euicc *card = NULL;
    assert_int_equal(euicc_open(&paths, run.state, &options, time(NULL), &card), AW_OK);
    euicc_close(card);
    plant("state.der.tmp.Ab12Cd");
    plant("storage.key.tmp.Ef34Gh");
    plant("notes.tmp.kept");
    char *argv[] = {(char *)run.program, "--state", run.state, "dump", NULL};
    int status = crash_wait(crash_spawn(run.program, argv, run.dump_path));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(present("state.der.tmp.Ab12Cd") && present("storage.key.tmp.Ef34Gh"));
    card = NULL;
    assert_int_equal(euicc_open(&paths, run.state, &options, time(NULL), &card), AW_OK);
    euicc_close(card);
    assert_false(present("state.der.tmp.Ab12Cd"));
    assert_false(present("storage.key.tmp.Ef34Gh"));
    assert_true(present("notes.tmp.kept") && present("storage.key"));
    run.passed = true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-airwrite-euicc\n", argv[0]);
        return 2;
    }
    run.program = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_leftovers_removed_on_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_consistency, setup, teardown),
    };
    return cmocka_run_group_tests_name("euicc_crash", tests, NULL, NULL);
}
