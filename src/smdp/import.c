/* airwrite SM-DP+: inventory batch records (SGP.22 3.1.1 profile ordering):
 * validation of one record, the batch container, duplicate checks and the
 * serialisers. The CSV and JSON parsers are in import_csv.c and
 * import_json.c. */
#include "smdp/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "core/hex.h"
#include "smdp/import_internal.h"

static const struct {
    saip_algorithm algorithm;
    const char *name;
} algorithm_names[] = {
    {SAIP_ALGORITHM_MILENAGE, "milenage"},
    {SAIP_ALGORITHM_TUAK, "tuak"},
    {SAIP_ALGORITHM_TEST, "test"},
};

const char *smdp_import_algorithm_name(saip_algorithm algorithm)
{
    for (size_t i = 0; i < sizeof(algorithm_names) / sizeof(algorithm_names[0]); i++)
        if (algorithm_names[i].algorithm == algorithm)
            return algorithm_names[i].name;
    return NULL;
}

aw_err smdp_import_check_profile_type(const char *name)
{
    if (name == NULL)
        return AW_ERR_SMDP_IMPORT_PROFILE_TYPE;
    size_t n = strnlen(name, SMDP_PROFILE_TYPE_MAX + 1);
    if (n == 0 || n > SMDP_PROFILE_TYPE_MAX)
        return AW_ERR_SMDP_IMPORT_PROFILE_TYPE;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7E)
            return AW_ERR_SMDP_IMPORT_PROFILE_TYPE;
    return AW_OK;
}

/* Hex of exactly one of the allowed byte lengths into out. */
static bool decode_key(const char *hex, size_t allowed1, size_t allowed2, uint8_t *out,
                       size_t *out_len)
{
    size_t n = strnlen(hex, 2 * SAIP_AKA_KEY_MAX + 1);
    if (n != 2 * allowed1 && n != 2 * allowed2)
        return false;
    return aw_hex_decode(hex, out, SAIP_AKA_KEY_MAX, out_len) == AW_OK;
}

aw_err smdp_import_record_set(smdp_import_record *record, const char *iccid, const char *imsi,
                              const char *ki, const char *opc, const char *msisdn,
                              const char *algorithm)
{
    memset(record, 0, sizeof(*record));
    if (iccid == NULL || saip_check_iccid(iccid) != AW_OK)
        return AW_ERR_SMDP_IMPORT_ICCID;
    if (!saip_iccid_luhn_ok(iccid))
        return AW_ERR_SMDP_IMPORT_LUHN;
    if (imsi == NULL || saip_check_imsi(imsi) != AW_OK)
        return AW_ERR_SMDP_IMPORT_IMSI;
    saip_aka *aka = &record->aka;
    aka->algorithm = SAIP_ALGORITHM_MILENAGE;
    if (algorithm != NULL && algorithm[0] != '\0') {
        aka->algorithm = 0;
        for (size_t i = 0; i < sizeof(algorithm_names) / sizeof(algorithm_names[0]); i++)
            if (strcmp(algorithm, algorithm_names[i].name) == 0)
                aka->algorithm = algorithm_names[i].algorithm;
        if (aka->algorithm == 0)
            return AW_ERR_SMDP_IMPORT_ALGORITHM;
    }
    bool tuak = aka->algorithm == SAIP_ALGORITHM_TUAK;
    /* 3GPP TS 35.206 (Milenage) and TS 34.108 8.1.2 (test): 128-bit K and
     * OPc; TS 35.231 (TUAK): K 128 or 256 bits, TOPc 256 bits */
    if (ki == NULL || !decode_key(ki, 16, tuak ? 32 : 16, aka->key, &aka->key_len))
        goto bad_ki;
    if (opc == NULL || !decode_key(opc, tuak ? 32 : 16, tuak ? 32 : 16, aka->opc, &aka->opc_len))
        goto bad_opc;
    if (saip_aka_check(aka) != AW_OK)
        goto bad_opc;
    if (msisdn != NULL && msisdn[0] != '\0') {
        if (saip_check_msisdn(msisdn) != AW_OK) {
            saip_aka_cleanse(aka);
            return AW_ERR_SMDP_IMPORT_MSISDN;
        }
        record->has_msisdn = true;
        memcpy(record->msisdn, msisdn, strlen(msisdn) + 1);
    }
    memcpy(record->iccid, iccid, strlen(iccid) + 1);
    memcpy(record->imsi, imsi, strlen(imsi) + 1);
    return AW_OK;

bad_ki:
    saip_aka_cleanse(aka);
    return AW_ERR_SMDP_IMPORT_KI;
bad_opc:
    saip_aka_cleanse(aka);
    return AW_ERR_SMDP_IMPORT_OPC;
}

aw_err smdp_import_batch_new(const char *profile_type, smdp_import_batch **out)
{
    *out = NULL;
    aw_err err = smdp_import_check_profile_type(profile_type);
    if (err != AW_OK)
        return err;
    smdp_import_batch *batch = calloc(1, sizeof(*batch));
    if (batch == NULL)
        return AW_ERR_NOMEM;
    memcpy(batch->profile_type, profile_type, strlen(profile_type) + 1);
    *out = batch;
    return AW_OK;
}

aw_err smdp_import_batch_append(smdp_import_batch *batch, const smdp_import_record *record)
{
    if (batch->count >= SMDP_IMPORT_MAX_RECORDS)
        return AW_ERR_LIMIT;
    /* Capacity: 16 records, then doubling. The old block is erased before
     * it is freed, since it holds secrets (hence no realloc). */
    size_t count = batch->count;
    size_t cap = 16;
    while (cap < count)
        cap *= 2;
    if (count == 0 || count == cap) {
        size_t grown_cap = count == 0 ? cap : cap * 2;
        smdp_import_record *grown = calloc(grown_cap, sizeof(*grown));
        if (grown == NULL)
            return AW_ERR_NOMEM;
        if (count > 0) {
            memcpy(grown, batch->records, count * sizeof(*grown));
            OPENSSL_cleanse(batch->records, count * sizeof(*grown));
        }
        free(batch->records);
        batch->records = grown;
    }
    batch->records[count] = *record;
    batch->count = count + 1;
    return AW_OK;
}

void smdp_import_batch_free(smdp_import_batch *batch)
{
    if (batch == NULL)
        return;
    if (batch->records != NULL)
        OPENSSL_cleanse(batch->records, batch->count * sizeof(*batch->records));
    free(batch->records);
    free(batch);
}

/* ---- Duplicates --------------------------------------------------------- */

static int compare_iccid(const void *a, const void *b)
{
    const smdp_import_record *x = *(const smdp_import_record *const *)a;
    const smdp_import_record *y = *(const smdp_import_record *const *)b;
    int c = strcmp(x->iccid, y->iccid);
    return c != 0 ? c : (x < y ? -1 : x > y);
}

static int compare_imsi(const void *a, const void *b)
{
    const smdp_import_record *x = *(const smdp_import_record *const *)a;
    const smdp_import_record *y = *(const smdp_import_record *const *)b;
    int c = strcmp(x->imsi, y->imsi);
    return c != 0 ? c : (x < y ? -1 : x > y);
}

/* Sort pointers by one field (then by position) and find the earliest
 * second occurrence of a value. */
static size_t first_repeat(const smdp_import_batch *batch, const smdp_import_record **sorted,
                           int (*compare)(const void *, const void *), size_t field_offset)
{
    for (size_t i = 0; i < batch->count; i++)
        sorted[i] = &batch->records[i];
    qsort(sorted, batch->count, sizeof(*sorted), compare);
    size_t best = 0;
    for (size_t i = 1; i < batch->count; i++) {
        const char *a = (const char *)sorted[i - 1] + field_offset;
        const char *b = (const char *)sorted[i] + field_offset;
        if (strcmp(a, b) == 0) {
            size_t later = (size_t)(sorted[i] - batch->records) + 1;
            if (best == 0 || later < best)
                best = later;
        }
    }
    return best;
}

aw_err smdp_import_batch_check_unique(const smdp_import_batch *batch, size_t *record)
{
    *record = 0;
    if (batch->count < 2)
        return AW_OK;
    const smdp_import_record **sorted = calloc(batch->count, sizeof(*sorted));
    if (sorted == NULL)
        return AW_ERR_NOMEM;
    size_t a = first_repeat(batch, sorted, compare_iccid, offsetof(smdp_import_record, iccid));
    size_t b = first_repeat(batch, sorted, compare_imsi, offsetof(smdp_import_record, imsi));
    free(sorted);
    if (a == 0 && b == 0)
        return AW_OK;
    *record = a == 0 ? b : b == 0 ? a : (a < b ? a : b);
    return AW_ERR_SMDP_IMPORT_DUPLICATE;
}

/* ---- Serialisers -------------------------------------------------------- */

void smdp_import_text_free(char *text, size_t len)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, len);
    free(text);
}

/* One record as CSV fields: iccid,imsi,ki,opc,msisdn,algorithm. */
#define CSV_HEADER "iccid,imsi,ki,opc,msisdn,algorithm\r\n"
#define CSV_RECORD_MAX (20 + 1 + 15 + 1 + 64 + 1 + 64 + 1 + 21 + 1 + 8 + 2)

aw_err smdp_import_write_csv(const smdp_import_batch *batch, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (batch == NULL)
        return AW_ERR_ARGUMENT;
    size_t cap = sizeof(CSV_HEADER) + batch->count * (CSV_RECORD_MAX + 1);
    char *out = malloc(cap);
    if (out == NULL)
        return AW_ERR_NOMEM;
    size_t n = sizeof(CSV_HEADER) - 1;
    memcpy(out, CSV_HEADER, n);
    for (size_t i = 0; i < batch->count; i++) {
        const smdp_import_record *r = &batch->records[i];
        char ki[2 * SAIP_AKA_KEY_MAX + 1], opc[2 * SAIP_AKA_KEY_MAX + 1];
        aw_hex_encode(r->aka.key, r->aka.key_len, ki, false);
        aw_hex_encode(r->aka.opc, r->aka.opc_len, opc, false);
        const char *algorithm = smdp_import_algorithm_name(r->aka.algorithm);
        int w = snprintf(out + n, cap - n, "%s,%s,%s,%s,%s,%s\r\n", r->iccid, r->imsi, ki, opc,
                         r->has_msisdn ? r->msisdn : "", algorithm ? algorithm : "");
        OPENSSL_cleanse(ki, sizeof(ki));
        OPENSSL_cleanse(opc, sizeof(opc));
        if (w < 0 || (size_t)w >= cap - n || algorithm == NULL) {
            smdp_import_text_free(out, cap);
            return AW_ERR_ARGUMENT;
        }
        n += (size_t)w;
    }
    out[n] = '\0';
    /* the buffer is larger than the text: erase the slack when freeing */
    memset(out + n, 0, cap - n);
    *text = out;
    *len = n;
    return AW_OK;
}

/* Add a string member; jansson copies it (its copies are freed without
 * erasure, so the JSON writer is for tests, tools and fuzzing, not the
 * service path). */
static bool set_text(json_t *object, const char *key, const char *value)
{
    json_t *s = json_string(value);
    return s != NULL && json_object_set_new(object, key, s) == 0;
}

aw_err smdp_import_write_json(const smdp_import_batch *batch, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (batch == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = AW_ERR_NOMEM;
    json_t *root = json_object();
    json_t *profiles = json_array();
    if (root == NULL || profiles == NULL || !set_text(root, "profileType", batch->profile_type) ||
        json_object_set(root, "profiles", profiles) != 0)
        goto cleanup;
    for (size_t i = 0; i < batch->count; i++) {
        const smdp_import_record *r = &batch->records[i];
        char ki[2 * SAIP_AKA_KEY_MAX + 1], opc[2 * SAIP_AKA_KEY_MAX + 1];
        aw_hex_encode(r->aka.key, r->aka.key_len, ki, false);
        aw_hex_encode(r->aka.opc, r->aka.opc_len, opc, false);
        const char *algorithm = smdp_import_algorithm_name(r->aka.algorithm);
        json_t *p = json_object();
        bool ok = p != NULL && algorithm != NULL && set_text(p, "iccid", r->iccid) &&
                  set_text(p, "imsi", r->imsi) && set_text(p, "ki", ki) &&
                  set_text(p, "opc", opc) && set_text(p, "algorithm", algorithm) &&
                  (!r->has_msisdn || set_text(p, "msisdn", r->msisdn));
        OPENSSL_cleanse(ki, sizeof(ki));
        OPENSSL_cleanse(opc, sizeof(opc));
        if (!ok || json_array_append_new(profiles, p) != 0) {
            if (!ok)
                json_decref(p);
            err = algorithm == NULL ? AW_ERR_ARGUMENT : AW_ERR_NOMEM;
            goto cleanup;
        }
    }
    char *dumped = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (dumped == NULL)
        goto cleanup;
    *text = dumped;
    *len = strlen(dumped);
    err = AW_OK;

cleanup:
    json_decref(profiles);
    json_decref(root);
    return err;
}
