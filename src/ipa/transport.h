/* airwrite IPA: the APDU transport seam (SGP.32 2.2: the IPA reaches the
 * eUICC's ISD-R through the device's card interface).
 *
 * One small vtable per transport (PC/SC reader, AT commands to a cellular
 * module, the software eUICC's vpcd socket, a card in the same process);
 * everything above it (ES10 over STORE DATA, GET RESPONSE, the ES10
 * client) is shared. A transport opens a
 * logical channel with the ISD-R selected on it (ISO/IEC 7816-4 11.1.2
 * MANAGE CHANNEL + SELECT, or the module's +CCHO) and exchanges single
 * short APDUs (ISO/IEC 7816-4 5.1) on it; it never interprets ES10.
 *
 * Failures are typed (AW_ERR_IPA_*); status words are results, returned in
 * the response bytes, never as an aw_err. A transport's detail (a PC/SC
 * return code, a +CME ERROR number) is kept in `detail` for messages. */
#ifndef AIRWRITE_IPA_TRANSPORT_H
#define AIRWRITE_IPA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Short APDUs only (ISO/IEC 7816-4 5.1): header, Lc, 255 data bytes, Le. */
#define IPA_APDU_COMMAND_MAX (4 + 1 + 255 + 1)
/* 256 data bytes + SW1 SW2 */
#define IPA_APDU_RESPONSE_MAX 258
/* SGP.22 2.2.3: AID of the ISD-R */
#define IPA_ISDR_AID "\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x01\x00"
#define IPA_ISDR_AID_SIZE 16u
/* Logical channels 1..19 (ETSI TS 102 221 10.1.1) */
#define IPA_CHANNEL_MAX 19u

typedef struct ipa_transport ipa_transport;

typedef struct ipa_transport_ops {
    const char *name; /* "pcsc", "at", "socket", "in-process" */
    /* Open a logical channel and select aid on it; *channel is its number
     * (1..IPA_CHANNEL_MAX). */
    aw_err (*open_channel)(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                           unsigned *channel);
    /* One APDU of 4..IPA_APDU_COMMAND_MAX bytes on channel (its class
     * byte already carries the channel); only ipa_transport_exchange calls
     * it. response gets data + SW1 SW2, at most IPA_APDU_RESPONSE_MAX
     * bytes. */
    aw_err (*transmit)(ipa_transport *t, unsigned channel, const uint8_t *command, size_t len,
                       uint8_t *response, size_t *response_len);
    aw_err (*close_channel)(ipa_transport *t, unsigned channel);
    void (*destroy)(ipa_transport *t);
} ipa_transport_ops;

/* Every transport starts with this header (the implementation's own state
 * follows it). */
struct ipa_transport {
    const ipa_transport_ops *ops;
    long detail; /* last transport-specific code: SCard return value, CME error, errno */
};

/* Close and free a transport (NULL-safe). Open channels die with it. */
void ipa_transport_close(ipa_transport *t);

aw_err ipa_transport_open_channel(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                                  unsigned *channel);
aw_err ipa_transport_close_channel(ipa_transport *t, unsigned channel);

/* One command on channel, following ISO/IEC 7816-3 12.2 (T=0) as a
 * terminal must: 61xx is answered with GET RESPONSE (Le = xx) and the data
 * is concatenated; 6Cxx re-issues the same command with Le = xx. The class
 * byte's channel bits are set here (ipa_apdu_class). response (capacity
 * cap) gets the data without the status word, *sw the final status word.
 * AW_ERR_IPA_RESPONSE_TOO_LONG when the data would exceed cap;
 * AW_ERR_IPA_PROTOCOL for a response shorter than a status word, or 8
 * GET RESPONSE / re-issue rounds in a row without data. */
aw_err ipa_transport_exchange(ipa_transport *t, unsigned channel, const uint8_t *command,
                              size_t len, uint8_t *response, size_t cap, size_t *response_len,
                              uint16_t *sw);

/* ISO/IEC 7816-4 5.4.1 / ETSI TS 102 221 10.1.1: the class byte cla with
 * the channel number coded in (channels 0-3 in b2b1 of a first interindustry
 * class, 4-19 in b4..b1 of a further interindustry class, 0x40 set). The
 * proprietary bit b8 (0x80, GlobalPlatform/SGP.22 STORE DATA) is kept. */
uint8_t ipa_apdu_class(uint8_t cla, unsigned channel);

/* For transports that speak raw APDUs on the basic channel (PC/SC, vpcd
 * socket, +CSIM): MANAGE CHANNEL open (TS 102 221 11.1.17) on channel 0,
 * then SELECT by DF name (ISO/IEC 7816-4 11.1.1, P1 04, P2 00: first
 * occurrence, FCI returned) on the new channel. AW_ERR_IPA_NO_CHANNEL when the
 * card refuses a channel (t->detail = its status word), AW_ERR_IPA_SELECT
 * when the SELECT fails (the channel is closed again). */
aw_err ipa_transport_raw_open_channel(ipa_transport *t, const uint8_t *aid, size_t aid_len,
                                      unsigned *channel);
/* MANAGE CHANNEL close of channel on the basic channel. */
aw_err ipa_transport_raw_close_channel(ipa_transport *t, unsigned channel);

/* ---- the transports ---------------------------------------------------- */

/* Transmission protocols the PC/SC transport accepts (ISO/IEC 7816-3). */
typedef enum ipa_pcsc_protocol {
    IPA_PCSC_ANY = 0, /* T=0 or T=1, as reader and card agree */
    IPA_PCSC_T0,
    IPA_PCSC_T1,
} ipa_pcsc_protocol;

/* PC/SC (pcsc.c): reader whose name contains `reader` (NULL: the first
 * reader with a card), connected shared with the protocol(s) asked for.
 * AW_ERR_IPA_CONNECT (no PC/SC service), AW_ERR_IPA_NO_READER (none of
 * that name, no card, or the card refuses the protocol). */
aw_err ipa_transport_open_pcsc(const char *reader, ipa_pcsc_protocol protocol,
                               ipa_transport **out);

/* vpcd socket (socket.c): a TCP connection to airwrite-euicc --listen
 * HOST:PORT speaking the vsmartcard vpcd framing; the card is powered on
 * and its ATR read. timeout_ms bounds the connect and every read.
 * AW_ERR_IPA_CONNECT (unresolvable, refused), AW_ERR_IPA_TIMEOUT (no
 * answer to the connect or the ATR request), AW_ERR_IPA_PROTOCOL (no ATR). */
aw_err ipa_transport_open_socket(const char *host, const char *port, int timeout_ms,
                                 ipa_transport **out);

/* AT commands (at.c) over a serial line or any file descriptor. */
typedef struct ipa_at_options {
    const char *device;  /* e.g. /dev/ttyUSB2; ignored when fd >= 0 */
    unsigned baud;       /* 0: 115200; ignored when fd >= 0 */
    int fd;              /* an already open terminal (tests: a pseudo-terminal), or -1 */
    int timeout_ms;      /* per reply; 0: 5000 */
    bool force_csim;     /* use +CSIM even when the module has +CCHO */
} ipa_at_options;

/* Open the AT transport: the line is put in raw mode (termios), echo turned
 * off (ATE0) and +CCHO support probed (AT+CCHO=?); without it +CSIM is
 * used with MANAGE CHANNEL. An fd passed in options belongs to the
 * transport from then on: closed by ipa_transport_close, or here when
 * opening fails. AW_ERR_ARGUMENT (no device, negative timeout, a baud rate
 * termios has no constant for), AW_ERR_IPA_CONNECT (device cannot be
 * opened or is no terminal), then the errors of a command: AW_ERR_IO,
 * AW_ERR_IPA_TIMEOUT, AW_ERR_IPA_PROTOCOL, AW_ERR_IPA_MODEM_ERROR (ATE0
 * refused, or neither +CCHO nor +CSIM available). */
aw_err ipa_transport_open_at(const ipa_at_options *options, ipa_transport **out);

/* Whether an AT transport fell back to +CSIM (false for others). */
bool ipa_transport_at_uses_csim(const ipa_transport *t);

/* A card in the same process (in_process.c; helper devsim): the card's
 * APDU entry, called with one command APDU; it writes data + SW1 SW2 (at
 * most cap bytes) into response. An error it returns ends the exchange. */
typedef aw_err (*ipa_in_process_transmit)(void *card, const uint8_t *command, size_t len,
                                          uint8_t *response, size_t cap, size_t *response_len);

/* The in-process transport: raw APDUs to transmit(card, ...), channels by
 * MANAGE CHANNEL + SELECT. card stays the caller's. AW_ERR_ARGUMENT
 * without transmit or out; AW_ERR_IPA_PROTOCOL when the card reports more
 * than cap bytes. */
aw_err ipa_transport_open_in_process(ipa_in_process_transmit transmit, void *card,
                                     ipa_transport **out);

#endif
