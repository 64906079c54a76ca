/*
 * ps_logs.c: a log record's sampling input and marks (ps_logs.h).
 */
#include "ps_logs.h"

#include <string.h>

#define RANDOMNESS "sampling.randomness"
#define THRESHOLD "sampling.threshold"

/* A string attribute's value; NULL when absent, empty or of another
 * type (the collector's carrier reads strings only). */
static const char *string_attr(const otlp_list *attrs, const char *key, size_t *len)
{
    otlp_anyvalue v;
    if (otlp_attr_find(attrs, key, strlen(key), &v) <= 0 || v.type != OTLP_ANY_STRING ||
        v.bytes.len == 0)
        return NULL;
    *len = v.bytes.len;
    return (const char *)v.bytes.ptr;
}

/* from_attribute's bytes: a string's or bytes' own, else its text. */
static void hashed_bytes(const ps_settings *set, const otlp_log *l, attr_buf *text,
                         ps_span_in *in)
{
    otlp_anyvalue v;
    if (!set->from_attribute ||
        otlp_attr_find(&l->attrs, set->from_attribute, strlen(set->from_attribute), &v) <= 0)
        return;
    if (v.type == OTLP_ANY_STRING || v.type == OTLP_ANY_BYTES) {
        in->hashed = v.bytes.ptr;
        in->hashed_len = v.bytes.len;
        return;
    }
    text->len = 0;
    if (attr_value_text(&v, ATTR_TEXT_ASSTRING, text) && !text->failed) {
        in->hashed = (const uint8_t *)text->p;
        in->hashed_len = text->len;
    }
}

/* sampling_priority: a number that is the record's percentage. A zero,
 * or a probability out of OTEP 235's range, leaves the mode's. */
static void priority(const ps_settings *set, const otlp_log *l, ps_span_in *in)
{
    otlp_anyvalue v;
    if (!set->sampling_priority ||
        otlp_attr_find(&l->attrs, set->sampling_priority, strlen(set->sampling_priority), &v) <=
            0)
        return;
    double prob = v.type == OTLP_ANY_DOUBLE ? v.number / 100.0
                  : v.type == OTLP_ANY_INT  ? (double)v.integer / 100.0
                                            : 0;
    in->has_priority_th =
        prob != 0 && ps_threshold_from_probability(prob, set->precision, &in->priority_th) ==
                         PS_PROB_OK;
}

void ps_log_input(const ps_settings *set, const otlp_log *l, attr_buf *text, ps_span_in *in)
{
    memset(in, 0, sizeof(*in));
    in->log = true;
    in->trace_id = l->trace_id.ptr;
    in->trace_id_len = l->trace_id.len;
    in->trace_id_off = set->trace_id_off;
    in->rvalue = string_attr(&l->attrs, RANDOMNESS, &in->rvalue_len);
    in->tvalue = string_attr(&l->attrs, THRESHOLD, &in->tvalue_len);
    hashed_bytes(set, l, text, in);
    priority(set, l, in);
}

static bool same(const char *a, size_t alen, const char *b)
{
    return a ? alen == strlen(b) && memcmp(a, b, alen) == 0 : !*b;
}

/* Puts key = value, or deletes key when value is "". */
static int mark(otlp_editor *ed, const char *key, const char *value)
{
    otlp_anyvalue v = otlp_any_string(value);
    if (!*value)
        return otlp_edit_attr_delete(ed, OTLP_EDIT_LOG, key, strlen(key));
    return otlp_edit_attr_put(ed, OTLP_EDIT_LOG, key, strlen(key), &v, OTLP_ATTR_UPSERT);
}

int ps_log_mark(otlp_editor *ed, const ps_span_in *in, const ps_verdict *v)
{
    int changes = 0, rc;
    if (!same(in->rvalue, in->rvalue_len, v->ts.rv)) {
        if ((rc = mark(ed, RANDOMNESS, v->ts.rv)) < 0)
            return rc;
        changes += rc;
    }
    if (!same(in->tvalue, in->tvalue_len, v->ts.th)) {
        if ((rc = mark(ed, THRESHOLD, v->ts.th)) < 0)
            return rc;
        changes += rc;
    }
    return changes;
}
