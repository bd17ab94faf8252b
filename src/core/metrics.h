/* airwrite core: metrics for the daemons in the Prometheus text exposition
 * format, version 0.0.4 (Prometheus "Exposition formats": one "# HELP" and
 * one "# TYPE" line per metric family, then its samples; label values with
 * \\, \" and \n escaped; histograms as cumulative <name>_bucket{le="..."}
 * series ending in le="+Inf", then <name>_sum and <name>_count).
 *
 * A registry owns counter and histogram families; each family has a fixed
 * list of label names, and a series (one tuple of label values) is created
 * the first time it is used, up to METRICS_SERIES_MAX per family (beyond:
 * AW_ERR_LIMIT, never unbounded growth). Families render in the order they
 * were created, series in the order they first appeared.
 *
 * Names follow the Prometheus data model: metric [a-zA-Z_:][a-zA-Z0-9_:]*,
 * label [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"; counter names end in
 * "_total"; "le" is reserved for histogram buckets.
 *
 * Thread-safe: updates and rendering take the registry's mutex. Library
 * code receives a family pointer (NULL: metrics off, updates do nothing).
 */
#ifndef AIRWRITE_CORE_METRICS_H
#define AIRWRITE_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define METRICS_LABELS_MAX 8u      /* label names per family */
#define METRICS_SERIES_MAX 1024u   /* label value tuples per family */
#define METRICS_BUCKETS_MAX 32u    /* histogram bucket bounds (without +Inf) */
#define METRICS_NAME_MAX 128u      /* bytes of a metric or label name */
#define METRICS_VALUE_MAX 256u     /* bytes of a label value */
#define METRICS_HELP_MAX 512u      /* bytes of a help text */

/* The Content-Type of the rendered text (Prometheus text format 0.0.4). */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct metrics_registry metrics_registry;
typedef struct metrics_counter metrics_counter;
typedef struct metrics_histogram metrics_histogram;

aw_err metrics_registry_new(metrics_registry **out);
/* Frees every family too. NULL-safe. */
void metrics_registry_free(metrics_registry *registry);

/* A counter family (owned by the registry). AW_ERR_ARGUMENT for a bad name,
 * help, label name, or more than METRICS_LABELS_MAX labels; AW_ERR_STATE if
 * a family of that name exists. */
aw_err metrics_counter_new(metrics_registry *registry, const char *name, const char *help,
                           const char *const *label_names, size_t label_count,
                           metrics_counter **out);

/* Add amount to the series of label_values (label_count values, none
 * NULL). NULL counter: AW_OK, nothing counted. AW_ERR_ARGUMENT for a value
 * over METRICS_VALUE_MAX bytes, AW_ERR_LIMIT past METRICS_SERIES_MAX series. */
aw_err metrics_counter_add(metrics_counter *counter, const char *const *label_values,
                           uint64_t amount);

/* A histogram family with the given upper bounds (finite, strictly
 * increasing, 1..METRICS_BUCKETS_MAX of them; +Inf is added). Errors as
 * metrics_counter_new, plus AW_ERR_ARGUMENT for bad bounds or a "le" label. */
aw_err metrics_histogram_new(metrics_registry *registry, const char *name, const char *help,
                             const char *const *label_names, size_t label_count,
                             const double *bounds, size_t bound_count,
                             metrics_histogram **out);

/* Record one observation (a finite value, e.g. seconds) in the series of
 * label_values. NULL histogram: AW_OK. Errors as metrics_counter_add, plus
 * AW_ERR_ARGUMENT for a NaN or infinite value. */
aw_err metrics_histogram_observe(metrics_histogram *histogram, const char *const *label_values,
                                 double value);

/* Bucket bounds for request latencies in seconds: 1 ms to 10 s. */
extern const double metrics_latency_bounds[];
extern const size_t metrics_latency_bound_count;

/* The text exposition of every family (malloc'd, NUL-terminated; free()). */
aw_err metrics_registry_render(metrics_registry *registry, char **text, size_t *len);

/* ---- Plain HTTP exposition listener --------------------------------------- */

struct event_base;
typedef struct metrics_server metrics_server;

/* Serve GET /metrics (and HEAD) with the registry's text over plain HTTP on
 * address:port (port 0: ephemeral) of base's loop. Meant for a loopback or
 * management address that a Prometheus server scrapes: no TLS, no
 * authentication, nothing else served (404; 405 for other methods).
 * AW_ERR_ARGUMENT for a NULL argument, AW_ERR_HTTP_BIND if it cannot listen. */
aw_err metrics_server_new(struct event_base *base, const char *address, uint16_t port,
                          metrics_registry *registry, metrics_server **out);
/* The bound port; 0 for NULL. */
uint16_t metrics_server_port(const metrics_server *server);
/* NULL-safe; closes the listener and its connections. */
void metrics_server_free(metrics_server *server);

#endif
