/* airwrite core: the terminal information record's JSON (format and clauses
 * in terminal_info.h). One set of bounds (record_valid) serves the encoder
 * and the parser, so whatever one writes the other reads. */
#include "core/terminal_info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CELL_ID_MAX 68719476735ull /* 2^36 - 1: NR cell identity, TS 23.003 19.6A */
#define TAC_MAX 16777215u          /* 24-bit TAC, TS 23.003 19.4.2.3 */

static bool digits(const char *text, size_t min, size_t max)
{
    size_t len = strlen(text);
    return len >= min && len <= max && strspn(text, "0123456789") == len;
}

static bool printable(const char *text, size_t min, size_t max)
{
    size_t len = strlen(text);
    if (len < min || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (text[i] < 0x20 || text[i] > 0x7e)
            return false;
    return true;
}

static bool in_range(double value, double min, double max)
{
    return isfinite(value) && value >= min && value <= max;
}

static bool signal_valid(int value, int max, int unknown)
{
    return value == TERMINAL_INFO_SIGNAL_UNKNOWN || (value >= 0 && value <= max) ||
           value == unknown;
}

static bool location_valid(const terminal_info_location *l)
{
    if (l->kind == TERMINAL_INFO_LOCATION_NONE)
        return true;
    if (l->time < 0)
        return false;
    bool position = !l->has_position ||
                    (in_range(l->latitude, -90, 90) && in_range(l->longitude, -180, 180) &&
                     in_range(l->accuracy_m, 0, 1e7));
    if (l->kind == TERMINAL_INFO_LOCATION_GNSS)
        return l->has_position && position;
    return l->kind == TERMINAL_INFO_LOCATION_CELL && position &&
           (!l->has_position || l->accuracy_m > 0) && digits(l->mcc, 3, 3) &&
           digits(l->mnc, 2, 3) && l->tac <= TAC_MAX && l->cell_id <= CELL_ID_MAX;
}

static bool record_valid(const terminal_info_record *r)
{
    return digits(r->eid, TERMINAL_INFO_EID_DIGITS, TERMINAL_INFO_EID_DIGITS) && r->time >= 0 &&
           (r->imei[0] == '\0' || digits(r->imei, 14, TERMINAL_INFO_IMEI_MAX)) &&
           (r->firmware[0] == '\0' || printable(r->firmware, 1, TERMINAL_INFO_FIRMWARE_MAX)) &&
           signal_valid(r->rssi, 31, 99) && signal_valid(r->ber, 7, 99) &&
           signal_valid(r->rsrp, 97, 255) && signal_valid(r->rsrq, 34, 255) &&
           location_valid(&r->location);
}

void terminal_info_record_init(terminal_info_record *record, const char *eid, int64_t time)
{
    memset(record, 0, sizeof(*record));
    if (eid != NULL && strlen(eid) <= TERMINAL_INFO_EID_DIGITS)
        memcpy(record->eid, eid, strlen(eid) + 1);
    record->time = time;
    record->rssi = record->ber = record->rsrp = record->rsrq = TERMINAL_INFO_SIGNAL_UNKNOWN;
}

/* ---- Encoding ------------------------------------------------------------- */

static int set_signal(json_t *object, const char *name, int value)
{
    return value == TERMINAL_INFO_SIGNAL_UNKNOWN
               ? 0
               : json_object_set_new(object, name, json_integer(value));
}

static json_t *location_json(const terminal_info_location *l)
{
    json_t *o = json_pack("{s:s, s:I}", "kind",
                          l->kind == TERMINAL_INFO_LOCATION_GNSS ? "gnss" : "cell", "time",
                          (json_int_t)l->time);
    bool ok = o != NULL;
    if (ok && l->kind == TERMINAL_INFO_LOCATION_CELL)
        ok = json_object_set_new(o, "mcc", json_string(l->mcc)) == 0 &&
             json_object_set_new(o, "mnc", json_string(l->mnc)) == 0 &&
             json_object_set_new(o, "tac", json_integer(l->tac)) == 0 &&
             json_object_set_new(o, "cellId", json_integer((json_int_t)l->cell_id)) == 0;
    if (ok && l->has_position)
        ok = json_object_set_new(o, "latitude", json_real(l->latitude)) == 0 &&
             json_object_set_new(o, "longitude", json_real(l->longitude)) == 0 &&
             json_object_set_new(o, "accuracy", json_real(l->accuracy_m)) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

aw_err terminal_info_encode(const terminal_info_record *record, char **json, size_t *len)
{
    if (json != NULL)
        *json = NULL;
    if (len != NULL)
        *len = 0;
    if (record == NULL || json == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    if (!record_valid(record))
        return AW_ERR_TERMINAL_INFO;
    json_t *root = json_pack("{s:i, s:s, s:I}", "version", 1, "eid", record->eid, "time",
                             (json_int_t)record->time);
    bool ok = root != NULL;
    if (ok && record->imei[0] != '\0')
        ok = json_object_set_new(root, "imei", json_string(record->imei)) == 0;
    if (ok && record->firmware[0] != '\0')
        ok = json_object_set_new(root, "firmware", json_string(record->firmware)) == 0;
    if (ok && (record->rssi != TERMINAL_INFO_SIGNAL_UNKNOWN ||
               record->ber != TERMINAL_INFO_SIGNAL_UNKNOWN ||
               record->rsrp != TERMINAL_INFO_SIGNAL_UNKNOWN ||
               record->rsrq != TERMINAL_INFO_SIGNAL_UNKNOWN)) {
        json_t *signal = json_object();
        ok = signal != NULL && set_signal(signal, "rssi", record->rssi) == 0 &&
             set_signal(signal, "ber", record->ber) == 0 &&
             set_signal(signal, "rsrp", record->rsrp) == 0 &&
             set_signal(signal, "rsrq", record->rsrq) == 0;
        ok = json_object_set_new(root, "signal", signal) == 0 && ok;
    }
    if (ok && record->location.kind != TERMINAL_INFO_LOCATION_NONE) {
        json_t *location = location_json(&record->location);
        ok = location != NULL && json_object_set_new(root, "location", location) == 0;
    }
    char *text = ok ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))
                    : NULL;
    json_decref(root);
    if (text == NULL)
        return AW_ERR_NOMEM;
    size_t n = strlen(text);
    if (n > TERMINAL_INFO_RECORD_MAX) {
        free(text);
        return AW_ERR_TERMINAL_INFO;
    }
    *json = text;
    *len = n;
    return AW_OK;
}

/* ---- Parsing -------------------------------------------------------------- */

static bool members_known(const json_t *object, const char *const *allowed)
{
    const char *key;
    const json_t *value;
    json_object_foreach ((json_t *)object, key, value) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return false;
    }
    return true;
}

/* A string member of at most max bytes, no NUL, copied into out. */
static bool text_member(const json_t *o, const char *name, size_t max, char *out)
{
    const json_t *v = json_object_get(o, name);
    const char *text = json_string_value(v);
    if (text == NULL || json_string_length(v) > max || strlen(text) != json_string_length(v))
        return false;
    memcpy(out, text, json_string_length(v) + 1);
    return true;
}

static bool integer_member(const json_t *o, const char *name, int64_t min, int64_t max,
                           int64_t *out)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* A JSON number (integer or real) as double. */
static bool number_member(const json_t *o, const char *name, double *out)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

static bool signal_member(const json_t *o, const char *name, int *out)
{
    if (json_object_get(o, name) == NULL)
        return true;
    int64_t v;
    if (!integer_member(o, name, 0, 255, &v))
        return false;
    *out = (int)v;
    return true;
}

static bool parse_location(const json_t *o, terminal_info_location *l)
{
    static const char *const allowed[] = {"kind",   "time",     "latitude", "longitude",
                                          "accuracy", "mcc",    "mnc",      "tac",
                                          "cellId", NULL};
    char kind[8];
    int64_t time, tac = 0, cell = 0;
    if (!json_is_object(o) || !members_known(o, allowed) || !text_member(o, "kind", 7, kind) ||
        !integer_member(o, "time", 0, INT64_MAX, &time))
        return false;
    l->time = time;
    if (strcmp(kind, "gnss") == 0) {
        l->kind = TERMINAL_INFO_LOCATION_GNSS;
        if (json_object_get(o, "mcc") != NULL || json_object_get(o, "mnc") != NULL ||
            json_object_get(o, "tac") != NULL || json_object_get(o, "cellId") != NULL)
            return false;
    } else if (strcmp(kind, "cell") == 0) {
        l->kind = TERMINAL_INFO_LOCATION_CELL;
        if (!text_member(o, "mcc", 3, l->mcc) || !text_member(o, "mnc", 3, l->mnc) ||
            !integer_member(o, "tac", 0, TAC_MAX, &tac) ||
            !integer_member(o, "cellId", 0, (int64_t)CELL_ID_MAX, &cell))
            return false;
        l->tac = (uint32_t)tac;
        l->cell_id = (uint64_t)cell;
    } else {
        return false;
    }
    bool any = json_object_get(o, "latitude") != NULL || json_object_get(o, "longitude") != NULL ||
               json_object_get(o, "accuracy") != NULL;
    if (any || l->kind == TERMINAL_INFO_LOCATION_GNSS) {
        l->has_position = true;
        if (!number_member(o, "latitude", &l->latitude) ||
            !number_member(o, "longitude", &l->longitude) ||
            !number_member(o, "accuracy", &l->accuracy_m))
            return false;
    }
    return true;
}

static bool parse_members(const json_t *root, terminal_info_record *r)
{
    static const char *const allowed[] = {"version", "eid",    "time",     "imei",
                                          "firmware", "signal", "location", NULL};
    static const char *const signal_allowed[] = {"rssi", "ber", "rsrp", "rsrq", NULL};
    int64_t version, time;
    if (!json_is_object(root) || !members_known(root, allowed) ||
        !integer_member(root, "version", 1, 1, &version) ||
        !text_member(root, "eid", TERMINAL_INFO_EID_DIGITS, r->eid) ||
        !integer_member(root, "time", 0, INT64_MAX, &time))
        return false;
    r->time = time;
    if (json_object_get(root, "imei") != NULL &&
        (!text_member(root, "imei", TERMINAL_INFO_IMEI_MAX, r->imei) || r->imei[0] == '\0'))
        return false;
    if (json_object_get(root, "firmware") != NULL &&
        (!text_member(root, "firmware", TERMINAL_INFO_FIRMWARE_MAX, r->firmware) ||
         r->firmware[0] == '\0'))
        return false;
    const json_t *signal = json_object_get(root, "signal");
    if (signal != NULL &&
        (!json_is_object(signal) || json_object_size(signal) == 0 ||
         !members_known(signal, signal_allowed) || !signal_member(signal, "rssi", &r->rssi) ||
         !signal_member(signal, "ber", &r->ber) || !signal_member(signal, "rsrp", &r->rsrp) ||
         !signal_member(signal, "rsrq", &r->rsrq)))
        return false;
    const json_t *location = json_object_get(root, "location");
    return location == NULL || parse_location(location, &r->location);
}

aw_err terminal_info_parse(const uint8_t *json, size_t len, terminal_info_record *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    terminal_info_record_init(out, NULL, 0);
    if (json == NULL || len == 0 || len > TERMINAL_INFO_RECORD_MAX)
        return AW_ERR_TERMINAL_INFO;
    json_error_t error;
    json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &error);
    bool ok = root != NULL && parse_members(root, out) && record_valid(out);
    json_decref(root);
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return AW_ERR_TERMINAL_INFO;
    }
    return AW_OK;
}
