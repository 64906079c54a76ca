/*
 * micro_queue: the durable queue's commit path alone: the host's group
 * commit writer (durable_writer) putting benchmark-sized entries into
 * LMDB, with fsync on and off, with 1, 16 and 256 requests in flight (one
 * client, a few, a busy receiver). Each operation appends one entry and
 * deletes the entry KEEP behind it, so the table stays the size of a
 * queue in steady state. Usage: bench_queue [DIR] (default /var/tmp; use
 * a directory on the disk under test, not tmpfs).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "bench_clock.h"
#include "bench_report.h"
#include "bench_request.h"
#include "queue/durable/durable_writer.h"

#define SECONDS 2.0
#define WARMUP_US 300000
#define KEEP 1024
#define MAX_WINDOW 256

typedef struct queue_bench queue_bench;

typedef struct bench_op {
    dw_op op;
    queue_bench *qb;
} bench_op;

struct queue_bench {
    durable_writer *w;
    MDB_dbi dbi;
    const uint8_t *payload;
    size_t len;
    uint64_t next_id; /* the writer thread's */
    atomic_ullong ops;
    atomic_bool stop;
    atomic_int inflight;
    bench_op slots[MAX_WINDOW];
};

static MDB_val key_of(uint8_t kb[8], uint64_t id)
{
    for (int i = 7; i >= 0; i--, id >>= 8)
        kb[i] = (uint8_t)id;
    return (MDB_val){8, kb};
}

static int op_apply(dw_op *op, MDB_txn *txn)
{
    queue_bench *qb = ((bench_op *)op)->qb;
    uint8_t kb[8];
    uint64_t id = qb->next_id++;
    MDB_val k = key_of(kb, id), v = {qb->len, NULL};
    int rc = mdb_put(txn, qb->dbi, &k, &v, MDB_RESERVE | MDB_APPEND);
    if (rc != 0)
        return rc;
    memcpy(v.mv_data, qb->payload, qb->len);
    if (id < KEEP)
        return 0;
    k = key_of(kb, id - KEEP);
    rc = mdb_del(txn, qb->dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Runs on the writer thread: count, and go again until told to stop. */
static void op_done(dw_op *op, int rc)
{
    queue_bench *qb = ((bench_op *)op)->qb;
    if (rc != 0) {
        fprintf(stderr, "commit failed: %s\n", mdb_strerror(rc));
        exit(1);
    }
    atomic_fetch_add(&qb->ops, 1);
    if (atomic_load(&qb->stop))
        atomic_fetch_sub(&qb->inflight, 1);
    else
        dw_submit(qb->w, op);
}

static int env_open(const char *dir, bool fsync, MDB_env **env, MDB_dbi *dbi)
{
    MDB_txn *txn;
    int rc = mdb_env_create(env);
    if (rc == 0)
        rc = mdb_env_set_mapsize(*env, (size_t)1 << 30);
    if (rc == 0)
        rc = mdb_env_open(*env, dir, MDB_NOTLS | (fsync ? 0 : MDB_NOSYNC), 0600);
    if (rc == 0)
        rc = mdb_txn_begin(*env, NULL, 0, &txn);
    if (rc == 0 && (rc = mdb_dbi_open(txn, NULL, 0, dbi)) == 0)
        rc = mdb_txn_commit(txn);
    return rc;
}

static void measure(queue_bench *qb, const char *label)
{
    dw_stats s0, s1;
    usleep(WARMUP_US);
    unsigned long long n0 = atomic_load(&qb->ops);
    dw_stats_get(qb->w, &s0);
    double t0 = bench_now();
    usleep((useconds_t)(SECONDS * 1e6));
    double wall = bench_now() - t0;
    unsigned long long n = atomic_load(&qb->ops) - n0;
    dw_stats_get(qb->w, &s1);
    char name[96];
    snprintf(name, sizeof(name), "queue commit %s", label);
    bench_report(name, (double)n / wall, "requests/s", (double)n * (double)qb->len / wall / 1e6,
                 "MB/s");
    snprintf(name, sizeof(name), "queue groups %s", label);
    double commits = (double)(s1.commits - s0.commits);
    bench_report(name, commits / wall, "commits/s", commits > 0 ? (double)n / commits : 0,
                 "requests/commit");
}

/* Starts window operations going round and measures them. */
static int drive(MDB_env *env, MDB_dbi dbi, int window, const char *label, const uint8_t *payload,
                 size_t len)
{
    queue_bench *qb = calloc(1, sizeof(*qb));
    if (!qb)
        return ENOMEM;
    *qb = (queue_bench){.dbi = dbi, .payload = payload, .len = len};
    qb->w = dw_new(env, "bench");
    if (!qb->w || dw_start(qb->w) != 0) {
        dw_free(qb->w);
        free(qb);
        return ENOMEM;
    }
    atomic_store(&qb->inflight, window);
    for (int i = 0; i < window; i++) {
        qb->slots[i] = (bench_op){.op = {.apply = op_apply, .done = op_done}, .qb = qb};
        dw_submit(qb->w, &qb->slots[i].op);
    }
    measure(qb, label);
    atomic_store(&qb->stop, true);
    while (atomic_load(&qb->inflight) > 0)
        usleep(1000);
    dw_free(qb->w);
    free(qb);
    return 0;
}

static void remove_env_dir(const char *dir)
{
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    char path[4200];
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* One measurement in a fresh environment under root. */
static int run(const char *root, bool fsync, int window, const uint8_t *payload, size_t len)
{
    char dir[4096], label[64];
    snprintf(dir, sizeof(dir), "%s/otelc-bench-queue-XXXXXX", root);
    if (!mkdtemp(dir))
        return errno;
    MDB_env *env = NULL;
    MDB_dbi dbi = 0;
    int rc = env_open(dir, fsync, &env, &dbi);
    snprintf(label, sizeof(label), "fsync=%s inflight=%d", fsync ? "on" : "off", window);
    if (rc == 0)
        rc = drive(env, dbi, window, label, payload, len);
    if (env)
        mdb_env_close(env);
    remove_env_dir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    static const int windows[] = {1, 16, 256};
    const char *root = argc > 1 ? argv[1] : "/var/tmp";
    size_t len;
    uint8_t *payload = bench_request(100, 1, &len);
    if (!payload)
        return 1;
    printf("# queue: entries of %zu bytes (a 100-span request) in %s\n", len, root);
    int rc = 0;
    for (int f = 1; f >= 0 && rc == 0; f--)
        for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]) && rc == 0; i++)
            rc = run(root, f == 1, windows[i], payload, len);
    if (rc != 0)
        fprintf(stderr, "bench_queue: %s\n", mdb_strerror(rc));
    free(payload);
    return rc != 0;
}
