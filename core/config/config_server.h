/* The part of the collector's confighttp server settings that otelc's own
 * HTTP endpoints take: `tls` (configtls.ServerConfig) and `auth`
 * (configauth). service.admin, the health_check extension and component
 * endpoints (the host table's http_serve_config) read them here, so the
 * three check the same keys with the same messages.
 *
 * Read-only on the tree; `errs` must belong to the calling thread. */
#ifndef OTELC_CONFIG_SERVER_H
#define OTELC_CONFIG_SERVER_H

#include <stdbool.h>

#include "config_error.h"
#include "config_node.h"

/* TLS of a server; the strings point into the tree. */
typedef struct otelc_tls_server {
    const char *cert_file;      /* server certificate chain (PEM) */
    const char *key_file;       /* its private key (PEM) */
    const char *client_ca_file; /* NULL: no client certificate asked for */
    int min_minor;              /* TLS 1.<min_minor>, 0..3; default 2 */
    int max_minor;              /* 0..3, or -1: the newest OpenSSL has */
} otelc_tls_server;

typedef struct otelc_http_server {
    bool tls_on;                  /* tls.cert_file (and key_file) set */
    otelc_tls_server tls;
    const char *authenticator;    /* auth.authenticator; NULL: none */
    const otelc_node *auth_at;    /* its node (messages), or NULL */
} otelc_http_server;

/* Reads `tls` and `auth` (the values under those keys of a server's map;
 * either may be NULL) into *out, which is zeroed first. Unknown keys, a
 * cert_file without key_file or the reverse, client_ca_file without them,
 * bad versions and an auth section without authenticator are errors in
 * errs; the collector's keys a server ignores (ca_file, ...) are warned
 * about, those otelc lacks (cert_pem, reload_interval, ...) refused as
 * "not supported yet". Returns 0, or -1 when errors were recorded. */
int otelc_http_server_read(const otelc_node *tls, const otelc_node *auth,
                           otelc_http_server *out, otelc_errors *errs);

/* True when the two TLS settings are the same (both off counts). */
bool otelc_tls_server_equal(const otelc_http_server *x, const otelc_http_server *y);

#endif
