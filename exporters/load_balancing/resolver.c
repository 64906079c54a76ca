/*
 * resolver.c: the static and dns resolvers (resolver.h).
 */
#include "resolver.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <otelc/sdk/clock.h>

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts list and drops duplicates; returns the new count. */
static size_t sort_unique(char **list, size_t n)
{
    size_t out = 0;
    qsort(list, n, sizeof(*list), by_str);
    for (size_t i = 0; i < n; i++) {
        if (out && strcmp(list[out - 1], list[i]) == 0)
            free(list[i]);
        else
            list[out++] = list[i];
    }
    return out;
}

static void list_free(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

static bool list_equal(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

/* Takes list (sorted) as the current one and tells on_change when it
 * differs; frees what it does not keep. */
static void publish(lb_resolver *r, char **list, size_t n)
{
    if (r->current && list_equal(r->current, r->ncurrent, list, n)) {
        list_free(list, n);
        return;
    }
    list_free(r->current, r->ncurrent);
    r->current = list;
    r->ncurrent = n;
    r->on_change(r->arg, (const char *const *)list, n);
}

/* getaddrinfo_a, waited for at most timeout_ns. */
static int lookup_system(void *arg, const char *host, int64_t timeout_ns, char out[][64],
                         size_t cap, char *err, size_t err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct gaicb req = {.ar_name = host, .ar_request = &hints};
    struct gaicb *list[1] = {&req};
    struct timespec tmo = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    (void)arg;
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc == 0 && gai_suspend((const struct gaicb *const *)list, 1, &tmo) != 0 &&
        gai_cancel(&req) == EAI_NOTCANCELED)
        gai_suspend((const struct gaicb *const *)list, 1, NULL);
    rc = rc ? rc : gai_error(&req);
    if (rc != 0) {
        snprintf(err, err_size, "lookup %s: %s", host,
                 rc == EAI_CANCELED ? "i/o timeout" : gai_strerror(rc));
        if (req.ar_result)
            freeaddrinfo(req.ar_result);
        return -1;
    }
    size_t n = 0;
    for (struct addrinfo *ai = req.ar_result; ai && n < cap; ai = ai->ai_next) {
        const void *a = ai->ai_family == AF_INET6
                            ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        if (inet_ntop(ai->ai_family, a, out[n], 64))
            n++;
    }
    freeaddrinfo(req.ar_result);
    return (int)n;
}

/* "ip[:port]" or "[ipv6][:port]", as the collector's dns resolver names a
 * backend. */
static char *endpoint_of(const char *addr, const char *port)
{
    bool v6 = strchr(addr, ':') != NULL;
    bool has_port = port && *port;
    size_t len = strlen(addr) + (has_port ? strlen(port) : 0) + 4; /* [ ] : NUL */
    char *buf = malloc(len);
    if (buf)
        snprintf(buf, len, "%s%s%s%s%s", v6 ? "[" : "", addr, v6 ? "]" : "",
                 has_port ? ":" : "", has_port ? port : "");
    return buf;
}

void lb_resolver_round(lb_resolver *r)
{
    char addrs[LB_RESOLVE_MAX][64];
    char err[256] = "";
    lb_lookup_fn fn = r->lookup ? r->lookup : lookup_system;
    int n = fn(r->lookup_arg, r->dns_host, r->timeout_ns, addrs, LB_RESOLVE_MAX, err,
               sizeof(err));
    r->on_outcome(r->arg, n >= 0, err);
    if (n < 0)
        return;
    char **list = calloc((size_t)n + 1, sizeof(*list));
    size_t got = 0;
    for (int i = 0; list && i < n; i++)
        if ((list[got] = endpoint_of(addrs[i], r->dns_port)) != NULL)
            got++;
    if (list)
        publish(r, list, sort_unique(list, got));
}

static void *dns_main(void *arg)
{
    lb_resolver *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        struct timespec at = otelc_timespec(otelc_mono_ns() + r->interval_ns);
        pthread_cond_timedwait(&r->cv, &r->mu, &at);
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->mu);
        lb_resolver_round(r);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void start_static(lb_resolver *r)
{
    char **list = calloc(r->nhostnames + 1, sizeof(*list));
    size_t got = 0;
    for (size_t i = 0; list && i < r->nhostnames; i++)
        if ((list[got] = strdup(r->hostnames[i])) != NULL)
            got++;
    r->on_outcome(r->arg, list != NULL, "out of memory");
    if (list)
        publish(r, list, sort_unique(list, got));
}

int lb_resolver_start(lb_resolver *r)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&r->mu, NULL);
    r->inited = true;
    if (r->hostnames) {
        start_static(r);
        return 0;
    }
    lb_resolver_round(r);
    if (pthread_create(&r->thread, NULL, dns_main, r) != 0)
        return -1;
    r->running = true;
    return 0;
}

void lb_resolver_stop(lb_resolver *r)
{
    if (r->running) {
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        r->running = false;
    }
    list_free(r->current, r->ncurrent);
    r->current = NULL;
    r->ncurrent = 0;
    if (r->inited) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        r->inited = false;
    }
}
