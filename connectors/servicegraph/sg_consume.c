/*
 * sg_consume.c: which spans are sides of a request. Spans of resources
 * with a service.name: client and producer spans are the calling side,
 * server and consumer spans the called side (producer and consumer make
 * the request's connection_type messaging_system); internal and
 * unspecified spans are no part of an edge.
 */
#include "sg.h"

enum { KIND_SERVER = 2, KIND_CLIENT = 3, KIND_PRODUCER = 4, KIND_CONSUMER = 5 };

static void side_of(sg *g, const otlp_resource *res, const otlp_span *sp)
{
    sg_side s = {.res = res, .sp = sp, .service = (const char *)res->service_name.ptr,
                 .service_len = res->service_name.len};
    bool messaging = sp->kind == KIND_PRODUCER || sp->kind == KIND_CONSUMER;
    s.client = sp->kind == KIND_CLIENT || sp->kind == KIND_PRODUCER;
    if (!s.client && sp->kind != KIND_SERVER && sp->kind != KIND_CONSUMER)
        return;
    s.conn = messaging ? SG_CONN_MESSAGING : SG_CONN_UNSET;
    sg_store_upsert(g, &s);
}

int sg_aggregate(sg *g, const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource res;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &res) > 0) {
        if (!res.service_name.ptr)
            continue; /* the collector skips resources without a service name */
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0)
                side_of(g, &res, &sp);
    }
    return otlp_walk_error(&w);
}
