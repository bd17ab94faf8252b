/* airwrite core: database URL parser (db.h).
 *
 * Accepted forms (the configuration's "database" value):
 *   sqlite:PATH, sqlite:///ABSOLUTE/PATH, sqlite::memory:, or a plain PATH
 *   postgresql://[user[:password]@][host[:port][,...]][/dbname][?key=value&...]
 *   (also postgres://), the libpq connection URI (PostgreSQL 15 docs,
 *   34.1.1 Connection Strings), itself an RFC 3986 URI.
 *
 * The URL comes from configuration, so it is parsed as outside input:
 * bounded length, printable characters only, %XX escapes checked, ports in
 * 1..65535. The PostgreSQL URL is still handed to libpq unchanged; parsing it
 * here refuses garbage early with a typed error and yields a redacted form
 * (no password, no query parameters such as password= or sslpassword=) that
 * may be logged. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/db.h"

static bool is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), followed
 * by ':'. Returns the scheme length, 0 if the string does not start with one. */
static size_t scheme_length(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return (i < len && s[i] == ':') ? i : 0;
}

/* Printable ASCII without space (URI characters), with every '%' starting a
 * two-hex-digit escape (RFC 3986 2.1). */
static bool uri_chars_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7F)
            return false;
        if (c == '%') {
            if (i + 2 >= len || !is_hex_digit(s[i + 1]) || !is_hex_digit(s[i + 2]))
                return false;
            i += 2;
        }
    }
    return true;
}

/* host: a name or IPv4 address (unreserved characters and %XX), or an IPv6
 * literal in brackets (RFC 3986 3.2.2); may be empty (libpq's default). */
static bool host_valid(const char *s, size_t len)
{
    if (len > 0 && s[0] == '[') {
        if (len < 3 || s[len - 1] != ']')
            return false;
        for (size_t i = 1; i + 1 < len; i++)
            if (!is_hex_digit(s[i]) && s[i] != ':' && s[i] != '.')
                return false;
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!isalnum((unsigned char)c) && c != '.' && c != '-' && c != '_' && c != '%')
            return false;
    }
    return true;
}

static bool port_valid(const char *s, size_t len)
{
    if (len == 0 || len > 5)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* hostspec = host[:port] *("," host[:port]) (libpq multiple hosts). */
static bool hostspec_valid(const char *s, size_t len)
{
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != ',')
            end++;
        const char *h = s + start;
        size_t hl = end - start;
        /* The port separator is the last ':' outside an IPv6 bracket. */
        size_t bracket_end = 0;
        if (hl > 0 && h[0] == '[') {
            const char *close = memchr(h, ']', hl);
            if (close == NULL)
                return false;
            bracket_end = (size_t)(close - h) + 1;
        }
        const char *colon = memchr(h + bracket_end, ':', hl - bracket_end);
        size_t host_len = colon ? (size_t)(colon - h) : hl;
        if (!host_valid(h, host_len))
            return false;
        if (colon != NULL && !port_valid(colon + 1, hl - host_len - 1))
            return false;
        if (end == len)
            break;
        start = end + 1;
    }
    return true;
}

/* query = key=value *("&" key=value), keys letters and '_' (libpq keywords). */
static bool query_valid(const char *s, size_t len)
{
    size_t start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '&')
            end++;
        const char *eq = memchr(s + start, '=', end - start);
        if (eq == NULL || eq == s + start)
            return false;
        for (const char *k = s + start; k < eq; k++)
            if (!isalpha((unsigned char)*k) && *k != '_')
                return false;
        if (end == len)
            break;
        start = end + 1;
    }
    return true;
}

static aw_err parse_postgresql(const char *url, size_t len, size_t scheme_len, db_url *out)
{
    /* scheme "://" authority [ "/" dbname ] [ "?" query ] (RFC 3986 3) */
    size_t pos = scheme_len + 1;
    if (len - pos < 2 || url[pos] != '/' || url[pos + 1] != '/')
        return AW_ERR_DB_URL;
    pos += 2;
    if (!uri_chars_valid(url + pos, len - pos))
        return AW_ERR_DB_URL;

    size_t authority_end = pos;
    while (authority_end < len && url[authority_end] != '/' && url[authority_end] != '?')
        authority_end++;
    const char *authority = url + pos;
    size_t authority_len = authority_end - pos;

    /* userinfo "@" hostspec; an '@' inside a user or password is %40. */
    const char *at = memchr(authority, '@', authority_len);
    size_t user_len = 0;
    const char *hosts = authority;
    size_t hosts_len = authority_len;
    if (at != NULL) {
        size_t userinfo_len = (size_t)(at - authority);
        if (memchr(at + 1, '@', authority_len - userinfo_len - 1) != NULL)
            return AW_ERR_DB_URL;
        const char *colon = memchr(authority, ':', userinfo_len);
        user_len = colon ? (size_t)(colon - authority) : userinfo_len;
        hosts = at + 1;
        hosts_len = authority_len - userinfo_len - 1;
    }
    if (!hostspec_valid(hosts, hosts_len))
        return AW_ERR_DB_URL;

    size_t path_end = authority_end;
    if (path_end < len && url[path_end] == '/') {
        while (path_end < len && url[path_end] != '?')
            path_end++;
    }
    if (path_end < len) {
        if (url[path_end] != '?' || !query_valid(url + path_end + 1, len - path_end - 1))
            return AW_ERR_DB_URL;
    }

    /* Redacted: scheme://[user@]hostspec[/dbname] */
    char *r = out->redacted;
    size_t n = 0;
    memcpy(r + n, url, scheme_len + 3);
    n += scheme_len + 3;
    if (at != NULL && user_len > 0) {
        memcpy(r + n, authority, user_len);
        n += user_len;
        r[n++] = '@';
    }
    memcpy(r + n, hosts, hosts_len);
    n += hosts_len;
    memcpy(r + n, url + authority_end, path_end - authority_end);
    n += path_end - authority_end;
    r[n] = '\0';

    memcpy(out->target, url, len);
    out->target[len] = '\0';
    out->backend = DB_BACKEND_POSTGRESQL;
    return AW_OK;
}

static aw_err parse_sqlite_path(const char *path, size_t len, db_url *out)
{
    if (len == 0)
        return AW_ERR_DB_URL;
    /* Control characters in a file name are a configuration mistake. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)path[i] < 0x20 || path[i] == 0x7F)
            return AW_ERR_DB_URL;
    memcpy(out->target, path, len);
    out->target[len] = '\0';
    memcpy(out->redacted, path, len);
    out->redacted[len] = '\0';
    out->backend = DB_BACKEND_SQLITE;
    return AW_OK;
}

aw_err db_url_parse(const char *url, db_url *out)
{
    if (url == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    size_t len = strnlen(url, DB_URL_MAX + 1);
    if (len == 0 || len > DB_URL_MAX)
        return AW_ERR_DB_URL;

    aw_err err;
    size_t scheme_len = scheme_length(url, len);
    if (scheme_len == 0) {
        err = parse_sqlite_path(url, len, out);
    } else if (scheme_len == 6 && strncasecmp(url, "sqlite", 6) == 0) {
        const char *path = url + 7;
        size_t path_len = len - 7;
        /* "sqlite:///abs" names /abs; an authority ("sqlite://host/x") has no
         * meaning for a local file and is refused. */
        if (path_len >= 2 && path[0] == '/' && path[1] == '/') {
            if (path_len < 3 || path[2] != '/')
                return AW_ERR_DB_URL;
            path += 2;
            path_len -= 2;
        }
        err = parse_sqlite_path(path, path_len, out);
    } else if ((scheme_len == 10 && strncasecmp(url, "postgresql", 10) == 0) ||
               (scheme_len == 8 && strncasecmp(url, "postgres", 8) == 0)) {
        err = parse_postgresql(url, len, scheme_len, out);
    } else {
        err = AW_ERR_DB_URL;
    }
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}
