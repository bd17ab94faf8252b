/* libFuzzer target: the SM-DP+ daemon's observation of its own answers for
 * metrics and logs (src/smdp/server_ops.c) from what the JSON binding
 * reports of them (es9p_json_outcome: SGP.22 6.5.1.4 functionExecutionStatus
 * status, subject and reason code, transactionId), whatever those texts
 * are: the input is split at NUL bytes into status, subject code, reason
 * code, transactionId and the routed function name.
 * Properties beyond "no crash": the log line is one JSON object whose
 * result is one of the documented values, its codes and transactionId are
 * made only of the characters SGP.22 allows them, and the rendered metrics
 * have the ES9+ request family series. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/log.h"
#include "core/metrics.h"
#include "smdp/server_ops.h"

#define FIELD_COUNT 5u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A logged field, if present, made only of the characters in allowed. */
static void check_field(json_t *line, const char *name, const char *allowed)
{
    const char *value = json_string_value(json_object_get(line, name));
    if (value != NULL && strspn(value, allowed) != strlen(value))
        abort();
}

static void check(const char *const fields[FIELD_COUNT])
{
    char *buffer = NULL;
    size_t buffer_size = 0;
    FILE *stream = open_memstream(&buffer, &buffer_size);
    aw_log *log = NULL;
    smdp_ops ops;
    if (stream == NULL || log_new_stream(stream, LOG_LEVEL_DEBUG, &log) != AW_OK ||
        smdp_ops_init(&ops, log) != AW_OK)
        abort();
    char path[128];
    snprintf(path, sizeof(path), "/gsma/rsp2/es9plus/%s", fields[4]);
    smdp_ops_request request = {.interface = SMDP_INTERFACE_ES9P,
                                .path = path,
                                .http_status = 200,
                                .status = fields[0],
                                .subject_code = fields[1],
                                .reason_code = fields[2],
                                .transaction_id = fields[3],
                                .duration_us = 1};
    smdp_ops_observe(&ops, &request);
    fflush(stream);
    json_t *line = json_loadb(buffer, buffer_size, 0, NULL);
    const char *result = json_string_value(json_object_get(line, "result"));
    if (line == NULL || result == NULL ||
        (strcmp(result, "success") != 0 && strcmp(result, "failed") != 0 &&
         strcmp(result, "error") != 0))
        abort();
    check_field(line, "subject_code", "0123456789.");
    check_field(line, "reason_code", "0123456789.");
    check_field(line, "transaction_id", "0123456789ABCDEFabcdef");
    char *text = NULL;
    size_t text_len = 0;
    if (metrics_registry_render(ops.registry, &text, &text_len) != AW_OK ||
        strstr(text, "airwrite_smdp_es9p_requests_total{function=\"") == NULL)
        abort();
    free(text);
    json_decref(line);
    smdp_ops_clear(&ops);
    log_free(log);
    fclose(stream);
    free(buffer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the fields, NUL-separated; missing ones are NULL (the status) or ""
     * (an empty function name is "unknown") */
    char *copy = malloc(size + 1);
    if (copy == NULL)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *fields[FIELD_COUNT] = {NULL, NULL, NULL, NULL, ""};
    size_t at = 0;
    for (size_t i = 0; i < FIELD_COUNT && at <= size; i++) {
        fields[i] = copy + at;
        at += strlen(copy + at) + 1;
    }
    check(fields);
    free(copy);
    return 0;
}
