/*
 * trace_query.h: the trace_query extension: the query API (Jaeger, Tempo,
 * /spans) served on an endpoint of its own from the trace table in the
 * bucket (docs/storage.md), so any instance answers for every writer.
 *
 *   GET  /spans                              newest spans, flattened (q_spans.c)
 *   GET  /api/services                       Jaeger: services (q_jaeger.c)
 *   GET  /api/services/{service}/operations  Jaeger: a service's operations
 *   GET  /api/operations?service=&spanKind=  Jaeger: the same with kinds
 *   GET  /api/traces?service=...             Jaeger: search (q_search.c)
 *   GET  /api/traces/{traceId}               Jaeger JSON, or OTLP protobuf for
 *                                            Accept: application/protobuf (Tempo)
 *   GET  /api/v2/traces/{traceId}            Tempo TraceByIDResponse (q_tempo.c)
 *   GET  /api/echo, GET /ready               Tempo's probes
 *
 * The table (tq_table.c): the partitions of a time window are listed,
 * each file's footer and TraceId bloom filters are fetched once and kept
 * in a bounded memory cache, and only the row groups a query needs are
 * fetched, with one ranged GET each.
 *
 * Threads: handlers run on the admin thread and only queue the work; a
 * few query threads do it (listings, fetches through the reader's loop,
 * decoding) and answer, streaming large answers.
 */
#ifndef OTELC_TQ_TRACE_QUERY_H
#define OTELC_TQ_TRACE_QUERY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "parquet/parquet.h"
#include "qout.h"
#include "s3/endpoint.h"
#include "s3/reader.h"

#define QUERY_WORKERS 2
#define QUERY_QUEUE_MAX 64 /* requests waiting for a query thread; more get 503 */
#define TQ_PARALLEL_GETS 16 /* ranged GETs in flight for one query */
#define TQ_MAX_ROW_GROUP (256u << 20) /* the largest row group fetched */

/* What the host fills from the key table. */
typedef struct tq_cfg {
    const char *endpoint;
    const otelc_node *tls, *auth; /* confighttp's; the host reads them */
    const char *region, *s3_bucket, *s3_prefix, *s3_base_prefix, *s3_partition_format;
    const char *s3_endpoint;
    bool s3_force_path_style, disable_ssl, insecure_skip_verify;
    const char *ca_file, *access_key_id, *secret_access_key, *session_token;
    int64_t lookback_ns, list_interval_ns;
    uint64_t cache_max_size;
    const char *cache_directory;
    bool compact_enabled;
    int64_t compact_interval_ns, compact_min_age_ns, compact_min_files, compact_group_rows;
    uint64_t compact_max_file_size;
} tq_cfg;

/* Checked compaction settings. */
typedef struct tq_compact_settings {
    bool enabled;
    int64_t interval_ns, min_age_ns;
    size_t min_files, group_rows;
    uint64_t max_file_size;
} tq_compact_settings;

/* Checked settings (tq_config.c). */
typedef struct tq_settings {
    s3_endpoint ep;
    char key_prefix[512];   /* "a/b" (no outer '/'), "" for the bucket's root */
    char hour_format[256];  /* the partition format up to its hour */
    int64_t lookback_ns, list_interval_ns;
    uint64_t cache_max_size;
    char cache_dir[1024];   /* "" for none */
    tq_compact_settings compact;
} tq_settings;

/* Checks cfg into *out; -1 with a reason naming the key in err. Pure. */
int tq_settings_init(tq_settings *out, const tq_cfg *cfg, char *err, size_t n);

extern const otelc_cfg_key tq_config_keys[];

typedef struct tq_query tq_query;
typedef void (*query_fn)(tq_query *q, otelc_http_req *req);

typedef struct query_job {
    query_fn fn;
    otelc_http_req *req;
    struct query_job *next;
} query_job;

/* A route: what its handler queues. */
typedef struct query_route {
    tq_query *q;
    query_fn fn;
} query_route;

typedef struct tq_table tq_table;
typedef struct tq_disk tq_disk;

struct tq_query {
    const otelc_host_api *api;
    otelc_ctx *ctx;
    const tq_cfg *cfg;
    tq_settings set;
    s3_reader *reader;
    tq_table *table;
    tq_disk *disk; /* NULL: no cache.directory */
    query_route routes[8];

    pthread_mutex_t mu;
    pthread_cond_t cv;
    query_job *head, **tail; /* under mu */
    size_t queued;           /* under mu */
    bool open;               /* under mu: taking requests */
    pthread_t workers[QUERY_WORKERS];
    size_t nworkers;
    otelc_series *files_skipped, *gets, *bytes_read;

    /* Compaction (tq_compact.c): its thread naps on compact_cv under mu. */
    pthread_cond_t compact_cv;
    pthread_t compactor;
    bool compacting;
    otelc_series *compact_outputs, *compact_files, *compact_spans, *compact_failures;
};

/* Answers with status and a one-line JSON error {"error": msg}. */
void query_fail(tq_query *q, otelc_http_req *req, int status, const char *msg);

/* The handlers. */
void q_spans(tq_query *q, otelc_http_req *req);
void q_services(tq_query *q, otelc_http_req *req);
void q_operations(tq_query *q, otelc_http_req *req);
void q_operations_v2(tq_query *q, otelc_http_req *req);
void q_search(tq_query *q, otelc_http_req *req);
void q_trace(tq_query *q, otelc_http_req *req);
void q_trace_v2(tq_query *q, otelc_http_req *req);

/* ---- the disk cache of file tails (tq_disk.c) ---- */

/* A cache under dir (created) of at most max_bytes for the objects of
 * space (the bucket's endpoint and name: entries of two buckets never
 * mix); NULL when dir is NULL or "" (no cache), or with a reason in err
 * when it cannot be made. */
tq_disk *tq_disk_open(const char *dir, const char *space, uint64_t max_bytes, char *err,
                      size_t n);
void tq_disk_close(tq_disk *d); /* NULL is fine */
/* The tail of object key (size bytes) kept earlier: 0 with *data
 * (malloc'd, the caller frees; one spare byte past len) of *len bytes
 * starting at *offset in the object; -1 when not kept (d may be NULL). */
int tq_disk_get(tq_disk *d, const char *key, uint64_t size, uint8_t **data, size_t *len,
                uint64_t *offset);
/* Keeps a tail (data only read), best effort. d may be NULL. Any thread. */
void tq_disk_put(tq_disk *d, const char *key, uint64_t size, const uint8_t *data, size_t len,
                 uint64_t offset);

/* ---- the table (tq_table.c) ---- */

tq_table *tq_table_new(uint64_t max_bytes);

/* The listing prefix of the hour holding ns ("prefix/year=.../hour=HH/"). */
void tq_hour_prefix(const tq_query *q, int64_t ns, char *out, size_t n);
void tq_table_free(tq_table *t);

/* A span read from the table, during a scan. */
typedef struct tq_hit {
    const pq_span_summary *s;
    const char *key;  /* its file (valid while the extension runs) */
    uint64_t size;    /* the file's size as listed */
    int64_t hour_ns;  /* the partition hour: every span in it starts before
                       * hour_ns + 1h (a batch is partitioned by the time it
                       * was queued, after its spans started) */
    uint32_t rg, row; /* where in the file */
} tq_hit;

#define TQ_HOUR_NS (3600 * 1000000000LL)

/* Called per span; non-zero stops the scan. */
typedef int (*tq_hit_fn)(void *arg, const tq_hit *h);

/* What a scan looks at: spans starting in [start, end]; service (NULL:
 * any) lets row groups whose ServiceName range excludes it be skipped. */
typedef struct tq_scope {
    int64_t start, end;
    const char *service;
    /* May be NULL. The start time below which the caller wants no more
     * spans, asked before each row group: one whose Timestamp statistics
     * end earlier is not fetched (a newest-first pick that is full). */
    int64_t (*floor)(void *arg);
    void *floor_arg;
} tq_scope;

/*
 * Calls fn for the spans of the table within scope, newest partitions
 * first (spans within a file in file order). Files that are not Parquet,
 * are cut short or are foreign are skipped with a warning and counted.
 * Returns 0 (also when fn stopped it), or an HTTP status (502 the bucket
 * failed, 503 shutting down, 500 no memory) with a reason in err. Query
 * threads.
 */
int tq_scan(tq_query *q, const tq_scope *sc, tq_hit_fn fn, void *arg, char *err, size_t n);

/* A span's place in the table, as a scan met it (key: the caller's). */
typedef struct tq_loc {
    const char *key;
    uint64_t size;
    uint32_t rg, row;
} tq_loc;

/* Called with spans read whole: an ExportTraceServiceRequest (pb lent
 * for the call) holding some of the rows asked for. */
typedef void (*tq_rows_fn)(void *arg, const uint8_t *pb, size_t len);

/*
 * Reads the spans at locs[0..n) whole (locs is reordered) and hands them
 * to fn, one call per row group. Returns 0, TQ_GONE when a file went away
 * since the scan that found the spans (compaction merged it: scan again),
 * or a status as tq_scan.
 */
#define TQ_GONE 410
int tq_read_rows(tq_query *q, tq_loc *locs, size_t n, tq_rows_fn fn, void *arg, char *err,
                 size_t errn);

/* One operation: a span name of a service with its kind. */
typedef struct tq_op {
    pq_view service, name;
    uint8_t kind;
} tq_op;

/* Called per distinct operation of a file (operations repeat across
 * files); non-zero stops. */
typedef int (*tq_op_fn)(void *arg, const tq_op *op);

/*
 * Calls fn with the operations of every file of [start, end] (by
 * partition time). A file's operations are read once (all its row
 * groups' summaries) and kept with its footer. Returns 0, or a status as
 * tq_scan.
 */
int tq_operations(tq_query *q, int64_t start, int64_t end, tq_op_fn fn, void *arg, char *err,
                  size_t n);

struct trace_build;
/*
 * Gathers trace tid from the files of [start, end] (by partition time)
 * into *t (initialized here; finish with trace_build_fini): bloom filters
 * first, then TraceId statistics, then the rows. Returns 0, 404 when no
 * span was found, or a status as tq_scan. *inspected: bytes fetched.
 */
int tq_load_trace(tq_query *q, const uint8_t tid[16], int64_t start, int64_t end,
                  struct trace_build *t, uint64_t *inspected, char *err, size_t n);

#endif /* OTELC_TQ_TRACE_QUERY_H */
