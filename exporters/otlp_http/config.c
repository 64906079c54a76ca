/*
 * config.c: the otlp_http key table and the checks that turn it into
 * settings.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include <otelc/sdk/signal.h>

#define AT(f) offsetof(oh_cfg, f)
#define UNSUPPORTED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_UNSUPPORTED}
#define IGNORED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_IGNORED}

const otelc_cfg_key oh_config_keys[] = {
    {"endpoint", OTELC_CFG_STRING, NULL, "base URL; /v1/traces, /v1/metrics, /v1/logs are "
     "appended", AT(endpoint), 0},
    {"traces_endpoint", OTELC_CFG_STRING, NULL, "URL for traces, used as is",
     AT(traces_endpoint), 0},
    {"metrics_endpoint", OTELC_CFG_STRING, NULL, "URL for metrics, used as is",
     AT(metrics_endpoint), 0},
    {"logs_endpoint", OTELC_CFG_STRING, NULL, "URL for logs, used as is", AT(logs_endpoint), 0},
    IGNORED("profiles_endpoint", OTELC_CFG_STRING, "otelc has no profiles pipelines"),
    {"encoding", OTELC_CFG_STRING, "proto", "proto | json", AT(encoding), 0},
    {"compression", OTELC_CFG_STRING, "gzip", "gzip | zstd | none", AT(compression), 0},
    IGNORED("compression_params", OTELC_CFG_SECTION, "otelc uses its own compression levels"),
    {"headers", OTELC_CFG_NODE, NULL, "extra request headers (map, or list of name/value)",
     AT(headers), OTELC_KEY_SECRET},
    {"proxy_url", OTELC_CFG_STRING, NULL, "HTTP proxy (else the proxy environment variables)",
     AT(proxy_url), 0},
    {"read_buffer_size", OTELC_CFG_SIZE, "0", "receive buffer of a transfer (0: libcurl's)",
     AT(read_buffer_size), 0},
    {"write_buffer_size", OTELC_CFG_SIZE, "512KiB", "upload buffer of a transfer",
     AT(write_buffer_size), 0},
    {"max_idle_conns", OTELC_CFG_INT, "100", "connections kept open for reuse (0: libcurl's)",
     AT(max_idle_conns), 0},
    IGNORED("max_idle_conns_per_host", OTELC_CFG_INT, "one host: max_idle_conns applies"),
    {"max_conns_per_host", OTELC_CFG_INT, "0", "connections to the host at once (0: no limit)",
     AT(max_conns_per_host), 0},
    {"idle_conn_timeout", OTELC_CFG_DURATION, "90s", "an idle connection older is not reused",
     AT(idle_conn_timeout), 0},
    {"disable_keep_alives", OTELC_CFG_BOOL, "false", "one request per connection",
     AT(disable_keep_alives), 0},
    {"force_attempt_http2", OTELC_CFG_BOOL, "true", "offer HTTP/2 over TLS (ALPN)",
     AT(force_attempt_http2), 0},
    IGNORED("http2_read_idle_timeout", OTELC_CFG_DURATION, "Go transport setting"),
    IGNORED("http2_ping_timeout", OTELC_CFG_DURATION, "Go transport setting"),
    {"auth", OTELC_CFG_SECTION, NULL, "an authenticator extension adds credentials", 0, 0},
    {"auth.authenticator", OTELC_CFG_STRING, NULL,
     "id of the extension (bearertokenauth, basicauth/x, headers_setter)",
     AT(auth_authenticator), 0},
    UNSUPPORTED("cookies", OTELC_CFG_SECTION, "cookie handling"),
    UNSUPPORTED("middlewares", OTELC_CFG_NODE, "HTTP client middlewares"),
    {"tls", OTELC_CFG_SECTION, NULL, "TLS client settings", 0, 0},
    {"tls.insecure", OTELC_CFG_BOOL, "false", "the endpoint's scheme decides (http or https)",
     AT(tls_insecure), 0},
    {"tls.insecure_skip_verify", OTELC_CFG_BOOL, "false", "do not verify the server's certificate",
     AT(tls_insecure_skip_verify), 0},
    {"tls.ca_file", OTELC_CFG_STRING, NULL, "PEM CAs to trust instead of the system's",
     AT(tls_ca_file), 0},
    {"tls.ca_pem", OTELC_CFG_STRING, NULL, "the same, inline", AT(tls_ca_pem), 0},
    {"tls.cert_file", OTELC_CFG_STRING, NULL, "client certificate (PEM)", AT(tls_cert_file), 0},
    {"tls.cert_pem", OTELC_CFG_STRING, NULL, "the same, inline", AT(tls_cert_pem), 0},
    {"tls.key_file", OTELC_CFG_STRING, NULL, "client key (PEM)", AT(tls_key_file), 0},
    {"tls.key_pem", OTELC_CFG_STRING, NULL, "the same, inline", AT(tls_key_pem),
     OTELC_KEY_SECRET},
    {"tls.min_version", OTELC_CFG_STRING, "1.2", "1.0 .. 1.3", AT(tls_min_version), 0},
    {"tls.max_version", OTELC_CFG_STRING, NULL, "1.0 .. 1.3 (default: newest)",
     AT(tls_max_version), 0},
    {"tls.server_name_override", OTELC_CFG_STRING, NULL, "name sent (SNI) and verified",
     AT(tls_server_name_override), 0},
    UNSUPPORTED("tls.include_system_ca_certs_pool", OTELC_CFG_BOOL, "system CAs with ca_file"),
    UNSUPPORTED("tls.cipher_suites", OTELC_CFG_STRLIST, "TLS 1.2 cipher suites"),
    UNSUPPORTED("tls.curve_preferences", OTELC_CFG_STRLIST, "key exchange curves"),
    UNSUPPORTED("tls.reload_interval", OTELC_CFG_DURATION, "certificate reloading"),
    UNSUPPORTED("tls.tpm_config", OTELC_CFG_SECTION, "keys in a TPM"),
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

static int pick_encoding(oh_settings *out, const char *e, char *err, size_t n)
{
    if (empty(e) || strcmp(e, "proto") == 0)
        out->encoding = OH_PROTO;
    else if (strcmp(e, "json") == 0)
        out->encoding = OH_JSON;
    else
        return fail(err, n, "encoding: invalid encoding type: %s (proto or json)", e);
    return 0;
}

/* The collector's names; the ones it knows and otelc does not are refused
 * as "not supported yet" rather than as unknown. */
static int pick_compression(oh_settings *out, const char *c, char *err, size_t n)
{
    static const char *const later[] = {"zlib", "deflate", "snappy", "lz4", "x-snappy-framed",
                                        NULL};
    if (c && strcmp(c, "gzip") == 0)
        out->compression = OH_GZIP;
    else if (c && strcmp(c, "zstd") == 0)
        out->compression = OH_ZSTD;
    else if (empty(c) || strcmp(c, "none") == 0)
        out->compression = OH_NONE;
    else {
        for (size_t i = 0; later[i]; i++)
            if (strcmp(c, later[i]) == 0)
                return fail(err, n, "compression: %s is not supported yet (gzip, zstd or none)",
                            c);
        return fail(err, n, "compression: unsupported compression type \"%s\"", c);
    }
    return 0;
}

static bool url_ok(const char *u, bool *https)
{
    *https = strncasecmp(u, "https://", 8) == 0;
    return (*https || strncasecmp(u, "http://", 7) == 0) && strlen(u) < OH_URL_MAX - 16 &&
           !strpbrk(u, " \t\r\n");
}

static const char *const signal_key[3] = {"traces_endpoint", "metrics_endpoint",
                                           "logs_endpoint"};

static const char *signal_endpoint(const oh_cfg *cfg, unsigned k)
{
    return k == 1 ? cfg->metrics_endpoint : k == 2 ? cfg->logs_endpoint : cfg->traces_endpoint;
}

/* The collector's rule (composeSignalURL): the signal's endpoint as is,
 * else endpoint + v1/<signal> with one slash between. */
static int pick_url(oh_target *out, const oh_cfg *cfg, unsigned k, char *err, size_t n)
{
    static const char *const path[3] = {"v1/traces", "v1/metrics", "v1/logs"};
    const char *own = signal_endpoint(cfg, k);
    const char *key = empty(own) ? "endpoint" : signal_key[k];
    const char *base = empty(own) ? cfg->endpoint : own;
    if (empty(base))
        return fail(err, n, "either endpoint or %s must be specified", signal_key[k]);
    if (!url_ok(base, &out->https))
        return fail(err, n, "%s: \"%s\" is not an http:// or https:// URL", key, base);
    if (!empty(own))
        snprintf(out->url, sizeof(out->url), "%s", base);
    else
        snprintf(out->url, sizeof(out->url), "%s%s%s", base,
                 base[strlen(base) - 1] == '/' ? "" : "/", path[k]);
    snprintf(out->shown_url, sizeof(out->shown_url), "%s", out->url);
    out->on = true;
    return 0;
}

/* "1.0" .. "1.3" into libcurl's numbers; max picks the MAX_ form. */
static int tls_version(const char *v, bool max, long *out)
{
    static const char *const names[] = {"1.0", "1.1", "1.2", "1.3"};
    static const long mins[] = {CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_1,
                                CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3};
    static const long maxs[] = {CURL_SSLVERSION_MAX_TLSv1_0, CURL_SSLVERSION_MAX_TLSv1_1,
                                CURL_SSLVERSION_MAX_TLSv1_2, CURL_SSLVERSION_MAX_TLSv1_3};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = max ? maxs[i] : mins[i];
            return (int)i;
        }
    }
    return -1;
}

static int pick_tls_versions(oh_tls *t, const oh_cfg *cfg, char *err, size_t n)
{
    const char *lo = empty(cfg->tls_min_version) ? "1.2" : cfg->tls_min_version;
    int ilo = tls_version(lo, false, &t->min_version);
    if (ilo < 0)
        return fail(err, n, "tls.min_version: invalid TLS min_version: unsupported TLS version: "
                            "\"%s\"", lo);
    t->max_version = 0;
    if (empty(cfg->tls_max_version))
        return 0;
    int ihi = tls_version(cfg->tls_max_version, true, &t->max_version);
    if (ihi < 0)
        return fail(err, n, "tls.max_version: invalid TLS max_version: unsupported TLS version: "
                            "\"%s\"", cfg->tls_max_version);
    if (ihi < ilo)
        return fail(err, n, "tls: min_version cannot be greater than max_version");
    return 0;
}

/* configtls's pairing rules: one source per item, certificate with key. */
static int pick_tls(oh_tls *t, const oh_cfg *cfg, char *err, size_t n)
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
    t->skip_verify = cfg->tls_insecure_skip_verify;
    t->ca_file = empty(cfg->tls_ca_file) ? NULL : cfg->tls_ca_file;
    t->ca_pem = empty(cfg->tls_ca_pem) ? NULL : cfg->tls_ca_pem;
    t->cert_file = empty(cfg->tls_cert_file) ? NULL : cfg->tls_cert_file;
    t->cert_pem = empty(cfg->tls_cert_pem) ? NULL : cfg->tls_cert_pem;
    t->key_file = empty(cfg->tls_key_file) ? NULL : cfg->tls_key_file;
    t->key_pem = empty(cfg->tls_key_pem) ? NULL : cfg->tls_key_pem;
    return pick_tls_versions(t, cfg, err, n);
}

/* Splits an http(s) URL into authority (host[:port], userinfo dropped)
 * and the rest ("/path?query"). */
static void split_url(const char *url, const char **auth, size_t *auth_len, const char **rest)
{
    const char *a = strstr(url, "://") + 3;
    const char *end = a + strcspn(a, "/?#");
    const char *at = memchr(a, '@', (size_t)(end - a));
    *auth = at ? at + 1 : a;
    *auth_len = (size_t)(end - *auth);
    *rest = end;
}

/* Host (brackets kept) and port of an https authority; 443 when none. */
static int authority_parts(const char *auth, size_t len, char *host, size_t hcap, char *port,
                           size_t pcap)
{
    const char *close = memchr(auth, ']', len);
    const char *from = close ? close : auth;
    const char *colon = memchr(from, ':', len - (size_t)(from - auth));
    size_t hl = colon ? (size_t)(colon - auth) : len;
    size_t pl = colon ? len - hl - 1 : 3;
    if (hl == 0 || hl >= hcap || pl == 0 || pl >= pcap)
        return -1;
    memcpy(host, auth, hl);
    host[hl] = 0;
    memcpy(port, colon ? colon + 1 : "443", pl);
    port[pl] = 0;
    return 0;
}

/* server_name_override: requests go to the override name (so libcurl
 * sends and verifies it), connect_to sends them to the real host, and the
 * Host header keeps the real authority, as Go's ServerName does. */
static int pick_server_name(oh_target *out, const char *name, char *err, size_t n)
{
    if (empty(name) || !out->https)
        return 0; /* plain http has no name to check */
    if (strpbrk(name, ":/@[] \t\r\n"))
        return fail(err, n, "tls.server_name_override: \"%s\" is not a host name", name);
    const char *auth, *rest;
    size_t alen;
    char host[512], port[8];
    split_url(out->shown_url, &auth, &alen, &rest);
    if (authority_parts(auth, alen, host, sizeof(host), port, sizeof(port)) != 0)
        return fail(err, n, "endpoint: cannot read host and port of \"%s\"", out->shown_url);
    int w = snprintf(out->url, sizeof(out->url), "https://%s:%s%s", name, port, rest);
    int c = snprintf(out->connect_to, sizeof(out->connect_to), "%s:%s:%s:%s", name, port, host,
                     port);
    int h = snprintf(out->host_header, sizeof(out->host_header), "Host: %.*s", (int)alen, auth);
    if (w < 0 || (size_t)w >= sizeof(out->url) || c < 0 ||
        (size_t)c >= sizeof(out->connect_to) || h < 0 || (size_t)h >= sizeof(out->host_header))
        return fail(err, n, "tls.server_name_override: URL too long");
    return 0;
}

/* The target of each signal the exporter serves (traces for 0). */
static int pick_targets(oh_settings *out, const oh_cfg *cfg, uint32_t signals, char *err,
                        size_t n)
{
    if (empty(cfg->endpoint) && empty(cfg->traces_endpoint) && empty(cfg->metrics_endpoint) &&
        empty(cfg->logs_endpoint))
        return fail(err, n, "at least one endpoint must be specified");
    for (unsigned k = 0; k < 3; k++) {
        oh_target *t = &out->target[k];
        bool wanted = signals ? (signals & otelc_signal_at(k)) != 0 : k == 0;
        if (wanted && (pick_url(t, cfg, k, err, n) != 0 ||
                       pick_server_name(t, cfg->tls_server_name_override, err, n) != 0))
            return -1;
    }
    return 0;
}

int oh_settings_init(oh_settings *out, const oh_cfg *cfg, uint32_t signals, char *err,
                     size_t err_size)
{
    memset(out, 0, sizeof(*out));
    if (pick_targets(out, cfg, signals, err, err_size) != 0 ||
        pick_encoding(out, cfg->encoding, err, err_size) != 0 ||
        pick_compression(out, cfg->compression, err, err_size) != 0 ||
        pick_tls(&out->tls, cfg, err, err_size) != 0)
        return -1;
    return 0;
}

const char *oh_compression_name(oh_compression c)
{
    return c == OH_GZIP ? "gzip" : c == OH_ZSTD ? "zstd" : "none";
}
