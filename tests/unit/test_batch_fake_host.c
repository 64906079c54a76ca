/* test_batch_fake_host.c: see test_batch_fake_host.h. */
#include "test_batch_fake_host.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "runtime/batch.h"

struct otelc_series {
    char name[128];
    otelc_metric_type type;
    double value;
    uint64_t count;
    double sum;
};

typedef struct pending {
    otelc_done_fn done;
    void *arg;
    otelc_ticket *t; /* emit_ticket: completed through fh_api.complete */
} pending;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    otelc_status mode;
    otelc_batch *emitted[FH_MAX];
    size_t nemitted;
    pending pend[FH_MAX];
    size_t npend;
    otelc_ticket *tickets[FH_MAX];
    size_t ntickets;
    struct otelc_series series[32];
    size_t nseries;
    char logs[64][256];
    size_t nlogs;
} fh = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int ctx_dummy;
otelc_ctx *const fh_ctx = (otelc_ctx *)&ctx_dummy;

void fh_set_mode(otelc_status mode)
{
    pthread_mutex_lock(&fh.mu);
    fh.mode = mode;
    pthread_mutex_unlock(&fh.mu);
}

static void fake_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void fake_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&fh.mu);
    if (fh.nlogs < 64)
        snprintf(fh.logs[fh.nlogs++], sizeof(fh.logs[0]), "%s", line);
    pthread_mutex_unlock(&fh.mu);
}

static void fake_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
    OTELC_PRINTF(3, 4);
static void fake_config_error(otelc_ctx *ctx, const otelc_node *at, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fake_log(ctx, OTELC_LOG_ERROR, "config: %s", line);
}

/* fh_set_mode_from: emits from number `at` on answer `mode`. */
static struct {
    bool armed;
    size_t at, emits;
    otelc_status mode;
} mode_switch;

void fh_set_mode_from(size_t at, otelc_status mode)
{
    pthread_mutex_lock(&fh.mu);
    mode_switch.armed = true;
    mode_switch.at = at;
    mode_switch.mode = mode;
    pthread_mutex_unlock(&fh.mu);
}

static otelc_status record(otelc_batch *b, otelc_done_fn done, void *arg, otelc_ticket *t)
{
    pthread_mutex_lock(&fh.mu);
    otelc_status st = mode_switch.armed && mode_switch.emits >= mode_switch.at ? mode_switch.mode
                                                                                : fh.mode;
    mode_switch.emits++;
    if (st == OTELC_OK || st == OTELC_PENDING) {
        if (fh.nemitted < FH_MAX)
            fh.emitted[fh.nemitted++] = otelc_batch_ref(b);
        pthread_cond_broadcast(&fh.cond);
    }
    if (st == OTELC_PENDING && fh.npend < FH_MAX)
        fh.pend[fh.npend++] = (pending){done, arg, t};
    pthread_mutex_unlock(&fh.mu);
    return st;
}

static otelc_status fake_emit(otelc_ctx *ctx, otelc_batch *b, otelc_done_fn done, void *arg)
{
    return record(b, done, arg, NULL);
}

static otelc_status fake_emit_ticket(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t)
{
    return record(b, NULL, NULL, t);
}

static void fake_complete(otelc_ticket *t, otelc_status st)
{
    pthread_mutex_lock(&fh.mu);
    t->completions++;
    t->status = st;
    pthread_mutex_unlock(&fh.mu);
}

static otelc_series *fake_metric(otelc_ctx *ctx, const otelc_metric_desc *d)
{
    pthread_mutex_lock(&fh.mu);
    otelc_series *s = NULL;
    for (size_t i = 0; i < fh.nseries && !s; i++)
        if (strcmp(fh.series[i].name, d->name) == 0)
            s = &fh.series[i];
    if (!s && fh.nseries < 32) {
        s = &fh.series[fh.nseries++];
        memset(s, 0, sizeof(*s));
        snprintf(s->name, sizeof(s->name), "%s", d->name);
        s->type = d->type;
    }
    pthread_mutex_unlock(&fh.mu);
    return s;
}

static void fake_add(otelc_series *s, double v)
{
    pthread_mutex_lock(&fh.mu);
    s->value += v;
    pthread_mutex_unlock(&fh.mu);
}

static void fake_set(otelc_series *s, double v)
{
    pthread_mutex_lock(&fh.mu);
    s->value = v;
    pthread_mutex_unlock(&fh.mu);
}

static void fake_observe(otelc_series *s, double v)
{
    pthread_mutex_lock(&fh.mu);
    s->count++;
    s->sum += v;
    pthread_mutex_unlock(&fh.mu);
}

static const char *fake_instance_id(otelc_ctx *ctx)
{
    return "proc/test";
}

static const char *fake_pipeline_id(otelc_ctx *ctx)
{
    return "traces";
}

static atomic_int consume_ready_calls;

static void fake_consume_ready(otelc_ctx *ctx)
{
    atomic_fetch_add(&consume_ready_calls, 1);
}

int fh_consume_ready_calls(void)
{
    return atomic_load(&consume_ready_calls);
}

/* export_batching: the last request, copied, and how many came. */
static otelc_batching batching;
static int batching_calls;

static int fake_export_batching(otelc_ctx *ctx, const otelc_batching *b)
{
    pthread_mutex_lock(&fh.mu);
    batching = *b;
    batching_calls++;
    pthread_mutex_unlock(&fh.mu);
    return 0;
}

int fh_batching(otelc_batching *out)
{
    pthread_mutex_lock(&fh.mu);
    int n = batching_calls;
    if (out)
        *out = batching;
    pthread_mutex_unlock(&fh.mu);
    return n;
}

const otelc_host_api fh_api = {
    .struct_size = sizeof(otelc_host_api),
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .log = fake_log,
    .batch_adopt = batch_adopt,
    .batch_copy = batch_copy,
    .batch_merge = batch_merge,
    .emit = fake_emit,
    .emit_ticket = fake_emit_ticket,
    .complete = fake_complete,
    .metric = fake_metric,
    .metric_add = fake_add,
    .metric_set = fake_set,
    .metric_observe = fake_observe,
    .config_error = fake_config_error,
    .instance_id = fake_instance_id,
    .pipeline_id = fake_pipeline_id,
    .consume_ready = fake_consume_ready,
    .export_batching = fake_export_batching,
};

size_t fh_emitted(void)
{
    pthread_mutex_lock(&fh.mu);
    size_t n = fh.nemitted;
    pthread_mutex_unlock(&fh.mu);
    return n;
}

otelc_batch *fh_emitted_at(size_t i)
{
    pthread_mutex_lock(&fh.mu);
    otelc_batch *b = i < fh.nemitted ? fh.emitted[i] : NULL;
    pthread_mutex_unlock(&fh.mu);
    return b;
}

uint64_t fh_emitted_spans(void)
{
    uint64_t n = 0;
    pthread_mutex_lock(&fh.mu);
    for (size_t i = 0; i < fh.nemitted; i++)
        n += otelc_batch_spans(fh.emitted[i]);
    pthread_mutex_unlock(&fh.mu);
    return n;
}

int64_t fh_deadline(int ms)
{
    return otelc_mono_ns() + (int64_t)ms * 1000000;
}

size_t fh_wait_emitted(size_t n, int ms)
{
    struct timespec ts = otelc_timespec(otelc_real_ns() + (int64_t)ms * 1000000);
    pthread_mutex_lock(&fh.mu);
    while (fh.nemitted < n && pthread_cond_timedwait(&fh.cond, &fh.mu, &ts) == 0) {
    }
    size_t got = fh.nemitted;
    pthread_mutex_unlock(&fh.mu);
    return got;
}

size_t fh_finish_pending(otelc_status st)
{
    pending todo[FH_MAX];
    pthread_mutex_lock(&fh.mu);
    size_t n = fh.npend;
    memcpy(todo, fh.pend, n * sizeof(todo[0]));
    fh.npend = 0;
    pthread_mutex_unlock(&fh.mu);
    for (size_t i = 0; i < n; i++) {
        if (todo[i].t)
            fake_complete(todo[i].t, st);
        else
            todo[i].done(todo[i].arg, st);
    }
    return n;
}

otelc_ticket *fh_ticket(int id)
{
    otelc_ticket *t = calloc(1, sizeof(*t));
    t->id = id;
    pthread_mutex_lock(&fh.mu);
    if (fh.ntickets < FH_MAX)
        fh.tickets[fh.ntickets++] = t;
    pthread_mutex_unlock(&fh.mu);
    return t;
}

bool fh_done(const otelc_ticket *t)
{
    pthread_mutex_lock(&fh.mu);
    bool done = t->completions > 0;
    pthread_mutex_unlock(&fh.mu);
    return done;
}

bool fh_wait_done(const otelc_ticket *t, int ms)
{
    for (int i = 0; i < ms && !fh_done(t); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return fh_done(t);
}

static struct otelc_series *find_series(const char *name)
{
    for (size_t i = 0; i < fh.nseries; i++)
        if (strcmp(fh.series[i].name, name) == 0)
            return &fh.series[i];
    return NULL;
}

double fh_metric(const char *name)
{
    pthread_mutex_lock(&fh.mu);
    struct otelc_series *s = find_series(name);
    double v = s ? s->value : 0;
    pthread_mutex_unlock(&fh.mu);
    return v;
}

uint64_t fh_observations(const char *name)
{
    pthread_mutex_lock(&fh.mu);
    struct otelc_series *s = find_series(name);
    uint64_t v = s ? s->count : 0;
    pthread_mutex_unlock(&fh.mu);
    return v;
}

double fh_observed_sum(const char *name)
{
    pthread_mutex_lock(&fh.mu);
    struct otelc_series *s = find_series(name);
    double v = s ? s->sum : 0;
    pthread_mutex_unlock(&fh.mu);
    return v;
}

size_t fh_logged(const char *needle)
{
    size_t n = 0;
    pthread_mutex_lock(&fh.mu);
    for (size_t i = 0; i < fh.nlogs; i++)
        if (strstr(fh.logs[i], needle))
            n++;
    pthread_mutex_unlock(&fh.mu);
    return n;
}

void fh_reset(void)
{
    pthread_mutex_lock(&fh.mu);
    fh.mode = OTELC_OK;
    fh.nemitted = fh.npend = fh.ntickets = fh.nseries = fh.nlogs = 0;
    batching_calls = 0;
    batching = (otelc_batching){0};
    mode_switch.armed = false;
    mode_switch.emits = 0;
    pthread_mutex_unlock(&fh.mu);
}

int fh_teardown(void)
{
    int rc = 0;
    pthread_mutex_lock(&fh.mu);
    for (size_t i = 0; i < fh.nemitted; i++)
        otelc_batch_unref(fh.emitted[i]);
    for (size_t i = 0; i < fh.ntickets; i++) {
        if (fh.tickets[i]->completions > 1) {
            fprintf(stderr, "ticket %d completed %d times\n", fh.tickets[i]->id,
                    fh.tickets[i]->completions);
            rc = -1;
        }
        free(fh.tickets[i]);
    }
    fh.nemitted = fh.ntickets = 0;
    pthread_mutex_unlock(&fh.mu);
    if (fh.npend) {
        fprintf(stderr, "%zu emits were never answered\n", fh.npend);
        rc = -1;
    }
    if (batch_live_count() != 0) {
        fprintf(stderr, "%ld batches leaked\n", batch_live_count());
        rc = -1;
    }
    fh_reset();
    return rc;
}
