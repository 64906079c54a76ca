/*
 * otlp_deep_walk.h: a walk over everything the OTLP walker can reach, shared
 * by the unit tests and the fuzz target.
 */
#ifndef OTELC_TEST_OTLP_DEEP_WALK_H
#define OTELC_TEST_OTLP_DEEP_WALK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Walks resources, scopes, spans, every attribute list, events, links and
 * nested values to the bottom. Returns OTLP_OK with *spans set, or the
 * first negative OTLP_E* code.
 */
int fx_deep_walk(const uint8_t *buf, size_t len, size_t *spans);

#endif /* OTELC_TEST_OTLP_DEEP_WALK_H */
