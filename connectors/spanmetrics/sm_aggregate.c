/*
 * sm_aggregate.c: spans into series, as the collector's connector counts
 * them. Each span of a resource with a service.name adds its adjusted
 * count to a calls series and its duration to a duration series, and each
 * of its events (events.enabled) to an events series. A series is told
 * apart by its dimension values: service.name, span.name, span.kind,
 * status.code (less exclude_dimensions), the included scope, and the
 * configured dimensions, looked up in the span's attributes, then the
 * event's (events), then the resource's, then their default.
 */
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlpmetrics/attrs.h"
#include "sm.h"

/* What one series lookup needs to know about the span. */
typedef struct span_ctx {
    sm *s;
    const otlp_resource *res;
    const otlp_scope *scope;
    const otlp_span *sp;
    const otlp_event *ev;    /* the event, for the events metric */
    const otlpm_dims *extra; /* the metric's own dimensions */
    bool scope_included, adjusted;
} span_ctx;

static const char *kind_name(int32_t kind)
{
    static const char *const names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                        "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                        "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
    return kind >= 0 && kind <= 5 ? names[kind] : "";
}

static const char *status_name(int32_t code)
{
    static const char *const names[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                        "STATUS_CODE_ERROR"};
    return code >= 0 && code <= 2 ? names[code] : "";
}

/* A dimension's value: span, then event, then resource attribute, then
 * its default. */
static bool dim_value(const span_ctx *c, const otlpm_dim *d, otlp_anyvalue *v)
{
    size_t n = strlen(d->name);
    if (otlp_span_attr(c->sp, d->name, n, v) > 0)
        return true;
    if (c->ev && otlp_attr_find(&c->ev->attrs, d->name, n, v) > 0)
        return true;
    if (otlp_attr_find(&c->res->attrs, d->name, n, v) > 0)
        return true;
    if (!d->dflt)
        return false;
    *v = (otlp_anyvalue){.type = OTLP_ANY_STRING,
                         .bytes = {(const uint8_t *)d->dflt, strlen(d->dflt)}};
    return true;
}

static void key_part(pbw *k, const void *p, size_t n)
{
    pbw_raw(k, "", 1); /* the collector's separator, a NUL */
    pbw_raw(k, p, n);
}

static void key_dims(const span_ctx *c, pbw *k, const otlpm_dims *d)
{
    for (size_t i = 0; i < d->n; i++) {
        otlp_anyvalue v;
        if (!dim_value(c, &d->v[i], &v))
            continue;
        key_part(k, d->v[i].name, strlen(d->v[i].name));
        pbw_raw(k, ":", 1);
        otlpm_any_text(k, &v);
    }
}

static const char *sampling_method(const span_ctx *c)
{
    return c->adjusted ? "extrapolated" : "counted";
}

static void build_key(const span_ctx *c, pbw *k)
{
    const sm *s = c->s;
    pbw_reset(k);
    if (!sm_excluded(s, "service.name"))
        pbw_raw(k, c->res->service_name.ptr, c->res->service_name.len);
    if (!sm_excluded(s, "span.name"))
        key_part(k, c->sp->name.ptr, c->sp->name.len);
    if (!sm_excluded(s, "span.kind"))
        key_part(k, kind_name(c->sp->kind), strlen(kind_name(c->sp->kind)));
    if (!sm_excluded(s, "status.code"))
        key_part(k, status_name(c->sp->status_code), strlen(status_name(c->sp->status_code)));
    /* The collector leaves the scope out of the key, so one scope's labels
     * would stand for another's; otelc keeps them apart. */
    if (c->scope_included) {
        key_part(k, c->scope->name.ptr, c->scope->name.len);
        key_part(k, c->scope->version.ptr, c->scope->version.len);
    }
    key_dims(c, k, &s->dims);
    key_dims(c, k, c->extra);
    if (s->cfg->sampling_method)
        key_part(k, sampling_method(c), strlen(sampling_method(c)));
}

static void attr_dims(const span_ctx *c, pbw *blob, const otlpm_dims *d)
{
    for (size_t i = 0; i < d->n; i++) {
        otlp_anyvalue v;
        if (dim_value(c, &d->v[i], &v))
            otlpm_attr_any(blob, d->v[i].name, strlen(d->v[i].name), &v);
    }
}

static void attr_if(const sm *s, pbw *blob, const char *key, const void *v, size_t n)
{
    if (!sm_excluded(s, key))
        otlpm_attr_str(blob, key, v, n);
}

/* The series' attributes, in the collector's order. */
static void build_attrs(void *arg, pbw *blob)
{
    const span_ctx *c = arg;
    const sm *s = c->s;
    const char *kind = kind_name(c->sp->kind), *status = status_name(c->sp->status_code);
    attr_if(s, blob, "service.name", c->res->service_name.ptr, c->res->service_name.len);
    attr_if(s, blob, "span.name", c->sp->name.ptr, c->sp->name.len);
    attr_if(s, blob, "span.kind", kind, strlen(kind));
    attr_if(s, blob, "status.code", status, strlen(status));
    attr_if(s, blob, "collector.instance.id", s->instance_id, strlen(s->instance_id));
    if (c->scope_included) {
        otlpm_attr_str(blob, "span.instrumentation.scope.name", (const char *)c->scope->name.ptr,
                       c->scope->name.len);
        if (c->scope->version.len)
            otlpm_attr_str(blob, "span.instrumentation.scope.version",
                           (const char *)c->scope->version.ptr, c->scope->version.len);
    }
    if (s->cfg->sampling_method)
        otlpm_attr_str(blob, "sampling.method", sampling_method(c), strlen(sampling_method(c)));
    attr_dims(c, blob, &s->dims);
    attr_dims(c, blob, c->extra);
}

static sm_series *series_for(span_ctx *c, sm_resource *r, enum sm_metric m,
                             const otlpm_dims *extra, bool *limited)
{
    c->extra = extra;
    build_key(c, &c->s->key);
    if (c->s->key.failed)
        return NULL;
    return sm_series_get(c->s, r, m, &c->s->key, build_attrs, c, limited);
}

static void count_events(span_ctx *c, sm_resource *r, uint64_t n, double duration)
{
    otlp_list_iter it;
    otlp_event ev;
    otlp_list_iter_init(&it, &c->sp->events);
    while (otlp_event_next(&it, &ev) > 0) {
        bool limited;
        c->ev = &ev;
        sm_series *se = series_for(c, r, SM_EVENTS, &c->s->event_dims, &limited);
        if (se) {
            se->count += n;
            se->seen_ns = otelc_mono_ns();
            if (!limited)
                sm_series_add_exemplar(c->s, se, c->sp, duration);
        }
    }
    c->ev = NULL;
}

static void observe(span_ctx *c, sm_resource *r, uint64_t n, double duration)
{
    bool limited;
    sm_series *se = series_for(c, r, SM_DURATION, &c->s->hist_dims, &limited);
    if (!se)
        return;
    if (se->expo)
        otlpm_expo_add(se->expo, duration, n);
    else
        otlpm_hist_add(se->hist, c->s->bounds, duration, n);
    se->seen_ns = otelc_mono_ns();
    if (!limited)
        sm_series_add_exemplar(c->s, se, c->sp, duration);
}

static void aggregate_span(span_ctx *c, sm_resource *r)
{
    sm *s = c->s;
    const otlp_span *sp = c->sp;
    /* an end before the start counts as no time at all */
    uint64_t ns = sp->end_time_unix_nano > sp->start_time_unix_nano
                      ? sp->end_time_unix_nano - sp->start_time_unix_nano
                      : 0;
    double duration = (double)ns / s->unit_ns;
    uint64_t n = sm_adjusted_count(s, sp->trace_state, &c->adjusted);
    bool limited;
    sm_series *se = series_for(c, r, SM_CALLS, &s->calls_dims, &limited);
    if (se) {
        se->count += n;
        se->seen_ns = otelc_mono_ns();
        if (!limited)
            sm_series_add_exemplar(s, se, sp, duration);
    }
    if (!s->cfg->histogram_disable)
        observe(c, r, n, duration);
    if (s->cfg->events_enabled)
        count_events(c, r, n, duration);
}

static bool scope_included(const sm *s, const otlp_scope *sc)
{
    const otelc_strlist *inc = &s->cfg->include_scope;
    for (size_t i = 0; sc->name.len && i < inc->n; i++)
        if (strlen(inc->items[i]) == sc->name.len &&
            memcmp(inc->items[i], sc->name.ptr, sc->name.len) == 0)
            return true;
    return false;
}

static void aggregate_resource(sm *s, otlp_walker *w, const otlp_resource *res)
{
    sm_resource *r = sm_resource_get(s, res);
    otlp_scope sc;
    otlp_span sp;
    if (!r)
        return;
    span_ctx c = {.s = s, .res = res, .scope = &sc, .sp = &sp};
    while (otlp_walk_scope(w, &sc) > 0) {
        c.scope_included = scope_included(s, &sc);
        while (otlp_walk_span(w, &sp) > 0)
            aggregate_span(&c, r);
    }
}

int sm_aggregate(sm *s, const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource res;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0) {
        /* the collector skips resources without a service name */
        if (res.service_name.ptr)
            aggregate_resource(s, &w, &res);
    }
    return otlp_walk_error(&w);
}
