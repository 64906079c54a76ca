/*
 * test_batch_fake_host.h: a host services table for processor unit tests
 * (batch and converter). Batches are the real host's (core/runtime/batch.c);
 * emit, tickets, metrics and logging are recorded so tests can assert on
 * what a processor sent, completed and counted.
 *
 * State is global (one processor under test at a time) and guarded by a
 * mutex, since processors call back from their own threads.
 */
#ifndef OTELC_TEST_BATCH_FAKE_HOST_H
#define OTELC_TEST_BATCH_FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#define FH_MAX 512

/* A ticket the fake host hands to consume(). */
struct otelc_ticket {
    int id;
    int completions; /* must end at exactly 1 for a PENDING consume */
    otelc_status status;
};

/* The table; reset with fh_reset() before each test. */
extern const otelc_host_api fh_api;
/* A context pointer to pass to create(); never dereferenced. */
extern otelc_ctx *const fh_ctx;

void fh_reset(void);
/* What emit answers from now on: OK, PENDING, RETRY or REJECT. */
void fh_set_mode(otelc_status mode);
/* Emits counted from 0: the at-th and later ones answer mode instead. */
void fh_set_mode_from(size_t at, otelc_status mode);

/* How often the plugin said it can take data again (consume_ready). */
int fh_consume_ready_calls(void);

/* How often the plugin called export_batching; the last request into
 * *out (may be NULL; its strings are the plugin's). */
int fh_batching(otelc_batching *out);

/* Emitted batches, in order (the fake keeps a reference to each). */
size_t fh_emitted(void);
otelc_batch *fh_emitted_at(size_t i);
/* Spans of all emitted batches. */
uint64_t fh_emitted_spans(void);
/* Waits up to ms for at least n emitted batches; returns the count. */
size_t fh_wait_emitted(size_t n, int ms);

/* Answers every PENDING emit so far with st (from the calling thread). */
size_t fh_finish_pending(otelc_status st);

/* Tickets: id is for the test's own bookkeeping. */
otelc_ticket *fh_ticket(int id);
/* True once t was completed (exactly once is asserted by fh_reset). */
bool fh_done(const otelc_ticket *t);
/* fh_done, waiting up to ms for a completion from another thread. */
bool fh_wait_done(const otelc_ticket *t, int ms);

/* Metric values by name (labels ignored): counter/gauge value, histogram
 * observation count and sum. 0 for an unknown name. */
double fh_metric(const char *name);
uint64_t fh_observations(const char *name);
double fh_observed_sum(const char *name);
/* Logged lines containing needle. */
size_t fh_logged(const char *needle);

/* CLOCK_MONOTONIC now plus ms, for deadlines. */
int64_t fh_deadline(int ms);

/* Releases the fake's batch references and series; checks every ticket
 * was completed at most once and no batch leaked (returns -1 if not). */
int fh_teardown(void);

#endif
