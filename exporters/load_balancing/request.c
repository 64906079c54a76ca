/*
 * request.c: an outgoing batch cut per backend (route.h), each piece
 * framed once for its backend's client, and the attempts: every attempt
 * sends the pieces not delivered yet, so a retry goes only to the
 * backends that failed. A piece whose backend left the ring is routed
 * again over the current ring first (its spans may then go to several).
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/signal.h>

#include "lb.h"

enum { PIECE_TODO = 0, PIECE_DONE = 1 };

typedef struct lb_piece {
    char *name;          /* the backend, as the ring names it */
    otelc_batch *batch;  /* the piece's spans, kept to route it again */
    og_payload *payload; /* framed for the wire */
    int state;           /* PIECE_*, read and written between attempts */
    otelc_request *owner;
} lb_piece;

struct otelc_request {
    lb_exporter *x;
    lb_piece **pieces;
    size_t n, cap;
    size_t bytes;
    /* the attempt in flight */
    atomic_uint pending;
    atomic_int outcome; /* the worst so far: RETRY over REJECT over OK */
    otelc_ticket *ticket;
    bool owned;
};

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static void piece_free(lb_piece *p)
{
    free(p->name);
    if (p->batch)
        otelc_batch_unref(p->batch);
    og_payload_free(p->payload);
    free(p);
}

void lb_request_free(otelc_request *r)
{
    for (size_t i = 0; i < r->n; i++)
        piece_free(r->pieces[i]);
    free(r->pieces);
    free(r);
}

size_t lb_request_bytes(const otelc_request *r)
{
    return r->bytes;
}

static int push(otelc_request *r, lb_piece *p)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        lb_piece **np = realloc(r->pieces, cap * sizeof(lb_piece *));
        if (!np)
            return -1;
        r->pieces = np;
        r->cap = cap;
    }
    p->owner = r;
    r->pieces[r->n++] = p;
    r->bytes += otelc_batch_len(p->batch) + p->payload->body.len;
    return 0;
}

/* A piece for part of b (the whole of b when part->buf is NULL). */
static otelc_status piece_new(lb_exporter *x, otelc_batch *b, lb_part *part, const char *name,
                              lb_piece **out)
{
    lb_piece *p = calloc(1, sizeof(*p));
    if (!p || !(p->name = strdup(name)))
        goto nomem;
    p->batch = part->buf ? x->api->batch_adopt(part->buf, part->len, (uint32_t)part->spans,
                                               free_buf, NULL, otelc_batch_meta_of(b))
                         : otelc_batch_ref(b);
    if (!p->batch)
        goto nomem;
    part->buf = NULL; /* the batch has it */
    otelc_status st = og_payload_build(x->ctx, x->api, x->proto.compression, &x->auth,
                                       p->batch, &p->payload);
    if (st != OTELC_OK) {
        piece_free(p);
        return st;
    }
    *out = p;
    return OTELC_OK;
nomem:
    if (p)
        piece_free(p);
    return OTELC_RETRY;
}

static otelc_status route_error(lb_exporter *x, int rc, const otelc_batch *b)
{
    const char *items = otelc_signal_items(otelc_batch_signal(b));
    if (rc == LB_ROUTE_NO_BACKEND) {
        x->api->log(x->ctx, OTELC_LOG_WARN, "no backend to export %u %s to yet: will retry",
                    otelc_batch_spans(b), items);
        return OTELC_RETRY;
    }
    if (rc == LB_ROUTE_NOMEM)
        return OTELC_RETRY;
    x->api->log(x->ctx, OTELC_LOG_ERROR, "refusing %u %s: %s", otelc_batch_spans(b), items,
                rc == LB_ROUTE_NO_SERVICE ? "unable to get service name"
                                          : "the request cannot be read");
    return OTELC_REJECT;
}

/* Adds b's spans to r as pieces over the current ring; rw held. */
static otelc_status add_routed(lb_exporter *x, otelc_request *r, otelc_batch *b)
{
    const uint8_t *flat = otelc_batch_flat(b);
    lb_routed rt;
    if (!flat)
        return OTELC_RETRY;
    otelc_signal s = otelc_batch_signal(b);
    int rc = lb_route(flat, otelc_batch_len(b), &x->table.ring, s, x->key[otelc_signal_index(s)],
                      &rt);
    if (rc != LB_ROUTE_OK)
        return route_error(x, rc, b);
    otelc_status st = OTELC_OK;
    for (size_t i = 0; i < rt.n && st == OTELC_OK; i++) {
        lb_piece *p;
        st = piece_new(x, b, &rt.parts[i], x->table.names[rt.parts[i].endpoint], &p);
        if (st == OTELC_OK && push(r, p) != 0) {
            piece_free(p);
            st = OTELC_RETRY;
        }
    }
    lb_routed_free(&rt);
    return st;
}

otelc_status lb_prepare(lb_exporter *x, otelc_batch *b, otelc_request **out)
{
    otelc_request *r = calloc(1, sizeof(*r));
    if (!r)
        return OTELC_RETRY;
    r->x = x;
    otelc_status st = OTELC_OK;
    if (otelc_batch_spans(b) > 0) {
        pthread_rwlock_rdlock(&x->rw);
        st = add_routed(x, r, b);
        pthread_rwlock_unlock(&x->rw);
    }
    if (st != OTELC_OK) {
        lb_request_free(r);
        return st;
    }
    *out = r;
    return OTELC_OK;
}

/* Pieces whose backend is gone are routed again; rw held. */
static otelc_status reroute(lb_exporter *x, otelc_request *r)
{
    size_t n = r->n;
    for (size_t i = 0; i < n; i++) {
        lb_piece *p = r->pieces[i];
        if (p->state == PIECE_DONE || lb_backend_known(x, p->name))
            continue;
        otelc_status st = add_routed(x, r, p->batch);
        if (st != OTELC_OK)
            return st;
        p->state = PIECE_DONE; /* its spans live on in the new pieces */
    }
    return OTELC_OK;
}

static int severity(otelc_status s)
{
    return s == OTELC_RETRY ? 2 : s == OTELC_REJECT ? 1 : 0;
}

static void worst(otelc_request *r, otelc_status s)
{
    int cur = atomic_load(&r->outcome);
    while (severity(s) > severity((otelc_status)cur) &&
           !atomic_compare_exchange_weak(&r->outcome, &cur, (int)s))
        ;
}

/* The last piece of an attempt ended: the ticket gets the worst outcome. */
static void attempt_end(otelc_request *r)
{
    lb_exporter *x = r->x;
    otelc_status st = (otelc_status)atomic_load(&r->outcome);
    otelc_ticket *t = r->ticket;
    bool owned = r->owned;
    x->api->complete(t, st);
    if (owned)
        lb_request_free(r);
}

static void piece_done(void *arg, otelc_status st)
{
    lb_piece *p = arg;
    otelc_request *r = p->owner;
    if (st != OTELC_RETRY)
        p->state = PIECE_DONE; /* delivered, or refused for good: not sent again */
    worst(r, st);
    if (atomic_fetch_sub(&r->pending, 1) == 1)
        attempt_end(r);
}

/* Hands every piece still to deliver to its backend; rw held. */
static void send_pieces(lb_exporter *x, otelc_request *r)
{
    for (size_t i = 0; i < r->n; i++) {
        lb_piece *p = r->pieces[i];
        if (p->state == PIECE_DONE)
            continue;
        lb_backend *b = lb_backend_get(x, p->name);
        if (!b) {
            worst(r, OTELC_RETRY);
            continue;
        }
        atomic_fetch_add(&r->pending, 1);
        if (og_client_send(b->client, p->payload, false, NULL, piece_done, p) != OTELC_PENDING)
            piece_done(p, OTELC_RETRY);
        lb_backend_put(b);
    }
}

otelc_status lb_send(lb_exporter *x, otelc_request *r, otelc_ticket *t, bool owned)
{
    r->ticket = t;
    r->owned = owned;
    atomic_store(&r->outcome, OTELC_OK);
    atomic_store(&r->pending, 1); /* ours, until every piece was handed over */
    pthread_rwlock_rdlock(&x->rw);
    otelc_status st = reroute(x, r);
    if (st == OTELC_OK)
        send_pieces(x, r);
    pthread_rwlock_unlock(&x->rw);
    if (st != OTELC_OK)
        worst(r, st);
    if (atomic_fetch_sub(&r->pending, 1) == 1)
        attempt_end(r);
    return OTELC_PENDING;
}
