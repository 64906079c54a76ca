/*
 * generator.c: ids, timing and request assembly of the trace generator.
 *
 * Every protobuf-c struct a request can need is allocated and linked once
 * in trace_gen_new; a build only overwrites fields and counts, so the
 * hot path allocates nothing.
 */
#include "gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ull
#define RESOURCE_ATTRS 12
#define MAX_SHAPE_NODES 32
#define ERROR_ONE_IN 20     /* traces that fail */
#define LINK_ONE_IN 16      /* roots that link to the trace before */
#define FLAG_SAMPLED 0x01u
#define FLAG_HAS_REMOTE 0x100u
#define FLAG_IS_REMOTE 0x200u

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_scope_spans;

typedef struct svc_state {
    pb_resource_spans rs;
    Opentelemetry__Proto__Resource__V1__Resource res;
    pb_scope_spans ss;
    pb_scope_spans *ssp;
    Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
    pb_kv kv[RESOURCE_ATTRS];
    pb_any val[RESOURCE_ATTRS];
    pb_kv *kvp[RESOURCE_ATTRS];
    char instance_id[37];
    char host_name[48];
    pb_span **spans;            /* max_spans entries */
} svc_state;

struct trace_gen {
    uint64_t rng;               /* choices and random halves */
    uint64_t span_seq;          /* span ids: distinct by construction */
    uint64_t trace_seq;         /* first half of trace ids: distinct too */
    size_t max_spans;
    size_t count;
    uint32_t shape_weights;
    span_slot *slots;
    svc_state svc[TRACE_GEN_SERVICES];
    pb_resource_spans *rsp[TRACE_GEN_SERVICES];
    otlp_export_req req;
    uint8_t prev_trace_id[16];
    uint8_t prev_span_id[8];
    int have_prev;
};

/* The splitmix64 finalizer: a bijection on 64-bit words. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/*
 * The next word of a splitmix64 sequence. The state steps by an odd
 * constant, so it takes 2^64 steps to repeat, and mix64 maps distinct
 * states to distinct words: no value comes twice from one sequence.
 */
static uint64_t next_word(uint64_t *state)
{
    *state += GOLDEN_GAMMA;
    return mix64(*state);
}

static uint64_t next_id(uint64_t *state)
{
    uint64_t v;
    do
        v = next_word(state);
    while (v == 0);
    return v;
}

static void put_be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static void hex(char *out, const uint8_t *in, size_t n)
{
    static const char DIGITS[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = DIGITS[in[i] >> 4];
        out[2 * i + 1] = DIGITS[in[i] & 15];
    }
}

static void init_slot(span_slot *s)
{
    opentelemetry__proto__trace__v1__span__init(&s->span);
    opentelemetry__proto__trace__v1__status__init(&s->status);
    opentelemetry__proto__trace__v1__span__event__init(&s->event);
    opentelemetry__proto__trace__v1__span__link__init(&s->link);
    opentelemetry__proto__common__v1__array_value__init(&s->array);
    for (size_t i = 0; i < GEN_MAX_ATTRS; i++) {
        opentelemetry__proto__common__v1__key_value__init(&s->kv[i]);
        opentelemetry__proto__common__v1__any_value__init(&s->val[i]);
    }
    for (size_t i = 0; i < GEN_EVENT_ATTRS; i++) {
        opentelemetry__proto__common__v1__key_value__init(&s->event_kv[i]);
        opentelemetry__proto__common__v1__any_value__init(&s->event_val[i]);
    }
    for (size_t i = 0; i < GEN_ARRAY_VALUES; i++) {
        opentelemetry__proto__common__v1__any_value__init(&s->array_val[i]);
        s->array_valp[i] = &s->array_val[i];
    }
    s->array.values = s->array_valp;
    s->span.attributes = s->kvp;
    s->eventp = &s->event;
    s->event.attributes = s->event_kvp;
    s->span.events = &s->eventp;
    s->linkp = &s->link;
    s->span.links = &s->linkp;
    s->span.status = &s->status;
    s->span.trace_id = (ProtobufCBinaryData){16, s->trace_id};
    s->span.span_id = (ProtobufCBinaryData){8, s->span_id};
    s->link.trace_id = (ProtobufCBinaryData){16, s->link_trace_id};
    s->link.span_id = (ProtobufCBinaryData){8, s->link_span_id};
    s->link.flags = FLAG_SAMPLED | FLAG_HAS_REMOTE;
}

/* A version-4 UUID and a Kubernetes-style pod name for one service. */
static void name_instance(svc_state *st, const gen_service *svc, uint64_t *rng)
{
    uint8_t b[16];
    char h[32];

    put_be64(b, next_word(rng));
    put_be64(b + 8, next_word(rng));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    hex(h, b, 16);
    snprintf(st->instance_id, sizeof(st->instance_id), "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8,
             h + 12, h + 16, h + 20);
    snprintf(st->host_name, sizeof(st->host_name), "%s-%.9s-%.5s", svc->name, h + 20, h + 2);
}

static int init_service(svc_state *st, const gen_service *svc, size_t max_spans, uint64_t *rng)
{
    st->spans = calloc(max_spans, sizeof(pb_span *));
    if (!st->spans)
        return -1;
    opentelemetry__proto__trace__v1__resource_spans__init(&st->rs);
    opentelemetry__proto__resource__v1__resource__init(&st->res);
    opentelemetry__proto__trace__v1__scope_spans__init(&st->ss);
    opentelemetry__proto__common__v1__instrumentation_scope__init(&st->scope);
    for (size_t i = 0; i < RESOURCE_ATTRS; i++) {
        opentelemetry__proto__common__v1__key_value__init(&st->kv[i]);
        opentelemetry__proto__common__v1__any_value__init(&st->val[i]);
    }
    name_instance(st, svc, rng);
    gen_attrs a = {st->kv, st->val, st->kvp, &st->res.n_attributes, RESOURCE_ATTRS};
    st->res.attributes = st->kvp;
    gen_fill_resource(&a, svc, st->instance_id, st->host_name,
                      (int64_t)(1 + next_word(rng) % 30000));
    st->scope.name = (char *)svc->scope;
    st->scope.version = (char *)svc->scope_version;
    st->ss.scope = &st->scope;
    st->ss.spans = st->spans;
    st->ssp = &st->ss;
    st->rs.resource = &st->res;
    st->rs.scope_spans = &st->ssp;
    st->rs.n_scope_spans = 1;
    st->rs.schema_url = svc->legacy ? "https://opentelemetry.io/schemas/1.20.0"
                                    : "https://opentelemetry.io/schemas/1.30.0";
    return 0;
}

trace_gen *trace_gen_new(uint64_t seed, size_t max_spans)
{
    trace_gen *g = calloc(1, sizeof(*g));

    if (!g || max_spans == 0)
        goto fail_gen;
    g->rng = mix64(seed ^ 0x5ca1ab1eull);
    g->span_seq = mix64(seed ^ 0x5ba11d5ull);
    g->trace_seq = mix64(seed ^ 0x7ace1dull);
    g->max_spans = max_spans;
    g->slots = calloc(max_spans, sizeof(*g->slots));
    if (!g->slots)
        goto fail_gen;
    for (size_t i = 0; i < max_spans; i++)
        init_slot(&g->slots[i]);
    for (size_t i = 0; i < TRACE_GEN_SERVICES; i++)
        if (init_service(&g->svc[i], &gen_services[i], max_spans, &g->rng))
            goto fail_gen;
    for (size_t i = 0; i < gen_shape_count; i++)
        g->shape_weights += gen_shapes[i].weight;
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&g->req);
    g->req.resource_spans = g->rsp;
    return g;
fail_gen:
    trace_gen_free(g);
    return NULL;
}

void trace_gen_free(trace_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < TRACE_GEN_SERVICES; i++)
        free(g->svc[i].spans);
    free(g->slots);
    free(g);
}

static const gen_shape *pick_shape(trace_gen *g)
{
    uint32_t r = (uint32_t)(next_word(&g->rng) % g->shape_weights);
    size_t i = 0;

    while (r >= gen_shapes[i].weight)
        r -= gen_shapes[i++].weight;
    return &gen_shapes[i];
}

/* Marks the node that may fail and all its ancestors, for one trace in 20. */
static void choose_failure(trace_gen *g, const gen_shape *shape, gen_trace_ctx *t)
{
    t->failing = 0;
    t->cause = NULL;
    if (next_word(&g->rng) % ERROR_ONE_IN != 0)
        return;
    for (int i = 0; i < shape->n; i++) {
        if (!shape->nodes[i].failure)
            continue;
        t->cause = shape->nodes[i].failure;
        for (int j = i; j >= 0; j = shape->nodes[j].parent)
            t->failing |= 1u << j;
        return;
    }
}

/* Child intervals nest inside their parent's, starting a little later. */
static void place_in_time(trace_gen *g, const gen_node *node, int i, uint64_t *start,
                          uint64_t *end, uint64_t now_ns)
{
    uint64_t r = next_word(&g->rng);

    if (node->parent < 0) {
        uint64_t dur = 2000000 + (r % 250) * 1000000 + ((r >> 8) % 1000000);
        end[i] = now_ns - (r >> 20) % 1000000000;
        start[i] = end[i] - dur;
        return;
    }
    uint64_t ps = start[node->parent], pe = end[node->parent];
    uint64_t s = ps + (pe - ps) * ((r >> 8) % 20) / 100;
    start[i] = s;
    end[i] = s + (pe - s) * (30 + (r >> 16) % 60) / 100 + 1;
}

static void link_to_previous(trace_gen *g, span_slot *s)
{
    s->span.n_links = 0;
    if (!g->have_prev || next_word(&g->rng) % LINK_ONE_IN != 0)
        return;
    memcpy(s->link_trace_id, g->prev_trace_id, 16);
    memcpy(s->link_span_id, g->prev_span_id, 8);
    s->span.n_links = 1;
}

static void append_to_service(trace_gen *g, uint8_t service, span_slot *s)
{
    pb_scope_spans *ss = &g->svc[service].ss;
    ss->spans[ss->n_spans++] = &s->span;
}

/* Ids, times and flags of one span; the parent's slot is NULL for a root. */
static void place_span(trace_gen *g, span_slot *s, const span_slot *parent,
                       const uint8_t *trace_id, const gen_node *node)
{
    memcpy(s->trace_id, trace_id, 16);
    put_be64(s->span_id, next_id(&g->span_seq));
    s->span.parent_span_id = (ProtobufCBinaryData){0, NULL};
    s->span.flags = FLAG_SAMPLED | FLAG_HAS_REMOTE;
    if (parent) {
        memcpy(s->parent_id, parent->span_id, 8);
        s->span.parent_span_id = (ProtobufCBinaryData){8, s->parent_id};
        if (node->role == ROLE_HTTP_SERVER || node->role == ROLE_RPC_SERVER)
            s->span.flags |= FLAG_IS_REMOTE;
    }
}

/* One trace of a random shape, cut short where the request is full. */
static void build_trace(trace_gen *g, size_t n_spans, uint64_t now_ns)
{
    const gen_shape *shape = pick_shape(g);
    uint64_t start[MAX_SHAPE_NODES], end[MAX_SHAPE_NODES];
    span_slot *slot_of[MAX_SHAPE_NODES] = {NULL};
    uint8_t trace_id[16];
    gen_trace_ctx t;

    choose_failure(g, shape, &t);
    uint64_t r = next_word(&g->rng);
    t.product = (uint32_t)(r % GEN_PRODUCTS);
    t.user = (uint32_t)((r >> 8) % 8);
    put_be64(trace_id, next_id(&g->trace_seq));
    put_be64(trace_id + 8, next_word(&g->rng));
    for (int i = 0; i < shape->n && g->count < n_spans; i++) {
        const gen_node *node = &shape->nodes[i];
        span_slot *s = &g->slots[g->count++];
        int p = node->parent;

        slot_of[i] = s;
        place_span(g, s, p < 0 ? NULL : slot_of[p], trace_id, node);
        place_in_time(g, node, i, start, end, now_ns);
        s->span.start_time_unix_nano = start[i];
        s->span.end_time_unix_nano = end[i];
        t.rnd = next_word(&g->rng);
        gen_fill_span(s, node, p < 0 ? NULL : &shape->nodes[p], &t, (t.failing >> i) & 1);
        if (p < 0)
            link_to_previous(g, s);
        else
            s->span.n_links = 0;
        append_to_service(g, node->service, s);
    }
    if (!slot_of[0])
        return;
    memcpy(g->prev_trace_id, trace_id, 16);
    memcpy(g->prev_span_id, slot_of[0]->span_id, 8);
    g->have_prev = 1;
}

const otlp_export_req *trace_gen_build(trace_gen *g, size_t n_spans, uint64_t now_ns)
{
    if (n_spans == 0 || n_spans > g->max_spans)
        return NULL;
    g->count = 0;
    for (size_t i = 0; i < TRACE_GEN_SERVICES; i++)
        g->svc[i].ss.n_spans = 0;
    while (g->count < n_spans)
        build_trace(g, n_spans, now_ns);
    g->req.n_resource_spans = 0;
    for (size_t i = 0; i < TRACE_GEN_SERVICES; i++)
        if (g->svc[i].ss.n_spans > 0)
            g->rsp[g->req.n_resource_spans++] = &g->svc[i].rs;
    return &g->req;
}

size_t trace_gen_count(const trace_gen *g)
{
    return g->count;
}

void trace_gen_span_ids(const trace_gen *g, size_t i, const uint8_t **trace_id,
                        const uint8_t **span_id)
{
    *trace_id = g->slots[i].trace_id;
    *span_id = g->slots[i].span_id;
}

size_t trace_gen_format_ids(const trace_gen *g, char *out)
{
    char *p = out;

    for (size_t i = 0; i < g->count; i++) {
        hex(p, g->slots[i].trace_id, 16);
        p[32] = ' ';
        hex(p + 33, g->slots[i].span_id, 8);
        p[49] = '\n';
        p += TRACE_GEN_ID_LINE;
    }
    return (size_t)(p - out);
}
