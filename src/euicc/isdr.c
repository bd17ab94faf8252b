/* airwrite eUICC: the ISD-R dispatcher (SGP.22 5.7.1, 5.7.2) and the
 * ISD-R side of the download engine (euicc_download_host, isdr.h).
 *
 * Each complete ES10 command (STORE DATA reassembled by card.c) starts with
 * the tag of its function. Status words, SGP.22 5.7.2:
 *   9000  the function ran; its own result code is inside the response;
 *   6A80  incorrect values in the command data (not DER, or not the
 *         function's ASN.1 type);
 *   6A88  reference data not found: a tag naming no ES10 function, or a
 *         BPP segment outside a download;
 *   6985  conditions of use not satisfied: a download step out of sequence;
 *   6A84  not enough memory; 6F00 an internal failure (I/O, crypto, state).
 * A Bound Profile Package arrives as segments (SGP.22 2.5.5): BF36 with the
 * InitialiseSecureChannel, then the A0-A3 headers and 86/87/88 blocks,
 * none a complete TLV of its own; they go to the download engine as they
 * are, only their first tag is looked at here. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/der.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_tags.h"
#include "core/sgp32_tags.h"
#include "euicc/isdr_internal.h"

/* ES10b authentication and download (5.7.5-5.7.7, 5.7.13, 5.7.14) go to
 * the download engine; the wall clock is the time certificates are
 * checked at. */
static aw_err get_euicc_challenge(euicc *card, const uint8_t *command, size_t len,
                                  uint8_t **response, size_t *response_len)
{
    /* a new download session: the last one's profile is no longer the
     * one ES10b.ImmediateEnable (SGP.32) may enable */
    euicc_immediate_enable_forget(card);
    return euicc_download_get_challenge(card->download, command, len, response, response_len);
}

static aw_err authenticate_server(euicc *card, const uint8_t *command, size_t len,
                                  uint8_t **response, size_t *response_len)
{
    uint8_t *info2 = NULL;
    size_t info2_len = 0;
    aw_err err = euicc_encode_euicc_info2(card, &info2, &info2_len);
    if (err == AW_OK)
        err = euicc_download_authenticate_server(card->download, command, len,
                                                 (aw_slice){info2, info2_len}, time(NULL),
                                                 response, response_len);
    free(info2);
    return err;
}

static aw_err prepare_download(euicc *card, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len)
{
    return euicc_download_prepare_download(card->download, command, len, time(NULL), response,
                                           response_len);
}

static aw_err cancel_session(euicc *card, const uint8_t *command, size_t len, uint8_t **response,
                             size_t *response_len)
{
    return euicc_download_cancel_session(card->download, command, len, response, response_len);
}

static const struct {
    uint32_t tag;
    euicc_es10_function function;
} functions[] = {
    {SGP22_TAG_EUICC_INFO1, euicc_get_euicc_info1},                         /* 5.7.8 */
    {SGP22_TAG_EUICC_INFO2, euicc_get_euicc_info2},                         /* 5.7.8 */
    {SGP22_TAG_EUICC_CONFIGURED_ADDRESSES, euicc_get_configured_addresses}, /* 5.7.3 */
    {SGP22_TAG_SET_DEFAULT_DP_ADDRESS, euicc_set_default_dp_address},       /* 5.7.4 */
    {SGP22_TAG_PREPARE_DOWNLOAD, prepare_download},                         /* 5.7.5 */
    {SGP22_TAG_GET_EUICC_CHALLENGE, get_euicc_challenge},                   /* 5.7.7 */
    {SGP22_TAG_LIST_NOTIFICATION, euicc_list_notification},                 /* 5.7.9 */
    {SGP22_TAG_RETRIEVE_NOTIFICATIONS_LIST, euicc_retrieve_notifications_list}, /* 5.7.10 */
    {SGP22_TAG_NOTIFICATION_SENT, euicc_remove_notification},               /* 5.7.11 */
    {SGP22_TAG_AUTHENTICATE_SERVER, authenticate_server},                   /* 5.7.13 */
    {SGP22_TAG_CANCEL_SESSION, cancel_session},                             /* 5.7.14 */
    {SGP22_TAG_PROFILE_INFO_LIST, euicc_get_profiles_info},                 /* 5.7.15 */
    {SGP22_TAG_ENABLE_PROFILE, euicc_enable_profile},                       /* 5.7.16 */
    {SGP22_TAG_DISABLE_PROFILE, euicc_disable_profile},                     /* 5.7.17 */
    {SGP22_TAG_DELETE_PROFILE, euicc_delete_profile},                       /* 5.7.18 */
    {SGP22_TAG_EUICC_MEMORY_RESET, euicc_memory_reset},                     /* 5.7.19 */
    {SGP22_TAG_GET_EUICC_DATA, euicc_get_eid},                              /* 5.7.20 */
    {SGP22_TAG_SET_NICKNAME, euicc_set_nickname},                           /* 5.7.21 */
    {SGP22_TAG_GET_RAT, euicc_get_rat},                                     /* 5.7.22 */
    /* SGP.32 additions (sgp32_*.c) */
    {SGP32_TAG_EUICC_PACKAGE, euicc_load_euicc_package},             /* SGP.32 5.9.1 */
    {SGP32_TAG_IPA_EUICC_DATA, euicc_get_ipa_euicc_data},            /* SGP.32 2.11.2 */
    {SGP32_TAG_EIM_ACKNOWLEDGEMENTS, euicc_eim_acknowledgements},    /* SGP.32 6.3.2.7 */
    {SGP32_TAG_GET_EIM_CONFIGURATION_DATA, euicc_get_eim_configuration_data}, /* SGP.32 5.9.18 */
    {SGP32_TAG_ADD_INITIAL_EIM, euicc_add_initial_eim},              /* SGP.32 5.9.16 */
    {SGP32_TAG_PROFILE_ROLLBACK, euicc_profile_rollback},            /* SGP.32 ES10b.ProfileRollback */
    /* SGP.32 ES10b.ImmediateEnable and ES10b.ConfigureImmediateProfileEnabling */
    {SGP32_TAG_IMMEDIATE_ENABLE, euicc_immediate_enable_profile},
    {SGP32_TAG_CONFIGURE_IMMEDIATE_PROFILE_ENABLING, euicc_configure_immediate_profile_enabling},
    {SGP32_TAG_EUICC_MEMORY_RESET, euicc_sgp32_memory_reset},        /* SGP.32 5.9.5 */
};

/* aw_err to status word: what the command carried is the terminal's
 * fault (6A80), our own failures are 6A84 / 6F00, a command out of its
 * sequence (e.g. a download step before its predecessor) 6985. */
static enum euicc_sw status_of(aw_err err)
{
    switch (err) {
    case AW_OK:
        return EUICC_SW_OK;
    case AW_ERR_NOMEM:
        return EUICC_SW_NOT_ENOUGH_MEMORY;
    case AW_ERR_STATE:
        return EUICC_SW_CONDITIONS_NOT_SATISFIED;
    case AW_ERR_IO:
    case AW_ERR_CRYPTO:
    case AW_ERR_BUFFER_TOO_SMALL:
    case AW_ERR_EUICC_STATE_CORRUPT:
    case AW_ERR_EUICC_STATE_VERSION:
    case AW_ERR_EUICC_STORAGE_KEY:
        return EUICC_SW_TECHNICAL_PROBLEM;
    default:
        return EUICC_SW_INCORRECT_DATA;
    }
}

static bool is_segment_tag(uint32_t tag)
{
    switch (tag) {
    case SGP22_TAG_BPP_SEQUENCE_87_FIRST:
    case SGP22_TAG_BPP_SEQUENCE_88:
    case SGP22_TAG_BPP_SEQUENCE_87_SECOND:
    case SGP22_TAG_BPP_SEQUENCE_86:
    case SGP22_TAG_BPP_SEGMENT_86:
    case SGP22_TAG_BPP_SEGMENT_87:
    case SGP22_TAG_BPP_SEGMENT_88:
        return true;
    default:
        return false;
    }
}

enum euicc_sw euicc_isdr_handle(void *ctx, unsigned channel, const uint8_t *command, size_t len,
                                uint8_t **response, size_t *response_len)
{
    euicc *card = ctx;
    der_reader r;
    der_node node;
    uint32_t tag;
    aw_err err;
    (void)channel; /* the ISD-R answers alike on every channel it is selected on */
    *response = NULL;
    *response_len = 0;
    der_reader_init(&r, command, len);
    if (!der_peek_tag(&r, &tag))
        return EUICC_SW_INCORRECT_DATA;
    if (tag == SGP22_TAG_BOUND_PROFILE_PACKAGE ||
        (is_segment_tag(tag) && euicc_download_loading(card->download))) {
        /* SGP.22 2.5.5: BPP segments are not whole TLVs */
        err = euicc_download_load_segment(card->download, command, len, response, response_len);
    } else if (der_decode_single(command, len, &node) != AW_OK) {
        return EUICC_SW_INCORRECT_DATA;
    } else {
        size_t i = 0;
        while (i < sizeof(functions) / sizeof(functions[0]) && functions[i].tag != tag)
            i++;
        if (i == sizeof(functions) / sizeof(functions[0]))
            return EUICC_SW_REFERENCED_DATA_NOT_FOUND; /* no such function */
        err = functions[i].function(card, command, len, response, response_len);
    }
    if (err != AW_OK) {
        free(*response);
        *response = NULL;
        *response_len = 0;
    }
    return status_of(err);
}

/* ---- euicc_download_host ---------------------------------------------- */

static aw_err host_next_sequence_number(void *ctx, int64_t *out)
{
    euicc *card = ctx;
    *out = euicc_state_take_sequence_number(card->state);
    return AW_OK;
}

static bool host_iccid_exists(void *ctx, const uint8_t iccid[EUICC_ICCID_SIZE])
{
    euicc *card = ctx;
    return euicc_state_find_iccid(card->state, iccid) >= 0;
}

static bool host_has_room(void *ctx)
{
    euicc *card = ctx;
    /* the configured profile limit, else the card's capacity (state.h) */
    return card->state->profile_count < euicc_state_profile_capacity(card->state);
}

/* ISD-P AIDs (SGP.22 2.2.4): the ISD-R's RID and PIX family, A0 00 00 05
 * 59 10 10 FF FF FF FF 89 00 00 nn 00, nn counting up from 10 and never
 * reused while the counter lasts, skipping any still in use. */
static aw_err host_allocate_isdp_aid(void *ctx, uint8_t aid[EUICC_AID_MAX], size_t *aid_len)
{
    euicc *card = ctx;
    euicc_state *s = card->state;
    for (unsigned tries = 0; tries < 0xF0; tries++) {
        unsigned n = 0x10u + (s->isdp_aid_counter++ % 0xF0u);
        memcpy(aid, euicc_isdr_aid, 16);
        aid[14] = (uint8_t)n;
        aid[15] = 0x00;
        if (euicc_state_find_isdp_aid(s, aid, 16) < 0) {
            *aid_len = 16;
            return AW_OK;
        }
    }
    return AW_ERR_LIMIT;
}

/* The notificationMetadata inside a ProfileInstallationResult (5.7.6). */
static aw_err pir_metadata(aw_slice pir, sgp22_profile_installation_result *decoded,
                           sgp22_notification_metadata *metadata)
{
    aw_err err = sgp22_decode_profile_installation_result(pir.ptr, pir.len, decoded);
    if (err == AW_OK)
        err = sgp22_decode_notification_metadata(decoded->data.notification_metadata.ptr,
                                                 decoded->data.notification_metadata.len,
                                                 metadata);
    if (err == AW_OK && metadata->notification_address.len > EUICC_ADDRESS_MAX)
        err = AW_ERR_DER_CONSTRAINT;
    return err;
}

/* A seqNumber the host handed out (next_sequence_number) and not yet used:
 * anything else would write a state that no longer loads. */
static bool sequence_number_usable(const euicc_state *s, int64_t sequence_number)
{
    return sequence_number >= 0 && sequence_number < s->next_sequence_number &&
           euicc_state_find_notification(s, sequence_number) < 0;
}

static aw_err host_commit_profile(void *ctx, const euicc_installed_profile *profile)
{
    euicc *card = ctx;
    euicc_state *s = card->state;
    sgp22_store_metadata_request metadata;
    sgp22_profile_installation_result pir;
    sgp22_notification_metadata notification;
    if (profile == NULL || profile->isdp_aid_len == 0 || profile->isdp_aid_len > EUICC_AID_MAX ||
        !sequence_number_usable(s, profile->sequence_number))
        return AW_ERR_ARGUMENT;
    if (euicc_state_find_iccid(s, profile->iccid) >= 0 ||
        euicc_state_find_isdp_aid(s, profile->isdp_aid, profile->isdp_aid_len) >= 0)
        return AW_ERR_STATE;
    aw_err err = sgp22_decode_store_metadata_request(profile->store_metadata.ptr,
                                                     profile->store_metadata.len, &metadata);
    if (err == AW_OK && (metadata.iccid.len != EUICC_ICCID_SIZE ||
                         memcmp(metadata.iccid.ptr, profile->iccid, EUICC_ICCID_SIZE) != 0))
        err = AW_ERR_ARGUMENT;
    if (err == AW_OK)
        err = pir_metadata(profile->installation_result, &pir, &notification);
    if (err != AW_OK)
        return err;
    err = euicc_state_add_profile(s, profile->iccid, profile->isdp_aid, profile->isdp_aid_len,
                                  profile->store_metadata, profile->profile_package);
    if (err != AW_OK)
        return err;
    /* SGP.22 3.1.3: the PIR is a pending notification until the LPA has
     * delivered it and removed it (5.7.11) */
    err = euicc_state_add_notification(s, profile->sequence_number, SGP22_NOTIFICATION_INSTALL,
                                       notification.notification_address, profile->iccid,
                                       profile->installation_result);
    if (err != AW_OK) {
        euicc_state_remove_profile(s, s->profile_count - 1);
        return err;
    }
    err = euicc_state_commit(s);
    /* SGP.32 ES10b.ImmediateEnable: the IPA may ask to enable this
     * profile next; the eUICC does not on its own */
    if (err == AW_OK)
        euicc_immediate_enable_remember(card, profile->iccid, pir.data.smdp_oid,
                                        notification.notification_address);
    return err;
}

static aw_err host_record_failed_installation(void *ctx, aw_slice installation_result,
                                              int64_t sequence_number)
{
    euicc *card = ctx;
    sgp22_profile_installation_result pir;
    sgp22_notification_metadata notification;
    if (!sequence_number_usable(card->state, sequence_number))
        return AW_ERR_ARGUMENT;
    euicc_immediate_enable_forget(card); /* this session installed nothing */
    aw_err err = pir_metadata(installation_result, &pir, &notification);
    if (err == AW_OK)
        err = euicc_state_add_notification(
            card->state, sequence_number, SGP22_NOTIFICATION_INSTALL,
            notification.notification_address,
            notification.has_iccid && notification.iccid.len == EUICC_ICCID_SIZE
                ? notification.iccid.ptr
                : NULL,
            installation_result);
    if (err == AW_OK)
        err = euicc_state_commit(card->state);
    return err;
}

void euicc_isdr_host_init(euicc *card)
{
    card->host = (euicc_download_host){
        .ctx = card,
        .next_sequence_number = host_next_sequence_number,
        .iccid_exists = host_iccid_exists,
        .has_room = host_has_room,
        .allocate_isdp_aid = host_allocate_isdp_aid,
        .commit_profile = host_commit_profile,
        .record_failed_installation = host_record_failed_installation,
    };
}

void euicc_isdr_forget_session(euicc *card)
{
    euicc_download_reset(card->download);
    euicc_immediate_enable_forget(card);
}
