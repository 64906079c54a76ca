/*
 * conv_limits.c: the span limits, through the editor's limits: the first
 * attributes, events and links are kept, the rest counted in the span's
 * dropped_*_count fields, as the OpenTelemetry SDKs do. Values longer
 * than max_attribute_value_length (in bytes) are cut, strings at a UTF-8
 * character boundary so that they stay valid, on the span, its events
 * and links; so are the string and bytes items of array values.
 */
#include "conv_edit.h"

size_t conv_utf8_cut(const char *s, size_t len, size_t max)
{
    return otlp_utf8_cut(s, len, max);
}

/* Adds a limit's count (or passes its error on). */
static int add(int rc, uint64_t *to)
{
    if (rc > 0)
        *to += (uint64_t)rc;
    return rc < 0 ? rc : OTLP_OK;
}

static int count_limits(conv_run *c)
{
    const conv_rules *r = c->r;
    conv_stats *st = c->st;
    int rc = OTLP_OK;
    if (r->max_attrs)
        rc = add(otlp_edit_attr_limit(c->ed, OTLP_EDIT_SPAN, r->max_attrs), &st->dropped_attributes);
    if (rc == OTLP_OK && r->max_events)
        rc = add(otlp_edit_span_limit(c->ed, OTLP_EDIT_EVENT, r->max_events), &st->dropped_events);
    if (rc == OTLP_OK && r->max_links)
        rc = add(otlp_edit_span_limit(c->ed, OTLP_EDIT_LINK, r->max_links), &st->dropped_links);
    return rc;
}

static int length_limits(conv_run *c)
{
    size_t max = (size_t)c->r->max_value_len;
    uint64_t *cut = &c->st->truncated;
    otlp_event ev;
    otlp_link ln;
    int rc = add(otlp_edit_attr_truncate(c->ed, OTLP_EDIT_SPAN, max), cut);
    while (rc == OTLP_OK && (rc = otlp_edit_event(c->ed, &ev)) > 0)
        rc = add(otlp_edit_attr_truncate(c->ed, OTLP_EDIT_EVENT, max), cut);
    while (rc == OTLP_OK && (rc = otlp_edit_link(c->ed, &ln)) > 0)
        rc = add(otlp_edit_attr_truncate(c->ed, OTLP_EDIT_LINK, max), cut);
    return rc;
}

int conv_limit_span(conv_run *c)
{
    int rc = count_limits(c);
    return rc == OTLP_OK && c->r->max_value_len ? length_limits(c) : rc;
}
