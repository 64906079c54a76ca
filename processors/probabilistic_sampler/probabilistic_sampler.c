/*
 * probabilistic_sampler.c: the collector's probabilistic_sampler
 * processor, for traces. Each span is kept or dropped on its own, from
 * its trace id (so every span of a trace gets the same answer, in every
 * request and on every collector with the same settings), its tracestate
 * and its sampling.priority attribute (decide.c). Dropped spans are gone:
 * that is the processor's purpose, and they are counted. Kept spans in
 * the OTEP 235 modes, and in hash_seed mode when the span carried no
 * sampling information, leave with the threshold in their tracestate.
 * Requests in which nothing changes go on as they came (no copy).
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>

#include "decide.h"
#include "ps_config.h"

enum { M_TRACES_SAMPLED, M_SPANS_PROCESSED, M_COUNT };

typedef struct ps_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    ps_sampler sampler;
    otlp_editor *ed; /* consume never runs concurrently with itself */
    ps_verdict verdict;
    char ts_out[PS_TS_FORMAT_MAX];
    otelc_series *series[M_COUNT][PS_POLICY_COUNT][2]; /* registered on first use */
} ps_proc;

/* One request's pass. */
typedef struct ps_pass {
    ps_proc *p;
    size_t dropped, rewritten;
    uint64_t counts[PS_POLICY_COUNT][2];
} ps_pass;

static void log_error(ps_proc *p, const ps_verdict *v)
{
    /* The collector's levels: its own conditions at debug, a tracestate
     * it cannot read at info. */
    otelc_log_level lvl = v->error == PS_ERR_TRACESTATE ? OTELC_LOG_INFO : OTELC_LOG_DEBUG;
    p->api->log(p->ctx, lvl, "traces sampler: %s", ps_error_text(v->error, v->ts_error));
}

/* Writes the kept span's new tracestate unless it reads as it came. */
static int rewrite_tracestate(ps_proc *p, otlp_editor *ed, const otlp_span *sp, ps_pass *ps)
{
    long n = ps_tracestate_format(&p->verdict.ts, p->ts_out, sizeof(p->ts_out));
    if (n < 0)
        return 0; /* cannot happen: the buffer fits any tracestate */
    if ((size_t)n == sp->trace_state.len &&
        (n == 0 || memcmp(p->ts_out, sp->trace_state.ptr, (size_t)n) == 0))
        return 0;
    ps->rewritten++;
    return otlp_edit_span_trace_state(ed, p->ts_out, (size_t)n) < 0 ? -1 : 0;
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    ps_pass *ps = arg;
    ps_proc *p = ps->p;
    ps_verdict *v = &p->verdict;
    ps_span_in in = {sp->trace_id.ptr, sp->trace_id.len, (const char *)sp->trace_state.ptr,
                     sp->trace_state.len, ps_span_priority(sp)};
    ps_decide(&p->sampler, &in, v);
    if (v->error != PS_ERR_NONE)
        log_error(p, v);
    if (v->raise_refused)
        p->api->log(p->ctx, OTELC_LOG_DEBUG,
                    "traces sampler: cannot raise existing sampling probability");
    ps->counts[v->policy][v->sampled]++;
    if (!v->sampled) {
        ps->dropped++;
        return otlp_edit_drop(ed, OTLP_EDIT_SPAN) < 0 ? -1 : 0;
    }
    return v->rewrite ? rewrite_tracestate(p, ed, sp, ps) : 0;
}

/* Registers the series of (metric, policy, sampled) into its slot. */
static void register_series(ps_proc *p, int metric, ps_policy policy, int sampled)
{
    static const char *const names[M_COUNT] = {
        "otelcol_processor_probabilistic_sampler_count_traces_sampled_total",
        "otelcol_processor_probabilistic_sampler_count_spans_processed_total"};
    const char *labels[] = {"processor", p->api->instance_id(p->ctx),
                            "pipeline",  p->api->pipeline_id(p->ctx),
                            "policy",    ps_policy_name(policy),
                            "sampled",   sampled ? "true" : "false",
                            NULL};
    otelc_metric_desc d = {.name = names[metric], .type = OTELC_COUNTER, .labels = labels,
                           .help = "Count of spans that were sampled or not"};
    p->series[metric][policy][sampled] = p->api->metric(p->ctx, &d);
}

static void count(ps_proc *p, const ps_pass *ps)
{
    for (int pol = 0; pol < PS_POLICY_COUNT; pol++)
        for (int smp = 0; smp < 2; smp++)
            for (int m = 0; m < M_COUNT && ps->counts[pol][smp]; m++) {
                if (!p->series[m][pol][smp])
                    register_series(p, m, (ps_policy)pol, smp);
                if (p->series[m][pol][smp])
                    p->api->metric_add(p->series[m][pol][smp], (double)ps->counts[pol][smp]);
            }
}

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

/* The edited request goes on; none when every span was dropped. */
static otelc_status emit_edited(ps_proc *p, otelc_batch *b, size_t spans, otelc_ticket *t)
{
    uint8_t *out;
    size_t len;
    if (spans == 0)
        return OTELC_OK; /* nothing left to pass on: the request is done */
    if (otlp_edit_take(p->ed, &out, &len) != OTLP_OK)
        return OTELC_RETRY;
    otelc_batch *nb = p->api->batch_adopt(out, len, (uint32_t)spans, free_buf, NULL,
                                          otelc_batch_meta_of(b));
    if (!nb) {
        free(out); /* adopt did not take it */
        return OTELC_RETRY;
    }
    otelc_status st = p->api->emit_ticket(p->ctx, nb, t);
    otelc_batch_unref(nb);
    return st;
}

/* b is lent: its bytes are read during the call only. */
static otelc_status ps_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    static const otlp_edit_fns fns = {.span = on_span};
    ps_proc *p = state;
    ps_pass ps = {.p = p};
    const uint8_t *in = otelc_batch_flat(b);
    size_t spans;
    if (!in)
        return OTELC_RETRY;
    int rc = otlp_edit_run(p->ed, in, otelc_batch_len(b), &fns, &ps, &spans);
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc != OTLP_OK) {
        p->api->log(p->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    count(p, &ps);
    if (ps.dropped == 0 && ps.rewritten == 0)
        return p->api->emit_ticket(p->ctx, b, t);
    return emit_edited(p, b, spans, t);
}

static void ps_destroy(void *state)
{
    ps_proc *p = state;
    otlp_editor_free(p->ed);
    free(p);
}

static int ps_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    ps_settings set;
    if (ps_config_read(ctx, api, cfg, &set) != 0)
        return -1;
    ps_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->api = api;
    p->ed = otlp_editor_new();
    if (!p->ed) {
        free(p);
        return -1;
    }
    ps_sampler_init(&p->sampler, set.percentage, set.mode, set.seed, set.precision,
                    set.fail_closed);
    *state = p;
    return 0;
}

static int ps_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between requests */
}

static const otelc_plugin ps_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "probabilistic_sampler",
    .version = "1.0.0",
    .doc = "keeps a share of traces, decided by trace id (hash_seed, proportional, equalizing)",
    .config_keys = ps_config_keys,
    .config_size = sizeof(ps_cfg),
    .create = ps_create,
    .consume = ps_consume,
    .shutdown = ps_shutdown,
    .destroy = ps_destroy,
};

OTELC_PLUGIN(ps_desc)
