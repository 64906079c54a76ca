/*
 * tk_service.c: services. An extension under test offers them (the test
 * reads what it offered and calls the vtable itself); a receiver or
 * exporter under test finds the ones the test offers, by id, as it would
 * find an extension's in the daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

static void service_free(void *p)
{
    tk_service_rec *s = p;
    free(s->kind);
    free(s->id);
    free(s);
}

void tk_services_free(otelc_test_host *h)
{
    tk_vec_clear(&h->provided, service_free);
    tk_vec_clear(&h->offered, service_free);
}

/* The record of kind (and id, unless NULL) in v; lock held. */
static tk_service_rec *find(const tk_vec *v, const char *kind, const char *id)
{
    for (size_t i = 0; i < v->n; i++) {
        tk_service_rec *s = v->items[i];
        if (strcmp(s->kind, kind) == 0 && (!id || (s->id && strcmp(s->id, id) == 0)))
            return s;
    }
    return NULL;
}

/* Adds a record to v; 0 or -1 (memory). Lock held. */
static int add(tk_vec *v, const char *kind, const char *id, const void *vtable, void *state)
{
    tk_service_rec *s = calloc(1, sizeof(*s));
    if (!s || !(s->kind = strdup(kind)) || (id && !(s->id = strdup(id))) || tk_vec_push(v, s)) {
        if (s)
            service_free(s);
        return -1;
    }
    s->vtable = vtable;
    s->state = state;
    return 0;
}

int tk_service_provide(otelc_ctx *ctx, const char *kind, const void *vtable, void *state)
{
    otelc_test_host *h = tk_host(ctx);
    pthread_mutex_lock(&h->mu);
    bool ok = kind && vtable && !h->created && !find(&h->provided, kind, NULL) &&
              (!h->desc || h->desc->kind == OTELC_EXTENSION);
    int rc = ok ? add(&h->provided, kind, NULL, vtable, state) : -1;
    pthread_mutex_unlock(&h->mu);
    if (rc != 0)
        tk_config_error(h, NULL, false,
                        "service_provide: for extensions, from create, once per kind");
    return rc;
}

const void *tk_service_lookup(otelc_ctx *ctx, const char *kind, const char *id, void **state)
{
    otelc_test_host *h = tk_host(ctx);
    pthread_mutex_lock(&h->mu);
    const tk_service_rec *s = kind && id ? find(&h->offered, kind, id) : NULL;
    if (state)
        *state = s ? s->state : NULL;
    const void *vtable = s ? s->vtable : NULL;
    pthread_mutex_unlock(&h->mu);
    return vtable;
}

void tk_memory_release(otelc_ctx *ctx)
{
    otelc_test_host *h = tk_host(ctx);
    pthread_mutex_lock(&h->mu);
    h->memory_releases++;
    pthread_mutex_unlock(&h->mu);
}

uint32_t tk_signals_fed(otelc_ctx *ctx)
{
    return tk_host(ctx)->signals_fed;
}

void otelc_test_host_set_signals_fed(otelc_test_host *h, uint32_t signals)
{
    h->signals_fed = signals;
}

size_t otelc_test_host_memory_releases(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    size_t n = h->memory_releases;
    pthread_mutex_unlock(&h->mu);
    return n;
}

const void *otelc_test_host_provided(otelc_test_host *h, const char *kind, void **state)
{
    pthread_mutex_lock(&h->mu);
    const tk_service_rec *s = kind ? find(&h->provided, kind, NULL) : NULL;
    if (state)
        *state = s ? s->state : NULL;
    const void *vtable = s ? s->vtable : NULL;
    pthread_mutex_unlock(&h->mu);
    return vtable;
}

int otelc_test_host_offer(otelc_test_host *h, const char *kind, const char *id,
                          const void *vtable, void *state)
{
    if (!kind || !id || !vtable)
        return -1;
    pthread_mutex_lock(&h->mu);
    int rc = add(&h->offered, kind, id, vtable, state);
    pthread_mutex_unlock(&h->mu);
    return rc;
}
