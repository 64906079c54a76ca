/*
 * metadata.h: request headers kept as batch metadata (include_metadata).
 *
 * Collects a stream's header pairs into one growing arena while HTTP/2
 * delivers them, then hands out the pairs sorted by key, as batch metadata
 * requires. Pseudo-headers and the transport's own headers (content-type,
 * te, grpc-encoding, grpc-accept-encoding, grpc-timeout; for HTTP also
 * its framing headers) are not kept.
 * One collector per stream, one thread at a time.
 */
#ifndef OTELC_OTLP_METADATA_H
#define OTELC_OTLP_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

typedef struct otlp_meta {
    char *mem;        /* "name\0value\0" records */
    size_t len, cap;
    size_t n;         /* records */
    otelc_kv *pairs;  /* built by otlp_meta_pairs */
} otlp_meta;

/* True when a header of that name is kept (gRPC: names are lower-case). */
int otlp_meta_wanted(const uint8_t *name, size_t nlen);

/* The same for OTLP/HTTP, names in any case: also leaves out the headers
 * of HTTP's own framing (host, content-length, content-encoding,
 * connection, transfer-encoding, expect, upgrade, ...). */
int otlp_meta_wanted_http(const uint8_t *name, size_t nlen);

/* Copies one header (borrowed bytes), its name lower-cased, so that keys
 * agree whatever the transport. 0, or -1 without memory. */
int otlp_meta_add(otlp_meta *m, const uint8_t *name, size_t nlen, const uint8_t *value,
                  size_t vlen);

/* The pairs sorted by key (stable for equal keys); they point into m and
 * live until otlp_meta_free. 0, or -1 without memory. */
int otlp_meta_pairs(otlp_meta *m, const otelc_kv **pairs, size_t *n);

void otlp_meta_free(otlp_meta *m);

#endif /* OTELC_OTLP_METADATA_H */
