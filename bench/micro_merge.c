/*
 * micro_merge: compaction's merge on one core: an hour of spans (the
 * example client's traffic, 1 000 000 spans unless argv[1] says) written
 * as small trace-table files of 1 400 spans (a writer's 5 s flushes at
 * about 280 spans/s) to a temporary directory, then merged into one file
 * sorted by TraceId as the trace_query compactor does it: each input read
 * twice (ids, then rows), one at a time. Reports spans/s merged, the
 * output's bytes per span and the peak RSS of the merge (VmHWM, reset
 * after the inputs are written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_clock.h"
#include "bench_report.h"
#include "bench_request.h"
#include "parquet/parquet.h"

#define PER_FILE 1400u
#define PER_REQUEST 100u

static int write_file(const char *dir, size_t i, uint32_t spans)
{
    struct iovec seg[PER_FILE / PER_REQUEST + 1];
    size_t n = 0;
    for (uint32_t done = 0; done < spans; done += PER_REQUEST, n++) {
        uint32_t k = spans - done < PER_REQUEST ? spans - done : PER_REQUEST;
        seg[n].iov_base = bench_request(k, (uint64_t)i * 64 + n + 1, &seg[n].iov_len);
    }
    pq_traces_options o = {.zstd_level = 1};
    uint8_t *out;
    size_t len, rows;
    int rc = pq_traces_write(&o, seg, n, &out, &len, &rows);
    for (size_t j = 0; j < n; j++)
        free(seg[j].iov_base);
    char path[512];
    snprintf(path, sizeof(path), "%s/%06zu.parquet", dir, i);
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    if (f) {
        fwrite(out, 1, len, f);
        fclose(f);
    }
    free(out);
    return f ? 0 : -1;
}

static uint8_t *load(const char *dir, size_t i, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%06zu.parquet", dir, i);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*len);
    if (p && fread(p, 1, *len, f) != *len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

static int feed(pq_merge *mg, const uint8_t *p, size_t len, bool rows)
{
    pq_file_meta *m;
    int rc = pq_file_footer(p, len, &m);
    for (size_t rg = 0; rc == 0 && rg < m->nrow_groups; rg++) {
        int64_t off, n;
        rc = pq_row_group_range(m, rg, &off, &n);
        if (rc == 0)
            rc = rows ? pq_merge_rows(mg, m, rg, p + off, off, (size_t)n)
                      : pq_merge_index(mg, m, rg, p + off, off, (size_t)n);
    }
    pq_file_meta_free(m);
    return rc;
}

static long status_kb(const char *field)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, strlen(field)) == 0)
            kb = strtol(line + strlen(field), NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static void reset_hwm(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static int merge_all(const char *dir, size_t files, uint8_t **out, size_t *len, size_t *rows)
{
    pq_merge_options o = {.write = {.zstd_level = 3}};
    pq_merge *mg;
    int rc = pq_merge_new(&o, &mg);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; rc == 0 && i < files; i++) {
            size_t n;
            uint8_t *p = load(dir, i, &n);
            rc = p ? feed(mg, p, n, pass == 1) : -1;
            free(p);
        }
    if (rc == 0)
        rc = pq_merge_finish(mg, out, len, rows);
    pq_merge_free(mg);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t spans = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    char dir[] = "/tmp/otelc-merge-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    size_t files = (size_t)((spans + PER_FILE - 1) / PER_FILE);
    for (size_t i = 0; i < files; i++)
        if (write_file(dir, i, i + 1 < files ? PER_FILE : (uint32_t)(spans - i * PER_FILE)) != 0)
            return 1;
    long base = status_kb("VmRSS:");
    reset_hwm();
    double c0 = bench_cpu();
    uint8_t *out;
    size_t len, rows;
    int rc = merge_all(dir, files, &out, &len, &rows);
    double cpu = bench_cpu() - c0;
    if (rc != 0)
        return fprintf(stderr, "merge failed: %d\n", rc), 1;
    printf("# merge: %zu files, %zu spans, output %zu bytes; RSS before %ld KiB\n", files, rows,
           len, base);
    bench_report("merge spans (sorted by TraceId)", (double)rows / cpu, "spans/s",
                 (double)len / (double)rows, "B/span");
    bench_report("merge peak RSS", (double)status_kb("VmHWM:") / 1024.0, "MiB", 0, NULL);
    free(out);
    for (size_t i = 0; i < files; i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%06zu.parquet", dir, i);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
