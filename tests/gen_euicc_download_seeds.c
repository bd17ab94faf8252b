/* Seed corpus generator for fuzz_euicc_download: step scripts (see the
 * target's header) for a whole valid installation, with and without
 * ReplaceSessionKeys, a tampered segment, steps out of order, and ES10b
 * commands built by the test SM-DP+ (tests/euicc_download_sim.h) with the
 * project's own encoders. Writes <dir>/fuzz_euicc_download/<name>.
 * Usage: gen_euicc_download_seeds <fuzz/corpus directory> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "euicc_download_sim.h"

enum { OP_CHALLENGE = 0, OP_AUTHENTICATE = 1, OP_AUTHENTICATE_VALID = 2, OP_PREPARE = 3,
       OP_PREPARE_VALID = 4, OP_SEGMENT = 5, OP_SEGMENT_VALID = 6, OP_CANCEL = 7,
       OP_RESET = 8 };

/* Segments of a BPP without ReplaceSessionKeys: more indexes than that wrap. */
#define SEGMENT_STEPS 8

typedef struct script {
    uint8_t buf[16384];
    size_t len;
    bool overflow;
} script;

static const char *root;
static int failures;

static void step(script *s, uint8_t op, const uint8_t *payload, size_t len)
{
    if (s->len + 3 + len > sizeof(s->buf)) {
        s->overflow = true;
        return;
    }
    s->buf[s->len++] = op;
    s->buf[s->len++] = (uint8_t)(len >> 8);
    s->buf[s->len++] = (uint8_t)len;
    if (len > 0)
        memcpy(s->buf + s->len, payload, len);
    s->len += len;
}

static void step_byte(script *s, uint8_t op, uint8_t value)
{
    step(s, op, &value, 1);
}

static void write_seed(const char *name, const script *s)
{
    char path[4096];
    if (s->overflow) {
        fprintf(stderr, "%s: script too long\n", name);
        failures++;
        return;
    }
    snprintf(path, sizeof(path), "%s/fuzz_euicc_download/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s->buf, 1, s->len, f) != s->len) {
        perror(path);
        failures++;
    }
    if (f != NULL)
        fclose(f);
}

static void all_segments(script *s)
{
    for (uint8_t i = 0; i < SEGMENT_STEPS; i++)
        step_byte(s, OP_SEGMENT_VALID, i);
}

/* A new session: reset, challenge, authentication, PrepareDownload. */
static void new_session(script *s, uint8_t prepare_flags)
{
    static const uint8_t challenge[] = {0xBF, 0x2E, 0x00};
    step(s, OP_RESET, NULL, 0);
    step(s, OP_CHALLENGE, challenge, sizeof(challenge));
    step(s, OP_AUTHENTICATE_VALID, NULL, 0);
    step_byte(s, OP_PREPARE_VALID, prepare_flags);
}

static void script_seeds(void)
{
    script s;
    memset(&s, 0, sizeof(s));
    all_segments(&s);
    write_seed("install", &s);

    memset(&s, 0, sizeof(s));
    new_session(&s, 1 | 2 | 4); /* ReplaceSessionKeys, ccRequired with hashCc */
    for (uint8_t i = 0; i < SEGMENT_STEPS + 2; i++)
        step_byte(&s, OP_SEGMENT_VALID, i);
    write_seed("install_replace_session_keys", &s);

    memset(&s, 0, sizeof(s));
    new_session(&s, 2); /* ccRequired without hashCc */
    write_seed("prepare_missing_hash_cc", &s);

    /* the last byte of segment 3 (the first '88', 49 bytes) XORed: a bad MAC */
    uint8_t mac_flip[50] = {3};
    mac_flip[49] = 0x01;
    memset(&s, 0, sizeof(s));
    for (uint8_t i = 0; i < 3; i++)
        step_byte(&s, OP_SEGMENT_VALID, i);
    step(&s, OP_SEGMENT_VALID, mac_flip, sizeof(mac_flip));
    write_seed("metadata_mac", &s);

    memset(&s, 0, sizeof(s));
    step_byte(&s, OP_SEGMENT_VALID, 0);
    step_byte(&s, OP_SEGMENT_VALID, 3); /* A1 header skipped */
    write_seed("out_of_order", &s);

    memset(&s, 0, sizeof(s));
    step_byte(&s, OP_SEGMENT_VALID, 0);
    step_byte(&s, OP_SEGMENT_VALID, 1);
    step(&s, OP_RESET, NULL, 0);
    step_byte(&s, OP_SEGMENT_VALID, 2);
    write_seed("reset_while_loading", &s);
}

/* Commands the test SM-DP+ builds, passed as fuzzed bytes. */
static void message_seeds(void)
{
    sim smdp;
    script s;
    uint8_t *buf = NULL;
    size_t len = 0;
    static const uint8_t challenge[16] = {0};
    if (sim_init(&smdp, AW_PKI_CURVE_NIST_P256, (time_t)1767225600) != AW_OK) {
        fprintf(stderr, "test PKI: failed\n");
        failures++;
        return;
    }
    sim_auth_options auth = {0};
    memset(&s, 0, sizeof(s));
    step(&s, OP_CHALLENGE, (const uint8_t[]){0xBF, 0x2E, 0x00}, 3);
    if (sim_authenticate_server_request(&smdp, challenge, &auth, &buf, &len) == AW_OK)
        step(&s, OP_AUTHENTICATE, buf, len);
    free(buf);
    write_seed("authenticate_command", &s);

    sim_prepare_options prepare = {.cc_required = true, .with_hash_cc = true};
    memset(&s, 0, sizeof(s));
    buf = NULL;
    if (sim_prepare_download_request(&smdp, &prepare, &buf, &len) == AW_OK)
        step(&s, OP_PREPARE, buf, len);
    free(buf);
    write_seed("prepare_command", &s);

    /* CancelSession for the session's transactionId (the sim's is fixed) */
    sgp22_cancel_session_request cancel;
    memset(&cancel, 0, sizeof(cancel));
    cancel.transaction_id = (aw_slice){smdp.transaction_id, sizeof(smdp.transaction_id)};
    cancel.reason = SGP22_CANCEL_SESSION_TIMEOUT;
    memset(&s, 0, sizeof(s));
    buf = NULL;
    if (sgp22_encode_cancel_session_request(&cancel, &buf, &len) == AW_OK)
        step(&s, OP_CANCEL, buf, len);
    free(buf);
    write_seed("cancel_command", &s);

    /* the first segment of a BPP bound to another session */
    sim_bpp_options bpp = {0};
    memset(smdp.euicc_otpk, 0, sizeof(smdp.euicc_otpk));
    crypto_key *other = NULL;
    memset(&s, 0, sizeof(s));
    buf = NULL;
    sim_segments *segments = malloc(sizeof(*segments));
    if (segments != NULL && crypto_generate_key(CRYPTO_CURVE_NIST_P256, &other) == AW_OK &&
        crypto_key_export_point(other, smdp.euicc_otpk) == AW_OK &&
        sim_bound_profile_package(&smdp, &bpp, &buf, &len) == AW_OK &&
        sim_split(buf, len, segments) == AW_OK) {
        for (size_t i = 0; i < segments->count && i < SEGMENT_STEPS; i++)
            step(&s, OP_SEGMENT, segments->segment[i].ptr, segments->segment[i].len);
    } else {
        fprintf(stderr, "bpp: failed\n");
        failures++;
    }
    write_seed("foreign_segments", &s);
    crypto_key_free(other);
    free(segments);
    free(buf);
    sim_free(&smdp);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
        return 2;
    }
    root = argv[1];
    script_seeds();
    message_seeds();
    return failures == 0 ? 0 : 1;
}
