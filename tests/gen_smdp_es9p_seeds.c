/* Writes the seed corpora of fuzz_smdp_es9p_json and fuzz_base64 from the
 * project's own encoders and the in-test eUICC (run by hand, not a test):
 *   gen_smdp_es9p_seeds fuzz/corpus
 * ES9+ seeds are a selector byte (fuzz_smdp_es9p_json.c) and a JSON body
 * naming the fuzz target's live session 000102...0F. */
#include "smdp_es9p_testutil.h"

#include "core/base64.h"

static const char *out_dir;

static void write_seed(const char *target, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static char *b64(const uint8_t *data, size_t len)
{
    size_t cap = aw_base64_encoded_length(len) + 1;
    char *text = malloc(cap);
    if (text == NULL || aw_base64_encode(data, len, text, cap) != AW_OK)
        exit(1);
    return text;
}

/* selector byte + {"transactionId"?, name: base64(der)} (der taken) */
static void es9p_seed(const char *file, uint8_t selector, const char *name, uint8_t *der,
                      size_t len, bool with_tid)
{
    char *text = b64(der, len);
    size_t cap = strlen(text) + 256;
    char *body = malloc(cap);
    if (body == NULL)
        exit(1);
    body[0] = (char)selector;
    int n = snprintf(body + 1, cap - 1, "{%s\"%s\":\"%s\"}",
                     with_tid ? "\"transactionId\":\"000102030405060708090A0B0C0D0E0F\"," : "",
                     name, text);
    write_seed("fuzz_smdp_es9p_json", file, body, (size_t)n + 1);
    write_seed("fuzz_base64", file, text, strlen(text));
    free(body);
    free(text);
    free(der);
}

static void run(void **state)
{
    (void)state;
    fixture fx;
    fx_open(&fx, AW_PKI_CURVE_NIST_P256);
    for (uint8_t i = 0; i < ES9P_TRANSACTION_ID_SIZE; i++)
        fx.transaction_id[i] = i;
    memset(fx.server_challenge, 0x5A, sizeof(fx.server_challenge));
    memset(fx.smdp_signature2, 0x11, sizeof(fx.smdp_signature2));

    size_t len;
    uint8_t *info = fx_euicc_info1(&fx.credential.ci_pkid, &fx.credential.ci_pkid, &len);
    char *info_text = b64(info, len);
    char *challenge = b64(fx.euicc_challenge, 16);
    char body[1024];
    int n = snprintf(body, sizeof(body),
                     "%c{\"header\":{\"functionRequesterIdentifier\":\"lpa\","
                     "\"functionCallIdentifier\":\"1\"},\"euiccChallenge\":\"%s\","
                     "\"euiccInfo1\":\"%s\",\"smdpAddress\":\"smdp.example.com\"}",
                     0, challenge, info_text);
    write_seed("fuzz_smdp_es9p_json", "initiate_authentication", body, (size_t)n);
    body[0] = 5;
    write_seed("fuzz_smdp_es9p_json", "initiate_no_protocol", body, (size_t)n);
    free(info_text);
    free(challenge);
    free(info);

    static const fx_auth_options auth = {0};
    uint8_t *der = fx_authenticate_server_response(&fx, &auth, &len);
    es9p_seed("authenticate_client", 1, "authenticateServerResponse", der, len, true);
    static const fx_prepare_options prepare = {.with_hash_cc = true};
    uint8_t otpk[CRYPTO_POINT_SIZE];
    der = fx_prepare_download_response(&fx, &prepare, otpk, &len);
    es9p_seed("get_bound_profile_package", 2, "prepareDownloadResponse", der, len, true);
    der = fx_installation_result(&fx, true, false, &len);
    es9p_seed("installation_result", 3, "pendingNotification", der, len, false);
    der = fx_other_notification(&fx, false, &len);
    es9p_seed("other_notification", 3, "pendingNotification", der, len, false);
    der = fx_cancel_session_response(&fx, SGP22_CANCEL_SESSION_POSTPONED, false, false, &len);
    es9p_seed("cancel_session", 4, "cancelSessionResponse", der, len, true);
    write_seed("fuzz_smdp_es9p_json", "not_json", "\x04{\"transactionId\":", 18);
    write_seed("fuzz_base64", "padding", "Zm9vYg==", 8);
    fx_close(&fx);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz corpus directory>\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    const struct CMUnitTest tests[] = {cmocka_unit_test(run)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
