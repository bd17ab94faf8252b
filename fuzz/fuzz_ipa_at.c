/* libFuzzer target: the IPA's AT reply parser (src/ipa/at_parse.c), the
 * bytes a cellular module sends after +CGLA / +CSIM / +CCHO commands.
 * Input: one byte choosing the command (0 +CGLA, 1 +CSIM, 2 +CCHO with a
 * bare session id), then the module's byte stream, split into lines and
 * replies exactly as the serial transport does. Properties: an accepted
 * hex response is 2..258 bytes and re-encodes to the digits received; an
 * accepted session id is 1..65535. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "ipa/at_parse.h"
#include "ipa/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const ipa_at_reply *reply, unsigned kind)
{
    if (reply->final != IPA_AT_OK || !reply->has_info)
        return;
    if (kind == 2) {
        unsigned session;
        if (ipa_at_parse_session(reply->info, &session) == AW_OK &&
            (session == 0 || session > 65535))
            abort();
        return;
    }
    uint8_t out[IPA_APDU_RESPONSE_MAX];
    size_t n = 0;
    if (ipa_at_parse_hex_response(reply->info, out, sizeof(out), &n) != AW_OK)
        return;
    if (n < 2 || n > sizeof(out))
        abort();
    char hex[2 * IPA_APDU_RESPONSE_MAX + 1];
    aw_hex_encode(out, n, hex, true);
    const char *quote = strchr(reply->info, '"');
    if (quote == NULL || strncasecmp(quote + 1, hex, 2 * n) != 0 || quote[1 + 2 * n] != '"')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefixes[] = {"+CGLA", "+CSIM", "+CCHO"};
    if (size < 1)
        return 0;
    unsigned kind = data[0] % 3;
    ipa_at_line_reader reader;
    ipa_at_reply reply;
    ipa_at_line_reader_init(&reader);
    ipa_at_reply_init(&reply, prefixes[kind], kind == 2);
    for (size_t i = 1; i < size; i++) {
        bool complete = false;
        aw_err err = ipa_at_line_reader_feed(&reader, data[i], &complete);
        if (err == AW_OK && complete) {
            if (reader.len == 0 || reader.len > IPA_AT_LINE_MAX || reader.line[reader.len] != '\0')
                abort();
            err = ipa_at_reply_line(&reply, reader.line, reader.len);
        }
        if (err != AW_OK || reply.final != IPA_AT_PENDING) {
            check_reply(&reply, kind);
            ipa_at_reply_init(&reply, prefixes[kind], kind == 2); /* the next command's */
        }
    }
    return 0;
}
