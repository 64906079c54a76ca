/*
 * route.h: a request cut into one request per backend, as the
 * collector's loadbalancing exporter routes each signal:
 *
 *   traces   by each span's trace id (routing_key traceID: every span of
 *            a trace reaches one backend; the key is the id's 16 bytes)
 *            or its resource's service.name (service)
 *   logs     by each log record's trace id (traceID; the key is the id in
 *            lowercase hex, "" for a record without one, so those go
 *            together) or its resource's service.name (service; ""
 *            without one)
 *   metrics  by each resource's service.name (service: a resource without
 *            one refuses the request) or each metric's name (metric)
 *
 * One walk decides every routed unit's backend (span, log record,
 * resource, metric); a backend's piece is the request with every other
 * unit dropped by the SDK's OTLP editor (what is left empty removed). A
 * request that goes to one backend only is not copied. Pure; any thread.
 */
#ifndef OTELC_LB_ROUTE_H
#define OTELC_LB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "ring.h"

typedef enum lb_key { LB_KEY_TRACE_ID = 0, LB_KEY_SERVICE = 1, LB_KEY_METRIC = 2 } lb_key;

/* One backend's share. */
typedef struct lb_part {
    uint32_t endpoint; /* index into the ring's endpoint list */
    uint8_t *buf;      /* malloc'd request bytes; NULL when the whole input is this part */
    size_t len;
    size_t spans;      /* items of buf: spans, log records or data points */
} lb_part;

typedef struct lb_routed {
    lb_part *parts; /* malloc'd, one per backend with spans, in endpoint order */
    size_t n;
} lb_routed;

enum {
    LB_ROUTE_OK = 0,
    LB_ROUTE_NOMEM = -1,    /* retry later */
    LB_ROUTE_NO_BACKEND = -2, /* the ring is empty: retry later */
    LB_ROUTE_NO_SERVICE = -3, /* routing_key service and a resource without service.name */
    LB_ROUTE_MALFORMED = -4,
};

/* Routes the len bytes at buf (an Export*ServiceRequest of signal) over
 * ring with key (one the signal takes: see above). LB_ROUTE_OK with *out
 * filled (free with lb_routed_free), or an LB_ROUTE_* error with nothing
 * to free. */
int lb_route(const uint8_t *buf, size_t len, const lb_ring *ring, otelc_signal signal,
             lb_key key, lb_routed *out);

void lb_routed_free(lb_routed *r);

#endif /* OTELC_LB_ROUTE_H */
