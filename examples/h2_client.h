/*
 * h2_client.h: one HTTP/2 connection (nghttp2 on a libevent bufferevent,
 * optionally TLS) that carries unary gRPC Export calls.
 *
 * Threading: a connection lives on the thread running its event_base;
 * every function here must be called on that thread. Callbacks run from
 * the loop. Frames go out from a deferred event, so h2_conn_submit never
 * calls back into the caller.
 */
#ifndef OTELC_CLIENT_H2_CLIENT_H
#define OTELC_CLIENT_H2_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <netdb.h>
#include <openssl/ssl.h>

#include "grpc_frame.h"

#define H2_MESSAGE_MAX 256

/* Where to connect; borrowed by every connection, must outlive them. */
typedef struct h2_target {
    const struct addrinfo *addrs;   /* tried in order until one connects */
    const char *host;               /* for SNI and certificate checks */
    const char *authority;          /* "host:port" */
    SSL_CTX *tls;                   /* NULL: cleartext HTTP/2 (h2c) */
    bool insecure;
    bool gzip;                      /* bodies are gzip'ed: say so */
    uint32_t timeout_ms;            /* sent as grpc-timeout; 0: none */
} h2_target;

/*
 * One request. The caller owns it and the body; both are lent to the
 * connection from h2_conn_submit until the done callback, which is
 * called exactly once per submitted call.
 */
typedef struct h2_call {
    const uint8_t *body;            /* gRPC-framed request body */
    size_t body_len;
    void *user;
    /* set by the connection */
    size_t sent;
    int32_t stream_id;
    int http_status;                /* 0 until response headers come */
    int grpc_code;                  /* -1 until grpc-status comes */
    bool reset;
    bool timed_out;
    uint32_t rst_code;
    uint64_t started_ns;            /* monotonic, at submit */
    char message[H2_MESSAGE_MAX];   /* grpc-message or why it failed */
    grpc_buf reply;                 /* response body (first 64 KiB) */
    struct h2_call *prev, *next;
} h2_call;

typedef struct h2_conn h2_conn;

/* A call ended with gRPC `code`; the call and its body are the caller's again. */
typedef void (*h2_done_fn)(h2_call *call, int code, void *arg);
/* What a state callback reports. */
typedef enum h2_event {
    H2_UP,          /* connected; calls may be submitted */
    H2_CLOSED,      /* closed after GOAWAY or when stream ids ran out */
    H2_FAILED,      /* could not connect, or the connection broke */
} h2_event;

/*
 * The connection changed state; why (borrowed for the call) says how it
 * closed. The callback may call h2_conn_connect again, not h2_conn_free.
 */
typedef void (*h2_state_fn)(h2_conn *c, h2_event ev, const char *why, void *arg);

/* A closed connection. Returns NULL when memory runs out. */
h2_conn *h2_conn_new(struct event_base *base, const h2_target *t, h2_done_fn done,
                     h2_state_fn state, void *arg);

/*
 * Starts connecting to the first address that takes a connection
 * (asynchronously; the state callback tells how it went). Returns 0, or
 * -1 when no attempt could even start (the callback is not called).
 */
int h2_conn_connect(h2_conn *c);

/* True when connected and not told to go away by the server. */
bool h2_conn_ready(const h2_conn *c);

/* Calls submitted and not yet done. */
size_t h2_conn_inflight(const h2_conn *c);

/*
 * Sends call as a new stream. Returns 0 (done comes later) or -1 (not
 * ready, or nghttp2 refused: the call is the caller's again, done is not
 * called).
 */
int h2_conn_submit(h2_conn *c, h2_call *call, uint64_t now_ns);

/*
 * Cancels calls started before now_ns - timeout_ns; they end with
 * DEADLINE_EXCEEDED.
 */
void h2_conn_expire(h2_conn *c, uint64_t now_ns, uint64_t timeout_ns);

/* Closes the connection; calls in flight end UNAVAILABLE with why. */
void h2_conn_close(h2_conn *c, const char *why);

/* Closes (as above) and frees. NULL is fine. */
void h2_conn_free(h2_conn *c);


#endif /* OTELC_CLIENT_H2_CLIENT_H */
