/*
 * config.h: the awss3 exporter's keys and the settings derived from them.
 *
 * The key table declares the collector's awss3exporter keys (the ones otelc
 * does not implement yet are refused or ignored by the host before create)
 * plus otelc's own uploader keys. awss3_settings_init() checks the values
 * and derives everything the uploader needs (base URL, Host header, key
 * layout, content headers), so the hot path never looks at strings again.
 */
#ifndef OTELC_AWSS3_CONFIG_H
#define OTELC_AWSS3_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "s3/endpoint.h"

#define AWSS3_MIN_PART_SIZE (5ull << 20) /* S3's smallest part but the last */
#define AWSS3_MAX_PART_SIZE (5ull << 30) /* S3's largest part and PUT */

/* What the host fills from the key table (strings are the host's, valid
 * until destroy; NULL when absent without a default). */
typedef struct awss3_cfg {
    const char *region;
    const char *s3_bucket;
    const char *s3_prefix;
    const char *s3_base_prefix;
    const char *s3_partition_format;
    const char *s3_partition_timezone;
    const char *file_prefix;
    const char *endpoint;
    bool s3_force_path_style;
    bool disable_ssl;
    const char *compression;
    const char *storage_class;
    const char *acl;
    uint64_t part_size;
    const char *ca_file;
    bool insecure_skip_verify;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *marshaler;
} awss3_cfg;

/* The key table handed to the host; ends with a NULL name. */
extern const otelc_cfg_key awss3_config_keys[];

typedef enum awss3_marshaler {
    AWSS3_OTLP_JSON = 0,
    AWSS3_OTLP_PROTO = 1,
    AWSS3_PARQUET = 2, /* the trace table (libs/parquet); never compressed as a whole */
} awss3_marshaler;

typedef enum awss3_compression {
    AWSS3_COMPRESS_NONE = 0,
    AWSS3_COMPRESS_GZIP = 1,
    AWSS3_COMPRESS_ZSTD = 2,
} awss3_compression;

/* Validated, derived settings. Self-contained: no pointer into the cfg. */
typedef struct awss3_settings {
    awss3_marshaler marshaler;
    awss3_compression compression;
    s3_endpoint ep;        /* where requests go (the S3 client's) */
    s3_object_headers obj; /* what objects are stored with */
    char key_prefix[512];  /* s3_base_prefix/s3_prefix, no outer '/' */
    char partition_format[256];
    char file_prefix[256];
    char extension[16];    /* ".json", ".binpb.gz", ".parquet", ... */
    uint64_t part_size;
} awss3_settings;

/*
 * Checks cfg and fills *out. On a bad value returns -1 and writes a
 * one-line reason naming the key into err (err_size > 0); secrets are never
 * copied into it. Returns 0 on success. Pure: no I/O, any thread.
 */
int awss3_settings_init(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t err_size);

/* The file extension of a marshaler and compression (".binpb.zst"). */
const char *awss3_extension(awss3_marshaler m, awss3_compression c);

/* The marshaler a batch of signal sig is stored with: the configured one,
 * but otlp_json for metrics and logs under parquet (the trace table holds
 * spans only; its compression is none). */
awss3_marshaler awss3_marshaler_for(const awss3_settings *s, otelc_signal sig);

/* The Content-Type of a marshaler's objects (a static string). */
const char *awss3_content_type(awss3_marshaler m);

/* The marshaler's name in the config ("otlp_json", ...). */
const char *awss3_marshaler_name(awss3_marshaler m);

#endif /* OTELC_AWSS3_CONFIG_H */
