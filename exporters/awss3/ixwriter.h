/*
 * ixwriter.h: the index writer: the one thread that writes the index.
 *
 * Operations queue up from any thread; the writer takes everything queued
 * and applies it in one transaction (group commit), prunes in the same
 * transaction, commits, then reports each operation's outcome. It also
 * prunes on a timer when idle, so retention holds without traffic.
 */
#ifndef OTELC_AWSS3_IXWRITER_H
#define OTELC_AWSS3_IXWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include <otelc/plugin.h>

#include "index.h"

typedef enum ix_op_kind {
    IX_OP_ADD = 0, /* index an object */
    IX_OP_CLEAR,   /* empty the index */
} ix_op_kind;

typedef struct ix_op ix_op;

/* Called once on the writer thread after the commit: rc is 0, a negative
 * errno or OTLP_E* code (the request could not be read), or an MDB error.
 * The op is the caller's again from this call on. */
typedef void (*ix_done_fn)(ix_op *op, int rc);

struct ix_op {
    ix_op_kind kind;
    const struct iovec *segs; /* ADD: the request (borrowed until done) */
    size_t nsegs;
    ix_object object;         /* ADD: key borrowed until done */
    ix_span *summaries;       /* ADD: the request's summaries taken already
                               * (borrowed until done; reordered), or NULL
                               * for the writer to take them from segs */
    size_t nsummaries;
    ix_done_fn done;
    void *arg;
    size_t spans;             /* out: spans indexed */
    bool dup;                 /* out: the object was indexed already */
    ix_op *next;              /* the writer's */
};

typedef struct ix_writer ix_writer;

/*
 * Starts the writer thread over env e (borrowed; must outlive the
 * writer). ctx and api are for logging. NULL if the thread or memory
 * could not be had. Main thread.
 */
ix_writer *ix_writer_start(ix_env *e, otelc_ctx *ctx, const otelc_host_api *api);

/* Queues op (the caller's until done). Any thread. false after stop
 * began: op was not taken and done will not be called. */
bool ix_writer_submit(ix_writer *w, ix_op *op);

/* Submits op and waits for its outcome; returns what done would get.
 * Not from the writer thread. op->done and op->arg are set by the call. */
int ix_writer_run(ix_writer *w, ix_op *op);

/* Applies what is queued, stops and joins the thread, frees w. Main
 * thread; NULL is a no-op. */
void ix_writer_stop(ix_writer *w);

/* Nanoseconds the last commit took and how many spans it wrote, for
 * logs and measurements. Any thread. */
void ix_writer_last_commit(ix_writer *w, int64_t *ns, size_t *spans);

#endif /* OTELC_AWSS3_IXWRITER_H */
