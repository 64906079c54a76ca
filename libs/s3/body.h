/*
 * body.h: a request body read out of a byte range of scattered buffers
 * (a batch's segments or an encoded payload), without copying them first.
 * It is what libcurl's read and seek callbacks serve from, so a transfer
 * that libcurl has to rewind (a redirect, an auth retry, a reused
 * connection that died) sends the very same bytes again.
 */
#ifndef OTELC_S3_BODY_H
#define OTELC_S3_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct s3_body {
    const struct iovec *iov; /* borrowed: must outlive the reads */
    size_t niov;
    uint64_t start; /* the range [start, start + len) of the concatenation */
    uint64_t len;
    uint64_t pos;   /* read position within the range */
    size_t cur;     /* iov index holding start + pos */
    uint64_t cur_off; /* offset of start + pos inside iov[cur] */
} s3_body;

/* Sets up a reader of [start, start + len) over iov[0..niov) at pos 0.
 * The range must lie within the buffers. */
void s3_body_init(s3_body *b, const struct iovec *iov, size_t niov, uint64_t start,
                  uint64_t len);

/* Copies up to n bytes at the position into dst and advances; returns the
 * count, 0 at the end. */
size_t s3_body_read(s3_body *b, void *dst, size_t n);

/* Moves to pos (from the range's start). 0, or -1 if pos > len. */
int s3_body_seek(s3_body *b, uint64_t pos);

/*
 * Writes into out (room for max entries) the iovecs covering [start,
 * start + len) of iov[0..niov); returns how many it used, (size_t)-1 if
 * max is too small. For hashing one part without copying it.
 */
size_t s3_iov_slice(const struct iovec *iov, size_t niov, uint64_t start, uint64_t len,
                    struct iovec *out, size_t max);

#endif /* OTELC_S3_BODY_H */
