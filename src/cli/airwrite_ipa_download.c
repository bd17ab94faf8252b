/* airwrite-ipa: Profile download from the command line (src/ipa/download.h):
 * `download AC`, the direct download of SGP.22 3.1.3 (SGP.32 3.2.1,
 * directRspServerCommunication), and the options the poll loop's download
 * hook shares with it (SGP.32 3.2: a Profile Download Trigger from the eIM
 * run indirectly through the eIM, 3.2.2, or directly). */
#include "airwrite_ipa_download.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_bpp.h"

void download_options_init(download_options *o)
{
    /* a TAC as a test device integrator would configure it (SGP.22 4.2) */
    static const uint8_t tac[IPA_TAC_SIZE] = {0x35, 0x29, 0x06, 0x11};
    memset(o, 0, sizeof(*o));
    memcpy(o->config.device_info.tac, tac, sizeof(tac));
    o->config.trigger_mode = IPA_DOWNLOAD_INDIRECT;
    o->config.smdp_routes = o->routes;
}

/* count decimal digits packed two per byte in order (BCD), F padded:
 * DeviceInfo tac and imei (SGP.22 4.2, 3GPP TS 23.003 digits). */
static bool digits_to_bcd(const char *text, size_t min, size_t max, uint8_t *out, size_t cap)
{
    size_t len = strlen(text);
    if (len < min || len > max || (len + 1) / 2 > cap)
        return false;
    memset(out, 0xFF, cap);
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        uint8_t d = (uint8_t)(text[i] - '0');
        out[i / 2] = (uint8_t)(i % 2 ? (out[i / 2] & 0xF0) | d : (d << 4) | 0x0F);
    }
    return true;
}

int download_options_parse(download_options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return strcmp(a, "--smdp-ca") == 0 || strcmp(a, "--cc") == 0 ||
                       strcmp(a, "--tac") == 0 || strcmp(a, "--imei") == 0 ||
                       strcmp(a, "--route") == 0 || strcmp(a, "--download-mode") == 0
                   ? (fprintf(stderr, "airwrite-ipa: %s needs a value\n", a), -1)
                   : 0;
    const char *value = argv[*i + 1];
    ipa_download_config *c = &o->config;
    if (strcmp(a, "--smdp-ca") == 0) {
        c->smdp_ca_file = value;
    } else if (strcmp(a, "--cc") == 0) {
        c->confirmation_code = value;
        o->cc_given = true;
    } else if (strcmp(a, "--tac") == 0) {
        if (!digits_to_bcd(value, 8, 8, c->device_info.tac, IPA_TAC_SIZE)) {
            fprintf(stderr, "airwrite-ipa: --tac wants 8 digits\n");
            return -1;
        }
    } else if (strcmp(a, "--imei") == 0) {
        if (!digits_to_bcd(value, 15, 16, c->device_info.imei, IPA_IMEI_SIZE)) {
            fprintf(stderr, "airwrite-ipa: --imei wants 15 or 16 digits\n");
            return -1;
        }
        c->device_info.has_imei = true;
    } else if (strcmp(a, "--route") == 0) {
        const char *equals = strchr(value, '=');
        if (equals == NULL || equals == value || strncmp(equals + 1, "https://", 8) != 0 ||
            c->smdp_route_count == IPA_CLI_ROUTE_MAX) {
            fprintf(stderr, "airwrite-ipa: --route wants ADDRESS=https://HOST[:PORT] "
                            "(at most %d)\n", IPA_CLI_ROUTE_MAX);
            return -1;
        }
        /* split in place: the address ends at '=' (argv is ours to edit) */
        argv[*i + 1][equals - value] = '\0';
        o->routes[c->smdp_route_count].address = value;
        o->routes[c->smdp_route_count].url = equals + 1;
        c->smdp_route_count++;
    } else if (strcmp(a, "--download-mode") == 0) {
        if (strcmp(value, "indirect") == 0) {
            c->trigger_mode = IPA_DOWNLOAD_INDIRECT;
        } else if (strcmp(value, "direct") == 0) {
            c->trigger_mode = IPA_DOWNLOAD_DIRECT;
        } else {
            fprintf(stderr, "airwrite-ipa: --download-mode wants indirect or direct\n");
            return -1;
        }
        o->mode_given = true;
    } else {
        return 0;
    }
    o->any = true;
    (*i)++;
    return 1;
}

void download_options_usage(FILE *f)
{
    fprintf(f,
            "  download AC           direct Profile download (SGP.22 3.1.3 over ES9+) of the\n"
            "                        Activation Code AC (1$SMDP-ADDRESS$MATCHING-ID[...]):\n"
            "                        prints the stage that failed, the SM-DP+'s or the\n"
            "                        eUICC's codes and whether the PIR reached the SM-DP+;\n"
            "                        with:\n"
            "    --smdp-ca FILE      CA certificates (PEM) of the SM-DP+'s TLS (required)\n"
            "    --cc CODE           the Confirmation Code, when the order needs one\n"
            "  Download options of download and poll:\n"
            "    --tac DIGITS        DeviceInfo TAC, 8 digits (default 35290611)\n"
            "    --imei DIGITS       DeviceInfo IMEI or IMEISV, 15 or 16 digits (default none)\n"
            "    --route ADDRESS=URL reach SM-DP+ ADDRESS at URL (https://HOST[:PORT]) instead\n"
            "                        of https://ADDRESS; the TLS certificate must name HOST\n"
            "    --tls12             cap TLS at 1.2 (brainpoolP256r1 server certificates)\n"
            "  poll runs a Profile Download Trigger from the eIM (SGP.32 3.2) as set by:\n"
            "    --download-mode indirect  (default) through the eIM over ESipa, which relays\n"
            "                        to the SM-DP+ (SGP.32 3.2.2): the IPA needs no SM-DP+\n"
            "                        trust anchors and reports indirectRspServerCommunication\n"
            "    --download-mode direct    to the SM-DP+ itself over ES9+ (SGP.32 3.2.1), for\n"
            "                        devices that reach it; needs --smdp-ca (and --route)\n");
}

static const char *stage_name(ipa_download_stage stage)
{
    static const char *const names[] = {
        "installed",          "SM-DP+ address",           "InitiateAuthentication",
        "AuthenticateServer", "AuthenticateClient",       "Confirmation Code",
        "PrepareDownload",    "GetBoundProfilePackage",   "LoadBoundProfilePackage",
    };
    return (size_t)stage < sizeof(names) / sizeof(names[0]) ? names[stage] : "unknown";
}

int download_command(ipa *session, const download_options *o, const char *activation_code)
{
    ipa_activation_code code;
    aw_err err = ipa_activation_code_parse(activation_code, strlen(activation_code), &code);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-ipa: download: activation code: %s (%s)\n",
                aw_err_message(err), aw_err_name(err));
        return 2;
    }
    ipa_download_result result;
    err = ipa_download_direct(session, &o->config, &code, &result);
    printf("SM-DP+ %s, matching ID '%s'\n", code.smdp_address, code.matching_id);
    if (err == AW_OK) {
        printf("installed\n");
    } else {
        printf("failed at %s: %s (%s)\n", stage_name(result.stage), aw_err_message(err),
               aw_err_name(err));
        if (result.subject_code[0] != '\0')
            printf("SM-DP+ subjectCode %s reasonCode %s\n", result.subject_code,
                   result.reason_code);
        if (result.error_code != 0)
            printf("error code %lld\n", (long long)result.error_code);
        if (result.cancelled)
            printf("session cancelled (reason %lld)%s\n", (long long)result.cancel_reason,
                   result.server_cancelled ? ", the SM-DP+ took the cancellation" : "");
    }
    if (result.installation_result_len > 0)
        printf("ProfileInstallationResult %s to the SM-DP+%s\n",
               result.notified ? "delivered" : "NOT delivered",
               result.removed ? ", removed from the eUICC" : "");
    fflush(stdout);
    ipa_download_result_clear(&result);
    if (err == AW_OK)
        return 0;
    if (err == AW_ERR_IPA_DOWNLOAD_REJECTED)
        return 3;
    fprintf(stderr, "airwrite-ipa: download: %s (%s)\n", aw_err_message(err), aw_err_name(err));
    return 1;
}

/* What a ProfileDownloadTriggerResult (SGP.32 2.11.3) says, on one line:
 * the PIR's finalResult (SGP.22 5.7.6), or the profileDownloadError. */
static void print_trigger_result(const uint8_t *der, size_t len)
{
    sgp32_profile_download_trigger_result result;
    sgp22_profile_installation_result pir;
    if (sgp32_decode_profile_download_trigger_result(der, len, &result) != AW_OK) {
        printf("download: result not decodable\n");
    } else if (result.result_data.kind == SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR) {
        printf("download: profileDownloadError %lld\n",
               (long long)result.result_data.profile_download_error.profile_download_error_reason);
    } else if (sgp22_decode_profile_installation_result(
                   result.result_data.profile_installation_result.ptr,
                   result.result_data.profile_installation_result.len, &pir) != AW_OK) {
        printf("download: ProfileInstallationResult not decodable\n");
    } else if (pir.data.final_result == SGP22_FINAL_RESULT_SUCCESS) {
        printf("download: installed (ProfileInstallationResult success)\n");
    } else {
        printf("download: not installed (ProfileInstallationResult errorReason %lld)\n",
               (long long)pir.data.error.error_reason);
    }
    fflush(stdout);
}

aw_err download_trigger_hook(void *userdata, ipa *session,
                             const sgp32_profile_download_trigger_request *trigger,
                             uint8_t **result, size_t *result_len)
{
    aw_err err = ipa_download_trigger_run(userdata, session, trigger, result, result_len);
    if (err == AW_OK)
        print_trigger_result(*result, *result_len);
    return err;
}
