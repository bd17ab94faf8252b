/* Writes the seed corpus of fuzz_ipa_push (run by hand, not a test):
 * gen_ipa_push_seeds fuzz/corpus. Every message is made by the project's
 * own SGP.32 encoders: TransferEimPackageRequests of each alternative
 * (eUICC Package, IPA eUICC data, acknowledgements, Profile Download
 * Trigger) and two the IPA refuses, the card's answers (channel, SELECT,
 * GetEID, then the package's answer) and the eIM's answer to the trigger's
 * ProvideEimPackageResult. Signatures are placeholders: the card is
 * scripted, nothing verifies them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sgp32_tags.h"
#include "ipa/ipa.h"

static const char *root;

typedef struct buffer {
    uint8_t bytes[8192];
    size_t len;
} buffer;

static void check(aw_err err, const char *what)
{
    if (err != AW_OK) {
        fprintf(stderr, "gen_ipa_push_seeds: %s: %s\n", what, aw_err_name(err));
        exit(1);
    }
}

static void append(buffer *b, const void *data, size_t len)
{
    if (len > sizeof(b->bytes) - b->len) {
        fprintf(stderr, "gen_ipa_push_seeds: seed too long\n");
        exit(1);
    }
    if (len > 0)
        memcpy(b->bytes + b->len, data, len);
    b->len += len;
}

static void append_length(buffer *b, size_t len)
{
    uint8_t head[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    append(b, head, 2);
}

/* One card answer: its length byte, data and 90 00. */
static void card_answer(buffer *card, const uint8_t *data, size_t len)
{
    uint8_t n = (uint8_t)(len + 2);
    append(card, &n, 1);
    append(card, data, len);
    append(card, "\x90\x00", 2);
}

/* The card opens channel 1, selects the ISD-R and tells its EID. */
static void card_start(buffer *card)
{
    static const uint8_t channel[] = {0x01};
    static const uint8_t eid[16] = {0x89, 0x04, 0x90, 0x32};
    card_answer(card, channel, sizeof(channel));
    card_answer(card, NULL, 0);
    sgp22_get_euicc_data_response r;
    memset(&r, 0, sizeof(r));
    r.eid_value = (aw_slice){eid, sizeof(eid)};
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp22_encode_get_euicc_data_response(&r, &der, &len), "GetEID response");
    card_answer(card, der, len);
    free(der);
}

static void write_seed(const char *name, const uint8_t *request, size_t request_len,
                       const buffer *eim, const buffer *card)
{
    buffer out = {.len = 0};
    append_length(&out, request_len);
    append(&out, request, request_len);
    append_length(&out, eim->len);
    append(&out, eim->bytes, eim->len);
    append(&out, card->bytes, card->len);
    char path[1024];
    snprintf(path, sizeof(path), "%s/fuzz_ipa_push", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/fuzz_ipa_push/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(out.bytes, 1, out.len, f) != out.len) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static void write_request(const char *name, const sgp32_transfer_eim_package_request *r,
                          const buffer *eim, const buffer *card)
{
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_transfer_eim_package_request(r, &der, &len), name);
    write_seed(name, der, len, eim, card);
    free(der);
}

static const uint8_t transaction_id[4] = {0x0E, 0x1A, 0x00, 0x02};
static const uint8_t placeholder_signature[64] = {0x5A};
static const char eim_id[] = "eim.example.com";
static const uint8_t iccid[10] = {0x98, 0x94, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x41};

/* An enable PSMO, and the card's signed answer (enable ok). */
static void seed_euicc_package(sgp32_transfer_eim_package_request *r)
{
    static const uint8_t eid[16] = {0x89, 0x04, 0x90, 0x32};
    buffer eim = {.len = 0}, card = {.len = 0};
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EIM_PACKAGE_EUICC_PACKAGE_REQUEST;
    sgp32_euicc_package_signed *s = &r->euicc_package_request.euicc_package_signed;
    s->eim_id = (aw_slice){(const uint8_t *)eim_id, strlen(eim_id)};
    s->eid_value = (aw_slice){eid, sizeof(eid)};
    s->counter_value = 7;
    s->has_eim_transaction_id = true;
    s->eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    s->euicc_package.kind = SGP32_EUICC_PACKAGE_PSMO_LIST;
    s->euicc_package.psmo_count = 1;
    s->euicc_package.psmos[0].kind = SGP32_PSMO_ENABLE;
    s->euicc_package.psmos[0].enable.iccid = (aw_slice){iccid, sizeof(iccid)};
    r->euicc_package_request.eim_signature =
        (aw_slice){placeholder_signature, sizeof(placeholder_signature)};

    sgp32_euicc_package_result *result = calloc(1, sizeof(*result));
    if (result == NULL)
        exit(1);
    result->kind = SGP32_EUICC_PACKAGE_RESULT_SIGNED;
    sgp32_euicc_package_result_data_signed *d =
        &result->result_signed.euicc_package_result_data_signed;
    d->eim_id = s->eim_id;
    d->counter_value = 7;
    d->has_eim_transaction_id = true;
    d->eim_transaction_id = s->eim_transaction_id;
    d->seq_number = 1;
    d->euicc_result_count = 1;
    d->euicc_result[0].kind = SGP32_EUICC_RESULT_ENABLE;
    d->euicc_result[0].enable_result = 0;
    result->result_signed.euicc_sign_epr =
        (aw_slice){placeholder_signature, sizeof(placeholder_signature)};
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_euicc_package_result(result, &der, &len), "EuiccPackageResult");
    free(result);
    card_start(&card);
    card_answer(&card, der, len);
    free(der);
    write_request("euicc-package", r, &eim, &card);
}

static void seed_euicc_data(sgp32_transfer_eim_package_request *r)
{
    static const uint8_t tags[] = {0xA5, 0xA8};
    buffer eim = {.len = 0}, card = {.len = 0};
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST;
    r->ipa_euicc_data_request.tag_list = (aw_slice){tags, sizeof(tags)};
    r->ipa_euicc_data_request.has_eim_transaction_id = true;
    r->ipa_euicc_data_request.eim_transaction_id =
        (aw_slice){transaction_id, sizeof(transaction_id)};
    sgp32_ipa_euicc_data_response data;
    memset(&data, 0, sizeof(data));
    data.kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
    data.ipa_euicc_data.has_eim_transaction_id = true;
    data.ipa_euicc_data.eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_ipa_euicc_data_response(&data, &der, &len), "IpaEuiccDataResponse");
    card_start(&card);
    card_answer(&card, der, len);
    free(der);
    write_request("euicc-data", r, &eim, &card);
}

static void seed_acknowledgements(sgp32_transfer_eim_package_request *r)
{
    buffer eim = {.len = 0}, card = {.len = 0};
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EIM_PACKAGE_EIM_ACKNOWLEDGEMENTS;
    r->eim_acknowledgements.count = 2;
    r->eim_acknowledgements.seq_numbers[0] = 1;
    r->eim_acknowledgements.seq_numbers[1] = 2;
    card_start(&card);
    card_answer(&card, NULL, 0);
    write_request("acknowledgements", r, &eim, &card);
}

/* A trigger (no hook: profileDownloadError undefinedError), the eIM
 * answering the result with emptyResponse. */
static void seed_trigger(sgp32_transfer_eim_package_request *r)
{
    static const char code[] = "1$smdp.example.com$MATCHING-1";
    buffer eim = {.len = 0}, card = {.len = 0};
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER;
    sgp32_profile_download_trigger_request *t = &r->profile_download_trigger_request;
    t->has_profile_download_data = true;
    t->profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
    t->profile_download_data.activation_code = (aw_slice){(const uint8_t *)code, strlen(code)};
    t->has_eim_transaction_id = true;
    t->eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        exit(1);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY;
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_esipa_message_from_eim_to_ipa(m, &der, &len), "eIM answer");
    free(m);
    uint8_t head[3] = {0, (uint8_t)(len >> 8), (uint8_t)len};
    append(&eim, head, 3);
    append(&eim, der, len);
    free(der);
    card_start(&card);
    write_request("trigger", r, &eim, &card);
}

/* What the IPA refuses: a BF4E of an alternative it does not know, and a
 * truncated one. */
static void seeds_refused(void)
{
    buffer eim = {.len = 0}, card = {.len = 0};
    card_start(&card);
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, SGP32_TAG_TRANSFER_EIM_PACKAGE);
    der_builder_begin(&b, 0xBF5Fu);
    der_builder_end(&b);
    der_builder_end(&b);
    uint8_t *der = NULL;
    size_t len = 0;
    check(der_builder_finish(&b, &der, &len), "unknown alternative");
    write_seed("unknown-package", der, len, &eim, &card);
    write_seed("truncated", der, len - 1, &eim, &card);
    free(der);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_ipa_push_seeds CORPUS-DIRECTORY\n");
        return 2;
    }
    root = argv[1];
    sgp32_transfer_eim_package_request *r = malloc(sizeof(*r));
    if (r == NULL)
        return 1;
    seed_euicc_package(r);
    seed_euicc_data(r);
    seed_acknowledgements(r);
    seed_trigger(r);
    free(r);
    seeds_refused();
    return 0;
}
