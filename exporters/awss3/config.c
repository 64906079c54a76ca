/*
 * config.c: the awss3 key table and the checks that turn it into settings.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s3/endpoint.h"

#define U "s3uploader."
#define AT(f) offsetof(awss3_cfg, f)
#define UNSUPPORTED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_UNSUPPORTED}
#define IGNORED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_IGNORED}

const otelc_cfg_key awss3_config_keys[] = {
    {"s3uploader", OTELC_CFG_SECTION, NULL, "where and how objects are written", 0, 0},
    {U "region", OTELC_CFG_STRING, "us-east-1", "AWS region (signing scope)", AT(region), 0},
    {U "s3_bucket", OTELC_CFG_STRING, NULL, "bucket (required)", AT(s3_bucket), 0},
    {U "s3_prefix", OTELC_CFG_STRING, NULL, "key prefix inside the bucket", AT(s3_prefix), 0},
    {U "s3_base_prefix", OTELC_CFG_STRING, NULL, "root prefix put before s3_prefix",
     AT(s3_base_prefix), 0},
    {U "s3_partition_format", OTELC_CFG_STRING, "year=%Y/month=%m/day=%d/hour=%H/minute=%M",
     "strftime layout of the time partition (UTC)", AT(s3_partition_format), 0},
    {U "s3_partition_timezone", OTELC_CFG_STRING, NULL, "partition time zone: only UTC",
     AT(s3_partition_timezone), 0},
    {U "file_prefix", OTELC_CFG_STRING, NULL, "object name prefix", AT(file_prefix), 0},
    {U "endpoint", OTELC_CFG_STRING, NULL, "S3 endpoint URL (default: AWS for the region)",
     AT(endpoint), 0},
    {U "s3_force_path_style", OTELC_CFG_BOOL, "false", "bucket in the path, not the host name",
     AT(s3_force_path_style), 0},
    {U "disable_ssl", OTELC_CFG_BOOL, "false", "http instead of https for a scheme-less endpoint",
     AT(disable_ssl), 0},
    {U "compression", OTELC_CFG_STRING, "none", "none | gzip | zstd", AT(compression), 0},
    {U "storage_class", OTELC_CFG_STRING, "STANDARD", "S3 storage class of new objects",
     AT(storage_class), 0},
    {U "acl", OTELC_CFG_STRING, NULL, "canned ACL of new objects", AT(acl), 0},
    {U "part_size", OTELC_CFG_SIZE, "16MiB", "multipart above this size; part size (>= 5MiB)",
     AT(part_size), 0},
    {U "ca_file", OTELC_CFG_STRING, NULL, "PEM file of CAs trusted for the endpoint",
     AT(ca_file), 0},
    {U "insecure_skip_verify", OTELC_CFG_BOOL, "false", "do not verify the TLS certificate",
     AT(insecure_skip_verify), 0},
    {U "access_key_id", OTELC_CFG_STRING, NULL, "access key id (else env, else shared file)",
     AT(access_key_id), OTELC_KEY_SECRET},
    {U "secret_access_key", OTELC_CFG_STRING, NULL, "secret access key", AT(secret_access_key),
     OTELC_KEY_SECRET},
    {U "session_token", OTELC_CFG_STRING, NULL, "session token of temporary credentials",
     AT(session_token), OTELC_KEY_SECRET},
    UNSUPPORTED(U "role_arn", OTELC_CFG_STRING, "role to assume"),
    UNSUPPORTED(U "external_id", OTELC_CFG_STRING, "external id for role_arn"),
    UNSUPPORTED(U "notifications", OTELC_CFG_SECTION, "upload notifications"),
    IGNORED(U "retry_mode", OTELC_CFG_STRING, "SDK retries: otelc uses retry_on_failure"),
    IGNORED(U "retry_max_attempts", OTELC_CFG_INT, "SDK retries: otelc uses retry_on_failure"),
    IGNORED(U "retry_max_backoff", OTELC_CFG_DURATION, "SDK retries: otelc uses retry_on_failure"),
    IGNORED(U "unique_key_func_name", OTELC_CFG_STRING,
            "otelc derives the unique key part from the batch identity"),
    {"marshaler", OTELC_CFG_STRING, "otlp_json", "otlp_json | otlp_proto | parquet", AT(marshaler),
     0},
    UNSUPPORTED("encoding", OTELC_CFG_STRING, "encoding extension"),
    UNSUPPORTED("encoding_file_extension", OTELC_CFG_STRING, "extension for encoding"),
    UNSUPPORTED("resource_attrs_to_s3", OTELC_CFG_SECTION, "bucket/prefix from attributes"),
    {0},
};

static int fail(char *err, size_t size, const char *fmt, ...) OTELC_PRINTF(3, 4);
static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

/* Index of s in the NULL-terminated list, or -1. */
static int one_of(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    return -1;
}

const char *awss3_content_type(awss3_marshaler m)
{
    static const char *const content_types[] = {"application/json", "application/x-protobuf",
                                                "application/vnd.apache.parquet"};
    return content_types[m];
}

awss3_marshaler awss3_marshaler_for(const awss3_settings *s, otelc_signal sig)
{
    return s->marshaler == AWSS3_PARQUET && sig != OTELC_TRACES ? AWSS3_OTLP_JSON : s->marshaler;
}

static int pick_marshaler(awss3_settings *out, const char *m, char *err, size_t n)
{
    static const char *const known[] = {"otlp_json", "otlp_proto", "parquet", NULL};
    static const char *const later[] = {"sumo_ic", "body", NULL};
    int i = one_of(m ? m : "otlp_json", known);
    if (i >= 0) {
        out->marshaler = (awss3_marshaler)i;
        out->obj.content_type = awss3_content_type(out->marshaler);
        return 0;
    }
    if (one_of(m, later) >= 0)
        return fail(err, n, "marshaler: %s is not supported yet (otlp_json, otlp_proto or parquet)",
                    m);
    return fail(err, n, "marshaler: unknown marshaler \"%s\" (otlp_json, otlp_proto or parquet)",
                m);
}

/* Parquet compresses its pages inside the file: compressing the object
 * as well would only hide the footer from ranged reads. */
static int check_parquet_compression(const awss3_settings *out, const char *c, char *err,
                                     size_t n)
{
    if (out->marshaler != AWSS3_PARQUET || out->compression == AWSS3_COMPRESS_NONE)
        return 0;
    return fail(err, n,
                "s3uploader.compression: \"%s\" cannot be used with marshaler parquet (its pages "
                "are zstd-compressed inside the file; set compression: none)",
                c);
}

static int pick_compression(awss3_settings *out, const char *c, char *err, size_t n)
{
    static const char *const known[] = {"", "none", "gzip", "zstd", NULL};
    static const awss3_compression kind[] = {AWSS3_COMPRESS_NONE, AWSS3_COMPRESS_NONE,
                                             AWSS3_COMPRESS_GZIP, AWSS3_COMPRESS_ZSTD};
    int i = one_of(c ? c : "", known);
    if (i < 0)
        return fail(err, n, "s3uploader.compression: \"%s\" is not supported (none, gzip or zstd)",
                    c);
    out->compression = kind[i];
    out->obj.content_encoding = kind[i] == AWSS3_COMPRESS_GZIP   ? "gzip"
                            : kind[i] == AWSS3_COMPRESS_ZSTD ? "zstd"
                                                             : NULL;
    return check_parquet_compression(out, c, err, n);
}

static int pick_object_headers(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t n)
{
    static const char *const classes[] = {"STANDARD", "STANDARD_IA", "ONEZONE_IA",
                                          "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", NULL};
    static const char *const acls[] = {"private", "public-read", "public-read-write",
                                       "authenticated-read", "aws-exec-read", "bucket-owner-read",
                                       "bucket-owner-full-control", NULL};
    const char *sc = empty(cfg->storage_class) ? "STANDARD" : cfg->storage_class;
    if (one_of(sc, classes) < 0)
        return fail(err, n, "s3uploader.storage_class: unknown storage class \"%s\"", sc);
    /* STANDARD is what S3 does without the header. */
    snprintf(out->obj.storage_class, sizeof(out->obj.storage_class), "%s",
             strcmp(sc, "STANDARD") == 0 ? "" : sc);
    if (!empty(cfg->acl) && one_of(cfg->acl, acls) < 0)
        return fail(err, n, "s3uploader.acl: unknown canned ACL \"%s\"", cfg->acl);
    snprintf(out->obj.acl, sizeof(out->obj.acl), "%s", empty(cfg->acl) ? "" : cfg->acl);
    return 0;
}

static bool region_ok(const char *r)
{
    size_t len = strlen(r);
    if (len == 0 || len >= 64)
        return false;
    for (const char *p = r; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
            return false;
    return true;
}

/* Appends part to out (cap bytes) with one '/' between, dropping the
 * part's outer slashes. Returns -1 if it does not fit. */
static int join_prefix(char *out, size_t cap, const char *part)
{
    if (empty(part))
        return 0;
    while (*part == '/')
        part++;
    size_t len = strlen(part);
    while (len && part[len - 1] == '/')
        len--;
    if (!len)
        return 0;
    size_t have = strlen(out);
    int n = snprintf(out + have, cap - have, "%s%.*s", have ? "/" : "", (int)len, part);
    return n < 0 || (size_t)n >= cap - have ? -1 : 0;
}

static int pick_layout(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t n)
{
    const char *tz = cfg->s3_partition_timezone;
    if (!empty(tz) && strcmp(tz, "UTC") != 0 && strcmp(tz, "Etc/UTC") != 0)
        return fail(err, n, "s3uploader.s3_partition_timezone: only UTC is supported, not \"%s\"",
                    tz);
    out->key_prefix[0] = 0;
    if (join_prefix(out->key_prefix, sizeof(out->key_prefix), cfg->s3_base_prefix) != 0 ||
        join_prefix(out->key_prefix, sizeof(out->key_prefix), cfg->s3_prefix) != 0)
        return fail(err, n, "s3uploader.s3_prefix: too long");
    const char *pf = cfg->s3_partition_format ? cfg->s3_partition_format : "";
    if (strlen(pf) >= sizeof(out->partition_format))
        return fail(err, n, "s3uploader.s3_partition_format: too long");
    snprintf(out->partition_format, sizeof(out->partition_format), "%s", pf);
    const char *fp = cfg->file_prefix ? cfg->file_prefix : "";
    if (strlen(fp) >= sizeof(out->file_prefix) || strchr(fp, '/'))
        return fail(err, n, "s3uploader.file_prefix: too long or holds '/'");
    snprintf(out->file_prefix, sizeof(out->file_prefix), "%s", fp);
    snprintf(out->extension, sizeof(out->extension), "%s",
             awss3_extension(out->marshaler, out->compression));
    return 0;
}

static int pick_part_size(awss3_settings *out, uint64_t size, char *err, size_t n)
{
    if (size < AWSS3_MIN_PART_SIZE || size > AWSS3_MAX_PART_SIZE)
        return fail(err, n, "s3uploader.part_size: %llu bytes is outside 5MiB..5GiB",
                    (unsigned long long)size);
    out->part_size = size;
    return 0;
}

static int pick_tls(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t n)
{
    out->ep.insecure_skip_verify = cfg->insecure_skip_verify;
    const char *ca = cfg->ca_file ? cfg->ca_file : "";
    if (strlen(ca) >= sizeof(out->ep.ca_file))
        return fail(err, n, "s3uploader.ca_file: path too long");
    snprintf(out->ep.ca_file, sizeof(out->ep.ca_file), "%s", ca);
    return 0;
}

static int pick_target(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t n)
{
    const char *region = empty(cfg->region) ? "us-east-1" : cfg->region;
    if (!region_ok(region))
        return fail(err, n, "s3uploader.region: \"%s\" is not a region name", region);
    if (empty(cfg->s3_bucket))
        return fail(err, n, "s3uploader.s3_bucket is required");
    if (strlen(cfg->s3_bucket) >= sizeof(out->ep.bucket) || strchr(cfg->s3_bucket, '/'))
        return fail(err, n, "s3uploader.s3_bucket: \"%s\" is not a bucket name", cfg->s3_bucket);
    s3_endpoint_in in = {cfg->endpoint, region, cfg->s3_bucket, cfg->disable_ssl,
                         cfg->s3_force_path_style};
    return s3_endpoint_resolve(&in, &out->ep, err, n);
}

int awss3_settings_init(awss3_settings *out, const awss3_cfg *cfg, char *err, size_t err_size)
{
    memset(out, 0, sizeof(*out));
    if (pick_marshaler(out, cfg->marshaler, err, err_size) != 0 ||
        pick_compression(out, cfg->compression, err, err_size) != 0 ||
        pick_object_headers(out, cfg, err, err_size) != 0 ||
        pick_layout(out, cfg, err, err_size) != 0 ||
        pick_part_size(out, cfg->part_size, err, err_size) != 0 ||
        pick_tls(out, cfg, err, err_size) != 0 || pick_target(out, cfg, err, err_size) != 0)
        return -1;
    return 0;
}

const char *awss3_extension(awss3_marshaler m, awss3_compression c)
{
    static const char *const names[2][3] = {
        {".json", ".json.gz", ".json.zst"},
        {".binpb", ".binpb.gz", ".binpb.zst"},
    };
    if (m == AWSS3_PARQUET)
        return ".parquet";
    return names[m == AWSS3_OTLP_PROTO][c <= AWSS3_COMPRESS_ZSTD ? c : 0];
}

const char *awss3_marshaler_name(awss3_marshaler m)
{
    return m == AWSS3_PARQUET ? "parquet" : m == AWSS3_OTLP_PROTO ? "otlp_proto" : "otlp_json";
}
