/*
 * procstat.c: process CPU, memory and uptime from /proc.
 *
 * Memory is RssAnon, not VmRSS: the durable queue maps its LMDB file, and
 * the file's pages that are resident count in VmRSS although they are page
 * cache the kernel can drop at will, not memory the process holds. RssAnon
 * is the heap and stacks only, which is what an operator sizing otelc
 * wants to see.
 */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROC_TEXT_MAX 8192

/* Reads a small /proc file whole into buf (NUL-terminated). */
static int read_text(const char *path, char *buf, size_t len)
{
    size_t used = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while (used < len - 1) {
        ssize_t n = read(fd, buf + used, len - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    return used > 0 ? 0 : -1;
}

/* Reads the unsigned decimal at *p and moves *p past it. */
static int take_number(const char **p, unsigned long long *out)
{
    char *end;

    errno = 0;
    *out = strtoull(*p, &end, 10);
    if (end == *p || errno != 0)
        return -1;
    *p = end;
    return 0;
}

int procstat_parse_stat(const char *text, long ticks_per_second, double *cpu_seconds,
                        double *start_seconds)
{
    /* The command name is in parentheses and may hold spaces or ')', so
     * fields are counted from the last ')'; the state is field 3. */
    const char *p = strrchr(text, ')');
    unsigned long long utime = 0, stime = 0, start = 0;

    if (!p || ticks_per_second <= 0)
        return -1;
    p++;
    for (int field = 3; field <= 22; field++) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return -1;
        if (field == 14 && take_number(&p, &utime) != 0)
            return -1;
        if (field == 15 && take_number(&p, &stime) != 0)
            return -1;
        if (field == 22 && take_number(&p, &start) != 0)
            return -1;
        p += strcspn(p, " ");
    }
    *cpu_seconds = (double)(utime + stime) / (double)ticks_per_second;
    *start_seconds = (double)start / (double)ticks_per_second;
    return 0;
}

int procstat_parse_status(const char *text, uint64_t *rss_anon_bytes)
{
    static const char key[] = "RssAnon:";
    const char *p = strstr(text, "\nRssAnon:");
    unsigned long long kib;

    if (strncmp(text, key, sizeof(key) - 1) == 0)
        p = text;
    else if (p)
        p++;
    else
        return -1;
    p += sizeof(key) - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (take_number(&p, &kib) != 0 || strncmp(p, " kB", 3) != 0)
        return -1;
    *rss_anon_bytes = (uint64_t)kib * 1024;
    return 0;
}

static int seconds_since_boot(double *out)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
        return -1;
    *out = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    return 0;
}

int procstat_read(procstat *out)
{
    char text[PROC_TEXT_MAX];
    double cpu, start, now;
    uint64_t rss;

    if (read_text("/proc/self/stat", text, sizeof(text)) != 0 ||
        procstat_parse_stat(text, sysconf(_SC_CLK_TCK), &cpu, &start) != 0)
        return -1;
    if (read_text("/proc/self/status", text, sizeof(text)) != 0 ||
        procstat_parse_status(text, &rss) != 0)
        return -1;
    if (seconds_since_boot(&now) != 0)
        return -1;
    out->cpu_seconds = cpu;
    out->uptime_seconds = now > start ? now - start : 0;
    out->rss_anon_bytes = rss;
    return 0;
}

static const otelc_metric_desc cpu_desc = {
    .name = "otelcol_process_cpu_seconds_total",
    .help = "Total CPU user and system time in seconds",
    .type = OTELC_COUNTER,
};
static const otelc_metric_desc rss_desc = {
    .name = "otelcol_process_memory_rss_bytes",
    .help = "Anonymous resident memory (RssAnon) in bytes",
    .type = OTELC_GAUGE,
};
static const otelc_metric_desc uptime_desc = {
    .name = "otelcol_process_uptime_seconds_total",
    .help = "Uptime of the process in seconds",
    .type = OTELC_COUNTER,
};

/* Looks the series up at each render (a short walk under the registry's
 * mutex) so that nothing but the registry holds them. */
static void refresh_process_series(void *arg)
{
    metrics_registry *r = arg;
    otelc_series *cpu = metrics_series(r, &cpu_desc);
    otelc_series *rss = metrics_series(r, &rss_desc);
    otelc_series *uptime = metrics_series(r, &uptime_desc);
    procstat st;

    if (!cpu || !rss || !uptime || procstat_read(&st) != 0)
        return;
    metrics_set(cpu, st.cpu_seconds);
    metrics_set(rss, (double)st.rss_anon_bytes);
    metrics_set(uptime, st.uptime_seconds);
}

int procstat_register_metrics(metrics_registry *r)
{
    if (!metrics_series(r, &cpu_desc) || !metrics_series(r, &rss_desc) ||
        !metrics_series(r, &uptime_desc))
        return -1;
    return metrics_add_render_hook(r, refresh_process_series, r);
}
