/*
 * converter.c: the converter processor plugin. It brings spans into the
 * canonical form that is stored and queried: current semantic-convention
 * keys, configured renames, deletes, resource moves, coerced types and
 * span limits. A batch no rule touches passes on as it is, decided on the
 * wire without decoding or allocating; any other is rewritten on the wire
 * with the SDK's OTLP editor into a new batch.
 */
#include <stdlib.h>
#include <sys/uio.h>

#include "conv_config.h"
#include "conv_detect.h"
#include "conv_rewrite.h"

/* Segments walked one by one before falling back to the flat view. */
#define MAX_SEGMENTS 32

typedef struct cv_metrics {
    otelc_series *converted, *passed, *renamed, *truncated;
    otelc_series *dropped_attributes, *dropped_events, *dropped_links;
} cv_metrics;

typedef struct cv {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    cv_spec_store store;
    conv_spec spec;
    conv_rules rules;
    bool active;
    conv_work work; /* consume is never concurrent with itself */
    cv_metrics m;
} cv;

/* Registers one counter labelled with this instance into *out. */
static void counter(cv *c, otelc_series **out, const char *name, const char *help)
{
    const char *labels[] = {"processor", c->api->instance_id(c->ctx), "pipeline",
                            c->api->pipeline_id(c->ctx), NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER, .labels = labels};
    *out = c->api->metric(c->ctx, &d);
}

static int register_metrics(cv *c)
{
    cv_metrics *m = &c->m;
    counter(c, &m->converted, "otelcol_processor_converter_converted_spans_total",
            "Spans in batches the converter rewrote");
    counter(c, &m->passed, "otelcol_processor_converter_passed_spans_total",
            "Spans in batches no rule touched, passed on undecoded");
    counter(c, &m->renamed, "otelcol_processor_converter_renamed_attributes_total",
            "Deprecated attributes renamed to their current keys");
    counter(c, &m->truncated, "otelcol_processor_converter_truncated_values_total",
            "Attribute values cut to max_attribute_value_length");
    counter(c, &m->dropped_attributes, "otelcol_processor_converter_dropped_attributes_total",
            "Span attributes dropped by max_attributes_per_span");
    counter(c, &m->dropped_events, "otelcol_processor_converter_dropped_events_total",
            "Span events dropped by max_events_per_span");
    counter(c, &m->dropped_links, "otelcol_processor_converter_dropped_links_total",
            "Span links dropped by max_links_per_span");
    return m->converted && m->passed && m->renamed && m->truncated && m->dropped_attributes &&
                   m->dropped_events && m->dropped_links
               ? 0
               : -1;
}

static int cv_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    char why[200];
    cv *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    c->ctx = ctx;
    c->api = api;
    if (cv_config_read(ctx, api, cfgp, &c->spec, &c->store) != 0)
        goto out_free;
    if (conv_rules_build(&c->rules, &c->spec, why, sizeof(why)) != 0) {
        api->config_error(ctx, NULL, "%s", why);
        goto out_store;
    }
    if (register_metrics(c) != 0 || conv_work_init(&c->work) != 0)
        goto out_rules;
    c->active = conv_rules_active(&c->rules);
    *state = c;
    return 0;
out_rules:
    conv_rules_free(&c->rules);
out_store:
    cv_spec_store_free(&c->store);
out_free:
    free(c);
    return -1;
}

/* 1 when a rule touches b, 0 when none does, -1 malformed, -2 no memory.
 * Walks the segments where it can: each is a whole request. */
static int touches(cv *c, otelc_batch *b)
{
    struct iovec iov[MAX_SEGMENTS];
    size_t n = otelc_batch_segments(b, iov, MAX_SEGMENTS);
    int rc = 0;
    for (size_t i = 0; n <= MAX_SEGMENTS && i < n && rc == 0; i++)
        rc = conv_touches(&c->rules, iov[i].iov_base, iov[i].iov_len);
    if (n <= MAX_SEGMENTS && rc >= 0)
        return rc;
    const uint8_t *flat = otelc_batch_flat(b);
    if (!flat)
        return -2;
    rc = conv_touches(&c->rules, flat, otelc_batch_len(b));
    return rc < 0 ? -1 : rc;
}

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static void count(cv *c, const conv_stats *st, uint32_t spans)
{
    c->api->metric_add(c->m.converted, spans);
    c->api->metric_add(c->m.renamed, (double)st->renamed);
    c->api->metric_add(c->m.truncated, (double)st->truncated);
    c->api->metric_add(c->m.dropped_attributes, (double)st->dropped_attributes);
    c->api->metric_add(c->m.dropped_events, (double)st->dropped_events);
    c->api->metric_add(c->m.dropped_links, (double)st->dropped_links);
}

/* The changed batch, or NULL with *st saying why not. */
static otelc_batch *rewrite(cv *c, otelc_batch *b, otelc_status *st)
{
    conv_stats stats = {0};
    uint8_t *out;
    size_t len;
    const uint8_t *flat = otelc_batch_flat(b);
    int rc = flat ? conv_rewrite(&c->rules, &c->work, flat, otelc_batch_len(b), &out, &len,
                                 &stats)
                  : CONV_ENOMEM;
    if (rc != CONV_OK) {
        *st = rc == CONV_ENOMEM ? OTELC_RETRY : OTELC_REJECT;
        if (rc != CONV_ENOMEM)
            c->api->log(c->ctx, OTELC_LOG_WARN, "a request that does not decode was refused");
        return NULL;
    }
    uint32_t spans = otelc_batch_spans(b);
    otelc_batch *nb = c->api->batch_adopt(out, len, spans, free_buf, NULL, otelc_batch_meta_of(b));
    if (!nb) {
        free(out);
        *st = OTELC_RETRY;
        return NULL;
    }
    count(c, &stats, spans);
    return nb;
}

static otelc_status cv_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    cv *c = state;
    int touched = c->active ? touches(c, b) : 0;
    if (touched == 0) {
        c->api->metric_add(c->m.passed, otelc_batch_spans(b));
        return c->api->emit_ticket(c->ctx, b, t);
    }
    if (touched < 0) {
        if (touched == -1)
            c->api->log(c->ctx, OTELC_LOG_WARN, "a malformed request was refused");
        return touched == -1 ? OTELC_REJECT : OTELC_RETRY;
    }
    otelc_status st;
    otelc_batch *nb = rewrite(c, b, &st);
    if (!nb)
        return st;
    st = c->api->emit_ticket(c->ctx, nb, t);
    otelc_batch_unref(nb);
    return st;
}

static int cv_shutdown(void *state, int64_t deadline_ns)
{
    return 0; /* holds nothing between calls */
}

static void cv_destroy(void *state)
{
    cv *c = state;
    conv_work_fini(&c->work);
    conv_rules_free(&c->rules);
    cv_spec_store_free(&c->store);
    free(c);
}

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "converter",
    .version = "1.0.0",
    .doc = "brings spans into the canonical stored form (semantic conventions, limits)",
    .config_keys = cv_config_keys,
    .config_size = sizeof(cv_cfg),
    .create = cv_create,
    .consume = cv_consume,
    .shutdown = cv_shutdown,
    .destroy = cv_destroy,
};

OTELC_PLUGIN(desc)
