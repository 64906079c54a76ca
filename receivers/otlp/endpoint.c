/*
 * endpoint.c: parsing, resolving and printing of bind endpoints.
 */
#include "endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, uint16_t *port)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int endpoint_parse(const char *text, endpoint *ep, char *err, size_t errcap)
{
    const char *colon;
    const char *host = text;
    size_t hlen;
    memset(ep->host, 0, sizeof(ep->host));
    if (!text || !*text) {
        snprintf(err, errcap, "endpoint is empty");
        return -1;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errcap, "endpoint \"%s\" is not [address]:port", text);
            return -1;
        }
        host = text + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || memchr(text, ':', (size_t)(colon - text))) {
            snprintf(err, errcap, "endpoint \"%s\" is not host:port", text);
            return -1;
        }
        hlen = (size_t)(colon - text);
    }
    if (hlen >= sizeof(ep->host) || parse_port(colon + 1, &ep->port) != 0) {
        snprintf(err, errcap, "endpoint \"%s\" has no valid port (0-65535)", text);
        return -1;
    }
    memcpy(ep->host, host, hlen);
    return 0;
}

static void add_addr(endpoint_addrs *out, const struct sockaddr *sa, socklen_t len)
{
    if (out->n == ENDPOINT_MAX_ADDRS)
        return;
    for (size_t i = 0; i < out->n; i++)
        if (out->len[i] == len && memcmp(&out->addr[i], sa, len) == 0)
            return;
    memcpy(&out->addr[out->n], sa, len);
    out->len[out->n++] = len;
}

static void add_v4(endpoint_addrs *out, const char *ip, uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    add_addr(out, (struct sockaddr *)&a, sizeof(a));
}

static void add_v6(endpoint_addrs *out, const char *ip, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    add_addr(out, (struct sockaddr *)&a, sizeof(a));
}

static int resolve_name(const endpoint *ep, endpoint_addrs *out, char *err, size_t errcap)
{
    struct addrinfo hints = {.ai_family = ep->family, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof(port), "%u", ep->port);
    int rc = getaddrinfo(ep->host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errcap, "cannot resolve \"%s\": %s", ep->host, gai_strerror(rc));
        return -1;
    }
    /* IPv4 first, so a port picked by the system on the first bind is the
     * one the log line tests read first. */
    for (int pass = 0; pass < 2; pass++)
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
            if ((ai->ai_family == AF_INET) == (pass == 0))
                add_addr(out, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

int endpoint_resolve(const endpoint *ep, endpoint_addrs *out, char *err, size_t errcap)
{
    out->n = 0;
    if (ep->host[0] == '\0' || strcmp(ep->host, "localhost") == 0) {
        if (ep->family != AF_INET6)
            add_v4(out, "127.0.0.1", ep->port);
        if (ep->family != AF_INET)
            add_v6(out, "::1", ep->port);
    } else if (resolve_name(ep, out, err, errcap) != 0) {
        return -1;
    }
    if (out->n == 0) {
        snprintf(err, errcap, "endpoint \"%s\" has no address of the configured transport",
                 ep->host);
        return -1;
    }
    return 0;
}

void endpoint_format(const struct sockaddr *sa, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(buf, cap, "%s:%u", ip, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        snprintf(buf, cap, "[%s]:%u", ip, ntohs(a->sin6_port));
    } else {
        snprintf(buf, cap, "?");
    }
}
