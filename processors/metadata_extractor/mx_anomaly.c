/*
 * mx_anomaly.c: spans slower than their operation usually is, and
 * operations that start failing.
 *
 * latency     a span whose duration exceeds anomalies.latency_factor times
 *             its operation's p99 over the window, once the operation has
 *             anomalies.latency_min_samples spans there. The p99 is taken
 *             before the span counts, and recomputed every 32 spans or
 *             when the newest slice changes (not per span: it sums the
 *             window's histograms). Findings of one operation within one
 *             slice are one anomaly with a count and the worst factor.
 * error_rate  an operation's error rate over the last
 *             anomalies.error_window reaching anomalies.error_rate_
 *             threshold (with at least anomalies.error_min_calls calls)
 *             while the rest of the window stayed below it. The anomaly
 *             lasts until the rate falls under half the threshold; its
 *             error spans are counted in it and it keeps the worst rate.
 * Findings go to a ring of anomalies.max_kept, the oldest overwritten.
 */
#include <stdlib.h>
#include <string.h>

#include "mx.h"

enum { P99_EVERY = 32 };

int mx_anomaly_init(mx *m)
{
    m->ring = calloc((size_t)m->cfg->max_anomalies, sizeof(*m->ring));
    m->next_seq = 1;
    return m->ring ? 0 : -1;
}

void mx_anomaly_free(mx *m)
{
    free(m->ring);
}

const mx_anomaly *mx_anomaly_at(const mx *m, uint64_t seq)
{
    if (seq == 0)
        return NULL;
    const mx_anomaly *a = &m->ring[seq % (uint64_t)m->cfg->max_anomalies];
    return a->seq == seq ? a : NULL;
}

static mx_anomaly *anomaly_new(mx *m, enum mx_kind kind, const mx_op *op, const mx_span *s)
{
    uint64_t seq = m->next_seq++;
    mx_anomaly *a = &m->ring[seq % (uint64_t)m->cfg->max_anomalies];
    *a = (mx_anomaly){.seq = seq, .kind = kind, .service = op->service, .op = op,
                      .time_ns = (int64_t)s->sp->start_time_unix_nano};
    m->api->metric_add(m->m_anomalies[kind], 1);
    return a;
}

static void add_trace(mx_anomaly *a, const mx_span *s)
{
    a->count++;
    if (a->ntraces >= MX_EXAMPLES || s->sp->trace_id.len != 16)
        return;
    for (unsigned i = 0; i < a->ntraces; i++)
        if (memcmp(a->traces[i], s->sp->trace_id.ptr, 16) == 0)
            return;
    memcpy(a->traces[a->ntraces++], s->sp->trace_id.ptr, 16);
}

static double window_p99(mx *m, mx_op *op, uint64_t *calls)
{
    mx_sum sum;
    mx_sum_slices(op->slices, m->newest_slot - MX_SLICES + 1, m->newest_slot, &sum);
    *calls = sum.calls;
    return mx_quantile(&sum, 0.99);
}

static bool slow(mx *m, mx_op *op, const mx_span *s)
{
    if (op->since_p99++ >= P99_EVERY || op->p99_slot != m->newest_slot) {
        uint64_t calls;
        double p99 = window_p99(m, op, &calls);
        op->p99_ms = calls >= (uint64_t)m->cfg->latency_min_samples ? p99 : 0;
        op->since_p99 = 0;
        op->p99_slot = m->newest_slot;
    }
    return op->p99_ms > 0 && s->ms > m->cfg->latency_factor * op->p99_ms;
}

static void note_slow(mx *m, mx_op *op, const mx_span *s)
{
    mx_anomaly *a = (mx_anomaly *)mx_anomaly_at(m, op->slow);
    int64_t slot_ns = m->slice_ns;
    if (!a || a->time_ns / slot_ns != (int64_t)s->sp->start_time_unix_nano / slot_ns) {
        a = anomaly_new(m, MX_LATENCY, op, s);
        op->slow = a->seq;
    }
    double threshold = m->cfg->latency_factor * op->p99_ms;
    if (s->ms > a->value_ms) {
        a->value_ms = s->ms;
        a->threshold_ms = threshold;
    }
    add_trace(a, s);
}

/* The error rate of op's slices in [from, to], and their calls. */
static double rate_in(const mx_op *op, int64_t from, int64_t to, uint64_t *calls)
{
    uint64_t errors;
    mx_count_slices(op->slices, from, to, calls, &errors);
    return *calls ? (double)errors / (double)*calls : 0;
}

/* Runs after s counted in op: the window's recent and earlier rates. */
static void error_rates(const mx *m, const mx_op *op, const mx_span *s, double *recent,
                        uint64_t *calls, double *before)
{
    int64_t k = m->cfg->error_window_ns / m->slice_ns;
    k = k < 1 ? 1 : k;
    uint64_t earlier;
    *recent = rate_in(op, s->slot - k + 1, s->slot, calls);
    *before = rate_in(op, m->newest_slot - MX_SLICES + 1, s->slot - k, &earlier);
}

/* The error_rate anomaly a failing span starts, or NULL. */
static mx_anomaly *start_episode(mx *m, mx_op *op, const mx_span *s, double recent,
                                 uint64_t calls, double before)
{
    double threshold = m->cfg->error_rate_threshold;
    if (calls < (uint64_t)m->cfg->error_min_calls || recent < threshold || before >= threshold)
        return NULL;
    mx_anomaly *a = anomaly_new(m, MX_ERROR_RATE, op, s);
    a->baseline = before;
    a->threshold = threshold;
    op->episode = a->seq;
    return a;
}

static bool failing(mx *m, mx_op *op, const mx_span *s)
{
    double recent, before;
    uint64_t calls;
    mx_anomaly *a = (mx_anomaly *)mx_anomaly_at(m, op->episode);
    if (!a && !s->error)
        return false; /* only an error can start one */
    error_rates(m, op, s, &recent, &calls, &before);
    if (a && recent < m->cfg->error_rate_threshold / 2) {
        op->episode = 0; /* recovered */
        return false;
    }
    if (!s->error || (!a && !(a = start_episode(m, op, s, recent, calls, before))))
        return false;
    if (recent > a->error_rate)
        a->error_rate = recent;
    add_trace(a, s);
    return true;
}

const char *mx_anomaly_check(mx *m, mx_op *op, const mx_span *s)
{
    bool is_slow = slow(m, op, s);
    mx_slice_add(op->slices, s);
    if (is_slow)
        note_slow(m, op, s);
    if (failing(m, op, s))
        return "error_rate";
    return is_slow ? "latency" : NULL;
}
