/*
 * tq_compact_plan.c: what compaction decides without I/O: output names,
 * input lists and how an hour's files are grouped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "s3/sigv4.h"
#include "tq_compact.h"

bool tq_compact_is_output(const char *key)
{
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    return strncmp(base, TQ_COMPACT_PREFIX, strlen(TQ_COMPACT_PREFIX)) == 0;
}

int tq_compact_output_key(const char *dir, const s3_list_entry *inputs, size_t n, char *out,
                          size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(inputs[i].key) + 24;
    char *text = malloc(len + 1), hex[SIGV4_HASH_HEX_SIZE];
    if (!text)
        return -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, len + 1 - at, "%s\n%llu\n", inputs[i].key,
                               (unsigned long long)inputs[i].size);
    struct iovec iov = {text, at};
    int rc = sigv4_payload_hash(&iov, 1, hex);
    free(text);
    if (rc != SIGV4_OK)
        return -1;
    int w = snprintf(out, cap, "%s%s" TQ_COMPACT_PREFIX "%.32s.parquet", dir, *dir ? "/" : "",
                     hex);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

char *tq_compact_input_list(const s3_list_entry *inputs, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(inputs[i].key) + 1;
    char *list = malloc(len);
    if (!list)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(list + at, len - at, "%s%s", i ? "\n" : "", inputs[i].key);
    list[at] = 0;
    return list;
}

/* The line of list [p, end) that starts at p, and where the next starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *next = nl ? nl + 1 : end;
    return (size_t)((nl ? nl : end) - p);
}

static bool listed_n(const char *list, size_t len, const char *key, size_t klen)
{
    const char *end = list + len, *next;
    for (const char *p = list; p < end; p = next) {
        size_t n = line_at(p, end, &next);
        if (n == klen && memcmp(p, key, n) == 0)
            return true;
    }
    return false;
}

bool tq_compact_listed(const char *list, size_t len, const char *key)
{
    return listed_n(list, len, key, strlen(key));
}

bool tq_compact_subset(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *end = a + alen, *next;
    for (const char *p = a; p < end; p = next) {
        size_t n = line_at(p, end, &next);
        if (n && !listed_n(b, blen, p, n))
            return false;
    }
    return true;
}

size_t tq_compact_next_group(const s3_list_entry *items, size_t n, size_t *at,
                             uint64_t max_bytes)
{
    size_t start = *at, end = start;
    uint64_t bytes = 0;
    while (end < n && (end == start || bytes + items[end].size <= max_bytes))
        bytes += items[end++].size;
    *at = end;
    return end - start;
}
