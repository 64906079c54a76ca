/*
 * otlp_config_http.c: the settings of the HTTP port (protocols.http).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grpc_inflate.h"
#include "otlp_config.h"

#define H "protocols.http."
#define SEC (INT64_C(1000000000))
#define KIB ((size_t)1024)
#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)
#define MAX_BODY ((size_t)2048 * MIB)

static int bad(char *err, size_t cap, const char *key, const char *why)
{
    snprintf(err, cap, H "%s: %s", key, why);
    return -1;
}

static size_t size_or(uint64_t v, size_t dflt, size_t floor)
{
    if (v == 0)
        return dflt;
    return v < floor ? floor : (size_t)v;
}

static int64_t positive_or(int64_t v, int64_t dflt)
{
    return v > 0 ? v : dflt;
}

/* One of the *_url_path keys into out: the collector makes a relative
 * path absolute and drops a query part. text NULL or empty: dflt. */
static int load_path(const char *key, const char *text, const char *dflt,
                     char out[OTLP_PATH_MAX], char *err, size_t cap)
{
    const char *p = text && *text ? text : dflt;
    size_t n = strcspn(p, "?#");
    size_t lead = p[0] == '/' ? 0 : 1;
    if (n == 0 || n + lead >= OTLP_PATH_MAX)
        return bad(err, cap, key, "must be a path of 1..254 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
            return bad(err, cap, key, "must not hold spaces or control characters");
    out[0] = '/';
    memcpy(out + lead, p, n);
    out[n + lead] = '\0';
    return 0;
}

/* The three export paths; one path cannot take two signals. */
static int load_paths(const otlp_cfg *cfg, otlp_http_opts *o, char *err, size_t cap)
{
    if (load_path("traces_url_path", cfg->http_traces_url_path, "/v1/traces", o->traces_path,
                  err, cap) != 0 ||
        load_path("metrics_url_path", cfg->http_metrics_url_path, "/v1/metrics",
                  o->metrics_path, err, cap) != 0 ||
        load_path("logs_url_path", cfg->http_logs_url_path, "/v1/logs", o->logs_path, err,
                  cap) != 0)
        return -1;
    if (strcmp(o->metrics_path, o->traces_path) == 0)
        return bad(err, cap, "metrics_url_path", "must differ from traces_url_path");
    if (strcmp(o->logs_path, o->traces_path) == 0 || strcmp(o->logs_path, o->metrics_path) == 0)
        return bad(err, cap, "logs_url_path", "must differ from traces_url_path and metrics_url_path");
    return 0;
}

/* Which Content-Encodings are accepted; identity always is. */
static int load_encodings(const otelc_strlist *l, otlp_http_opts *o, char *err, size_t cap)
{
    unsigned all = 1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_GZIP | 1u << GRPC_ENC_ZSTD |
                   1u << GRPC_ENC_DEFLATE;
    if (l->n == 0) {
        o->encodings = all;
        return 0;
    }
    o->encodings = 1u << GRPC_ENC_IDENTITY;
    for (size_t i = 0; i < l->n; i++) {
        const char *a = l->items[i];
        if (!*a || strcasecmp(a, "identity") == 0)
            continue;
        if (strcasecmp(a, "gzip") == 0)
            o->encodings |= 1u << GRPC_ENC_GZIP;
        else if (strcasecmp(a, "zstd") == 0)
            o->encodings |= 1u << GRPC_ENC_ZSTD;
        else if (strcasecmp(a, "zlib") == 0 || strcasecmp(a, "deflate") == 0)
            o->encodings |= 1u << GRPC_ENC_DEFLATE;
        else if (strcasecmp(a, "snappy") == 0 || strcasecmp(a, "x-snappy-framed") == 0 ||
                 strcasecmp(a, "lz4") == 0) {
            char why[96];
            snprintf(why, sizeof(why), "%s is not supported yet", a);
            return bad(err, cap, "compression_algorithms", why);
        } else {
            return bad(err, cap, "compression_algorithms",
                       "entries must be gzip, zstd, zlib, deflate or \"\"");
        }
    }
    return 0;
}

/* Go's http.Server rules: a zero header or idle timeout takes the read
 * timeout; a zero read or write timeout means none. */
static void load_timeouts(const otlp_cfg *c, otlp_http_opts *o)
{
    o->read_ns = positive_or(c->http_read_timeout, OTLP_NEVER);
    o->read_header_ns = positive_or(c->http_read_header_timeout, o->read_ns);
    o->idle_ns = positive_or(c->http_idle_timeout, o->read_ns);
    o->write_ns = positive_or(c->http_write_timeout, OTLP_NEVER);
    o->keepalives = c->http_keepalives_enabled;
    /* Faster than any link: the cap keeps the deadline arithmetic in range. */
    o->min_body_rate = c->http_min_body_rate < GIB ? c->http_min_body_rate : GIB;
}

static int load_limits(const otlp_cfg *c, otlp_settings *s, char *err, size_t cap)
{
    if (c->http_max_request_body_size > MAX_BODY)
        return bad(err, cap, "max_request_body_size", "must be at most 2GiB");
    s->max_msg = size_or(c->http_max_request_body_size, 20 * MIB, 1);
    if (c->http_loop_threads < 1 || c->http_loop_threads > 64)
        return bad(err, cap, "loop_threads", "must be 1..64");
    s->nloops = (unsigned)c->http_loop_threads;
    s->conn_budget = size_or(c->http_max_inflight_bytes_per_connection, 16 * MIB, 64 * KIB);
    s->total_budget = size_or(c->http_max_inflight_bytes, 128 * MIB, 64 * KIB);
    /* h2c connections: the gRPC port's defaults, pings welcome. */
    s->max_streams = 100;
    s->read_chunk = 512 * KIB;
    s->write_limit = 32 * KIB;
    s->age_ns = s->grace_ns = OTLP_NEVER;
    s->ping_ns = 7200 * SEC;
    s->ping_timeout_ns = 20 * SEC;
    s->min_ping_ns = 0;
    s->permit_idle_pings = true;
    return 0;
}

int otlp_http_settings_load(const otlp_cfg *cfg, otlp_settings *s, char *err, size_t errcap)
{
    char why[200];
    memset(s, 0, sizeof(*s));
    if (endpoint_parse(cfg->http_endpoint ? cfg->http_endpoint : "localhost:4318", &s->ep, why,
                       sizeof(why)) != 0)
        return bad(err, errcap, "endpoint", why);
    s->ep.family = AF_UNSPEC;
    otlp_tls_cfg t = {cfg->http_tls_cert_file, cfg->http_tls_key_file,
                      cfg->http_tls_client_ca_file, cfg->http_tls_min_version,
                      cfg->http_tls_max_version};
    if (load_limits(cfg, s, err, errcap) != 0 ||
        otlp_tls_settings_load(&t, H, s, err, errcap) != 0 ||
        load_paths(cfg, &s->http, err, errcap) != 0 ||
        load_encodings(&cfg->http_compression_algorithms, &s->http, err, errcap) != 0)
        return -1;
    load_timeouts(cfg, &s->http);
    s->idle_ns = s->http.idle_ns;
    s->handshake_ns = s->http.read_header_ns; /* h2c: its preface was the "request" */
    s->include_metadata = cfg->http_include_metadata;
    s->http.h1_headers = "";
    return 0;
}

/* Headers every answer sets itself, or that would break the framing. */
static const char *const reserved[] = {
    "content-type", "content-length", "content-encoding", "transfer-encoding", "connection",
    "keep-alive", "upgrade", "te", "trailer", "retry-after", "allow", NULL,
};

static bool is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int otlp_http_header_check(const char *name, const char *value, char *err, size_t errcap)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128) {
        snprintf(err, errcap, "a header name must have 1..128 characters");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)name[i])) {
            snprintf(err, errcap, "header name \"%s\" is not an HTTP token", name);
            return -1;
        }
    for (const char *const *r = reserved; *r; r++)
        if (strcasecmp(*r, name) == 0) {
            snprintf(err, errcap, "header %s is set by otelc itself", name);
            return -1;
        }
    for (const unsigned char *v = (const unsigned char *)value; *v; v++)
        if ((*v < ' ' && *v != '\t') || *v == 0x7f) {
            snprintf(err, errcap, "the value of header %s holds a control character", name);
            return -1;
        }
    if (strlen(value) > 4096) {
        snprintf(err, errcap, "the value of header %s is longer than 4096 bytes", name);
        return -1;
    }
    return 0;
}
