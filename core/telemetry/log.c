/* One-line structured logger; see log.h. */
#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_BYTES 4096

static atomic_int current_level = OTELC_LOG_INFO;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc_log_sink current_sink;
static void *current_sink_arg;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

bool otelc_log_enabled(otelc_log_level level)
{
    return (int)level <= atomic_load_explicit(&current_level, memory_order_relaxed);
}

void otelc_log_set_level(otelc_log_level level)
{
    atomic_store(&current_level, (int)level);
}

otelc_log_level otelc_log_get_level(void)
{
    return (otelc_log_level)atomic_load(&current_level);
}

int otelc_log_level_parse(const char *text, otelc_log_level *out)
{
    static const struct {
        const char *name;
        otelc_log_level level;
    } names[] = {
        {"error", OTELC_LOG_ERROR}, {"warn", OTELC_LOG_WARN}, {"warning", OTELC_LOG_WARN},
        {"info", OTELC_LOG_INFO},   {"debug", OTELC_LOG_DEBUG},
    };
    if (text == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -1;
}

int otelc_log_init_from_env(void)
{
    const char *value = getenv("OTELC_LOG");
    otelc_log_level level;

    if (value == NULL || value[0] == '\0')
        return 0;
    if (otelc_log_level_parse(value, &level) != 0) {
        otelc_log(OTELC_LOG_WARN, "otelc",
                  "OTELC_LOG='%s' is not one of error, warn, info, debug; ignored", value);
        return -1;
    }
    otelc_log_set_level(level);
    return 1;
}

void otelc_log_set_sink(otelc_log_sink sink, void *arg)
{
    pthread_mutex_lock(&write_lock);
    current_sink = sink;
    current_sink_arg = arg;
    pthread_mutex_unlock(&write_lock);
}

/* Keeps an event on one line whatever the message holds. */
static void flatten_newlines(char *text)
{
    for (char *p = text; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
}

static void write_line(otelc_log_level level, char *line, size_t len)
{
    pthread_mutex_lock(&write_lock);
    if (current_sink != NULL) {
        current_sink(current_sink_arg, level, line);
    } else {
        /* One fwrite of the whole line: stderr is unbuffered, so this is
         * also one write(2) and other processes' lines do not split it. */
        line[len] = '\n';
        fwrite(line, 1, len + 1, stderr);
        line[len] = '\0';
    }
    pthread_mutex_unlock(&write_lock);
}

void otelc_vlog(otelc_log_level level, const char *component, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES + 1]; /* room for the newline */
    int head, body;
    size_t len;

    if (!otelc_log_enabled(level) || (int)level < 0 || (int)level > OTELC_LOG_DEBUG)
        return;
    head = snprintf(line, LINE_MAX_BYTES, "%s %s: ", level_names[level],
                    component != NULL ? component : "otelc");
    if (head < 0 || head >= LINE_MAX_BYTES)
        return;
    /* The analyzer loses track of va_start across otelc_log()'s frame. */
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
    body = vsnprintf(line + head, LINE_MAX_BYTES - (size_t)head, fmt, ap);
    if (body < 0)
        return;
    len = (size_t)head + (size_t)body;
    if (len >= LINE_MAX_BYTES) {
        len = LINE_MAX_BYTES - 1;
        memcpy(line + len - 3, "...", 3);
    }
    line[len] = '\0';
    flatten_newlines(line + head);
    write_line(level, line, len);
}

void otelc_log(otelc_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    otelc_vlog(level, component, fmt, ap);
    va_end(ap);
}
