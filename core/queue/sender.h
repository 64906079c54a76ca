/*
 * sender.h: what every sending queue does with a batch once it leaves,
 * whichever backend holds it (memory/ or durable/).
 *
 * A few consumer threads take a job from the backend, open it into a
 * batch and hand it to the exporter; when the exporter answers PENDING the
 * thread goes on with the next job, up to num_consumers batches in flight.
 * The exporter's completion puts the batch on a list the consumers settle:
 * delivered, failed for good, or retried after retry_on_failure's back-off,
 * which is a timer, not a sleeping thread. Pause (a probe every
 * paused_probe_ns), resume, and the wait for exports in flight at shutdown
 * live here too, once.
 *
 * The sender's mutex is also its backend's: the backend's state is guarded
 * by s->mu, and the take_locked op runs with it held.
 */
#ifndef OTELC_CORE_QUEUE_SENDER_H
#define OTELC_CORE_QUEUE_SENDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "exporter_queue.h"

typedef enum send_outcome {
    SEND_DELIVERED, /* the exporter took the batch */
    SEND_FAILED,    /* refused for good (REJECT) or retries exhausted: why says which */
    SEND_LEFT,      /* shut down first: kept for the next start, or lost (memory) */
} send_outcome;

/* What a backend provides. Jobs are the backend's own; the sender only
 * carries them from take_locked to settle. */
typedef struct sender_ops {
    /* With s->mu held: the next job, or NULL with *due_ns the monotonic
     * time to ask again (left 0: when the backend signals s->cv). */
    void *(*take_locked)(void *backend, int64_t *due_ns);
    /* Unlocked: the job's outgoing batch into *out (a reference the sender
     * then owns). false: the backend kept the job itself (put it back or
     * dead-lettered it) and the sender forgets it. */
    bool (*open)(void *backend, void *job, otelc_batch **out);
    /* Unlocked, exactly once per opened job: its end. why (SEND_FAILED
     * only) is the sender's, valid for the call. The backend frees job. */
    void (*settle)(void *backend, void *job, send_outcome o, const char *why);
} sender_ops;

typedef struct send_slot send_slot; /* one batch between open and settle */

typedef struct sender {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC: work for consumers, or a drain's progress */
    const sender_ops *ops;
    void *backend;
    const queue_cfg *cfg; /* the backend's; outlives the sender */
    const char *id;       /* the backend's */
    queue_export_fn export_fn;
    void *export_arg;

    uint32_t inflight; /* opened and not yet settled */
    send_slot *exporting; /* awaiting the exporter's completion (doubly linked) */
    send_slot *done, *done_tail; /* completed attempts to settle (FIFO) */
    send_slot *timers;    /* waiting for a retry, by due time */
    bool closing;  /* no new jobs; waiting retries end as SEND_LEFT */
    bool stopping; /* consumers exit */
    bool paused;
    char pause_reason[256];
    bool (*queued_locked)(void *backend); /* set by a drain that delivers what is queued */

    pthread_t *threads;
    uint32_t nthreads;

    uint64_t retry_req_bytes; /* under mu: requests of slots on the timer list */
    queue_counts sent, failed; /* items by signal */
    _Atomic uint64_t retries;
    _Atomic int64_t last_success_ns;
} sender;

/* Sets s up for backend; cfg and id must outlive s. */
void sender_init(sender *s, const sender_ops *ops, void *backend, const queue_cfg *cfg,
                 const char *id, queue_export_fn export_fn, void *export_arg);
void sender_destroy(sender *s);

/* Starts the consumers: num_consumers of them, at most one per core. 0 or
 * -1 (logged; none left running). Main thread. */
int sender_start(sender *s);

/* Ends sending by deadline_ns (monotonic). With deliver_queued, first waits
 * until the backend has nothing to take (queued_locked, under s->mu) and
 * nothing is in flight. Then takes no new job, ends waiting retries
 * (SEND_LEFT), waits for exports in flight until the deadline, abandons
 * the rest (SEND_LEFT now; the late completion frees only its request) and
 * joins the consumers. Main thread. */
void sender_drain(sender *s, int64_t deadline_ns, bool deliver_queued,
                  bool (*queued_locked)(void *backend));

void sender_pause(sender *s, const char *reason);
void sender_resume(sender *s);
void sender_pause_reason(sender *s, char *buf, size_t cap);
bool sender_paused(sender *s);

/* Waits on s->cv (s->mu held) until the monotonic deadline or a signal. */
void sender_wait_locked(sender *s, int64_t deadline_ns);

/* The monotonic-clock condition variable the queues use. */
void sender_cond_init(pthread_cond_t *cv);

#endif
