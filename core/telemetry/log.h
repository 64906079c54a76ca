/* The host's logger: one line per event, "LEVEL component: message", on
 * stderr (or a sink a test installs). The level comes from OTELC_LOG
 * (error|warn|info|debug, default info); service.telemetry.logs.level may
 * set it when OTELC_LOG is not set.
 *
 * Every function here may be called from any thread: lines are written
 * whole, never interleaved, and the level is read atomically. */
#ifndef OTELC_LOG_H
#define OTELC_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* The levels are the plugin ABI's (OTELC_LOG_ERROR ... OTELC_LOG_DEBUG). */
#include <otelc/plugin.h>

/* Writes one event if `level` is enabled. `component` names the source
 * ("config", "awss3/primary"); NULL reads as "otelc". Newlines inside the
 * message become spaces so that an event stays one line; a message longer
 * than the line buffer (4 KiB) is cut and ends in "...". */
void otelc_log(otelc_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void otelc_vlog(otelc_log_level level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* True when events of `level` are written; lets callers skip costly
 * formatting. */
bool otelc_log_enabled(otelc_log_level level);

void otelc_log_set_level(otelc_log_level level);
otelc_log_level otelc_log_get_level(void);

/* Parses "error", "warn", "info" or "debug" (any case; "warning" too).
 * Returns 0 and stores the level, or -1 and leaves *out alone. */
int otelc_log_level_parse(const char *text, otelc_log_level *out);

/* Sets the level from OTELC_LOG. Returns 1 when the variable set it, 0 when
 * the variable is unset or empty (level untouched), -1 when its value is
 * not a level (a warning is logged, level untouched). */
int otelc_log_init_from_env(void);

/* Where lines go instead of stderr: `sink` gets each finished line without
 * its newline; the line is valid only during the call. `sink` runs under the
 * logger's lock, so it must not log. NULL restores stderr. */
typedef void (*otelc_log_sink)(void *arg, otelc_log_level level, const char *line);
void otelc_log_set_sink(otelc_log_sink sink, void *arg);

#endif
