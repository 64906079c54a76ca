/*
 * sm_series.c: resources and series of the span_metrics connector, and
 * the bounds on how many of them it keeps.
 *
 * Resources: at most resource_metrics_cache_size; a new one beyond it
 * pushes out the least recently used, which is flushed once more and
 * then forgotten (as the collector's cache does). Series: per metric and
 * resource at most aggregation_cardinality_limit, in all at most
 * max_series; spans past either go to the resource's overflow series
 * (otel.metric.overflow=true) and are counted.
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlpmetrics/attrs.h"
#include "sm.h"

/* The overflow series' key: no dimension key starts with 0xff, which
 * never occurs in UTF-8. */
static const uint8_t overflow_key[] = {0xff};

static bool key_attribute(const sm *s, pb_bytes key)
{
    const otelc_strlist *k = &s->cfg->resource_metrics_key_attributes;
    if (k->n == 0)
        return true;
    for (size_t i = 0; i < k->n; i++)
        if (strlen(k->items[i]) == key.len && memcmp(k->items[i], key.ptr, key.len) == 0)
            return true;
    return false;
}

static int kv_cmp(const void *a, const void *b)
{
    const otlp_kv *x = a, *y = b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = memcmp(x->key.ptr, y->key.ptr, n);
    return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

static bool push_kv(sm *s, size_t n, const otlp_kv *kv)
{
    if (n == s->kvs_cap) {
        size_t cap = s->kvs_cap ? s->kvs_cap * 2 : 16;
        otlp_kv *v = realloc(s->kvs, cap * sizeof(*v));
        if (!v)
            return false;
        s->kvs = v;
        s->kvs_cap = cap;
    }
    s->kvs[n] = *kv;
    return true;
}

/* The resource's identity into w: its (key) attributes sorted by name,
 * as the collector hashes them. */
static int resource_key(sm *s, const otlp_resource *r, pbw *w)
{
    otlp_list_iter it;
    otlp_kv kv;
    size_t n = 0;
    int rc;
    otlp_list_iter_init(&it, &r->attrs);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        if (key_attribute(s, kv.key) && !push_kv(s, n++, &kv))
            return OTLP_ENOMEM;
    if (rc < 0)
        return rc;
    qsort(s->kvs, n, sizeof(*s->kvs), kv_cmp);
    pbw_reset(w);
    for (size_t i = 0; i < n; i++)
        otlpm_attr_any(w, (const char *)s->kvs[i].key.ptr, s->kvs[i].key.len, &s->kvs[i].value);
    return w->failed ? OTLP_ENOMEM : OTLP_OK;
}

void sm_series_free(sm *s, sm_series *se)
{
    free(se->hist);
    free(se->expo);
    free(se->ex);
    free(se);
    s->nseries--;
}

static void free_tables(sm *s, sm_resource *r)
{
    for (int m = 0; m < SM_METRICS; m++) {
        otlpm_iter it;
        otlpm_iter_init(&it, &r->series[m]);
        for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
            sm_series_free(s, (sm_series *)e);
        otlpm_table_free(&r->series[m]);
    }
}

void sm_resource_free(sm *s, sm_resource *r)
{
    free_tables(s, r);
    free(r->attrs);
    free(r);
}

void sm_state_free(sm *s)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &s->resources);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        sm_resource_free(s, (sm_resource *)e);
    otlpm_table_free(&s->resources);
    while (s->evicted) {
        sm_resource *r = s->evicted;
        s->evicted = r->next_evicted;
        sm_resource_free(s, r);
    }
    s->nevicted = 0;
}

/* Pushes the least recently used resource out to the evicted list, which
 * holds as many as the cache: beyond that, the pushed one is dropped. */
static void evict_one(sm *s)
{
    sm_resource *lru = NULL;
    otlpm_iter it;
    otlpm_iter_init(&it, &s->resources);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        if (!lru || ((sm_resource *)e)->used < lru->used)
            lru = (sm_resource *)e;
    if (!lru)
        return;
    otlpm_table_remove(&s->resources, &lru->e);
    if (s->nevicted >= (size_t)s->cfg->resource_metrics_cache_size) {
        s->api->metric_add(s->m_dropped_resources, 1);
        sm_resource_free(s, lru);
        return;
    }
    lru->next_evicted = s->evicted;
    s->evicted = lru;
    s->nevicted++;
}

static sm_resource *resource_new(sm *s, const otlp_resource *r, const pbw *key, uint64_t h)
{
    sm_resource *res = calloc(1, sizeof(*res) + key->len);
    pbw attrs;
    pbw_init(&attrs);
    if (!res || otlpm_attrs_from_list(&attrs, &r->attrs) != OTLP_OK || attrs.failed) {
        pbw_free(&attrs);
        free(res);
        return NULL;
    }
    memcpy(res + 1, key->p, key->len);
    res->e = (otlpm_entry){.hash = h, .key = (const uint8_t *)(res + 1), .klen = key->len};
    res->attrs = pbw_take(&attrs, &res->alen);
    for (int m = 0; m < SM_METRICS; m++)
        otlpm_table_init(&res->series[m]);
    if (otlpm_table_insert(&s->resources, &res->e) != 0) {
        sm_resource_free(s, res);
        return NULL;
    }
    return res;
}

sm_resource *sm_resource_get(sm *s, const otlp_resource *r)
{
    if (resource_key(s, r, &s->scratch) != OTLP_OK)
        return NULL;
    uint64_t h = otlpm_table_hash(&s->resources, s->scratch.p, s->scratch.len);
    sm_resource *res =
        (sm_resource *)otlpm_table_find(&s->resources, h, s->scratch.p, s->scratch.len);
    if (!res) {
        if (s->resources.count >= (size_t)s->cfg->resource_metrics_cache_size)
            evict_one(s);
        res = resource_new(s, r, &s->scratch, h);
    }
    if (res) {
        res->used = ++s->seq;
        res->seen_ns = otelc_mono_ns();
    }
    return res;
}

static void overflow_attrs(void *arg, pbw *blob)
{
    (void)arg;
    otlpm_attr_bool(blob, "otel.metric.overflow", true);
}

static sm_series *series_new(sm *s, otlpm_table *t, enum sm_metric m, const uint8_t *key,
                             size_t klen, uint64_t h)
{
    sm_series *se = calloc(1, sizeof(*se) + klen + s->scratch.len);
    if (!se)
        return NULL;
    uint8_t *k = (uint8_t *)(se + 1);
    memcpy(k, key, klen);
    memcpy(k + klen, s->scratch.p, s->scratch.len);
    se->e = (otlpm_entry){.hash = h, .key = k, .klen = klen};
    se->attrs = k + klen;
    se->alen = s->scratch.len;
    se->start_ns = otelc_real_ns();
    if (m == SM_DURATION && s->exponential)
        se->expo = otlpm_expo_new(s->cfg->exponential_max_size ? (uint32_t)s->cfg->exponential_max_size : 160);
    else if (m == SM_DURATION)
        se->hist = otlpm_hist_new(s->nbounds);
    s->nseries++;
    if ((m == SM_DURATION && !se->expo && !se->hist) || otlpm_table_insert(t, &se->e) != 0) {
        sm_series_free(s, se);
        return NULL;
    }
    return se;
}

/* Finds or makes the series of key in t, its attributes built by fn. */
static sm_series *find_or_make(sm *s, otlpm_table *t, enum sm_metric m, const uint8_t *key,
                               size_t klen, sm_attrs_fn fn, void *arg)
{
    uint64_t h = otlpm_table_hash(t, key, klen);
    sm_series *se = (sm_series *)otlpm_table_find(t, h, key, klen);
    if (se)
        return se;
    pbw_reset(&s->scratch);
    fn(arg, &s->scratch);
    if (s->scratch.failed)
        return NULL;
    se = series_new(s, t, m, key, klen, h);
    if (se && fn == overflow_attrs)
        se->overflow = true;
    return se;
}

sm_series *sm_series_get(sm *s, sm_resource *r, enum sm_metric m, const pbw *key,
                         sm_attrs_fn build, void *arg, bool *limited)
{
    otlpm_table *t = &r->series[m];
    uint64_t h = otlpm_table_hash(t, key->p, key->len);
    sm_series *se = (sm_series *)otlpm_table_find(t, h, key->p, key->len);
    *limited = false;
    if (se)
        return se;
    int64_t limit = s->cfg->cardinality_limit;
    bool over_limit = limit > 0 && t->count >= (size_t)limit;
    bool over_cap = s->nseries >= (size_t)s->cfg->max_series;
    if (!over_limit && !over_cap)
        return find_or_make(s, t, m, key->p, key->len, build, arg);
    *limited = true;
    s->api->metric_add(over_limit ? s->m_overflow : s->m_capped, 1);
    return find_or_make(s, t, m, overflow_key, sizeof(overflow_key), overflow_attrs, NULL);
}

void sm_series_add_exemplar(sm *s, sm_series *se, const otlp_span *sp, double value)
{
    static const uint8_t zero[16];
    uint32_t max = (uint32_t)s->cfg->exemplars_max;
    if (!s->cfg->exemplars_enabled || se->nex >= max || sp->trace_id.len != 16 ||
        memcmp(sp->trace_id.ptr, zero, 16) == 0)
        return;
    if (!se->ex && !(se->ex = calloc(max, sizeof(*se->ex))))
        return;
    otlpm_exemplar *x = &se->ex[se->nex++];
    memcpy(x->trace_id, sp->trace_id.ptr, 16);
    if (sp->span_id.len == 8)
        memcpy(x->span_id, sp->span_id.ptr, 8);
    x->value = value;
}
