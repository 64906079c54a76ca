/*
 * ml_config.c: the memory_limiter's keys, the limits derived from them
 * (the collector's rules), and reading memory from /proc and the cgroup.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ml.h"

#define MIB (1ull << 20)

const otelc_cfg_key ml_config_keys[] = {
    {"check_interval", OTELC_CFG_DURATION, "0s", "how often memory is measured (required)",
     offsetof(ml_cfg, check_interval_ns), 0},
    {"limit_mib", OTELC_CFG_INT, "0", "the memory limit in MiB",
     offsetof(ml_cfg, limit_mib), 0},
    {"spike_limit_mib", OTELC_CFG_INT, "0",
     "room kept below limit_mib for spikes between checks; 0: 20 % of the limit",
     offsetof(ml_cfg, spike_limit_mib), 0},
    {"limit_percentage", OTELC_CFG_INT, "0",
     "the limit as a percentage of the cgroup's limit, else of total memory",
     offsetof(ml_cfg, limit_percentage), 0},
    {"spike_limit_percentage", OTELC_CFG_INT, "0",
     "the spike room as a percentage of the same; 0: 20 % of the limit",
     offsetof(ml_cfg, spike_limit_percentage), 0},
    {"min_gc_interval_when_soft_limited", OTELC_CFG_DURATION, "10s",
     "above the soft limit, ask the host to give memory back at most this often; 0: never",
     offsetof(ml_cfg, release_soft_ns), 0},
    {"min_gc_interval_when_hard_limited", OTELC_CFG_DURATION, "10s",
     "above the hard limit, ask the host to give memory back at most this often; 0: every check",
     offsetof(ml_cfg, release_hard_ns), 0},
    {0},
};

static int fail(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return -1;
}

static bool percent_ok(int64_t p)
{
    return p >= 0 && p <= 100;
}

/* hard and spike in bytes from the keys; 0 hard when no limit is set. */
static void sizes(const ml_cfg *c, uint64_t total, uint64_t *hard, uint64_t *spike)
{
    if (c->limit_mib > 0) {
        *hard = (uint64_t)c->limit_mib * MIB;
        *spike = (uint64_t)c->spike_limit_mib * MIB;
    } else {
        *hard = total / 100 * (uint64_t)c->limit_percentage;
        *spike = total / 100 * (uint64_t)c->spike_limit_percentage;
    }
    if (*spike == 0)
        *spike = *hard / 5;
}

int ml_limits_of(const ml_cfg *c, uint64_t total, ml_limits *out, char *why, size_t cap)
{
    if (c->check_interval_ns <= 0)
        return fail(why, cap, "check_interval must be greater than zero");
    if (c->limit_mib < 0 || c->spike_limit_mib < 0)
        return fail(why, cap, "limit_mib and spike_limit_mib must not be negative");
    if (!percent_ok(c->limit_percentage) || !percent_ok(c->spike_limit_percentage))
        return fail(why, cap, "limit_percentage and spike_limit_percentage must be 0..100");
    if (c->limit_mib == 0 && c->limit_percentage == 0)
        return fail(why, cap, "limit_mib or limit_percentage must be greater than zero");
    if (c->limit_mib == 0 && total == 0)
        return fail(why, cap, "limit_percentage: the memory available cannot be read");
    uint64_t hard, spike;
    sizes(c, total, &hard, &spike);
    if (spike >= hard)
        return fail(why, cap, c->limit_mib > 0 ? "spike_limit_mib must be smaller than limit_mib"
                                               : "spike_limit_percentage must be smaller than "
                                                 "limit_percentage");
    *out = (ml_limits){.hard = hard, .soft = hard - spike};
    return 0;
}

/* The decimal number that s starts with (after blanks), or 0. */
static uint64_t number_at(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return end == s || errno ? 0 : (uint64_t)v;
}

/* The first number in file ("max" and the like read as 0). */
static uint64_t read_number(const char *path)
{
    FILE *f = fopen(path, "re");
    char line[64];
    uint64_t v = f && fgets(line, sizeof(line), f) ? number_at(line) : 0;
    if (f)
        fclose(f);
    return v;
}

/* The value of "name:   N kB" in a /proc file, in bytes; 0 if absent. */
static uint64_t proc_kb(const char *path, const char *name)
{
    FILE *f = fopen(path, "re");
    char line[256];
    uint64_t kb = 0;
    size_t n = strlen(name);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            kb = number_at(line + n + 1);
            break;
        }
    if (f)
        fclose(f);
    return kb * 1024;
}

uint64_t ml_total_memory(void)
{
    uint64_t machine = proc_kb("/proc/meminfo", "MemTotal");
    uint64_t cgroup = read_number("/sys/fs/cgroup/memory.max"); /* v2; "max" reads as 0 */
    if (!cgroup)
        cgroup = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes"); /* v1 */
    return cgroup && (cgroup < machine || !machine) ? cgroup : machine;
}

uint64_t ml_rss_anon(void)
{
    return proc_kb("/proc/self/status", "RssAnon");
}
