/*
 * reindex.c: rebuilding the index from the bucket: list the objects under
 * the exporter's prefix (ListObjectsV2, page by page), read back those it
 * could have written and that are within the retention, and index them
 * through the writer like fresh uploads. Runs on a thread of its own, one
 * at a time: at start when the index is empty, and on POST /api/reindex
 * (which empties the index first and is answered when done).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "objdecode.h"
#include "query.h"
#include "s3/s3list.h"

#define PARALLEL_GETS 8

typedef struct reindex_stats {
    size_t objects, skipped, failed;
    uint64_t spans;
    char error[448];
} reindex_stats;

typedef struct reindex_job {
    awss3_query *q;
    otelc_http_req *req;
    bool clear;
} reindex_job;

/* Waits for a round's index ops, keeping their outcomes. */
typedef struct op_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t pending;
    const ix_op *base;
    int rcs[PARALLEL_GETS];
} op_wait;

static void op_done(ix_op *op, int rc)
{
    op_wait *w = op->arg;
    pthread_mutex_lock(&w->mu);
    w->rcs[op - w->base] = rc;
    w->pending--;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Indexes decoded objects: one op each, waited for together. */
static void index_round(awss3_query *q, ix_op *ops, size_t n, reindex_stats *st)
{
    op_wait w = {.pending = 0, .base = ops};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    for (size_t i = 0; i < n; i++) {
        ops[i].done = op_done;
        ops[i].arg = &w;
        pthread_mutex_lock(&w.mu);
        w.pending++;
        pthread_mutex_unlock(&w.mu);
        if (!ix_writer_submit(q->x->writer, &ops[i]))
            op_done(&ops[i], -ECANCELED);
    }
    pthread_mutex_lock(&w.mu);
    while (w.pending)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    for (size_t i = 0; i < n; i++) {
        bool ok = w.rcs[i] == 0;
        st->failed += !ok;
        st->objects += ok && !ops[i].dup;
        st->skipped += ok && ops[i].dup;
        st->spans += ok && !ops[i].dup ? ops[i].spans : 0;
    }
}

/* Reads entries[0..n) from the bucket and indexes them. */
static int read_round(awss3_query *q, const s3_list_entry *const *e, size_t n, reindex_stats *st)
{
    s3_fetch fs[PARALLEL_GETS], *ptrs[PARALLEL_GETS] = {0};
    ix_op ops[PARALLEL_GETS];
    struct iovec iov[PARALLEL_GETS];
    uint8_t *bufs[PARALLEL_GETS];
    size_t nops = 0;
    memset(fs, 0, sizeof(fs));
    for (size_t i = 0; i < n; i++) {
        snprintf(fs[i].key, sizeof(fs[i].key), "%s", e[i]->key);
        fs[i].max_bytes = QUERY_MAX_OBJECT;
        ptrs[i] = &fs[i];
    }
    awss3_fetch_run(q->x, ptrs, n);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char why[256];
        if (fs[i].rc == -ECANCELED) {
            free(fs[i].body);
            continue;
        }
        int rc = fs[i].rc ? fs[i].rc
                          : awss3_object_decode(fs[i].key, (uint8_t *)fs[i].body, fs[i].len,
                                                QUERY_MAX_DECODED, &bufs[nops], &len, why,
                                                sizeof(why));
        if (rc != 0) {
            if (fs[i].rc)
                free(fs[i].body);
            q->api->log(q->ctx, OTELC_LOG_WARN, "reindex: %s: %s", e[i]->key,
                        fs[i].rc ? fs[i].reason : why);
            st->failed++;
            continue;
        }
        int64_t t = awss3_key_time(e[i]->key);
        iov[nops] = (struct iovec){bufs[nops], len};
        ops[nops] = (ix_op){.kind = IX_OP_ADD, .segs = &iov[nops], .nsegs = 1,
                            .object = {e[i]->key, t >= 0 ? t : e[i]->modified_ns, e[i]->size}};
        nops++;
    }
    index_round(q, ops, nops, st);
    for (size_t i = 0; i < nops; i++)
        free(bufs[i]);
    return atomic_load(&q->stop_reindex) ? -ECANCELED : 0;
}

/* Whether an entry is one to index now. */
static bool wanted(awss3_query *q, const s3_list_entry *e, bool clear, int64_t cutoff)
{
    awss3_marshaler m;
    awss3_compression c;
    if (!awss3_object_format(e->key, &m, &c))
        return false;
    int64_t t = awss3_key_time(e->key);
    if ((t >= 0 ? t : e->modified_ns) < cutoff)
        return false;
    if (clear)
        return true;
    MDB_txn *txn;
    if (ix_read_begin(q->env, &txn) != 0)
        return true;
    bool have = ix_has_object(q->env, txn, e->key);
    ix_read_end(txn);
    return !have;
}

static int index_page(awss3_query *q, const s3_list_page *page, bool clear, reindex_stats *st)
{
    const awss3_settings *s = &q->x->set;
    int64_t cutoff = s->index_retention_ns > 0 ? otelc_real_ns() - s->index_retention_ns : INT64_MIN;
    const s3_list_entry *round[PARALLEL_GETS];
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i <= page->n; i++) {
        if (i < page->n && !wanted(q, &page->items[i], clear, cutoff)) {
            st->skipped++;
            continue;
        }
        if (i < page->n)
            round[n++] = &page->items[i];
        if (n == PARALLEL_GETS || (i == page->n && n)) {
            rc = read_round(q, round, n, st);
            n = 0;
        }
    }
    return rc;
}

/* Where a listing stands. ListObjectsV2 pages by continuation token; a
 * store that fails a V2 page (s3rver cannot make tokens on every Node
 * build) is paged with ListObjects (v1) and markers instead. */
typedef struct lister {
    bool v1, more;
    char token[1024];           /* V2: the next page's token */
    char marker[S3_KEY_MAX]; /* v1: the last key listed */
} lister;

/* The request of one page, in f. */
static void page_query(const lister *l, s3_fetch *f, const char *prefix, const char *max_keys)
{
    f->nquery = 0;
    if (!l->v1)
        f->query[f->nquery++] = (sigv4_pair){"list-type", "2"};
    f->query[f->nquery++] = (sigv4_pair){"prefix", prefix};
    f->query[f->nquery++] = (sigv4_pair){"max-keys", max_keys};
    if (!l->v1 && l->token[0])
        f->query[f->nquery++] = (sigv4_pair){"continuation-token", l->token};
    if (l->v1 && l->marker[0])
        f->query[f->nquery++] = (sigv4_pair){"marker", l->marker};
}

static int fetch_page(awss3_query *q, lister *l, s3_fetch *f)
{
    const awss3_settings *s = &q->x->set;
    char prefix[sizeof(s->key_prefix) + 1], max_keys[16];
    snprintf(prefix, sizeof(prefix), "%s%s", s->key_prefix, s->key_prefix[0] ? "/" : "");
    snprintf(max_keys, sizeof(max_keys), "%u", s->list_page_size);
    f->max_bytes = 64u << 20;
    page_query(l, f, prefix, max_keys);
    awss3_fetch_run(q->x, &f, 1);
    if (f->rc != -EIO || l->v1 || (f->status != 500 && f->status != 501 && f->status != 400))
        return f->rc;
    q->api->log(q->ctx, OTELC_LOG_INFO, "reindex: the store failed a ListObjectsV2 page (%s); "
                                        "listing with ListObjects (v1)",
                f->reason);
    l->v1 = true;
    free(f->body);
    f->body = NULL;
    page_query(l, f, prefix, max_keys);
    awss3_fetch_run(q->x, &f, 1);
    return f->rc;
}

/* Lists the next page into *page, moving l on. */
static int list_page(awss3_query *q, lister *l, s3_list_page *page, reindex_stats *st)
{
    s3_fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    int rc = fetch_page(q, l, f);
    if (rc == 0)
        rc = s3_list_parse(f->body, f->len, page);
    if (rc != 0)
        snprintf(st->error, sizeof(st->error), "listing the bucket: %s",
                 f->rc ? f->reason : "not a ListBucketResult");
    if (rc == 0) {
        l->more = page->truncated && page->n > 0;
        snprintf(l->token, sizeof(l->token), "%s", page->next_token);
        if (page->n)
            snprintf(l->marker, sizeof(l->marker), "%s", page->items[page->n - 1].key);
        l->more = l->more && (l->v1 || l->token[0]);
    }
    free(f->body);
    free(f);
    return rc;
}

static int reindex(awss3_query *q, bool clear, reindex_stats *st)
{
    lister *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    int rc = 0;
    if (clear) {
        ix_op op = {.kind = IX_OP_CLEAR};
        rc = ix_writer_run(q->x->writer, &op);
        if (rc != 0)
            snprintf(st->error, sizeof(st->error), "cannot empty the index: %s",
                     mdb_strerror(rc));
    }
    do {
        s3_list_page page = {0};
        if (rc == 0)
            rc = list_page(q, l, &page, st);
        if (rc == 0)
            rc = index_page(q, &page, clear, st);
        s3_list_page_free(&page);
    } while (rc == 0 && l->more && !atomic_load(&q->stop_reindex));
    free(l);
    return rc == 0 && atomic_load(&q->stop_reindex) ? -ECANCELED : rc;
}

static void answer(awss3_query *q, otelc_http_req *req, int rc, const reindex_stats *st,
                   double secs)
{
    char body[600];
    static const char *const h[] = {"Content-Type", "application/json", NULL};
    if (rc == 0)
        snprintf(body, sizeof(body),
                 "{\"objects\":%zu,\"spans\":%llu,\"skipped\":%zu,\"failed\":%zu,"
                 "\"seconds\":%.3f}\n",
                 st->objects, (unsigned long long)st->spans, st->skipped, st->failed, secs);
    if (rc == 0)
        q->api->http_respond(req, 200, h, body, strlen(body));
    else
        query_fail(q, req, rc == -ECANCELED ? 503 : 502,
                   rc == -ECANCELED ? "shutting down" : st->error);
}

static void *reindex_main(void *arg)
{
    reindex_job *job = arg;
    awss3_query *q = job->q;
    reindex_stats st = {0};
    int64_t t0 = otelc_mono_ns();
    int rc = reindex(q, job->clear, &st);
    double secs = (double)(otelc_mono_ns() - t0) / 1e9;
    if (rc == 0)
        q->api->log(q->ctx, OTELC_LOG_INFO,
                    "reindex: %zu objects (%llu spans) indexed, %zu skipped, %zu failed in "
                    "%.3f s",
                    st.objects, (unsigned long long)st.spans, st.skipped, st.failed, secs);
    else if (rc != -ECANCELED)
        q->api->log(q->ctx, OTELC_LOG_WARN, "reindex failed: %s", st.error);
    if (job->req)
        answer(q, job->req, rc, &st, secs);
    free(job);
    pthread_mutex_lock(&q->mu);
    q->reindexing = false;
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int spawn(awss3_query *q, reindex_job *job)
{
    int rc = pthread_create(&q->reindex_thread, NULL, reindex_main, job);
    return rc;
}

int awss3_reindex_start(awss3_query *q, otelc_http_req *req, bool clear)
{
    reindex_job *job = calloc(1, sizeof(*job));
    if (!job)
        return 500;
    *job = (reindex_job){q, req, clear};
    pthread_mutex_lock(&q->mu);
    int status = !q->open ? 503 : q->reindexing ? 409 : 0;
    if (status == 0 && q->reindex_joinable) {
        pthread_join(q->reindex_thread, NULL); /* the last one ended: reap it */
        q->reindex_joinable = false;
    }
    if (status == 0)
        status = spawn(q, job) == 0 ? 0 : 500;
    q->reindexing = q->reindex_joinable = status == 0;
    pthread_mutex_unlock(&q->mu);
    if (status != 0)
        free(job);
    return status;
}
