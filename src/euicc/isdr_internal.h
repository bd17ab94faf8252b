/* airwrite eUICC: what the ISD-R's function files share (internal to
 * src/euicc): the euicc object and one function per ES10 command.
 *
 * Every function takes the whole ES10 command TLV as received and returns
 * the whole response TLV (malloc'd). SGP.22 result codes travel inside the
 * response; aw_err is for a malformed command (the dispatcher answers
 * 6A80, SGP.22 5.7.2) or an internal failure (6F00). */
#ifndef AIRWRITE_EUICC_ISDR_INTERNAL_H
#define AIRWRITE_EUICC_ISDR_INTERNAL_H

#include "euicc/card.h"
#include "euicc/euicc.h"
#include "euicc/isdr.h"
#include "euicc/state.h"

struct euicc {
    euicc_identity *identity;
    euicc_state *state;
    euicc_card card;
    euicc_download_host host;
    euicc_download *download; /* ES10b session (download*.c) */
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

#endif
