/*
 * fetch.h: reading from the bucket for the query API: GET of an object,
 * and GET of the bucket (ListObjectsV2), run on the client's loop thread
 * with the uploads' client and signer, waited for by a query thread; and,
 * for compaction, a whole object PUT or DELETEd the same way.
 *
 * A thread fills s3_fetch structs, hands them to the loop in a group and
 * waits until every one is done. The loop signs and starts each, and on
 * its end stores the outcome and tells the group. At shutdown the loop
 * ends every fetch with -ECANCELED.
 */
#ifndef OTELC_S3_FETCH_H
#define OTELC_S3_FETCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "request.h"
#include "s3list.h"

#define S3_FETCH_MAX_QUERY 4

typedef struct s3_fetch_group s3_fetch_group;

typedef struct s3_fetch {
    /* Set by the caller. */
    char key[S3_KEY_MAX];  /* object key; "" for the bucket itself */
    sigv4_pair query[S3_FETCH_MAX_QUERY]; /* unencoded; strings the caller's */
    size_t nquery;
    size_t max_bytes;         /* the largest answer taken */
    uint64_t range_off, range_len; /* a byte range of the object; len 0: all of it */
    const char *method;       /* NULL or "GET"; "PUT" (body below) or "DELETE" */
    const void *put_body;     /* PUT: the object (borrowed until done) */
    size_t put_len;
    const char *put_sha256;   /* PUT: the body's hex SHA-256 (sigv4_payload_hash) */
    const char *content_type; /* PUT: the object's Content-Type, or NULL */

    /* Outcome, valid once the group is done. */
    int rc;         /* 0 (2xx), -ENOENT (404), -EIO (with reason), -ECANCELED, -EFBIG,
                     * -ENOMEM */
    long status;    /* HTTP status, 0 if none */
    char *body;     /* the answer (NUL-ended); the caller frees it */
    size_t len;
    char reason[384];

    /* The loop's. */
    s3_request req;
    struct iovec put_iov; /* the PUT body as the request reads it */
    const s3_creds *creds;
    /* Called on the loop thread when a started fetch ends, before the
     * group hears of it (the owner of the loop unlinks it there). */
    void (*on_end)(void *arg, struct s3_fetch *f);
    void *end_arg;
    s3_fetch_group *group;
    struct s3_fetch *next;
} s3_fetch;

struct s3_fetch_group {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t pending;
};

/* Initializes / destroys a group (the caller's, usually on its stack). */
void s3_fetch_group_init(s3_fetch_group *g);
void s3_fetch_group_fini(s3_fetch_group *g);

/* Counts f as pending in g before it is handed to the loop. */
void s3_fetch_group_add(s3_fetch_group *g, s3_fetch *f);

/* Waits until every fetch of the group is done. */
void s3_fetch_group_wait(s3_fetch_group *g);

/*
 * Loop thread: signs and starts f with creds (borrowed until done); on a
 * failure to start, f is done at once with -EIO. Either way the group
 * hears of it exactly once.
 */
void s3_fetch_start(s3_fetch *f, const s3_client *c, const s3_creds *creds);

/* Loop thread: ends a fetch that was not started (or is being cancelled:
 * its transfer must have been taken off the loop) with rc. */
void s3_fetch_finish(s3_fetch *f, int rc, const char *reason);

#endif /* OTELC_S3_FETCH_H */
