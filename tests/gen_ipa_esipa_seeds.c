/* Writes the seed corpora of fuzz_ipa_esipa and fuzz_ipa_journal (run by
 * hand, not a test): gen_ipa_esipa_seeds fuzz/corpus. Every message is
 * made by the project's own SGP.32 encoders: eIM answers (GetEimPackage
 * with no package, an IpaEuiccDataRequest or a Profile Download Trigger;
 * ProvideEimPackageResult answers), the card's answers (channel, SELECT,
 * GetEID, IpaEuiccDataResponse), and journals of each state. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ipa/ipa.h"

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

static void check(aw_err err, const char *what)
{
    if (err != AW_OK) {
        fprintf(stderr, "gen_ipa_esipa_seeds: %s: %s\n", what, aw_err_name(err));
        exit(1);
    }
}

typedef struct buffer {
    uint8_t bytes[8192];
    size_t len;
} buffer;

static void put(buffer *b, const void *data, size_t len)
{
    if (len > sizeof(b->bytes) - b->len) {
        fprintf(stderr, "gen_ipa_esipa_seeds: seed too long\n");
        exit(1);
    }
    memcpy(b->bytes + b->len, data, len);
    b->len += len;
}

/* one card answer: length byte, data, 90 00 */
static void put_card(buffer *card, const uint8_t *data, size_t len)
{
    uint8_t n = (uint8_t)(len + 2);
    put(card, &n, 1);
    put(card, data, len);
    put(card, "\x90\x00", 2);
}

/* one eIM answer: flags, two length bytes, body */
static void put_eim(buffer *eim, uint8_t flags, const uint8_t *body, size_t len)
{
    uint8_t head[3] = {flags, (uint8_t)(len >> 8), (uint8_t)len};
    put(eim, head, 3);
    put(eim, body, len);
}

static void put_eim_message(buffer *eim, const sgp32_esipa_message_from_eim_to_ipa *m)
{
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_esipa_message_from_eim_to_ipa(m, &der, &len), "eIM answer");
    put_eim(eim, 0, der, len);
    free(der);
}

/* The card opens channel 1, selects the ISD-R, and tells its EID. */
static void put_card_start(buffer *card)
{
    static const uint8_t channel[] = {0x01};
    put_card(card, channel, sizeof(channel));
    put_card(card, NULL, 0);
    sgp22_get_euicc_data_response eid;
    memset(&eid, 0, sizeof(eid));
    static const uint8_t value[16] = {0x89, 0x04, 0x90, 0x32};
    eid.eid_value = (aw_slice){value, sizeof(value)};
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp22_encode_get_euicc_data_response(&eid, &der, &len), "GetEID response");
    put_card(card, der, len);
    free(der);
}

static void write_flow(const char *name, const buffer *eim, const buffer *card)
{
    buffer out = {.len = 0};
    uint8_t head[2] = {(uint8_t)(eim->len >> 8), (uint8_t)eim->len};
    put(&out, head, 2);
    put(&out, eim->bytes, eim->len);
    put(&out, card->bytes, card->len);
    write_seed("fuzz_ipa_esipa", name, out.bytes, out.len);
}

static const uint8_t transaction_id[4] = {0x0E, 0x1A, 0x00, 0x01};

static void seeds_esipa(void)
{
    sgp32_esipa_message_from_eim_to_ipa *m = calloc(1, sizeof(*m));
    if (m == NULL)
        exit(1);
    buffer eim = {.len = 0}, card = {.len = 0};

    /* noEimPackageAvailable; then a 500 and a wrong Content-Type */
    m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m->get_eim_package_response.kind = SGP32_EIM_PACKAGE_ERROR;
    m->get_eim_package_response.eim_package_error = SGP32_EIM_PACKAGE_ERROR_NO_PACKAGE_AVAILABLE;
    put_eim_message(&eim, m);
    put_eim(&eim, 1, (const uint8_t *)"oops", 4);
    put_eim(&eim, 2, (const uint8_t *)"{}", 2);
    put_card_start(&card);
    write_flow("no-package", &eim, &card);

    /* an IpaEuiccDataRequest (with ipaCapabilities asked), answered by the
     * card; the eIM acknowledges seqNumber 5 */
    eim.len = card.len = 0;
    memset(m, 0, sizeof(*m));
    static const uint8_t tags[] = {0xA2, 0xA8};
    m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m->get_eim_package_response.kind = SGP32_EIM_PACKAGE_IPA_EUICC_DATA_REQUEST;
    sgp32_ipa_euicc_data_request *request =
        &m->get_eim_package_response.ipa_euicc_data_request;
    request->tag_list = (aw_slice){tags, sizeof(tags)};
    request->has_eim_transaction_id = true;
    request->eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    put_eim_message(&eim, m);
    memset(m, 0, sizeof(*m));
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ACKNOWLEDGEMENTS;
    m->provide_eim_package_result_response.eim_acknowledgements.count = 1;
    m->provide_eim_package_result_response.eim_acknowledgements.seq_numbers[0] = 5;
    put_eim_message(&eim, m);
    put_card_start(&card);
    sgp32_ipa_euicc_data_response data;
    memset(&data, 0, sizeof(data));
    data.kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
    data.ipa_euicc_data.has_eim_transaction_id = true;
    data.ipa_euicc_data.eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    uint8_t *der = NULL;
    size_t len = 0;
    check(sgp32_encode_ipa_euicc_data_response(&data, &der, &len), "IpaEuiccDataResponse");
    put_card(&card, der, len);
    free(der);
    put_card(&card, NULL, 0); /* EimAcknowledgements */
    write_flow("euicc-data", &eim, &card);

    /* a Profile Download Trigger (no hook): emptyResponse, then an error */
    eim.len = card.len = 0;
    memset(m, 0, sizeof(*m));
    static const char code[] = "1$smdp.example.com$MATCHING-1";
    m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE;
    m->get_eim_package_response.kind = SGP32_EIM_PACKAGE_PROFILE_DOWNLOAD_TRIGGER;
    sgp32_profile_download_trigger_request *t =
        &m->get_eim_package_response.profile_download_trigger_request;
    t->has_profile_download_data = true;
    t->profile_download_data.kind = SGP32_PROFILE_DOWNLOAD_DATA_ACTIVATION_CODE;
    t->profile_download_data.activation_code = (aw_slice){(const uint8_t *)code, strlen(code)};
    t->has_eim_transaction_id = true;
    t->eim_transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    put_eim_message(&eim, m);
    memset(m, 0, sizeof(*m));
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE;
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_EMPTY;
    put_eim_message(&eim, m);
    put_eim_message(&eim, m);
    m->provide_eim_package_result_response.kind = SGP32_PROVIDE_RESULT_RESPONSE_ERROR;
    m->provide_eim_package_result_response.error = SGP32_PROVIDE_RESULT_UNDEFINED_ERROR;
    put_eim_message(&eim, m);
    put_card_start(&card);
    write_flow("trigger", &eim, &card);
    free(m);
}

static void seeds_journal(void)
{
    static const uint8_t eid[16] = {0x89, 0x04};
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL)
        exit(1);
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    m->provide_eim_package_result.has_eid_value = true;
    m->provide_eim_package_result.eid_value = (aw_slice){eid, sizeof(eid)};
    sgp32_eim_package_result *r = &m->provide_eim_package_result.eim_package_result;
    r->kind = SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
    r->profile_download_trigger_result.has_eim_transaction_id = true;
    r->profile_download_trigger_result.eim_transaction_id =
        (aw_slice){transaction_id, sizeof(transaction_id)};
    r->profile_download_trigger_result.result_data.kind =
        SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    r->profile_download_trigger_result.result_data.profile_download_error
        .profile_download_error_reason = SGP32_PROFILE_DOWNLOAD_ERROR_UNDEFINED_ERROR;
    uint8_t *message = NULL, *acks = NULL, *der = NULL;
    size_t message_len = 0, acks_len = 0, len = 0;
    check(sgp32_encode_esipa_message_from_ipa_to_eim(m, &message, &message_len), "result");
    free(m);
    sgp32_eim_acknowledgements a = {.count = 2, .seq_numbers = {3, 4}};
    check(sgp32_encode_eim_acknowledgements(&a, &acks, &acks_len), "acknowledgements");
    const struct {
        const char *name;
        ipa_journal journal;
    } seeds[] = {
        {"idle", {.state = IPA_JOURNAL_IDLE}},
        {"loading", {.state = IPA_JOURNAL_LOADING}},
        {"delivering", {.state = IPA_JOURNAL_DELIVERING, .message = {message, message_len}}},
        {"acknowledging",
         {.state = IPA_JOURNAL_ACKNOWLEDGING, .acknowledgements = {acks, acks_len}}},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        check(ipa_journal_encode(&seeds[i].journal, &der, &len), seeds[i].name);
        write_seed("fuzz_ipa_journal", seeds[i].name, der, len);
        free(der);
    }
    free(message);
    free(acks);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_ipa_esipa_seeds CORPUS-DIRECTORY\n");
        return 2;
    }
    root = argv[1];
    seeds_esipa();
    seeds_journal();
    return 0;
}
