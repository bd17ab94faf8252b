/* airwrite eUICC: ES10c.GetProfilesInfo, SGP.22 5.7.15 (BF2D).
 *
 * Each ProfileInfo is built from the ISD-P record (ICCID, AID, state,
 * nickname) and the StoreMetadataRequest the profile was installed with
 * (ES8+ 5.5.3: service provider and profile name, icon, class,
 * notification configuration, owner, PPRs). searchCriteria selects by
 * ISD-P AID, ICCID or profile class (no match: an empty list); a tagList
 * limits each ProfileInfo to the components whose tags it names, and a
 * tagList that is not a sequence of well-formed tags is answered with
 * incorrectInputValues. */
#include <string.h>

#include "core/sgp22_bpp_content.h"
#include "core/sgp22_profile_info.h"
#include "euicc/isdr_internal.h"

#define MAX_REQUESTED_TAGS 32

/* ProfileInfo component tags (RSPDefinitions ProfileInfo) */
enum {
    TAG_PROFILE_STATE = 0x9F70,
    TAG_NICKNAME = 0x90,
    TAG_SERVICE_PROVIDER_NAME = 0x91,
    TAG_PROFILE_NAME = 0x92,
    TAG_ICON_TYPE = 0x93,
    TAG_ICON = 0x94,
    TAG_PROFILE_CLASS = 0x95,
    TAG_NOTIFICATION_CONFIGURATION = 0xB6,
    TAG_PROFILE_OWNER = 0xB7,
    TAG_PROFILE_POLICY_RULES = 0x99,
    TAG_FALLBACK_ATTRIBUTE = 0x9F26, /* SGP.32 ProfileInfo */
    TAG_FALLBACK_ALLOWED = 0x9F67,   /* SGP.32 ProfileInfo */
};

typedef struct tag_filter {
    bool all;
    uint32_t tags[MAX_REQUESTED_TAGS];
    size_t count;
} tag_filter;

/* tagList: concatenated BER tags without lengths (X.690 8.1.2), each at
 * most three octets as SGP.22 tags are. */
static bool parse_tag_list(aw_slice list, tag_filter *filter)
{
    size_t i = 0;
    filter->count = 0;
    while (i < list.len) {
        uint32_t tag = list.ptr[i++];
        if ((tag & 0x1Fu) == 0x1Fu) {
            size_t extra = 0;
            uint8_t b;
            do {
                if (i >= list.len || extra == 2)
                    return false;
                b = list.ptr[i++];
                if (extra == 0 && (b == 0x80 || b < 0x1F))
                    return false; /* non-minimal subsequent octets */
                tag = tag << 8 | b;
                extra++;
            } while (b & 0x80u);
        }
        if (filter->count == MAX_REQUESTED_TAGS)
            return false;
        filter->tags[filter->count++] = tag;
    }
    return true;
}

static bool wanted(const tag_filter *filter, uint32_t tag)
{
    if (filter->all)
        return true;
    for (size_t i = 0; i < filter->count; i++)
        if (filter->tags[i] == tag)
            return true;
    return false;
}

static void fill_info(const euicc_profile *p, const sgp22_store_metadata_request *m,
                      const tag_filter *f, sgp22_profile_info *info)
{
    memset(info, 0, sizeof(*info));
    info->has_iccid = wanted(f, SGP22_TAG_ICCID);
    info->iccid = (aw_slice){p->iccid, EUICC_ICCID_SIZE};
    info->has_isdp_aid = wanted(f, SGP22_TAG_ISDP_AID);
    info->isdp_aid = (aw_slice){p->isdp_aid, p->isdp_aid_len};
    info->has_profile_state = wanted(f, TAG_PROFILE_STATE);
    info->profile_state = p->enabled ? SGP22_PROFILE_STATE_ENABLED : SGP22_PROFILE_STATE_DISABLED;
    info->has_profile_nickname = p->has_nickname && wanted(f, TAG_NICKNAME);
    info->profile_nickname = (aw_slice){(const uint8_t *)p->nickname, strlen(p->nickname)};
    info->has_service_provider_name = wanted(f, TAG_SERVICE_PROVIDER_NAME);
    info->service_provider_name = m->service_provider_name;
    info->has_profile_name = wanted(f, TAG_PROFILE_NAME);
    info->profile_name = m->profile_name;
    info->has_icon_type = m->has_icon_type && wanted(f, TAG_ICON_TYPE);
    info->icon_type = m->icon_type;
    info->has_icon = m->has_icon && wanted(f, TAG_ICON);
    info->icon = m->icon;
    info->has_profile_class = wanted(f, TAG_PROFILE_CLASS);
    info->profile_class = m->profile_class;
    info->has_notification_configuration_info =
        m->has_notification_configuration_info && wanted(f, TAG_NOTIFICATION_CONFIGURATION);
    info->notification_configuration_info.raw = m->notification_configuration_info.raw;
    info->notification_configuration_info.count = m->notification_configuration_info.count;
    info->has_profile_owner = m->has_profile_owner && wanted(f, TAG_PROFILE_OWNER);
    info->profile_owner = m->profile_owner;
    info->has_profile_policy_rules =
        m->has_profile_policy_rules && wanted(f, TAG_PROFILE_POLICY_RULES);
    info->profile_policy_rules = m->profile_policy_rules;
    /* SGP.32 ProfileInfo fallbackAttribute (DEFAULT FALSE) and fallbackAllowed */
    info->fallback_attribute = p->fallback_attribute && wanted(f, TAG_FALLBACK_ATTRIBUTE);
    info->has_fallback_allowed = m->has_fallback_allowed && wanted(f, TAG_FALLBACK_ALLOWED);
    info->fallback_allowed = m->fallback_allowed;
}

static bool matches(const sgp22_profile_info_list_request *request, const euicc_profile *p,
                    const sgp22_store_metadata_request *m)
{
    switch (request->search_kind) {
    case SGP22_PROFILE_SEARCH_ISDP_AID:
        return request->search_value.len == p->isdp_aid_len &&
               memcmp(request->search_value.ptr, p->isdp_aid, p->isdp_aid_len) == 0;
    case SGP22_PROFILE_SEARCH_ICCID:
        return request->search_value.len == EUICC_ICCID_SIZE &&
               memcmp(request->search_value.ptr, p->iccid, EUICC_ICCID_SIZE) == 0;
    case SGP22_PROFILE_SEARCH_PROFILE_CLASS:
        return m->profile_class == request->search_profile_class;
    case SGP22_PROFILE_SEARCH_NONE:
    default:
        return true;
    }
}

aw_err euicc_get_profiles_info(euicc *card, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len)
{
    sgp22_profile_info_list_request request;
    sgp22_profile_info_list_response result;
    sgp22_store_metadata_request metadata[EUICC_MAX_PROFILES];
    sgp22_profile_info infos[EUICC_MAX_PROFILES];
    tag_filter filter = {.all = true};
    const euicc_state *s = card->state;
    size_t count = 0;
    aw_err err = sgp22_decode_profile_info_list_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&result, 0, sizeof(result));
    result.kind = SGP22_PROFILE_INFO_LIST_OK;
    if (request.has_tag_list) {
        filter.all = false;
        if (!parse_tag_list(request.tag_list, &filter)) {
            result.kind = SGP22_PROFILE_INFO_LIST_ERROR;
            result.profile_info_list_error = SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES;
        }
    }
    if (request.search_kind == SGP22_PROFILE_SEARCH_PROFILE_CLASS &&
        (request.search_profile_class < SGP22_PROFILE_CLASS_TEST ||
         request.search_profile_class > SGP22_PROFILE_CLASS_OPERATIONAL)) {
        result.kind = SGP22_PROFILE_INFO_LIST_ERROR;
        result.profile_info_list_error = SGP22_PROFILE_INFO_LIST_INCORRECT_INPUT_VALUES;
    }
    for (size_t i = 0; result.kind == SGP22_PROFILE_INFO_LIST_OK && i < s->profile_count; i++) {
        const euicc_profile *p = &s->profiles[i];
        /* validated when stored and when loaded */
        err = sgp22_decode_store_metadata_request(p->store_metadata, p->store_metadata_len,
                                                  &metadata[count]);
        if (err != AW_OK)
            return err;
        if (!matches(&request, p, &metadata[count]))
            continue;
        fill_info(p, &metadata[count], &filter, &infos[count]);
        count++;
    }
    result.profile_info_list_ok.items = infos;
    result.profile_info_list_ok.count = count;
    return sgp22_encode_profile_info_list_response(&result, response, response_len);
}
