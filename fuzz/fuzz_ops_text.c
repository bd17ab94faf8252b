/* libFuzzer target: the text writers of the daemons' operations, with
 * arbitrary text where a name, code or identifier would be: JSON log lines
 * (src/core/log.c, RFC 8259 strings) and Prometheus label values
 * (src/core/metrics.c, text format 0.0.4). Properties beyond "no crash":
 * - a log line is one line, one JSON object jansson accepts, and gives
 *   back the text exactly when it was valid UTF-8 of at most LOG_TEXT_MAX
 *   bytes (as field value and as field name);
 * - a rendered counter is its HELP, TYPE and one sample line, whose label
 *   value unescapes to the text. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/log.h"
#include "core/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_log(const char *text)
{
    static char line[LOG_LINE_MAX];
    size_t len = 0;
    log_field fields[] = {LOG_TEXT("t", text), LOG_UINT(text, 7)};
    if (log_format_line(0, LOG_LEVEL_INFO, "fuzz", text, fields, 2, line, sizeof(line), &len) !=
            AW_OK ||
        len == 0 || len != strlen(line) || line[len - 1] != '\n' ||
        memchr(line, '\n', len - 1) != NULL)
        abort();
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)line[i] < 0x20)
            abort();
    json_error_t error;
    json_t *root = json_loadb(line, len, 0, &error);
    if (root == NULL || !json_is_object(root))
        abort();
    /* a text that is also a key of the line repeats that key (the last
     * one wins in jansson): only the JSON validity is checked then */
    static const char *const keys[] = {"ts", "level", "component", "event", "t"};
    bool repeated = false;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        repeated = repeated || strcmp(text, keys[i]) == 0;
    json_t *as_string = json_string(text); /* NULL unless valid UTF-8 */
    if (as_string != NULL && strlen(text) <= LOG_TEXT_MAX && !repeated) {
        const char *value = json_string_value(json_object_get(root, "t"));
        const char *event = json_string_value(json_object_get(root, "event"));
        if (value == NULL || strcmp(value, text) != 0 || event == NULL ||
            strcmp(event, text) != 0)
            abort();
        if (json_integer_value(json_object_get(root, text)) != 7)
            abort();
    }
    json_decref(as_string);
    json_decref(root);
}

/* Undo the exposition escapes of a label value up to its closing quote. */
static char *unescape_label(const char *p, const char **end)
{
    char *out = malloc(strlen(p) + 1);
    size_t n = 0;
    if (out == NULL)
        abort();
    while (*p != '"') {
        if (*p == '\0')
            abort();
        if (*p == '\\') {
            p++;
            if (*p == 'n')
                out[n++] = '\n';
            else if (*p == '\\' || *p == '"')
                out[n++] = *p;
            else
                abort();
        } else {
            out[n++] = *p;
        }
        p++;
    }
    out[n] = '\0';
    *end = p;
    return out;
}

static void check_metrics(const char *text)
{
    metrics_registry *registry = NULL;
    metrics_counter *counter = NULL;
    static const char *const labels[] = {"v"};
    const char *values[] = {text};
    if (metrics_registry_new(&registry) != AW_OK ||
        metrics_counter_new(registry, "x_total", "h", labels, 1, &counter) != AW_OK)
        abort();
    aw_err err = metrics_counter_add(counter, values, 1);
    if (err != (strlen(text) <= METRICS_VALUE_MAX ? AW_OK : AW_ERR_ARGUMENT))
        abort();
    char *rendered = NULL;
    size_t len = 0;
    if (metrics_registry_render(registry, &rendered, &len) != AW_OK)
        abort();
    static const char head[] = "# HELP x_total h\n# TYPE x_total counter\n";
    if (strncmp(rendered, head, sizeof(head) - 1) != 0)
        abort();
    const char *sample = rendered + sizeof(head) - 1;
    if (err == AW_OK) {
        if (strncmp(sample, "x_total{v=\"", 11) != 0)
            abort();
        const char *end = NULL;
        char *value = unescape_label(sample + 11, &end);
        if (strcmp(value, text) != 0 || strcmp(end, "\"} 1\n") != 0)
            abort();
        free(value);
    } else if (*sample != '\0') {
        abort();
    }
    free(rendered);
    metrics_registry_free(registry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * LOG_TEXT_MAX)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0'; /* an inner NUL ends the text, as in C strings */
    check_log(text);
    check_metrics(text);
    free(text);
    return 0;
}
