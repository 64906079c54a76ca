/*
 * qparams.c: reading and checking query parameters.
 */
#include "qparams.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "timeparse.h"

#define MAX_TAGS 32

static int bad(char *err, size_t n, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(char *err, size_t n, const char *name, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(err, n, "bad parameter %s: %s", name, why);
    return -1;
}

static bool absent(const char *v)
{
    return !v || !*v;
}

/* A decimal integer filling the whole string; false otherwise. */
static bool integer(const char *v, int64_t *out)
{
    if (!isdigit((unsigned char)v[0]) && !(v[0] == '-' && isdigit((unsigned char)v[1])))
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

int qp_limit(const char *name, const char *v, size_t dflt, size_t max, size_t *out, char *err,
             size_t n)
{
    int64_t x;
    if (absent(v)) {
        *out = dflt;
        return 0;
    }
    if (!integer(v, &x) || x < 1)
        return bad(err, n, name, "\"%s\" is not a positive integer", v);
    if ((uint64_t)x > max)
        return bad(err, n, name, "%lld is above the limit of %zu", (long long)x, max);
    *out = (size_t)x;
    return 0;
}

int qp_time(const char *name, const char *v, int64_t *ns, char *err, size_t n)
{
    if (absent(v))
        return 0;
    if (integer(v, ns) || s3_parse_rfc3339(v, ns) == 0)
        return 0;
    return bad(err, n, name, "\"%s\" is neither RFC 3339 nor unix nanoseconds", v);
}

int qp_time_us(const char *name, const char *v, int64_t *ns, char *err, size_t n)
{
    int64_t us;
    if (absent(v))
        return 0;
    if (!integer(v, &us) || us < 0 || us > INT64_MAX / 1000)
        return bad(err, n, name, "\"%s\" is not unix microseconds", v);
    *ns = us * 1000;
    return 0;
}

int qp_duration(const char *name, const char *v, int64_t *ns, char *err, size_t n)
{
    if (absent(v))
        return 0;
    if ((integer(v, ns) && *ns >= 0) || tq_parse_duration(v, ns) == 0)
        return 0;
    return bad(err, n, name, "\"%s\" is not a duration (like 1.5s, 100ms, 250us)", v);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int qp_trace_id(const char *name, const char *v, uint8_t out[16], char *err, size_t n)
{
    char padded[33];
    size_t len = v ? strlen(v) : 0;
    if (len == 0 || len > 32)
        return bad(err, n, name, "a trace id is 1 to 32 hex digits");
    memset(padded, '0', 32 - len);
    memcpy(padded + 32 - len, v, len);
    padded[32] = '\0';
    for (size_t i = 0; i < 16; i++) {
        int hi = hexval(padded[2 * i]), lo = hexval(padded[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return bad(err, n, name, "\"%s\" is not hexadecimal", v);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* The text of a JSON scalar; NULL for objects, arrays and null. */
static char *scalar_text(json_t *j)
{
    char buf[64];
    if (json_is_string(j))
        return strdup(json_string_value(j));
    if (json_is_integer(j))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(j));
    else if (json_is_real(j))
        snprintf(buf, sizeof(buf), "%.17g", json_real_value(j));
    else if (json_is_boolean(j))
        snprintf(buf, sizeof(buf), "%s", json_is_true(j) ? "true" : "false");
    else
        return NULL;
    return strdup(buf);
}

void qp_tags_free(jaeger_tag_cond *conds, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free((char *)conds[i].key);
        free((char *)conds[i].value);
    }
    free(conds);
}

int qp_tags(const char *name, const char *v, jaeger_tag_cond **conds, size_t *count, char *err,
            size_t n)
{
    *conds = NULL;
    *count = 0;
    if (absent(v))
        return 0;
    json_t *doc = json_loads(v, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(doc) || json_object_size(doc) > MAX_TAGS) {
        json_decref(doc);
        return bad(err, n, name, "expected a JSON object of at most %d \"key\": \"value\" pairs",
                   MAX_TAGS);
    }
    jaeger_tag_cond *c = calloc(json_object_size(doc) + 1, sizeof(*c));
    const char *key;
    json_t *val;
    int rc = c ? 0 : bad(err, n, name, "out of memory");
    json_object_foreach(doc, key, val)
    {
        if (rc != 0 || !c)
            break;
        c[*count].key = strdup(key);
        c[*count].value = scalar_text(val);
        rc = c[*count].key && c[*count].value ? 0 : bad(err, n, name, "tag %s: not a scalar", key);
        (*count)++;
    }
    json_decref(doc);
    if (rc != 0) {
        qp_tags_free(c, *count);
        *count = 0;
        return -1;
    }
    *conds = c;
    return 0;
}
