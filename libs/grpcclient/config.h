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

/* The key table's rows, for a struct S holding an og_cfg at member path M
 * (empty, or "member." spelled as `member.`) under the key prefix P (a
 * string literal: "" or "protocol.otlp."), so an exporter that embeds
 * these settings (load_balancing's protocol.otlp) declares the same keys. */
#define OG_AT(S, M, f) offsetof(S, M f)
#define OG_UNSUPPORTED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_UNSUPPORTED}
#define OG_CONFIG_KEY_ROWS(P, S, M) \
    {P "endpoint", OTELC_CFG_STRING, NULL, "host:port (also http://, https://, dns:///)", \
     OG_AT(S, M, endpoint), 0}, \
    {P "compression", OTELC_CFG_STRING, "gzip", "gzip | zstd | none", OG_AT(S, M, compression), 0}, \
    {P "headers", OTELC_CFG_NODE, NULL, "metadata sent with every call (map, or list of " \
     "name/value)", OG_AT(S, M, headers), OTELC_KEY_SECRET}, \
    {P "balancer_name", OTELC_CFG_STRING, "round_robin", "pick_first | round_robin (one " \
     "connection either way)", OG_AT(S, M, balancer_name), 0}, \
    {P "authority", OTELC_CFG_STRING, NULL, ":authority sent (default: the endpoint's host:port)", \
     OG_AT(S, M, authority), 0}, \
    {P "user_agent", OTELC_CFG_STRING, NULL, "user-agent sent (default: otelc/<version>)", \
     OG_AT(S, M, user_agent), 0}, \
    {P "read_buffer_size", OTELC_CFG_SIZE, "0", "most bytes read from the socket at once (0: " \
     "libevent's)", OG_AT(S, M, read_buffer_size), 0}, \
    {P "write_buffer_size", OTELC_CFG_SIZE, "512KiB", "most bytes framed ahead of the socket", \
     OG_AT(S, M, write_buffer_size), 0}, \
    {P "wait_for_ready", OTELC_CFG_BOOL, "false", "calls wait for a connection instead of failing " \
     "while it is down", OG_AT(S, M, wait_for_ready), 0}, \
    {P "keepalive", OTELC_CFG_SECTION, NULL, "HTTP/2 PINGs (off unless the section is written)", \
     0, 0}, \
    {P "keepalive.enabled", OTELC_CFG_BOOL, "true", "false: no PINGs", OG_AT(S, M, keepalive_enabled), 0}, \
    {P "keepalive.time", OTELC_CFG_DURATION, "10s", "PING after this long without reads (at least " \
     "10s)", OG_AT(S, M, keepalive_time), 0}, \
    {P "keepalive.timeout", OTELC_CFG_DURATION, "20s", "close when a PING is not acknowledged " \
     "within this", OG_AT(S, M, keepalive_timeout), 0}, \
    {P "keepalive.permit_without_stream", OTELC_CFG_BOOL, "false", "PING also with no call open", \
     OG_AT(S, M, keepalive_permit_without_stream), 0}, \
    {P "auth", OTELC_CFG_SECTION, NULL, "an authenticator extension adds credentials", 0, 0}, \
    {P "auth.authenticator", OTELC_CFG_STRING, NULL, "id of the extension (bearertokenauth, " \
     "basicauth/x, headers_setter)", OG_AT(S, M, auth_authenticator), 0}, \
    OG_UNSUPPORTED(P "middlewares", OTELC_CFG_NODE, "gRPC client middlewares"), \
    {P "tls", OTELC_CFG_SECTION, NULL, "TLS client settings", 0, 0}, \
    {P "tls.insecure", OTELC_CFG_BOOL, "false", "cleartext HTTP/2 (unless https:// or a CA is set)", \
     OG_AT(S, M, tls_insecure), 0}, \
    {P "tls.insecure_skip_verify", OTELC_CFG_BOOL, "false", "do not verify the server's certificate", \
     OG_AT(S, M, tls_insecure_skip_verify), 0}, \
    {P "tls.ca_file", OTELC_CFG_STRING, NULL, "PEM CAs to trust instead of the system's", \
     OG_AT(S, M, tls_ca_file), 0}, \
    {P "tls.ca_pem", OTELC_CFG_STRING, NULL, "the same, inline", OG_AT(S, M, tls_ca_pem), 0}, \
    {P "tls.cert_file", OTELC_CFG_STRING, NULL, "client certificate (PEM)", OG_AT(S, M, tls_cert_file), 0}, \
    {P "tls.cert_pem", OTELC_CFG_STRING, NULL, "the same, inline", OG_AT(S, M, tls_cert_pem), 0}, \
    {P "tls.key_file", OTELC_CFG_STRING, NULL, "client key (PEM)", OG_AT(S, M, tls_key_file), 0}, \
    {P "tls.key_pem", OTELC_CFG_STRING, NULL, "the same, inline", OG_AT(S, M, tls_key_pem), \
     OTELC_KEY_SECRET}, \
    {P "tls.min_version", OTELC_CFG_STRING, "1.2", "1.0 .. 1.3", OG_AT(S, M, tls_min_version), 0}, \
    {P "tls.max_version", OTELC_CFG_STRING, NULL, "1.0 .. 1.3 (default: newest)", \
     OG_AT(S, M, tls_max_version), 0}, \
    {P "tls.server_name_override", OTELC_CFG_STRING, NULL, "name sent (SNI) and verified", \
     OG_AT(S, M, tls_server_name_override), 0}, \
    OG_UNSUPPORTED(P "tls.include_system_ca_certs_pool", OTELC_CFG_BOOL, "system CAs with ca_file"), \
    OG_UNSUPPORTED(P "tls.cipher_suites", OTELC_CFG_STRLIST, "TLS 1.2 cipher suites"), \
    OG_UNSUPPORTED(P "tls.curve_preferences", OTELC_CFG_STRLIST, "key exchange curves"), \
    OG_UNSUPPORTED(P "tls.reload_interval", OTELC_CFG_DURATION, "certificate reloading"), \
    OG_UNSUPPORTED(P "tls.tpm_config", OTELC_CFG_SECTION, "keys in a TPM"),

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

/* Whether h (NULL: none) sets name (lower-case). */
bool og_headers_has(const og_headers *h, const char *name);

void og_headers_free(og_headers *h);

/* The node of the key an og_settings_init error starts with
 * ("tls.min_version: ..."), looked up from base (NULL: the component's
 * config), so the error points at its line; NULL when there is none.
 * create only. */
const otelc_node *og_key_node(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *base,
                              const char *err);

const char *og_compression_name(og_compression c);

#endif /* OTELC_OTLP_GRPC_CONFIG_H */
