/* airwrite platform: bounded parsing of write-order batches (CSV and JSON
 * bodies of POST /api/v1/orders, 《物联网 eSIM 空中写卡技术应用服务规范》 批量
 * 写卡申请) and the EID check of GSMA SGP.29 section 10. A batch is read
 * whole: every line is checked and the first PLATFORM_BATCH_MAX_ERRORS
 * errors are reported by line, so a client fixes its file in one round. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "platform/platform_internal.h"

/* SGP.29 section 10: the EID is 32 decimal digits; the last two are check
 * digits such that the whole number modulo 97 is 1 (ISO/IEC 7064 MOD 97-10,
 * as IBAN). Computed digit by digit (Horner) since 10^32 exceeds 64 bits.
 * (The rule as read in osmocom/pysim pySim/utils.py verify_eid_checksum.) */
static unsigned mod97(const char *digits, size_t len)
{
    unsigned r = 0;
    for (size_t i = 0; i < len; i++)
        r = (r * 10 + (unsigned)(digits[i] - '0')) % 97;
    return r;
}

static bool all_digits(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

aw_err platform_eid_check(const char *eid, size_t len)
{
    if (eid == NULL || len != PLATFORM_EID_DIGITS || !all_digits(eid, len) ||
        mod97(eid, len) != 1)
        return AW_ERR_PLATFORM_EID;
    return AW_OK;
}

aw_err platform_eid_check_digits(const char *digits30, size_t len, char check[3])
{
    if (check != NULL)
        check[0] = '\0';
    if (check == NULL || digits30 == NULL || len != PLATFORM_EID_DIGITS - 2 ||
        !all_digits(digits30, len))
        return AW_ERR_PLATFORM_EID;
    /* SGP.29 10: the 30 digits followed by "00", mod 97, subtracted from 98 */
    unsigned r = (mod97(digits30, len) * 100) % 97;
    unsigned value = 98 - r;
    check[0] = (char)('0' + value / 10);
    check[1] = (char)('0' + value % 10);
    check[2] = '\0';
    return AW_OK;
}

bool platform_target_valid(const char *name)
{
    return platform_tenant_valid(name) && strlen(name) <= PLATFORM_TARGET_MAX;
}

void platform_batch_free(platform_batch *batch)
{
    if (batch == NULL)
        return;
    free(batch->eids);
    free(batch->lines);
    free(batch);
}

static aw_err batch_new(size_t capacity, platform_batch **out)
{
    *out = NULL;
    platform_batch *batch = calloc(1, sizeof(*batch));
    if (batch == NULL)
        return AW_ERR_NOMEM;
    batch->eids = calloc(capacity, sizeof(*batch->eids));
    batch->lines = calloc(capacity, sizeof(*batch->lines));
    if (batch->eids == NULL || batch->lines == NULL) {
        platform_batch_free(batch);
        return AW_ERR_NOMEM;
    }
    *out = batch;
    return AW_OK;
}

/* Errors are found in line order, except duplicates (found after all
 * lines): they are merged by line at the end. */
static void add_error(platform_batch *batch, size_t line, platform_line_error error)
{
    batch->error_total++;
    if (batch->error_count < PLATFORM_BATCH_MAX_ERRORS)
        batch->errors[batch->error_count++] = (platform_batch_error){line, error};
}

/* One field: an EID, or a line error. Capacity is checked by the caller. */
static void add_eid(platform_batch *batch, const char *text, size_t len, size_t line)
{
    if (platform_eid_check(text, len) != AW_OK) {
        add_error(batch, line, PLATFORM_LINE_INVALID_EID);
        return;
    }
    memcpy(batch->eids[batch->count], text, PLATFORM_EID_DIGITS);
    batch->eids[batch->count][PLATFORM_EID_DIGITS] = '\0';
    batch->lines[batch->count] = line;
    batch->count++;
}

typedef struct eid_ref {
    const char *eid;
    size_t line;
} eid_ref;

static int eid_ref_compare(const void *a, const void *b)
{
    const eid_ref *x = a, *y = b;
    int c = memcmp(x->eid, y->eid, PLATFORM_EID_DIGITS);
    if (c != 0)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int error_compare(const void *a, const void *b)
{
    const platform_batch_error *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Mark the later lines of a repeated EID (and drop them from the batch),
 * then order the errors by line. */
static aw_err finish(platform_batch *batch)
{
    if (batch->count > 1) {
        eid_ref *refs = malloc(batch->count * sizeof(*refs));
        bool *drop = calloc(batch->count, sizeof(*drop));
        if (refs == NULL || drop == NULL) {
            free(refs);
            free(drop);
            return AW_ERR_NOMEM;
        }
        for (size_t i = 0; i < batch->count; i++)
            refs[i] = (eid_ref){batch->eids[i], i};
        qsort(refs, batch->count, sizeof(*refs), eid_ref_compare);
        for (size_t i = 1; i < batch->count; i++)
            if (memcmp(refs[i].eid, refs[i - 1].eid, PLATFORM_EID_DIGITS) == 0)
                drop[refs[i].line] = true; /* refs[].line is the index here */
        size_t kept = 0;
        for (size_t i = 0; i < batch->count; i++) {
            if (drop[i]) {
                add_error(batch, batch->lines[i], PLATFORM_LINE_DUPLICATE_EID);
                continue;
            }
            if (kept != i) {
                memcpy(batch->eids[kept], batch->eids[i], sizeof(batch->eids[0]));
                batch->lines[kept] = batch->lines[i];
            }
            kept++;
        }
        batch->count = kept;
        free(refs);
        free(drop);
    }
    /* reported: the first PLATFORM_BATCH_MAX_ERRORS found (invalid and
     * malformed lines, then duplicates), in line order */
    qsort(batch->errors, batch->error_count, sizeof(batch->errors[0]), error_compare);
    if (batch->error_total > 0)
        return AW_ERR_PLATFORM_EID;
    if (batch->count == 0)
        return AW_ERR_PLATFORM_BATCH;
    return AW_OK;
}

aw_err platform_batch_parse_csv(const uint8_t *body, size_t len, platform_batch **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (body == NULL || len == 0 || len > PLATFORM_BATCH_MAX_BODY)
        return AW_ERR_PLATFORM_BATCH;
    platform_batch *batch = NULL;
    aw_err err = batch_new(PLATFORM_BATCH_MAX_EIDS, &batch);
    if (err != AW_OK)
        return err;
    size_t line = 0, fields = 0;
    size_t pos = 0;
    while (pos < len && err == AW_OK) {
        const uint8_t *end = memchr(body + pos, '\n', len - pos);
        size_t line_len = end != NULL ? (size_t)(end - (body + pos)) : len - pos;
        const char *text = (const char *)body + pos;
        pos += line_len + (end != NULL ? 1 : 0);
        line++;
        if (line_len > 0 && text[line_len - 1] == '\r')
            line_len--;
        if (line_len == 0) {
            if (pos < len)
                add_error(batch, line, PLATFORM_LINE_MALFORMED); /* blank line inside */
            continue;
        }
        if (line == 1 && line_len == 3 && memcmp(text, "eid", 3) == 0)
            continue; /* header */
        if (++fields > PLATFORM_BATCH_MAX_EIDS) {
            err = AW_ERR_PLATFORM_BATCH;
            break;
        }
        if (line_len > PLATFORM_CSV_LINE_MAX || memchr(text, ',', line_len) != NULL ||
            memchr(text, '"', line_len) != NULL)
            add_error(batch, line, PLATFORM_LINE_MALFORMED);
        else
            add_eid(batch, text, line_len, line);
    }
    if (err == AW_OK && fields == 0)
        err = AW_ERR_PLATFORM_BATCH;
    if (err == AW_OK)
        err = finish(batch);
    if (err != AW_OK && err != AW_ERR_PLATFORM_EID) {
        platform_batch_free(batch);
        return err;
    }
    *out = batch;
    return err;
}

static aw_err json_target(const json_t *root, platform_batch *batch)
{
    const json_t *profile_type = json_object_get(root, "profileType");
    const json_t *number_pool = json_object_get(root, "numberPool");
    if ((profile_type == NULL) == (number_pool == NULL))
        return AW_ERR_PLATFORM_FIELD;
    const json_t *value = profile_type != NULL ? profile_type : number_pool;
    if (!json_is_string(value) || json_string_length(value) > PLATFORM_TARGET_MAX ||
        !platform_target_valid(json_string_value(value)))
        return AW_ERR_PLATFORM_FIELD;
    batch->target_kind =
        profile_type != NULL ? PLATFORM_TARGET_PROFILE_TYPE : PLATFORM_TARGET_NUMBER_POOL;
    memcpy(batch->target, json_string_value(value), json_string_length(value) + 1);
    return AW_OK;
}

aw_err platform_batch_parse_json(const uint8_t *body, size_t len, platform_batch **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (body == NULL || len == 0)
        return AW_ERR_PLATFORM_JSON;
    if (len > PLATFORM_BATCH_MAX_BODY)
        return AW_ERR_PLATFORM_BATCH;
    static const char *const allowed[] = {"eids", "profileType", "numberPool", NULL};
    json_t *root = NULL;
    aw_err err = platform_json_parse_object(body, len, PLATFORM_BATCH_MAX_BODY, allowed, &root);
    if (err != AW_OK)
        return err;
    platform_batch *batch = NULL;
    const json_t *eids = json_object_get(root, "eids");
    if (!json_is_array(eids))
        err = AW_ERR_PLATFORM_FIELD;
    else if (json_array_size(eids) == 0 || json_array_size(eids) > PLATFORM_BATCH_MAX_EIDS)
        err = AW_ERR_PLATFORM_BATCH;
    if (err == AW_OK)
        err = batch_new(json_array_size(eids), &batch);
    if (err == AW_OK)
        err = json_target(root, batch);
    for (size_t i = 0; err == AW_OK && i < json_array_size(eids); i++) {
        const json_t *value = json_array_get(eids, i);
        if (!json_is_string(value))
            add_error(batch, i + 1, PLATFORM_LINE_MALFORMED);
        else
            add_eid(batch, json_string_value(value), json_string_length(value), i + 1);
    }
    json_decref(root);
    if (err == AW_OK)
        err = finish(batch);
    if (err != AW_OK && err != AW_ERR_PLATFORM_EID) {
        platform_batch_free(batch);
        return err;
    }
    *out = batch;
    return err;
}
