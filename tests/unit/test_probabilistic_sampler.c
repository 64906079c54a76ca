/*
 * test_probabilistic_sampler.c: the probabilistic_sampler processor. Its
 * numbers and decisions are checked against the collector's own test
 * tables (tracesprocessor_test.go: the tracestate cases, the error cases,
 * the hash_seed thresholds) and against hash values computed separately
 * from the collector's algorithm (FNV-1a over the seed's little-endian
 * bytes and the trace id); the plugin itself runs on the SDK's test kit.
 */
#include "test_attraction_util.h"
#include "signal_fixture.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"
#include "threshold.h"
#include "tracestate.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

/* The collector's test trace ids. */
#define TID_DEFAULT "fefefefefefefefefe80000000000000"   /* randomness 0x80000000000000 */
#define TID_IMPROBABLE "111111111111111111ffffffffffffff" /* sampled at every rate */

static void hex_bytes(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], '\0'}, *end;
        out[i] = (uint8_t)strtoul(pair, &end, 16);
        assert_true(*end == '\0' && end == pair + 2);
    }
}

/* ---- numbers ---- */

static void test_hash_vectors(void **state)
{
    uint8_t zeros[16] = {0}, tid[16];
    (void)state;
    /* The collector's TestEmptyHashFunction. */
    assert_int_equal(ps_fnv32a(0, NULL, 0) & 0x3fff, 0x3515);
    assert_int_equal(ps_fnv32a(0, zeros, 16) & 0x3fff, 0x2455);
    /* Computed apart from this code, from the collector's algorithm. */
    assert_int_equal(ps_fnv32a(0, zeros, 16), 0xb9fee455u);
    hex_bytes("0102030405060708090a0b0c0d0e0f10", tid, 16);
    assert_int_equal(ps_fnv32a(4312, tid, 16), 0xa82ddc4du);
    assert_int_equal(ps_hash_randomness(4312, tid, 16), 0x8ec82a0182dc4dULL);
    assert_int_equal(ps_hash_randomness(0, zeros, 16), 0x6ea82e749fe455ULL);
    hex_bytes("fefefefefefefefefe80000000000000", tid, 16);
    assert_int_equal(ps_fnv32a(22, tid, 16), 0x6f568bbdu);
    assert_int_equal(ps_hash_randomness(22, tid, 16), 0xd1081bd3f54bbdULL);
}

static void assert_tvalue(ps_threshold th, const char *want)
{
    char buf[PS_HEX_DIGITS + 1];
    ps_tvalue_format(th, buf);
    assert_string_equal(buf, want);
}

static void test_hash_thresholds(void **state)
{
    (void)state;
    /* The collector's HashSeedTraceState table: 14-bit rounding. */
    assert_tvalue(ps_hash_threshold(100), "0");
    assert_tvalue(ps_hash_threshold(75), "4");
    assert_tvalue(ps_hash_threshold(50), "8");
    assert_tvalue(ps_hash_threshold(25), "c");
    assert_tvalue(ps_hash_threshold(10), "e668");
    assert_tvalue(ps_hash_threshold((float)(100.0 / 3)), "aaac");
    assert_tvalue(ps_hash_threshold(60), "6668");
    assert_tvalue(ps_hash_threshold(0.01f), "fffc");
    assert_int_equal(ps_hash_threshold(0.001f), PS_NEVER); /* no bucket */
}

static void test_threshold_encoding(void **state)
{
    ps_threshold th;
    ps_randomness rnd;
    char buf[PS_HEX_DIGITS + 1];
    (void)state;
    assert_int_equal(ps_tvalue_parse("80000000000000", 14, &th), 0);
    assert_int_equal(th, 0x80000000000000ULL);
    assert_tvalue(th, "8");
    assert_int_equal(ps_tvalue_parse("C", 1, &th), 0); /* either case reads */
    assert_tvalue(th, "c");
    assert_tvalue(PS_ALWAYS, "0");
    assert_tvalue(PS_NEVER, "");
    assert_int_equal(ps_tvalue_parse("", 0, &th), -1);
    assert_int_equal(ps_tvalue_parse("abababababababab", 16, &th), -1);
    assert_int_equal(ps_tvalue_parse("-1", 2, &th), -1);
    assert_int_equal(ps_rvalue_parse("0a", 2, &rnd), -1);
    assert_int_equal(ps_rvalue_parse("00000000000abc", 14, &rnd), 0);
    ps_rvalue_format(rnd, buf);
    assert_string_equal(buf, "00000000000abc");
    /* Precision: one digit more per leading 0 or f. */
    assert_int_equal(ps_threshold_from_probability(0.01, 4, &th), PS_PROB_OK);
    assert_tvalue(th, "fd70a");
    assert_int_equal(ps_threshold_from_probability(0.01, 3, &th), PS_PROB_OK);
    assert_tvalue(th, "fd71");
    assert_int_equal(ps_threshold_from_probability(0.01, 0, &th), PS_PROB_OK);
    assert_tvalue(th, "fd70a3d70a3d71");
    assert_int_equal(ps_threshold_from_probability(0.4, 3, &th), PS_PROB_OK);
    assert_tvalue(th, "99a");
    assert_int_equal(ps_threshold_from_probability(1e-17, 4, &th), PS_PROB_RANGE);
}

/* ---- tracestate ---- */

static void assert_rewrites(const char *in, const char *want)
{
    ps_tracestate ts;
    char out[PS_TS_FORMAT_MAX];
    assert_int_equal(ps_tracestate_parse(&ts, in, strlen(in)), PS_TS_OK);
    assert_true(ps_tracestate_format(&ts, out, sizeof out) >= 0);
    assert_string_equal(out, want);
}

static void assert_refused(const char *in, int code)
{
    ps_tracestate ts;
    assert_int_equal(ps_tracestate_parse(&ts, in, strlen(in)), code);
}

static void test_tracestate(void **state)
{
    char many[400] = "";
    (void)state;
    assert_rewrites("", "");
    assert_rewrites("vendor=1 , ot=th:8;rv:abababababab12;x:y", "ot=rv:abababababab12;th:8;x:y,vendor=1");
    assert_rewrites("a@b=v,,ot=th:c", "ot=th:c,a@b=v");
    assert_rewrites("ot=th:8,ot=x:1", "ot=x:1"); /* the last ot wins */
    assert_refused("ot=th:-1", PS_TS_ESYNTAX);
    assert_refused("ot=rv:abababababababab", PS_TS_ERVALUE);
    assert_refused("ot=th:abababababababab", PS_TS_ETVALUE);
    assert_refused("ot=th:", PS_TS_ETEMPTY);
    assert_refused("ot=th:8;", PS_TS_ESYNTAX);
    assert_refused("Vendor=1", PS_TS_ESYNTAX);
    assert_refused("v=a\x7f", PS_TS_ESYNTAX);
    for (int i = 0; i < 32; i++) /* 32 members: one too many */
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sk%d=v", i ? "," : "", i);
    assert_refused(many, PS_TS_ESIZE);
    *strrchr(many, ',') = '\0';
    assert_rewrites(many, many);
}

/* ---- decisions: the collector's tracestate table ---- */

typedef struct outcome {
    bool sampled;
    const char *ts;
} outcome;

typedef struct ts_case {
    const char *name, *tid, *ts;
    float pct;
    unsigned prec;
    bool fail_closed;
    ps_priority priority;
    outcome eq, prop;
} ts_case;

#define BOTH(s, t) {s, t}, {s, t}

static const ts_case ts_cases[] = {
    {"100 percent", NULL, "", 100, 0, false, 0, BOTH(true, "ot=th:0")},
    {"50 percent sampled", NULL, "", 50, 0, false, 0, BOTH(true, "ot=th:8")},
    {"25 percent sampled", "ddddddddddddddddddc0000000000000", "", 25, 0, false, 0,
     BOTH(true, "ot=th:c")},
    {"25 percent unsampled", "ddddddddddddddddddb0000000000000", "", 25, 0, false, 0,
     BOTH(false, NULL)},
    {"1 percent sampled", NULL, "ot=rv:FD70A3D70A3D71", 1, 0, false, 0,
     BOTH(true, "ot=rv:FD70A3D70A3D71;th:fd70a3d70a3d71")},
    {"1 percent precision 4", NULL, "ot=rv:FD70A3D70A3D71", 1, 4, false, 0,
     BOTH(true, "ot=rv:FD70A3D70A3D71;th:fd70a")},
    {"1 percent precision 3", NULL, "ot=rv:FD70A3D70A3D71", 1, 3, false, 0, BOTH(false, NULL)},
    {"1 percent not sampled with rvalue", NULL, "ot=rv:FD70A3D70A3D70", 1, 0, false, 0,
     BOTH(false, NULL)},
    {"49 percent not sampled", NULL, "", 49, 0, false, 0, BOTH(false, NULL)},
    {"1 percent sampled with rvalue", NULL, "ot=rv:fd70B000000000", 1, 0, false, 0,
     BOTH(true, "ot=rv:fd70B000000000;th:fd70a3d70a3d71")},
    {"1 percent sampled with tid", "a0a0a0a0a0a0a0a0a0fe000000000000", "", 1, 4, false, 0,
     BOTH(true, "ot=th:fd70a")},
    {"sampled by priority", NULL, "", 1, 0, false, PS_PRIORITY_KEEP, BOTH(true, "ot=th:0")},
    {"not sampled by priority", NULL, "", 99, 0, false, PS_PRIORITY_DROP, BOTH(false, NULL)},
    {"incoming 50 percent with rvalue", NULL, "ot=rv:90000000000000;th:80000000000000", 50, 0,
     false, 0, {true, "ot=rv:90000000000000;th:8"}, {false, NULL}},
    {"incoming 50 percent at 25 not sampled", NULL, "ot=th:8", 25, 0, false, 0,
     BOTH(false, NULL)},
    {"incoming 50 percent at 25 sampled", "ffffffffffffffffffffffffffffffff", "ot=th:8", 25, 0,
     false, 0, {true, "ot=th:c"}, {true, "ot=th:e"}},
    {"equalizing vs proportional", NULL, "ot=rv:c0000000000000;th:8", 50, 0, false, 0,
     {true, "ot=rv:c0000000000000;th:8"}, {true, "ot=rv:c0000000000000;th:c"}},
    {"inconsistent arriving threshold", NULL, "ot=rv:40000000000000;th:8", 100, 0, false, 0,
     BOTH(true, "ot=rv:40000000000000;th:0")},
    {"inconsistent arriving threshold not sampled", NULL, "ot=rv:40000000000000;th:8", 1, 0,
     true, 0, BOTH(false, NULL)},
    {"40 percent precision 3 with rvalue", NULL, "ot=rv:a0000000000000", 40, 3, false, 0,
     BOTH(true, "ot=rv:a0000000000000;th:99a")},
    {"arriving 50 at 40 precision 6", "a0a0a0a0a0a0a0a0a0d0000000000000", "ot=th:8", 40, 6,
     false, 0, {true, "ot=th:99999a"}, {true, "ot=th:cccccd"}},
    {"arriving 50 at 40 partly sampled", "a0a0a0a0a0a0a0a0a0b0000000000000", "ot=th:8", 40, 3,
     false, 0, {true, "ot=th:99a"}, {false, NULL}},
    {"arriving 50 at 40 not sampled", "a0a0a0a0a0a0a0a0a080000000000000", "ot=th:8", 40, 3,
     false, 0, BOTH(false, NULL)},
    {"200 percent equals 100 percent", NULL, "", 200, 0, false, 0, BOTH(true, "ot=th:0")},
    {"tiny probability rounding", TID_IMPROBABLE, "ot=th:fffc", 100 * 0x1p-14f, 0, false, 0,
     {true, "ot=th:fffc"}, {true, "ot=th:fffffff"}},
    {"almost 100pct sampling", TID_IMPROBABLE, "", (float)((1 - 8e-7) * 100), 10, false, 0,
     BOTH(true, "ot=th:00000cccccccd")},
    {"probability underflow", TID_IMPROBABLE, "ot=th:fffffffffffff8", 0x1p-4f, 0, false, 0,
     {true, "ot=th:fffffffffffff8"}, {false, NULL}},
};

/* One span through ps_decide; the written tracestate into ts_out. */
static bool decide_one(ps_mode mode, float pct, unsigned prec, bool fail_closed,
                       const char *tid_hex, const char *ts, ps_priority prio, ps_verdict *v,
                       char *ts_out)
{
    ps_sampler s;
    uint8_t tid[16] = {0};
    if (tid_hex)
        hex_bytes(tid_hex, tid, 16);
    ps_sampler_init(&s, pct, mode, 4312, prec, fail_closed);
    ps_span_in in = {.trace_id = tid, .trace_id_len = 16, .tracestate = ts,
                     .tracestate_len = strlen(ts), .priority = prio};
    ps_decide(&s, &in, v);
    ts_out[0] = '\0';
    if (v->sampled && v->rewrite)
        assert_true(ps_tracestate_format(&v->ts, ts_out, PS_TS_FORMAT_MAX) >= 0);
    return v->sampled;
}

static void check_outcome(const ts_case *c, ps_mode mode, const outcome *want)
{
    static ps_verdict v;
    char out[PS_TS_FORMAT_MAX];
    const char *tid = c->tid ? c->tid : TID_DEFAULT;
    bool got = decide_one(mode, c->pct, c->prec, c->fail_closed, tid, c->ts, c->priority, &v,
                          out);
    if (got != want->sampled || (want->ts && strcmp(out, want->ts) != 0))
        fail_msg("%s (%s): sampled %d \"%s\", want %d \"%s\"", c->name,
                 mode == PS_MODE_EQUALIZING ? "equalizing" : "proportional", got, out,
                 want->sampled, want->ts ? want->ts : "");
}

static void test_collector_tracestate_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ts_cases / sizeof ts_cases[0]; i++) {
        check_outcome(&ts_cases[i], PS_MODE_EQUALIZING, &ts_cases[i].eq);
        check_outcome(&ts_cases[i], PS_MODE_PROPORTIONAL, &ts_cases[i].prop);
    }
}

static void test_collector_error_table(void **state)
{
    static const struct {
        const char *tid, *ts, *message;
    } cases[] = {
        {"00000000000000000000000000000000", "", "missing randomness"},
        {TID_DEFAULT, "ot=rv:abababababababab", "r-value must have 14 hex digits"},
        {TID_DEFAULT, "ot=th:abababababababab", "t-value exceeds 14 hex digits"},
        {TID_DEFAULT, "ot=th:-1", "invalid syntax"},
        {"ffffffffffffffffff70000000000000", "ot=th:8", "inconsistent arriving threshold"},
        {TID_DEFAULT, "ot=th:8;rv:70000000000000", "inconsistent arriving threshold"},
    };
    static ps_verdict v;
    char out[PS_TS_FORMAT_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (ps_mode m = PS_MODE_EQUALIZING; m <= PS_MODE_PROPORTIONAL; m++) {
            assert_false(decide_one(m, 100, 4, true, cases[i].tid, cases[i].ts, 0, &v, out));
            const char *text = ps_error_text(v.error, v.ts_error);
            if (!strstr(text, cases[i].message))
                fail_msg("case %zu: \"%s\", want \"%s\"", i, text, cases[i].message);
        }
}

/* ---- hash_seed mode ---- */

static void test_hash_seed_decisions(void **state)
{
    static ps_verdict v;
    char out[PS_TS_FORMAT_MAX];
    (void)state;
    /* 0x8ec82a0182dc4d >= 0x66680000000000 (60 %): kept, rv and th written. */
    assert_true(decide_one(PS_MODE_HASH_SEED, 60, 4, true, "0102030405060708090a0b0c0d0e0f10",
                           "", 0, &v, out));
    assert_string_equal(out, "ot=rv:8ec82a0182dc4d;th:6668");
    assert_string_equal(ps_policy_name(v.policy), "trace_id_hash");
    /* FNV bucket of 00..00 with seed 4312 is 0x2198... > rate: dropped. */
    assert_false(decide_one(PS_MODE_HASH_SEED, 60, 4, true,
                            "00000000000000000000000000000000", "", 0, &v, out));
    assert_int_equal(v.error, PS_ERR_MISSING_RANDOMNESS); /* all zeros: no trace id */
    assert_false(decide_one(PS_MODE_HASH_SEED, 60, 4, true, "02000000000000000000000000000000",
                            "", 0, &v, out));
    assert_true(decide_one(PS_MODE_HASH_SEED, 60, 4, true, "04000000000000000000000000000000",
                           "vendor=x", 0, &v, out));
    assert_string_equal(out, "ot=rv:8498168ca25ed9;th:6668,vendor=x");
    /* OTEP 235 information already there: an error, fail_closed drops;
     * failing open keeps the span and leaves its tracestate alone. */
    assert_false(decide_one(PS_MODE_HASH_SEED, 60, 4, true, "04000000000000000000000000000000",
                            "ot=th:8", 0, &v, out));
    assert_int_equal(v.error, PS_ERR_THRESHOLD_IN_USE);
    assert_true(decide_one(PS_MODE_HASH_SEED, 60, 4, false, "02000000000000000000000000000000",
                           "ot=rv:00000000000001", 0, &v, out));
    assert_int_equal(v.error, PS_ERR_RANDOMNESS_IN_USE);
    assert_false(v.rewrite);
}

/* The collector's MissingRandomness table: an all-zero trace id. */
static void test_missing_randomness(void **state)
{
    static const struct {
        float pct;
        bool fail_closed, sampled;
    } cases[] = {{0, true, false},   {62, true, false},  {100, true, false},
                 {0, false, false},  {62, false, true},  {100, false, true}};
    static ps_verdict v;
    char out[PS_TS_FORMAT_MAX];
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = decide_one(PS_MODE_HASH_SEED, cases[i].pct, 4, cases[i].fail_closed,
                              NULL, "", 0, &v, out);
        assert_int_equal(got, cases[i].sampled);
        assert_int_equal(v.error, cases[i].pct ? PS_ERR_MISSING_RANDOMNESS : PS_ERR_NONE);
    }
}

/* ---- shares over many traces ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void trace_id_of(uint64_t *seed, uint8_t tid[16])
{
    uint64_t hi = splitmix64(seed), lo = splitmix64(seed);
    for (int i = 0; i < 8; i++) {
        tid[i] = (uint8_t)(hi >> (56 - 8 * i));
        tid[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
}

#define N_TRACES 100000

/* Kept share at pct over N_TRACES fixed trace ids; every trace kept at
 * pct is also kept at 2 * pct (consistency across rates). */
static double share(ps_mode mode, uint32_t seed, float pct)
{
    static ps_verdict v;
    ps_sampler lo, hi;
    uint64_t x = 42;
    size_t kept = 0;
    ps_sampler_init(&lo, pct, mode, seed, 4, true);
    ps_sampler_init(&hi, 2 * pct, mode, seed, 4, true);
    for (int i = 0; i < N_TRACES; i++) {
        uint8_t tid[16];
        trace_id_of(&x, tid);
        ps_span_in in = {.trace_id = tid, .trace_id_len = 16, .tracestate = "",
                         .priority = PS_PRIORITY_DEFER};
        ps_decide(&lo, &in, &v);
        if (!v.sampled)
            continue;
        kept++;
        ps_decide(&hi, &in, &v);
        assert_true(v.sampled);
    }
    return 100.0 * (double)kept / N_TRACES;
}

static void test_statistical_share(void **state)
{
    static const float rates[] = {1, 10, 25, 50};
    (void)state;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        double want = rates[i], tol = want < 5 ? 0.15 : 0.5;
        double got[] = {share(PS_MODE_HASH_SEED, 0, rates[i]),
                        share(PS_MODE_HASH_SEED, 4312, rates[i]),
                        share(PS_MODE_PROPORTIONAL, 0, rates[i]),
                        share(PS_MODE_EQUALIZING, 0, rates[i])};
        for (size_t m = 0; m < 4; m++)
            if (fabs(got[m] - want) > tol)
                fail_msg("rate %g%%, sampler %zu kept %.3f%%", want, m, got[m]);
    }
}

/* ---- the plugin on the test kit ---- */

/* A span of trace tid_hex (span id from n) with a tracestate and
 * attributes (KV_END-terminated). */
static fx_span *span_of(const char *tid_hex, unsigned n, const char *ts, fx_kv *first, ...)
{
    fx_span *s = tu_span(n, "op", KIND_SERVER, KV_END);
    va_list ap;
    size_t k = 0;
    hex_bytes(tid_hex, s->trace_id.data, 16);
    s->trace_state = (char *)ts;
    s->attributes = fx_alloc(8 * sizeof(fx_kv *));
    va_start(ap, first);
    for (fx_kv *kv = first; kv && k < 8; kv = va_arg(ap, fx_kv *))
        s->attributes[k++] = kv;
    va_end(ap);
    s->n_attributes = k;
    return s;
}

static fx_request *request_of(size_t n, fx_span **spans)
{
    fx_resource *res = tu_resource(fx_kv_new("service.name", fx_str("checkout")), KV_END);
    return tu_request(res, tu_scope("lib", "1"), n, spans);
}

static fx_request *decoded[64];
static size_t n_decoded;

/* Consumes req; the emitted request decoded, or NULL when nothing was
 * emitted. *same: the emitted batch is the consumed one. */
static fx_request *consume(tu_proc *p, const fx_request *req, bool *same)
{
    size_t len, before = otelc_test_emitted_count(p->h);
    const uint8_t *pb = fx_pack(req, &len);
    otelc_batch *b = otelc_test_batch_new(pb, len);
    assert_non_null(b);
    assert_int_equal(otelc_test_plugin_consume(p->h, b, NULL), OTELC_OK);
    fx_request *r = NULL;
    if (otelc_test_emitted_count(p->h) > before) {
        const uint8_t *out = otelc_test_emitted_bytes(p->h, before, &len);
        if (same)
            *same = otelc_test_emitted(p->h, before) == b;
        r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, len, out);
        assert_non_null(r);
        assert_true(n_decoded < 64);
        decoded[n_decoded++] = r;
    }
    otelc_batch_unref(b);
    return r;
}

static void stop(tu_proc *p)
{
    while (n_decoded)
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
            decoded[--n_decoded], NULL);
    tu_stop(p);
}

/* Spans of r, in order, as "trace-hex-prefix/span-name" is too little:
 * the i-th span. */
static fx_span *span_at(const fx_request *r, size_t i)
{
    for (size_t a = 0; r && a < r->n_resource_spans; a++)
        for (size_t b = 0; b < r->resource_spans[a]->n_scope_spans; b++) {
            fx_ss *ss = r->resource_spans[a]->scope_spans[b];
            if (i < ss->n_spans)
                return ss->spans[i];
            i -= ss->n_spans;
        }
    return NULL;
}

static size_t spans_in(const fx_request *r)
{
    size_t n = 0;
    while (span_at(r, n))
        n++;
    return n;
}

static void tid_hex_of(uint64_t *x, char out[33])
{
    uint8_t tid[16];
    trace_id_of(x, tid);
    for (size_t i = 0; i < 16; i++)
        snprintf(out + (2 * i), 3, "%02x", tid[i]);
}

/* 40 traces of 3 spans each, split over two requests (spans 0-1, then
 * span 2): every span of a trace has the same fate in both. */
static void check_whole_traces(const char *yaml)
{
    tu_proc p;
    static char tids[40][33];
    fx_span *first[80], *second[40];
    uint64_t x = 7;
    tu_start(&p, otelc_plugin_entry_v1(), yaml);
    for (unsigned t = 0; t < 40; t++) {
        tid_hex_of(&x, tids[t]);
        first[(size_t)2 * t] = span_of(tids[t], 3 * t, "", KV_END);
        first[(size_t)2 * t + 1] = span_of(tids[t], 3 * t + 1, "", KV_END);
        second[t] = span_of(tids[t], 3 * t + 2, "", KV_END);
    }
    fx_request *a = consume(&p, request_of(80, first), NULL);
    fx_request *b = consume(&p, request_of(40, second), NULL);
    assert_non_null(a);
    assert_non_null(b);
    size_t na = spans_in(a), nb = spans_in(b);
    assert_int_equal(na, 2 * nb);
    assert_true(nb > 5 && nb < 35); /* about half of 40 */
    for (size_t i = 0; i < nb; i++) {
        assert_memory_equal(span_at(a, 2 * i)->trace_id.data, span_at(b, i)->trace_id.data, 16);
        assert_memory_equal(span_at(a, 2 * i + 1)->trace_id.data, span_at(b, i)->trace_id.data,
                            16);
        assert_string_equal(span_at(a, 2 * i)->trace_state, span_at(b, i)->trace_state);
    }
    stop(&p);
}

static void test_whole_traces_across_requests(void **state)
{
    (void)state;
    check_whole_traces("sampling_percentage: 50");
    check_whole_traces("sampling_percentage: 50\nhash_seed: 4312");
    check_whole_traces("sampling_percentage: 50\nmode: proportional");
    check_whole_traces("sampling_percentage: 50\nmode: equalizing");
}

static double metric(tu_proc *p, const char *name, const char *policy, const char *sampled)
{
    const char *labels[] = {"processor", "probabilistic_sampler", "pipeline", "traces",
                            "policy", policy, "sampled", sampled, NULL};
    return otelc_test_metric(p->h, name, labels);
}

#define M_SPANS "otelcol_processor_probabilistic_sampler_count_spans_processed_total"
#define M_TRACES "otelcol_processor_probabilistic_sampler_count_traces_sampled_total"

/* A stricter arriving threshold is kept by equalizing, multiplied by
 * proportional; metrics count every span with its policy. */
static void test_plugin_tracestate_and_metrics(void **state)
{
    tu_proc p;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(), "sampling_percentage: 50\nmode: equalizing");
    fx_span *spans[] = {
        span_of(TID_IMPROBABLE, 1, "ot=th:f,vendor=1", KV_END),   /* 1/16 arriving */
        span_of(TID_DEFAULT, 2, "", KV_END),                       /* rv 0x80..: kept */
        span_of("fefefefefefefefefe70000000000000", 3, "", KV_END), /* dropped */
        span_of(TID_DEFAULT, 4, "ot=rv:10000000000000", KV_END),  /* rv says drop */
    };
    fx_request *r = consume(&p, request_of(4, spans), NULL);
    assert_int_equal(spans_in(r), 2);
    assert_string_equal(span_at(r, 0)->trace_state, "ot=th:f,vendor=1");
    assert_string_equal(span_at(r, 1)->trace_state, "ot=th:8");
    assert_true(metric(&p, M_SPANS, "trace_id_w3c", "true") == 2);
    assert_true(metric(&p, M_SPANS, "trace_id_w3c", "false") == 1);
    assert_true(metric(&p, M_SPANS, "sampling_randomness", "false") == 1);
    assert_true(metric(&p, M_TRACES, "sampling_randomness", "false") == 1);
    stop(&p);

    tu_start(&p, otelc_plugin_entry_v1(), "sampling_percentage: 50\nmode: proportional");
    r = consume(&p, request_of(1, (fx_span *[]){span_of(TID_IMPROBABLE, 1, "ot=th:f", KV_END)}),
                NULL);
    assert_string_equal(span_at(r, 0)->trace_state, "ot=th:f8"); /* 1/32 */
    stop(&p);
}

static void test_plugin_priority(void **state)
{
    tu_proc p;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(), "sampling_percentage: 0.0001\nmode: proportional");
    fx_span *spans[] = {
        span_of(TID_DEFAULT, 1, "", fx_kv_new("sampling.priority", fx_int(2)), KV_END),
        span_of(TID_DEFAULT, 2, "", fx_kv_new("sampling.priority", fx_double(1)), KV_END),
        span_of(TID_DEFAULT, 3, "", fx_kv_new("sampling.priority", fx_str("0.5")), KV_END),
        span_of(TID_DEFAULT, 4, "", fx_kv_new("sampling.priority", fx_str("-0.5")), KV_END),
        span_of(TID_DEFAULT, 5, "", fx_kv_new("sampling.priority", fx_str("NaN")), KV_END),
        span_of(TID_DEFAULT, 6, "", fx_kv_new("sampling.priority", fx_str(" 1")), KV_END),
        span_of(TID_DEFAULT, 7, "", fx_kv_new("sampling.priority", fx_bool(true)), KV_END),
    };
    fx_request *r = consume(&p, request_of(7, spans), NULL);
    assert_int_equal(spans_in(r), 3); /* the three positive ones */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(span_at(r, i)->trace_state, "ot=th:0");
    assert_true(metric(&p, M_SPANS, "sampling_priority", "true") == 3);
    stop(&p);

    tu_start(&p, otelc_plugin_entry_v1(), "sampling_percentage: 100");
    fx_span *zero[] = {
        span_of(TID_DEFAULT, 1, "", fx_kv_new("sampling.priority", fx_int(0)), KV_END),
        span_of(TID_DEFAULT, 2, "", fx_kv_new("sampling.priority", fx_double(0)), KV_END),
        span_of(TID_DEFAULT, 3, "", fx_kv_new("sampling.priority", fx_str("0.0")), KV_END),
    };
    assert_null(consume(&p, request_of(3, zero), NULL)); /* all dropped: nothing emitted */
    assert_true(metric(&p, M_SPANS, "sampling_priority", "false") == 3);
    stop(&p);
}

/* Nothing to change: the consumed batch itself goes on. */
static void test_plugin_pass_through(void **state)
{
    tu_proc p;
    bool same = false;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(), "sampling_percentage: 100\nmode: equalizing");
    fx_span *spans[] = {span_of(TID_DEFAULT, 1, "ot=th:0", KV_END),
                        span_of(TID_IMPROBABLE, 2, "ot=th:0,x=y", KV_END)};
    assert_non_null(consume(&p, request_of(2, spans), &same));
    assert_true(same);
    stop(&p);
}

/* ---- logs ---- */

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest logs_req;

/* One scope of the records, in a resource of service "svc". */
static fxl_request *logs_of(size_t n, fxl_record **records)
{
    fxl_request *req = fxl_request_new(1);
    fxl_rl *rl = req->resource_logs[0] = fxl_rl_new(fx_service("svc"), 1);
    fxl_sl *sl = rl->scope_logs[0] = fxl_sl_new(fx_scope_named("lib", NULL), n);
    for (size_t i = 0; i < n; i++)
        sl->log_records[i] = records[i];
    return req;
}

/* Record n (its time says n: kept_record finds it) with the trace id of
 * seed tid (0: none) and attributes (KV_END-terminated, at most 8). */
static fxl_record *record_of(unsigned n, unsigned tid, fx_kv *first, ...)
{
    fxl_record *r = fxl_record_new(9, "INFO", NULL, tid);
    r->time_unix_nano = 1700000000000000000ull + n;
    va_list ap;
    va_start(ap, first);
    for (fx_kv *kv = first; kv; kv = va_arg(ap, fx_kv *))
        fxl_attr_add(r, kv);
    va_end(ap);
    return r;
}

static logs_req *decoded_logs[16];
static size_t n_decoded_logs;

/* Consumes req in a logs pipeline; the emitted request decoded, or NULL
 * when every record was dropped (nothing emitted). */
static logs_req *consume_logs(tu_proc *p, const fxl_request *req)
{
    size_t len, before = otelc_test_emitted_count(p->h);
    const uint8_t *pb = fxl_pack(req, &len);
    otelc_batch *b = otelc_test_batch_of(OTELC_LOGS, pb, len, 1);
    assert_non_null(b);
    assert_int_equal(otelc_test_plugin_consume(p->h, b, NULL), OTELC_OK);
    otelc_batch_unref(b);
    if (otelc_test_emitted_count(p->h) == before)
        return NULL;
    const uint8_t *out = otelc_test_emitted_bytes(p->h, before, &len);
    logs_req *r =
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL, len,
                                                                                      out);
    assert_non_null(r);
    assert_true(n_decoded_logs < 16);
    decoded_logs[n_decoded_logs++] = r;
    return r;
}

static void stop_logs(tu_proc *p)
{
    while (n_decoded_logs)
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(
            decoded_logs[--n_decoded_logs], NULL);
    stop(p);
}

/* Kept record n (record_of's n), or NULL. */
static fxl_record *kept_record(const logs_req *r, unsigned i)
{
    for (size_t a = 0; r && a < r->n_resource_logs; a++)
        for (size_t b = 0; b < r->resource_logs[a]->n_scope_logs; b++) {
            fxl_sl *sl = r->resource_logs[a]->scope_logs[b];
            for (size_t c = 0; c < sl->n_log_records; c++)
                if (sl->log_records[c]->time_unix_nano == 1700000000000000000ull + i)
                    return sl->log_records[c];
        }
    return NULL;
}

/* A kept record's string attribute, or NULL; r must be there. */
static const char *record_str(const fxl_record *r, const char *key)
{
    assert_non_null(r);
    const fx_any *v = tu_attr(r->attributes, r->n_attributes, key);
    return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
               ? v->string_value
               : NULL;
}

static double logs_metric(tu_proc *p, const char *policy, const char *sampled)
{
    return metric(p, "otelcol_processor_probabilistic_sampler_count_logs_sampled_total", policy,
                  sampled);
}

#define N_LOGS 40

/* The tracestate each span of seeds 1..N_LOGS leaves a hash_seed 50 %
 * sampler with ("" when dropped). */
static void span_answers(char ts[N_LOGS][64])
{
    tu_proc t;
    fx_span *spans[N_LOGS];
    for (unsigned i = 0; i < N_LOGS; i++)
        spans[i] = fx_span_new(i + 1);
    tu_start(&t, otelc_plugin_entry_v1(), "sampling_percentage: 50");
    fx_request *traces = consume(&t, request_of(N_LOGS, spans), NULL);
    for (unsigned i = 0; i < N_LOGS; i++) {
        ts[i][0] = '\0';
        for (size_t k = 0; k < spans_in(traces); k++)
            if (span_at(traces, k)->start_time_unix_nano == spans[i]->start_time_unix_nano)
                snprintf(ts[i], 64, "%s", span_at(traces, k)->trace_state);
    }
    stop(&t);
}

/* hash_seed: a record with a trace id gets its span's answer and the
 * randomness the span's tracestate gets, as sampling.randomness. */
static void test_logs_follow_their_traces(void **state)
{
    tu_proc p;
    char span_ts[N_LOGS][64], ts[64];
    fxl_record *records[N_LOGS];
    (void)state;
    span_answers(span_ts);
    for (unsigned i = 0; i < N_LOGS; i++)
        records[i] = record_of(i, i + 1, KV_END);
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS, "sampling_percentage: 50");
    logs_req *logs = consume_logs(&p, logs_of(N_LOGS, records));
    size_t kept = 0;
    for (unsigned i = 0; i < N_LOGS; i++) {
        fxl_record *r = kept_record(logs, i);
        assert_int_equal(r != NULL, span_ts[i][0] != '\0');
        if (!r)
            continue;
        kept++;
        snprintf(ts, sizeof ts, "ot=rv:%s;th:8", record_str(r, "sampling.randomness"));
        assert_string_equal(span_ts[i], ts);
        assert_string_equal(record_str(r, "sampling.threshold"), "8");
    }
    assert_true(kept > 0 && kept < N_LOGS);
    assert_int_equal(logs_metric(&p, "trace_id_hash", "true"), kept);
    assert_int_equal(logs_metric(&p, "trace_id_hash", "false"), N_LOGS - kept);
    stop_logs(&p);
}

/* Without a trace id or from_attribute there is no randomness:
 * fail_closed drops the record; failing open keeps it, marked with
 * threshold 0 and no randomness, as the collector does. */
static void test_logs_without_randomness(void **state)
{
    tu_proc p;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS, "sampling_percentage: 50");
    assert_null(consume_logs(&p, logs_of(2, (fxl_record *[]){record_of(0, 0, KV_END),
                                                              record_of(1, 0, KV_END)})));
    assert_int_equal(logs_metric(&p, "missing_randomness", "false"), 2);
    assert_true(otelc_test_logged(p.h, "logs sampler: missing randomness") > 0);
    stop_logs(&p);

    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "sampling_percentage: 50\nfail_closed: false");
    logs_req *out = consume_logs(&p, logs_of(1, (fxl_record *[]){record_of(0, 0, KV_END)}));
    fxl_record *r = kept_record(out, 0);
    assert_non_null(r);
    assert_string_equal(record_str(r, "sampling.threshold"), "0");
    assert_null(record_str(r, "sampling.randomness"));
    stop_logs(&p);
}

/* attribute_source record: from_attribute is hashed, trace ids are not;
 * equal values get equal answers whatever their type's text (7 and
 * "7"), and the policy is named after the attribute. */
static void test_logs_from_attribute(void **state)
{
    tu_proc p;
    fxl_record *records[N_LOGS + 2];
    char ids[N_LOGS / 2][8];
    (void)state;
    for (unsigned i = 0; i < N_LOGS; i++) {
        snprintf(ids[i / 2], sizeof ids[0], "u%u", i / 2);
        records[i] = record_of(i, i + 1, fx_kv_new("user.id", fx_str(ids[i / 2])), KV_END);
    }
    records[N_LOGS] = record_of(N_LOGS, 0, fx_kv_new("user.id", fx_int(7)), KV_END);
    records[N_LOGS + 1] = record_of(N_LOGS + 1, 0, fx_kv_new("user.id", fx_str("7")), KV_END);
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "sampling_percentage: 50\nattribute_source: record\nfrom_attribute: user.id");
    logs_req *out = consume_logs(&p, logs_of(N_LOGS + 2, records));
    size_t kept = 0;
    for (unsigned i = 0; i < N_LOGS + 2; i += 2) {
        bool a = kept_record(out, i) != NULL, b = kept_record(out, i + 1) != NULL;
        assert_int_equal(a, b);
        kept += a ? 2 : 0;
    }
    assert_true(kept > 0 && kept < N_LOGS + 2);
    assert_int_equal(logs_metric(&p, "user.id", "true"), kept);
    assert_int_equal(logs_metric(&p, "user.id", "false"), N_LOGS + 2 - kept);
    stop_logs(&p);
}

/* sampling_priority: the attribute's number (int or double) is the
 * record's percentage in place of the mode's, lower or higher; strings
 * and zero are not priorities. */
static void test_logs_sampling_priority(void **state)
{
    tu_proc p;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "sampling_percentage: 0\nsampling_priority: prio");
    fxl_record *in[] = {record_of(1, 1, fx_kv_new("prio", fx_int(100)), KV_END),
                        record_of(2, 2, fx_kv_new("prio", fx_double(50)), KV_END),
                        record_of(3, 3, fx_kv_new("prio", fx_str("50")), KV_END),
                        record_of(4, 4, fx_kv_new("prio", fx_int(0)), KV_END),
                        record_of(5, 5, KV_END)};
    logs_req *out = consume_logs(&p, logs_of(5, in));
    assert_string_equal(record_str(kept_record(out, 1), "sampling.threshold"), "0");
    assert_string_equal(record_str(kept_record(out, 2), "sampling.threshold"), "8");
    for (unsigned i = 3; i <= 5; i++)
        assert_null(kept_record(out, i));
    assert_int_equal(logs_metric(&p, "sampling_priority", "true"), 2);
    assert_int_equal(logs_metric(&p, "sampling_priority", "false"), 3);
    stop_logs(&p);

    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "sampling_percentage: 100\nsampling_priority: prio");
    fxl_record *rare = record_of(1, 1, fx_kv_new("prio", fx_double(1e-12)), KV_END);
    out = consume_logs(&p, logs_of(2, (fxl_record *[]){rare, record_of(2, 2, KV_END)}));
    assert_null(kept_record(out, 1));
    assert_non_null(kept_record(out, 2));
    stop_logs(&p);
}

/* The OTEP 235 modes read a record's sampling.randomness (else its trace
 * id) and sampling.threshold: proportional multiplies an arriving 1/2 by
 * its 1/2; an unreadable threshold is an error (fail_closed drops). */
static void test_logs_consistent_modes(void **state)
{
    tu_proc p;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "sampling_percentage: 50\nmode: proportional");
    fxl_record *improbable =
        record_of(0, 1, fx_kv_new("sampling.threshold", fx_str("8")), KV_END);
    hex_bytes(TID_IMPROBABLE, improbable->trace_id.data, 16);
    fxl_record *in[] = {
        improbable,
        record_of(1, 0, fx_kv_new("sampling.randomness", fx_str("ffffffffffffff")),
                  fx_kv_new("sampling.threshold", fx_str("8")), KV_END),
        record_of(2, 0, fx_kv_new("sampling.threshold", fx_str("xyz")), KV_END)};
    logs_req *out = consume_logs(&p, logs_of(3, in));
    assert_string_equal(record_str(kept_record(out, 0), "sampling.threshold"), "c");
    assert_null(record_str(kept_record(out, 0), "sampling.randomness"));
    fxl_record *r = kept_record(out, 1);
    assert_non_null(r);
    assert_string_equal(record_str(r, "sampling.threshold"), "c");
    assert_string_equal(record_str(r, "sampling.randomness"), "ffffffffffffff");
    assert_null(kept_record(out, 2));
    assert_int_equal(logs_metric(&p, "trace_id_w3c", "true"), 1);
    assert_int_equal(logs_metric(&p, "sampling_randomness", "true"), 1);
    assert_int_equal(logs_metric(&p, "missing_randomness", "false"), 1);
    stop_logs(&p);
}

static void assert_config_error(const char *yaml, const char *where, const char *what)
{
    const char *err = tu_create_error(otelc_plugin_entry_v1(), yaml);
    if (!err || !strstr(err, where) || !strstr(err, what))
        fail_msg("config\n%s\nwanted \"%s\" and \"%s\", got: %s", yaml, where, what,
                 err ? err : "(accepted)");
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_config_error("sampling_percentage: -1", "config:1:22: key 'sampling_percentage'",
                        "sampling rate is negative: -1.000000%");
    assert_config_error("sampling_percentage: 1e-20", "key 'sampling_percentage'",
                        "sampling rate is too small: 1e-20%");
    assert_config_error("sampling_percentage: 1e40", "key 'sampling_percentage'",
                        "sampling rate is invalid");
    assert_config_error("sampling_percentage: 5\nmode: fast", "config:2:7: key 'mode'",
                        "unsupported sampler mode \"fast\"");
    assert_config_error("sampling_precision: 0", "key 'sampling_precision'",
                        "invalid sampling precision: 0");
    assert_config_error("sampling_precision: 15", "key 'sampling_precision'",
                        "sampling precision is too great, should be <= 14: 15");
    assert_config_error("hash_seed: -1", "key 'hash_seed'", "unsigned 32-bit");
    assert_config_error("attribute_source: span", "key 'attribute_source'",
                        "invalid attribute source: span. Expected: traceID or record");
    assert_config_error("sampling_percentage: 5\nsampling_rate: 3", "sampling_rate", "");
    assert_null(tu_create_error(otelc_plugin_entry_v1(),
                                "sampling_percentage: 15.3\nhash_seed: 22\nfail_closed: false\n"
                                "attribute_source: record\nfrom_attribute: id\n"
                                "sampling_priority: prio\nsampling_precision: 14"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_hash_thresholds),
        cmocka_unit_test(test_threshold_encoding),
        cmocka_unit_test(test_tracestate),
        cmocka_unit_test(test_collector_tracestate_table),
        cmocka_unit_test(test_collector_error_table),
        cmocka_unit_test(test_hash_seed_decisions),
        cmocka_unit_test(test_missing_randomness),
        cmocka_unit_test(test_statistical_share),
        cmocka_unit_test(test_whole_traces_across_requests),
        cmocka_unit_test(test_plugin_tracestate_and_metrics),
        cmocka_unit_test(test_plugin_priority),
        cmocka_unit_test(test_plugin_pass_through),
        cmocka_unit_test(test_logs_follow_their_traces),
        cmocka_unit_test(test_logs_without_randomness),
        cmocka_unit_test(test_logs_from_attribute),
        cmocka_unit_test(test_logs_sampling_priority),
        cmocka_unit_test(test_logs_consistent_modes),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
