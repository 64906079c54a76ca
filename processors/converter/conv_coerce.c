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

#include "conv_pb.h"

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

static int to_string(conv_run *c, pb_any *v)
{
    char buf[40];
    int n;
    switch (v->value_case) {
    case PB_INT: n = snprintf(buf, sizeof(buf), "%" PRId64, v->int_value); break;
    case PB_DOUBLE: n = format_double(buf, sizeof(buf), v->double_value); break;
    case PB_BOOL: n = snprintf(buf, sizeof(buf), "%s", v->bool_value ? "true" : "false"); break;
    default: return 0;
    }
    char *s = conv_strndup(c->a, buf, (size_t)n);
    if (!s)
        return -1;
    v->value_case = PB_STRING;
    v->string_value = s;
    return 1;
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

static int to_int(pb_any *v)
{
    int64_t i;
    if (v->value_case == PB_STRING && parse_int(v->string_value, &i))
        v->int_value = i;
    else if (v->value_case == PB_DOUBLE && isfinite(v->double_value) &&
             fabs(v->double_value) < 9.2e18)
        v->int_value = (int64_t)v->double_value;
    else if (v->value_case == PB_BOOL)
        v->int_value = v->bool_value ? 1 : 0;
    else
        return 0;
    v->value_case = PB_INT;
    return 1;
}

static int to_double(pb_any *v)
{
    char *end;
    double d;
    if (v->value_case == PB_STRING) {
        d = strtod(v->string_value, &end);
        if (!*v->string_value || *end)
            return 0;
    } else if (v->value_case == PB_INT) {
        d = (double)v->int_value;
    } else if (v->value_case == PB_BOOL) {
        d = v->bool_value ? 1 : 0;
    } else {
        return 0;
    }
    v->value_case = PB_DOUBLE;
    v->double_value = d;
    return 1;
}

static int to_bool(pb_any *v)
{
    bool b;
    if (v->value_case == PB_STRING) {
        const char *s = v->string_value;
        if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
            b = true;
        else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
            b = false;
        else
            return 0;
    } else if (v->value_case == PB_INT) {
        b = v->int_value != 0;
    } else if (v->value_case == PB_DOUBLE && !isnan(v->double_value)) {
        b = v->double_value != 0;
    } else {
        return 0;
    }
    v->value_case = PB_BOOL;
    v->bool_value = b;
    return 1;
}

int conv_coerce_value(conv_run *c, pb_any *v, conv_type to)
{
    switch (to) {
    case CONV_TO_STRING: return to_string(c, v);
    case CONV_TO_INT: return to_int(v);
    case CONV_TO_DOUBLE: return to_double(v);
    case CONV_TO_BOOL: return to_bool(v);
    default: return 0;
    }
}

int conv_coerce_list(conv_run *c, conv_list *l)
{
    for (size_t i = 0; i < *l->n; i++) {
        pb_kv *kv = (*l->v)[i];
        const conv_entry *e = kv->key ? conv_rules_find(c->r, kv->key, strlen(kv->key)) : NULL;
        if (!e || !e->coerce || !kv->value)
            continue;
        /* Values may be shared (from_resource): convert a private copy. */
        pb_any *v = conv_alloc(c->a, sizeof(*v));
        if (!v)
            return -1;
        *v = *kv->value;
        int rc = conv_coerce_value(c, v, e->coerce);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            kv->value = v;
            c->st->coerced++;
        }
    }
    return 0;
}
