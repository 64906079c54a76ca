/*
 * host.c: the pipeline host's lifecycle. Load plugins, build the graph,
 * create every instance (no I/O), start extensions, exporters, processors
 * and then receivers; on SIGINT or SIGTERM stop receivers first, flush
 * processors, drain exporter queues within service.shutdown_timeout, and
 * destroy everything. A failing start unwinds what had started.
 */
#include "host.h"

#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <otelc/sdk/clock.h>

#include "admin/admin.h"
#include "admin/admin_routes.h"
#include "builtin.h"
#include "queue/builtin_file_storage.h"
#include "queue/durable/durable_admin.h"
#include "graph.h"
#include "telemetry/health.h"
#include "host_metrics.h"
#include "host_serve.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"
#include "telemetry/procstat.h"

/* Blocks the signals every thread must leave to the main thread; threads
 * started later inherit the mask. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* The bundled plugins: beside an installed binary (<prefix>/bin/otelc
 * finds <prefix>/OTELC_PLUGIN_INSTALL_DIR, wherever the tree was put),
 * else the build tree's. buf holds the path when it is the former. */
static const char *default_plugin_dir(char *buf, size_t cap)
{
    return otelc_beside_exe(OTELC_PLUGIN_INSTALL_DIR, buf, cap) ? buf
                                                               : OTELC_DEFAULT_PLUGIN_DIR;
}

static int load_plugins(const otelc_options *opts, plugin_registry *reg)
{
    char installed[PATH_MAX + 64];
    if (builtin_register(reg) != 0)
        return -1;
    if (opts->n_plugin_dirs == 0)
        return loader_scan_dir(reg, default_plugin_dir(installed, sizeof(installed))) < 0 ? -1
                                                                                         : 0;
    for (size_t i = 0; i < opts->n_plugin_dirs; i++)
        if (loader_scan_dir(reg, opts->plugin_dirs[i]) < 0)
            return -1;
    return 0;
}

/* Creation and start order: extensions, exporters, connectors,
 * processors, receivers; stopping goes backwards. */
static const otelc_kind start_order[] = {OTELC_EXTENSION, OTELC_EXPORTER, OTELC_CONNECTOR,
                                         OTELC_PROCESSOR, OTELC_RECEIVER};
#define NKINDS (sizeof(start_order) / sizeof(start_order[0]))

static int create_one(host *h, otelc_ctx *c)
{
    const otelc_plugin *d = c->plugin->desc;
    c->health = health_register(h->health, c->log_name, kind_name(d->kind));
    if (d->create(c, &host_api_table, c->cfg, &c->state) != 0) {
        otelc_log(OTELC_LOG_ERROR, c->log_name, "create failed");
        return -1;
    }
    c->created = true;
    otelc_log(OTELC_LOG_DEBUG, c->log_name, "created %s %s", kind_name(d->kind), d->type);
    return 0;
}

/* Returns an exit code: a create() that reported config errors is a config
 * error (1, as validate would say); any other failure a start error (3). */
static int create_all(host *h)
{
    for (size_t k = 0; k < NKINDS; k++)
        for (size_t i = 0; i < h->ncomps; i++) {
            otelc_ctx *c = h->comps[i];
            if (c->plugin->desc->kind == start_order[k] && create_one(h, c) != 0)
                return atomic_load(&c->config_errors) ? OTELC_EXIT_CONFIG : OTELC_EXIT_START;
        }
    /* Queues last: processors' export_batching shapes their configs. */
    host_apply_batching(h);
    for (size_t i = 0; i < h->ncomps && !h->validating; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind != OTELC_EXPORTER)
            continue;
        if (host_request_based(c->plugin->desc)) {
            c->qcfg.release_fn = host_export_release;
            c->qcfg.request_bytes_fn = host_export_request_bytes;
        }
        c->queue = c->qcfg.storage ? file_storage_queue_new(h, c)
                                   : queue_new(&c->qcfg, c->id, host_export, c);
        if (!c->queue)
            return OTELC_EXIT_START;
    }
    /* The fan-out stages reach exporters through their queues, but for
     * those without a sending queue: the fan-out calls them itself. */
    for (size_t p = 0; p < h->npipes; p++) {
        stage *fan = &h->pipes[p].stages[h->pipes[p].nproc];
        fan->nqueued = 0;
        for (size_t i = 0; i < fan->n; i++)
            if (fan->exporters[i]->qcfg.enabled)
                fan->queues[fan->nqueued++] = fan->exporters[i]->queue;
    }
    return OTELC_EXIT_OK;
}

static int start_one(otelc_ctx *c)
{
    const otelc_plugin *d = c->plugin->desc;
    if (c->queue && queue_start(c->queue) != 0)
        return -1;
    if (d->start && d->start(c->state) != 0) {
        otelc_log(OTELC_LOG_ERROR, c->log_name, "start failed");
        health_report(c->health, OTELC_HEALTH_UNHEALTHY, "start failed");
        return -1;
    }
    c->started = true;
    otelc_log(OTELC_LOG_INFO, c->log_name, "started %s", kind_name(d->kind));
    return 0;
}

static int start_all(host *h)
{
    for (size_t k = 0; k < NKINDS; k++)
        for (size_t i = 0; i < h->ncomps; i++)
            if (h->comps[i]->plugin->desc->kind == start_order[k] && start_one(h->comps[i]) != 0)
                return -1;
    return 0;
}

/* Stops one kind: receivers stop accepting, processors flush what they
 * hold, exporters drain their queue; then shutdown. */
static void stop_kind(host *h, otelc_kind kind, int64_t deadline)
{
    for (size_t n = h->ncomps; n-- > 0;) {
        otelc_ctx *c = h->comps[n];
        const otelc_plugin *d = c->plugin->desc;
        if (d->kind != kind || !c->created)
            continue;
        if (kind == OTELC_PROCESSOR && c->started && d->flush)
            d->flush(c->state, deadline);
        if (c->queue)
            queue_drain(c->queue, deadline);
        if (d->shutdown && d->shutdown(c->state, deadline) != 0)
            otelc_log(OTELC_LOG_WARN, c->log_name, "did not drain before the deadline");
        if (c->started)
            otelc_log(OTELC_LOG_INFO, c->log_name, "stopped %s", kind_name(kind));
        c->started = false;
    }
}

static void stop_all(host *h, int64_t deadline)
{
    for (size_t k = NKINDS; k-- > 0;)
        stop_kind(h, start_order[k], deadline);
}

static void destroy_all(host *h)
{
    for (size_t n = h->ncomps; n-- > 0;) {
        otelc_ctx *c = h->comps[n];
        if (c->created)
            c->plugin->desc->destroy(c->state);
        c->created = false;
    }
}

void host_resume_waiters(host *h)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (atomic_exchange(&c->wants_resume, false) && c->plugin->desc->resume && c->started)
            c->plugin->desc->resume(c->state);
    }
}

/* A gateway holds a connection per client: like the collector (Go's
 * runtime does it at start), take every file descriptor the hard limit
 * allows, so the common soft limit of 1024 does not lock clients out. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    unsigned long long was = (unsigned long long)rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        otelc_log(OTELC_LOG_DEBUG, "host", "open files: soft limit raised from %llu to %llu",
                  was, (unsigned long long)rl.rlim_max);
}

static int wait_for_signal(const sigset_t *set)
{
    int sig = 0;
    do {
        sigwait(set, &sig);
    } while (sig == SIGPIPE);
    return sig;
}

static int build(host *h, const otelc_options *opts, otelc_config *cfg, plugin_registry *reg)
{
    otelc_errors errs;
    otelc_errors_init(&errs);
    int rc = OTELC_EXIT_OK;
    if (load_plugins(opts, reg) != 0) {
        rc = OTELC_EXIT_START;
    } else if (graph_build(h, cfg, reg, &errs) != 0) {
        otelc_errors_sort(&errs, 0, cfg->files, cfg->n_files);
        otelc_errors_print(&errs, stderr);
        fprintf(stderr, "otelc: the config has %zu error(s)\n", otelc_errors_count(&errs));
        rc = OTELC_EXIT_CONFIG;
    }
    otelc_errors_fini(&errs);
    return rc;
}

void otelc_check_plugins(const otelc_options *opts, otelc_config *cfg, otelc_errors *errs)
{
    host h = {.validating = true};
    plugin_registry reg = {0};
    if (load_plugins(opts, &reg) == 0)
        graph_build(&h, cfg, &reg, errs);
    graph_free(&h);
    registry_free(&reg);
}

/* Validation runs every create() too (they parse and allocate, and do no
 * I/O by contract), so a value only a plugin can judge is checked as well;
 * queues and listeners are never made. */
int otelc_validate(const otelc_options *opts, otelc_config *cfg)
{
    host h = {.validating = true};
    plugin_registry reg = {0};
    h.metrics = metrics_new();
    h.health = health_new();
    h.admin = admin_new(NULL);
    int rc = (!h.metrics || !h.health || !h.admin) ? OTELC_EXIT_START : build(&h, opts, cfg, &reg);
    if (rc == OTELC_EXIT_OK && (admin_routes_install(h.admin, h.health, h.metrics) != 0 ||
                                host_serve_admin_check(&h, cfg) != 0))
        rc = OTELC_EXIT_START;
    if (rc == OTELC_EXIT_OK)
        rc = create_all(&h);
    if (rc == OTELC_EXIT_OK && host_serve_resolve(&h) != 0)
        rc = OTELC_EXIT_CONFIG;
    destroy_all(&h);
    graph_free(&h);
    registry_free(&reg);
    admin_free(h.admin);
    host_serve_free(&h);
    health_free(h.health);
    metrics_free(h.metrics);
    return rc;
}

static int run_started(host *h, const sigset_t *set, int64_t shutdown_timeout)
{
    health_set_phase(h->health, HEALTH_RUNNING);
    otelc_log(OTELC_LOG_INFO, "host", "otelc %s running %zu pipeline(s)", OTELC_VERSION,
              h->npipes);
    int sig = wait_for_signal(set);
    otelc_log(OTELC_LOG_INFO, "host", "%s: shutting down", strsignal(sig));
    health_set_phase(h->health, HEALTH_SHUTTING_DOWN);
    stop_all(h, otelc_mono_ns() + shutdown_timeout);
    return OTELC_EXIT_OK;
}

/* The metrics endpoint of service.telemetry.metrics: `address`, or the
 * first pull reader's prometheus host and port; NULL when level is none. */
static const char *telemetry_endpoint(const otelc_config *cfg, char *buf, size_t cap)
{
    const otelc_telemetry *t = &cfg->telemetry;
    if (t->metrics_level && strcmp(t->metrics_level, "none") == 0)
        return NULL;
    if (t->metrics_address)
        return t->metrics_address;
    for (const otelc_node *r = otelc_node_first(t->metrics_readers); r; r = otelc_node_next(r)) {
        const otelc_node *p = otelc_node_child(
            otelc_node_child(otelc_node_child(r, "pull"), "exporter"), "prometheus");
        const char *hostname = otelc_node_text(otelc_node_child(p, "host"));
        const char *port = otelc_node_text(otelc_node_child(p, "port"));
        if (port) {
            snprintf(buf, cap, "%s:%s", hostname ? hostname : "localhost", port);
            return buf;
        }
    }
    return "localhost:8888";
}

/* Listeners: the admin endpoint (API and /metrics) and the telemetry
 * metrics endpoint. The health_check extension adds its own at create. */
static int admin_setup(host *h, const otelc_config *cfg)
{
    char err[512], buf[300];
    uint16_t port = 0;
    if (admin_routes_install(h->admin, h->health, h->metrics) != 0 ||
        procstat_register_metrics(h->metrics) != 0)
        return -1;
    const char *ep = cfg->admin_endpoint ? cfg->admin_endpoint : OTELC_ADMIN_DEFAULT_ENDPOINT;
    if (cfg->admin_enabled && host_serve_admin(h, cfg, ep, ADMIN_SCOPE_API | ADMIN_SCOPE_METRICS,
                                               &port, err, sizeof(err)) != 0) {
        otelc_log(OTELC_LOG_ERROR, "admin", "service.admin: %s", err);
        return -1;
    }
    const char *tm = telemetry_endpoint(cfg, buf, sizeof(buf));
    if (tm && admin_listen(h->admin, tm, ADMIN_SCOPE_METRICS, &port, err, sizeof(err)) != 0) {
        otelc_log(OTELC_LOG_ERROR, "admin", "service.telemetry.metrics: %s", err);
        return -1;
    }
    if (tm)
        otelc_log(OTELC_LOG_INFO, "admin", "metrics on %s (port %u)", tm, port);
    return 0;
}

static int admin_go(host *h)
{
    char err[512];
    if (admin_start(h->admin, err, sizeof(err)) != 0) {
        otelc_log(OTELC_LOG_ERROR, "admin", "%s", err);
        return -1;
    }
    return 0;
}

int otelc_run(const otelc_options *opts, otelc_config *cfg)
{
    sigset_t set;
    evthread_use_pthreads();
    block_signals(&set);
    raise_fd_limit();
    host h = {0};
    plugin_registry reg = {0};
    h.metrics = metrics_new();
    h.health = health_new();
    h.admin = admin_new(NULL);
    int rc = (!h.metrics || !h.health || !h.admin) ? OTELC_EXIT_START : build(&h, opts, cfg, &reg);
    if (rc == OTELC_EXIT_OK && admin_setup(&h, cfg) != 0)
        rc = OTELC_EXIT_START;
    health_set_extra(h.health, queue_health_extra, &h);
    if (rc == OTELC_EXIT_OK)
        rc = create_all(&h);
    if (rc == OTELC_EXIT_OK && host_serve_resolve(&h) != 0)
        rc = OTELC_EXIT_CONFIG;
    if (rc == OTELC_EXIT_OK && (host_metrics_register(&h) != 0 || admin_go(&h) != 0))
        rc = OTELC_EXIT_START;
    if (rc == OTELC_EXIT_OK && start_all(&h) != 0) {
        otelc_log(OTELC_LOG_ERROR, "host", "start failed: stopping what started");
        rc = OTELC_EXIT_START;
    }
    if (rc == OTELC_EXIT_OK)
        rc = run_started(&h, &set, cfg->shutdown_timeout_ns);
    else
        stop_all(&h, otelc_mono_ns() + cfg->shutdown_timeout_ns);
    admin_stop(h.admin);
    destroy_all(&h);
    graph_free(&h);
    registry_free(&reg);
    admin_free(h.admin);
    host_serve_free(&h);
    health_free(h.health);
    metrics_free(h.metrics);
    return rc;
}

static const char *key_type_name(otelc_cfg_type t)
{
    static const char *const names[] = {"?",        "string", "bool", "int",  "double",
                                        "duration", "size",   "list", "node", "section"};
    return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* One line per key: name, type, default, and the doc (flags first). */
static void print_keys(const otelc_plugin *d)
{
    for (const otelc_cfg_key *k = d->config_keys; k && k->name; k++) {
        const char *note = k->flags & OTELC_KEY_UNSUPPORTED ? "[not supported yet] "
                           : k->flags & OTELC_KEY_IGNORED   ? "[ignored] "
                                                            : "";
        printf("    %-40s %-9s %-16s %s%s\n", k->name, key_type_name(k->type),
               k->dflt ? k->dflt : "-", note, k->doc ? k->doc : "");
    }
}

/* The signals a component handles, as its descriptor says ("none said"
 * reads as traces); a connector's pairs as in>out; extensions "-". */
static const char *signals_of(const otelc_plugin *d, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const otelc_connect *c = d->kind == OTELC_CONNECTOR ? d->connects : NULL; c && c->in;
         c++)
        used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s>%s",
                                 used ? "," : "", signal_name(c->in), signal_name(c->out));
    uint32_t mask = d->kind == OTELC_CONNECTOR ? 0 : plugin_signals(d, d->kind);
    for (uint32_t s = OTELC_TRACES; s <= OTELC_LOGS; s <<= 1)
        if (mask & s)
            used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
                                     used ? "," : "", signal_name((otelc_signal)s));
    return buf[0] ? buf : "-";
}

int otelc_components(const otelc_options *opts)
{
    plugin_registry reg = {0};
    if (load_plugins(opts, &reg) != 0) {
        registry_free(&reg);
        return OTELC_EXIT_START;
    }
    printf("%-10s %-16s %-10s %-5s %-20s %s\n", "KIND", "TYPE", "VERSION", "ABI", "SIGNALS",
           "FILE");
    for (size_t i = 0; i < reg.n; i++) {
        const otelc_plugin *d = reg.items[i].desc;
        char sig[128];
        printf("%-10s %-16s %-10s %u.%-3u %-20s %s\n", kind_name(d->kind), d->type,
               d->version ? d->version : "-", d->abi_major, d->abi_minor,
               signals_of(d, sig, sizeof(sig)), reg.items[i].path);
        if (opts->keys)
            print_keys(d);
    }
    for (size_t i = 0; i < reg.nrefusals; i++)
        printf("refused: %s\n", reg.refusals[i]);
    registry_free(&reg);
    return OTELC_EXIT_OK;
}
