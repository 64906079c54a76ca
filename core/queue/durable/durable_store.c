/* durable_store.c: the LMDB environment of one file_storage directory. */
#include "durable_store.h"

#include "durable_kv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <otelc/sdk/clock.h>

#include "durable_queue.h"
#include "queue/exporter_queue.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

#define FORMAT_DB "otelc"
#define FORMAT_KEY "format"
#define FORMAT_PREFIX "otelc-queue "
#define FORMAT_VALUE "otelc-queue 1"
#define MAP_SLACK (64ull << 20)

struct durable_store {
    _Atomic long refs;
    char *name, *dir;
    durable_store_cfg cfg;
    struct metrics_registry *metrics;
    struct admin_server *admin;

    pthread_mutex_t mu; /* guards queues and open */
    pthread_rwlock_t env_lock; /* read: a read transaction is running; write: close */
    durable_queue **queues;
    size_t nqueues;

    bool open;
    int lock_fd;
    MDB_env *env;
    /* Set on the main thread at open, read by emitting threads. */
    _Atomic(durable_writer *) writer;
    _Atomic unsigned page_size;
};

durable_store *durable_store_new(const char *name, const durable_store_cfg *cfg)
{
    durable_store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->name = strdup(name);
    s->dir = strdup(cfg->directory ? cfg->directory : "");
    if (!s->name || !s->dir) {
        free(s->name);
        free(s->dir);
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->cfg = *cfg;
    s->cfg.directory = s->dir;
    s->lock_fd = -1;
    s->page_size = 4096;
    pthread_mutex_init(&s->mu, NULL);
    pthread_rwlock_init(&s->env_lock, NULL);
    return s;
}

void durable_store_set_host(durable_store *s, struct metrics_registry *m, struct admin_server *a)
{
    s->metrics = m;
    s->admin = a;
}

durable_store *durable_store_ref(durable_store *s)
{
    s->refs++;
    return s;
}

void durable_store_unref(durable_store *s)
{
    if (!s || --s->refs > 0)
        return;
    durable_store_close(s);
    dw_free(s->writer);
    pthread_rwlock_destroy(&s->env_lock);
    pthread_mutex_destroy(&s->mu);
    free(s->queues);
    free(s->name);
    free(s->dir);
    free(s);
}

int durable_store_attach(durable_store *s, durable_queue *q)
{
    pthread_mutex_lock(&s->mu);
    durable_queue **grown = s->open ? NULL : realloc(s->queues, (s->nqueues + 1) * sizeof(durable_queue *));
    if (grown) {
        s->queues = grown;
        s->queues[s->nqueues++] = q;
    }
    pthread_mutex_unlock(&s->mu);
    return grown ? 0 : -1;
}

void durable_store_detach(durable_store *s, durable_queue *q)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nqueues; i++) {
        if (s->queues[i] == q) {
            s->queues[i] = s->queues[--s->nqueues];
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void durable_store_each(durable_store *s, void (*fn)(void *arg, durable_queue *q), void *arg)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nqueues; i++)
        fn(arg, s->queues[i]);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the directory and its lock ---- */

static int fail(char *err, size_t errlen, const char *fmt, ...) OTELC_PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int mkdirs(char *path, mode_t mode)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int rc = mkdir(path, mode);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

static int check_dir(durable_store *s, char *err, size_t errlen)
{
    struct stat st;
    if (s->dir[0] == 0)
        return fail(err, errlen, "file_storage: directory is not set");
    if (stat(s->dir, &st) != 0 && errno == ENOENT && s->cfg.create_directory &&
        mkdirs(s->dir, (mode_t)s->cfg.dir_mode) != 0)
        return fail(err, errlen, "directory %s cannot be created: %s", s->dir, strerror(errno));
    if (stat(s->dir, &st) != 0)
        return fail(err, errlen, "directory %s: %s%s", s->dir, strerror(errno),
                    errno == ENOENT ? " (create it, or set create_directory: true)" : "");
    if (!S_ISDIR(st.st_mode))
        return fail(err, errlen, "directory %s is not a directory", s->dir);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Takes the exclusive lock, waiting up to the timeout; records our pid
 * in the file so that a refused process can say who holds it. */
static int lock_dir(durable_store *s, char *err, size_t errlen)
{
    char path[4096], pid[32];
    snprintf(path, sizeof(path), "%s/otelc.lock", s->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(err, errlen, "directory %s: cannot open otelc.lock: %s", s->dir,
                    strerror(errno));
    int64_t deadline = otelc_mono_ns() + s->cfg.lock_timeout_ns;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || otelc_mono_ns() >= deadline) {
            ssize_t n = errno == EWOULDBLOCK ? pread(fd, pid, sizeof(pid) - 1, 0) : -1;
            pid[n > 0 ? n : 0] = 0;
            close(fd);
            return fail(err, errlen, "directory %s is in use by another process%s%s%s", s->dir,
                        pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
        }
        sleep_ms(50);
    }
    int n = snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        otelc_log(OTELC_LOG_WARN, s->name, "directory %s: cannot record the pid in otelc.lock",
                  s->dir);
    s->lock_fd = fd;
    return 0;
}

static void unlock_dir(durable_store *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    s->lock_fd = -1;
}

/* ---- the environment ---- */

static uint64_t map_size(durable_store *s, unsigned *readers, unsigned *dbs)
{
    uint64_t total = 0;
    *readers = 126;
    for (size_t i = 0; i < s->nqueues; i++) {
        total += durable_queue_budget(s->queues[i]);
        *readers += durable_queue_consumers(s->queues[i]) + 2;
    }
    /* The queues' three tables each, the marker, and room for the
     * components' key-value tables (durable_kv.c). */
    *dbs = (unsigned)(3 * s->nqueues + 2 + DURABLE_KV_MAX_TABLES);
    /* Twice the budgets: room for LMDB's copy-on-write pages and for free
     * pages that are not contiguous enough for large values. */
    uint64_t size = 2 * total + MAP_SLACK;
    return (size + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
}

static int env_try(durable_store *s)
{
    unsigned readers, dbs;
    uint64_t size = map_size(s, &readers, &dbs);
    int rc = mdb_env_create(&s->env);
    if (rc == 0)
        rc = mdb_env_set_mapsize(s->env, (size_t)size);
    if (rc == 0)
        rc = mdb_env_set_maxreaders(s->env, readers);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(s->env, dbs);
    unsigned flags = MDB_NOTLS | (s->cfg.fsync ? 0 : MDB_NOSYNC);
    if (rc == 0)
        rc = mdb_env_open(s->env, s->dir, flags, 0600);
    if (rc != 0 && s->env) {
        mdb_env_close(s->env);
        s->env = NULL;
    }
    return rc;
}

static bool unusable(int rc)
{
    return rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED;
}

/* recreate: the collector's answer to a corrupt file, which it renames
 * to a .backup beside a new one. Nothing of it is read or deleted. */
static int set_aside(durable_store *s, int why, char *err, size_t errlen)
{
    char from[4096], to[4200];
    snprintf(from, sizeof(from), "%s/data.mdb", s->dir);
    snprintf(to, sizeof(to), "%s/data.mdb.%lld.backup", s->dir,
             (long long)(otelc_real_ns() / 1000000000));
    if (rename(from, to) != 0)
        return fail(err, errlen, "directory %s: data.mdb is not a usable queue file (%s) and "
                    "cannot be moved aside: %s", s->dir, mdb_strerror(why), strerror(errno));
    otelc_log(OTELC_LOG_WARN, s->name, "directory %s: data.mdb was not a usable queue file "
              "(%s); moved to %s (recreate), the queue starts empty", s->dir, mdb_strerror(why),
              to);
    return 0;
}

static int env_open(durable_store *s, char *err, size_t errlen)
{
    int rc = env_try(s);
    if (unusable(rc) && s->cfg.recreate) {
        if (set_aside(s, rc, err, errlen) != 0)
            return -1;
        rc = env_try(s);
    }
    if (rc == 0)
        return 0;
    if (unusable(rc))
        return fail(err, errlen, "directory %s: data.mdb is not a usable queue file (%s); move "
                    "it away, or set recreate: true, to start with an empty queue", s->dir,
                    mdb_strerror(rc));
    return fail(err, errlen, "directory %s: cannot open the queue: %s", s->dir,
                mdb_strerror(rc));
}

/* True when the main database holds anything but our format marker. */
static bool has_foreign_names(MDB_txn *txn)
{
    MDB_dbi main;
    MDB_cursor *c;
    MDB_val k, v;
    if (mdb_dbi_open(txn, NULL, 0, &main) != 0 || mdb_cursor_open(txn, main, &c) != 0)
        return true;
    bool any = mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0;
    mdb_cursor_close(c);
    return any;
}

/* Checks the format marker, writing it into a fresh environment. */
static int check_format(durable_store *s, MDB_txn *txn, char *err, size_t errlen)
{
    MDB_dbi fmt;
    MDB_val k = {strlen(FORMAT_KEY), FORMAT_KEY}, v;
    int rc = mdb_dbi_open(txn, FORMAT_DB, 0, &fmt);
    if (rc == MDB_NOTFOUND) {
        if (has_foreign_names(txn))
            return fail(err, errlen, "directory %s: data.mdb belongs to another program (no "
                        "otelc queue format marker); refusing to touch it", s->dir);
        v = (MDB_val){strlen(FORMAT_VALUE), FORMAT_VALUE};
        rc = mdb_dbi_open(txn, FORMAT_DB, MDB_CREATE, &fmt);
        if (rc == 0)
            rc = mdb_put(txn, fmt, &k, &v, 0);
        return rc == 0 ? 0 : fail(err, errlen, "directory %s: %s", s->dir, mdb_strerror(rc));
    }
    if (rc != 0)
        return fail(err, errlen, "directory %s: data.mdb belongs to another program (%s)",
                    s->dir, mdb_strerror(rc));
    if (mdb_get(txn, fmt, &k, &v) != 0)
        return fail(err, errlen, "directory %s: the queue format marker is missing", s->dir);
    if (v.mv_size == strlen(FORMAT_VALUE) && memcmp(v.mv_data, FORMAT_VALUE, v.mv_size) == 0)
        return 0;
    bool ours = v.mv_size > strlen(FORMAT_PREFIX) &&
                memcmp(v.mv_data, FORMAT_PREFIX, strlen(FORMAT_PREFIX)) == 0;
    return fail(err, errlen, "directory %s: %s (format \"%.*s\", this otelc reads \"%s\")",
                s->dir, ours ? "the queue was written by another otelc version"
                             : "data.mdb is not an otelc queue",
                (int)(v.mv_size > 64 ? 64 : v.mv_size), (const char *)v.mv_data, FORMAT_VALUE);
}

/* One write transaction: the marker, then every queue's tables and its
 * in-memory view rebuilt from them. */
static int recover_all(durable_store *s, char *err, size_t errlen)
{
    MDB_txn *txn;
    MDB_stat st;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0)
        return fail(err, errlen, "directory %s: %s", s->dir, mdb_strerror(rc));
    if (mdb_env_stat(s->env, &st) == 0)
        s->page_size = st.ms_psize;
    if (check_format(s, txn, err, errlen) != 0)
        goto out_abort;
    for (size_t i = 0; i < s->nqueues; i++)
        if (durable_queue_recover(s->queues[i], txn, err, errlen) != 0)
            goto out_abort;
    rc = mdb_txn_commit(txn);
    return rc == 0 ? 0 : fail(err, errlen, "directory %s: %s", s->dir, mdb_strerror(rc));

out_abort:
    mdb_txn_abort(txn);
    return -1;
}

/* The writer's series: commit durations and commits, per storage. */
static void writer_metrics(durable_store *s)
{
    static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                     0.025,  0.05,    0.1,    0.25,  0.5,    1};
    const char *labels[] = {"storage", s->name, NULL};
    otelc_metric_desc h = {.name = "otelc_file_storage_commit_duration_seconds",
                           .help = "Duration of the queue's LMDB commits, fsync included.",
                           .type = OTELC_HISTOGRAM, .labels = labels, .buckets = buckets,
                           .nbuckets = sizeof(buckets) / sizeof(buckets[0])};
    otelc_metric_desc c = {.name = "otelc_file_storage_commits_total",
                           .help = "LMDB transactions the queue writer committed.",
                           .type = OTELC_COUNTER, .labels = labels};
    if (s->metrics)
        dw_set_metrics(s->writer, metrics_series(s->metrics, &h), metrics_series(s->metrics, &c));
}

/* The budgets keep the data well below the map; a map that fills anyway
 * (free pages too scattered for large values) grows by half, while no
 * read transaction runs. Writer thread. */
static int grow_map(void *arg)
{
    durable_store *s = arg;
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) != 0)
        return -1;
    size_t next = info.me_mapsize + info.me_mapsize / 2;
    pthread_rwlock_wrlock(&s->env_lock);
    int rc = mdb_env_set_mapsize(s->env, next);
    pthread_rwlock_unlock(&s->env_lock);
    otelc_log(rc == 0 ? OTELC_LOG_WARN : OTELC_LOG_ERROR, s->name,
              "directory %s: the LMDB map is full; %s to %zu bytes", s->dir,
              rc == 0 ? "grown" : "cannot grow it", next);
    return rc == 0 ? 0 : -1;
}

static int start_writer(durable_store *s, char *err, size_t errlen)
{
    dw_free(s->writer); /* a store closed and opened again */
    s->writer = NULL;
    durable_writer *w = dw_new(s->env, s->name);
    if (w) {
        s->writer = w;
        writer_metrics(s);
        dw_set_grow(w, grow_map, s);
    }
    if (!w || dw_start(w) != 0)
        return fail(err, errlen, "directory %s: cannot start the queue writer", s->dir);
    return 0;
}

int durable_store_open(durable_store *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->mu);
    int rc = -1, dead = 0;
    if (s->open) {
        rc = fail(err, errlen, "directory %s is open already", s->dir);
        goto out_unlock;
    }
    if (check_dir(s, err, errlen) != 0 || lock_dir(s, err, errlen) != 0)
        goto out_unlock;
    if (env_open(s, err, errlen) != 0)
        goto out_unlock_dir;
    if (mdb_reader_check(s->env, &dead) == 0 && dead > 0)
        otelc_log(OTELC_LOG_WARN, s->name, "directory %s: cleared %d stale reader slot(s) of "
                  "processes that died", s->dir, dead);
    if (recover_all(s, err, errlen) != 0 || start_writer(s, err, errlen) != 0)
        goto out_close_env;
    s->open = true;
    rc = 0;
    goto out_unlock;

out_close_env:
    dw_free(s->writer);
    s->writer = NULL;
    pthread_rwlock_wrlock(&s->env_lock);
    mdb_env_close(s->env);
    s->env = NULL;
    pthread_rwlock_unlock(&s->env_lock);
out_unlock_dir:
    unlock_dir(s);
out_unlock:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void durable_store_close(durable_store *s)
{
    pthread_mutex_lock(&s->mu);
    bool was = s->open;
    s->open = false;
    pthread_mutex_unlock(&s->mu);
    if (!was)
        return;
    /* The writer object stays until the store is freed, so that a late
     * submission is refused rather than touching freed memory. */
    dw_stop(s->writer); /* commits what is queued first */
    pthread_rwlock_wrlock(&s->env_lock);
    mdb_env_close(s->env);
    s->env = NULL;
    pthread_rwlock_unlock(&s->env_lock);
    unlock_dir(s);
}

int durable_store_read_begin(durable_store *s, MDB_txn **txn)
{
    pthread_rwlock_rdlock(&s->env_lock);
    int rc = s->env ? mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn) : ESHUTDOWN;
    if (rc != 0)
        pthread_rwlock_unlock(&s->env_lock);
    return rc;
}

void durable_store_read_end(durable_store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->env_lock);
}

int durable_store_reader_check(durable_store *s, int *dead)
{
    *dead = 0;
    pthread_rwlock_rdlock(&s->env_lock);
    int rc = s->env ? mdb_reader_check(s->env, dead) : ESHUTDOWN;
    pthread_rwlock_unlock(&s->env_lock);
    return rc;
}

MDB_env *durable_store_env(durable_store *s)
{
    return s->env;
}

durable_writer *durable_store_writer(durable_store *s)
{
    return s->writer;
}

unsigned durable_store_page_size(durable_store *s)
{
    return s->page_size;
}

const char *durable_store_name(durable_store *s)
{
    return s->name;
}

const char *durable_store_dir(durable_store *s)
{
    return s->dir;
}

struct metrics_registry *durable_store_metrics(durable_store *s)
{
    return s->metrics;
}

struct admin_server *durable_store_admin(durable_store *s)
{
    return s->admin;
}
