/* airwrite IPA: the Profile download procedures the IPA performs (SGP.32
 * 3.2; SGP.22 3.1.3 as the LPA side of it), part of the IPA's public
 * interface next to ipa.h:
 *
 * - direct (SGP.32 3.2.1, directRspServerCommunication): the IPA talks
 *   ES9+ to the SM-DP+ itself (core/es9p_client.h, SGP.22 6.5 JSON);
 * - indirect (SGP.32 3.2.2, indirectRspServerCommunication): the same
 *   steps as ESipa messages (SGP.32 6.3.2.1-6.3.2.5) to the eIM, which
 *   relays them to the SM-DP+.
 *
 * Both run, on the ES10 session: ES10b GetEUICCInfo1 and GetEUICCChallenge,
 * InitiateAuthentication, ES10b AuthenticateServer (ctxParams1 with the
 * Matching ID and DeviceInfo), AuthenticateClient, ES10b PrepareDownload
 * (hashCc when the SM-DP+ asks for a Confirmation Code), GetBoundProfile-
 * Package, ES10b LoadBoundProfilePackage segment by segment, then the
 * ProfileInstallationResult sent with HandleNotification and, once the
 * server took it, removed from the eUICC (ES10b RemoveNotificationFromList).
 * A refusal after the eUICC opened a session ends it with ES10b
 * CancelSession and the server's CancelSession (SGP.22 3.1.3 error cases).
 *
 * BLOCKING on HTTPS and the card: call from a worker thread or a tool. */
#ifndef AIRWRITE_IPA_DOWNLOAD_H
#define AIRWRITE_IPA_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/es9p_client.h"
#include "core/sgp32_trigger.h"
#include "ipa/activation_code.h"
#include "ipa/ipa.h"

#define IPA_TAC_SIZE 4  /* DeviceInfo tac Octet4 (SGP.22 4.2) */
#define IPA_IMEI_SIZE 8 /* DeviceInfo imei Octet8 */

/* DeviceInfo of ctxParams1 (SGP.22 4.2, 5.7.13), as the device integrator
 * configures it. */
typedef struct ipa_device_info {
    uint8_t tac[IPA_TAC_SIZE];
    bool has_imei;
    uint8_t imei[IPA_IMEI_SIZE];
    /* the components of DeviceCapabilities (e.g. 80 03 0F 00 00 for
     * gsmSupportedRelease 15), DER, empty for none; checked well-formed */
    const uint8_t *device_capabilities;
    size_t device_capabilities_len;
} ipa_device_info;

/* Where an SM-DP+ address is reached when not at https://<address>
 * (a gateway, a test): url is "https://host[:port]". */
typedef struct ipa_smdp_route {
    const char *address;
    const char *url;
} ipa_smdp_route;

typedef enum ipa_download_mode {
    IPA_DOWNLOAD_DIRECT = 0, /* ES9+ to the SM-DP+ */
    IPA_DOWNLOAD_INDIRECT,   /* ESipa to the eIM, which relays */
} ipa_download_mode;

typedef struct ipa_download_config {
    ipa_device_info device_info;
    /* the Confirmation Code the user or the device holds (NULL: none); sent
     * as hashCc (SGP.22 5.7.5) when the SM-DP+ sets ccRequiredFlag */
    const char *confirmation_code;
    /* direct: the SM-DP+'s TLS trust anchors (PEM), required */
    const char *smdp_ca_file;
    /* direct without an Activation Code: this address, or when NULL the
     * eUICC's defaultDpAddress (ES10a.GetEuiccConfiguredAddresses) */
    const char *default_smdp_address;
    const ipa_smdp_route *smdp_routes;
    size_t smdp_route_count;
    /* indirect: the eIM ("https://host[:port]") and its TLS trust anchors */
    const char *eim_url;
    const char *eim_ca_file;
    ipa_esipa_binding esipa_binding; /* the eIM's ESipa binding; 0: ASN.1 */
    bool minimize_esipa_bytes;    /* indirect: compact ESipa forms (ipa_esipa_config) */
    bool eim_sgp32_v1_0;          /* indirect: the eIM is SGP.32 v1.0 (ipa_esipa_config) */
    unsigned connect_timeout_ms;  /* 0: the HTTP client's default */
    unsigned timeout_ms;          /* each exchange; 0: the HTTP client's default */
    bool tls12_only;
    ipa_download_mode trigger_mode; /* how ipa_download_trigger_run downloads */
} ipa_download_config;

/* The step a download failed at (the server's or the eUICC's refusal, or
 * the server not reached); NONE when it installed, or when the failure
 * came before any server step (the card, the configuration). */
typedef enum ipa_download_stage {
    IPA_DOWNLOAD_STAGE_NONE = 0,               /* installed */
    IPA_DOWNLOAD_STAGE_ADDRESS,                /* no SM-DP+ address to use */
    IPA_DOWNLOAD_STAGE_INITIATE_AUTHENTICATION,
    IPA_DOWNLOAD_STAGE_AUTHENTICATE_SERVER,    /* ES10b: AuthenticateErrorCode */
    IPA_DOWNLOAD_STAGE_AUTHENTICATE_CLIENT,
    IPA_DOWNLOAD_STAGE_CONFIRMATION_CODE,      /* required, none configured */
    IPA_DOWNLOAD_STAGE_PREPARE_DOWNLOAD,       /* ES10b: DownloadErrorCode */
    IPA_DOWNLOAD_STAGE_GET_BOUND_PROFILE_PACKAGE,
    IPA_DOWNLOAD_STAGE_LOAD_BOUND_PROFILE_PACKAGE, /* the PIR's errorReason */
} ipa_download_stage;

/* What a download did. Bytes are malloc'd (ipa_download_result_clear). */
typedef struct ipa_download_result {
    ipa_download_stage stage;
    /* the spec's code at stage: an ESipa error value (indirect), the
     * eUICC's AuthenticateErrorCode / DownloadErrorCode, the PIR's
     * errorReason; 0 for an ES9+ refusal (its codes below) */
    int64_t error_code;
    char subject_code[ES9P_CLIENT_CODE_MAX + 1]; /* ES9+ "Failed" statusCodeData */
    char reason_code[ES9P_CLIENT_CODE_MAX + 1];
    uint8_t *error_response;     /* the refusing response's DER, when there is one */
    size_t error_response_len;
    bool cancelled;              /* ES10b.CancelSession ended the eUICC's session */
    int64_t cancel_reason;       /* its CancelSessionReason */
    bool server_cancelled;       /* the server accepted CancelSession */
    uint8_t *installation_result; /* the ProfileInstallationResult (BF37) */
    size_t installation_result_len;
    bool notified;               /* HandleNotification accepted */
    bool removed;                /* the PIR removed from the eUICC after it */
} ipa_download_result;

void ipa_download_result_clear(ipa_download_result *result);

/* Direct download from code (NULL: the default SM-DP+ without a Matching
 * ID). Returns AW_OK when the profile is installed (PIR success);
 * AW_ERR_IPA_DOWNLOAD_REJECTED when the SM-DP+ or the eUICC ended it with
 * a defined error (result says where and why); AW_ERR_ARGUMENT (no
 * smdp_ca_file, a route not https://); network errors of es9p_client_call
 * (AW_ERR_HTTP_*, AW_ERR_ES9P_CLIENT_*); the ES10 session's. The result is
 * filled in every case (cleared first). */
aw_err ipa_download_direct(ipa *session, const ipa_download_config *config,
                           const ipa_activation_code *code, ipa_download_result *result);

/* Indirect download for an eIM's trigger (its eimTransactionId and, for
 * activationCode, the SM-DP+ address and Matching ID; contactDefaultSmdp
 * leaves the address to the eIM). AW_ERR_ARGUMENT without eim_url or
 * eim_ca_file; the trigger's activation code errors; AW_ERR_NOT_FOUND for
 * contactSmds (SM-DS discovery is not implemented); AW_ERR_IPA_ESIPA_*
 * and AW_ERR_HTTP_* for the eIM; otherwise as ipa_download_direct. */
aw_err ipa_download_indirect(ipa *session, const ipa_download_config *config,
                             const sgp32_profile_download_trigger_request *trigger,
                             ipa_download_result *result);

/* The ProfileDownloadTriggerResult (BF54, SGP.32 2.11.3) for the eIM
 * from a download's outcome: eimTransactionId copied from trigger (NULL
 * or without one: absent), profileInstallationResult when the eUICC made
 * a PIR (the eIM reads success or failure from it), otherwise
 * profileDownloadError undefinedError with the refusing response as
 * errorResponse when there is one. *out malloc'd. */
aw_err ipa_download_trigger_result(const sgp32_profile_download_trigger_request *trigger,
                                   const ipa_download_result *result, uint8_t **out,
                                   size_t *out_len);

/* The poll loop's download hook (ipa_download_hook.run in esipa.h):
 * userdata is a const ipa_download_config *; the trigger downloaded in
 * config->trigger_mode (an activationCode trigger directly or through
 * the eIM, contactDefaultSmdp the same without one) and *result the
 * ProfileDownloadTriggerResult of ipa_download_trigger_result. Returns
 * AW_OK whenever it has a result to report (refusals and network failures
 * included: they are in the result); AW_ERR_ARGUMENT without config or
 * trigger; AW_ERR_NOMEM. */
aw_err ipa_download_trigger_run(void *userdata, ipa *session,
                                const sgp32_profile_download_trigger_request *trigger,
                                uint8_t **result, size_t *result_len);

/* The IpaCapabilities ipaFeatures bits (SGP32_IPA_*) of config's
 * trigger_mode, for ipa_download_hook.features: direct
 * directRspServerCommunication; indirect indirectRspServerCommunication
 * with eimDownloadDataHandling and eimCtxParams1Generation (the eIM's
 * matchingId, hashCc and ctxParams1 are used as given), and
 * minimizeEsipaBytes with minimize_esipa_bytes. */
uint32_t ipa_download_features(const ipa_download_config *config);

#endif
