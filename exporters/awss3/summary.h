/*
 * summary.h: span summaries of a serialized ExportTraceServiceRequest,
 * taken with the SDK walker (no decoding, no copy of strings).
 */
#ifndef OTELC_AWSS3_SUMMARY_H
#define OTELC_AWSS3_SUMMARY_H

#include <stddef.h>
#include <sys/uio.h>

#include "index.h"

/* The service of spans whose resource has no service.name (OTel's rule). */
#define AWSS3_UNKNOWN_SERVICE "unknown_service"

/*
 * Summarizes the request held in segs[0..n) (each segment a whole
 * request, as batch segments are). On success returns 0 and sets *out to
 * a malloc'd array of *count summaries (the caller frees it; NULL when
 * there are none). Service names point into the segments; span names,
 * cut to IX_NAME_MAX bytes, are held in the array's own block. Spans whose
 * trace id is not 16 bytes or span id not 8 are left out. Returns a
 * negative OTLP_E* code for a malformed request, or -ENOMEM. Pure; any
 * thread.
 */
int awss3_summarize(const struct iovec *segs, size_t n, ix_span **out, size_t *count);

#endif /* OTELC_AWSS3_SUMMARY_H */
