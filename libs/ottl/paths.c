/*
 * paths.c: the path table of the trace contexts and binding a path to it.
 *
 * A path's first field names its context when it is a context name and
 * more fields follow ("resource.attributes", "span.name",
 * "instrumentation_scope.version"); otherwise the path belongs to the
 * statement's own context ("attributes[\"k\"]" in a span statement is the
 * span's). A statement reaches its own level and the levels above it:
 * spanevent > span > scope > resource.
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
};

#define NPATHS (sizeof paths / sizeof paths[0])

/* Paths of the collector's contexts that otelc refuses by name. */
static const char *const refused[] = {
    "cache", "resource", "instrumentation_scope", "scope", "status", "span", "spanevent",
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
                 {"spanevent", OTTL_CTX_SPANEVENT}};
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
    return ctx == OTTL_CTX_INFER ? -1 : (int)ctx;
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
    if (is_refused(name) || strcmp(name, "cache") == 0)
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
                         "missing context name for path \"%.*s\": write resource., scope., "
                         "span. or spanevent. before it, or give the group a context",
                         (int)n->path.segs[0].len, n->path.segs[0].name);
    if (ctx != OTTL_CTX_INFER && level > (int)ctx)
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
    static const char *const names[OTTL_CTX_COUNT] = {"resource", "scope", "span",
                                                      "spanevent"};
    return c >= 0 && c < OTTL_CTX_COUNT ? names[c] : "inferred";
}

int ottl_context_parse(const char *name, ottl_context *out)
{
    static const char *const other[] = {"log", "metric", "datapoint", "exemplar", "profile"};
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
