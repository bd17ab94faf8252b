/* airwritectl order watch: the progress of a write order (its items per
 * status, docs/lifecycle.md "order item") as a one-line bar redrawn on a
 * terminal, or as plain lines for logs and pipes, with the rate of items
 * finishing and the time left at that rate. Pure formatting: the caller
 * polls GET /api/v1/orders/{id} and supplies the clock. */
#ifndef AIRWRITE_CLI_AIRWRITECTL_PROGRESS_H
#define AIRWRITE_CLI_AIRWRITECTL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"

#define CTL_PROGRESS_MIN_BAR 10u  /* narrower than this: the text alone */
#define CTL_PROGRESS_LINE_MAX 512u

typedef struct ctl_progress_counts {
    int64_t total;       /* itemCount */
    int64_t pending;
    int64_t in_progress;
    int64_t written;
    int64_t failed;
    int64_t cancelled;
} ctl_progress_counts;

/* The rate is measured from the first sample on. */
typedef struct ctl_progress_tracker {
    int64_t start_ms;
    int64_t start_done;  /* written + failed + cancelled at the start */
    int started;
} ctl_progress_tracker;

/* Items finished per second since the first sample and the seconds left
 * at that rate (-1: unknown, nothing finished yet; 0 when none is left). */
typedef struct ctl_progress_estimate {
    double rate;
    int64_t eta_s;
    int64_t elapsed_s;
} ctl_progress_estimate;

/* The counts of an Order (docs/openapi.yaml: itemCount and progress).
 * AW_ERR_CTL_RESPONSE when a member is missing or negative. */
aw_err ctl_progress_counts_from_order(const json_t *order, ctl_progress_counts *counts);

/* Add a sample taken at now_ms. */
ctl_progress_estimate ctl_progress_update(ctl_progress_tracker *tracker,
                                          const ctl_progress_counts *counts, int64_t now_ms);

/* The terminal line, exactly width columns when width >= the text plus
 * CTL_PROGRESS_MIN_BAR + 2 (a bar in brackets: '#' written, 'x' failed, '-'
 * cancelled, '.' the rest), the text alone (cut to width) otherwise:
 *   "[####x...] 45/100 written 40 failed 5 pending 55 12.5/s ETA 0:04"
 * Returns the length written to out (cap > width). */
size_t ctl_progress_format_bar(const ctl_progress_counts *counts,
                               const ctl_progress_estimate *estimate, unsigned width, char *out,
                               size_t cap);

/* The plain line (not a terminal), with the order's status and the time:
 *   "12s processing: 45/100 done, written 40, failed 5, pending 55, 12.5/s, ETA 0:04" */
size_t ctl_progress_format_line(const ctl_progress_counts *counts,
                                const ctl_progress_estimate *estimate, const char *status,
                                char *out, size_t cap);

/* The percent-th percentile (1..100, nearest-rank method) of count values,
 * which are sorted in place; -1 when count is 0 or percent is out of range. */
int64_t ctl_progress_percentile(int64_t *values, size_t count, unsigned percent);

#endif
