/* airwrite eUICC: the public face of the software eUICC (euicc.h): an
 * identity, a state directory, the APDU layer of card.h with the ISD-R
 * dispatcher behind it, and the download engine of SGP.22 3.1.3 fed by the
 * ISD-R's host callbacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/der.h"
#include "core/hex.h"
#include "core/saip.h"
#include "core/sgp22_bpp_content.h"
#include "euicc/isdr_internal.h"

/* Every reset of the card, whichever transport asked for it (vpcd power
 * on/off/reset, a new --listen connection), ends the download session. */
static void reset_session(void *ctx)
{
    euicc_isdr_forget_session(ctx);
}

aw_err euicc_open(const euicc_identity_paths *identity, const char *state_dir,
                  const euicc_options *options, time_t now, euicc **out)
{
    euicc *card = NULL;
    aw_err err;
    if (out != NULL)
        *out = NULL;
    if (identity == NULL || state_dir == NULL || options == NULL || out == NULL ||
        (options->protocol != EUICC_PROTOCOL_T0 && options->protocol != EUICC_PROTOCOL_T1))
        return AW_ERR_ARGUMENT;
    card = calloc(1, sizeof(*card));
    if (card == NULL)
        return AW_ERR_NOMEM;
    euicc_card_init(&card->card, options->protocol, euicc_isdr_handle, card);
    euicc_card_set_reset_hook(&card->card, reset_session, card);
    euicc_isdr_host_init(card);
    err = euicc_identity_load(identity, now, &card->identity);
    if (err == AW_OK) /* what a killed predecessor's last write left */
        euicc_state_remove_temporaries(state_dir);
    if (err == AW_OK)
        err = euicc_state_open(state_dir,
                               options->root_ds_address != NULL ? options->root_ds_address
                                                                : EUICC_DEFAULT_ROOT_DS,
                               &card->state);
    if (err == AW_OK)
        err = euicc_download_new(card->identity, &card->host, &card->download);
    if (err != AW_OK) {
        euicc_close(card);
        return err;
    }
    *out = card;
    return AW_OK;
}

void euicc_close(euicc *card)
{
    if (card == NULL)
        return;
    euicc_download_free(card->download);
    euicc_card_free(&card->card);
    euicc_state_free(card->state);
    euicc_identity_free(card->identity);
    free(card);
}

enum euicc_sw euicc_transmit(euicc *card, const uint8_t *command, size_t len, uint8_t *resp,
                             size_t resp_cap, size_t *resp_len)
{
    return euicc_card_transmit(&card->card, command, len, resp, resp_cap, resp_len);
}

void euicc_reset(euicc *card)
{
    euicc_card_reset(&card->card); /* calls reset_session */
}

euicc_card *euicc_get_card(euicc *card)
{
    return &card->card;
}

/* ICCID in EF.ICCID coding (nibble-swapped BCD, F padding) as digits. */
static void iccid_text(const uint8_t iccid[EUICC_ICCID_SIZE], char out[2 * EUICC_ICCID_SIZE + 1])
{
    size_t n = 0;
    for (size_t i = 0; i < EUICC_ICCID_SIZE; i++) {
        uint8_t digits[2] = {(uint8_t)(iccid[i] & 0x0F), (uint8_t)(iccid[i] >> 4)};
        for (size_t k = 0; k < 2; k++)
            if (digits[k] <= 9)
                out[n++] = (char)('0' + digits[k]);
    }
    out[n] = '\0';
}

static const char *event_name(uint32_t event)
{
    switch (event) {
    case SGP22_NOTIFICATION_INSTALL:
        return "install";
    case SGP22_NOTIFICATION_ENABLE:
        return "enable";
    case SGP22_NOTIFICATION_DISABLE:
        return "disable";
    default:
        return "delete";
    }
}

/* IMSI from EF.IMSI of the profile's package, decrypted only for this. */
static void profile_imsi(const euicc_state *s, const euicc_profile *p, char out[SAIP_IMSI_TEXT])
{
    uint8_t *package = NULL;
    size_t len = 0;
    saip_profile *parsed = NULL;
    snprintf(out, SAIP_IMSI_TEXT, "?");
    if (euicc_state_open_package(s, p, &package, &len) == AW_OK &&
        saip_profile_parse(package, len, &parsed) == AW_OK &&
        saip_get_imsi(parsed, out) != AW_OK)
        snprintf(out, SAIP_IMSI_TEXT, "?");
    saip_profile_free(parsed);
    der_bytes_free(package, len);
}

static aw_err dump_state(const euicc_state *s, FILE *out)
{
    fprintf(out, "default SM-DP+ address: %s\n",
            s->has_default_dp_address ? s->default_dp_address : "(none)");
    fprintf(out, "root SM-DS address: %s\n", s->root_ds_address);
    fprintf(out, "next notification seqNumber: %lld\n", (long long)s->next_sequence_number);
    fprintf(out, "profiles: %zu\n", s->profile_count);
    if (s->profile_limit != 0)
        fprintf(out, "profile limit: %zu\n", s->profile_limit);
    for (size_t i = 0; i < s->profile_count; i++) {
        const euicc_profile *p = &s->profiles[i];
        char iccid[2 * EUICC_ICCID_SIZE + 1], aid[2 * EUICC_AID_MAX + 1], imsi[SAIP_IMSI_TEXT];
        sgp22_store_metadata_request m;
        iccid_text(p->iccid, iccid);
        aw_hex_encode(p->isdp_aid, p->isdp_aid_len, aid, true);
        profile_imsi(s, p, imsi);
        bool has_metadata = sgp22_decode_store_metadata_request(p->store_metadata,
                                                                p->store_metadata_len, &m) == AW_OK;
        fprintf(out, "  iccid %s isdp-aid %s %s imsi %s", iccid, aid,
                p->enabled ? "enabled" : "disabled", imsi);
        if (p->has_nickname)
            fprintf(out, " nickname \"%s\"", p->nickname);
        if (has_metadata)
            fprintf(out, " name \"%.*s\" provider \"%.*s\" class %lld", (int)m.profile_name.len,
                    (const char *)m.profile_name.ptr, (int)m.service_provider_name.len,
                    (const char *)m.service_provider_name.ptr, (long long)m.profile_class);
        fprintf(out, "\n");
    }
    fprintf(out, "pending notifications: %zu\n", s->notification_count);
    for (size_t i = 0; i < s->notification_count; i++) {
        const euicc_notification *n = &s->notifications[i];
        char iccid[2 * EUICC_ICCID_SIZE + 1] = "-";
        if (n->has_iccid)
            iccid_text(n->iccid, iccid);
        fprintf(out, "  seq %lld %s to %s iccid %s\n", (long long)n->seq_number,
                event_name(n->event), n->address, iccid);
    }
    return ferror(out) ? AW_ERR_IO : AW_OK;
}

aw_err euicc_set_profile_limit(euicc *card, size_t limit)
{
    if (card == NULL || limit > EUICC_MAX_PROFILES)
        return AW_ERR_ARGUMENT;
    size_t previous = card->state->profile_limit;
    card->state->profile_limit = limit;
    aw_err err = euicc_state_commit(card->state); /* rolls memory back when it fails */
    if (err != AW_OK)
        card->state->profile_limit = previous;
    return err;
}

size_t euicc_profile_capacity(void)
{
    return EUICC_MAX_PROFILES;
}

size_t euicc_get_profile_limit(const euicc *card)
{
    return card != NULL ? card->state->profile_limit : 0;
}

aw_err euicc_dump(const euicc *card, FILE *out)
{
    if (card == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    fprintf(out, "EID: %s\n", card->identity->eid);
    return dump_state(card->state, out);
}

aw_err euicc_dump_state(const char *state_dir, FILE *out)
{
    struct stat st;
    euicc_state *state = NULL;
    if (state_dir == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    /* never create a state (or its key) just to show it: a directory
     * without storage.key has no state (with state.der but no key,
     * euicc_state_open refuses without writing anything) */
    if (stat(state_dir, &st) != 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/storage.key", state_dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return AW_ERR_ARGUMENT;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return AW_ERR_IO;
        n = snprintf(path, sizeof(path), "%s/state.der", state_dir);
        if (n < 0 || (size_t)n >= sizeof(path))
            return AW_ERR_ARGUMENT;
        if (stat(path, &st) != 0)
            return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    }
    aw_err err = euicc_state_open(state_dir, EUICC_DEFAULT_ROOT_DS, &state);
    if (err == AW_OK)
        err = dump_state(state, out);
    euicc_state_free(state);
    return err;
}
