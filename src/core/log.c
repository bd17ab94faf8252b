/* airwrite core: structured JSON log lines (RFC 8259 strings, RFC 3339
 * timestamps), see log.h. */
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/hex.h"

/* Bytes of the SHA-256 shown by LOG_BYTES_HASH: a fingerprint to match two
 * log lines, never enough to recover or test guesses of a short secret
 * offline faster than the full hash would allow. */
#define LOG_HASH_SHOWN 8u
/* Room kept for ,"truncated":true}\n and the NUL. */
#define LOG_TAIL_RESERVE 24u

struct aw_log {
    int fd;          /* -1 when writing to stream */
    FILE *stream;
    log_level level;
    log_clock clock;
    void *clock_userdata;
    uint64_t dropped;
};

static const char *const log_level_names[] = {"debug", "info", "warning", "error"};

const char *log_level_name(log_level level)
{
    if ((unsigned)level >= sizeof(log_level_names) / sizeof(log_level_names[0]))
        return NULL;
    return log_level_names[level];
}

aw_err log_level_parse(const char *name, log_level *level)
{
    for (size_t i = 0; name != NULL && level != NULL &&
                       i < sizeof(log_level_names) / sizeof(log_level_names[0]);
         i++) {
        if (strcmp(name, log_level_names[i]) == 0) {
            *level = (log_level)i;
            return AW_OK;
        }
    }
    return AW_ERR_ARGUMENT;
}

static int64_t log_realtime_ms(void *userdata)
{
    (void)userdata;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static aw_err log_new(int fd, FILE *stream, log_level level, aw_log **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (log_level_name(level) == NULL)
        return AW_ERR_ARGUMENT;
    aw_log *log = calloc(1, sizeof(*log));
    if (log == NULL)
        return AW_ERR_NOMEM;
    log->fd = fd;
    log->stream = stream;
    log->level = level;
    log->clock = log_realtime_ms;
    *out = log;
    return AW_OK;
}

aw_err log_new_fd(int fd, log_level level, aw_log **out)
{
    if (fd < 0) {
        if (out != NULL)
            *out = NULL;
        return AW_ERR_ARGUMENT;
    }
    return log_new(fd, NULL, level, out);
}

aw_err log_new_stream(FILE *stream, log_level level, aw_log **out)
{
    if (stream == NULL) {
        if (out != NULL)
            *out = NULL;
        return AW_ERR_ARGUMENT;
    }
    return log_new(-1, stream, level, out);
}

void log_free(aw_log *log)
{
    free(log);
}

void log_set_clock(aw_log *log, log_clock clock, void *userdata)
{
    if (log == NULL)
        return;
    log->clock = clock != NULL ? clock : log_realtime_ms;
    log->clock_userdata = clock != NULL ? userdata : NULL;
}

bool log_enabled(const aw_log *log, log_level level)
{
    return log != NULL && log_level_name(level) != NULL && level >= log->level;
}

uint64_t log_dropped(const aw_log *log)
{
    return log != NULL ? __atomic_load_n(&log->dropped, __ATOMIC_RELAXED) : 0;
}

/* ---- Line writer ------------------------------------------------------------ */

typedef struct log_writer {
    char *out;
    size_t cap;   /* usable bytes (LOG_TAIL_RESERVE kept back) */
    size_t len;
    bool overflow;
} log_writer;

static void log_put(log_writer *w, const char *data, size_t len)
{
    if (w->overflow || len > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->out + w->len, data, len);
    w->len += len;
}

static void log_put_text(log_writer *w, const char *text)
{
    log_put(w, text, strlen(text));
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0. */
static size_t log_utf8_length(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t min, value;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, value = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, value = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, value = c & 0x07;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        value = value << 6 | (p[i] & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    return n;
}

/* A JSON string (RFC 8259 7) of at most LOG_TEXT_MAX bytes of text. */
static void log_put_string(log_writer *w, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)text;
    size_t left = strlen(text), used = 0;
    log_put(w, "\"", 1);
    while (left > 0) {
        size_t n = log_utf8_length(p, left);
        if (used + (n == 0 ? 1 : n) > LOG_TEXT_MAX) {
            log_put_text(w, "...");
            break;
        }
        if (n == 0) {
            log_put_text(w, "\xEF\xBF\xBD"); /* U+FFFD REPLACEMENT CHARACTER */
            n = 1;
        } else if (*p == '"' || *p == '\\') {
            char escaped[2] = {'\\', (char)*p};
            log_put(w, escaped, 2);
        } else if (*p < 0x20) {
            const char *shortcut = *p == '\n'   ? "\\n"
                                   : *p == '\r' ? "\\r"
                                   : *p == '\t' ? "\\t"
                                   : *p == '\b' ? "\\b"
                                   : *p == '\f' ? "\\f"
                                                : NULL;
            if (shortcut != NULL) {
                log_put_text(w, shortcut);
            } else {
                char escaped[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0x0F]};
                log_put(w, escaped, sizeof(escaped));
            }
        } else {
            log_put(w, (const char *)p, n);
        }
        p += n;
        left -= n;
        used += n;
    }
    log_put(w, "\"", 1);
}

static void log_put_uint(log_writer *w, uint64_t value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    log_put(w, digits + sizeof(digits) - n, n);
}

static void log_put_int(log_writer *w, int64_t value)
{
    if (value < 0) {
        log_put(w, "-", 1);
        log_put_uint(w, (uint64_t)0 - (uint64_t)value);
    } else {
        log_put_uint(w, (uint64_t)value);
    }
}

/* "2026-12-01T05:42:31.123Z" (RFC 3339 5.6, UTC). */
static void log_put_time(log_writer *w, int64_t time_ms)
{
    if (time_ms < 0)
        time_ms = 0;
    time_t seconds = (time_t)(time_ms / 1000);
    struct tm tm;
    char text[40];
    if (gmtime_r(&seconds, &tm) == NULL) {
        log_put_text(w, "\"1970-01-01T00:00:00.000Z\"");
        return;
    }
    int n = snprintf(text, sizeof(text), "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(time_ms % 1000));
    if (n > 0 && (size_t)n < sizeof(text))
        log_put(w, text, (size_t)n);
    else
        w->overflow = true;
}

/* "sha256:" and the first LOG_HASH_SHOWN bytes of SHA-256(bytes) in hex. */
static void log_put_hash(log_writer *w, const uint8_t *bytes, size_t len)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_len = 0;
    static const uint8_t empty = 0;
    if (EVP_Digest(bytes != NULL ? bytes : &empty, bytes != NULL ? len : 0, digest, &digest_len,
                   EVP_sha256(), NULL) != 1 ||
        digest_len < LOG_HASH_SHOWN) {
        log_put_text(w, "null");
        return;
    }
    char text[sizeof("sha256:") + 2 * LOG_HASH_SHOWN];
    memcpy(text, "sha256:", 7);
    aw_hex_encode(digest, LOG_HASH_SHOWN, text + 7, false);
    log_put(w, "\"", 1);
    log_put_text(w, text);
    log_put(w, "\"", 1);
}

static void log_put_field(log_writer *w, const log_field *field)
{
    log_put(w, ",", 1);
    log_put_string(w, field->name != NULL ? field->name : "");
    log_put(w, ":", 1);
    switch (field->type) {
    case LOG_FIELD_TEXT:
        if (field->text == NULL)
            log_put_text(w, "null");
        else
            log_put_string(w, field->text);
        break;
    case LOG_FIELD_INT:
        log_put_int(w, field->int_value);
        break;
    case LOG_FIELD_UINT:
        log_put_uint(w, field->uint_value);
        break;
    case LOG_FIELD_BOOL:
        log_put_text(w, field->bool_value ? "true" : "false");
        break;
    case LOG_FIELD_BYTES_LENGTH:
        log_put_uint(w, field->bytes_len);
        break;
    case LOG_FIELD_BYTES_HASH:
        log_put_hash(w, field->bytes, field->bytes_len);
        break;
    default:
        log_put_text(w, "null");
        break;
    }
}

aw_err log_format_line(int64_t time_ms, log_level level, const char *component, const char *event,
                       const log_field *fields, size_t count, char *out, size_t cap,
                       size_t *len)
{
    if (len != NULL)
        *len = 0;
    if (out == NULL || len == NULL || (fields == NULL && count != 0) ||
        log_level_name(level) == NULL)
        return AW_ERR_ARGUMENT;
    if (cap <= LOG_TAIL_RESERVE)
        return AW_ERR_BUFFER_TOO_SMALL;
    log_writer w = {.out = out, .cap = cap - LOG_TAIL_RESERVE};
    log_put_text(&w, "{\"ts\":");
    log_put_time(&w, time_ms);
    log_put_text(&w, ",\"level\":\"");
    log_put_text(&w, log_level_name(level));
    log_put_text(&w, "\",\"component\":");
    log_put_string(&w, component != NULL ? component : "");
    log_put_text(&w, ",\"event\":");
    log_put_string(&w, event != NULL ? event : "");
    if (w.overflow)
        return AW_ERR_BUFFER_TOO_SMALL;
    bool truncated = count > LOG_FIELDS_MAX;
    for (size_t i = 0; i < count && i < LOG_FIELDS_MAX; i++) {
        size_t before = w.len;
        log_put_field(&w, &fields[i]);
        if (w.overflow) {
            w.len = before; /* drop the field that did not fit, and the rest */
            truncated = true;
            break;
        }
    }
    /* the reserve always holds the tail */
    w.overflow = false;
    w.cap = cap - 1;
    if (truncated)
        log_put_text(&w, ",\"truncated\":true");
    log_put_text(&w, "}\n");
    out[w.len] = '\0';
    *len = w.len;
    return AW_OK;
}

static bool log_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

void log_event(aw_log *log, log_level level, const char *component, const char *event,
               const log_field *fields, size_t count)
{
    if (!log_enabled(log, level))
        return;
    char line[LOG_LINE_MAX];
    size_t len = 0;
    bool ok = log_format_line(log->clock(log->clock_userdata), level, component, event, fields,
                              count, line, sizeof(line), &len) == AW_OK;
    if (ok && log->stream != NULL)
        ok = fwrite(line, 1, len, log->stream) == len && fflush(log->stream) == 0;
    else if (ok)
        ok = log_write_all(log->fd, line, len);
    if (!ok)
        __atomic_add_fetch(&log->dropped, 1, __ATOMIC_RELAXED);
}
