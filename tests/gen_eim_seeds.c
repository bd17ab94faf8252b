/* Writes the seed corpora of fuzz_eim_registry and fuzz_eim_esipa (and the
 * v1.0 seeds of fuzz_sgp32_esipa) with the project's own encoders (run by
 * hand, not a test):
 *   gen_eim_seeds fuzz/corpus */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base64.h"
#include "core/pki.h"
#include "core/sgp32_esipa.h"
#include "core/sgp32_tags.h"
#include "core/sgp32_trigger.h"
#include "eim/eim.h"

static int write_seed(const char *dir, const char *target, int n, uint8_t prefix, bool use_prefix,
                      const uint8_t *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/seed_%02d", dir, target, n);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return 1;
    int bad = (use_prefix && fwrite(&prefix, 1, 1, f) != 1) ||
              (len > 0 && fwrite(data, 1, len, f) != len);
    return (fclose(f) != 0) | bad;
}

static int registry_seeds(const char *dir)
{
    pki_hierarchy h;
    pki_hierarchy_params params = {.curve = AW_PKI_CURVE_NIST_P256, .now = time(NULL)};
    if (pki_issue_hierarchy(&params, &h) != AW_OK)
        return 1;
    aw_slice der = pki_certificate_der(h.cert[AW_PKI_ROLE_EUICC]);
    char cert[4096];
    if (aw_base64_encode(der.ptr, der.len, cert, sizeof(cert)) != AW_OK)
        return 1;
    char text[16384];
    int failures = 0;
    snprintf(text, sizeof(text),
             "eid,eim_id,counter_value,association_token,signing_key\r\n"
             "%s,\"eim,one\",5,7,eim\r\n89049032000000000000000000000260,,0,,\n",
             AW_PKI_DEFAULT_EID);
    failures += write_seed(dir, "fuzz_eim_registry", 0, 0, true, (uint8_t *)text, strlen(text));
    snprintf(text, sizeof(text),
             "{\"euiccs\": [{\"eid\": \"%s\", \"counter_value\": 3, \"association_token\": 1,"
             " \"eim_id\": \"eim.example\", \"signing_key\": \"k1\"}]}",
             AW_PKI_DEFAULT_EID);
    failures += write_seed(dir, "fuzz_eim_registry", 1, 1, true, (uint8_t *)text, strlen(text));
    snprintf(text, sizeof(text), "eid,euicc_certificate,eum_certificate\n%s,%s,%s\n",
             AW_PKI_DEFAULT_EID, cert, cert);
    failures += write_seed(dir, "fuzz_eim_registry", 2, 0, true, (uint8_t *)text, strlen(text));
    snprintf(text, sizeof(text), "{\"euiccs\": [{\"eid\": \"%s\", \"euicc_certificate\": \"%s\"}]}",
             AW_PKI_DEFAULT_EID, cert);
    failures += write_seed(dir, "fuzz_eim_registry", 3, 1, true, (uint8_t *)text, strlen(text));
    /* the SGP.32 version column (docs/sgp32-versions.md) */
    snprintf(text, sizeof(text),
             "eid,sgp32_version\n%s,1.0\n89049032000000000000000000000260,1.2\n",
             AW_PKI_DEFAULT_EID);
    failures += write_seed(dir, "fuzz_eim_registry", 4, 0, true, (uint8_t *)text, strlen(text));
    snprintf(text, sizeof(text), "{\"euiccs\": [{\"eid\": \"%s\", \"sgp32_version\": \"1.1\"}]}",
             AW_PKI_DEFAULT_EID);
    failures += write_seed(dir, "fuzz_eim_registry", 5, 1, true, (uint8_t *)text, strlen(text));
    pki_hierarchy_free(&h);
    return failures;
}

static int write_message(const char *dir, int n, const sgp32_esipa_message_from_ipa_to_eim *m)
{
    uint8_t *out = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_esipa_message_from_ipa_to_eim(m, &out, &len);
    if (err != AW_OK) {
        fprintf(stderr, "seed %d: %s\n", n, aw_err_name(err));
        return 1;
    }
    int failure = write_seed(dir, "fuzz_eim_esipa", n, 0, false, out, len);
    free(out);
    return failure;
}

/* BF50 or BF3D around [5A eid] and inner, the v1.0 shapes the codecs build
 * no struct for (docs/sgp32-versions.md #5, #7, #16), written to target. */
static int write_wrapped(const char *dir, const char *target, int n, uint32_t tag,
                         const uint8_t *eid, const uint8_t *inner, size_t inner_len)
{
    der_builder b;
    uint8_t *out = NULL;
    size_t len = 0;
    der_builder_init(&b);
    der_builder_begin(&b, tag);
    if (eid != NULL)
        der_put_tlv(&b, SGP32_TAG_EID, eid, SGP32_EID_LENGTH);
    der_put_raw(&b, inner, inner_len);
    der_builder_end(&b);
    if (der_builder_finish(&b, &out, &len) != AW_OK)
        return 1;
    int failure = write_seed(dir, target, n, 0, false, out, len);
    free(out);
    return failure;
}

/* SGP.32 v1.0 forms: a result without eidValue, ePRAndNotifications with
 * notificationList [43], a v1.0 profileDownloadError, HandleNotification
 * around a bare result (eIM seeds 9-12, ESipa codec seeds 90-93). */
static int v1_0_seeds(const char *dir, const sgp32_euicc_package_result *signed_result)
{
    static const uint8_t tid[16] = {1, 2, 3};
    static const uint8_t list_v1_0[] = {0xBF, 0x2B, 0x06, 0xA3, 0x04, 0xA0, 0x00, 0xA1, 0x00};
    uint8_t *result = NULL, *epr = NULL, *trigger = NULL;
    size_t result_len = 0, epr_len = 0, trigger_len = 0;
    int failures = 0;
    if (sgp32_encode_euicc_package_result(signed_result, &result, &result_len) != AW_OK)
        return 1;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_raw(&b, result, result_len);
    der_put_raw(&b, list_v1_0, sizeof(list_v1_0));
    der_builder_end(&b);
    sgp32_profile_download_trigger_result_v1_0 t;
    memset(&t, 0, sizeof(t));
    t.has_eim_transaction_id = true;
    t.eim_transaction_id = (aw_slice){tid, sizeof(tid)};
    t.result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    if (der_builder_finish(&b, &epr, &epr_len) != AW_OK ||
        sgp32_encode_profile_download_trigger_result_v1_0(&t, &trigger, &trigger_len) != AW_OK) {
        failures++;
    } else {
        static const struct {
            uint32_t tag;
            int what; /* 0 result, 1 ePR, 2 trigger */
        } seeds[] = {{SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, 0},
                     {SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, 1},
                     {SGP32_TAG_PROVIDE_EIM_PACKAGE_RESULT, 2},
                     {SGP32_TAG_HANDLE_NOTIFICATION_ESIPA, 1}};
        for (int i = 0; i < 4; i++) {
            const uint8_t *inner = seeds[i].what == 0 ? result : seeds[i].what == 1 ? epr : trigger;
            size_t inner_len = seeds[i].what == 0   ? result_len
                               : seeds[i].what == 1 ? epr_len
                                                    : trigger_len;
            failures += write_wrapped(dir, "fuzz_eim_esipa", 9 + i, seeds[i].tag, NULL, inner,
                                      inner_len);
            failures += write_wrapped(dir, "fuzz_sgp32_esipa", 90 + i, seeds[i].tag, NULL, inner,
                                      inner_len);
        }
    }
    free(result);
    free(epr);
    free(trigger);
    return failures;
}

static int esipa_seeds(const char *dir)
{
    static uint8_t eid[SGP32_EID_LENGTH], signature[64];
    static const uint8_t tid[16] = {1, 2, 3};
    int failures = 0;
    sgp32_esipa_message_from_ipa_to_eim *m = calloc(1, sizeof(*m));
    if (m == NULL || eim_eid_to_octets(AW_PKI_DEFAULT_EID, eid) != AW_OK)
        return 1;
    m->kind = SGP32_ESIPA_GET_EIM_PACKAGE_REQUEST;
    m->get_eim_package_request.eid_value = (aw_slice){eid, sizeof(eid)};
    failures += write_message(dir, 0, m);
    /* a signed result for counterValue 1 (a signature the eIM refuses) */
    memset(m, 0, sizeof(*m));
    m->kind = SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT;
    sgp32_provide_eim_package_result *p = &m->provide_eim_package_result;
    p->has_eid_value = true;
    p->eid_value = (aw_slice){eid, sizeof(eid)};
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_EUICC_PACKAGE_RESULT;
    sgp32_euicc_package_result *r = &p->eim_package_result.euicc_package_result;
    r->kind = SGP32_EUICC_PACKAGE_RESULT_SIGNED;
    sgp32_euicc_package_result_data_signed *d = &r->result_signed.euicc_package_result_data_signed;
    d->eim_id = (aw_slice){(const uint8_t *)"fuzz.eim", 8};
    d->counter_value = 1;
    d->has_eim_transaction_id = true;
    d->eim_transaction_id = (aw_slice){tid, sizeof(tid)};
    d->seq_number = 3;
    d->euicc_result_count = 1;
    d->euicc_result[0].kind = SGP32_EUICC_RESULT_LIST_EIM;
    d->euicc_result[0].list_eim_result.kind = SGP32_LIST_EIM_RESULT_ERROR;
    d->euicc_result[0].list_eim_result.list_eim_error = 127;
    r->result_signed.euicc_sign_epr = (aw_slice){signature, sizeof(signature)};
    failures += write_message(dir, 1, m);
    /* a signed error, and an unsigned one */
    sgp32_euicc_package_result copy = *r;
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_SIGNED;
    sgp32_euicc_package_error_data_signed *e = &r->error_signed.euicc_package_error_data_signed;
    e->eim_id = copy.result_signed.euicc_package_result_data_signed.eim_id;
    e->counter_value = 1;
    e->euicc_package_error_code = SGP32_EUICC_PACKAGE_ERROR_REPLAY_ERROR;
    r->error_signed.euicc_sign_epe = (aw_slice){signature, sizeof(signature)};
    failures += write_message(dir, 2, m);
    memset(r, 0, sizeof(*r));
    r->kind = SGP32_EUICC_PACKAGE_RESULT_ERROR_UNSIGNED;
    r->error_unsigned.eim_id = copy.result_signed.euicc_package_result_data_signed.eim_id;
    failures += write_message(dir, 3, m);
    /* the signed result beside an empty notification list */
    static const uint8_t empty_list[] = {0xA0, 0x00};
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_EPR_AND_NOTIFICATIONS;
    p->eim_package_result.epr_and_notifications.euicc_package_result = copy;
    p->eim_package_result.epr_and_notifications.notification_list_kind =
        SGP32_EPR_NOTIFICATION_LIST_PENDING;
    p->eim_package_result.epr_and_notifications.notification_list =
        (aw_slice){empty_list, sizeof(empty_list)};
    failures += write_message(dir, 4, m);
    /* IPA eUICC data carrying the signed result in euiccPackageResultList */
    uint8_t *result = NULL, *list = NULL;
    size_t result_len = 0, list_len = 0;
    der_builder b;
    if (sgp32_encode_euicc_package_result(&copy, &result, &result_len) != AW_OK)
        return failures + 1;
    der_builder_init(&b);
    der_builder_begin(&b, DER_CTX_CONS(2));
    der_put_raw(&b, result, result_len);
    der_builder_end(&b);
    if (der_builder_finish(&b, &list, &list_len) != AW_OK)
        return failures + 1;
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_IPA_EUICC_DATA_RESPONSE;
    sgp32_ipa_euicc_data_response *data = &p->eim_package_result.ipa_euicc_data_response;
    memset(data, 0, sizeof(*data));
    data->kind = SGP32_IPA_EUICC_DATA_RESPONSE_DATA;
    data->ipa_euicc_data.has_eim_transaction_id = true;
    data->ipa_euicc_data.eim_transaction_id = (aw_slice){tid, sizeof(tid)};
    data->ipa_euicc_data.has_euicc_package_result_list = true;
    data->ipa_euicc_data.euicc_package_result_list = (aw_slice){list, list_len};
    failures += write_message(dir, 6, m);
    free(result);
    free(list);
    /* a download trigger's result: the IPA reports an error */
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_PROFILE_DOWNLOAD_TRIGGER_RESULT;
    sgp32_profile_download_trigger_result *t = &p->eim_package_result.profile_download_trigger_result;
    memset(t, 0, sizeof(*t));
    t->has_eim_transaction_id = true;
    t->eim_transaction_id = (aw_slice){tid, sizeof(tid)};
    t->result_data.kind = SGP32_PROFILE_DOWNLOAD_TRIGGER_RESULT_ERROR;
    t->result_data.profile_download_error.profile_download_error_reason = 127;
    failures += write_message(dir, 7, m);
    /* the IPA could not process a package */
    p->eim_package_result.kind = SGP32_EIM_PACKAGE_RESULT_RESPONSE_ERROR;
    sgp32_eim_package_result_response_error *e2 = &p->eim_package_result.response_error;
    memset(e2, 0, sizeof(*e2));
    e2->has_eim_transaction_id = true;
    e2->eim_transaction_id = (aw_slice){tid, sizeof(tid)};
    e2->eim_package_result_error_code = SGP32_EIM_PACKAGE_RESULT_UNKNOWN_PACKAGE;
    failures += write_message(dir, 8, m);
    failures += v1_0_seeds(dir, &copy);
    /* a function the eIM does not serve */
    memset(m, 0, sizeof(*m));
    m->kind = SGP32_ESIPA_INITIATE_AUTHENTICATION_REQUEST;
    m->initiate_authentication_request.euicc_challenge = (aw_slice){tid, sizeof(tid)};
    failures += write_message(dir, 5, m);
    free(m);
    return failures;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_eim_seeds CORPUS_DIR\n");
        return 2;
    }
    int failures = registry_seeds(argv[1]) + esipa_seeds(argv[1]);
    if (failures != 0)
        fprintf(stderr, "gen_eim_seeds: %d seeds not written\n", failures);
    return failures == 0 ? 0 : 1;
}
