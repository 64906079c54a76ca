/*
 * fuzz_otlp_edit.c: libFuzzer target for the SDK's OTLP editor.
 *
 * Every input is edited as a request of each signal (traces, metrics,
 * logs), twice: passed through unchanged, and with edits chosen from a
 * hash of the input (drops at every level, attribute puts, deletes,
 * renames and splices on resources, scopes, spans, events, links, log
 * records, metrics and data points, count and length limits, names,
 * statuses).
 * Besides "no crash, no read out of bounds" it checks:
 *  - a pass-through counts the items validation counts (spans also as
 *    otlp_count_spans does), and gives the same bytes whether items are
 *    visited or not; passing its output through again changes nothing;
 *  - when the input validates, both outputs validate, holding the items
 *    the editor reported, and a pass-through keeps every span's bytes.
 */
#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_validate.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            __builtin_trap();                                                              \
    } while (0)

static otlp_editor *editor;

/* A small generator of edit choices, seeded from the input. */
static uint64_t rng_state;

static unsigned pick(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng_state >> 33) % n;
}

static void seed(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    rng_state = h;
}

static const char *const keys[] = {"service.name", "http.method", "k", "", "user.password"};

/* Changes the attributes at `at` in one of several ways. */
static void edit_attrs(otlp_editor *ed, enum otlp_edit_target at)
{
    static const char *const words[] = {"x", "", "\xc3\xa9t\xc3\xa9", "***"};
    const char *key = keys[pick(5)], *other = keys[pick(5)];
    otlp_anyvalue values[] = {otlp_any_string(words[pick(4)]), otlp_any_int((int64_t)pick(300) - 150),
                              otlp_any_double(0.5), otlp_any_bool(pick(2))};
    const otlp_anyvalue *v = &values[pick(4)];
    int rc;
    otlp_kv ins = {{(const uint8_t *)key, strlen(key)}, *v};
    switch (pick(7)) {
    case 0: rc = otlp_edit_attr_put(ed, at, key, strlen(key), v, (enum otlp_attr_mode)pick(3)); break;
    case 1: rc = otlp_edit_attr_delete(ed, at, key, strlen(key)); break;
    case 2: rc = otlp_edit_attr_rename(ed, at, key, strlen(key), other, strlen(other)); break;
    case 3: rc = otlp_edit_attr_splice(ed, at, pick(3), pick(2), &ins, pick(2)); break;
    case 4: rc = otlp_edit_attr_limit(ed, at, pick(3)); break;
    case 5: rc = otlp_edit_attr_truncate(ed, at, pick(4)); break;
    default: rc = 0; break;
    }
    require(rc >= 0 || rc == OTLP_EMALFORMED || rc == OTLP_EWIRETYPE || rc == OTLP_EDEPTH ||
            rc == OTLP_ENOMEM || rc == OTLP_EINVALID);
}

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)arg, (void)r;
    if (pick(8) == 0)
        require(otlp_edit_drop(ed, OTLP_EDIT_RESOURCE) == 1);
    else
        edit_attrs(ed, OTLP_EDIT_RESOURCE);
    return 0;
}

static int on_scope(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    (void)arg, (void)s;
    if (pick(8) == 0)
        require(otlp_edit_drop(ed, OTLP_EDIT_SCOPE) == 1);
    else
        edit_attrs(ed, OTLP_EDIT_SCOPE);
    return 0;
}

/* Limits, visits and edits on the span's events and links; the first
 * negative code met (a malformed event or link is sticky), else 0. */
static int edit_events_links(otlp_editor *ed)
{
    otlp_event ev;
    otlp_link ln;
    int rc;
    if (pick(2))
        (void)otlp_edit_span_limit(ed, OTLP_EDIT_EVENT, pick(3));
    while ((rc = otlp_edit_event(ed, &ev)) > 0) {
        if (pick(4) == 0)
            require(otlp_edit_drop(ed, OTLP_EDIT_EVENT) == 1);
        else
            edit_attrs(ed, OTLP_EDIT_EVENT);
    }
    if (pick(2))
        (void)otlp_edit_span_limit(ed, OTLP_EDIT_LINK, pick(3));
    while (rc >= 0 && (rc = otlp_edit_link(ed, &ln)) > 0)
        edit_attrs(ed, pick(4) ? OTLP_EDIT_LINK : OTLP_EDIT_SPAN);
    return rc < 0 ? rc : 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    int rc;
    (void)arg, (void)sp;
    if (pick(3) == 0 && (rc = edit_events_links(ed)) < 0)
        return rc;
    switch (pick(6)) {
    case 0: require(otlp_edit_drop(ed, OTLP_EDIT_SPAN) == 1); return 0;
    case 1: require(otlp_edit_span_name(ed, "renamed", 7) == 1); break;
    case 2: require(otlp_edit_span_status(ed, (int32_t)pick(3), pick(2) ? "m" : NULL, 1) == 1); break;
    case 3: edit_attrs(ed, pick(3) ? OTLP_EDIT_SPAN : OTLP_EDIT_RESOURCE); break;
    default: break;
    }
    edit_attrs(ed, (enum otlp_edit_target)pick(3));
    return 0;
}

static int on_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    (void)arg, (void)l;
    if (pick(5) == 0)
        require(otlp_edit_drop(ed, OTLP_EDIT_LOG) == 1);
    else
        edit_attrs(ed, pick(4) ? OTLP_EDIT_LOG : OTLP_EDIT_SCOPE);
    return 0;
}

static int on_metric(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    (void)arg, (void)m;
    if (pick(6) == 0)
        require(otlp_edit_drop(ed, OTLP_EDIT_METRIC) == 1);
    else if (pick(2))
        edit_attrs(ed, OTLP_EDIT_METRIC);
    return 0;
}

static int on_datapoint(void *arg, otlp_editor *ed, const otlp_metric *m,
                        const otlp_datapoint *dp)
{
    (void)arg, (void)m, (void)dp;
    if (pick(5) == 0)
        require(otlp_edit_drop(ed, OTLP_EDIT_DATAPOINT) == 1);
    else
        edit_attrs(ed, pick(4) ? OTLP_EDIT_DATAPOINT : OTLP_EDIT_METRIC);
    return 0;
}

/* The edited output as a malloc'ed copy, or NULL when editing failed. */
static uint8_t *edit(otelc_signal signal, const uint8_t *data, size_t size,
                     const otlp_edit_fns *fns, size_t *len, size_t *items)
{
    int rc = otlp_edit_run_signal(editor, signal, data, size, fns, NULL, items);
    const uint8_t *out;
    uint8_t *copy;
    if (rc != OTLP_OK) {
        require(rc < 0 && otlp_edit_output(editor, len) == NULL);
        return NULL;
    }
    out = otlp_edit_output(editor, len);
    require(out != NULL);
    copy = malloc(*len ? *len : 1);
    require(copy != NULL);
    if (*len)
        memcpy(copy, out, *len);
    return copy;
}

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Every span of a valid request kept its bytes through a pass-through. */
static void check_spans_kept(const uint8_t *in, size_t in_len, const uint8_t *out, size_t len)
{
    otlp_walker a, b;
    otlp_resource ra, rb;
    otlp_scope sa, sb;
    otlp_span pa, pb;
    otlp_walk_init(&a, in, in_len);
    otlp_walk_init(&b, out, len);
    while (otlp_walk_resource(&a, &ra) > 0) {
        require(otlp_walk_resource(&b, &rb) == 1);
        while (otlp_walk_scope(&a, &sa) > 0) {
            require(otlp_walk_scope(&b, &sb) == 1);
            while (otlp_walk_span(&a, &pa) > 0)
                require(otlp_walk_span(&b, &pb) == 1 &&
                        same(pa.raw.ptr, pa.raw.len, pb.raw.ptr, pb.raw.len));
        }
    }
    require(otlp_walk_resource(&b, &rb) == 0);
}

static int visit_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg, (void)ed, (void)sp;
    return 0;
}

static int visit_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    (void)arg, (void)ed, (void)l;
    return 0;
}

static int visit_datapoint(void *arg, otlp_editor *ed, const otlp_metric *m,
                           const otlp_datapoint *dp)
{
    (void)arg, (void)ed, (void)m, (void)dp;
    return 0;
}

/* The output validates as the signal's request, holding `items`. */
static void require_valid(otelc_signal signal, const uint8_t *out, size_t len, size_t items)
{
    size_t counted;
    require(otlp_validate_signal(signal, out, len, &counted, NULL) == OTLP_OK);
    require(counted == items);
}

/* Without callbacks only the frames read the input; visiting items adds
 * the walker's decoding, which may refuse what the frames copied. */
static void check_pass_through(otelc_signal signal, const uint8_t *data, size_t size,
                               bool valid)
{
    static const otlp_edit_fns none = {0},
                               visit = {.span = visit_span, .log = visit_log,
                                        .datapoint = visit_datapoint};
    size_t len, len2, items, items2, counted, again_len;
    uint8_t *out = edit(signal, data, size, &none, &len, &items);
    uint8_t *visited = edit(signal, data, size, &visit, &len2, &items2);
    require(!valid || (out && visited));
    require(!visited || out);
    if (!out)
        return;
    require(!visited || (same(out, len, visited, len2) && items == items2));
    if (signal == OTELC_TRACES && otlp_count_spans(data, size, &counted) == OTLP_OK)
        require(counted == items);
    uint8_t *again = edit(signal, out, len, &none, &again_len, &items2);
    require(again != NULL && same(out, len, again, again_len) && items2 == items);
    if (valid)
        require_valid(signal, out, len, items);
    if (valid && signal == OTELC_TRACES)
        check_spans_kept(data, size, out, len);
    free(again);
    free(visited);
    free(out);
}

static void check_edited(otelc_signal signal, const uint8_t *data, size_t size, bool valid)
{
    static const otlp_edit_fns fns = {.resource = on_resource, .scope = on_scope,
                                      .span = on_span, .log = on_log, .metric = on_metric,
                                      .datapoint = on_datapoint};
    size_t len, items;
    uint8_t *out;
    seed(data, size);
    out = edit(signal, data, size, &fns, &len, &items);
    if (out && valid)
        require_valid(signal, out, len, items);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const otelc_signal signals[] = {OTELC_TRACES, OTELC_METRICS, OTELC_LOGS};
    if (!editor)
        editor = otlp_editor_new();
    require(editor != NULL);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        size_t items;
        bool valid = otlp_validate_signal(signals[i], data, size, &items, NULL) == OTLP_OK;
        check_pass_through(signals[i], data, size, valid);
        check_edited(signals[i], data, size, valid);
    }
    return 0;
}
