/* airwrite eUICC: what the ISD-R's function files share (internal to
 * src/euicc): the euicc object and one function per ES10 command.
 *
 * Every function takes the whole ES10 command TLV as received and returns
 * the whole response TLV (malloc'd). SGP.22 result codes travel inside the
 * response; aw_err is for a malformed command (the dispatcher answers
 * 6A80, SGP.22 5.7.2) or an internal failure (6F00). */
#ifndef AIRWRITE_EUICC_ISDR_INTERNAL_H
#define AIRWRITE_EUICC_ISDR_INTERNAL_H

#include "core/sgp32_package.h"
#include "euicc/card.h"
#include "euicc/euicc.h"
#include "euicc/isdr.h"
#include "euicc/state.h"

/* SGP.32 ES10b.ImmediateEnable: the Profile the last download session
 * installed and the SM-DP+ it came from; in memory only, as it belongs to
 * that session (sgp32_immediate.c) */
typedef struct euicc_last_install {
    bool present;
    uint8_t iccid[EUICC_ICCID_SIZE];
    bool smdp_oid_too_long;                /* longer than EUICC_OID_MAX */
    size_t smdp_oid_len;                   /* PIR smdpOid content octets */
    uint8_t smdp_oid[EUICC_OID_MAX];
    char smdp_address[EUICC_ADDRESS_MAX + 1]; /* its notificationAddress */
} euicc_last_install;

struct euicc {
    euicc_identity *identity;
    euicc_state *state;
    euicc_card card;
    euicc_download_host host;
    euicc_download *download; /* ES10b session (download*.c) */
    euicc_last_install last_install;
};

typedef aw_err (*euicc_es10_function)(euicc *card, const uint8_t *command, size_t len,
                                      uint8_t **response, size_t *response_len);

/* isdr.c: the euicc_es10_handler of card.h */
enum euicc_sw euicc_isdr_handle(void *ctx, unsigned channel, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len);
/* isdr.c: the euicc_download_host callbacks */
void euicc_isdr_host_init(euicc *card);
/* isdr.c: drop any download session (card reset, eUICCMemoryReset) */
void euicc_isdr_forget_session(euicc *card);

/* isdr_info.c: ES10b.GetEUICCInfo (5.7.8), ES10c.GetEID (5.7.20),
 * ES10b.GetRAT (5.7.22) */
aw_err euicc_encode_euicc_info2(const euicc *card, uint8_t **out, size_t *len);
aw_err euicc_get_euicc_info1(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                             size_t *response_len);
aw_err euicc_get_euicc_info2(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                             size_t *response_len);
aw_err euicc_get_eid(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                     size_t *response_len);
aw_err euicc_get_rat(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                     size_t *response_len);

/* es10a.c */
aw_err euicc_get_configured_addresses(euicc *card, const uint8_t *command, size_t len,
                                      uint8_t **response, size_t *response_len);
aw_err euicc_set_default_dp_address(euicc *card, const uint8_t *command, size_t len,
                                    uint8_t **response, size_t *response_len);

/* es10c_info.c: ES10c.GetProfilesInfo (5.7.15) */
aw_err euicc_get_profiles_info(euicc *card, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len);

/* es10c.c */
aw_err euicc_enable_profile(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                            size_t *response_len);
aw_err euicc_disable_profile(euicc *card, const uint8_t *command, size_t len,
                             uint8_t **response, size_t *response_len);
aw_err euicc_delete_profile(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                            size_t *response_len);
aw_err euicc_memory_reset(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                          size_t *response_len);
/* resetOptions bits shared by SGP.22 5.7.19 (0-2) and SGP.32 5.9.5 (0-6),
 * as der_node_get_named_bits flags */
#define EUICC_RESET_DELETE_OPERATIONAL_PROFILES (1u << 0)
#define EUICC_RESET_DELETE_FIELD_LOADED_TEST_PROFILES (1u << 1)
#define EUICC_RESET_DEFAULT_SMDP_ADDRESS (1u << 2)
#define EUICC_RESET_DELETE_PRE_LOADED_TEST_PROFILES (1u << 3)
#define EUICC_RESET_DELETE_PROVISIONING_PROFILES (1u << 4)
#define EUICC_RESET_EIM_CONFIGURATION_DATA (1u << 5)
#define EUICC_RESET_IMMEDIATE_ENABLE_CONFIGURATION (1u << 6)
/* Delete the Profiles of the classes options names and reset the default
 * SM-DP+ address if asked; no Notification is queued for them. Does not
 * commit; true when something changed. */
bool euicc_reset_profiles(euicc *card, uint32_t options);
aw_err euicc_set_nickname(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                          size_t *response_len);

/* notification.c */
aw_err euicc_list_notification(euicc *card, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len);
aw_err euicc_retrieve_notifications_list(euicc *card, const uint8_t *command, size_t len,
                                         uint8_t **response, size_t *response_len);
aw_err euicc_remove_notification(euicc *card, const uint8_t *command, size_t len,
                                 uint8_t **response, size_t *response_len);
/* Queue an OtherSignedNotification (SGP.22 5.7.10) for a profile
 * management operation on profile (one SGP22_NOTIFICATION_* bit) when the
 * profile's notificationConfigurationInfo asks for that event; does not
 * commit the state. */
aw_err euicc_queue_notification(euicc *card, const euicc_profile *profile, uint32_t event);

/* sgp32_reset.c: SGP.32 5.9.5 ES10b.EuiccMemoryReset (BF64) */
aw_err euicc_sgp32_memory_reset(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len);

/* sgp32_eim.c: eIM configuration, SGP.32 2.11.1, 5.9.16, 5.9.18 */
aw_err euicc_add_initial_eim(euicc *card, const uint8_t *command, size_t len,
                             uint8_t **response, size_t *response_len);
aw_err euicc_get_eim_configuration_data(euicc *card, const uint8_t *command, size_t len,
                                        uint8_t **response, size_t *response_len);
/* Index of the Associated eIM with this eimId (its configuration decoded
 * into *out, slices into the state), or -1. */
int euicc_find_eim(const euicc_state *state, aw_slice eim_id, sgp32_eim_configuration_data *out);
/* PK.EIM.ECDSA from eimPublicKeyData (public key or certificate). */
aw_err euicc_eim_public_key(const sgp32_eim_configuration_data *eim, crypto_key **out);
/* Store counterValue as the last one accepted from eIM index (in memory). */
aw_err euicc_eim_set_counter(euicc_state *state, size_t index, int64_t counter_value);
/* eIM identifiers copied out of the state for a listEim result, so they
 * outlive later eCOs of the same package that change the list. */
typedef struct euicc_eco_scratch {
    char eim_ids[EUICC_MAX_EIMS][SGP32_EIM_ID_MAX];
} euicc_eco_scratch;
/* Run one eCO of a verified eUICC Package (SGP.32 2.11.1.2) on the state
 * in memory (the caller commits); *result is its EuiccResultData. */
void euicc_run_eco(euicc *card, const sgp32_eco *eco, euicc_eco_scratch *scratch,
                   sgp32_euicc_result_data *result);

/* sgp32_package.c: ES10b.LoadEuiccPackage, SGP.32 5.9.1 */
aw_err euicc_load_euicc_package(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len);
/* sgp32_package.c: ES10b.ProfileRollback (ProfileRollbackRequest BF58),
 * SGP.32 5.9.x: re-enable the profile an enable PSMO with rollbackFlag
 * replaced. */
aw_err euicc_profile_rollback(euicc *card, const uint8_t *command, size_t len,
                              uint8_t **response, size_t *response_len);
/* sgp32_package.c: the configureImmediateEnable PSMO (SGP.32 2.11.1.1):
 * replace the stored configuration and commit; a
 * ConfigureImmediateEnableResult. */
int64_t euicc_configure_immediate_enable(euicc *card, const sgp32_configure_immediate_enable *c);

/* sgp32_immediate.c: SGP.32 immediate Profile enabling.
 * ES10b.ImmediateEnable (ImmediateEnableRequest BF5A) and
 * ES10b.ConfigureImmediateProfileEnabling (BF59). */
aw_err euicc_immediate_enable_profile(euicc *card, const uint8_t *command, size_t len,
                                      uint8_t **response, size_t *response_len);
aw_err euicc_configure_immediate_profile_enabling(euicc *card, const uint8_t *command,
                                                  size_t len, uint8_t **response,
                                                  size_t *response_len);
/* Remember the Profile a download session just committed (smdp_oid: the
 * PIR's smdpOid content octets; smdp_address: its notificationAddress)
 * for ES10b.ImmediateEnable; replaces any earlier one. */
void euicc_immediate_enable_remember(euicc *card, const uint8_t iccid[EUICC_ICCID_SIZE],
                                     aw_slice smdp_oid, aw_slice smdp_address);
/* Forget it: a new session began, the installation failed, or the card
 * was reset. */
void euicc_immediate_enable_forget(euicc *card);

/* sgp32_ipa.c: IpaEuiccData (SGP.32 2.11.2) and EimAcknowledgements (6.3.2.7) */
aw_err euicc_get_ipa_euicc_data(euicc *card, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len);
aw_err euicc_eim_acknowledgements(euicc *card, const uint8_t *command, size_t len,
                                  uint8_t **response, size_t *response_len);

#endif
