/* airwrite eIM: bulk registration batches of eUICCs (the eIM side of
 * SGP.32 3.3 "eIM configuration": which eUICCs the eIM manages, under which
 * eimId, from which counterValue) as CSV (RFC 4180) or JSON (RFC 8259).
 * Input from outside: bounded in size, records and field lengths, and
 * every field checked, so a batch is taken whole or refused with the
 * record at fault. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/base64.h"
#include "eim/eim_internal.h"

#define FIELD_MAX (2u * EIM_CERTIFICATE_MAX) /* longest CSV field (base64 certificate) */

enum column {
    COLUMN_EID = 0,
    COLUMN_EIM_ID,
    COLUMN_COUNTER_VALUE,
    COLUMN_ASSOCIATION_TOKEN,
    COLUMN_SIGNING_KEY,
    COLUMN_EUICC_CERTIFICATE,
    COLUMN_EUM_CERTIFICATE,
    COLUMN_SGP32_VERSION,
    COLUMN__COUNT
};

static const char *const column_names[COLUMN__COUNT] = {
    "eid", "eim_id", "counter_value", "association_token",
    "signing_key", "euicc_certificate", "eum_certificate", "sgp32_version",
};

/* ---- one record ------------------------------------------------------------ */

static aw_err record_init(eim_euicc *e, const eim_registry_defaults *defaults)
{
    memset(e, 0, sizeof(*e));
    const char *key = defaults->signing_key != NULL ? defaults->signing_key : "eim";
    if (eim_copy_text(e->eim_id, sizeof(e->eim_id), defaults->eim_id) != AW_OK ||
        eim_copy_text(e->signing_key, sizeof(e->signing_key), key) != AW_OK)
        return AW_ERR_ARGUMENT;
    e->state = EIM_EUICC_REGISTERED;
    e->sgp32_version = EIM_SGP32_VERSION_1_2;
    return AW_OK;
}

/* A decimal 0..max without sign, leading zeros or other characters. */
static aw_err parse_decimal(const char *text, int64_t max, int64_t *out)
{
    size_t n = strlen(text);
    int64_t value = 0;
    if (n == 0 || n > 19 || (n > 1 && text[0] == '0'))
        return AW_ERR_EIM_IMPORT_FIELD;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return AW_ERR_EIM_IMPORT_FIELD;
        int digit = text[i] - '0';
        if (value > (max - digit) / 10)
            return AW_ERR_EIM_IMPORT_FIELD;
        value = value * 10 + digit;
    }
    *out = value;
    return AW_OK;
}

static aw_err decode_certificate(const char *text, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(text), len = 0;
    if (n == 0 || n > aw_base64_encoded_length(EIM_CERTIFICATE_MAX))
        return AW_ERR_EIM_IMPORT_CERTIFICATE;
    uint8_t *der = malloc(aw_base64_decoded_max(n));
    if (der == NULL)
        return AW_ERR_NOMEM;
    /* one DER SEQUENCE, nothing after it (the chain is checked on import) */
    der_node node;
    if (aw_base64_decode(text, n, der, aw_base64_decoded_max(n), &len) != AW_OK ||
        der_decode_single(der, len, &node) != AW_OK || node.tag != DER_TAG_SEQUENCE) {
        free(der);
        return AW_ERR_EIM_IMPORT_CERTIFICATE;
    }
    free(*out);
    *out = der;
    *out_len = len;
    return AW_OK;
}

/* Set column of e from text (an empty text keeps the default). */
static aw_err record_set(eim_euicc *e, enum column column, const char *text)
{
    if (text[0] == '\0')
        return column == COLUMN_EID ? AW_ERR_EIM_IMPORT_EID : AW_OK;
    switch (column) {
    case COLUMN_EID:
        if (strlen(text) != EIM_EID_DIGITS || pki_eid_validate(text) != AW_OK)
            return AW_ERR_EIM_IMPORT_EID;
        memcpy(e->eid, text, EIM_EID_DIGITS + 1);
        return AW_OK;
    case COLUMN_EIM_ID:
        if (!eim_id_valid(text))
            return AW_ERR_EIM_IMPORT_FIELD;
        return eim_copy_text(e->eim_id, sizeof(e->eim_id), text);
    case COLUMN_COUNTER_VALUE:
        return parse_decimal(text, EIM_COUNTER_MAX, &e->counter_value);
    case COLUMN_ASSOCIATION_TOKEN:
        e->has_association_token = true;
        return parse_decimal(text, INT64_MAX, &e->association_token);
    case COLUMN_SIGNING_KEY:
        if (!eim_key_reference_valid(text))
            return AW_ERR_EIM_IMPORT_FIELD;
        return eim_copy_text(e->signing_key, sizeof(e->signing_key), text);
    case COLUMN_EUICC_CERTIFICATE:
        return decode_certificate(text, &e->euicc_certificate, &e->euicc_certificate_len);
    case COLUMN_EUM_CERTIFICATE:
        return decode_certificate(text, &e->eum_certificate, &e->eum_certificate_len);
    case COLUMN_SGP32_VERSION:
        return eim_sgp32_version_parse(text, &e->sgp32_version) == AW_OK
                   ? AW_OK
                   : AW_ERR_EIM_IMPORT_FIELD;
    default:
        return AW_ERR_ARGUMENT;
    }
}

static int compare_eid(const void *a, const void *b)
{
    return strcmp(((const eim_euicc *const *)a)[0]->eid, ((const eim_euicc *const *)b)[0]->eid);
}

/* An EID twice in the batch: *line gets the later record's position
 * (record index + first, the position of the first record). */
static aw_err check_duplicates(const eim_batch *batch, size_t first, size_t *line)
{
    if (batch->count < 2)
        return AW_OK;
    const eim_euicc **sorted = malloc(batch->count * sizeof(*sorted));
    if (sorted == NULL)
        return AW_ERR_NOMEM;
    for (size_t i = 0; i < batch->count; i++)
        sorted[i] = &batch->records[i];
    qsort(sorted, batch->count, sizeof(*sorted), compare_eid);
    aw_err err = AW_OK;
    for (size_t i = 1; i < batch->count; i++) {
        if (strcmp(sorted[i - 1]->eid, sorted[i]->eid) == 0) {
            size_t a = (size_t)(sorted[i - 1] - batch->records);
            size_t b = (size_t)(sorted[i] - batch->records);
            *line = (a > b ? a : b) + first;
            err = AW_ERR_EIM_IMPORT_DUPLICATE;
            break;
        }
    }
    free(sorted);
    return err;
}

static aw_err batch_new(size_t capacity, eim_batch **out)
{
    eim_batch *batch = calloc(1, sizeof(*batch));
    if (batch == NULL)
        return AW_ERR_NOMEM;
    batch->records = calloc(capacity > 0 ? capacity : 1, sizeof(*batch->records));
    if (batch->records == NULL) {
        free(batch);
        return AW_ERR_NOMEM;
    }
    *out = batch;
    return AW_OK;
}

static aw_err check_arguments(const uint8_t *data, size_t len,
                              const eim_registry_defaults *defaults, eim_batch **out,
                              size_t *line)
{
    if (out != NULL)
        *out = NULL;
    if (line != NULL)
        *line = 0;
    if (data == NULL || out == NULL || defaults == NULL || defaults->eim_id == NULL ||
        !eim_id_valid(defaults->eim_id) ||
        (defaults->signing_key != NULL && !eim_key_reference_valid(defaults->signing_key)))
        return AW_ERR_ARGUMENT;
    return len > EIM_BATCH_MAX_BYTES ? AW_ERR_LIMIT : AW_OK;
}

/* ---- CSV (RFC 4180) --------------------------------------------------------- */

typedef struct csv_reader {
    const uint8_t *data;
    size_t len, pos;
    char field[FIELD_MAX + 1];
    size_t field_len;
} csv_reader;

/* Read one field into r->field; *end_of_record when it ended its line. */
static aw_err csv_next_field(csv_reader *r, bool *end_of_record)
{
    r->field_len = 0;
    bool quoted = r->pos < r->len && r->data[r->pos] == '"';
    if (quoted)
        r->pos++;
    for (;;) {
        if (r->pos >= r->len) {
            if (quoted)
                return AW_ERR_EIM_IMPORT_SYNTAX; /* unterminated quote */
            *end_of_record = true;
            break;
        }
        uint8_t c = r->data[r->pos++];
        if (quoted && c == '"') {
            if (r->pos < r->len && r->data[r->pos] == '"') {
                r->pos++; /* "" inside quotes */
            } else {
                quoted = false;
                if (r->pos < r->len && r->data[r->pos] != ',' && r->data[r->pos] != '\r' &&
                    r->data[r->pos] != '\n')
                    return AW_ERR_EIM_IMPORT_SYNTAX;
                continue;
            }
        } else if (!quoted && c == ',') {
            *end_of_record = false;
            break;
        } else if (!quoted && (c == '\r' || c == '\n')) {
            if (c == '\r') {
                if (r->pos >= r->len || r->data[r->pos] != '\n')
                    return AW_ERR_EIM_IMPORT_SYNTAX;
                r->pos++;
            }
            *end_of_record = true;
            break;
        } else if (!quoted && c == '"') {
            return AW_ERR_EIM_IMPORT_SYNTAX; /* quote inside an unquoted field */
        }
        if (c == '\0')
            return AW_ERR_EIM_IMPORT_SYNTAX;
        if (r->field_len >= FIELD_MAX)
            return AW_ERR_LIMIT;
        r->field[r->field_len++] = (char)c;
    }
    r->field[r->field_len] = '\0';
    return AW_OK;
}

static aw_err csv_read_header(csv_reader *r, int map[COLUMN__COUNT], size_t *columns)
{
    bool end = false, seen[COLUMN__COUNT] = {false};
    *columns = 0;
    while (!end) {
        aw_err err = csv_next_field(r, &end);
        if (err != AW_OK)
            return err == AW_ERR_LIMIT ? AW_ERR_EIM_IMPORT_HEADER : err;
        if (*columns >= COLUMN__COUNT)
            return AW_ERR_EIM_IMPORT_HEADER;
        int found = -1;
        for (int c = 0; c < COLUMN__COUNT; c++)
            if (strcmp(r->field, column_names[c]) == 0)
                found = c;
        if (found < 0 || seen[found])
            return AW_ERR_EIM_IMPORT_HEADER;
        seen[found] = true;
        map[(*columns)++] = found;
    }
    return seen[COLUMN_EID] ? AW_OK : AW_ERR_EIM_IMPORT_HEADER;
}

static aw_err csv_parse(csv_reader *r, const eim_registry_defaults *defaults, eim_batch *batch,
                        size_t *line)
{
    int map[COLUMN__COUNT];
    size_t columns = 0;
    *line = 1;
    aw_err err = csv_read_header(r, map, &columns);
    while (err == AW_OK && r->pos < r->len) {
        (*line)++;
        if (batch->count >= EIM_BATCH_MAX_RECORDS)
            return AW_ERR_LIMIT;
        eim_euicc *e = &batch->records[batch->count++];
        err = record_init(e, defaults);
        size_t field = 0;
        bool end = false;
        while (err == AW_OK && !end) {
            err = csv_next_field(r, &end);
            if (err == AW_OK && field >= columns)
                err = AW_ERR_EIM_IMPORT_FIELD;
            if (err == AW_OK)
                err = record_set(e, (enum column)map[field++], r->field);
        }
        if (err == AW_OK && field != columns)
            err = AW_ERR_EIM_IMPORT_FIELD;
    }
    return err;
}

aw_err eim_registry_parse_csv(const uint8_t *data, size_t len,
                              const eim_registry_defaults *defaults, eim_batch **out,
                              size_t *line)
{
    size_t at = 0;
    eim_batch *batch = NULL;
    aw_err err = check_arguments(data, len, defaults, out, line);
    if (err != AW_OK)
        return err;
    /* one record per line at most: the line count bounds the records */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (lines > EIM_BATCH_MAX_RECORDS + 2)
        return AW_ERR_LIMIT;
    csv_reader *r = malloc(sizeof(*r));
    if (r == NULL)
        return AW_ERR_NOMEM;
    r->data = data;
    r->len = len;
    r->pos = 0;
    err = len == 0 ? AW_ERR_EIM_IMPORT_HEADER : batch_new(lines, &batch);
    if (err == AW_OK)
        err = csv_parse(r, defaults, batch, &at);
    if (err == AW_OK && batch->count == 0)
        err = AW_ERR_EIM_IMPORT_SYNTAX;
    if (err == AW_OK)
        err = check_duplicates(batch, 2, &at); /* line 1 is the header */
    free(r);
    if (line != NULL)
        *line = err == AW_OK ? 0 : at;
    if (err != AW_OK) {
        eim_batch_free(batch);
        return err;
    }
    *out = batch;
    return AW_OK;
}

/* ---- JSON ------------------------------------------------------------------- */

static aw_err json_record(json_t *object, const eim_registry_defaults *defaults, eim_euicc *e)
{
    const char *name;
    json_t *value;
    char number[24];
    aw_err err = record_init(e, defaults);
    if (err != AW_OK)
        return err;
    if (!json_is_object(object) || json_object_get(object, "eid") == NULL)
        return AW_ERR_EIM_IMPORT_SYNTAX;
    json_object_foreach(object, name, value)
    {
        int column = -1;
        for (int c = 0; c < COLUMN__COUNT; c++)
            if (strcmp(name, column_names[c]) == 0)
                column = c;
        if (column < 0)
            return AW_ERR_EIM_IMPORT_SYNTAX;
        const char *text = NULL;
        if (column == COLUMN_COUNTER_VALUE || column == COLUMN_ASSOCIATION_TOKEN) {
            if (!json_is_integer(value) || json_integer_value(value) < 0)
                return AW_ERR_EIM_IMPORT_FIELD;
            snprintf(number, sizeof(number), "%lld", (long long)json_integer_value(value));
            text = number;
        } else if (json_is_string(value)) {
            /* jansson refuses \u0000 without JSON_ALLOW_NUL: no embedded NUL here */
            text = json_string_value(value);
        } else {
            return AW_ERR_EIM_IMPORT_SYNTAX;
        }
        if (column != COLUMN_EID && text[0] == '\0')
            return column == COLUMN_EUICC_CERTIFICATE || column == COLUMN_EUM_CERTIFICATE
                       ? AW_ERR_EIM_IMPORT_CERTIFICATE
                       : AW_ERR_EIM_IMPORT_FIELD;
        err = record_set(e, (enum column)column, text);
        if (err != AW_OK)
            return err;
    }
    return AW_OK;
}

aw_err eim_registry_parse_json(const uint8_t *data, size_t len,
                               const eim_registry_defaults *defaults, eim_batch **out,
                               size_t *line)
{
    size_t at = 0;
    eim_batch *batch = NULL;
    aw_err err = check_arguments(data, len, defaults, out, line);
    if (err != AW_OK)
        return err;
    json_error_t error;
    json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &error);
    json_t *list = json_is_object(root) && json_object_size(root) == 1
                       ? json_object_get(root, "euiccs")
                       : NULL;
    if (!json_is_array(list) || json_array_size(list) == 0)
        err = AW_ERR_EIM_IMPORT_SYNTAX;
    else if (json_array_size(list) > EIM_BATCH_MAX_RECORDS)
        err = AW_ERR_LIMIT;
    else
        err = batch_new(json_array_size(list), &batch);
    for (size_t i = 0; err == AW_OK && i < json_array_size(list); i++) {
        at = i + 1;
        err = json_record(json_array_get(list, i), defaults, &batch->records[batch->count++]);
    }
    if (err == AW_OK)
        err = check_duplicates(batch, 1, &at);
    json_decref(root);
    if (line != NULL)
        *line = err == AW_OK ? 0 : at;
    if (err != AW_OK) {
        eim_batch_free(batch);
        return err;
    }
    *out = batch;
    return AW_OK;
}

aw_err eim_sgp32_version_parse(const char *text, eim_sgp32_version *out)
{
    /* the versions whose wire formats this eIM knows (docs/sgp32-versions.md) */
    static const struct {
        const char *text;
        eim_sgp32_version version;
    } known[] = {{"1.0", EIM_SGP32_VERSION_1_0},
                 {"1.1", EIM_SGP32_VERSION_1_1},
                 {"1.2", EIM_SGP32_VERSION_1_2}};
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = 0;
    for (size_t i = 0; text != NULL && i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(text, known[i].text) == 0) {
            *out = known[i].version;
            return AW_OK;
        }
    }
    return AW_ERR_ARGUMENT;
}
