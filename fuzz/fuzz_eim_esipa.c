/* libFuzzer target: the eIM's ESipa message handler (src/eim/eim.h,
 * eim_esipa_handle: SGP.32 6.3.2.6 GetEimPackage, 6.3.2.7
 * ProvideEimPackageResult) on an in-memory SQLite registry holding one eUICC
 * (EID AW_PKI_DEFAULT_EID of a PKI issued at start-up, its certificate chain
 * known) with one signed package, one IPA eUICC data request and one
 * download trigger queued. Properties checked beyond "no
 * crash":
 * - an answered message is an EsipaMessageFromEimToIpa that decodes and
 *   re-encodes to the same bytes, of the function asked;
 * - a refused message leaves no answer;
 * - no result ever counts unless signed by the eUICC: the fuzzer has no
 *   key of the eUICC, so the package stays unanswered. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "core/sgp32_esipa.h"
#include "eim/eim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static db_connection *db;
static pki_trust_store *trust;

static crypto_key *private_key(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    crypto_key *key = NULL;
    char *pem = NULL;
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
        abort();
    long len = BIO_get_mem_data(bio, &pem);
    if (crypto_key_load_private_pem((const uint8_t *)pem, (size_t)len, &key) != AW_OK)
        abort();
    BIO_free(bio);
    return key;
}

static void setup(void)
{
    pki_hierarchy h;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    eim_key_ring *keys = NULL;
    if (pki_issue_hierarchy(&params, &h) != AW_OK || db_open("sqlite::memory:", NULL, &db) != AW_OK ||
        eim_migrate(db) != AW_OK || pki_trust_store_new(&trust) != AW_OK ||
        pki_trust_store_add_ci(trust, h.cert[AW_PKI_ROLE_CI]) != AW_OK ||
        eim_key_ring_new(&keys) != AW_OK ||
        eim_key_ring_add(keys, "eim", private_key(h.key[AW_PKI_ROLE_EIM])) != AW_OK)
        abort();
    aw_slice euicc = pki_certificate_der(h.cert[AW_PKI_ROLE_EUICC]);
    aw_slice eum = pki_certificate_der(h.cert[AW_PKI_ROLE_EUM]);
    eim_euicc record;
    memset(&record, 0, sizeof(record));
    memcpy(record.eid, AW_PKI_DEFAULT_EID, sizeof(AW_PKI_DEFAULT_EID));
    memcpy(record.eim_id, "fuzz.eim", 9);
    memcpy(record.signing_key, "eim", 4);
    record.euicc_certificate = (uint8_t *)euicc.ptr;
    record.euicc_certificate_len = euicc.len;
    record.eum_certificate = (uint8_t *)eum.ptr;
    record.eum_certificate_len = eum.len;
    eim_batch batch = {.records = &record, .count = 1};
    eim_operation op = {.kind = EIM_OPERATION_LIST_EIM};
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_DEFAULT_SMDP};
    if (eim_registry_import(db, &batch, trust, db_clock_ms(), NULL) != AW_OK ||
        eim_package_enqueue(db, keys, AW_PKI_DEFAULT_EID, &op, 1, db_clock_ms(), NULL, NULL) !=
            AW_OK ||
        eim_package_enqueue_euicc_data(db, AW_PKI_DEFAULT_EID,
                                       (const uint8_t *)EIM_EUICC_DATA_DEFAULT_TAGS, 3,
                                       db_clock_ms(), NULL) != AW_OK ||
        eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger, db_clock_ms(),
                                             NULL) != AW_OK)
        abort();
    eim_key_ring_free(keys);
    pki_hierarchy_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (db == NULL)
        setup();
    if (size > EIM_ESIPA_BODY_MAX)
        return 0;
    eim_context context = {.db = db, .trust = trust};
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 0;
    aw_err verdict = AW_OK;
    aw_err err = eim_esipa_handle(&context, data, size, db_clock_ms(), &out, &out_len, &verdict);
    if (err != AW_OK) {
        if (out != NULL || out_len != 0)
            abort();
        return 0;
    }
    sgp32_esipa_message_from_eim_to_ipa *answer = calloc(1, sizeof(*answer));
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (answer == NULL ||
        sgp32_decode_esipa_message_from_eim_to_ipa(out, out_len, answer) != AW_OK ||
        (answer->kind != SGP32_ESIPA_GET_EIM_PACKAGE_RESPONSE &&
         answer->kind != SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE) ||
        (answer->kind == SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT_RESPONSE && verdict == AW_OK) ||
        sgp32_encode_esipa_message_from_eim_to_ipa(answer, &again, &again_len) != AW_OK ||
        again_len != out_len || memcmp(again, out, out_len) != 0)
        abort();
    free(again);
    free(answer);
    free(out);
    return 0;
}
