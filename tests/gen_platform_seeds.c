/* Writes the seed corpus of fuzz_platform_request (run by hand, not a test):
 *   gen_platform_seeds fuzz/corpus
 * Bodies and signed requests as the platform's own code builds and signs
 * them (the worked examples of docs/api-signature.md among them). */
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static const char secret[] = "5c2f8e41a09b7d3e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";

static int write_seed(const char *dir, const char *name, char mode, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_platform_request/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputc(mode, f);
    fputs(text, f);
    return fclose(f) == 0 ? 0 : 1;
}

/* mode 3: method, path, query, appId, timestamp, nonce, signature, body */
static int write_signed(const char *dir, const char *name, platform_signed_request request,
                        const char *body)
{
    request.body = (const uint8_t *)body;
    request.body_len = strlen(body);
    char hex[PLATFORM_SIGNATURE_HEX + 1];
    if (platform_signature_sign(&request, secret, hex) != AW_OK)
        return 1;
    char text[2048];
    snprintf(text, sizeof(text), "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s", request.method, request.path,
             request.query != NULL ? request.query : "", request.app_id, request.timestamp,
             request.nonce, hex, body);
    return write_seed(dir, name, 3, text);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    char token_body[256];
    snprintf(token_body, sizeof(token_body), "{\"appId\":\"app0123456789abcdef\",\"appSecret\":\"%s\"}",
             secret);
    int failed = 0;
    failed |= write_seed(dir, "token_request", 0, token_body);
    failed |= write_seed(dir, "token_request_nested", 0,
                         "{\"appId\":\"a\",\"appSecret\":\"[{\\\"x\\\"}]\",\"z\":[[[{}]]]}");
    failed |= write_seed(dir, "refresh_request", 1,
                         "{\"refreshToken\":\"awrt_000102030405060708090a0b0c0d0e0f"
                         "101112131415161718191a1b1c1d1e1f\"}");
    failed |= write_seed(dir, "revoke_request", 2, "{\"token\":\"awat_00\"}");
    platform_signed_request example_a = {.method = "GET",
                                         .path = "/api/v1/ping",
                                         .query = "z=9&a=2&a=10&flag",
                                         .app_id = "app0123456789abcdef",
                                         .timestamp = "1764567890",
                                         .nonce = "n0nce-Example_0001"};
    failed |= write_signed(dir, "signed_example_a", example_a, "");
    platform_signed_request example_b = {.method = "POST",
                                         .path = "/api/v1/auth/token",
                                         .app_id = "app0123456789abcdef",
                                         .timestamp = "1764567890",
                                         .nonce = "Zm9vYmFyLW5vbmNlLTAy"};
    failed |= write_signed(dir, "signed_example_b", example_b, token_body);
    platform_signed_request query = example_a;
    query.query = "b=%20x&a=&a=1&c=d=e";
    failed |= write_signed(dir, "signed_query", query, "");
    return failed;
}
