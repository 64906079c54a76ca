/* bench_request.h: the request every benchmark sends: the example
 * client's web-shop traffic (5 services, ~10 attributes per span, parent
 * links, now and then an error with an exception event), the very bytes
 * `otelc-client --replay --seed N` sends. */
#ifndef OTELC_BENCH_REQUEST_H
#define OTELC_BENCH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* A serialized ExportTraceServiceRequest of nspans spans built from seed
 * (malloc'd; the caller frees it) and its length in *len; NULL if memory
 * ran out or nspans is 0. Any thread. */
uint8_t *bench_request(uint32_t nspans, uint64_t seed, size_t *len);

#endif
