/*
 * conv_coerce.c: value-type coercion by rule. A value that does not
 * convert (a string that is no number, an array) is left as it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv_edit.h"

/* The shortest decimal that reads back as d. */
static int format_double(char *buf, size_t cap, double d)
{
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return n;
}

static int to_string(conv_run *c, otlp_anyvalue *v)
{
    char buf[40];
    int n;
    switch (v->type) {
    case OTLP_ANY_INT: n = snprintf(buf, sizeof(buf), "%" PRId64, v->integer); break;
    case OTLP_ANY_DOUBLE: n = format_double(buf, sizeof(buf), v->number); break;
    case OTLP_ANY_BOOL: n = snprintf(buf, sizeof(buf), "%s", v->boolean ? "true" : "false"); break;
    default: return 0;
    }
    char *s = conv_scratch(c, (size_t)n);
    if (!s)
        return OTLP_ENOMEM;
    memcpy(s, buf, (size_t)n);
    *v = conv_any_str(s, (size_t)n);
    return 1;
}

/* A string value as a NUL-terminated copy in buf (cap bytes); false when
 * it does not fit (no number is that long) or holds a NUL. */
static bool c_string(const otlp_anyvalue *v, char *buf, size_t cap)
{
    if (v->type != OTLP_ANY_STRING || v->bytes.len >= cap ||
        (v->bytes.len && memchr(v->bytes.ptr, 0, v->bytes.len)))
        return false;
    if (v->bytes.len)
        memcpy(buf, v->bytes.ptr, v->bytes.len);
    buf[v->bytes.len] = 0;
    return true;
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno)
        return false;
    *out = v;
    return true;
}

static int to_int(otlp_anyvalue *v)
{
    char buf[64];
    int64_t i;
    if (c_string(v, buf, sizeof(buf)) && parse_int(buf, &i))
        v->integer = i;
    else if (v->type == OTLP_ANY_DOUBLE && isfinite(v->number) && fabs(v->number) < 9.2e18)
        v->integer = (int64_t)v->number;
    else if (v->type == OTLP_ANY_BOOL)
        v->integer = v->boolean ? 1 : 0;
    else
        return 0;
    v->type = OTLP_ANY_INT;
    return 1;
}

static int to_double(otlp_anyvalue *v)
{
    char buf[512], *end;
    double d;
    if (c_string(v, buf, sizeof(buf))) {
        d = strtod(buf, &end);
        if (!*buf || *end)
            return 0;
    } else if (v->type == OTLP_ANY_INT) {
        d = (double)v->integer;
    } else if (v->type == OTLP_ANY_BOOL) {
        d = v->boolean ? 1 : 0;
    } else {
        return 0;
    }
    v->type = OTLP_ANY_DOUBLE;
    v->number = d;
    return 1;
}

static int to_bool(otlp_anyvalue *v)
{
    char buf[8];
    bool b;
    if (c_string(v, buf, sizeof(buf))) {
        if (strcasecmp(buf, "true") == 0 || strcmp(buf, "1") == 0)
            b = true;
        else if (strcasecmp(buf, "false") == 0 || strcmp(buf, "0") == 0)
            b = false;
        else
            return 0;
    } else if (v->type == OTLP_ANY_INT) {
        b = v->integer != 0;
    } else if (v->type == OTLP_ANY_DOUBLE && !isnan(v->number)) {
        b = v->number != 0;
    } else {
        return 0;
    }
    v->type = OTLP_ANY_BOOL;
    v->boolean = b;
    return 1;
}

/* Converts *v to type `to` in place: 1 when changed, 0 when it cannot be
 * or already is, or < 0. */
static int coerce_value(conv_run *c, otlp_anyvalue *v, conv_type to)
{
    switch (to) {
    case CONV_TO_STRING: return to_string(c, v);
    case CONV_TO_INT: return v->type == OTLP_ANY_INT ? 0 : to_int(v);
    case CONV_TO_DOUBLE: return v->type == OTLP_ANY_DOUBLE ? 0 : to_double(v);
    case CONV_TO_BOOL: return v->type == OTLP_ANY_BOOL ? 0 : to_bool(v);
    default: return 0;
    }
}

int conv_coerce_list(conv_run *c, enum otlp_edit_target at)
{
    otlp_kv kv;
    int rc;
    for (size_t i = 0; (rc = conv_attr_at(c, at, i, &kv)) > 0; i++) {
        const conv_entry *e = conv_entry_of(c, kv.key);
        if (!e || !e->coerce || (rc = coerce_value(c, &kv.value, e->coerce)) == 0)
            continue;
        if (rc < 0 ||
            (rc = otlp_edit_attr_put(c->ed, at, e->key, e->key_len, &kv.value, OTLP_ATTR_UPDATE)) < 0)
            return rc;
        c->st->coerced++;
    }
    return rc;
}
