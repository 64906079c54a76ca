/*
 * awss3.h: the exporter instance, shared by its lifecycle (exporter.c) and
 * its dispatch of uploads between the host's consumer threads and the
 * loop thread (dispatch.c). Internal to the plugin.
 *
 * Threads: consume runs on the host's queue consumers (several at once:
 * the descriptor says thread-safe); it encodes and hashes there, then hands
 * the upload to the loop thread through `incoming` under `mu` and wakes the
 * loop, which completes the ticket once the object is stored. Everything
 * under "loop thread only" is touched by that thread alone; the rest is
 * guarded by `mu` or atomic.
 */
#ifndef OTELC_AWSS3_AWSS3_H
#define OTELC_AWSS3_AWSS3_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <otelc/plugin.h>

#include "config.h"
#include "s3/creds.h"
#include "s3/loop.h"
#include "payload.h"
#include "s3/request.h"
#include "upload.h"

/* One consume on its way: the upload and the ticket it completes. */
typedef struct awss3_job {
    s3_upload up; /* first member: upload callbacks hand back &up */
    otelc_ticket *ticket;
    s3_creds *creds; /* the job's reference; up.creds borrows it */
    struct awss3_job *next;
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

    atomic_bool paused;       /* we paused the exporter */
    atomic_bool degraded;     /* we reported degraded health */
    otelc_series *uploads[4]; /* by s3_verdict */
    otelc_series *bytes;
} awss3;

/* Consumer thread: queues job for the loop and wakes it. false when the
 * exporter no longer accepts (the job was not taken). */
bool awss3_submit(awss3 *x, awss3_job *job);

/* Loop thread (s3_loop on_wake): starts what was submitted, or completes
 * everything with RETRY when shutdown is cancelling. */
void awss3_on_wake(void *arg);

/* The credentials to sign the next upload with (one reference for the
 * caller), re-reading the shared file first after a pause. Consumer
 * thread (may do file I/O). */
s3_creds *awss3_current_creds(awss3 *x);

/* Loop thread: health, pause/resume, logs and metrics for an upload that
 * ended with v (reason "" for S3_OK). */
void awss3_report(awss3 *x, const s3_upload *u, s3_verdict v, const char *reason);

#endif /* OTELC_AWSS3_AWSS3_H */
