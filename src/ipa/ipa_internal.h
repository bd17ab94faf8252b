/* airwrite IPA (internal): the ES10 session shared by es10b.c, es10c.c and
 * es10_sgp32.c. */
#ifndef AIRWRITE_IPA_IPA_INTERNAL_H
#define AIRWRITE_IPA_IPA_INTERNAL_H

#include "ipa/ipa.h"

struct ipa {
    ipa_transport *transport;
    unsigned channel;
    size_t segment_size;
    uint8_t *response;     /* response_max bytes, reused by every command */
    size_t response_max;
    size_t response_len;
    uint16_t sw;
};

/* Send one command; the response is left in session->response. */
aw_err ipa_send(ipa *session, const uint8_t *command, size_t len);

/* Send an encoded command (as an encoder returned it: encode_err is the
 * encoder's result), free it, and leave the response in session->response.
 * Callers decode from there. */
aw_err ipa_call(ipa *session, aw_err encode_err, uint8_t *command, size_t len);

#endif
