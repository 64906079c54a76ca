/*
 * fuzz_qparams: the query API's parameter readers (trace_query's
 * qparams.c and timeparse.c) on arbitrary values, as a client sends them
 * in a URL: limits, RFC 3339 and unix times, Go durations, trace ids and
 * Jaeger's JSON tags. Each either reads a value or answers "bad parameter
 * <name>: ..."; a trace id read is 16 bytes whatever its length was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qparams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed read must say which parameter. */
static void check(int rc, const char *err, const char *name)
{
    if (rc != 0 && (strncmp(err, "bad parameter ", 14) != 0 || !strstr(err, name)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    char err[256];
    if (!v)
        return 0;
    memcpy(v, data, size);
    v[size] = 0;
    size_t limit;
    int64_t ns = 0;
    uint8_t id[16];
    jaeger_tag_cond *tags = NULL;
    size_t ntags = 0;
    check(qp_limit("limit", v, 100, 10000, &limit, err, sizeof(err)), err, "limit");
    check(qp_time("start", v, &ns, err, sizeof(err)), err, "start");
    check(qp_time_us("end", v, &ns, err, sizeof(err)), err, "end");
    int rc = qp_duration("minDuration", v, &ns, err, sizeof(err));
    check(rc, err, "minDuration");
    if (rc == 0 && *v && ns < 0)
        abort(); /* durations are never negative */
    check(qp_trace_id("traceId", v, id, err, sizeof(err)), err, "traceId");
    rc = qp_tags("tags", v, &tags, &ntags, err, sizeof(err));
    check(rc, err, "tags");
    for (size_t i = 0; rc == 0 && i < ntags; i++)
        if (!tags[i].key || !tags[i].value)
            abort();
    qp_tags_free(tags, ntags);
    free(v);
    return 0;
}
