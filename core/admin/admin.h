/*
 * admin.h: the host's admin HTTP server (libevent evhttp on a thread and
 * event_base of its own).
 *
 * Routes belong to scopes, and each listener serves some scopes:
 *   API           plugin routes and GET /health (the admin endpoint)
 *   METRICS       GET /metrics (admin endpoint, telemetry metrics endpoint)
 *   HEALTH_CHECK  the health_check extension's path (its endpoint)
 * An endpoint whose addresses equal an existing listener's shares it and
 * adds its scopes (the health_check on the admin address: its path joins
 * the admin routes); one that overlaps partly, binds a busy address, or
 * brings a route that another scope on the shared listener claims already,
 * is a start error with a message.
 *
 * Requests are otelc_http_req objects (see otelc/plugin.h): handlers run on
 * the admin thread and answer now or later from any thread; answers are
 * posted to the admin loop. A request stays valid until its answer is
 * complete (http_respond, or http_stream_end), also when the client went
 * away meanwhile; it is freed after that.
 *
 * The process must call evthread_use_pthreads() before admin_new().
 */
#ifndef OTELC_CORE_ADMIN_H
#define OTELC_CORE_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "config/config_server.h"

typedef struct admin_server admin_server;

enum admin_scope {
    ADMIN_SCOPE_API = 1u << 0,
    ADMIN_SCOPE_METRICS = 1u << 1,
    ADMIN_SCOPE_HEALTH_CHECK = 1u << 2,
    ADMIN_SCOPE_COMPONENTS = 1u << 3, /* the first of the scopes admin_scope_new hands out */
};

typedef struct admin_limits {
    size_t max_headers_size; /* headers; 0 means 64 KiB (evhttp: 400 past it) */
    size_t max_body_size;    /* 0 means 1 MiB (413 past it) */
} admin_limits;

/* An authenticator guarding the routes an endpoint brings to a listener.
 * Its owner (the host) keeps it until admin_free and fills service and
 * state before admin_start; while service is NULL every request to those
 * routes is refused (never let through). A refusal is answered 401 with
 * challenge as WWW-Authenticate (when not NULL) before the route runs,
 * counted in refusals (when not NULL) and logged at most every 10 s under
 * owner's name. The last two members are the server's. */
typedef struct admin_auth {
    const otelc_auth_server *service;
    void *state;
    const char *challenge; /* static text, or NULL */
    const char *owner;     /* "service.admin", a component id; outlives the server */
    otelc_series *refusals;
    int64_t logged_ns;     /* admin thread */
    size_t unlogged;       /* admin thread */
} admin_auth;

/* What an endpoint asks of the listener that serves it. */
typedef struct admin_guard {
    /* TLS to serve (tls_on false: plain HTTP). An endpoint sharing a
     * listener must ask the same TLS. NULL: the endpoint has no TLS
     * settings and takes the listener as it is. Read during the call. */
    const otelc_http_server *server;
    admin_auth *auth; /* NULL: the endpoint's routes are open */
} admin_guard;

/* A stopped server with no listeners and no routes; limits may be NULL
 * for the defaults. Returns NULL if memory ran out. Main thread. */
admin_server *admin_new(const admin_limits *limits);

/* Stops the server if it runs, frees listeners, routes and every request
 * still open. Plugins must be shut down before: an answer given after
 * this call touches freed memory. NULL is allowed. Main thread. */
void admin_free(admin_server *a);

/* Listens on endpoint "host:port", "[v6]:port" or ":port" (no host: localhost)
 * for the given scopes: every address the host resolves to is bound
 * (localhost: 127.0.0.1 and ::1; a family the machine lacks is skipped).
 * Port 0 picks a free port, the same for all the endpoint's addresses (an
 * endpoint with port 0 never shares a listener; one naming the port it got
 * does). *port (may be NULL) receives the bound port.
 * Returns 0, or -1 with a message in err. Before admin_start, main thread. */
int admin_listen(admin_server *a, const char *endpoint, unsigned scopes, uint16_t *port,
                 char *err, size_t errlen);

/* admin_listen with what the endpoint asks (g may be NULL: no guard).
 * With TLS the listener loads cert_file, key_file and client_ca_file now
 * (a file that cannot be read or a key that does not match is an error
 * in err) and serves only TLS connections. The scopes the endpoint brings
 * to a listener are guarded by g->auth; a scope the listener serves
 * already keeps its guard. Sharing a listener whose TLS differs is an
 * error. */
int admin_listen_guarded(admin_server *a, const char *endpoint, unsigned scopes,
                         const admin_guard *g, uint16_t *port, char *err, size_t errlen);

/* Whether every address endpoint resolves to is a loopback one (127/8,
 * ::1): only this machine can connect. False when it does not resolve. */
bool admin_endpoint_is_local(const char *endpoint);

/* Whether endpoint is one admin_listen could bind (syntax, resolution),
 * without binding it. Returns 0, or -1 with a message in err. */
int admin_endpoint_check(const char *endpoint, char *err, size_t errlen);

/* Starts the admin thread, which serves every listener. Once only (a
 * stopped server does not restart). Returns 0, or -1 with a message in
 * err. Main thread. */
int admin_start(admin_server *a, char *err, size_t errlen);

/* Answers every request still open with 503 (plugins' later answers are
 * then dropped), stops the loop and joins the thread. Idempotent; safe
 * without start. Main thread. */
void admin_stop(admin_server *a);

/* Claims (method, pattern) in the API scope; the host table's route().
 * pattern is a path whose segments may be {name} parameters; exact
 * segments win over parameters. fn(arg, req) runs on the admin thread.
 * Returns 0, or -1 (and logs why) when the pattern or method is invalid
 * or the route is claimed already, in this scope or in one that shares a
 * listener with it. Any thread, before or after start. */
int admin_route(admin_server *a, const char *method, const char *pattern, otelc_route_fn fn,
                void *arg);

/* A scope of its own (one bit from ADMIN_SCOPE_COMPONENTS up) for a
 * component that serves its routes on an endpoint of its own; 0 once every
 * bit is taken. Main thread, before admin_start. */
unsigned admin_scope_new(admin_server *a);

/* Like admin_route in the scope given (one ADMIN_SCOPE_* value). */
int admin_route_scoped(admin_server *a, unsigned scope, const char *method, const char *pattern,
                       otelc_route_fn fn, void *arg);

/* The health_check extension: claims its path (as admin_routes.h's
 * admin_routes_install_health_check, with the model admin_routes_install
 * was given) and listens on endpoint for it (as admin_listen_guarded with
 * scope HEALTH_CHECK and g, which may be NULL: on the admin address it
 * shares the admin listener; *port, when not NULL, gets the port).
 * Returns 0, or -1 after logging why. Main thread, before admin_start and
 * after admin_routes_install. */
int admin_add_health_check(admin_server *a, const char *endpoint, const char *path,
                           const admin_guard *g, uint16_t *port);

/* Request accessors: the host table's http_param, http_query, http_header
 * and http_body. The strings are the request's (decoded; header names
 * match in any case) and live until the answer is complete; NULL when
 * absent. http_body never returns NULL (an empty body is ""). Any thread. */
const char *admin_req_param(otelc_http_req *r, const char *name);
const char *admin_req_query(otelc_http_req *r, const char *name);
const char *admin_req_header(otelc_http_req *r, const char *name);
const uint8_t *admin_req_body(otelc_http_req *r, size_t *len);

/* The request's method ("GET") and path without the query ("/api/x"). */
const char *admin_req_method(otelc_http_req *r);
const char *admin_req_path(otelc_http_req *r);

/* Answers: the host table's http_respond and http_stream_*. headers is
 * key, value, ..., NULL (may be NULL; a pair with CR or LF is dropped);
 * body and chunks are copied before the call returns. Exactly one answer
 * per request: respond once, or stream_start, any chunks, stream_end; a
 * call out of that order is logged and ignored. Any thread. */
void admin_respond(otelc_http_req *r, int status, const char *const *headers, const void *body,
                   size_t len);
void admin_stream_start(otelc_http_req *r, int status, const char *const *headers);
void admin_stream_chunk(otelc_http_req *r, const void *data, size_t len);
void admin_stream_end(otelc_http_req *r);

#endif
