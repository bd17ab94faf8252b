/* airwrite IPA (internal): ES10 commands over STORE DATA, SGP.22 5.7.2.
 * Shared by every transport; see es10_apdu.c. */
#ifndef AIRWRITE_IPA_ES10_APDU_H
#define AIRWRITE_IPA_ES10_APDU_H

#include "ipa/transport.h"

/* Largest STORE DATA block (short APDU Lc) */
#define IPA_SEGMENT_MAX 255u

/* Send one ES10 command (a whole DER TLV) on channel as STORE DATA blocks
 * of at most segment_size (1..255) bytes: CLA 80 with the channel bits,
 * INS E2, P1 11 for a block with more to follow and 91 for the last, P2
 * the block number from 00, Le 00 on the last (SGP.22 5.7.2;
 * GlobalPlatform 11.11). Every block but the last must end 9000 with no
 * data. The response of the last block, with its GET RESPONSE rounds, is
 * gathered into response (capacity cap). *sw is the final status word;
 * anything but 9000 is AW_ERR_IPA_STATUS_WORD (the data gathered is still
 * given). AW_ERR_IPA_PROTOCOL for data answering an intermediate block,
 * AW_ERR_IPA_RESPONSE_TOO_LONG beyond cap, AW_ERR_ARGUMENT for an empty
 * command, a segment size out of range, or more than 256 blocks. */
aw_err ipa_es10_transmit(ipa_transport *t, unsigned channel, size_t segment_size,
                         const uint8_t *command, size_t len, uint8_t *response, size_t cap,
                         size_t *response_len, uint16_t *sw);

#endif
