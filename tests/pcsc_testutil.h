/* Test scaffolding shared by the PC/SC tests (test_euicc_pcsc.c,
 * test_euicc_isdr_pcsc.c, test_ipa_pcsc.c): a private pcscd in the
 * foreground with its own reader.conf.d naming the vsmartcard vpcd driver on
 * a free loopback port pair, and the reasons to skip. Debian's pcscd always
 * serves the system socket /run/pcscd/pcscd.comm, so these tests need no
 * other pcscd running and must not run in parallel with each other. */
#ifndef AIRWRITE_TESTS_PCSC_TESTUTIL_H
#define AIRWRITE_TESTS_PCSC_TESTUTIL_H

#include "testutil.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#define PCSC_TEST_PCSCD "/usr/sbin/pcscd"
#define PCSC_TEST_VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define PCSC_TEST_READER "airwrite eUICC"

static inline void pcsc_test_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Prints why the test cannot run and returns true: pcscd or the vpcd
 * driver missing, or another pcscd owning the system socket. */
static inline bool pcsc_test_skip(void)
{
    if (access(PCSC_TEST_PCSCD, X_OK) != 0 || access(PCSC_TEST_VPCD_DRIVER, R_OK) != 0) {
        printf("skipped: needs %s and %s (scripts/setup-deps installs pcscd and "
               "vsmartcard-vpcd)\n", PCSC_TEST_PCSCD, PCSC_TEST_VPCD_DRIVER);
        return true;
    }
    FILE *pid_file = fopen("/run/pcscd/pcscd.pid", "r");
    if (pid_file == NULL)
        return false;
    int pid = 0;
    bool running = fscanf(pid_file, "%d", &pid) == 1 && pid > 0 && kill(pid, 0) == 0;
    fclose(pid_file);
    if (running)
        printf("skipped: another pcscd (pid %d) owns /run/pcscd/pcscd.comm\n", pid);
    return running;
}

/* A port pair (vpcd opens one port per slot, two slots) free right now. */
static inline unsigned pcsc_test_pick_port(void)
{
    for (unsigned attempt = 0; attempt < 200; attempt++) {
        unsigned port = 20000 + (unsigned)((getpid() * 7919u + attempt * 104729u) % 20000u);
        bool free_pair = true;
        for (unsigned k = 0; k < 2 && free_pair; k++) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in sin = {.sin_family = AF_INET,
                                      .sin_port = htons((uint16_t)(port + k))};
            free_pair = s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
            if (s >= 0)
                close(s);
        }
        if (free_pair)
            return port;
    }
    fail_msg("no free port pair for vpcd");
    return 0;
}

/* Starts pcscd on DIR/reader.conf.d, logging to DIR/pcscd.log. With port
 * nonzero the directory names one vpcd reader, PCSC_TEST_READER, whose driver
 * listens on 127.0.0.1:port (its default mode; the card connects to it, as
 * airwrite-euicc --vpcd does); with port 0 pcscd has no reader at all.
 * Returns pcscd's pid. */
static inline pid_t pcsc_test_start_pcscd(const char *dir, unsigned port)
{
    char confdir[512];
    snprintf(confdir, sizeof(confdir), "%s/reader.conf.d", dir);
    assert_int_equal(mkdir(confdir, 0700), 0);
    if (port != 0) {
        char path[600];
        snprintf(path, sizeof(path), "%s/airwrite-euicc", confdir);
        FILE *conf = fopen(path, "w");
        assert_non_null(conf);
        fprintf(conf, "FRIENDLYNAME \"" PCSC_TEST_READER "\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n",
                port, PCSC_TEST_VPCD_DRIVER);
        fclose(conf);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char log[512];
        snprintf(log, sizeof(log), "%s/pcscd.log", dir);
        if (freopen(log, "w", stdout) == NULL || dup2(fileno(stdout), 2) < 0)
            _exit(101);
        execl(PCSC_TEST_PCSCD, "pcscd", "--foreground", "--config", confdir, "--debug",
              (char *)NULL);
        _exit(102);
    }
    return pid;
}

/* Terminates and reaps *pid if it runs, and forgets it. */
static inline void pcsc_test_stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = -1;
    }
}

/* Waits (bounded) for pcscd, then for the reader to show a card, and
 * connects to it; the log in dir is named on failure. */
static inline void pcsc_test_connect(const char *dir, SCARDCONTEXT *context, SCARDHANDLE *handle,
                                     DWORD *protocol)
{
    LONG rv = SCARD_E_NO_SERVICE;
    for (int i = 0; i < 100 && rv != SCARD_S_SUCCESS; i++) {
        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, context);
        if (rv != SCARD_S_SUCCESS)
            pcsc_test_sleep_ms(100);
    }
    assert_int_equal(rv, SCARD_S_SUCCESS);
    char readers[1024];
    for (int i = 0; i < 100; i++) {
        DWORD len = sizeof(readers);
        rv = SCardListReaders(*context, NULL, readers, &len);
        if (rv == SCARD_S_SUCCESS && strstr(readers, PCSC_TEST_READER) != NULL) {
            rv = SCardConnect(*context, readers, SCARD_SHARE_SHARED,
                              SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, handle, protocol);
            if (rv == SCARD_S_SUCCESS)
                break;
        }
        pcsc_test_sleep_ms(100);
    }
    if (rv != SCARD_S_SUCCESS)
        print_error("pcscd log: %s/pcscd.log\n", dir);
    assert_int_equal(rv, SCARD_S_SUCCESS);
}

#endif
