/*
 * admin_int.h: what the admin server's files share (admin.c: server, loop
 * and dispatch; admin_bind.c: endpoints to sockets; admin_table.c: routes;
 * admin_req.c: requests and answers). Not for other modules.
 */
#ifndef OTELC_CORE_ADMIN_INT_H
#define OTELC_CORE_ADMIN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "admin.h"
#include "telemetry/health.h"

#define ADMIN_MAX_SEGMENTS 32
#define ADMIN_MAX_ADDRS 8

/* ---- endpoints (admin_bind.c) ---- */

typedef struct admin_addr {
    struct sockaddr_storage ss;
    socklen_t len;
} admin_addr;

/* Resolves endpoint into up to ADMIN_MAX_ADDRS distinct addresses; *port0
 * tells whether it asked for port 0. 0, or -1 with a message. */
int admin_resolve(const char *endpoint, admin_addr *out, size_t *n, bool *port0, char *err,
                  size_t errlen);

/* Binds and listens on each address (non-blocking, close-on-exec),
 * skipping families the machine lacks; with port 0 all share the first
 * one's port. Fills fds (*nfds of them) and *port. 0, or -1 with a message
 * and nothing left open. */
int admin_bind_all(const char *endpoint, admin_addr *addrs, size_t n, int *fds, size_t *nfds,
                   uint16_t *port, char *err, size_t errlen);

/* "127.0.0.1:13133" or "[::1]:13133". */
void admin_addr_format(const admin_addr *a, char *buf, size_t len);
bool admin_addr_equal(const admin_addr *x, const admin_addr *y);
void admin_addr_set_port(admin_addr *a, uint16_t port);

/* True when every address is a loopback one. */
bool admin_addrs_local(const admin_addr *addrs, size_t n);

/* ---- routes (admin_table.c); callers hold admin_server.lock ---- */

typedef struct admin_entry {
    struct admin_entry *next;
    unsigned scope;
    char *method;
    char *pattern; /* as claimed, for messages */
    char *storage; /* the split pattern; seg[] points in here */
    const char *seg[ADMIN_MAX_SEGMENTS];
    bool param[ADMIN_MAX_SEGMENTS];
    size_t nseg;
    otelc_route_fn fn;
    void *arg;
} admin_entry;

/* Splits a path in place at '/' ("/" is one empty segment). Returns the
 * number of segments, or 0 when there are more than ADMIN_MAX_SEGMENTS or
 * the path does not start with '/'. */
size_t admin_split_path(char *path, const char **seg);

/* "GET", "POST", ... for evhttp's command; "OTHER" for the rest. */
const char *admin_method_name(enum evhttp_cmd_type cmd);

/* A route for (scope, method, pattern), or NULL (invalid, or OOM). */
admin_entry *admin_entry_new(unsigned scope, const char *method, const char *pattern,
                             otelc_route_fn fn, void *arg);
void admin_entry_free(admin_entry *r);

/* True when x and y claim the same requests: same method and segments,
 * parameters counting as equal whatever their names. */
bool admin_entry_same(const admin_entry *x, const admin_entry *y);

/* The most specific route among `routes` serving one of `scopes` that
 * matches method and path; NULL if none. When none matches but the path
 * matches other methods, *allow lists them ("GET, POST"); else it is "". */
const admin_entry *admin_entry_find(const admin_entry *routes, unsigned scopes,
                                    const char *method, const char *const *seg, size_t nseg,
                                    char *allow, size_t allowlen);

/* ---- the server ---- */

#define ADMIN_SCOPE_BITS 32

typedef struct admin_listener {
    struct admin_listener *next;
    admin_server *server;
    struct evhttp *http;
    unsigned scopes; /* under server->lock once running */
    char *endpoint;
    admin_addr want[ADMIN_MAX_ADDRS]; /* as resolved, with the bound port */
    size_t nwant;
    uint16_t port;
    otelc_http_server tls;     /* its first endpoint's TLS settings */
    void *ssl_ctx;             /* SSL_CTX * when tls.tls_on */
    /* The guard of each scope, by bit number; set before start. */
    admin_auth *auth_of[ADMIN_SCOPE_BITS];
} admin_listener;

typedef struct admin_op admin_op;

struct admin_server {
    struct event_base *base;
    struct event *wake; /* drains posted answers on the loop */
    admin_limits limits;
    pthread_t thread;
    bool running;

    pthread_mutex_t lock; /* routes and listeners' scopes */
    admin_entry *routes;
    admin_listener *listeners;
    unsigned next_scope; /* admin_scope_new's next bit; 0: none left */

    pthread_mutex_t ops_lock; /* answers posted from any thread */
    admin_op *ops_head, *ops_tail;
    bool stopping;

    otelc_http_req *open; /* requests not yet complete; loop thread */
    int closing;          /* 503s of a stop still being written; loop thread */

    health_model *health; /* admin_routes_install's, for the health_check */
};

/* ---- TLS (admin_tls.c) ---- */

/* A server context for t (cert, key, client CA, versions); NULL with a
 * message in err. Main thread. */
void *admin_tls_ctx_new(const otelc_tls_server *t, char *err, size_t errlen);
void admin_tls_ctx_free(void *ssl_ctx);
/* Makes evhttp hand l's connections to OpenSSL. */
void admin_tls_serve(admin_listener *l);
/* Whether ev came over TLS (evhttp falls back to plain sockets when its
 * bufferevent callback fails, so a TLS listener checks each request). */
bool admin_tls_request(struct evhttp_request *ev);

/* ---- authentication (admin_guard.c), loop thread ---- */

/* Whether ev may reach a route of the scope guard belongs to; when not,
 * ev was answered 401 and the refusal counted and logged. */
bool admin_guard_pass(admin_auth *guard, struct evhttp_request *ev);

/* ---- requests (admin_req.c) ---- */

/* Builds the request object for ev matched by route (copies headers,
 * query, body, decoded parameters) and links it into a->open. Loop thread.
 * NULL if memory ran out. */
otelc_http_req *admin_req_new(admin_server *a, struct evhttp_request *ev,
                              const admin_entry *route, const char *const *seg, size_t nseg);

/* Applies every posted answer; loop thread (or any thread once the loop
 * has stopped). */
void admin_drain_ops(admin_server *a);

/* Answers every open request with 503 on behalf of the plugin (on stop)
 * and counts in a->closing those still being written; each one's end
 * breaks the loop when it is the last. Loop thread. */
void admin_close_open(admin_server *a);

/* Frees every request still open and every posted answer (admin_free). */
void admin_free_requests(admin_server *a);

#endif
