/*
 * backends.c: the backend table (lb.h): one otlp_grpc client per
 * resolved name, and the ring over the names.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "lb.h"

#define CLOSE_WAIT_NS (5 * 1000000000LL) /* calls on a removed backend may finish */

static lb_backend *backend_new(lb_exporter *x, const char *name)
{
    char endpoint[320], err[512];
    og_settings set;
    og_cfg c = x->cfg->proto;
    snprintf(endpoint, sizeof(endpoint), "%s%s", name,
             strrchr(name, ':') && name[strlen(name) - 1] != ']' ? "" : ":" LB_DEFAULT_PORT);
    c.endpoint = endpoint;
    og_cfg_extra extra = {.keepalive_present = x->proto.keepalive};
    if (og_settings_init(&set, &c, &extra, err, sizeof(err)) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "failed to create new exporter for endpoint %s: %s",
                    name, err);
        return NULL;
    }
    lb_backend *b = calloc(1, sizeof(*b));
    og_client_opts o = {.ctx = x->ctx, .api = x->api, .cfg = &c, .set = &set,
                        .headers = &x->headers, .auth = &x->auth,
                        .metrics = &x->metrics,
                        .timeout_ns = x->call_timeout_ns};
    if (b && (b->name = strdup(name)) != NULL && (b->client = og_client_new(&o)) != NULL &&
        og_client_start(b->client) == 0)
        return b;
    if (b) {
        og_client_free(b->client);
        free(b->name);
        free(b);
    }
    x->api->log(x->ctx, OTELC_LOG_ERROR, "failed to start new exporter for endpoint %s", name);
    return NULL;
}

static lb_backend *find(const lb_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->b[i]->name, name) == 0)
            return t->b[i];
    return NULL;
}

/* The new table: the old backends that stay, new ones for new names. */
static int table_build(lb_exporter *x, const char *const *names, size_t n, lb_table *t)
{
    t->b = calloc(n + 1, sizeof(lb_backend *));
    t->names = calloc(n + 1, sizeof(*t->names));
    if (!t->b || !t->names)
        return -1;
    for (size_t i = 0; i < n; i++) {
        lb_backend *b = find(&x->table, names[i]);
        if (!b && !(b = backend_new(x, names[i])))
            continue; /* as the collector: logged, left out of the table */
        t->names[t->n] = b->name;
        t->b[t->n++] = b;
    }
    return lb_ring_build(&t->ring, t->names, t->n);
}

static void backend_close(lb_backend *b, int64_t deadline_ns)
{
    while (atomic_load(&b->refs) > 0)
        sched_yield(); /* a send is handing it a call: microseconds */
    og_client_shutdown(b->client, deadline_ns);
    og_client_free(b->client);
    free(b->name);
    free(b);
}

static void table_free(lb_table *t)
{
    free(t->b);
    free(t->names);
    lb_ring_free(&t->ring);
    memset(t, 0, sizeof(*t));
}

void lb_backends_update(void *arg, const char *const *names, size_t n)
{
    lb_exporter *x = arg;
    lb_table t = {0};
    if (table_build(x, names, n, &t) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot take the new backend list: out of memory");
        for (size_t i = 0; i < t.n; i++)
            if (!find(&x->table, t.b[i]->name))
                backend_close(t.b[i], otelc_mono_ns());
        table_free(&t);
        return;
    }
    pthread_rwlock_wrlock(&x->rw);
    lb_table old = x->table;
    x->table = t;
    pthread_rwlock_unlock(&x->rw);
    for (size_t i = 0; i < old.n; i++)
        if (!find(&t, old.b[i]->name))
            backend_close(old.b[i], otelc_mono_ns() + CLOSE_WAIT_NS);
    table_free(&old);
    x->api->metric_set(x->num_backends, (double)t.n);
    x->api->metric_add(x->updates, 1);
    x->api->log(x->ctx, OTELC_LOG_INFO, "%zu backends (%s resolver)", t.n, x->resolver_name);
}

lb_backend *lb_backend_get(lb_exporter *x, const char *name)
{
    lb_backend *b = find(&x->table, name);
    if (b)
        atomic_fetch_add(&b->refs, 1);
    return b;
}

bool lb_backend_known(const lb_exporter *x, const char *name)
{
    return find(&x->table, name) != NULL;
}

void lb_backend_put(lb_backend *b)
{
    atomic_fetch_sub(&b->refs, 1);
}

int lb_backends_close(lb_exporter *x, int64_t deadline_ns)
{
    pthread_rwlock_wrlock(&x->rw);
    lb_table t = x->table;
    memset(&x->table, 0, sizeof(x->table));
    pthread_rwlock_unlock(&x->rw);
    int rc = 0;
    for (size_t i = 0; i < t.n; i++) {
        rc |= og_client_shutdown(t.b[i]->client, deadline_ns);
        backend_close(t.b[i], deadline_ns);
    }
    table_free(&t);
    return rc;
}
