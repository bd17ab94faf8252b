/* airwrite SM-DP+: JSON inventory batch parser (jansson) for the profiles
 * of SGP.22 3.1.1 profile ordering. Format and checks: import.h. */
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "smdp/import.h"
#include "smdp/import_internal.h"

/* A string member, or NULL when absent; *bad when present but not a string
 * (a JSON null counts as absent for the optional members). */
static const char *member_text(json_t *object, const char *key, bool optional, bool *bad)
{
    json_t *v = json_object_get(object, key);
    if (v == NULL || (optional && json_is_null(v)))
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = true; /* not a string, or one with an embedded NUL */
        return NULL;
    }
    return json_string_value(v);
}

static bool only_members(json_t *object, const char *const *allowed, size_t count)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) {
        (void)value;
        size_t i = 0;
        while (i < count && strcmp(key, allowed[i]) != 0)
            i++;
        if (i == count)
            return false;
    }
    return true;
}

static const char *const root_members[] = {"profileType", "profiles"};
static const char *const profile_members[] = {"iccid", "imsi", "ki", "opc", "msisdn",
                                              "algorithm"};

static aw_err parse_profile(json_t *p, smdp_import_record *record)
{
    if (!json_is_object(p) || !only_members(p, profile_members, 6))
        return AW_ERR_SMDP_IMPORT_SYNTAX;
    bool bad = false;
    const char *iccid = member_text(p, "iccid", false, &bad);
    const char *imsi = member_text(p, "imsi", false, &bad);
    const char *ki = member_text(p, "ki", false, &bad);
    const char *opc = member_text(p, "opc", false, &bad);
    const char *msisdn = member_text(p, "msisdn", true, &bad);
    const char *algorithm = member_text(p, "algorithm", true, &bad);
    if (bad)
        return AW_ERR_SMDP_IMPORT_SYNTAX;
    /* a missing mandatory member fails its own check (NULL value) */
    return smdp_import_record_set(record, iccid, imsi, ki, opc, msisdn, algorithm);
}

/* jansson keeps the parsed Ki/OPc strings in its heap; erase them before
 * the tree is released. */
static void erase_secrets(json_t *profiles)
{
    size_t i;
    json_t *p;
    json_array_foreach(profiles, i, p) {
        if (!json_is_object(p))
            continue;
        static const char *const secret[] = {"ki", "opc"};
        for (size_t k = 0; k < 2; k++) {
            json_t *v = json_object_get(p, secret[k]);
            if (json_is_string(v))
                OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
        }
    }
}

aw_err smdp_import_parse_json(const uint8_t *data, size_t len, smdp_import_batch **out,
                              smdp_import_position *position)
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
    smdp_import_record parsed;
    memset(&parsed, 0, sizeof(parsed));
    json_error_t error;
    /* Duplicate members are refused; the whole text must be one value. */
    json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &error);
    aw_err err = AW_OK;
    if (root == NULL) {
        position->line = error.line > 0 ? (size_t)error.line : 0;
        return AW_ERR_SMDP_IMPORT_SYNTAX;
    }
    json_t *profiles = json_object_get(root, "profiles");
    if (!json_is_object(root) || !only_members(root, root_members, 2) || !json_is_array(profiles)) {
        err = AW_ERR_SMDP_IMPORT_SYNTAX;
        goto cleanup;
    }
    json_t *type = json_object_get(root, "profileType");
    if (!json_is_string(type) || strlen(json_string_value(type)) != json_string_length(type)) {
        err = AW_ERR_SMDP_IMPORT_PROFILE_TYPE;
        goto cleanup;
    }
    err = smdp_import_batch_new(json_string_value(type), &batch);
    if (err != AW_OK)
        goto cleanup;
    if (json_array_size(profiles) > SMDP_IMPORT_MAX_RECORDS) {
        err = AW_ERR_LIMIT;
        goto cleanup;
    }
    size_t i;
    json_t *p;
    json_array_foreach(profiles, i, p) {
        position->record = i + 1;
        err = parse_profile(p, &parsed);
        if (err == AW_OK)
            err = smdp_import_batch_append(batch, &parsed);
        if (err != AW_OK)
            goto cleanup;
    }
    size_t repeated;
    position->record = 0;
    err = smdp_import_batch_check_unique(batch, &repeated);
    position->record = repeated;

cleanup:
    OPENSSL_cleanse(&parsed, sizeof(parsed));
    if (json_is_array(profiles))
        erase_secrets(profiles);
    json_decref(root);
    if (err != AW_OK) {
        smdp_import_batch_free(batch);
        return err;
    }
    *out = batch;
    return AW_OK;
}
