/*
 * otlp_recv.h: the otlp receiver's runtime objects and how they relate.
 *
 *   otlp_recv     one plugin instance: settings, TLS context, N loops
 *   otlp_loop     one thread with its event_base and mailbox; loop 0 also
 *                 owns the listeners and deals accepted sockets out
 *   otlp_conn     one client connection: bufferevent + nghttp2 session;
 *                 touched only on its loop's thread
 *   otlp_stream   one HTTP/2 stream = one gRPC call; refcounted, because a
 *                 pipeline completion may outlive the stream
 *
 * Lifetimes: a stream holds a mailbox reference; the connection holds a
 * stream reference while the stream is open, and a PENDING emit holds one
 * until its completion was handled. When the connection or stream goes
 * away first, stream->conn becomes NULL ("orphaned") and the completion
 * only drops its reference.
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
#include "mailbox.h"
#include "metadata.h"
#include "otlp_config.h"

typedef struct otlp_recv otlp_recv;
typedef struct otlp_loop otlp_loop;
typedef struct otlp_conn otlp_conn;
typedef struct otlp_stream otlp_stream;

struct otlp_stream {
    mb_node node;          /* first: completions are posted by this link */
    atomic_int refs;
    mailbox *mb;           /* of the stream's loop; a reference */
    otlp_conn *conn;       /* NULL once orphaned; loop thread only */
    otlp_stream *prev, *next;
    int32_t id;
    grpc_frame_reader rd;
    grpc_encoding enc;
    otlp_meta meta;
    size_t held;           /* inflight bytes counted for this stream */
    size_t header_bytes;
    int64_t received_ns;
    otelc_status outcome;  /* written by the completing thread */
    size_t resp_sent;      /* bytes of the response message sent */
    bool is_post, type_ok, saw_type, answered, awaiting, ended;
    int route;             /* grpc_route */
};

struct otlp_conn {
    otlp_recv *r;
    otlp_loop *loop;
    struct bufferevent *bev;
    nghttp2_session *h2;
    struct event *timer;
    otlp_stream *streams;
    size_t nstreams, awaiting, held;
    bool paused, dead, goaway, closing;
    int64_t born_ns, last_input_ns, idle_since_ns, ping_sent_ns, goaway_ns, client_ping_ns;
    int ping_strikes;
    otlp_conn *prev, *next;
};

struct otlp_loop {
    otlp_recv *r;
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

struct otlp_recv {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    otlp_settings set;
    void *ssl_ctx;         /* SSL_CTX *, when TLS is on */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *h2opt;
    otlp_loop *loops;
    unsigned nloops;
    unsigned next_loop;    /* round-robin; loop 0's thread only */
    atomic_size_t inflight;
    atomic_size_t nconns;
    atomic_bool draining;
    bool started, stopped;
};

/* Monotonic and wall clocks in ns. */
int64_t otlp_now_ns(void);
int64_t otlp_wall_ns(void);

/* conn.c: connections (loop thread only). */
void conn_accept(otlp_loop *l, int fd);
void conn_settle(otlp_conn *c);      /* flush, budgets, close if done; may free c */
void conn_free(otlp_conn *c);
void conn_drain(otlp_conn *c);       /* GOAWAY; close once streams are done */
void conn_client_ping(otlp_conn *c); /* a client PING arrived: enforce min_time */
void conn_timer_arm(otlp_conn *c);   /* re-arm after a deadline moved earlier */
void conn_held_add(otlp_conn *c, otlp_stream *s, size_t n);
void conn_held_release(otlp_conn *c, otlp_stream *s);

/* conn_h2.c: the nghttp2 callbacks; NULL without memory. */
nghttp2_session_callbacks *conn_h2_callbacks(void);

/* call.c: the gRPC call on a stream (loop thread only). */
otlp_stream *stream_new(otlp_conn *c, int32_t id);
void stream_unref(otlp_stream *s);
void stream_detach(otlp_stream *s);  /* the stream closed or its conn went */
int call_header(otlp_stream *s, const uint8_t *name, size_t nlen, const uint8_t *value,
                size_t vlen);
void call_headers_done(otlp_stream *s);
void call_data(otlp_stream *s, const uint8_t *p, size_t n);
void call_request_done(otlp_stream *s);
void call_completed(otlp_stream *s); /* a PENDING outcome arrived */

/* answer.c: responses. */
void answer_status(otlp_stream *s, int code, const char *msg);
void answer_http(otlp_stream *s, int http_status, const char *msg);

/* loop.c */
int loops_create(otlp_recv *r);
int loops_start(otlp_recv *r);
void loops_post_all(otlp_recv *r, unsigned cmds);
void loops_join(otlp_recv *r);
void loops_free(otlp_recv *r);

/* listener.c: binds on loop 0; logs "listening on ADDR". 0/-1. */
int listeners_open(otlp_recv *r);
void listeners_close(otlp_loop *l0);

/* tls.c */
void *otlp_tls_ctx_new(otlp_recv *r);   /* SSL_CTX *; NULL after logging */
void otlp_tls_ctx_free(void *ssl_ctx);
struct bufferevent *otlp_tls_bev(otlp_recv *r, struct event_base *base, int fd);

#endif /* OTELC_OTLP_RECV_H */
