/* airwrite IPA: the ES10 session (SGP.22 5.7.2 ES10 over a logical channel
 * to the ISD-R, SGP.22 2.2.3 ISD-R AID). See ipa.h. */
#include "ipa/ipa_internal.h"

#include <stdlib.h>

#include "ipa/es10_apdu.h"

aw_err ipa_open(ipa_transport *transport, const ipa_options *options, ipa **out)
{
    *out = NULL;
    size_t segment = options != NULL && options->segment_size != 0 ? options->segment_size
                                                                   : IPA_SEGMENT_MAX;
    size_t max = options != NULL && options->response_max != 0 ? options->response_max
                                                               : IPA_DEFAULT_RESPONSE_MAX;
    if (transport == NULL || segment > IPA_SEGMENT_MAX || max < IPA_APDU_RESPONSE_MAX)
        return AW_ERR_ARGUMENT;
    ipa *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return AW_ERR_NOMEM;
    s->response = malloc(max);
    if (s->response == NULL) {
        free(s);
        return AW_ERR_NOMEM;
    }
    s->transport = transport;
    s->segment_size = segment;
    s->response_max = max;
    aw_err err = ipa_transport_open_channel(transport, (const uint8_t *)IPA_ISDR_AID,
                                            IPA_ISDR_AID_SIZE, &s->channel);
    if (err != AW_OK) {
        free(s->response);
        free(s);
        return err;
    }
    *out = s;
    return AW_OK;
}

void ipa_close(ipa *session)
{
    if (session == NULL)
        return;
    ipa_transport_close_channel(session->transport, session->channel);
    free(session->response);
    free(session);
}

uint16_t ipa_status_word(const ipa *session)
{
    return session->sw;
}

unsigned ipa_channel(const ipa *session)
{
    return session->channel;
}

aw_err ipa_send(ipa *session, const uint8_t *command, size_t len)
{
    return ipa_es10_transmit(session->transport, session->channel, session->segment_size,
                             command, len, session->response, session->response_max,
                             &session->response_len, &session->sw);
}

aw_err ipa_es10_command(ipa *session, const uint8_t *command, size_t len, aw_slice *response)
{
    *response = (aw_slice){NULL, 0};
    aw_err err = ipa_send(session, command, len);
    if (err == AW_OK)
        *response = (aw_slice){session->response, session->response_len};
    return err;
}

aw_err ipa_call(ipa *session, aw_err encode_err, uint8_t *command, size_t len)
{
    session->response_len = 0;
    aw_err err = encode_err == AW_OK ? ipa_send(session, command, len) : encode_err;
    free(command);
    return err;
}
