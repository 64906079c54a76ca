/*
 * fuzz_ottl.c: libFuzzer target for libs/ottl, the OTTL parser that
 * reads the statements and conditions of operators' configs.
 *
 * The first input byte chooses the context and whether the rest is a
 * statement or a condition; the rest is the text. Its low three bits
 * pick resource, scope, span, spanevent, log, metric, datapoint or
 * inferred; the next two bits the signal whose request resource, scope
 * and inferred texts run over (traces, logs, metrics); the top bit makes
 * it a statement. Statements are one a line (up to four, run in order
 * at each item, as a transform group runs them); a condition is the
 * whole text. Besides "no crash, no read out of bounds" it checks:
 *  - a refusal has a message and a position inside the text at fault
 *    (line and column at least 1, the line no further than its lines);
 *  - what compiles also runs: over a small fixed request of its signal
 *    (spans with an event; log records with string, map and empty
 *    bodies; a gauge, a sum, a histogram, an exponential histogram and a
 *    summary), at every item of its context, through the SDK's editor
 *    as the transform processor drives it (otlp_edit_run_signal), and
 *    the output is a valid request of that signal holding the items the
 *    editor reported.
 */
#include <ottl/ottl.h>

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_validate.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            __builtin_trap();                                                              \
    } while (0)

/* ---- small requests, encoded by hand ---- */

typedef struct wbuf {
    uint8_t b[2048];
    size_t n;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void varint(wbuf *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void vfield(wbuf *w, uint32_t f, uint64_t v)
{
    varint(w, (uint64_t)f << 3);
    varint(w, v);
}

static void field(wbuf *w, uint32_t f, const void *p, size_t n)
{
    varint(w, (uint64_t)f << 3 | 2);
    varint(w, n);
    put(w, p, n);
}

static void text(wbuf *w, uint32_t f, const char *s)
{
    field(w, f, s, strlen(s));
}

static void sub(wbuf *w, uint32_t f, const wbuf *inner)
{
    field(w, f, inner->b, inner->n);
}

static void str_attr(wbuf *w, uint32_t f, const char *k, const char *v)
{
    wbuf any = {0}, kv = {0};
    text(&any, 1, v);
    text(&kv, 1, k);
    sub(&kv, 2, &any);
    sub(w, f, &kv);
}

static void fixed(wbuf *w, uint32_t f, uint64_t v, int bytes)
{
    varint(w, (uint64_t)f << 3 | (bytes == 8 ? 1 : 5));
    for (int k = 0; k < bytes; k++)
        w->b[w->n++] = (uint8_t)(v >> (8 * k));
}

static void fixed64(wbuf *w, uint32_t f, uint64_t v)
{
    fixed(w, f, v, 8);
}

static void dbl(wbuf *w, uint32_t f, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    fixed64(w, f, bits);
}

#define T0 1700000000000000000ull

/* resource_* { resource, scope_* { scope, items } } as one request. */
static size_t wrap(uint8_t *out, const char *scope_name, const wbuf *items)
{
    wbuf res = {0}, scope = {0}, ss = {0}, rs = {0}, req = {0};
    str_attr(&res, 1, "service.name", "checkout");
    text(&scope, 1, scope_name);
    text(&scope, 2, "1.0");
    sub(&ss, 1, &scope);
    put(&ss, items->b, items->n);
    sub(&rs, 1, &res);
    sub(&rs, 2, &ss);
    sub(&req, 1, &rs);
    memcpy(out, req.b, req.n);
    return req.n;
}

static void span(wbuf *scope, const char *name, uint8_t id, bool event)
{
    static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t sid[8] = {id, id, id, id, id, id, id, id};
    wbuf s = {0}, ev = {0};
    field(&s, 1, trace, 16);
    field(&s, 2, sid, 8);
    text(&s, 3, "k=v");
    text(&s, 5, name);
    vfield(&s, 6, 2);
    fixed64(&s, 7, T0);
    fixed64(&s, 8, T0 + 250000000ull);
    str_attr(&s, 9, "http.method", "GET");
    str_attr(&s, 9, "http.target", "/users/123?password=abc");
    if (event) {
        fixed64(&ev, 1, T0 + 100000000ull);
        text(&ev, 2, "exception");
        str_attr(&ev, 3, "exception.type", "IOError");
        sub(&s, 11, &ev);
    }
    sub(scope, 2, &s);
}

static size_t build_traces(uint8_t *out)
{
    wbuf spans = {0};
    span(&spans, "GET /users/123", 1, true);
    span(&spans, "health", 2, false);
    return wrap(out, "io.test", &spans);
}

/* Log records: a string body with ids, a map body, no body at all. */
static size_t build_logs(uint8_t *out)
{
    static const uint8_t trace[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    wbuf items = {0}, l0 = {0}, l1 = {0}, l2 = {0}, body = {0}, kvl = {0}, kv = {0}, v = {0};
    fixed64(&l0, 1, T0);
    vfield(&l0, 2, 9);
    text(&l0, 3, "INFO");
    text(&body, 1, "login password=abc");
    sub(&l0, 5, &body);
    str_attr(&l0, 6, "http.route", "/user/1");
    field(&l0, 9, trace, 16);
    field(&l0, 10, trace, 8);
    fixed64(&l0, 11, T0 + 5);
    text(&v, 1, "v");
    text(&kv, 1, "k");
    sub(&kv, 2, &v);
    sub(&kvl, 1, &kv);
    body.n = 0;
    sub(&body, 6, &kvl);
    vfield(&l1, 2, 17);
    sub(&l1, 5, &body);
    fixed(&l1, 8, 1, 4);
    text(&l1, 12, "event");
    str_attr(&l2, 6, "k", "v");
    sub(&items, 2, &l0);
    sub(&items, 2, &l1);
    sub(&items, 2, &l2);
    return wrap(out, "io.test.log", &items);
}

static void metric(wbuf *items, const char *name, uint32_t kind, const wbuf *data)
{
    wbuf m = {0};
    text(&m, 1, name);
    text(&m, 3, "ms");
    sub(&m, kind, data);
    sub(items, 2, &m);
}

static void number_point(wbuf *data, const char *state, bool integer)
{
    wbuf p = {0};
    fixed64(&p, 2, T0 - 10);
    fixed64(&p, 3, T0);
    if (integer)
        fixed64(&p, 6, 7);
    else
        dbl(&p, 4, 1.5);
    str_attr(&p, 7, "state", state);
    sub(data, 1, &p);
}

static void histogram(wbuf *items)
{
    wbuf data = {0}, p = {0}, counts = {0}, bounds = {0};
    str_attr(&p, 9, "route", "/a");
    fixed64(&p, 3, T0);
    fixed64(&p, 4, 3);
    dbl(&p, 5, 6.0);
    for (uint64_t c = 1; c <= 2; c++)
        for (int k = 0; k < 8; k++)
            counts.b[counts.n++] = (uint8_t)(c >> (8 * k));
    field(&p, 6, counts.b, counts.n);
    double b1 = 1.0;
    memcpy(bounds.b, &b1, 8);
    bounds.n = 8;
    field(&p, 7, bounds.b, bounds.n);
    dbl(&p, 11, 0.5);
    dbl(&p, 12, 4.0);
    sub(&data, 1, &p);
    vfield(&data, 2, 1);
    metric(items, "latency", 9, &data);
}

static void exp_histogram(wbuf *items)
{
    wbuf data = {0}, p = {0}, pos = {0};
    str_attr(&p, 1, "route", "/b");
    fixed64(&p, 3, T0);
    fixed64(&p, 4, 5);
    dbl(&p, 5, 12.5);
    vfield(&p, 6, 3); /* scale -2, zigzag */
    fixed64(&p, 7, 1);
    vfield(&pos, 1, 2); /* offset 1 */
    uint8_t counts[] = {2, 2};
    field(&pos, 2, counts, 2);
    sub(&p, 8, &pos);
    sub(&data, 1, &p);
    vfield(&data, 2, 2);
    metric(items, "latency.exp", 10, &data);
}

static void summary(wbuf *items)
{
    wbuf data = {0}, p = {0}, q = {0};
    str_attr(&p, 7, "route", "/c");
    fixed64(&p, 3, T0);
    fixed64(&p, 4, 4);
    dbl(&p, 5, 10.0);
    dbl(&q, 1, 0.5);
    dbl(&q, 2, 2.0);
    sub(&p, 6, &q);
    sub(&data, 1, &p);
    metric(items, "rpc", 11, &data);
}

/* One metric of every type. */
static size_t build_metrics(uint8_t *out)
{
    wbuf items = {0}, gauge = {0}, sum = {0};
    number_point(&gauge, "idle", false);
    number_point(&gauge, "busy", false);
    metric(&items, "http.duration", 5, &gauge);
    number_point(&sum, "all", true);
    vfield(&sum, 2, 2);
    vfield(&sum, 3, 1);
    metric(&items, "requests", 7, &sum);
    histogram(&items);
    exp_histogram(&items);
    summary(&items);
    return wrap(out, "io.test.metrics", &items);
}

/* ---- running what compiled, as the transform processor does ---- */

#define MAX_STMTS 4

typedef struct run {
    ottl_env *env;
    ottl_context ctx;
    ottl_statement *stmts[MAX_STMTS];
    size_t n;
    ottl_condition *cond;
} run;

static void visit(run *r, ottl_context at)
{
    bool m;
    if (r->ctx != at)
        return;
    for (size_t k = 0; k < r->n; k++)
        ottl_statement_run(r->stmts[k], r->env);
    if (r->cond)
        ottl_condition_eval(r->cond, r->env, &m);
}

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *res)
{
    run *r = arg;
    ottl_env_resource(r->env, ed, res);
    visit(r, OTTL_CTX_RESOURCE);
    return 0;
}

static int on_scope(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    run *r = arg;
    (void)ed;
    ottl_env_scope(r->env, s);
    visit(r, OTTL_CTX_SCOPE);
    return 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    run *r = arg;
    otlp_event ev;
    ottl_env_span(r->env, sp);
    visit(r, OTTL_CTX_SPAN);
    while (r->ctx == OTTL_CTX_SPANEVENT && otlp_edit_event(ed, &ev) > 0) {
        ottl_env_event(r->env, &ev);
        visit(r, OTTL_CTX_SPANEVENT);
    }
    return 0;
}

static int on_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    run *r = arg;
    (void)ed;
    ottl_env_log(r->env, l);
    visit(r, OTTL_CTX_LOG);
    return 0;
}

static int on_metric(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    run *r = arg;
    (void)ed;
    ottl_env_metric(r->env, m);
    visit(r, OTTL_CTX_METRIC);
    return 0;
}

static int on_point(void *arg, otlp_editor *ed, const otlp_metric *m, const otlp_datapoint *dp)
{
    run *r = arg;
    (void)ed;
    (void)m;
    ottl_env_datapoint(r->env, dp);
    visit(r, OTTL_CTX_DATAPOINT);
    return 0;
}

/* The callbacks down to the context's level only: a metric group leaves
 * the points unvisited, as its data may be rewritten whole. */
static otlp_edit_fns fns_for(ottl_context ctx)
{
    otlp_edit_fns f = {.resource = on_resource};
    if (ctx != OTTL_CTX_RESOURCE)
        f.scope = on_scope;
    if (ctx == OTTL_CTX_SPAN || ctx == OTTL_CTX_SPANEVENT)
        f.span = on_span;
    if (ctx == OTTL_CTX_LOG)
        f.log = on_log;
    if (ctx == OTTL_CTX_METRIC || ctx == OTTL_CTX_DATAPOINT)
        f.metric = on_metric;
    if (ctx == OTTL_CTX_DATAPOINT)
        f.datapoint = on_point;
    return f;
}

static otelc_signal signal_of(ottl_context ctx, otelc_signal asked)
{
    switch (ctx) {
    case OTTL_CTX_SPAN:
    case OTTL_CTX_SPANEVENT: return OTELC_TRACES;
    case OTTL_CTX_LOG: return OTELC_LOGS;
    case OTTL_CTX_METRIC:
    case OTTL_CTX_DATAPOINT: return OTELC_METRICS;
    default: return asked;
    }
}

typedef struct request {
    uint8_t b[2048];
    size_t n;
} request;

static const request *request_of(otelc_signal s)
{
    static request reqs[3];
    static bool built;
    if (!built) {
        reqs[0].n = build_traces(reqs[0].b);
        reqs[1].n = build_metrics(reqs[1].b);
        reqs[2].n = build_logs(reqs[2].b);
        for (int k = 0; k < 3; k++)
            require(otlp_validate_signal(k == 0 ? OTELC_TRACES : k == 1 ? OTELC_METRICS : OTELC_LOGS,
                                         reqs[k].b, reqs[k].n, &(size_t){0}, NULL) == OTLP_OK);
        built = true;
    }
    return &reqs[s == OTELC_METRICS ? 1 : s == OTELC_LOGS ? 2 : 0];
}

static void walk(run *r, otelc_signal signal)
{
    static otlp_editor *ed;
    const request *req = request_of(signal);
    otlp_edit_fns fns = fns_for(r->ctx);
    size_t items = 0, checked = 0, len = 0;
    if (!ed)
        ed = otlp_editor_new();
    if (otlp_edit_run_signal(ed, signal, req->b, req->n, &fns, r, &items) != OTLP_OK)
        return;
    const uint8_t *out = otlp_edit_output(ed, &len);
    require(otlp_validate_signal(signal, out, len, &checked, NULL) == OTLP_OK);
    require(checked == items);
}

/* ---- the target ---- */

static void check_position(const char *text, const ottl_error *err)
{
    unsigned lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    require(err->msg[0] != 0);
    require(err->line >= 1 && err->col >= 1);
    require(err->line <= lines);
}

/* Splits text into its lines, at most MAX_STMTS (the last keeps the
 * rest). Returns their count. */
static size_t split_lines(char *text, const char **out)
{
    size_t n = 0;
    out[n++] = text;
    for (char *p = text; *p && n < MAX_STMTS; p++)
        if (*p == '\n') {
            *p = 0;
            out[n++] = p + 1;
        }
    return n;
}

static int compile(run *r, char *text, bool statement)
{
    const char *texts[MAX_STMTS];
    ottl_error err;
    size_t bad = 0;
    if (!statement) {
        texts[0] = text;
        if (ottl_compile_conditions(texts, 1, r->ctx, &r->cond, &r->ctx, &err, NULL) == 0)
            return 0;
    } else {
        size_t n = split_lines(text, texts);
        if (ottl_compile_statements(texts, n, r->ctx, r->stmts, &r->ctx, &err, &bad) == 0) {
            r->n = n;
            return 0;
        }
        require(bad < n);
    }
    check_position(texts[bad], &err);
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ottl_context ctxs[] = {OTTL_CTX_RESOURCE, OTTL_CTX_SCOPE,  OTTL_CTX_SPAN,
                                        OTTL_CTX_SPANEVENT, OTTL_CTX_LOG,   OTTL_CTX_METRIC,
                                        OTTL_CTX_DATAPOINT, OTTL_CTX_INFER};
    static const otelc_signal signals[] = {OTELC_TRACES, OTELC_LOGS, OTELC_METRICS, OTELC_TRACES};
    if (size < 1)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    otelc_signal signal = signals[(data[0] >> 3) & 3];
    run r = {.ctx = ctxs[data[0] & 7]};
    if (r.ctx == OTTL_CTX_INFER)
        r.ctx = ottl_infer_for(signal);
    if (compile(&r, text, data[0] & 0x80) == 0) {
        r.env = ottl_env_new();
        ottl_env_set_now(r.env, 1700000000000000000);
        walk(&r, signal_of(r.ctx, signal));
        ottl_env_free(r.env);
    }
    for (size_t k = 0; k < r.n; k++)
        ottl_statement_free(r.stmts[k]);
    ottl_condition_free(r.cond);
    free(text);
    return 0;
}
