/*
 * config.c: the otlp_grpc key table and the checks that turn it into
 * settings.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

const otelc_cfg_key og_config_keys[] = {
    OG_CONFIG_KEY_ROWS("", og_cfg, ) {0},
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

/* configgrpc's names: gzip, zstd and none work; snappy is the one more it
 * knows. */
static int pick_compression(og_settings *out, const char *c, char *err, size_t n)
{
    if (c && strcmp(c, "gzip") == 0)
        out->compression = OG_GZIP;
    else if (c && strcmp(c, "zstd") == 0)
        out->compression = OG_ZSTD;
    else if (empty(c) || strcmp(c, "none") == 0)
        out->compression = OG_NONE;
    else if (strcmp(c, "snappy") == 0)
        return fail(err, n, "compression: snappy is not supported yet (gzip, zstd or none)");
    else
        return fail(err, n, "compression: unsupported compression type \"%s\"", c);
    return 0;
}

/* The endpoint without the schemes the collector strips: http:// and
 * https:// (which forces TLS), dns:/// and passthrough:/// (one target,
 * resolved by the system). NULL with err set for what otelc lacks. */
static const char *strip_scheme(const char *e, bool *https, char *err, size_t n)
{
    static const char *const plain[] = {"http://", "dns:///", "passthrough:///", NULL};
    *https = strncmp(e, "https://", 8) == 0;
    if (*https)
        return e + 8;
    for (size_t i = 0; plain[i]; i++)
        if (strncmp(e, plain[i], strlen(plain[i])) == 0)
            return e + strlen(plain[i]);
    if (strncmp(e, "unix:", 5) == 0) {
        fail(err, n, "endpoint: unix sockets are not supported yet");
        return NULL;
    }
    const char *sep = strstr(e, "://");
    if (sep) {
        fail(err, n, "endpoint: the resolver in \"%s\" is not supported yet (host:port, "
                     "http://, https://, dns:///)", e);
        return NULL;
    }
    return e;
}

static int parse_port(const char *p, uint16_t *out)
{
    char *end;
    long v = strtol(p, &end, 10);
    if (!*p || *end || v < 0 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* Go's net.SplitHostPort: "host:port" or "[v6]:port". */
static int split_host_port(const char *hp, char *host, size_t hcap, uint16_t *port, char *err,
                           size_t n)
{
    const char *colon = strrchr(hp, ':');
    const char *h = hp, *hend = colon;
    if (!colon)
        return fail(err, n, "endpoint: address %s: missing port in address", hp);
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close + 1 != colon)
            return fail(err, n, "endpoint: address %s: missing port in address", hp);
        h = hp + 1;
        hend = close;
    } else if (memchr(hp, ':', (size_t)(colon - hp))) {
        return fail(err, n, "endpoint: address %s: too many colons in address", hp);
    }
    size_t hl = (size_t)(hend - h);
    if (hl == 0 || hl >= hcap || strpbrk(hp, "/ \t\r\n@"))
        return fail(err, n, "endpoint: \"%s\" is not host:port", hp);
    memcpy(host, h, hl);
    host[hl] = 0;
    if (parse_port(colon + 1, port) != 0 || *port == 0)
        return fail(err, n, "endpoint: invalid port \"%s\"", colon + 1);
    return 0;
}

static int pick_endpoint(og_settings *out, const og_cfg *cfg, bool *https, char *err, size_t n)
{
    if (empty(cfg->endpoint))
        return fail(err, n, "endpoint: requires a non-empty \"endpoint\"");
    const char *hp = strip_scheme(cfg->endpoint, https, err, n);
    if (!hp || split_host_port(hp, out->host, sizeof(out->host), &out->port, err, n) != 0)
        return -1;
    snprintf(out->shown, sizeof(out->shown), "%s", hp);
    if (!empty(cfg->authority)) {
        if (strpbrk(cfg->authority, " \t\r\n/@") || strlen(cfg->authority) >= OG_HOST_MAX)
            return fail(err, n, "authority: \"%s\" is not host[:port]", cfg->authority);
        snprintf(out->authority, sizeof(out->authority), "%s", cfg->authority);
    } else {
        snprintf(out->authority, sizeof(out->authority), "%s", hp);
    }
    return 0;
}

/* grpc-go registers these two; one connection serves either here. */
static int pick_balancer(const char *b, char *err, size_t n)
{
    if (empty(b) || strcmp(b, "round_robin") == 0 || strcmp(b, "pick_first") == 0)
        return 0;
    return fail(err, n, "balancer_name: invalid balancer_name: %s (pick_first or round_robin)",
                b);
}

/* "1.0" .. "1.3" as OpenSSL numbers them; -1 when unknown. */
static int tls_version(const char *v)
{
    static const char *const names[] = {"1.0", "1.1", "1.2", "1.3"};
    static const int nums[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(v, names[i]) == 0)
            return nums[i];
    return -1;
}

static int pick_tls_versions(og_tls *t, const og_cfg *cfg, char *err, size_t n)
{
    const char *lo = empty(cfg->tls_min_version) ? "1.2" : cfg->tls_min_version;
    t->min_version = tls_version(lo);
    if (t->min_version < 0)
        return fail(err, n, "tls.min_version: invalid TLS min_version: unsupported TLS version: "
                            "\"%s\"", lo);
    t->max_version = 0;
    if (empty(cfg->tls_max_version))
        return 0;
    t->max_version = tls_version(cfg->tls_max_version);
    if (t->max_version < 0)
        return fail(err, n, "tls.max_version: invalid TLS max_version: unsupported TLS version: "
                            "\"%s\"", cfg->tls_max_version);
    if (t->max_version < t->min_version)
        return fail(err, n, "tls: min_version cannot be greater than max_version");
    return 0;
}

/* configtls's pairing rules: one source per item, certificate with key. */
static int pick_tls_files(og_tls *t, const og_cfg *cfg, char *err, size_t n)
{
    if (!empty(cfg->tls_ca_file) && !empty(cfg->tls_ca_pem))
        return fail(err, n, "tls: provide either a CA file or the PEM-encoded string, but not "
                            "both");
    if (!empty(cfg->tls_cert_file) && !empty(cfg->tls_cert_pem))
        return fail(err, n, "tls: provide either certificate file or PEM, but not both");
    if (!empty(cfg->tls_key_file) && !empty(cfg->tls_key_pem))
        return fail(err, n, "tls: provide either key file or PEM, but not both");
    bool cert = !empty(cfg->tls_cert_file) || !empty(cfg->tls_cert_pem);
    bool key = !empty(cfg->tls_key_file) || !empty(cfg->tls_key_pem);
    if (cert != key)
        return fail(err, n, "tls: TLS configuration must include both certificate and key");
    t->ca_file = empty(cfg->tls_ca_file) ? NULL : cfg->tls_ca_file;
    t->ca_pem = empty(cfg->tls_ca_pem) ? NULL : cfg->tls_ca_pem;
    t->cert_file = empty(cfg->tls_cert_file) ? NULL : cfg->tls_cert_file;
    t->cert_pem = empty(cfg->tls_cert_pem) ? NULL : cfg->tls_cert_pem;
    t->key_file = empty(cfg->tls_key_file) ? NULL : cfg->tls_key_file;
    t->key_pem = empty(cfg->tls_key_pem) ? NULL : cfg->tls_key_pem;
    return 0;
}

/* The host part of an authority ("h:p", "[v6]:p", "h"). */
static void authority_host(const char *a, char *out, size_t cap)
{
    const char *from = a[0] == '[' ? a + 1 : a;
    const char *end = a[0] == '[' ? strchr(from, ']') : strrchr(from, ':');
    size_t len = end ? (size_t)(end - from) : strlen(from);
    len = len < cap - 1 ? len : cap - 1;
    memcpy(out, from, len);
    out[len] = 0;
}

/* configtls: TLS unless insecure without a CA, always for https://. The
 * name checked is server_name_override, else the authority's host (as
 * grpc-go's credentials take it), else the endpoint's. */
static int pick_tls(og_settings *out, const og_cfg *cfg, bool https, char *err, size_t n)
{
    og_tls *t = &out->tls;
    bool has_ca = !empty(cfg->tls_ca_file) || !empty(cfg->tls_ca_pem);
    t->on = https || !cfg->tls_insecure || has_ca;
    t->skip_verify = cfg->tls_insecure_skip_verify;
    if (pick_tls_files(t, cfg, err, n) != 0 || pick_tls_versions(t, cfg, err, n) != 0)
        return -1;
    const char *sno = cfg->tls_server_name_override;
    if (!empty(sno) && (strpbrk(sno, ":/@[] \t\r\n") || strlen(sno) >= sizeof(t->verify_name)))
        return fail(err, n, "tls.server_name_override: \"%s\" is not a host name", sno);
    if (!empty(sno))
        snprintf(t->verify_name, sizeof(t->verify_name), "%s", sno);
    else
        authority_host(out->authority, t->verify_name, sizeof(t->verify_name));
    return 0;
}

static int pick_keepalive(og_settings *out, const og_cfg *cfg, const og_cfg_extra *extra,
                          char *err, size_t n)
{
    out->keepalive = extra && extra->keepalive_present && cfg->keepalive_enabled;
    if (cfg->keepalive_time < 0 || cfg->keepalive_timeout < 0)
        return fail(err, n, "keepalive: time and timeout cannot be negative");
    out->keepalive_time_ns = cfg->keepalive_time < OG_KEEPALIVE_MIN_NS ? OG_KEEPALIVE_MIN_NS
                                                                      : cfg->keepalive_time;
    out->keepalive_timeout_ns = cfg->keepalive_timeout ? cfg->keepalive_timeout
                                                       : OG_KEEPALIVE_TIMEOUT_NS;
    out->keepalive_without_stream = cfg->keepalive_permit_without_stream;
    return 0;
}

int og_settings_init(og_settings *out, const og_cfg *cfg, const og_cfg_extra *extra, char *err,
                     size_t err_size)
{
    bool https = false;
    memset(out, 0, sizeof(*out));
    if (pick_endpoint(out, cfg, &https, err, err_size) != 0 ||
        pick_compression(out, cfg->compression, err, err_size) != 0 ||
        pick_balancer(cfg->balancer_name, err, err_size) != 0 ||
        pick_tls(out, cfg, https, err, err_size) != 0 ||
        pick_keepalive(out, cfg, extra, err, err_size) != 0)
        return -1;
    if (cfg->user_agent && strpbrk(cfg->user_agent, "\r\n"))
        return fail(err, err_size, "user_agent: holds a line break");
    return 0;
}

const char *og_compression_name(og_compression c)
{
    return c == OG_GZIP ? "gzip" : c == OG_ZSTD ? "zstd" : "none";
}
