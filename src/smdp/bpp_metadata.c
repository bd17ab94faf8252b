/* airwrite SM-DP+: the plaintext BPP commands the SM-DP+ writes, checked
 * and encoded: StoreMetadataRequest (ES8+ 5.5.3) and ConfigureISDPRequest
 * (ES8+ 5.5.2). */
#include "smdp/bpp_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

#include "core/sgp22_bpp_content.h"

#define PROFILE_CLASS_MAX 2          /* ProfileClass operational(2) */
#define ICON_TYPE_MAX 1              /* IconType png(1) */
#define ICON_MAX 1024u               /* icon SIZE(0..1024) */
#define SERVICE_PROVIDER_NAME_MAX 32u
#define PROFILE_NAME_MAX 64u
#define NOTIFY_ALL (SMDP_NOTIFY_INSTALL | SMDP_NOTIFY_ENABLE | SMDP_NOTIFY_DISABLE | \
                    SMDP_NOTIFY_DELETE)
#define PPR_ALL 0x7u                 /* pprUpdateControl(0), ppr1(1), ppr2(2) */

static aw_slice text_slice(const char *text)
{
    aw_slice s = {(const uint8_t *)text, strlen(text)};
    return s;
}

aw_err smdp_check_profile_metadata(const smdp_profile_metadata *m)
{
    if (m == NULL || m->service_provider_name == NULL || m->profile_name == NULL)
        return AW_ERR_ARGUMENT;
    /* 5.5.3: serviceProviderName SIZE(0..32), profileName SIZE(0..64) */
    if (der_check_utf8(text_slice(m->service_provider_name), 0, SERVICE_PROVIDER_NAME_MAX) !=
            AW_OK ||
        der_check_utf8(text_slice(m->profile_name), 0, PROFILE_NAME_MAX) != AW_OK)
        return AW_ERR_SMDP_METADATA;
    if (m->profile_class < 0 || m->profile_class > PROFILE_CLASS_MAX)
        return AW_ERR_SMDP_METADATA;
    if (m->has_icon && (m->icon_type < 0 || m->icon_type > ICON_TYPE_MAX ||
                        m->icon_len > ICON_MAX || (m->icon == NULL && m->icon_len > 0)))
        return AW_ERR_SMDP_METADATA;
    if (m->has_profile_policy_rules && (m->profile_policy_rules & ~PPR_ALL) != 0)
        return AW_ERR_SMDP_METADATA;
    if (m->notification_count > 0 && m->notifications == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < m->notification_count; i++) {
        const smdp_notification_configuration *n = &m->notifications[i];
        if (n->events == 0 || (n->events & ~NOTIFY_ALL) != 0 || n->address == NULL ||
            der_check_utf8(text_slice(n->address), 1, SIZE_MAX) != AW_OK)
            return AW_ERR_SMDP_METADATA;
    }
    return AW_OK;
}

aw_err smdp_encode_store_metadata(const smdp_profile_metadata *m,
                                  const uint8_t iccid[SMDP_ICCID_SIZE],
                                  uint8_t **out, size_t *out_len)
{
    sgp22_store_metadata_request request;
    sgp22_notification_configuration_information *entries = NULL;
    *out = NULL;
    *out_len = 0;
    memset(&request, 0, sizeof(request));
    request.iccid.ptr = iccid;
    request.iccid.len = SMDP_ICCID_SIZE;
    request.service_provider_name = text_slice(m->service_provider_name);
    request.profile_name = text_slice(m->profile_name);
    request.has_icon_type = m->has_icon;
    request.icon_type = m->icon_type;
    request.has_icon = m->has_icon;
    request.icon.ptr = m->icon;
    request.icon.len = m->icon_len;
    /* X.690 11.5: DER leaves out a component equal to its DEFAULT. */
    request.has_profile_class = m->profile_class != SGP22_STORE_METADATA_DEFAULT_PROFILE_CLASS;
    request.profile_class = m->profile_class;
    request.has_profile_policy_rules = m->has_profile_policy_rules;
    request.profile_policy_rules = m->profile_policy_rules;
    if (m->notification_count > 0) {
        entries = calloc(m->notification_count, sizeof(*entries));
        if (entries == NULL)
            return AW_ERR_NOMEM;
        for (size_t i = 0; i < m->notification_count; i++) {
            entries[i].profile_management_operation = m->notifications[i].events;
            entries[i].notification_address = text_slice(m->notifications[i].address);
        }
        request.has_notification_configuration_info = true;
        request.notification_configuration_info.count = m->notification_count;
        request.notification_configuration_info.items = entries;
    }
    aw_err err = sgp22_encode_store_metadata_request(&request, out, out_len);
    free(entries);
    return err;
}

aw_err smdp_encode_configure_isdp(const char *dp_oid, uint8_t **out, size_t *out_len)
{
    sgp22_configure_isdp_request request;
    *out = NULL;
    *out_len = 0;
    /* The dotted OID as DER content octets (numerical form only). */
    ASN1_OBJECT *oid = OBJ_txt2obj(dp_oid, 1);
    if (oid == NULL)
        return AW_ERR_PKI_SUBJECT_ALT_NAME;
    int len = OBJ_length(oid);
    const unsigned char *data = OBJ_get0_data(oid);
    aw_err err = AW_ERR_PKI_SUBJECT_ALT_NAME;
    if (len > 0 && data != NULL) {
        memset(&request, 0, sizeof(request));
        /* 5.5.2: dpProprietaryData carries the OID of the SM-DP+ that
         * created the profile. */
        request.has_dp_proprietary_data = true;
        request.dp_oid.ptr = data;
        request.dp_oid.len = (size_t)len;
        err = sgp22_encode_configure_isdp_request(&request, out, out_len);
    }
    ASN1_OBJECT_free(oid);
    return err;
}
