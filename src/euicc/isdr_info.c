/* airwrite eUICC: what the eUICC tells about itself.
 *   ES10b.GetEUICCInfo, SGP.22 5.7.8: EUICCInfo1 (BF20) and EUICCInfo2 (BF22)
 *   ES10c.GetEID, SGP.22 5.7.20 (BF3E)
 *   ES10b.GetRAT, SGP.22 5.7.22 (BF43): the Rules Authorisation Table
 *   (2.4.5), which says which operators may set which Profile Policy
 *   Rules; this eUICC is configured with no rule, so it reports an empty
 *   table. */
#include <stdlib.h>
#include <string.h>

#include "core/sgp22_euicc_info.h"
#include "euicc/isdr_internal.h"

/* VersionType values (SGP.22 RSPDefinitions: major, minor, revision). */
static const uint8_t profile_version[3] = {2, 3, 1};  /* SIMalliance profile package 2.3.1 */
static const uint8_t svn[3] = {2, 2, 2};              /* SGP.22 v2.2.2 */
static const uint8_t firmware_version[3] = {0, 1, 0}; /* airwrite 0.1.0 */
static const uint8_t ts102241_version[3] = {9, 2, 0}; /* ETSI TS 102 241 v9.2.0 */
static const uint8_t globalplatform_version[3] = {2, 3, 0};
static const uint8_t pp_version[3] = {0, 0, 1};
static const char sas_accreditation[] = "AIRWRITE-SOFTWARE-EUICC"; /* not SAS accredited */
/* UICCCapability (PEDefinitions): usim(1), akaMilenage(4), akaTuak128(6),
 * akaTuak256(7): the NAA and algorithms the SAIP layer personalises. */
static const uint8_t uicc_capability[1] = {0x4B};

static void put_pkid_list(const aw_pki_key_id *ids, size_t count, aw_slice *items,
                          sgp22_octets_list *list)
{
    for (size_t i = 0; i < count; i++)
        items[i] = (aw_slice){ids[i].bytes, ids[i].len};
    list->items = items;
    list->count = count;
}

/* ETSI TS 102 226 8.2.1.7.2 extended card resources: '81' number of
 * installed applications, '82' free non-volatile memory, '83' free
 * volatile memory. */
static void ext_card_resource(const euicc *card, uint8_t out[13])
{
    /* room for as many packages as the profile limit still allows (issue 8): a
     * limit reached reads as no free memory, as the download would be refused */
    size_t capacity = euicc_state_profile_capacity(card->state);
    size_t count = card->state->profile_count;
    uint32_t free_memory = (uint32_t)(count < capacity ? capacity - count : 0) *
                           EUICC_PACKAGE_MAX;
    const uint8_t resource[13] = {
        0x81, 0x01, (uint8_t)card->state->profile_count,
        0x82, 0x04, (uint8_t)(free_memory >> 24), (uint8_t)(free_memory >> 16),
        (uint8_t)(free_memory >> 8), (uint8_t)free_memory,
        0x83, 0x02, 0x10, 0x00, /* 4 KiB of working memory */
    };
    memcpy(out, resource, sizeof(resource));
}

aw_err euicc_encode_euicc_info2(const euicc *card, uint8_t **out, size_t *len)
{
    const euicc_identity *id = card->identity;
    aw_slice verification[EUICC_MAX_CI_PKIDS], signing[EUICC_MAX_CI_PKIDS];
    uint8_t resource[13];
    sgp22_euicc_info2 info;
    memset(&info, 0, sizeof(info));
    ext_card_resource(card, resource);
    info.profile_version = (aw_slice){profile_version, 3};
    info.svn = (aw_slice){svn, 3};
    info.euicc_firmware_ver = (aw_slice){firmware_version, 3};
    info.ext_card_resource = (aw_slice){resource, sizeof(resource)};
    info.uicc_capability = (sgp22_bit_string){{uicc_capability, 1}, 0};
    info.has_ts102241_version = true;
    info.ts102241_version = (aw_slice){ts102241_version, 3};
    info.has_globalplatform_version = true;
    info.globalplatform_version = (aw_slice){globalplatform_version, 3};
    /* several profiles may be installed (EUICC_MAX_PROFILES) */
    info.rsp_capability = SGP22_RSP_CAPABILITY_ADDITIONAL_PROFILE;
    put_pkid_list(id->ci_pkids_verification, id->ci_pkid_verification_count, verification,
                  &info.euicc_ci_pkid_list_for_verification);
    put_pkid_list(id->ci_pkids_signing, id->ci_pkid_signing_count, signing,
                  &info.euicc_ci_pkid_list_for_signing);
    info.has_euicc_category = true;
    info.euicc_category = SGP22_EUICC_CATEGORY_OTHER;
    info.pp_version = (aw_slice){pp_version, 3};
    info.sas_acreditation_number =
        (aw_slice){(const uint8_t *)sas_accreditation, sizeof(sas_accreditation) - 1};
    return sgp22_encode_euicc_info2(&info, out, len);
}

aw_err euicc_get_euicc_info1(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                             size_t *response_len)
{
    sgp22_get_euicc_info1_request request;
    aw_slice verification[EUICC_MAX_CI_PKIDS], signing[EUICC_MAX_CI_PKIDS];
    sgp22_euicc_info1 info;
    aw_err err = sgp22_decode_get_euicc_info1_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&info, 0, sizeof(info));
    info.svn = (aw_slice){svn, 3};
    put_pkid_list(card->identity->ci_pkids_verification,
                  card->identity->ci_pkid_verification_count, verification,
                  &info.euicc_ci_pkid_list_for_verification);
    put_pkid_list(card->identity->ci_pkids_signing, card->identity->ci_pkid_signing_count,
                  signing, &info.euicc_ci_pkid_list_for_signing);
    return sgp22_encode_euicc_info1(&info, response, response_len);
}

aw_err euicc_get_euicc_info2(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                             size_t *response_len)
{
    sgp22_get_euicc_info2_request request;
    aw_err err = sgp22_decode_get_euicc_info2_request(command, len, &request);
    if (err != AW_OK)
        return err;
    return euicc_encode_euicc_info2(card, response, response_len);
}

aw_err euicc_get_eid(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                     size_t *response_len)
{
    sgp22_get_euicc_data_request request;
    sgp22_get_euicc_data_response data;
    aw_err err = sgp22_decode_get_euicc_data_request(command, len, &request);
    if (err != AW_OK)
        return err;
    /* SGP.22 5.7.20: the tagList is '5A', the only data object defined */
    if (request.tag_list.len != 1 || request.tag_list.ptr[0] != SGP22_TAG_ICCID)
        return AW_ERR_DER_CONSTRAINT;
    memset(&data, 0, sizeof(data));
    data.eid_value = (aw_slice){card->identity->eid_bytes, EUICC_EID_SIZE};
    return sgp22_encode_get_euicc_data_response(&data, response, response_len);
}

aw_err euicc_get_rat(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                     size_t *response_len)
{
    sgp22_get_rat_request request;
    sgp22_get_rat_response rat;
    (void)card;
    aw_err err = sgp22_decode_get_rat_request(command, len, &request);
    if (err != AW_OK)
        return err;
    memset(&rat, 0, sizeof(rat));
    return sgp22_encode_get_rat_response(&rat, response, response_len);
}
