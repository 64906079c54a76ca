/*
 * text_metrics_logs.c: the debug exporter's text for metrics and logs, in
 * the collector's layout (its basic summary line, its normal marshalers'
 * one line per data point or log record, its otlptext for detailed).
 *
 * Requests are decoded with protobuf-c: the debug exporter is no hot path,
 * and a batch was validated by its receiver, which refuses whatever
 * protobuf-c cannot decode. Values are written as the collector's
 * pcommon.Value.AsString writes them: strings bare, maps and lists as
 * JSON, bytes as base64; times as Go's time.Time.String in UTC.
 */
#include "text.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/sdk/otlp_walk.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
typedef Opentelemetry__Proto__Resource__V1__Resource resource;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest metrics_req;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint number_point;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint histogram_point;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint exp_point;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint summary_point;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar exemplar;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest logs_req;
typedef Opentelemetry__Proto__Logs__V1__LogRecord log_record;

#define ANY(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x
#define DATA(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x

/* Where the text goes. Appends keep going after one failed: the text
 * then lacks its tail, and the one check at the end says memory ran out. */
struct tw {
    struct otlp_buf *out;
    bool nomem;
};

static void put(struct tw *o, const char *s)
{
    if (dbg_put(o->out, s, strlen(s)))
        o->nomem = true;
}

/* ---- values ---- */

/* A float as Go's %v writes it: the fewest digits that read back to d,
 * as an exponent form when the exponent is below -4 or at least 6. */
static void put_double(struct tw *o, double d)
{
    char tmp[40];
    int digits = 1;
    if (isnan(d) || isinf(d)) {
        put(o, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (; digits < 17; digits++) {
        snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, d);
    int exp10 = (int)strtol(strchr(tmp, 'e') + 1, NULL, 10);
    if (d != 0 && (exp10 < -4 || exp10 >= 6)) {
        put(o, tmp);
        return;
    }
    snprintf(tmp, sizeof(tmp), "%.*f", digits - 1 - exp10 > 0 ? digits - 1 - exp10 : 0, d);
    put(o, tmp);
}

static void put_json_string(struct tw *o, const char *s)
{
    put(o, "\"");
    for (; *s; s++) {
        char esc[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (c < 0x20)
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        else
            snprintf(esc, sizeof(esc), "%c", c);
        put(o, esc);
    }
    put(o, "\"");
}

static void put_base64(struct tw *o, const uint8_t *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char four[5] = {abc[v >> 18], abc[(v >> 12) & 63], i + 1 < n ? abc[(v >> 6) & 63] : '=',
                        i + 2 < n ? abc[v & 63] : '=', 0};
        put(o, four);
    }
}

static void put_value(struct tw *o, const any_value *v, bool in_json, int depth);

static void put_json_items(struct tw *o, const any_value *v, int depth)
{
    bool list = v->value_case == ANY(ARRAY_VALUE);
    size_t n = list ? v->array_value->n_values : v->kvlist_value->n_values;
    put(o, list ? "[" : "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(o, ",");
        if (!list)
            put_json_string(o, v->kvlist_value->values[i]->key);
        if (!list)
            put(o, ":");
        put_value(o, list ? v->array_value->values[i] : v->kvlist_value->values[i]->value, true,
                  depth + 1);
    }
    put(o, list ? "]" : "}");
}

/* A value as AsString writes it; inside JSON, strings and bytes are
 * quoted and an empty value is null. */
static void put_value(struct tw *o, const any_value *v, bool in_json, int depth)
{
    char num[32];
    switch (v && depth <= OTLP_MAX_DEPTH ? v->value_case : ANY(_NOT_SET)) {
    case ANY(STRING_VALUE):
        if (in_json)
            put_json_string(o, v->string_value);
        else
            put(o, v->string_value);
        break;
    case ANY(BOOL_VALUE): put(o, v->bool_value ? "true" : "false"); break;
    case ANY(INT_VALUE):
        snprintf(num, sizeof(num), "%" PRId64, v->int_value);
        put(o, num);
        break;
    case ANY(DOUBLE_VALUE): put_double(o, v->double_value); break;
    case ANY(BYTES_VALUE):
        put(o, in_json ? "\"" : "");
        put_base64(o, v->bytes_value.data, v->bytes_value.len);
        put(o, in_json ? "\"" : "");
        break;
    case ANY(ARRAY_VALUE):
    case ANY(KVLIST_VALUE): put_json_items(o, v, depth); break;
    default: put(o, in_json ? "null" : ""); break;
    }
}

static const char *type_name(const any_value *v)
{
    switch (v ? v->value_case : ANY(_NOT_SET)) {
    case ANY(STRING_VALUE): return "Str";
    case ANY(BOOL_VALUE): return "Bool";
    case ANY(INT_VALUE): return "Int";
    case ANY(DOUBLE_VALUE): return "Double";
    case ANY(ARRAY_VALUE): return "Slice";
    case ANY(KVLIST_VALUE): return "Map";
    case ANY(BYTES_VALUE): return "Bytes";
    default: return "Empty";
    }
}

/* "Str(text)": otlptext's valueToString. */
static void put_typed(struct tw *o, const any_value *v)
{
    put(o, type_name(v));
    put(o, "(");
    put_value(o, v, false, 0);
    put(o, ")");
}

/* ---- attributes, times, ids ---- */

/* "header:" and "     -> key: Str(value)" lines; nothing without any. A
 * header that is itself an entry ("     -> Metadata") indents its
 * entries by its own indent, as otlptext does. */
static void put_attrs_detailed(struct tw *o, const char *header, key_value **kvs, size_t n)
{
    const char *arrow = strstr(header, "->");
    if (n == 0)
        return;
    put(o, header);
    put(o, ":\n");
    for (size_t i = 0; i < n; i++) {
        if (arrow && dbg_put(o->out, header, (size_t)(arrow - header)))
            o->nomem = true;
        put(o, "     -> ");
        put(o, kvs[i]->key);
        put(o, ": ");
        put_typed(o, kvs[i]->value);
        put(o, "\n");
    }
}

/* "k=v" pairs joined by sep, after a lead when there are any. */
static void put_attrs_normal(struct tw *o, const char *lead, const char *sep, key_value **kvs,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put(o, i ? sep : lead);
        put(o, kvs[i]->key);
        put(o, "=");
        put_value(o, kvs[i]->value, false, 0);
    }
}

/* Go's time.Time.String in UTC: "2020-02-11 20:26:13.000000789 +0000 UTC",
 * the fraction without its trailing zeros, none when whole. */
static void put_time(struct tw *o, const char *label, uint64_t ns)
{
    time_t secs = (time_t)(ns / 1000000000u);
    unsigned frac = (unsigned)(ns % 1000000000u);
    struct tm tm;
    char date[32], fraction[16] = "";
    gmtime_r(&secs, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    if (frac) {
        snprintf(fraction, sizeof(fraction), ".%09u", frac);
        for (size_t n = strlen(fraction); fraction[n - 1] == '0'; n--)
            fraction[n - 1] = '\0';
    }
    if (dbg_putf(o->out, "%s%s%s +0000 UTC\n", label, date, fraction))
        o->nomem = true;
}

static void put_id(struct tw *o, const char *label, ProtobufCBinaryData id)
{
    put(o, label);
    if (dbg_put_hex(o->out, (pb_bytes){id.data, id.len}))
        o->nomem = true;
    put(o, "\n");
}

static void putf(struct tw *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct tw *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    put(o, tmp);
}

/* ---- resources and scopes ---- */

static void put_resource(struct tw *o, const char *kind, size_t i, const resource *r,
                         const char *schema_url, enum debug_verbosity v)
{
    key_value **kvs = r ? r->attributes : NULL;
    size_t n = r ? r->n_attributes : 0;
    if (v == VERBOSITY_DETAILED) {
        putf(o, "%s #%zu\nResource SchemaURL: %s\n", kind, i, schema_url);
        put_attrs_detailed(o, "Resource attributes", kvs, n);
        return;
    }
    putf(o, "%s #%zu", kind, i);
    if (*schema_url)
        putf(o, " [%s]", schema_url);
    put_attrs_normal(o, " ", " ", kvs, n);
    put(o, "\n");
}

/* normal: " name@version [schema]" as the collector's writeScopeDetails. */
static void put_scope_details(struct tw *o, const scope *s, const char *schema_url)
{
    const char *name = s && s->name ? s->name : "", *version = s && s->version ? s->version : "";
    if (*name || *version || *schema_url)
        put(o, " ");
    put(o, name);
    if (*version)
        putf(o, "@%s", version);
    if (*schema_url)
        putf(o, "%s[%s]", *name || *version ? " " : "", schema_url);
}

static void put_scope(struct tw *o, const char *kind, size_t i, const scope *s,
                      const char *schema_url, enum debug_verbosity v)
{
    key_value **kvs = s ? s->attributes : NULL;
    size_t n = s ? s->n_attributes : 0;
    if (v == VERBOSITY_DETAILED) {
        putf(o, "%s #%zu\n%s SchemaURL: %s\nInstrumentationScope %s %s\n", kind, i, kind,
             schema_url, s && s->name ? s->name : "", s && s->version ? s->version : "");
        put_attrs_detailed(o, "InstrumentationScope attributes", kvs, n);
        return;
    }
    putf(o, "%s #%zu", kind, i);
    put_scope_details(o, s, schema_url);
    put_attrs_normal(o, " ", " ", kvs, n);
    put(o, "\n");
}

/* ---- metrics, detailed ---- */

static void put_exemplars(struct tw *o, exemplar **ex, size_t n)
{
    if (n)
        put(o, "Exemplars:\n");
    for (size_t i = 0; i < n; i++) {
        putf(o, "Exemplar #%zu\n", i);
        put_id(o, "     -> Trace ID: ", ex[i]->trace_id);
        put_id(o, "     -> Span ID: ", ex[i]->span_id);
        put_time(o, "     -> Timestamp: ", ex[i]->time_unix_nano);
        if (ex[i]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT)
            putf(o, "     -> Value: %" PRId64 "\n", ex[i]->as_int);
        else if (ex[i]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE)
            putf(o, "     -> Value: %f\n", ex[i]->as_double);
        put_attrs_detailed(o, "     -> FilteredAttributes", ex[i]->filtered_attributes,
                           ex[i]->n_filtered_attributes);
    }
}

/* What every point kind starts with. */
static void put_point_head(struct tw *o, const char *kind, size_t i, key_value **kvs,
                           size_t n, uint64_t start, uint64_t time)
{
    putf(o, "%s #%zu\n", kind, i);
    put_attrs_detailed(o, "Data point attributes", kvs, n);
    put_time(o, "StartTimestamp: ", start);
    put_time(o, "Timestamp: ", time);
}

static void put_number_points(struct tw *o, number_point **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_point_head(o, "NumberDataPoints", i, p[i]->attributes, p[i]->n_attributes,
                       p[i]->start_time_unix_nano, p[i]->time_unix_nano);
        if (p[i]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
            putf(o, "Value: %" PRId64 "\n", p[i]->as_int);
        else if (p[i]->value_case ==
                 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE)
            putf(o, "Value: %f\n", p[i]->as_double);
        put_exemplars(o, p[i]->exemplars, p[i]->n_exemplars);
    }
}

/* Count, and the sum, min and max the point has. */
static void put_count_sum_min_max(struct tw *o, uint64_t count, const double *sum,
                                  const double *min, const double *max)
{
    putf(o, "Count: %" PRIu64 "\n", count);
    if (sum)
        putf(o, "Sum: %f\n", *sum);
    if (min)
        putf(o, "Min: %f\n", *min);
    if (max)
        putf(o, "Max: %f\n", *max);
}

/* A proto3 optional field (a one-member oneof): its value, or NULL. */
#define HAS(p, field) ((p)->field##_present_case ? &(p)->field : NULL)

static void put_histogram_points(struct tw *o, histogram_point **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_point_head(o, "HistogramDataPoints", i, p[i]->attributes, p[i]->n_attributes,
                       p[i]->start_time_unix_nano, p[i]->time_unix_nano);
        put_count_sum_min_max(o, p[i]->count, HAS(p[i], sum), HAS(p[i], min), HAS(p[i], max));
        for (size_t k = 0; k < p[i]->n_explicit_bounds; k++)
            putf(o, "ExplicitBounds #%zu: %f\n", k, p[i]->explicit_bounds[k]);
        for (size_t k = 0; k < p[i]->n_bucket_counts; k++)
            putf(o, "Buckets #%zu, Count: %" PRIu64 "\n", k, p[i]->bucket_counts[k]);
        put_exemplars(o, p[i]->exemplars, p[i]->n_exemplars);
    }
}

/* Bucket bounds as the collector computes them: base 2^(2^-scale). */
static void put_exp_buckets(struct tw *o, const exp_point *p)
{
    double factor = ldexp(log(2.0), -p->scale);
    const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets *neg =
        p->negative, *pos = p->positive;
    for (size_t k = neg ? neg->n_bucket_counts : 0; k-- > 0;) {
        double index = (double)neg->offset + (double)k;
        putf(o, "Bucket [%f, %f), Count: %" PRIu64 "\n", -exp((index + 1) * factor),
             -exp(index * factor), neg->bucket_counts[k]);
    }
    if (p->zero_count)
        putf(o, "Bucket [0, 0], Count: %" PRIu64 "\n", p->zero_count);
    for (size_t k = 0; pos && k < pos->n_bucket_counts; k++) {
        double index = (double)pos->offset + (double)k;
        putf(o, "Bucket (%f, %f], Count: %" PRIu64 "\n", exp(index * factor),
             exp((index + 1) * factor), pos->bucket_counts[k]);
    }
}

static void put_exp_points(struct tw *o, exp_point **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_point_head(o, "ExponentialHistogramDataPoints", i, p[i]->attributes,
                       p[i]->n_attributes, p[i]->start_time_unix_nano, p[i]->time_unix_nano);
        put_count_sum_min_max(o, p[i]->count, HAS(p[i], sum), HAS(p[i], min), HAS(p[i], max));
        put_exp_buckets(o, p[i]);
        put_exemplars(o, p[i]->exemplars, p[i]->n_exemplars);
    }
}

static void put_summary_points(struct tw *o, summary_point **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_point_head(o, "SummaryDataPoints", i, p[i]->attributes, p[i]->n_attributes,
                       p[i]->start_time_unix_nano, p[i]->time_unix_nano);
        putf(o, "Count: %" PRIu64 "\nSum: %f\n", p[i]->count, p[i]->sum);
        for (size_t k = 0; k < p[i]->n_quantile_values; k++)
            putf(o, "QuantileValue #%zu: Quantile %f, Value %f\n", k,
                 p[i]->quantile_values[k]->quantile, p[i]->quantile_values[k]->value);
    }
}

static const char *temporality_name(int t)
{
    return t == 1 ? "Delta" : t == 2 ? "Cumulative" : "Unspecified";
}

static const char *data_type_name(const metric *m)
{
    switch (m->data_case) {
    case DATA(GAUGE): return "Gauge";
    case DATA(SUM): return "Sum";
    case DATA(HISTOGRAM): return "Histogram";
    case DATA(EXPONENTIAL_HISTOGRAM): return "ExponentialHistogram";
    case DATA(SUMMARY): return "Summary";
    default: return "Empty";
    }
}

static void put_metric_detailed(struct tw *o, size_t i, const metric *m)
{
    putf(o, "Metric #%zu\nDescriptor:\n", i);
    put(o, "     -> Name: ");
    put(o, m->name);
    put(o, "\n     -> Description: ");
    put(o, m->description);
    put(o, "\n     -> Unit: ");
    put(o, m->unit);
    putf(o, "\n     -> DataType: %s\n", data_type_name(m));
    put_attrs_detailed(o, "     -> Metadata", m->metadata, m->n_metadata);
    switch (m->data_case) {
    case DATA(GAUGE): put_number_points(o, m->gauge->data_points, m->gauge->n_data_points); break;
    case DATA(SUM):
        putf(o, "     -> IsMonotonic: %s\n     -> AggregationTemporality: %s\n",
             m->sum->is_monotonic ? "true" : "false",
             temporality_name(m->sum->aggregation_temporality));
        put_number_points(o, m->sum->data_points, m->sum->n_data_points);
        break;
    case DATA(HISTOGRAM):
        putf(o, "     -> AggregationTemporality: %s\n",
             temporality_name(m->histogram->aggregation_temporality));
        put_histogram_points(o, m->histogram->data_points, m->histogram->n_data_points);
        break;
    case DATA(EXPONENTIAL_HISTOGRAM):
        putf(o, "     -> AggregationTemporality: %s\n",
             temporality_name(m->exponential_histogram->aggregation_temporality));
        put_exp_points(o, m->exponential_histogram->data_points,
                       m->exponential_histogram->n_data_points);
        break;
    case DATA(SUMMARY):
        put_summary_points(o, m->summary->data_points, m->summary->n_data_points);
        break;
    default: break;
    }
}

/* ---- metrics, normal: "name{k=v,k=v} value" per point ---- */

static void put_point_line(struct tw *o, const metric *m, key_value **kvs, size_t n)
{
    put(o, m->name);
    put(o, "{");
    put_attrs_normal(o, "", ",", kvs, n);
    put(o, "} ");
}

static void put_number_lines(struct tw *o, const metric *m, number_point **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put_point_line(o, m, p[i]->attributes, p[i]->n_attributes);
        if (p[i]->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
            putf(o, "%" PRId64, p[i]->as_int);
        else if (p[i]->value_case ==
                 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE)
            put_double(o, p[i]->as_double);
        put(o, "\n");
    }
}

static void put_optional(struct tw *o, const char *name, const double *v)
{
    if (!v)
        return;
    putf(o, " %s=", name);
    put_double(o, *v);
}

static void put_histogram_lines(struct tw *o, const metric *m)
{
    for (size_t i = 0; i < m->histogram->n_data_points; i++) {
        const histogram_point *p = m->histogram->data_points[i];
        put_point_line(o, m, p->attributes, p->n_attributes);
        putf(o, "count=%" PRIu64, p->count);
        put_optional(o, "sum", HAS(p, sum));
        put_optional(o, "min", HAS(p, min));
        put_optional(o, "max", HAS(p, max));
        for (size_t k = 0; k < p->n_bucket_counts; k++) {
            put(o, " ");
            if (k < p->n_explicit_bounds) {
                put(o, "le");
                put_double(o, p->explicit_bounds[k]);
                put(o, "=");
            }
            putf(o, "%" PRIu64, p->bucket_counts[k]);
        }
        put(o, "\n");
    }
}

static void put_exp_lines(struct tw *o, const metric *m)
{
    for (size_t i = 0; i < m->exponential_histogram->n_data_points; i++) {
        const exp_point *p = m->exponential_histogram->data_points[i];
        put_point_line(o, m, p->attributes, p->n_attributes);
        putf(o, "count=%" PRIu64, p->count);
        put_optional(o, "sum", HAS(p, sum));
        put_optional(o, "min", HAS(p, min));
        put_optional(o, "max", HAS(p, max));
        putf(o, " scale=%d zero=%" PRIu64 "\n", p->scale, p->zero_count);
    }
}

static void put_summary_lines(struct tw *o, const metric *m)
{
    for (size_t i = 0; i < m->summary->n_data_points; i++) {
        const summary_point *p = m->summary->data_points[i];
        put_point_line(o, m, p->attributes, p->n_attributes);
        putf(o, "count=%" PRIu64 " sum=%f", p->count, p->sum);
        for (size_t k = 0; k < p->n_quantile_values; k++) {
            put(o, " q");
            put_double(o, p->quantile_values[k]->quantile);
            put(o, "=");
            put_double(o, p->quantile_values[k]->value);
        }
        put(o, "\n");
    }
}

static void put_metric_normal(struct tw *o, const metric *m)
{
    switch (m->data_case) {
    case DATA(GAUGE): put_number_lines(o, m, m->gauge->data_points, m->gauge->n_data_points); break;
    case DATA(SUM): put_number_lines(o, m, m->sum->data_points, m->sum->n_data_points); break;
    case DATA(HISTOGRAM): put_histogram_lines(o, m); break;
    case DATA(EXPONENTIAL_HISTOGRAM): put_exp_lines(o, m); break;
    case DATA(SUMMARY): put_summary_lines(o, m); break;
    default: break;
    }
}

/* ---- metrics: the request ---- */

static size_t points_of(const metric *m)
{
    switch (m->data_case) {
    case DATA(GAUGE): return m->gauge->n_data_points;
    case DATA(SUM): return m->sum->n_data_points;
    case DATA(HISTOGRAM): return m->histogram->n_data_points;
    case DATA(EXPONENTIAL_HISTOGRAM): return m->exponential_histogram->n_data_points;
    case DATA(SUMMARY): return m->summary->n_data_points;
    default: return 0;
    }
}

/* The basic line: the collector's counts (MetricCount, DataPointCount). */
static void put_metrics_summary(struct tw *o, const metrics_req *r)
{
    size_t metrics = 0, points = 0;
    for (size_t i = 0; i < r->n_resource_metrics; i++)
        for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++) {
            const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
                r->resource_metrics[i]->scope_metrics[j];
            metrics += sm->n_metrics;
            for (size_t k = 0; k < sm->n_metrics; k++)
                points += points_of(sm->metrics[k]);
        }
    putf(o, "Metrics {\"resource metrics\": %zu, \"metrics\": %zu, \"data points\": %zu}\n",
         r->n_resource_metrics, metrics, points);
}

static void put_metrics(struct tw *o, const metrics_req *r, enum debug_verbosity v)
{
    for (size_t i = 0; i < r->n_resource_metrics; i++) {
        const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = r->resource_metrics[i];
        put_resource(o, "ResourceMetrics", i, rm->resource, rm->schema_url, v);
        for (size_t j = 0; j < rm->n_scope_metrics; j++) {
            const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[j];
            put_scope(o, "ScopeMetrics", j, sm->scope, sm->schema_url, v);
            for (size_t k = 0; k < sm->n_metrics; k++) {
                if (v == VERBOSITY_DETAILED)
                    put_metric_detailed(o, k, sm->metrics[k]);
                else
                    put_metric_normal(o, sm->metrics[k]);
            }
        }
    }
}

/* ---- logs ---- */

/* "SeverityNumber: Info2(10)", as pdata names the numbers. */
static void put_severity(struct tw *o, int n)
{
    static const char *const names[] = {"Trace", "Debug", "Info", "Warn", "Error", "Fatal"};
    static const char *const steps[] = {"", "2", "3", "4"};
    if (n < 1 || n > 24)
        putf(o, "SeverityNumber: Unspecified(%d)\n", n);
    else
        putf(o, "SeverityNumber: %s%s(%d)\n", names[(n - 1) / 4], steps[(n - 1) % 4], n);
}

static void put_record_detailed(struct tw *o, size_t i, const log_record *l)
{
    putf(o, "LogRecord #%zu\n", i);
    put_time(o, "ObservedTimestamp: ", l->observed_time_unix_nano);
    put_time(o, "Timestamp: ", l->time_unix_nano);
    put(o, "SeverityText: ");
    put(o, l->severity_text);
    put(o, "\n");
    put_severity(o, l->severity_number);
    if (*l->event_name) {
        put(o, "EventName: ");
        put(o, l->event_name);
        put(o, "\n");
    }
    put(o, "Body: ");
    put_typed(o, l->body);
    put(o, "\n");
    put_attrs_detailed(o, "Attributes", l->attributes, l->n_attributes);
    put_id(o, "Trace ID: ", l->trace_id);
    put_id(o, "Span ID: ", l->span_id);
    putf(o, "Flags: %" PRIu32 "\n", l->flags);
}

/* normal: the body as text, then the attributes as "k=v", space apart. */
static void put_record_normal(struct tw *o, const log_record *l)
{
    put_value(o, l->body, false, 0);
    put(o, " ");
    put_attrs_normal(o, "", " ", l->attributes, l->n_attributes);
    put(o, "\n");
}

static void put_logs(struct tw *o, const logs_req *r, enum debug_verbosity v)
{
    for (size_t i = 0; i < r->n_resource_logs; i++) {
        const Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = r->resource_logs[i];
        put_resource(o, "ResourceLog", i, rl->resource, rl->schema_url, v);
        for (size_t j = 0; j < rl->n_scope_logs; j++) {
            const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[j];
            put_scope(o, v == VERBOSITY_DETAILED ? "ScopeLogs" : "ScopeLog", j, sl->scope,
                      sl->schema_url, v);
            for (size_t k = 0; k < sl->n_log_records; k++) {
                if (v == VERBOSITY_DETAILED)
                    put_record_detailed(o, k, sl->log_records[k]);
                else
                    put_record_normal(o, sl->log_records[k]);
            }
        }
    }
}

static void put_logs_summary(struct tw *o, const logs_req *r)
{
    size_t records = 0;
    for (size_t i = 0; i < r->n_resource_logs; i++)
        for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
            records += r->resource_logs[i]->scope_logs[j]->n_log_records;
    putf(o, "Logs {\"resource logs\": %zu, \"log records\": %zu}\n", r->n_resource_logs, records);
}

/* ---- entry points ---- */

int debug_render_metrics(const uint8_t *buf, size_t len, enum debug_verbosity v,
                         struct otlp_buf *out)
{
    struct tw o = {out, false};
    metrics_req *r =
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
            NULL, len, buf);
    if (!r)
        return OTLP_EINVALID;
    put_metrics_summary(&o, r);
    if (v != VERBOSITY_BASIC)
        put_metrics(&o, r, v);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
        r, NULL);
    return o.nomem ? -1 : 0;
}

int debug_render_logs(const uint8_t *buf, size_t len, enum debug_verbosity v,
                      struct otlp_buf *out)
{
    struct tw o = {out, false};
    logs_req *r = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
        NULL, len, buf);
    if (!r)
        return OTLP_EINVALID;
    put_logs_summary(&o, r);
    if (v != VERBOSITY_BASIC)
        put_logs(&o, r, v);
    opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(r, NULL);
    return o.nomem ? -1 : 0;
}
