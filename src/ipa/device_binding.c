/* airwrite IPA: card-device locking on the device (device_binding.h,
 * docs/device-lock.md): the binding file, the check of the card's EID
 * (SGP.22 5.7.20 ES10c.GetEID read first), and the refusal report. */
#include "ipa/device_binding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/file.h"

static bool digits(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

/* One line (without its LF, a trailing CR removed) into the binding. */
static bool take_line(const char *line, size_t len, ipa_device_binding *out)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0 || line[0] == '#')
        return true;
    if (len != IPA_DEVICE_BINDING_EID_DIGITS || !digits(line, len) ||
        out->count == IPA_DEVICE_BINDING_EIDS_MAX)
        return false;
    for (size_t i = 0; i < out->count; i++)
        if (memcmp(out->eids[i], line, len) == 0)
            return false;
    memcpy(out->eids[out->count], line, len);
    out->eids[out->count][len] = '\0';
    out->count++;
    return true;
}

aw_err ipa_device_binding_parse(const uint8_t *text, size_t len, ipa_device_binding *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if ((text == NULL && len != 0) || len > IPA_DEVICE_BINDING_FILE_MAX)
        return AW_ERR_DEVICE_BINDING_FILE;
    const char *p = (const char *)text;
    size_t start = 0;
    bool ok = true;
    for (size_t i = 0; ok && i <= len; i++) {
        if (i < len && p[i] == '\0')
            ok = false;
        else if (i == len || p[i] == '\n') {
            ok = take_line(p + start, i - start, out);
            start = i + 1;
        }
    }
    if (!ok || out->count == 0) {
        memset(out, 0, sizeof(*out));
        return AW_ERR_DEVICE_BINDING_FILE;
    }
    return AW_OK;
}

aw_err ipa_device_binding_load(const char *path, ipa_device_binding *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (path == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    uint8_t *text = NULL;
    size_t len = 0;
    aw_err err = aw_file_read(path, IPA_DEVICE_BINDING_FILE_MAX, &text, &len);
    if (err == AW_ERR_LIMIT)
        err = AW_ERR_DEVICE_BINDING_FILE;
    if (err == AW_OK)
        err = ipa_device_binding_parse(text, len, out);
    free(text);
    return err;
}

aw_err ipa_device_binding_check(const ipa_device_binding *binding, const char *eid)
{
    if (binding == NULL || eid == NULL)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < binding->count && i < IPA_DEVICE_BINDING_EIDS_MAX; i++)
        if (strcmp(binding->eids[i], eid) == 0)
            return AW_OK;
    return AW_ERR_DEVICE_BINDING_UNBOUND;
}

static bool eid_valid(const char *eid)
{
    return eid != NULL && strlen(eid) == IPA_DEVICE_BINDING_EID_DIGITS &&
           digits(eid, IPA_DEVICE_BINDING_EID_DIGITS);
}

aw_err ipa_device_refusal_encode(const char *device_eid, const char *card_eid, const char *imei,
                                 int64_t now_seconds, char **json)
{
    if (json != NULL)
        *json = NULL;
    size_t imei_len = imei != NULL ? strlen(imei) : 0;
    if (!eid_valid(device_eid) || !eid_valid(card_eid) || json == NULL || now_seconds < 0 ||
        (imei_len != 0 && ((imei_len != 15 && imei_len != 16) || !digits(imei, imei_len))))
        return AW_ERR_ARGUMENT;
    time_t t = (time_t)now_seconds;
    struct tm utc;
    char when[32];
    if (gmtime_r(&t, &utc) == NULL ||
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        return AW_ERR_ARGUMENT;
    json_t *root = json_pack("{s:s, s:s, s:s}", "deviceEid", device_eid, "cardEid", card_eid,
                             "time", when);
    aw_err err = root != NULL ? AW_OK : AW_ERR_NOMEM;
    if (err == AW_OK && imei_len != 0 && json_object_set_new(root, "imei", json_string(imei)) != 0)
        err = AW_ERR_NOMEM;
    if (err == AW_OK && (*json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        err = AW_ERR_NOMEM;
    json_decref(root);
    return err;
}
