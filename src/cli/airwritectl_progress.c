/* airwritectl order watch: progress formatting (airwritectl_progress.h). The
 * counts are those of an Order's "progress" (docs/openapi.yaml), one per
 * order item state of docs/lifecycle.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl_progress.h"

aw_err ctl_progress_counts_from_order(const json_t *order, ctl_progress_counts *counts)
{
    memset(counts, 0, sizeof(*counts));
    const json_t *progress = json_object_get(order, "progress");
    static const char *const names[5] = {"pending", "inProgress", "written", "failed",
                                         "cancelled"};
    int64_t *slots[5] = {&counts->pending, &counts->in_progress, &counts->written,
                         &counts->failed, &counts->cancelled};
    const json_t *total = json_object_get(order, "itemCount");
    if (!json_is_integer(total) || json_integer_value(total) < 0 || !json_is_object(progress))
        return AW_ERR_CTL_RESPONSE;
    counts->total = json_integer_value(total);
    for (size_t i = 0; i < 5; i++) {
        const json_t *value = json_object_get(progress, names[i]);
        if (!json_is_integer(value) || json_integer_value(value) < 0 ||
            json_integer_value(value) > counts->total) {
            memset(counts, 0, sizeof(*counts));
            return AW_ERR_CTL_RESPONSE;
        }
        *slots[i] = json_integer_value(value);
    }
    return AW_OK;
}

static int64_t done_of(const ctl_progress_counts *c)
{
    return c->written + c->failed + c->cancelled;
}

ctl_progress_estimate ctl_progress_update(ctl_progress_tracker *tracker,
                                          const ctl_progress_counts *counts, int64_t now_ms)
{
    ctl_progress_estimate e = {.rate = 0.0, .eta_s = -1, .elapsed_s = 0};
    if (!tracker->started) {
        tracker->started = 1;
        tracker->start_ms = now_ms;
        tracker->start_done = done_of(counts);
    }
    int64_t elapsed_ms = now_ms - tracker->start_ms;
    e.elapsed_s = elapsed_ms > 0 ? elapsed_ms / 1000 : 0;
    int64_t finished = done_of(counts) - tracker->start_done;
    int64_t left = counts->pending + counts->in_progress;
    if (elapsed_ms > 0 && finished > 0) {
        e.rate = (double)finished * 1000.0 / (double)elapsed_ms;
        e.eta_s = (int64_t)((double)left / e.rate + 0.5);
    }
    if (left == 0)
        e.eta_s = 0;
    return e;
}

/* "m:ss", "h:mm:ss" or "--:--" (unknown). */
static void format_eta(int64_t eta_s, char *out, size_t cap)
{
    if (eta_s < 0)
        snprintf(out, cap, "--:--");
    else if (eta_s < 3600)
        snprintf(out, cap, "%lld:%02lld", (long long)(eta_s / 60), (long long)(eta_s % 60));
    else
        snprintf(out, cap, "%lld:%02lld:%02lld", (long long)(eta_s / 3600),
                 (long long)(eta_s / 60 % 60), (long long)(eta_s % 60));
}

static void format_cancelled(const ctl_progress_counts *c, const char *separator, char *out,
                             size_t cap)
{
    out[0] = '\0';
    if (c->cancelled > 0)
        snprintf(out, cap, "%scancelled %lld", separator, (long long)c->cancelled);
}

size_t ctl_progress_format_bar(const ctl_progress_counts *counts,
                               const ctl_progress_estimate *estimate, unsigned width, char *out,
                               size_t cap)
{
    if (cap == 0)
        return 0;
    char eta[32], cancelled[40], text[CTL_PROGRESS_LINE_MAX];
    format_eta(estimate->eta_s, eta, sizeof(eta));
    format_cancelled(counts, " ", cancelled, sizeof(cancelled));
    int n = snprintf(text, sizeof(text), "%lld/%lld written %lld failed %lld pending %lld%s "
                     "%.1f/s ETA %s",
                     (long long)done_of(counts), (long long)counts->total,
                     (long long)counts->written, (long long)counts->failed,
                     (long long)(counts->pending + counts->in_progress), cancelled,
                     estimate->rate, eta);
    size_t text_len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
    size_t limit = width < cap ? width : cap - 1;
    if ((size_t)width < text_len + 3 + CTL_PROGRESS_MIN_BAR || width >= cap) {
        size_t len = text_len < limit ? text_len : limit;
        memcpy(out, text, len);
        out[len] = '\0';
        return len;
    }
    size_t cells = width - text_len - 3;
    /* Cumulative boundaries, so a finished order fills the bar exactly. */
    size_t ends[3] = {0, 0, 0};
    if (counts->total > 0) {
        int64_t sums[3] = {counts->written, counts->written + counts->failed, done_of(counts)};
        for (size_t i = 0; i < 3; i++) {
            int64_t sum = sums[i] < counts->total ? sums[i] : counts->total;
            ends[i] = (size_t)((double)sum * (double)cells / (double)counts->total);
        }
    }
    size_t len = 0;
    out[len++] = '[';
    for (size_t i = 0; i < cells; i++)
        out[len++] = i < ends[0] ? '#' : i < ends[1] ? 'x' : i < ends[2] ? '-' : '.';
    out[len++] = ']';
    out[len++] = ' ';
    memcpy(out + len, text, text_len);
    len += text_len;
    out[len] = '\0';
    return len;
}

size_t ctl_progress_format_line(const ctl_progress_counts *counts,
                                const ctl_progress_estimate *estimate, const char *status,
                                char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    char eta[32], cancelled[40];
    format_eta(estimate->eta_s, eta, sizeof(eta));
    format_cancelled(counts, ", ", cancelled, sizeof(cancelled));
    int n = snprintf(out, cap,
                     "%llds %s: %lld/%lld done, written %lld, failed %lld, pending %lld%s, "
                     "%.1f/s, ETA %s",
                     (long long)estimate->elapsed_s, status != NULL ? status : "?",
                     (long long)done_of(counts), (long long)counts->total,
                     (long long)counts->written, (long long)counts->failed,
                     (long long)(counts->pending + counts->in_progress), cancelled,
                     estimate->rate, eta);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t ctl_progress_percentile(int64_t *values, size_t count, unsigned percent)
{
    if (values == NULL || count == 0 || percent < 1 || percent > 100)
        return -1;
    qsort(values, count, sizeof(values[0]), compare_int64);
    /* nearest rank: the smallest value with at least percent% at or below it */
    size_t rank = (count * percent + 99) / 100;
    return values[rank - 1];
}
