/* Test helpers for the Prometheus exposition (src/core/metrics.h): a plain
 * HTTP/1.0 request over a loopback socket (what a Prometheus server does),
 * and the value of one sample in the scraped text. Header-only, tests only. */
#ifndef AIRWRITE_TESTS_METRICS_TESTUTIL_H
#define AIRWRITE_TESTS_METRICS_TESTUTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

/* Send "METHOD PATH HTTP/1.0" to 127.0.0.1:port and read the whole answer
 * (the server closes the connection after an HTTP/1.0 reply). Returns the
 * malloc'd, NUL-terminated response (status line, headers and body). */
static inline char *metrics_test_request(uint16_t port, const char *method, const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char request[256];
    int n = snprintf(request, sizeof(request), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
                     method, path);
    assert_true(n > 0 && (size_t)n < sizeof(request));
    assert_int_equal(write(fd, request, (size_t)n), n);
    size_t cap = 4096, len = 0;
    char *response = malloc(cap);
    assert_non_null(response);
    for (;;) {
        if (cap - len < 1024) {
            cap *= 2;
            response = realloc(response, cap);
            assert_non_null(response);
        }
        ssize_t got = read(fd, response + len, cap - len - 1);
        assert_true(got >= 0);
        if (got == 0)
            break;
        len += (size_t)got;
    }
    response[len] = '\0';
    close(fd);
    return response;
}

/* The body of a 200 answer to GET path (fails the test otherwise); the
 * Content-Type must be the 0.0.4 text format. The caller frees the result. */
static inline char *metrics_test_scrape(uint16_t port, const char *path)
{
    char *response = metrics_test_request(port, "GET", path);
    if (strncmp(response, "HTTP/1.1 200 ", 13) != 0 && strncmp(response, "HTTP/1.0 200 ", 13) != 0)
        print_error("scrape answered: %.80s\n", response);
    assert_true(strncmp(response + 8, " 200 ", 5) == 0);
    assert_non_null(strstr(response,
                           "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    char *body = strstr(response, "\r\n\r\n");
    assert_non_null(body);
    char *copy = strdup(body + 4);
    assert_non_null(copy);
    free(response);
    return copy;
}

/* The value of the sample whose whole name-and-labels part is series (e.g.
 * "x_total{a=\"b\"}"); -1 when the text has no such line. */
static inline long long metrics_test_value(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line != NULL && *line != '\0';) {
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtoll(line + n + 1, NULL, 10);
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return -1;
}

#endif
