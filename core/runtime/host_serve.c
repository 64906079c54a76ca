/*
 * host_serve.c: the host's HTTP endpoints with confighttp's tls and auth
 * (see host_serve.h): guards from auth.authenticator ids, the warning for
 * an endpoint open to other machines without auth, and resolving the ids
 * once the extensions exist.
 */
#include "host_serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/log.h"
#include "telemetry/metrics.h"

struct host_guard {
    host_guard *next;
    admin_auth auth;           /* what the admin server reads */
    char *owner;               /* log name: "admin", the instance's */
    const char *authenticator; /* the extension id, in the config tree */
    const otelc_node *at;      /* its node, for messages */
};

/* A guard when srv names an authenticator; *out NULL when it does not.
 * 0, or -1 when memory ran out. */
static int guard_new(host *h, const char *owner, const otelc_http_server *srv,
                     admin_auth **out)
{
    *out = NULL;
    if (!srv || !srv->authenticator)
        return 0;
    host_guard *g = calloc(1, sizeof(*g));
    if (!g || !(g->owner = strdup(owner))) {
        free(g);
        return -1;
    }
    g->authenticator = srv->authenticator;
    g->at = srv->auth_at;
    g->auth.owner = g->owner;
    g->next = h->guards;
    h->guards = g;
    *out = &g->auth;
    return 0;
}

/* The collector warns about 0.0.0.0 for the same reason: an endpoint any
 * machine reaches answers whoever connects. */
static void warn_exposed(const char *owner, const char *endpoint, const admin_auth *auth)
{
    if (auth || admin_endpoint_is_local(endpoint))
        return;
    otelc_log(OTELC_LOG_WARN, owner,
              "endpoint %s is reachable from other machines and has no auth: anyone who can "
              "connect is answered; set auth.authenticator (basicauth, bearertokenauth) or bind "
              "localhost",
              endpoint);
}

static const char *tls_note(const otelc_http_server *srv)
{
    return srv && srv->tls_on ? " with TLS" : "";
}

int host_serve_read(otelc_ctx *c, const otelc_node *tls, const otelc_node *auth,
                    otelc_http_server *out)
{
    otelc_errors e;
    otelc_errors_init(&e);
    otelc_http_server_read(tls, auth, out, &e);
    size_t n = otelc_errors_count(&e);
    for (size_t i = 0; i < n; i++) {
        atomic_fetch_add(&c->config_errors, 1);
        otelc_log(OTELC_LOG_ERROR, c->log_name, "%s", otelc_errors_line(&e, i));
    }
    otelc_errors_fini(&e);
    return n ? -1 : 0;
}

int host_serve_admin(host *h, const otelc_config *cfg, const char *ep, unsigned scopes,
                     uint16_t *port, char *err, size_t errlen)
{
    admin_auth *auth = NULL;
    if (guard_new(h, "admin", &cfg->admin_server, &auth) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    admin_guard g = {&cfg->admin_server, auth};
    if (admin_listen_guarded(h->admin, ep, scopes, &g, port, err, errlen) != 0)
        return -1;
    /* Tests bind port 0 and read the port from this line. */
    otelc_log(OTELC_LOG_INFO, "admin", "listening on %s (port %u)%s", ep, *port,
              tls_note(&cfg->admin_server));
    warn_exposed("admin", ep, auth);
    return 0;
}

int host_serve_admin_check(host *h, const otelc_config *cfg)
{
    admin_auth *auth = NULL;
    return cfg->admin_enabled ? guard_new(h, "admin", &cfg->admin_server, &auth) : 0;
}

int host_serve_component(otelc_ctx *c, const char *endpoint, const otelc_http_server *srv,
                         char *err, size_t errlen)
{
    admin_auth *auth = NULL;
    uint16_t port = 0;
    if (guard_new(c->h, c->log_name, srv, &auth) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (c->h->validating) /* nothing binds then */
        return admin_endpoint_check(endpoint, err, errlen);
    admin_guard g = {srv, auth};
    if (admin_listen_guarded(c->h->admin, endpoint, c->route_scope, &g, &port, err, errlen) != 0)
        return -1;
    otelc_log(OTELC_LOG_INFO, c->log_name, "listening on %s (port %u)%s", endpoint, port,
              tls_note(srv));
    warn_exposed(c->log_name, endpoint, auth);
    return 0;
}

/* No warning for an exposed health_check: its answer is the status line
 * load balancers and probes read, open in the collector too. */
int host_serve_health_check(otelc_ctx *c, const char *endpoint, const char *path,
                            const otelc_http_server *srv)
{
    admin_auth *auth = NULL;
    if (guard_new(c->h, c->log_name, srv, &auth) != 0) {
        otelc_log(OTELC_LOG_ERROR, c->log_name, "out of memory");
        return -1;
    }
    if (c->h->validating) /* its endpoint is bound only to run */
        return 0;
    admin_guard g = {srv, auth};
    uint16_t port = 0;
    if (admin_add_health_check(c->h->admin, endpoint, path, &g, &port) != 0)
        return -1;
    otelc_log(OTELC_LOG_INFO, c->log_name, "listening on %s (port %u)%s", endpoint, port,
              tls_note(srv));
    return 0;
}

/* ---- resolving ---- */

static const host_service *offer(const host *h, const char *kind, const char *id)
{
    for (size_t i = 0; i < h->nservices; i++) {
        const host_service *s = &h->services[i];
        if (strcmp(s->kind, kind) == 0 && strcmp(s->provider->id, id) == 0)
            return s;
    }
    return NULL;
}

/* What a 401 names as the way in (RFC 9110 wants one on every 401; on
 * Basic, browsers ask for a user and password). NULL for authenticators
 * whose scheme the host does not know. */
static const char *challenge_of(const char *type)
{
    if (strcmp(type, "basicauth") == 0)
        return "Basic realm=\"otelc\", charset=\"UTF-8\"";
    if (strcmp(type, "bearertokenauth") == 0)
        return "Bearer realm=\"otelc\"";
    return NULL;
}

static otelc_series *refusal_series(host *h, const char *owner)
{
    const char *labels[] = {"server", owner, NULL};
    otelc_metric_desc d = {
        .name = "otelc_http_server_unauthenticated_requests_total",
        .help = "Requests to the admin endpoint or a component endpoint that the authenticator "
                "refused (401).",
        .type = OTELC_COUNTER,
        .labels = labels};
    return metrics_series(h->metrics, &d);
}

/* The collector's configauth messages. */
static void report_unresolved(const host *h, const host_guard *g)
{
    char where[512];
    otelc_errors_prefix(where, sizeof(where), g->at, false);
    if (offer(h, OTELC_SERVICE_AUTH_CLIENT, g->authenticator))
        otelc_log(OTELC_LOG_ERROR, g->owner,
                  "%s\"%s\": requested authenticator is not a server authenticator", where,
                  g->authenticator);
    else
        otelc_log(OTELC_LOG_ERROR, g->owner,
                  "%sfailed to resolve authenticator \"%s\": authenticator not found (is it "
                  "defined and listed in service.extensions?)",
                  where, g->authenticator);
}

static int resolve_one(host *h, host_guard *g)
{
    const host_service *s = offer(h, OTELC_SERVICE_AUTH_SERVER, g->authenticator);
    const otelc_auth_server *vt = s ? s->vtable : NULL;
    if (!vt || vt->struct_size < sizeof(otelc_auth_server)) {
        report_unresolved(h, g);
        return -1;
    }
    g->auth.service = vt;
    g->auth.state = s->state;
    g->auth.challenge = challenge_of(s->provider->plugin->desc->type);
    if (!h->validating)
        g->auth.refusals = refusal_series(h, g->owner);
    return 0;
}

int host_serve_resolve(host *h)
{
    int rc = 0;
    for (host_guard *g = h->guards; g; g = g->next)
        if (resolve_one(h, g) != 0)
            rc = -1;
    return rc;
}

void host_serve_free(host *h)
{
    while (h->guards) {
        host_guard *g = h->guards;
        h->guards = g->next;
        free(g->owner);
        free(g);
    }
}
