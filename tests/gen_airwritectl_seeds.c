/* Writes the seed corpus of fuzz_airwritectl_answer (run by hand, not a
 * test): error bodies made by the platform (platform_api_error_body), Order
 * progress objects, Retry-After values, and a token cache written by
 * ctl_token_cache_save. Each file is the selector byte and the input.
 *   gen_airwritectl_seeds fuzz/corpus */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/airwritectl_client.h"
#include "core/file.h"

static const char *root;

static void seed(const char *name, uint8_t selector, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_airwritectl_answer/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(&selector, 1, 1, f) != 1 || fwrite(data, 1, len, f) != len) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_airwritectl_seeds CORPUS_DIR\n");
        return 2;
    }
    root = argv[1];
    const platform_api_error errors[] = {PLATFORM_API_BAD_SIGNATURE, PLATFORM_API_RATE_LIMITED,
                                         PLATFORM_API_ORDER_UNKNOWN, PLATFORM_API_INTERNAL};
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        char *json = NULL;
        size_t len = 0;
        if (platform_api_error_body(errors[i], "0123456789abcdef0123456789abcdef", &json, &len) !=
            AW_OK)
            return 1;
        char name[32];
        snprintf(name, sizeof(name), "error_%zu", i);
        seed(name, 0, json, len);
        free(json);
    }
    const char *batch = "{\"code\":\"A1001\",\"message\":\"invalid EID\",\"requestId\":"
                        "\"0123456789abcdef0123456789abcdef\",\"errors\":[{\"line\":2,"
                        "\"code\":\"A1001\",\"message\":\"invalid EID\"}]}";
    seed("error_batch", 0, batch, strlen(batch));
    const char *order = "P{\"orderId\":\"ord_0123456789abcdef01234567\",\"status\":\"processing\","
                        "\"profileType\":\"iot-data\",\"itemCount\":100,\"progress\":{\"pending\":"
                        "50,\"inProgress\":5,\"written\":40,\"failed\":4,\"cancelled\":1},"
                        "\"createdAt\":1,\"updatedAt\":2}";
    seed("order", 1, order, strlen(order));
    const char *const waits[] = {"10", "86400", "Wed, 21 Oct 2015 07:28:00 GMT"};
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "retry_after_%zu", i);
        seed(name, 2, waits[i], strlen(waits[i]));
    }
    ctl_token token = {.access_expires_at_ms = 1764567890000, .refresh_expires_at_ms = 1767159890000};
    memset(token.access_token, 'a', PLATFORM_TOKEN_LENGTH);
    memcpy(token.access_token, "awat_", 5);
    memset(token.refresh_token, 'b', PLATFORM_TOKEN_LENGTH);
    memcpy(token.refresh_token, "awrt_", 5);
    char path[] = "/tmp/aw_ctl_seed_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    uint8_t *text = NULL;
    size_t len = 0;
    if (ctl_token_cache_save(path, "https://127.0.0.1:8443", "app1", &token) != AW_OK ||
        aw_file_read(path, CTL_TOKEN_CACHE_MAX, &text, &len) != AW_OK)
        return 1;
    unlink(path);
    seed("cache", 3, text, len);
    free(text);
    return 0;
}
