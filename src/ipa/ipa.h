/* airwrite IPA: the IoT Profile Assistant's one public interface
 * (SGP.32 2.2, 3.1: the IPA in the device talks ES10 to the eUICC's ISD-R
 * and ESipa to the eIM; the ESipa client, the poll loop and its journal are
 * declared in ipa/esipa.h, eIM Package injection in ipa/push.h, both
 * included at the end).
 *
 * An `ipa` is an ES10 session on one transport (transport.h): a logical
 * channel with the ISD-R selected (SGP.22 2.2.3), ES10 commands sent in
 * STORE DATA blocks (SGP.22 5.7.2) and their responses reassembled, each
 * decoded with the core typed codecs.
 *
 * Results: every function returns aw_err for airwrite's own failures.
 * AW_ERR_IPA_STATUS_WORD means the card ended the command with a status
 * word other than 9000: ipa_status_word() gives it. Results defined by the
 * specifications (enable results, AuthenticateErrorCode, ...) are in the
 * decoded responses. Decoded responses point into the session's response
 * buffer: they stay valid until the next command on the session.
 *
 * Not thread-safe: one session serves one caller. Blocking (the transport's
 * timeouts bound every wait). */
#ifndef AIRWRITE_IPA_IPA_H
#define AIRWRITE_IPA_IPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sgp22_auth.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_download.h"
#include "core/sgp22_euicc_info.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_profile_info.h"
#include "core/sgp32_ipa.h"
#include "core/sgp32_package.h"
#include "ipa/transport.h"

typedef struct ipa ipa;

typedef struct ipa_options {
    size_t segment_size; /* STORE DATA block size, 1..255; 0: 255 */
    size_t response_max; /* largest ES10 response accepted; 0: 65536 */
} ipa_options;

#define IPA_DEFAULT_RESPONSE_MAX 65536u

/* Open a session: a logical channel on transport with the ISD-R selected.
 * The transport stays the caller's (ipa_close does not close it).
 * options may be NULL. Errors of ipa_transport_open_channel;
 * AW_ERR_ARGUMENT for options out of range. */
aw_err ipa_open(ipa_transport *transport, const ipa_options *options, ipa **out);

/* Close the logical channel (best effort) and free the session; NULL-safe. */
void ipa_close(ipa *session);

/* The final status word of the last command (0 before any). */
uint16_t ipa_status_word(const ipa *session);

/* The logical channel the ISD-R is selected on. */
unsigned ipa_channel(const ipa *session);

/* Any ES10 command (one DER TLV); *response points into the session's
 * buffer (valid until the next command). */
aw_err ipa_es10_command(ipa *session, const uint8_t *command, size_t len, aw_slice *response);

/* ---- ES10c (SGP.22 5.7.15-5.7.20), es10c.c ----------------------------- */

/* 5.7.20 GetEID: the 16-byte EID (the decoder holds it to Octet16). */
aw_err ipa_es10c_get_eid(ipa *session, uint8_t eid[SGP22_EID_SIZE]);

/* 5.7.15 GetProfilesInfo; request NULL: all profiles, all components. */
aw_err ipa_es10c_get_profiles_info(ipa *session, const sgp22_profile_info_list_request *request,
                                   sgp22_profile_info_list_response *out);

/* 5.7.16-5.7.18: *result is the spec's EnableResult / DisableResult /
 * DeleteResult (enum sgp22_enable_result, ...). */
aw_err ipa_es10c_enable_profile(ipa *session, const sgp22_profile_identifier *profile,
                                bool refresh, int64_t *result);
aw_err ipa_es10c_disable_profile(ipa *session, const sgp22_profile_identifier *profile,
                                 bool refresh, int64_t *result);
aw_err ipa_es10c_delete_profile(ipa *session, const sgp22_profile_identifier *profile,
                                int64_t *result);

/* ---- ES10b (SGP.22 5.7.6-5.7.14), es10b.c ------------------------------ */

/* 5.7.8 GetEUICCInfo: EUICCInfo1 (BF20) and EUICCInfo2 (BF22). */
aw_err ipa_es10b_get_euicc_info1(ipa *session, sgp22_euicc_info1 *out);
aw_err ipa_es10b_get_euicc_info2(ipa *session, sgp22_euicc_info2 *out);

/* 5.7.7 GetEUICCChallenge: 16 bytes (Octet16, held by the decoder). */
aw_err ipa_es10b_get_euicc_challenge(ipa *session, uint8_t challenge[16]);

/* 5.7.9 ListNotification; events 0: all, else NotificationEvent flags. */
aw_err ipa_es10b_list_notification(ipa *session, uint32_t events,
                                   sgp22_list_notification_response *out);

/* 5.7.10 RetrieveNotificationsList; request NULL: all. */
aw_err ipa_es10b_retrieve_notifications_list(
    ipa *session, const sgp22_retrieve_notifications_list_request *request,
    sgp22_retrieve_notifications_list_response *out);

/* 5.7.11 RemoveNotificationFromList: *status is deleteNotificationStatus. */
aw_err ipa_es10b_remove_notification_from_list(ipa *session, int64_t seq_number,
                                               int64_t *status);

/* 5.7.13 AuthenticateServer, 5.7.5 PrepareDownload, 5.7.14 CancelSession:
 * the requests as built from the ES9+ answers; responses decoded. */
aw_err ipa_es10b_authenticate_server(ipa *session, const sgp22_authenticate_server_request *request,
                                     sgp22_authenticate_server_response *out);
aw_err ipa_es10b_prepare_download(ipa *session, const sgp22_prepare_download_request *request,
                                  sgp22_prepare_download_response *out);
aw_err ipa_es10b_cancel_session(ipa *session, const sgp22_cancel_session_request *request,
                                sgp22_cancel_session_response *out);

/* 5.7.6 LoadBoundProfilePackage: the BPP (BF36) cut into its segments
 * (SGP.22 2.5.5, sgp22_bpp_splitter), each sent as one ES10 command. The
 * eUICC answers the last segment, or an earlier one on failure, with the
 * ProfileInstallationResult (BF37), decoded into *out. AW_ERR_IPA_PROTOCOL
 * when no segment is answered with one. */
aw_err ipa_es10b_load_bound_profile_package(ipa *session, const uint8_t *bpp, size_t len,
                                            sgp22_profile_installation_result *out);

/* ---- SGP.32 ES10b functions (5.9), es10_sgp32.c ------------------------ */

/* 5.9.18 GetEimConfigurationData; request NULL: all eIMs. */
aw_err ipa_es10b_get_eim_configuration_data(
    ipa *session, const sgp32_get_eim_configuration_data_request *request,
    sgp32_get_eim_configuration_data_response *out);

/* 5.9.16 AddInitialEim. */
aw_err ipa_es10b_add_initial_eim(ipa *session, const sgp32_add_initial_eim_request *request,
                                 sgp32_add_initial_eim_response *out);

/* 5.9.1 LoadEuiccPackage: an EuiccPackageRequest (BF51) as received from
 * the eIM, passed verbatim (its signature covers the exact bytes). */
aw_err ipa_es10b_load_euicc_package(ipa *session, const uint8_t *package, size_t len,
                                    sgp32_euicc_package_result *out);

/* SGP.32 2.11.2 IpaEuiccDataRequest (BF52): data for the eIM. */
aw_err ipa_es10b_ipa_euicc_data_request(ipa *session, const sgp32_ipa_euicc_data_request *request,
                                        sgp32_ipa_euicc_data_response *out);

/* SGP.32 6.3.2.7 EimAcknowledgements (BF53): the seqNumbers the eIM
 * acknowledged, passed on so the eUICC forgets those package results and
 * notifications. The eUICC answers without data; any data is ignored. */
aw_err ipa_es10b_eim_acknowledgements(ipa *session, const sgp32_eim_acknowledgements *acks);

#include "ipa/esipa.h"
#include "ipa/push.h"
#include "ipa/firmware_update.h" /* secure-module firmware updates (helper firmware) */

#endif
