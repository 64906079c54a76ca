/*
 * micro_s3: the awss3 exporter's per-batch work on one core: encoding an
 * object (OTLP protobuf or JSON, gzip or zstd at level 1, or the Parquet
 * trace table, also as spans/s and bytes per span) from a batch the
 * size read-side batching makes (82 requests of 100 spans, each built
 * from its own seed so the compressor sees no repeats; the per-span
 * figures also for the shipped pipeline's 65,600-span batches), the payload
 * SHA-256, and SigV4 signatures; and a 10 000-span Parquet file read
 * back as a query does, as span summaries and as OTLP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "bench_report.h"
#include "bench_request.h"
#include "encode.h"
#include "parquet/parquet.h"
#include "s3/sigv4.h"

#define SECONDS 1.0
#define REQUESTS 82
#define SPANS 100

#define BIG_REQUESTS 656 /* 65,600 spans: the shipped pipeline's batches (min_size 65536) */

typedef struct batch {
    struct iovec *seg;
    int n; /* requests of SPANS spans */
    uint64_t total;
} batch;

static void batch_free(batch *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->seg[i].iov_base);
    free(b->seg);
}

static int batch_build(batch *b, int n)
{
    b->total = 0;
    b->n = n;
    if (!(b->seg = calloc((size_t)n, sizeof(*b->seg))))
        return -1;
    for (int i = 0; i < n; i++) {
        size_t len;
        b->seg[i].iov_base = bench_request(SPANS, (uint64_t)i + 1, &len);
        if (!b->seg[i].iov_base) {
            b->n = i;
            batch_free(b);
            return -1;
        }
        b->seg[i].iov_len = len;
        b->total += len;
    }
    return 0;
}


typedef struct encoded {
    uint64_t in, out, batches;
    double cpu;
} encoded;

/* Encodes the batch again and again for SECONDS. */
static encoded measure(const char *name, const batch *b, awss3_marshaler m, awss3_compression c)
{
    encoded e = {0};
    double t0 = bench_now(), c0 = bench_cpu();
    while (bench_now() - t0 < SECONDS) {
        uint8_t *obj = NULL;
        size_t len = 0;
        if (s3_encode(m, OTELC_TRACES, c, b->seg, (size_t)b->n, b->total, &obj, &len) != 0) {
            fprintf(stderr, "%s: encoding failed\n", name);
            exit(1);
        }
        free(obj);
        e.in += b->total;
        e.out += len;
        e.batches++;
    }
    e.cpu = bench_cpu() - c0;
    return e;
}

static void encode(const char *name, const batch *b, awss3_marshaler m, awss3_compression c)
{
    encoded e = measure(name, b, m, c);
    /* MB/s of the batch's protobuf bytes; the ratio object/protobuf. */
    bench_report(name, (double)e.in / e.cpu / 1e6, "MB/s proto", 100.0 * (double)e.out / (double)e.in,
                 "% of proto");
}

/* The same for OTLP/JSON in spans/s and MB/s of the JSON written (before
 * compression): the writer's figures when it feeds the compressor. */
static void encode_json_spans(const char *name, const batch *b, awss3_compression c)
{
    uint8_t *json = NULL;
    size_t json_len = 0;
    if (s3_encode(AWSS3_OTLP_JSON, OTELC_TRACES, AWSS3_COMPRESS_NONE, b->seg, (size_t)b->n,
                  b->total, &json, &json_len) != 0)
        exit(1);
    free(json);
    encoded e = measure(name, b, AWSS3_OTLP_JSON, c);
    bench_report(name, (double)(e.batches * (uint64_t)b->n * SPANS) / e.cpu, "spans/s",
                 (double)(e.batches * json_len) / e.cpu / 1e6, "MB/s json");
}

/* The same spans as the objects people query: spans per CPU second and
 * stored bytes per span. */
static void per_span(const char *name, const batch *b, awss3_marshaler m, awss3_compression c)
{
    encoded e = measure(name, b, m, c);
    double spans = (double)e.batches * b->n * SPANS;
    bench_report(name, spans / e.cpu, "spans/s", (double)e.out / spans, "B/span");
}

static void payload_hash(const batch *b)
{
    char hex[SIGV4_HASH_HEX_SIZE];
    double t0 = bench_now(), c0 = bench_cpu();
    uint64_t in = 0;
    while (bench_now() - t0 < SECONDS) {
        if (sigv4_payload_hash(b->seg, (size_t)b->n, hex) != SIGV4_OK)
            exit(1);
        in += b->total;
    }
    bench_report("sigv4 payload sha-256", (double)in / (bench_cpu() - c0) / 1e6, "MB/s", 0, NULL);
}

/* A PUT as the exporter signs it: payload hash known, a few headers. */
static void signatures(void)
{
    static const sigv4_pair headers[] = {{"content-type", "application/x-protobuf"},
                                         {"content-encoding", "zstd"},
                                         {"content-length", "1048576"}};
    const sigv4_credentials creds = {"S3RVER", "S3RVER", NULL};
    const sigv4_scope scope = {"us-east-1", "s3", 1767225600, 0};
    sigv4_request req = {
        .method = "PUT",
        .path = "/bench/traces/year=2026/month=01/day=01/hour=00/minute=00/"
                "traces_1880a2b4c5d6e7f8-0123456789abcdef.binpb.zst",
        .host = "127.0.0.1:4566",
        .headers = headers,
        .n_headers = 3,
        .payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    };
    sigv4_signer *s = sigv4_signer_new();
    sigv4_result out;
    long n = 0;
    if (!s)
        exit(1);
    double t0 = bench_now(), c0 = bench_cpu();
    while (bench_now() - t0 < SECONDS) {
        for (int i = 0; i < 100; i++, n++)
            if (sigv4_sign(s, &creds, &scope, &req, &out, NULL) != SIGV4_OK)
                exit(1);
    }
    bench_report("sigv4 sign (PUT, key cached)", (double)n / (bench_cpu() - c0), "sigs/s", 0,
                 NULL);
    sigv4_signer_free(s);
}

/* A row group read back: summaries or every row as OTLP, rows per CPU
 * second and MB/s of the row group's bytes. */
typedef struct pq_file {
    uint8_t *p;
    pq_file_meta *m;
    int64_t off, len;
} pq_file;

static int read_once(const pq_file *f, bool otlp, size_t *rows)
{
    const uint8_t *p = f->p + f->off;
    if (!otlp) {
        pq_summaries *s = NULL;
        int rc = pq_traces_summaries(f->m, 0, p, f->off, (size_t)f->len, &s);
        *rows = rc == 0 ? s->n : 0;
        pq_summaries_free(s);
        return rc;
    }
    uint8_t *out = NULL;
    size_t out_len;
    int rc = pq_traces_otlp(f->m, 0, p, f->off, (size_t)f->len, NULL, 0, &out, &out_len);
    *rows = rc == 0 ? (size_t)f->m->num_rows : 0;
    free(out);
    return rc;
}

static void read_rows(const char *name, const pq_file *f, bool otlp)
{
    uint64_t rows = 0, bytes = 0;
    double t0 = bench_now(), c0 = bench_cpu();
    while (bench_now() - t0 < SECONDS) {
        size_t n;
        if (read_once(f, otlp, &n) != 0) {
            fprintf(stderr, "%s: reading failed\n", name);
            exit(1);
        }
        rows += n;
        bytes += (uint64_t)f->len;
    }
    double cpu = bench_cpu() - c0;
    bench_report(name, (double)rows / cpu, "rows/s", (double)bytes / cpu / 1e6, "MB/s file");
}

static void read_back(void)
{
    enum { READ_REQUESTS = 100 };
    struct iovec seg[READ_REQUESTS];
    pq_file f = {0};
    size_t len, rows;
    for (int i = 0; i < READ_REQUESTS; i++) {
        seg[i].iov_base = bench_request(SPANS, (uint64_t)i + 1, &seg[i].iov_len);
        if (!seg[i].iov_base)
            exit(1);
    }
    if (pq_traces_write(NULL, seg, READ_REQUESTS, &f.p, &len, &rows) != 0 ||
        pq_file_footer(f.p, len, &f.m) != 0 || pq_row_group_range(f.m, 0, &f.off, &f.len) != 0)
        exit(1);
    printf("# parquet read: %zu spans, row group of %lld bytes\n", rows, (long long)f.len);
    read_rows("read parquet summaries", &f, false);
    read_rows("read parquet rows as otlp", &f, true);
    for (int i = 0; i < READ_REQUESTS; i++)
        free(seg[i].iov_base);
    pq_file_meta_free(f.m);
    free(f.p);
}

int main(void)
{
    batch b, big;
    if (batch_build(&b, REQUESTS) != 0)
        return 1;
    if (batch_build(&big, BIG_REQUESTS) != 0) {
        batch_free(&b);
        return 1;
    }
    printf("# s3: batch of %d requests x %d spans, %llu bytes; figures per core\n", REQUESTS,
           SPANS, (unsigned long long)b.total);
    encode("encode otlp_proto zstd-1", &b, AWSS3_OTLP_PROTO, AWSS3_COMPRESS_ZSTD);
    encode("encode otlp_proto gzip-1", &b, AWSS3_OTLP_PROTO, AWSS3_COMPRESS_GZIP);
    encode("encode otlp_json zstd-1", &b, AWSS3_OTLP_JSON, AWSS3_COMPRESS_ZSTD);
    encode("encode otlp_json gzip-1", &b, AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP);
    encode("encode otlp_json none", &b, AWSS3_OTLP_JSON, AWSS3_COMPRESS_NONE);
    encode_json_spans("encode otlp_json gzip-1 spans", &b, AWSS3_COMPRESS_GZIP);
    encode_json_spans("encode otlp_json none spans", &b, AWSS3_COMPRESS_NONE);
    encode("encode parquet zstd-1 pages", &b, AWSS3_PARQUET, AWSS3_COMPRESS_NONE);
    per_span("spans otlp_json gzip-1", &b, AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP);
    per_span("spans otlp_proto zstd-1", &b, AWSS3_OTLP_PROTO, AWSS3_COMPRESS_ZSTD);
    per_span("spans parquet", &b, AWSS3_PARQUET, AWSS3_COMPRESS_NONE);
    per_span("spans otlp_json gzip-1 65600", &big, AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP);
    per_span("spans parquet 65600", &big, AWSS3_PARQUET, AWSS3_COMPRESS_NONE);
    payload_hash(&b);
    signatures();
    read_back();
    batch_free(&b);
    batch_free(&big);
    return 0;
}
