/*
 * metrics.c: series registry with lock-free updates; Prometheus text out.
 *
 * Values are doubles kept as their bit patterns in atomic 64-bit words, so
 * a gauge set is one store and a counter add one compare-and-swap loop.
 * A histogram keeps one non-cumulative count per bucket (+Inf last); the
 * renderer accumulates them and derives _count from the same reads, so
 * _count always equals the +Inf bucket even while observations race.
 */
#include "metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#define SERIES_MAGIC 0x5e41e5a1u
#define MAX_HOOKS 8
#define MAX_LABELS 16

typedef struct metric_family metric_family;

struct otelc_series {
    uint32_t magic; /* SERIES_MAGIC while the registry lives */
    metric_family *family;
    otelc_series *next;
    char *labels;             /* rendered pairs without braces; "" for none */
    _Atomic uint64_t bits;    /* counter or gauge value */
    _Atomic uint64_t sum;     /* histogram sum */
    _Atomic uint64_t *counts; /* histogram: nbounds + 1 buckets */
};

struct metric_family {
    char *name;
    char *help;
    otelc_metric_type type;
    double *bounds;
    size_t nbounds;
    otelc_series *first, *last;
    metric_family *next;
};

struct metrics_registry {
    pthread_mutex_t lock;
    metric_family *families; /* sorted by name */
    struct {
        metrics_render_hook fn;
        void *arg;
    } hooks[MAX_HOOKS];
    size_t nhooks;
};

/* ------------------------------------------------------------------ */
/* Doubles in atomic words                                             */
/* ------------------------------------------------------------------ */

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof(b));
    return b;
}

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof(v));
    return v;
}

static void atomic_add_double(_Atomic uint64_t *word, double v)
{
    uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
    uint64_t next;

    do {
        next = bits_of(double_of(old) + v);
    } while (!atomic_compare_exchange_weak_explicit(word, &old, next, memory_order_relaxed,
                                                    memory_order_relaxed));
}

/* ------------------------------------------------------------------ */
/* Names and labels                                                    */
/* ------------------------------------------------------------------ */

static bool name_char_ok(char c, bool first, bool colon_ok)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (c == ':')
        return colon_ok;
    return !first && c >= '0' && c <= '9';
}

static bool valid_name(const char *s, bool colon_ok)
{
    if (!s || !*s)
        return false;
    for (size_t i = 0; s[i]; i++) {
        if (!name_char_ok(s[i], i == 0, colon_ok))
            return false;
    }
    return true;
}

typedef struct label_pair {
    const char *key;
    const char *value;
} label_pair;

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const label_pair *)a)->key, ((const label_pair *)b)->key);
}

/* Collects d's label pairs sorted by key; -1 if a key is invalid, repeated
 * or reserved, or a value is missing. */
static int sorted_labels(const otelc_metric_desc *d, label_pair *pairs, size_t *n)
{
    size_t count = 0;

    for (const char *const *l = d->labels; l && l[0]; l += 2) {
        if (count == MAX_LABELS || !l[1] || !valid_name(l[0], false))
            return -1;
        if (strncmp(l[0], "__", 2) == 0)
            return -1;
        if (d->type == OTELC_HISTOGRAM && strcmp(l[0], "le") == 0)
            return -1;
        pairs[count].key = l[0];
        pairs[count].value = l[1];
        count++;
    }
    if (count > 1)
        qsort(pairs, count, sizeof(*pairs), pair_cmp);
    for (size_t i = 1; i < count; i++) {
        if (strcmp(pairs[i - 1].key, pairs[i].key) == 0)
            return -1;
    }
    *n = count;
    return 0;
}

/* Copies text into out (when not NULL) escaping backslash, newline and,
 * if quote is set, the double quote. Returns the escaped length. */
static size_t escape(const char *text, bool quote, char *out)
{
    size_t n = 0;

    for (const char *p = text; *p; p++) {
        const char *rep = NULL;
        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '\n')
            rep = "\\n";
        else if (*p == '"' && quote)
            rep = "\\\"";
        if (rep) {
            if (out)
                memcpy(out + n, rep, 2);
            n += 2;
        } else {
            if (out)
                out[n] = *p;
            n++;
        }
    }
    return n;
}

/* Renders sorted pairs as `k1="v1",k2="v2"`: both the text printed inside
 * the braces and the key that identifies the series. NULL on OOM. */
static char *render_labels(const label_pair *pairs, size_t n)
{
    size_t len = 0, at = 0;
    char *text;

    for (size_t i = 0; i < n; i++)
        len += strlen(pairs[i].key) + escape(pairs[i].value, true, NULL) + 4;
    text = malloc(len + 1);
    if (!text)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strlen(pairs[i].key);
        if (i > 0)
            text[at++] = ',';
        memcpy(text + at, pairs[i].key, klen);
        at += klen;
        text[at++] = '=';
        text[at++] = '"';
        at += escape(pairs[i].value, true, text + at);
        text[at++] = '"';
    }
    text[at] = '\0';
    return text;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

metrics_registry *metrics_new(void)
{
    metrics_registry *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

static void series_free(otelc_series *s)
{
    s->magic = 0;
    free(s->labels);
    free(s->counts);
    free(s);
}

static void family_free(metric_family *f)
{
    otelc_series *s = f->first;

    while (s) {
        otelc_series *next = s->next;
        series_free(s);
        s = next;
    }
    free(f->name);
    free(f->help);
    free(f->bounds);
    free(f);
}

void metrics_free(metrics_registry *r)
{
    metric_family *f;

    if (!r)
        return;
    f = r->families;
    while (f) {
        metric_family *next = f->next;
        family_free(f);
        f = next;
    }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static bool buckets_valid(const otelc_metric_desc *d)
{
    if (d->type != OTELC_HISTOGRAM)
        return true;
    if (!d->buckets || d->nbuckets == 0)
        return false;
    for (size_t i = 0; i < d->nbuckets; i++) {
        if (!isfinite(d->buckets[i]))
            return false;
        if (i > 0 && !(d->buckets[i] > d->buckets[i - 1]))
            return false;
    }
    return true;
}

static bool desc_valid(const otelc_metric_desc *d)
{
    if (!d || !valid_name(d->name, true))
        return false;
    if (d->type != OTELC_COUNTER && d->type != OTELC_GAUGE && d->type != OTELC_HISTOGRAM)
        return false;
    return buckets_valid(d);
}

static metric_family *family_find(metrics_registry *r, const char *name)
{
    for (metric_family *f = r->families; f; f = f->next) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

/* True when d may share family f: same type and, for histograms, the very
 * same buckets (their series are rendered side by side). */
static bool family_compatible(const metric_family *f, const otelc_metric_desc *d)
{
    if (f->type != d->type)
        return false;
    if (d->type != OTELC_HISTOGRAM)
        return true;
    if (f->nbounds != d->nbuckets)
        return false;
    return memcmp(f->bounds, d->buckets, d->nbuckets * sizeof(double)) == 0;
}

static metric_family *family_new(const otelc_metric_desc *d)
{
    metric_family *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->type = d->type;
    f->name = strdup(d->name);
    f->help = strdup(d->help ? d->help : "");
    if (!f->name || !f->help)
        goto out_free_family;
    if (d->type == OTELC_HISTOGRAM) {
        f->bounds = malloc(d->nbuckets * sizeof(double));
        if (!f->bounds)
            goto out_free_family;
        memcpy(f->bounds, d->buckets, d->nbuckets * sizeof(double));
        f->nbounds = d->nbuckets;
    }
    return f;

out_free_family:
    family_free(f);
    return NULL;
}

static otelc_series *series_new(metric_family *f, char *labels)
{
    otelc_series *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->magic = SERIES_MAGIC;
    s->family = f;
    s->labels = labels;
    atomic_init(&s->bits, bits_of(0.0));
    atomic_init(&s->sum, bits_of(0.0));
    if (f->type == OTELC_HISTOGRAM) {
        s->counts = malloc((f->nbounds + 1) * sizeof(*s->counts));
        if (!s->counts) {
            free(s);
            return NULL;
        }
        for (size_t i = 0; i <= f->nbounds; i++)
            atomic_init(&s->counts[i], 0);
    }
    return s;
}

static otelc_series *family_series(metric_family *f, const char *labels)
{
    for (otelc_series *s = f->first; s; s = s->next) {
        if (strcmp(s->labels, labels) == 0)
            return s;
    }
    return NULL;
}

static void family_append(metric_family *f, otelc_series *s)
{
    if (f->last)
        f->last->next = s;
    else
        f->first = s;
    f->last = s;
}

/* Families stay sorted by name, which is the order they render in. */
static void family_insert_sorted(metrics_registry *r, metric_family *f)
{
    metric_family **at = &r->families;

    while (*at && strcmp((*at)->name, f->name) < 0)
        at = &(*at)->next;
    f->next = *at;
    *at = f;
}

/* Finds or creates the series under the lock; takes labels on success. */
static otelc_series *series_locked(metrics_registry *r, const otelc_metric_desc *d,
                                   char **labels)
{
    metric_family *f = family_find(r, d->name);
    otelc_series *s;
    bool new_family = false;

    if (f && !family_compatible(f, d))
        return NULL;
    if (f && (s = family_series(f, *labels)) != NULL)
        return s;
    if (!f) {
        f = family_new(d);
        if (!f)
            return NULL;
        new_family = true;
    }
    s = series_new(f, *labels);
    if (!s) {
        if (new_family)
            family_free(f);
        return NULL;
    }
    *labels = NULL;
    family_append(f, s);
    if (new_family)
        family_insert_sorted(r, f);
    return s;
}

otelc_series *metrics_series(metrics_registry *r, const otelc_metric_desc *d)
{
    label_pair pairs[MAX_LABELS];
    size_t npairs = 0;
    otelc_series *s;
    char *labels;

    if (!desc_valid(d) || sorted_labels(d, pairs, &npairs) != 0)
        return NULL;
    labels = render_labels(pairs, npairs);
    if (!labels)
        return NULL;
    pthread_mutex_lock(&r->lock);
    s = series_locked(r, d, &labels);
    pthread_mutex_unlock(&r->lock);
    free(labels); /* NULL when the new series took it */
    return s;
}

/* ------------------------------------------------------------------ */
/* Updates                                                             */
/* ------------------------------------------------------------------ */

/* Debug builds catch a pointer that is not a live series. */
#define CHECK_SERIES(s) assert((s) && (s)->magic == SERIES_MAGIC)

void metrics_add(otelc_series *s, double v)
{
    CHECK_SERIES(s);
    if (s->family->type == OTELC_HISTOGRAM)
        return;
    if (s->family->type == OTELC_COUNTER && !(v >= 0))
        return;
    atomic_add_double(&s->bits, v);
}

void metrics_set(otelc_series *s, double v)
{
    CHECK_SERIES(s);
    if (s->family->type == OTELC_HISTOGRAM)
        return;
    atomic_store_explicit(&s->bits, bits_of(v), memory_order_relaxed);
}

void metrics_observe(otelc_series *s, double v)
{
    const metric_family *f;
    size_t i = 0;

    CHECK_SERIES(s);
    f = s->family;
    if (f->type != OTELC_HISTOGRAM || isnan(v))
        return;
    while (i < f->nbounds && v > f->bounds[i])
        i++;
    atomic_fetch_add_explicit(&s->counts[i], 1, memory_order_relaxed);
    atomic_add_double(&s->sum, v);
}

double metrics_value(const otelc_series *s)
{
    CHECK_SERIES(s);
    if (s->family->type == OTELC_HISTOGRAM)
        return 0;
    return double_of(atomic_load_explicit(&s->bits, memory_order_relaxed));
}

int metrics_add_render_hook(metrics_registry *r, metrics_render_hook fn, void *arg)
{
    int rc = -1;

    pthread_mutex_lock(&r->lock);
    if (r->nhooks < MAX_HOOKS) {
        r->hooks[r->nhooks].fn = fn;
        r->hooks[r->nhooks].arg = arg;
        r->nhooks++;
        rc = 0;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */
/* ------------------------------------------------------------------ */

char *metrics_format_value(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "NaN");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
    else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v)
        snprintf(buf, len, "%" PRId64, (int64_t)v); /* exact below 2^53 */
    else {
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%.17g", v);
    }
    return buf;
}

static const char *type_name(otelc_metric_type t)
{
    switch (t) {
    case OTELC_COUNTER:
        return "counter";
    case OTELC_GAUGE:
        return "gauge";
    default:
        return "histogram";
    }
}

/* "name{labels} value\n"; suffix is "" or "_bucket", "_sum", "_count";
 * le, when set, is added as the last label. */
static int write_sample(struct evbuffer *out, const metric_family *f, const char *suffix,
                        const otelc_series *s, const char *le, double v)
{
    char num[32];
    const char *sep = s->labels[0] && le ? "," : "";

    metrics_format_value(v, num, sizeof(num));
    if (!s->labels[0] && !le)
        return evbuffer_add_printf(out, "%s%s %s\n", f->name, suffix, num) < 0 ? -1 : 0;
    return evbuffer_add_printf(out, "%s%s{%s%s%s%s%s} %s\n", f->name, suffix, s->labels, sep,
                               le ? "le=\"" : "", le ? le : "", le ? "\"" : "", num) < 0
               ? -1
               : 0;
}

static int write_histogram(struct evbuffer *out, const metric_family *f, const otelc_series *s)
{
    uint64_t cumulative = 0;
    char le[32];
    int rc = 0;

    for (size_t i = 0; i <= f->nbounds && rc == 0; i++) {
        cumulative += atomic_load_explicit(&s->counts[i], memory_order_relaxed);
        if (i < f->nbounds)
            metrics_format_value(f->bounds[i], le, sizeof(le));
        else
            snprintf(le, sizeof(le), "+Inf");
        rc = write_sample(out, f, "_bucket", s, le, (double)cumulative);
    }
    if (rc == 0)
        rc = write_sample(out, f, "_sum", s, NULL,
                          double_of(atomic_load_explicit(&s->sum, memory_order_relaxed)));
    if (rc == 0)
        rc = write_sample(out, f, "_count", s, NULL, (double)cumulative);
    return rc;
}

static int write_family(struct evbuffer *out, const metric_family *f)
{
    size_t help_len = escape(f->help, false, NULL);
    char *help = malloc(help_len + 1);
    int rc;

    if (!help)
        return -1;
    escape(f->help, false, help);
    help[help_len] = '\0';
    rc = evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, help, f->name,
                             type_name(f->type)) < 0
             ? -1
             : 0;
    free(help);
    for (const otelc_series *s = f->first; s && rc == 0; s = s->next) {
        if (f->type == OTELC_HISTOGRAM)
            rc = write_histogram(out, f, s);
        else
            rc = write_sample(out, f, "", s, NULL,
                              double_of(atomic_load_explicit(&s->bits, memory_order_relaxed)));
    }
    return rc;
}

static void run_hooks(metrics_registry *r)
{
    struct {
        metrics_render_hook fn;
        void *arg;
    } hooks[MAX_HOOKS];
    size_t n;

    pthread_mutex_lock(&r->lock);
    n = r->nhooks;
    memcpy(hooks, r->hooks, n * sizeof(hooks[0]));
    pthread_mutex_unlock(&r->lock);
    for (size_t i = 0; i < n; i++)
        hooks[i].fn(hooks[i].arg);
}

int metrics_render(metrics_registry *r, struct evbuffer *out)
{
    int rc = 0;

    run_hooks(r);
    pthread_mutex_lock(&r->lock);
    for (const metric_family *f = r->families; f && rc == 0; f = f->next)
        rc = write_family(out, f);
    pthread_mutex_unlock(&r->lock);
    return rc;
}
