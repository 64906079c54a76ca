/*
 * dispatch.c: uploads between the host's consumer threads and the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "awss3.h"

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
 * upload. Loop thread. */
static void settle_job(awss3 *x, awss3_job *job, otelc_status st)
{
    if (job->owns_payload)
        s3_payload_free(job->up.payload);
    otelc_ticket *t = job->ticket;
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

void awss3_on_wake(void *arg)
{
    awss3 *x = arg;
    pthread_mutex_lock(&x->mu);
    awss3_job *list = x->incoming;
    x->incoming = NULL;
    x->incoming_tail = &x->incoming;
    bool cancel = x->cancelling;
    pthread_mutex_unlock(&x->mu);
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
