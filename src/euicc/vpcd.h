/* airwrite eUICC: the vpcd transport of vsmartcard (Debian vsmartcard-vpcd),
 * through which pcscd shows the software eUICC as a card in a PC/SC reader.
 *
 * Framing (vsmartcard virtualsmartcard/doc "Creating a virtual smart card"):
 * every message is a 2-byte big-endian length and that many bytes. A
 * one-byte message from the reader is a control code (power off, power on,
 * reset, get ATR); anything else is a command APDU, answered by one response
 * APDU. Only "get ATR" and APDUs are answered. */
#ifndef AIRWRITE_EUICC_VPCD_H
#define AIRWRITE_EUICC_VPCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "euicc/card.h"

enum euicc_vpcd_control {
    EUICC_VPCD_POWER_OFF = 0x00,
    EUICC_VPCD_POWER_ON = 0x01,
    EUICC_VPCD_RESET = 0x02,
    EUICC_VPCD_GET_ATR = 0x04,
};

/* Handle one message payload from the reader. Writes the reply payload into
 * reply (capacity at least EUICC_CARD_RESPONSE_MAX) and sets *reply_len, or
 * sets *reply_len to 0 when the message takes no reply. AW_ERR_ARGUMENT for
 * an empty message or an unknown control code. */
aw_err euicc_vpcd_handle_message(euicc_card *card, const uint8_t *msg, size_t len,
                                 uint8_t *reply, size_t reply_cap, size_t *reply_len);

/* Serve the reader on a connected stream socket until it closes the
 * connection (AW_OK) or the stream breaks or misbehaves (AW_ERR_IO,
 * AW_ERR_ARGUMENT). Blocking: meant for the eUICC process's own thread. */
aw_err euicc_vpcd_serve(euicc_card *card, int fd);

/* Connect to pcscd's vpcd listening at host:port (vpcd's default mode). */
aw_err euicc_vpcd_connect(const char *host, const char *port, int *fd);

/* Listen on address:port and accept one reader connection, for vpcd's
 * reverse mode (reader.conf DEVICENAME "address:port"), and for tests. */
aw_err euicc_vpcd_listen(const char *address, const char *port, int *listen_fd);

#endif
