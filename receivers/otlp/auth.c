/*
 * auth.c: authenticators on the receiver's protocols (`auth: {
 * authenticator: <id> }` under protocols.grpc and protocols.http, as the
 * collector's configgrpc and confighttp have it). A request's headers are
 * handed to the extension's auth.server service once they are all in,
 * before its body is read; a refusal is answered UNAUTHENTICATED (gRPC)
 * or 401 (HTTP) by the transports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlp_recv.h"

#define LOG_EVERY_NS (INT64_C(10) * 1000000000)

static const char *const proto_key[OTLP_NPROTO] = {"grpc", "http"};

static const otelc_node *auth_node(otlp_recv *r, otlp_proto p)
{
    const otelc_host_api *api = r->api;
    const otelc_node *n = api->node_get(api->config_node(r->ctx), "protocols");
    n = api->node_get(api->node_get(api->node_get(n, proto_key[p]), "auth"), "authenticator");
    return n ? n : api->node_get(api->node_get(api->config_node(r->ctx), "protocols"),
                                 proto_key[p]);
}

/* The collector's messages: configauth's "failed to resolve
 * authenticator" and "not a server authenticator". */
static int resolve_one(otlp_recv *r, otlp_proto p, const char *id)
{
    otlp_server *srv = &r->srv[p];
    if (!id || !*id) {
        r->api->config_error(r->ctx, auth_node(r, p), "protocols.%s.auth.authenticator: missing",
                             proto_key[p]);
        return -1;
    }
    srv->auth = r->api->service_lookup(r->ctx, OTELC_SERVICE_AUTH_SERVER, id, &srv->auth_state);
    if (srv->auth && srv->auth->struct_size >= sizeof(otelc_auth_server))
        return 0;
    void *other = NULL;
    bool client = r->api->service_lookup(r->ctx, OTELC_SERVICE_AUTH_CLIENT, id, &other) != NULL;
    r->api->config_error(r->ctx, auth_node(r, p),
                         client ? "\"%s\": requested authenticator is not a server authenticator"
                                : "failed to resolve authenticator \"%s\": authenticator not "
                                  "found (is it defined and listed in service.extensions?)",
                         id);
    srv->auth = NULL;
    return -1;
}

int otlp_auth_resolve(otlp_recv *r, const otlp_cfg *cfg)
{
    const char *ids[OTLP_NPROTO] = {cfg->auth_authenticator, cfg->http_auth_authenticator};
    for (int p = 0; p < OTLP_NPROTO; p++) {
        const otelc_node *sec = r->api->node_get(
            r->api->node_get(r->api->node_get(r->api->config_node(r->ctx), "protocols"),
                             proto_key[p]),
            "auth");
        if (!r->srv[p].on || !sec)
            continue;
        if (!otelc_host_has(r->api, service_lookup)) {
            r->api->config_error(r->ctx, sec, "auth: the host is too old for authenticators");
            return -1;
        }
        if (resolve_one(r, (otlp_proto)p, ids[p]) != 0)
            return -1;
    }
    return 0;
}

void otlp_auth_metrics(otlp_recv *r)
{
    for (int p = 0; p < OTLP_NPROTO; p++) {
        if (!r->srv[p].auth)
            continue;
        const char *labels[] = {"receiver", r->api->instance_id(r->ctx), "transport",
                                proto_key[p], NULL};
        otelc_metric_desc d = {
            .name = "otelc_receiver_unauthenticated_requests_total",
            .help = "Requests the authenticator refused (UNAUTHENTICATED / 401), body unread.",
            .type = OTELC_COUNTER,
            .labels = labels};
        r->srv[p].auth_refusals = r->api->metric(r->ctx, &d);
    }
}

int otlp_auth_keep(const otlp_server *srv, otlp_meta *h, const uint8_t *name, size_t nlen,
                   const uint8_t *value, size_t vlen)
{
    if (!srv->auth || nlen == 0 || name[0] == ':')
        return 0;
    return otlp_meta_add(h, name, nlen, value, vlen);
}

/* name, value, ..., NULL over h's records (malloc'd), or NULL. */
static const char **header_list(const otlp_meta *h)
{
    const char **list = malloc((2 * h->n + 1) * sizeof(*list));
    const char *p = h->mem;
    if (!list)
        return NULL;
    for (size_t i = 0; i < 2 * h->n; i++) {
        list[i] = p;
        p += strlen(p) + 1;
    }
    list[2 * h->n] = NULL;
    return list;
}

/* One line per LOG_EVERY_NS, with how many refusals it stands for. */
static void log_refusal(otlp_recv *r, otlp_proto p, const char *why)
{
    atomic_fetch_add(&r->auth_unlogged, 1);
    int64_t now = otelc_mono_ns(), last = atomic_load(&r->auth_logged_ns);
    if ((last && now - last < LOG_EVERY_NS) ||
        !atomic_compare_exchange_strong(&r->auth_logged_ns, &last, now))
        return;
    size_t n = atomic_exchange(&r->auth_unlogged, 0);
    r->api->log(r->ctx, OTELC_LOG_WARN,
                "%s: refused %zu request(s) without valid credentials in the last 10s; "
                "the latest: %s",
                proto_key[p], n ? n : 1, why);
}

bool otlp_auth_pass(otlp_server *srv, otlp_meta *h, char *why, size_t cap)
{
    const char **list = header_list(h);
    bool listed = list != NULL;
    otelc_status st = OTELC_REJECT;
    why[0] = 0;
    if (listed)
        st = srv->auth->authenticate(srv->auth_state, list, why, cap);
    free(list);
    otlp_meta_free(h);
    if (st == OTELC_OK)
        return true;
    if (!why[0])
        snprintf(why, cap, "%s", listed ? "authentication failed" : "out of memory");
    if (srv->auth_refusals)
        srv->r->api->metric_add(srv->auth_refusals, 1);
    log_refusal(srv->r, srv->proto, why);
    return false;
}
