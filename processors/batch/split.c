/*
 * split.c: cutting a traces or logs batch into pieces of at most N spans
 * or log records (otlp_split reads both: their outer levels and item
 * field are numbered alike; metrics are split_metrics.c's). The pieces are
 * written one after another into a single buffer that every piece batch
 * shares, so a split costs one allocation however many pieces it makes.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <otelc/sdk/otlp_split.h>

#include "bp.h"

/* The buffer all pieces of one split point into; freed with the last. */
typedef struct shared_buf {
    atomic_int refs;
    uint8_t *data;
} shared_buf;

static void shared_release(void *arg, void *buf)
{
    shared_buf *sh = arg;
    (void)buf; /* a piece's start, not the allocation */
    if (atomic_fetch_sub(&sh->refs, 1) == 1) {
        free(sh->data);
        free(sh);
    }
}

/* The plan: every piece's span count and size. */
typedef struct plan {
    otlp_piece *p;
    size_t n, cap;
    size_t bytes;
} plan;

static int plan_pieces(const uint8_t *buf, size_t len, uint64_t max, plan *pl)
{
    otlp_splitter sp;
    otlp_piece piece;
    int rc;
    *pl = (plan){0};
    otlp_split_init(&sp, buf, len, (size_t)max, 0);
    while ((rc = otlp_split_next(&sp, &piece)) > 0) {
        if (pl->n == pl->cap) {
            size_t ncap = pl->cap ? pl->cap * 2 : 8;
            otlp_piece *grown = realloc(pl->p, ncap * sizeof(*grown));
            if (!grown)
                goto out_free;
            pl->p = grown;
            pl->cap = ncap;
        }
        pl->p[pl->n++] = piece;
        pl->bytes += piece.size;
    }
    if (rc == 0)
        return 0;
out_free:
    free(pl->p);
    return -1;
}

static int write_all(const plan *pl, uint8_t *dst)
{
    size_t off = 0;
    for (size_t i = 0; i < pl->n; i++) {
        if (otlp_piece_write(&pl->p[i], dst + off, pl->p[i].size) != OTLP_OK)
            return -1;
        off += pl->p[i].size;
    }
    return 0;
}

static otelc_batch *adopt(const otelc_host_api *api, shared_buf *sh, size_t off, size_t len,
                          uint32_t spans, const otelc_batch_meta *meta)
{
    atomic_fetch_add(&sh->refs, 1);
    otelc_batch *b = api->batch_adopt(sh->data + off, len, spans, shared_release, sh, meta);
    if (!b)
        atomic_fetch_sub(&sh->refs, 1);
    return b;
}

/* Makes one batch per piece, all sharing sh. */
static int adopt_all(const otelc_host_api *api, shared_buf *sh, const plan *pl,
                     const otelc_batch_meta *meta, bp_pieces *out)
{
    size_t off = 0;
    for (size_t i = 0; i < pl->n; i++) {
        out->b[i] = adopt(api, sh, off, pl->p[i].size, (uint32_t)pl->p[i].spans, meta);
        if (!out->b[i])
            return -1;
        off += pl->p[i].size;
    }
    return 0;
}

int bp_split(const otelc_host_api *api, otelc_batch *m, uint64_t max, bp_pieces *out)
{
    const uint8_t *flat = otelc_batch_flat(m);
    plan pl;
    int rc = -1;
    if (!flat || plan_pieces(flat, otelc_batch_len(m), max, &pl) != 0)
        return -1;
    shared_buf *sh = malloc(sizeof(*sh));
    if (!sh)
        goto out_plan;
    atomic_init(&sh->refs, 1); /* ours, until every piece holds its own */
    sh->data = malloc(pl.bytes ? pl.bytes : 1);
    if (!sh->data || write_all(&pl, sh->data) != 0)
        goto out_shared;
    *out = (bp_pieces){.b = calloc(pl.n ? pl.n : 1, sizeof(otelc_batch *)), .n = pl.n};
    if (out->b && adopt_all(api, sh, &pl, otelc_batch_meta_of(m), out) == 0)
        rc = 0;
    else
        bp_pieces_free(out);
out_shared:
    shared_release(sh, NULL);
out_plan:
    free(pl.p);
    return rc;
}

void bp_pieces_free(bp_pieces *out)
{
    for (size_t i = 0; out->b && i < out->n; i++)
        if (out->b[i])
            otelc_batch_unref(out->b[i]);
    free(out->b);
    *out = (bp_pieces){0};
}
