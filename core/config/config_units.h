/* Text to durations and byte sizes, as config values spell them.
 *
 * Durations use Go's syntax, as the collector does: an optional sign, then
 * one or more decimal numbers each with a unit, "200ms", "1m30s", "1.5s",
 * "300us" (also "µs"), "ns", "ms", "s", "m", "h"; "0" alone needs no unit.
 * The result is in nanoseconds and must fit an int64.
 *
 * Sizes are a whole number of bytes with an optional unit: B, KB/kB (10^3),
 * MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024); a
 * plain number is bytes. The result must fit a uint64.
 *
 * Pure functions; safe from any thread. */
#ifndef OTELC_CONFIG_UNITS_H
#define OTELC_CONFIG_UNITS_H

#include <stdint.h>

/* Returns NULL and stores the duration in *out_ns, or returns a static
 * message saying what is wrong ("missing unit", ...) and leaves *out_ns
 * alone. */
const char *otelc_parse_duration(const char *text, int64_t *out_ns);

/* Returns NULL and stores the size in *out_bytes, or a static message. */
const char *otelc_parse_size(const char *text, uint64_t *out_bytes);

#endif
