/*
 * tracebuild.h: one trace's spans gathered out of stored requests into a
 * request of their own (ExportTraceServiceRequest bytes, which are also
 * OTLP TracesData and Tempo's Trace on the wire), keeping each span's
 * resource and scope. A span met twice (the same batch stored twice) is
 * kept once.
 *
 * Threads: a build is used by one thread; builds share nothing.
 */
#ifndef OTELC_TQ_TRACEBUILD_H
#define OTELC_TQ_TRACEBUILD_H

#include <stddef.h>
#include <stdint.h>

typedef struct trace_build {
    uint8_t trace_id[16];
    uint8_t *buf; /* the request so far (malloc'd; the caller may take it) */
    size_t len, cap;
    size_t spans;
    /* The span ids kept so far (open addressing; 0 marks a free slot). */
    uint64_t *seen;
    size_t seen_cap;
    int failed; /* memory ran out */
} trace_build;

/* Starts gathering trace_id. */
void trace_build_init(trace_build *t, const uint8_t trace_id[16]);

/*
 * Appends the spans of the trace found in request pb (len bytes; only
 * read). Returns 0, a negative OTLP_E* code for a malformed request
 * (what it held before the fault is kept), or -ENOMEM.
 */
int trace_build_add(trace_build *t, const uint8_t *pb, size_t len);

/* Frees what the build holds (buf too, unless the caller took it). */
void trace_build_fini(trace_build *t);

#endif /* OTELC_TQ_TRACEBUILD_H */
