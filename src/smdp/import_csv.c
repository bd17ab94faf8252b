/* airwrite SM-DP+: CSV inventory batch parser (RFC 4180 quoting) for the
 * profiles of SGP.22 3.1.1 profile ordering. Format and checks: import.h. */
#include <string.h>

#include <openssl/crypto.h>

#include "smdp/import.h"
#include "smdp/import_internal.h"

enum column { COL_ICCID, COL_IMSI, COL_KI, COL_OPC, COL_MSISDN, COL_ALGORITHM, COL_COUNT };

static const char *const column_names[COL_COUNT] = {"iccid", "imsi", "ki", "opc", "msisdn",
                                                    "algorithm"};

/* One record's fields, NUL-terminated one after the other in text. */
typedef struct csv_record {
    char text[SMDP_IMPORT_MAX_LINE + SMDP_IMPORT_MAX_FIELDS + 1];
    const char *fields[SMDP_IMPORT_MAX_FIELDS];
    size_t count;
} csv_record;

typedef struct csv_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t line; /* 1-based line at pos */
} csv_reader;

/* Read one record starting at r->pos (which is before the end). */
static aw_err read_record(csv_reader *r, csv_record *out)
{
    size_t start = r->pos, used = 0;
    out->count = 0;
    for (;;) {
        if (out->count == SMDP_IMPORT_MAX_FIELDS)
            return AW_ERR_LIMIT;
        out->fields[out->count++] = out->text + used;
        if (r->pos < r->len && r->data[r->pos] == '"') {
            /* RFC 4180 2.5-2.7: quoted field, "" is one quote */
            r->pos++;
            for (;;) {
                if (r->pos >= r->len)
                    return AW_ERR_SMDP_IMPORT_SYNTAX;
                uint8_t c = r->data[r->pos];
                if (c == '"') {
                    if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                        r->pos++;
                    } else {
                        r->pos++;
                        break;
                    }
                }
                if (c == 0)
                    return AW_ERR_SMDP_IMPORT_SYNTAX;
                if (c == '\n')
                    r->line++;
                if (used >= SMDP_IMPORT_MAX_LINE || r->pos - start >= SMDP_IMPORT_MAX_LINE)
                    return AW_ERR_LIMIT;
                out->text[used++] = (char)c;
                r->pos++;
            }
        } else {
            while (r->pos < r->len) {
                uint8_t c = r->data[r->pos];
                if (c == ',' || c == '\r' || c == '\n')
                    break;
                /* RFC 4180 2.5: a field that is not quoted holds no quotes */
                if (c == '"' || c == 0)
                    return AW_ERR_SMDP_IMPORT_SYNTAX;
                if (used >= SMDP_IMPORT_MAX_LINE || r->pos - start >= SMDP_IMPORT_MAX_LINE)
                    return AW_ERR_LIMIT;
                out->text[used++] = (char)c;
                r->pos++;
            }
        }
        out->text[used++] = '\0';
        if (r->pos - start > SMDP_IMPORT_MAX_LINE)
            return AW_ERR_LIMIT;
        if (r->pos >= r->len)
            return AW_OK;
        uint8_t c = r->data[r->pos];
        if (c == ',') {
            r->pos++;
            continue;
        }
        if (c == '\r') {
            /* RFC 4180 2.1: CRLF; a lone CR is not a line end */
            if (r->pos + 1 >= r->len || r->data[r->pos + 1] != '\n')
                return AW_ERR_SMDP_IMPORT_SYNTAX;
            r->pos++;
            c = '\n';
        }
        if (c == '\n') {
            r->pos++;
            r->line++;
            return AW_OK;
        }
        return AW_ERR_SMDP_IMPORT_SYNTAX; /* text after a closing quote */
    }
}

static aw_err map_header(const csv_record *header, int map[COL_COUNT])
{
    for (size_t c = 0; c < COL_COUNT; c++)
        map[c] = -1;
    for (size_t i = 0; i < header->count; i++) {
        size_t c = 0;
        while (c < COL_COUNT && strcmp(header->fields[i], column_names[c]) != 0)
            c++;
        if (c == COL_COUNT || map[c] != -1)
            return AW_ERR_SMDP_IMPORT_HEADER;
        map[c] = (int)i;
    }
    for (size_t c = COL_ICCID; c <= COL_OPC; c++)
        if (map[c] == -1)
            return AW_ERR_SMDP_IMPORT_HEADER;
    return AW_OK;
}

static const char *column(const csv_record *record, const int map[COL_COUNT], enum column c)
{
    return map[c] < 0 ? NULL : record->fields[map[c]];
}

/* Keep the line each record starts on (for duplicate reports), growing
 * the array at powers of two. */
static aw_err remember_line(size_t **lines, size_t count, size_t line)
{
    if ((count & (count - 1)) == 0) {
        size_t *grown = realloc(*lines, 2 * count * sizeof(**lines));
        if (grown == NULL)
            return AW_ERR_NOMEM;
        *lines = grown;
    }
    (*lines)[count - 1] = line;
    return AW_OK;
}

aw_err smdp_import_parse_csv(const uint8_t *data, size_t len, const char *profile_type,
                             smdp_import_batch **out, smdp_import_position *position)
{
    if (out != NULL)
        *out = NULL;
    if (position != NULL)
        *position = (smdp_import_position){0};
    if (out == NULL || position == NULL || (data == NULL && len > 0))
        return AW_ERR_ARGUMENT;
    if (len > SMDP_IMPORT_MAX_SIZE)
        return AW_ERR_LIMIT;
    smdp_import_batch *batch = NULL;
    size_t *lines = NULL;
    csv_record *record = malloc(sizeof(*record));
    smdp_import_record parsed;
    memset(&parsed, 0, sizeof(parsed));
    aw_err err = record == NULL ? AW_ERR_NOMEM : smdp_import_batch_new(profile_type, &batch);
    if (err != AW_OK)
        goto cleanup;
    csv_reader r = {.data = data, .len = len, .pos = 0, .line = 1};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3; /* UTF-8 byte order mark, as spreadsheet exports write */
    position->line = 1;
    if (r.pos >= len) {
        err = AW_ERR_SMDP_IMPORT_HEADER;
        goto cleanup;
    }
    int map[COL_COUNT] = {-1, -1, -1, -1, -1, -1};
    err = read_record(&r, record);
    if (err == AW_OK)
        err = map_header(record, map);
    size_t columns = record->count;
    while (err == AW_OK && r.pos < len) {
        position->line = r.line;
        position->record = batch->count + 1;
        err = read_record(&r, record);
        if (err != AW_OK)
            break;
        if (record->count != columns) {
            err = AW_ERR_SMDP_IMPORT_FIELD_COUNT;
            break;
        }
        err = smdp_import_record_set(&parsed, column(record, map, COL_ICCID),
                                     column(record, map, COL_IMSI), column(record, map, COL_KI),
                                     column(record, map, COL_OPC), column(record, map, COL_MSISDN),
                                     column(record, map, COL_ALGORITHM));
        if (err == AW_OK)
            err = smdp_import_batch_append(batch, &parsed);
        if (err == AW_OK)
            err = remember_line(&lines, batch->count, position->line);
    }
    if (err == AW_OK) {
        size_t repeated;
        *position = (smdp_import_position){0};
        err = smdp_import_batch_check_unique(batch, &repeated);
        if (err != AW_OK) {
            position->record = repeated;
            position->line = lines[repeated - 1];
        }
    }

cleanup:
    free(lines);
    OPENSSL_cleanse(&parsed, sizeof(parsed));
    if (record != NULL) {
        OPENSSL_cleanse(record, sizeof(*record));
        free(record);
    }
    if (err != AW_OK) {
        smdp_import_batch_free(batch);
        return err;
    }
    *out = batch;
    return AW_OK;
}
