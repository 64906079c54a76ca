/*
 * resolver.h: where the backends are, as the collector's resolvers say:
 * `static` (the hostnames given, sorted, once at start) or `dns` (the
 * addresses a name resolves to, as "ip:port" or "[ipv6]:port", sorted,
 * looked up at start and then every interval on a thread of the
 * resolver's own; a lookup that fails keeps the last list). Each new list
 * goes to on_change; an unchanged one does not.
 *
 * The lookup is getaddrinfo_a bounded by the timeout; tests inject their
 * own (lb_lookup_fn) to change the answer between rounds.
 */
#ifndef OTELC_LB_RESOLVER_H
#define OTELC_LB_RESOLVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fills up to cap addresses of host as text (no brackets) into out;
 * returns how many, or -1 with a reason in err. */
typedef int (*lb_lookup_fn)(void *arg, const char *host, int64_t timeout_ns, char out[][64],
                            size_t cap, char *err, size_t err_size);

/* A new backend list (sorted, no duplicates; strings valid during the
 * call). The resolver's thread, or the caller of lb_resolver_start. */
typedef void (*lb_change_fn)(void *arg, const char *const *endpoints, size_t n);

/* Each round's outcome, for the resolution metrics. */
typedef void (*lb_outcome_fn)(void *arg, bool ok, const char *err);

typedef struct lb_resolver {
    /* set by the caller */
    const char *const *hostnames; /* static: the list; NULL for dns */
    size_t nhostnames;
    const char *dns_host;
    const char *dns_port;        /* NULL or "": the ring sees bare addresses */
    int64_t interval_ns, timeout_ns;
    lb_lookup_fn lookup;         /* NULL: getaddrinfo_a */
    void *lookup_arg;
    lb_change_fn on_change;
    lb_outcome_fn on_outcome;
    void *arg;
    /* the resolver's */
    char **current;
    size_t ncurrent;
    pthread_t thread;
    bool inited, running, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} lb_resolver;

#define LB_RESOLVE_MAX 256 /* addresses taken from one lookup */

/* Resolves once (on_change with the first list) and, for dns, starts the
 * thread. 0, or -1 when the thread could not start. */
int lb_resolver_start(lb_resolver *r);

/* One dns round now (tests; the thread calls it every interval). */
void lb_resolver_round(lb_resolver *r);

/* Stops the thread and frees the list; idempotent. */
void lb_resolver_stop(lb_resolver *r);

#endif /* OTELC_LB_RESOLVER_H */
