/*
 * sender.c: consumers driven by completions (see sender.h).
 *
 * A slot is one opened job. Its life: opened by a consumer → an attempt
 * (on the exporting list while the exporter holds it) → completed (on
 * the done list) → settled, or parked on the timer list until its retry is
 * due and attempted again. inflight counts slots from open to settle, so
 * num_consumers bounds the batches out at once, wherever they are.
 */
#include "sender.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <otelc/sdk/clock.h>

#include "telemetry/log.h"

enum slot_state { SLOT_IDLE, SLOT_EXPORTING, SLOT_COMPLETED, SLOT_ABANDONED };

struct send_slot {
    send_slot *next, *prev;
    sender *s;
    void *job;
    otelc_batch *b;
    void *req; /* the exporter's request for b, kept across attempts */
    size_t req_bytes; /* what req counts in retry_req_bytes while parked */
    queue_release_fn release_fn;
    void *release_arg;
    uint32_t spans;
    otelc_signal signal;
    _Atomic int state;
    otelc_status status; /* the last attempt's answer */
    bool retrying;
    retry_state rs;
    int64_t due_ns; /* on the timer list: when to try again */
};

void sender_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

void sender_init(sender *s, const sender_ops *ops, void *backend, const queue_cfg *cfg,
                 const char *id, queue_export_fn export_fn, void *export_arg)
{
    memset(s, 0, sizeof(*s));
    s->ops = ops;
    s->backend = backend;
    s->cfg = cfg;
    s->id = id;
    s->export_fn = export_fn;
    s->export_arg = export_arg;
    pthread_mutex_init(&s->mu, NULL);
    sender_cond_init(&s->cv);
}

void sender_wait_locked(sender *s, int64_t deadline_ns)
{
    struct timespec ts = otelc_timespec(deadline_ns);
    pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/* ---- slots ---- */

static void slot_free(send_slot *sl)
{
    if (sl->req && sl->release_fn)
        sl->release_fn(sl->release_arg, sl->req);
    if (sl->b)
        otelc_batch_unref(sl->b);
    free(sl);
}

static void list_unlink(send_slot **head, send_slot *sl)
{
    if (sl->prev)
        sl->prev->next = sl->next;
    else
        *head = sl->next;
    if (sl->next)
        sl->next->prev = sl->prev;
    sl->next = sl->prev = NULL;
}

static void list_push(send_slot **head, send_slot *sl)
{
    sl->prev = NULL;
    sl->next = *head;
    if (*head)
        (*head)->prev = sl;
    *head = sl;
}

static void done_push_locked(sender *s, send_slot *sl)
{
    sl->next = NULL;
    if (s->done_tail)
        s->done_tail->next = sl;
    else
        s->done = sl;
    s->done_tail = sl;
    pthread_cond_signal(&s->cv);
}

static send_slot *done_pop_locked(sender *s)
{
    send_slot *sl = s->done;
    if (sl) {
        s->done = sl->next;
        if (!s->done)
            s->done_tail = NULL;
        sl->next = NULL;
    }
    return sl;
}

/* Counts a parked slot's request in the retry budget (max_memory_size),
 * or, past it, takes the request out of the slot for release_fn: its next
 * attempt prepares it again. Returns what to release (NULL: nothing). */
static void *park_request_locked(sender *s, send_slot *sl)
{
    if (!sl->req || !s->cfg->request_bytes_fn)
        return NULL;
    size_t bytes = s->cfg->request_bytes_fn(s->export_arg, sl->req);
    if (s->retry_req_bytes + bytes <= s->cfg->max_memory_size) {
        s->retry_req_bytes += bytes;
        sl->req_bytes = bytes;
        return NULL;
    }
    void *req = sl->req;
    sl->req = NULL;
    return req;
}

/* A slot leaves the timer list: its request no longer counts. */
static void unpark_locked(sender *s, send_slot *sl)
{
    s->retry_req_bytes -= sl->req_bytes;
    sl->req_bytes = 0;
}

/* Keeps the timer list sorted by due time. */
static void timer_add_locked(sender *s, send_slot *sl)
{
    send_slot **p = &s->timers;
    while (*p && (*p)->due_ns <= sl->due_ns)
        p = &(*p)->next;
    sl->next = *p;
    *p = sl;
    pthread_cond_signal(&s->cv); /* a consumer may sleep past this one */
}

/* ---- the end of a slot ---- */

static void settle(sender *s, send_slot *sl, send_outcome o, const char *why)
{
    if (o == SEND_DELIVERED) {
        queue_count(&s->sent, sl->signal, sl->spans);
        s->last_success_ns = otelc_real_ns();
    } else if (o == SEND_FAILED) {
        queue_count(&s->failed, sl->signal, sl->spans);
    }
    void *job = sl->job;
    slot_free(sl);
    s->ops->settle(s->backend, job, o, why);
    pthread_mutex_lock(&s->mu);
    s->inflight--;
    pthread_cond_broadcast(&s->cv); /* room for a job; a drain may be waiting */
    pthread_mutex_unlock(&s->mu);
}

/* After a RETRY: parks sl until its next attempt is due, or ends it. */
static void schedule_retry(sender *s, send_slot *sl, uint64_t *seed)
{
    int64_t now = otelc_mono_ns();
    if (!sl->retrying) {
        retry_begin(&sl->rs, &s->cfg->retry, now);
        sl->retrying = true;
    }
    void *released = NULL;
    pthread_mutex_lock(&s->mu);
    bool closing = s->closing, paused = s->paused;
    int64_t wait = paused ? s->cfg->paused_probe_ns
                          : retry_next(&sl->rs, &s->cfg->retry, now, seed);
    if (!closing && wait >= 0) {
        s->retries++;
        sl->due_ns = now + wait;
        released = park_request_locked(s, sl);
        timer_add_locked(s, sl);
    }
    pthread_mutex_unlock(&s->mu);
    if (released && sl->release_fn)
        sl->release_fn(sl->release_arg, released);
    if (closing) {
        settle(s, sl, SEND_LEFT, NULL);
    } else if (wait < 0) {
        char why[160];
        snprintf(why, sizeof(why), "still failing after %.3fs of retries "
                 "(retry_on_failure.max_elapsed_time %.3fs)",
                 (double)(now - sl->rs.started_ns) / 1e9,
                 (double)s->cfg->retry.max_elapsed_time / 1e9);
        settle(s, sl, SEND_FAILED, why);
    } else {
        otelc_log(OTELC_LOG_DEBUG, s->id, "batch of %u spans: RETRY, next try in %.3fs",
                  sl->spans, (double)wait / 1e9);
    }
}

/* What an attempt's answer means for its slot. */
static void conclude(sender *s, send_slot *sl, uint64_t *seed)
{
    if (sl->status == OTELC_OK) {
        if (sender_paused(s))
            sender_resume(s);
        settle(s, sl, SEND_DELIVERED, NULL);
    } else if (sl->status == OTELC_REJECT) {
        settle(s, sl, SEND_FAILED, "the exporter refused the batch for good (REJECT)");
    } else {
        schedule_retry(s, sl, seed);
    }
}

/* ---- attempts ---- */

/* The exporter's completion, on any thread. An abandoned slot belongs to
 * this call alone: the sender may be gone. */
static void slot_done(void *arg, otelc_status st)
{
    send_slot *sl = arg;
    int expect = SLOT_EXPORTING;
    if (!atomic_compare_exchange_strong(&sl->state, &expect, SLOT_COMPLETED)) {
        slot_free(sl);
        return;
    }
    sender *s = sl->s;
    pthread_mutex_lock(&s->mu);
    list_unlink(&s->exporting, sl);
    sl->status = st == OTELC_PENDING ? OTELC_OK : st;
    done_push_locked(s, sl);
    pthread_mutex_unlock(&s->mu);
}

/* Hands sl to the exporter. A PENDING answer leaves sl to slot_done. */
static void attempt(sender *s, send_slot *sl, uint64_t *seed)
{
    atomic_store(&sl->state, SLOT_EXPORTING);
    pthread_mutex_lock(&s->mu);
    list_push(&s->exporting, sl);
    pthread_mutex_unlock(&s->mu);
    otelc_status st = s->export_fn(s->export_arg, sl->b, &sl->req, slot_done, sl);
    if (st == OTELC_PENDING)
        return;
    pthread_mutex_lock(&s->mu);
    list_unlink(&s->exporting, sl);
    pthread_mutex_unlock(&s->mu);
    atomic_store(&sl->state, SLOT_IDLE);
    sl->status = st;
    conclude(s, sl, seed);
}

/* A job the backend handed out: opened and attempted. */
static void launch(sender *s, void *job, uint64_t *seed)
{
    otelc_batch *b = NULL;
    if (!s->ops->open(s->backend, job, &b)) {
        pthread_mutex_lock(&s->mu);
        s->inflight--;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    send_slot *sl = calloc(1, sizeof(*sl));
    if (!sl) {
        otelc_log(OTELC_LOG_ERROR, s->id, "no memory to send a batch of %u spans",
                  otelc_batch_spans(b));
        otelc_batch_unref(b);
        s->ops->settle(s->backend, job, SEND_LEFT, NULL);
        pthread_mutex_lock(&s->mu);
        s->inflight--;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    *sl = (send_slot){.s = s, .job = job, .b = b, .spans = otelc_batch_spans(b),
                      .signal = otelc_batch_signal(b),
                      .release_fn = s->cfg->release_fn, .release_arg = s->export_arg};
    attempt(s, sl, seed);
}

/* ---- consumers ---- */

/* With s->mu held: a slot with work for a consumer, and what to do with
 * it (*retry: attempt again; else conclude its last answer). */
static send_slot *ready_slot_locked(sender *s, bool *retry)
{
    send_slot *sl = done_pop_locked(s);
    *retry = false;
    if (sl)
        return sl;
    if (s->timers && (s->closing || s->timers->due_ns <= otelc_mono_ns())) {
        sl = s->timers;
        s->timers = sl->next;
        sl->next = NULL;
        unpark_locked(s, sl);
        *retry = true;
    }
    return sl;
}

static void run_slot(sender *s, send_slot *sl, bool retry, uint64_t *seed)
{
    if (!retry)
        conclude(s, sl, seed);
    else if (s->closing)
        settle(s, sl, SEND_LEFT, NULL);
    else
        attempt(s, sl, seed);
}

/* With s->mu held: a new job when there is room for one. */
static void *take_job_locked(sender *s, int64_t *due)
{
    if (s->closing || s->inflight >= s->cfg->num_consumers)
        return NULL;
    void *job = s->ops->take_locked(s->backend, due);
    if (job)
        s->inflight++;
    return job;
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a == 0)
        return b;
    return b == 0 || a < b ? a : b;
}

static void *consumer_main(void *arg)
{
    sender *s = arg;
    queue_consumer_thread_init();
    uint64_t seed = (uint64_t)(uintptr_t)&seed ^ (uint64_t)otelc_mono_ns();
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        bool retry;
        send_slot *sl = ready_slot_locked(s, &retry);
        int64_t due = 0;
        void *job = sl ? NULL : take_job_locked(s, &due);
        if (sl || job) {
            pthread_mutex_unlock(&s->mu);
            if (sl)
                run_slot(s, sl, retry, &seed);
            else
                launch(s, job, &seed);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        due = earliest(due, s->timers ? s->timers->due_ns : 0);
        if (due)
            sender_wait_locked(s, due);
        else
            pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static uint32_t consumer_threads(const queue_cfg *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t n = cfg->num_consumers ? cfg->num_consumers : 1;
    return cores > 0 && (uint32_t)cores < n ? (uint32_t)cores : n;
}

int sender_start(sender *s)
{
    uint32_t n = consumer_threads(s->cfg);
    s->threads = calloc(n, sizeof(pthread_t));
    if (!s->threads)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        int rc = pthread_create(&s->threads[i], NULL, consumer_main, s);
        if (rc != 0) {
            otelc_log(OTELC_LOG_ERROR, s->id, "cannot start queue consumer: %s", strerror(rc));
            sender_drain(s, 0, false, NULL);
            return -1;
        }
        s->nthreads++;
    }
    return 0;
}

/* ---- shutdown ---- */

/* Abandons the slots the exporter still holds (s->mu held); they end as
 * SEND_LEFT, settled unlocked. A slot completing right now stays: its
 * completion is about to put it on the done list. */
static void abandon_exporting_locked(sender *s)
{
    send_slot *sl = s->exporting, *next;
    for (; sl; sl = next) {
        next = sl->next;
        int expect = SLOT_EXPORTING;
        if (!atomic_compare_exchange_strong(&sl->state, &expect, SLOT_ABANDONED))
            continue;
        list_unlink(&s->exporting, sl);
        void *job = sl->job;
        pthread_mutex_unlock(&s->mu);
        otelc_log(OTELC_LOG_WARN, s->id, "shutdown: a batch of %u spans still at the exporter "
                  "is left to it", sl->spans);
        s->ops->settle(s->backend, job, SEND_LEFT, NULL);
        pthread_mutex_lock(&s->mu);
        s->inflight--;
        next = s->exporting; /* the list may have changed meanwhile */
    }
}

/* The drain waits on the consumers' condition variable, so a signal
 * meant for a consumer (a completion pushed to done, say) may wake it
 * instead and leave that consumer asleep with inflight never coming
 * down: every wake-up the drain takes is passed on to them. */
static void drain_wait_locked(sender *s, int64_t until_ns)
{
    sender_wait_locked(s, until_ns);
    pthread_cond_broadcast(&s->cv);
}

static void wait_for_locked(sender *s, int64_t deadline_ns, bool (*busy)(sender *))
{
    while (busy(s) && otelc_mono_ns() < deadline_ns) {
        int64_t tick = otelc_mono_ns() + 50000000;
        drain_wait_locked(s, tick < deadline_ns ? tick : deadline_ns);
    }
}

static bool has_inflight(sender *s)
{
    return s->inflight > 0;
}

static bool has_queued_or_inflight(sender *s)
{
    return s->inflight > 0 || s->queued_locked(s->backend);
}

void sender_drain(sender *s, int64_t deadline_ns, bool deliver_queued,
                  bool (*queued_locked)(void *backend))
{
    pthread_mutex_lock(&s->mu);
    if (deliver_queued && queued_locked) {
        s->queued_locked = queued_locked;
        pthread_cond_broadcast(&s->cv);
        wait_for_locked(s, deadline_ns, has_queued_or_inflight);
    }
    s->closing = true;
    pthread_cond_broadcast(&s->cv);
    wait_for_locked(s, deadline_ns, has_inflight);
    abandon_exporting_locked(s);
    while (s->inflight > 0 && s->nthreads > 0)
        drain_wait_locked(s, otelc_mono_ns() + 50000000);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (uint32_t i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i], NULL);
    s->nthreads = 0;
}

void sender_destroy(sender *s)
{
    if (s->nthreads)
        sender_drain(s, 0, false, NULL);
    free(s->threads);
    s->threads = NULL;
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* ---- pause ---- */

void sender_pause(sender *s, const char *reason)
{
    pthread_mutex_lock(&s->mu);
    bool was = s->paused;
    s->paused = true;
    snprintf(s->pause_reason, sizeof(s->pause_reason), "%s", reason ? reason : "paused");
    pthread_mutex_unlock(&s->mu);
    if (!was)
        otelc_log(OTELC_LOG_WARN, s->id, "exporter paused: %s", reason ? reason : "");
}

/* Resuming makes every waiting retry due now. */
void sender_resume(sender *s)
{
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&s->mu);
    bool was = s->paused;
    s->paused = false;
    s->pause_reason[0] = 0;
    for (send_slot *sl = s->timers; sl; sl = sl->next)
        sl->due_ns = now;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (was)
        otelc_log(OTELC_LOG_INFO, s->id, "exporter resumed");
}

void sender_pause_reason(sender *s, char *buf, size_t cap)
{
    pthread_mutex_lock(&s->mu);
    snprintf(buf, cap, "%s", s->pause_reason);
    pthread_mutex_unlock(&s->mu);
}

bool sender_paused(sender *s)
{
    pthread_mutex_lock(&s->mu);
    bool paused = s->paused;
    pthread_mutex_unlock(&s->mu);
    return paused;
}
