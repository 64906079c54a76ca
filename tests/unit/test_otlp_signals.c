/*
 * test_otlp_signals.c: the SDK's metrics and logs requests: validation
 * (what it counts, every rule and the message naming the item), the
 * OTLP/JSON reader's and writer's metrics and logs rules (hex ids in log
 * records and exemplars, enum names, oneofs, proto3 optional presence,
 * packed and unpacked lists) and the answers to an unknown signal. The
 * corpus test (test_otlp_json_corpus) holds the round trips of every
 * point kind and body kind.
 */
#include "test_otlp_json_wire.h"

#include <otelc/sdk/otlp_validate.h>

#include <errno.h>

/* ---- building requests ---- */

/* resource_metrics { scope_metrics { metrics { name "m" <kind> { data_points: point } } } };
 * kind is Metric's field number (5 gauge ... 11 summary). Frees point. */
static struct wire metrics_of_point(uint32_t kind, struct wire *point)
{
    struct wire data = {0}, metric = {0}, sm = {0}, rm = {0}, req = {0};
    f_msg(&data, 1, point);
    f_str(&metric, 1, "m");
    f_msg(&metric, kind, &data);
    f_msg(&sm, 2, &metric);
    f_msg(&rm, 2, &sm);
    f_msg(&req, 1, &rm);
    return req;
}

/* resource_logs { scope_logs { log_records: record } }; frees record. */
static struct wire logs_of_record(struct wire *record)
{
    struct wire sl = {0}, rl = {0}, req = {0};
    f_msg(&sl, 2, record);
    f_msg(&rl, 2, &sl);
    f_msg(&req, 1, &rl);
    return req;
}

static const char trace_id[16] = "0123456789abcdef";
static const char span_id[8] = "01234567";
static const char zeros[16];

/* ---- validation ---- */

static size_t valid_items(otelc_signal sig, const struct wire *w)
{
    otlp_verror err;
    size_t n = 9999;
    int rc = otlp_validate_signal(sig, w->p, w->len, &n, &err);
    if (rc != OTLP_OK)
        fail_msg("refused (%d): %s", rc, err.msg);
    return n;
}

/* Refused with status and exactly the message msg; frees w. */
static void expect_refused(otelc_signal sig, struct wire *w, int status, const char *msg)
{
    otlp_verror err;
    size_t n = 12345;
    assert_int_equal(otlp_validate_signal(sig, w->p, w->len, &n, &err), status);
    assert_int_equal(err.status, status);
    assert_string_equal(err.msg, msg);
    assert_int_equal(n, 12345);
    free(w->p);
}

#define METRICS_JSON                                                                               \
    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":["                                     \
    "{\"name\":\"g\",\"gauge\":{\"dataPoints\":[{\"asInt\":\"1\"},{\"asDouble\":2}]}},"           \
    "{\"name\":\"s\",\"sum\":{\"dataPoints\":[{\"asInt\":\"3\"}],\"isMonotonic\":true}},"          \
    "{\"name\":\"h\",\"histogram\":{\"dataPoints\":[{\"count\":\"1\"},{},{}]}},"                   \
    "{\"name\":\"e\",\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":2},{}]}},"               \
    "{\"name\":\"q\",\"summary\":{\"dataPoints\":[{\"quantileValues\":[{\"quantile\":0.5}]}]}},"   \
    "{\"name\":\"none\"}]}]},{\"scopeMetrics\":[{\"metrics\":["                                    \
    "{\"name\":\"g2\",\"gauge\":{\"dataPoints\":[{}]}}]}]}]}"

/* Data points of every kind count, as the collector's DataPointCount. */
static void test_counts_data_points(void **state)
{
    (void)state;
    size_t len;
    uint8_t *pb = from_json_signal(OTELC_METRICS, METRICS_JSON, strlen(METRICS_JSON), &len);
    struct wire w = {pb, len, len};
    assert_int_equal(valid_items(OTELC_METRICS, &w), 10);
    /* Not a logs or traces request: its field 1 holds other messages. */
    size_t n;
    assert_int_not_equal(otlp_validate_signal(OTELC_LOGS, pb, len, &n, NULL), OTLP_OK);
    free(pb);
}

static void test_counts_log_records(void **state)
{
    (void)state;
    const char *json = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{},{\"body\":"
                       "{\"stringValue\":\"x\"}}]},{}]},{\"scopeLogs\":[{\"logRecords\":[{}]}]}]}";
    size_t len;
    uint8_t *pb = from_json_signal(OTELC_LOGS, json, strlen(json), &len);
    struct wire w = {pb, len, len};
    assert_int_equal(valid_items(OTELC_LOGS, &w), 3);
    free(pb);
    assert_int_equal(otlp_validate_signal(OTELC_LOGS, NULL, 0, &len, NULL), OTLP_OK);
    assert_int_equal(len, 0);
}

static void test_exemplar_ids(void **state)
{
    (void)state;
    struct wire ex = {0}, point = {0}, w;
    f_bytes(&ex, 4, span_id, 8);
    f_bytes(&ex, 5, trace_id, 16);
    f_msg(&point, 5, &ex);
    w = metrics_of_point(5, &point);
    assert_int_equal(valid_items(OTELC_METRICS, &w), 1);
    free(w.p);

    f_bytes(&ex, 4, span_id, 5);
    f_msg(&point, 5, &ex);
    w = metrics_of_point(7, &point);
    expect_refused(OTELC_METRICS, &w, OTLP_EINVALID,
                   "data point 0: exemplars[0].span_id must be empty or 8 bytes");

    struct wire first = {0};
    f_double(&first, 4, 1.5);
    f_bytes(&ex, 5, trace_id, 8);
    f_msg(&point, 8, &ex);
    struct wire hist = {0}, metric = {0}, sm = {0}, rm = {0};
    f_msg(&hist, 1, &first);
    f_msg(&hist, 1, &point);
    f_msg(&metric, 9, &hist);
    f_msg(&sm, 2, &metric);
    f_msg(&rm, 2, &sm);
    w = (struct wire){0};
    f_msg(&w, 1, &rm);
    expect_refused(OTELC_METRICS, &w, OTLP_EINVALID,
                   "data point 1: exemplars[0].trace_id must be empty or 16 bytes");
}

static void test_metric_strings(void **state)
{
    (void)state;
    struct wire point = {0}, kv = {0}, av = {0}, w;
    f_str(&av, 1, "bad \xc3\x28");
    f_str(&kv, 1, "k");
    f_msg(&kv, 2, &av);
    f_msg(&point, 7, &kv);
    w = metrics_of_point(5, &point);
    expect_refused(OTELC_METRICS, &w, OTLP_EINVALID,
                   "data point 0: attributes[0].value.string_value is not valid UTF-8");

    struct wire metric = {0}, sm = {0}, rm = {0};
    f_str(&metric, 3, "\xff");
    f_msg(&sm, 2, &metric);
    f_msg(&rm, 2, &sm);
    w = (struct wire){0};
    f_msg(&w, 1, &rm);
    expect_refused(OTELC_METRICS, &w, OTLP_EINVALID,
                   "resource_metrics[0].scope_metrics[0].metrics[0].unit is not valid UTF-8");
}

/* Repeated scalars may come packed or one per tag; a run must be whole. */
static void test_packed_lists(void **state)
{
    (void)state;
    struct wire point = {0}, w;
    uint8_t counts[16] = {1, 0, 0, 0, 0, 0, 0, 0, 2};
    f_bytes(&point, 6, counts, 16);
    f_fixed64(&point, 6, 3);
    f_double(&point, 7, 0.5);
    w = metrics_of_point(9, &point);
    assert_int_equal(valid_items(OTELC_METRICS, &w), 1);
    free(w.p);

    f_bytes(&point, 6, counts, 12);
    w = metrics_of_point(9, &point);
    expect_refused(OTELC_METRICS, &w, OTLP_EMALFORMED,
                   "data point 0: bucket_counts[0] is a malformed packed list");

    struct wire buckets = {0};
    uint8_t varints[] = {1, 0x80};
    f_bytes(&buckets, 2, varints, sizeof varints);
    f_msg(&point, 8, &buckets);
    w = metrics_of_point(10, &point);
    expect_refused(OTELC_METRICS, &w, OTLP_EMALFORMED,
                   "data point 0: positive.bucket_counts[0] is a malformed packed list");

    f_varint(&point, 4, 1); /* as_double as a varint */
    w = metrics_of_point(5, &point);
    expect_refused(OTELC_METRICS, &w, OTLP_EWIRETYPE, "data point 0: as_double has the wrong wire type");
}

static void test_log_record_ids(void **state)
{
    (void)state;
    struct wire rec = {0}, w;
    f_bytes(&rec, 9, trace_id, 16);
    f_bytes(&rec, 10, span_id, 8);
    w = logs_of_record(&rec);
    assert_int_equal(valid_items(OTELC_LOGS, &w), 1);
    free(w.p);

    /* Empty and all-zero ids mean "no trace", as the collector reads them. */
    f_bytes(&rec, 9, zeros, 0);
    f_bytes(&rec, 10, zeros, 8);
    w = logs_of_record(&rec);
    assert_int_equal(valid_items(OTELC_LOGS, &w), 1);
    free(w.p);

    f_bytes(&rec, 9, trace_id, 15);
    w = logs_of_record(&rec);
    expect_refused(OTELC_LOGS, &w, OTLP_EINVALID, "log record 0: trace_id must be empty or 16 bytes");

    f_bytes(&rec, 10, span_id, 7);
    w = logs_of_record(&rec);
    expect_refused(OTELC_LOGS, &w, OTLP_EINVALID, "log record 0: span_id must be empty or 8 bytes");
}

static void test_log_record_strings(void **state)
{
    (void)state;
    struct wire rec = {0}, body = {0}, w;
    f_str(&body, 1, "\xed\xa0\x80"); /* a surrogate */
    f_msg(&rec, 5, &body);
    w = logs_of_record(&rec);
    expect_refused(OTELC_LOGS, &w, OTLP_EINVALID, "log record 0: body.string_value is not valid UTF-8");

    f_str(&rec, 3, "WARN\xc0\xaf");
    w = logs_of_record(&rec);
    expect_refused(OTELC_LOGS, &w, OTLP_EINVALID, "log record 0: severity_text is not valid UTF-8");

    f_str(&rec, 12, "\xf4\x90\x80\x80");
    w = logs_of_record(&rec);
    expect_refused(OTELC_LOGS, &w, OTLP_EINVALID, "log record 0: event_name is not valid UTF-8");
}

/* A body of arrays nested `levels` deep around a string. */
static struct wire nested_body(int levels)
{
    struct wire v = {0};
    f_str(&v, 1, "leaf");
    for (int i = 1; i < levels; i++) {
        struct wire arr = {0}, outer = {0};
        f_msg(&arr, 1, &v);
        f_msg(&outer, 5, &arr);
        v = outer;
    }
    return v;
}

static void test_log_body_depth(void **state)
{
    (void)state;
    otlp_verror err;
    size_t n;
    struct wire body = nested_body(OTLP_MAX_DEPTH), rec = {0}, w;
    f_msg(&rec, 5, &body);
    w = logs_of_record(&rec);
    assert_int_equal(valid_items(OTELC_LOGS, &w), 1);
    free(w.p);

    body = nested_body(OTLP_MAX_DEPTH + 1);
    f_msg(&rec, 5, &body);
    w = logs_of_record(&rec);
    assert_int_equal(otlp_validate_signal(OTELC_LOGS, w.p, w.len, &n, &err), OTLP_EDEPTH);
    assert_non_null(strstr(err.msg, "array_value.values[0] is nested deeper than 64 levels"));
    free(w.p);
}

/* Every truncation of a valid request is refused, never read past. */
static void test_truncations(void **state)
{
    (void)state;
    size_t len, n;
    uint8_t *pb = from_json_signal(OTELC_METRICS, METRICS_JSON, strlen(METRICS_JSON), &len);
    for (size_t cut = 1; cut < len; cut++) {
        uint8_t *part = malloc(cut);
        assert_non_null(part);
        memcpy(part, pb, cut);
        int rc = otlp_validate_signal(OTELC_METRICS, part, cut, &n, NULL);
        assert_true(rc == OTLP_EMALFORMED || rc == OTLP_OK);
        free(part);
    }
    free(pb);
}

static void test_unknown_signal(void **state)
{
    (void)state;
    otlp_verror err;
    size_t n = 7, len = 3;
    uint8_t *pb = (uint8_t *)"untouched";
    char msg[64];
    struct otlp_buf out = {0};
    pb_bytes none = {NULL, 0};
    assert_int_equal(otlp_validate_signal((otelc_signal)8, NULL, 0, &n, &err), OTLP_EINVALID);
    assert_string_equal(err.msg, "request is of an unknown signal");
    assert_int_equal(n, 7);
    assert_int_equal(otlp_json_read_signal((otelc_signal)0, "{}", 2, &pb, &len, msg, sizeof msg),
                     -EINVAL);
    assert_null(pb);
    assert_string_equal(msg, "unknown signal 0");
    assert_int_equal(otlp_json_writev_signal_buf((otelc_signal)3, &none, 1, &out), -EINVAL);
    otlp_buf_free(&out);
}

/* ---- OTLP/JSON ---- */

static void expect_json_error(otelc_signal sig, const char *json, const char *want)
{
    uint8_t *pb = NULL;
    size_t len;
    char err[256];
    assert_int_equal(otlp_json_read_signal(sig, json, strlen(json), &pb, &len, err, sizeof err),
                     -EINVAL);
    assert_null(pb);
    assert_string_equal(err, want);
}

#define LOG(fields) "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[" fields "]}]}]}"
#define POINT(kind, fields)                                                                        \
    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"" kind "\":{\"dataPoints\":["      \
    fields "]}}]}]}]}"

static void test_json_errors(void **state)
{
    (void)state;
    expect_json_error(OTELC_LOGS, LOG("{\"traceId\":\"abc\"}"),
                      "resourceLogs[0].scopeLogs[0].logRecords[0].traceId: expected 32 hex digits");
    expect_json_error(OTELC_LOGS, LOG("{},{\"spanId\":\"0123456789abcdeg\"}"),
                      "resourceLogs[0].scopeLogs[0].logRecords[1].spanId: expected 16 hex digits");
    expect_json_error(OTELC_LOGS, LOG("{\"severityNumber\":\"LOUD\"}"),
                      "resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: "
                      "unknown enum name \"LOUD\"");
    expect_json_error(OTELC_METRICS, POINT("gauge", "{\"asInt\":\"1\",\"asDouble\":1}"),
                      "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: "
                      "another member of the same oneof is already set");
    expect_json_error(OTELC_METRICS,
                      "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"gauge\":{},"
                      "\"sum\":{}}]}]}]}",
                      "resourceMetrics[0].scopeMetrics[0].metrics[0].sum: another member of the "
                      "same oneof is already set");
    expect_json_error(OTELC_METRICS, POINT("histogram", "{\"bucketCounts\":[\"-1\"]}"),
                      "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0]."
                      "bucketCounts[0]: expected an unsigned 64-bit integer (number or decimal "
                      "string)");
    expect_json_error(OTELC_METRICS,
                      POINT("exponentialHistogram", "{\"scale\":2147483648}"),
                      "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram."
                      "dataPoints[0].scale: expected a 32-bit integer");
}

/* The JSON the writer gives for the request json reads to. */
static char *rewritten(otelc_signal sig, const char *json)
{
    size_t len;
    uint8_t *pb = from_json_signal(sig, json, strlen(json), &len);
    struct otlp_buf out = to_json_signal(sig, pb, len);
    free(pb);
    char *s = strndup(out.data, out.len);
    otlp_buf_free(&out);
    return s;
}

static void expect_rewritten(otelc_signal sig, const char *json, const char *want)
{
    char *got = rewritten(sig, json);
    assert_string_equal(got, want);
    free(got);
}

/* Enum names, unquoted 64-bit numbers and any hex case read as the
 * canonical form; oneof members and present optional fields stay even at
 * zero, absent ones stay absent. */
static void test_json_canonical_form(void **state)
{
    (void)state;
    expect_rewritten(OTELC_LOGS,
                     LOG("{\"severityNumber\":\"SEVERITY_NUMBER_ERROR\",\"timeUnixNano\":5,"
                         "\"traceId\":\"5B8EFFF798038103D269B633813FC60C\",\"spanId\":\"\"}"),
                     LOG("{\"timeUnixNano\":\"5\",\"severityNumber\":17,"
                         "\"traceId\":\"5b8efff798038103d269b633813fc60c\"}"));
    expect_rewritten(OTELC_METRICS,
                     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{"
                     "\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_DELTA\","
                     "\"dataPoints\":[{\"asInt\":0}]}}]}]}]}",
                     "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{"
                     "\"dataPoints\":[{\"asInt\":\"0\"}],\"aggregationTemporality\":1}}]}]}]}");
}

static void test_json_presence(void **state)
{
    (void)state;
    expect_rewritten(OTELC_METRICS, POINT("histogram", "{\"sum\":0,\"min\":0},{\"count\":1}"),
                     POINT("histogram", "{\"sum\":0,\"min\":0},{\"count\":\"1\"}"));
    expect_rewritten(OTELC_METRICS, POINT("exponentialHistogram", "{\"max\":-0.0,\"zeroThreshold\":0}"),
                     POINT("exponentialHistogram", "{\"max\":-0.0}"));
    expect_rewritten(OTELC_METRICS, POINT("gauge", "{\"asDouble\":0}"),
                     POINT("gauge", "{\"asDouble\":0}"));
}

/* However the sender split a repeated scalar, the JSON has one list. */
static void test_json_packed_and_unpacked(void **state)
{
    (void)state;
    struct wire point = {0}, buckets = {0};
    uint8_t run[16] = {1, 0, 0, 0, 0, 0, 0, 0, 2};
    uint8_t varints[] = {3, 0xac, 0x02};
    f_fixed64(&point, 6, 7);
    f_bytes(&point, 6, run, 16);
    f_double(&point, 7, 2.5);
    f_fixed64(&point, 6, 9);
    f_bytes(&point, 6, run, 0);
    struct wire w = metrics_of_point(9, &point);
    struct otlp_buf out = to_json_signal(OTELC_METRICS, w.p, w.len);
    const char *want = "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"m\","
                       "\"histogram\":{\"dataPoints\":[{\"bucketCounts\":[\"7\",\"1\",\"2\",\"9\"],"
                       "\"explicitBounds\":[2.5]}]}}]}]}]}";
    assert_same_json(out.data, out.len, want, strlen(want));
    otlp_buf_free(&out);
    free(w.p);

    f_varint(&buckets, 1, 3); /* offset -2, zigzag */
    f_bytes(&buckets, 2, varints, sizeof varints);
    f_varint(&buckets, 2, 5);
    f_msg(&point, 9, &buckets);
    w = metrics_of_point(10, &point);
    out = to_json_signal(OTELC_METRICS, w.p, w.len);
    want = "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"m\","
           "\"exponentialHistogram\":{\"dataPoints\":[{\"negative\":{\"offset\":-2,"
           "\"bucketCounts\":[\"3\",\"300\",\"5\"]}}]}}]}]}]}";
    assert_same_json(out.data, out.len, want, strlen(want));
    otlp_buf_free(&out);
    free(w.p);
}

static void test_json_writer_refusals(void **state)
{
    (void)state;
    struct wire point = {0}, rec = {0}, body = {0}, w;
    struct otlp_buf out = {0};
    uint8_t run[3] = {1, 2, 3};
    f_bytes(&point, 7, run, 3); /* a packed double run of 3 bytes */
    w = metrics_of_point(9, &point);
    pb_bytes part = {w.p, w.len};
    assert_int_equal(otlp_json_writev_signal_buf(OTELC_METRICS, &part, 1, &out), -EBADMSG);
    free(w.p);

    f_str(&body, 1, "\xff");
    f_msg(&rec, 5, &body);
    w = logs_of_record(&rec);
    part = (pb_bytes){w.p, w.len};
    assert_int_equal(otlp_json_writev_signal_buf(OTELC_LOGS, &part, 1, &out), -EILSEQ);
    assert_int_equal(out.len, 0);
    otlp_buf_free(&out);
    free(w.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_data_points),
        cmocka_unit_test(test_counts_log_records),
        cmocka_unit_test(test_exemplar_ids),
        cmocka_unit_test(test_metric_strings),
        cmocka_unit_test(test_packed_lists),
        cmocka_unit_test(test_log_record_ids),
        cmocka_unit_test(test_log_record_strings),
        cmocka_unit_test(test_log_body_depth),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_unknown_signal),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_canonical_form),
        cmocka_unit_test(test_json_presence),
        cmocka_unit_test(test_json_packed_and_unpacked),
        cmocka_unit_test(test_json_writer_refusals),
    };
    return cmocka_run_group_tests_name("otlp_signals", tests, NULL, NULL);
}
