/*
 * shard.c: one batcher per distinct metadata value set, and cutting what
 * it holds into flights.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bp.h"

/* Separators that cannot occur in header values: between the values of
 * one key, and between keys. */
#define VALUE_SEP '\x1f'
#define KEY_SEP '\x1e'

static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n > *cap) {
        size_t ncap = (*len + n) * 2;
        char *grown = realloc(*buf, ncap);
        if (!grown)
            return false;
        *buf = grown;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    return true;
}

/* The shard key of a batch: the values of each metadata key in config
 * order. Returns a malloc'd key (possibly empty) or NULL on OOM. */
static char *key_of(const bp_cfg *cfg, const otelc_batch_meta *meta, size_t *len)
{
    size_t cap = 64;
    char *buf = malloc(cap);
    *len = 0;
    for (size_t k = 0; buf && k < cfg->metadata_keys.n; k++) {
        const char *name = cfg->metadata_keys.items[k];
        for (size_t i = 0; meta && i < meta->npairs; i++) {
            if (strcasecmp(meta->pairs[i].key, name) != 0)
                continue;
            const char *v = meta->pairs[i].value;
            if (!append(&buf, len, &cap, v, strlen(v)) || !append(&buf, len, &cap, "\x1f", 1))
                goto out_free;
        }
        if (!append(&buf, len, &cap, "\x1e", 1))
            goto out_free;
    }
    return buf;
out_free:
    free(buf);
    return NULL;
}

static bp_shard *shard_new(char *key, size_t key_len)
{
    bp_shard *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->key = key;
    s->key_len = key_len;
    return s;
}

static bp_shard *shard_find(bp *p, const char *key, size_t len)
{
    for (size_t i = 0; i < p->nshards; i++)
        if (p->shards[i]->key_len == len && memcmp(p->shards[i]->key, key, len) == 0)
            return p->shards[i];
    return NULL;
}

static bp_shard *shard_insert(bp *p, char *key, size_t len)
{
    if (p->nshards == p->shards_cap) {
        size_t ncap = p->shards_cap ? p->shards_cap * 2 : 4;
        bp_shard **grown = realloc(p->shards, ncap * sizeof(bp_shard *));
        if (!grown)
            return NULL;
        p->shards = grown;
        p->shards_cap = ncap;
    }
    bp_shard *s = shard_new(key, len);
    if (s) {
        p->shards[p->nshards++] = s;
        if (p->m.cardinality)
            p->api->metric_set(p->m.cardinality, (double)p->nshards);
    }
    return s;
}

bp_shard *bp_shard_for(bp *p, otelc_batch *b, otelc_status *st)
{
    *st = OTELC_RETRY;
    if (p->cfg->metadata_keys.n == 0)
        return p->nshards ? p->shards[0] : NULL;
    size_t len;
    char *key = key_of(p->cfg, otelc_batch_meta_of(b), &len);
    if (!key)
        return NULL;
    bp_shard *s = shard_find(p, key, len);
    if (s) {
        free(key);
        return s;
    }
    uint64_t limit = (uint64_t)p->cfg->metadata_cardinality_limit;
    if (limit && p->nshards >= limit) {
        free(key);
        *st = OTELC_REJECT;
        return NULL;
    }
    s = shard_insert(p, key, len);
    if (!s)
        free(key);
    return s;
}

bp_shard *bp_shard_default(bp *p)
{
    char *key = calloc(1, 1);
    bp_shard *s = key ? shard_insert(p, key, 0) : NULL;
    if (!s)
        free(key);
    return s;
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *grown = realloc(*arr, ncap * elem);
    if (!grown)
        return false;
    *arr = grown;
    *cap = ncap;
    return true;
}

int bp_shard_add(bp_shard *s, otelc_batch *b, bp_origin *o)
{
    if (s->ofront > 0 && s->ofront * 2 >= s->norigins) {
        /* Compact the FIFO now and then instead of shifting on every pop. */
        memmove(s->origins, s->origins + s->ofront,
                (s->norigins - s->ofront) * sizeof(bp_origin *));
        s->norigins -= s->ofront;
        s->ofront = 0;
    }
    if (!grow((void **)&s->held, &s->held_cap, s->nheld + 1, sizeof(otelc_batch *)) ||
        !grow((void **)&s->origins, &s->origins_cap, s->norigins + 1, sizeof(bp_origin *)))
        return -1;
    s->held[s->nheld++] = otelc_batch_ref(b);
    s->origins[s->norigins++] = o;
    s->spans += o->unsent;
    return 0;
}

static void held_clear(bp_shard *s)
{
    for (size_t i = 0; i < s->nheld; i++)
        otelc_batch_unref(s->held[i]);
    s->nheld = 0;
}

static void count_send(bp *p, uint32_t spans, bp_trigger trig)
{
    p->api->metric_observe(p->m.send_size, spans);
    if (trig == BP_TRIGGER_SIZE)
        p->api->metric_add(p->m.size_sends, 1);
    else if (trig == BP_TRIGGER_TIMEOUT)
        p->api->metric_add(p->m.timeout_sends, 1);
}

size_t bp_origins_span(const bp_shard *s, bp_ocursor *c, uint32_t spans)
{
    size_t n = 0;
    while (spans > 0 && c->idx < s->norigins) {
        const bp_origin *o = s->origins[c->idx];
        uint32_t take = o->unsent - c->used < spans ? o->unsent - c->used : spans;
        spans -= take;
        c->used += take;
        n++;
        if (c->used == o->unsent) {
            c->idx++;
            c->used = 0;
        }
    }
    return n;
}

void bp_flight_take_origins(bp *p, bp_shard *s, bp_flight *f)
{
    uint32_t spans = f->spans;
    size_t k = 0;
    while (spans > 0 && s->ofront < s->norigins && k < f->norigins) {
        bp_origin *o = s->origins[s->ofront];
        uint32_t take = o->unsent < spans ? o->unsent : spans;
        o->unsent -= take;
        spans -= take;
        atomic_fetch_add(&o->refs, 1);
        f->origins[k++] = o;
        if (o->unsent == 0) {
            s->ofront++;
            bp_origin_release(p, o, OTELC_OK); /* the shard's reference; the flight's stays */
        }
    }
    f->norigins = k;
}

/* Everything held goes as one flight. 0, or -1 with m not taken. */
static int cut_whole(bp *p, bp_shard *s, otelc_batch *m, bp_trigger trig)
{
    bp_ocursor cur = {s->ofront, 0};
    size_t n = bp_origins_span(s, &cur, (uint32_t)s->spans);
    bp_flight *f = bp_flight_new(p, m, (uint32_t)s->spans, n);
    if (!f)
        return -1;
    bp_flight_take_origins(p, s, f);
    held_clear(s);
    s->spans = 0;
    count_send(p, f->spans, trig);
    bp_outbox_push(p, f);
    return 0;
}

static void flights_free(bp_flight **fl, size_t n)
{
    for (size_t i = 0; fl && i < n; i++)
        free(fl[i]); /* never pushed: their batches are still the pieces' */
    free(fl);
}

/* Allocates one flight per piece to send, each sized for the origins its
 * spans come from. 0, or -1 on OOM (nothing allocated). */
static int flights_for(bp *p, const bp_shard *s, const bp_pieces *pc, bp_flight ***out)
{
    bp_flight **fl = calloc(pc->n ? pc->n : 1, sizeof(bp_flight *));
    bp_ocursor cur = {s->ofront, 0};
    for (size_t i = 0; fl && i < pc->n; i++) {
        size_t n = bp_origins_span(s, &cur, pc->spans[i]);
        if (!(fl[i] = bp_flight_new(p, pc->b[i], pc->spans[i], n))) {
            flights_free(fl, i);
            fl = NULL;
        }
    }
    *out = fl;
    return fl ? 0 : -1;
}

static uint64_t pieces_spans(const bp_pieces *pc)
{
    uint64_t n = pc->tail_spans;
    for (size_t i = 0; i < pc->n; i++)
        n += pc->spans[i];
    return n;
}

/* Pieces of at most send_batch_max_size spans; a tail below the trigger
 * stays held. Flights are allocated before any origin moves, so running
 * out of memory leaves the shard as it was. 1 when the bytes hold another
 * span count than the batches claimed (the caller sends unsplit). */
static int cut_pieces(bp *p, bp_shard *s, otelc_batch *m, bp_trigger trig)
{
    /* Without a timeout everything goes at once, split only by the max. */
    uint64_t keep = trig == BP_TRIGGER_SIZE && p->cfg->timeout_ns
                        ? (uint64_t)p->cfg->send_batch_size
                        : 0;
    bp_pieces pc;
    bp_flight **fl;
    if (bp_split(p->api, m, (uint64_t)p->cfg->send_batch_max_size, keep, &pc) != 0)
        return -1;
    int rc = pieces_spans(&pc) != s->spans ? 1 : flights_for(p, s, &pc, &fl);
    if (rc != 0)
        goto out_pieces;
    for (size_t i = 0; i < pc.n; i++) {
        pc.b[i] = NULL; /* the flight owns it now */
        bp_flight_take_origins(p, s, fl[i]);
        count_send(p, fl[i]->spans, trig);
        bp_outbox_push(p, fl[i]);
    }
    free(fl);
    held_clear(s);
    s->spans = pc.tail_spans;
    if (pc.tail_spans) {
        s->held[s->nheld++] = pc.b[pc.n];
        pc.b[pc.n] = NULL;
    }
out_pieces:
    bp_pieces_free(&pc);
    return rc;
}

int bp_shard_cut(bp *p, bp_shard *s, bp_trigger trig)
{
    if (s->spans == 0)
        return 0;
    otelc_batch *m = s->nheld == 1 ? otelc_batch_ref(s->held[0])
                                   : p->api->batch_merge(s->held, s->nheld);
    if (!m)
        return -1;
    uint64_t max = (uint64_t)p->cfg->send_batch_max_size;
    int rc = max && s->spans > max ? cut_pieces(p, s, m, trig) : 1;
    if (rc == 1 && cut_whole(p, s, m, trig) == 0)
        return 0; /* m went to the flight */
    otelc_batch_unref(m);
    return rc == 0 ? 0 : -1;
}

size_t bp_shard_drain(bp_shard *s, bp_origin ***origins)
{
    size_t n = s->norigins - s->ofront;
    *origins = NULL;
    if (n) {
        *origins = malloc(n * sizeof(bp_origin *));
        if (*origins)
            memcpy(*origins, s->origins + s->ofront, n * sizeof(bp_origin *));
        else
            n = 0; /* out of memory at shutdown: the tickets stay open */
    }
    held_clear(s);
    s->ofront = s->norigins = 0;
    s->spans = 0;
    s->deadline_ns = 0;
    return n;
}

void bp_shard_free(bp_shard *s)
{
    if (!s)
        return;
    held_clear(s);
    free(s->held);
    free(s->origins);
    free(s->key);
    free(s);
}
