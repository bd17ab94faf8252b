/* airwrite core: counter and histogram families rendered in the Prometheus
 * text exposition format 0.0.4, see metrics.h. */
#include "core/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double metrics_latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10};
const size_t metrics_latency_bound_count =
    sizeof(metrics_latency_bounds) / sizeof(metrics_latency_bounds[0]);

typedef enum metrics_kind {
    METRICS_KIND_COUNTER = 1,
    METRICS_KIND_HISTOGRAM,
} metrics_kind;

typedef struct metrics_series {
    char *values[METRICS_LABELS_MAX];
    uint64_t counter;  /* counters */
    uint64_t *buckets; /* histograms: per bucket (not cumulative), bound_count + 1 */
    double sum;
    uint64_t count;
} metrics_series;

typedef struct metrics_family {
    metrics_registry *registry;
    metrics_kind kind;
    char *name;
    char *help;
    char *label_names[METRICS_LABELS_MAX];
    size_t label_count;
    double bounds[METRICS_BUCKETS_MAX];
    size_t bound_count;
    metrics_series *series;
    size_t series_count;
    size_t series_cap;
    struct metrics_family *next;
} metrics_family;

/* The public handles are families of one kind. */
struct metrics_counter {
    metrics_family family;
};
struct metrics_histogram {
    metrics_family family;
};

struct metrics_registry {
    pthread_mutex_t mutex;
    metrics_family *first;
    metrics_family *last;
};

aw_err metrics_registry_new(metrics_registry **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return AW_ERR_NOMEM;
    if (pthread_mutex_init(&(*out)->mutex, NULL) != 0) {
        free(*out);
        *out = NULL;
        return AW_ERR_NOMEM;
    }
    return AW_OK;
}

static void metrics_family_free(metrics_family *f)
{
    for (size_t i = 0; i < f->series_count; i++) {
        for (size_t j = 0; j < f->label_count; j++)
            free(f->series[i].values[j]);
        free(f->series[i].buckets);
    }
    for (size_t j = 0; j < f->label_count; j++)
        free(f->label_names[j]);
    free(f->series);
    free(f->name);
    free(f->help);
    free(f);
}

void metrics_registry_free(metrics_registry *registry)
{
    if (registry == NULL)
        return;
    for (metrics_family *f = registry->first, *next; f != NULL; f = next) {
        next = f->next;
        metrics_family_free(f);
    }
    pthread_mutex_destroy(&registry->mutex);
    free(registry);
}

/* ---- Names ------------------------------------------------------------------ */

static bool metrics_name_char(char c, bool first, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Prometheus data model: metric names may hold ':', label names may not
 * and may not start with "__" (reserved). */
static bool metrics_name_ok(const char *name, bool metric)
{
    if (name == NULL || name[0] == '\0' || strnlen(name, METRICS_NAME_MAX + 1) > METRICS_NAME_MAX)
        return false;
    if (!metric && name[0] == '_' && name[1] == '_')
        return false;
    for (size_t i = 0; name[i] != '\0'; i++)
        if (!metrics_name_char(name[i], i == 0, metric))
            return false;
    return true;
}

static bool metrics_ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n > m && strcmp(text + n - m, suffix) == 0;
}

static aw_err metrics_family_new(metrics_registry *registry, metrics_kind kind, const char *name,
                                 const char *help, const char *const *label_names,
                                 size_t label_count, metrics_family **out)
{
    *out = NULL;
    if (registry == NULL || !metrics_name_ok(name, true) || help == NULL ||
        strnlen(help, METRICS_HELP_MAX + 1) > METRICS_HELP_MAX ||
        label_count > METRICS_LABELS_MAX || (label_names == NULL && label_count != 0))
        return AW_ERR_ARGUMENT;
    if (kind == METRICS_KIND_COUNTER && !metrics_ends_with(name, "_total"))
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < label_count; i++) {
        if (!metrics_name_ok(label_names[i], false) ||
            (kind == METRICS_KIND_HISTOGRAM && strcmp(label_names[i], "le") == 0))
            return AW_ERR_ARGUMENT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(label_names[i], label_names[j]) == 0)
                return AW_ERR_ARGUMENT;
    }
    /* The handle types wrap the family as their only member. */
    metrics_family *f = calloc(1, kind == METRICS_KIND_COUNTER ? sizeof(metrics_counter)
                                                               : sizeof(metrics_histogram));
    if (f == NULL)
        return AW_ERR_NOMEM;
    f->registry = registry;
    f->kind = kind;
    f->name = strdup(name);
    f->help = strdup(help);
    bool ok = f->name != NULL && f->help != NULL;
    for (size_t i = 0; ok && i < label_count; i++) {
        f->label_names[i] = strdup(label_names[i]);
        ok = f->label_names[i] != NULL;
        f->label_count = i + 1;
    }
    if (!ok) {
        metrics_family_free(f);
        return AW_ERR_NOMEM;
    }
    *out = f;
    return AW_OK;
}

/* Link f into the registry unless its name is taken. */
static aw_err metrics_register(metrics_registry *registry, metrics_family *f)
{
    aw_err err = AW_OK;
    pthread_mutex_lock(&registry->mutex);
    for (metrics_family *g = registry->first; g != NULL; g = g->next) {
        if (strcmp(g->name, f->name) == 0)
            err = AW_ERR_STATE;
    }
    if (err == AW_OK) {
        if (registry->last != NULL)
            registry->last->next = f;
        else
            registry->first = f;
        registry->last = f;
    }
    pthread_mutex_unlock(&registry->mutex);
    return err;
}

aw_err metrics_counter_new(metrics_registry *registry, const char *name, const char *help,
                           const char *const *label_names, size_t label_count,
                           metrics_counter **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    metrics_family *f = NULL;
    aw_err err = metrics_family_new(registry, METRICS_KIND_COUNTER, name, help, label_names,
                                    label_count, &f);
    if (err == AW_OK)
        err = metrics_register(registry, f);
    if (err != AW_OK) {
        if (f != NULL)
            metrics_family_free(f);
        return err;
    }
    *out = (metrics_counter *)f;
    return AW_OK;
}

aw_err metrics_histogram_new(metrics_registry *registry, const char *name, const char *help,
                             const char *const *label_names, size_t label_count,
                             const double *bounds, size_t bound_count,
                             metrics_histogram **out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    *out = NULL;
    if (bounds == NULL || bound_count == 0 || bound_count > METRICS_BUCKETS_MAX)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < bound_count; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
            return AW_ERR_ARGUMENT;
    }
    metrics_family *f = NULL;
    aw_err err = metrics_family_new(registry, METRICS_KIND_HISTOGRAM, name, help, label_names,
                                    label_count, &f);
    if (err != AW_OK)
        return err;
    memcpy(f->bounds, bounds, bound_count * sizeof(*bounds));
    f->bound_count = bound_count;
    err = metrics_register(registry, f);
    if (err != AW_OK) {
        metrics_family_free(f);
        return err;
    }
    *out = (metrics_histogram *)f;
    return AW_OK;
}

/* ---- Updates ----------------------------------------------------------------- */

static aw_err metrics_check_values(const metrics_family *f, const char *const *values)
{
    if (values == NULL && f->label_count != 0)
        return AW_ERR_ARGUMENT;
    for (size_t i = 0; i < f->label_count; i++) {
        if (values[i] == NULL || strnlen(values[i], METRICS_VALUE_MAX + 1) > METRICS_VALUE_MAX)
            return AW_ERR_ARGUMENT;
    }
    return AW_OK;
}

/* The series of values, created when new; called with the mutex held. */
static aw_err metrics_series_get(metrics_family *f, const char *const *values,
                                 metrics_series **out)
{
    for (size_t i = 0; i < f->series_count; i++) {
        size_t j = 0;
        while (j < f->label_count && strcmp(f->series[i].values[j], values[j]) == 0)
            j++;
        if (j == f->label_count) {
            *out = &f->series[i];
            return AW_OK;
        }
    }
    if (f->series_count == METRICS_SERIES_MAX)
        return AW_ERR_LIMIT;
    if (f->series_count == f->series_cap) {
        size_t cap = f->series_cap != 0 ? 2 * f->series_cap : 8;
        metrics_series *grown = realloc(f->series, cap * sizeof(*grown));
        if (grown == NULL)
            return AW_ERR_NOMEM;
        f->series = grown;
        f->series_cap = cap;
    }
    metrics_series *s = &f->series[f->series_count];
    memset(s, 0, sizeof(*s));
    bool ok = true;
    if (f->kind == METRICS_KIND_HISTOGRAM) {
        s->buckets = calloc(f->bound_count + 1, sizeof(*s->buckets));
        ok = s->buckets != NULL;
    }
    size_t made = 0;
    for (; ok && made < f->label_count; made++) {
        s->values[made] = strdup(values[made]);
        ok = s->values[made] != NULL;
    }
    if (!ok) {
        for (size_t j = 0; j < made; j++)
            free(s->values[j]);
        free(s->buckets);
        return AW_ERR_NOMEM;
    }
    f->series_count++;
    *out = s;
    return AW_OK;
}

aw_err metrics_counter_add(metrics_counter *counter, const char *const *label_values,
                           uint64_t amount)
{
    if (counter == NULL)
        return AW_OK;
    metrics_family *f = &counter->family;
    aw_err err = metrics_check_values(f, label_values);
    if (err != AW_OK)
        return err;
    metrics_series *s = NULL;
    pthread_mutex_lock(&f->registry->mutex);
    err = metrics_series_get(f, label_values, &s);
    if (err == AW_OK)
        s->counter += amount;
    pthread_mutex_unlock(&f->registry->mutex);
    return err;
}

aw_err metrics_histogram_observe(metrics_histogram *histogram, const char *const *label_values,
                                 double value)
{
    if (histogram == NULL)
        return AW_OK;
    metrics_family *f = &histogram->family;
    aw_err err = metrics_check_values(f, label_values);
    if (err != AW_OK)
        return err;
    if (!isfinite(value))
        return AW_ERR_ARGUMENT;
    metrics_series *s = NULL;
    pthread_mutex_lock(&f->registry->mutex);
    err = metrics_series_get(f, label_values, &s);
    if (err == AW_OK) {
        size_t b = 0;
        while (b < f->bound_count && value > f->bounds[b])
            b++;
        s->buckets[b]++; /* b == bound_count: only +Inf */
        s->sum += value;
        s->count++;
    }
    pthread_mutex_unlock(&f->registry->mutex);
    return err;
}

/* ---- Rendering ----------------------------------------------------------------- */

typedef struct metrics_text {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} metrics_text;

static void metrics_put(metrics_text *t, const char *data, size_t len)
{
    if (t->failed)
        return;
    if (len + 1 > t->cap - t->len) {
        size_t cap = t->cap != 0 ? t->cap : 1024;
        while (len + 1 > cap - t->len)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, data, len);
    t->len += len;
    t->data[t->len] = '\0';
}

static void metrics_put_text(metrics_text *t, const char *text)
{
    metrics_put(t, text, strlen(text));
}

/* Exposition format escapes: \\ and \n everywhere, \" in label values. */
static void metrics_put_escaped(metrics_text *t, const char *text, bool quote)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\\')
            metrics_put_text(t, "\\\\");
        else if (*p == '\n')
            metrics_put_text(t, "\\n");
        else if (quote && *p == '"')
            metrics_put_text(t, "\\\"");
        else
            metrics_put(t, p, 1);
    }
}

static void metrics_put_uint(metrics_text *t, uint64_t value)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
    metrics_put(t, text, (size_t)n);
}

/* The shortest decimal form that reads back as the same double (Go's
 * strconv 'g' -1, what Prometheus clients write). */
static void metrics_put_double(metrics_text *t, double value)
{
    if (isinf(value)) {
        metrics_put_text(t, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (isnan(value)) {
        metrics_put_text(t, "NaN");
        return;
    }
    char text[40];
    int precision = 1, n = 0;
    for (; precision < 17; precision++) {
        snprintf(text, sizeof(text), "%.*g", precision, value);
        if (strtod(text, NULL) == value)
            break;
    }
    /* whole digits in full below 1e21 ("10", not "1e+01") */
    double magnitude = fabs(value);
    for (int digits = 1; magnitude >= 10 && magnitude < 1e21; digits++) {
        magnitude /= 10;
        if (precision < digits + 1)
            precision = digits + 1;
    }
    n = snprintf(text, sizeof(text), "%.*g", precision, value);
    metrics_put(t, text, (size_t)n);
}

/* name{label="value",...[,le="bound"]} value */
static void metrics_put_sample_name(metrics_text *t, const metrics_family *f,
                                    const metrics_series *s, const char *suffix, const double *le)
{
    metrics_put_text(t, f->name);
    metrics_put_text(t, suffix);
    if (f->label_count == 0 && le == NULL)
        return;
    metrics_put_text(t, "{");
    for (size_t i = 0; i < f->label_count; i++) {
        if (i > 0)
            metrics_put_text(t, ",");
        metrics_put_text(t, f->label_names[i]);
        metrics_put_text(t, "=\"");
        metrics_put_escaped(t, s->values[i], true);
        metrics_put_text(t, "\"");
    }
    if (le != NULL) {
        metrics_put_text(t, f->label_count > 0 ? ",le=\"" : "le=\"");
        metrics_put_double(t, *le);
        metrics_put_text(t, "\"");
    }
    metrics_put_text(t, "}");
}

static void metrics_render_family(metrics_text *t, const metrics_family *f)
{
    metrics_put_text(t, "# HELP ");
    metrics_put_text(t, f->name);
    metrics_put_text(t, " ");
    metrics_put_escaped(t, f->help, false);
    metrics_put_text(t, "\n# TYPE ");
    metrics_put_text(t, f->name);
    metrics_put_text(t, f->kind == METRICS_KIND_COUNTER ? " counter\n" : " histogram\n");
    for (size_t i = 0; i < f->series_count; i++) {
        const metrics_series *s = &f->series[i];
        if (f->kind == METRICS_KIND_COUNTER) {
            metrics_put_sample_name(t, f, s, "", NULL);
            metrics_put_text(t, " ");
            metrics_put_uint(t, s->counter);
            metrics_put_text(t, "\n");
            continue;
        }
        uint64_t cumulative = 0;
        for (size_t b = 0; b <= f->bound_count; b++) {
            double le = b < f->bound_count ? f->bounds[b] : INFINITY;
            cumulative += s->buckets[b];
            metrics_put_sample_name(t, f, s, "_bucket", &le);
            metrics_put_text(t, " ");
            metrics_put_uint(t, cumulative);
            metrics_put_text(t, "\n");
        }
        metrics_put_sample_name(t, f, s, "_sum", NULL);
        metrics_put_text(t, " ");
        metrics_put_double(t, s->sum);
        metrics_put_text(t, "\n");
        metrics_put_sample_name(t, f, s, "_count", NULL);
        metrics_put_text(t, " ");
        metrics_put_uint(t, s->count);
        metrics_put_text(t, "\n");
    }
}

aw_err metrics_registry_render(metrics_registry *registry, char **text, size_t *len)
{
    if (text != NULL)
        *text = NULL;
    if (len != NULL)
        *len = 0;
    if (registry == NULL || text == NULL || len == NULL)
        return AW_ERR_ARGUMENT;
    metrics_text t = {0};
    metrics_put(&t, "", 0);
    pthread_mutex_lock(&registry->mutex);
    for (const metrics_family *f = registry->first; f != NULL; f = f->next)
        metrics_render_family(&t, f);
    pthread_mutex_unlock(&registry->mutex);
    if (t.failed || t.data == NULL) {
        free(t.data);
        return AW_ERR_NOMEM;
    }
    *text = t.data;
    *len = t.len;
    return AW_OK;
}
