/*
 * grpcclient.h: an OTLP/gRPC client: unary TraceService/Export,
 * MetricsService/Export and LogsService/Export calls (by each batch's
 * signal) multiplexed on one HTTP/2 connection to one endpoint (nghttp2 over a libevent bufferevent, TLS through OpenSSL with
 * ALPN h2) on a loop thread of the client's own. The otlp_grpc exporter
 * is one client; the load_balancing exporter one per backend.
 *
 * The keys are the collector's configgrpc client keys (config.h): an
 * owner parses them once (og_settings_init, og_headers_parse,
 * og_auth_resolve) and hands every client what it needs; a client copies
 * the settings and the key struct and borrows the headers, the
 * authenticator and the metrics, which must outlive it.
 *
 * Threads: og_payload_build and og_client_send run on any thread (the
 * host's queue consumers); a call's completion (a ticket, or a done
 * function) comes exactly once from the client's loop thread. answer.h
 * says what a server's answer means.
 */
#ifndef OTELC_GRPCCLIENT_H
#define OTELC_GRPCCLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "answer.h"
#include "config.h"
#include "frame.h"

/* What goes on the wire for a batch: built once, sent at every attempt. */
typedef struct og_payload {
    og_body body;
    otelc_signal signal; /* which service's Export it goes to */
    uint32_t spans;      /* items: spans, data points or log records */
    char **metadata; /* with auth: the batch's client metadata, key, value, ..., NULL */
} og_payload;

/* `auth: { authenticator: <id> }` (configgrpc's), resolved by the
 * exporter that owns the keys: the extension's auth.client service, asked
 * for its metadata at every attempt of every client that borrows it. */
typedef struct og_auth {
    otelc_ctx *ctx;                  /* the owner's, for the log line */
    const otelc_host_api *api;
    const char *id;                  /* the key's value (the host's string) */
    const otelc_auth_client *client; /* NULL: no auth */
    void *state;
    _Atomic int64_t logged_ns;       /* last "no credentials" line */
} og_auth;

/* Finds the client authenticator the `auth` section under base (NULL: the
 * component's config) names in id, into out (create only). prefix is the
 * section's key path for error texts ("" or "protocol.otlp."). 0, also
 * without an `auth` section (out->client NULL then); -1 after a config
 * error at the key, with the collector's texts, when the id leads to no
 * client authenticator. */
int og_auth_resolve(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *base,
                    const char *prefix, const char *id, og_auth *out);

/* The client's counters; any may be NULL (not counted). */
typedef struct og_metrics {
    otelc_series *requests[4]; /* calls by outcome: ok, retry, reject, pause */
    otelc_series *bytes;       /* message bytes of the calls the server accepted */
    otelc_series *rejected[3]; /* items partial_success rejected, by otelc_signal_index */
    otelc_series *connections;
} og_metrics;

/* Registers the otelc_otlp_grpc_* series of an exporter (create only),
 * the partial-success counter of each signal of its pipelines. 0, or -1
 * when the host refused one. */
int og_metrics_register(otelc_ctx *ctx, const otelc_host_api *api, og_metrics *m);

typedef struct og_client_opts {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const og_cfg *cfg;          /* copied (its strings are the host's) */
    const og_settings *set;     /* copied */
    const og_headers *headers;  /* borrowed */
    og_auth *auth;              /* borrowed; NULL or no client: none */
    const og_metrics *metrics;  /* borrowed; NULL: none */
    int64_t timeout_ns;         /* each call's deadline; 0: none */
    bool may_pause;             /* a certificate that does not verify pauses the exporter */
    bool report_health;         /* failures and recoveries go to the exporter's health */
    bool quiet_start;           /* no "exporting to" line at start */
} og_client_opts;

typedef struct ogrpc ogrpc;

/* A client, not started; NULL without memory. No I/O. */
ogrpc *og_client_new(const og_client_opts *o);

/* TLS context, header fields and the loop thread; connects at once, as
 * grpc-go does. 0, or -1 after logging why. */
int og_client_start(ogrpc *x);

/* Sends p as one Export call: PENDING, then exactly one completion from
 * the loop thread, through api->complete(t) when t is set, else
 * done(arg). With auth, the authenticator is asked for this call's
 * metadata first, on the caller's thread. RETRY when the client does not
 * take it (not started, shut down, no memory, the authenticator has no
 * credentials now); an owned p is then freed at once, else when the call
 * ends. */
otelc_status og_client_send(ogrpc *x, og_payload *p, bool owns, otelc_ticket *t,
                            otelc_done_fn done, void *arg);

/* Stops taking calls; held calls end at once, running ones get until
 * deadline_ns (CLOCK_MONOTONIC), then end with RETRY. Idempotent. 0 when
 * everything ended by the deadline. */
int og_client_shutdown(ogrpc *x, int64_t deadline_ns);

/* Shuts down now if needed and frees; NULL is a no-op. */
void og_client_free(ogrpc *x);

/* The endpoint as logs show it. */
const char *og_client_endpoint(const ogrpc *x);

/* Frames b (lent) compressed with comp into a new payload, keeping b's
 * client metadata for auth's authenticator when auth has one (NULL:
 * none): OK; RETRY (memory, a compressor); REJECT for a request gRPC
 * cannot carry. Logs through ctx. */
otelc_status og_payload_build(otelc_ctx *ctx, const otelc_host_api *api, og_compression comp,
                              const og_auth *auth, otelc_batch *b, og_payload **out);
void og_payload_free(og_payload *p);

#endif /* OTELC_GRPCCLIENT_H */
