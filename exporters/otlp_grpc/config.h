/*
 * config.h: the otlp_grpc exporter's keys (the collector's otlp_grpc
 * exporter: configgrpc's client keys) and the settings derived from them
 * once, in create, so the loop never parses a string again.
 */
#ifndef OTELC_OTLP_GRPC_CONFIG_H
#define OTELC_OTLP_GRPC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

/* What the host fills from the key table (strings are the host's, valid
 * until destroy; NULL when absent without a default). */
typedef struct og_cfg {
    const char *endpoint;
    const char *compression;
    const otelc_node *headers;
    const char *balancer_name;
    const char *authority;
    const char *user_agent;
    uint64_t read_buffer_size;
    uint64_t write_buffer_size;
    bool wait_for_ready;
    bool keepalive_enabled;
    int64_t keepalive_time;
    int64_t keepalive_timeout;
    bool keepalive_permit_without_stream;
    const char *auth_authenticator;
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
} og_cfg;

/* The key table handed to the host; ends with a NULL name. */
extern const otelc_cfg_key og_config_keys[];

typedef enum og_compression { OG_NONE = 0, OG_GZIP = 1, OG_ZSTD = 2 } og_compression;

#define OG_HOST_MAX 256
#define OG_HEADERS_MAX 64
#define OG_KEEPALIVE_MIN_NS (10 * 1000000000LL) /* grpc-go raises shorter times to this */
#define OG_KEEPALIVE_TIMEOUT_NS (20 * 1000000000LL) /* grpc-go's when unset */

/* TLS as OpenSSL takes it. */
typedef struct og_tls {
    bool on;            /* false: cleartext HTTP/2 (h2c with prior knowledge) */
    bool skip_verify;
    int min_version;    /* TLS1_2_VERSION unless set */
    int max_version;    /* 0: OpenSSL's newest */
    const char *ca_file, *ca_pem, *cert_file, *cert_pem, *key_file, *key_pem; /* the cfg's */
    char verify_name[OG_HOST_MAX]; /* SNI and the name checked (an IP is checked as one) */
} og_tls;

/* Everything the loop needs; strings point into the struct or into the
 * cfg (which outlives it). */
typedef struct og_settings {
    char host[OG_HOST_MAX];      /* to connect to, without brackets */
    uint16_t port;
    char authority[OG_HOST_MAX + 8]; /* :authority, "host:port" unless `authority` */
    char shown[OG_HOST_MAX + 16];    /* the endpoint for logs */
    og_compression compression;
    og_tls tls;
    bool keepalive;              /* send PINGs */
    int64_t keepalive_time_ns;   /* >= OG_KEEPALIVE_MIN_NS */
    int64_t keepalive_timeout_ns;
    bool keepalive_without_stream;
} og_settings;

/* What create knows beyond the filled struct: whether the keepalive
 * section was written at all (the collector's default for this exporter
 * is no keepalive; an empty `keepalive:` turns it on). */
typedef struct og_cfg_extra {
    bool keepalive_present;
} og_cfg_extra;

/*
 * Checks cfg and fills out (the headers are not its business: see
 * og_headers_parse). Returns 0, or -1 with a one-line reason starting
 * with the key ("tls.min_version: ...") in err. Pure.
 */
int og_settings_init(og_settings *out, const og_cfg *cfg, const og_cfg_extra *extra, char *err,
                     size_t err_size);

/* gRPC metadata from the `headers` key: lower-case names (as grpc-go
 * sends them) and values, "-bin" values base64-encoded. */
typedef struct og_headers {
    char *names[OG_HEADERS_MAX];  /* malloc'd */
    char *values[OG_HEADERS_MAX]; /* malloc'd */
    size_t n;
} og_headers;

/* Reads node (NULL: none) through the host's node accessors; create only.
 * Returns 0, or -1 after reporting at the offending node. */
int og_headers_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                     og_headers *out);

/* The metadata name check: what a gRPC client may send as a header. Pure. */
bool og_header_name_ok(const char *name);

/* Appends name and value to h as they go on the wire: the name
 * lower-cased, a "-bin" value base64-encoded. 0; -1 when the name is not
 * one a client may send (og_header_name_ok), the value is not printable
 * ASCII (a "-bin" one may be anything), or h is full; -2 without memory. */
int og_headers_add(og_headers *h, const char *name, const char *value);

/* Whether h sets name (lower-case). */
bool og_headers_has(const og_headers *h, const char *name);

void og_headers_free(og_headers *h);

const char *og_compression_name(og_compression c);

#endif /* OTELC_OTLP_GRPC_CONFIG_H */
