/*
 * tracestate.c: the W3C tracestate grammar (tracestate.h), written from
 * the Trace Context specification as OpenTelemetry Go applies it: list
 * members split at ',', empty members skipped, optional blanks before a
 * key and after a value.
 */
#include "tracestate.h"

#include <stdbool.h>
#include <string.h>

#define MAX_MEMBERS 32
#define MAX_VALUE 256

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool lcalpha(char c) { return c >= 'a' && c <= 'z'; }
static bool digit(char c) { return c >= '0' && c <= '9'; }

static bool key_rest(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!lcalpha(p[i]) && !digit(p[i]) && (p[i] == '\0' || !strchr("_-*/", p[i])))
            return false;
    return true;
}

/* simple-key: lcalpha then up to max key characters. */
static bool key_part(const char *p, size_t n, size_t max)
{
    return n > 0 && lcalpha(p[0]) && n - 1 <= max && key_rest(p + 1, n - 1);
}

/* tenant-id of a multi-tenant key: lcalpha or digit first. */
static bool tenant_part(const char *p, size_t n, size_t max)
{
    return n > 0 && (lcalpha(p[0]) || digit(p[0])) && n - 1 <= max && key_rest(p + 1, n - 1);
}

static bool valid_key(span k)
{
    const char *at = memchr(k.p, '@', k.n);
    if (!at)
        return key_part(k.p, k.n, 255);
    size_t tn = (size_t)(at - k.p);
    return tenant_part(k.p, tn, 240) && key_part(at + 1, k.n - tn - 1, 13);
}

static bool value_char(char c, bool last)
{
    return c >= (last ? 0x21 : 0x20) && c <= 0x7e && c != ',' && c != '=';
}

static bool valid_value(span v)
{
    if (v.n == 0 || v.n > MAX_VALUE)
        return false;
    for (size_t i = 0; i < v.n; i++)
        if (!value_char(v.p[i], i + 1 == v.n))
            return false;
    return true;
}

/* Splits one member into its key and value; false if it is not valid. */
static bool member(span m, span *k, span *v)
{
    const char *eq = memchr(m.p, '=', m.n);
    if (!eq)
        return false;
    *k = (span){m.p, (size_t)(eq - m.p)};
    *v = (span){eq + 1, m.n - k->n - 1};
    while (k->n && (*k->p == ' ' || *k->p == '\t'))
        k->p++, k->n--;
    while (v->n && (v->p[v->n - 1] == ' ' || v->p[v->n - 1] == '\t'))
        v->n--;
    return valid_key(*k) && valid_value(*v);
}

static bool same(span a, span b)
{
    return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* Splits ts into members (non-empty, valid, unique keys); -1 otherwise. */
static int parse(const char *ts, size_t len, span *keys, span *vals, size_t *n)
{
    const char *p = ts, *end = ts + len;
    *n = 0;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        span m = {p, (size_t)((comma ? comma : end) - p)};
        p = comma ? comma + 1 : end;
        if (m.n == 0)
            continue;
        if (*n == MAX_MEMBERS || !member(m, &keys[*n], &vals[*n]))
            return -1;
        for (size_t i = 0; i < *n; i++)
            if (same(keys[i], keys[*n]))
                return -1;
        (*n)++;
    }
    return 0;
}

int ts_tracestate_get(const char *ts, size_t len, const char *key, const char **val,
                      size_t *val_len)
{
    span keys[MAX_MEMBERS], vals[MAX_MEMBERS];
    size_t n;
    span want = {key, strlen(key)};
    if (len == 0 || parse(ts, len, keys, vals, &n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (same(keys[i], want)) {
            *val = vals[i].p;
            *val_len = vals[i].n;
            return 0;
        }
    return -1;
}
