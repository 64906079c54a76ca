/*
 * signal_fixture.c: metrics and logs requests for the tests
 * (signal_fixture.h).
 */
#include "signal_fixture.h"

#include <stdio.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(fx_alloc(n), s, n);
}

static void *ptr_array(size_t n)
{
    return fx_alloc(n * sizeof(void *) + 1);
}

fx_resource *fx_service(const char *service)
{
    fx_resource *r;
    if (!service)
        return NULL;
    r = fx_alloc(sizeof *r);
    opentelemetry__proto__resource__v1__resource__init(r);
    r->n_attributes = 1;
    r->attributes = ptr_array(1);
    r->attributes[0] = fx_kv_new("service.name", fx_str(service));
    return r;
}

fx_scope *fx_scope_named(const char *name, const char *version)
{
    fx_scope *s = fx_alloc(sizeof *s);
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = dup_str(name);
    if (version)
        s->version = dup_str(version);
    return s;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = fx_alloc(*len + 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static uint8_t *canonical(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                          size_t *out_len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, p);
    if (!m)
        return NULL;
    uint8_t *out = pack(m, out_len);
    protobuf_c_message_free_unpacked(m, NULL);
    return out;
}

/* ---- logs ---- */

fxl_record *fxl_record_new(int severity, const char *text, const char *body, unsigned seed)
{
    fxl_record *r = fx_alloc(sizeof *r);
    opentelemetry__proto__logs__v1__log_record__init(r);
    r->time_unix_nano = 1700000000000000000ull + seed;
    r->observed_time_unix_nano = r->time_unix_nano + 5;
    r->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)severity;
    if (text)
        r->severity_text = dup_str(text);
    if (body)
        r->body = fx_str(body);
    r->attributes = ptr_array(8);
    if (seed) {
        r->trace_id = (ProtobufCBinaryData){16, fx_alloc(16)};
        r->span_id = (ProtobufCBinaryData){8, fx_alloc(8)};
        fx_span_ids(seed, r->trace_id.data, r->span_id.data);
    }
    return r;
}

void fxl_attr_add(fxl_record *r, fx_kv *kv)
{
    r->attributes[r->n_attributes++] = kv; /* room for 8 */
}

fxl_request *fxl_request_new(size_t n_rl)
{
    fxl_request *r = fx_alloc(sizeof *r);
    opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(r);
    r->n_resource_logs = n_rl;
    r->resource_logs = ptr_array(n_rl);
    return r;
}

fxl_rl *fxl_rl_new(fx_resource *res, size_t n_sl)
{
    fxl_rl *rl = fx_alloc(sizeof *rl);
    opentelemetry__proto__logs__v1__resource_logs__init(rl);
    rl->resource = res;
    rl->n_scope_logs = n_sl;
    rl->scope_logs = ptr_array(n_sl);
    return rl;
}

fxl_sl *fxl_sl_new(fx_scope *scope, size_t n_records)
{
    fxl_sl *sl = fx_alloc(sizeof *sl);
    opentelemetry__proto__logs__v1__scope_logs__init(sl);
    sl->scope = scope;
    sl->n_log_records = n_records;
    sl->log_records = ptr_array(n_records);
    return sl;
}

fxl_request *fxl_rich_request(void)
{
    fxl_request *req = fxl_request_new(2);
    fxl_rl *a = req->resource_logs[0] = fxl_rl_new(fx_service("checkout"), 1);
    fxl_rl *b = req->resource_logs[1] = fxl_rl_new(fx_service("cart"), 1);
    fxl_sl *sa = a->scope_logs[0] = fxl_sl_new(fx_scope_named("io.otelc.logs", "1.0"), 3);
    fxl_sl *sb = b->scope_logs[0] = fxl_sl_new(fx_scope_named("io.otelc.b", NULL), 2);
    fxl_record *r0 = sa->log_records[0] = fxl_record_new(9, "INFO", "user logged in", 1);
    fxl_attr_add(r0, fx_kv_new("user.id", fx_str("u1")));
    fxl_attr_add(r0, fx_kv_new("http.status", fx_int(200)));
    fxl_record *r1 = sa->log_records[1] = fxl_record_new(17, "ERROR", "db down", 2);
    fxl_attr_add(r1, fx_kv_new("db.system", fx_str("postgres")));
    fxl_record *r2 = sa->log_records[2] = fxl_record_new(0, NULL, NULL, 0);
    r2->body = fx_kvlist(1, (fx_kv *[]){fx_kv_new("k", fx_int(1))});
    fxl_record *r3 = sb->log_records[0] = fxl_record_new(13, "WARN", "slow", 1);
    fxl_attr_add(r3, fx_kv_new("user.id", fx_str("u2")));
    sb->log_records[1] = fxl_record_new(5, "DEBUG", "tick", 3);
    return req;
}

uint8_t *fxl_pack(const fxl_request *r, size_t *len)
{
    return pack(&r->base, len);
}

uint8_t *fxl_canonical(const uint8_t *p, size_t len, size_t *out_len)
{
    return canonical(&opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
                     p, len, out_len);
}

/* ---- metrics ---- */

fxm_request *fxm_request_new(size_t n_rm)
{
    fxm_request *r = fx_alloc(sizeof *r);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(r);
    r->n_resource_metrics = n_rm;
    r->resource_metrics = ptr_array(n_rm);
    return r;
}

fxm_rm *fxm_rm_new(fx_resource *res, size_t n_sm)
{
    fxm_rm *rm = fx_alloc(sizeof *rm);
    opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
    rm->resource = res;
    rm->n_scope_metrics = n_sm;
    rm->scope_metrics = ptr_array(n_sm);
    return rm;
}

fxm_sm *fxm_sm_new(fx_scope *scope, size_t n_metrics)
{
    fxm_sm *sm = fx_alloc(sizeof *sm);
    opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
    sm->scope = scope;
    sm->n_metrics = n_metrics;
    sm->metrics = ptr_array(n_metrics);
    return sm;
}

static fxm_metric *metric_new(const char *name)
{
    fxm_metric *m = fx_alloc(sizeof *m);
    opentelemetry__proto__metrics__v1__metric__init(m);
    m->name = dup_str(name);
    m->unit = dup_str("1");
    return m;
}

static fx_kv **one_attr(const char *key, const char *value, size_t *n)
{
    fx_kv **kv = ptr_array(8);
    *n = 0;
    if (key)
        kv[(*n)++] = fx_kv_new(key, fx_str(value));
    return kv;
}

static fxm_number *number(const char *key, const char *value, int64_t v)
{
    fxm_number *p = fx_alloc(sizeof *p);
    opentelemetry__proto__metrics__v1__number_data_point__init(p);
    p->attributes = one_attr(key, value, &p->n_attributes);
    p->start_time_unix_nano = 1700000000000000000ull;
    p->time_unix_nano = p->start_time_unix_nano + 1000 + (uint64_t)v;
    p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
    p->as_int = v;
    return p;
}

fxm_metric *fxm_gauge(const char *name, size_t n)
{
    fxm_metric *m = metric_new(name);
    Opentelemetry__Proto__Metrics__V1__Gauge *g = fx_alloc(sizeof *g);
    opentelemetry__proto__metrics__v1__gauge__init(g);
    g->n_data_points = n;
    g->data_points = ptr_array(n);
    for (size_t i = 0; i < n; i++) {
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        g->data_points[i] = number("i", idx, (int64_t)i);
    }
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
    m->gauge = g;
    return m;
}

static fxm_metric *sum_metric(void)
{
    fxm_metric *m = metric_new("http.requests");
    Opentelemetry__Proto__Metrics__V1__Sum *s = fx_alloc(sizeof *s);
    opentelemetry__proto__metrics__v1__sum__init(s);
    s->aggregation_temporality =
        OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
    s->is_monotonic = 1;
    s->n_data_points = 2;
    s->data_points = ptr_array(2);
    s->data_points[0] = number("http.route", "/a", 3);
    s->data_points[1] = number("http.route", "/b", 4);
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
    m->sum = s;
    return m;
}

static Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *hpoint(const char *route)
{
    static const double bounds[] = {1, 10};
    static const uint64_t counts[] = {2, 3, 1};
    Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p = fx_alloc(sizeof *p);
    opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
    p->attributes = one_attr("http.route", route, &p->n_attributes);
    p->time_unix_nano = 1700000000000002000ull;
    p->count = 6;
    p->sum_present_case = OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__SUM_PRESENT_SUM;
    p->sum = 21.5;
    p->n_bucket_counts = 3;
    p->bucket_counts = memcpy(fx_alloc(sizeof counts), counts, sizeof counts);
    p->n_explicit_bounds = 2;
    p->explicit_bounds = memcpy(fx_alloc(sizeof bounds), bounds, sizeof bounds);
    return p;
}

static fxm_metric *histogram_metric(void)
{
    fxm_metric *m = metric_new("latency");
    Opentelemetry__Proto__Metrics__V1__Histogram *h = fx_alloc(sizeof *h);
    opentelemetry__proto__metrics__v1__histogram__init(h);
    h->aggregation_temporality =
        OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA;
    h->n_data_points = 2;
    h->data_points = ptr_array(2);
    h->data_points[0] = hpoint("/a");
    h->data_points[1] = hpoint("/b");
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
    m->histogram = h;
    return m;
}

static fxm_metric *exp_histogram_metric(void)
{
    fxm_metric *m = metric_new("sizes");
    Opentelemetry__Proto__Metrics__V1__ExponentialHistogram *h = fx_alloc(sizeof *h);
    Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *p = fx_alloc(sizeof *p);
    opentelemetry__proto__metrics__v1__exponential_histogram__init(h);
    opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(p);
    p->attributes = one_attr("k", "v", &p->n_attributes);
    p->count = 2;
    p->scale = 3;
    p->zero_count = 1;
    h->n_data_points = 1;
    h->data_points = ptr_array(1);
    h->data_points[0] = p;
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
    m->exponential_histogram = h;
    return m;
}

static fxm_metric *summary_metric(void)
{
    fxm_metric *m = metric_new("rpc");
    Opentelemetry__Proto__Metrics__V1__Summary *s = fx_alloc(sizeof *s);
    Opentelemetry__Proto__Metrics__V1__SummaryDataPoint *p = fx_alloc(sizeof *p);
    opentelemetry__proto__metrics__v1__summary__init(s);
    opentelemetry__proto__metrics__v1__summary_data_point__init(p);
    p->attributes = one_attr("q", "1", &p->n_attributes);
    p->count = 4;
    p->sum = 9;
    s->n_data_points = 1;
    s->data_points = ptr_array(1);
    s->data_points[0] = p;
    m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY;
    m->summary = s;
    m->metadata = one_attr("m.meta", "x", &m->n_metadata);
    return m;
}

fxm_request *fxm_rich_request(void)
{
    fxm_request *req = fxm_request_new(2);
    fxm_rm *a = req->resource_metrics[0] = fxm_rm_new(fx_service("checkout"), 1);
    fxm_rm *b = req->resource_metrics[1] = fxm_rm_new(fx_service("cart"), 1);
    fxm_sm *sa = a->scope_metrics[0] = fxm_sm_new(fx_scope_named("io.otelc.m", NULL), 5);
    fxm_sm *sb = b->scope_metrics[0] = fxm_sm_new(NULL, 1);
    sa->metrics[0] = sum_metric();
    sa->metrics[1] = fxm_gauge("cpu.usage", 1);
    sa->metrics[1]->gauge->data_points[0] = number("cpu", "0", 0);
    sa->metrics[1]->gauge->data_points[0]->value_case =
        OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
    sa->metrics[1]->gauge->data_points[0]->as_double = 0.5;
    sa->metrics[2] = histogram_metric();
    sa->metrics[3] = exp_histogram_metric();
    sa->metrics[4] = summary_metric();
    sb->metrics[0] = fxm_gauge("queue.depth", 1);
    sb->metrics[0]->gauge->data_points[0] = number(NULL, NULL, 7);
    return req;
}

uint8_t *fxm_pack(const fxm_request *r, size_t *len)
{
    return pack(&r->base, len);
}

uint8_t *fxm_canonical(const uint8_t *p, size_t len, size_t *out_len)
{
    return canonical(
        &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
        p, len, out_len);
}

fx_kv ***fxm_point_attrs(fxm_metric *m, size_t i, size_t **n)
{
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
        *n = &m->gauge->data_points[i]->n_attributes;
        return &m->gauge->data_points[i]->attributes;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
        *n = &m->sum->data_points[i]->n_attributes;
        return &m->sum->data_points[i]->attributes;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        *n = &m->histogram->data_points[i]->n_attributes;
        return &m->histogram->data_points[i]->attributes;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
        *n = &m->exponential_histogram->data_points[i]->n_attributes;
        return &m->exponential_histogram->data_points[i]->attributes;
    default:
        *n = &m->summary->data_points[i]->n_attributes;
        return &m->summary->data_points[i]->attributes;
    }
}
