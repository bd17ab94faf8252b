/* airwrite eUICC: the card's APDU layer. See card.h for what it covers.
 *
 * Status words follow ETSI TS 102 221 10.2.1 and SGP.22 5.7.2; where a
 * condition has several plausible codes the choice is commented. */
#include "euicc/card.h"

#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "euicc/apdu.h"

/* Instruction bytes (ISO/IEC 7816-4, TS 102 221 10.1.2, GP 11) */
enum {
    INS_MANAGE_CHANNEL = 0x70,
    INS_SELECT = 0xA4,
    INS_GET_RESPONSE = 0xC0,
    INS_TERMINAL_CAPABILITY = 0xAA,
    INS_STATUS = 0xF2,
    INS_STORE_DATA = 0xE2,
};

/* STORE DATA P1 (SGP.22 5.7.2 Table 47): b8 last block, b5-b4 '10' BER-TLV
 * data, b1 set. */
#define STORE_DATA_P1_MORE 0x11u
#define STORE_DATA_P1_LAST 0x91u

const uint8_t euicc_isdr_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};

/* ATR, ISO/IEC 7816-3 8.2: TS=3B (direct convention); T0: TA1, TD1 present,
 * 7 historical bytes; TA1=96 (Fi=512, Di=32); TD1: T=0 with TD2; TD2: T=1
 * with TD3; TD3: T=15 with TA4; TA4=C7 (clock stop, classes A-C, TS 102 221
 * 6.3.3). Historical bytes: category 80, card service data 31 E0, card
 * capabilities 73 FE 21 17 (selection by full/partial DF name, logical
 * channels assigned by the card, 8 or more). TCK makes the XOR of T0..TCK 0,
 * required because T=1 is offered. */
static const uint8_t card_atr[] = {0x3B, 0x97, 0x96, 0x80, 0x81, 0x1F, 0xC7, 0x80,
                                   0x31, 0xE0, 0x73, 0xFE, 0x21, 0x17, 0x00};

const uint8_t *euicc_card_atr(size_t *len)
{
    static uint8_t atr[sizeof(card_atr)];
    uint8_t tck = 0;
    memcpy(atr, card_atr, sizeof(card_atr));
    for (size_t i = 1; i + 1 < sizeof(atr); i++)
        tck ^= atr[i];
    atr[sizeof(atr) - 1] = tck;
    *len = sizeof(atr);
    return atr;
}

static void channel_drop_command(euicc_channel_state *ch)
{
    free(ch->command);
    ch->command = NULL;
    ch->command_len = 0;
    ch->next_block = 0;
    ch->chaining = false;
}

static void channel_drop_pending(euicc_channel_state *ch)
{
    free(ch->pending);
    ch->pending = NULL;
    ch->pending_len = 0;
    ch->pending_offset = 0;
}

static void channel_close(euicc_channel_state *ch)
{
    channel_drop_command(ch);
    channel_drop_pending(ch);
    ch->open = false;
    ch->isdr_selected = false;
}

void euicc_card_init(euicc_card *card, euicc_protocol protocol,
                     euicc_es10_handler handler, void *handler_ctx)
{
    memset(card, 0, sizeof(*card));
    card->protocol = protocol;
    card->handler = handler;
    card->handler_ctx = handler_ctx;
    card->channels[0].open = true;
}

void euicc_card_set_reset_hook(euicc_card *card, euicc_reset_hook hook, void *ctx)
{
    card->reset_hook = hook;
    card->reset_ctx = ctx;
}

void euicc_card_reset(euicc_card *card)
{
    for (unsigned i = 0; i < EUICC_MAX_CHANNELS; i++)
        channel_close(&card->channels[i]);
    card->channels[0].open = true;
    if (card->reset_hook != NULL)
        card->reset_hook(card->reset_ctx);
}

void euicc_card_free(euicc_card *card)
{
    for (unsigned i = 0; i < EUICC_MAX_CHANNELS; i++)
        channel_close(&card->channels[i]);
}

/* ---- response delivery ------------------------------------------------ */

typedef struct response {
    uint8_t *buf;
    size_t cap;
    size_t len;
} response;

static enum euicc_sw finish(response *r, enum euicc_sw sw)
{
    r->buf[r->len++] = (uint8_t)(sw >> 8);
    r->buf[r->len++] = (uint8_t)sw;
    return sw;
}

static enum euicc_sw more_data(response *r, size_t remaining)
{
    return finish(r, (enum euicc_sw)(EUICC_SW_MORE_DATA | (remaining >= 256 ? 0 : remaining)));
}

/* Send pending data for a request of le bytes (GET RESPONSE, or a case 2
 * command). ISO/IEC 7816-3 12.2.2 (T=0): Le larger than what is available
 * is answered 6Cxx with the exact count, nothing lost. Under T=1 the card
 * sends what it has. More left afterwards is announced with 61xx. */
static enum euicc_sw deliver(euicc_card *card, euicc_channel_state *ch, size_t le, response *r)
{
    size_t remaining = ch->pending_len - ch->pending_offset;
    size_t available = remaining > 256 ? 256 : remaining;
    if (card->protocol == EUICC_PROTOCOL_T0 && le > available)
        return finish(r, (enum euicc_sw)(EUICC_SW_WRONG_LE | (available & 0xFFu)));
    size_t n = le < available ? le : available;
    memcpy(r->buf, ch->pending + ch->pending_offset, n);
    r->len = n;
    ch->pending_offset += n;
    remaining -= n;
    if (remaining > 0)
        return more_data(r, remaining);
    channel_drop_pending(ch);
    return finish(r, EUICC_SW_OK);
}

/* Answer a command that produced data (ownership of data passes here). A
 * case 4 command under T=0 cannot carry response data (ISO/IEC 7816-3
 * 12.2.4), so the data is announced with 61xx; so it is too when the
 * terminal gave no Le. Otherwise Le bytes go out at once. */
static enum euicc_sw respond(euicc_card *card, euicc_channel_state *ch, const euicc_apdu *apdu,
                             uint8_t *data, size_t len, response *r)
{
    if (len == 0) {
        free(data);
        return finish(r, EUICC_SW_OK);
    }
    channel_drop_pending(ch);
    ch->pending = data;
    ch->pending_len = len;
    ch->pending_offset = 0;
    bool case4 = apdu->lc > 0;
    if (!apdu->has_le || (card->protocol == EUICC_PROTOCOL_T0 && case4))
        return more_data(r, len);
    return deliver(card, ch, apdu->le, r);
}

static enum euicc_sw respond_copy(euicc_card *card, euicc_channel_state *ch,
                                  const euicc_apdu *apdu, const uint8_t *data, size_t len,
                                  response *r)
{
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return finish(r, EUICC_SW_TECHNICAL_PROBLEM);
    memcpy(copy, data, len);
    return respond(card, ch, apdu, copy, len, r);
}

/* ---- commands --------------------------------------------------------- */

/* FCI of the ISD-R (GP 2.3 11.9.3.3, SGP.22 2.2.3): AID, proprietary data
 * with the maximum command data length, and the ISD-R proprietary
 * application template E0 with the supported SGP.22 version (82). */
static size_t isdr_fci(uint8_t *out)
{
    static const uint8_t tail[] = {0xA5, 0x04, 0x9F, 0x65, 0x01, 0xFF,
                                   0xE0, 0x05, 0x82, 0x03, 0x02, 0x05, 0x00};
    size_t n = 0;
    out[n++] = 0x6F;
    out[n++] = (uint8_t)(2 + sizeof(euicc_isdr_aid) + sizeof(tail));
    out[n++] = 0x84;
    out[n++] = sizeof(euicc_isdr_aid);
    memcpy(out + n, euicc_isdr_aid, sizeof(euicc_isdr_aid));
    n += sizeof(euicc_isdr_aid);
    memcpy(out + n, tail, sizeof(tail));
    return n + sizeof(tail);
}

/* FCP of the MF (TS 102 221 11.1.1.3): file descriptor (DF) and file ID. */
static const uint8_t mf_fcp[] = {0x62, 0x08, 0x82, 0x02, 0x78, 0x21, 0x83, 0x02, 0x3F, 0x00};

static enum euicc_sw cmd_select(euicc_card *card, euicc_channel_state *ch,
                                const euicc_apdu *apdu, response *r)
{
    /* P2: 00 FCI, 04 FCP, 0C no data; first or only occurrence only */
    if (apdu->p2 != 0x00 && apdu->p2 != 0x04 && apdu->p2 != 0x0C)
        return finish(r, EUICC_SW_INCORRECT_P1P2);
    if (apdu->p1 == 0x04) { /* by DF name (AID) */
        if (apdu->lc == 0 || apdu->lc > 16)
            return finish(r, EUICC_SW_WRONG_LENGTH);
        if (apdu->lc != sizeof(euicc_isdr_aid) ||
            memcmp(apdu->data, euicc_isdr_aid, sizeof(euicc_isdr_aid)) != 0)
            return finish(r, EUICC_SW_NOT_FOUND);
        ch->isdr_selected = true;
        if (apdu->p2 == 0x0C)
            return finish(r, EUICC_SW_OK);
        uint8_t fci[64];
        size_t n = isdr_fci(fci);
        return respond_copy(card, ch, apdu, fci, n, r);
    }
    if (apdu->p1 == 0x00) { /* by file ID: only the MF exists outside the ISD-R */
        if (apdu->lc != 2)
            return finish(r, EUICC_SW_WRONG_LENGTH);
        if (apdu->data[0] != 0x3F || apdu->data[1] != 0x00)
            return finish(r, EUICC_SW_NOT_FOUND);
        ch->isdr_selected = false;
        if (apdu->p2 == 0x0C)
            return finish(r, EUICC_SW_OK);
        return respond_copy(card, ch, apdu, mf_fcp, sizeof(mf_fcp), r);
    }
    return finish(r, EUICC_SW_INCORRECT_P1P2);
}

/* MANAGE CHANNEL, TS 102 221 11.1.17 */
static enum euicc_sw cmd_manage_channel(euicc_card *card, unsigned origin,
                                        const euicc_apdu *apdu, response *r)
{
    if (apdu->lc != 0)
        return finish(r, EUICC_SW_WRONG_LENGTH);
    if (apdu->p1 == 0x00) { /* open */
        unsigned target = apdu->p2;
        if (target == 0) {
            for (target = 1; target < EUICC_MAX_CHANNELS; target++)
                if (!card->channels[target].open)
                    break;
            if (target == EUICC_MAX_CHANNELS)
                return finish(r, EUICC_SW_FUNCTION_NOT_SUPPORTED); /* none left */
        } else if (target >= EUICC_MAX_CHANNELS) {
            return finish(r, EUICC_SW_CHANNEL_NOT_SUPPORTED);
        } else if (card->channels[target].open) {
            return finish(r, EUICC_SW_INCORRECT_P1P2);
        }
        euicc_channel_state *ch = &card->channels[target];
        ch->open = true;
        /* Opened from the basic channel: MF selected; from another channel:
         * that channel's selection is inherited (TS 102 221 11.1.17.2). */
        ch->isdr_selected = origin != 0 && card->channels[origin].isdr_selected;
        if (apdu->p2 != 0)
            return finish(r, EUICC_SW_OK);
        uint8_t number = (uint8_t)target;
        return respond_copy(card, &card->channels[origin], apdu, &number, 1, r);
    }
    if (apdu->p1 == 0x80) { /* close */
        unsigned target = apdu->p2;
        if (target == 0)
            return finish(r, EUICC_SW_INCORRECT_P1P2); /* the basic channel stays open */
        if (target >= EUICC_MAX_CHANNELS || !card->channels[target].open)
            return finish(r, EUICC_SW_CHANNEL_NOT_SUPPORTED);
        channel_close(&card->channels[target]);
        return finish(r, EUICC_SW_OK);
    }
    return finish(r, EUICC_SW_INCORRECT_P1P2);
}

/* TERMINAL CAPABILITY, TS 102 221 11.1.19: one constructed TLV 'A9'. */
static enum euicc_sw cmd_terminal_capability(const euicc_apdu *apdu, response *r)
{
    if (apdu->p1 != 0 || apdu->p2 != 0)
        return finish(r, EUICC_SW_INCORRECT_P1P2);
    if (apdu->lc == 0)
        return finish(r, EUICC_SW_WRONG_LENGTH);
    der_node node;
    if (der_decode_single(apdu->data, apdu->lc, &node) != AW_OK || node.tag != 0xA9)
        return finish(r, EUICC_SW_INCORRECT_DATA);
    return finish(r, EUICC_SW_OK);
}

/* STATUS, TS 102 221 11.1.2: P1 00-02 application status, P2 00 FCP/FCI,
 * 01 DF name, 0C no data. */
static enum euicc_sw cmd_status(euicc_card *card, euicc_channel_state *ch,
                                const euicc_apdu *apdu, response *r)
{
    if (apdu->p1 > 0x02 || (apdu->p2 != 0x00 && apdu->p2 != 0x01 && apdu->p2 != 0x0C))
        return finish(r, EUICC_SW_INCORRECT_P1P2);
    if (apdu->lc != 0)
        return finish(r, EUICC_SW_WRONG_LENGTH);
    if (apdu->p2 == 0x0C)
        return finish(r, EUICC_SW_OK);
    uint8_t out[64];
    size_t n;
    if (!ch->isdr_selected) {
        if (apdu->p2 == 0x01)
            return finish(r, EUICC_SW_REFERENCED_DATA_NOT_FOUND); /* the MF has no DF name */
        memcpy(out, mf_fcp, sizeof(mf_fcp));
        n = sizeof(mf_fcp);
    } else if (apdu->p2 == 0x01) {
        out[0] = 0x84;
        out[1] = sizeof(euicc_isdr_aid);
        memcpy(out + 2, euicc_isdr_aid, sizeof(euicc_isdr_aid));
        n = 2 + sizeof(euicc_isdr_aid);
    } else {
        n = isdr_fci(out);
    }
    return respond_copy(card, ch, apdu, out, n, r);
}

/* STORE DATA, SGP.22 5.7.2: blocks numbered from 00 in P2, the last one
 * flagged in P1; the gathered data is one ES10 command for the ISD-R. */
static enum euicc_sw cmd_store_data(euicc_card *card, unsigned channel, euicc_channel_state *ch,
                                    const euicc_apdu *apdu, response *r)
{
    /* The MF does not know STORE DATA: instruction not supported. */
    if (!ch->isdr_selected)
        return finish(r, EUICC_SW_INS_NOT_SUPPORTED);
    if (apdu->p1 != STORE_DATA_P1_MORE && apdu->p1 != STORE_DATA_P1_LAST) {
        channel_drop_command(ch);
        return finish(r, EUICC_SW_INCORRECT_P1P2);
    }
    unsigned expected = ch->chaining ? ch->next_block : 0;
    if (apdu->p2 != expected) {
        channel_drop_command(ch);
        return finish(r, EUICC_SW_INCORRECT_P1P2);
    }
    if (apdu->lc == 0) {
        channel_drop_command(ch);
        return finish(r, EUICC_SW_WRONG_LENGTH);
    }
    if (apdu->lc > EUICC_MAX_ES10_COMMAND - ch->command_len) {
        channel_drop_command(ch);
        return finish(r, EUICC_SW_NOT_ENOUGH_MEMORY);
    }
    uint8_t *grown = realloc(ch->command, ch->command_len + apdu->lc);
    if (grown == NULL) {
        channel_drop_command(ch);
        return finish(r, EUICC_SW_NOT_ENOUGH_MEMORY);
    }
    ch->command = grown;
    memcpy(ch->command + ch->command_len, apdu->data, apdu->lc);
    ch->command_len += apdu->lc;
    if (apdu->p1 == STORE_DATA_P1_MORE) {
        ch->chaining = true;
        ch->next_block = expected + 1;
        return finish(r, EUICC_SW_OK);
    }

    uint8_t *command = ch->command;
    size_t command_len = ch->command_len;
    ch->command = NULL;
    channel_drop_command(ch);
    uint8_t *out = NULL;
    size_t out_len = 0;
    enum euicc_sw sw = card->handler != NULL
                           ? card->handler(card->handler_ctx, channel, command, command_len,
                                           &out, &out_len)
                           : EUICC_SW_INS_NOT_SUPPORTED;
    free(command);
    if (sw != EUICC_SW_OK) {
        free(out);
        return finish(r, sw);
    }
    return respond(card, ch, apdu, out, out_len, r);
}

enum euicc_sw euicc_card_transmit(euicc_card *card, const uint8_t *command, size_t len,
                                  uint8_t *resp, size_t resp_cap, size_t *resp_len)
{
    response r = {resp, resp_cap, 0};
    *resp_len = 0;
    if (resp_cap < EUICC_CARD_RESPONSE_MAX) {
        if (resp_cap >= 2) {
            finish(&r, EUICC_SW_TECHNICAL_PROBLEM);
            *resp_len = r.len;
        }
        return EUICC_SW_TECHNICAL_PROBLEM;
    }
    enum euicc_sw sw;
    euicc_apdu apdu;
    euicc_class cls;
    if ((sw = euicc_parse_apdu(command, len, &apdu)) != EUICC_SW_OK) {
        sw = finish(&r, sw);
        goto out;
    }
    if ((sw = euicc_parse_class(apdu.cla, &cls)) != EUICC_SW_OK) {
        sw = finish(&r, sw);
        goto out;
    }
    euicc_channel_state *ch = &card->channels[cls.channel];
    if (!ch->open) {
        sw = finish(&r, EUICC_SW_CHANNEL_NOT_SUPPORTED);
        goto out;
    }
    if (cls.secure_messaging) {
        sw = finish(&r, EUICC_SW_SECURE_MESSAGING_NOT_SUPPORTED);
        goto out;
    }
    if (cls.chaining) {
        sw = finish(&r, EUICC_SW_CHAINING_NOT_SUPPORTED);
        goto out;
    }
    /* Response data not fetched by the very next command is lost, and a
     * STORE DATA sequence interrupted by another command is abandoned. */
    if (apdu.ins != INS_GET_RESPONSE)
        channel_drop_pending(ch);
    if (apdu.ins != INS_STORE_DATA)
        channel_drop_command(ch);

    switch (apdu.ins) {
    case INS_SELECT:
    case INS_MANAGE_CHANNEL:
    case INS_GET_RESPONSE:
        if (cls.proprietary) {
            sw = finish(&r, EUICC_SW_CLA_NOT_SUPPORTED);
            break;
        }
        if (apdu.ins == INS_SELECT)
            sw = cmd_select(card, ch, &apdu, &r);
        else if (apdu.ins == INS_MANAGE_CHANNEL)
            sw = cmd_manage_channel(card, cls.channel, &apdu, &r);
        else if (apdu.p1 != 0 || apdu.p2 != 0)
            sw = finish(&r, EUICC_SW_INCORRECT_P1P2);
        else if (apdu.lc != 0 || !apdu.has_le)
            sw = finish(&r, EUICC_SW_WRONG_LENGTH);
        else if (ch->pending == NULL)
            sw = finish(&r, EUICC_SW_CONDITIONS_NOT_SATISFIED); /* nothing to get */
        else
            sw = deliver(card, ch, apdu.le, &r);
        break;
    case INS_TERMINAL_CAPABILITY:
    case INS_STATUS:
    case INS_STORE_DATA:
        if (!cls.proprietary) {
            sw = finish(&r, EUICC_SW_CLA_NOT_SUPPORTED);
            break;
        }
        if (apdu.ins == INS_TERMINAL_CAPABILITY)
            sw = cmd_terminal_capability(&apdu, &r);
        else if (apdu.ins == INS_STATUS)
            sw = cmd_status(card, ch, &apdu, &r);
        else
            sw = cmd_store_data(card, cls.channel, ch, &apdu, &r);
        break;
    default:
        sw = finish(&r, EUICC_SW_INS_NOT_SUPPORTED);
        break;
    }
out:
    *resp_len = r.len;
    return sw;
}
