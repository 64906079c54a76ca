/*
 * stats.c: request counters and the latency histogram.
 */
#include "stats.h"

#include <math.h>
#include <string.h>

#define SUB_BITS 5
#define SUB_COUNT (1u << SUB_BITS)
#define EXACT_BELOW ((uint64_t)2 * SUB_COUNT)    /* values with a bucket each */

void stats_init(client_stats *st)
{
    memset(st, 0, sizeof(*st));
}

/* Below EXACT_BELOW a bucket per value; above, SUB_COUNT buckets per octave. */
static size_t bucket_of(uint64_t v)
{
    if (v < EXACT_BELOW)
        return (size_t)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - SUB_BITS;
    return (size_t)(shift + 1) * SUB_COUNT + (size_t)((v >> shift) - SUB_COUNT);
}

static uint64_t bucket_top(size_t i)
{
    if (i < EXACT_BELOW)
        return i;
    unsigned shift = (unsigned)(i / SUB_COUNT) - 1;
    uint64_t low = (uint64_t)(SUB_COUNT + i % SUB_COUNT) << shift;
    return low + ((uint64_t)1 << shift) - 1;
}

void stats_record(client_stats *st, int code, uint32_t spans, uint64_t latency_ns,
                  const char *message)
{
    uint64_t us = (latency_ns + 500) / 1000;

    if (code < 0 || code >= GRPC_CODE_COUNT)
        code = GRPC_UNKNOWN;
    st->requests++;
    st->by_code[code]++;
    if (code == GRPC_OK)
        st->spans_ok += spans;
    else
        st->spans_failed += spans;
    if (code != GRPC_OK && message && message[0] && !st->first_message[code][0])
        snprintf(st->first_message[code], STATS_MESSAGE, "%s", message);
    st->buckets[bucket_of(us)]++;
    if (us > st->latency_max_us)
        st->latency_max_us = us;
}

void stats_rejected(client_stats *st, int64_t rejected, const char *message)
{
    if (rejected > 0)
        st->spans_rejected += (uint64_t)rejected;
    if (message && message[0] && !st->rejected_message[0])
        snprintf(st->rejected_message, STATS_MESSAGE, "%s", message);
}

uint64_t stats_latency_us(const client_stats *st, double q)
{
    uint64_t rank = (uint64_t)ceil(q * (double)st->requests), seen = 0;

    if (st->requests == 0)
        return 0;
    if (rank == 0)
        rank = 1;
    for (size_t i = 0; i < STATS_BUCKETS; i++) {
        seen += st->buckets[i];
        if (seen >= rank)
            return bucket_top(i) < st->latency_max_us ? bucket_top(i) : st->latency_max_us;
    }
    return st->latency_max_us;
}

bool stats_failed(const client_stats *st)
{
    return st->requests != st->by_code[GRPC_OK] || st->spans_rejected > 0;
}

void stats_print(const client_stats *st, FILE *out, double elapsed_s)
{
    uint64_t failed = st->requests - st->by_code[GRPC_OK];
    uint64_t accepted = st->spans_ok > st->spans_rejected ? st->spans_ok - st->spans_rejected : 0;

    fprintf(out, "requests: %llu sent, %llu ok, %llu failed\n",
            (unsigned long long)st->requests, (unsigned long long)st->by_code[GRPC_OK],
            (unsigned long long)failed);
    for (int c = 0; c < GRPC_CODE_COUNT; c++)
        if (st->by_code[c])
            fprintf(out, "  grpc-status %2d %-19s %10llu%s%s\n", c, grpc_code_label(c),
                    (unsigned long long)st->by_code[c], st->first_message[c][0] ? "  " : "",
                    st->first_message[c]);
    fprintf(out, "spans: %llu acknowledged, %llu failed, %llu rejected%s%s\n",
            (unsigned long long)accepted, (unsigned long long)st->spans_failed,
            (unsigned long long)st->spans_rejected, st->rejected_message[0] ? ": " : "",
            st->rejected_message);
    if (elapsed_s > 0)
        fprintf(out, "rate: %.0f spans/s, %.1f requests/s over %.3f s\n",
                (double)accepted / elapsed_s, (double)st->requests / elapsed_s, elapsed_s);
    fprintf(out, "latency: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            (double)stats_latency_us(st, 0.50) / 1000.0,
            (double)stats_latency_us(st, 0.99) / 1000.0, (double)st->latency_max_us / 1000.0);
}
