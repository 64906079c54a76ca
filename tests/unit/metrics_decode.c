/* Reading emitted OTLP metrics in tests; see metrics_decode.h. */
#include "metrics_decode.h"

#include <stdio.h>
#include <string.h>

md_req *md_decode(otelc_test_host *h, size_t i)
{
    size_t len = 0;
    const uint8_t *p = otelc_test_emitted_bytes(h, i, &len);
    if (!p)
        return NULL;
    return opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
        NULL, len, p);
}

void md_free(md_req *r)
{
    if (r)
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
            r, NULL);
}

const char *md_attr(md_kv *const *attrs, size_t n, const char *key)
{
    static __thread char buf[64];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(attrs[i]->key, key) != 0 || !attrs[i]->value)
            continue;
        const Opentelemetry__Proto__Common__V1__AnyValue *v = attrs[i]->value;
        switch (v->value_case) {
        case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
            return v->string_value;
        case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
            return v->bool_value ? "true" : "false";
        case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
            snprintf(buf, sizeof(buf), "%lld", (long long)v->int_value);
            return buf;
        default: return "?";
        }
    }
    return NULL;
}

static const char *service_of(const md_resource *rm)
{
    if (!rm->resource)
        return NULL;
    return md_attr(rm->resource->attributes, rm->resource->n_attributes, "service.name");
}

md_metric *md_metric_of(const md_req *r, const char *service, const char *name)
{
    for (size_t i = 0; r && i < r->n_resource_metrics; i++) {
        const md_resource *rm = r->resource_metrics[i];
        const char *svc = service_of(rm);
        if (service && (!svc || strcmp(svc, service) != 0))
            continue;
        for (size_t j = 0; j < rm->n_scope_metrics; j++)
            for (size_t k = 0; k < rm->scope_metrics[j]->n_metrics; k++)
                if (strcmp(rm->scope_metrics[j]->metrics[k]->name, name) == 0)
                    return rm->scope_metrics[j]->metrics[k];
    }
    return NULL;
}

md_metric *md_metric_named(const md_req *r, const char *name)
{
    return md_metric_of(r, NULL, name);
}

static bool matches(md_kv *const *attrs, size_t n, const char *const *match)
{
    for (size_t i = 0; match && match[i]; i += 2) {
        const char *v = md_attr(attrs, n, match[i]);
        if (match[i + 1] ? !v || strcmp(v, match[i + 1]) != 0 : v != NULL)
            return false;
    }
    return true;
}

/* The matching point among n points, each with its attribute list. */
#define FIND_POINT(points, npoints, match, count)                                   \
    do {                                                                            \
        void *found = NULL;                                                         \
        size_t hits = 0;                                                            \
        for (size_t i = 0; i < (npoints); i++)                                      \
            if (matches((points)[i]->attributes, (points)[i]->n_attributes, match)) \
                hits++, found = found ? found : (points)[i];                        \
        if (count)                                                                  \
            *(count) = hits;                                                        \
        return found;                                                               \
    } while (0)

md_number *md_sum_point(const md_metric *m, const char *const *match, size_t *count)
{
    if (!m || !m->sum)
        return NULL;
    FIND_POINT(m->sum->data_points, m->sum->n_data_points, match, count);
}

md_hist *md_hist_point(const md_metric *m, const char *const *match, size_t *count)
{
    if (!m || !m->histogram)
        return NULL;
    FIND_POINT(m->histogram->data_points, m->histogram->n_data_points, match, count);
}

md_expo *md_expo_point(const md_metric *m, const char *const *match, size_t *count)
{
    if (!m || !m->exponential_histogram)
        return NULL;
    FIND_POINT(m->exponential_histogram->data_points, m->exponential_histogram->n_data_points,
               match, count);
}

size_t md_points(const md_metric *m)
{
    if (!m)
        return 0;
    if (m->sum)
        return m->sum->n_data_points;
    if (m->histogram)
        return m->histogram->n_data_points;
    if (m->exponential_histogram)
        return m->exponential_histogram->n_data_points;
    return 0;
}

size_t md_total_points(otelc_test_host *h, size_t first)
{
    size_t total = 0;
    for (size_t i = first; i < otelc_test_emitted_count(h); i++)
        total += otelc_test_emitted_spans(h, i);
    return total;
}
