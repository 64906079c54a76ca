/*
 * tq_compact.c: the compaction thread. Each round looks at the hours of
 * the lookback that ended compaction.min_age ago, newest first: lists the
 * hour, finishes what an earlier compaction left (inputs an output lists,
 * outputs another output covers), then merges the remaining small files
 * in groups of at most compaction.max_file_size into outputs sorted by
 * TraceId, puts each and deletes its inputs. Every step is safe to repeat
 * and to run on several instances at once (docs/storage.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/sdk/clock.h>

#include "s3/sigv4.h"
#include "tq_compact.h"
#include "trace_query.h"

#define HOUR_NS TQ_HOUR_NS
#define COMPACT_LEVEL 3                   /* zstd level of the outputs' pages */
#define COMPACT_CREATED_BY "otelc compaction 1" /* never a version: outputs stay identical */
#define FOOTER_TAIL 65536
#define PARQUET_TYPE "application/vnd.apache.parquet"

/* One hour's files: the small ones, and the outputs with their input lists. */
typedef struct hour_state {
    s3_list_entry *inputs, *outputs;
    size_t ninputs, noutputs;
    char **lists;       /* per output: its inputs, one a line (NULL: unreadable) */
    size_t *lens;
} hour_state;

static bool running(tq_query *q)
{
    pthread_mutex_lock(&q->mu);
    bool open = q->open;
    pthread_mutex_unlock(&q->mu);
    return open;
}

static void run_fetches(tq_query *q, s3_fetch *fs, size_t n)
{
    s3_fetch *ptrs[TQ_PARALLEL_GETS];
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &fs[i];
    s3_reader_run(q->reader, ptrs, n);
}

static void fetch_init(s3_fetch *f, const char *key, const char *method)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->key, sizeof(f->key), "%s", key);
    f->method = method;
}

/* ---- the hour's listing ------------------------------------------------ */

static void hour_state_free(hour_state *h)
{
    for (size_t i = 0; h->lists && i < h->noutputs; i++)
        free(h->lists[i]);
    free(h->lists);
    free(h->lens);
    free(h->inputs);
    free(h->outputs);
}

static int split_listing(hour_state *h, const s3_list_entry *items, size_t n)
{
    h->inputs = malloc((n ? n : 1) * sizeof(*h->inputs));
    h->outputs = malloc((n ? n : 1) * sizeof(*h->outputs));
    if (!h->inputs || !h->outputs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i].key);
        if (len <= 8 || strcmp(items[i].key + len - 8, ".parquet") != 0)
            continue;
        if (tq_compact_is_output(items[i].key))
            h->outputs[h->noutputs++] = items[i];
        else
            h->inputs[h->ninputs++] = items[i];
    }
    h->lists = calloc(h->noutputs + 1, sizeof(*h->lists));
    h->lens = calloc(h->noutputs + 1, sizeof(*h->lens));
    return h->lists && h->lens ? 0 : -ENOMEM;
}

static int key_order(const void *a, const void *b)
{
    return strcmp(((const s3_list_entry *)a)->key, ((const s3_list_entry *)b)->key);
}

static int list_hour(tq_query *q, int64_t hour, hour_state *h)
{
    char prefix[768], err[512];
    s3_list_entry *items = NULL;
    size_t n = 0;
    tq_hour_prefix(q, hour, prefix, sizeof(prefix));
    int rc = s3_reader_list(q->reader, prefix, &items, &n, err, sizeof(err));
    if (rc != 0 && rc != -ECANCELED)
        q->api->log(q->ctx, OTELC_LOG_WARN, "compaction: %s: %s", prefix, err);
    if (rc == 0)
        rc = split_listing(h, items, n);
    if (rc == 0 && h->ninputs > 1)
        qsort(h->inputs, h->ninputs, sizeof(*h->inputs), key_order);
    free(items);
    return rc;
}

/* ---- outputs' input lists ---------------------------------------------- */

/* The footer of the file of size bytes whose last f->len bytes f holds:
 * parsed into *m (its views point into *footer). */
static int parse_tail(tq_query *q, const s3_list_entry *e, s3_fetch *f, uint8_t **footer,
                      pq_file_meta **m)
{
    uint32_t flen;
    if (f->len < PQ_TAIL_SIZE ||
        pq_footer_length((const uint8_t *)f->body + f->len - PQ_TAIL_SIZE, &flen) != 0 ||
        (uint64_t)flen + PQ_TAIL_SIZE > e->size)
        return -EBADMSG;
    if (flen + PQ_TAIL_SIZE > f->len) {
        free(f->body);
        fetch_init(f, e->key, NULL);
        f->range_off = e->size - flen - PQ_TAIL_SIZE;
        f->range_len = flen + PQ_TAIL_SIZE;
        f->max_bytes = (size_t)f->range_len + 1;
        run_fetches(q, f, 1);
        if (f->rc != 0)
            return f->rc;
    }
    *footer = (uint8_t *)f->body;
    f->body = NULL;
    return pq_footer_parse(*footer + f->len - PQ_TAIL_SIZE - flen, flen, m);
}

/* Output e's list of inputs into *list (malloc'd). */
static int read_list(tq_query *q, const s3_list_entry *e, char **list, size_t *len)
{
    s3_fetch f;
    uint8_t *footer = NULL;
    pq_file_meta *m = NULL;
    uint64_t tail = e->size < FOOTER_TAIL ? e->size : FOOTER_TAIL;
    fetch_init(&f, e->key, NULL);
    f.range_off = e->size - tail;
    f.range_len = tail;
    f.max_bytes = (size_t)tail + 1;
    run_fetches(q, &f, 1);
    int rc = f.rc ? f.rc : parse_tail(q, e, &f, &footer, &m);
    const pq_view *v = rc == 0 ? pq_file_meta_value(m, TQ_COMPACT_INPUTS) : NULL;
    if (rc == 0 && !v)
        rc = -EBADMSG;
    if (rc == 0 && (*list = malloc(v->len + 1)) == NULL)
        rc = -ENOMEM;
    if (rc == 0) {
        memcpy(*list, v->ptr, v->len);
        (*list)[v->len] = 0;
        *len = v->len;
    }
    pq_file_meta_free(m);
    free(footer);
    free(f.body);
    return rc;
}

static void read_lists(tq_query *q, hour_state *h)
{
    for (size_t i = 0; i < h->noutputs; i++) {
        int rc = read_list(q, &h->outputs[i], &h->lists[i], &h->lens[i]);
        if (rc != 0 && rc != -ENOENT && rc != -ECANCELED)
            q->api->log(q->ctx, OTELC_LOG_WARN, "compaction: %s: no list of inputs (%d)",
                        h->outputs[i].key, rc);
    }
}

/* ---- deleting ---------------------------------------------------------- */

/* Deletes keys[0..n) (an object already gone is fine). Returns the count
 * deleted or gone, or -1 when one failed. */
static int delete_keys(tq_query *q, const s3_list_entry *keys, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i += TQ_PARALLEL_GETS) {
        s3_fetch f[TQ_PARALLEL_GETS];
        size_t m = n - i < TQ_PARALLEL_GETS ? n - i : TQ_PARALLEL_GETS;
        for (size_t j = 0; j < m; j++)
            fetch_init(&f[j], keys[i + j].key, "DELETE");
        run_fetches(q, f, m);
        for (size_t j = 0; j < m; j++) {
            if (f[j].rc != 0 && f[j].rc != -ENOENT && !failed++)
                q->api->log(q->ctx, OTELC_LOG_WARN, "compaction: delete %s: %s", f[j].key,
                            f[j].reason);
            free(f[j].body);
        }
    }
    return failed ? -1 : (int)n;
}

/* Whether output a is covered by another output b (on equal lists, the
 * one with the greater key goes). */
static bool covered(const hour_state *h, size_t a)
{
    for (size_t b = 0; b < h->noutputs; b++) {
        if (b == a || !h->lists[a] || !h->lists[b] ||
            !tq_compact_subset(h->lists[a], h->lens[a], h->lists[b], h->lens[b]))
            continue;
        if (!tq_compact_subset(h->lists[b], h->lens[b], h->lists[a], h->lens[a]) ||
            strcmp(h->outputs[a].key, h->outputs[b].key) > 0)
            return true;
    }
    return false;
}

static bool in_an_output(const hour_state *h, const char *key)
{
    for (size_t o = 0; o < h->noutputs; o++)
        if (h->lists[o] && tq_compact_listed(h->lists[o], h->lens[o], key))
            return true;
    return false;
}

/* Finishes earlier compactions: inputs an output holds and outputs
 * another output covers are deleted (and leave h). */
static void finish_earlier(tq_query *q, hour_state *h)
{
    s3_list_entry *gone = malloc((h->ninputs + h->noutputs + 1) * sizeof(*gone));
    size_t ngone = 0, k = 0;
    if (!gone)
        return;
    for (size_t i = 0; i < h->ninputs; i++) {
        if (in_an_output(h, h->inputs[i].key))
            gone[ngone++] = h->inputs[i];
        else
            h->inputs[k++] = h->inputs[i];
    }
    h->ninputs = k;
    for (size_t o = 0; o < h->noutputs; o++)
        if (covered(h, o))
            gone[ngone++] = h->outputs[o];
    if (ngone && delete_keys(q, gone, ngone) >= 0)
        q->api->log(q->ctx, OTELC_LOG_INFO, "compaction: deleted %zu object(s) an earlier "
                    "compaction had merged", ngone);
    free(gone);
}

/* ---- merging a group --------------------------------------------------- */

/* Feeds every row group of one whole input file to the merge. */
static int feed_file(pq_merge *mg, const uint8_t *p, size_t len, bool rows)
{
    pq_file_meta *m = NULL;
    int rc = pq_file_footer(p, len, &m);
    for (size_t rg = 0; rc == 0 && rg < m->nrow_groups; rg++) {
        int64_t off, rlen;
        rc = pq_row_group_range(m, rg, &off, &rlen);
        if (rc == 0 && (off < 0 || rlen < 0 || (uint64_t)off + (uint64_t)rlen > len))
            rc = -EBADMSG;
        if (rc == 0)
            rc = rows ? pq_merge_rows(mg, m, rg, p + off, off, (size_t)rlen)
                      : pq_merge_index(mg, m, rg, p + off, off, (size_t)rlen);
    }
    pq_file_meta_free(m);
    return rc;
}

/* One pass over the inputs, TQ_PARALLEL_GETS whole files at a time. */
static int merge_pass(tq_query *q, pq_merge *mg, const s3_list_entry *in, size_t n, bool rows)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i += TQ_PARALLEL_GETS) {
        s3_fetch f[TQ_PARALLEL_GETS];
        size_t m = n - i < TQ_PARALLEL_GETS ? n - i : TQ_PARALLEL_GETS;
        for (size_t j = 0; j < m; j++) {
            fetch_init(&f[j], in[i + j].key, NULL);
            f[j].max_bytes = (size_t)in[i + j].size + 1;
        }
        run_fetches(q, f, m);
        for (size_t j = 0; j < m; j++) {
            if (rc == 0 && (rc = f[j].rc) != 0)
                q->api->log(q->ctx, f[j].rc == -ENOENT ? OTELC_LOG_INFO : OTELC_LOG_WARN,
                            "compaction: %s: %s (another instance may be compacting it)",
                            f[j].key, f[j].reason);
            if (rc == 0 && (rc = feed_file(mg, (const uint8_t *)f[j].body, f[j].len, rows)))
                q->api->log(q->ctx, OTELC_LOG_WARN, "compaction: %s: not merged (%d)",
                            f[j].key, rc);
            free(f[j].body);
        }
    }
    return rc;
}

/* Whether key is in the bucket already (another instance wrote it). */
static bool exists(tq_query *q, const char *key)
{
    s3_list_entry *items = NULL;
    size_t n = 0;
    char err[256];
    int rc = s3_reader_list(q->reader, key, &items, &n, err, sizeof(err));
    bool found = false;
    for (size_t i = 0; rc == 0 && i < n && !found; i++)
        found = strcmp(items[i].key, key) == 0;
    free(items);
    return found;
}

/* PUTs the output unless it is there already: identical bytes, but a
 * store whose PUT is not atomic would show readers a torn file. */
static int put_object(tq_query *q, const char *key, const uint8_t *p, size_t len)
{
    if (exists(q, key))
        return 0;
    char sha[SIGV4_HASH_HEX_SIZE];
    struct iovec iov = {(void *)p, len};
    if (sigv4_payload_hash(&iov, 1, sha) != SIGV4_OK)
        return -ENOMEM;
    s3_fetch f;
    fetch_init(&f, key, "PUT");
    f.put_body = p;
    f.put_len = len;
    f.put_sha256 = sha;
    f.content_type = PARQUET_TYPE;
    run_fetches(q, &f, 1);
    if (f.rc != 0)
        q->api->log(q->ctx, OTELC_LOG_WARN, "compaction: put %s: %s", key, f.reason);
    free(f.body);
    return f.rc;
}

/* Merges in[0..n) into key: both passes, the file, the PUT. */
static int merge_group(tq_query *q, const s3_list_entry *in, size_t n, const char *key,
                       size_t *rows, size_t *bytes)
{
    char *list = tq_compact_input_list(in, n);
    const char *const kv[] = {TQ_COMPACT_INPUTS, list, NULL};
    pq_merge_options o = {.write = {.zstd_level = COMPACT_LEVEL,
                                    .created_by = COMPACT_CREATED_BY},
                          .group_rows = q->set.compact.group_rows, .kv = kv};
    pq_merge *mg = NULL;
    uint8_t *out = NULL;
    int rc = list ? pq_merge_new(&o, &mg) : -ENOMEM;
    rc = rc ? rc : merge_pass(q, mg, in, n, false);
    rc = rc ? rc : merge_pass(q, mg, in, n, true);
    rc = rc ? rc : pq_merge_finish(mg, &out, bytes, rows);
    pq_merge_free(mg);
    free(list);
    rc = rc ? rc : put_object(q, key, out, *bytes);
    free(out);
    return rc;
}

/* The directory an hour's outputs go in: the partition format at the
 * hour's start, so they sit as deep as the small files. */
static void output_dir(const tq_query *q, int64_t hour, char *out, size_t n)
{
    time_t secs = (time_t)(hour / 1000000000LL);
    struct tm tm;
    char part[512];
    gmtime_r(&secs, &tm);
    if (strftime(part, sizeof(part), q->cfg->s3_partition_format, &tm) == 0)
        part[0] = 0;
    snprintf(out, n, "%s%s%s", q->set.key_prefix, q->set.key_prefix[0] ? "/" : "", part);
}

static bool is_output(const hour_state *h, const char *key)
{
    for (size_t o = 0; o < h->noutputs; o++)
        if (strcmp(h->outputs[o].key, key) == 0)
            return true;
    return false;
}

static void compact_group(tq_query *q, int64_t hour, const hour_state *h, size_t first,
                          size_t n)
{
    char dir[S3_KEY_MAX], key[S3_KEY_MAX];
    const s3_list_entry *in = &h->inputs[first];
    size_t rows = 0, bytes = 0;
    output_dir(q, hour, dir, sizeof(dir));
    if (tq_compact_output_key(dir, in, n, key, sizeof(key)) != 0 || is_output(h, key))
        return; /* there already: finish_earlier deletes its inputs */
    int64_t t0 = otelc_mono_ns();
    if (merge_group(q, in, n, key, &rows, &bytes) != 0) {
        q->api->metric_add(q->compact_failures, 1);
        return;
    }
    int deleted = delete_keys(q, in, n);
    q->api->metric_add(q->compact_outputs, 1);
    q->api->metric_add(q->compact_files, deleted > 0 ? deleted : 0);
    q->api->metric_add(q->compact_spans, (double)rows);
    q->api->log(q->ctx, OTELC_LOG_INFO, "compaction: %zu files, %zu spans into %s (%zu bytes, "
                "%.0f ms)", n, rows, key, bytes, (double)(otelc_mono_ns() - t0) / 1e6);
}

static void compact_hour(tq_query *q, int64_t hour)
{
    hour_state h = {0};
    if (list_hour(q, hour, &h) == 0) {
        read_lists(q, &h);
        finish_earlier(q, &h);
        size_t at = 0;
        while (at < h.ninputs && running(q)) {
            size_t first = at;
            size_t n = tq_compact_next_group(h.inputs, h.ninputs, &at,
                                             q->set.compact.max_file_size);
            if (n >= q->set.compact.min_files)
                compact_group(q, hour, &h, first, n);
        }
    }
    hour_state_free(&h);
}

/* ---- the thread -------------------------------------------------------- */

/* The hours that ended min_age ago, within the lookback, newest first. */
static void compact_round(tq_query *q)
{
    int64_t now = otelc_real_ns();
    int64_t newest = (now - q->set.compact.min_age_ns) / HOUR_NS * HOUR_NS - HOUR_NS;
    int64_t oldest = (now - q->set.lookback_ns) / HOUR_NS * HOUR_NS;
    for (int64_t h = newest; h >= oldest && running(q); h -= HOUR_NS)
        compact_hour(q, h);
}

/* Waits an interval; false once the extension is shutting down. */
static bool nap(tq_query *q)
{
    struct timespec until = otelc_timespec(otelc_real_ns() + q->set.compact.interval_ns);
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    while (q->open && rc == 0)
        rc = pthread_cond_timedwait(&q->compact_cv, &q->mu, &until);
    bool open = q->open;
    pthread_mutex_unlock(&q->mu);
    return open;
}

static void *compact_main(void *arg)
{
    tq_query *q = arg;
    do
        compact_round(q);
    while (nap(q));
    return NULL;
}

int tq_compact_start(tq_query *q)
{
    if (!q->set.compact.enabled)
        return 0;
    if (pthread_create(&q->compactor, NULL, compact_main, q) != 0)
        return -1;
    q->compacting = true;
    q->api->log(q->ctx, OTELC_LOG_INFO, "compaction: every %.0f s, hours that ended %.0f s ago",
                (double)q->set.compact.interval_ns / 1e9,
                (double)q->set.compact.min_age_ns / 1e9);
    return 0;
}

void tq_compact_stop(tq_query *q)
{
    pthread_mutex_lock(&q->mu);
    pthread_cond_broadcast(&q->compact_cv);
    pthread_mutex_unlock(&q->mu);
    if (q->compacting)
        pthread_join(q->compactor, NULL);
    q->compacting = false;
}
