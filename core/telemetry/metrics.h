/*
 * metrics.h: the host's metrics registry and its Prometheus text rendering.
 *
 * A series is one metric name plus one set of label pairs. Series are
 * registered under the registry's mutex and live until the registry is
 * freed; updating a series is lock-free (C11 atomics) and may happen on any
 * thread at any time, also while /metrics renders. Plugins reach these
 * functions through the host table (metric, metric_add, metric_set,
 * metric_observe), whose semantics they implement.
 */
#ifndef OTELC_CORE_METRICS_H
#define OTELC_CORE_METRICS_H

#include <stddef.h>

#include <otelc/plugin.h>

struct evbuffer;

typedef struct metrics_registry metrics_registry;

/* A new, empty registry, or NULL if memory ran out. */
metrics_registry *metrics_new(void);

/* Frees the registry and every series in it. No thread may use a series
 * of this registry any more. NULL is allowed. */
void metrics_free(metrics_registry *r);

/* Returns the series for d: registered on first use, the same pointer for
 * the same name and label pairs (in any order) afterwards. d and its
 * strings are copied; the caller keeps them. Returns NULL when d is
 * invalid (bad metric or label name, repeated label key, a histogram
 * without ascending finite buckets or with an "le" label) or conflicts
 * with what is registered under that name (another type, other buckets),
 * or when memory ran out. Thread-safe; takes the registry's mutex. */
otelc_series *metrics_series(metrics_registry *r, const otelc_metric_desc *d);

/* Counters and gauges: adds v. A counter ignores negative and NaN values
 * (it only goes up); a histogram ignores the call. Lock-free, any thread. */
void metrics_add(otelc_series *s, double v);

/* Gauges: sets the value. The host may also set a counter it computes
 * from an absolute source (process CPU seconds); plugins use metrics_add
 * for counters. A histogram ignores the call. Lock-free, any thread. */
void metrics_set(otelc_series *s, double v);

/* Histograms: counts v into its bucket and adds it to the sum; NaN and
 * other types ignore the call. Lock-free, any thread. */
void metrics_observe(otelc_series *s, double v);

/* The current value of a counter or gauge (for tests and /health); 0 for a
 * histogram. Any thread. */
double metrics_value(const otelc_series *s);

/* Called at the start of every render so computed series (process CPU,
 * memory, uptime) are fresh. The hook may register series and set them;
 * it runs on the rendering thread without the registry's mutex. Up to 8
 * hooks; returns 0, or -1 when the table is full. Thread-safe. */
typedef void (*metrics_render_hook)(void *arg);
int metrics_add_render_hook(metrics_registry *r, metrics_render_hook fn, void *arg);

/* Appends the Prometheus text exposition (format 0.0.4) of every series to
 * out: families sorted by name, one # HELP and # TYPE line each, label
 * values escaped, histograms as cumulative _bucket{le=...}, _sum and
 * _count. Returns 0, or -1 if memory ran out (out may hold part of the
 * text). Thread-safe; holds the registry's mutex while it writes, never
 * while it runs hooks. */
int metrics_render(metrics_registry *r, struct evbuffer *out);

/* Writes v as the exposition format spells it: integers without exponent
 * or fraction where exact, the shortest text that reads back as v
 * otherwise, "+Inf", "-Inf", "NaN". buf should hold 32 bytes; returns
 * buf. Pure function. */
char *metrics_format_value(double v, char *buf, size_t len);

#endif
