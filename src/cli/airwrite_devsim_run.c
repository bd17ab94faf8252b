/* airwrite-devsim run: N simulated devices polling one eIM (SGP.32 3.4-3.6
 * on the IPA's side, 3.2 the downloads their triggers ask for) with bounded
 * concurrency: T worker threads take the device whose poll is due next from
 * one schedule (a binary heap by due time), visit it (airwrite_devsim_
 * device.c: opened from disk, polled until the eIM has nothing, closed) and
 * put it back due again after the poll interval, jittered so devices do not
 * poll in step, or after the IPA's backoff (ipa_poll_backoff_ms) when the
 * eIM could not be reached. Only the schedule (a few bytes a device) stays
 * in memory; each device's eUICC state and IPA journal are on disk. */
#include "airwrite_devsim.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/device_identity.h" /* --imei (helper devicelock) */

#define THREADS_MAX 256u
#define ERRORS_SHOWN 20u      /* device errors printed before the rest are only counted */
#define RETRY_BASE_MS 1000u
#define RETRY_MAX_MS 60000u
#define CYCLES_PER_VISIT 16u  /* packages run in one visit before others get a turn */
#define TICK_MS 100

typedef struct run_options {
    const char *dir, *eim, *ca;
    unsigned long threads, interval_ms, until_idle_s, duration_s, progress_s;
    devsim_visit_config visit;
    ipa_smdp_route routes[8];
    devsim_info_options info;     /* issue 8: --info-*, --location */
    devsim_info_config info_config;
} run_options;

/* One device's place in the schedule. */
typedef struct device_slot {
    int64_t due_ms;
    uint16_t failures;   /* visits in a row that ended in an error */
    bool visited;        /* visited without error in this run */
    bool busy;           /* its last visit ran a package or failed */
} device_slot;

typedef struct run_state {
    const run_options *o;
    char (*eids)[AW_PKI_EID_DIGITS + 1];
    size_t count;
    device_slot *slots;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    uint32_t *heap;      /* device indices, heap-ordered by due_ms */
    size_t heap_len;
    bool stop;
    /* progress (under lock) */
    size_t contacted, busy;
    unsigned long visits, errors, errors_shown;
    unsigned long info_taken, info_failed, info_shown; /* terminal information */
    devsim_visit_counts counts;
    int64_t last_activity_ms;
} run_state;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random_u32(uint64_t *state)
{
    /* xorshift64*: jitter only, never a secret */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 2685821657736338717ull) >> 32);
}

/* ---- the schedule (caller holds the lock) -------------------------------- */

static bool earlier(const run_state *s, uint32_t a, uint32_t b)
{
    return s->slots[a].due_ms < s->slots[b].due_ms;
}

static void heap_push(run_state *s, uint32_t device)
{
    size_t i = s->heap_len++;
    s->heap[i] = device;
    while (i > 0 && earlier(s, s->heap[i], s->heap[(i - 1) / 2])) {
        uint32_t parent = s->heap[(i - 1) / 2];
        s->heap[(i - 1) / 2] = s->heap[i];
        s->heap[i] = parent;
        i = (i - 1) / 2;
    }
}

static uint32_t heap_pop(run_state *s)
{
    uint32_t top = s->heap[0];
    s->heap[0] = s->heap[--s->heap_len];
    for (size_t i = 0;;) {
        size_t left = 2 * i + 1, right = left + 1, least = i;
        if (left < s->heap_len && earlier(s, s->heap[left], s->heap[least]))
            least = left;
        if (right < s->heap_len && earlier(s, s->heap[right], s->heap[least]))
            least = right;
        if (least == i)
            break;
        uint32_t moved = s->heap[i];
        s->heap[i] = s->heap[least];
        s->heap[least] = moved;
        i = least;
    }
    return top;
}

/* ---- workers ------------------------------------------------------------ */

typedef struct worker {
    run_state *state;
    ipa_esipa *esipa;     /* this worker's connection to the eIM */
    uint64_t random;
    pthread_t thread;
} worker;

/* The next device due, or UINT32_MAX when stopping. Waits until one is. */
static uint32_t take_due(run_state *s)
{
    pthread_mutex_lock(&s->lock);
    uint32_t device = UINT32_MAX;
    while (!s->stop) {
        int64_t now = now_ms();
        if (s->heap_len > 0 && s->slots[s->heap[0]].due_ms <= now) {
            device = heap_pop(s);
            break;
        }
        int64_t wait = s->heap_len > 0 ? s->slots[s->heap[0]].due_ms - now : TICK_MS;
        if (wait > TICK_MS)
            wait = TICK_MS; /* a stop request is seen within a tick */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)wait * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return device;
}

/* Record a visit's outcome and put the device back in the schedule. */
static void visit_done(worker *w, uint32_t device, aw_err err, bool idle,
                       const devsim_visit_counts *c)
{
    run_state *s = w->state;
    const run_options *o = s->o;
    pthread_mutex_lock(&s->lock);
    device_slot *slot = &s->slots[device];
    int64_t now = now_ms();
    bool was_busy = slot->busy;
    s->visits++;
    s->counts.packages += c->packages;
    s->counts.installed += c->installed;
    s->counts.download_failed += c->download_failed;
    s->counts.recovered += c->recovered;
    s->counts.replayed += c->replayed;
    s->info_taken += c->info_taken;
    s->info_failed += c->info_failed;
    if (c->info_failed > 0 && s->info_shown < ERRORS_SHOWN) {
        s->info_shown++;
        if (c->info_error == AW_ERR_TERMINAL_INFO_REFUSED)
            fprintf(stderr, "airwrite-devsim: device %s: terminal information: the platform "
                            "answered %d %s\n", s->eids[device], c->info_status, c->info_code);
        else
            fprintf(stderr, "airwrite-devsim: device %s: terminal information: %s (%s)\n",
                    s->eids[device], aw_err_message(c->info_error), aw_err_name(c->info_error));
    }
    if (err == AW_OK) {
        if (!slot->visited)
            s->contacted++;
        slot->visited = true;
        slot->failures = 0;
        slot->busy = !idle;
        /* more packages may wait: at once; else the interval, +-25% */
        unsigned spread = (unsigned)(o->interval_ms / 2);
        slot->due_ms = idle ? now + (int64_t)(o->interval_ms - spread / 2) +
                                  (spread > 0 ? random_u32(&w->random) % spread : 0)
                            : now;
    } else {
        s->errors++;
        slot->busy = true;
        if (slot->failures < UINT16_MAX)
            slot->failures++;
        slot->due_ms = now + ipa_poll_backoff_ms(RETRY_BASE_MS, RETRY_MAX_MS, slot->failures,
                                                 random_u32(&w->random));
        if (s->errors_shown < ERRORS_SHOWN) {
            s->errors_shown++;
            const char *detail = ipa_esipa_last_error(w->esipa);
            fprintf(stderr, "airwrite-devsim: device %s: %s (%s)%s%s%s\n", s->eids[device],
                    aw_err_message(err), aw_err_name(err), detail[0] != '\0' ? " [" : "",
                    detail, detail[0] != '\0' ? "]" : "");
            if (s->errors_shown == ERRORS_SHOWN)
                fprintf(stderr, "airwrite-devsim: further device errors only counted\n");
        }
    }
    if (slot->busy != was_busy)
        s->busy = slot->busy ? s->busy + 1 : s->busy - 1;
    if (c->packages > 0 || err != AW_OK)
        s->last_activity_ms = now;
    heap_push(s, device);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run_state *s = w->state;
    for (;;) {
        uint32_t device = take_due(s);
        if (device == UINT32_MAX)
            break;
        devsim_visit_counts counts;
        bool idle = false;
        memset(&counts, 0, sizeof(counts));
        aw_err err = devsim_visit(&s->o->visit, w->esipa, s->eids[device], &idle, &counts);
        visit_done(w, device, err, idle, &counts);
    }
    return NULL;
}

/* ---- the run -------------------------------------------------------------- */

static void print_progress(run_state *s, int64_t start, const char *end)
{
    pthread_mutex_lock(&s->lock);
    double elapsed = (double)(now_ms() - start) / 1000.0;
    fprintf(stderr,
            "airwrite-devsim: %zu/%zu contacted, %u packages, %u installed, %u failed, "
            "%u recovered, %u replayed, %lu errors, %lu visits (%.0f/s) in %.1f s%s",
            s->contacted, s->count, s->counts.packages, s->counts.installed,
            s->counts.download_failed, s->counts.recovered, s->counts.replayed, s->errors,
            s->visits, (double)s->visits / (elapsed > 0 ? elapsed : 1), elapsed, end);
    pthread_mutex_unlock(&s->lock);
}

/* Whether the run ends now: a signal, the duration, or idle for
 * until_idle_s (every device contacted, none with work or an error, no
 * package run for that long). */
static bool run_over(run_state *s, int64_t start)
{
    const run_options *o = s->o;
    int64_t now = now_ms();
    if (stop_signal != 0)
        return true;
    if (o->duration_s > 0 && now - start >= (int64_t)o->duration_s * 1000)
        return true;
    if (o->until_idle_s == 0)
        return false;
    pthread_mutex_lock(&s->lock);
    bool idle = s->contacted == s->count && s->busy == 0 &&
                now - s->last_activity_ms >= (int64_t)o->until_idle_s * 1000;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

static int run_devices(run_state *s, worker *workers, size_t threads, unsigned long rss_start)
{
    const run_options *o = s->o;
    int64_t start = now_ms(), last_progress = start;
    unsigned long peak = 0, rss = 0;
    s->last_activity_ms = start;
    uint64_t seed = (uint64_t)start | 1u;
    /* the first polls spread over one interval */
    for (size_t i = 0; i < s->count; i++) {
        s->slots[i].due_ms =
            start + (o->interval_ms > 0 ? random_u32(&seed) % o->interval_ms : 0);
        heap_push(s, (uint32_t)i);
    }
    size_t started = 0;
    for (; started < threads; started++)
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]) != 0)
            break;
    if (started == 0) {
        fprintf(stderr, "airwrite-devsim: no worker thread could start\n");
        return DEVSIM_EXIT_FAILED;
    }
    while (!run_over(s, start)) {
        struct timespec tick = {0, TICK_MS * 1000000L};
        nanosleep(&tick, NULL);
        if (o->progress_s > 0 && now_ms() - last_progress >= (int64_t)o->progress_s * 1000) {
            last_progress = now_ms();
            print_progress(s, start, "\n");
        }
    }
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    print_progress(s, start, stop_signal != 0 ? " (stopped by a signal)\n" : "\n");
    devsim_read_memory(&rss, &peak);
    /* what a device costs while it is not being visited: its schedule slot
     * and EID; the rest of the peak is the workers' (TLS, one device's
     * eUICC and a BPP each) */
    fprintf(stderr,
            "airwrite-devsim: memory: RSS %lu KiB at the end, peak %lu KiB: %lu KiB above "
            "the %lu KiB before the devices were loaded, %.2f KiB per device (%zu devices, "
            "%zu threads; %zu bytes of schedule per device)\n",
            rss, peak, peak > rss_start ? peak - rss_start : 0, rss_start,
            (double)(peak > rss_start ? peak - rss_start : 0) / (double)s->count, s->count,
            started, sizeof(device_slot) + sizeof(s->eids[0]) + sizeof(s->heap[0]));
    if (o->visit.info != NULL)
        fprintf(stderr, "airwrite-devsim: terminal information: %lu reports taken, %lu "
                        "refused or not sent\n", s->info_taken, s->info_failed);
    printf("devices %zu contacted %zu installed %u failed %u errors %lu\n", s->count,
           s->contacted, s->counts.installed, s->counts.download_failed, s->errors);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-devsim run --dir DIR --eim https://HOST[:PORT] --ca FILE\n"
            "                           [--threads T] [--poll-interval MS]\n"
            "                           [--until-idle S | --duration S] [--progress S]\n"
            "                           [--download-mode indirect|direct] [--smdp-ca FILE]\n"
            "                           [--route ADDRESS=URL]... [--imei DIGITS]\n"
            "                           [--info-url URL --info-platform-key PEM\n"
            "                            [--info-suite S] [--info-key-id N] [--info-ca FILE]\n"
            "                            [--location LAT,LON,ACCURACY[,TIME]]]\n"
            "  --dir DIR          the devices of airwrite-devsim provision\n"
            "  --eim URL          the eIM every device polls (ESipa over HTTPS)\n"
            "  --ca FILE          CA certificates (PEM) of the eIM's TLS\n"
            "  --threads T        worker threads, each one device at a time (default 4)\n"
            "  --poll-interval MS a device's wait between polls when idle, jittered +-25%%\n"
            "                     (default 5000; the first polls spread over one interval)\n"
            "  --until-idle S     stop once every device was contacted and nothing happened\n"
            "                     for S seconds\n"
            "  --duration S       stop after S seconds (otherwise SIGINT/SIGTERM stop it)\n"
            "  --progress S       a progress line on stderr every S seconds (default 2, 0 off)\n"
            "  --download-mode M  how triggers download: indirect through the eIM (default)\n"
            "                     or direct to the SM-DP+ over ES9+ (needs --smdp-ca)\n"
            "  --smdp-ca FILE     CA certificates (PEM) of the SM-DP+'s TLS (direct)\n"
            "  --route A=URL      reach SM-DP+ address A at URL (direct)\n"
            "  --imei DIGITS      the IMEI (15) or IMEISV (16) every device's DeviceInfo\n"
            "                     reports (default none; docs/device-lock.md), and the IMEI\n"
            "                     of their terminal information\n"
            "  --info-url URL     each device reports its terminal information (sealed to\n"
            "                     the platform's key, signed with its certificate's key) to\n"
            "                     https://PLATFORM:PORT/terminal/v1/info over mutual TLS with\n"
            "                     DIR/devices/EID/device-EID.pem and .key.pem (airwrite-pki\n"
            "                     device --eid EID --out DIR/devices/EID) before each poll\n"
            "                     cycle (docs/terminal-info.md)\n"
            "  --info-platform-key PEM  the platform's public key (--info-suite\n"
            "                     international, the default, or domestic; --info-key-id N\n"
            "                     its id, default 1)\n"
            "  --info-ca FILE     CA certificates (PEM) of the platform's TLS (default --ca)\n"
            "  --location VALUE   every device's location: LAT,LON,ACCURACY[,TIME] or\n"
            "                     cell,MCC,MNC,TAC,CELLID[,TIME]; a device's own file\n"
            "                     DIR/devices/EID/location (one such line), read at each\n"
            "                     visit, takes its place\n"
            "Prints 'devices N contacted C installed I failed F errors E' at the end.\n");
}

static int parse_options(int argc, char **argv, run_options *o)
{
    /* a TAC as a test device integrator would configure it (SGP.22 4.2) */
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memset(o, 0, sizeof(*o));
    o->threads = 4;
    o->interval_ms = 5000;
    o->progress_s = 2;
    o->visit.max_cycles = CYCLES_PER_VISIT;
    memcpy(o->visit.download.device_info.tac, tac, sizeof(tac));
    o->visit.download.trigger_mode = IPA_DOWNLOAD_INDIRECT;
    o->visit.download.smdp_routes = o->routes;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;
        int taken = 0;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--dir") == 0) {
            o->dir = v;
        } else if (strcmp(a, "--eim") == 0) {
            o->eim = v;
        } else if (strcmp(a, "--ca") == 0) {
            o->ca = v;
        } else if (strcmp(a, "--smdp-ca") == 0) {
            o->visit.download.smdp_ca_file = v;
        } else if (strcmp(a, "--threads") == 0) {
            ok = ok && devsim_parse_unsigned(v, THREADS_MAX, false, &o->threads);
        } else if (strcmp(a, "--poll-interval") == 0) {
            ok = ok && devsim_parse_unsigned(v, 86400000, false, &o->interval_ms);
        } else if (strcmp(a, "--until-idle") == 0) {
            ok = ok && devsim_parse_unsigned(v, 86400, false, &o->until_idle_s);
        } else if (strcmp(a, "--duration") == 0) {
            ok = ok && devsim_parse_unsigned(v, 864000, false, &o->duration_s);
        } else if (strcmp(a, "--progress") == 0) {
            ok = ok && devsim_parse_unsigned(v, 3600, true, &o->progress_s);
        } else if (strcmp(a, "--download-mode") == 0) {
            ok = ok && (strcmp(v, "indirect") == 0 || strcmp(v, "direct") == 0);
            o->visit.download.trigger_mode =
                ok && v[0] == 'd' ? IPA_DOWNLOAD_DIRECT : IPA_DOWNLOAD_INDIRECT;
        } else if (strcmp(a, "--imei") == 0) { /* DeviceInfo imei (card-device locking) */
            ok = ok && (strlen(v) == 15 || strlen(v) == 16) &&
                 device_identity_digits_to_octets(v, o->visit.download.device_info.imei,
                                                  IPA_IMEI_SIZE);
            o->visit.download.device_info.has_imei = ok;
            o->info.imei = ok ? v : NULL;
        } else if ((taken = devsim_info_parse_option(&o->info, a, v)) != 0) {
            ok = taken > 0; /* issue 8: airwrite_devsim_info.c */
        } else if (strcmp(a, "--route") == 0) {
            ipa_download_config *c = &o->visit.download;
            const char *equals = ok ? strchr(v, '=') : NULL;
            ok = equals != NULL && equals != v && strncmp(equals + 1, "https://", 8) == 0 &&
                 c->smdp_route_count < sizeof(o->routes) / sizeof(o->routes[0]);
            if (ok) {
                argv[i + 1][equals - v] = '\0'; /* the address ends at '=' */
                o->routes[c->smdp_route_count++] = (ipa_smdp_route){v, equals + 1};
            }
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "airwrite-devsim run: bad or incomplete option '%s'\n", a);
            return DEVSIM_EXIT_USAGE;
        }
        i++;
    }
    if (o->dir == NULL || o->eim == NULL || o->ca == NULL) {
        fprintf(stderr, "airwrite-devsim run: needs --dir, --eim and --ca\n");
        return DEVSIM_EXIT_USAGE;
    }
    if (o->until_idle_s > 0 && o->duration_s > 0) {
        fprintf(stderr, "airwrite-devsim run: --until-idle or --duration, not both\n");
        return DEVSIM_EXIT_USAGE;
    }
    if (o->visit.download.trigger_mode == IPA_DOWNLOAD_DIRECT &&
        o->visit.download.smdp_ca_file == NULL) {
        fprintf(stderr, "airwrite-devsim run: --download-mode direct needs --smdp-ca\n");
        return DEVSIM_EXIT_USAGE;
    }
    const char *kill_at = getenv("AIRWRITE_DEVSIM_KILL_AT"); /* tests only */
    if (kill_at != NULL && strcmp(kill_at, "installed") == 0)
        o->visit.kill_at = DEVSIM_KILL_INSTALLED;
    else if (kill_at != NULL && strcmp(kill_at, "result-saved") == 0)
        o->visit.kill_at = DEVSIM_KILL_RESULT_SAVED;
    else if (kill_at != NULL && strcmp(kill_at, "delivering") == 0)
        o->visit.kill_at = DEVSIM_KILL_DELIVERING;
    o->visit.dir = o->dir;
    o->visit.download.eim_url = o->eim;
    o->visit.download.eim_ca_file = o->ca;
    return 0;
}

int devsim_run(int argc, char **argv)
{
    run_options o;
    int status = parse_options(argc, argv, &o);
    if (status != 0)
        return status < 0 ? 0 : status;
    crypto_envelope_key *platform_key = NULL;
    if (o.info.given) {
        status = devsim_info_load(&o.info, o.ca, &o.info_config, &platform_key);
        if (status != 0)
            return status;
        o.visit.info = &o.info_config;
    }
    run_state s;
    memset(&s, 0, sizeof(s));
    s.o = &o;
    unsigned long rss_start = 0, peak = 0;
    devsim_read_memory(&rss_start, &peak);
    worker *workers = calloc(o.threads, sizeof(*workers));
    aw_err err = workers != NULL ? devsim_read_eids(o.dir, &s.eids, &s.count) : AW_ERR_NOMEM;
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-devsim: %s/" DEVSIM_EIDS_FILE ": %s (%s)\n", o.dir,
                aw_err_message(err), aw_err_name(err));
        free(workers);
        crypto_envelope_key_free(platform_key);
        return DEVSIM_EXIT_FAILED;
    }
    s.slots = calloc(s.count, sizeof(*s.slots));
    s.heap = calloc(s.count, sizeof(*s.heap));
    uint8_t seed[8];
    if (crypto_random_bytes(seed, sizeof(seed)) != AW_OK)
        memset(seed, 0x5A, sizeof(seed)); /* jitter only */
    ipa_esipa_config ec = {.eim_url = o.eim, .ca_file = o.ca};
    err = s.slots != NULL && s.heap != NULL ? AW_OK : AW_ERR_NOMEM;
    for (size_t i = 0; err == AW_OK && i < o.threads; i++) {
        workers[i].state = &s;
        memcpy(&workers[i].random, seed, sizeof(seed));
        workers[i].random ^= (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
        workers[i].random |= 1u;
        err = ipa_esipa_new(&ec, &workers[i].esipa);
    }
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-devsim: --eim %s: %s (%s)\n", o.eim, aw_err_message(err),
                aw_err_name(err));
        status = err == AW_ERR_ARGUMENT ? DEVSIM_EXIT_USAGE : DEVSIM_EXIT_FAILED;
    } else {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&s.lock, NULL);
        pthread_cond_init(&s.wake, &attr);
        pthread_condattr_destroy(&attr);
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN); /* core/http_client.h */
        fprintf(stderr, "airwrite-devsim: %zu devices, %lu threads, polling %s every %lu ms\n",
                s.count, o.threads, o.eim, o.interval_ms);
        status = run_devices(&s, workers, o.threads, rss_start);
        pthread_cond_destroy(&s.wake);
        pthread_mutex_destroy(&s.lock);
    }
    for (size_t i = 0; i < o.threads; i++)
        ipa_esipa_free(workers[i].esipa);
    free(workers);
    free(s.heap);
    free(s.slots);
    free(s.eids);
    crypto_envelope_key_free(platform_key);
    return status;
}
