/* airwrite eUICC: the card's APDU layer (ISO/IEC 7816-4, ETSI TS 102 221,
 * SGP.22 5.7.2). It behaves as a real eUICC does towards a terminal:
 *   - ATR offering T=0 and T=1;
 *   - logical channels 0..19 (MANAGE CHANNEL, TS 102 221 11.1.17);
 *   - SELECT of the ISD-R by AID with its FCI (SGP.22 2.2.1, GP 11.9);
 *   - STORE DATA with chaining and block numbers (SGP.22 5.7.2), the
 *     reassembled ES10 command handed to the ISD-R handler;
 *   - response data longer than one response, or any data under T=0,
 *     announced with 61xx and fetched by GET RESPONSE on the same channel;
 *     a wrong Le under T=0 answered 6Cxx;
 *   - TERMINAL CAPABILITY (TS 102 221 11.1.19) and STATUS (11.1.2).
 * No allocation persists across a card reset; nothing here blocks. */
#ifndef AIRWRITE_EUICC_CARD_H
#define AIRWRITE_EUICC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "euicc/sw.h"

#define EUICC_MAX_CHANNELS 20        /* basic channel + 19 logical (TS 102 221 10.1.1) */
#define EUICC_MAX_ES10_COMMAND 32768 /* reassembled STORE DATA limit: largest ES10 command is a few KiB */
#define EUICC_CARD_RESPONSE_MAX 258  /* 256 data bytes + SW1 SW2 */

/* ISD-R AID, SGP.22 2.2.3 / SGP.02 Annex H */
extern const uint8_t euicc_isdr_aid[16];

typedef enum euicc_protocol {
    EUICC_PROTOCOL_T0 = 0,
    EUICC_PROTOCOL_T1 = 1,
} euicc_protocol;

/* Handles one complete ES10 command (a DER TLV, SGP.22 5.7.1). On
 * EUICC_SW_OK it may set *response to a malloc'd buffer the card layer then
 * owns and frees. Any other status word is sent to the terminal as is. */
typedef enum euicc_sw (*euicc_es10_handler)(void *ctx, unsigned channel,
                                            const uint8_t *command, size_t len,
                                            uint8_t **response, size_t *response_len);

typedef struct euicc_channel_state {
    bool open;
    bool isdr_selected;
    uint8_t *command;          /* STORE DATA blocks gathered so far */
    size_t command_len;
    unsigned next_block;       /* expected P2 of the next STORE DATA block */
    bool chaining;             /* a STORE DATA sequence is in progress */
    uint8_t *pending;          /* response data not yet fetched */
    size_t pending_len;
    size_t pending_offset;
} euicc_channel_state;

/* Called at every reset, so the layers above drop their volatile state
 * too (e.g. an ES10b download session, SGP.22 3.1.3: lost on reset). */
typedef void (*euicc_reset_hook)(void *ctx);

typedef struct euicc_card {
    euicc_protocol protocol;
    euicc_channel_state channels[EUICC_MAX_CHANNELS];
    euicc_es10_handler handler;
    void *handler_ctx;
    euicc_reset_hook reset_hook;
    void *reset_ctx;
} euicc_card;

void euicc_card_init(euicc_card *card, euicc_protocol protocol,
                     euicc_es10_handler handler, void *handler_ctx);

/* Register the hook euicc_card_reset calls after resetting the card layer. */
void euicc_card_set_reset_hook(euicc_card *card, euicc_reset_hook hook, void *ctx);

/* Cold or warm reset: every logical channel closed, the basic channel open
 * with nothing selected, gathered commands and pending data dropped, then
 * the reset hook. */
void euicc_card_reset(euicc_card *card);

/* Release everything the card holds. */
void euicc_card_free(euicc_card *card);

/* The ATR (ISO/IEC 7816-3 8.2): T=0 first (the default protocol), T=1
 * offered, then global interface bytes and historical bytes. */
const uint8_t *euicc_card_atr(size_t *len);

/* Process one command APDU; writes response data and SW1 SW2 into resp.
 * resp_cap must be at least EUICC_CARD_RESPONSE_MAX.
 * Returns the status word that was written. */
enum euicc_sw euicc_card_transmit(euicc_card *card, const uint8_t *command, size_t len,
                                  uint8_t *resp, size_t resp_cap, size_t *resp_len);

#endif
