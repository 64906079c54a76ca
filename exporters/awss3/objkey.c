/*
 * objkey.c: object keys from a layout and a batch identity.
 */
#include "objkey.h"

#include <inttypes.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

awss3_identity awss3_identity_of(const otelc_batch_meta *meta, int64_t now_ns, uint64_t random_id)
{
    bool recorded = meta && meta->struct_size >= offsetof(otelc_batch_meta, enqueued_ns) +
                                                     sizeof(meta->enqueued_ns) &&
                    meta->batch_id != 0;
    if (recorded)
        return (awss3_identity){meta->batch_id, meta->enqueued_ns ? meta->enqueued_ns : now_ns};
    return (awss3_identity){random_id, now_ns};
}

void awss3_unique(char out[AWSS3_UNIQUE_SIZE], awss3_identity ident)
{
    snprintf(out, AWSS3_UNIQUE_SIZE, "%016" PRIx64 "-%016" PRIx64, (uint64_t)ident.time_ns,
             ident.id);
}

/* strftime of the partition in UTC; 0 and "" for an empty format. */
static int partition(char *out, size_t size, const char *format, int64_t time_ns)
{
    out[0] = 0;
    if (!format || !*format)
        return 0;
    /* Floor division keeps times before 1970 in the right second. */
    time_t secs = (time_t)(time_ns / 1000000000 - (time_ns % 1000000000 < 0));
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return -1;
    size_t n = strftime(out, size, format, &tm);
    return n == 0 ? -1 : (int)n;
}

int awss3_object_key(char *out, size_t size, const awss3_key_layout *layout,
                     awss3_identity ident)
{
    char part[512], unique[AWSS3_UNIQUE_SIZE];
    if (partition(part, sizeof(part), layout->partition_format, ident.time_ns) < 0)
        return -1;
    awss3_unique(unique, ident);
    const char *prefix = layout->prefix ? layout->prefix : "";
    int n = snprintf(out, size, "%s%s%s%s%s%s_%s%s", prefix, *prefix ? "/" : "", part,
                     *part ? "/" : "", layout->file_prefix ? layout->file_prefix : "",
                     layout->signal ? layout->signal : "traces", unique,
                     layout->extension ? layout->extension : "");
    if (n < 0 || (size_t)n >= size || n > S3_KEY_MAX - 1)
        return -1;
    return n;
}

/* Where the unique part of an object name starts, after its signal. */
static const char *unique_of(const char *name)
{
    static const char *const signals[] = {"traces_", "metrics_", "logs_"};
    for (size_t i = 0; i < 3; i++) {
        const char *u = strstr(name, signals[i]);
        if (u)
            return u + strlen(signals[i]);
    }
    return NULL;
}

int64_t awss3_key_time(const char *key)
{
    const char *name = strrchr(key, '/');
    const char *u = unique_of(name ? name : key);
    if (!u)
        return -1;
    for (int i = 0; i < 16; i++)
        if (!isxdigit((unsigned char)u[i]))
            return -1;
    if (u[16] != '-')
        return -1;
    char hex[17];
    memcpy(hex, u, 16);
    hex[16] = 0;
    return (int64_t)strtoull(hex, NULL, 16);
}
