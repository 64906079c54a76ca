/*
 * merge.c: files of the trace table merged into one sorted by TraceId
 * (compaction). Pass one gathers every row's ids and sorts them, which
 * gives each row its output position (or drops it as a second copy);
 * pass two encodes each row as a record into the bucket of its position
 * (buckets hold BUCKET_ROWS consecutive positions, zstd-compressed in
 * blocks); the finish writes bucket after bucket, each put in position
 * order, cutting row groups every group_rows rows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "pq_int.h"

#define GROUP_ROWS 131072
#define BUCKET_ROWS 32768
#define BLOCK_BYTES 65536 /* records gathered before a bucket compresses them */
#define BLOCK_LEVEL 1
#define DROPPED UINT32_MAX

typedef struct mkey {
    uint8_t id[24]; /* trace id, span id */
    uint32_t seq;   /* the row's number in the order the rows were given */
} mkey;

/* Compressed blocks, each: raw length (u32), compressed length (u32),
 * bytes; and the records not compressed yet. */
typedef struct bucket {
    pq_buf z, open;
} bucket;

struct pq_merge {
    pq_merge_options o;
    pq_writer w;
    const char **kv;       /* the table's metadata, then the options' */
    mkey *keys;            /* pass one; freed by the plan */
    size_t nkeys, cap;
    uint32_t *groups;      /* rows of each row group of pass one */
    size_t ngroups, gcap, read_groups;
    uint32_t *pos;         /* seq -> output position, or DROPPED */
    size_t nout, seq;
    bucket *buckets;
    size_t nbuckets;
    void *cctx;            /* ZSTD_CCtx */
    pq_buf rec;
    bool planned;
    int err;
};

static size_t count_kv(const char *const *kv)
{
    size_t n = 0;
    while (kv && kv[2 * n])
        n++;
    return n;
}

/* The writer's metadata followed by the options'. */
static int join_kv(pq_merge *mg)
{
    size_t a = count_kv(mg->w.kv), b = count_kv(mg->o.kv);
    mg->kv = calloc(2 * (a + b) + 1, sizeof(*mg->kv));
    if (!mg->kv)
        return -ENOMEM;
    memcpy(mg->kv, mg->w.kv, 2 * a * sizeof(*mg->kv));
    if (b)
        memcpy(mg->kv + 2 * a, mg->o.kv, 2 * b * sizeof(*mg->kv));
    mg->w.kv = mg->kv;
    return 0;
}

int pq_merge_new(const pq_merge_options *o, pq_merge **out)
{
    pq_merge *mg = calloc(1, sizeof(*mg));
    *out = NULL;
    if (!mg)
        return -ENOMEM;
    mg->o = *o;
    if (!mg->o.group_rows)
        mg->o.group_rows = GROUP_ROWS;
    int rc = pq_traces_writer_init(&mg->w, &mg->o.write);
    if (rc == 0)
        rc = join_kv(mg);
    if (rc != 0) {
        pq_merge_free(mg);
        return rc;
    }
    *out = mg;
    return 0;
}

void pq_merge_free(pq_merge *mg)
{
    if (!mg)
        return;
    for (size_t i = 0; i < mg->nbuckets; i++) {
        pq_buf_free(&mg->buckets[i].z);
        pq_buf_free(&mg->buckets[i].open);
    }
    free(mg->buckets);
    ZSTD_freeCCtx(mg->cctx);
    pq_buf_free(&mg->rec);
    free(mg->keys);
    free(mg->groups);
    free(mg->pos);
    free(mg->kv);
    pq_writer_free(&mg->w);
    free(mg);
}

/* Remembers the first failure: the merge is spoilt from then on. */
static int spoil(pq_merge *mg, int rc)
{
    if (rc != 0 && !mg->err)
        mg->err = rc;
    return rc;
}

/* ---- pass one: ids ---------------------------------------------------- */

/* A hex id into n bytes (cut or padded with zeros, as summaries do). */
static int id_of(pq_view hex, uint8_t *out, size_t n)
{
    uint8_t id[64];
    int got = pq_unhex(hex, id, sizeof(id));
    if (got < 0)
        return -EBADMSG;
    memset(out, 0, n);
    memcpy(out, id, (size_t)got < n ? (size_t)got : n);
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *q = realloc(*p, cap2 * size);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = cap2;
    return 0;
}

static int index_rows(pq_merge *mg, pq_table *t)
{
    if (mg->nkeys + t->nrows >= DROPPED)
        return -ENOMEM;
    if (grow((void **)&mg->keys, &mg->cap, mg->nkeys + t->nrows, sizeof(mkey)) != 0 ||
        grow((void **)&mg->groups, &mg->gcap, mg->ngroups + 1, sizeof(uint32_t)) != 0)
        return -ENOMEM;
    for (size_t r = 0; r < t->nrows; r++) {
        mkey *k = &mg->keys[mg->nkeys];
        pq_view trace, span;
        int rc = pq_table_str(t, T_TRACE_ID, &trace);
        rc = rc ? rc : pq_table_str(t, T_SPAN_ID, &span);
        rc = rc ? rc : id_of(trace, k->id, 16);
        rc = rc ? rc : id_of(span, k->id + 16, 8);
        if (rc != 0)
            return rc;
        k->seq = (uint32_t)mg->nkeys++;
    }
    mg->groups[mg->ngroups++] = (uint32_t)t->nrows;
    return 0;
}

int pq_merge_index(pq_merge *mg, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                   int64_t offset, size_t len)
{
    if (mg->err || mg->planned)
        return mg->err ? mg->err : spoil(mg, -EINVAL);
    uint8_t used[T_COUNT] = {0};
    used[T_TRACE_ID] = used[T_SPAN_ID] = PQ_USE;
    pq_table t;
    int rc = pq_table_open(&t, m, rg, bytes, offset, len, used);
    if (rc == 0) {
        rc = index_rows(mg, &t);
        pq_table_close(&t);
    }
    return spoil(mg, rc);
}

/* ---- the plan: output positions ---------------------------------------- */

static int key_order(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    int c = memcmp(x->id, y->id, sizeof(x->id));
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int plan(pq_merge *mg)
{
    mg->planned = true;
    mg->pos = malloc((mg->nkeys ? mg->nkeys : 1) * sizeof(*mg->pos));
    if (!mg->pos)
        return -ENOMEM;
    if (mg->nkeys > 1)
        qsort(mg->keys, mg->nkeys, sizeof(mkey), key_order);
    for (size_t i = 0; i < mg->nkeys; i++) {
        bool again = i && memcmp(mg->keys[i].id, mg->keys[i - 1].id, 24) == 0;
        mg->pos[mg->keys[i].seq] = again ? DROPPED : (uint32_t)mg->nout++;
    }
    free(mg->keys);
    mg->keys = NULL;
    mg->nbuckets = (mg->nout + BUCKET_ROWS - 1) / BUCKET_ROWS;
    mg->buckets = calloc(mg->nbuckets ? mg->nbuckets : 1, sizeof(*mg->buckets));
    mg->cctx = ZSTD_createCCtx();
    return mg->buckets && mg->cctx ? 0 : -ENOMEM;
}

/* ---- pass two: rows into buckets --------------------------------------- */

static void put_u32(uint8_t *at, size_t v)
{
    for (int i = 0; i < 4; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

static size_t get_u32(const uint8_t *at)
{
    return pq_load_u32le(at);
}

/* Compresses a bucket's open records into a block. */
static int seal(pq_merge *mg, bucket *b)
{
    size_t bound = ZSTD_compressBound(b->open.len);
    if (pq_buf_reserve(&b->z, 8 + bound) != 0)
        return -ENOMEM;
    uint8_t *at = b->z.p + b->z.len;
    size_t n = ZSTD_compressCCtx(mg->cctx, at + 8, bound, b->open.p, b->open.len, BLOCK_LEVEL);
    if (ZSTD_isError(n))
        return -EIO;
    put_u32(at, b->open.len);
    put_u32(at + 4, n);
    b->z.len += 8 + n;
    b->open.len = 0;
    return 0;
}

static int scatter(pq_merge *mg, const pq_table *t)
{
    size_t lv[T_COUNT] = {0}, val[T_COUNT] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        uint32_t p = mg->pos[mg->seq++];
        int rc = pq_rec_encode(&mg->rec, t, p, lv, val);
        if (rc != 0)
            return rc;
        if (p == DROPPED)
            continue;
        bucket *b = &mg->buckets[p / BUCKET_ROWS];
        pq_buf_put(&b->open, mg->rec.p, mg->rec.len);
        if (b->open.err)
            return b->open.err;
        if (b->open.len >= BLOCK_BYTES && (rc = seal(mg, b)) != 0)
            return rc;
    }
    return 0;
}

/* Whether t's leaves have the levels the writer gives them: then a row
 * is copied level for level. */
static int same_levels(const pq_merge *mg, const pq_table *t)
{
    for (int c = 0; c < T_COUNT; c++) {
        const pq_leaf *l = &mg->w.schema.leaves[c];
        if (t->leaf[c].max_def != l->max_def || t->leaf[c].max_rep != l->max_rep ||
            t->leaf[c].time_scale != 1)
            return -ENOTSUP;
    }
    return 0;
}

int pq_merge_rows(pq_merge *mg, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                  int64_t offset, size_t len)
{
    if (mg->err)
        return mg->err;
    if (!mg->planned && spoil(mg, plan(mg)) != 0)
        return mg->err;
    if (mg->read_groups >= mg->ngroups)
        return spoil(mg, -EINVAL);
    uint8_t used[T_COUNT];
    memset(used, PQ_USE, sizeof(used));
    pq_table t;
    int rc = pq_table_open(&t, m, rg, bytes, offset, len, used);
    if (rc == 0) {
        rc = t.nrows != mg->groups[mg->read_groups] ? -EINVAL : same_levels(mg, &t);
        rc = rc ? rc : scatter(mg, &t);
        pq_table_close(&t);
    }
    mg->read_groups++;
    return spoil(mg, rc);
}

/* ---- the finish: buckets in order -------------------------------------- */

/* A bucket's records, uncompressed, into raw. */
static int unpack(const bucket *b, pq_buf *raw)
{
    for (size_t at = 0; at + 8 <= b->z.len;) {
        size_t n = get_u32(b->z.p + at), zn = get_u32(b->z.p + at + 4);
        if (pq_buf_reserve(raw, n) != 0)
            return -ENOMEM;
        size_t got = ZSTD_decompress(raw->p + raw->len, n, b->z.p + at + 8, zn);
        if (ZSTD_isError(got) || got != n)
            return -EIO;
        raw->len += n;
        at += 8 + zn;
    }
    pq_buf_put(raw, b->open.p, b->open.len);
    return raw->err;
}

/* Where each of the n records of positions first.. starts in raw. */
static int place(const pq_buf *raw, size_t first, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        at[i] = SIZE_MAX;
    for (size_t off = 0; off + 8 <= raw->len;) {
        size_t len = get_u32(raw->p + off), p = get_u32(raw->p + off + 4);
        if (len < 8 || len > raw->len - off || p < first || p - first >= n)
            return -EBADMSG;
        at[p - first] = off;
        off += len;
    }
    return 0;
}

/* Rows of bucket bi into the writer, cutting row groups. */
static int write_rows(pq_merge *mg, const pq_buf *raw, const size_t *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (at[i] == SIZE_MAX)
            return -EBADMSG;
        int rc = pq_rec_decode(&mg->w, raw->p + at[i], get_u32(raw->p + at[i]));
        if (rc == 0 && (size_t)mg->w.rows == mg->o.group_rows)
            rc = pq_writer_flush_group(&mg->w);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int write_bucket(pq_merge *mg, size_t bi)
{
    bucket *b = &mg->buckets[bi];
    size_t first = bi * BUCKET_ROWS;
    size_t n = mg->nout - first < BUCKET_ROWS ? mg->nout - first : BUCKET_ROWS;
    pq_buf raw = {0};
    size_t *at = malloc(n * sizeof(*at));
    int rc = at ? unpack(b, &raw) : -ENOMEM;
    pq_buf_free(&b->z);
    pq_buf_free(&b->open);
    rc = rc ? rc : place(&raw, first, n, at);
    rc = rc ? rc : write_rows(mg, &raw, at, n);
    pq_buf_free(&raw);
    free(at);
    return rc;
}

int pq_merge_finish(pq_merge *mg, uint8_t **out, size_t *out_len, size_t *rows)
{
    *out = NULL;
    if (!mg->err && !mg->planned)
        spoil(mg, plan(mg));
    if (!mg->err && mg->read_groups != mg->ngroups)
        spoil(mg, -EINVAL);
    for (size_t bi = 0; bi < mg->nbuckets && !mg->err; bi++)
        spoil(mg, write_bucket(mg, bi));
    if (!mg->err)
        spoil(mg, pq_writer_finish(&mg->w, out, out_len));
    if (rows)
        *rows = mg->err ? 0 : mg->nout;
    return mg->err;
}
