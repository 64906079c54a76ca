/*
 * timeparse.h: the time forms the query API reads: RFC 3339 timestamps
 * (s3/rfc3339.h, shared with S3's LastModified) and Go durations ("1.5s",
 * "100ms", "1h2m"). Pure functions; any thread.
 */
#ifndef OTELC_TQ_TIMEPARSE_H
#define OTELC_TQ_TIMEPARSE_H

#include <stdint.h>

#include "s3/rfc3339.h"

/*
 * Parses a Go duration: a sequence of decimal numbers, each with an
 * optional fraction and a unit of ns, us, µs, ms, s, m or h ("1h2m3.5s").
 * A bare "0" is zero. Negative durations are refused. Returns 0 with
 * nanoseconds in *ns, or -1.
 */
int tq_parse_duration(const char *s, int64_t *ns);

#endif /* OTELC_TQ_TIMEPARSE_H */
