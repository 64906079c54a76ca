/*
 * report.c: what an ended upload means for health, pause state, logs and
 * metrics. Runs on the loop thread.
 */
#include <stdio.h>
#include <string.h>
#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "awss3.h"

#define SAME_FAILURE_QUIET_NS (30 * 1000000000LL) /* repeat a failure line at most this often */

/* Logs a failure at level, or at debug when the same reason was logged
 * recently, so an outage costs a line per 30 s and not one per retry. */
static void log_failure(awss3 *x, otelc_log_level level, const s3_upload *u, const char *reason,
                        const char *then)
{
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&x->mu);
    bool repeat = strcmp(x->last_failure, reason) == 0 &&
                  now - x->last_failure_ns < SAME_FAILURE_QUIET_NS;
    if (!repeat) {
        snprintf(x->last_failure, sizeof(x->last_failure), "%s", reason);
        x->last_failure_ns = now;
    }
    pthread_mutex_unlock(&x->mu);
    x->api->log(x->ctx, repeat ? OTELC_LOG_DEBUG : level, "upload of %s (%u %s) failed: %s; %s",
                u->payload->key, u->payload->spans, otelc_signal_items(u->payload->signal),
                reason, then);
}

static void report_ok(awss3 *x, const s3_upload *u)
{
    const s3_payload *p = u->payload;
    x->api->metric_add(x->bytes, (double)p->len);
    x->api->log(x->ctx, OTELC_LOG_DEBUG, "uploaded %s: %u %s, %llu bytes, %u part(s)", p->key,
                p->spans, otelc_signal_items(p->signal), (unsigned long long)p->len,
                p->plan.nparts);
    if (atomic_exchange(&x->paused, false)) {
        x->api->exporter_resume(x->ctx);
        x->api->log(x->ctx, OTELC_LOG_INFO, "S3 accepts uploads again");
    } else if (atomic_exchange(&x->degraded, false)) {
        x->api->health(x->ctx, OTELC_HEALTH_OK, NULL);
    }
    pthread_mutex_lock(&x->mu);
    x->last_failure[0] = 0;
    pthread_mutex_unlock(&x->mu);
}

static void report_pause(awss3 *x, const s3_upload *u, const char *reason)
{
    log_failure(x, OTELC_LOG_ERROR, u, reason, "pausing the exporter, the data is kept");
    atomic_store(&x->paused, true);
    atomic_store(&x->degraded, false);
    x->api->exporter_pause(x->ctx, reason);
    if (u->creds->source == S3_CREDS_FILE) {
        pthread_mutex_lock(&x->mu);
        x->creds_stale = true; /* a fixed file is picked up by the next probe */
        pthread_mutex_unlock(&x->mu);
    }
}

void awss3_report(awss3 *x, const s3_upload *u, s3_verdict v, const char *reason)
{
    x->api->metric_add(x->uploads[v], 1);
    switch (v) {
    case S3_OK: report_ok(x, u); break;
    case S3_RETRY:
        log_failure(x, OTELC_LOG_WARN, u, reason, "will retry");
        if (!atomic_load(&x->paused)) {
            atomic_store(&x->degraded, true);
            x->api->health(x->ctx, OTELC_HEALTH_DEGRADED, reason);
        }
        break;
    case S3_PAUSE: report_pause(x, u, reason); break;
    case S3_REJECT:
        x->api->log(x->ctx, OTELC_LOG_ERROR, "S3 refused %s (%u %s) for good: %s",
                    u->payload->key, u->payload->spans, otelc_signal_items(u->payload->signal),
                    reason);
        break;
    }
}
