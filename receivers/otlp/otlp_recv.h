/*
 * otlp_recv.h: the otlp receiver's runtime objects and how they relate.
 *
 *   otlp_recv     one plugin instance: up to two servers, shared HTTP/2
 *                 callbacks, the shutdown state
 *   otlp_server   one port: the gRPC port or the HTTP port, each with its
 *                 settings, TLS context and N loops; only the protocols
 *                 the config names run
 *   otlp_loop     one thread with its event_base and mailbox; loop 0 of a
 *                 server also owns its listeners and deals accepted
 *                 sockets out
 *   otlp_conn     one client connection: bufferevent plus either an
 *                 nghttp2 session (gRPC, or h2c on the HTTP port) or an
 *                 HTTP/1.1 parser; touched only on its loop's thread. On
 *                 the HTTP port a connection starts by peeking at its first
 *                 bytes: the HTTP/2 preface makes it h2, anything else
 *                 HTTP/1.1.
 *   otlp_stream   one HTTP/2 stream = one gRPC call or one OTLP/HTTP
 *                 export; refcounted, because a pipeline completion may
 *                 outlive the stream
 *   h1_req        one HTTP/1.1 request (h1_conn.c), refcounted likewise
 *
 * Lifetimes: a stream holds a mailbox reference; the connection holds a
 * stream reference while the stream is open, and a PENDING emit holds one
 * until its completion was handled. When the connection or stream goes
 * away first, stream->conn becomes NULL ("orphaned") and the completion
 * only drops its reference. HTTP/1.1 requests follow the same rules.
 */
#ifndef OTELC_OTLP_RECV_H
#define OTELC_OTLP_RECV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>
#include <otelc/plugin.h>

#include "grpc_frame.h"
#include "grpc_inflate.h"
#include "http_answer.h"
#include "http_xchg.h"
#include "mailbox.h"
#include "metadata.h"
#include "otlp_config.h"

typedef struct otlp_recv otlp_recv;
typedef struct otlp_server otlp_server;
typedef struct otlp_loop otlp_loop;
typedef struct otlp_conn otlp_conn;
typedef struct otlp_stream otlp_stream;
typedef struct h1_conn h1_conn;

typedef enum otlp_proto {
    OTLP_GRPC = 0, /* protocols.grpc */
    OTLP_HTTP = 1, /* protocols.http */
    OTLP_NPROTO = 2,
} otlp_proto;

struct otlp_stream {
    mb_node node;          /* first: completions are posted by this link */
    atomic_int refs;
    mailbox *mb;           /* of the stream's loop; a reference */
    otlp_conn *conn;       /* NULL once orphaned; loop thread only */
    otlp_stream *prev, *next;
    int32_t id;
    bool http;             /* an OTLP/HTTP export, not a gRPC call */
    bool head;             /* OTLP/HTTP: a HEAD request, answered without a body */
    grpc_frame_reader rd;  /* gRPC */
    grpc_encoding enc;     /* gRPC */
    http_xchg hx;          /* OTLP/HTTP */
    http_answer *ans;      /* OTLP/HTTP: the answer being sent */
    otlp_meta meta;
    otlp_meta authh;       /* every header, while an authenticator waits for them */
    size_t held;           /* inflight bytes counted for this stream */
    size_t header_bytes;
    int64_t received_ns;
    int64_t begin_ns;      /* monotonic: when its headers began (read_timeout) */
    int64_t body_ns;       /* OTLP/HTTP: when its headers ended (min_body_rate) */
    uint64_t body_got;     /* OTLP/HTTP: body bytes so far */
    otelc_status outcome;  /* written by the completing thread */
    size_t resp_sent;      /* bytes of the response body sent */
    bool is_post, type_ok, saw_type, answered, awaiting, ended;
    int route;             /* grpc_route */
    otelc_signal signal;   /* gRPC: the service's, once its route is known */
};

typedef enum conn_mode {
    CONN_SNIFF = 0, /* HTTP port: waiting for the first bytes */
    CONN_H2 = 1,
    CONN_H1 = 2,
} conn_mode;

struct otlp_conn {
    otlp_recv *r;
    otlp_server *srv;
    otlp_loop *loop;
    struct bufferevent *bev;
    conn_mode mode;
    nghttp2_session *h2;   /* CONN_H2 */
    h1_conn *h1;           /* CONN_H1 */
    struct event *timer;
    otlp_stream *streams;
    size_t nstreams, awaiting, held;
    bool paused, dead, goaway, closing;
    int64_t born_ns, last_input_ns, idle_since_ns, ping_sent_ns, goaway_ns, client_ping_ns;
    int64_t sniff_deadline_ns;
    int ping_strikes;
    bool settings_seen;    /* the client's preface and first SETTINGS arrived */
    int ctl_tokens;        /* SETTINGS and PINGs the client may still send now */
    int64_t ctl_refill_ns;
    otlp_conn *prev, *next;
};

struct otlp_loop {
    otlp_recv *r;
    otlp_server *srv;
    unsigned index;
    struct event_base *base;
    mailbox *mb;
    pthread_t thread;
    bool running, thread_done;
    otlp_conn *conns;
    struct evconnlistener *lis[ENDPOINT_MAX_ADDRS]; /* loop 0 only */
    size_t nlis;
    struct event *accept_pause; /* re-enables accepting after EMFILE & co */
};

struct otlp_server {
    otlp_recv *r;
    otlp_proto proto;
    bool on;               /* the config has this protocol's section */
    otlp_settings set;
    void *ssl_ctx;         /* SSL_CTX *, when TLS is on */
    otlp_loop *loops;
    unsigned nloops;
    unsigned next_loop;    /* round-robin; loop 0's thread only */
    atomic_size_t inflight;
    const otelc_auth_server *auth; /* auth.authenticator's service, or NULL */
    void *auth_state;
    otelc_series *auth_refusals;   /* requests refused by it */
    int64_t evict_logged_ns; /* loop 0 only: last "out of file descriptors" */
};

struct otlp_recv {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otlp_server srv[OTLP_NPROTO];
    otlp_header *headers;  /* response_headers of the HTTP port */
    size_t nheaders;
    char *h1_headers;      /* the same, as HTTP/1.1 header lines */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *h2opt;
    atomic_size_t nconns;
    atomic_bool draining;
    /* The pipeline answered RETRY: calls are refused at their headers,
     * before their bodies are read, until resume() or this time (which
     * bounds a resume that raced the RETRY). Monotonic ns; 0 = open.
     * Only once resume() was seen: a RETRY of an exporter without a
     * queue is no sign that the next call would fail too. */
    _Atomic int64_t full_until_ns;
    atomic_bool resumes;
    /* The signals served: those of the pipelines this receiver feeds
     * (otelc_signal mask), set by start before any loop runs. A call or
     * export of another signal is answered as the collector answers for
     * a service it did not register: Unimplemented, or 404. */
    uint32_t served;
    otelc_series *early_refusals; /* requests refused that way */
    _Atomic int64_t auth_logged_ns; /* last refusal logged (monotonic) */
    atomic_size_t auth_unlogged;    /* refusals since */
    bool started, stopped;
};

/* emit.c: true while the pipeline is known to be full (a call may then
 * be refused at its headers); otlp_count_early counts one such refusal.
 * Any loop thread. */
bool otlp_pipeline_full(otlp_recv *r);
void otlp_count_early(otlp_recv *r);

/* auth.c: the authenticators of protocols.{grpc,http}.auth. resolve
 * finds them at create (a config error names the key and the id when an
 * id does not lead to a server authenticator); metrics registers the
 * refusal counters at start. While a server has one, its transports keep
 * every request header (names lower-cased, pseudo-headers left out) with
 * otlp_auth_keep; otlp_auth_pass then asks the authenticator, frees what
 * was kept, and on a refusal counts it, logs it (at most every 10 s) and
 * puts the reason in why. Loop threads. */
int otlp_auth_resolve(otlp_recv *r, const otlp_cfg *cfg);
void otlp_auth_metrics(otlp_recv *r);
int otlp_auth_keep(const otlp_server *srv, otlp_meta *h, const uint8_t *name, size_t nlen,
                   const uint8_t *value, size_t vlen);
bool otlp_auth_pass(otlp_server *srv, otlp_meta *h, char *why, size_t cap);

/* t + d, or INT64_MAX (OTLP_NEVER) when that overflows: deadlines. */
static inline int64_t otlp_add_sat(int64_t t, int64_t d)
{
    return d >= INT64_MAX - t ? INT64_MAX : t + d;
}

/* conn.c: connections (loop thread only). conn_accept makes the
 * bufferevent of an accepted socket (TLS when the server has it) and
 * hands it to conn_adopt, which takes bev (freed with the connection, or
 * at once when the connection cannot be made): the fuzz target hands it
 * one end of a bufferevent pair. */
void conn_accept(otlp_loop *l, int fd);
void conn_adopt(otlp_loop *l, struct bufferevent *bev);
void conn_settle(otlp_conn *c);      /* flush, budgets, close if done; may free c */
void conn_free(otlp_conn *c);
void conn_drain(otlp_conn *c);       /* GOAWAY / close when idle; close once done */
void conn_client_ping(otlp_conn *c); /* a client PING arrived: enforce min_time */
void conn_client_settings(otlp_conn *c); /* a client SETTINGS (not an ack) arrived */
/* Out of descriptors: closes the connection of loop l that has been idle
 * longest (no request in progress), so that a new client gets in. false
 * when none is idle. */
bool conn_evict_idle(otlp_loop *l);
void conn_timer_arm(otlp_conn *c);   /* re-arm after a deadline moved earlier */
void conn_timer_at(otlp_conn *c, int64_t when_ns); /* one wake-up at when_ns */
/* Inflight bytes: counted in *slot (a stream's or request's), on the
 * connection and on its server. */
void conn_held_add(otlp_conn *c, size_t *slot, size_t n);
void conn_held_release(otlp_conn *c, size_t *slot);

/* conn_h2.c: the nghttp2 callbacks; NULL without memory. */
nghttp2_session_callbacks *conn_h2_callbacks(void);

/* call.c: a stream on an HTTP/2 connection (loop thread only); gRPC
 * calls here, OTLP/HTTP exports handed to h2_http.c. */
otlp_stream *stream_new(otlp_conn *c, int32_t id);
void stream_unref(otlp_stream *s);
void stream_detach(otlp_stream *s);  /* the stream closed or its conn went */
int call_header(otlp_stream *s, const uint8_t *name, size_t nlen, const uint8_t *value,
                size_t vlen);
void call_headers_done(otlp_stream *s);
void call_data(otlp_stream *s, const uint8_t *p, size_t n);
void call_request_done(otlp_stream *s);
/* The done callback of a stream's PENDING emit (arg is the stream, which
 * holds a reference for it): posts the outcome to the stream's loop. Any
 * thread. */
void stream_emit_done(void *arg, otelc_status st);

/* answer.c: gRPC responses, and what every answered stream gives back. */
bool stream_settle(otlp_stream *s); /* false: answered before or orphaned */
void answer_status(otlp_stream *s, int code, const char *msg);
void answer_http(otlp_stream *s, int http_status, const char *msg);

/* h2_http.c: OTLP/HTTP exports on h2 streams of the HTTP port. */
int h2x_header(otlp_stream *s, const uint8_t *name, size_t nlen, const uint8_t *value,
               size_t vlen);
void h2x_headers_done(otlp_stream *s);
void h2x_data(otlp_stream *s, const uint8_t *p, size_t n);
void h2x_request_done(otlp_stream *s);
void h2x_completed(otlp_stream *s);
/* read_timeout and min_body_rate: the earliest deadline of a request
 * still being received on c (OTLP_NEVER: none), and answering 408 to
 * those past it. */
int64_t h2x_read_deadline(const otlp_conn *c);
void h2x_expire(otlp_conn *c, int64_t now);

/* h1_conn.c: HTTP/1.1 connections of the HTTP port (loop thread only). */
int h1_start(otlp_conn *c);          /* becomes CONN_H1; 0/-1 */
void h1_read(otlp_conn *c);          /* parses what the input holds */
bool h1_finished(otlp_conn *c);      /* nothing left to do: free it */
bool h1_idle(const otlp_conn *c);    /* between requests */
void h1_on_timer(otlp_conn *c);
void h1_drain(otlp_conn *c);
void h1_free(otlp_conn *c);

/* emit.c: what a validated request becomes: a batch. */
typedef struct otlp_request {
    otelc_signal signal;
    uint8_t *buf;      /* malloc'd; adopted by the batch without a copy */
    size_t len;
    uint32_t items;    /* spans, data points or log records */
    int64_t received_ns;
    const char *transport; /* "grpc" or "http": the host's receiver metrics' label */
} otlp_request;

/* Hands req's buffer to the pipeline as one batch of its signal; meta
 * (the request headers kept, or NULL) is copied. Returns the emit
 * outcome: PENDING means done(arg, status) follows exactly once, from any
 * thread. Without memory for the batch, the buffer is freed and RETRY
 * returned. Any thread. */
otelc_status otlp_emit(otlp_recv *r, const otlp_request *req, otlp_meta *meta, otelc_done_fn done,
                       void *arg);

/* otlp_config_nodes.c (create only): which of protocols.grpc and
 * protocols.http are present (-1 after a config error when neither is);
 * then, once the HTTP settings are loaded, response_headers (copied into
 * r) and an empty compression_algorithms list. 0/-1 after config_error. */
int otlp_config_protocols(otlp_recv *r);
int otlp_config_http_nodes(otlp_recv *r, const otlp_cfg *cfg);
void otlp_config_nodes_free(otlp_recv *r);

/* loop.c */
int loops_create(otlp_server *s);
int loops_start(otlp_server *s);
void loops_post_all(otlp_server *s, unsigned cmds);
void loops_join(otlp_server *s);
void loops_free(otlp_server *s);

/* listener.c: binds on the server's loop 0; logs "listening on ADDR
 * (gRPC|HTTP[, TLS])". 0/-1. */
int listeners_open(otlp_server *s);
void listeners_close(otlp_loop *l0);

/* tls.c */
void *otlp_tls_ctx_new(otlp_server *s); /* SSL_CTX *; NULL after logging */
void otlp_tls_ctx_free(void *ssl_ctx);
struct bufferevent *otlp_tls_bev(otlp_server *s, struct event_base *base, int fd);

#endif /* OTELC_OTLP_RECV_H */
