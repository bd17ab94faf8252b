/* libFuzzer target: what graded exceptions take from outside
 * (src/platform/exceptions.c, exception_store.c, api_exceptions.c;
 * docs/exceptions.md). The first byte picks the part:
 *   0: an airwrited [exceptions] setting "key\nvalue" into the default
 *      policy (platform_exception_policy_set), then the whole-policy check;
 *   1: a POST /api/v1/exceptions/{id}/report body
 *      (exception_report_body_parse);
 *   2: an exception's life on an in-memory SQLite store: the second byte
 *      its grade, then each byte a transition (to one of the five states)
 *      or, for 0xff, a report.
 * Properties checked beyond "no crash":
 * - a setting answers AW_OK, AW_ERR_CONFIG_KEY or AW_ERR_CONFIG_VALUE; after
 *   AW_OK the check answers AW_OK or AW_ERR_CONFIG_CONFLICT (never a value
 *   out of range);
 * - a parsed report has its text, at most 4 attachments each named, typed
 *   and within 160 KiB;
 * - a transition changes the state exactly when it answers AW_OK, to the
 *   state asked; a serious or critical exception is never closed without
 *   its report, and a closed one never changes again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/exceptions_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 256

static db_connection *store;

static void policy_part(const uint8_t *data, size_t size)
{
    char text[TEXT_MAX + 1];
    size_t n = size < TEXT_MAX ? size : TEXT_MAX;
    memcpy(text, data, n);
    text[n] = '\0';
    char *newline = strchr(text, '\n');
    if (newline == NULL)
        return;
    *newline = '\0';
    platform_exception_policy policy;
    platform_exception_policy_default(&policy);
    aw_err err = platform_exception_policy_set(&policy, text, newline + 1);
    if (err != AW_OK && err != AW_ERR_CONFIG_KEY && err != AW_ERR_CONFIG_VALUE)
        abort();
    if (err != AW_OK)
        return;
    err = platform_exception_policy_check(&policy);
    if (err != AW_OK && err != AW_ERR_CONFIG_CONFLICT)
        abort();
}

static void report_part(const uint8_t *data, size_t size)
{
    exception_report_body body;
    aw_err err = exception_report_body_parse(data, size, &body);
    if (err != AW_OK && err != AW_ERR_PLATFORM_JSON && err != AW_ERR_PLATFORM_FIELD &&
        err != AW_ERR_PLATFORM_REPORT_LIMIT && err != AW_ERR_NOMEM)
        abort();
    if (err != AW_OK)
        return;
    if (body.text == NULL || body.count > PLATFORM_EXCEPTION_ATTACHMENTS_MAX)
        abort();
    for (size_t i = 0; i < body.count; i++)
        if (body.attachments[i].name[0] == '\0' || body.attachments[i].content_type[0] == '\0' ||
            body.attachments[i].size > PLATFORM_EXCEPTION_ATTACHMENT_MAX)
            abort();
    exception_report_body_clear(&body);
}

static void life_part(const uint8_t *data, size_t size)
{
    static const char *const states[] = {"open", "acknowledged", "handling", "resolved",
                                         "closed"};
    if (size < 1)
        return;
    if (store == NULL &&
        (db_open("sqlite::memory:", NULL, &store) != AW_OK || platform_migrate(store) != AW_OK))
        abort();
    if (db_execute(store, "DELETE FROM platform_exceptions", NULL, 0, NULL) != AW_OK)
        abort();
    platform_exception_signal s = {.tenant = "tenant-f", .code = "W3001", .source = "fuzz",
                                   .object = "eid:1",
                                   .grade = (platform_exception_grade)(data[0] % 4 + 1)};
    char id[PLATFORM_EXCEPTION_ID_LENGTH + 1];
    int64_t now = 1000;
    if (platform_exception_record(store, NULL, &s, now, id, NULL) != AW_OK)
        abort();
    platform_exception before, after;
    for (size_t i = 1; i < size && i < 64; i++) {
        now += 1000;
        if (platform_exception_get(store, "tenant-f", id, &before) != AW_OK)
            abort();
        if (data[i] == 0xff) {
            aw_err err =
                platform_exception_report(store, "tenant-f", id, "fuzz", "text", NULL, 0, now);
            if ((err == AW_OK) == (strcmp(before.state, "closed") == 0))
                abort(); /* a report is taken exactly while not closed */
            continue;
        }
        const char *to = states[data[i] % 5];
        aw_err err = platform_exception_transition(store, "tenant-f", id, to, "fuzz", NULL, now,
                                                   &after);
        if (err == AW_OK) {
            if (strcmp(after.state, to) != 0 || strcmp(before.state, "closed") == 0 ||
                (strcmp(to, "closed") == 0 && before.grade >= PLATFORM_GRADE_SERIOUS &&
                 !before.has_report))
                abort();
        } else if (err == AW_ERR_PLATFORM_TRANSITION || err == AW_ERR_PLATFORM_EXCEPTION_REPORT) {
            if (platform_exception_get(store, "tenant-f", id, &after) != AW_OK ||
                strcmp(after.state, before.state) != 0)
                abort();
        } else {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: policy_part(data + 1, size - 1); break;
    case 1: report_part(data + 1, size - 1); break;
    default: life_part(data + 1, size - 1); break;
    }
    return 0;
}
