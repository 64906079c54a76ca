/*
 * durable_admin.h: the durable queue's face to operators (see
 * durable_admin.c for the routes): the metrics render hook of a store and
 * the /health provider for every exporter queue.
 */
#ifndef OTELC_CORE_DURABLE_ADMIN_H
#define OTELC_CORE_DURABLE_ADMIN_H

#include <jansson.h>

/* A metrics render hook (metrics_add_render_hook) refreshing the gauges
 * of every queue of a durable_store (arg). Any thread. */
void durable_store_refresh_metrics(void *store);

/* A health_extra_fn (health_set_extra) for the host (arg: the host):
 * adds {"queue":{...}} to each exporter's fields: kind (memory or
 * durable), entries, size and capacity by the sizer, paused; for durable
 * queues also spans, bytes, oldest_age_seconds, disk_used_bytes,
 * max_disk_size, at_budget, dead_letters and dead_letter_spans. Any
 * thread; lent objects only. */
void queue_health_extra(void *host, const char *component_id, json_t *fields);

#endif
