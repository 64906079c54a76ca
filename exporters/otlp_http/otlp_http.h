/*
 * otlp_http.h: the exporter instance, shared by its lifecycle
 * (exporter.c), the transfers on its loop thread (send.c) and what an
 * answer means for logs, metrics and health (report.c). Internal.
 *
 * Threads: export_prepare and export_send run on the host's queue
 * consumers, several at once (the descriptor says thread-safe). prepare
 * encodes; send queues a job on `incoming` under `mu` and wakes the loop,
 * which runs the POST on libcurl's multi interface (libs/s3's loop) and
 * completes the ticket from the loop thread. A throttled job (429/503 with
 * Retry-After) waits on a loop timer before it completes with RETRY, since
 * the ABI has no way to hand the host a delay. Fields marked "loop" are
 * that thread's alone; the rest are under `mu` or atomic.
 */
#ifndef OTELC_OTLP_HTTP_H
#define OTELC_OTLP_HTTP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include <otelc/plugin.h>
#include <otelc/sdk/signal.h>

#include "answer.h"
#include "config.h"
#include "encode.h"
#include "s3/body.h"
#include "s3/loop.h"

#define OH_HOLD_MAX_NS (300 * 1000000000LL) /* longest Retry-After wait held */

/* An outgoing batch as it goes on the wire: made once, sent at every
 * attempt. */
struct otelc_request {
    oh_body body;
    otelc_signal signal; /* where it goes: its signal's target */
    uint32_t spans;      /* items: spans, data points or log records */
    char **metadata; /* with auth: the batch's client metadata, key, value, ..., NULL */
};

typedef struct ohttp ohttp;

/* One attempt: a POST of a request, and the ticket it completes. */
typedef struct oh_job {
    s3_transfer xfer; /* easy handle and its end, for the loop */
    ohttp *owner;
    otelc_request *req;
    bool owns_req;    /* consume's own request, freed with the job */
    otelc_ticket *ticket;
    struct curl_slist *headers; /* with auth: this attempt's, else NULL */
    s3_body reader;   /* the body as libcurl reads (and rewinds) it */
    char *answer;     /* the first OH_ANSWER_BODY_MAX bytes of the answer */
    size_t answer_len;
    char content_type[128];
    char retry_after[128];
    bool has_retry_after;
    char errbuf[CURL_ERROR_SIZE];
    struct event hold; /* loop: the Retry-After wait */
    bool holding;
    struct oh_job *next, *prev; /* incoming list, then running or held (loop) */
} oh_job;

struct ohttp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const oh_cfg *cfg;
    oh_settings set;
    oh_headers user_headers;
    struct curl_slist *headers[3]; /* every request's, built at start, by signal index */
    struct curl_slist *own[3];     /* otelc's own of those (not the config's) */
    const otelc_auth_client *auth; /* auth.authenticator's service, or NULL */
    void *auth_state;
    int64_t auth_logged_ns;        /* last "no credentials" line (under mu) */
    struct curl_slist *connect_to; /* server_name_override (every target's), or NULL */
    s3_loop *loop;
    int64_t timeout_ns;
    atomic_bool started;

    pthread_mutex_t mu;
    pthread_cond_t idle;     /* signalled when inflight drops */
    oh_job *incoming;        /* handed to the loop thread, FIFO */
    oh_job **incoming_tail;
    uint32_t inflight;       /* sends answered PENDING, not completed */
    bool accepting;
    bool releasing;          /* shutdown: held jobs end now */
    bool cancelling;         /* shutdown ran out of time: running ones too */
    char last_failure[384];  /* for log throttling */
    int64_t last_failure_ns;
    int64_t partial_logged_ns[3]; /* by signal index */
    int64_t partial_pending[3];   /* rejected items not logged yet */

    oh_job *running; /* loop: transfers in libcurl, and held jobs */

    atomic_bool paused;   /* we paused the exporter */
    atomic_bool degraded; /* we reported degraded health */
    otelc_series *requests[4]; /* by outcome: ok, retry, reject, pause */
    otelc_series *bytes;
    otelc_series *rejected[3]; /* partial_success's rejected items, by signal index */
};

/* Consumer thread: queues job for the loop. false when the exporter no
 * longer accepts (the job was not taken). */
bool oh_submit(ohttp *x, oh_job *job);

/* Loop thread (s3_loop on_wake): starts what was submitted; at shutdown
 * ends held jobs, and with `cancelling` running ones, with RETRY. */
void oh_on_wake(void *arg);

/* Builds the header list and connection settings used by every request.
 * Main thread, at start. 0 or -1 (out of memory). */
int oh_send_setup(ohttp *x);

/* auth.c: the client authenticator of `auth.authenticator`, found at
 * create (a config error at that key when the id leads to none). Then,
 * per attempt on a consumer thread: the request's metadata copied from
 * its batch at prepare (0, *out NULL when there is none; -1 without
 * memory), and the
 * attempt's header list: otelc's own, the authenticator's (which replace
 * otelc's of the same name), the config's `headers` (which replace
 * both, as confighttp's header round tripper runs inside the auth one).
 * oh_auth_headers returns 0, or -1 when the authenticator has no
 * credentials now (logged at most every 10 s) or memory ran out. */
int oh_auth_resolve(ohttp *x);
int oh_auth_metadata(const otelc_batch *b, char ***out);
int oh_auth_headers(ohttp *x, const otelc_request *r, struct curl_slist **out);

typedef enum oh_outcome { OH_OUT_OK = 0, OH_OUT_RETRY, OH_OUT_REJECT, OH_OUT_PAUSE } oh_outcome;

/* Loop thread: logs, metrics and health for an attempt of request r that
 * ended with outcome o (v for an answer; reason otherwise). */
void oh_report(ohttp *x, const otelc_request *r, oh_outcome o, const oh_verdict *v);

/* The target of a request's signal. */
const oh_target *oh_target_of(const ohttp *x, const otelc_request *r);

#endif /* OTELC_OTLP_HTTP_H */
