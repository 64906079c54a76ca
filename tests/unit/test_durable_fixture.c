/* Shared pieces of the durable queue tests (see the header). */
#include "test_durable_fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <otelc/sdk/clock.h>

#include "host_batch.h"

void fake_init(fake_exporter *f, otelc_status answer)
{
    memset(f, 0, sizeof(*f));
    atomic_init(&f->answer, answer);
    pthread_mutex_init(&f->mu, NULL);
}

void fake_fini(fake_exporter *f)
{
    for (size_t i = 0; i < f->nseen; i++)
        free(f->seen[i].bytes);
    pthread_mutex_destroy(&f->mu);
}

otelc_status fake_export(void *arg, otelc_batch *b, void **req, queue_done_fn done, void *done_arg)
{
    fake_exporter *f = arg;
    otelc_status st = (otelc_status)atomic_load(&f->answer);
    const otelc_batch_meta *m = otelc_batch_meta_of(b);
    atomic_fetch_add(&f->calls, 1);
    if (!*req) {
        *req = f;
        atomic_fetch_add(&f->prepared, 1);
    }
    pthread_mutex_lock(&f->mu);
    if (f->nseen < FAKE_MAX_SEEN) {
        seen_batch *s = &f->seen[f->nseen++];
        s->len = otelc_batch_len(b);
        s->bytes = malloc(s->len + 1);
        memcpy(s->bytes, otelc_batch_flat(b), s->len);
        s->bytes[s->len] = 0;
        s->spans = otelc_batch_spans(b);
        s->batch_id = m->batch_id;
        s->enqueued_ns = m->enqueued_ns;
        snprintf(s->tenant, sizeof(s->tenant), "%s", m->npairs ? m->pairs[0].value : "");
        s->signal = otelc_batch_signal(b);
    }
    pthread_mutex_unlock(&f->mu);
    if (st == OTELC_OK)
        atomic_fetch_add(&f->ok_spans, otelc_batch_spans(b));
    return st;
}

void scratch_dir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/otelc-dq-XXXXXX");
    if (!mkdtemp(out))
        abort();
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void scratch_remove(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fake_release(void *arg, void *req)
{
    fake_exporter *f = arg;
    if (req == f)
        atomic_fetch_add(&f->released, 1);
}

queue_cfg fast_queue_cfg(uint32_t consumers)
{
    queue_cfg c;
    queue_cfg_defaults(&c);
    c.release_fn = fake_release;
    c.num_consumers = consumers;
    c.queue_size = 100000;
    c.retry.initial_interval = 1000000; /* 1 ms */
    c.retry.max_interval = 5000000;
    c.retry.max_elapsed_time = 0;
    c.paused_probe_ns = 5000000;
    c.storage = "file_storage";
    c.max_disk_size = 64ull << 20;
    return c;
}

int dq_open(dq_fixture *x, const char *dir, const queue_cfg *cfg, fake_exporter *f, char *err,
            size_t errlen)
{
    durable_store_cfg sc = {.directory = dir, .lock_timeout_ns = 0, .fsync = false,
                            .create_directory = true, .dir_mode = 0700};
    x->st = durable_store_new("file_storage", &sc);
    x->q = x->st ? queue_new_durable(cfg, "exp", fake_export, f, x->st, NULL) : NULL;
    if (!x->q) {
        snprintf(err, errlen, "cannot create the queue");
        return -1;
    }
    if (durable_store_open(x->st, err, errlen) != 0)
        return -1;
    return queue_start(x->q);
}

void dq_close(dq_fixture *x, int ms)
{
    if (x->q)
        queue_drain(x->q, otelc_mono_ns() + (int64_t)ms * 1000000);
    if (x->st)
        durable_store_close(x->st);
    queue_free(x->q);
    durable_store_unref(x->st);
    x->q = NULL;
    x->st = NULL;
}

otelc_batch *fake_batch_of(otelc_signal s, uint32_t spans, const char *text, const char *tenant)
{
    otelc_kv kv = {"tenant", tenant};
    otelc_batch_meta m = {.struct_size = sizeof(m), .received_ns = 1000,
                          .pairs = tenant ? &kv : NULL, .npairs = tenant ? 1 : 0, .signal = s};
    return otelc_hbatch_copy((const uint8_t *)text, strlen(text), spans, &m);
}

otelc_batch *fake_batch(uint32_t spans, const char *text, const char *tenant)
{
    return fake_batch_of(OTELC_TRACES, spans, text, tenant);
}

void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

bool eventually(bool (*fn)(void *), void *arg, int ms)
{
    for (int i = 0; i < ms; i++) {
        if (fn(arg))
            return true;
        sleep_ms(1);
    }
    return fn(arg);
}
