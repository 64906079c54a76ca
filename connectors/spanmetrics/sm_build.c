/*
 * sm_build.c: a flush of the span_metrics connector. Every resource
 * becomes a ResourceMetrics with its attributes and the scope
 * "spanmetricsconnector", holding <namespace>.calls (monotonic sum),
 * <namespace>.duration (histogram in histogram.unit) and
 * <namespace>.events (monotonic sum), as the collector writes them.
 *
 * Cumulative: every series every time, its start its first span; a new
 * calls or events series reports 0 at its first flush and its count from
 * the next one on (the collector does this so that Prometheus sees the
 * counter start). Afterwards exemplars are cleared and expired resources
 * and series dropped. Delta: the series seen since the last flush, each
 * starting where its previous point ended; afterwards everything is
 * forgotten.
 */
#include <stdlib.h>

#include <otelc/sdk/clock.h>

#include "sm.h"

static const char *const scope_name = "spanmetricsconnector";

/* otelc's: the collector's metrics have none, but a scrape without HELP
 * text fails promtool. */
static const char *const descriptions[SM_METRICS] = {
    "Spans seen, per dimension values.", "Durations of the spans seen.",
    "Span events seen, per dimension values."};

typedef struct flush {
    sm *s;
    pbw w;
    uint64_t now;
    uint32_t points;
    uint64_t resource_hash;
} flush;

/* A delta point starts where the series' previous point ended, if the
 * direct-mapped cache still remembers it; else at its first span. */
static uint64_t start_of(const flush *f, enum sm_metric m, const sm_series *se)
{
    if (!f->s->delta)
        return (uint64_t)se->start_ns;
    /* series tables get a fresh seed with every resource: hash the key
     * again with the resource table's, which stays */
    uint64_t sh = otlpm_table_hash(&f->s->resources, se->e.key, se->e.klen);
    uint64_t k = (sh ^ f->resource_hash * 31) + (uint64_t)m;
    sm_delta_ts *slot = &f->s->delta_ts[k % f->s->ndelta_ts];
    uint64_t start = slot->key == k && slot->ns ? (uint64_t)slot->ns : (uint64_t)se->start_ns;
    *slot = (sm_delta_ts){.key = k, .ns = (int64_t)f->now};
    return start;
}

static void write_point(flush *f, enum sm_metric m, sm_series *se)
{
    sm *s = f->s;
    otlpm_point p = {.attrs = se->attrs, .alen = se->alen, .start_ns = start_of(f, m, se),
                     .time_ns = f->now, .ex = se->ex, .nex = se->nex};
    if (se->hist) {
        otlpm_hist_point(&f->w, &p, s->bounds, s->nbounds, se->hist);
    } else if (se->expo) {
        otlpm_expo_point(&f->w, &p, se->expo);
    } else {
        bool first = !s->delta && !se->reported;
        otlpm_sum_point(&f->w, &p, first ? 0 : (int64_t)se->count);
        se->reported = true;
    }
    f->points++;
}

static void write_metric(flush *f, sm_resource *r, enum sm_metric m)
{
    sm *s = f->s;
    if (r->series[m].count == 0)
        return;
    enum otlpm_kind kind = m != SM_DURATION ? OTLPM_SUM
                           : s->exponential ? OTLPM_EXPONENTIAL
                                            : OTLPM_HISTOGRAM;
    const char *unit = m == SM_DURATION ? s->cfg->histogram_unit : "";
    otlpm_frame mf = otlpm_metric_begin(&f->w, s->names[m], descriptions[m], unit, kind);
    otlpm_iter it;
    otlpm_iter_init(&it, &r->series[m]);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        write_point(f, m, (sm_series *)e);
    otlpm_metric_end(&f->w, mf, s->delta ? OTLPM_DELTA : OTLPM_CUMULATIVE);
}

static void write_resource(flush *f, sm_resource *r)
{
    size_t before = f->w.len;
    uint32_t points = f->points;
    f->resource_hash = r->e.hash;
    otlpm_frame rf = otlpm_resource_begin(&f->w, r->attrs, r->alen, scope_name);
    for (int m = 0; m < SM_METRICS; m++)
        write_metric(f, r, (enum sm_metric)m);
    otlpm_resource_end(&f->w, rf);
    if (f->points == points)
        pbw_truncate(&f->w, before); /* nothing to say about it */
}

static void write_all(flush *f)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &f->s->resources);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        write_resource(f, (sm_resource *)e);
    for (sm_resource *r = f->s->evicted; r; r = r->next_evicted)
        write_resource(f, r);
}

static void expire_series(sm *s, sm_resource *r, int64_t now)
{
    for (int m = 0; m < SM_METRICS; m++) {
        otlpm_iter it;
        otlpm_iter_init(&it, &r->series[m]);
        for (otlpm_entry *e; (e = otlpm_iter_next(&it));) {
            sm_series *se = (sm_series *)e;
            se->nex = 0; /* exemplars belong to one flush */
            if (s->cfg->series_expiration_ns > 0 &&
                now - se->seen_ns >= s->cfg->series_expiration_ns) {
                otlpm_table_remove(&r->series[m], e);
                sm_series_free(s, se);
            }
        }
    }
}

/* After a cumulative flush: evicted resources are gone for good, expired
 * resources and series too, and exemplars start afresh. */
static void reset_cumulative(sm *s)
{
    int64_t now = otelc_mono_ns();
    while (s->evicted) {
        sm_resource *r = s->evicted;
        s->evicted = r->next_evicted;
        sm_resource_free(s, r);
    }
    s->nevicted = 0;
    otlpm_iter it;
    otlpm_iter_init(&it, &s->resources);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));) {
        sm_resource *r = (sm_resource *)e;
        if (s->cfg->expiration_ns > 0 && now - r->seen_ns >= s->cfg->expiration_ns) {
            otlpm_table_remove(&s->resources, e);
            sm_resource_free(s, r);
        } else {
            expire_series(s, r, now);
        }
    }
}

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static otelc_batch *adopt(sm *s, pbw *w, uint32_t points)
{
    size_t len;
    uint8_t *buf = pbw_take(w, &len);
    if (!buf)
        return NULL;
    /* the host copies the metadata; it lives in s only to keep it off
     * the stack frame that returns the batch */
    s->meta = (otelc_batch_meta){.struct_size = sizeof(s->meta), .received_ns = otelc_real_ns(),
                                 .signal = OTELC_METRICS};
    otelc_batch *b = s->api->batch_adopt(buf, len, points, free_buf, NULL, &s->meta);
    if (!b)
        free(buf);
    return b;
}

otelc_batch *sm_build(void *arg, bool final)
{
    (void)final; /* the last flush is like any other */
    flush f = {.s = arg, .now = (uint64_t)otelc_real_ns()};
    sm *s = f.s;
    otelc_batch *b = NULL;
    pbw_init(&f.w);
    pthread_mutex_lock(&s->mu);
    write_all(&f);
    if (f.points)
        b = adopt(s, &f.w, f.points);
    /* Without a batch (no memory) delta state waits for the next flush. */
    if (s->delta && (b || !f.points))
        sm_state_free(s);
    else if (!s->delta)
        reset_cumulative(s);
    pthread_mutex_unlock(&s->mu);
    pbw_free(&f.w);
    return b;
}
