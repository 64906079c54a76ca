/*
 * tq_table.c: the trace table as the query threads see it: partitions
 * listed per hour, each file's footer and TraceId bloom filters fetched
 * once and kept (bounded; evicted oldest first, re-fetched when needed),
 * and row groups fetched by ranged GETs when a query needs their rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/sdk/clock.h>

#include "tq_compact.h"
#include "trace_query.h"
#include "tracebuild.h"

#define HOUR_NS TQ_HOUR_NS
#define FOOTER_GUESS 65536 /* bytes of a file's end fetched to find its footer */
#define MAX_FOOTER (64u << 20)
#define LISTING_SETTLE_NS (900LL * 1000000000LL) /* an hour older than this is closed */
#define HOUR_ROUNDS 3 /* listings of an hour one query reads after files went away */

/* One file of the table with what is known of it. */
typedef struct tq_file {
    char *key;
    uint64_t size;
    bool bad;                /* not a readable trace-table file: skipped */
    uint8_t *footer;         /* FileMetaData bytes; meta's views point here */
    pq_file_meta *meta;
    uint8_t **blooms;        /* per row group; NULL until fetched */
    size_t *bloom_lens;
    uint8_t *ops;            /* its distinct (kind, service, name): ops_put's form */
    size_t ops_len;
    bool has_ops;
    uint64_t bytes;          /* what the cache counts for it */
    int refs;                /* queries using it: its cache is kept meanwhile */
    int64_t gone_ns;         /* monotonic time a GET of it last found nothing (404) */
    struct tq_file *next;    /* the table's list, newest entry first */
    struct tq_file *chain;   /* the hash bucket's */
} tq_file;

#define FILE_BUCKETS 4096

/* One hour's listing. */
typedef struct tq_listing {
    char prefix[768];
    int64_t listed_ns;       /* monotonic */
    bool closed;             /* listed after the hour settled: final */
    s3_list_entry *items;
    size_t n;
    struct tq_listing *next;
} tq_listing;

struct tq_table {
    pthread_mutex_t mu;
    tq_file *files; /* under mu */
    tq_file *buckets[FILE_BUCKETS];
    tq_listing *listings;
    uint64_t bytes, max_bytes;
};

tq_table *tq_table_new(uint64_t max_bytes)
{
    tq_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    pthread_mutex_init(&t->mu, NULL);
    t->max_bytes = max_bytes;
    return t;
}

static void file_clear(tq_file *f)
{
    for (size_t i = 0; f->blooms && f->meta && i < f->meta->nrow_groups; i++)
        free(f->blooms[i]);
    free(f->blooms);
    free(f->bloom_lens);
    pq_file_meta_free(f->meta);
    free(f->footer);
    free(f->ops);
    f->ops = NULL;
    f->ops_len = 0;
    f->has_ops = false;
    f->blooms = NULL;
    f->bloom_lens = NULL;
    f->meta = NULL;
    f->footer = NULL;
}

void tq_table_free(tq_table *t)
{
    if (!t)
        return;
    while (t->files) {
        tq_file *f = t->files;
        t->files = f->next;
        file_clear(f);
        free(f->key);
        free(f);
    }
    while (t->listings) {
        tq_listing *l = t->listings;
        t->listings = l->next;
        free(l->items);
        free(l);
    }
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* ---- listings ---- */

void tq_hour_prefix(const tq_query *q, int64_t ns, char *out, size_t n)
{
    time_t secs = (time_t)(ns / 1000000000LL);
    struct tm tm;
    char part[512];
    gmtime_r(&secs, &tm);
    if (strftime(part, sizeof(part), q->set.hour_format, &tm) == 0)
        part[0] = 0;
    snprintf(out, n, "%s%s%s/", q->set.key_prefix, q->set.key_prefix[0] ? "/" : "", part);
}

static tq_listing *listing_find(tq_table *t, const char *prefix)
{
    for (tq_listing *l = t->listings; l; l = l->next)
        if (strcmp(l->prefix, prefix) == 0)
            return l;
    return NULL;
}

static bool listing_fresh(const tq_query *q, const tq_listing *l, int64_t now)
{
    return l && (l->closed || now - l->listed_ns < q->set.list_interval_ns);
}

/* Keeps a new listing of prefix (adopting items). */
static void listing_store(tq_table *t, const char *prefix, s3_list_entry *items, size_t n,
                          bool closed)
{
    pthread_mutex_lock(&t->mu);
    tq_listing *l = listing_find(t, prefix);
    if (!l && (l = calloc(1, sizeof(*l))) != NULL) {
        snprintf(l->prefix, sizeof(l->prefix), "%s", prefix);
        l->next = t->listings;
        t->listings = l;
    }
    if (l) {
        free(l->items);
        l->items = items;
        l->n = n;
        l->listed_ns = otelc_mono_ns();
        l->closed = closed;
    } else {
        free(items);
    }
    pthread_mutex_unlock(&t->mu);
}

static int key_newer_first(const void *a, const void *b)
{
    return strcmp(((const s3_list_entry *)b)->key, ((const s3_list_entry *)a)->key);
}

/* The Parquet files of the hour holding hour_ns, newest first, in *out
 * (the caller frees it). Returns 0 or a status with err. */
static int hour_files(tq_query *q, int64_t hour_ns, bool relist, s3_list_entry **out, size_t *n,
                      char *err, size_t errn)
{
    char prefix[768];
    tq_hour_prefix(q, hour_ns, prefix, sizeof(prefix));
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&q->table->mu);
    tq_listing *l = listing_find(q->table, prefix);
    bool fresh = !relist && listing_fresh(q, l, now);
    *n = fresh ? l->n : 0;
    *out = fresh && l->n ? malloc(l->n * sizeof(**out)) : NULL;
    if (*out)
        memcpy(*out, l->items, l->n * sizeof(**out));
    pthread_mutex_unlock(&q->table->mu);
    if (fresh)
        return *n && !*out ? 500 : 0;
    s3_list_entry *items;
    size_t m;
    int rc = s3_reader_list(q->reader, prefix, &items, &m, err, errn);
    if (rc != 0)
        return rc == -ECANCELED ? 503 : rc == -ENOMEM ? 500 : 502;
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        size_t len = strlen(items[i].key);
        if (len > 8 && strcmp(items[i].key + len - 8, ".parquet") == 0)
            items[k++] = items[i];
    }
    if (k > 1)
        qsort(items, k, sizeof(*items), key_newer_first);
    bool closed = otelc_real_ns() - (hour_ns / HOUR_NS + 1) * HOUR_NS > LISTING_SETTLE_NS;
    *out = k ? malloc(k * sizeof(**out)) : NULL;
    if (*out)
        memcpy(*out, items, k * sizeof(**out));
    *n = *out ? k : 0;
    listing_store(q->table, prefix, items, k, closed);
    return 0;
}

/* ---- files: footers and bloom filters, cached ---- */

static size_t key_bucket(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h % FILE_BUCKETS);
}

/* The file of entry e with a reference for the caller; NULL without memory. */
static tq_file *file_get(tq_table *t, const s3_list_entry *e)
{
    size_t b = key_bucket(e->key);
    pthread_mutex_lock(&t->mu);
    tq_file *f = t->buckets[b];
    while (f && strcmp(f->key, e->key) != 0)
        f = f->chain;
    bool is_new = !f;
    if (!f && (f = calloc(1, sizeof(*f))) != NULL && !(f->key = strdup(e->key))) {
        free(f);
        f = NULL;
    } else if (f && is_new) { /* only a new file is linked: a known one is linked already */
        f->size = e->size;
        f->chain = t->buckets[b];
        t->buckets[b] = f;
        f->next = t->files;
        t->files = f;
    }
    if (f && f->size != e->size) { /* rewritten (compaction): what was read is stale */
        t->bytes -= f->bytes;
        f->bytes = 0;
        if (!f->refs)
            file_clear(f);
        f->size = e->size;
        f->bad = false;
    }
    if (f)
        f->refs++;
    pthread_mutex_unlock(&t->mu);
    return f;
}

/* Drops the caller's reference; over budget, unreferenced files lose
 * their footers, oldest listed first. */
static void file_put(tq_table *t, tq_file *f)
{
    pthread_mutex_lock(&t->mu);
    f->refs--;
    tq_file *oldest[64];
    size_t n = 0;
    for (tq_file *x = t->files; x && t->bytes > t->max_bytes; x = x->next)
        if (!x->refs && x->meta && n < 64)
            oldest[n++] = x;
    while (n && t->bytes > t->max_bytes) {
        tq_file *x = oldest[--n]; /* the list is newest first: the end is oldest */
        t->bytes -= x->bytes;
        x->bytes = 0;
        file_clear(x);
    }
    pthread_mutex_unlock(&t->mu);
}

/* Fills the range GET of f's last bytes (or of its whole footer, once its
 * length is known: want > 0). */
static void footer_fetch(s3_fetch *g, const tq_file *f, uint64_t want)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->key, sizeof(g->key), "%s", f->key);
    uint64_t len = want ? want : (f->size < FOOTER_GUESS ? f->size : FOOTER_GUESS);
    g->range_off = f->size - len;
    g->range_len = len;
    g->max_bytes = len + 1;
}

/* Parses the fetched end of f; sets *more when the footer is longer. */
static int footer_parse(tq_file *f, const s3_fetch *g, pq_file_meta **meta, uint8_t **copy,
                        uint64_t *more, size_t *flen_out)
{
    uint32_t flen;
    *more = 0;
    *flen_out = 0;
    if (g->len < PQ_TAIL_SIZE ||
        pq_footer_length((const uint8_t *)g->body + g->len - PQ_TAIL_SIZE, &flen) != 0 ||
        flen > MAX_FOOTER || (uint64_t)flen + PQ_TAIL_SIZE + 4 > f->size)
        return -EBADMSG;
    if ((uint64_t)flen + PQ_TAIL_SIZE > g->len) {
        *more = (uint64_t)flen + PQ_TAIL_SIZE;
        return 0;
    }
    *copy = malloc(flen ? flen : 1);
    if (!*copy)
        return -ENOMEM;
    memcpy(*copy, g->body + g->len - PQ_TAIL_SIZE - flen, flen);
    *flen_out = flen;
    int rc = pq_footer_parse(*copy, flen, meta);
    if (rc != 0 || ((*meta)->nrow_groups && !pq_find_column(*meta, 0, "TraceId"))) {
        pq_file_meta_free(*meta);
        free(*copy);
        *meta = NULL;
        *copy = NULL;
        return rc ? rc : -EBADMSG;
    }
    return 0;
}

/* Installs a parsed footer unless another query did first. */
static void footer_install(tq_query *q, tq_file *f, pq_file_meta *meta, uint8_t *copy,
                           size_t flen, int rc, const char *why)
{
    size_t nrg = meta ? meta->nrow_groups : 0;
    bool output = tq_compact_is_output(f->key);
    uint8_t **blooms = rc == 0 ? calloc(nrg + 1, sizeof(*blooms)) : NULL;
    size_t *lens = rc == 0 ? calloc(nrg + 1, sizeof(*lens)) : NULL;
    pthread_mutex_lock(&q->table->mu);
    bool take = rc == 0 && blooms && lens && !f->meta && !f->bad;
    if (take) {
        f->meta = meta, f->footer = copy, f->blooms = blooms, f->bloom_lens = lens;
        f->bytes = flen + (nrg ? sizeof(pq_column_chunk) * nrg * meta->row_groups[0].ncolumns : 0);
        q->table->bytes += f->bytes;
    } else if (rc != 0 && rc != -ENOMEM && rc != -ECANCELED) {
        f->bad = !output; /* an output torn by a second PUT is read again */
        f->gone_ns = output ? otelc_mono_ns() : f->gone_ns;
    }
    pthread_mutex_unlock(&q->table->mu);
    if (rc != 0 && rc != -ENOMEM && rc != -ECANCELED && !output) {
        q->api->log(q->ctx, OTELC_LOG_WARN, "%s: not a trace-table file, skipped (%s)", f->key,
                    why);
        q->api->metric_add(q->files_skipped, 1);
    }
    if (!take) {
        pq_file_meta_free(meta);
        free(copy);
        free(blooms);
        free(lens);
    }
}

/* Whether a failed GET of f means it went away (or, for a compaction
 * output, is being written again by a second compactor on a store whose
 * PUT is not atomic): the hour is listed again and f read again. */
static bool gone_rc(const tq_file *f, int rc)
{
    return rc == -ENOENT || (rc == -EIO && tq_compact_is_output(f->key));
}

/* A GET of f found nothing: compaction merged it (or it was deleted). */
static void mark_gone(tq_query *q, tq_file *f)
{
    pthread_mutex_lock(&q->table->mu);
    f->gone_ns = otelc_mono_ns();
    pthread_mutex_unlock(&q->table->mu);
}

/* Runs fetches fs[0..n) and counts them. */
static void run_gets(tq_query *q, s3_fetch *fs, size_t n)
{
    s3_fetch *ptrs[TQ_PARALLEL_GETS] = {0};
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &fs[i];
    s3_reader_run(q->reader, ptrs, n);
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += fs[i].len;
    q->api->metric_add(q->gets, (double)n);
    q->api->metric_add(q->bytes_read, (double)bytes);
}

/* The status a failed fetch answers with. */
static int fetch_status(const s3_fetch *g, char *err, size_t n)
{
    snprintf(err, n, "%s: %s", g->key, g->reason);
    return g->rc == -ECANCELED ? 503 : g->rc == -ENOMEM ? 500 : 502;
}

/* Keeps the TraceId bloom filters that the fetched end of f holds: the
 * writer puts them just before the footer, so the tail read for the
 * footer usually has them, and trace by id needs no GET of its own. */
static void blooms_from_tail(tq_table *t, tq_file *f, const s3_fetch *g)
{
    pthread_mutex_lock(&t->mu);
    for (size_t rg = 0; f->meta && f->blooms && rg < f->meta->nrow_groups; rg++) {
        const pq_column_chunk *c = pq_find_column(f->meta, rg, "TraceId");
        if (f->blooms[rg] || !c || c->bloom_filter_offset < 0 || c->bloom_filter_length <= 0 ||
            (uint64_t)c->bloom_filter_offset < g->range_off ||
            (uint64_t)(c->bloom_filter_offset + c->bloom_filter_length) > g->range_off + g->len)
            continue;
        uint8_t *copy = malloc((size_t)c->bloom_filter_length);
        if (!copy)
            break;
        memcpy(copy, g->body + (c->bloom_filter_offset - (int64_t)g->range_off),
               (size_t)c->bloom_filter_length);
        f->blooms[rg] = copy;
        f->bloom_lens[rg] = (size_t)c->bloom_filter_length;
        f->bytes += f->bloom_lens[rg];
        t->bytes += f->bloom_lens[rg];
    }
    pthread_mutex_unlock(&t->mu);
}

/* What one fetched (or cached: from_disk) tail of f says: its footer
 * installed and its bloom filters kept, or the longer footer still to
 * read (want), or f gone or bad; a failed GET sets *status. Frees g's
 * body. Returns -1 for a cached tail that does not hold a footer (the
 * cache's fault, not the file's: it is fetched instead), else 0. */
static int settle_tail(tq_query *q, tq_file *f, s3_fetch *g, bool from_disk, tq_file **fs,
                        size_t n, uint64_t *want, int *status, char *err, size_t errn)
{
    pq_file_meta *meta = NULL;
    uint8_t *copy = NULL;
    uint64_t more = 0;
    size_t flen = 0;
    int rc = g->rc;
    if (gone_rc(f, rc))
        mark_gone(q, f);
    if (rc == -ECANCELED || (rc && !gone_rc(f, rc) && !*status))
        *status = fetch_status(g, err, errn);
    if (rc == 0)
        rc = footer_parse(f, g, &meta, &copy, &more, &flen);
    if (from_disk && (rc != 0 || more)) {
        pq_file_meta_free(meta);
        free(copy);
        free(g->body);
        return -1;
    }
    for (size_t j = 0; more && j < n; j++)
        if (fs[j] == f)
            want[j] = more;
    if (!more && g->rc == 0)
        footer_install(q, f, meta, copy, flen, rc, rc == -EBADMSG ? "bad footer" : "no memory");
    if (!more && rc == 0) {
        blooms_from_tail(q->table, f, g);
        if (!from_disk)
            tq_disk_put(q->disk, f->key, f->size, (const uint8_t *)g->body, g->len, g->range_off);
    }
    free(g->body);
    return 0;
}

/* A tail the disk cache kept, handled as if fetched; false if none. */
static bool tail_from_disk(tq_query *q, tq_file *f, tq_file **fs, size_t n, uint64_t *want,
                           int *status, char *err, size_t errn)
{
    s3_fetch g;
    uint8_t *data = NULL;
    size_t len = 0;
    uint64_t off = 0;
    if (tq_disk_get(q->disk, f->key, f->size, &data, &len, &off) != 0)
        return false;
    memset(&g, 0, sizeof(g));
    snprintf(g.key, sizeof(g.key), "%s", f->key);
    g.body = (char *)data;
    g.len = len;
    g.range_off = off;
    g.range_len = len;
    return settle_tail(q, f, &g, true, fs, n, want, status, err, errn) == 0;
}

/* Reads the footers of fs[0..n) (at most TQ_PARALLEL_GETS) that are not
 * cached yet. Returns 0 or a status with err. */
static int ensure_footers(tq_query *q, tq_file **fs, size_t n, char *err, size_t errn)
{
    s3_fetch g[TQ_PARALLEL_GETS];
    tq_file *of[TQ_PARALLEL_GETS];
    uint64_t want[TQ_PARALLEL_GETS] = {0};
    for (int round = 0; round < 2; round++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            bool need = !fs[i]->meta && !fs[i]->bad && (round == 0 || want[i]);
            int st = 0;
            if (need && round == 0 && tail_from_disk(q, fs[i], fs, n, want, &st, err, errn))
                need = false;
            if (need) {
                of[m] = fs[i];
                footer_fetch(&g[m++], fs[i], round ? want[i] : 0);
            }
            want[i] = 0;
        }
        if (m == 0)
            return 0;
        run_gets(q, g, m);
        int status = 0;
        for (size_t i = 0; i < m; i++)
            settle_tail(q, of[i], &g[i], false, fs, n, want, &status, err, errn);
        if (status)
            return status;
    }
    return 0;
}

/* ---- row groups ---- */

/* A row group a query reads: its file, its number, its bytes once fetched. */
typedef struct rg_unit {
    tq_file *f;
    size_t rg;
    int64_t off;
    uint8_t *bytes;
    size_t len;
} rg_unit;

/* Fetches the bytes of units u[0..n) (at most TQ_PARALLEL_GETS). */
static int fetch_units(tq_query *q, rg_unit *u, size_t n, char *err, size_t errn)
{
    s3_fetch g[TQ_PARALLEL_GETS];
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t off = 0, len = 0;
        memset(&g[i], 0, sizeof(g[i]));
        snprintf(g[i].key, sizeof(g[i].key), "%s", u[i].f->key);
        if (pq_row_group_range(u[i].f->meta, u[i].rg, &off, &len) == 0 && len > 0 &&
            (uint64_t)len <= TQ_MAX_ROW_GROUP) {
            g[i].range_off = (uint64_t)off;
            g[i].range_len = (uint64_t)len;
            g[i].max_bytes = (size_t)len + 1;
        }
        u[i].off = off;
    }
    run_gets(q, g, n);
    for (size_t i = 0; i < n; i++) {
        if (g[i].rc != 0 && !gone_rc(u[i].f, g[i].rc) && !status)
            status = fetch_status(&g[i], err, errn);
        if (gone_rc(u[i].f, g[i].rc))
            mark_gone(q, u[i].f);
        u[i].bytes = g[i].rc == 0 ? (uint8_t *)g[i].body : NULL;
        u[i].len = g[i].rc == 0 ? g[i].len : 0;
        if (g[i].rc != 0)
            free(g[i].body);
    }
    return status;
}

static void units_free(rg_unit *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].bytes);
        u[i].bytes = NULL;
    }
}

static int64_t stat_i64(pq_view v)
{
    int64_t x = 0;
    if (v.len == 8)
        memcpy(&x, v.ptr, 8); /* PLAIN INT64: little-endian, as this host */
    return x;
}

static int view_cmp(pq_view v, const char *s, size_t n)
{
    size_t m = v.len < n ? v.len : n;
    int c = m ? memcmp(v.ptr, s, m) : 0;
    return c ? c : (v.len > n) - (v.len < n);
}

/* Whether row group rg of f may hold spans of scope sc (its statistics). */
static bool rg_in_scope(const tq_file *f, size_t rg, const tq_scope *sc)
{
    const pq_column_chunk *ts = pq_find_column(f->meta, rg, "Timestamp");
    if (ts && ts->stats.has_min && ts->stats.has_max &&
        (stat_i64(ts->stats.max) < sc->start || stat_i64(ts->stats.min) > sc->end))
        return false;
    const pq_column_chunk *sv = sc->service ? pq_find_column(f->meta, rg, "ServiceName") : NULL;
    size_t n = sc->service ? strlen(sc->service) : 0;
    return !(sv && sv->stats.has_min && sv->stats.has_max &&
             (view_cmp(sv->stats.min, sc->service, n) > 0 ||
              view_cmp(sv->stats.max, sc->service, n) < 0));
}

/* ---- scans ---- */

typedef struct scan_state {
    tq_query *q;
    const tq_scope *sc;
    tq_hit_fn fn;
    void *arg;
    bool stopped;
    int64_t hour_ns; /* the hour being scanned */
} scan_state;

/* The spans of one unit's summaries to fn. */
static void emit_rows(scan_state *s, const rg_unit *u, const pq_summaries *sum)
{
    for (size_t r = 0; r < sum->n && !s->stopped; r++) {
        const pq_span_summary *sp = &sum->rows[r];
        tq_hit h = {sp, u->f->key, u->f->size, s->hour_ns, (uint32_t)u->rg, (uint32_t)r};
        if (sp->start_ns >= s->sc->start && sp->start_ns <= s->sc->end)
            s->stopped = s->fn(s->arg, &h) != 0;
    }
}

/* Hands the spans of fetched units to the scan's callback. */
static int emit_units(scan_state *s, rg_unit *u, size_t n)
{
    for (size_t i = 0; i < n && !s->stopped; i++) {
        pq_summaries *sum = NULL;
        if (!u[i].bytes)
            continue; /* gone from the bucket since it was listed */
        int rc = pq_traces_summaries(u[i].f->meta, u[i].rg, u[i].bytes, u[i].off, u[i].len, &sum);
        if (rc == -ENOMEM)
            return 500;
        if (rc != 0) {
            s->q->api->log(s->q->ctx, OTELC_LOG_WARN, "%s: row group %zu unreadable (%d), "
                           "skipped", u[i].f->key, u[i].rg, rc);
            continue;
        }
        emit_rows(s, &u[i], sum);
        pq_summaries_free(sum);
    }
    return 0;
}

/* A row group in scope, with where its spans end. */
typedef struct rg_cand {
    tq_file *f;
    size_t rg;
    int64_t max;
} rg_cand;

static int newest_end_first(const void *a, const void *b)
{
    const rg_cand *x = a, *y = b;
    return x->max > y->max ? -1 : x->max < y->max;
}

/* The in-scope row groups of fs[0..n) into *out (malloc'd); with a floor,
 * sorted by where they end, newest first. -1 if memory ran out. */
static int candidates(const scan_state *s, tq_file **fs, size_t n, rg_cand **out, size_t *m)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += fs[i]->meta ? fs[i]->meta->nrow_groups : 0;
    *out = malloc((total ? total : 1) * sizeof(rg_cand));
    *m = 0;
    for (size_t i = 0; *out && i < n; i++)
        for (size_t rg = 0; fs[i]->meta && rg < fs[i]->meta->nrow_groups; rg++) {
            if (!rg_in_scope(fs[i], rg, s->sc))
                continue;
            const pq_column_chunk *ts = pq_find_column(fs[i]->meta, rg, "Timestamp");
            int64_t max = ts && ts->stats.has_max ? stat_i64(ts->stats.max) : INT64_MAX;
            (*out)[(*m)++] = (rg_cand){fs[i], rg, max};
        }
    if (*out && s->sc->floor)
        qsort(*out, *m, sizeof(rg_cand), newest_end_first);
    return *out ? 0 : -1;
}

/* Fetches and emits u[0..m). */
static int wave(scan_state *s, rg_unit *u, size_t m, char *err, size_t errn)
{
    int status = fetch_units(s->q, u, m, err, errn);
    status = status ? status : emit_units(s, u, m);
    units_free(u, m);
    return status;
}

/* The units of files fs[0..n) within the scope, fetched and emitted. A
 * newest-first caller (a floor) gets the newest row group alone first,
 * then waves twice as large, so that what it keeps can spare the GETs of
 * the older ones; others get full waves. */
static int scan_files(scan_state *s, tq_file **fs, size_t n, char *err, size_t errn)
{
    int status = ensure_footers(s->q, fs, n, err, errn);
    rg_cand *c = NULL;
    size_t nc = 0;
    if (!status && candidates(s, fs, n, &c, &nc) != 0)
        status = (snprintf(err, errn, "out of memory"), 500);
    rg_unit u[TQ_PARALLEL_GETS];
    size_t m = 0, size = s->sc->floor ? 1 : TQ_PARALLEL_GETS;
    for (size_t i = 0; i < nc && !status && !s->stopped; i++) {
        /* Sorted: once one ends too early, every later one does. */
        bool past = s->sc->floor && c[i].max < s->sc->floor(s->sc->floor_arg);
        if (!past)
            u[m++] = (rg_unit){c[i].f, c[i].rg, 0, NULL, 0};
        if (m && (m == size || i + 1 == nc || past)) {
            status = wave(s, u, m, err, errn);
            m = 0;
            size = size * 2 < TQ_PARALLEL_GETS ? size * 2 : TQ_PARALLEL_GETS;
        }
        if (past)
            break;
    }
    units_free(u, m);
    free(c);
    return status;
}

typedef int (*files_fn)(void *arg, tq_file **fs, size_t n, char *err, size_t errn);

/* Hands files e[0..n) to fn, TQ_PARALLEL_GETS at a time, until it fails
 * or *stopped; gone[i] tells whether e[i] went away since t0. */
static int each_files(tq_query *q, const s3_list_entry *e, size_t n, files_fn fn, void *arg,
                      const bool *stopped, int64_t t0, bool *gone, char *err, size_t errn)
{
    int status = 0;
    for (size_t i = 0; i < n && !status && !*stopped; i += TQ_PARALLEL_GETS) {
        tq_file *fs[TQ_PARALLEL_GETS];
        size_t at[TQ_PARALLEL_GETS] = {0}, m = 0;
        for (size_t j = i; j < n && m < TQ_PARALLEL_GETS; j++)
            if ((fs[m] = file_get(q->table, &e[j])) != NULL)
                at[m++] = j;
        status = fn(arg, fs, m, err, errn);
        pthread_mutex_lock(&q->table->mu);
        for (size_t j = 0; j < m; j++)
            gone[at[j]] = fs[j]->gone_ns >= t0;
        pthread_mutex_unlock(&q->table->mu);
        for (size_t j = 0; j < m; j++)
            file_put(q->table, fs[j]);
    }
    return status;
}

/* Drops from e[0..n) the keys of done[0..ndone) (both newest first);
 * returns what is left, in place. */
static size_t drop_done(s3_list_entry *e, size_t n, const s3_list_entry *done, size_t ndone)
{
    size_t k = 0, d = 0;
    for (size_t i = 0; i < n; i++) {
        int c = 1;
        while (d < ndone && (c = strcmp(done[d].key, e[i].key)) > 0)
            d++;
        if (d >= ndone || c != 0)
            e[k++] = e[i];
    }
    return k;
}

/* Adds the files of e[0..n) that did not go away to those an hour's
 * query read (kept newest first); *any_gone tells whether one did. */
static int add_done(s3_list_entry **done, size_t *ndone, const s3_list_entry *e,
                    const bool *gone, size_t n, bool *any_gone)
{
    if (n == 0 || !e)
        return 0;
    s3_list_entry *all = realloc(*done, (*ndone + n + 1) * sizeof(*all));
    if (!all)
        return 500;
    *done = all;
    for (size_t i = 0; i < n; i++) {
        if (!gone[i])
            all[(*ndone)++] = e[i];
        *any_gone = *any_gone || gone[i];
    }
    if (*ndone > 1)
        qsort(all, *ndone, sizeof(*all), key_newer_first);
    return 0;
}

/*
 * Hands one hour's files to fn. A file that went away meanwhile (a 404:
 * compaction merged it into a file this listing may not have) has the
 * hour listed again and the files new to the query read too, so a query
 * never misses a span while compaction runs; a span then met twice is
 * answered once by the callers.
 */
static int hour_each(tq_query *q, int64_t hour_ns, files_fn fn, void *arg, const bool *stopped,
                     char *err, size_t errn)
{
    s3_list_entry *done = NULL;
    size_t ndone = 0;
    bool gone = true;
    int status = 0;
    for (int round = 0; round < HOUR_ROUNDS && gone && !status && !*stopped; round++) {
        s3_list_entry *e = NULL;
        size_t n = 0;
        int64_t t0 = otelc_mono_ns();
        gone = false;
        status = hour_files(q, hour_ns, round > 0, &e, &n, err, errn);
        n = status ? 0 : drop_done(e, n, done, ndone);
        bool *went = calloc(n + 1, sizeof(*went));
        status = status ? status : went ? 0 : 500;
        status = status ? status : each_files(q, e, n, fn, arg, stopped, t0, went, err, errn);
        status = status ? status : add_done(&done, &ndone, e, went, n, &gone);
        free(went);
        free(e);
    }
    free(done);
    return status;
}

static int scan_files_fn(void *arg, tq_file **fs, size_t n, char *err, size_t errn)
{
    return scan_files(arg, fs, n, err, errn);
}

/* The hours a scope covers, newest first, bounded by the lookback. */
static void scope_hours(const tq_query *q, const tq_scope *sc, int64_t *first, int64_t *last)
{
    int64_t now = otelc_real_ns();
    int64_t end = sc->end < now ? sc->end : now;
    int64_t start = sc->start > end - q->set.lookback_ns ? sc->start : end - q->set.lookback_ns;
    /* A batch's partition is its enqueue time, which follows its spans'
     * start: the hour after the window may hold them too. */
    *first = (end / HOUR_NS + 1) * HOUR_NS;
    *last = start / HOUR_NS * HOUR_NS;
}

int tq_scan(tq_query *q, const tq_scope *sc, tq_hit_fn fn, void *arg, char *err, size_t n)
{
    scan_state s = {q, sc, fn, arg, false, 0};
    int64_t first, last;
    scope_hours(q, sc, &first, &last);
    int status = 0;
    for (int64_t h = first; h >= last && !status && !s.stopped; h -= HOUR_NS) {
        s.hour_ns = h;
        status = hour_each(q, h, scan_files_fn, &s, &s.stopped, err, n);
    }
    return status;
}

/* ---- trace by id ---- */

typedef struct trace_state {
    tq_query *q;
    const uint8_t *tid;
    char hex[33];
    trace_build *t;
    uint64_t inspected;
} trace_state;

static bool rg_may_hold(const tq_file *f, size_t rg, const char *hex)
{
    const pq_column_chunk *c = pq_find_column(f->meta, rg, "TraceId");
    if (!c)
        return false;
    return !(c->stats.has_min && c->stats.has_max &&
             (view_cmp(c->stats.min, hex, 32) > 0 || view_cmp(c->stats.max, hex, 32) < 0));
}

/* Fetches the bloom filters of the candidate units that are not cached. */
static int ensure_blooms(trace_state *ts, rg_unit *u, size_t n, char *err, size_t errn)
{
    s3_fetch g[TQ_PARALLEL_GETS];
    size_t idx[TQ_PARALLEL_GETS], m = 0;
    for (size_t i = 0; i < n; i++) {
        const pq_column_chunk *c = pq_find_column(u[i].f->meta, u[i].rg, "TraceId");
        if (u[i].f->blooms[u[i].rg] || !c || c->bloom_filter_offset < 0 ||
            c->bloom_filter_length <= 0 || c->bloom_filter_length > (1 << 26))
            continue;
        memset(&g[m], 0, sizeof(g[m]));
        snprintf(g[m].key, sizeof(g[m].key), "%s", u[i].f->key);
        g[m].range_off = (uint64_t)c->bloom_filter_offset;
        g[m].range_len = (uint64_t)c->bloom_filter_length;
        g[m].max_bytes = (size_t)c->bloom_filter_length + 1;
        idx[m++] = i;
    }
    if (m)
        run_gets(ts->q, g, m);
    int status = 0;
    for (size_t k = 0; k < m; k++) {
        rg_unit *x = &u[idx[k]];
        ts->inspected += g[k].len;
        if (g[k].rc != 0 && !gone_rc(x->f, g[k].rc) && !status)
            status = fetch_status(&g[k], err, errn);
        if (gone_rc(x->f, g[k].rc))
            mark_gone(ts->q, x->f);
        pthread_mutex_lock(&ts->q->table->mu);
        bool take = g[k].rc == 0 && !x->f->blooms[x->rg];
        if (take) {
            x->f->blooms[x->rg] = (uint8_t *)g[k].body;
            x->f->bloom_lens[x->rg] = g[k].len;
            x->f->bytes += g[k].len;
            ts->q->table->bytes += g[k].len;
        }
        pthread_mutex_unlock(&ts->q->table->mu);
        if (!take)
            free(g[k].body);
    }
    return status;
}

/* Whether a unit's bloom filter lets the trace in (no filter: maybe). */
static bool bloom_admits(const trace_state *ts, const rg_unit *u)
{
    const uint8_t *b = u->f->blooms[u->rg];
    return !b || pq_bloom_check(b, u->f->bloom_lens[u->rg], ts->hex, 32) != 0;
}

/* The trace's rows of one fetched unit into the build. */
static int gather_unit(trace_state *ts, const rg_unit *u)
{
    pq_summaries *sum = NULL;
    int rc = pq_traces_summaries(u->f->meta, u->rg, u->bytes, u->off, u->len, &sum);
    uint32_t *rows = rc == 0 ? malloc((sum->n ? sum->n : 1) * sizeof(*rows)) : NULL;
    size_t n = 0;
    for (size_t r = 0; rows && r < sum->n; r++)
        if (memcmp(sum->rows[r].trace_id, ts->tid, 16) == 0)
            rows[n++] = (uint32_t)r;
    uint8_t *pb = NULL;
    size_t len = 0;
    if (rows && n)
        rc = pq_traces_otlp(u->f->meta, u->rg, u->bytes, u->off, u->len, rows, n, &pb, &len);
    if (rc == 0 && n)
        rc = trace_build_add(ts->t, pb, len);
    free(pb);
    free(rows);
    pq_summaries_free(sum);
    if (rc != 0 && rc != -ENOMEM)
        ts->q->api->log(ts->q->ctx, OTELC_LOG_WARN, "%s: row group %zu unreadable (%d), skipped",
                        u->f->key, u->rg, rc);
    return rc == -ENOMEM ? 500 : 0;
}

/* Candidate units u[0..m): bloom filters, then their rows. */
static int trace_units(trace_state *ts, rg_unit *u, size_t m, char *err, size_t errn)
{
    int status = ensure_blooms(ts, u, m, err, errn);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (bloom_admits(ts, &u[i]))
            u[k++] = u[i];
    if (!status && k)
        status = fetch_units(ts->q, u, k, err, errn);
    for (size_t i = 0; i < k && !status; i++) {
        ts->inspected += u[i].len;
        if (u[i].bytes)
            status = gather_unit(ts, &u[i]);
    }
    units_free(u, k);
    return status;
}

/* The row groups of fs[0..n) whose TraceId statistics admit the trace. */
static int trace_files(trace_state *ts, tq_file **fs, size_t n, char *err, size_t errn)
{
    int status = ensure_footers(ts->q, fs, n, err, errn);
    rg_unit u[TQ_PARALLEL_GETS];
    size_t m = 0;
    for (size_t i = 0; i < n && !status; i++)
        for (size_t rg = 0; fs[i]->meta && rg < fs[i]->meta->nrow_groups && !status; rg++) {
            if (!rg_may_hold(fs[i], rg, ts->hex))
                continue;
            u[m++] = (rg_unit){fs[i], rg, 0, NULL, 0};
            if (m == TQ_PARALLEL_GETS) {
                status = trace_units(ts, u, m, err, errn);
                m = 0;
            }
        }
    return status || !m ? status : trace_units(ts, u, m, err, errn);
}

static int trace_files_fn(void *arg, tq_file **fs, size_t n, char *err, size_t errn)
{
    return trace_files(arg, fs, n, err, errn);
}

int tq_load_trace(tq_query *q, const uint8_t tid[16], int64_t start, int64_t end,
                  trace_build *t, uint64_t *inspected, char *err, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    trace_state ts = {.q = q, .tid = tid, .t = t};
    for (size_t i = 0; i < 16; i++) {
        ts.hex[2 * i] = digits[tid[i] >> 4];
        ts.hex[2 * i + 1] = digits[tid[i] & 15];
    }
    trace_build_init(t, tid);
    tq_scope sc = {.start = start, .end = end};
    int64_t first, last;
    const bool never = false;
    scope_hours(q, &sc, &first, &last);
    int status = 0;
    for (int64_t h = first; h >= last && !status; h -= HOUR_NS)
        status = hour_each(q, h, trace_files_fn, &ts, &never, err, n);
    *inspected = ts.inspected;
    if (!status && t->failed)
        status = 500;
    return status ? status : t->spans ? 0 : 404;
}

/* ---- operations ---- */

/* A file's distinct operations as they are gathered: records of kind (1
 * byte), service length (2, little-endian), service, name length, name. */
typedef struct ops_set {
    uint8_t *buf;
    size_t len, cap;
    uint64_t *seen; /* hashes of the records so far (open addressing; 0 free) */
    size_t seen_cap, seen_n;
    bool failed;
} ops_set;

static uint64_t op_hash(const pq_span_summary *s)
{
    uint64_t h = 1469598103934665603ull ^ s->kind;
    for (size_t i = 0; i < s->service.len; i++)
        h = (h ^ s->service.ptr[i]) * 1099511628211ull;
    h = (h ^ 0x100) * 1099511628211ull; /* keeps "ab"+"c" apart from "a"+"bc" */
    for (size_t i = 0; i < s->name.len; i++)
        h = (h ^ s->name.ptr[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* Whether h is new to the set (then remembered). */
static bool ops_first(ops_set *o, uint64_t h)
{
    if (2 * (o->seen_n + 1) > o->seen_cap) {
        size_t cap = o->seen_cap ? 2 * o->seen_cap : 64;
        uint64_t *t = calloc(cap, sizeof(*t));
        if (!t)
            return o->failed = true, false;
        for (size_t i = 0; i < o->seen_cap; i++)
            for (size_t j = o->seen[i] % cap; o->seen[i]; j = (j + 1) % cap)
                if (!t[j]) {
                    t[j] = o->seen[i];
                    break;
                }
        free(o->seen);
        o->seen = t;
        o->seen_cap = cap;
    }
    size_t j = h % o->seen_cap;
    while (o->seen[j] && o->seen[j] != h)
        j = (j + 1) % o->seen_cap;
    if (o->seen[j])
        return false;
    o->seen[j] = h;
    o->seen_n++;
    return true;
}

static void ops_put_view(ops_set *o, pq_view v)
{
    size_t n = v.len > 0xffff ? 0xffff : v.len;
    o->buf[o->len++] = (uint8_t)(n & 0xff);
    o->buf[o->len++] = (uint8_t)(n >> 8);
    if (n)
        memcpy(o->buf + o->len, v.ptr, n);
    o->len += n;
}

static void ops_add(ops_set *o, const pq_span_summary *s)
{
    if (o->failed || !ops_first(o, op_hash(s)))
        return;
    size_t need = 5 + s->service.len + s->name.len;
    if (o->cap - o->len < need) {
        size_t cap = o->cap ? 2 * o->cap : 4096;
        while (cap - o->len < need)
            cap *= 2;
        uint8_t *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    o->buf[o->len++] = s->kind;
    ops_put_view(o, s->service);
    ops_put_view(o, s->name);
}

/* Reads the operations of fetched units into o. */
static int ops_units(tq_query *q, ops_set *o, rg_unit *u, size_t m, char *err, size_t errn)
{
    int status = fetch_units(q, u, m, err, errn);
    for (size_t i = 0; i < m && !status; i++) {
        pq_summaries *sum = NULL;
        int rc = u[i].bytes ? pq_traces_summaries(u[i].f->meta, u[i].rg, u[i].bytes, u[i].off,
                                                  u[i].len, &sum)
                            : 0;
        for (size_t r = 0; sum && r < sum->n; r++)
            ops_add(o, &sum->rows[r]);
        pq_summaries_free(sum);
        status = rc == -ENOMEM ? 500 : 0;
    }
    units_free(u, m);
    return status ? status : o->failed ? 500 : 0;
}

/* Gathers the operations of f (footer read) once. */
static int file_ops(tq_query *q, tq_file *f, char *err, size_t errn)
{
    ops_set o = {0};
    rg_unit u[TQ_PARALLEL_GETS];
    size_t m = 0;
    int status = 0;
    for (size_t rg = 0; rg < f->meta->nrow_groups && !status; rg++) {
        u[m++] = (rg_unit){f, rg, 0, NULL, 0};
        if (m == TQ_PARALLEL_GETS || rg + 1 == f->meta->nrow_groups) {
            status = ops_units(q, &o, u, m, err, errn);
            m = 0;
        }
    }
    free(o.seen);
    pthread_mutex_lock(&q->table->mu);
    bool take = !status && !f->has_ops;
    if (take) {
        f->ops = o.buf, f->ops_len = o.len, f->has_ops = true;
        f->bytes += o.cap;
        q->table->bytes += o.cap;
    }
    pthread_mutex_unlock(&q->table->mu);
    if (!take)
        free(o.buf);
    return status;
}

/* Hands f's operations to fn; true when fn asked to stop. */
static bool ops_emit(const tq_file *f, tq_op_fn fn, void *arg)
{
    const uint8_t *p = f->ops, *end = f->ops + f->ops_len;
    while (p < end) {
        tq_op op = {.kind = p[0]};
        size_t sl = (size_t)p[1] | (size_t)p[2] << 8;
        op.service = (pq_view){p + 3, sl};
        p += 3 + sl;
        size_t nl = (size_t)p[0] | (size_t)p[1] << 8;
        op.name = (pq_view){p + 2, nl};
        p += 2 + nl;
        if (fn(arg, &op) != 0)
            return true;
    }
    return false;
}

typedef struct ops_state {
    tq_query *q;
    tq_op_fn fn;
    void *arg;
    bool stopped;
} ops_state;

static int ops_files_fn(void *arg, tq_file **fs, size_t n, char *err, size_t errn)
{
    ops_state *s = arg;
    int status = ensure_footers(s->q, fs, n, err, errn);
    for (size_t i = 0; i < n && !status && !s->stopped; i++) {
        if (!fs[i]->meta)
            continue;
        if (!fs[i]->has_ops)
            status = file_ops(s->q, fs[i], err, errn);
        if (!status && fs[i]->has_ops)
            s->stopped = ops_emit(fs[i], s->fn, s->arg);
    }
    return status;
}

int tq_operations(tq_query *q, int64_t start, int64_t end, tq_op_fn fn, void *arg, char *err,
                  size_t n)
{
    ops_state s = {q, fn, arg, false};
    tq_scope sc = {.start = start, .end = end};
    int64_t first, last;
    scope_hours(q, &sc, &first, &last);
    int status = 0;
    for (int64_t h = first; h >= last && !status && !s.stopped; h -= HOUR_NS)
        status = hour_each(q, h, ops_files_fn, &s, &s.stopped, err, n);
    return status;
}

/* ---- spans by place ---- */

static int loc_order(const void *a, const void *b)
{
    const tq_loc *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->rg != y->rg)
        return x->rg < y->rg ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* The rows at locs[0..n) (one row group of f, ascending) to fn. */
static int read_group(tq_query *q, tq_file *f, const tq_loc *locs, size_t n, tq_rows_fn fn,
                      void *arg, char *err, size_t errn)
{
    rg_unit u = {f, locs[0].rg, 0, NULL, 0};
    uint32_t *rows = malloc(n * sizeof(*rows));
    size_t m = 0;
    if (!rows)
        return 500;
    for (size_t i = 0; i < n; i++)
        if (!m || rows[m - 1] != locs[i].row)
            rows[m++] = locs[i].row;
    int status = locs[0].rg < f->meta->nrow_groups ? fetch_units(q, &u, 1, err, errn) : 0;
    uint8_t *pb = NULL;
    size_t len = 0;
    if (!status && !u.bytes && locs[0].rg < f->meta->nrow_groups)
        status = TQ_GONE; /* merged since the scan: the caller scans again */
    int rc = !status && u.bytes ? pq_traces_otlp(f->meta, u.rg, u.bytes, u.off, u.len, rows, m,
                                                 &pb, &len)
                                : -ENOENT;
    if (rc == 0)
        fn(arg, pb, len);
    else if (rc == -ENOMEM)
        status = 500, snprintf(err, errn, "out of memory");
    free(pb);
    free(rows);
    units_free(&u, 1);
    return status;
}

/* locs[0..n) all in one file. */
static int read_file_rows(tq_query *q, const tq_loc *locs, size_t n, tq_rows_fn fn, void *arg,
                          char *err, size_t errn)
{
    s3_list_entry e = {.size = locs[0].size};
    snprintf(e.key, sizeof(e.key), "%s", locs[0].key);
    tq_file *f = file_get(q->table, &e);
    if (!f)
        return 500;
    int status = ensure_footers(q, &f, 1, err, errn);
    if (!status && !f->meta && !f->bad)
        status = TQ_GONE;
    for (size_t i = 0, j; i < n && !status && f->meta; i = j) {
        for (j = i + 1; j < n && locs[j].rg == locs[i].rg; j++)
            ;
        status = read_group(q, f, &locs[i], j - i, fn, arg, err, errn);
    }
    file_put(q->table, f);
    return status;
}

int tq_read_rows(tq_query *q, tq_loc *locs, size_t n, tq_rows_fn fn, void *arg, char *err,
                 size_t errn)
{
    if (n > 1)
        qsort(locs, n, sizeof(*locs), loc_order);
    int status = 0;
    for (size_t i = 0, j; i < n && !status; i = j) {
        for (j = i + 1; j < n && strcmp(locs[j].key, locs[i].key) == 0; j++)
            ;
        status = read_file_rows(q, &locs[i], j - i, fn, arg, err, errn);
    }
    return status;
}
