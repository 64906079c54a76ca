/*
 * dispatch.c: uploads between the host's consumer threads and the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "awss3.h"
#include "summary.h"

static void on_upload_done(s3_upload *u, s3_verdict v, const char *reason);

bool awss3_submit(awss3 *x, awss3_job *job)
{
    job->up.done = on_upload_done;
    job->up.arg = x;
    job->next = NULL;
    pthread_mutex_lock(&x->mu);
    bool taken = x->accepting;
    if (taken) {
        *x->incoming_tail = job;
        x->incoming_tail = &job->next;
        x->inflight++;
    }
    pthread_mutex_unlock(&x->mu);
    if (taken)
        s3_loop_wake(x->loop);
    return taken;
}

/* Completes the job's ticket and frees the job: the end of every
 * upload. Loop thread, or the index writer's after indexing. */
static void settle_job(awss3 *x, awss3_job *job, otelc_status st)
{
    if (job->owns_payload)
        s3_payload_free(job->up.payload);
    otelc_ticket *t = job->ticket;
    free(job->segs);
    free(job->summaries);
    free(job);
    x->api->complete(t, st);
    pthread_mutex_lock(&x->mu);
    x->inflight--;
    pthread_cond_broadcast(&x->idle);
    pthread_mutex_unlock(&x->mu);
}

/* Frees what only the loop thread may free: the request and credentials. */
static void release_upload(awss3_job *job)
{
    s3_creds_unref(job->creds);
    job->creds = NULL;
    s3_upload_fini(&job->up);
}

static void finish_job(awss3 *x, awss3_job *job, otelc_status st)
{
    release_upload(job);
    settle_job(x, job, st);
}

/* The object is in the index (or could not be indexed: the upload still
 * succeeded, and a reindex finds the object later). Writer thread. */
static void on_indexed(ix_op *op, int rc)
{
    awss3_job *job = op->arg;
    awss3 *x = job->owner;
    if (rc != 0)
        x->api->log(x->ctx, OTELC_LOG_WARN, "index: %s not indexed (%d)", job->up.payload->key,
                    rc);
    settle_job(x, job, OTELC_OK);
}

bool awss3_job_summarize(awss3_job *job, const otelc_batch *b)
{
    struct iovec one;
    size_t n = otelc_batch_segments(b, &one, 1);
    job->segs = malloc((n ? n : 1) * sizeof(*job->segs));
    if (!job->segs)
        return false;
    job->nsegs = n ? otelc_batch_segments(b, job->segs, n) : 0;
    /* A failure leaves the summaries to the index writer. */
    if (awss3_summarize(job->segs, job->nsegs, &job->summaries, &job->nsummaries) != 0)
        job->summaries = NULL;
    return true;
}

/* Hands a stored object to the index writer; false if it did not take it. */
static bool index_job(awss3 *x, awss3_job *job)
{
    const s3_payload *p = job->up.payload;
    if (!job->segs && !awss3_job_summarize(job, p->batch))
        return false;
    job->owner = x;
    job->index = (ix_op){.kind = IX_OP_ADD, .segs = job->segs, .nsegs = job->nsegs,
                         .object = {p->key, p->time_ns, p->len},
                         .summaries = job->summaries, .nsummaries = job->nsummaries,
                         .done = on_indexed, .arg = job};
    return ix_writer_submit(x->writer, &job->index);
}

static void running_remove(awss3 *x, const awss3_job *job)
{
    for (awss3_job **p = &x->running; *p; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            return;
        }
    }
}

static void on_upload_done(s3_upload *u, s3_verdict v, const char *reason)
{
    awss3_job *job = (awss3_job *)u;
    awss3 *x = u->arg;
    running_remove(x, job);
    awss3_report(x, u, v, reason);
    if (v == S3_OK && x->writer) {
        release_upload(job);
        if (!index_job(x, job))
            settle_job(x, job, OTELC_OK);
        return;
    }
    finish_job(x, job, v == S3_OK ? OTELC_OK : v == S3_REJECT ? OTELC_REJECT : OTELC_RETRY);
}

/* Shutdown ran out of time: every upload gives its batch back. */
static void cancel_all(awss3 *x, awss3_job *list)
{
    while (x->running) {
        awss3_job *job = x->running;
        x->running = job->next;
        s3_upload_cancel(&job->up);
        finish_job(x, job, OTELC_RETRY);
    }
    while (list) {
        awss3_job *job = list;
        list = job->next;
        finish_job(x, job, OTELC_RETRY);
    }
}

/* A started fetch ended: it leaves the running list. */
static void fetch_ended(void *arg, s3_fetch *f)
{
    awss3 *x = arg;
    for (s3_fetch **p = &x->fetch_running; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            return;
        }
    }
}

/* Starts the fetches handed over, or ends them all once fetching is off. */
static void run_fetches(awss3 *x, s3_fetch *list, bool fetching)
{
    while (!fetching && x->fetch_running) {
        s3_fetch *f = x->fetch_running;
        x->fetch_running = f->next;
        s3_loop_cancel(x->loop, &f->req.xfer);
        s3_fetch_finish(f, -ECANCELED, "shutting down");
    }
    while (list) {
        s3_fetch *f = list;
        list = f->next;
        if (!fetching) {
            s3_fetch_finish(f, -ECANCELED, "shutting down");
            continue;
        }
        f->on_end = fetch_ended;
        f->end_arg = x;
        f->next = x->fetch_running;
        x->fetch_running = f;
        s3_fetch_start(f, &x->client, f->creds); /* may end (and unlink) at once */
    }
}

void awss3_on_wake(void *arg)
{
    awss3 *x = arg;
    pthread_mutex_lock(&x->mu);
    awss3_job *list = x->incoming;
    x->incoming = NULL;
    x->incoming_tail = &x->incoming;
    s3_fetch *fetches = x->fetch_in;
    x->fetch_in = NULL;
    x->fetch_tail = &x->fetch_in;
    bool cancel = x->cancelling, fetching = x->fetching;
    pthread_mutex_unlock(&x->mu);
    run_fetches(x, fetches, fetching);
    if (cancel) {
        cancel_all(x, list);
        return;
    }
    while (list) {
        awss3_job *job = list;
        list = job->next;
        job->next = x->running;
        x->running = job;
        s3_upload_run(&job->up); /* may finish (and unlink) at once */
    }
}

void awss3_fetch_run(awss3 *x, s3_fetch *const *fs, size_t n)
{
    s3_fetch_group g;
    s3_fetch_group_init(&g);
    s3_creds *creds = awss3_current_creds(x);
    for (size_t i = 0; i < n; i++) {
        s3_fetch_group_add(&g, fs[i]);
        fs[i]->creds = creds;
    }
    pthread_mutex_lock(&x->mu);
    bool taken = x->fetching && n > 0;
    for (size_t i = 0; taken && i < n; i++) {
        fs[i]->next = NULL;
        *x->fetch_tail = fs[i];
        x->fetch_tail = &fs[i]->next;
    }
    pthread_mutex_unlock(&x->mu);
    if (taken)
        s3_loop_wake(x->loop);
    for (size_t i = 0; !taken && i < n; i++)
        s3_fetch_finish(fs[i], -ECANCELED, "shutting down");
    s3_fetch_group_wait(&g);
    s3_fetch_group_fini(&g);
    s3_creds_unref(creds);
}

void awss3_fetch_stop(awss3 *x)
{
    pthread_mutex_lock(&x->mu);
    bool was = x->fetching;
    x->fetching = false;
    pthread_mutex_unlock(&x->mu);
    if (was)
        s3_loop_wake(x->loop);
}

s3_creds *awss3_current_creds(awss3 *x)
{
    pthread_mutex_lock(&x->mu);
    bool stale = x->creds_stale;
    x->creds_stale = false;
    s3_creds *cur = s3_creds_ref(x->creds);
    pthread_mutex_unlock(&x->mu);
    if (!stale)
        return cur;
    char err[512];
    s3_creds *fresh = NULL;
    if (s3_creds_reload(cur, &fresh, err, sizeof(err)) != 0) {
        x->api->log(x->ctx, OTELC_LOG_WARN, "cannot re-read credentials: %s", err);
        return cur;
    }
    x->api->log(x->ctx, OTELC_LOG_INFO, "re-read credentials from %s (profile %s)", fresh->path,
                fresh->profile);
    pthread_mutex_lock(&x->mu);
    s3_creds *old = x->creds;
    x->creds = s3_creds_ref(fresh);
    pthread_mutex_unlock(&x->mu);
    s3_creds_unref(old);
    s3_creds_unref(cur);
    return fresh;
}
