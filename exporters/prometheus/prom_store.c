/*
 * prom_store.c: every series the exporter has seen, by family and label
 * set, with its latest value (deltas added up) and when it was last
 * updated, so that a scrape renders what is current and series not
 * updated within metric_expiration are dropped.
 */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct series {
    struct series *next; /* hash chain */
    char *family, *help, *labels;
    prom_type type;
    uint64_t hash;
    int64_t updated_ns, ts_ms;
    double value;
    uint64_t count;
    size_t n;
    double *bounds;    /* histogram bounds or summary quantiles */
    double *values;    /* summary values */
    uint64_t *counts;  /* histogram: n + 1 */
} series;

/* The type each family name was first seen with. */
typedef struct family_type {
    struct family_type *next;
    prom_type type;
    char name[];
} family_type;

#define FAMILY_SLOTS 512

struct prom_store {
    pthread_mutex_t mu;
    series **slots;
    size_t nslots, count;
    family_type *families[FAMILY_SLOTS];
};

static uint64_t hash_of(const char *family, const char *labels)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *s = family; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *s = labels; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

prom_store *prom_store_new(void)
{
    prom_store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nslots = 256;
    s->slots = calloc(s->nslots, sizeof(series *));
    if (!s->slots) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void series_free(series *e)
{
    free(e->family);
    free(e->help);
    free(e->labels);
    free(e->bounds);
    free(e->values);
    free(e->counts);
    free(e);
}

void prom_store_free(prom_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nslots; i++)
        for (series *e = s->slots[i], *next; e; e = next) {
            next = e->next;
            series_free(e);
        }
    for (size_t i = 0; i < FAMILY_SLOTS; i++)
        for (family_type *f = s->families[i], *next; f; f = next) {
            next = f->next;
            free(f);
        }
    pthread_mutex_destroy(&s->mu);
    free(s->slots);
    free(s);
}

static void grow(prom_store *s)
{
    size_t n = s->nslots * 2;
    series **slots = calloc(n, sizeof(series *));
    if (!slots)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < s->nslots; i++)
        for (series *e = s->slots[i], *next; e; e = next) {
            next = e->next;
            e->next = slots[e->hash & (n - 1)];
            slots[e->hash & (n - 1)] = e;
        }
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
}

static series *find(prom_store *s, uint64_t h, const char *family, const char *labels)
{
    for (series *e = s->slots[h & (s->nslots - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->family, family) == 0 && strcmp(e->labels, labels) == 0)
            return e;
    return NULL;
}

/* Whether the family was seen with another type (the first one wins);
 * records it on first sight. -1 if memory ran out. */
static int type_clash(prom_store *s, const prom_point *p)
{
    family_type **slot = &s->families[hash_of(p->family, "") % FAMILY_SLOTS];
    for (family_type *f = *slot; f; f = f->next)
        if (strcmp(f->name, p->family) == 0)
            return f->type != p->type;
    size_t len = strlen(p->family) + 1;
    family_type *f = malloc(sizeof(*f) + len);
    if (!f)
        return -1;
    memcpy(f->name, p->family, len);
    f->type = p->type;
    f->next = *slot;
    *slot = f;
    return 0;
}

static series *insert(prom_store *s, uint64_t h, prom_point *p)
{
    series *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->family = strdup(p->family);
    e->help = strdup(p->help ? p->help : "");
    if (!e->family || !e->help) {
        series_free(e);
        return NULL;
    }
    e->labels = p->labels; /* adopted */
    p->labels = NULL;
    e->type = p->type;
    e->hash = h;
    e->next = s->slots[h & (s->nslots - 1)];
    s->slots[h & (s->nslots - 1)] = e;
    if (++s->count > s->nslots)
        grow(s);
    return e;
}

/* Copies n doubles (NULL if n is 0). */
static int copy_doubles(double **dst, const double *src, size_t n)
{
    free(*dst);
    *dst = NULL;
    if (n == 0)
        return 0;
    *dst = malloc(n * sizeof(double));
    if (!*dst)
        return -1;
    memcpy(*dst, src, n * sizeof(double));
    return 0;
}

/* A histogram's buckets: added to the series' when both are deltas of
 * the same bounds, else replacing them. */
static int set_buckets(series *e, const prom_point *p)
{
    bool same = e->counts && e->n == p->n &&
                (p->n == 0 || memcmp(e->bounds, p->bounds, p->n * sizeof(double)) == 0);
    if (p->add && same) {
        for (size_t i = 0; i <= p->n; i++)
            e->counts[i] += p->counts[i];
        return 0;
    }
    free(e->counts);
    e->counts = malloc((p->n + 1) * sizeof(uint64_t));
    if (!e->counts || copy_doubles(&e->bounds, p->bounds, p->n) != 0)
        return -1;
    memcpy(e->counts, p->counts, (p->n + 1) * sizeof(uint64_t));
    e->n = p->n;
    return 0;
}

static int update(series *e, const prom_point *p, int64_t now_ns)
{
    bool add = p->add && e->updated_ns != 0;
    e->value = add ? e->value + p->value : p->value;
    e->count = add ? e->count + p->count : p->count;
    e->updated_ns = now_ns;
    e->ts_ms = p->ts_ms;
    if (p->type == PROM_HISTOGRAM)
        return set_buckets(e, p);
    if (p->type != PROM_SUMMARY)
        return 0;
    e->n = p->n;
    return copy_doubles(&e->bounds, p->quantiles, p->n) ||
                   copy_doubles(&e->values, p->qvalues, p->n)
               ? -1
               : 0;
}

int prom_store_put(prom_store *s, prom_point *p, int64_t now_ns)
{
    uint64_t h = hash_of(p->family, p->labels);
    pthread_mutex_lock(&s->mu);
    series *e = find(s, h, p->family, p->labels);
    int rc = e ? 0 : type_clash(s, p);
    if (rc == 0 && !e && !(e = insert(s, h, p)))
        rc = -1;
    if (rc == 0)
        rc = update(e, p, now_ns);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- rendering ---- */

typedef struct out {
    char *buf;
    size_t len, cap;
    bool failed;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out *o, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !o->failed; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap + (size_t)n + 1) * 2;
        char *grown = n < 0 ? NULL : realloc(o->buf, cap);
        if (!grown)
            o->failed = true;
        else
            o->buf = grown, o->cap = cap;
    }
}

/* A float as Prometheus' Go client writes it (strconv 'g', shortest):
 * the fewest digits that read back the same, in plain notation for
 * exponents from -4 to 5 ("10", "0.25", "300000") and e-notation beyond
 * ("1e+06", "1.5e-05"); +Inf, -Inf, NaN. */
static const char *num(char *buf, size_t cap, double v)
{
    if (isnan(v))
        return "NaN";
    if (isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(buf, cap, "%.*e", digits - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    snprintf(buf, cap, "%.*e", digits - 1, v);
    int exp = (int)strtol(strchr(buf, 'e') + 1, NULL, 10);
    if (exp < -4 || exp >= 6)
        return buf;
    int decimals = digits - 1 - exp;
    snprintf(buf, cap, "%.*f", decimals > 0 ? decimals : 0, v);
    return buf;
}

/* One sample line: family+suffix{labels[,extra]} value [ts]. */
static void sample(out *o, const series *e, const char *suffix, const char *extra, double v,
                   bool ts)
{
    char nb[32];
    bool braces = *e->labels || (extra && *extra);
    put(o, "%s%s%s%s%s%s%s %s", e->family, suffix, braces ? "{" : "", e->labels,
        *e->labels && extra && *extra ? "," : "", extra ? extra : "", braces ? "}" : "",
        num(nb, sizeof(nb), v));
    if (ts)
        put(o, " %lld", (long long)e->ts_ms);
    put(o, "\n");
}

static void render_histogram(out *o, const series *e, bool ts)
{
    char le[64], nb[32];
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= e->n; i++) {
        cumulative += e->counts[i];
        snprintf(le, sizeof(le), "le=\"%s\"",
                 i < e->n ? num(nb, sizeof(nb), e->bounds[i]) : "+Inf");
        sample(o, e, "_bucket", le, (double)cumulative, ts);
    }
    sample(o, e, "_sum", NULL, e->value, ts);
    sample(o, e, "_count", NULL, (double)e->count, ts);
}

static void render_summary(out *o, const series *e, bool ts)
{
    char q[64], nb[32];
    for (size_t i = 0; i < e->n; i++) {
        snprintf(q, sizeof(q), "quantile=\"%s\"", num(nb, sizeof(nb), e->bounds[i]));
        sample(o, e, "", q, e->values[i], ts);
    }
    sample(o, e, "_sum", NULL, e->value, ts);
    sample(o, e, "_count", NULL, (double)e->count, ts);
}

static const char *type_name(prom_type t)
{
    return t == PROM_COUNTER ? "counter" : t == PROM_HISTOGRAM ? "histogram"
                                       : t == PROM_SUMMARY     ? "summary"
                                                               : "gauge";
}

static void render_one(out *o, const series *e, const series *prev, bool ts)
{
    if (!prev || strcmp(prev->family, e->family) != 0) {
        if (*e->help)
            put(o, "# HELP %s %s\n", e->family, e->help);
        put(o, "# TYPE %s %s\n", e->family, type_name(e->type));
    }
    if (e->type == PROM_HISTOGRAM)
        render_histogram(o, e, ts);
    else if (e->type == PROM_SUMMARY)
        render_summary(o, e, ts);
    else
        sample(o, e, "", NULL, e->value, ts);
}

static int by_family(const void *a, const void *b)
{
    const series *x = *(series *const *)a, *y = *(series *const *)b;
    int c = strcmp(x->family, y->family);
    return c ? c : strcmp(x->labels, y->labels);
}

/* Unlinks the series not updated since before; returns how many are left. */
static size_t expire(prom_store *s, int64_t before)
{
    for (size_t i = 0; i < s->nslots; i++)
        for (series **pp = &s->slots[i]; *pp;) {
            series *e = *pp;
            if (e->updated_ns >= before) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            series_free(e);
            s->count--;
        }
    return s->count;
}

char *prom_store_render(prom_store *s, int64_t expire_before_ns, bool timestamps, size_t *len)
{
    out o = {.cap = 4096};
    o.buf = malloc(o.cap);
    pthread_mutex_lock(&s->mu);
    size_t n = expire(s, expire_before_ns), k = 0;
    series **all = malloc((n ? n : 1) * sizeof(series *));
    for (size_t i = 0; all && i < s->nslots; i++)
        for (series *e = s->slots[i]; e; e = e->next)
            all[k++] = e;
    if (all)
        qsort(all, k, sizeof(series *), by_family);
    o.failed = !o.buf || !all;
    for (size_t i = 0; !o.failed && i < k; i++)
        render_one(&o, all[i], i ? all[i - 1] : NULL, timestamps);
    pthread_mutex_unlock(&s->mu);
    free(all);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    *len = o.len;
    return o.buf;
}
