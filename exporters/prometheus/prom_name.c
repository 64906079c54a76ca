/*
 * prom_name.c: OTLP names to Prometheus names, following the collector's
 * translator (pkg/translator/prometheus) with add_metric_suffixes: the
 * metric name split into alphanumeric tokens, the unit's words and the
 * type's suffix appended once, all joined by '_'; label names sanitised;
 * label values escaped. Pure functions.
 */
#include "prom.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* UCUM units as the translator spells them. */
static const struct unit_word {
    const char *ucum, *word;
} main_units[] = {
    {"d", "days"},          {"h", "hours"},         {"min", "minutes"},
    {"s", "seconds"},       {"ms", "milliseconds"}, {"us", "microseconds"},
    {"ns", "nanoseconds"},  {"By", "bytes"},        {"KiBy", "kibibytes"},
    {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"},  {"TiBy", "tibibytes"},
    {"KBy", "kilobytes"},   {"MBy", "megabytes"},   {"GBy", "gigabytes"},
    {"TBy", "terabytes"},   {"m", "meters"},        {"V", "volts"},
    {"A", "amperes"},       {"J", "joules"},        {"W", "watts"},
    {"g", "grams"},         {"Cel", "celsius"},     {"Hz", "hertz"},
    {"%", "percent"},
}, per_units[] = {
    {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
    {"w", "week"},   {"mo", "month"}, {"y", "year"},
};

static const char *unit_word(const struct unit_word *t, size_t n, const char *u)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].ucum, u) == 0)
            return t[i].word;
    return u; /* unknown units keep their own spelling */
}

#define NWORDS(t) (sizeof(t) / sizeof((t)[0]))

/* Tokens being joined into a name. */
typedef struct tokens {
    char *out;
    size_t cap, len;
} tokens;

/* Whether the name holds token word already (a whole token). */
static bool has_token(const tokens *t, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = t->out; (p = strstr(p, word)) != NULL; p++) {
        bool starts = p == t->out || p[-1] == '_';
        bool ends = p[wl] == '\0' || p[wl] == '_';
        if (starts && ends)
            return true;
    }
    return false;
}

/* Appends the alphanumeric runs of text as tokens. */
static void add_words(tokens *t, const char *text)
{
    for (const char *p = text; *p;) {
        while (*p && !isalnum((unsigned char)*p) && *p != ':')
            p++;
        if (!*p)
            break;
        if (t->len && t->len + 1 < t->cap)
            t->out[t->len++] = '_';
        while (*p && (isalnum((unsigned char)*p) || *p == ':')) {
            if (t->len + 1 < t->cap)
                t->out[t->len++] = *p;
            p++;
        }
        t->out[t->len] = '\0';
    }
}

static void add_word_once(tokens *t, const char *word)
{
    if (*word && !has_token(t, word))
        add_words(t, word);
}

/* The unit's words: "By/s" → bytes, per, second. "{...}" parts dropped. */
static void add_unit(tokens *t, const char *unit)
{
    char u[64];
    size_t n = 0;
    for (const char *p = unit; *p && n + 1 < sizeof(u); p++) {
        if (*p == '{') {
            p = strchr(p, '}');
            if (!p)
                break;
            continue;
        }
        u[n++] = *p;
    }
    u[n] = '\0';
    char *per = strchr(u, '/');
    if (per)
        *per++ = '\0';
    if (*u && strcmp(u, "1") != 0)
        add_word_once(t, unit_word(main_units, NWORDS(main_units), u));
    if (per && *per) {
        char words[80];
        snprintf(words, sizeof(words), "per_%s", unit_word(per_units, NWORDS(per_units), per));
        add_word_once(t, words);
    }
}

void prom_family_name(char *out, size_t cap, const char *ns, const char *name, const char *unit,
                      prom_type type, bool suffixes)
{
    tokens t = {.out = out, .cap = cap};
    out[0] = '\0';
    if (ns && *ns)
        add_words(&t, ns);
    add_words(&t, name ? name : "");
    if (suffixes && unit && *unit)
        add_unit(&t, unit);
    if (suffixes && type == PROM_COUNTER)
        add_word_once(&t, "total");
    if (suffixes && type == PROM_GAUGE && unit && strcmp(unit, "1") == 0)
        add_word_once(&t, "ratio");
    if (isdigit((unsigned char)out[0]) && t.len + 1 < cap) {
        memmove(out + 1, out, t.len + 1);
        out[0] = '_';
    }
}

void prom_label_name(char *out, size_t cap, const char *key)
{
    const char *prefix = isdigit((unsigned char)key[0]) ? "key_"
                         : key[0] == '_' && key[1] != '_' ? "key"
                                                         : "";
    int n = snprintf(out, cap, "%s%s", prefix, key);
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    for (size_t i = strlen(prefix); i < len; i++)
        if (!isalnum((unsigned char)out[i]) && out[i] != '_')
            out[i] = '_';
}

/* ---- label sets ---- */

static prom_label *find_label(prom_labels *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

/* The value joined to an existing one with ';'. */
static int join_value(prom_label *lb, const char *value)
{
    size_t a = strlen(lb->value), b = strlen(value);
    char *v = realloc(lb->value, a + b + 2);
    if (!v)
        return -1;
    v[a] = ';';
    memcpy(v + a + 1, value, b + 1);
    lb->value = v;
    return 0;
}

int prom_labels_add(prom_labels *l, const char *key, const char *value)
{
    char name[256];
    prom_label_name(name, sizeof(name), key);
    prom_label *same = find_label(l, name);
    if (same)
        return join_value(same, value);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        prom_label *grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown)
            return -1;
        l->items = grown;
        l->cap = cap;
    }
    prom_label *lb = &l->items[l->n];
    lb->name = strdup(name);
    lb->value = strdup(value);
    if (!lb->name || !lb->value) {
        free(lb->name);
        free(lb->value);
        return -1;
    }
    l->n++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const prom_label *)a)->name, ((const prom_label *)b)->name);
}

/* Room for value escaped: '\\', '"' and newline take two bytes. */
static size_t escaped_len(const char *v)
{
    size_t n = 0;
    for (; *v; v++)
        n += *v == '\\' || *v == '"' || *v == '\n' ? 2 : 1;
    return n;
}

static char *put_escaped(char *p, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n')
            *p++ = '\\';
        *p++ = *v == '\n' ? 'n' : *v;
    }
    return p;
}

char *prom_labels_text(prom_labels *l)
{
    prom_label *sorted = malloc((l->n ? l->n : 1) * sizeof(*sorted));
    if (!sorted)
        return NULL;
    memcpy(sorted, l->items, l->n * sizeof(*sorted));
    qsort(sorted, l->n, sizeof(*sorted), by_name);
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(sorted[i].name) + escaped_len(sorted[i].value) + 4;
    char *text = malloc(len), *p = text;
    for (size_t i = 0; text && i < l->n; i++) {
        p += sprintf(p, "%s%s=\"", i ? "," : "", sorted[i].name);
        p = put_escaped(p, sorted[i].value);
        *p++ = '"';
    }
    if (text)
        *p = '\0';
    free(sorted);
    return text;
}

void prom_labels_free(prom_labels *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    l->n = 0;
    free(l->items);
    l->items = NULL;
    l->cap = 0;
}
