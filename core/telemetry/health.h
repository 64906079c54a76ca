/*
 * health.h: the process's health model, shown by GET /health and by the
 * health_check extension.
 *
 * Components register once (id, kind) and report ok / degraded / unhealthy
 * with a detail string. The host sets the phase (starting, running,
 * shutting down). Overall: unhealthy when any component is unhealthy or
 * the process is not running (still starting, or shutting down); degraded
 * when any component is degraded; else healthy. Every function is
 * thread-safe unless it says otherwise.
 *
 * Details are shown as given: components must never put secrets in them.
 */
#ifndef OTELC_CORE_HEALTH_H
#define OTELC_CORE_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <otelc/plugin.h>

typedef struct health_model health_model;
typedef struct health_component health_component;

typedef enum health_phase {
    HEALTH_STARTING = 0,
    HEALTH_RUNNING = 1,
    HEALTH_SHUTTING_DOWN = 2,
} health_phase;

typedef enum health_overall {
    HEALTH_HEALTHY = 0,
    HEALTH_DEGRADED = 1,
    HEALTH_UNHEALTHY = 2,
} health_overall;

/* A point-in-time view for callers that need only the headline. */
typedef struct health_summary {
    health_overall overall;
    health_phase phase;
    int64_t start_unix_ns;   /* when health_new ran */
    int64_t running_unix_ns; /* when the phase last became RUNNING; 0 if never */
    int64_t running_mono_ns; /* the same instant on CLOCK_MONOTONIC */
} health_summary;

/* A new model in phase STARTING with no components, or NULL. */
health_model *health_new(void);

/* Frees the model and its components; nothing may use them afterwards.
 * NULL is allowed. */
void health_free(health_model *h);

/* Registers component id (e.g. "awss3/primary") of kind ("receiver",
 * "processor", "exporter", "extension", ...), status ok. Both strings are
 * copied. Registering an id again returns the existing entry. Returns the
 * handle (valid until health_free), or NULL if memory ran out. */
health_component *health_register(health_model *h, const char *id, const char *kind);

/* Reports a component's status; detail (copied; NULL reads as "") is
 * shown in /health. A non-ok report is also kept as the component's last
 * error with its time. "since" moves only when the status changes. */
void health_report(health_component *c, otelc_health status, const char *detail);

/* Holds c unhealthy for a reason of the host's own (why, copied; a
 * sending queue at its disk budget), whatever c's plugin reports
 * meanwhile; why NULL releases the hold and c shows its plugin's last
 * report again. A hold is kept as the last error, like a report. */
void health_hold(health_component *c, const char *why);

/* The component's current status, as /health shows it. */
otelc_health health_component_status(health_component *c);

/* Moves the process to phase p (the host: RUNNING after every start,
 * SHUTTING_DOWN when a stop begins). */
void health_set_phase(health_model *h, health_phase p);

void health_summarize(health_model *h, health_summary *out);

/* A provider of extra fields: called once per component with its id and
 * the component's JSON object, and once with id NULL and the top-level
 * object; it may add fields (json_object_set_new). It runs on the
 * rendering thread without the model's lock, so it may take its own locks
 * and may call health_report. Lent objects: do not keep them. */
typedef void (*health_extra_fn)(void *arg, const char *component_id, json_t *fields);

/* Installs the provider (one; a later call replaces it; fn NULL removes
 * it). */
void health_set_extra(health_model *h, health_extra_fn fn, void *arg);

/* Builds the /health document:
 *   {"status":"healthy|degraded|unhealthy","phase":"starting|running|
 *    shutting_down","uptime_seconds":N,"start_time":"RFC3339",
 *    "components":{"<id>":{"kind":..,"status":"ok|degraded|unhealthy",
 *    "detail":..,"since":"RFC3339"[,"last_error":..,
 *    "last_error_time":"RFC3339"]}}}
 * plus the provider's fields. Returns a new reference (the caller
 * json_decref()s it) and sets *http_status to 200 (healthy, degraded) or
 * 503 (unhealthy); NULL if memory ran out. */
json_t *health_json(health_model *h, int *http_status);

/* Writes unix_ns as RFC 3339 UTC with seconds ("2026-01-02T03:04:05Z").
 * Returns buf (which should hold 32 bytes). Pure function. */
char *health_format_time(int64_t unix_ns, char *buf, size_t len);

const char *health_overall_name(health_overall o);
const char *health_status_name(otelc_health s);

#endif
