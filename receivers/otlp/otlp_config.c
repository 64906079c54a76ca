/*
 * otlp_config.c: the otlp receiver's key table and settings checks.
 */
#include "otlp_config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define G "protocols.grpc."
#define KA G "keepalive."
#define H "protocols.http."
#define OFF(f) offsetof(otlp_cfg, f)
#define UNSUP(name, type) {name, type, NULL, "not supported yet", 0, OTELC_KEY_UNSUPPORTED}
#define IGNORE(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_IGNORED}
#define SECTION(name, doc) {name, OTELC_CFG_SECTION, NULL, doc, 0, 0}

const otelc_cfg_key otlp_cfg_keys[] = {
    SECTION("protocols", "the protocols to serve"),
    SECTION("protocols.grpc", "OTLP over gRPC"),
    {G "endpoint", OTELC_CFG_STRING, "localhost:4317", "host:port to listen on",
     OFF(endpoint), 0},
    {G "transport", OTELC_CFG_STRING, "tcp", "tcp, tcp4 or tcp6", OFF(transport), 0},
    IGNORE(G "dialer", OTELC_CFG_SECTION, "client-side setting; a server ignores it"),
    {G "max_recv_msg_size_mib", OTELC_CFG_INT, "4",
     "largest request accepted, in MiB after decompression", OFF(max_recv_msg_size_mib), 0},
    {G "max_concurrent_streams", OTELC_CFG_INT, "0",
     "streams per connection; 0 means 100", OFF(max_concurrent_streams), 0},
    {G "read_buffer_size", OTELC_CFG_SIZE, "512KiB", "largest single socket read",
     OFF(read_buffer_size), 0},
    {G "write_buffer_size", OTELC_CFG_SIZE, "0", "output queued per connection; 0 means 32KiB",
     OFF(write_buffer_size), 0},
    SECTION(G "keepalive", "connection keepalive"),
    SECTION(KA "server_parameters", "pings and connection lifetime"),
    {KA "server_parameters.max_connection_idle", OTELC_CFG_DURATION, NULL,
     "close a connection without streams after this long; 0 never", OFF(ka_max_connection_idle),
     0},
    {KA "server_parameters.max_connection_age", OTELC_CFG_DURATION, NULL,
     "send GOAWAY to a connection this old; 0 never", OFF(ka_max_connection_age), 0},
    {KA "server_parameters.max_connection_age_grace", OTELC_CFG_DURATION, NULL,
     "close this long after the age GOAWAY; 0 never", OFF(ka_max_connection_age_grace), 0},
    {KA "server_parameters.time", OTELC_CFG_DURATION, "2h",
     "ping a connection silent this long", OFF(ka_time), 0},
    {KA "server_parameters.timeout", OTELC_CFG_DURATION, "20s",
     "close when a ping is not answered within this", OFF(ka_timeout), 0},
    SECTION(KA "enforcement_policy", "what clients' pings may do"),
    {KA "enforcement_policy.min_time", OTELC_CFG_DURATION, "5m",
     "shortest interval between client pings", OFF(ka_min_time), 0},
    {KA "enforcement_policy.permit_without_stream", OTELC_CFG_BOOL, "false",
     "allow client pings when no stream is open", OFF(ka_permit_without_stream), 0},
    SECTION(G "tls", "TLS; on when cert_file is set"),
    {G "tls.cert_file", OTELC_CFG_STRING, NULL, "server certificate chain (PEM)",
     OFF(tls_cert_file), 0},
    {G "tls.key_file", OTELC_CFG_STRING, NULL, "server private key (PEM)", OFF(tls_key_file),
     0},
    {G "tls.client_ca_file", OTELC_CFG_STRING, NULL,
     "CA (PEM) that client certificates must chain to; requires them", OFF(tls_client_ca_file),
     0},
    {G "tls.min_version", OTELC_CFG_STRING, "1.2", "1.0, 1.1, 1.2 or 1.3", OFF(tls_min_version),
     0},
    {G "tls.max_version", OTELC_CFG_STRING, NULL, "1.0, 1.1, 1.2 or 1.3; unset: newest",
     OFF(tls_max_version), 0},
    IGNORE(G "tls.ca_file", OTELC_CFG_STRING, "verifies servers; a server ignores it"),
    IGNORE(G "tls.ca_pem", OTELC_CFG_STRING, "verifies servers; a server ignores it"),
    IGNORE(G "tls.include_system_ca_certs_pool", OTELC_CFG_BOOL,
           "verifies servers; a server ignores it"),
    UNSUP(G "tls.cert_pem", OTELC_CFG_STRING),
    UNSUP(G "tls.key_pem", OTELC_CFG_STRING),
    UNSUP(G "tls.reload_interval", OTELC_CFG_DURATION),
    UNSUP(G "tls.client_ca_file_reload", OTELC_CFG_BOOL),
    UNSUP(G "tls.cipher_suites", OTELC_CFG_STRLIST),
    UNSUP(G "tls.curve_preferences", OTELC_CFG_STRLIST),
    UNSUP(G "tls.tpm_config", OTELC_CFG_SECTION),
    SECTION(G "auth", "authenticate calls with an authenticator extension"),
    {G "auth.authenticator", OTELC_CFG_STRING, NULL,
     "id of the extension that authenticates calls (bearertokenauth, basicauth/x)",
     OFF(auth_authenticator), 0},
    UNSUP(G "middlewares", OTELC_CFG_NODE),
    {G "include_metadata", OTELC_CFG_BOOL, "false",
     "keep request headers as batch metadata", OFF(include_metadata), 0},
    {G "loop_threads", OTELC_CFG_INT, "1", "otelc: event loop threads serving connections",
     OFF(loop_threads), 0},
    {G "handshake_timeout", OTELC_CFG_DURATION, "20s",
     "otelc: time from accept to the client's HTTP/2 preface and SETTINGS; 0 means 20s",
     OFF(handshake_timeout), 0},
    {G "max_inflight_bytes_per_connection", OTELC_CFG_SIZE, "16MiB",
     "otelc: unanswered request bytes before a connection's reads pause",
     OFF(max_inflight_bytes_per_connection), 0},
    {G "max_inflight_bytes", OTELC_CFG_SIZE, "128MiB",
     "otelc: unanswered request bytes over all connections before reads pause",
     OFF(max_inflight_bytes), 0},
    SECTION("protocols.http", "OTLP over HTTP (HTTP/1.1 and h2c on one port)"),
    {H "endpoint", OTELC_CFG_STRING, "localhost:4318", "host:port to listen on",
     OFF(http_endpoint), 0},
    {H "traces_url_path", OTELC_CFG_STRING, "/v1/traces", "path that takes trace exports",
     OFF(http_traces_url_path), 0},
    {H "metrics_url_path", OTELC_CFG_STRING, "/v1/metrics", "path that takes metrics exports",
     OFF(http_metrics_url_path), 0},
    {H "logs_url_path", OTELC_CFG_STRING, "/v1/logs", "path that takes logs exports",
     OFF(http_logs_url_path), 0},
    {H "max_request_body_size", OTELC_CFG_SIZE, "20MiB",
     "largest request body, also after decompression; 0 means 20MiB",
     OFF(http_max_request_body_size), 0},
    {H "include_metadata", OTELC_CFG_BOOL, "false", "keep request headers as batch metadata",
     OFF(http_include_metadata), 0},
    {H "response_headers", OTELC_CFG_NODE, NULL, "map of extra headers on every answer",
     OFF(http_response_headers), 0},
    {H "compression_algorithms", OTELC_CFG_STRLIST, NULL,
     "Content-Encodings accepted: gzip, zstd, zlib, deflate; unset: all",
     OFF(http_compression_algorithms), 0},
    {H "read_timeout", OTELC_CFG_DURATION, "0s", "whole request, body included; 0 none",
     OFF(http_read_timeout), 0},
    {H "read_header_timeout", OTELC_CFG_DURATION, "1m",
     "request line and headers; 0 takes read_timeout", OFF(http_read_header_timeout), 0},
    {H "write_timeout", OTELC_CFG_DURATION, "30s",
     "sending an answer once it is ready; 0 none", OFF(http_write_timeout), 0},
    {H "idle_timeout", OTELC_CFG_DURATION, "1m",
     "wait for the next request on a connection; 0 takes read_timeout",
     OFF(http_idle_timeout), 0},
    {H "min_body_rate", OTELC_CFG_SIZE, "1KiB",
     "otelc: bytes per second a request body must average after its first 10s; 0 none",
     OFF(http_min_body_rate), 0},
    {H "keepalives_enabled", OTELC_CFG_BOOL, "true",
     "false: close HTTP/1.1 connections after one request", OFF(http_keepalives_enabled), 0},
    SECTION(H "tls", "TLS; on when cert_file is set"),
    {H "tls.cert_file", OTELC_CFG_STRING, NULL, "server certificate chain (PEM)",
     OFF(http_tls_cert_file), 0},
    {H "tls.key_file", OTELC_CFG_STRING, NULL, "server private key (PEM)",
     OFF(http_tls_key_file), 0},
    {H "tls.client_ca_file", OTELC_CFG_STRING, NULL,
     "CA (PEM) that client certificates must chain to; requires them",
     OFF(http_tls_client_ca_file), 0},
    {H "tls.min_version", OTELC_CFG_STRING, "1.2", "1.0, 1.1, 1.2 or 1.3",
     OFF(http_tls_min_version), 0},
    {H "tls.max_version", OTELC_CFG_STRING, NULL, "1.0, 1.1, 1.2 or 1.3; unset: newest",
     OFF(http_tls_max_version), 0},
    IGNORE(H "tls.ca_file", OTELC_CFG_STRING, "verifies servers; a server ignores it"),
    IGNORE(H "tls.ca_pem", OTELC_CFG_STRING, "verifies servers; a server ignores it"),
    IGNORE(H "tls.include_system_ca_certs_pool", OTELC_CFG_BOOL,
           "verifies servers; a server ignores it"),
    UNSUP(H "tls.cert_pem", OTELC_CFG_STRING),
    UNSUP(H "tls.key_pem", OTELC_CFG_STRING),
    UNSUP(H "tls.reload_interval", OTELC_CFG_DURATION),
    UNSUP(H "tls.client_ca_file_reload", OTELC_CFG_BOOL),
    UNSUP(H "tls.cipher_suites", OTELC_CFG_STRLIST),
    UNSUP(H "tls.curve_preferences", OTELC_CFG_STRLIST),
    UNSUP(H "tls.tpm_config", OTELC_CFG_SECTION),
    /* An empty cors section is what the collector does without one: no
     * CORS headers. Origins would need preflight answers otelc lacks. */
    SECTION(H "cors", "cross-origin requests from browsers"),
    UNSUP(H "cors.allowed_origins", OTELC_CFG_STRLIST),
    UNSUP(H "cors.allowed_headers", OTELC_CFG_STRLIST),
    IGNORE(H "cors.max_age", OTELC_CFG_INT, "only matters with allowed_origins"),
    SECTION(H "auth", "authenticate requests with an authenticator extension"),
    {H "auth.authenticator", OTELC_CFG_STRING, NULL,
     "id of the extension that authenticates requests (bearertokenauth, basicauth/x)",
     OFF(http_auth_authenticator), 0},
    UNSUP(H "auth.request_params", OTELC_CFG_STRLIST),
    UNSUP(H "middlewares", OTELC_CFG_NODE),
    {H "loop_threads", OTELC_CFG_INT, "1", "otelc: event loop threads serving connections",
     OFF(http_loop_threads), 0},
    {H "max_inflight_bytes_per_connection", OTELC_CFG_SIZE, "16MiB",
     "otelc: unanswered h2c request bytes on one connection before its reads pause",
     OFF(http_max_inflight_bytes_per_connection), 0},
    {H "max_inflight_bytes", OTELC_CFG_SIZE, "128MiB",
     "otelc: unanswered h2c request bytes over all connections before reads pause",
     OFF(http_max_inflight_bytes), 0},
    {0},
};

#define SEC (INT64_C(1000000000))
#define KIB ((size_t)1024)
#define MIB ((size_t)1 << 20)

static int bad_at(char *err, size_t cap, const char *prefix, const char *key, const char *why)
{
    snprintf(err, cap, "%s%s: %s", prefix, key, why);
    return -1;
}

static int bad(char *err, size_t cap, const char *key, const char *why)
{
    return bad_at(err, cap, G, key, why);
}

static int transport_family(const char *t, int *family)
{
    if (!t || strcmp(t, "tcp") == 0)
        *family = AF_UNSPEC;
    else if (strcmp(t, "tcp4") == 0)
        *family = AF_INET;
    else if (strcmp(t, "tcp6") == 0)
        *family = AF_INET6;
    else
        return -1;
    return 0;
}

/* "1.0".."1.3" → 0..3; -1 otherwise. */
static int tls_minor(const char *v)
{
    if (v && strlen(v) == 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '3')
        return v[2] - '0';
    return -1;
}

/* Zero means the gRPC default; values under a floor are raised to it. */
static int64_t dur_or(int64_t v, int64_t dflt, int64_t floor)
{
    if (v <= 0)
        return dflt;
    return v < floor ? floor : v;
}

static size_t size_or(uint64_t v, size_t dflt, size_t floor)
{
    if (v == 0)
        return dflt;
    return v < floor ? floor : (size_t)v;
}

static int load_limits(const otlp_cfg *c, otlp_settings *s, char *err, size_t cap)
{
    if (c->max_recv_msg_size_mib < 0 || c->max_recv_msg_size_mib > 4095)
        return bad(err, cap, "max_recv_msg_size_mib", "must be 0..4095");
    s->max_msg = (c->max_recv_msg_size_mib ? (size_t)c->max_recv_msg_size_mib : 4) * MIB;
    if (c->max_concurrent_streams < 0 || c->max_concurrent_streams > INT32_MAX)
        return bad(err, cap, "max_concurrent_streams", "must be 0..2147483647");
    s->max_streams = c->max_concurrent_streams ? (uint32_t)c->max_concurrent_streams : 100;
    s->read_chunk = size_or(c->read_buffer_size, 512 * KIB, 4096);
    s->write_limit = size_or(c->write_buffer_size, 32 * KIB, 4096);
    if (c->loop_threads < 1 || c->loop_threads > 64)
        return bad(err, cap, "loop_threads", "must be 1..64");
    s->nloops = (unsigned)c->loop_threads;
    s->conn_budget = size_or(c->max_inflight_bytes_per_connection, 16 * MIB, 64 * KIB);
    s->total_budget = size_or(c->max_inflight_bytes, 128 * MIB, 64 * KIB);
    return 0;
}

static void load_keepalive(const otlp_cfg *c, otlp_settings *s)
{
    s->idle_ns = dur_or(c->ka_max_connection_idle, OTLP_NEVER, SEC);
    s->age_ns = dur_or(c->ka_max_connection_age, OTLP_NEVER, SEC);
    s->grace_ns = dur_or(c->ka_max_connection_age_grace, OTLP_NEVER, 0);
    s->ping_ns = dur_or(c->ka_time, 7200 * SEC, SEC);
    s->ping_timeout_ns = dur_or(c->ka_timeout, 20 * SEC, 0);
    s->min_ping_ns = c->ka_min_time > 0 ? c->ka_min_time : 0;
    s->permit_idle_pings = c->ka_permit_without_stream;
    s->handshake_ns = dur_or(c->handshake_timeout, 20 * SEC, 0);
}

int otlp_tls_settings_load(const otlp_tls_cfg *t, const char *prefix, otlp_settings *s,
                           char *err, size_t cap)
{
    bool cert = t->cert_file && *t->cert_file;
    bool key = t->key_file && *t->key_file;
    s->tls = cert || key;
    if (cert != key)
        return bad_at(err, cap, prefix, cert ? "tls.key_file" : "tls.cert_file",
                      "TLS needs both cert_file and key_file");
    if (!s->tls && t->client_ca_file && *t->client_ca_file)
        return bad_at(err, cap, prefix, "tls.client_ca_file", "needs cert_file and key_file too");
    s->cert_file = t->cert_file;
    s->key_file = t->key_file;
    s->client_ca_file = t->client_ca_file && *t->client_ca_file ? t->client_ca_file : NULL;
    s->tls_min = t->min_version ? tls_minor(t->min_version) : 2;
    if (s->tls_min < 0)
        return bad_at(err, cap, prefix, "tls.min_version", "must be 1.0, 1.1, 1.2 or 1.3");
    s->tls_max = 0;
    if (t->max_version && *t->max_version) {
        s->tls_max = tls_minor(t->max_version);
        if (s->tls_max < 0)
            return bad_at(err, cap, prefix, "tls.max_version", "must be 1.0, 1.1, 1.2 or 1.3");
        if (s->tls_max < s->tls_min)
            return bad_at(err, cap, prefix, "tls.max_version", "is older than tls.min_version");
    }
    return 0;
}

static int load_tls(const otlp_cfg *c, otlp_settings *s, char *err, size_t cap)
{
    otlp_tls_cfg t = {c->tls_cert_file, c->tls_key_file, c->tls_client_ca_file,
                      c->tls_min_version, c->tls_max_version};
    return otlp_tls_settings_load(&t, G, s, err, cap);
}

int otlp_settings_load(const otlp_cfg *cfg, otlp_settings *s, char *err, size_t errcap)
{
    char why[200];
    memset(s, 0, sizeof(*s));
    if (endpoint_parse(cfg->endpoint, &s->ep, why, sizeof(why)) != 0)
        return bad(err, errcap, "endpoint", why);
    if (transport_family(cfg->transport, &s->ep.family) != 0)
        return bad(err, errcap, "transport", "only tcp, tcp4 and tcp6 are supported yet");
    if (load_limits(cfg, s, err, errcap) != 0 || load_tls(cfg, s, err, errcap) != 0)
        return -1;
    load_keepalive(cfg, s);
    s->include_metadata = cfg->include_metadata;
    return 0;
}
