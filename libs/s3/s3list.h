/*
 * s3list.h: one page of a ListObjectsV2 answer: the objects' keys, times
 * and sizes, and the token of the next page.
 */
#ifndef OTELC_S3_S3LIST_H
#define OTELC_S3_S3LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_KEY_MAX 1025 /* S3 keys are at most 1024 bytes, plus NUL */

typedef struct s3_list_entry {
    char key[S3_KEY_MAX];
    int64_t modified_ns; /* LastModified; 0 when absent or unreadable */
    uint64_t size;
} s3_list_entry;

typedef struct s3_list_page {
    s3_list_entry *items; /* malloc'd */
    size_t n;
    bool truncated;
    char next_token[1024]; /* NextContinuationToken; "" when none */
} s3_list_page;

/*
 * Reads the <Contents> entries, <IsTruncated> and <NextContinuationToken>
 * of a ListBucketResult (xml need not be NUL-terminated). Keys keep their
 * bytes, with XML entities and character references decoded; keys too
 * long for S3_KEY_MAX are skipped. Returns 0 with *out filled (free it
 * with s3_list_page_free), -EBADMSG when xml is not a ListBucketResult,
 * or -ENOMEM. Pure; any thread.
 */
int s3_list_parse(const char *xml, size_t len, s3_list_page *out);

void s3_list_page_free(s3_list_page *p);

#endif /* OTELC_S3_S3LIST_H */
