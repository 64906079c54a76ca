/*
 * endpoint.h: the collector's "host:port" endpoints, parsed and resolved.
 *
 * Every socket binds exactly what the endpoint says: "localhost" (or no
 * host at all) binds 127.0.0.1 and ::1, "0.0.0.0" all IPv4 addresses,
 * "[::]" all IPv6 ones (IPv6 only), a literal address that address, and a
 * name every address it resolves to.
 */
#ifndef OTELC_OTLP_ENDPOINT_H
#define OTELC_OTLP_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ENDPOINT_HOST_MAX 256
#define ENDPOINT_MAX_ADDRS 8

typedef struct endpoint {
    char host[ENDPOINT_HOST_MAX]; /* without brackets; "" when none was given */
    uint16_t port;
    int family; /* AF_UNSPEC, or AF_INET / AF_INET6 for transport tcp4 / tcp6 */
} endpoint;

typedef struct endpoint_addrs {
    struct sockaddr_storage addr[ENDPOINT_MAX_ADDRS];
    socklen_t len[ENDPOINT_MAX_ADDRS];
    size_t n;
} endpoint_addrs;

/*
 * Parses "host:port", "[v6]:port" or ":port" (port 0..65535; 0 lets the
 * system pick). Pure. Returns 0, or -1 with a reason in err (errcap bytes).
 */
int endpoint_parse(const char *text, endpoint *ep, char *err, size_t errcap);

/*
 * Turns ep into the addresses to bind, in a stable order (IPv4 first).
 * "localhost" and "" never consult the resolver; other names do (blocking:
 * call from start, not from a loop). Returns 0, or -1 with a reason.
 */
int endpoint_resolve(const endpoint *ep, endpoint_addrs *out, char *err, size_t errcap);

/* Writes "127.0.0.1:4317" or "[::1]:4317" for sa into buf. */
void endpoint_format(const struct sockaddr *sa, char *buf, size_t cap);

#endif /* OTELC_OTLP_ENDPOINT_H */
