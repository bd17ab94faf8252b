/* Writes the seed corpora of fuzz_ipa_at and fuzz_ipa_es10 (run by hand,
 * not a test): gen_ipa_seeds fuzz/corpus. The card answers are ES10
 * responses made by the project's own SGP.22 encoders, cut into 61xx
 * rounds as a T=0 card sends them, and wrapped into +CGLA / +CSIM / +CCHO
 * replies of 3GPP TS 27.007. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hex.h"
#include "core/sgp22_euicc_info.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_profile_info.h"

static const char *root;

static void write_seed(const char *target, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

typedef struct stream {
    uint8_t bytes[8192];
    size_t len;
} stream;

static void put_answer(stream *s, const uint8_t *data, size_t len, uint8_t sw1, uint8_t sw2)
{
    s->bytes[s->len++] = (uint8_t)(len + 2);
    memcpy(s->bytes + s->len, data, len);
    s->len += len;
    s->bytes[s->len++] = sw1;
    s->bytes[s->len++] = sw2;
}

/* An ES10 response as a T=0 card gives it, after 9000 for each of the
 * command's intermediate STORE DATA blocks: rounds of chunk bytes
 * announced with 61xx, the last ending 9000. */
static void put_response(stream *s, unsigned intermediate, const uint8_t *data, size_t len,
                         size_t chunk)
{
    size_t offset = 0;
    for (unsigned i = 0; i < intermediate; i++)
        put_answer(s, NULL, 0, 0x90, 0x00);
    put_answer(s, NULL, 0, 0x61, (uint8_t)(len > chunk ? chunk : len));
    while (len - offset > chunk) {
        size_t left = len - offset - chunk;
        put_answer(s, data + offset, chunk, 0x61, (uint8_t)(left > chunk ? chunk : left));
        offset += chunk;
    }
    put_answer(s, data + offset, len - offset, 0x90, 0x00);
}

static uint8_t *profiles_response(size_t *len)
{
    static const uint8_t iccid[10] = {0x98, 0x44, 0x05, 0, 0, 0, 0, 0, 0, 0x41};
    sgp22_profile_info info;
    memset(&info, 0, sizeof(info));
    info.has_iccid = true;
    info.iccid = (aw_slice){iccid, sizeof(iccid)};
    info.has_profile_state = true;
    info.profile_state = SGP22_PROFILE_STATE_ENABLED;
    info.has_profile_name = true;
    info.profile_name = (aw_slice){(const uint8_t *)"Test profile", 12};
    info.has_profile_class = true;
    info.profile_class = SGP22_PROFILE_CLASS_OPERATIONAL;
    sgp22_profile_info items[2] = {info, info};
    sgp22_profile_info_list_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_PROFILE_INFO_LIST_OK;
    r.profile_info_list_ok.items = items;
    r.profile_info_list_ok.count = 2;
    uint8_t *out = NULL;
    if (sgp22_encode_profile_info_list_response(&r, &out, len) != AW_OK)
        exit(1);
    return out;
}

static uint8_t *notifications_response(size_t *len)
{
    sgp22_notification_metadata m;
    memset(&m, 0, sizeof(m));
    m.seq_number = 7;
    m.profile_management_operation = SGP22_NOTIFICATION_ENABLE;
    m.notification_address = (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    sgp22_list_notification_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_NOTIFICATION_LIST_OK;
    r.notification_metadata_list.items = &m;
    r.notification_metadata_list.count = 1;
    uint8_t *out = NULL;
    if (sgp22_encode_list_notification_response(&r, &out, len) != AW_OK)
        exit(1);
    return out;
}

static uint8_t *eid_response(size_t *len)
{
    uint8_t eid[16];
    size_t n;
    aw_hex_decode("89049032000000000000000000000163", eid, sizeof(eid), &n);
    sgp22_get_euicc_data_response r;
    memset(&r, 0, sizeof(r));
    r.eid_value = (aw_slice){eid, sizeof(eid)};
    uint8_t *out = NULL;
    if (sgp22_encode_get_euicc_data_response(&r, &out, len) != AW_OK)
        exit(1);
    return out;
}

static void es10_seeds(void)
{
    size_t profiles_len, notifications_len, eid_len;
    uint8_t *profiles = profiles_response(&profiles_len);
    uint8_t *notifications = notifications_response(&notifications_len);
    uint8_t *eid = eid_response(&eid_len);
    static const uint8_t channel[1] = {0x01};
    static const size_t chunks[] = {250, 64, 17};
    for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        stream s = {.len = 0};
        bool small = k == 2;
        s.bytes[s.len++] = (uint8_t)(small ? 1 : 254); /* blocks of 2 or 255 bytes */
        put_answer(&s, channel, 1, 0x90, 0x00);          /* MANAGE CHANNEL */
        put_answer(&s, NULL, 0, 0x90, 0x00);             /* SELECT ISD-R */
        /* BF2D00, BF2800 and BF3E035C015A: 2, 2 and 3 blocks of 2 bytes */
        put_response(&s, small ? 1 : 0, profiles, profiles_len, chunks[k]);
        put_response(&s, small ? 1 : 0, notifications, notifications_len, chunks[k]);
        put_response(&s, small ? 2 : 0, eid, eid_len, chunks[k]);
        if (small)
            put_answer(&s, NULL, 0, 0x90, 0x00);
        put_answer(&s, NULL, 0, 0x6A, 0x88);             /* GetEUICCInfo2 refused */
        put_answer(&s, NULL, 0, 0x90, 0x00);             /* MANAGE CHANNEL close */
        char name[32];
        snprintf(name, sizeof(name), "session-%zu", chunks[k]);
        write_seed("fuzz_ipa_es10", name, s.bytes, s.len);
    }
    /* 6Cxx on GET RESPONSE, then a refused channel */
    stream s = {.len = 0};
    s.bytes[s.len++] = 254;
    put_answer(&s, channel, 1, 0x90, 0x00);
    put_answer(&s, NULL, 0, 0x61, 0x20);
    put_answer(&s, NULL, 0, 0x6C, 0x00);
    put_answer(&s, NULL, 0, 0x90, 0x00);
    write_seed("fuzz_ipa_es10", "wrong-le", s.bytes, s.len);
    s.len = 1;
    put_answer(&s, NULL, 0, 0x6A, 0x81);
    write_seed("fuzz_ipa_es10", "no-channel", s.bytes, s.len);
    free(profiles);
    free(notifications);
    free(eid);
}

/* kind byte (0 +CGLA, 1 +CSIM, 2 +CCHO) then the module's text */
static void at_seed(const char *name, unsigned kind, const char *text)
{
    size_t len = strlen(text);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL)
        exit(1);
    buf[0] = (uint8_t)kind;
    memcpy(buf + 1, text, len);
    write_seed("fuzz_ipa_at", name, buf, len + 1);
    free(buf);
}

static void at_seeds(void)
{
    size_t eid_len;
    uint8_t *eid = eid_response(&eid_len);
    uint8_t apdu[64];
    memcpy(apdu, eid, eid_len);
    apdu[eid_len] = 0x90;
    apdu[eid_len + 1] = 0x00;
    char hex[2 * sizeof(apdu) + 1], text[512];
    aw_hex_encode(apdu, eid_len + 2, hex, true);
    snprintf(text, sizeof(text), "\r\n+CGLA: %zu,\"%s\"\r\n\r\nOK\r\n", strlen(hex), hex);
    at_seed("cgla", 0, text);
    snprintf(text, sizeof(text), "AT+CGLA=1,12,\"81E2910006BF\"\r\r\n+CREG: 1\r\n\r\n"
             "+CGLA: %zu,\"%s\"\r\n\r\nOK\r\n", strlen(hex), hex);
    at_seed("cgla-echo-urc", 0, text);
    snprintf(text, sizeof(text), "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n");
    at_seed("csim", 1, text);
    at_seed("ccho", 2, "\r\n1\r\n\r\nOK\r\n");
    at_seed("ccho-prefixed", 2, "\r\n+CCHO: 2\r\n\r\nOK\r\n");
    at_seed("cme", 0, "\r\n+CME ERROR: 21\r\n\r\n+CME ERROR: operation not allowed\r\n");
    at_seed("error", 1, "\r\nERROR\r\n\r\nOK\r\n");
    free(eid);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_ipa_seeds CORPUS-DIR\n");
        return 2;
    }
    root = argv[1];
    es10_seeds();
    at_seeds();
    return 0;
}
