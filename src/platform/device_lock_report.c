/* airwrite platform: POST /terminal/v1/card-refusals, a device's refusal of
 * a card not bound to it (card-device locking, 机卡互锁;
 * platform_device_lock_report.h, docs/device-lock.md "Card refused"), on
 * the terminal report listener: mutual TLS names the device by its own
 * card's EID (subject serialNumber, as SGP.22 4.5.2.1 does for the eUICC),
 * and the report may only speak for that device. An airwrite extension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>

#include "platform/platform_device_lock_report.h"

static bool all_digits(const char *text)
{
    return strspn(text, "0123456789") == strlen(text);
}

static bool members_known(const json_t *object)
{
    static const char *const allowed[] = {"deviceEid", "cardEid", "imei", "time", NULL};
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

/* A string member of min..max digits (digits_only) or bytes, copied. */
static bool text_member(const json_t *root, const char *name, size_t min, size_t max,
                        bool digits_only, char *out)
{
    const json_t *value = json_object_get(root, name);
    const char *text = json_string_value(value);
    if (text == NULL)
        return false;
    size_t len = json_string_length(value);
    if (len < min || len > max || strlen(text) != len || (digits_only && !all_digits(text)))
        return false;
    memcpy(out, text, len + 1);
    return true;
}

/* RFC 3339 UTC, seconds: "YYYY-MM-DDTHH:MM:SSZ", fields in range. */
static bool time_valid(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(t) != PLATFORM_DEVICE_REFUSAL_TIME_LENGTH)
        return false;
    for (size_t i = 0; i < PLATFORM_DEVICE_REFUSAL_TIME_LENGTH; i++)
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            return false;
    int month = (t[5] - '0') * 10 + (t[6] - '0'), day = (t[8] - '0') * 10 + (t[9] - '0');
    int hour = (t[11] - '0') * 10 + (t[12] - '0'), minute = (t[14] - '0') * 10 + (t[15] - '0');
    int second = (t[17] - '0') * 10 + (t[18] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
           second <= 60;
}

static bool parse_members(const json_t *root, platform_device_refusal *r)
{
    if (!json_is_object(root) || !members_known(root) ||
        !text_member(root, "deviceEid", PLATFORM_EID_DIGITS, PLATFORM_EID_DIGITS, true,
                     r->device_eid) ||
        !text_member(root, "cardEid", PLATFORM_EID_DIGITS, PLATFORM_EID_DIGITS, true,
                     r->card_eid) ||
        strcmp(r->device_eid, r->card_eid) == 0 ||
        !text_member(root, "time", 1, PLATFORM_DEVICE_REFUSAL_TIME_LENGTH, false, r->time) ||
        !time_valid(r->time))
        return false;
    return json_object_get(root, "imei") == NULL ||
           text_member(root, "imei", 15, PLATFORM_DEVICE_TEXT_MAX, true, r->imei);
}

aw_err platform_device_refusal_parse(const uint8_t *body, size_t len,
                                     platform_device_refusal *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (body == NULL || len == 0 || len > PLATFORM_DEVICE_REFUSAL_BODY_MAX)
        return AW_ERR_TERMINAL_REPORT;
    json_error_t error;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    bool ok = root != NULL && parse_members(root, out);
    json_decref(root);
    if (!ok)
        memset(out, 0, sizeof(*out));
    return ok ? AW_OK : AW_ERR_TERMINAL_REPORT;
}

typedef struct refusal_args {
    const platform_device_refusal *r;
    const platform_exception_policy *policy;
    int64_t now_ms;
} refusal_args;

static aw_err refusal_in(db_connection *db, void *arg)
{
    const refusal_args *a = arg;
    return platform_device_lock_on_refused(db, a->policy, a->r->device_eid, a->r->card_eid,
                                           a->r->imei, a->now_ms);
}

aw_err platform_device_refusal_handle(db_connection *db, const platform_exception_policy *policy,
                                      aw_slice peer_certificate, const uint8_t *body, size_t len,
                                      int64_t now_ms, int *http_status, char **answer)
{
    if (answer != NULL)
        *answer = NULL;
    if (http_status != NULL)
        *http_status = 0;
    if (db == NULL || http_status == NULL || answer == NULL || (body == NULL && len != 0))
        return AW_ERR_ARGUMENT;
    char device_eid[PLATFORM_EID_DIGITS + 1], subject[256];
    if (!platform_terminal_certificate_eid(peer_certificate, device_eid, subject,
                                           sizeof(subject))) {
        *http_status = 403;
        return platform_terminal_answer("T2101", "device certificate missing or names no EID", answer);
    }
    platform_device_refusal refusal;
    if (platform_device_refusal_parse(body, len, &refusal) != AW_OK) {
        *http_status = 400;
        return platform_terminal_answer("T2102", "malformed card refusal", answer);
    }
    if (strcmp(refusal.device_eid, device_eid) != 0) {
        *http_status = 403;
        return platform_terminal_answer("T2101", "refusal for another device than the certificate's",
                           answer);
    }
    refusal_args a = {.r = &refusal, .policy = policy, .now_ms = now_ms};
    aw_err err = db_transaction_run(db, refusal_in, &a, NULL);
    if (err == AW_OK)
        *http_status = 204;
    return err;
}

static int64_t wall_clock_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void refusal_handler(http_request *request, void *userdata)
{
    platform_terminal_endpoint *endpoint = userdata;
    size_t len = 0;
    const uint8_t *body = http_request_body(request, &len);
    int status = 0;
    char *answer = NULL;
    aw_err err = platform_device_refusal_handle(endpoint->db, endpoint->policy,
                                                http_request_peer_certificate(request), body, len,
                                                wall_clock_ms(), &status, &answer);
    /* a refusal not taken is retried by the device */
    http_request_set_status(request, err == AW_OK ? status : 500);
    if (err == AW_OK && answer != NULL) {
        http_request_add_header(request, "Content-Type", "application/json");
        http_request_set_body(request, answer, strlen(answer));
    }
    free(answer);
}

aw_err platform_device_refusal_register(http_server *server, platform_terminal_endpoint *endpoint)
{
    if (server == NULL || endpoint == NULL || endpoint->db == NULL)
        return AW_ERR_ARGUMENT;
    return http_server_route(server, AW_HTTP_METHOD_POST, PLATFORM_DEVICE_REFUSAL_PATH,
                             refusal_handler, endpoint);
}
