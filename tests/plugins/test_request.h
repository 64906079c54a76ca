/* Builds valid OTLP ExportTraceServiceRequests for test plugins. */
#ifndef OTELC_TEST_REQUEST_H
#define OTELC_TEST_REQUEST_H

#include <stddef.h>
#include <stdint.h>

/* A request of one resource (service.name = service) and one scope holding
 * nspans spans; span i gets span id (seq << 20 | i) and trace id
 * (seq, i / 4), so ids are unique per seq. Returns a malloc'd buffer the
 * caller frees and sets *len, or NULL. */
uint8_t *test_request_build(const char *service, uint32_t nspans, uint64_t seq, size_t *len);

#endif
