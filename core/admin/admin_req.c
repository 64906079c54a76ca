/*
 * admin_req.c: admin requests and their answers.
 *
 * A request copies what the handler may read (headers, query, body,
 * parameters) when it is made: evhttp frees its own request object when
 * the connection dies, and the plugin may read ours from another thread
 * until it answers.
 *
 * Answers are posted, from any thread, as ops to the admin loop, which
 * applies them in order. The final op of a request (respond, stream end)
 * is embedded in the request, so finishing never needs memory; only
 * chunks are allocated. After its final op the request is freed.
 *
 * A client that goes away is noticed by evhttp only when it writes (it
 * stops reading once a request is in). evhttp then detaches its request
 * from the dead connection and frees it on the next evhttp_send_reply or
 * evhttp_send_reply_end, which is why the final op always makes one of
 * those calls; the close callback only stops further writes.
 */
#include "admin_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "telemetry/log.h"

#define REQ_MAGIC 0xad31e90fu

enum req_state { REQ_OPEN = 0, REQ_STREAMING = 1, REQ_DONE = 2 };
typedef enum op_kind { OP_RESPOND, OP_START, OP_CHUNK, OP_END } op_kind;

struct admin_op {
    admin_op *next;
    otelc_http_req *req;
    op_kind kind;
    int status;
    struct evkeyvalq headers; /* RESPOND, START */
    struct evbuffer *data;    /* RESPOND, CHUNK; NULL if it could not be made */
};

struct otelc_http_req {
    uint32_t magic;
    admin_server *server;
    struct evhttp_request *ev; /* loop thread; NULL once evhttp freed it or the host answered */
    atomic_int state;          /* enum req_state, moved by the answering thread */
    bool client_gone;          /* loop thread */
    bool streaming;            /* loop thread: the stream's head was sent */
    otelc_http_req *prev, *next; /* server->open; loop thread */
    char *method;
    char *path;
    size_t nparams;
    const char *param_names[ADMIN_MAX_SEGMENTS]; /* the route's; live forever */
    char *param_values[ADMIN_MAX_SEGMENTS];
    size_t nquery;
    char **query; /* decoded key, value, key, value, ... */
    struct evkeyvalq headers;
    uint8_t *body;
    size_t body_len;
    admin_op start_op, final_op;
};

static otelc_http_req *checked(otelc_http_req *r)
{
    assert(r && r->magic == REQ_MAGIC);
    return r;
}

/* ------------------------------------------------------------------ */
/* Making and freeing requests                                         */
/* ------------------------------------------------------------------ */

static void req_free(otelc_http_req *r)
{
    for (size_t i = 0; i < r->nparams; i++)
        free(r->param_values[i]);
    for (size_t i = 0; i < 2 * r->nquery; i++)
        free(r->query[i]);
    free(r->query);
    evhttp_clear_headers(&r->headers);
    evhttp_clear_headers(&r->start_op.headers);
    evhttp_clear_headers(&r->final_op.headers);
    if (r->start_op.data)
        evbuffer_free(r->start_op.data);
    if (r->final_op.data)
        evbuffer_free(r->final_op.data);
    free(r->method);
    free(r->path);
    free(r->body);
    r->magic = 0;
    free(r);
}

static void req_unlink(otelc_http_req *r)
{
    admin_server *a = r->server;

    if (r->prev)
        r->prev->next = r->next;
    else if (a->open == r)
        a->open = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static int copy_headers(otelc_http_req *r, struct evhttp_request *ev)
{
    const struct evkeyval *kv;

    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(ev), next)
    {
        if (evhttp_add_header(&r->headers, kv->key, kv->value) != 0)
            return -1;
    }
    return 0;
}

static int copy_body(otelc_http_req *r, struct evhttp_request *ev)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    size_t len = in ? evbuffer_get_length(in) : 0;

    r->body = malloc(len + 1);
    if (!r->body)
        return -1;
    if (len > 0 && evbuffer_copyout(in, r->body, len) != (ev_ssize_t)len)
        return -1;
    r->body[len] = '\0';
    r->body_len = len;
    return 0;
}

static int copy_params(otelc_http_req *r, const admin_entry *route, const char *const *seg,
                       size_t nseg)
{
    for (size_t i = 0; i < nseg; i++) {
        if (!route->param[i])
            continue;
        r->param_names[r->nparams] = route->seg[i];
        r->param_values[r->nparams] = evhttp_uridecode(seg[i], 0, NULL);
        if (!r->param_values[r->nparams])
            return -1;
        r->nparams++;
    }
    return 0;
}

/* Splits the query into decoded pairs. evhttp's own parser is not used:
 * it drops the whole query for one key without '=' ("?a=1&debug"). */
static int parse_query(otelc_http_req *r, const char *query)
{
    char *copy = strdup(query), *rest = copy, *tok;
    size_t max = 1;
    int rc = 0;

    for (const char *p = query; *p; p++)
        max += *p == '&';
    r->query = calloc(2 * max, sizeof(char *));
    if (!copy || !r->query) {
        free(copy);
        return -1;
    }
    while (rc == 0 && (tok = strsep(&rest, "&")) != NULL) {
        char *eq = strchr(tok, '=');
        if (*tok == '\0' || eq == tok)
            continue;
        if (eq)
            *eq = '\0';
        r->query[2 * r->nquery] = evhttp_uridecode(tok, 1, NULL);
        r->query[2 * r->nquery + 1] = evhttp_uridecode(eq ? eq + 1 : "", 1, NULL);
        rc = r->query[2 * r->nquery] && r->query[2 * r->nquery + 1] ? 0 : -1;
        r->nquery++; /* freed with the request whatever happened */
    }
    free(copy);
    return rc;
}

/* Copies the request's method, path and query. */
static int copy_line(otelc_http_req *r, struct evhttp_request *ev)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;

    r->method = strdup(admin_method_name(evhttp_request_get_command(ev)));
    r->path = strdup(path && path[0] ? path : "/");
    if (!r->method || !r->path)
        return -1;
    return query ? parse_query(r, query) : 0;
}

static void on_client_close(struct evhttp_connection *conn, void *arg)
{
    otelc_http_req *r = arg;

    r->client_gone = true;
    /* Still attached: evhttp frees the request with the connection (it
     * does so on admin_free). Detached: it waits for our final call. */
    if (r->ev && evhttp_request_get_connection(r->ev) != NULL)
        r->ev = NULL;
}

otelc_http_req *admin_req_new(admin_server *a, struct evhttp_request *ev,
                              const admin_entry *route, const char *const *seg, size_t nseg)
{
    otelc_http_req *r = calloc(1, sizeof(*r));
    struct evhttp_connection *conn;

    if (!r)
        return NULL;
    r->magic = REQ_MAGIC;
    r->server = a;
    TAILQ_INIT(&r->headers);
    TAILQ_INIT(&r->start_op.headers);
    TAILQ_INIT(&r->final_op.headers);
    atomic_init(&r->state, REQ_OPEN);
    if (copy_line(r, ev) != 0 || copy_headers(r, ev) != 0 || copy_body(r, ev) != 0 ||
        copy_params(r, route, seg, nseg) != 0) {
        req_free(r);
        return NULL;
    }
    r->ev = ev;
    r->next = a->open;
    if (a->open)
        a->open->prev = r;
    a->open = r;
    conn = evhttp_request_get_connection(ev);
    if (conn)
        evhttp_connection_set_closecb(conn, on_client_close, r);
    return r;
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */
/* ------------------------------------------------------------------ */

const char *admin_req_param(otelc_http_req *r, const char *name)
{
    r = checked(r);
    for (size_t i = 0; i < r->nparams; i++) {
        if (strcmp(r->param_names[i], name) == 0)
            return r->param_values[i];
    }
    return NULL;
}

const char *admin_req_query(otelc_http_req *r, const char *name)
{
    r = checked(r);
    for (size_t i = 0; i < r->nquery; i++) {
        if (strcmp(r->query[2 * i], name) == 0)
            return r->query[2 * i + 1];
    }
    return NULL;
}

const char *admin_req_header(otelc_http_req *r, const char *name)
{
    return evhttp_find_header(&checked(r)->headers, name);
}

const uint8_t *admin_req_body(otelc_http_req *r, size_t *len)
{
    r = checked(r);
    if (len)
        *len = r->body_len;
    return r->body;
}

const char *admin_req_method(otelc_http_req *r)
{
    return checked(r)->method;
}

const char *admin_req_path(otelc_http_req *r)
{
    return checked(r)->path;
}

/* ------------------------------------------------------------------ */
/* Posting answers (any thread)                                        */
/* ------------------------------------------------------------------ */

static void post(otelc_http_req *r, admin_op *op)
{
    admin_server *a = r->server;

    op->req = r;
    op->next = NULL;
    pthread_mutex_lock(&a->ops_lock);
    if (a->ops_tail)
        a->ops_tail->next = op;
    else
        a->ops_head = op;
    a->ops_tail = op;
    pthread_mutex_unlock(&a->ops_lock);
    event_active(a->wake, 0, 0);
}

static bool header_ok(const char *key, const char *value)
{
    return value && key[0] && !strpbrk(key, "\r\n:") && !strpbrk(value, "\r\n");
}

static void set_headers(admin_op *op, const char *const *headers)
{
    for (const char *const *h = headers; h && h[0]; h += 2) {
        if (!header_ok(h[0], h[1])) {
            otelc_log(OTELC_LOG_WARN, "admin", "dropping a malformed response header");
            if (!h[1])
                break;
            continue;
        }
        evhttp_add_header(&op->headers, h[0], h[1]);
    }
}

/* A buffer holding a copy of data; NULL if memory ran out. */
static struct evbuffer *copy_data(const void *data, size_t len)
{
    struct evbuffer *b = evbuffer_new();

    if (b && len > 0 && evbuffer_add(b, data, len) != 0) {
        evbuffer_free(b);
        return NULL;
    }
    return b;
}

static bool move_state(otelc_http_req *r, int from, int to, const char *what)
{
    int expected = from;

    if (atomic_compare_exchange_strong(&r->state, &expected, to))
        return true;
    otelc_log(OTELC_LOG_ERROR, "admin", "%s %s: %s out of order (one answer per request)",
              r->method, r->path, what);
    return false;
}

void admin_respond(otelc_http_req *r, int status, const char *const *headers, const void *body,
                   size_t len)
{
    admin_op *op;

    r = checked(r);
    if (!move_state(r, REQ_OPEN, REQ_DONE, "http_respond"))
        return;
    op = &r->final_op;
    op->kind = OP_RESPOND;
    op->status = status;
    set_headers(op, headers);
    op->data = copy_data(body, len);
    if (!op->data)
        op->status = 500; /* still an answer, so the client is not left hanging */
    post(r, op);
}

void admin_stream_start(otelc_http_req *r, int status, const char *const *headers)
{
    admin_op *op;

    r = checked(r);
    if (!move_state(r, REQ_OPEN, REQ_STREAMING, "http_stream_start"))
        return;
    op = &r->start_op;
    op->kind = OP_START;
    op->status = status;
    set_headers(op, headers);
    post(r, op);
}

void admin_stream_chunk(otelc_http_req *r, const void *data, size_t len)
{
    admin_op *op;

    r = checked(r);
    if (atomic_load(&r->state) != REQ_STREAMING) {
        otelc_log(OTELC_LOG_ERROR, "admin", "%s %s: http_stream_chunk outside a stream",
                  r->method, r->path);
        return;
    }
    if (len == 0)
        return;
    op = calloc(1, sizeof(*op));
    if (op)
        op->data = copy_data(data, len);
    if (!op || !op->data) {
        otelc_log(OTELC_LOG_ERROR, "admin", "%s %s: out of memory, a chunk is lost", r->method,
                  r->path);
        free(op);
        return;
    }
    op->kind = OP_CHUNK;
    TAILQ_INIT(&op->headers);
    post(r, op);
}

void admin_stream_end(otelc_http_req *r)
{
    r = checked(r);
    if (!move_state(r, REQ_STREAMING, REQ_DONE, "http_stream_end"))
        return;
    r->final_op.kind = OP_END;
    post(r, &r->final_op);
}

/* ------------------------------------------------------------------ */
/* Applying answers (loop thread)                                      */
/* ------------------------------------------------------------------ */

static void move_headers(struct evkeyvalq *from, struct evhttp_request *ev)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(ev);
    const struct evkeyval *kv;

    TAILQ_FOREACH(kv, from, next)
    {
        evhttp_add_header(out, kv->key, kv->value);
    }
    evhttp_clear_headers(from);
}

/* The request's last evhttp call is near: its connection must not call
 * back into a request we are about to free. */
static void forget_connection(otelc_http_req *r)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(r->ev);

    if (conn)
        evhttp_connection_set_closecb(conn, NULL, NULL);
}

static void finish(otelc_http_req *r)
{
    req_unlink(r);
    req_free(r);
}

static void apply(admin_op *op)
{
    otelc_http_req *r = op->req;

    switch (op->kind) {
    case OP_RESPOND:
        if (r->ev) {
            move_headers(&op->headers, r->ev);
            forget_connection(r);
            evhttp_send_reply(r->ev, op->status, NULL, op->data);
        }
        finish(r);
        break;
    case OP_START:
        if (r->ev) {
            move_headers(&op->headers, r->ev);
            evhttp_send_reply_start(r->ev, op->status, NULL);
            r->streaming = true;
        }
        break;
    case OP_CHUNK:
        if (r->ev && !r->client_gone)
            evhttp_send_reply_chunk(r->ev, op->data);
        evbuffer_free(op->data);
        free(op);
        break;
    case OP_END:
        if (r->ev) {
            forget_connection(r);
            evhttp_send_reply_end(r->ev);
        }
        finish(r);
        break;
    }
}

void admin_drain_ops(admin_server *a)
{
    admin_op *op;

    pthread_mutex_lock(&a->ops_lock);
    op = a->ops_head;
    a->ops_head = a->ops_tail = NULL;
    pthread_mutex_unlock(&a->ops_lock);
    while (op) {
        admin_op *next = op->next;
        apply(op);
        op = next;
    }
}

static void on_closing_written(struct evhttp_request *ev, void *arg)
{
    admin_server *a = arg;

    if (--a->closing == 0)
        event_base_loopbreak(a->base);
}

/* Ends a request on the plugin's behalf; the plugin's own answer, when
 * it comes, then only frees the object. */
static void close_one(otelc_http_req *r)
{
    static const char body[] = "{\"error\":\"shutting down\"}";
    struct evbuffer *buf;

    if (evhttp_request_get_connection(r->ev)) {
        evhttp_request_set_on_complete_cb(r->ev, on_closing_written, r->server);
        r->server->closing++;
    }
    forget_connection(r);
    if (!r->streaming) {
        buf = copy_data(body, sizeof(body) - 1);
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Type",
                          "application/json");
        evhttp_send_reply(r->ev, 503, NULL, buf);
        if (buf)
            evbuffer_free(buf);
    } else {
        evhttp_send_reply_end(r->ev);
    }
    r->ev = NULL;
}

void admin_close_open(admin_server *a)
{
    for (otelc_http_req *r = a->open; r; r = r->next) {
        if (r->ev)
            close_one(r);
    }
}

void admin_free_requests(admin_server *a)
{
    otelc_http_req *r;

    admin_drain_ops(a);
    r = a->open;
    a->open = NULL;
    while (r) {
        otelc_http_req *next = r->next;
        req_free(r);
        r = next;
    }
}
