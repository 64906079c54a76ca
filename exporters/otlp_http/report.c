/*
 * report.c: what an ended attempt means for health, pause state, logs and
 * metrics. Loop thread.
 */
#include <stdio.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "otlp_http.h"

#define QUIET_NS (30 * 1000000000LL) /* a repeated line at most this often */

/* Logs a failure at level, or at debug when the same reason was logged
 * recently, so an outage costs a line per 30 s and not one per retry. */
static void log_failure(ohttp *x, otelc_log_level level, const otelc_request *r,
                        const char *reason, const char *then)
{
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&x->mu);
    bool repeat = strcmp(x->last_failure, reason) == 0 && now - x->last_failure_ns < QUIET_NS;
    if (!repeat) {
        snprintf(x->last_failure, sizeof(x->last_failure), "%s", reason);
        x->last_failure_ns = now;
    }
    pthread_mutex_unlock(&x->mu);
    x->api->log(x->ctx, repeat ? OTELC_LOG_DEBUG : level,
                "error exporting items, request to %s (%u %s): %s; %s",
                oh_target_of(x, r)->shown_url, r->spans, otelc_signal_items(r->signal), reason,
                then);
}

/* Partial success: counted always, logged once per interval and signal
 * with what piled up since. */
static void report_partial(ohttp *x, otelc_signal s, const oh_verdict *v)
{
    unsigned k = otelc_signal_index(s);
    if (v->rejected <= 0 && !v->reason[0])
        return;
    if (v->rejected > 0 && x->rejected[k])
        x->api->metric_add(x->rejected[k], (double)v->rejected);
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&x->mu);
    x->partial_pending[k] += v->rejected > 0 ? v->rejected : 0;
    bool due = x->partial_logged_ns[k] == 0 || now - x->partial_logged_ns[k] >= QUIET_NS;
    int64_t dropped = x->partial_pending[k];
    if (due) {
        x->partial_logged_ns[k] = now;
        x->partial_pending[k] = 0;
    }
    pthread_mutex_unlock(&x->mu);
    if (due)
        x->api->log(x->ctx, OTELC_LOG_WARN, "Partial success response: message \"%s\", "
                    "%s %lld (since the last such line)", v->reason,
                    otelc_signal_dropped_key(s), (long long)dropped);
}

static void report_ok(ohttp *x, const otelc_request *r, const oh_verdict *v)
{
    report_partial(x, r->signal, v);
    if (atomic_exchange(&x->paused, false)) {
        x->api->exporter_resume(x->ctx);
        x->api->log(x->ctx, OTELC_LOG_INFO, "%s accepts exports again",
                    oh_target_of(x, r)->shown_url);
    } else if (atomic_exchange(&x->degraded, false)) {
        x->api->health(x->ctx, OTELC_HEALTH_OK, NULL);
    }
    pthread_mutex_lock(&x->mu);
    x->last_failure[0] = 0;
    pthread_mutex_unlock(&x->mu);
}

static void report_retry(ohttp *x, const otelc_request *r, const oh_verdict *v)
{
    char then[96] = "will retry";
    if (v->retry_after_ns > 0)
        snprintf(then, sizeof(then), "will retry after the %llds the server asked for",
                 (long long)(v->retry_after_ns / 1000000000LL));
    log_failure(x, OTELC_LOG_WARN, r, v->reason, then);
    if (!atomic_load(&x->paused)) {
        atomic_store(&x->degraded, true);
        x->api->health(x->ctx, OTELC_HEALTH_DEGRADED, v->reason);
    }
}

static void report_pause(ohttp *x, const otelc_request *r, const oh_verdict *v)
{
    log_failure(x, OTELC_LOG_ERROR, r, v->reason, "pausing the exporter, the data is kept");
    atomic_store(&x->paused, true);
    atomic_store(&x->degraded, false);
    x->api->exporter_pause(x->ctx, v->reason);
}

const oh_target *oh_target_of(const ohttp *x, const otelc_request *r)
{
    return &x->set.target[otelc_signal_index(r->signal)];
}

void oh_report(ohttp *x, const otelc_request *r, oh_outcome o, const oh_verdict *v)
{
    x->api->metric_add(x->requests[o], 1);
    switch (o) {
    case OH_OUT_OK: report_ok(x, r, v); break;
    case OH_OUT_RETRY: report_retry(x, r, v); break;
    case OH_OUT_PAUSE: report_pause(x, r, v); break;
    case OH_OUT_REJECT:
        x->api->log(x->ctx, OTELC_LOG_ERROR, "error exporting items, request to %s refused %u "
                    "%s for good: %s", oh_target_of(x, r)->shown_url, r->spans,
                    otelc_signal_items(r->signal), v->reason);
        break;
    }
}
