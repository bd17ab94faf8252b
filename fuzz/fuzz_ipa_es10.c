/* libFuzzer target: the IPA's ES10 response reassembly and decoding
 * (src/ipa/transport.c, es10_apdu.c, ipa.c, es10b.c, es10c.c) against a
 * card whose every answer comes from the input. Input: one byte of STORE
 * DATA block size, then answers, each a length byte and that many bytes
 * (SW1 SW2 last). The IPA opens a channel (MANAGE CHANNEL, SELECT), then
 * runs GetProfilesInfo, ListNotification, GetEID and a raw GetEUICCInfo2,
 * walking every list it decodes. Properties: no response
 * beyond the session's bound, no list longer than its decoded count. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_scripted_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_profiles(ipa *session)
{
    sgp22_profile_info_list_response r;
    if (ipa_es10c_get_profiles_info(session, NULL, &r) != AW_OK)
        return;
    if (r.raw.len > IPA_DEFAULT_RESPONSE_MAX)
        abort();
    if (r.kind != SGP22_PROFILE_INFO_LIST_OK)
        return;
    sgp22_list_iter it;
    sgp22_profile_info info;
    size_t count = 0;
    sgp22_list_iter_init(&it, r.profile_info_list_ok.raw);
    while (sgp22_profile_info_list_next(&it, &info) == AW_OK)
        count++;
    if (count > r.profile_info_list_ok.count)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_card card = {.base = {.ops = &fuzz_ops}, .data = data, .size = size, .pos = 1};
    ipa_options options = {.segment_size = 1u + data[0] % 255u, .response_max = 2048};
    ipa *session = NULL;
    if (ipa_open(&card.base, &options, &session) != AW_OK)
        return 0;
    walk_profiles(session);
    sgp22_list_notification_response list;
    if (ipa_es10b_list_notification(session, 0, &list) == AW_OK &&
        list.kind == SGP22_NOTIFICATION_LIST_OK) {
        sgp22_list_iter it;
        sgp22_notification_metadata m;
        sgp22_list_iter_init(&it, list.notification_metadata_list.raw);
        while (sgp22_notification_metadata_list_next(&it, &m) == AW_OK)
            ;
    }
    uint8_t eid[SGP22_EID_SIZE];
    (void)ipa_es10c_get_eid(session, eid);
    aw_slice response;
    static const uint8_t info2[] = {0xBF, 0x22, 0x00};
    if (ipa_es10_command(session, info2, sizeof(info2), &response) == AW_OK &&
        response.len > 2048)
        abort();
    ipa_close(session);
    return 0;
}
