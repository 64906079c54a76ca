/*
 * tk_metrics.c: the metric series a plugin registers, and its
 * export_batching request, recorded for the test to read.
 */
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

struct otelc_series {
    otelc_test_host *h;
    char *name;
    otelc_metric_type type;
    char **labels; /* key, value, ..., NULL */
    size_t nlabels; /* strings, keys and values */
    double value;
    uint64_t count;
    double sum;
};

void tk_series_free(void *p)
{
    struct otelc_series *s = p;
    for (size_t i = 0; i < s->nlabels; i++)
        free(s->labels[i]);
    free(s->labels);
    free(s->name);
    free(s);
}

static size_t count_labels(const char *const *labels)
{
    size_t n = 0;
    while (labels && labels[n] && labels[n + 1])
        n += 2;
    return n;
}

static bool has_pair(const otelc_series *s, const char *key, const char *value)
{
    for (size_t i = 0; i + 1 < s->nlabels; i += 2)
        if (strcmp(s->labels[i], key) == 0 && strcmp(s->labels[i + 1], value) == 0)
            return true;
    return false;
}

/* Exactly these labels, in any order. */
static bool same_labels(const otelc_series *s, const char *const *labels)
{
    size_t n = count_labels(labels);
    if (n != s->nlabels)
        return false;
    for (size_t i = 0; i < n; i += 2)
        if (!has_pair(s, labels[i], labels[i + 1]))
            return false;
    return true;
}

static otelc_series *series_new(otelc_test_host *h, const otelc_metric_desc *d)
{
    otelc_series *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->h = h;
    s->type = d->type;
    s->nlabels = count_labels(d->labels);
    s->name = strdup(d->name);
    s->labels = calloc(s->nlabels + 1, sizeof(char *));
    bool ok = s->name && s->labels;
    for (size_t i = 0; ok && i < s->nlabels; i++)
        ok = (s->labels[i] = strdup(d->labels[i])) != NULL;
    if (!ok) {
        s->nlabels = s->labels ? s->nlabels : 0;
        tk_series_free(s);
        return NULL;
    }
    return s;
}

/* The series of that name and labels; *conflict when the name is taken
 * with another type. Lock held. */
static otelc_series *find_series(otelc_test_host *h, const otelc_metric_desc *d, bool *conflict)
{
    for (size_t i = 0; i < h->series.n; i++) {
        otelc_series *s = h->series.items[i];
        if (strcmp(s->name, d->name) != 0)
            continue;
        if (s->type != d->type) {
            *conflict = true;
            return NULL;
        }
        if (same_labels(s, d->labels))
            return s;
    }
    return NULL;
}

otelc_series *tk_metric(otelc_ctx *ctx, const otelc_metric_desc *d)
{
    otelc_test_host *h = tk_host(ctx);
    bool conflict = false;
    pthread_mutex_lock(&h->mu);
    otelc_series *s = find_series(h, d, &conflict);
    if (!s && !conflict && (s = series_new(h, d)) && tk_vec_push(&h->series, s) != 0) {
        tk_series_free(s);
        s = NULL;
    }
    pthread_mutex_unlock(&h->mu);
    if (conflict)
        tk_log(h, OTELC_LOG_ERROR, "metric %s registered with two types", d->name);
    return s;
}

void tk_metric_add(otelc_series *s, double v)
{
    pthread_mutex_lock(&s->h->mu);
    s->value += v;
    pthread_mutex_unlock(&s->h->mu);
}

void tk_metric_set(otelc_series *s, double v)
{
    pthread_mutex_lock(&s->h->mu);
    s->value = v;
    pthread_mutex_unlock(&s->h->mu);
}

void tk_metric_observe(otelc_series *s, double v)
{
    pthread_mutex_lock(&s->h->mu);
    s->count++;
    s->sum += v;
    pthread_mutex_unlock(&s->h->mu);
}

typedef struct reading {
    double value, sum;
    uint64_t count;
    size_t series;
} reading;

static reading read_metric(otelc_test_host *h, const char *name, const char *const *labels)
{
    reading r = {0};
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->series.n; i++) {
        const otelc_series *s = h->series.items[i];
        if (strcmp(s->name, name) != 0 || (labels && !same_labels(s, labels)))
            continue;
        r.value += s->value;
        r.count += s->count;
        r.sum += s->sum;
        r.series++;
    }
    pthread_mutex_unlock(&h->mu);
    return r;
}

double otelc_test_metric(otelc_test_host *h, const char *name, const char *const *labels)
{
    return read_metric(h, name, labels).value;
}

uint64_t otelc_test_metric_observations(otelc_test_host *h, const char *name,
                                        const char *const *labels)
{
    return read_metric(h, name, labels).count;
}

double otelc_test_metric_sum(otelc_test_host *h, const char *name, const char *const *labels)
{
    return read_metric(h, name, labels).sum;
}

size_t otelc_test_metric_series(otelc_test_host *h, const char *name)
{
    return read_metric(h, name, NULL).series;
}

/* Why the host would refuse b, or NULL. */
static const char *batching_problem(const otelc_test_host *h, const otelc_batching *b)
{
    /* A test that calls create itself leaves desc unknown: let it pass. */
    if (h->created || (h->desc && h->desc->kind != OTELC_PROCESSOR))
        return "export_batching is for processors, from create";
    if (!b || b->struct_size < offsetof(otelc_batching, arg) + sizeof(b->arg))
        return "export_batching: otelc_batching too small";
    if (b->flush_timeout_ns <= 0)
        return "export_batching: flush_timeout must be positive";
    if (b->max_items && b->max_items < b->min_items)
        return "export_batching: max_items below min_items";
    return NULL;
}

/* The metadata keys, copied: the plugin's strings may not outlive create. */
static int copy_keys(otelc_test_host *h, const otelc_strlist *keys)
{
    tk_vec_clear(&h->batching_keys, free);
    for (size_t i = 0; i < keys->n; i++) {
        char *k = strdup(keys->items[i]);
        if (!k || tk_vec_push(&h->batching_keys, k) != 0) {
            free(k);
            return -1;
        }
    }
    h->batching.metadata_keys =
        (otelc_strlist){h->batching_keys.n, (const char *const *)h->batching_keys.items};
    return 0;
}

int tk_export_batching(otelc_ctx *ctx, const otelc_batching *b)
{
    otelc_test_host *h = tk_host(ctx);
    const char *why = batching_problem(h, b);
    if (why) {
        tk_error(h, "%s", why);
        return -1;
    }
    pthread_mutex_lock(&h->mu);
    h->batching = *b;
    h->batching.struct_size = sizeof(h->batching);
    int rc = copy_keys(h, &b->metadata_keys);
    h->batching_calls += rc == 0;
    pthread_mutex_unlock(&h->mu);
    if (rc != 0)
        tk_error(h, "export_batching: out of memory");
    return rc;
}

int otelc_test_host_batching(otelc_test_host *h, otelc_batching *out)
{
    pthread_mutex_lock(&h->mu);
    int n = h->batching_calls;
    if (out)
        *out = h->batching;
    pthread_mutex_unlock(&h->mu);
    return n;
}
