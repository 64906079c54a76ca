/*
 * s3list.h: one page of a ListObjectsV2 answer: the objects' keys, times
 * and sizes, and the token of the next page.
 */
#ifndef OTELC_AWSS3_S3LIST_H
#define OTELC_AWSS3_S3LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objkey.h"

typedef struct s3_list_entry {
    char key[AWSS3_KEY_MAX];
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
 * long for AWSS3_KEY_MAX are skipped. Returns 0 with *out filled (free it
 * with s3_list_page_free), -EBADMSG when xml is not a ListBucketResult,
 * or -ENOMEM. Pure; any thread.
 */
int s3_list_parse(const char *xml, size_t len, s3_list_page *out);

void s3_list_page_free(s3_list_page *p);

/*
 * The batch time in the unique part of a key of this exporter
 * ("traces_<16 hex digits>-<16 hex digits>.<ext>"), in unix ns; -1 when
 * the key has none. Pure.
 */
int64_t awss3_key_time(const char *key);

#endif /* OTELC_AWSS3_S3LIST_H */
