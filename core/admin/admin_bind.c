/*
 * admin_bind.c: from an endpoint ("host:port") to listening sockets.
 *
 * The sockets are made here rather than by evhttp_bind_socket so that IPv6
 * ones are IPV6_V6ONLY (then "::" and "0.0.0.0" on one port do not fight)
 * and so that a family the machine lacks (a container without ::1) is
 * skipped instead of failing the whole endpoint.
 */
#include "admin_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry/log.h"

#define LISTEN_BACKLOG 128

/* Splits endpoint into host (default "localhost") and port text. */
static int split_endpoint(const char *endpoint, char *host, size_t hostlen, char *port,
                          size_t portlen)
{
    const char *colon = strrchr(endpoint, ':');
    const char *h = endpoint;
    size_t hlen;

    if (!colon || colon[1] == '\0' || strlen(colon + 1) >= portlen)
        return -1;
    hlen = (size_t)(colon - endpoint);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    } else if (memchr(h, ':', hlen) != NULL) {
        return -1; /* an IPv6 address needs its brackets */
    }
    if (hlen == 0) {
        h = "localhost";
        hlen = strlen(h);
    }
    if (hlen >= hostlen)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    for (const char *p = port; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
    }
    return strtol(port, NULL, 10) <= 65535 ? 0 : -1;
}

bool admin_addr_equal(const admin_addr *x, const admin_addr *y)
{
    return x->len == y->len && memcmp(&x->ss, &y->ss, x->len) == 0;
}

void admin_addr_format(const admin_addr *a, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";

    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
    }
}

void admin_addr_set_port(admin_addr *a, uint16_t port)
{
    if (a->ss.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

static bool addr_local(const admin_addr *a)
{
    if (a->ss.ss_family == AF_INET6) {
        const struct in6_addr *ip = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(ip) || (IN6_IS_ADDR_V4MAPPED(ip) && ip->s6_addr[12] == 127);
    }
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
    return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
}

bool admin_addrs_local(const admin_addr *addrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!addr_local(&addrs[i]))
            return false;
    return n > 0;
}

/* Keeps the TCP addresses of res, without duplicates. */
static void collect(const struct addrinfo *res, admin_addr *out, size_t *n)
{
    *n = 0;
    for (const struct addrinfo *ai = res; ai && *n < ADMIN_MAX_ADDRS; ai = ai->ai_next) {
        admin_addr cand;
        bool dup = false;
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof(cand.ss))
            continue;
        memset(&cand, 0, sizeof(cand));
        memcpy(&cand.ss, ai->ai_addr, ai->ai_addrlen);
        cand.len = ai->ai_addrlen;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = admin_addr_equal(&out[i], &cand);
        if (!dup)
            out[(*n)++] = cand;
    }
}

int admin_resolve(const char *endpoint, admin_addr *out, size_t *n, bool *port0, char *err,
                  size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char host[256], port[8];
    int rc;

    if (!endpoint || split_endpoint(endpoint, host, sizeof(host), port, sizeof(port)) != 0) {
        snprintf(err, errlen, "endpoint \"%s\" is not host:port", endpoint ? endpoint : "");
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "endpoint \"%s\": cannot resolve %s: %s", endpoint, host,
                 gai_strerror(rc));
        return -1;
    }
    collect(res, out, n);
    freeaddrinfo(res);
    if (*n == 0) {
        snprintf(err, errlen, "endpoint \"%s\": %s has no IPv4 or IPv6 address", endpoint, host);
        return -1;
    }
    *port0 = strtol(port, NULL, 10) == 0;
    return 0;
}

/* True when the machine lacks what a failed socket() or bind() needed: the
 * address family, or (IPv6 off) the address itself. */
static bool family_missing(int err)
{
    return err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL;
}

/* One listening socket; -1 with errno set on failure. */
static int listen_one(const admin_addr *a)
{
    int one = 1;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        goto out_close;
    if (a->ss.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
        goto out_close;
    if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
        goto out_close;
    if (listen(fd, LISTEN_BACKLOG) != 0)
        goto out_close;
    return fd;

out_close: {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

int admin_bind_all(const char *endpoint, admin_addr *addrs, size_t n, int *fds, size_t *nfds,
                   uint16_t *port, char *err, size_t errlen)
{
    char where[INET6_ADDRSTRLEN + 16];

    *nfds = 0;
    *port = 0;
    for (size_t i = 0; i < n; i++) {
        int fd;
        if (*port != 0)
            admin_addr_set_port(&addrs[i], *port);
        fd = listen_one(&addrs[i]);
        if (fd >= 0) {
            fds[(*nfds)++] = fd;
            if (*port == 0)
                *port = bound_port(fd);
            continue;
        }
        admin_addr_format(&addrs[i], where, sizeof(where));
        if (family_missing(errno) && n > 1) {
            otelc_log(OTELC_LOG_DEBUG, "admin", "endpoint %s: skipping %s: %s", endpoint, where,
                      strerror(errno));
            continue;
        }
        snprintf(err, errlen, "endpoint \"%s\": cannot listen on %s: %s", endpoint, where,
                 strerror(errno));
        close_all(fds, *nfds);
        *nfds = 0;
        return -1;
    }
    if (*nfds == 0) {
        snprintf(err, errlen, "endpoint \"%s\": no address could be bound", endpoint);
        return -1;
    }
    return 0;
}
