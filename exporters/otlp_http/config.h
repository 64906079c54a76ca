/*
 * config.h: the otlp_http exporter's keys (the collector's otlphttp
 * exporter: confighttp's client keys plus the signals' endpoints and
 * encoding)
 * and the settings derived from them once, in create, so the send path
 * never parses a string again.
 */
#ifndef OTELC_OTLP_HTTP_CONFIG_H
#define OTELC_OTLP_HTTP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

/* What the host fills from the key table (strings are the host's, valid
 * until destroy; NULL when absent without a default). */
typedef struct oh_cfg {
    const char *endpoint;
    const char *traces_endpoint;
    const char *metrics_endpoint;
    const char *logs_endpoint;
    const char *encoding;
    const char *compression;
    const otelc_node *headers;
    const char *proxy_url;
    uint64_t read_buffer_size;
    uint64_t write_buffer_size;
    int64_t max_idle_conns;
    int64_t max_conns_per_host;
    int64_t idle_conn_timeout;
    bool disable_keep_alives;
    bool force_attempt_http2;
    bool tls_insecure;
    bool tls_insecure_skip_verify;
    const char *tls_ca_file;
    const char *tls_ca_pem;
    const char *tls_cert_file;
    const char *tls_cert_pem;
    const char *tls_key_file;
    const char *tls_key_pem;
    const char *tls_min_version;
    const char *tls_max_version;
    const char *tls_server_name_override;
    const char *auth_authenticator;
} oh_cfg;

/* The key table handed to the host; ends with a NULL name. */
extern const otelc_cfg_key oh_config_keys[];

typedef enum oh_encoding { OH_PROTO = 0, OH_JSON = 1 } oh_encoding;
typedef enum oh_compression { OH_NONE = 0, OH_GZIP = 1, OH_ZSTD = 2 } oh_compression;

#define OH_URL_MAX 2048
#define OH_HEADERS_MAX 64

/* TLS versions as libcurl numbers them (CURL_SSLVERSION_TLSv1_x and
 * CURL_SSLVERSION_MAX_TLSv1_x), kept here so the checks stay pure. */
typedef struct oh_tls {
    long min_version;  /* CURL_SSLVERSION_TLSv1_2 unless set */
    long max_version;  /* 0: libcurl's newest */
    bool skip_verify;
    const char *ca_file, *ca_pem, *cert_file, *cert_pem, *key_file, *key_pem; /* the cfg's */
} oh_tls;

/* Where one signal's requests go. */
typedef struct oh_target {
    bool on;                     /* the exporter ends a pipeline of this signal */
    char url[OH_URL_MAX];        /* where requests go (after any SNI rewrite) */
    char shown_url[OH_URL_MAX];  /* the configured one, for logs */
    char connect_to[OH_URL_MAX]; /* "name:port:host:port" for server_name_override, or "" */
    char host_header[600];       /* "Host: host:port" to keep with an override, or "" */
    bool https;
} oh_target;

/* Everything the send path needs; strings point into the struct or into
 * the cfg (which outlives it). */
typedef struct oh_settings {
    oh_target target[3]; /* by otelc_signal_index: traces, metrics, logs */
    oh_encoding encoding;
    oh_compression compression;
    oh_tls tls;
} oh_settings;

/*
 * Checks cfg and fills out for the signals (a mask of otelc_signal; 0
 * reads as traces) of the exporter's pipelines (the headers are not its
 * business: see oh_headers_parse). Returns 0, or -1 with a one-line
 * reason naming the key in err. Pure.
 */
int oh_settings_init(oh_settings *out, const oh_cfg *cfg, uint32_t signals, char *err,
                     size_t err_size);

/* "Name: value" lines from the `headers` key: a map of names to values, or
 * the list form [{name, value}]. */
typedef struct oh_headers {
    char *lines[OH_HEADERS_MAX]; /* malloc'd, "Name: value" */
    size_t n;
} oh_headers;

/* Reads node (NULL: none) through the host's node accessors; create only.
 * Returns 0, or -1 after reporting at the offending node. */
int oh_headers_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                     oh_headers *out);

/* true when the user set header name (case-insensitive). */
bool oh_headers_has(const oh_headers *h, const char *name);

void oh_headers_free(oh_headers *h);

const char *oh_compression_name(oh_compression c);

#endif /* OTELC_OTLP_HTTP_CONFIG_H */
