/*
 * stats.h: what the example client counts and prints at the end:
 * requests per gRPC status (with the first message seen for each), spans
 * acknowledged, failed and rejected by partial success, and request
 * latency in a log-linear histogram (32 buckets per power of two, so
 * percentiles are within about 3 %). Fixed size, no allocation; one
 * thread at a time.
 */
#ifndef OTELC_CLIENT_STATS_H
#define OTELC_CLIENT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "grpc_frame.h"

#define STATS_BUCKETS 2048
#define STATS_MESSAGE 128

typedef struct client_stats {
    uint64_t by_code[GRPC_CODE_COUNT];
    char first_message[GRPC_CODE_COUNT][STATS_MESSAGE];
    uint64_t requests;
    uint64_t spans_ok;          /* in OK answers, rejected ones included */
    uint64_t spans_failed;
    uint64_t spans_rejected;    /* inside OK answers, by partial success */
    char rejected_message[STATS_MESSAGE];
    uint64_t latency_max_us;
    uint64_t buckets[STATS_BUCKETS];
} client_stats;

void stats_init(client_stats *st);

/*
 * Counts one finished request of `spans` spans that ended with gRPC
 * `code` after latency_ns; message (borrowed, may be NULL or empty) is
 * kept if it is the first for that failing code.
 */
void stats_record(client_stats *st, int code, uint32_t spans, uint64_t latency_ns,
                  const char *message);

/* Counts spans an OK answer reported as rejected (partial success). */
void stats_rejected(client_stats *st, int64_t rejected, const char *message);

/*
 * The latency, in microseconds, at quantile q (0 < q <= 1): the upper
 * edge of the bucket holding it; 0 when nothing was recorded.
 */
uint64_t stats_latency_us(const client_stats *st, double q);

/* True if any request ended other than OK or any span was rejected. */
bool stats_failed(const client_stats *st);

/* The summary, several lines, to out. */
void stats_print(const client_stats *st, FILE *out, double elapsed_s);

#endif /* OTELC_CLIENT_STATS_H */
