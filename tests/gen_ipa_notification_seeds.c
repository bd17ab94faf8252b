/* Writes the seed corpus of fuzz_ipa_notification (run by hand, not a
 * test): gen_ipa_notification_seeds fuzz/corpus. The card's answers are
 * ES10b responses made by the project's own SGP.22 encoders (SGP.22
 * 5.7.9 ListNotification, 5.7.10 RetrieveNotificationsList with a
 * ProfileInstallationResult, 5.7.11 NotificationSent), in the target's
 * input format: a flags byte (bit 0: the eIM accepts), a STORE DATA block
 * size, then length-prefixed answers ending in SW1 SW2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sgp22_bpp.h"
#include "core/sgp22_notification.h"

#define ADDRESS "smdp.example.com"
#define SEQ_NUMBER 5

typedef struct stream {
    uint8_t bytes[4096];
    size_t len;
} stream;

static void fail(const char *what)
{
    fprintf(stderr, "gen_ipa_notification_seeds: %s\n", what);
    exit(1);
}

static void put_answer(stream *s, const uint8_t *data, size_t len)
{
    if (len + 2 > 255 || s->len + len + 3 > sizeof(s->bytes))
        fail("answer too long");
    s->bytes[s->len++] = (uint8_t)(len + 2);
    if (len > 0)
        memcpy(s->bytes + s->len, data, len);
    s->len += len;
    s->bytes[s->len++] = 0x90;
    s->bytes[s->len++] = 0x00;
}

/* flags, block size, MANAGE CHANNEL (channel 1) and SELECT answers. */
static void start(stream *s, uint8_t flags)
{
    static const uint8_t channel = 0x01;
    s->len = 0;
    s->bytes[s->len++] = flags;
    s->bytes[s->len++] = 254; /* 255-byte blocks */
    put_answer(s, &channel, 1);
    put_answer(s, NULL, 0);
}

static void write_seed(const char *root, const char *name, const stream *s)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/fuzz_ipa_notification", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/fuzz_ipa_notification/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s->bytes, 1, s->len, f) != s->len)
        fail(path);
    fclose(f);
}

static sgp22_notification_metadata metadata(void)
{
    sgp22_notification_metadata m;
    memset(&m, 0, sizeof(m));
    m.seq_number = SEQ_NUMBER;
    m.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    m.notification_address = (aw_slice){(const uint8_t *)ADDRESS, strlen(ADDRESS)};
    return m;
}

static void put_list(stream *s, size_t count)
{
    sgp22_notification_metadata item = metadata();
    sgp22_list_notification_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_NOTIFICATION_LIST_OK;
    r.notification_metadata_list.items = &item;
    r.notification_metadata_list.count = count;
    uint8_t *der = NULL;
    size_t len = 0;
    if (sgp22_encode_list_notification_response(&r, &der, &len) != AW_OK)
        fail("ListNotification");
    put_answer(s, der, len);
    free(der);
}

/* RetrieveNotificationsList answered with one PIR (signature: filler). */
static void put_pir(stream *s)
{
    static const uint8_t transaction_id[16] = {1, 2, 3};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A};
    static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x12, 0x00};
    uint8_t signature[64];
    memset(signature, 0x5A, sizeof(signature));
    sgp22_notification_metadata m = metadata();
    uint8_t *m_der = NULL, *pir_der = NULL, *der = NULL;
    size_t m_len = 0, pir_len = 0, len = 0;
    if (sgp22_encode_notification_metadata(&m, &m_der, &m_len) != AW_OK)
        fail("NotificationMetadata");
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    pir.data.notification_metadata = (aw_slice){m_der, m_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    pir.data.success.aid = (aw_slice){aid, sizeof(aid)};
    pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    if (sgp22_encode_profile_installation_result(&pir, &pir_der, &pir_len) != AW_OK)
        fail("ProfileInstallationResult");
    sgp22_pending_notification item;
    memset(&item, 0, sizeof(item));
    item.kind = SGP22_PENDING_PROFILE_INSTALLATION_RESULT;
    item.profile_installation_result = (aw_slice){pir_der, pir_len};
    sgp22_retrieve_notifications_list_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SGP22_NOTIFICATION_LIST_OK;
    r.notification_list.items = &item;
    r.notification_list.count = 1;
    if (sgp22_encode_retrieve_notifications_list_response(&r, &der, &len) != AW_OK)
        fail("RetrieveNotificationsList");
    put_answer(s, der, len);
    free(der);
    free(pir_der);
    free(m_der);
}

static void put_removed(stream *s)
{
    sgp22_notification_sent_response r;
    memset(&r, 0, sizeof(r));
    r.delete_notification_status = SGP22_DELETE_NOTIFICATION_OK;
    uint8_t *der = NULL;
    size_t len = 0;
    if (sgp22_encode_notification_sent_response(&r, &der, &len) != AW_OK)
        fail("NotificationSent");
    put_answer(s, der, len);
    free(der);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS-DIRECTORY\n", argv[0]);
        return 2;
    }
    stream s;
    start(&s, 1); /* nothing pending */
    put_list(&s, 0);
    put_answer(&s, NULL, 0); /* MANAGE CHANNEL close */
    write_seed(argv[1], "empty", &s);
    start(&s, 1); /* the eIM accepts: removed */
    put_list(&s, 1);
    put_pir(&s);
    put_removed(&s);
    put_answer(&s, NULL, 0);
    write_seed(argv[1], "accepted", &s);
    start(&s, 0); /* the eIM refuses: kept */
    put_list(&s, 1);
    put_pir(&s);
    put_answer(&s, NULL, 0);
    write_seed(argv[1], "refused", &s);
    return 0;
}
