/*
 * multipart.h: how a payload is cut into S3 multipart parts, and the
 * CompleteMultipartUpload body that stitches them together.
 */
#ifndef OTELC_S3_MULTIPART_H
#define OTELC_S3_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define S3_MAX_PARTS 10000 /* S3's limit on parts per upload */
#define S3_ETAG_SIZE 128   /* room for a part's ETag, quotes included */

typedef struct s3_plan {
    uint64_t part_size; /* every part but the last has this size */
    uint32_t nparts;    /* 1: a single PUT, no multipart upload */
} s3_plan;

/*
 * Plans total bytes with the configured part size (>= 5 MiB): a single PUT
 * up to part_size, otherwise ceil(total / part_size) parts. When that would
 * exceed S3_MAX_PARTS the part size grows (in whole MiB) until it fits.
 * Pure; any thread.
 */
s3_plan s3_plan_parts(uint64_t total, uint64_t part_size);

/* Byte range of part i (0-based) of a total-byte payload planned as p. */
void s3_plan_range(const s3_plan *p, uint64_t total, uint32_t i, uint64_t *off, uint64_t *len);

/*
 * Builds <CompleteMultipartUpload> listing parts 1..n with their ETags
 * (etags[i] as S3 returned them, quotes included; XML-escaped here).
 * Returns a malloc'd NUL-terminated body the caller frees and sets *len,
 * or NULL if memory ran out. Pure; any thread.
 */
char *s3_complete_body(const char (*etags)[S3_ETAG_SIZE], uint32_t n, size_t *len);

#endif /* OTELC_S3_MULTIPART_H */
