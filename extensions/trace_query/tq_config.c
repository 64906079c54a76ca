/*
 * tq_config.c: the extension's keys (the awss3 exporter's s3uploader
 * names, so the table's location is copied from the writer's config) and
 * the settings derived from them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace_query.h"

#define AT(f) offsetof(tq_cfg, f)
#define U "s3uploader."

const otelc_cfg_key tq_config_keys[] = {
    {"endpoint", OTELC_CFG_STRING, "localhost:16686", "where the query API is served",
     AT(endpoint), 0},
    {"tls", OTELC_CFG_NODE, NULL,
     "TLS of the endpoint: cert_file, key_file, client_ca_file, min_version (1.2), max_version",
     AT(tls), 0},
    {"auth", OTELC_CFG_NODE, NULL,
     "authenticator: the id of an extension checking requests (basicauth, bearertokenauth)",
     AT(auth), 0},
    {"s3uploader", OTELC_CFG_SECTION, NULL, "the bucket the trace table is in", 0, 0},
    {U "region", OTELC_CFG_STRING, "us-east-1", "AWS region (signing scope)", AT(region), 0},
    {U "s3_bucket", OTELC_CFG_STRING, NULL, "bucket (required)", AT(s3_bucket), 0},
    {U "s3_prefix", OTELC_CFG_STRING, NULL, "key prefix inside the bucket", AT(s3_prefix), 0},
    {U "s3_base_prefix", OTELC_CFG_STRING, NULL, "root prefix put before s3_prefix",
     AT(s3_base_prefix), 0},
    {U "s3_partition_format", OTELC_CFG_STRING, "year=%Y/month=%m/day=%d/hour=%H/minute=%M",
     "the writers' partition format (listed per hour)", AT(s3_partition_format), 0},
    {U "endpoint", OTELC_CFG_STRING, NULL, "S3 endpoint URL (default: AWS for the region)",
     AT(s3_endpoint), 0},
    {U "s3_force_path_style", OTELC_CFG_BOOL, "false", "bucket in the path, not the host name",
     AT(s3_force_path_style), 0},
    {U "disable_ssl", OTELC_CFG_BOOL, "false", "http instead of https for a scheme-less endpoint",
     AT(disable_ssl), 0},
    {U "ca_file", OTELC_CFG_STRING, NULL, "PEM file of CAs trusted for the endpoint",
     AT(ca_file), 0},
    {U "insecure_skip_verify", OTELC_CFG_BOOL, "false", "do not verify the TLS certificate",
     AT(insecure_skip_verify), 0},
    {U "access_key_id", OTELC_CFG_STRING, NULL, "access key id (else env, else shared file)",
     AT(access_key_id), 0},
    {U "secret_access_key", OTELC_CFG_STRING, NULL, "secret access key", AT(secret_access_key),
     OTELC_KEY_SECRET},
    {U "session_token", OTELC_CFG_STRING, NULL, "session token of temporary credentials",
     AT(session_token), OTELC_KEY_SECRET},
    {"lookback", OTELC_CFG_DURATION, "24h",
     "how far back services, searches and trace by id without a time range look",
     AT(lookback_ns), 0},
    {"list_interval", OTELC_CFG_DURATION, "10s", "how long a listing of an open hour is reused",
     AT(list_interval_ns), 0},
    {"cache", OTELC_CFG_SECTION, NULL, "footers and bloom filters kept in memory", 0, 0},
    {"cache.max_size", OTELC_CFG_SIZE, "256MiB",
     "memory the cache may use, and disk with cache.directory", AT(cache_max_size), 0},
    {"cache.directory", OTELC_CFG_STRING, NULL,
     "keeps file footers and bloom filters on disk across restarts; none: memory only",
     AT(cache_directory), 0},
    {"compaction", OTELC_CFG_SECTION, NULL, "merging an hour's small files into large sorted ones",
     0, 0},
    {"compaction.enabled", OTELC_CFG_BOOL, "false", "this instance compacts the table",
     AT(compact_enabled), 0},
    {"compaction.interval", OTELC_CFG_DURATION, "5m", "how often the closed hours are looked at",
     AT(compact_interval_ns), 0},
    {"compaction.min_age", OTELC_CFG_DURATION, "10m",
     "an hour is compacted once it ended this long ago", AT(compact_min_age_ns), 0},
    {"compaction.min_files", OTELC_CFG_INT, "2", "fewer small files than this are left alone",
     AT(compact_min_files), 0},
    {"compaction.max_file_size", OTELC_CFG_SIZE, "256MiB",
     "the small files merged into one output add up to at most this", AT(compact_max_file_size),
     0},
    {"compaction.row_group_rows", OTELC_CFG_INT, "131072", "rows per row group of an output",
     AT(compact_group_rows), 0},
    {0},
};

static int fail(char *err, size_t n, const char *fmt, ...) OTELC_PRINTF(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Appends part to out with one '/' between, without the part's outer
 * slashes. -1 if it does not fit. */
static int join_prefix(char *out, size_t cap, const char *part)
{
    if (!part)
        return 0;
    while (*part == '/')
        part++;
    size_t len = strlen(part), have = strlen(out);
    while (len && part[len - 1] == '/')
        len--;
    if (!len)
        return 0;
    int n = snprintf(out + have, cap - have, "%s%.*s", have ? "/" : "", (int)len, part);
    return n < 0 || (size_t)n >= cap - have ? -1 : 0;
}

/* The format up to the end of the path segment holding %H: the prefix
 * one hour's files share. */
static int pick_hour_format(tq_settings *out, const char *pf, char *err, size_t n)
{
    const char *h = strstr(pf, "%H");
    if (!h)
        return fail(err, n, "s3uploader.s3_partition_format: \"%s\" has no hour (%%H); the "
                    "table is listed per hour", pf);
    const char *end = strchr(h, '/');
    size_t len = end ? (size_t)(end - pf) : strlen(pf);
    if (len >= sizeof(out->hour_format))
        return fail(err, n, "s3uploader.s3_partition_format: too long");
    memcpy(out->hour_format, pf, len);
    out->hour_format[len] = 0;
    return 0;
}

static int pick_endpoint(tq_settings *out, const tq_cfg *cfg, char *err, size_t n)
{
    if (!cfg->s3_bucket || !*cfg->s3_bucket || strchr(cfg->s3_bucket, '/'))
        return fail(err, n, "s3uploader.s3_bucket: a bucket name is required");
    s3_endpoint_in in = {cfg->s3_endpoint, cfg->region, cfg->s3_bucket, cfg->disable_ssl,
                         cfg->s3_force_path_style};
    if (s3_endpoint_resolve(&in, &out->ep, err, n) != 0)
        return -1;
    out->ep.insecure_skip_verify = cfg->insecure_skip_verify;
    if (cfg->ca_file && strlen(cfg->ca_file) >= sizeof(out->ep.ca_file))
        return fail(err, n, "s3uploader.ca_file: path too long");
    snprintf(out->ep.ca_file, sizeof(out->ep.ca_file), "%s", cfg->ca_file ? cfg->ca_file : "");
    return 0;
}

static int pick_compaction(tq_compact_settings *c, const tq_cfg *cfg, char *err, size_t n)
{
    if (cfg->compact_interval_ns <= 0)
        return fail(err, n, "compaction.interval: must be positive");
    if (cfg->compact_min_age_ns < 0)
        return fail(err, n, "compaction.min_age: must not be negative");
    if (cfg->compact_min_files < 2 || cfg->compact_min_files > 100000)
        return fail(err, n, "compaction.min_files: from 2 to 100000");
    if (cfg->compact_group_rows < 1024 || cfg->compact_group_rows > (1 << 24))
        return fail(err, n, "compaction.row_group_rows: from 1024 to 16777216");
    if (cfg->compact_max_file_size < (1u << 20) || cfg->compact_max_file_size > (4ull << 30))
        return fail(err, n, "compaction.max_file_size: from 1MiB to 4GiB");
    *c = (tq_compact_settings){cfg->compact_enabled, cfg->compact_interval_ns,
                               cfg->compact_min_age_ns, (size_t)cfg->compact_min_files,
                               (size_t)cfg->compact_group_rows, cfg->compact_max_file_size};
    return 0;
}

int tq_settings_init(tq_settings *out, const tq_cfg *cfg, char *err, size_t n)
{
    memset(out, 0, sizeof(*out));
    if (join_prefix(out->key_prefix, sizeof(out->key_prefix), cfg->s3_base_prefix) != 0 ||
        join_prefix(out->key_prefix, sizeof(out->key_prefix), cfg->s3_prefix) != 0)
        return fail(err, n, "s3uploader.s3_prefix: too long");
    if (cfg->lookback_ns <= 0 || cfg->list_interval_ns < 0)
        return fail(err, n, "lookback: must be positive");
    out->lookback_ns = cfg->lookback_ns;
    out->list_interval_ns = cfg->list_interval_ns;
    out->cache_max_size = cfg->cache_max_size;
    if (cfg->cache_directory && strlen(cfg->cache_directory) >= sizeof(out->cache_dir))
        return fail(err, n, "cache.directory: path too long");
    snprintf(out->cache_dir, sizeof(out->cache_dir), "%s",
             cfg->cache_directory ? cfg->cache_directory : "");
    return pick_hour_format(out, cfg->s3_partition_format, err, n) != 0 ||
                   pick_endpoint(out, cfg, err, n) != 0 ||
                   pick_compaction(&out->compact, cfg, err, n) != 0
               ? -1
               : 0;
}
