/* airwrite eUICC: ES10c local profile management (SGP.22 5.7.16-5.7.21).
 *   EnableProfile 5.7.16 (BF31), DisableProfile 5.7.17 (BF32),
 *   DeleteProfile 5.7.18 (BF33), eUICCMemoryReset 5.7.19 (BF34),
 *   SetNickname 5.7.21 (BF29).
 * Each operation changes the state in memory, queues the notifications the
 * profile asks for (notification.c) and commits once: one atomic replace of
 * the state file. If the commit fails the state rolls back and the
 * function answers undefinedError(127). Profile Policy Rules (2.4.5): PPR1
 * forbids disabling an enabled profile (also by enabling another one),
 * PPR2 forbids deleting it; eUICCMemoryReset ignores PPRs (3.3.3). */
#include <string.h>

#include "core/sgp22_bpp_content.h"
#include "core/sgp22_profile_info.h"
#include "euicc/isdr_internal.h"

static int find_profile(const euicc_state *s, const sgp22_profile_identifier *id)
{
    if (id->kind == SGP22_PROFILE_IDENTIFIER_ICCID)
        return id->value.len == EUICC_ICCID_SIZE ? euicc_state_find_iccid(s, id->value.ptr) : -1;
    return euicc_state_find_isdp_aid(s, id->value.ptr, id->value.len);
}

/* The profile's StoreMetadataRequest (checked when stored and loaded). */
static aw_err metadata_of(const euicc_profile *p, sgp22_store_metadata_request *out)
{
    return sgp22_decode_store_metadata_request(p->store_metadata, p->store_metadata_len, out);
}

static bool policy_forbids(const euicc_profile *p, uint32_t rule)
{
    sgp22_store_metadata_request m;
    return metadata_of(p, &m) == AW_OK && m.has_profile_policy_rules &&
           (m.profile_policy_rules & rule) != 0;
}

/* Queue the notifications then commit; false when either fails (the state
 * is then rolled back to the file by the failed commit or here). */
static bool apply(euicc *card, const euicc_profile *const *profiles, const uint32_t *events,
                  size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (euicc_queue_notification(card, profiles[i], events[i]) != AW_OK) {
            (void)euicc_state_reload(card->state); /* back to the file */
            return false;
        }
    }
    return euicc_state_commit(card->state) == AW_OK;
}

aw_err euicc_enable_profile(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                            size_t *response_len)
{
    sgp22_enable_profile_request request;
    sgp22_enable_profile_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_enable_profile_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int target = find_profile(s, &request.profile_identifier);
    int current = euicc_state_find_enabled(s);
    if (target < 0) {
        result.enable_result = SGP22_ENABLE_RESULT_ICCID_OR_AID_NOT_FOUND;
    } else if (s->profiles[target].enabled) {
        result.enable_result = SGP22_ENABLE_RESULT_PROFILE_NOT_IN_DISABLED_STATE;
    } else if (current >= 0 && policy_forbids(&s->profiles[current], SGP22_PPR1)) {
        result.enable_result = SGP22_ENABLE_RESULT_DISALLOWED_BY_POLICY;
    } else {
        const euicc_profile *changed[2];
        uint32_t events[2];
        size_t count = 0;
        if (current >= 0) {
            s->profiles[current].enabled = false;
            changed[count] = &s->profiles[current];
            events[count++] = SGP22_NOTIFICATION_DISABLE;
        }
        s->profiles[target].enabled = true;
        changed[count] = &s->profiles[target];
        events[count++] = SGP22_NOTIFICATION_ENABLE;
        result.enable_result = apply(card, changed, events, count)
                                   ? SGP22_ENABLE_RESULT_OK
                                   : SGP22_ENABLE_RESULT_UNDEFINED_ERROR;
    }
    return sgp22_encode_enable_profile_response(&result, response, response_len);
}

aw_err euicc_disable_profile(euicc *card, const uint8_t *command, size_t len,
                             uint8_t **response, size_t *response_len)
{
    sgp22_disable_profile_request request;
    sgp22_disable_profile_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_disable_profile_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int target = find_profile(s, &request.profile_identifier);
    if (target < 0) {
        result.disable_result = SGP22_DISABLE_RESULT_ICCID_OR_AID_NOT_FOUND;
    } else if (!s->profiles[target].enabled) {
        result.disable_result = SGP22_DISABLE_RESULT_PROFILE_NOT_IN_ENABLED_STATE;
    } else if (policy_forbids(&s->profiles[target], SGP22_PPR1)) {
        result.disable_result = SGP22_DISABLE_RESULT_DISALLOWED_BY_POLICY;
    } else {
        const euicc_profile *changed[1] = {&s->profiles[target]};
        const uint32_t events[1] = {SGP22_NOTIFICATION_DISABLE};
        s->profiles[target].enabled = false;
        result.disable_result = apply(card, changed, events, 1)
                                    ? SGP22_DISABLE_RESULT_OK
                                    : SGP22_DISABLE_RESULT_UNDEFINED_ERROR;
    }
    return sgp22_encode_disable_profile_response(&result, response, response_len);
}

aw_err euicc_delete_profile(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                            size_t *response_len)
{
    sgp22_delete_profile_request request;
    sgp22_delete_profile_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_delete_profile_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int target = find_profile(s, &request.profile_identifier);
    if (target < 0) {
        result.delete_result = SGP22_DELETE_RESULT_ICCID_OR_AID_NOT_FOUND;
    } else if (s->profiles[target].enabled) {
        result.delete_result = SGP22_DELETE_RESULT_PROFILE_NOT_IN_DISABLED_STATE;
    } else if (policy_forbids(&s->profiles[target], SGP22_PPR2)) {
        result.delete_result = SGP22_DELETE_RESULT_DISALLOWED_BY_POLICY;
    } else if (euicc_queue_notification(card, &s->profiles[target],
                                        SGP22_NOTIFICATION_DELETE) != AW_OK) {
        (void)euicc_state_reload(s);
        result.delete_result = SGP22_DELETE_RESULT_UNDEFINED_ERROR;
    } else {
        /* the notification is queued from the profile's metadata first */
        euicc_state_remove_profile(s, (size_t)target);
        result.delete_result = euicc_state_commit(s) == AW_OK
                                   ? SGP22_DELETE_RESULT_OK
                                   : SGP22_DELETE_RESULT_UNDEFINED_ERROR;
    }
    return sgp22_encode_delete_profile_response(&result, response, response_len);
}

bool euicc_reset_profiles(euicc *card, uint32_t options)
{
    euicc_state *s = card->state;
    bool changed = false;
    for (size_t i = s->profile_count; i-- > 0;) {
        sgp22_store_metadata_request m;
        if (metadata_of(&s->profiles[i], &m) != AW_OK)
            continue;
        /* every Profile here came through a download: a test Profile is
         * field-loaded, none is pre-loaded */
        uint32_t bit = m.profile_class == SGP22_PROFILE_CLASS_OPERATIONAL
                           ? EUICC_RESET_DELETE_OPERATIONAL_PROFILES
                       : m.profile_class == SGP22_PROFILE_CLASS_TEST
                           ? EUICC_RESET_DELETE_FIELD_LOADED_TEST_PROFILES
                           : EUICC_RESET_DELETE_PROVISIONING_PROFILES;
        if (options & bit) {
            euicc_state_remove_profile(s, i);
            changed = true;
        }
    }
    if ((options & EUICC_RESET_DEFAULT_SMDP_ADDRESS) && s->has_default_dp_address) {
        s->has_default_dp_address = false;
        s->default_dp_address[0] = '\0';
        changed = true;
    }
    return changed;
}

aw_err euicc_memory_reset(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                          size_t *response_len)
{
    sgp22_euicc_memory_reset_request request;
    sgp22_euicc_memory_reset_response result;
    aw_err err = sgp22_decode_euicc_memory_reset_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    /* SGP.22 defines bits 0-2 only (provisioning Profiles are never
     * deleted by this form); their positions are those of SGP.32 5.9.5 */
    uint32_t options = request.reset_options & (EUICC_RESET_DELETE_OPERATIONAL_PROFILES |
                                                EUICC_RESET_DELETE_FIELD_LOADED_TEST_PROFILES |
                                                EUICC_RESET_DEFAULT_SMDP_ADDRESS);
    bool changed = euicc_reset_profiles(card, options);
    if (!changed)
        result.reset_result = SGP22_RESET_RESULT_NOTHING_TO_DELETE;
    else
        result.reset_result = euicc_state_commit(card->state) == AW_OK
                                  ? SGP22_RESET_RESULT_OK
                                  : SGP22_RESET_RESULT_UNDEFINED_ERROR;
    if (changed)
        euicc_isdr_forget_session(card); /* no download session survives a reset */
    return sgp22_encode_euicc_memory_reset_response(&result, response, response_len);
}

aw_err euicc_set_nickname(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                          size_t *response_len)
{
    sgp22_set_nickname_request request;
    sgp22_set_nickname_response result;
    euicc_state *s = card->state;
    aw_err err = sgp22_decode_set_nickname_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    int target = euicc_state_find_iccid(s, request.iccid.ptr);
    if (target < 0) {
        result.set_nickname_result = SGP22_SET_NICKNAME_RESULT_ICCID_NOT_FOUND;
    } else if (request.profile_nickname.len > EUICC_NICKNAME_MAX ||
               memchr(request.profile_nickname.ptr, 0, request.profile_nickname.len) != NULL) {
        result.set_nickname_result = SGP22_SET_NICKNAME_RESULT_UNDEFINED_ERROR;
    } else {
        euicc_profile *p = &s->profiles[target];
        p->has_nickname = true;
        if (request.profile_nickname.len > 0)
            memcpy(p->nickname, request.profile_nickname.ptr, request.profile_nickname.len);
        p->nickname[request.profile_nickname.len] = '\0';
        result.set_nickname_result = euicc_state_commit(s) == AW_OK
                                         ? SGP22_SET_NICKNAME_RESULT_OK
                                         : SGP22_SET_NICKNAME_RESULT_UNDEFINED_ERROR;
    }
    return sgp22_encode_set_nickname_response(&result, response, response_len);
}
