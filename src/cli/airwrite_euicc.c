/* airwrite-euicc: run the software eUICC (SGP.22 ISD-R, src/euicc/euicc.h)
 * as a card in a PC/SC reader through vsmartcard's vpcd (vpcd.h), or show
 * what a state directory holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "euicc/euicc.h"
#include "euicc/vpcd.h"

#define CONNECT_ATTEMPTS 100 /* 10 s for pcscd's vpcd driver to start listening */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-euicc --state DIR --identity PKIDIR [identity files] [--root-ds FQDN]\n"
            "                      [--t0|--t1] [--profile-limit N]\n"
            "                      (--vpcd HOST:PORT | --listen ADDR:PORT)\n"
            "       airwrite-euicc --state DIR [--identity PKIDIR [identity files]] dump\n"
            "       airwrite-euicc --help\n"
            "\n"
            "Serves a software eUICC (SGP.22 ISD-R) over the vsmartcard vpcd protocol, so\n"
            "pcscd shows it as a card in a PC/SC reader.\n"
            "  --state DIR       persistent state (profiles, notifications, addresses);\n"
            "                    created on first start, with its storage key (0600)\n"
            "  --identity DIR    the eUICC identity as written by 'airwrite-pki init DIR':\n"
            "                    euicc.pem, euicc.key.pem, eum.pem, ci.pem\n"
            "  --euicc-cert F, --euicc-key F, --eum-cert F, --ci-cert F\n"
            "                    identity files (PEM or DER certificates, PEM key), each\n"
            "                    overriding the one in --identity; with all four, --identity\n"
            "                    is not needed\n"
            "  --root-ds FQDN    root SM-DS address of a new state (default %s)\n"
            "  --t0, --t1        transmission protocol the card prefers (default T=1)\n"
            "  --profile-limit N the most profiles the card takes, kept in its state (0:\n"
            "                    none, the card's capacity); a download beyond it fails with\n"
            "                    installFailedDueToInsufficientMemoryForProfile (SGP.22 5.7.6)\n"
            "  --vpcd HOST:PORT  connect to pcscd's vpcd driver listening there (its default)\n"
            "  --listen ADDR:PORT  listen for vpcd in reverse mode and serve each connection\n"
            "dump  prints the state: EID (with an identity), addresses, profiles (ICCID,\n"
            "      ISD-P AID, state, IMSI, nickname), pending notifications. No secrets.\n",
            EUICC_DEFAULT_ROOT_DS);
}

static void print_error(const char *what, aw_err err)
{
    fprintf(stderr, "airwrite-euicc: %s: %s (%s)\n", what, aw_err_message(err), aw_err_name(err));
}

/* Split HOST:PORT at the last colon (so [::1]:PORT and ::1:PORT work). */
static bool split_endpoint(const char *text, char *host, size_t host_cap, const char **port)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || colon[1] == '\0')
        return false;
    size_t n = (size_t)(colon - text);
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n >= host_cap)
        return false;
    memcpy(host, text, n);
    host[n] = '\0';
    *port = colon + 1;
    return true;
}

static int serve_vpcd(euicc *card, const char *endpoint)
{
    char host[256];
    const char *port;
    int fd = -1;
    aw_err err = AW_ERR_IO;
    if (!split_endpoint(endpoint, host, sizeof(host), &port)) {
        fprintf(stderr, "airwrite-euicc: --vpcd wants HOST:PORT, got '%s'\n", endpoint);
        return 2;
    }
    for (int i = 0; i < CONNECT_ATTEMPTS && err != AW_OK; i++) {
        err = euicc_vpcd_connect(host, port, &fd);
        if (err != AW_OK)
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    if (err != AW_OK) {
        print_error("connecting to vpcd", err);
        return 1;
    }
    err = euicc_vpcd_serve(euicc_get_card(card), fd);
    close(fd);
    if (err != AW_OK) {
        print_error("serving vpcd", err);
        return 1;
    }
    return 0;
}

static int serve_listen(euicc *card, const char *endpoint)
{
    char host[256];
    const char *port;
    int listen_fd = -1;
    if (!split_endpoint(endpoint, host, sizeof(host), &port)) {
        fprintf(stderr, "airwrite-euicc: --listen wants ADDR:PORT, got '%s'\n", endpoint);
        return 2;
    }
    aw_err err = euicc_vpcd_listen(host, port, &listen_fd);
    if (err != AW_OK) {
        print_error("listening", err);
        return 1;
    }
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            perror("airwrite-euicc: accept");
            close(listen_fd);
            return 1;
        }
        /* each reader connection is a fresh power-up of the card */
        euicc_reset(card);
        err = euicc_vpcd_serve(euicc_get_card(card), fd);
        close(fd);
        if (err != AW_OK)
            print_error("serving vpcd (waiting for the next connection)", err);
    }
}

int main(int argc, char **argv)
{
    euicc_identity_paths identity = {0};
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    const char *state_dir = NULL, *vpcd = NULL, *listen_at = NULL, *profile_limit = NULL;
    bool dump = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--t0") == 0) {
            options.protocol = EUICC_PROTOCOL_T0;
        } else if (strcmp(a, "--t1") == 0) {
            options.protocol = EUICC_PROTOCOL_T1;
        } else if (strcmp(a, "dump") == 0) {
            dump = true;
        } else if (strcmp(a, "--state") == 0) {
            value = &state_dir;
        } else if (strcmp(a, "--identity") == 0) {
            value = &identity.directory;
        } else if (strcmp(a, "--euicc-cert") == 0) {
            value = &identity.euicc_certificate;
        } else if (strcmp(a, "--euicc-key") == 0) {
            value = &identity.euicc_key;
        } else if (strcmp(a, "--eum-cert") == 0) {
            value = &identity.eum_certificate;
        } else if (strcmp(a, "--ci-cert") == 0) {
            value = &identity.ci_certificate;
        } else if (strcmp(a, "--root-ds") == 0) {
            value = &options.root_ds_address;
        } else if (strcmp(a, "--vpcd") == 0) {
            value = &vpcd;
        } else if (strcmp(a, "--listen") == 0) {
            value = &listen_at;
        } else if (strcmp(a, "--profile-limit") == 0) { /* issue 8 */
            value = &profile_limit;
        } else {
            fprintf(stderr, "airwrite-euicc: unknown argument '%s' (see --help)\n", a);
            return 2;
        }
        if (value != NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "airwrite-euicc: %s needs a value\n", a);
                return 2;
            }
            *value = argv[++i];
        }
    }
    bool has_identity = identity.directory != NULL || identity.euicc_certificate != NULL ||
                        identity.euicc_key != NULL || identity.eum_certificate != NULL ||
                        identity.ci_certificate != NULL;
    if (state_dir == NULL) {
        fprintf(stderr, "airwrite-euicc: --state DIR is required (see --help)\n");
        return 2;
    }
    if (dump && !has_identity) {
        aw_err err = euicc_dump_state(state_dir, stdout);
        if (err != AW_OK)
            print_error(state_dir, err);
        return err == AW_OK ? 0 : 1;
    }
    if (!has_identity) {
        fprintf(stderr, "airwrite-euicc: --identity DIR (or the four identity files) required\n");
        return 2;
    }
    if (!dump && (vpcd == NULL) == (listen_at == NULL)) {
        fprintf(stderr, "airwrite-euicc: give exactly one of --vpcd HOST:PORT, --listen ADDR:PORT\n");
        return 2;
    }
    char *end = NULL;
    unsigned long limit = profile_limit != NULL ? strtoul(profile_limit, &end, 10) : 0;
    if (profile_limit != NULL && (profile_limit[0] < '0' || profile_limit[0] > '9' ||
                                  *end != '\0' || limit > euicc_profile_capacity())) {
        fprintf(stderr, "airwrite-euicc: --profile-limit is 0..%zu\n", euicc_profile_capacity());
        return 2;
    }
    euicc *card = NULL;
    aw_err err = euicc_open(&identity, state_dir, &options, time(NULL), &card);
    if (err != AW_OK) {
        print_error("opening the eUICC", err);
        return 1;
    }
    if (profile_limit != NULL && (err = euicc_set_profile_limit(card, (size_t)limit)) != AW_OK) {
        print_error("--profile-limit", err);
        euicc_close(card);
        return 1;
    }
    int status;
    if (dump) {
        err = euicc_dump(card, stdout);
        if (err != AW_OK)
            print_error("dump", err);
        status = err == AW_OK ? 0 : 1;
    } else {
        status = vpcd != NULL ? serve_vpcd(card, vpcd) : serve_listen(card, listen_at);
    }
    euicc_close(card);
    return status;
}
