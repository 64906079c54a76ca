/*
 * auth_test_util.h: what the authenticator tests share: headers an
 * auth.client service adds, collected; and a file rewritten in place or
 * replaced, for the watchers.
 */
#ifndef OTELC_TEST_AUTH_UTIL_H
#define OTELC_TEST_AUTH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct added {
    char name[16][64];
    char value[16][256];
    size_t n;
} added;

static inline void added_add(void *arg, const char *name, const char *value)
{
    added *a = arg;
    if (a->n == 16)
        return;
    snprintf(a->name[a->n], sizeof(a->name[0]), "%s", name);
    snprintf(a->value[a->n], sizeof(a->value[0]), "%s", value);
    a->n++;
}

/* The value added for name, or NULL. */
static inline const char *added_get(const added *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->name[i], name) == 0)
            return a->value[i];
    return NULL;
}

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* Writes a sibling file and renames it over path (how editors and
 * Kubernetes replace files). */
static inline void replace_file(const char *path, const char *text)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    write_file(tmp, text);
    if (rename(tmp, path) != 0)
        abort();
}

static inline void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A fresh folder under TMPDIR (or /tmp), into buf. */
static inline const char *temp_dir(char *buf, size_t cap)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/otelc-auth-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(buf))
        abort();
    return buf;
}

#endif /* OTELC_TEST_AUTH_UTIL_H */
