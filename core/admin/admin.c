/*
 * admin.c: the admin server: listeners, its thread and loop, dispatch.
 *
 * One event_base serves every listener; each listener is one evhttp with
 * its own scopes, so the health_check endpoint never shows /metrics or
 * /api. Routes are claimed under a mutex from any thread and never
 * removed, so dispatch may call a route it found after dropping the lock.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/thread.h>

#include "telemetry/log.h"

#define DEFAULT_MAX_HEADERS ((size_t)64 * 1024)
#define DEFAULT_MAX_BODY ((size_t)1024 * 1024)
#define ALLOW_MAX 128

/* ------------------------------------------------------------------ */
/* Dispatch (loop thread)                                              */
/* ------------------------------------------------------------------ */

static void reply_json(struct evhttp_request *ev, int status, const char *json,
                       const char *allow)
{
    struct evbuffer *body = evbuffer_new();
    struct evkeyvalq *out = evhttp_request_get_output_headers(ev);

    evhttp_add_header(out, "Content-Type", "application/json");
    if (allow && allow[0])
        evhttp_add_header(out, "Allow", allow);
    if (body)
        evbuffer_add(body, json, strlen(json));
    evhttp_send_reply(ev, status, NULL, body);
    if (body)
        evbuffer_free(body);
}

/* The request path split into seg (pointing into the returned copy). */
static char *split_request_path(struct evhttp_request *ev, const char **seg, size_t *nseg)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    char *copy = strdup(path && path[0] ? path : "/");

    if (!copy)
        return NULL;
    *nseg = admin_split_path(copy, seg);
    return copy;
}

/* The guard of the one scope a route belongs to, on listener l. */
static admin_auth *guard_of(const admin_listener *l, unsigned scope)
{
    for (unsigned bit = 0; bit < ADMIN_SCOPE_BITS; bit++)
        if (scope == 1u << bit)
            return l->auth_of[bit];
    return NULL;
}

/* Whether ev may reach route; when not, it was answered. Unknown paths
 * were answered 404 before this: they reveal only the route table, which
 * the docs publish anyway. */
static bool admitted(const admin_listener *l, const admin_entry *route,
                     struct evhttp_request *ev)
{
    admin_auth *guard = guard_of(l, route->scope);
    if (l->ssl_ctx && !admin_tls_request(ev)) {
        reply_json(ev, 503, "{\"error\":\"TLS unavailable\"}", NULL);
        return false;
    }
    return !guard || admin_guard_pass(guard, ev);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    admin_listener *l = arg;
    admin_server *a = l->server;
    const char *seg[ADMIN_MAX_SEGMENTS];
    char allow[ALLOW_MAX];
    const admin_entry *route = NULL;
    otelc_http_req *req;
    size_t nseg = 0;
    char *path = split_request_path(ev, seg, &nseg);

    allow[0] = '\0';
    if (path && nseg > 0) {
        pthread_mutex_lock(&a->lock);
        route = admin_entry_find(a->routes, l->scopes,
                                 admin_method_name(evhttp_request_get_command(ev)), seg, nseg, allow,
                                 sizeof(allow));
        pthread_mutex_unlock(&a->lock);
    }
    if (!route) {
        if (allow[0])
            reply_json(ev, 405, "{\"error\":\"method not allowed\"}", allow);
        else
            reply_json(ev, 404, "{\"error\":\"not found\"}", NULL);
        free(path);
        return;
    }
    if (!admitted(l, route, ev)) {
        free(path);
        return;
    }
    req = admin_req_new(a, ev, route, seg, nseg);
    free(path);
    if (!req) {
        reply_json(ev, 500, "{\"error\":\"out of memory\"}", NULL);
        return;
    }
    route->fn(route->arg, req);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    admin_server *a = arg;
    bool stopping;

    admin_drain_ops(a);
    pthread_mutex_lock(&a->ops_lock);
    stopping = a->stopping;
    pthread_mutex_unlock(&a->ops_lock);
    if (stopping) {
        /* Let the 503s reach their clients, but not wait on slow ones. */
        struct timeval guard = {1, 0};
        admin_close_open(a);
        if (a->closing == 0)
            event_base_loopbreak(a->base);
        else
            event_base_loopexit(a->base, &guard);
    }
}

/* ------------------------------------------------------------------ */
/* Server lifecycle                                                    */
/* ------------------------------------------------------------------ */

admin_server *admin_new(const admin_limits *limits)
{
    admin_server *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    a->limits.max_headers_size =
        limits && limits->max_headers_size ? limits->max_headers_size : DEFAULT_MAX_HEADERS;
    a->limits.max_body_size =
        limits && limits->max_body_size ? limits->max_body_size : DEFAULT_MAX_BODY;
    a->next_scope = ADMIN_SCOPE_COMPONENTS;
    if (pthread_mutex_init(&a->lock, NULL) != 0)
        goto out_free_server;
    if (pthread_mutex_init(&a->ops_lock, NULL) != 0)
        goto out_destroy_lock;
    a->base = event_base_new();
    if (!a->base)
        goto out_destroy_ops_lock;
    a->wake = event_new(a->base, -1, 0, on_wake, a);
    if (!a->wake)
        goto out_free_base;
    return a;

out_free_base:
    event_base_free(a->base);
out_destroy_ops_lock:
    pthread_mutex_destroy(&a->ops_lock);
out_destroy_lock:
    pthread_mutex_destroy(&a->lock);
out_free_server:
    free(a);
    return NULL;
}

static void *loop_main(void *arg)
{
    admin_server *a = arg;

    event_base_loop(a->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

int admin_start(admin_server *a, char *err, size_t errlen)
{
    int rc;

    if (a->running || a->stopping) {
        snprintf(err, errlen, "admin server started twice");
        return -1;
    }
    /* The thread inherits the host's mask (host.c): signals stay with the
     * main thread. */
    rc = pthread_create(&a->thread, NULL, loop_main, a);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the admin thread: %s", strerror(rc));
        return -1;
    }
    a->running = true;
    return 0;
}

void admin_stop(admin_server *a)
{
    if (!a || !a->running)
        return;
    pthread_mutex_lock(&a->ops_lock);
    a->stopping = true;
    pthread_mutex_unlock(&a->ops_lock);
    event_active(a->wake, 0, 0);
    pthread_join(a->thread, NULL);
    a->running = false;
}

void admin_free(admin_server *a)
{
    if (!a)
        return;
    admin_stop(a);
    while (a->listeners) {
        admin_listener *l = a->listeners;
        a->listeners = l->next;
        evhttp_free(l->http);
        admin_tls_ctx_free(l->ssl_ctx);
        free(l->endpoint);
        free(l);
    }
    admin_free_requests(a);
    while (a->routes) {
        admin_entry *r = a->routes;
        a->routes = r->next;
        admin_entry_free(r);
    }
    event_free(a->wake);
    event_base_free(a->base);
    pthread_mutex_destroy(&a->ops_lock);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* ------------------------------------------------------------------ */
/* Routes                                                              */
/* ------------------------------------------------------------------ */

/* True when some listener serves both scopes (or they are one scope). */
static bool scopes_meet(const admin_server *a, unsigned x, unsigned y)
{
    if (x & y)
        return true;
    for (const admin_listener *l = a->listeners; l; l = l->next) {
        if ((l->scopes & x) && (l->scopes & y))
            return true;
    }
    return false;
}

static const admin_entry *claimed_locked(const admin_server *a, const admin_entry *r)
{
    for (const admin_entry *o = a->routes; o; o = o->next) {
        if (admin_entry_same(o, r) && scopes_meet(a, o->scope, r->scope))
            return o;
    }
    return NULL;
}

int admin_route_scoped(admin_server *a, unsigned scope, const char *method, const char *pattern,
                       otelc_route_fn fn, void *arg)
{
    admin_entry *r = admin_entry_new(scope, method, pattern, fn, arg);
    const admin_entry *other;

    if (!r) {
        otelc_log(OTELC_LOG_ERROR, "admin", "route %s %s: invalid method or pattern",
                  method ? method : "(null)", pattern ? pattern : "(null)");
        return -1;
    }
    pthread_mutex_lock(&a->lock);
    other = claimed_locked(a, r);
    if (!other) {
        admin_entry **tail = &a->routes;
        while (*tail)
            tail = &(*tail)->next;
        *tail = r;
    }
    pthread_mutex_unlock(&a->lock);
    if (other) {
        otelc_log(OTELC_LOG_ERROR, "admin", "route %s %s: claimed already (as %s)", method,
                  pattern, other->pattern);
        admin_entry_free(r);
        return -1;
    }
    return 0;
}

unsigned admin_scope_new(admin_server *a)
{
    unsigned scope = a->next_scope;
    a->next_scope <<= 1; /* past the last bit it becomes 0: none left */
    return scope;
}

int admin_route(admin_server *a, const char *method, const char *pattern, otelc_route_fn fn,
                void *arg)
{
    return admin_route_scoped(a, ADMIN_SCOPE_API, method, pattern, fn, arg);
}

/* ------------------------------------------------------------------ */
/* Listeners (main thread, before start)                               */
/* ------------------------------------------------------------------ */

/* How the addresses of a new endpoint relate to listener l's. */
enum overlap { OVERLAP_NONE, OVERLAP_SAME, OVERLAP_PART };

static enum overlap overlap_of(const admin_listener *l, const admin_addr *addrs, size_t n,
                               bool port0)
{
    size_t common = 0;

    if (port0)
        return OVERLAP_NONE; /* a fresh port: nothing to share */
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < l->nwant; j++) {
            if (admin_addr_equal(&addrs[i], &l->want[j])) {
                common++;
                break;
            }
        }
    }
    if (common == 0)
        return OVERLAP_NONE;
    return common == n && n == l->nwant ? OVERLAP_SAME : OVERLAP_PART;
}

/* Gives the scopes an endpoint brings to l their guard; scopes l serves
 * already keep theirs. */
static void guard_scopes(admin_listener *l, unsigned scopes, const admin_guard *g)
{
    for (unsigned bit = 0; bit < ADMIN_SCOPE_BITS; bit++)
        if ((scopes & (1u << bit)) && !(l->scopes & (1u << bit)))
            l->auth_of[bit] = g ? g->auth : NULL;
}

/* Adds scopes to a shared listener unless two of its scopes would then
 * claim the same route, or the endpoint asks for other TLS. */
static int share_listener(admin_server *a, admin_listener *l, const char *endpoint,
                          unsigned scopes, const admin_guard *g, char *err, size_t errlen)
{
    unsigned all = l->scopes | scopes;
    int rc = 0;

    if (g && g->server && !otelc_tls_server_equal(&l->tls, g->server)) {
        snprintf(err, errlen,
                 "endpoint \"%s\" shares the listener of \"%s\", whose tls differs: give "
                 "both the same tls, or one an address of its own",
                 endpoint, l->endpoint);
        return -1;
    }
    pthread_mutex_lock(&a->lock);
    for (const admin_entry *x = a->routes; x && rc == 0; x = x->next) {
        for (const admin_entry *y = x->next; y && rc == 0; y = y->next) {
            if ((x->scope & all) && (y->scope & all) && x->scope != y->scope &&
                admin_entry_same(x, y)) {
                snprintf(err, errlen,
                         "endpoint \"%s\" shares the listener of \"%s\", where %s %s is "
                         "claimed twice",
                         endpoint, l->endpoint, x->method, x->pattern);
                rc = -1;
            }
        }
    }
    if (rc == 0) {
        guard_scopes(l, scopes, g);
        l->scopes = all;
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

static struct evhttp *make_http(admin_server *a, admin_listener *l)
{
    struct evhttp *http = evhttp_new(a->base);

    if (!http)
        return NULL;
    evhttp_set_max_headers_size(http, (ev_ssize_t)a->limits.max_headers_size);
    evhttp_set_max_body_size(http, (ev_ssize_t)a->limits.max_body_size);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                         EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                         EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    /* Handlers say what they send; evhttp's text/html guess would lie. */
    evhttp_set_default_content_type(http, NULL);
    evhttp_set_gencb(http, on_request, l);
    return http;
}

/* Hands the bound sockets to a fresh evhttp for l. */
static int open_listener(admin_server *a, admin_listener *l, int *fds, size_t nfds, char *err,
                         size_t errlen)
{
    size_t i;

    l->http = make_http(a, l);
    if (!l->http) {
        snprintf(err, errlen, "endpoint \"%s\": out of memory", l->endpoint);
        goto out_close_fds;
    }
    if (l->ssl_ctx)
        admin_tls_serve(l);
    for (i = 0; i < nfds; i++) {
        if (!evhttp_accept_socket_with_handle(l->http, fds[i])) {
            snprintf(err, errlen, "endpoint \"%s\": cannot accept connections", l->endpoint);
            goto out_free_http;
        }
    }
    return 0;

out_free_http:
    evhttp_free(l->http); /* closes the sockets it took */
    l->http = NULL;
    fds += i;
    nfds -= i;
out_close_fds:
    for (size_t j = 0; j < nfds; j++)
        close(fds[j]);
    return -1;
}

/* The TLS and guards a new listener takes from its first endpoint. */
static int secure_listener(admin_listener *l, unsigned scopes, const admin_guard *g, char *err,
                           size_t errlen)
{
    char why[400];
    if (g && g->server)
        l->tls = *g->server;
    guard_scopes(l, scopes, g);
    if (!l->tls.tls_on)
        return 0;
    l->ssl_ctx = admin_tls_ctx_new(&l->tls.tls, why, sizeof(why));
    if (!l->ssl_ctx) {
        snprintf(err, errlen, "endpoint \"%s\": %s", l->endpoint, why);
        return -1;
    }
    return 0;
}

static int new_listener(admin_server *a, const char *endpoint, unsigned scopes,
                        const admin_guard *g, admin_addr *addrs, size_t n, uint16_t *port,
                        char *err, size_t errlen)
{
    admin_listener *l = calloc(1, sizeof(*l));
    int fds[ADMIN_MAX_ADDRS];
    size_t nfds;

    if (!l || !(l->endpoint = strdup(endpoint))) {
        snprintf(err, errlen, "endpoint \"%s\": out of memory", endpoint);
        goto out_free_listener;
    }
    l->server = a;
    if (secure_listener(l, scopes, g, err, errlen) != 0)
        goto out_free_listener;
    l->scopes = scopes;
    if (admin_bind_all(endpoint, addrs, n, fds, &nfds, &l->port, err, errlen) != 0)
        goto out_free_listener;
    /* Known by its real port, so "127.0.0.1:<that port>" can share it. */
    l->nwant = n;
    for (size_t i = 0; i < n; i++) {
        l->want[i] = addrs[i];
        admin_addr_set_port(&l->want[i], l->port);
    }
    if (open_listener(a, l, fds, nfds, err, errlen) != 0)
        goto out_free_listener;
    pthread_mutex_lock(&a->lock);
    l->next = a->listeners;
    a->listeners = l;
    pthread_mutex_unlock(&a->lock);
    if (port)
        *port = l->port;
    return 0;

out_free_listener:
    if (l) {
        admin_tls_ctx_free(l->ssl_ctx);
        free(l->endpoint);
    }
    free(l);
    return -1;
}

int admin_endpoint_check(const char *endpoint, char *err, size_t errlen)
{
    admin_addr addrs[ADMIN_MAX_ADDRS];
    size_t n = 0;
    bool port0 = false;
    return admin_resolve(endpoint, addrs, &n, &port0, err, errlen);
}

bool admin_endpoint_is_local(const char *endpoint)
{
    admin_addr addrs[ADMIN_MAX_ADDRS];
    size_t n = 0;
    bool port0 = false;
    char err[300];
    return admin_resolve(endpoint, addrs, &n, &port0, err, sizeof(err)) == 0 &&
           admin_addrs_local(addrs, n);
}

int admin_listen(admin_server *a, const char *endpoint, unsigned scopes, uint16_t *port,
                 char *err, size_t errlen)
{
    return admin_listen_guarded(a, endpoint, scopes, NULL, port, err, errlen);
}

int admin_listen_guarded(admin_server *a, const char *endpoint, unsigned scopes,
                         const admin_guard *g, uint16_t *port, char *err, size_t errlen)
{
    admin_addr addrs[ADMIN_MAX_ADDRS];
    size_t n = 0;
    bool port0 = false;

    if (a->running) {
        snprintf(err, errlen, "endpoint \"%s\": listeners are added before the server starts",
                 endpoint ? endpoint : "");
        return -1;
    }
    if (admin_resolve(endpoint, addrs, &n, &port0, err, errlen) != 0)
        return -1;
    for (admin_listener *l = a->listeners; l; l = l->next) {
        switch (overlap_of(l, addrs, n, port0)) {
        case OVERLAP_SAME:
            if (share_listener(a, l, endpoint, scopes, g, err, errlen) != 0)
                return -1;
            if (port)
                *port = l->port;
            return 0;
        case OVERLAP_PART:
            snprintf(err, errlen, "endpoint \"%s\" overlaps endpoint \"%s\" but is not the same",
                     endpoint, l->endpoint);
            return -1;
        case OVERLAP_NONE:
            break;
        }
    }
    return new_listener(a, endpoint, scopes, g, addrs, n, port, err, errlen);
}
