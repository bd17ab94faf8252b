/* Helpers for the ISD-R core tests (test code only): a test PKI written to
 * a temporary directory as airwrite-pki would, an eUICC opened on it, ES10
 * commands sent as real STORE DATA APDUs (SGP.22 5.7.2) with GET RESPONSE,
 * and installed profiles simulated through the ISD-R's commit_profile host
 * callback with a saip_build package and an encoded StoreMetadataRequest. */
#ifndef AIRWRITE_TESTS_EUICC_ISDR_TESTUTIL_H
#define AIRWRITE_TESTS_EUICC_ISDR_TESTUTIL_H

#include "testutil.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "core/crypto.h"
#include "core/der.h"
#include "core/pki.h"
#include "core/saip.h"
#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "euicc/isdr_internal.h"

#define TEST_ISDR_AID "A0000005591010FFFFFFFF8900000100"
#define TEST_NOTIFY_ADDRESS "notify.example.com"
#define TEST_KI "000102030405060708090A0B0C0D0E0F"
#define TEST_OPC "F0E0D0C0B0A090807060504030201000"

typedef struct test_euicc {
    char dir[64];          /* temp root */
    char pki[128];         /* identity directory */
    char state[128];       /* state directory */
    pki_hierarchy hierarchy;
    euicc_protocol protocol;
    euicc *card;
} test_euicc;

static inline void test_write_pem(const char *dir, const char *name, const pki_certificate *cert,
                                  EVP_PKEY *key)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (cert != NULL)
        assert_int_equal(PEM_write_X509(f, (X509 *)pki_certificate_x509(cert)), 1);
    else
        assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
}

/* Issue a hierarchy on curve and write ci/eum/euicc(.key).pem into dir. */
static inline void test_write_pki(const char *dir, aw_pki_curve curve, pki_hierarchy *h)
{
    pki_hierarchy_params params = {.curve = curve, .now = time(NULL)};
    memset(h, 0, sizeof(*h));
    assert_int_equal(pki_issue_hierarchy(&params, h), AW_OK);
    mkdir(dir, 0700);
    test_write_pem(dir, "ci.pem", h->cert[AW_PKI_ROLE_CI], NULL);
    test_write_pem(dir, "eum.pem", h->cert[AW_PKI_ROLE_EUM], NULL);
    test_write_pem(dir, "euicc.pem", h->cert[AW_PKI_ROLE_EUICC], NULL);
    test_write_pem(dir, "euicc.key.pem", NULL, h->key[AW_PKI_ROLE_EUICC]);
}

static inline void te_open(test_euicc *t)
{
    euicc_identity_paths paths = {.directory = t->pki};
    euicc_options options = {.protocol = t->protocol};
    t->card = NULL;
    assert_int_equal(euicc_open(&paths, t->state, &options, time(NULL), &t->card), AW_OK);
}

static inline void te_close(test_euicc *t)
{
    euicc_close(t->card);
    t->card = NULL;
}

static inline void te_setup(test_euicc *t, aw_pki_curve curve, euicc_protocol protocol)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/aw-isdr-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->pki, sizeof(t->pki), "%s/pki", t->dir);
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    t->protocol = protocol;
    test_write_pki(t->pki, curve, &t->hierarchy);
    te_open(t);
}

static inline void te_teardown(test_euicc *t)
{
    te_close(t);
    pki_hierarchy_free(&t->hierarchy);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

/* One APDU; returns the status word, data appended to out. */
static inline unsigned te_apdu(test_euicc *t, const uint8_t *apdu, size_t len, uint8_t *out,
                               size_t *out_len)
{
    uint8_t resp[EUICC_CARD_RESPONSE_MAX];
    size_t resp_len = 0;
    enum euicc_sw sw = euicc_transmit(t->card, apdu, len, resp, sizeof(resp), &resp_len);
    assert_true(resp_len >= 2);
    unsigned wire = (unsigned)resp[resp_len - 2] << 8 | resp[resp_len - 1];
    assert_int_equal(wire, (unsigned)sw);
    memcpy(out + *out_len, resp, resp_len - 2);
    *out_len += resp_len - 2;
    return wire;
}

/* Follow 61xx with GET RESPONSE as a terminal does. */
static inline unsigned te_collect(test_euicc *t, unsigned sw, uint8_t *out, size_t *out_len)
{
    while ((sw & 0xFF00u) == 0x6100u) {
        uint8_t get[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
        sw = te_apdu(t, get, sizeof(get), out, out_len);
    }
    return sw;
}

static inline void te_select_isdr(test_euicc *t)
{
    size_t len, n = 0;
    uint8_t *apdu = test_hex("00A4040010" TEST_ISDR_AID "00", &len);
    uint8_t out[512];
    if (t->protocol == EUICC_PROTOCOL_T0)
        len--; /* case 4 under T=0: no Le, the card answers 61xx */
    assert_int_equal(te_collect(t, te_apdu(t, apdu, len, out, &n), out, &n), 0x9000);
    free(apdu);
}

/* Send an ES10 command in STORE DATA blocks of at most block bytes
 * (SGP.22 5.7.2), collect the whole response. Returns the status word;
 * *response is malloc'd (NULL when there is no data). */
static inline unsigned te_es10_blocks(test_euicc *t, const uint8_t *command, size_t len,
                                      size_t block, uint8_t **response, size_t *response_len)
{
    size_t cap = 70000, n = 0, offset = 0;
    uint8_t *out = malloc(cap);
    unsigned sw = 0;
    assert_non_null(out);
    for (unsigned number = 0; offset < len; number++) {
        size_t chunk = len - offset < block ? len - offset : block;
        bool last = offset + chunk == len;
        uint8_t apdu[261];
        apdu[0] = 0x80;
        apdu[1] = 0xE2;
        apdu[2] = last ? 0x91 : 0x11;
        apdu[3] = (uint8_t)number;
        apdu[4] = (uint8_t)chunk;
        memcpy(apdu + 5, command + offset, chunk);
        size_t apdu_len = 5 + chunk;
        if (last && t->protocol == EUICC_PROTOCOL_T1)
            apdu[apdu_len++] = 0x00; /* case 4 with Le under T=1 */
        sw = te_apdu(t, apdu, apdu_len, out, &n);
        offset += chunk;
        if (!last && sw != 0x9000)
            break;
    }
    sw = te_collect(t, sw, out, &n);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *response = out;
    *response_len = n;
    return sw;
}

static inline unsigned te_es10(test_euicc *t, const uint8_t *command, size_t len,
                               uint8_t **response, size_t *response_len)
{
    return te_es10_blocks(t, command, len, 255, response, response_len);
}

/* Hex command that must succeed: returns the response. */
static inline uint8_t *te_call(test_euicc *t, const char *hex, size_t *response_len)
{
    size_t len;
    uint8_t *command = test_hex(hex, &len), *response = NULL;
    assert_int_equal(te_es10(t, command, len, &response, response_len), 0x9000);
    free(command);
    assert_non_null(response);
    return response;
}

/* Status word of a hex command whose response is not wanted. */
static inline unsigned te_status(test_euicc *t, const char *hex)
{
    size_t len, response_len;
    uint8_t *command = test_hex(hex, &len), *response = NULL;
    unsigned sw = te_es10(t, command, len, &response, &response_len);
    free(command);
    free(response);
    return sw;
}

/* ---- simulated installs ------------------------------------------------ */

typedef struct test_profile {
    const char *iccid;        /* 19-20 digits */
    const char *imsi;
    int64_t profile_class;    /* SGP22_PROFILE_CLASS_* */
    uint32_t notify_events;   /* NotificationEvent bits asked for; 0: no config */
    uint32_t ppr;             /* PprIds; 0: none */
} test_profile;

/* EF.ICCID coding (nibble-swapped, F-padded) of an ICCID text. */
static inline void test_iccid_bytes(const char *text, uint8_t out[EUICC_ICCID_SIZE])
{
    memset(out, 0xFF, EUICC_ICCID_SIZE);
    for (size_t i = 0; text[i] != '\0' && i < 20; i++) {
        uint8_t d = (uint8_t)(text[i] - '0');
        out[i / 2] = (uint8_t)((i % 2) ? (out[i / 2] & 0x0F) | d << 4 : (0xF0 | d));
    }
}

static inline uint8_t *test_store_metadata(const test_profile *p, size_t *len)
{
    uint8_t iccid[EUICC_ICCID_SIZE];
    test_iccid_bytes(p->iccid, iccid);
    sgp22_notification_configuration_information config = {
        .profile_management_operation = p->notify_events,
        .notification_address = {(const uint8_t *)TEST_NOTIFY_ADDRESS,
                                 strlen(TEST_NOTIFY_ADDRESS)},
    };
    sgp22_store_metadata_request m;
    memset(&m, 0, sizeof(m));
    m.iccid = (aw_slice){iccid, sizeof(iccid)};
    m.service_provider_name = (aw_slice){(const uint8_t *)"airwrite", 8};
    m.profile_name = (aw_slice){(const uint8_t *)"Test profile", 12};
    m.has_profile_class = true;
    m.profile_class = p->profile_class;
    if (p->notify_events != 0) {
        m.has_notification_configuration_info = true;
        m.notification_configuration_info.items = &config;
        m.notification_configuration_info.count = 1;
    }
    if (p->ppr != 0) {
        m.has_profile_policy_rules = true;
        m.profile_policy_rules = p->ppr;
    }
    uint8_t *out = NULL;
    assert_int_equal(sgp22_encode_store_metadata_request(&m, &out, len), AW_OK);
    return out;
}

/* A ProfileInstallationResult as the engine would produce (signature not
 * checked by the ISD-R, which only stores and forwards it). */
static inline uint8_t *test_pir(test_euicc *t, int64_t seq, const uint8_t iccid[10],
                                const uint8_t *aid, size_t aid_len, size_t *len)
{
    sgp22_notification_metadata nm;
    memset(&nm, 0, sizeof(nm));
    nm.seq_number = seq;
    nm.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    nm.notification_address = (aw_slice){(const uint8_t *)"smdp.example.com", 16};
    nm.has_iccid = true;
    nm.iccid = (aw_slice){iccid, EUICC_ICCID_SIZE};
    uint8_t *nm_der = NULL, *out = NULL;
    size_t nm_len = 0;
    assert_int_equal(sgp22_encode_notification_metadata(&nm, &nm_der, &nm_len), AW_OK);
    static const uint8_t transaction_id[16] = {1, 2, 3};
    static const uint8_t oid[] = {0x88, 0x37, 0x0A}; /* 2.999.10 */
    uint8_t signature[64];
    memset(signature, 0x5A, sizeof(signature));
    sgp22_profile_installation_result pir;
    memset(&pir, 0, sizeof(pir));
    pir.data.transaction_id = (aw_slice){transaction_id, sizeof(transaction_id)};
    pir.data.notification_metadata = (aw_slice){nm_der, nm_len};
    pir.data.smdp_oid = (aw_slice){oid, sizeof(oid)};
    pir.data.final_result = SGP22_FINAL_RESULT_SUCCESS;
    pir.data.success.aid = (aw_slice){aid, aid_len};
    pir.data.success.sima_response = (aw_slice){(const uint8_t *)"\x30\x00", 2};
    pir.euicc_sign_pir = (aw_slice){signature, sizeof(signature)};
    assert_int_equal(sgp22_encode_profile_installation_result(&pir, &out, len), AW_OK);
    free(nm_der);
    (void)t;
    return out;
}

/* Install a profile through the host callbacks, as the download engine
 * does at the end of LoadBoundProfilePackage. Returns the ISD-P AID. */
static inline size_t te_install(test_euicc *t, const test_profile *p, uint8_t aid[16])
{
    euicc_download_host *host = &t->card->host;
    saip_build_params params;
    memset(&params, 0, sizeof(params));
    params.iccid = p->iccid;
    params.imsi = p->imsi;
    params.aka.algorithm = SAIP_ALGORITHM_MILENAGE;
    size_t n;
    uint8_t *ki = test_hex(TEST_KI, &n), *opc = test_hex(TEST_OPC, &n);
    memcpy(params.aka.key, ki, 16);
    params.aka.key_len = 16;
    memcpy(params.aka.opc, opc, 16);
    params.aka.opc_len = 16;
    free(ki);
    free(opc);
    params.pin1 = "1234";
    params.pin2 = "5678";
    params.puk1 = "12345678";
    params.puk2 = "23456789";
    params.adm1 = "11111111";
    uint8_t *package = NULL, *metadata, *pir;
    size_t package_len = 0, metadata_len, pir_len, aid_len = 0;
    assert_int_equal(saip_build(&params, &package, &package_len), AW_OK);
    metadata = test_store_metadata(p, &metadata_len);
    euicc_installed_profile installed;
    memset(&installed, 0, sizeof(installed));
    test_iccid_bytes(p->iccid, installed.iccid);
    assert_false(host->iccid_exists(host->ctx, installed.iccid));
    assert_true(host->has_room(host->ctx));
    assert_int_equal(host->allocate_isdp_aid(host->ctx, installed.isdp_aid, &aid_len), AW_OK);
    installed.isdp_aid_len = aid_len;
    assert_int_equal(host->next_sequence_number(host->ctx, &installed.sequence_number), AW_OK);
    pir = test_pir(t, installed.sequence_number, installed.iccid, installed.isdp_aid, aid_len,
                   &pir_len);
    installed.store_metadata = (aw_slice){metadata, metadata_len};
    installed.profile_package = (aw_slice){package, package_len};
    installed.installation_result = (aw_slice){pir, pir_len};
    assert_int_equal(host->commit_profile(host->ctx, &installed), AW_OK);
    assert_true(host->iccid_exists(host->ctx, installed.iccid));
    memcpy(aid, installed.isdp_aid, aid_len);
    der_bytes_free(package, package_len);
    free(metadata);
    free(pir);
    return aid_len;
}

#endif
