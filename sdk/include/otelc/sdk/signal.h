/*
 * signal.h: the words the collector uses for each signal, for the log
 * lines and metric names a component writes about its items.
 *
 * Part of the otelc plugin SDK: header-only, pure. A signal that is none
 * of the three reads as traces (otelc_batch_signal's rule).
 */
#ifndef OTELC_SDK_SIGNAL_H
#define OTELC_SDK_SIGNAL_H

#include <otelc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The signal's name as pipelines spell it: "traces", "metrics", "logs". */
static inline const char *otelc_signal_name(otelc_signal s)
{
    return s == OTELC_METRICS ? "metrics" : s == OTELC_LOGS ? "logs" : "traces";
}

/* The unit in the collector's metric names: "spans", "metric_points",
 * "log_records" (otelcol_exporter_sent_metric_points_total). */
static inline const char *otelc_signal_unit(otelc_signal s)
{
    return s == OTELC_METRICS ? "metric_points" : s == OTELC_LOGS ? "log_records" : "spans";
}

/* The items in prose: "spans", "data points", "log records". */
static inline const char *otelc_signal_items(otelc_signal s)
{
    return s == OTELC_METRICS ? "data points" : s == OTELC_LOGS ? "log records" : "spans";
}

/* The field the collector's OTLP exporters log a partial success's count
 * under: "dropped_spans", "dropped_data_points", "dropped_log_records". */
static inline const char *otelc_signal_dropped_key(otelc_signal s)
{
    return s == OTELC_METRICS ? "dropped_data_points"
           : s == OTELC_LOGS  ? "dropped_log_records"
                              : "dropped_spans";
}

/* 0, 1, 2 for traces, metrics, logs: an index into per-signal arrays. */
#define OTELC_NSIGNALS 3
static inline unsigned otelc_signal_index(otelc_signal s)
{
    return s == OTELC_METRICS ? 1u : s == OTELC_LOGS ? 2u : 0u;
}

/* The signal at index i (otelc_signal_index's inverse). */
static inline otelc_signal otelc_signal_at(unsigned i)
{
    return i == 1 ? OTELC_METRICS : i == 2 ? OTELC_LOGS : OTELC_TRACES;
}

/* The one signal of a mask with exactly one bit (a processor's
 * signals_fed), traces for any other mask. */
static inline otelc_signal otelc_signal_only(uint32_t mask)
{
    return mask == OTELC_METRICS || mask == OTELC_LOGS ? (otelc_signal)mask : OTELC_TRACES;
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_SIGNAL_H */
