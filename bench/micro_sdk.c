/*
 * micro_sdk: the SDK's hot functions on the benchmark request, one core:
 * wire walker and validation in spans/s, OTLP/JSON writer and reader in
 * MB/s of JSON.
 */
#include <stdio.h>
#include <stdlib.h>

#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/otlp_walk.h>

#include "bench_clock.h"
#include "bench_report.h"
#include "bench_request.h"

#define SECONDS 1.0
#define SPANS 100

static volatile size_t sink;

static size_t walk_once(const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t n = 0;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &s) > 0)
            while (otlp_walk_span(&w, &sp) > 0)
                n += sp.name.len != 0;
    return n;
}

/* One pass over the request: spans handled, bytes of the measured form. */
typedef size_t (*bench_fn)(const uint8_t *buf, size_t len, size_t *bytes_out);

static size_t b_walk(const uint8_t *buf, size_t len, size_t *bytes)
{
    *bytes = len;
    return walk_once(buf, len);
}

static size_t b_validate(const uint8_t *buf, size_t len, size_t *bytes)
{
    size_t n = 0;
    *bytes = len;
    otlp_validate_request(buf, len, &n, NULL);
    return n;
}

static struct otlp_buf json_out;

static size_t b_json_write(const uint8_t *buf, size_t len, size_t *bytes)
{
    json_out.len = 0;
    otlp_json_write_buf(buf, len, &json_out);
    *bytes = json_out.len;
    return SPANS;
}

static size_t b_json_read(const uint8_t *buf, size_t len, size_t *bytes)
{
    uint8_t *pb = NULL;
    size_t pb_len = 0;
    char err[128];
    (void)buf;
    (void)len;
    otlp_json_read(json_out.data, json_out.len, &pb, &pb_len, err, sizeof(err));
    free(pb);
    *bytes = json_out.len;
    return SPANS;
}

static void run(const char *name, bench_fn fn, const uint8_t *buf, size_t len, const char *unit2)
{
    size_t spans = 0, bytes = 0, b;
    double t0 = bench_now(), c0 = bench_cpu();
    while (bench_now() - t0 < SECONDS) {
        for (int i = 0; i < 100; i++) {
            spans += fn(buf, len, &b);
            bytes += b;
        }
    }
    double cpu = bench_cpu() - c0;
    sink += spans;
    /* Per CPU second: one thread, so this is per core. */
    bench_report(name, (double)spans / cpu, "spans/s", (double)bytes / cpu / 1e6, unit2);
}

int main(void)
{
    size_t len;
    uint8_t *buf = bench_request(SPANS, 1, &len);
    if (!buf)
        return 1;
    printf("# sdk: request of %d spans, %zu bytes; figures per core\n", SPANS, len);
    run("walker", b_walk, buf, len, "MB/s proto");
    run("validate", b_validate, buf, len, "MB/s proto");
    run("otlp/json write", b_json_write, buf, len, "MB/s json");
    run("otlp/json read", b_json_read, buf, len, "MB/s json");
    otlp_buf_free(&json_out);
    free(buf);
    return 0;
}
