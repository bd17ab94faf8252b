/* airwrite-devsim: one simulated device (SGP.32 2.2: an IPA in the device
 * talking ES10 to its eUICC's ISD-R, ESipa to the eIM). The software eUICC
 * (src/euicc) is reached through the IPA's in-process transport, so the
 * IPA code runs unchanged: ES10 over STORE DATA (SGP.22 5.7.2), the ESipa
 * poll loop with its journal (SGP.32 3.4-3.6) and the Profile download
 * procedures its triggers ask for (SGP.32 3.2). Everything a device keeps
 * lives in its directory (airwrite_devsim.h), so a visit opens it, runs
 * and closes it again, and a process killed at any point loses nothing. */
#include "airwrite_devsim.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/file.h"
#include "ipa/notification.h"

#define RECORD_MAX (64u * 1024u) /* download.der: a ProfileDownloadTriggerResult */

bool devsim_device_path(char *out, size_t cap, const char *dir, const char *eid,
                        const char *name)
{
    int n = name != NULL
                ? snprintf(out, cap, "%s/" DEVSIM_DEVICES_DIR "/%s/%s", dir, eid, name)
                : snprintf(out, cap, "%s/" DEVSIM_DEVICES_DIR "/%s", dir, eid);
    return n > 0 && (size_t)n < cap;
}

bool devsim_parse_unsigned(const char *text, unsigned long max, bool zero_ok,
                           unsigned long *out)
{
    char *end = NULL;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    unsigned long value = strtoul(text, &end, 10);
    if (*end != '\0' || value > max || (value == 0 && !zero_ok))
        return false;
    *out = value;
    return true;
}

aw_err devsim_read_eids(const char *dir, char (**eids)[AW_PKI_EID_DIGITS + 1], size_t *count)
{
    char path[DEVSIM_PATH_MAX];
    uint8_t *data = NULL;
    size_t len = 0;
    *eids = NULL;
    *count = 0;
    if (snprintf(path, sizeof(path), "%s/" DEVSIM_EIDS_FILE, dir) >= (int)sizeof(path))
        return AW_ERR_ARGUMENT;
    aw_err err = aw_file_read(path, DEVSIM_EIDS_MAX_BYTES, &data, &len);
    if (err == AW_OK)
        err = devsim_parse_eids(data, len, eids, count);
    free(data);
    return err;
}

/* The eUICC's APDU entry for the in-process transport. */
static aw_err card_transmit(void *userdata, const uint8_t *command, size_t len,
                            uint8_t *response, size_t cap, size_t *response_len)
{
    const devsim_device *device = userdata;
    euicc_transmit(device->card, command, len, response, cap, response_len);
    /* tests: a ProfileInstallationResult (BF37, SGP.22 5.7.6) leaving the
     * eUICC, i.e. the profile installed and its PIR pending on the eUICC */
    if (device->kill_at == DEVSIM_KILL_INSTALLED && *response_len >= 4 &&
        response[0] == 0xBF && response[1] == 0x37)
        raise(SIGKILL);
    return AW_OK;
}

aw_err devsim_device_open(const char *dir, const char *eid, time_t now, devsim_device *out)
{
    char cert[DEVSIM_PATH_MAX], key[DEVSIM_PATH_MAX], state[DEVSIM_PATH_MAX];
    char ci[DEVSIM_PATH_MAX], eum[DEVSIM_PATH_MAX];
    memset(out, 0, sizeof(*out));
    if (!devsim_device_path(cert, sizeof(cert), dir, eid, "euicc.pem") ||
        !devsim_device_path(key, sizeof(key), dir, eid, "euicc.key.pem") ||
        !devsim_device_path(state, sizeof(state), dir, eid, "state") ||
        snprintf(ci, sizeof(ci), "%s/ci.pem", dir) >= (int)sizeof(ci) ||
        snprintf(eum, sizeof(eum), "%s/eum.pem", dir) >= (int)sizeof(eum))
        return AW_ERR_ARGUMENT;
    euicc_identity_paths identity = {.euicc_certificate = cert, .euicc_key = key,
                                     .eum_certificate = eum, .ci_certificate = ci};
    /* T=1: response data comes back without GET RESPONSE rounds */
    euicc_options options = {.protocol = EUICC_PROTOCOL_T1};
    aw_err err = euicc_open(&identity, state, &options, now, &out->card);
    if (err == AW_OK)
        err = ipa_transport_open_in_process(card_transmit, out, &out->transport);
    if (err == AW_OK)
        err = ipa_open(out->transport, NULL, &out->session);
    if (err != AW_OK)
        devsim_device_close(out);
    return err;
}

void devsim_device_close(devsim_device *device)
{
    ipa_close(device->session);
    ipa_transport_close(device->transport);
    euicc_close(device->card);
    memset(device, 0, sizeof(*device));
}

/* ---- the download hook -------------------------------------------------- */

typedef struct download_context {
    const ipa_download_config *config;
    char record[DEVSIM_PATH_MAX];  /* download.der: the last trigger's result */
    char started[DEVSIM_PATH_MAX]; /* download-trigger.der: the trigger being downloaded */
    devsim_visit_counts *counts;
    devsim_kill_point kill_at;
} download_context;

/* Whether file holds a DER object of trigger's eimTransactionId: a
 * ProfileDownloadTriggerResult (result true) or Request. */
static bool file_names_trigger(const char *path, bool result,
                               const sgp32_profile_download_trigger_request *trigger,
                               uint8_t **data, size_t *len)
{
    sgp32_profile_download_trigger_result r;
    sgp32_profile_download_trigger_request q;
    bool has = false;
    aw_slice id = {NULL, 0};
    *data = NULL;
    *len = 0;
    if (!trigger->has_eim_transaction_id || aw_file_read(path, RECORD_MAX, data, len) != AW_OK)
        return false; /* nothing to tell one trigger from another, or no file */
    if (result && sgp32_decode_profile_download_trigger_result(*data, *len, &r) == AW_OK) {
        has = r.has_eim_transaction_id;
        id = r.eim_transaction_id;
    } else if (!result && sgp32_decode_profile_download_trigger_request(*data, *len, &q) == AW_OK) {
        has = q.has_eim_transaction_id;
        id = q.eim_transaction_id;
    }
    if (has && id.len == trigger->eim_transaction_id.len &&
        memcmp(id.ptr, trigger->eim_transaction_id.ptr, id.len) == 0)
        return true;
    free(*data);
    *data = NULL;
    *len = 0;
    return false;
}

/* A download of this trigger began before a restart: when the eUICC
 * installed the profile, its ProfileInstallationResult is still among the
 * pending notifications (SGP.22 3.5) unless it was delivered and removed.
 * That PIR becomes the trigger's result (the eUICC would refuse a second
 * installation of the profile); the poll cycle then sends it to its
 * receiver like any pending notification (ipa_notifications_hook) and
 * removes it once accepted. AW_ERR_NOT_FOUND: none pending. */
static aw_err recover_installation(ipa *session,
                                   const sgp32_profile_download_trigger_request *trigger,
                                   uint8_t **result, size_t *result_len)
{
    sgp22_retrieve_notifications_list_request request = {
        .search_kind = SGP22_NOTIFICATION_SEARCH_PROFILE_MANAGEMENT_OPERATION,
        .profile_management_operation = SGP22_NOTIFICATION_INSTALL,
    };
    sgp22_retrieve_notifications_list_response response;
    ipa_download_result found;
    memset(&found, 0, sizeof(found));
    aw_err err = ipa_es10b_retrieve_notifications_list(session, &request, &response);
    if (err == AW_OK && response.kind != SGP22_NOTIFICATION_LIST_OK)
        err = AW_ERR_NOT_FOUND;
    if (err == AW_OK) {
        sgp22_list_iter it;
        sgp22_pending_notification pending;
        sgp22_list_iter_init(&it, response.notification_list.raw);
        /* the last PIR pending is the latest installation */
        while (sgp22_pending_notification_list_next(&it, &pending) == AW_OK) {
            if (pending.kind != SGP22_PENDING_PROFILE_INSTALLATION_RESULT)
                continue;
            free(found.installation_result);
            found.installation_result_len = pending.profile_installation_result.len;
            found.installation_result = malloc(found.installation_result_len);
            if (found.installation_result == NULL) {
                err = AW_ERR_NOMEM;
                break;
            }
            memcpy(found.installation_result, pending.profile_installation_result.ptr,
                   found.installation_result_len);
        }
        if (err == AW_OK && found.installation_result == NULL)
            err = AW_ERR_NOT_FOUND;
    }
    if (err == AW_OK)
        err = ipa_download_trigger_result(trigger, &found, result, result_len);
    ipa_download_result_clear(&found);
    return err;
}

/* Whether a ProfileDownloadTriggerResult carries a successful PIR. */
static bool result_installed(const uint8_t *der, size_t len)
{
    sgp32_profile_download_trigger_result result;
    sgp22_profile_installation_result pir;
    return sgp32_decode_profile_download_trigger_result(der, len, &result) == AW_OK &&
           result.result_data.kind == SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_INSTALLATION &&
           sgp22_decode_profile_installation_result(
               result.result_data.profile_installation_result.ptr,
               result.result_data.profile_installation_result.len, &pir) == AW_OK &&
           pir.data.final_result == SGP22_FINAL_RESULT_SUCCESS;
}

/* SGP.32 3.2 through ipa_download_trigger_run. The eIM hands out a trigger
 * until its result arrives, so after a restart the trigger whose result
 * the poll journal had not yet taken comes again. Its result, kept in
 * download.der as soon as it exists, is returned instead of a second
 * download; a download that was under way (download-trigger.der names the
 * trigger) and installed the profile is recovered from the eUICC's pending
 * PIR. Only a kill between the PIR's removal from the eUICC and
 * download.der's write (no I/O but the eUICC's own) remains uncovered. */
static aw_err download_hook(void *userdata, ipa *session,
                            const sgp32_profile_download_trigger_request *trigger,
                            uint8_t **result, size_t *result_len)
{
    download_context *ctx = userdata;
    uint8_t *started = NULL;
    size_t started_len = 0;
    *result = NULL;
    *result_len = 0;
    if (file_names_trigger(ctx->record, true, trigger, result, result_len)) {
        ctx->counts->replayed++;
        return AW_OK;
    }
    aw_err err;
    if (file_names_trigger(ctx->started, false, trigger, &started, &started_len) &&
        recover_installation(session, trigger, result, result_len) == AW_OK) {
        ctx->counts->replayed++;
        err = AW_OK;
    } else {
        /* a failed write loses only the recovery after a crash */
        (void)aw_file_write_atomic(ctx->started, trigger->raw.ptr, trigger->raw.len, 0600);
        err = ipa_download_trigger_run((void *)ctx->config, session, trigger, result,
                                       result_len);
        if (err == AW_OK && result_installed(*result, *result_len))
            ctx->counts->installed++;
        else if (err == AW_OK)
            ctx->counts->download_failed++;
    }
    free(started);
    /* kept before the poller sees it; a failed write loses only the replay */
    if (err == AW_OK)
        (void)aw_file_write_atomic(ctx->record, *result, *result_len, 0600);
    if (err == AW_OK && ctx->kill_at == DEVSIM_KILL_RESULT_SAVED)
        raise(SIGKILL);
    return err;
}

/* ---- a visit ------------------------------------------------------------ */

static void on_checkpoint(void *userdata, ipa_poll_checkpoint point)
{
    const devsim_visit_config *config = userdata;
    if (config->kill_at == DEVSIM_KILL_DELIVERING && point == IPA_POLL_CHECKPOINT_RESULT_SAVED)
        raise(SIGKILL);
}

aw_err devsim_visit(const devsim_visit_config *config, ipa_esipa *esipa, const char *eid,
                    bool *idle, devsim_visit_counts *counts)
{
    char journal[DEVSIM_PATH_MAX];
    devsim_device device;
    ipa_poller *poller = NULL;
    download_context ctx = {.config = &config->download, .counts = counts,
                            .kill_at = config->kill_at};
    /* SGP.22 3.5: pending notifications, e.g. a PIR recovered after a
     * restart, to the SM-DP+ directly or through the eIM as the device's
     * downloads go */
    ipa_notification_config notifications = {.mode = config->download.trigger_mode,
                                             .download = &config->download, .esipa = esipa};
    *idle = false;
    if (!devsim_device_path(journal, sizeof(journal), config->dir, eid, "journal") ||
        !devsim_device_path(ctx.record, sizeof(ctx.record), config->dir, eid, "download.der") ||
        !devsim_device_path(ctx.started, sizeof(ctx.started), config->dir, eid,
                            "download-trigger.der"))
        return AW_ERR_ARGUMENT;
    /* issue 8: the device's terminal information before each poll cycle */
    devsim_info_device *info = NULL;
    aw_err err = AW_OK;
    if (config->info != NULL) {
        info = malloc(sizeof(*info));
        err = info != NULL ? devsim_info_open(config->info, config->dir, eid, info) : AW_ERR_NOMEM;
        if (err != AW_OK) {
            free(info);
            return err;
        }
    }
    err = devsim_device_open(config->dir, eid, time(NULL), &device);
    if (err != AW_OK) {
        devsim_info_close(info);
        free(info);
        return err;
    }
    device.kill_at = config->kill_at;
    ipa_poll_config pc = {
        .session = device.session,
        .esipa = esipa,
        .journal_path = journal,
        .download = {download_hook, &ctx, ipa_download_features(&config->download)},
        .notifications = {ipa_notifications_hook, &notifications},
        .checkpoint = config->kill_at != DEVSIM_KILL_NONE ? on_checkpoint : NULL,
        .checkpoint_userdata = (void *)config,
        .terminal_info = {info != NULL ? ipa_terminal_info_poll_hook : NULL,
                          info != NULL ? &info->reporter : NULL},
    };
    err = ipa_poller_new(&pc, &poller);
    for (unsigned cycle = 0; err == AW_OK && cycle < config->max_cycles; cycle++) {
        ipa_poll_report report;
        err = ipa_poll_once(poller, &report);
        if (err != AW_OK)
            break;
        if (report.terminal_info_sent) {
            counts->info_taken++;
        } else if (report.terminal_info_error != AW_OK) {
            /* the exchange goes on: the platform's location policy then
             * sees no fresh fix (docs/terminal-info.md) */
            counts->info_failed++;
            counts->info_error = report.terminal_info_error;
            counts->info_status = info->reporter.last_status;
            memcpy(counts->info_code, info->reporter.last_code, sizeof(counts->info_code));
        }
        counts->recovered += (unsigned)report.recovered;
        if (report.event == IPA_POLL_NO_PACKAGE || report.event == IPA_POLL_EIM_ERROR) {
            *idle = true;
            break;
        }
        counts->packages++;
    }
    ipa_poller_free(poller);
    devsim_device_close(&device);
    devsim_info_close(info);
    free(info);
    return err;
}
