/*
 * host_metrics.h: the host's own telemetry, with the collector's names:
 * items (spans, metric points, log records) accepted and refused per
 * receiver, sent and failed per exporter,
 * queue size and capacity. Process CPU and memory come with /metrics.
 */
#ifndef OTELC_CORE_HOST_METRICS_H
#define OTELC_CORE_HOST_METRICS_H

#include "graph.h"

/* Registers every series and the render hook that refreshes queue
 * figures. Main thread, after the instances exist. 0 or -1. */
int host_metrics_register(host *h);

/* Counts a receiver's emit outcome (sync, or on completion) of items of
 * signal s under the transport its batch named (borrowed; NULL: the
 * receiver's type). Any thread. */
void host_metrics_receiver(otelc_ctx *c, otelc_status st, otelc_signal s, uint32_t items,
                           const char *transport);

#endif
