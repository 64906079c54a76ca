/*
 * probabilistic_sampler.c: the collector's probabilistic_sampler
 * processor, for traces and logs. Each span is kept or dropped on its
 * own, from its trace id (so every span of a trace gets the same answer,
 * in every request and on every collector with the same settings), its
 * tracestate and its sampling.priority attribute (decide.c); each log
 * record likewise from its trace id or its from_attribute, its
 * sampling.randomness / sampling.threshold attributes and its
 * sampling_priority attribute (ps_logs.c). Dropped items are gone: that
 * is the processor's purpose, and they are counted. Kept items in the
 * OTEP 235 modes, and in hash_seed mode when they carried no sampling
 * information, leave with the threshold (a span in its tracestate, a log
 * record in attributes). Requests in which nothing changes go on as they
 * came (no copy).
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/signal.h>

#include "decide.h"
#include "ps_config.h"
#include "ps_logs.h"

enum { M_TRACES_SAMPLED, M_SPANS_PROCESSED, M_LOGS_SAMPLED, M_COUNT };

typedef struct ps_proc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    ps_settings set;
    ps_sampler sampler;
    otlp_editor *ed; /* consume never runs concurrently with itself */
    ps_verdict verdict;
    char ts_out[PS_TS_FORMAT_MAX];
    attr_buf text;   /* a log record's from_attribute as text */
    otelc_series *series[M_COUNT][PS_POLICY_COUNT][2]; /* registered on first use */
} ps_proc;

/* One request's pass. */
typedef struct ps_pass {
    ps_proc *p;
    bool logs;
    size_t dropped, rewritten;
    uint64_t counts[PS_POLICY_COUNT][2];
} ps_pass;

static void log_error(ps_proc *p, const ps_verdict *v, bool logs)
{
    /* The collector's levels: its own conditions at debug, sampling
     * information it cannot read at info. */
    otelc_log_level lvl = v->error == PS_ERR_TRACESTATE ? OTELC_LOG_INFO : OTELC_LOG_DEBUG;
    p->api->log(p->ctx, lvl, "%s sampler: %s", logs ? "logs" : "traces",
                ps_error_text(v->error, v->ts_error));
}

/* Logs and counts a decision; true when the item is kept. */
static bool note(ps_pass *ps, const ps_verdict *v)
{
    if (v->error != PS_ERR_NONE)
        log_error(ps->p, v, ps->logs);
    if (v->raise_refused)
        ps->p->api->log(ps->p->ctx, OTELC_LOG_DEBUG, "%s sampler: cannot raise existing "
                        "sampling probability", ps->logs ? "logs" : "traces");
    ps->counts[v->policy][v->sampled]++;
    ps->dropped += !v->sampled;
    return v->sampled;
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
    ps_span_in in = {.trace_id = sp->trace_id.ptr, .trace_id_len = sp->trace_id.len,
                     .tracestate = (const char *)sp->trace_state.ptr,
                     .tracestate_len = sp->trace_state.len, .priority = ps_span_priority(sp)};
    ps_decide(&p->sampler, &in, v);
    if (!note(ps, v))
        return otlp_edit_drop(ed, OTLP_EDIT_SPAN) < 0 ? -1 : 0;
    return v->rewrite ? rewrite_tracestate(p, ed, sp, ps) : 0;
}

static int on_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    ps_pass *ps = arg;
    ps_proc *p = ps->p;
    ps_span_in in;
    ps_log_input(&p->set, l, &p->text, &in);
    ps_decide(&p->sampler, &in, &p->verdict);
    if (!note(ps, &p->verdict))
        return otlp_edit_drop(ed, OTLP_EDIT_LOG) < 0 ? -1 : 0;
    int rc = p->verdict.rewrite ? ps_log_mark(ed, &in, &p->verdict) : 0;
    ps->rewritten += rc > 0;
    return rc < 0 ? rc : 0;
}

/* Registers the series of (metric, policy, sampled) into its slot. A
 * record's from_attribute names its policy, as in the collector. */
static void register_series(ps_proc *p, int metric, ps_policy policy, int sampled)
{
    static const char *const names[M_COUNT] = {
        "otelcol_processor_probabilistic_sampler_count_traces_sampled_total",
        "otelcol_processor_probabilistic_sampler_count_spans_processed_total",
        "otelcol_processor_probabilistic_sampler_count_logs_sampled_total"};
    const char *name = policy == PS_POLICY_ATTRIBUTE && p->set.from_attribute
                           ? p->set.from_attribute
                           : ps_policy_name(policy);
    const char *labels[] = {"processor", p->api->instance_id(p->ctx),
                            "pipeline",  p->api->pipeline_id(p->ctx),
                            "policy",    name,
                            "sampled",   sampled ? "true" : "false",
                            NULL};
    otelc_metric_desc d = {.name = names[metric], .type = OTELC_COUNTER, .labels = labels,
                           .help = metric == M_LOGS_SAMPLED
                                       ? "Count of logs that were sampled or not"
                                       : "Count of spans that were sampled or not"};
    p->series[metric][policy][sampled] = p->api->metric(p->ctx, &d);
}

static void count(ps_proc *p, const ps_pass *ps)
{
    int first = ps->logs ? M_LOGS_SAMPLED : M_TRACES_SAMPLED;
    int last = ps->logs ? M_LOGS_SAMPLED : M_SPANS_PROCESSED;
    for (int pol = 0; pol < PS_POLICY_COUNT; pol++)
        for (int smp = 0; smp < 2; smp++)
            for (int m = first; m <= last && ps->counts[pol][smp]; m++) {
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
    static const otlp_edit_fns fns = {.span = on_span, .log = on_log};
    ps_proc *p = state;
    otelc_signal s = otelc_batch_signal(b);
    ps_pass ps = {.p = p, .logs = s == OTELC_LOGS};
    const uint8_t *in = otelc_batch_flat(b);
    size_t spans;
    if (!in)
        return OTELC_RETRY;
    int rc = otlp_edit_run_signal(p->ed, s, in, otelc_batch_len(b), &fns, &ps, &spans);
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
    attr_buf_free(&p->text);
    free(p);
}

/* The logs keys say nothing for spans: say so once, in a traces
 * pipeline, where they are set. */
static void note_logs_keys(ps_proc *p)
{
    uint32_t fed = otelc_host_has(p->api, signals_fed) ? p->api->signals_fed(p->ctx) : 0;
    bool traces = otelc_signal_only(fed) == OTELC_TRACES;
    if (traces && (p->set.from_attribute || p->set.sampling_priority || p->set.trace_id_off))
        p->api->log(p->ctx, OTELC_LOG_INFO, "attribute_source, from_attribute and "
                                            "sampling_priority apply to logs: spans are sampled "
                                            "by trace id");
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
    p->set = set;
    p->ed = otlp_editor_new();
    if (!p->ed) {
        free(p);
        return -1;
    }
    note_logs_keys(p);
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
    .doc = "keeps a share of traces and logs, decided by trace id or a record attribute "
           "(hash_seed, proportional, equalizing)",
    .config_keys = ps_config_keys,
    .config_size = sizeof(ps_cfg),
    .signals = OTELC_TRACES | OTELC_LOGS,
    .create = ps_create,
    .consume = ps_consume,
    .shutdown = ps_shutdown,
    .destroy = ps_destroy,
};

OTELC_PLUGIN(ps_desc)
