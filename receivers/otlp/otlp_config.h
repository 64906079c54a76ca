/*
 * otlp_config.h: the otlp receiver's config keys and the settings derived
 * from them.
 *
 * The key table declares the collector's whole otlp receiver key set, so a
 * collector config either works or fails with "not supported yet"; the
 * host fills otlp_cfg from it before create(). otlp_settings_load() and
 * otlp_http_settings_load() then check the values together and turn them
 * into what one server (the gRPC port or the HTTP port) uses. Which
 * protocols run is decided by which sections the config has, not here.
 */
#ifndef OTELC_OTLP_CONFIG_H
#define OTELC_OTLP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "endpoint.h"

/* What the host fills from the key table (defaults included). */
typedef struct otlp_cfg {
    const char *endpoint;
    const char *transport;
    int64_t max_recv_msg_size_mib;
    int64_t max_concurrent_streams;
    uint64_t read_buffer_size;
    uint64_t write_buffer_size;
    int64_t ka_max_connection_idle;
    int64_t ka_max_connection_age;
    int64_t ka_max_connection_age_grace;
    int64_t ka_time;
    int64_t ka_timeout;
    int64_t ka_min_time;
    bool ka_permit_without_stream;
    const char *tls_cert_file;
    const char *tls_key_file;
    const char *tls_client_ca_file;
    const char *tls_min_version;
    const char *tls_max_version;
    bool include_metadata;
    const char *auth_authenticator;
    int64_t loop_threads;
    int64_t handshake_timeout;
    uint64_t max_inflight_bytes_per_connection;
    uint64_t max_inflight_bytes;
    /* protocols.http */
    const char *http_endpoint;
    const char *http_tls_cert_file;
    const char *http_tls_key_file;
    const char *http_tls_client_ca_file;
    const char *http_tls_min_version;
    const char *http_tls_max_version;
    uint64_t http_max_request_body_size;
    bool http_include_metadata;
    const char *http_auth_authenticator;
    const otelc_node *http_response_headers;
    otelc_strlist http_compression_algorithms;
    int64_t http_read_timeout;
    int64_t http_read_header_timeout;
    int64_t http_write_timeout;
    int64_t http_idle_timeout;
    bool http_keepalives_enabled;
    uint64_t http_min_body_rate;
    const char *http_traces_url_path;
    const char *http_metrics_url_path;
    const char *http_logs_url_path;
    int64_t http_loop_threads;
    uint64_t http_max_inflight_bytes_per_connection;
    uint64_t http_max_inflight_bytes;
} otlp_cfg;

extern const otelc_cfg_key otlp_cfg_keys[];

/* "No limit" for the keepalive durations and HTTP timeouts. */
#define OTLP_NEVER INT64_MAX

#define OTLP_PATH_MAX 256
#define OTLP_MAX_RESPONSE_HEADERS 32

/* One of response_headers, lower-cased name; owned by the receiver. */
typedef struct otlp_header {
    char *name;
    char *value;
} otlp_header;

/* What only the HTTP port uses. */
typedef struct otlp_http_opts {
    /* The export paths, always absolute: "/v1/traces" and so on. */
    char traces_path[OTLP_PATH_MAX];
    char metrics_path[OTLP_PATH_MAX];
    char logs_path[OTLP_PATH_MAX];
    /* The signals served (otelc_signal mask: the pipelines this receiver
     * feeds); the others' paths answer 404. Set at start. */
    uint32_t signals;
    int64_t read_header_ns;          /* request line and headers; OTLP_NEVER: none */
    int64_t read_ns;                 /* the whole request, body included */
    int64_t write_ns;                /* the answer, from ready to sent */
    int64_t idle_ns;                 /* between requests on a kept-alive connection */
    uint64_t min_body_rate;          /* bytes/s a body averages after BODY_GRACE; 0: none */
    bool keepalives;                 /* false: one request per HTTP/1.1 connection */
    unsigned encodings;              /* 1u << grpc_encoding accepted; identity always */
    const otlp_header *headers;      /* response_headers; set by create */
    size_t nheaders;
    const char *h1_headers;          /* the same as "name: value\r\n" lines, or "" */
} otlp_http_opts;

typedef struct otlp_settings {
    endpoint ep;
    size_t max_msg;             /* bytes, after decompression */
    uint32_t max_streams;       /* SETTINGS_MAX_CONCURRENT_STREAMS */
    size_t read_chunk;          /* largest single socket read */
    size_t write_limit;         /* output queued before HTTP/2 framing waits */
    int64_t idle_ns;            /* close after this long without streams */
    int64_t handshake_ns;       /* from accept to the client's preface and SETTINGS */
    int64_t age_ns;             /* GOAWAY after this long */
    int64_t grace_ns;           /* close this long after the age GOAWAY */
    int64_t ping_ns;            /* ping after this long without input */
    int64_t ping_timeout_ns;    /* close when the ping is not answered */
    int64_t min_ping_ns;        /* clients ping no more often than this */
    bool permit_idle_pings;     /* pings without active streams are fine */
    size_t conn_budget;         /* inflight bytes per connection */
    size_t total_budget;        /* inflight bytes over all connections */
    unsigned nloops;
    bool tls;
    int tls_min;                /* minor version: 0 = TLS 1.0 ... 3 = TLS 1.3 */
    int tls_max;                /* 0 when unset */
    const char *cert_file, *key_file, *client_ca_file; /* the host's strings */
    bool include_metadata;
    otlp_http_opts http;        /* the HTTP port only */
} otlp_settings;

/*
 * Checks cfg (borrowed; the strings stay the host's and must outlive s)
 * and fills s. Pure: no I/O. Returns 0, or -1 with the offending key and
 * reason in err (errcap bytes).
 */
int otlp_settings_load(const otlp_cfg *cfg, otlp_settings *s, char *err, size_t errcap);

/*
 * The same for protocols.http: the HTTP port's settings, HTTP/2 limits
 * for its h2c connections included (max_msg is max_request_body_size).
 * response_headers are not read here (create reads that node). Pure.
 * Returns 0, or -1 with "protocols.http.<key>: reason" in err.
 */
int otlp_http_settings_load(const otlp_cfg *cfg, otlp_settings *s, char *err, size_t errcap);

/*
 * Checks one response_headers entry: a token name that otelc does not
 * set itself, and a value without control characters. 0, or -1 with the
 * reason in err. Pure.
 */
int otlp_http_header_check(const char *name, const char *value, char *err, size_t errcap);

/* Internal to the loaders: TLS keys of either protocol. */
typedef struct otlp_tls_cfg {
    const char *cert_file, *key_file, *client_ca_file, *min_version, *max_version;
} otlp_tls_cfg;
int otlp_tls_settings_load(const otlp_tls_cfg *t, const char *prefix, otlp_settings *s,
                           char *err, size_t errcap);

#endif /* OTELC_OTLP_CONFIG_H */
