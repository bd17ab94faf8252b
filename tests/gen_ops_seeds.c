/* Writes the seed corpora of fuzz_ops_text and fuzz_smdp_ops_answer (run
 * by hand, not a test):
 *   gen_ops_seeds fuzz/corpus
 * fuzz_ops_text: texts the daemons' log and metrics writers meet: names
 * and codes, quotes, backslashes, control characters, multi-byte and broken
 * UTF-8, a text past LOG_TEXT_MAX, and a whole log line and a rendered
 * exposition made by log_format_line and metrics_registry_render.
 * fuzz_smdp_ops_answer: what the ES9+ JSON binding reports of its answers
 * (SGP.22 6.5.1.4 functionExecutionStatus, transactionId), one record of
 * NUL-separated fields per seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/metrics.h"

static int write_seed(const char *dir, unsigned n, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/seed_%u", dir, n);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* What the JSON binding reports of an answer (es9p_json_outcome), as
 * fuzz_smdp_ops_answer reads it: status, subject code, reason code,
 * transactionId and the routed function, separated by NUL bytes. */
static int write_answers(const char *root)
{
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/fuzz_smdp_ops_answer", root);
    mkdir(dir, 0755);
    static const char *const answers[][5] = {
        {"Executed-Success", "", "", "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
         "initiateAuthentication"},
        {"Failed", "8.2.6", "3.8", "", "authenticateClient"},
        {"Executed-Success", "", "", "00112233445566778899AABBCCDDEEFF",
         "getBoundProfilePackage"},
        {"Failed", "1.2", "4.2", "", "handleNotification"},
    };
    int failed = 0;
    for (unsigned i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        char record[256];
        size_t len = 0;
        for (unsigned f = 0; f < 5; f++) {
            size_t n = strlen(answers[i][f]);
            memcpy(record + len, answers[i][f], n);
            len += n;
            if (f < 4)
                record[len++] = '\0';
        }
        failed |= write_seed(dir, i, record, len);
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
        return 2;
    }
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/fuzz_ops_text", argv[1]);
    mkdir(dir, 0755);
    static const char *const texts[] = {
        "initiateAuthentication", "8.10.1", "Executed-Success", "a\"b\\c",
        "line\nbreak\ttab\r\x01\x1f", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xB6",
        "bad \x80 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 end\xE2\x82", "event", "",
    };
    unsigned n = 0;
    int failed = 0;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        failed |= write_seed(dir, n++, texts[i], strlen(texts[i]));
    char *long_text = malloc(LOG_TEXT_MAX + 8);
    if (long_text == NULL)
        return 1;
    memset(long_text, 'x', LOG_TEXT_MAX + 8);
    long_text[LOG_TEXT_MAX - 1] = '\xC3';
    long_text[LOG_TEXT_MAX] = '\xA9';
    failed |= write_seed(dir, n++, long_text, LOG_TEXT_MAX + 8);
    free(long_text);

    static char line[LOG_LINE_MAX];
    size_t len = 0;
    log_field fields[] = {LOG_TEXT("function", "getBoundProfilePackage"),
                          LOG_TEXT("transaction_id", "0123456789ABCDEF0123456789ABCDEF"),
                          LOG_INT("http_status", 200), LOG_BOOL("ok", true)};
    if (log_format_line(1764567751123, LOG_LEVEL_INFO, "smdp", "es9p_request", fields, 4, line,
                        sizeof(line), &len) != AW_OK)
        return 1;
    failed |= write_seed(dir, n++, line, len);

    metrics_registry *registry = NULL;
    metrics_counter *counter = NULL;
    static const char *const labels[] = {"function", "result"};
    const char *values[] = {"authenticateClient", "failed"};
    char *text = NULL;
    if (metrics_registry_new(&registry) != AW_OK ||
        metrics_counter_new(registry, "airwrite_smdp_es9p_requests_total", "Requests.", labels, 2,
                            &counter) != AW_OK ||
        metrics_counter_add(counter, values, 3) != AW_OK ||
        metrics_registry_render(registry, &text, &len) != AW_OK)
        return 1;
    failed |= write_seed(dir, n++, text, len);
    free(text);
    metrics_registry_free(registry);
    return failed | write_answers(argv[1]);
}
