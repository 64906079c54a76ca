/*
 * fuzz_ottl.c: libFuzzer target for libs/ottl, the OTTL parser that
 * reads the statements and conditions of operators' configs.
 *
 * The first input byte chooses the context (resource, scope, span,
 * spanevent, or inferred) and whether the rest is a statement or a
 * condition; the rest is the text. Besides "no crash, no read out of
 * bounds" it checks:
 *  - a refusal has a message and a position inside the text (line and
 *    column at least 1, the line no further than the text's lines);
 *  - what compiles also runs: over a small request with an event, at
 *    every level of its context, through the SDK's editor, and the
 *    editor's output (if it has one) is a valid request.
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

/* ---- a small request, encoded by hand ---- */

typedef struct wbuf {
    uint8_t b[1024];
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

static void field(wbuf *w, uint32_t f, const void *p, size_t n)
{
    varint(w, (uint64_t)f << 3 | 2);
    varint(w, n);
    put(w, p, n);
}

static void sub(wbuf *w, uint32_t f, const wbuf *inner)
{
    field(w, f, inner->b, inner->n);
}

static void str_attr(wbuf *w, uint32_t f, const char *k, const char *v)
{
    wbuf any = {0}, kv = {0};
    field(&any, 1, v, strlen(v));
    field(&kv, 1, k, strlen(k));
    sub(&kv, 2, &any);
    sub(w, f, &kv);
}

static void fixed64(wbuf *w, uint32_t f, uint64_t v)
{
    varint(w, (uint64_t)f << 3 | 1);
    for (int k = 0; k < 8; k++)
        w->b[w->n++] = (uint8_t)(v >> (8 * k));
}

static void span(wbuf *scope, const char *name, uint8_t id, bool event)
{
    static const uint8_t trace[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t sid[8] = {id, id, id, id, id, id, id, id};
    wbuf s = {0}, ev = {0};
    field(&s, 1, trace, 16);
    field(&s, 2, sid, 8);
    field(&s, 3, "k=v", 3);
    field(&s, 5, name, strlen(name));
    varint(&s, 6 << 3);
    varint(&s, 2);
    fixed64(&s, 7, 1700000000000000000ull);
    fixed64(&s, 8, 1700000000250000000ull);
    str_attr(&s, 9, "http.method", "GET");
    str_attr(&s, 9, "http.target", "/users/123?password=abc");
    if (event) {
        fixed64(&ev, 1, 1700000000100000000ull);
        field(&ev, 2, "exception", 9);
        str_attr(&ev, 3, "exception.type", "IOError");
        sub(&s, 11, &ev);
    }
    sub(scope, 2, &s);
}

static size_t build_request(uint8_t *out)
{
    wbuf res = {0}, scope = {0}, ss = {0}, rs = {0}, req = {0};
    str_attr(&res, 1, "service.name", "checkout");
    field(&scope, 1, "io.test", 7);
    field(&scope, 2, "1.0", 3);
    sub(&ss, 1, &scope);
    span(&ss, "GET /users/123", 1, true);
    span(&ss, "health", 2, false);
    sub(&rs, 1, &res);
    sub(&rs, 2, &ss);
    sub(&req, 1, &rs);
    memcpy(out, req.b, req.n);
    return req.n;
}

/* ---- running what compiled ---- */

typedef struct run {
    otlp_editor *ed;
    ottl_env *env;
    ottl_context ctx;
    ottl_statement *stmt;
    ottl_condition *cond;
} run;

static void visit(run *r)
{
    bool m;
    if (r->stmt)
        ottl_statement_run(r->stmt, r->env);
    else
        ottl_condition_eval(r->cond, r->env, &m);
}

static void walk_spans(run *r)
{
    otlp_span sp;
    otlp_event ev;
    while (otlp_edit_span(r->ed, &sp) > 0) {
        ottl_env_span(r->env, &sp);
        if (r->ctx == OTTL_CTX_SPAN)
            visit(r);
        while (r->ctx == OTTL_CTX_SPANEVENT && otlp_edit_event(r->ed, &ev) > 0) {
            ottl_env_event(r->env, &ev);
            visit(r);
        }
    }
}

static void walk(run *r, const uint8_t *req, size_t len)
{
    otlp_resource res;
    otlp_scope s;
    size_t spans = 0, checked = 0;
    otlp_edit_begin(r->ed, req, len);
    while (otlp_edit_resource(r->ed, &res) > 0) {
        ottl_env_resource(r->env, r->ed, &res);
        if (r->ctx == OTTL_CTX_RESOURCE)
            visit(r);
        while (r->ctx != OTTL_CTX_RESOURCE && otlp_edit_scope(r->ed, &s) > 0) {
            ottl_env_scope(r->env, &s);
            if (r->ctx == OTTL_CTX_SCOPE)
                visit(r);
            else
                walk_spans(r);
        }
    }
    if (otlp_edit_finish(r->ed, &spans) != OTLP_OK)
        return;
    const uint8_t *out = otlp_edit_output(r->ed, &len);
    require(otlp_validate_request(out, len, &checked, NULL) == OTLP_OK);
    require(checked == spans);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t req[1024];
    static size_t req_len;
    static const ottl_context ctxs[] = {OTTL_CTX_RESOURCE, OTTL_CTX_SCOPE, OTTL_CTX_SPAN,
                                        OTTL_CTX_SPANEVENT, OTTL_CTX_INFER};
    if (size < 1)
        return 0;
    if (!req_len)
        req_len = build_request(req);
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    const char *texts[] = {text};
    run r = {.ctx = ctxs[data[0] % 5]};
    bool statement = data[0] & 0x80;
    ottl_error err;
    int rc = statement ? ottl_compile_statements(texts, 1, r.ctx, &r.stmt, &r.ctx, &err, NULL)
                       : ottl_compile_conditions(texts, 1, r.ctx, &r.cond, &r.ctx, &err, NULL);
    if (rc != 0) {
        check_position(text, &err);
    } else {
        r.ed = otlp_editor_new();
        r.env = ottl_env_new();
        ottl_env_set_now(r.env, 1700000000000000000);
        walk(&r, req, req_len);
        ottl_env_free(r.env);
        otlp_editor_free(r.ed);
    }
    ottl_statement_free(r.stmt);
    ottl_condition_free(r.cond);
    free(text);
    return 0;
}
