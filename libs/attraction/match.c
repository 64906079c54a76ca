/*
 * match.c: whether a span, a log record or a metric matches a section's
 * properties (filterspan's and filterlog's propertiesMatcher,
 * filtermatcher's attribute matchers, filtermetric's name matcher).
 */
#include "match_int.h"

#include <string.h>

static bool strset_match(strset *s, pb_bytes text)
{
    for (size_t i = 0; i < s->items.n; i++) {
        if (s->re && attr_regex_search(s->re[i], text.ptr, text.len))
            return true;
        const char *item = s->items.items[i];
        if (!s->re && strlen(item) == text.len && memcmp(item, text.ptr, text.len) == 0)
            return true;
    }
    return false;
}

/* The text of a value, in m->text; false when the value has none. */
static bool value_text(attr_match *m, const otlp_anyvalue *v, enum attr_text_style style,
                       pb_bytes *out)
{
    m->text.len = 0;
    if (!attr_value_text(v, style, &m->text) || m->text.failed)
        return false;
    *out = (pb_bytes){(const uint8_t *)m->text.p, m->text.len};
    return true;
}

/* The resource's service.name as text; the collector's placeholder when
 * it has none. */
static pb_bytes service_name(attr_match *m, const otlp_resource *r)
{
    static const char none[] = "<nil-service-name>";
    otlp_anyvalue v;
    pb_bytes text = {(const uint8_t *)none, sizeof none - 1};
    if (otlp_attr_find(&r->attrs, "service.name", 12, &v) > 0 &&
        !value_text(m, &v, ATTR_TEXT_ASSTRING, &text))
        text.len = 0;
    return text;
}

static pb_bytes kind_name(int32_t kind)
{
    static const char *const names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                        "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                        "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
    const char *s = kind >= 0 && kind < 6 ? names[kind] : "";
    return (pb_bytes){(const uint8_t *)s, strlen(s)};
}

static bool cond_match(attr_match *m, attr_cond *c, const otlp_list *attrs)
{
    otlp_anyvalue v;
    pb_bytes text;
    if (otlp_attr_find(attrs, c->key, strlen(c->key), &v) <= 0)
        return false;
    if (c->re)
        return value_text(m, &v, ATTR_TEXT_FIXED, &text) &&
               attr_regex_search(c->re, text.ptr, text.len);
    return !c->has_value || attr_value_equal(&c->value, &v);
}

/* Every condition holds; with conditions, an empty list never matches. */
static bool conds_match(attr_match *m, attr_cond *c, size_t n, const otlp_list *attrs)
{
    if (n == 0)
        return true;
    if (attrs->range.len == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!cond_match(m, &c[i], attrs))
            return false;
    return true;
}

static bool libs_match(attr_match *m, const otlp_scope *s)
{
    for (size_t i = 0; i < m->n_libs; i++) {
        lib_cond *l = &m->libs[i];
        if (!strset_match(&l->name, s->name) ||
            (l->version.on && !strset_match(&l->version, s->version)))
            return false;
    }
    return true;
}

bool attr_match_span(attr_match *m, const otlp_resource *r, const otlp_scope *s,
                     const otlp_span *sp)
{
    if (m->services.on && !strset_match(&m->services, service_name(m, r)))
        return false;
    if (m->span_names.on && !strset_match(&m->span_names, sp->name))
        return false;
    if (m->span_kinds.on && !strset_match(&m->span_kinds, kind_name(sp->kind)))
        return false;
    return libs_match(m, s) && conds_match(m, m->res, m->n_res, &r->attrs) &&
           conds_match(m, m->attrs, m->n_attrs, &sp->attrs);
}

/* The body as the collector's AsString writes it; a body without text
 * here (an array or a map) matches no body. No body reads as "". */
static bool body_match(attr_match *m, const otlp_log *l)
{
    pb_bytes text = {(const uint8_t *)"", 0};
    if (l->has_body && !value_text(m, &l->body, ATTR_TEXT_ASSTRING, &text))
        return false;
    return strset_match(&m->log_bodies, text);
}

/* filterlog's rule: an unspecified number (0) matches only when asked. */
static bool severity_match(const severity_cond *c, int32_t n)
{
    return n == 0 ? c->match_undefined : n >= c->min;
}

bool attr_match_log(attr_match *m, const otlp_resource *r, const otlp_scope *s,
                    const otlp_log *l)
{
    if (m->log_bodies.on && !body_match(m, l))
        return false;
    if (m->severity_texts.on && !strset_match(&m->severity_texts, l->severity_text))
        return false;
    if (m->severity.on && !severity_match(&m->severity, l->severity_number))
        return false;
    return libs_match(m, s) && conds_match(m, m->res, m->n_res, &r->attrs) &&
           conds_match(m, m->attrs, m->n_attrs, &l->attrs);
}

bool attr_match_metric(attr_match *m, const otlp_metric *mt)
{
    return !m->metric_names.on || strset_match(&m->metric_names, mt->name);
}
