/*
 * route.c: cutting a request per backend (route.h).
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_walk.h>

/* What is routed as one: the signal and key decide it. */
typedef enum unit { UNIT_SPAN, UNIT_LOG, UNIT_RESOURCE, UNIT_METRIC } unit;

static unit unit_of(otelc_signal s, lb_key key)
{
    if (s == OTELC_METRICS)
        return key == LB_KEY_METRIC ? UNIT_METRIC : UNIT_RESOURCE;
    return s == OTELC_LOGS ? UNIT_LOG : UNIT_SPAN;
}

/* Every unit's backend, in walk order. */
typedef struct plan {
    unit u;
    lb_key key;
    const lb_ring *ring;
    uint32_t *of; /* endpoint index per unit */
    size_t n, cap;
    size_t *count; /* units per endpoint */
} plan;

static int plan_add(plan *p, const void *k, size_t klen)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        uint32_t *of = realloc(p->of, cap * sizeof(*of));
        if (!of)
            return LB_ROUTE_NOMEM;
        p->of = of;
        p->cap = cap;
    }
    uint32_t e = (uint32_t)lb_ring_find(p->ring, (const uint8_t *)k, klen);
    p->of[p->n++] = e;
    p->count[e]++;
    return LB_ROUTE_OK;
}

/* The resource's service.name: an error for traces and metrics without
 * one, as the collector's; logs route those together under "". */
static int add_service(plan *p, const otlp_resource *res)
{
    if (res->service_name.ptr)
        return plan_add(p, res->service_name.ptr, res->service_name.len);
    return p->u == UNIT_LOG ? plan_add(p, "", 0) : LB_ROUTE_NO_SERVICE;
}

/* A log record's trace id as pcommon writes it: lowercase hex, "" when
 * it has none (empty or all zero). */
static int add_log_trace(plan *p, pb_bytes id)
{
    static const char digits[] = "0123456789abcdef";
    char hex[32];
    bool any = false;
    for (size_t i = 0; id.len == 16 && i < 16; i++) {
        hex[2 * i] = digits[id.ptr[i] >> 4];
        hex[2 * i + 1] = digits[id.ptr[i] & 15];
        any |= id.ptr[i] != 0;
    }
    return plan_add(p, hex, any ? sizeof(hex) : 0);
}

/* A walk step's outcome in this file's terms: 1, 0, or malformed. */
static int walked(int rc)
{
    return rc < 0 ? LB_ROUTE_MALFORMED : rc;
}

/* The next item of the scope planned: 1, 0 at the scope's end, or an
 * LB_ROUTE_* error. */
static int plan_item(plan *p, otlp_walker *w, const otlp_resource *res)
{
    otlp_span sp;
    otlp_log l;
    otlp_metric m;
    int rc;
    if (p->u == UNIT_LOG) {
        if ((rc = walked(otlp_walk_log(w, &l))) <= 0)
            return rc;
        rc = p->key == LB_KEY_SERVICE ? add_service(p, res) : add_log_trace(p, l.trace_id);
    } else if (p->u == UNIT_METRIC) {
        if ((rc = walked(otlp_walk_metric(w, &m))) <= 0)
            return rc;
        rc = plan_add(p, m.name.ptr, m.name.len);
    } else {
        if ((rc = walked(otlp_walk_span(w, &sp))) <= 0)
            return rc;
        rc = p->key == LB_KEY_SERVICE ? add_service(p, res)
                                      : plan_add(p, sp.trace_id.ptr, sp.trace_id.len);
    }
    return rc == LB_ROUTE_OK ? 1 : rc;
}

/* The items of one resource: LB_ROUTE_OK or an error. */
static int plan_items(plan *p, otlp_walker *w, const otlp_resource *res)
{
    otlp_scope sc;
    int rc;
    while ((rc = walked(otlp_walk_scope(w, &sc))) > 0) {
        while ((rc = plan_item(p, w, res)) > 0) {
        }
        if (rc != 0)
            return rc;
    }
    return rc;
}

static int plan_make(const uint8_t *buf, size_t len, plan *p, size_t nend)
{
    otlp_walker w;
    otlp_resource res;
    int rc;
    p->count = calloc(nend ? nend : 1, sizeof(*p->count));
    if (!p->count)
        return LB_ROUTE_NOMEM;
    otlp_walk_init(&w, buf, len);
    while ((rc = otlp_walk_resource(&w, &res)) > 0) {
        int e = p->u == UNIT_RESOURCE ? add_service(p, &res) : plan_items(p, &w, &res);
        if (e != LB_ROUTE_OK)
            return e;
    }
    return rc < 0 ? LB_ROUTE_MALFORMED : LB_ROUTE_OK;
}

/* The editor's walk: keep the units planned for `want`. */
typedef struct keep {
    const plan *p;
    size_t next;
    uint32_t want;
} keep;

static int keep_or_drop(keep *k, otlp_editor *ed, enum otlp_edit_target at)
{
    if (k->p->of[k->next++] == k->want)
        return 0;
    return otlp_edit_drop(ed, at) < 0 ? -1 : 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)sp;
    return keep_or_drop(arg, ed, OTLP_EDIT_SPAN);
}

static int on_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    (void)l;
    return keep_or_drop(arg, ed, OTLP_EDIT_LOG);
}

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)r;
    return keep_or_drop(arg, ed, OTLP_EDIT_RESOURCE);
}

static int on_metric(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    (void)m;
    return keep_or_drop(arg, ed, OTLP_EDIT_METRIC);
}

static const otlp_edit_fns *fns_of(unit u)
{
    static const otlp_edit_fns fns[] = {
        [UNIT_SPAN] = {.span = on_span},
        [UNIT_LOG] = {.log = on_log},
        [UNIT_RESOURCE] = {.resource = on_resource},
        [UNIT_METRIC] = {.metric = on_metric},
    };
    return &fns[u];
}

static otelc_signal signal_of(unit u)
{
    return u == UNIT_SPAN ? OTELC_TRACES : u == UNIT_LOG ? OTELC_LOGS : OTELC_METRICS;
}

static int cut(otlp_editor *ed, const uint8_t *buf, size_t len, const plan *p, lb_part *part)
{
    keep k = {.p = p, .want = part->endpoint};
    size_t items;
    int rc = otlp_edit_run_signal(ed, signal_of(p->u), buf, len, fns_of(p->u), &k, &items);
    if (rc == OTLP_OK)
        rc = otlp_edit_take(ed, &part->buf, &part->len);
    if (rc != OTLP_OK)
        return rc == OTLP_ENOMEM || rc == -1 ? LB_ROUTE_NOMEM : LB_ROUTE_MALFORMED;
    part->spans = items;
    return LB_ROUTE_OK;
}

static size_t used_endpoints(const plan *p, size_t nend)
{
    size_t used = 0;
    for (size_t e = 0; e < nend; e++)
        used += p->count[e] > 0;
    return used;
}

static int cut_all(const uint8_t *buf, size_t len, const plan *p, size_t nend, lb_routed *out)
{
    size_t used = used_endpoints(p, nend);
    out->parts = calloc(used ? used : 1, sizeof(*out->parts));
    otlp_editor *ed = used > 1 ? otlp_editor_new() : NULL;
    if (!out->parts || (used > 1 && !ed)) {
        otlp_editor_free(ed);
        return LB_ROUTE_NOMEM;
    }
    int rc = LB_ROUTE_OK;
    for (size_t e = 0; e < nend && rc == LB_ROUTE_OK; e++) {
        if (!p->count[e])
            continue;
        lb_part *part = &out->parts[out->n++];
        /* One backend takes the whole input, whose items the caller knows. */
        *part = (lb_part){.endpoint = (uint32_t)e, .len = len, .spans = p->count[e]};
        if (used > 1)
            rc = cut(ed, buf, len, p, part);
    }
    otlp_editor_free(ed);
    return rc;
}

/* The ring's endpoint count: one more than its largest index. */
static size_t endpoints_of(const lb_ring *ring)
{
    uint32_t max = 0;
    for (size_t i = 0; i < ring->n; i++)
        max = ring->items[i].endpoint > max ? ring->items[i].endpoint : max;
    return ring->n ? (size_t)max + 1 : 0;
}

int lb_route(const uint8_t *buf, size_t len, const lb_ring *ring, otelc_signal signal,
             lb_key key, lb_routed *out)
{
    plan p = {.u = unit_of(signal, key), .key = key, .ring = ring};
    size_t nend = endpoints_of(ring);
    memset(out, 0, sizeof(*out));
    if (nend == 0)
        return LB_ROUTE_NO_BACKEND;
    int rc = plan_make(buf, len, &p, nend);
    if (rc == LB_ROUTE_OK)
        rc = cut_all(buf, len, &p, nend, out);
    free(p.of);
    free(p.count);
    if (rc != LB_ROUTE_OK)
        lb_routed_free(out);
    return rc;
}

void lb_routed_free(lb_routed *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->parts[i].buf);
    free(r->parts);
    r->parts = NULL;
    r->n = 0;
}
