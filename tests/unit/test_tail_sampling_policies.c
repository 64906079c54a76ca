/*
 * test_tail_sampling_policies.c: the tail_sampling processor's verdicts.
 * Synthetic traces with known errors, latencies, attributes, trace
 * states and flags go through the plugin on the SDK's test kit (no
 * storage: flush decides every trace at once); the traces it emits must
 * be exactly the ones each policy type, the policies made of policies
 * and the collector's final-decision rule keep, every span of each. Also:
 * config errors, and the cut of a request per trace.
 */
#include "ts_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/otlp_walk.h>

#include "group.h"

#define MAX_REQS 64

/* Feeds every request, decides, and checks the kept traces against want
 * ('1' kept, '0' not, one character per trace from trace 0) and that a
 * kept trace arrived whole. */
static void expect_kept(const char *yaml, fx_request **reqs, size_t n, const char *want)
{
    tt_proc x;
    bool kept[TT_MAX_TRACES];
    size_t spans[TT_MAX_TRACES], fed[TT_MAX_TRACES] = {0};
    if (tt_start(&x, yaml, NULL) != 0)
        fail_msg("create: %s", tt_error(&x));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tt_feed(&x, reqs[i], NULL), OTELC_OK);
        const fx_ss *ss = reqs[i]->resource_spans[0]->scope_spans[0];
        for (size_t k = 0; k < ss->n_spans; k++)
            fed[ss->spans[k]->trace_id.data[15]]++;
    }
    tt_flush(&x);
    tt_kept(&x, kept, spans);
    for (size_t t = 0; t < strlen(want); t++) {
        if (kept[t] != (want[t] == '1'))
            fail_msg("trace %zu: kept %d, want %c (verdicts %s)", t, kept[t], want[t], want);
        if (kept[t])
            assert_int_equal(spans[t], fed[t]);
    }
    for (size_t t = strlen(want); t < TT_MAX_TRACES; t++)
        assert_false(kept[t]);
    tt_stop(&x, false); /* the requests are the test's: freed at its end */
}

/* One single-span trace per value of a span attribute. */
static fx_request *one_span(unsigned trace, fx_kv *attr, fx_resource *res)
{
    fx_span *s = tt_span(trace, 0);
    if (attr)
        tt_attr(s, attr);
    return tt_request(res, 1, &s);
}

static void test_always_sample(void **state)
{
    (void)state;
    fx_request *r[] = {tt_trace(0, 3, NULL), tt_trace(1, 1, NULL), tt_trace(2, 5, NULL)};
    expect_kept("policies: [{name: all, type: always_sample}]", r, 3, "111");
}

static fx_request *timed(unsigned trace, uint64_t ms)
{
    fx_span *s = tt_span(trace, 0);
    tt_duration(s, ms);
    return tt_request(NULL, 1, &s);
}

/* Two spans: the first [0, first_ms], the second [gap_ms, end_ms]. */
static fx_request *two_timed(unsigned trace, uint64_t first_ms, uint64_t gap_ms, uint64_t end_ms)
{
    fx_span *s[2] = {tt_span(trace, 0), tt_span(trace, 1)};
    s[0]->start_time_unix_nano = TT_START_NS;
    tt_duration(s[0], first_ms);
    s[1]->start_time_unix_nano = TT_START_NS + gap_ms * 1000000;
    s[1]->end_time_unix_nano = TT_START_NS + end_ms * 1000000;
    return tt_request(NULL, 2, s);
}

static void test_latency(void **state)
{
    (void)state;
    /* From the earliest start to the latest end, across spans. */
    fx_request *r[] = {timed(0, 100), timed(1, 499), timed(2, 500), two_timed(3, 300, 400, 900)};
    expect_kept("policies: [{name: slow, type: latency, latency: {threshold_ms: 500}}]", r, 4,
                "0011");
    /* With an upper bound: lower < d <= upper, checked after each span as
     * the collector does (trace 4's first span already qualifies). */
    fx_request *u[] = {timed(0, 500), timed(1, 800), timed(2, 1000), timed(3, 1500),
                       two_timed(4, 800, 100, 2000)};
    expect_kept("policies: [{name: band, type: latency, latency: {threshold_ms: 500, "
                "upper_threshold_ms: 1000}}]", u, 5, "01101");
}

static void test_numeric_attribute(void **state)
{
    (void)state;
    fx_resource *res500 = tt_resource("svc");
    fx_kv **kv = fx_alloc(2 * sizeof(fx_kv *));
    kv[0] = res500->attributes[0];
    kv[1] = fx_kv_new("http.status_code", fx_int(500));
    res500->attributes = kv;
    res500->n_attributes = 2;
    fx_request *r[] = {
        one_span(0, fx_kv_new("http.status_code", fx_int(200)), NULL),
        one_span(1, fx_kv_new("http.status_code", fx_int(503)), NULL),
        one_span(2, fx_kv_new("http.status_code", fx_int(599)), NULL),
        one_span(3, fx_kv_new("http.status_code", fx_int(600)), NULL),
        one_span(4, fx_kv_new("http.status_code", fx_str("503")), NULL), /* reads as 0 */
        one_span(5, NULL, res500),                                       /* on the resource */
        one_span(6, fx_kv_new("http.status_code", fx_double(503)), NULL),
    };
    expect_kept("policies: [{name: n, type: numeric_attribute, numeric_attribute: "
                "{key: http.status_code, min_value: 500, max_value: 599}}]", r, 7, "0110010");
    /* invert_match: a match is an inverted "not sampled", no match an
     * inverted "sampled" (the key absent too). */
    fx_request *inv[] = {one_span(0, fx_kv_new("http.status_code", fx_int(200)), NULL),
                         one_span(1, fx_kv_new("http.status_code", fx_int(503)), NULL),
                         one_span(2, NULL, NULL)};
    expect_kept("policies: [{name: n, type: numeric_attribute, numeric_attribute: "
                "{key: http.status_code, min_value: 500, max_value: 599, invert_match: true}}]",
                inv, 3, "101");
    /* A bound of 0 is no bound. */
    fx_request *open[] = {one_span(0, fx_kv_new("v", fx_int(10000)), NULL),
                          one_span(1, fx_kv_new("v", fx_int(499)), NULL)};
    expect_kept("policies: [{name: n, type: numeric_attribute, numeric_attribute: "
                "{key: v, min_value: 500}}]", open, 2, "10");
}

/* FNV-1a 64 over salt then the trace id, written here apart from the
 * plugin, and the collector's threshold for 50 %: (2^64 - 1) / 2 rounded
 * to a 64-bit mantissa, ties to even, is 2^63. */
static uint64_t oracle_hash(const char *salt, unsigned trace)
{
    uint8_t id[16];
    uint64_t h = 14695981039346656037ULL;
    tt_trace_id(trace, id);
    for (const char *c = salt; *c; c++)
        h = (h ^ (uint8_t)*c) * 1099511628211ULL;
    for (int i = 0; i < 16; i++)
        h = (h ^ id[i]) * 1099511628211ULL;
    return h;
}

static void test_probabilistic(void **state)
{
    (void)state;
    enum { N = 64 };
    fx_request *r[N];
    char half[N + 1] = {0}, none[N + 1] = {0}, all[N + 1] = {0};
    size_t kept = 0;
    for (unsigned t = 0; t < N; t++) {
        r[t] = tt_trace(t, 2, NULL);
        half[t] = oracle_hash("tail", t) <= (1ULL << 63) ? '1' : '0';
        kept += half[t] == '1';
        none[t] = oracle_hash("default-hash-seed", t) == 0 ? '1' : '0';
        all[t] = '1';
    }
    assert_true(kept > 16 && kept < 48); /* the trace ids do spread */
    expect_kept("policies: [{name: p, type: probabilistic, probabilistic: {hash_salt: tail, "
                "sampling_percentage: 50}}]", r, N, half);
    expect_kept("policies: [{name: p, type: probabilistic, probabilistic: "
                "{sampling_percentage: 0}}]", r, N, none);
    expect_kept("policies: [{name: p, type: probabilistic, probabilistic: "
                "{sampling_percentage: 100}}]", r, N, all);
}

static fx_request *with_status(unsigned trace, int code)
{
    fx_span *s[2] = {tt_span(trace, 0), tt_span(trace, 1)};
    if (code != STATUS_UNSET)
        tt_status(s[1], code);
    return tt_request(NULL, 2, s);
}

static void test_status_code(void **state)
{
    (void)state;
    fx_request *r[] = {with_status(0, STATUS_OK), with_status(1, STATUS_ERROR),
                       with_status(2, STATUS_UNSET)};
    expect_kept("policies: [{name: e, type: status_code, status_code: {status_codes: [ERROR]}}]",
                r, 3, "010");
    /* Every span's status counts: trace 0's first span is UNSET. */
    expect_kept("policies: [{name: e, type: status_code, status_code: {status_codes: [UNSET]}}]",
                r, 3, "111");
    expect_kept("policies: [{name: e, type: status_code, status_code: {status_codes: [OK]}}]",
                r, 3, "100");
}

static void test_string_attribute(void **state)
{
    (void)state;
    fx_request *exact[] = {one_span(0, NULL, tt_resource("checkout")),
                           one_span(1, NULL, tt_resource("payments")),
                           one_span(2, fx_kv_new("service.name", fx_str("cart")),
                                    tt_resource("payments")),
                           one_span(3, fx_kv_new("service.name", fx_str("")), NULL)};
    expect_kept("policies: [{name: s, type: string_attribute, string_attribute: "
                "{key: service.name, values: [checkout, cart]}}]", exact, 4, "1010");
    fx_request *re[] = {one_span(0, fx_kv_new("http.route", fx_str("/api/v1/users")), NULL),
                        one_span(1, fx_kv_new("http.route", fx_str("/health")), NULL),
                        one_span(2, fx_kv_new("http.route", fx_str("/x/api/v1/")), NULL),
                        one_span(3, fx_kv_new("http.route", fx_str("/healthz")), NULL)};
    expect_kept("policies: [{name: s, type: string_attribute, string_attribute: {key: http.route, "
                "values: ['^/api/v[0-9]+/'], enabled_regex_matching: true, cache_max_size: 2}}]",
                re, 4, "1000");
    expect_kept("policies: [{name: s, type: string_attribute, string_attribute: {key: http.route, "
                "values: [health], enabled_regex_matching: true}}]", re, 4, "0101");
    expect_kept("policies: [{name: s, type: string_attribute, string_attribute: "
                "{key: service.name, values: [checkout], invert_match: true}}]", exact, 4, "0111");
}

static void test_rate_limiting(void **state)
{
    (void)state;
    /* 2 spans per second: the bucket holds 4; decided together, the first
     * trace takes 3, the second finds 1, the third needs just that one. */
    fx_request *r[] = {tt_trace(0, 3, NULL), tt_trace(1, 3, NULL), tt_trace(2, 1, NULL)};
    expect_kept("policies: [{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 2}}]",
                r, 3, "101");
}

static void test_bytes_limiting(void **state)
{
    (void)state;
    fx_request *r[] = {tt_trace(0, 2, NULL), tt_trace(1, 2, NULL)};
    size_t len;
    fx_pack(r[0], &len); /* a trace's piece is its own request, here */
    char yaml[256];
    snprintf(yaml, sizeof(yaml), "policies: [{name: b, type: bytes_limiting, bytes_limiting: "
             "{bytes_per_second: 1, burst_capacity: %zu}}]", len + 10);
    expect_kept(yaml, r, 2, "10");
}

static void test_span_count(void **state)
{
    (void)state;
    fx_request *r[] = {tt_trace(0, 1, NULL), tt_trace(1, 2, NULL), tt_trace(2, 3, NULL),
                       tt_trace(3, 4, NULL)};
    expect_kept("policies: [{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}]",
                r, 4, "0110");
    expect_kept("policies: [{name: c, type: span_count, span_count: {min_spans: 2}}]", r, 4,
                "0111");
}

static fx_request *with_trace_state(unsigned trace, const char *ts)
{
    fx_span *s = tt_span(trace, 0);
    s->trace_state = (char *)ts;
    return tt_request(NULL, 1, &s);
}

static void test_trace_state(void **state)
{
    (void)state;
    fx_request *r[] = {with_trace_state(0, "vendor=keep"), with_trace_state(1, "a=b, vendor=keep"),
                       with_trace_state(2, "vendor=drop"),
                       with_trace_state(3, "vendor=keep,vendor=x"), /* duplicate: unreadable */
                       with_trace_state(4, "Vendor=keep"),           /* bad key: unreadable */
                       with_trace_state(5, ""), with_trace_state(6, "a=1,,vendor=keep")};
    expect_kept("policies: [{name: t, type: trace_state, trace_state: {key: vendor, "
                "values: [keep]}}]", r, 7, "1100001");
}

static void test_boolean_attribute(void **state)
{
    (void)state;
    fx_request *r[] = {one_span(0, fx_kv_new("debug", fx_bool(true)), NULL),
                       one_span(1, fx_kv_new("debug", fx_bool(false)), NULL),
                       one_span(2, fx_kv_new("debug", fx_str("true")), NULL), /* reads false */
                       one_span(3, NULL, NULL)};
    expect_kept("policies: [{name: b, type: boolean_attribute, boolean_attribute: {key: debug, "
                "value: true}}]", r, 4, "1000");
    expect_kept("policies: [{name: b, type: boolean_attribute, boolean_attribute: {key: debug, "
                "value: true, invert_match: true}}]", r, 4, "0111");
}

/* OTTL conditions in the span context: any condition on any span. */
static void test_ottl_condition(void **state)
{
    (void)state;
    fx_request *r[] = {one_span(0, fx_kv_new("http.status_code", fx_int(503)), NULL),
                       one_span(1, fx_kv_new("http.status_code", fx_int(200)), NULL),
                       one_span(2, fx_kv_new("user", fx_str("vip")), NULL),
                       one_span(3, NULL, NULL)};
    expect_kept("policies: [{name: o, type: ottl_condition, ottl_condition: {error_mode: "
                "ignore, span: ['attributes[\"http.status_code\"] >= 500', "
                "'attributes[\"user\"] == \"vip\"']}}]", r, 4, "1010");
    expect_kept("policies: [{name: o, type: ottl_condition, ottl_condition: {span: "
                "['IsMatch(attributes[\"user\"], \"^v\")']}}]", r, 4, "0010");
}

static fx_request *with_flags(unsigned trace, uint32_t flags)
{
    fx_span *s = tt_span(trace, 0);
    s->flags = flags;
    return tt_request(NULL, 1, &s);
}

static void test_trace_flags(void **state)
{
    (void)state;
    fx_request *r[] = {with_flags(0, 0x01), with_flags(1, 0x100), with_flags(2, 0),
                       with_flags(3, 0x301)};
    expect_kept("policies: [{name: f, type: trace_flags}]", r, 4, "1001");
}

static fx_request *svc_status(unsigned trace, const char *svc, int code, const char *path)
{
    fx_span *s = tt_span(trace, 0);
    if (code != STATUS_UNSET)
        tt_status(s, code);
    if (path)
        tt_attr(s, fx_kv_new("url.path", fx_str(path)));
    return tt_request(tt_resource(svc), 1, &s);
}

static void test_and(void **state)
{
    (void)state;
    fx_request *r[] = {svc_status(0, "checkout", STATUS_ERROR, NULL),
                       svc_status(1, "checkout", STATUS_OK, NULL),
                       svc_status(2, "payments", STATUS_ERROR, NULL)};
    expect_kept("policies: [{name: a, type: and, and: {and_sub_policy: ["
                "{name: e, type: status_code, status_code: {status_codes: [ERROR]}},"
                "{name: s, type: string_attribute, string_attribute: {key: service.name, "
                "values: [checkout]}}]}}]", r, 3, "100");
}

static void test_drop(void **state)
{
    (void)state;
    fx_request *r[] = {svc_status(0, "a", STATUS_OK, "/health"),
                       svc_status(1, "a", STATUS_OK, "/api"),
                       svc_status(2, "a", STATUS_ERROR, "/health")};
    /* Listed last, evaluated first: a drop beats always_sample. */
    expect_kept("policies: [{name: all, type: always_sample}, {name: d, type: drop, drop: "
                "{drop_sub_policy: [{name: h, type: string_attribute, string_attribute: "
                "{key: url.path, values: ['^/health'], enabled_regex_matching: true}}]}}]",
                r, 3, "010");
    /* Dropped only when every sub-policy would sample. */
    expect_kept("policies: [{name: all, type: always_sample}, {name: d, type: drop, drop: "
                "{drop_sub_policy: [{name: h, type: string_attribute, string_attribute: "
                "{key: url.path, values: [/health]}}, {name: e, type: status_code, "
                "status_code: {status_codes: [ERROR]}}]}}]", r, 3, "110");
}

static void test_not(void **state)
{
    (void)state;
    fx_request *r[] = {with_status(0, STATUS_ERROR), with_status(1, STATUS_OK)};
    expect_kept("policies: [{name: n, type: not, not: {not_sub_policy: {name: e, "
                "type: status_code, status_code: {status_codes: [ERROR]}}}}]", r, 2, "01");
}

/* Waits for the first half of a second, so that decisions made at once
 * fall in one second of the composite policy's budget. */
static void early_in_second(void)
{
    while (otelc_real_ns() % 1000000000 > 400000000) {
        struct timespec ms = {0, 5000000};
        nanosleep(&ms, NULL);
    }
}

static void test_composite(void **state)
{
    (void)state;
    fx_request *r[9];
    for (unsigned t = 0; t < 9; t++) {
        r[t] = tt_trace(t, 10, NULL);
        if (t < 6)
            tt_attr(r[t]->resource_spans[0]->scope_spans[0]->spans[0],
                    fx_kv_new("key1", fx_int(60)));
    }
    /* a: 50 % of 100 spans/s, b: 25 %. Traces 0-4 fill a; trace 5 matches
     * a over budget and is not sampled (it does not fall through to b);
     * traces 6-7 fill b, trace 8 is over. */
    early_in_second();
    expect_kept("policies: [{name: c, type: composite, composite: {max_total_spans_per_second: 100,"
                " policy_order: [a, b], composite_sub_policy: ["
                "{name: a, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50}},"
                "{name: b, type: always_sample}], rate_allocation: [{policy: a, percent: 50}, "
                "{policy: b, percent: 25}]}}]", r, 9, "111110110");
}

static void test_final_decision(void **state)
{
    (void)state;
    fx_request *r[] = {svc_status(0, "a", STATUS_OK, NULL), svc_status(1, "b", STATUS_OK, NULL),
                       svc_status(2, "b", STATUS_ERROR, NULL),
                       svc_status(3, "a", STATUS_ERROR, NULL)};
    const char *inv = "{name: inv, type: string_attribute, string_attribute: {key: service.name, "
                      "values: [a], invert_match: true}}";
    char yaml[512];
    /* An inverted not-sampled beats a sampled. */
    snprintf(yaml, sizeof(yaml), "policies: [%s, {name: all, type: always_sample}]", inv);
    expect_kept(yaml, r, 4, "0110");
    /* An inverted sampled counts only when no policy said not sampled. */
    snprintf(yaml, sizeof(yaml), "policies: [%s, {name: e, type: status_code, status_code: "
             "{status_codes: [ERROR]}}]", inv);
    expect_kept(yaml, r, 4, "0010");
    /* sample_on_first_match stops at always_sample: the inverted policy
     * after it is never asked. */
    snprintf(yaml, sizeof(yaml), "sample_on_first_match: true\npolicies: [{name: all, "
             "type: always_sample}, %s]", inv);
    expect_kept(yaml, r, 4, "1111");
}

static void test_metrics(void **state)
{
    (void)state;
    tt_proc x;
    assert_int_equal(tt_start(&x, "policies: [{name: e, type: status_code, status_code: "
                                  "{status_codes: [ERROR]}}]", NULL), 0);
    assert_int_equal(tt_feed(&x, with_status(0, STATUS_ERROR), NULL), OTELC_OK);
    assert_int_equal(tt_feed(&x, with_status(1, STATUS_OK), NULL), OTELC_OK);
    assert_int_equal(tt_feed(&x, with_status(2, STATUS_OK), NULL), OTELC_OK);
    tt_flush(&x);
#define IDS "processor", "tail_sampling", "pipeline", "traces"
    const char *sampled[] = {IDS, "policy", "e", "sampled", "true", "decision", "sampled", NULL};
    const char *not[] = {IDS, "policy", "e", "sampled", "false", "decision", "not_sampled", NULL};
    const char *gnot[] = {IDS, "sampled", "false", "decision", "not_sampled", NULL};
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_count_traces_sampled_total",
                               sampled), 1);
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_count_traces_sampled_total",
                               not), 2);
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_count_spans_sampled_total",
                               not), 4);
    assert_int_equal(
        tt_metric(&x, "otelcol_processor_tail_sampling_global_count_traces_sampled_total", NULL),
        3);
    assert_int_equal(
        tt_metric(&x, "otelcol_processor_tail_sampling_global_count_traces_sampled_total", gnot),
        2);
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_new_trace_id_received_total",
                               NULL), 3);
    assert_int_equal(otelc_test_metric_observations(
                         x.h, "otelcol_processor_tail_sampling_sampling_decision_latency", NULL),
                     3);
    tt_stop(&x, true);
}

/* ---- config ---- */

static void assert_refused(const char *yaml, const char *why)
{
    tt_proc x;
    assert_int_equal(tt_start(&x, yaml, NULL), -1);
    if (!strstr(tt_error(&x), why))
        fail_msg("want \"%s\" in \"%s\"", why, tt_error(&x));
    tt_stop(&x, true);
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_refused("decision_wait: 1s", "policies must list at least one policy");
    assert_refused("policies: [{type: always_sample}]", "policy name cannot be empty");
    assert_refused("policies: [{name: a, type: always_sample}, {name: a, type: always_sample}]",
                   "duplicate policy name \"a\"");
    assert_refused("policies: [{name: a, type: sometimes}]",
                   "unknown sampling policy type sometimes");
    assert_refused("policies: [{name: o, type: ottl_condition, ottl_condition: "
                   "{span: ['name ==']}}]", "policy \"o\": span condition 0: 1:");
    assert_refused("policies: [{name: o, type: ottl_condition, ottl_condition: "
                   "{error_mode: loud, span: ['true']}}]",
                   "error_mode must be propagate, ignore or silent");
    assert_refused("policies: [{name: o, type: ottl_condition, ottl_condition: {}}]",
                   "ottl_condition needs span or spanevent conditions");
    assert_refused("policies: [{name: e, type: status_code, status_code: {status_codes: [BAD]}}]",
                   "unknown status code \"BAD\", supported: OK, ERROR, UNSET");
    assert_refused("policies: [{name: e, type: status_code}]",
                   "expected at least one status code to filter on");
    assert_refused("policies: [{name: l, type: latency, latency: {threshold: 5}}]",
                   "policy \"l\": unknown key threshold");
    assert_refused("policies: [{name: l, type: latency, colour: red}]", "unknown key colour");
    assert_refused("policies: [{name: a, type: and, and: {and_sub_policy: "
                   "[{name: d, type: drop}]}}]", "policy type drop cannot be a sub-policy here");
    assert_refused("policies: [{name: d, type: drop, drop: {drop_sub_policy: []}}]",
                   "drop_sub_policy must list at least one policy");
    assert_refused("policies: [{name: s, type: string_attribute, string_attribute: {key: k, "
                   "values: ['('], enabled_regex_matching: true}}]", "regular expression \"(\"");
    assert_refused("decision_wait: 0s\npolicies: [{name: a, type: always_sample}]",
                   "decision_wait must be greater than 0");
    assert_refused("sampling_strategy: span-ingest\npolicies: [{name: a, type: always_sample}]",
                   "span-ingest is not supported yet");
    assert_refused("storage: file_storage\npolicies: [{name: a, type: always_sample}]",
                   "storage 'file_storage' is not a storage extension");
    assert_refused("maximum_trace_size_bytes: 10\npolicies: [{name: a, type: always_sample}]",
                   "not supported yet");
}

/* ---- one request cut per trace ---- */

static fx_request *unpack(const uint8_t *pb, size_t len)
{
    return opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, len, pb);
}

static void free_unpacked(fx_request *r)
{
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r,
                                                                                            NULL);
}

static void test_group_cuts(void **state)
{
    (void)state;
    /* Two resources, the first with two scopes; traces 0 and 1 interleave. */
    fx_request *r = fx_request_new(2);
    fx_rs *rs0 = fx_rs_new(tt_resource("a"), 2), *rs1 = fx_rs_new(tt_resource("b"), 1);
    rs0->schema_url = "https://schema/a";
    fx_ss *s00 = fx_ss_new(NULL, 3), *s01 = fx_ss_new(NULL, 1), *s10 = fx_ss_new(NULL, 1);
    s00->spans[0] = tt_span(0, 0);
    s00->spans[1] = tt_span(1, 0);
    s00->spans[2] = tt_span(0, 1);
    s01->spans[0] = tt_span(1, 1);
    s10->spans[0] = tt_span(1, 2);
    rs0->scope_spans[0] = s00;
    rs0->scope_spans[1] = s01;
    rs1->scope_spans[0] = s10;
    r->resource_spans[0] = rs0;
    r->resource_spans[1] = rs1;
    size_t len;
    const uint8_t *pb = fx_pack(r, &len);
    ts_cuts cuts;
    assert_int_equal(ts_group(pb, len, 7, &cuts), OTLP_OK);
    assert_int_equal(cuts.n, 2);
    assert_int_equal(cuts.v[0].spans, 2);
    assert_int_equal(cuts.v[1].spans, 3);
    fx_request *c0 = unpack(cuts.v[0].buf + 7, cuts.v[0].len);
    fx_request *c1 = unpack(cuts.v[1].buf + 7, cuts.v[1].len);
    assert_non_null(c0);
    assert_non_null(c1);
    /* Trace 0: only resource a, one scope, its two spans in order. */
    assert_int_equal(c0->n_resource_spans, 1);
    assert_string_equal(c0->resource_spans[0]->schema_url, "https://schema/a");
    assert_int_equal(c0->resource_spans[0]->n_scope_spans, 1);
    assert_int_equal(c0->resource_spans[0]->scope_spans[0]->n_spans, 2);
    assert_int_equal(c0->resource_spans[0]->scope_spans[0]->spans[1]->end_time_unix_nano,
                     s00->spans[2]->end_time_unix_nano);
    /* Trace 1: resource a with both scopes, then resource b. */
    assert_int_equal(c1->n_resource_spans, 2);
    assert_int_equal(c1->resource_spans[0]->n_scope_spans, 2);
    assert_string_equal(c1->resource_spans[1]->resource->attributes[0]->value->string_value, "b");
    free_unpacked(c0);
    free_unpacked(c1);
    ts_cuts_free(&cuts);
    /* A trace id that is not 16 bytes is refused. */
    s10->spans[0]->trace_id.len = 8;
    pb = fx_pack(r, &len);
    assert_int_equal(ts_group(pb, len, 0, &cuts), OTLP_EINVALID);
    fx_free_all();
}

static int free_arena(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

#define T(f) cmocka_unit_test_teardown(f, free_arena)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_always_sample),   T(test_latency),
        T(test_numeric_attribute), T(test_probabilistic),
        T(test_status_code),     T(test_string_attribute),
        T(test_rate_limiting),   T(test_bytes_limiting),
        T(test_span_count),      T(test_trace_state),
        T(test_boolean_attribute), T(test_trace_flags), T(test_ottl_condition),
        T(test_and),             T(test_drop),
        T(test_not),             T(test_composite),
        T(test_final_decision),  T(test_metrics),
        T(test_config_errors),   T(test_group_cuts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
