/*
 * lb.h: the load_balancing exporter instance, shared by its lifecycle and
 * config (exporter.c, config.c), the backend table and its ring
 * (backends.c) and the requests cut per backend (request.c). Internal.
 *
 * Threads: export_prepare and export_send run on the host's queue
 * consumers, several at once; the resolver's thread replaces the backend
 * table; each backend's client completes its calls on its own loop
 * thread. The table (backends, endpoint names, ring) is read under `rw`
 * for reading and replaced under it for writing; a backend in use by a
 * send holds a reference, and a removed one is shut down once unused.
 */
#ifndef OTELC_LB_H
#define OTELC_LB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <grpcclient/grpcclient.h>
#include <otelc/plugin.h>

#include "resolver.h"
#include "ring.h"
#include "route.h"

#define LB_DEFAULT_PORT "4317"

/* What the host fills from the key table. */
typedef struct lb_cfg {
    const char *routing_key;
    og_cfg proto; /* protocol.otlp.* */
    int64_t proto_timeout;
    otelc_strlist static_hostnames;
    const char *dns_hostname;
    const char *dns_port;
    int64_t dns_interval;
    int64_t dns_timeout;
} lb_cfg;

extern const otelc_cfg_key lb_config_keys[];

typedef struct lb_backend {
    char *name;       /* as the resolver gave it: what the ring hashes */
    ogrpc *client;    /* to name, with the default port when it had none */
    atomic_int refs;  /* sends using it right now */
} lb_backend;

/* One generation of the table: sorted by name, the ring over the names. */
typedef struct lb_table {
    lb_backend **b;
    const char **names;
    size_t n;
    lb_ring ring;
} lb_table;

typedef struct lb_exporter {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const lb_cfg *cfg;
    lb_key key[3];     /* routing_key by otelc_signal_index */
    uint32_t signals;  /* of the exporter's pipelines (traces for an older host) */
    og_settings proto; /* protocol.otlp, endpoint aside */
    og_headers headers;
    og_auth auth;      /* protocol.otlp.auth, shared by every backend */
    og_metrics metrics;
    int64_t call_timeout_ns;
    lb_resolver res;
    const char *resolver_name; /* "static" or "dns" */

    pthread_rwlock_t rw;
    lb_table table;
    atomic_bool started;
    bool stopping;

    otelc_series *num_backends;
    otelc_series *resolutions[2]; /* success false, true */
    otelc_series *updates;
} lb_exporter;

/* ---- config.c ---- */

/* Checks the keys create cannot leave to the host; 0 or -1 after
 * reporting every error at its key. */
int lb_config_check(lb_exporter *x);

/* ---- backends.c ---- */

/* The resolver's on_change: adds clients for new names, builds the new
 * ring, swaps the table, then shuts down and frees the clients of names
 * gone. */
void lb_backends_update(void *arg, const char *const *names, size_t n);

/* The backend named name in the current table, with a reference taken,
 * or NULL. Call with rw held for reading. */
lb_backend *lb_backend_get(lb_exporter *x, const char *name);
void lb_backend_put(lb_backend *b);
/* Whether name is in the current table; rw held. */
bool lb_backend_known(const lb_exporter *x, const char *name);

/* Shuts every backend down by deadline_ns and frees the table. */
int lb_backends_close(lb_exporter *x, int64_t deadline_ns);

/* ---- request.c ---- */

otelc_status lb_prepare(lb_exporter *x, otelc_batch *b, otelc_request **out);
/* owned: the request is freed after its completion (consume). */
otelc_status lb_send(lb_exporter *x, otelc_request *r, otelc_ticket *t, bool owned);
void lb_request_free(otelc_request *r);
size_t lb_request_bytes(const otelc_request *r);

#endif /* OTELC_LB_H */
