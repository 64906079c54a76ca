/*
 * prom.h: the prometheus exporter's parts. prom_name.c turns OTLP metric
 * and attribute names into Prometheus names as the collector's translator
 * does; prom_store.c keeps the latest value of every series (adding up
 * delta sums) and renders the text exposition format; prometheus.c is the
 * plugin: it decodes the OTLP requests it takes into the store and serves
 * GET /metrics on its own endpoint.
 */
#ifndef OTELC_PROM_H
#define OTELC_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Prometheus type of a family. */
typedef enum prom_type {
    PROM_COUNTER,
    PROM_GAUGE,
    PROM_HISTOGRAM,
    PROM_SUMMARY,
} prom_type;

/* ---- names (prom_name.c) ---- */

/* The family name of an OTLP metric: ns (may be NULL or "") and name
 * normalised to [a-zA-Z0-9_:] tokens joined by '_'; with suffixes, the
 * unit's words ("s" → "seconds", "By/s" → "bytes_per_second"; "{...}"
 * annotations dropped), "total" for a counter and "ratio" for a gauge of
 * unit "1", each unless the name has it already. Writes at most cap bytes
 * (NUL included) into out. */
void prom_family_name(char *out, size_t cap, const char *ns, const char *name, const char *unit,
                      prom_type type, bool suffixes);

/* A label name: characters outside [a-zA-Z0-9_] become '_', a leading
 * digit gets "key_" in front, a single leading '_' "key". */
void prom_label_name(char *out, size_t cap, const char *key);

/* ---- labels ---- */

/* One label being collected for a series; name and value are copies owned
 * by the set. */
typedef struct prom_label {
    char *name, *value;
} prom_label;

typedef struct prom_labels {
    prom_label *items;
    size_t n, cap;
} prom_labels;

/* Adds name (sanitised) = value (copied). Two keys that sanitise to one
 * name have their values joined with ';', as the collector does. 0 or -1
 * (no memory). */
int prom_labels_add(prom_labels *l, const char *key, const char *value);
/* The set as `a="x",b="y"` sorted by name, values escaped; a new string
 * the caller frees, NULL if memory ran out. */
char *prom_labels_text(prom_labels *l);
void prom_labels_free(prom_labels *l);

/* ---- the store (prom_store.c) ---- */

typedef struct prom_store prom_store;

/* One observation of one series. family and help are copied on first
 * sight; labels (prom_labels_text) is adopted by the store. */
typedef struct prom_point {
    const char *family, *help;
    prom_type type;
    char *labels;
    int64_t ts_ms; /* the point's time, unix ms */
    bool add;      /* a delta: added to what the series holds */
    double value;  /* counter, gauge; sum of a histogram or summary */
    uint64_t count;             /* histogram, summary */
    const double *bounds;       /* histogram: n upper bounds */
    const uint64_t *counts;     /* histogram: n + 1 bucket counts */
    const double *quantiles;    /* summary: n quantiles */
    const double *qvalues;      /* summary: n values */
    size_t n;
} prom_point;

prom_store *prom_store_new(void);
void prom_store_free(prom_store *s);

/* Records p at monotonic time now_ns. 0; 1 when refused (its family has
 * another type already: the first seen wins, as in the collector); -1 if
 * memory ran out. Any thread. */
int prom_store_put(prom_store *s, prom_point *p, int64_t now_ns);

/* The exposition text of every series updated after expire_before_ns
 * (monotonic; older ones are dropped), families sorted by name, with
 * # HELP and # TYPE lines; point timestamps when timestamps is set. A new
 * buffer the caller frees, its length in *len; NULL if memory ran out. */
char *prom_store_render(prom_store *s, int64_t expire_before_ns, bool timestamps, size_t *len);

#endif
