/*
 * client.h: a client (grpcclient.h), shared by its lifecycle
 * (client.c), the loop thread (loop.c), its one HTTP/2 connection
 * (conn.c, tls.c), the calls on it (call.c), the authenticator's
 * metadata (auth.c) and what an answer means for logs, metrics and health
 * (report.c). Internal to the library.
 *
 * Threads: og_client_send runs on the host's queue consumers, several at
 * once. It puts a call on `incoming` under `mu` and
 * wakes the loop, which owns the connection and the nghttp2 session (an
 * nghttp2 session is touched only on its loop thread) and completes each
 * ticket from there exactly once. Fields marked "loop" are that thread's
 * alone; the rest are under `mu` or atomic.
 *
 * The channel follows gRPC's connectivity states: idle (no connection),
 * connecting, ready, and transient failure (a back-off timer before the
 * next attempt). Calls wait while connecting; during a transient failure
 * they fail at once with UNAVAILABLE unless wait_for_ready.
 */
#ifndef OTELC_GRPCCLIENT_CLIENT_H
#define OTELC_GRPCCLIENT_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <nghttp2/nghttp2.h>

#include <otelc/plugin.h>

#include "grpcclient.h"

#define OG_HOLD_MAX_NS (300 * 1000000000LL) /* longest RetryInfo wait held */

typedef struct og_conn og_conn;

typedef enum og_call_state {
    OG_CALL_WAITING = 0, /* for a connection */
    OG_CALL_STREAMING,   /* on a stream of conn */
    OG_CALL_HOLDING,     /* answered RETRY with a RetryInfo delay: waiting it out */
} og_call_state;

/* One attempt: a unary Export call, and the ticket it completes. */
typedef struct og_call {
    ogrpc *owner;
    og_payload *req;
    bool owns_req;        /* consume's own request, freed with the call */
    otelc_ticket *ticket; /* completed through the host, or else: */
    otelc_done_fn done;
    void *done_arg;
    int64_t deadline_ns;  /* 0: none */
    og_call_state state;  /* loop */
    og_conn *conn;        /* loop: while streaming */
    int32_t stream_id;    /* loop: while streaming */
    og_body_cursor cur;   /* loop: how far the body was written */
    uint64_t framed;      /* loop: bytes of it nghttp2 has framed */
    og_answer answer;     /* loop */
    og_headers auth;      /* with auth: this attempt's metadata from the authenticator */
    struct event timer;   /* loop: the deadline, then the RetryInfo wait */
    bool timer_set;
    struct og_call *next, *prev; /* incoming list, then the loop's calls */
} og_call;

/* The connection (loop). */
struct og_conn {
    ogrpc *x;
    struct bufferevent *bev;
    nghttp2_session *h2;
    bool connected;       /* TCP (and TLS) up: streams may be opened */
    bool established;     /* the server's SETTINGS came: the back-off resets */
    bool draining;        /* GOAWAY came: no new streams */
    bool dead;            /* torn down at the end of the current callback */
    uint32_t streams;     /* calls on it */
    int64_t last_read_ns;
    bool ping_out;        /* a keepalive PING is unanswered */
    int64_t ping_sent_ns;
    struct event *ka_timer;
};

struct ogrpc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const og_cfg *cfg;    /* &cfg_copy */
    og_cfg cfg_copy;
    og_settings set;
    const og_headers *headers;
    og_auth *auth;        /* the owner's authenticator, or NULL */
    og_metrics metrics;   /* the owner's series, or NULLs */
    bool may_pause, report_health, quiet_start;
    nghttp2_nv *nva;      /* every call's header fields but grpc-timeout, built at start: */
    size_t nnva, nown;    /* otelc's own, then from nva[nown] the `headers` key's */
    size_t path_at;       /* nva[path_at] is :path, replaced by each call's signal's */
    char user_agent[256];
    void *ssl_ctx;        /* SSL_CTX, when TLS */
    int64_t timeout_ns;
    atomic_bool started;

    /* loop thread */
    pthread_t thread;
    bool thread_started;
    struct event_base *base;
    struct evdns_base *dns;
    struct event *wake;
    og_conn *conn;        /* the connection in use, or NULL */
    og_conn *old;         /* one that got GOAWAY and finishes its streams */
    struct event *backoff;/* transient failure: the next attempt */
    int64_t backoff_ns;   /* the next back-off (gRPC's: 1s, x1.6, 120s) */
    bool failing;         /* the last connect attempt failed */
    char conn_error[640]; /* why */
    bool conn_error_pause;/* the certificate: no retry fixes it */
    og_call *calls;       /* the loop's calls, all states */
    uint64_t rng;

    pthread_mutex_t mu;
    pthread_cond_t idle;     /* signalled when inflight drops */
    og_call *incoming;       /* handed to the loop thread, FIFO */
    og_call **incoming_tail;
    uint32_t inflight;       /* sends answered PENDING, not completed */
    bool accepting;
    bool releasing;          /* shutdown: held calls end now */
    bool cancelling;         /* shutdown ran out of time: running ones too */
    bool stopping;           /* the loop leaves */
    bool connect_now;        /* start: connect before the first call, as grpc-go does */
    char last_failure[384];  /* for log throttling */
    int64_t last_failure_ns;
    int64_t partial_logged_ns[3]; /* by otelc_signal_index */
    int64_t partial_pending[3];   /* rejected items not logged yet */

    atomic_bool paused;   /* we paused the exporter */
    atomic_bool degraded; /* we reported degraded health */
};

/* The :path of a signal's Export method. */
const char *og_export_path(otelc_signal s);

/* Adds v to s unless the owner did not count it. */
static inline void og_count(const ogrpc *x, otelc_series *s, double v)
{
    if (s)
        x->api->metric_add(s, v);
}

/* ---- loop.c ---- */

/* Starts the loop thread; 0 or -1. Main thread, at start. */
int og_loop_start(ogrpc *x);
/* Wakes the loop (any thread). */
void og_loop_wake(ogrpc *x);
/* Leaves the loop and joins it; everything still open is closed. */
void og_loop_stop(ogrpc *x);
/* Consumer thread: queues call for the loop. false when the exporter no
 * longer accepts (the call was not taken). */
bool og_submit(ogrpc *x, og_call *call);

/* ---- conn.c ---- */

#define OG_NV_MAX (2 * OG_HEADERS_MAX + 12) /* ours, the authenticator's, the user's,
                                             * grpc-timeout */

/* The back-off timer (loop setup). 0 or -1. */
int og_conn_init(ogrpc *x);
/* Opens a connection (loop). Its outcome comes back through
 * og_on_conn_ready / og_on_conn_lost. */
void og_conn_open(ogrpc *x);
/* Opens a stream for call on c; false when nghttp2 refused it. */
bool og_conn_submit(og_conn *c, og_call *call);
/* Writes what nghttp2 has to send; a connection that died is freed. */
void og_conn_flush(og_conn *c);
/* Tears c down now (loop); its calls end with UNAVAILABLE. */
void og_conn_close(og_conn *c, const char *why);
/* RST_STREAM(CANCEL) for a call that ends before its answer. */
void og_conn_cancel(og_conn *c, og_call *call);

/* ---- tls.c ---- */

/* The SSL_CTX for the settings, or NULL after logging why. Start. */
void *og_tls_ctx_new(ogrpc *x);
void og_tls_ctx_free(void *ctx);
/* A client SSL for one connection (SNI, name check, ALPN h2), or NULL. */
void *og_tls_ssl_new(ogrpc *x);
/* After the handshake: NULL when h2 was negotiated, else why not. */
const char *og_tls_alpn_error(void *ssl);
/* true when the handshake failed (e: bufferevent_get_openssl_error's, or a
 * certificate that did not verify), rather than the TCP connection. */
bool og_tls_failed(struct bufferevent *bev, unsigned long e);
/* Why a handshake failed, into buf; true when the certificate did not
 * verify (or ours was refused): a config problem, no retry fixes it. */
bool og_tls_failure(struct bufferevent *bev, unsigned long e, char *buf, size_t cap);

/* ---- call.c ---- */

/* Loop: a new call from incoming, or a waiting one when a connection is
 * ready. */
void og_call_start(ogrpc *x, og_call *call);
/* Loop: the connection is up (streams may be opened). */
void og_on_conn_ready(ogrpc *x, og_conn *c);
/* Loop: c is gone (or never came up); its streaming calls end with
 * UNAVAILABLE; waiting calls wait or fail as the channel's state says. */
void og_on_conn_lost(ogrpc *x, og_conn *c, const char *why, bool pause);
/* Loop: the stream of call closed (h2_error: RST_STREAM code, 0 normal). */
void og_call_closed(og_call *call, uint32_t h2_error);
/* Loop, at shutdown: held calls end now; with cancel, all of them. */
void og_calls_end(ogrpc *x, bool cancel);
/* Loop: hands every waiting call to ready connection c. */
void og_calls_flush_waiting(ogrpc *x);

/* ---- auth.c ---- */

/* At payload build: the batch's client metadata copied into *out (NULL
 * when there is none). 0, or -1 without memory. */
int og_auth_metadata(const otelc_batch *b, char ***out);
/* At every attempt, on a consumer thread: what a's authenticator adds for
 * a payload with metadata (NULL: none), into out (names lower-cased; bad
 * names and values are left out, and so are those gRPC reserves). 0, or
 * -1 when it has no credentials now (logged at most every 10 s) or memory
 * ran out; out is empty then. */
int og_auth_headers(og_auth *a, const char *const *metadata, og_headers *out);
/* The header fields of call into out (OG_NV_MAX of them): otelc's own but
 * those the authenticator sets, the authenticator's but those the
 * `headers` key sets, then the key's. Returns how many. */
size_t og_call_nva(const ogrpc *x, const og_call *call, nghttp2_nv *out);

/* ---- report.c ---- */

typedef enum og_outcome { OG_OUT_OK = 0, OG_OUT_RETRY, OG_OUT_REJECT, OG_OUT_PAUSE } og_outcome;

/* Loop thread: logs, metrics and health for an attempt of payload p that
 * ended with outcome o. */
void og_report(ogrpc *x, const og_payload *p, og_outcome o, const og_verdict *v);

#endif /* OTELC_GRPCCLIENT_CLIENT_H */
