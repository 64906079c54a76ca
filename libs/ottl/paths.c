/*
 * paths.c: the path table of the contexts and binding a path to it.
 *
 * A path's first field names its context when it is a context name and
 * more fields follow ("resource.attributes", "span.name",
 * "instrumentation_scope.version"); otherwise the path belongs to the
 * statement's own context ("attributes[\"k\"]" in a span statement is the
 * span's). A statement reaches its own level and the levels above it:
 * spanevent > span > scope > resource, log > scope > resource,
 * datapoint > metric > scope > resource.
 */
#include "paths.h"

#include <string.h>
#include <strings.h>

static const path_def paths[] = {
    {OTTL_CTX_RESOURCE, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_RESOURCE, "dropped_attributes_count", PATH_DROPPED_ATTRS, 0, false},
    {OTTL_CTX_RESOURCE, "schema_url", PATH_SCHEMA_URL, 0, false},
    {OTTL_CTX_SCOPE, "name", PATH_SCOPE_NAME, 0, false},
    {OTTL_CTX_SCOPE, "version", PATH_SCOPE_VERSION, 0, false},
    {OTTL_CTX_SCOPE, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_SCOPE, "dropped_attributes_count", PATH_DROPPED_ATTRS, 0, false},
    {OTTL_CTX_SCOPE, "schema_url", PATH_SCHEMA_URL, 0, false},
    {OTTL_CTX_SPAN, "trace_id", PATH_TRACE_ID, 0, true},
    {OTTL_CTX_SPAN, "trace_id.string", PATH_TRACE_ID_STRING, 0, true},
    {OTTL_CTX_SPAN, "span_id", PATH_SPAN_ID, 0, true},
    {OTTL_CTX_SPAN, "span_id.string", PATH_SPAN_ID_STRING, 0, true},
    {OTTL_CTX_SPAN, "parent_span_id", PATH_PARENT_ID, 0, true},
    {OTTL_CTX_SPAN, "parent_span_id.string", PATH_PARENT_ID_STRING, 0, true},
    {OTTL_CTX_SPAN, "trace_state", PATH_TRACE_STATE, 1, true},
    {OTTL_CTX_SPAN, "name", PATH_SPAN_NAME, 0, true},
    {OTTL_CTX_SPAN, "kind", PATH_KIND, 0, true},
    {OTTL_CTX_SPAN, "kind.string", PATH_KIND_STRING, 0, true},
    {OTTL_CTX_SPAN, "kind.deprecated_string", PATH_KIND_DEPRECATED, 0, true},
    {OTTL_CTX_SPAN, "start_time_unix_nano", PATH_START_NANO, 0, true},
    {OTTL_CTX_SPAN, "end_time_unix_nano", PATH_END_NANO, 0, true},
    {OTTL_CTX_SPAN, "start_time", PATH_START_TIME, 0, true},
    {OTTL_CTX_SPAN, "end_time", PATH_END_TIME, 0, true},
    {OTTL_CTX_SPAN, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_SPAN, "dropped_attributes_count", PATH_DROPPED_ATTRS, 0, false},
    {OTTL_CTX_SPAN, "events", PATH_EVENTS, 0, false},
    {OTTL_CTX_SPAN, "dropped_events_count", PATH_DROPPED_EVENTS, 0, false},
    {OTTL_CTX_SPAN, "links", PATH_LINKS, 0, false},
    {OTTL_CTX_SPAN, "dropped_links_count", PATH_DROPPED_LINKS, 0, false},
    {OTTL_CTX_SPAN, "status.code", PATH_STATUS_CODE, 0, true},
    {OTTL_CTX_SPAN, "status.message", PATH_STATUS_MESSAGE, 0, true},
    {OTTL_CTX_SPANEVENT, "name", PATH_EVENT_NAME, 0, false},
    {OTTL_CTX_SPANEVENT, "time_unix_nano", PATH_EVENT_NANO, 0, false},
    {OTTL_CTX_SPANEVENT, "time", PATH_EVENT_TIME, 0, false},
    {OTTL_CTX_SPANEVENT, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_SPANEVENT, "dropped_attributes_count", PATH_DROPPED_ATTRS, 0, false},
    {OTTL_CTX_LOG, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_LOG, "dropped_attributes_count", PATH_DROPPED_ATTRS, 0, false},
    {OTTL_CTX_LOG, "time_unix_nano", PATH_LOG_TIME_NANO, 0, true},
    {OTTL_CTX_LOG, "observed_time_unix_nano", PATH_LOG_OBSERVED_NANO, 0, true},
    {OTTL_CTX_LOG, "time", PATH_LOG_TIME, 0, true},
    {OTTL_CTX_LOG, "observed_time", PATH_LOG_OBSERVED, 0, true},
    {OTTL_CTX_LOG, "severity_number", PATH_LOG_SEVERITY_NUMBER, 0, true},
    {OTTL_CTX_LOG, "severity_text", PATH_LOG_SEVERITY_TEXT, 0, true},
    {OTTL_CTX_LOG, "body", PATH_LOG_BODY, 8, true},
    {OTTL_CTX_LOG, "body.string", PATH_LOG_BODY_STRING, 0, true},
    {OTTL_CTX_LOG, "flags", PATH_LOG_FLAGS, 0, true},
    {OTTL_CTX_LOG, "trace_id", PATH_LOG_TRACE_ID, 0, true},
    {OTTL_CTX_LOG, "trace_id.string", PATH_LOG_TRACE_ID_STRING, 0, true},
    {OTTL_CTX_LOG, "span_id", PATH_LOG_SPAN_ID, 0, true},
    {OTTL_CTX_LOG, "span_id.string", PATH_LOG_SPAN_ID_STRING, 0, true},
    {OTTL_CTX_LOG, "event_name", PATH_LOG_EVENT_NAME, 0, true},
    {OTTL_CTX_METRIC, "name", PATH_METRIC_NAME, 0, true},
    {OTTL_CTX_METRIC, "description", PATH_METRIC_DESCRIPTION, 0, true},
    {OTTL_CTX_METRIC, "unit", PATH_METRIC_UNIT, 0, true},
    {OTTL_CTX_METRIC, "type", PATH_METRIC_TYPE, 0, false},
    {OTTL_CTX_METRIC, "aggregation_temporality", PATH_METRIC_TEMPORALITY, 0, true},
    {OTTL_CTX_METRIC, "is_monotonic", PATH_METRIC_MONOTONIC, 0, true},
    {OTTL_CTX_DATAPOINT, "attributes", PATH_ATTRS, 8, true},
    {OTTL_CTX_DATAPOINT, "start_time_unix_nano", PATH_DP_START_NANO, 0, true},
    {OTTL_CTX_DATAPOINT, "time_unix_nano", PATH_DP_TIME_NANO, 0, true},
    {OTTL_CTX_DATAPOINT, "start_time", PATH_DP_START_TIME, 0, true},
    {OTTL_CTX_DATAPOINT, "time", PATH_DP_TIME, 0, true},
    {OTTL_CTX_DATAPOINT, "value_double", PATH_DP_VALUE_DOUBLE, 0, true},
    {OTTL_CTX_DATAPOINT, "value_int", PATH_DP_VALUE_INT, 0, true},
    {OTTL_CTX_DATAPOINT, "flags", PATH_DP_FLAGS, 0, true},
    {OTTL_CTX_DATAPOINT, "count", PATH_DP_COUNT, 0, true},
    {OTTL_CTX_DATAPOINT, "sum", PATH_DP_SUM, 0, true},
    {OTTL_CTX_DATAPOINT, "scale", PATH_DP_SCALE, 0, false},
    {OTTL_CTX_DATAPOINT, "zero_count", PATH_DP_ZERO_COUNT, 0, false},
};

#define NPATHS (sizeof paths / sizeof paths[0])

/* Paths of the collector's contexts that otelc refuses by name. */
static const char *const refused[] = {
    "cache", "resource", "instrumentation_scope", "scope", "status", "span", "spanevent",
    "log", "metric", "datapoint", "data_points", "metadata", "exemplars", "bucket_counts",
    "explicit_bounds", "quantile_values", "positive", "positive.offset",
    "positive.bucket_counts", "negative", "negative.offset", "negative.bucket_counts",
};

int ottl_context_of_name(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int ctx;
    } names[] = {{"resource", OTTL_CTX_RESOURCE},
                 {"scope", OTTL_CTX_SCOPE},
                 {"instrumentation_scope", OTTL_CTX_SCOPE},
                 {"span", OTTL_CTX_SPAN},
                 {"spanevent", OTTL_CTX_SPANEVENT},
                 {"log", OTTL_CTX_LOG},
                 {"metric", OTTL_CTX_METRIC},
                 {"datapoint", OTTL_CTX_DATAPOINT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
            return names[i].ctx;
    return -1;
}

/* The segments after the context as "a.b.c" (keys left out). */
static size_t join_fields(const path_seg *segs, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (len + segs[i].len + 2 > cap)
            return 0;
        if (i)
            out[len++] = '.';
        memcpy(out + len, segs[i].name, segs[i].len);
        len += segs[i].len;
    }
    out[len] = 0;
    return len;
}

static const path_def *find_def(int level, const char *name)
{
    for (size_t i = 0; i < NPATHS; i++)
        if (paths[i].level == level && strcmp(paths[i].name, name) == 0)
            return &paths[i];
    return NULL;
}

static bool is_refused(const char *name)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (strcmp(refused[i], name) == 0)
            return true;
    return false;
}

/* Where the path's fields start, and at which level. -1: a path without
 * a context name in a statement whose context is inferred. */
static int split_context(node *n, ottl_context ctx, size_t *first)
{
    const path_seg *s = &n->path.segs[0];
    int named = n->path.nsegs > 1 && s->nkeys == 0 ? ottl_context_of_name(s->name, s->len) : -1;
    *first = named >= 0 ? 1 : 0;
    if (named >= 0)
        return named;
    return ctx < 0 ? -1 : (int)ctx;
}

static int check_keys(node *n, size_t first, const path_def *d, const char *text,
                      ottl_error *err)
{
    path_seg *segs = n->path.segs;
    for (size_t i = first; i + 1 < n->path.nsegs; i++)
        if (segs[i].nkeys)
            return ottl_fail(err, text, segs[i + 1].pos,
                             "only the last field of a path may be indexed");
    path_seg *last = &segs[n->path.nsegs - 1];
    if (last->nkeys > d->max_keys)
        return ottl_fail(err, text, last->keys[d->max_keys]->pos,
                         d->max_keys ? "%.*s takes at most %u index"
                                     : "%.*s cannot be indexed%.0u",
                         (int)last->len, last->name, d->max_keys);
    n->path.keys = last->keys;
    n->path.nkeys = last->nkeys;
    return 0;
}

static int unknown_path(const node *n, size_t first, int level, const char *name,
                        const char *text, ottl_error *err)
{
    const path_seg *s = &n->path.segs[first];
    if (is_refused(name))
        return ottl_fail(err, text, s->pos,
                         "the path \"%s\" is not supported by otelc yet (see docs/ottl.md)",
                         name);
    return ottl_fail(err, text, s->pos, "\"%s\" is not a path of the %s context", name,
                     ottl_context_name((ottl_context)level));
}

int ottl_bind_path(node *n, ottl_context ctx, const char *text, ottl_error *err)
{
    size_t first;
    char name[128];
    int level = split_context(n, ctx, &first);
    if (level < 0)
        return ottl_fail(err, text, n->pos,
                         "missing context name for path \"%.*s\": write its context (span., "
                         "log., datapoint., resource., ...) before it, or give the group a "
                         "context",
                         (int)n->path.segs[0].len, n->path.segs[0].name);
    if (ctx >= 0 && !ottl_context_reaches(ctx, level))
        return ottl_fail(err, text, n->pos, "the %s context cannot read %s paths",
                         ottl_context_name(ctx), ottl_context_name((ottl_context)level));
    if (!join_fields(n->path.segs + first, n->path.nsegs - first, name, sizeof name))
        return ottl_fail(err, text, n->pos, "path too long");
    const path_def *d = find_def(level, name);
    if (!d)
        return unknown_path(n, first, level, name, text, err);
    n->path.id = (int)(d - paths);
    n->path.level = level;
    return check_keys(n, first, d, text, err);
}

const path_def *ottl_path_def(const node *n)
{
    return &paths[n->path.id];
}

const char *ottl_context_name(ottl_context c)
{
    static const char *const names[OTTL_CTX_COUNT] = {
        "resource", "scope", "span", "spanevent", "log", "metric", "datapoint"};
    return c >= 0 && c < OTTL_CTX_COUNT ? names[c] : "inferred";
}

int ottl_context_parse(const char *name, ottl_context *out)
{
    static const char *const other[] = {"exemplar", "profile"};
    for (int c = 0; c < OTTL_CTX_COUNT; c++)
        if (strcasecmp(name, ottl_context_name((ottl_context)c)) == 0) {
            *out = (ottl_context)c;
            return 0;
        }
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strcasecmp(name, other[i]) == 0)
            return -2;
    return -1;
}

int ottl_error_mode_parse(const char *s, ottl_error_mode *out)
{
    static const char *const modes[] = {"propagate", "ignore", "silent"};
    for (int m = 0; m < 3; m++)
        if (strcasecmp(s, modes[m]) == 0) {
            *out = (ottl_error_mode)m;
            return 0;
        }
    return -1;
}

bool ottl_context_reaches(int ctx, int level)
{
    if (level == ctx || level == OTTL_CTX_RESOURCE)
        return true;
    if (level == OTTL_CTX_SCOPE)
        return ctx != OTTL_CTX_RESOURCE;
    return (ctx == OTTL_CTX_SPANEVENT && level == OTTL_CTX_SPAN) ||
           (ctx == OTTL_CTX_DATAPOINT && level == OTTL_CTX_METRIC);
}

ottl_context ottl_infer_for(otelc_signal signal)
{
    return signal == OTELC_LOGS      ? OTTL_CTX_INFER_LOGS
           : signal == OTELC_METRICS ? OTTL_CTX_INFER_METRICS
                                     : OTTL_CTX_INFER;
}

bool ottl_context_in_signal(ottl_context c, otelc_signal s)
{
    switch (c) {
    case OTTL_CTX_RESOURCE:
    case OTTL_CTX_SCOPE: return true;
    case OTTL_CTX_SPAN:
    case OTTL_CTX_SPANEVENT: return s == OTELC_TRACES;
    case OTTL_CTX_LOG: return s == OTELC_LOGS;
    case OTTL_CTX_METRIC:
    case OTTL_CTX_DATAPOINT: return s == OTELC_METRICS;
    default: return false;
    }
}
