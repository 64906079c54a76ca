/*
 * config.c: the load_balancing key table (the collector's loadbalancing
 * exporter: routing_key, protocol.otlp with every otlp_grpc key, the
 * static and dns resolvers) and the checks the types cannot express.
 */
#include <stdio.h>
#include <string.h>

#include <otelc/sdk/signal.h>

#include "lb.h"

#define AT(f) offsetof(lb_cfg, f)
#define UNSUPPORTED(name, type, doc) {name, type, NULL, doc, 0, OTELC_KEY_UNSUPPORTED}

const otelc_cfg_key lb_config_keys[] = {
    {"routing_key", OTELC_CFG_STRING, NULL,
     "traces: traceID (default) | service; logs: service (default) | traceID; metrics: service "
     "(default) | metric", AT(routing_key), 0},
    UNSUPPORTED("routing_attributes", OTELC_CFG_STRLIST, "attributes making the routing key"),
    {"protocol", OTELC_CFG_SECTION, NULL, "how backends are spoken to", 0, 0},
    {"protocol.otlp", OTELC_CFG_SECTION, NULL, "the otlp_grpc exporter's keys (endpoint: each "
     "backend's)", 0, 0},
    OG_CONFIG_KEY_ROWS("protocol.otlp.", lb_cfg, proto.)
    {"protocol.otlp.timeout", OTELC_CFG_DURATION, "5s", "each call's deadline",
     AT(proto_timeout), 0},
    {"protocol.otlp.sending_queue", OTELC_CFG_NODE, NULL, "per-backend queue (the balancer's "
     "own queue retries failed pieces)", 0, OTELC_KEY_IGNORED},
    {"protocol.otlp.retry_on_failure", OTELC_CFG_NODE, NULL, "per-backend retries (the "
     "balancer's own retry_on_failure applies)", 0, OTELC_KEY_IGNORED},
    {"resolver", OTELC_CFG_SECTION, NULL, "where the backends are: static or dns", 0, 0},
    {"resolver.static", OTELC_CFG_SECTION, NULL, "a fixed list", 0, 0},
    {"resolver.static.hostnames", OTELC_CFG_STRLIST, NULL, "host[:port] of each backend",
     AT(static_hostnames), 0},
    {"resolver.dns", OTELC_CFG_SECTION, NULL, "every address a name resolves to", 0, 0},
    {"resolver.dns.hostname", OTELC_CFG_STRING, NULL, "the name to resolve",
     AT(dns_hostname), 0},
    {"resolver.dns.port", OTELC_CFG_STRING, NULL, "port of every address (4317 when unset)",
     AT(dns_port), 0},
    {"resolver.dns.interval", OTELC_CFG_DURATION, "5s", "how often to resolve again",
     AT(dns_interval), 0},
    {"resolver.dns.timeout", OTELC_CFG_DURATION, "1s", "how long one resolution may take",
     AT(dns_timeout), 0},
    UNSUPPORTED("resolver.k8s", OTELC_CFG_NODE, "Kubernetes endpoints of a service"),
    UNSUPPORTED("resolver.aws_cloud_map", OTELC_CFG_NODE, "AWS Cloud Map instances"),
    {0},
};

static const otelc_node *at(const lb_exporter *x, const char *path)
{
    const otelc_node *n = x->api->config_node(x->ctx);
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && n; part = strtok_r(NULL, ".", &save))
        n = x->api->node_get(n, part);
    return n;
}

/* The routing keys the collector's exporter of one signal takes (the
 * first is its default), and those otelc does not have yet. */
typedef struct key_rules {
    const char *names[3];
    lb_key keys[3];
    const char *later[4];
} key_rules;

static const key_rules rules[3] = {
    {{"traceID", "service"}, {LB_KEY_TRACE_ID, LB_KEY_SERVICE}, {"attributes"}},
    {{"service", "metric"}, {LB_KEY_SERVICE, LB_KEY_METRIC}, {"resource", "streamID", "attributes"}},
    {{"service", "traceID"}, {LB_KEY_SERVICE, LB_KEY_TRACE_ID}, {"resource", "attributes"}},
};

static bool listed(const char *const *names, size_t n, const char *k, size_t *at)
{
    for (size_t i = 0; i < n && names[i]; i++)
        if (strcmp(names[i], k) == 0)
            return (*at = i), true;
    return false;
}

/* routing_key for signal index s: the collector's texts for one it
 * refuses (its traces exporter prints the key bare, the others quoted). */
static int check_key_for(lb_exporter *x, unsigned s)
{
    const char *k = x->cfg->routing_key;
    const key_rules *r = &rules[s];
    size_t i = 0;
    if ((!k || !*k) || listed(r->names, 3, k, &i)) {
        x->key[s] = r->keys[i];
        return 0;
    }
    const otelc_node *n = at(x, "routing_key");
    if (listed(r->later, 4, k, &i))
        x->api->config_error(x->ctx, n, "routing_key: %s is not supported yet for %s", k,
                             otelc_signal_name(otelc_signal_at(s)));
    else if (s == 0)
        x->api->config_error(x->ctx, n, "unsupported routing_key: %s", k);
    else
        x->api->config_error(x->ctx, n, "unsupported routing_key: \"%s\"", k);
    return -1;
}

/* routing_key for every signal of the exporter's pipelines. */
static int check_routing_key(lb_exporter *x)
{
    int rc = 0;
    x->signals = otelc_host_has(x->api, signals_fed) ? x->api->signals_fed(x->ctx) : 0;
    if (!x->signals)
        x->signals = OTELC_TRACES;
    for (unsigned s = 0; s < OTELC_NSIGNALS; s++)
        if ((x->signals & otelc_signal_at(s)) && check_key_for(x, s) != 0)
            rc = -1;
    return rc;
}

static int check_resolver(lb_exporter *x)
{
    const otelc_node *st = at(x, "resolver.static"), *dns = at(x, "resolver.dns");
    const otelc_node *res = at(x, "resolver");
    if (st && dns) {
        x->api->config_error(x->ctx, res, "only one resolver should be specified");
        return -1;
    }
    if (!st && !dns) {
        x->api->config_error(x->ctx, res, "no resolvers specified for the exporter");
        return -1;
    }
    if (st && x->cfg->static_hostnames.n == 0) {
        x->api->config_error(x->ctx, st, "no endpoints specified for the static resolver");
        return -1;
    }
    if (dns && (!x->cfg->dns_hostname || !*x->cfg->dns_hostname)) {
        x->api->config_error(x->ctx, dns, "no hostname specified to resolve the backends");
        return -1;
    }
    x->resolver_name = st ? "static" : "dns";
    return 0;
}

/* protocol.otlp as otlp_grpc checks it, with a stand-in endpoint: each
 * backend's own replaces it. */
static int check_protocol(lb_exporter *x)
{
    char err[512], shown[600];
    og_cfg c = x->cfg->proto;
    const otelc_node *otlp = at(x, "protocol.otlp");
    if (c.endpoint && *c.endpoint)
        x->api->log(x->ctx, OTELC_LOG_WARN, "protocol.otlp.endpoint is ignored: each backend's "
                                            "endpoint replaces it");
    c.endpoint = "localhost:" LB_DEFAULT_PORT;
    og_cfg_extra extra = {.keepalive_present =
                              otlp && x->api->node_get(otlp, "keepalive") != NULL};
    if (og_settings_init(&x->proto, &c, &extra, err, sizeof(err)) == 0)
        return 0;
    snprintf(shown, sizeof(shown), "protocol.otlp.%s", err);
    x->api->config_error(x->ctx, og_key_node(x->ctx, x->api, otlp, err), "%s", shown);
    return -1;
}

int lb_config_check(lb_exporter *x)
{
    int rc = check_routing_key(x);
    rc |= check_resolver(x);
    rc |= check_protocol(x);
    if (rc == 0 && og_headers_parse(x->ctx, x->api, x->cfg->proto.headers, &x->headers) != 0)
        rc = -1;
    if (rc == 0 && og_auth_resolve(x->ctx, x->api, at(x, "protocol.otlp"), "protocol.otlp.",
                                   x->cfg->proto.auth_authenticator, &x->auth) != 0)
        rc = -1;
    return rc;
}
