/* airwrite IPA (internal): the poller shared by poll.c (cycle, loop,
 * journal state), poll_package.c (one eIM Package, delivery, recovery) and
 * push.c (eIM Package injection, SGP.32 6.3.2.8). */
#ifndef AIRWRITE_IPA_POLL_INTERNAL_H
#define AIRWRITE_IPA_POLL_INTERNAL_H

#include "ipa/ipa.h"

struct ipa_poller {
    ipa_poll_config config;
    char *journal_path;                /* copy of config.journal_path, or NULL */
    uint8_t eid[SGP22_EID_SIZE];
    bool state_change;                 /* notifyStateChange pending (SGP.32 5.14.6) */
    bool injection;                    /* a push listener serves it (push_listener.c) */
    int64_t state_change_cause;
    /* what is in flight, as the journal holds it */
    ipa_journal_state state;
    uint8_t *message;                  /* DELIVERING: ProvideEimPackageResult (BF50) */
    size_t message_len;
    uint8_t *acknowledgements;         /* ACKNOWLEDGING: EimAcknowledgements (BF53) */
    size_t acknowledgements_len;
};

/* Enter state with copies of message / acknowledgements (the other NULL),
 * then record it in the journal file (when there is one). The memory state
 * changes even when the write fails (the error is returned), so a running
 * IPA still delivers what it holds. */
aw_err poll_set_state(ipa_poller *poller, ipa_journal_state state, const uint8_t *message,
                      size_t message_len, const uint8_t *acknowledgements,
                      size_t acknowledgements_len);

/* Tell the observer (tests) a durability point was reached. */
void poll_checkpoint(ipa_poller *poller, ipa_poll_checkpoint point);

/* poll_package.c */
aw_err poll_finish_in_flight(ipa_poller *poller, ipa_poll_report *report);
aw_err poll_handle_package(ipa_poller *poller, const sgp32_get_eim_package_response *package,
                           ipa_poll_report *report);

/* One eIM Package run on the eUICC, shared by the poll loop and eIM
 * Package injection (push.c): each returns the result as the
 * ProvideEimPackageResult (BF50, malloc'd) the poll loop delivers.
 * poll_run_euicc_package leaves the journal LOADING (SGP.32 3.4: a crash
 * before the result is saved leads to recovery). */
aw_err poll_run_euicc_package(ipa_poller *poller, const uint8_t *package, size_t len,
                              uint8_t **message, size_t *message_len);
aw_err poll_run_euicc_data(ipa_poller *poller, const sgp32_ipa_euicc_data_request *request,
                           uint8_t **message, size_t *message_len);
aw_err poll_run_download_trigger(ipa_poller *poller,
                                 const sgp32_profile_download_trigger_request *trigger,
                                 uint8_t **message, size_t *message_len);

/* Save message (BF50) in the journal as the result in flight (DELIVERING),
 * then deliver it with ESipa.ProvideEimPackageResult. */
aw_err poll_save_and_deliver(ipa_poller *poller, const uint8_t *message, size_t len,
                             ipa_poll_report *report);

#endif
