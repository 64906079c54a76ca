/*
 * objkey.h: object keys, the collector's awss3exporter layout:
 *
 *   {prefix}/{partition}/{file_prefix}{traces|metrics|logs}_{unique}{extension}
 *
 * where partition is strftime(s3_partition_format) of the batch's enqueue
 * time in UTC and unique is derived from the batch identity the exporter
 * queue recorded, so a re-upload of the same batch writes the same key.
 * Empty prefix or partition parts are left out with their '/'.
 */
#ifndef OTELC_AWSS3_OBJKEY_H
#define OTELC_AWSS3_OBJKEY_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "s3/s3list.h" /* S3_KEY_MAX */

#define AWSS3_UNIQUE_SIZE 34 /* 16 hex digits, '-', 16 hex digits, NUL */

typedef struct awss3_key_layout {
    const char *prefix;           /* "traces" or "" */
    const char *partition_format; /* strftime format, or "" */
    const char *file_prefix;      /* "" or e.g. "host1_" */
    const char *extension;        /* ".binpb.gz" */
    const char *signal;           /* "traces", "metrics", "logs"; NULL: traces */
} awss3_key_layout;

/* A batch's identity: the id and time the queue recorded. */
typedef struct awss3_identity {
    uint64_t id;
    int64_t time_ns; /* unix ns */
} awss3_identity;

/*
 * The identity of a batch from its metadata (meta may be NULL). Batches the
 * queue did not number (batch_id 0, e.g. the in-memory queue) get
 * random_id and now_ns instead. Pure; any thread.
 */
awss3_identity awss3_identity_of(const otelc_batch_meta *meta, int64_t now_ns,
                                 uint64_t random_id);

/* Writes the unique part "<time as 16 hex>-<id as 16 hex>" into out. */
void awss3_unique(char out[AWSS3_UNIQUE_SIZE], awss3_identity ident);

/*
 * Writes the key of a batch with identity ident into out (size bytes).
 * Returns its length, or -1 if it would not fit or exceed S3's 1024 bytes.
 * Pure and thread-safe (gmtime_r).
 */
int awss3_object_key(char *out, size_t size, const awss3_key_layout *layout,
                     awss3_identity ident);

/*
 * The batch time in the unique part of a key of this exporter
 * ("traces_<16 hex digits>-<16 hex digits>.<ext>", or metrics_, logs_),
 * in unix ns; -1 when the key has none. Pure.
 */
int64_t awss3_key_time(const char *key);

#endif /* OTELC_AWSS3_OBJKEY_H */
