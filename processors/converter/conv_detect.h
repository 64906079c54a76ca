/*
 * conv_detect.h: does any rule touch a request? Answered on the wire.
 */
#ifndef OTELC_PROC_CONV_DETECT_H
#define OTELC_PROC_CONV_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "conv_rules.h"

/*
 * Walks the serialized ExportTraceServiceRequest at buf (borrowed, only
 * read) and answers 1 as soon as some rule would change something, 0 when
 * nothing would, or a negative OTLP_E* code for malformed bytes. Never
 * allocates; any thread (r is read-only).
 *
 * The answer may be 1 for a request the rewrite leaves equal (a coerce
 * that cannot convert, a from_resource key every span has already), never
 * 0 for one it would change.
 */
int conv_touches(const conv_rules *r, const uint8_t *buf, size_t len);

#endif
