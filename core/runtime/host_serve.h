/*
 * host_serve.h: the host's HTTP endpoints with confighttp's tls and auth:
 * the admin endpoint (service.admin), the health_check extension and
 * component endpoints (http_serve, http_serve_settings).
 *
 * An endpoint with auth.authenticator gets a guard: its id is kept when
 * the endpoint is set up (at create, when the extension may not exist
 * yet) and resolved to the extension's auth.server service once every
 * instance is created, before the admin server starts. The admin server
 * refuses every request of a guard that was never resolved. Main thread.
 */
#ifndef OTELC_HOST_SERVE_H
#define OTELC_HOST_SERVE_H

#include <stdint.h>

#include "admin/admin.h"
#include "config/config.h"
#include "config/config_server.h"
#include "graph.h"

typedef struct host_guard host_guard;

/* Reads the tls and auth nodes of instance c (either may be NULL) into
 * *out; an error is reported as a config error of c. 0 or -1. */
int host_serve_read(otelc_ctx *c, const otelc_node *tls, const otelc_node *auth,
                    otelc_http_server *out);

/* The admin endpoint ep with service.admin's tls and auth, serving
 * scopes; *port gets the bound port. 0, or -1 with a message in err. */
int host_serve_admin(host *h, const otelc_config *cfg, const char *ep, unsigned scopes,
                     uint16_t *port, char *err, size_t errlen);

/* Records service.admin's guard without listening (otelc validate). */
int host_serve_admin_check(host *h, const otelc_config *cfg);

/* Component c's routes on endpoint (scope c->route_scope) with srv's tls
 * and auth (srv NULL: http_serve without settings). Validation checks the
 * endpoint only. 0, or -1 with a message in err. */
int host_serve_component(otelc_ctx *c, const char *endpoint, const otelc_http_server *srv,
                         char *err, size_t errlen);

/* The health_check extension of instance c on endpoint, path. 0 or -1
 * after logging why. */
int host_serve_health_check(otelc_ctx *c, const char *endpoint, const char *path,
                            const otelc_http_server *srv);

/* Resolves every guard's authenticator among the services extensions
 * offer; an id that leads to no auth.server service is a config error
 * at its key, as the collector words it. 0, or -1 after logging. */
int host_serve_resolve(host *h);

/* Frees the guards, after admin_free. */
void host_serve_free(host *h);

#endif
