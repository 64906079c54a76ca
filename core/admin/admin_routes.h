/*
 * admin_routes.h: the admin server's built-in routes: GET /health, GET
 * /metrics and the health_check extension's answer.
 */
#ifndef OTELC_CORE_ADMIN_ROUTES_H
#define OTELC_CORE_ADMIN_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include "admin.h"
#include "telemetry/health.h"
#include "telemetry/metrics.h"

/* Claims GET /health (scope API: the health model as JSON, 200 or 503)
 * and GET /metrics (scope METRICS: the registry as Prometheus text). h and
 * m must outlive the server. Returns 0, or -1 if a route was claimed
 * already. Main thread. */
int admin_routes_install(admin_server *a, health_model *h, metrics_registry *m);

/* Claims GET path (NULL: "/") in scope HEALTH_CHECK with the collector's
 * health_check answer: {"status":"Server available","upSince":"RFC3339",
 * "uptime":"1h2m3.5s"} and 200 when the model is healthy or degraded,
 * {"status":"Server not available",...} and 503 otherwise. Returns 0 or
 * -1. Main thread. */
int admin_routes_install_health_check(admin_server *a, health_model *h, const char *path);

/* Writes a duration as Go's time.Duration prints it ("0s", "1.5ms",
 * "1h0m5s"): the collector's "uptime" text. Returns buf. Pure function. */
char *admin_format_duration(int64_t ns, char *buf, size_t len);

#endif
