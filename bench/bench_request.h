/* bench_request.h: the realistic request every benchmark sends: spans of
 * 5 services in traces of 10, parent links, ~10 attributes each, some
 * errors with exception events. */
#ifndef OTELC_BENCH_REQUEST_H
#define OTELC_BENCH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* A serialized ExportTraceServiceRequest of nspans spans (malloc'd; the
 * caller frees it) and its length in *len; NULL if memory ran out. */
uint8_t *bench_request(uint32_t nspans, uint64_t seed, size_t *len);

#endif
