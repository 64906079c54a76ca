/*
 * http_xchg.c: one OTLP/HTTP export, from request head to validated
 * protobuf.
 */
#include "http_xchg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

#include "grpc_inflate.h"
#include "grpc_status.h"

#define FIRST_CHUNK ((size_t)16384)
/* A declared Content-Length is allocated up to this at once; the rest
 * only once the bytes arrive, so headers alone cannot reserve memory. */
#define PREALLOC_MAX ((size_t)1 << 20)

static int64_t add_sat(int64_t t, int64_t d)
{
    return d >= INT64_MAX - t ? INT64_MAX : t + d;
}

int64_t hx_read_deadline(const otlp_http_opts *o, int64_t begin_ns, int64_t body_ns,
                         uint64_t got)
{
    int64_t whole = add_sat(begin_ns, o->read_ns);
    if (body_ns <= 0 || o->min_body_rate == 0)
        return whole;
    uint64_t secs = got / o->min_body_rate, rest = got % o->min_body_rate;
    if (secs > (uint64_t)(INT64_MAX / 1000000000) - 1)
        return whole;
    int64_t earned = (int64_t)secs * 1000000000 + (int64_t)(rest * 1000000000 / o->min_body_rate);
    int64_t slow = add_sat(add_sat(body_ns, HX_BODY_GRACE_NS), earned);
    return slow < whole ? slow : whole;
}

void hx_init(http_xchg *x, const otlp_http_opts *opt, size_t limit)
{
    memset(x, 0, sizeof(*x));
    x->opt = opt;
    x->limit = limit;
    x->kind = HTTP_BODY_TEXT;
    x->enc = GRPC_ENC_IDENTITY;
}

void hx_free(http_xchg *x)
{
    free(x->body);
    x->body = NULL;
    x->len = x->cap = 0;
}

static bool same(const char *a, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

void hx_method(http_xchg *x, const char *m, size_t n)
{
    x->post = n == 4 && memcmp(m, "POST", 4) == 0;
}

static bool is_path(const char *path, const char *t, size_t len)
{
    return len > 0 && len == strlen(path) && memcmp(t, path, len) == 0;
}

/* The served signal whose path t (len bytes) is; 0 for none. */
static otelc_signal signal_of_path(const otlp_http_opts *o, const char *t, size_t len)
{
    const struct {
        otelc_signal signal;
        const char *path;
    } paths[] = {
        {OTELC_TRACES, o->traces_path},
        {OTELC_METRICS, o->metrics_path},
        {OTELC_LOGS, o->logs_path},
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if ((o->signals & paths[i].signal) && is_path(paths[i].path, t, len))
            return paths[i].signal;
    return 0;
}

void hx_target(http_xchg *x, const char *t, size_t n)
{
    const char *end = t + n;
    /* Absolute form: skip "scheme://authority" to the path. */
    const char *scheme = n > 3 ? memchr(t, ':', n) : NULL;
    bool absolute = scheme && end - scheme > 3 && scheme[1] == '/' && scheme[2] == '/';
    if (t < end && *t != '/' && absolute) {
        const char *p = memchr(scheme + 3, '/', (size_t)(end - scheme - 3));
        t = p ? p : end;
    }
    size_t len = 0;
    while (t + len < end && t[len] != '?' && t[len] != '#')
        len++;
    x->signal = signal_of_path(x->opt, t, len);
    x->on_path = x->signal != 0;
}

/* Trims optional whitespace around a header value or one of its parts. */
static void trim(const char **v, size_t *n)
{
    while (*n && (**v == ' ' || **v == '\t')) {
        (*v)++;
        (*n)--;
    }
    while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
        (*n)--;
}

http_body_kind hx_content_kind(const char *v, size_t n)
{
    const char *semi = memchr(v, ';', n);
    if (semi)
        n = (size_t)(semi - v);
    trim(&v, &n);
    if (same(v, n, "application/x-protobuf"))
        return HTTP_BODY_PROTO;
    if (same(v, n, "application/json"))
        return HTTP_BODY_JSON;
    return HTTP_BODY_TEXT;
}

static int encoding_of(const char *v, size_t n)
{
    trim(&v, &n);
    if (n == 0 || same(v, n, "identity"))
        return GRPC_ENC_IDENTITY;
    if (same(v, n, "gzip") || same(v, n, "x-gzip"))
        return GRPC_ENC_GZIP;
    if (same(v, n, "zstd"))
        return GRPC_ENC_ZSTD;
    if (same(v, n, "deflate") || same(v, n, "zlib"))
        return GRPC_ENC_DEFLATE;
    return GRPC_ENC_UNKNOWN;
}

static void read_length(http_xchg *x, const char *v, size_t n)
{
    uint64_t len = 0;
    trim(&v, &n);
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9' || len > UINT64_MAX / 10 - 1)
            return; /* the HTTP parsers refuse malformed lengths first */
        len = len * 10 + (uint64_t)(v[i] - '0');
    }
    x->declared = len;
    x->saw_length = n > 0;
}

void hx_header(http_xchg *x, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (same(name, nlen, "content-type")) {
        x->kind = hx_content_kind(value, vlen);
        x->type_known = x->kind != HTTP_BODY_TEXT;
    } else if (same(name, nlen, "content-encoding")) {
        x->enc = encoding_of(value, vlen);
    } else if (same(name, nlen, "content-length")) {
        read_length(x, value, vlen);
    }
}

static bool refuse(http_answer *a, http_body_kind kind, int status, int code, const char *msg)
{
    http_answer_error(a, kind, status, code, msg);
    return true;
}

bool hx_head_check(http_xchg *x, bool draining, bool full, http_answer *a)
{
    if (!x->on_path)
        return refuse(a, HTTP_BODY_TEXT, 404, GRPC_UNIMPLEMENTED, "404 no such path");
    if (!x->post)
        return refuse(a, HTTP_BODY_TEXT, 405, GRPC_UNIMPLEMENTED,
                      "405 method not allowed: OTLP/HTTP exports use POST");
    if (!x->type_known)
        return refuse(a, HTTP_BODY_TEXT, 415, GRPC_UNIMPLEMENTED,
                      "415 unsupported media type; supported: application/x-protobuf, "
                      "application/json");
    if (x->enc == GRPC_ENC_UNKNOWN || !(x->opt->encodings & (1u << x->enc)))
        return refuse(a, x->kind, 400, GRPC_INVALID_ARGUMENT, "unsupported Content-Encoding");
    if (x->saw_length && x->declared > x->limit)
        return refuse(a, x->kind, 413, GRPC_RESOURCE_EXHAUSTED,
                      "request body larger than max_request_body_size");
    if (draining)
        return refuse(a, x->kind, 503, GRPC_UNAVAILABLE, "receiver is shutting down");
    if (full)
        return refuse(a, x->kind, 503, GRPC_UNAVAILABLE, "the pipeline is full; retry later");
    if (x->saw_length && x->declared > 0) {
        size_t first = x->declared < PREALLOC_MAX ? (size_t)x->declared : PREALLOC_MAX;
        x->body = malloc(first);
        x->cap = x->body ? first : 0;
    }
    return false;
}

static bool grow(http_xchg *x, size_t need)
{
    size_t cap = x->cap ? x->cap : FIRST_CHUNK;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (x->saw_length && x->declared >= need && x->declared <= x->limit)
        cap = (size_t)x->declared; /* the body is arriving: the rest at once */
    if (cap > x->limit)
        cap = x->limit;
    uint8_t *p = realloc(x->body, cap);
    if (!p)
        return false;
    x->body = p;
    x->cap = cap;
    return true;
}

bool hx_body(http_xchg *x, const uint8_t *p, size_t n, http_answer *a)
{
    if (n > x->limit - x->len) {
        hx_free(x);
        return refuse(a, x->kind, 413, GRPC_RESOURCE_EXHAUSTED,
                      "request body larger than max_request_body_size");
    }
    if (x->len + n > x->cap && !grow(x, x->len + n)) {
        hx_free(x);
        return refuse(a, x->kind, 503, GRPC_UNAVAILABLE, "out of memory");
    }
    memcpy(x->body + x->len, p, n);
    x->len += n;
    return false;
}

/* Replaces the body with its decompressed form; false with *a filled. */
static bool inflate_body(http_xchg *x, http_answer *a)
{
    uint8_t *plain = NULL;
    size_t plen = 0;
    int rc = grpc_inflate((grpc_encoding)x->enc, x->body, x->len, x->limit, &plain, &plen);
    hx_free(x);
    if (rc == GRPC_INFLATE_TOO_BIG)
        return !refuse(a, x->kind, 413, GRPC_RESOURCE_EXHAUSTED,
                       "decompressed body larger than max_request_body_size");
    if (rc == GRPC_INFLATE_NOMEM)
        return !refuse(a, x->kind, 503, GRPC_UNAVAILABLE, "out of memory");
    if (rc != GRPC_INFLATE_OK)
        return !refuse(a, x->kind, 400, GRPC_INVALID_ARGUMENT, "cannot decompress the body");
    x->body = plain;
    x->len = x->cap = plen;
    return true;
}

/* Replaces the OTLP/JSON body with its protobuf form. */
static bool read_json(http_xchg *x, http_answer *a)
{
    char err[160];
    uint8_t *pb = NULL;
    size_t len = 0;
    int rc = otlp_json_read_signal(x->signal,
                                   (const char *)(x->body ? x->body : (const uint8_t *)""),
                                   x->len, &pb, &len, err, sizeof(err));
    hx_free(x);
    if (rc == -ENOMEM)
        return !refuse(a, x->kind, 503, GRPC_UNAVAILABLE, "out of memory");
    if (rc != 0)
        return !refuse(a, x->kind, 400, GRPC_INVALID_ARGUMENT, err);
    x->body = pb;
    x->len = x->cap = len;
    return true;
}

hx_result hx_finish(http_xchg *x, uint8_t **pb, size_t *len, size_t *items, http_answer *a)
{
    static const uint8_t empty[1];
    otlp_verror verr;
    if (x->enc != GRPC_ENC_IDENTITY && !inflate_body(x, a))
        return HX_ANSWERED;
    if (x->kind == HTTP_BODY_JSON && !read_json(x, a))
        return HX_ANSWERED;
    if (otlp_validate_signal(x->signal, x->body ? x->body : empty, x->len, items, &verr) !=
        OTLP_OK) {
        hx_free(x);
        refuse(a, x->kind, 400, GRPC_INVALID_ARGUMENT, verr.msg[0] ? verr.msg : "invalid request");
        return HX_ANSWERED;
    }
    if (*items == 0) { /* nothing to hand on: an empty export succeeds */
        hx_free(x);
        http_answer_ok(a, x->kind);
        return HX_ANSWERED;
    }
    *pb = x->body;
    *len = x->len;
    x->body = NULL;
    x->len = x->cap = 0;
    return HX_EMIT;
}

void hx_answer_outcome(const http_xchg *x, otelc_status st, bool draining, http_answer *a)
{
    switch (st) {
    case OTELC_OK: http_answer_ok(a, x->kind); break;
    case OTELC_RETRY:
        http_answer_error(a, x->kind, 503, GRPC_UNAVAILABLE,
                          draining ? "receiver is shutting down"
                                   : "the pipeline is full; retry later");
        break;
    case OTELC_REJECT:
        http_answer_error(a, x->kind, 400, GRPC_INVALID_ARGUMENT, "the pipeline refused the data");
        break;
    default:
        http_answer_error(a, x->kind, 500, GRPC_INTERNAL, "unexpected pipeline outcome");
        break;
    }
}
