/*
 * meta.c: the distinct value sets of metadata_keys a processor has seen,
 * for metadata_cardinality_limit and its gauge. A set never leaves: like
 * the collector's batchers, a combination once seen stays counted.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bp.h"

/* Separators that cannot occur in header values: after each value of a
 * key, and after each key. */
#define VALUE_SEP "\x1f"
#define KEY_SEP "\x1e"

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static bool put(strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t ncap = (b->len + n + 1) * 2;
        char *grown = realloc(b->p, ncap);
        if (!grown)
            return false;
        b->p = grown;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
    return true;
}

/* The values of each metadata key in config order, joined; a malloc'd
 * string, or NULL if memory ran out. */
static char *set_key(const bp_cfg *cfg, const otelc_batch_meta *meta)
{
    strbuf b = {0};
    bool ok = put(&b, "");
    for (size_t k = 0; ok && k < cfg->metadata_keys.n; k++) {
        for (size_t i = 0; ok && meta && i < meta->npairs; i++)
            if (strcasecmp(meta->pairs[i].key, cfg->metadata_keys.items[k]) == 0)
                ok = put(&b, meta->pairs[i].value) && put(&b, VALUE_SEP);
        ok = ok && put(&b, KEY_SEP);
    }
    if (!ok)
        free(b.p);
    return ok ? b.p : NULL;
}

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot holding key, or the free slot where it belongs. */
static char **slot_of(const bp_seen *s, const char *key)
{
    size_t i = hash(key) & (s->cap - 1);
    while (s->slots[i] && strcmp(s->slots[i], key) != 0)
        i = (i + 1) & (s->cap - 1);
    return &s->slots[i];
}

static int grow(bp_seen *s)
{
    bp_seen bigger = {.cap = s->cap * 2};
    if (!(bigger.slots = calloc(bigger.cap, sizeof(char *))))
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            *slot_of(&bigger, s->slots[i]) = s->slots[i];
    free(s->slots);
    s->slots = bigger.slots;
    s->cap = bigger.cap;
    return 0;
}

int bp_seen_init(bp_seen *s)
{
    *s = (bp_seen){.cap = 16};
    if (!(s->slots = calloc(s->cap, sizeof(char *))))
        return -1;
    pthread_mutex_init(&s->mu, NULL);
    return 0;
}

void bp_seen_free(bp_seen *s)
{
    for (size_t i = 0; s->slots && i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    pthread_mutex_destroy(&s->mu);
}

/* Adds key (taken) unless known or past the limit. Under s->mu. */
static otelc_status add_locked(bp *p, char *key)
{
    bp_seen *s = &p->seen;
    char **slot = slot_of(s, key);
    if (*slot) {
        free(key);
        return OTELC_OK;
    }
    int64_t limit = p->cfg->metadata_cardinality_limit;
    if (limit > 0 && s->n >= (uint64_t)limit) {
        free(key);
        return OTELC_REJECT;
    }
    if (s->n + 1 >= s->cap) { /* a failed grow: never fill the table */
        free(key);
        return OTELC_RETRY;
    }
    *slot = key;
    s->n++;
    p->api->metric_set(p->m.cardinality, (double)s->n);
    if (s->n * 2 > s->cap && grow(s) != 0)
        p->api->log(p->ctx, OTELC_LOG_WARN, "out of memory growing the metadata table");
    return OTELC_OK;
}

otelc_status bp_seen_note(bp *p, otelc_batch *b)
{
    if (p->cfg->metadata_keys.n == 0)
        return OTELC_OK;
    char *key = set_key(p->cfg, otelc_batch_meta_of(b));
    if (!key)
        return OTELC_RETRY;
    pthread_mutex_lock(&p->seen.mu);
    otelc_status st = add_locked(p, key);
    pthread_mutex_unlock(&p->seen.mu);
    return st;
}
