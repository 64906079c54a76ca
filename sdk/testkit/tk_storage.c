/*
 * tk_storage.c: an in-memory storage service (OTELC_SERVICE_STORAGE) a
 * test offers the plugin it drives. Commits apply at once and their done
 * runs before commit returns, unless the test holds them (then
 * otelc_test_storage_release completes them, as a slow disk would), so a
 * plugin's "answer after the commit" can be asserted either way. One
 * table per (owner, name), kept while the storage lives, so a test can
 * destroy a plugin and create it again over the same data, as a restart.
 */
#include "testkit_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tk_entry {
    uint8_t *key, *value;
    size_t key_len, value_len;
} tk_entry;

typedef struct tk_table {
    struct tk_table *next;
    char *name; /* "owner/name" */
    tk_entry *entries; /* sorted by key */
    size_t n, cap;
} tk_table;

/* A commit held back by the test. */
typedef struct tk_held {
    struct tk_held *next;
    void (*done)(void *arg, int status);
    void *arg;
} tk_held;

struct otelc_test_storage {
    pthread_mutex_t mu;
    tk_table *tables;
    bool hold, closed;
    tk_held *held, **held_tail;
    size_t commits;
};

struct otelc_storage_client {
    otelc_test_storage *s;
    tk_table *t;
};

static int key_cmp(const tk_entry *e, const void *key, size_t len)
{
    size_t n = e->key_len < len ? e->key_len : len;
    int c = memcmp(e->key, key, n);
    return c ? c : (e->key_len > len) - (e->key_len < len);
}

/* Index of key, or where it would go (*found false). */
static size_t find(const tk_table *t, const void *key, size_t len, bool *found)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = key_cmp(&t->entries[mid], key, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static int put(tk_table *t, const otelc_storage_op *op)
{
    bool found;
    size_t i = find(t, op->key, op->key_len, &found);
    uint8_t *v = malloc(op->value_len ? op->value_len : 1);
    if (!v)
        return -1;
    memcpy(v, op->value, op->value_len);
    if (found) {
        free(t->entries[i].value);
        t->entries[i].value = v;
        t->entries[i].value_len = op->value_len;
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        tk_entry *grown = realloc(t->entries, cap * sizeof(*grown));
        if (!grown) {
            free(v);
            return -1;
        }
        t->entries = grown;
        t->cap = cap;
    }
    uint8_t *k = malloc(op->key_len);
    if (!k) {
        free(v);
        return -1;
    }
    memcpy(k, op->key, op->key_len);
    memmove(&t->entries[i + 1], &t->entries[i], (t->n - i) * sizeof(tk_entry));
    t->entries[i] = (tk_entry){k, v, op->key_len, op->value_len};
    t->n++;
    return 0;
}

static void del(tk_table *t, const otelc_storage_op *op)
{
    bool found;
    size_t i = find(t, op->key, op->key_len, &found);
    if (!found)
        return;
    free(t->entries[i].key);
    free(t->entries[i].value);
    memmove(&t->entries[i], &t->entries[i + 1], (t->n - i - 1) * sizeof(tk_entry));
    t->n--;
}

static tk_table *table_of(otelc_test_storage *s, const char *owner, const char *name)
{
    size_t len = strlen(owner) + strlen(name) + 2;
    for (tk_table *t = s->tables; t; t = t->next)
        if (strlen(t->name) + 1 == len && strncmp(t->name, owner, strlen(owner)) == 0 &&
            t->name[strlen(owner)] == '/' && strcmp(t->name + strlen(owner) + 1, name) == 0)
            return t;
    tk_table *t = calloc(1, sizeof(*t));
    char *n = malloc(len);
    if (!t || !n) {
        free(t);
        free(n);
        return NULL;
    }
    snprintf(n, len, "%s/%s", owner, name);
    t->name = n;
    t->next = s->tables;
    s->tables = t;
    return t;
}

static otelc_storage_client *tk_client(void *state, const char *owner, const char *name,
                                       char *err, size_t err_size)
{
    otelc_test_storage *s = state;
    pthread_mutex_lock(&s->mu);
    tk_table *t = s->closed ? NULL : table_of(s, owner, name);
    pthread_mutex_unlock(&s->mu);
    otelc_storage_client *c = t ? malloc(sizeof(*c)) : NULL;
    if (!c) {
        snprintf(err, err_size, "%s", t ? "no memory" : "the test storage is closed");
        return NULL;
    }
    *c = (otelc_storage_client){s, t};
    return c;
}

/* Applies every op under the lock; -1 if memory ran out midway. */
static int apply(otelc_test_storage *s, tk_table *t, const otelc_storage_op *ops, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (ops[i].value)
            rc = put(t, &ops[i]);
        else
            del(t, &ops[i]);
    }
    s->commits++;
    return rc;
}

static int tk_commit(otelc_storage_client *c, const otelc_storage_op *ops, size_t n,
                     void (*done)(void *arg, int status), void *arg)
{
    otelc_test_storage *s = c->s;
    for (size_t i = 0; i < n; i++)
        if (ops[i].key_len == 0 || ops[i].key_len > 511)
            return -1;
    tk_held *h = malloc(sizeof(*h));
    if (!h)
        return -1;
    pthread_mutex_lock(&s->mu);
    int status = s->closed ? ESHUTDOWN : apply(s, c->t, ops, n) ? ENOMEM : 0;
    bool hold = s->hold && status == 0;
    if (hold) {
        *h = (tk_held){NULL, done, arg};
        *s->held_tail = h;
        s->held_tail = &h->next;
    }
    pthread_mutex_unlock(&s->mu);
    if (!hold) {
        free(h);
        done(arg, status);
    }
    return 0;
}

static int tk_scan(otelc_storage_client *c,
                   int (*fn)(void *arg, const void *key, size_t key_len, const void *value,
                             size_t value_len),
                   void *arg)
{
    pthread_mutex_lock(&c->s->mu);
    for (size_t i = 0; i < c->t->n; i++) {
        const tk_entry *e = &c->t->entries[i];
        if (fn(arg, e->key, e->key_len, e->value, e->value_len) != 0)
            break;
    }
    pthread_mutex_unlock(&c->s->mu);
    return 0;
}

static void tk_client_close(otelc_storage_client *c)
{
    free(c);
}

static const otelc_storage tk_storage_vtable = {
    .struct_size = sizeof(otelc_storage),
    .client = tk_client,
    .commit = tk_commit,
    .scan = tk_scan,
    .client_close = tk_client_close,
};

otelc_test_storage *otelc_test_storage_new(void)
{
    otelc_test_storage *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->held_tail = &s->held;
    return s;
}

const otelc_storage *otelc_test_storage_vtable(void)
{
    return &tk_storage_vtable;
}

void otelc_test_storage_hold(otelc_test_storage *s, bool hold)
{
    pthread_mutex_lock(&s->mu);
    s->hold = hold;
    pthread_mutex_unlock(&s->mu);
}

size_t otelc_test_storage_release(otelc_test_storage *s)
{
    pthread_mutex_lock(&s->mu);
    tk_held *h = s->held;
    s->held = NULL;
    s->held_tail = &s->held;
    pthread_mutex_unlock(&s->mu);
    size_t n = 0;
    for (tk_held *next; h; h = next, n++) {
        next = h->next;
        h->done(h->arg, 0);
        free(h);
    }
    return n;
}

size_t otelc_test_storage_count(otelc_test_storage *s, const char *owner, const char *name)
{
    pthread_mutex_lock(&s->mu);
    tk_table *t = table_of(s, owner, name);
    size_t n = t ? t->n : 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t otelc_test_storage_commits(otelc_test_storage *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->commits;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void otelc_test_storage_close(otelc_test_storage *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    pthread_mutex_unlock(&s->mu);
}

void otelc_test_storage_free(otelc_test_storage *s)
{
    if (!s)
        return;
    for (tk_held *h = s->held, *next; h; h = next) { /* their plugin is gone */
        next = h->next;
        free(h);
    }
    for (tk_table *t = s->tables, *next; t; t = next) {
        next = t->next;
        for (size_t i = 0; i < t->n; i++) {
            free(t->entries[i].key);
            free(t->entries[i].value);
        }
        free(t->entries);
        free(t->name);
        free(t);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}
