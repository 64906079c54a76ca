/*
 * route.c: cutting a request per backend (route.h).
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_walk.h>

/* Every span's backend, in walk order. */
typedef struct plan {
    uint32_t *of; /* endpoint index per span */
    size_t n, cap;
    size_t *count; /* spans per endpoint */
} plan;

static int plan_add(plan *p, uint32_t e)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        uint32_t *of = realloc(p->of, cap * sizeof(*of));
        if (!of)
            return LB_ROUTE_NOMEM;
        p->of = of;
        p->cap = cap;
    }
    p->of[p->n++] = e;
    p->count[e]++;
    return LB_ROUTE_OK;
}

static int key_of(const otlp_resource *res, const otlp_span *sp, lb_key key,
                  const uint8_t **k, size_t *klen)
{
    if (key == LB_KEY_TRACE_ID) {
        *k = sp->trace_id.ptr;
        *klen = sp->trace_id.len;
        return LB_ROUTE_OK;
    }
    if (!res->service_name.ptr)
        return LB_ROUTE_NO_SERVICE;
    *k = res->service_name.ptr;
    *klen = res->service_name.len;
    return LB_ROUTE_OK;
}

static int plan_spans(otlp_walker *w, const otlp_resource *res, const lb_ring *ring, lb_key key,
                      plan *p)
{
    otlp_scope sc;
    otlp_span sp;
    int rc;
    while ((rc = otlp_walk_scope(w, &sc)) > 0) {
        while ((rc = otlp_walk_span(w, &sp)) > 0) {
            const uint8_t *k;
            size_t klen;
            int e = key_of(res, &sp, key, &k, &klen);
            if (e != LB_ROUTE_OK)
                return e;
            e = plan_add(p, (uint32_t)lb_ring_find(ring, k, klen));
            if (e != LB_ROUTE_OK)
                return e;
        }
        if (rc < 0)
            return LB_ROUTE_MALFORMED;
    }
    return rc < 0 ? LB_ROUTE_MALFORMED : LB_ROUTE_OK;
}

static int plan_make(const uint8_t *buf, size_t len, const lb_ring *ring, lb_key key, plan *p,
                     size_t nend)
{
    otlp_walker w;
    otlp_resource res;
    int rc;
    p->count = calloc(nend ? nend : 1, sizeof(*p->count));
    if (!p->count)
        return LB_ROUTE_NOMEM;
    otlp_walk_init(&w, buf, len);
    while ((rc = otlp_walk_resource(&w, &res)) > 0) {
        int e = plan_spans(&w, &res, ring, key, p);
        if (e != LB_ROUTE_OK)
            return e;
    }
    return rc < 0 ? LB_ROUTE_MALFORMED : LB_ROUTE_OK;
}

/* The editor's walk: keep the spans planned for `want`. */
typedef struct keep {
    const plan *p;
    size_t next;
    uint32_t want;
} keep;

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    keep *k = arg;
    (void)sp;
    if (k->p->of[k->next++] == k->want)
        return 0;
    return otlp_edit_drop(ed, OTLP_EDIT_SPAN) < 0 ? -1 : 0;
}

static int cut(otlp_editor *ed, const uint8_t *buf, size_t len, const plan *p, lb_part *part)
{
    static const otlp_edit_fns fns = {.span = on_span};
    keep k = {.p = p, .want = part->endpoint};
    size_t spans;
    int rc = otlp_edit_run(ed, buf, len, &fns, &k, &spans);
    if (rc == OTLP_OK)
        rc = otlp_edit_take(ed, &part->buf, &part->len);
    if (rc != OTLP_OK)
        return rc == OTLP_ENOMEM || rc == -1 ? LB_ROUTE_NOMEM : LB_ROUTE_MALFORMED;
    part->spans = spans;
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

int lb_route(const uint8_t *buf, size_t len, const lb_ring *ring, lb_key key, lb_routed *out)
{
    plan p = {0};
    size_t nend = endpoints_of(ring);
    memset(out, 0, sizeof(*out));
    if (nend == 0)
        return LB_ROUTE_NO_BACKEND;
    int rc = plan_make(buf, len, ring, key, &p, nend);
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
