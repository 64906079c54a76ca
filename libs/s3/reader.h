/*
 * reader.h: a client that reads a bucket: a loop thread of its own, GETs
 * (whole objects or byte ranges) and listings handed over in groups by
 * any thread, which waits for its group. For a query service that has no
 * uploads to share a loop with; a fetch may also PUT or DELETE a whole
 * object (fetch.h), which is all compaction writes.
 *
 * Threads: s3_reader_run and s3_reader_list may be called from any number
 * of threads at once; new, start, stop and free belong to one thread (the
 * plugin's main thread).
 */
#ifndef OTELC_S3_READER_H
#define OTELC_S3_READER_H

#include <stddef.h>

#include "creds.h"
#include "endpoint.h"
#include "fetch.h"
#include "s3list.h"

typedef struct s3_reader s3_reader;

/*
 * A reader of the bucket ep names (copied), signing with creds (the
 * reader takes the caller's reference). Nothing runs until start.
 * Returns NULL if memory or libcurl/libevent failed (creds released).
 */
s3_reader *s3_reader_new(const s3_endpoint *ep, s3_creds *creds);

/* Starts the loop thread. 0, or -1. */
int s3_reader_start(s3_reader *r);

/*
 * Runs fs[0..n) (each filled by the caller: key, query, max_bytes, range)
 * and waits until every one has ended; each then holds its outcome (see
 * fetch.h; the caller frees each body). After stop, fetches end with
 * -ECANCELED without running.
 */
void s3_reader_run(s3_reader *r, s3_fetch *const *fs, size_t n);

/*
 * Lists every object under prefix (ListObjectsV2, following continuation
 * tokens). On success returns 0 and *out (malloc'd, the caller frees it)
 * holds *n entries in the bucket's (key) order. Returns -ECANCELED after
 * stop, -EIO with a reason in err (the bucket failed, a bad page), or
 * -ENOMEM.
 */
int s3_reader_list(s3_reader *r, const char *prefix, s3_list_entry **out, size_t *n, char *err,
                   size_t err_size);

/* Ends running fetches with -ECANCELED, refuses new ones and joins the
 * loop thread. Idempotent. */
void s3_reader_stop(s3_reader *r);

/* Stops if needed and frees. NULL is a no-op. */
void s3_reader_free(s3_reader *r);

#endif /* OTELC_S3_READER_H */
