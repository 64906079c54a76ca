/*
 * awss3.h: the exporter instance, shared by its lifecycle (exporter.c) and
 * its dispatch of uploads between the host's consumer threads and the
 * loop thread (dispatch.c). Internal to the plugin.
 *
 * Threads: consume runs on the host's queue consumers (several at once:
 * the descriptor says thread-safe); it encodes and hashes there, then hands
 * the upload to the loop thread through `incoming` under `mu` and wakes the
 * loop. A stored object goes on to the index writer's thread, which
 * completes the ticket. Query threads hand their GETs to the loop through
 * `fetch_in`. Everything under "loop thread only" is touched by that thread
 * alone; the rest is guarded by `mu` or atomic.
 */
#ifndef OTELC_AWSS3_AWSS3_H
#define OTELC_AWSS3_AWSS3_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <otelc/plugin.h>

#include "config.h"
#include "s3/creds.h"
#include "s3/fetch.h"
#include "ixwriter.h"
#include "s3/loop.h"
#include "payload.h"
#include "s3/request.h"
#include "upload.h"

typedef struct awss3_query awss3_query;

/* One consume on its way: the upload and the ticket it completes. */
typedef struct awss3_job {
    s3_upload up; /* first member: upload callbacks hand back &up */
    otelc_ticket *ticket;
    s3_creds *creds; /* the job's reference; up.creds borrows it */
    struct awss3_job *next;
    ix_op index;        /* after a successful upload: the object, indexed */
    struct iovec *segs; /* the batch's segments, for the index (owned array) */
    size_t nsegs;
    ix_span *summaries; /* the batch's span summaries, for the index (owned) */
    size_t nsummaries;
    struct awss3 *owner;
    bool owns_payload; /* consume's job frees it; a request's belongs to the host */
} awss3_job;

typedef struct awss3 {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const awss3_cfg *cfg;
    awss3_settings set;
    s3_client client;
    s3_loop *loop;
    int64_t timeout_ns;
    atomic_bool started;

    pthread_mutex_t mu;
    pthread_cond_t idle;      /* signalled when inflight drops */
    awss3_job *incoming;      /* FIFO handed to the loop thread */
    awss3_job **incoming_tail;
    uint32_t inflight;        /* consumes returned PENDING, not completed */
    bool accepting;
    bool cancelling;          /* shutdown ran out of time */
    s3_creds *creds;
    bool creds_stale;         /* re-read the shared file before next use */
    char last_failure[384];   /* for log throttling */
    int64_t last_failure_ns;

    awss3_job *running;       /* loop thread only */

    s3_fetch *fetch_in;       /* under mu: fetches handed to the loop */
    s3_fetch **fetch_tail;
    bool fetching;            /* under mu: fetches are taken */
    s3_fetch *fetch_running;  /* loop thread only */

    ix_env *index;            /* NULL when index.enabled is false */
    ix_writer *writer;
    awss3_query *query;

    atomic_bool paused;       /* we paused the exporter */
    atomic_bool degraded;     /* we reported degraded health */
    otelc_series *uploads[4]; /* by s3_verdict */
    otelc_series *bytes;
} awss3;

/* Consumer thread, with the index on: takes the segments and span
 * summaries of b (which the job's ticket keeps alive) into the job, so the
 * index writer's one thread does not have to. false without memory. */
bool awss3_job_summarize(awss3_job *job, const otelc_batch *b);

/* Consumer thread: queues job for the loop and wakes it. false when the
 * exporter no longer accepts (the job was not taken). */
bool awss3_submit(awss3 *x, awss3_job *job);

/* Loop thread (s3_loop on_wake): starts what was submitted, or completes
 * everything with RETRY when shutdown is cancelling; likewise starts the
 * fetches handed over, or ends them with -ECANCELED once fetching is off. */
void awss3_on_wake(void *arg);

/*
 * Runs the n fetches on the loop and waits for all of them (query
 * threads; never the loop thread). Each ends with its own rc; when the
 * exporter no longer fetches (shutdown) they end with -ECANCELED.
 */
void awss3_fetch_run(awss3 *x, s3_fetch *const *fs, size_t n);

/* Stops taking fetches and ends those running with -ECANCELED. Any
 * thread but the loop's; the loop must still run. */
void awss3_fetch_stop(awss3 *x);

/* The credentials to sign the next upload with (one reference for the
 * caller), re-reading the shared file first after a pause. Consumer
 * thread (may do file I/O). */
s3_creds *awss3_current_creds(awss3 *x);

/* Loop thread: health, pause/resume, logs and metrics for an upload that
 * ended with v (reason "" for S3_OK). */
void awss3_report(awss3 *x, const s3_upload *u, s3_verdict v, const char *reason);

#endif /* OTELC_AWSS3_AWSS3_H */
