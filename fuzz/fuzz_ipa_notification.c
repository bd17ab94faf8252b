/* libFuzzer target: the IPA sending the notifications pending on the eUICC
 * (src/ipa/notification.c; SGP.22 3.5, ES10b.ListNotification,
 * RetrieveNotificationsList, RemoveNotificationFromList) against a card
 * whose every answer comes from the input, indirectly through an eIM
 * (ESipa.HandleNotification, SGP.32 6.3.2.4) that answers 204 or 500.
 * Input: one byte (bit 0: the eIM accepts, answering 204; else 500), one
 * byte of STORE DATA block size, then the card's answers, each a length
 * byte and that many bytes (SW1 SW2 last). Properties: what was sent and
 * kept is at most what was listed; nothing is removed that the eIM did not
 * accept; every notification posted is one the report counts. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_scripted_card.h"
#include "ipa/notification.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_eim {
    int status;
    size_t posted;
} fuzz_eim;

static aw_err fuzz_post(void *userdata, const uint8_t *body, size_t len, int *status,
                        const char **content_type, aw_slice *answer)
{
    fuzz_eim *eim = userdata;
    (void)body;
    (void)len;
    eim->posted++;
    *status = eim->status;
    *content_type = NULL;
    *answer = (aw_slice){NULL, 0};
    return AW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fuzz_eim eim = {.status = (data[0] & 1) != 0 ? 204 : 500};
    fuzz_card card = {.base = {.ops = &fuzz_ops}, .data = data, .size = size, .pos = 2};
    ipa_options options = {.segment_size = 1u + data[1] % 255u, .response_max = 4096};
    ipa_esipa_http http = {.post = fuzz_post, .userdata = &eim};
    ipa_esipa *client = NULL;
    ipa *session = NULL;
    if (ipa_esipa_new_custom(&http, 0, &client) != AW_OK)
        abort();
    if (ipa_open(&card.base, &options, &session) == AW_OK) {
        ipa_notification_config config = {.mode = IPA_DOWNLOAD_INDIRECT, .esipa = client};
        ipa_notification_report report;
        (void)ipa_notifications_send_pending(session, &config, &report);
        if (report.sent + report.kept > report.pending || report.removed > report.sent ||
            report.sent + report.kept != eim.posted || (eim.status != 204 && report.sent != 0))
            abort();
        ipa_close(session);
    }
    ipa_esipa_free(client);
    return 0;
}
