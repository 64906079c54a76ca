/*
 * procstat.h: the process's own CPU time, anonymous memory and uptime, read
 * from /proc, and the collector's process metrics computed from them at
 * every /metrics render.
 */
#ifndef OTELC_CORE_PROCSTAT_H
#define OTELC_CORE_PROCSTAT_H

#include <stdint.h>

#include "metrics.h"

typedef struct procstat {
    double cpu_seconds;      /* user + system CPU time */
    double uptime_seconds;   /* since the kernel started the process */
    uint64_t rss_anon_bytes; /* RssAnon: see procstat.c for why not VmRSS */
} procstat;

/* Reads /proc/self/stat and /proc/self/status into out. Returns 0, or -1
 * when either could not be read or parsed (out is then untouched).
 * Any thread. */
int procstat_read(procstat *out);

/* Parses the text of /proc/<pid>/stat: utime + stime as seconds and the
 * start time (seconds after boot), given the kernel's clock ticks per
 * second. Returns 0 or -1. Pure function. */
int procstat_parse_stat(const char *text, long ticks_per_second, double *cpu_seconds,
                        double *start_seconds);

/* Parses the text of /proc/<pid>/status for RssAnon, in bytes. Returns 0,
 * or -1 when the line is missing or malformed. Pure function. */
int procstat_parse_status(const char *text, uint64_t *rss_anon_bytes);

/* Registers the collector's process series in r and a render hook that
 * refreshes them: otelcol_process_cpu_seconds_total (counter),
 * otelcol_process_memory_rss_bytes (gauge) and
 * otelcol_process_uptime_seconds_total (counter). Returns 0, or -1 if a
 * series or the hook could not be registered. Call once, from any thread. */
int procstat_register_metrics(metrics_registry *r);

#endif
