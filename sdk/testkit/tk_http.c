/*
 * tk_http.c: admin routes. The plugin registers them as with the real
 * host; the test requests one, the handler runs on the test's thread and
 * answers then or later from any thread, and the test reads the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testkit_impl.h"

#define TK_REQ_MAGIC 0x7e577e9cu

struct otelc_http_req {
    uint32_t magic;
    otelc_test_host *h;
    tk_vec params; /* name, value, ... */
    tk_vec query;  /* name, value, ... */
    uint8_t *body;
    size_t body_len;
    /* the answer */
    int status;        /* 0 until answered or streamed */
    bool complete;
    tk_vec headers;    /* name, value, ... (copied) */
    char *out;         /* body so far, NUL-terminated */
    size_t out_len;
};

/* The test's handle is the request itself. */
struct otelc_test_http {
    struct otelc_http_req req;
};

static otelc_http_req *R(otelc_http_req *r)
{
    if (!r || r->magic != TK_REQ_MAGIC) {
        fprintf(stderr, "otelc testkit: not a request of the kit: ABI misuse\n");
        abort();
    }
    return r;
}

static void route_free(void *p)
{
    tk_route_rec *rt = p;
    free(rt->method);
    free(rt->pattern);
    free(rt);
}

static void request_free(void *p)
{
    otelc_http_req *r = p;
    tk_vec_clear(&r->params, free);
    tk_vec_clear(&r->query, free);
    tk_vec_clear(&r->headers, free);
    free(r->body);
    free(r->out);
    free(r);
}

void tk_routes_free(otelc_test_host *h)
{
    tk_vec_clear(&h->routes, route_free);
    tk_vec_clear(&h->requests, request_free);
}

/* Records the endpoint; requests still reach the routes through
 * otelc_test_http_request, as no socket is opened. */
int tk_http_serve(otelc_ctx *ctx, const char *endpoint)
{
    otelc_test_host *h = tk_host(ctx);
    char *copy = endpoint && *endpoint ? strdup(endpoint) : NULL;
    pthread_mutex_lock(&h->mu);
    bool ok = copy && !h->created && !h->serve_endpoint;
    if (ok)
        h->serve_endpoint = copy;
    pthread_mutex_unlock(&h->mu);
    if (!ok) {
        free(copy);
        tk_config_error(h, NULL, false, "http_serve: an endpoint, from create, once");
        return -1;
    }
    return 0;
}

/* As http_serve, keeping auth.authenticator for the test to read; tls
 * is the real host's to check (no socket here to serve it on). */
int tk_http_serve_settings(otelc_ctx *ctx, const char *endpoint, const otelc_node *server)
{
    otelc_test_host *h = tk_host(ctx);
    const otelc_node *id = tk_node_get(tk_node_get(server, "auth"), "authenticator");
    const char *text = NULL;
    if (tk_http_serve(ctx, endpoint) != 0 || (id && tk_node_string(ctx, id, &text) != 0))
        return -1;
    char *copy = text ? strdup(text) : NULL;
    pthread_mutex_lock(&h->mu);
    free(h->serve_auth);
    h->serve_auth = copy;
    pthread_mutex_unlock(&h->mu);
    return 0;
}

const char *otelc_test_http_authenticator(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    const char *id = h->serve_auth;
    pthread_mutex_unlock(&h->mu);
    return id;
}

const char *otelc_test_http_endpoint(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    const char *ep = h->serve_endpoint;
    pthread_mutex_unlock(&h->mu);
    return ep;
}

static bool claimed(const otelc_test_host *h, const char *method, const char *pattern)
{
    for (size_t i = 0; i < h->routes.n; i++) {
        const tk_route_rec *rt = h->routes.items[i];
        if (strcmp(rt->method, method) == 0 && strcmp(rt->pattern, pattern) == 0)
            return true;
    }
    return false;
}

int tk_route(otelc_ctx *ctx, const char *method, const char *pattern, otelc_route_fn fn,
             void *arg)
{
    otelc_test_host *h = tk_host(ctx);
    tk_route_rec *rt = calloc(1, sizeof(*rt));
    int rc = -1;
    pthread_mutex_lock(&h->mu);
    if (rt && !claimed(h, method, pattern)) {
        *rt = (tk_route_rec){strdup(method), strdup(pattern), fn, arg};
        rc = rt->method && rt->pattern && tk_vec_push(&h->routes, rt) == 0 ? 0 : -1;
    }
    pthread_mutex_unlock(&h->mu);
    if (rc != 0) {
        if (rt)
            route_free(rt);
        tk_error(h, "route %s %s is claimed already (or out of memory)", method, pattern);
    }
    return rc;
}

static int push_pair(tk_vec *v, const char *name, size_t nlen, const char *value, size_t vlen)
{
    char *n = strndup(name, nlen);
    if (!n || tk_vec_push(v, n) != 0) {
        free(n);
        return -1;
    }
    char *val = strndup(value, vlen);
    if (val && tk_vec_push(v, val) == 0)
        return 0;
    free(val);
    free(v->items[--v->n]); /* no name without its value */
    return -1;
}

/* Length of the segment at p (up to '/' or the end). */
static size_t seg_len(const char *p)
{
    return strcspn(p, "/");
}

/* Matches path (without query) against pattern, capturing {params}. */
static bool match(const char *pattern, const char *path, size_t path_len, tk_vec *params)
{
    const char *pe = path + path_len;
    while (*pattern && path < pe) {
        size_t pl = seg_len(pattern), sl = strcspn(path, "/");
        sl = path + sl > pe ? (size_t)(pe - path) : sl;
        bool param = pl > 2 && pattern[0] == '{' && pattern[pl - 1] == '}';
        if (param ? push_pair(params, pattern + 1, pl - 2, path, sl) != 0
                  : (pl != sl || memcmp(pattern, path, pl) != 0))
            return false;
        pattern += pl;
        path += sl;
        if (*pattern == '/' && path < pe && *path == '/') {
            pattern++;
            path++;
        }
    }
    return !*pattern && path == pe;
}

static void parse_query(tk_vec *q, const char *s)
{
    while (s && *s) {
        size_t n = strcspn(s, "&"), k = strcspn(s, "=");
        if (k > n)
            k = n;
        push_pair(q, s, k, s + k + (k < n), n - k - (k < n));
        s += n + (s[n] == '&');
    }
}

static otelc_http_req *request_new(otelc_test_host *h, const void *body, size_t len)
{
    struct otelc_test_http *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    otelc_http_req *r = &t->req;
    r->magic = TK_REQ_MAGIC;
    r->h = h;
    r->body = malloc(len ? len : 1);
    r->out = calloc(1, 1);
    if (!r->body || !r->out) {
        request_free(r);
        return NULL;
    }
    if (len)
        memcpy(r->body, body, len);
    r->body_len = len;
    return r;
}

/* The route for method and target, with r's params filled; lock held. */
static const tk_route_rec *find_route(otelc_test_host *h, const char *method, const char *target,
                                  otelc_http_req *r)
{
    size_t path_len = strcspn(target, "?");
    for (size_t i = 0; i < h->routes.n; i++) {
        const tk_route_rec *rt = h->routes.items[i];
        tk_vec_clear(&r->params, free);
        if (strcmp(rt->method, method) == 0 && match(rt->pattern, target, path_len, &r->params))
            return rt;
    }
    return NULL;
}

otelc_test_http *otelc_test_http_request(otelc_test_host *h, const char *method,
                                         const char *target, const void *body, size_t len)
{
    otelc_http_req *r = request_new(h, body, len);
    if (!r)
        return NULL;
    const char *q = strchr(target, '?');
    parse_query(&r->query, q ? q + 1 : NULL);
    pthread_mutex_lock(&h->mu);
    const tk_route_rec *rt = find_route(h, method, target, r);
    tk_route_rec found = rt ? *rt : (tk_route_rec){0};
    bool kept = rt && tk_vec_push(&h->requests, r) == 0;
    pthread_mutex_unlock(&h->mu);
    if (!kept) {
        request_free(r);
        return NULL;
    }
    /* Outside the lock: the handler calls the host back. */
    found.fn(found.arg, r);
    return (otelc_test_http *)r;
}

static const char *pair_value(const tk_vec *v, const char *name)
{
    for (size_t i = 0; i + 1 < v->n; i += 2)
        if (strcmp(v->items[i], name) == 0)
            return v->items[i + 1];
    return NULL;
}

const char *tk_http_param(otelc_http_req *r, const char *name)
{
    return pair_value(&R(r)->params, name);
}

const char *tk_http_query(otelc_http_req *r, const char *name)
{
    return pair_value(&R(r)->query, name);
}

const char *tk_http_header(otelc_http_req *r, const char *name)
{
    (void)R(r), (void)name;
    return NULL; /* the kit's requests carry no headers */
}

const uint8_t *tk_http_body(otelc_http_req *r, size_t *len)
{
    *len = R(r)->body_len;
    return r->body;
}

/* Appends data to the answer's body; lock held. */
static void append_out(otelc_http_req *r, const void *data, size_t len)
{
    char *grown = realloc(r->out, r->out_len + len + 1);
    if (!grown)
        return;
    memcpy(grown + r->out_len, data, len);
    r->out_len += len;
    grown[r->out_len] = '\0';
    r->out = grown;
}

static void start_answer(otelc_http_req *r, int status, const char *const *headers)
{
    r->status = status;
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        push_pair(&r->headers, headers[i], strlen(headers[i]), headers[i + 1],
                  strlen(headers[i + 1]));
}

void tk_http_respond(otelc_http_req *r, int status, const char *const *headers,
                     const void *body, size_t len)
{
    otelc_test_host *h = R(r)->h;
    pthread_mutex_lock(&h->mu);
    start_answer(r, status, headers);
    append_out(r, body, len);
    r->complete = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
}

void tk_http_stream_start(otelc_http_req *r, int status, const char *const *headers)
{
    otelc_test_host *h = R(r)->h;
    pthread_mutex_lock(&h->mu);
    start_answer(r, status, headers);
    pthread_mutex_unlock(&h->mu);
}

void tk_http_stream_chunk(otelc_http_req *r, const void *data, size_t len)
{
    otelc_test_host *h = R(r)->h;
    pthread_mutex_lock(&h->mu);
    append_out(r, data, len);
    pthread_mutex_unlock(&h->mu);
}

void tk_http_stream_end(otelc_http_req *r)
{
    otelc_test_host *h = R(r)->h;
    pthread_mutex_lock(&h->mu);
    r->complete = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->mu);
}

int otelc_test_http_wait(otelc_test_http *t, int timeout_ms)
{
    otelc_http_req *r = R(&t->req);
    struct timespec until = tk_deadline(timeout_ms);
    pthread_mutex_lock(&r->h->mu);
    while (!r->complete && pthread_cond_timedwait(&r->h->changed, &r->h->mu, &until) == 0) {
    }
    int status = r->complete ? r->status : -1;
    pthread_mutex_unlock(&r->h->mu);
    return status;
}

const char *otelc_test_http_body(otelc_test_http *t, size_t *len)
{
    otelc_http_req *r = R(&t->req);
    pthread_mutex_lock(&r->h->mu);
    const char *out = r->out;
    if (len)
        *len = r->out_len;
    pthread_mutex_unlock(&r->h->mu);
    return out;
}

const char *otelc_test_http_header(otelc_test_http *t, const char *name)
{
    otelc_http_req *r = R(&t->req);
    pthread_mutex_lock(&r->h->mu);
    const char *v = NULL;
    for (size_t i = 0; i + 1 < r->headers.n && !v; i += 2)
        if (strcasecmp(r->headers.items[i], name) == 0)
            v = r->headers.items[i + 1];
    pthread_mutex_unlock(&r->h->mu);
    return v;
}
