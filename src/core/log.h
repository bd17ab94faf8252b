/* airwrite core: structured logs, one JSON object per line (RFC 8259; the
 * "JSON Lines" convention), for the daemons (SM-DP+, eIM, platform).
 *
 * Every line carries "ts" (RFC 3339 UTC with milliseconds, e.g.
 * "2026-12-01T05:42:31.123Z"), "level", "component" and "event", then the
 * event's typed fields in the order given:
 *
 *   {"ts":"2026-12-01T05:42:31.123Z","level":"info","component":"smdp",
 *    "event":"es9p_request","function":"initiateAuthentication",
 *    "status":"Executed-Success","duration_us":5312}
 *
 * Secrets never reach a log: a field is text, an integer, a boolean, or a
 * byte buffer that is written only as its length (LOG_BYTES_LENGTH) or as a
 * SHA-256 fingerprint (LOG_BYTES_HASH: "sha256:" and the first 8 bytes of
 * the hash in hex). There is no way to write the bytes themselves. Keep
 * secrets out of text fields too: text is for names, codes and identifiers.
 *
 * Strings are escaped per RFC 8259 7 (quote, backslash, every control
 * character); bytes that are not valid UTF-8 become U+FFFD, and a text
 * longer than LOG_TEXT_MAX bytes is cut (at a character boundary) and
 * marked with "...". Each line is written with one write(2) (fd) or one
 * fwrite + fflush (FILE *), so lines from several threads or processes
 * appending to one file do not interleave.
 *
 * The program chooses the destination; library code receives an aw_log *
 * (NULL: logging off) and never prints by itself.
 */
#ifndef AIRWRITE_CORE_LOG_H
#define AIRWRITE_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define LOG_TEXT_MAX 1024u     /* bytes of one text field before it is cut */
#define LOG_LINE_MAX 16384u    /* bytes of one line; fields past it are dropped and the
                                * line ends with "truncated":true */
#define LOG_FIELDS_MAX 32u     /* fields of one event */

typedef enum log_level {
    LOG_LEVEL_DEBUG = 0,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARNING,
    LOG_LEVEL_ERROR,
} log_level;

/* "debug", "info", "warning", "error"; NULL for another value. */
const char *log_level_name(log_level level);
/* The level of a name as log_level_name writes it; AW_ERR_ARGUMENT else. */
aw_err log_level_parse(const char *name, log_level *level);

typedef enum log_field_type {
    LOG_FIELD_TEXT = 1,   /* JSON string (NULL text: JSON null) */
    LOG_FIELD_INT,        /* JSON number, signed */
    LOG_FIELD_UINT,       /* JSON number, unsigned */
    LOG_FIELD_BOOL,       /* JSON true / false */
    LOG_FIELD_BYTES_LENGTH, /* JSON number: the buffer's length only */
    LOG_FIELD_BYTES_HASH, /* JSON string "sha256:<16 hex digits>" */
} log_field_type;

typedef struct log_field {
    const char *name;
    log_field_type type;
    const char *text;
    int64_t int_value;
    uint64_t uint_value;
    bool bool_value;
    const uint8_t *bytes;
    size_t bytes_len;
} log_field;

#define LOG_TEXT(n, v) ((log_field){.name = (n), .type = LOG_FIELD_TEXT, .text = (v)})
#define LOG_INT(n, v) ((log_field){.name = (n), .type = LOG_FIELD_INT, .int_value = (v)})
#define LOG_UINT(n, v) ((log_field){.name = (n), .type = LOG_FIELD_UINT, .uint_value = (v)})
#define LOG_BOOL(n, v) ((log_field){.name = (n), .type = LOG_FIELD_BOOL, .bool_value = (v)})
#define LOG_BYTES_LENGTH(n, p, len)                                                              \
    ((log_field){.name = (n), .type = LOG_FIELD_BYTES_LENGTH, .bytes = (p), .bytes_len = (len)})
#define LOG_BYTES_HASH(n, p, len)                                                                \
    ((log_field){.name = (n), .type = LOG_FIELD_BYTES_HASH, .bytes = (p), .bytes_len = (len)})

typedef struct aw_log aw_log;

/* Wall-clock time in milliseconds since the Unix epoch, for "ts". */
typedef int64_t (*log_clock)(void *userdata);

/* A logger writing to fd (not closed by log_free) or to stream (flushed
 * after every line, not closed). Events below level are dropped. */
aw_err log_new_fd(int fd, log_level level, aw_log **out);
aw_err log_new_stream(FILE *stream, log_level level, aw_log **out);
/* NULL-safe. */
void log_free(aw_log *log);

/* Replace the clock (default: CLOCK_REALTIME), e.g. a fixed one in tests. */
void log_set_clock(aw_log *log, log_clock clock, void *userdata);

/* Would an event at level be written? false for a NULL log. */
bool log_enabled(const aw_log *log, log_level level);

/* Write one event. NULL log: nothing. component and event should be short
 * lower-case identifiers; count at most LOG_FIELDS_MAX (extra fields are
 * dropped). A failed write is counted (log_dropped), never reported. */
void log_event(aw_log *log, log_level level, const char *component, const char *event,
               const log_field *fields, size_t count);

/* Lines that could not be written in full. */
uint64_t log_dropped(const aw_log *log);

/* Format one line (without writing it) into out (NUL-terminated, ending in
 * '\n'): the JSON of log_event. Fields that do not fit are dropped and
 * "truncated":true ends the object; AW_ERR_BUFFER_TOO_SMALL when not even
 * ts, level, component, event and that marker fit. *len receives the
 * line's length without the NUL. */
aw_err log_format_line(int64_t time_ms, log_level level, const char *component, const char *event,
                       const log_field *fields, size_t count, char *out, size_t cap,
                       size_t *len);

#endif
