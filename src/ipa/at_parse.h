/* airwrite IPA (internal): parsing what a cellular module answers to the
 * AT commands of the AT transport (3GPP TS 27.007 8.17 +CSIM, 8.45 +CCHO,
 * 8.46 +CCHC, 8.43 +CGLA; V.250 5.7 result codes, 27.007 9.2 +CME ERROR).
 * Pure functions over bytes, so the libFuzzer target drives the same code
 * as the serial line. */
#ifndef AIRWRITE_IPA_AT_PARSE_H
#define AIRWRITE_IPA_AT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Longest line accepted: +CGLA: 516,"<516 hex digits>" with room to spare. */
#define IPA_AT_LINE_MAX 600u
/* Lines in one reply (information, unsolicited, echo) before we give up. */
#define IPA_AT_REPLY_LINES_MAX 16u

/* Splits the byte stream into lines ended by CR and/or LF. */
typedef struct ipa_at_line_reader {
    char line[IPA_AT_LINE_MAX + 1];
    size_t len;
    bool overflow; /* the current line ran past IPA_AT_LINE_MAX */
    bool taken;    /* line holds a complete line: the next byte starts anew */
} ipa_at_line_reader;

void ipa_at_line_reader_init(ipa_at_line_reader *r);

/* Take one byte. *complete is set when it ends a non-empty line, which is
 * then in r->line (NUL-terminated, r->len long) until the next call.
 * AW_ERR_IPA_RESPONSE_TOO_LONG at the end of a line that was too long;
 * AW_ERR_IPA_PROTOCOL for a NUL or other control byte inside a line. */
aw_err ipa_at_line_reader_feed(ipa_at_line_reader *r, uint8_t byte, bool *complete);

typedef enum ipa_at_final {
    IPA_AT_PENDING = 0, /* no final result code yet */
    IPA_AT_OK,
    IPA_AT_ERROR,
    IPA_AT_CME_ERROR,
} ipa_at_final;

/* The reply to one command: its information line (the one starting with
 * the command's prefix, e.g. "+CGLA: "; or for +CCHO a bare number, as
 * TS 27.007 8.45 writes it) and its final result code. */
typedef struct ipa_at_reply {
    const char *prefix; /* e.g. "+CGLA"; NULL: no information line expected */
    bool bare_number;   /* a line of digits alone is the information (+CCHO) */
    char info[IPA_AT_LINE_MAX + 1]; /* after "PREFIX: " */
    bool has_info;
    ipa_at_final final;
    long cme_error;     /* numeric +CME ERROR, -1 for the verbose form */
    unsigned lines;
} ipa_at_reply;

void ipa_at_reply_init(ipa_at_reply *r, const char *prefix, bool bare_number);

/* Take one line. Echoed command lines (starting with "AT") and
 * unsolicited result codes (another "+XXX:" prefix) are skipped.
 * AW_ERR_IPA_PROTOCOL for any other line, a second information line, or
 * a malformed +CME ERROR; AW_ERR_IPA_RESPONSE_TOO_LONG past
 * IPA_AT_REPLY_LINES_MAX lines; AW_ERR_STATE after the final result. */
aw_err ipa_at_reply_line(ipa_at_reply *r, const char *line, size_t len);

/* <length>,"<hex>" of +CGLA / +CSIM (27.007 8.43, 8.17): length is the
 * count of hex characters and must match; an even number of hex digits, at
 * least a status word and at most cap bytes. AW_ERR_IPA_PROTOCOL
 * otherwise, AW_ERR_IPA_RESPONSE_TOO_LONG beyond cap. */
aw_err ipa_at_parse_hex_response(const char *info, uint8_t *out, size_t cap, size_t *len);

/* <sessionid> of +CCHO (27.007 8.45): decimal digits, 1..65535. */
aw_err ipa_at_parse_session(const char *info, unsigned *session);

#endif
