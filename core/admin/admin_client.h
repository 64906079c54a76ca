/*
 * admin_client.h: the CLI's side of the admin API. Commands such as
 * `otelc queue inspect` talk to a running otelc over HTTP (libcurl), so
 * they work wherever the daemon's admin endpoint is reachable.
 *
 * An endpoint with service.admin.tls or auth is reached with what the
 * environment gives (never the command line, where ps shows it):
 *   OTELC_ADMIN_AUTHORIZATION  the Authorization header's value
 *                              ("Basic ...", "Bearer ...")
 *   OTELC_ADMIN_CA_FILE        CAs (PEM) to verify its certificate by
 *                              (else the system's)
 *   OTELC_ADMIN_CERT_FILE, OTELC_ADMIN_KEY_FILE
 *                              a client certificate, for client_ca_file
 */
#ifndef OTELC_CORE_ADMIN_CLIENT_H
#define OTELC_CORE_ADMIN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* The base URL for an admin endpoint as configs write it ("host:port",
 * ":port", "0.0.0.0:port", "[::1]:port"): a wildcard or missing host is
 * reached on loopback; https when tls. An endpoint already written as a
 * URL ("https://host:port") is kept as it is. Writes at most cap bytes;
 * returns 0 or -1. */
int admin_client_url(const char *endpoint, bool tls, char *out, size_t cap);

/* One request: method "GET" | "POST" | "DELETE", path with its query,
 * with the credentials of the environment (above). On 0, *body is a
 * malloc'd NUL-terminated answer (caller frees) and *status the HTTP
 * status. -1 when the daemon cannot be reached (the reason is in err). */
int admin_client_call(const char *base_url, const char *method, const char *path, char **body,
                      long *status, char *err, size_t errlen);

#endif
