/* airwrite-ipa: the IoT Profile Assistant's ES10 functions from the
 * command line (src/ipa/ipa.h): the eUICC behind a PC/SC reader, a
 * cellular module's AT interface (3GPP TS 27.007 +CCHO/+CGLA or +CSIM), or
 * the software eUICC's vpcd socket. SGP.22 5.7.8 GetEUICCInfo, 5.7.9
 * ListNotification, 5.7.15-5.7.18 profiles, 5.7.20 GetEID; and the IPA
 * proper, `poll`: SGP.32 3.4-3.6 eIM Packages over ESipa (src/ipa/esipa.h),
 * its Profile Download Triggers run by the download hook (SGP.32 3.2); and
 * `download`, the direct Profile download (airwrite_ipa_download.c).
 *
 * Exit status: 0 done, 1 airwrite or transport failure (the AW_ERR_* name,
 * and the status word / module error / PC/SC code when there is one), 2
 * usage, 3 the eUICC or the SM-DP+ refused the operation (its SGP.22 result
 * code). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/hex.h"
#include "ipa/ipa.h"
#include "ipa/notification.h"

#include "airwrite_ipa_device_binding.h" /* card-device locking (helper devicelock) */
#include "airwrite_ipa_download.h"
#include "airwrite_ipa_firmware.h"
#include "airwrite_ipa_terminal_info.h" /* --info-*, terminal-info (helper terminfo) */
#include "airwrite_ipa_listen.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-ipa TRANSPORT [--timeout MS] [--segment N] COMMAND [ARG]\n"
            "       airwrite-ipa firmware-update --state DIR --trust PEM ... (see its --help)\n"
            "       airwrite-ipa terminal-info --eid EID --info-url URL ... (see its --help;\n"
            "                    its --info-* options also make poll report before each cycle)\n"
            "       airwrite-ipa --help\n"
            "\n"
            "TRANSPORT is one of:\n"
            "  --pcsc [READER]       a PC/SC reader (name contains READER; default: the first\n"
            "                        reader with a card)\n"
            "  --t0, --t1            with --pcsc: only that protocol (default: either)\n"
            "  --at DEVICE[,BAUD]    a cellular module's AT port (default 115200 baud); uses\n"
            "                        +CCHO/+CGLA, or +CSIM where the module lacks them\n"
            "  --at-csim             with --at: use +CSIM even if +CCHO exists\n"
            "  --socket HOST:PORT    the vpcd socket of 'airwrite-euicc --listen'\n"
            "  --timeout MS          per answer, for --at and --socket (default 5000)\n"
            "  --segment N           STORE DATA block size, 1..255 (default 255)\n"
            "COMMAND is one of:\n"
            "  eid                   the EID (ES10c.GetEID)\n"
            "  info                  EUICCInfo2 (ES10b.GetEUICCInfo)\n"
            "  profiles              installed profiles (ES10c.GetProfilesInfo)\n"
            "  enable ICCID          ES10c.EnableProfile\n"
            "  disable ICCID         ES10c.DisableProfile\n"
            "  delete ICCID          ES10c.DeleteProfile\n"
            "  notifications         pending notifications (ES10b.ListNotification)\n"
            "  poll                  run the eIM's packages (ESipa GetEimPackage, then\n"
            "                        LoadEuiccPackage / IpaEuiccDataRequest,\n"
            "                        ProvideEimPackageResult; then the notifications\n"
            "                        left pending on the eUICC, SGP.22 3.5), with:\n"
            "    --eim https://HOST[:PORT]  the eIM (default: eimFqdn of the eUICC's eIM)\n"
            "    --ca FILE           CA certificates (PEM) of the eIM's TLS (required)\n"
            "    --once              stop when no package is left\n"
            "    --interval S        wait between polls when idle (default 60)\n"
            "    --journal FILE      keep the operation in flight across crashes\n"
            "    --tls12             cap TLS at 1.2 (brainpoolP256r1 eIM certificates)\n"
            "    --esipa-binding B   asn1 (/gsma/rsp2/asn1, default) or json\n"
            "                        (/gsma/rsp2/esipa/<function>, SGP.32 6.4)\n"
            "    --eim-sgp32-version V  1.2 (default), 1.1, or 1.0: send the SGP.32 v1.0\n"
            "                        forms (docs/sgp32-versions.md), e.g. no eidValue;\n"
            "                        ASN.1 binding only\n"
            "    --minimize-esipa-bytes  send the compact ESipa forms and announce\n"
            "                        minimizeEsipaBytes (SGP.32): the eIM must hold the\n"
            "                        eUICC's euiccInfo1/2 and certificates\n"
            "  listen                answer the eIM's pushed packages (ESipa.TransferEimPackage,\n"
            "                        SGP.32 6.3.2.8) over mutual-TLS HTTPS; the poll options\n"
            "                        reach the eIM for trigger results, and:\n"
            "    --listen ADDR:PORT  where to listen (default 127.0.0.1:4430)\n"
            "    --cert FILE         the IPA's TLS certificate chain (PEM, required)\n"
            "    --key FILE          its private key (PEM, required)\n"
            "                        (--ca also verifies the eIM's client certificate)\n"
            "  add-initial-eim       configure the first eIM (ES10b.AddInitialEim), with:\n"
            "    --eim-id ID         its eimId\n"
            "    --eim-fqdn FQDN     its address (poll's default eIM)\n"
            "    --eim-cert FILE     its certificate (PEM): the key its packages verify with\n");
    download_options_usage(f);
    device_binding_options_usage(f);
    fprintf(f, "Exit status: 0 done (download: installed), 1 failure, 2 usage, 3 refused by\n"
               "the eUICC or the SM-DP+ (download: with its SGP.22 codes).\n");
}

static int fail(const char *what, aw_err err, const ipa_transport *transport,
                const ipa *session)
{
    fprintf(stderr, "airwrite-ipa: %s: %s (%s)", what, aw_err_message(err), aw_err_name(err));
    if (err == AW_ERR_IPA_STATUS_WORD && session != NULL)
        fprintf(stderr, ", status word %04X", ipa_status_word(session));
    else if (transport != NULL && transport->detail != 0)
        fprintf(stderr, ", %s detail %ld", transport->ops->name, transport->detail);
    fputc('\n', stderr);
    return EXIT_FAILED;
}

/* Split HOST:PORT at the last colon ([::1]:PORT works). */
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

/* ICCID digits to the EF.ICCID coding (ITU-T E.118, nibbles swapped, F pad). */
static bool iccid_from_text(const char *text, uint8_t out[SGP22_ICCID_SIZE])
{
    size_t len = strlen(text);
    if (len < 19 || len > 20)
        return false;
    memset(out, 0xFF, SGP22_ICCID_SIZE);
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        uint8_t d = (uint8_t)(text[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] & 0x0F) | d << 4 : 0xF0 | d);
    }
    return true;
}

static void print_iccid(aw_slice iccid)
{
    for (size_t i = 0; i < iccid.len; i++) {
        unsigned low = iccid.ptr[i] & 0x0Fu, high = iccid.ptr[i] >> 4;
        if (low <= 9)
            putchar('0' + (int)low);
        if (high <= 9)
            putchar('0' + (int)high);
    }
}

static void print_hex(aw_slice s)
{
    for (size_t i = 0; i < s.len; i++)
        printf("%02X", s.ptr[i]);
}

static void print_version(const char *label, aw_slice v)
{
    printf("%-24s", label);
    for (size_t i = 0; i < v.len; i++)
        printf(i ? ".%u" : "%u", v.ptr[i]);
    putchar('\n');
}

static void print_pkids(const char *label, sgp22_octets_list list)
{
    sgp22_list_iter it;
    aw_slice pkid;
    sgp22_list_iter_init(&it, list.raw);
    while (sgp22_octets_list_next(&it, &pkid) == AW_OK) {
        printf("%-24s", label);
        print_hex(pkid);
        putchar('\n');
    }
}

static int command_info(ipa *session, const ipa_transport *transport)
{
    sgp22_euicc_info2 info;
    aw_err err = ipa_es10b_get_euicc_info2(session, &info);
    if (err != AW_OK)
        return fail("GetEUICCInfo", err, transport, session);
    print_version("profile version", info.profile_version);
    print_version("SVN", info.svn);
    print_version("firmware version", info.euicc_firmware_ver);
    print_pkids("CI for verification", info.euicc_ci_pkid_list_for_verification);
    print_pkids("CI for signing", info.euicc_ci_pkid_list_for_signing);
    if (info.has_euicc_category)
        printf("%-24s%lld\n", "category", (long long)info.euicc_category);
    printf("%-24s%08X\n", "RSP capability", (unsigned)info.rsp_capability);
    return 0;
}

static const char *state_name(const sgp22_profile_info *p)
{
    if (!p->has_profile_state)
        return "-";
    return p->profile_state == SGP22_PROFILE_STATE_ENABLED ? "enabled" : "disabled";
}

static const char *class_name(const sgp22_profile_info *p)
{
    static const char *const names[] = {"test", "provisioning", "operational"};
    if (!p->has_profile_class || p->profile_class < 0 || p->profile_class > 2)
        return "-";
    return names[p->profile_class];
}

static int command_profiles(ipa *session, const ipa_transport *transport)
{
    sgp22_profile_info_list_response response;
    aw_err err = ipa_es10c_get_profiles_info(session, NULL, &response);
    if (err != AW_OK)
        return fail("GetProfilesInfo", err, transport, session);
    if (response.kind != SGP22_PROFILE_INFO_LIST_OK) {
        fprintf(stderr, "airwrite-ipa: GetProfilesInfo: profileInfoListError %lld\n",
                (long long)response.profile_info_list_error);
        return EXIT_REFUSED;
    }
    sgp22_list_iter it;
    sgp22_profile_info p;
    sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
    while ((err = sgp22_profile_info_list_next(&it, &p)) == AW_OK) {
        print_iccid(p.iccid);
        printf(" %s %s", state_name(&p), class_name(&p));
        if (p.has_service_provider_name)
            printf(" provider '%.*s'", (int)p.service_provider_name.len,
                   (const char *)p.service_provider_name.ptr);
        if (p.has_profile_name)
            printf(" name '%.*s'", (int)p.profile_name.len, (const char *)p.profile_name.ptr);
        if (p.has_profile_nickname)
            printf(" nickname '%.*s'", (int)p.profile_nickname.len,
                   (const char *)p.profile_nickname.ptr);
        putchar('\n');
    }
    return err == AW_ERR_NOT_FOUND ? 0 : fail("ProfileInfo", err, transport, session);
}

static int command_notifications(ipa *session, const ipa_transport *transport)
{
    static const char *const events[] = {"install", "enable", "disable", "delete"};
    sgp22_list_notification_response response;
    aw_err err = ipa_es10b_list_notification(session, 0, &response);
    if (err != AW_OK)
        return fail("ListNotification", err, transport, session);
    if (response.kind != SGP22_NOTIFICATION_LIST_OK) {
        fprintf(stderr, "airwrite-ipa: ListNotification: listNotificationsResultError %lld\n",
                (long long)response.list_notifications_result_error);
        return EXIT_REFUSED;
    }
    sgp22_list_iter it;
    sgp22_notification_metadata m;
    sgp22_list_iter_init(&it, response.notification_metadata_list.raw);
    while ((err = sgp22_notification_metadata_list_next(&it, &m)) == AW_OK) {
        printf("seq %lld", (long long)m.seq_number);
        for (unsigned bit = 0; bit < 4; bit++)
            if (m.profile_management_operation & (1u << bit))
                printf(" %s", events[bit]);
        printf(" %.*s", (int)m.notification_address.len,
               (const char *)m.notification_address.ptr);
        if (m.has_iccid) {
            putchar(' ');
            print_iccid(m.iccid);
        }
        putchar('\n');
    }
    return err == AW_ERR_NOT_FOUND ? 0 : fail("NotificationMetadata", err, transport, session);
}

/* enable / disable / delete: the SGP.22 result code decides the exit */
static int command_profile_operation(ipa *session, const ipa_transport *transport,
                                     const char *command, const char *iccid_text)
{
    static const char *const results[] = {"ok", "iccidOrAidNotFound", "profileNotInDisabledState",
                                          "disallowedByPolicy", "wrongProfileReenabling",
                                          "catBusy"};
    uint8_t iccid[SGP22_ICCID_SIZE];
    if (iccid_text == NULL || !iccid_from_text(iccid_text, iccid)) {
        fprintf(stderr, "airwrite-ipa: %s needs an ICCID of 19 or 20 digits\n", command);
        return EXIT_USAGE;
    }
    sgp22_profile_identifier id = {SGP22_PROFILE_IDENTIFIER_ICCID, {iccid, sizeof(iccid)}};
    int64_t result = -1;
    aw_err err;
    if (strcmp(command, "enable") == 0)
        err = ipa_es10c_enable_profile(session, &id, false, &result);
    else if (strcmp(command, "disable") == 0)
        err = ipa_es10c_disable_profile(session, &id, false, &result);
    else
        err = ipa_es10c_delete_profile(session, &id, &result);
    if (err != AW_OK)
        return fail(command, err, transport, session);
    if (result == 0) {
        printf("ok\n");
        return 0;
    }
    /* result 2 of DisableProfile is profileNotInEnabledState */
    const char *name = result == 2 && strcmp(command, "disable") == 0 ? "profileNotInEnabledState"
                       : result >= 0 && result <= 5                    ? results[result]
                       : result == 127                                 ? "undefinedError"
                                                                       : "unknown";
    fprintf(stderr, "airwrite-ipa: %s: %s (%lld)\n", command, name, (long long)result);
    return EXIT_REFUSED;
}

typedef struct poll_options {
    const char *eim_id;     /* add-initial-eim */
    const char *eim_fqdn;
    const char *eim_cert;
    const char *eim;
    const char *ca;
    const char *journal;
    unsigned long interval_s;
    bool once;
    bool tls12;
    ipa_esipa_binding binding;
    bool minimize;          /* --minimize-esipa-bytes */
    bool eim_v1_0;          /* --eim-sgp32-version 1.0 */
    bool listening;         /* listen: the poller behind the push listener */
    listen_options listen;
    terminal_info_options *terminal_info; /* --info-* (helper terminfo) */
} poll_options;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Wait in short steps so SIGINT/SIGTERM end the loop promptly. */
static bool poll_sleep(void *userdata, unsigned ms)
{
    (void)userdata;
    while (!stop_requested && ms > 0) {
        unsigned step = ms < 200 ? ms : 200;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested) {
        }
        ms -= step;
    }
    return !stop_requested;
}

static void poll_cycle(void *userdata, aw_err err, const ipa_poll_report *r)
{
    (void)userdata;
    static const char *const events[] = {"", "no package", "eimPackageError",
                                         "eUICC package", "eUICC data request",
                                         "download trigger"};
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: poll: %s (%s)\n", aw_err_message(err), aw_err_name(err));
        return;
    }
    printf("%s", events[r->event]);
    if (r->event == IPA_POLL_EIM_ERROR)
        printf(" %lld", (long long)r->eim_package_error);
    if (r->recovered > 0)
        printf(", %zu recovered", r->recovered);
    if (r->delivered > 0)
        printf(", %zu delivered", r->delivered);
    if (r->refused > 0)
        printf(", %zu refused (provideEimPackageResultError %lld)", r->refused,
               (long long)r->provide_error);
    if (r->acknowledged > 0)
        printf(", %zu acknowledged", r->acknowledged);
    if (r->notifications_sent > 0)
        printf(", %zu notifications sent", r->notifications_sent);
    if (r->notifications_kept > 0)
        printf(", %zu notifications kept", r->notifications_kept);
    putchar('\n');
    fflush(stdout);
}

static int command_poll(ipa *session, const ipa_transport *transport, const poll_options *o,
                        const download_options *download)
{
    char fqdn[IPA_EIM_FQDN_MAX + 1], eim_url[IPA_EIM_FQDN_MAX + 16];
    aw_err err = AW_OK;
    if (o->eim == NULL && (err = ipa_eim_fqdn(session, fqdn, sizeof(fqdn))) != AW_OK)
        return fail("no --eim, and no eimFqdn from GetEimConfigurationData", err, transport,
                    session);
    /* SGP.32 3.2: the download hook goes to the same eIM (indirect) or to
     * the SM-DP+ (direct), with the device's DeviceInfo */
    snprintf(eim_url, sizeof(eim_url), o->eim != NULL ? "%s" : "https://%s",
             o->eim != NULL ? o->eim : fqdn);
    ipa_download_config dc = download->config;
    dc.eim_url = eim_url;
    dc.eim_ca_file = o->ca;
    dc.tls12_only = o->tls12;
    dc.esipa_binding = o->binding;
    dc.minimize_esipa_bytes = o->minimize;
    dc.eim_sgp32_v1_0 = o->eim_v1_0;
    ipa_esipa_config ec = {.eim_url = o->eim, .eim_fqdn = o->eim == NULL ? fqdn : NULL,
                           .ca_file = o->ca, .tls12_only = o->tls12, .binding = o->binding,
                           .minimize_esipa_bytes = o->minimize, .eim_sgp32_v1_0 = o->eim_v1_0};
    ipa_esipa *esipa = NULL;
    if ((err = ipa_esipa_new(&ec, &esipa)) != AW_OK)
        return fail("--eim", err, NULL, NULL);
    /* SGP.22 3.5: notifications left pending on the eUICC (a failed
     * delivery, a restart mid-download) go out after every cycle, the way
     * the downloads go */
    ipa_notification_config nc = {.mode = dc.trigger_mode, .download = &dc, .esipa = esipa};
    ipa_poll_config pc = {.session = session, .esipa = esipa, .journal_path = o->journal,
                          .interval_ms = (unsigned)(o->interval_s * 1000u),
                          .download = {download_trigger_hook, &dc,
                                       ipa_download_features(&dc)},
                          .notifications = {ipa_notifications_hook, &nc}};
    terminal_info_loaded info; /* issue 8: before each ESipa exchange */
    if (terminal_info_hook(o->terminal_info, &info, &pc.terminal_info) != 0) {
        ipa_esipa_free(esipa);
        return EXIT_FAILURE;
    }
    ipa_poller *poller = NULL;
    if ((err = ipa_poller_new(&pc, &poller)) != AW_OK) {
        terminal_info_loaded_free(&info);
        ipa_esipa_free(esipa);
        return fail(err == AW_ERR_IPA_JOURNAL ? "the journal" : "starting", err, transport,
                    session);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ipa_poll_clock clock = {poll_sleep, NULL, poll_cycle};
    err = o->listening ? listen_run(poller, &o->listen)
                       : ipa_poll_run(poller, &clock, o->once, NULL);
    int status = 0;
    if (err != AW_OK) {
        const char *detail = ipa_esipa_last_error(esipa);
        if (detail[0] != '\0')
            fprintf(stderr, "airwrite-ipa: %s: %s\n", ipa_esipa_url(esipa), detail);
        status = fail("poll", err, transport, session);
    }
    ipa_poller_free(poller);
    terminal_info_loaded_free(&info);
    ipa_esipa_free(esipa);
    return status;
}

/* SGP.32 5.9.16: eimId, eimFqdn, counterValue 0 and the eIM's public key
 * ([0] SubjectPublicKeyInfo of its certificate). */
static int command_add_initial_eim(ipa *session, const ipa_transport *transport,
                                   const poll_options *o)
{
    FILE *f = fopen(o->eim_cert, "r");
    X509 *cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL)
        fclose(f);
    unsigned char *spki = NULL;
    int spki_len = cert != NULL ? i2d_PUBKEY(X509_get0_pubkey(cert), &spki) : -1;
    X509_free(cert);
    if (spki_len <= 0) {
        fprintf(stderr, "airwrite-ipa: %s: not a PEM certificate\n", o->eim_cert);
        return EXIT_FAILED;
    }
    spki[0] = 0xA0; /* eimPublicKeyData [0] IMPLICIT SubjectPublicKeyInfo */
    sgp32_add_initial_eim_request *request = calloc(1, sizeof(*request));
    sgp32_add_initial_eim_response *response = calloc(1, sizeof(*response));
    aw_err err = request != NULL && response != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK) {
        sgp32_eim_configuration_data *c = &request->eim_configurations[0];
        request->eim_configuration_count = 1;
        c->eim_id = (aw_slice){(const uint8_t *)o->eim_id, strlen(o->eim_id)};
        c->has_eim_fqdn = true;
        c->eim_fqdn = (aw_slice){(const uint8_t *)o->eim_fqdn, strlen(o->eim_fqdn)};
        c->has_counter_value = true;
        c->has_eim_public_key_data = true;
        c->eim_public_key_data.kind = SGP32_EIM_KEY_PUBLIC_KEY;
        c->eim_public_key_data.value = (aw_slice){spki, (size_t)spki_len};
        err = ipa_es10b_add_initial_eim(session, request, response);
    }
    int status = 0;
    if (err != AW_OK) {
        status = fail("AddInitialEim", err, transport, session);
    } else if (response->kind != SGP32_ADD_INITIAL_EIM_RESPONSE_OK) {
        fprintf(stderr, "airwrite-ipa: AddInitialEim: addInitialEimError %lld\n",
                (long long)response->add_initial_eim_error);
        status = EXIT_REFUSED;
    } else {
        printf("ok\n");
    }
    free(request);
    free(response);
    OPENSSL_free(spki);
    return status;
}

static int run(ipa_transport *transport, const ipa_options *options, const char *command,
               const char *argument, const poll_options *poll, const download_options *download,
               const device_binding_options *binding)
{
    ipa *session = NULL;
    aw_err err = ipa_open(transport, options, &session);
    if (err != AW_OK)
        return fail("opening the ISD-R", err, transport, NULL);
    /* card-device locking: a card not bound to this device gets nothing more */
    int status = device_binding_gate(session, binding, &download->config.device_info);
    if (status != 0) {
        ipa_close(session);
        return status;
    }
    if (strcmp(command, "eid") == 0) {
        uint8_t eid[SGP22_EID_SIZE];
        err = ipa_es10c_get_eid(session, eid);
        status = err == AW_OK ? 0 : fail("GetEID", err, transport, session);
        if (err == AW_OK) {
            print_hex((aw_slice){eid, sizeof(eid)});
            putchar('\n');
        }
    } else if (strcmp(command, "info") == 0) {
        status = command_info(session, transport);
    } else if (strcmp(command, "profiles") == 0) {
        status = command_profiles(session, transport);
    } else if (strcmp(command, "notifications") == 0) {
        status = command_notifications(session, transport);
    } else if (strcmp(command, "poll") == 0 || strcmp(command, "listen") == 0) {
        status = command_poll(session, transport, poll, download);
    } else if (strcmp(command, "download") == 0) {
        status = download_command(session, download, argument);
    } else if (strcmp(command, "add-initial-eim") == 0) {
        status = command_add_initial_eim(session, transport, poll);
    } else {
        status = command_profile_operation(session, transport, command, argument);
    }
    ipa_close(session);
    return status;
}

static bool is_command(const char *a)
{
    static const char *const commands[] = {"eid",     "info",   "profiles",      "enable",
                                           "disable", "delete", "notifications", "poll",
                                           "add-initial-eim", "download", "listen"};
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(a, commands[i]) == 0)
            return true;
    return false;
}

static bool parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return false;
    *out = strtoul(text, &end, 10);
    return *end == '\0' && *out <= max;
}

int main(int argc, char **argv)
{
    const char *pcsc_reader = NULL, *at = NULL, *socket_at = NULL, *command = NULL;
    const char *argument = NULL;
    bool pcsc = false, at_csim = false;
    ipa_pcsc_protocol pcsc_protocol = IPA_PCSC_ANY;
    unsigned long timeout_ms = 5000, segment = 0;
    poll_options poll = {.interval_s = 60};
    bool poll_option = false, eim_option = false, tls12 = false;
    download_options download;
    download_options_init(&download);
    device_binding_options binding = {0};
    terminal_info_options terminal_info = {0};
    poll.terminal_info = &terminal_info;
    /* no card transport: secure-module firmware (helper firmware) */
    if (argc >= 2 && strcmp(argv[1], "firmware-update") == 0)
        return firmware_update_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "terminal-info") == 0) /* helper terminfo */
        return terminal_info_main(argc - 2, argv + 2);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        int taken = download_options_parse(&download, argc, argv, &i);
        if (taken == 0) /* card-device locking (airwrite_ipa_device_binding.c) */
            taken = device_binding_options_parse(&binding, argc, argv, &i);
        if (taken == 0) /* terminal information (airwrite_ipa_terminal_info.c) */
            taken = terminal_info_options_parse(&terminal_info, argc, argv, &i);
        if (taken < 0)
            return EXIT_USAGE;
        if (taken > 0) {
            continue;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--pcsc") == 0) {
            pcsc = true;
            if (has_value && argv[i + 1][0] != '-' && !is_command(argv[i + 1]))
                pcsc_reader = argv[++i];
        } else if (strcmp(a, "--t0") == 0 || strcmp(a, "--t1") == 0) {
            pcsc_protocol = a[3] == '0' ? IPA_PCSC_T0 : IPA_PCSC_T1;
        } else if (strcmp(a, "--at") == 0 && has_value) {
            at = argv[++i];
        } else if (strcmp(a, "--at-csim") == 0) {
            at_csim = true;
        } else if (strcmp(a, "--socket") == 0 && has_value) {
            socket_at = argv[++i];
        } else if (strcmp(a, "--timeout") == 0 && has_value) {
            if (!parse_unsigned(argv[++i], 600000, &timeout_ms) || timeout_ms == 0) {
                fprintf(stderr, "airwrite-ipa: --timeout wants 1..600000 ms\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--segment") == 0 && has_value) {
            if (!parse_unsigned(argv[++i], 255, &segment) || segment == 0) {
                fprintf(stderr, "airwrite-ipa: --segment wants 1..255\n");
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--eim-id") == 0 && has_value) {
            poll.eim_id = argv[++i];
            eim_option = true;
        } else if (strcmp(a, "--eim-fqdn") == 0 && has_value) {
            poll.eim_fqdn = argv[++i];
            eim_option = true;
        } else if (strcmp(a, "--eim-cert") == 0 && has_value) {
            poll.eim_cert = argv[++i];
            eim_option = true;
        } else if (strcmp(a, "--eim") == 0 && has_value) {
            poll.eim = argv[++i];
            poll_option = true;
        } else if (strcmp(a, "--ca") == 0 && has_value) {
            poll.ca = argv[++i];
            poll_option = true;
        } else if ((strcmp(a, "--listen") == 0 || strcmp(a, "--cert") == 0 ||
                    strcmp(a, "--key") == 0) &&
                   has_value) {
            const char **to = a[2] == 'l' ? &poll.listen.at
                              : a[2] == 'c' ? &poll.listen.certificate
                                            : &poll.listen.key;
            *to = argv[++i];
        } else if (strcmp(a, "--journal") == 0 && has_value) {
            poll.journal = argv[++i];
            poll_option = true;
        } else if (strcmp(a, "--once") == 0) {
            poll.once = poll_option = true;
        } else if (strcmp(a, "--esipa-binding") == 0 && has_value) {
            if (ipa_esipa_binding_parse(argv[++i], &poll.binding) != AW_OK) {
                fprintf(stderr, "airwrite-ipa: --esipa-binding wants asn1 or json\n");
                return EXIT_USAGE;
            }
            poll_option = true;
        } else if (strcmp(a, "--minimize-esipa-bytes") == 0) {
            poll.minimize = poll_option = true;
        } else if (strcmp(a, "--eim-sgp32-version") == 0 && has_value) {
            const char *v = argv[++i];
            if (strcmp(v, "1.0") != 0 && strcmp(v, "1.1") != 0 && strcmp(v, "1.2") != 0) {
                fprintf(stderr, "airwrite-ipa: --eim-sgp32-version wants 1.0, 1.1 or 1.2\n");
                return EXIT_USAGE;
            }
            poll.eim_v1_0 = strcmp(v, "1.0") == 0;
            poll_option = true;
        } else if (strcmp(a, "--tls12") == 0) {
            poll.tls12 = download.config.tls12_only = tls12 = true;
        } else if (strcmp(a, "--interval") == 0 && has_value) {
            if (!parse_unsigned(argv[++i], 86400, &poll.interval_s) || poll.interval_s == 0) {
                fprintf(stderr, "airwrite-ipa: --interval wants 1..86400 s\n");
                return EXIT_USAGE;
            }
            poll_option = true;
        } else if (command == NULL && is_command(a)) {
            command = a;
        } else if (command != NULL && argument == NULL && a[0] != '-') {
            argument = a;
        } else {
            fprintf(stderr, "airwrite-ipa: unexpected argument '%s' (see --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if ((int)pcsc + (at != NULL) + (socket_at != NULL) != 1) {
        fprintf(stderr, "airwrite-ipa: give exactly one of --pcsc, --at, --socket\n");
        return EXIT_USAGE;
    }
    if ((at_csim && at == NULL) || (pcsc_protocol != IPA_PCSC_ANY && !pcsc)) {
        fprintf(stderr, "airwrite-ipa: --at-csim goes with --at, --t0/--t1 with --pcsc\n");
        return EXIT_USAGE;
    }
    if (command == NULL) {
        fprintf(stderr, "airwrite-ipa: no command (see --help)\n");
        return EXIT_USAGE;
    }
    poll.listening = strcmp(command, "listen") == 0;
    poll.listen.client_ca = poll.ca;
    if (poll.listening != (poll.listen.at != NULL || poll.listen.certificate != NULL ||
                           poll.listen.key != NULL) ||
        (poll.listening && (poll.listen.certificate == NULL || poll.listen.key == NULL))) {
        fprintf(stderr, "airwrite-ipa: %s\n",
                poll.listening ? "listen needs --cert FILE and --key FILE"
                               : "--listen, --cert and --key go with listen");
        return EXIT_USAGE;
    }
    /* listen runs the poller's packages pushed instead of polled */
    bool polling = strcmp(command, "poll") == 0 || poll.listening;
    if (poll_option != polling || (polling && poll.ca == NULL)) {
        fprintf(stderr, "airwrite-ipa: %s\n",
                polling ? "poll and listen need --ca FILE"
                        : "--eim, --ca, --once, --interval, --journal and --esipa-binding "
                          "go with poll");
        return EXIT_USAGE;
    }
    bool downloading = strcmp(command, "download") == 0;
    if (((download.any || tls12) && !polling && !downloading) ||
        (download.cc_given && !downloading) || (download.mode_given && !polling)) {
        fprintf(stderr, "airwrite-ipa: --smdp-ca, --tac, --imei, --route and --tls12 go with "
                        "download or poll, --cc with download, --download-mode with poll\n");
        return EXIT_USAGE;
    }
    if (download.config.smdp_ca_file == NULL &&
        (downloading || (polling && download.config.trigger_mode == IPA_DOWNLOAD_DIRECT))) {
        fprintf(stderr, "airwrite-ipa: %s needs --smdp-ca FILE\n",
                downloading ? "download" : "--download-mode direct");
        return EXIT_USAGE;
    }
    bool adding = strcmp(command, "add-initial-eim") == 0;
    if (eim_option != adding ||
        (adding && (poll.eim_id == NULL || poll.eim_fqdn == NULL || poll.eim_cert == NULL))) {
        fprintf(stderr, "airwrite-ipa: %s\n",
                adding ? "add-initial-eim needs --eim-id, --eim-fqdn and --eim-cert"
                       : "--eim-id, --eim-fqdn and --eim-cert go with add-initial-eim");
        return EXIT_USAGE;
    }
    bool takes_argument = strcmp(command, "enable") == 0 || strcmp(command, "disable") == 0 ||
                          strcmp(command, "delete") == 0 || downloading;
    if (takes_argument != (argument != NULL)) {
        fprintf(stderr, "airwrite-ipa: %s %s\n", command,
                downloading    ? "needs an activation code"
                : takes_argument ? "needs an ICCID"
                                 : "takes no argument");
        return EXIT_USAGE;
    }
    if (!device_binding_options_valid(&binding))
        return EXIT_USAGE;
    ipa_transport *transport = NULL;
    aw_err err;
    if (pcsc) {
        err = ipa_transport_open_pcsc(pcsc_reader, pcsc_protocol, &transport);
    } else if (at != NULL) {
        char device[256];
        const char *comma = strrchr(at, ',');
        unsigned long baud = 0;
        size_t n = comma != NULL ? (size_t)(comma - at) : strlen(at);
        if (n == 0 || n >= sizeof(device) ||
            (comma != NULL && !parse_unsigned(comma + 1, 4000000, &baud))) {
            fprintf(stderr, "airwrite-ipa: --at wants DEVICE[,BAUD], got '%s'\n", at);
            return EXIT_USAGE;
        }
        memcpy(device, at, n);
        device[n] = '\0';
        ipa_at_options options = {.device = device, .baud = (unsigned)baud, .fd = -1,
                                  .timeout_ms = (int)timeout_ms, .force_csim = at_csim};
        err = ipa_transport_open_at(&options, &transport);
    } else {
        char host[256];
        const char *port;
        if (!split_endpoint(socket_at, host, sizeof(host), &port)) {
            fprintf(stderr, "airwrite-ipa: --socket wants HOST:PORT, got '%s'\n", socket_at);
            return EXIT_USAGE;
        }
        err = ipa_transport_open_socket(host, port, (int)timeout_ms, &transport);
    }
    if (err != AW_OK)
        return fail("opening the transport", err, NULL, NULL);
    ipa_options options = {.segment_size = segment};
    if (polling || downloading)
        signal(SIGPIPE, SIG_IGN); /* core/http_client.h */
    int status = run(transport, &options, command, argument, &poll, &download, &binding);
    ipa_transport_close(transport);
    return status;
}
