/*
 * sg_config.c: the service_graph connector's keys (the collector's, with
 * its defaults) and what create derives from them.
 */
#include <stdlib.h>

#include <otelc/sdk/clock.h>

#include "otlpmetrics/config.h"
#include "sg.h"

#define AT(f) offsetof(sg_cfg, f)

const otelc_cfg_key sg_keys[] = {
    {"latency_histogram_buckets", OTELC_CFG_NODE, NULL,
     "bucket bounds as durations (default 2ms ... 15s)", AT(latency_buckets), 0},
    {"dimensions", OTELC_CFG_STRLIST, NULL,
     "resource, then span attributes as client_<name> and server_<name> labels",
     AT(dimensions), 0},
    {"store", OTELC_CFG_SECTION, NULL, "the requests waiting for their other span", 0, 0},
    {"store.ttl", OTELC_CFG_DURATION, "2s", "how long a request waits for its other span",
     AT(store_ttl_ns), 0},
    {"store.max_items", OTELC_CFG_INT, "1000", "requests waiting at most; more spans are dropped",
     AT(store_max_items), 0},
    {"cache_loop", OTELC_CFG_DURATION, "1m",
     "how often series without requests for 15 minutes are dropped", AT(cache_loop_ns), 0},
    {"store_expiration_loop", OTELC_CFG_DURATION, "2s", "how often the store is expired",
     AT(store_expiration_loop_ns), 0},
    {"virtual_node_peer_attributes", OTELC_CFG_STRLIST, NULL,
     "client span attributes naming an uninstrumented server (default peer.service, db.name, "
     "db.system; empty: no virtual nodes)",
     AT(peer_attributes), 0},
    {"virtual_node_extra_label", OTELC_CFG_BOOL, "false", "the virtual_node label",
     AT(extra_label), 0},
    {"metrics_flush_interval", OTELC_CFG_DURATION, "60s",
     "how often metrics are emitted (0: after every request)", AT(flush_interval_ns), 0},
    {"database_name_attribute", OTELC_CFG_STRING, NULL,
     "deprecated by the collector: database_name_attributes", 0, OTELC_KEY_IGNORED},
    {"database_name_attributes", OTELC_CFG_STRLIST, NULL,
     "client span (or resource) attributes naming a database server (default db.name)",
     AT(database_name_attributes), 0},
    {"exponential_histogram_max_size", OTELC_CFG_INT, "0",
     "exponential latency buckets instead, at most this many (0: explicit)",
     AT(exponential_max_size), 0},
    {"metrics_timestamp_offset", OTELC_CFG_DURATION, "0s",
     "metric timestamps are now minus this", AT(timestamp_offset_ns), 0},
    {"metrics_exporter", OTELC_CFG_STRING, NULL,
     "deprecated by the collector: the pipeline names the exporters", 0, OTELC_KEY_IGNORED},
    {"max_series", OTELC_CFG_INT, "100000",
     "otelc: series kept in all; requests of new series beyond it are dropped and counted",
     AT(max_series), 0},
    {0},
};

/* The collector's defaults: buckets in seconds, peer and database names. */
static const double default_buckets_s[] = {0.002, 0.004, 0.006, 0.008, 0.01, 0.05,
                                           0.1,   0.2,   0.4,   0.8,   1,    1.4,
                                           2,     5,     10,    15};
static const char *const default_peers[] = {"peer.service", "db.name", "db.system"};
static const char *const default_db[] = {"db.name"};

static int config_error(sg *g, const char *key, const char *msg)
{
    const otelc_node *at = otlpm_config_at(g->ctx, g->api, key);
    g->api->config_error(g->ctx, at ? at : g->api->config_node(g->ctx), "%s", msg);
    return -1;
}

static int parse_buckets(sg *g)
{
    if (g->cfg->latency_buckets) {
        if (g->cfg->exponential_max_size > 0)
            g->api->log(g->ctx, OTELC_LOG_WARN, "exponential_histogram_max_size is set: "
                                                "latency_histogram_buckets are not used");
        return otlpm_durations_parse(g->ctx, g->api, g->cfg->latency_buckets, 1e9, &g->bounds,
                                     &g->nbounds);
    }
    g->nbounds = sizeof(default_buckets_s) / sizeof(default_buckets_s[0]);
    g->bounds = malloc(sizeof(default_buckets_s));
    if (!g->bounds)
        return -1;
    for (size_t i = 0; i < g->nbounds; i++)
        g->bounds[i] = default_buckets_s[i];
    return 0;
}

/* An absent list takes the default; an empty one stays empty (as the
 * collector: `virtual_node_peer_attributes: []` turns virtual nodes off). */
static void lists(sg *g)
{
    g->default_peers = (otelc_strlist){3, default_peers};
    g->default_db = (otelc_strlist){1, default_db};
    bool peers_set = otlpm_config_has(g->ctx, g->api, "virtual_node_peer_attributes");
    g->peer_attributes = peers_set ? &g->cfg->peer_attributes : &g->default_peers;
    /* the collector uses the default for an empty database list */
    g->db_attributes =
        g->cfg->database_name_attributes.n ? &g->cfg->database_name_attributes : &g->default_db;
}

static int check_limits(sg *g)
{
    const sg_cfg *c = g->cfg;
    int rc = 0;
    if (c->store_max_items < 0)
        rc |= config_error(g, "store.max_items", "store.max_items must not be negative");
    if (c->max_series <= 0)
        rc |= config_error(g, "max_series", "max_series must be positive");
    if (c->exponential_max_size < 0 || c->exponential_max_size > 16384)
        rc |= config_error(g, "exponential_histogram_max_size", "between 0 and 16384, please");
    return rc;
}

int sg_config_init(sg *g)
{
    g->start_ns = otelc_real_ns();
    lists(g);
    int rc = check_limits(g);
    rc |= parse_buckets(g);
    return rc;
}

void sg_config_free(sg *g)
{
    free(g->bounds);
    g->bounds = NULL;
}
