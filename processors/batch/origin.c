/*
 * origin.c: one consume's ticket, completed once every flight carrying its
 * spans has an outcome.
 */
#include <stdlib.h>
#include <time.h>

#include "bp.h"

int64_t bp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bp_origin *bp_origin_new(otelc_ticket *t, uint32_t spans)
{
    bp_origin *o = malloc(sizeof(*o));
    if (!o)
        return NULL;
    o->ticket = t;
    atomic_init(&o->refs, 1);
    atomic_init(&o->worst, OTELC_OK);
    o->unsent = spans;
    return o;
}

/* RETRY wins over REJECT, which wins over OK: the client must resend what
 * any part of its request could not deliver. */
static int rank(int st)
{
    return st == OTELC_RETRY ? 2 : st == OTELC_REJECT ? 1 : 0;
}

static void note(bp_origin *o, otelc_status st)
{
    int cur = atomic_load(&o->worst);
    while (rank(st) > rank(cur) && !atomic_compare_exchange_weak(&o->worst, &cur, (int)st)) {
    }
}

void bp_origin_release(bp *p, bp_origin *o, otelc_status st)
{
    note(o, st == OTELC_PENDING ? OTELC_OK : st);
    if (atomic_fetch_sub(&o->refs, 1) != 1)
        return;
    otelc_ticket *t = o->ticket;
    otelc_status worst = (otelc_status)atomic_load(&o->worst);
    free(o);
    p->api->complete(t, worst);
}
