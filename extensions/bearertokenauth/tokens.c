/*
 * tokens.c: the accepted header values, swapped under a lock.
 */
#include "tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkit/authkit.h"

void bt_tokens_init(bt_tokens *t)
{
    memset(t, 0, sizeof(*t));
    pthread_rwlock_init(&t->lock, NULL);
}

static void values_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void bt_tokens_free(bt_tokens *t)
{
    values_free(t->values, t->n);
    pthread_rwlock_destroy(&t->lock);
}

/* "scheme token" (or the token) of tlen bytes, malloc'd. */
static char *value_of(const char *scheme, const char *tok, size_t tlen)
{
    size_t slen = scheme ? strlen(scheme) : 0, len = slen + (slen ? 1 : 0) + tlen;
    char *v = malloc(len + 1);
    if (!v)
        return NULL;
    snprintf(v, len + 1, "%s%s%.*s", slen ? scheme : "", slen ? " " : "", (int)tlen, tok);
    return v;
}

static void swap_in(bt_tokens *t, char **values, size_t n)
{
    pthread_rwlock_wrlock(&t->lock);
    char **old = t->values;
    size_t oldn = t->n;
    t->values = values;
    t->n = n;
    pthread_rwlock_unlock(&t->lock);
    values_free(old, oldn);
}

/* Adds one value to v (room for it is there); false without memory. */
static bool push(char **v, size_t *n, const char *scheme, const char *tok, size_t tlen)
{
    if (tlen == 0)
        return true;
    v[*n] = value_of(scheme, tok, tlen);
    return v[(*n)++] != NULL;
}

int bt_tokens_set(bt_tokens *t, const char *scheme, const char *const *tokens, size_t n)
{
    char **v = calloc(n ? n : 1, sizeof(*v));
    size_t got = 0;
    bool ok = v != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = push(v, &got, scheme, tokens[i], strlen(tokens[i]));
    if (!ok) {
        values_free(v, got);
        return -1;
    }
    swap_in(t, v, got);
    return 0;
}

static size_t count_lines(const char *text)
{
    size_t n = 1;
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

long bt_tokens_set_text(bt_tokens *t, const char *scheme, const char *text)
{
    size_t cap = count_lines(text), got = 0;
    char **v = calloc(cap, sizeof(*v));
    bool ok = v != NULL;
    for (const char *line = text; ok && line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *tok = line;
        ak_trim(&tok, &len);
        ok = push(v, &got, scheme, tok, len);
        line = nl ? nl + 1 : NULL;
    }
    if (!ok) {
        values_free(v, got);
        return -1;
    }
    swap_in(t, v, got);
    return (long)got;
}

bool bt_tokens_match(bt_tokens *t, const char *value)
{
    bool hit = false;
    size_t len = strlen(value);
    pthread_rwlock_rdlock(&t->lock);
    for (size_t i = 0; i < t->n; i++)
        hit |= ak_equal(t->values[i], strlen(t->values[i]), value, len);
    pthread_rwlock_unlock(&t->lock);
    return hit;
}

int bt_tokens_send(bt_tokens *t, const char *header,
                   void (*add)(void *arg, const char *name, const char *value), void *arg)
{
    pthread_rwlock_rdlock(&t->lock);
    int rc = t->n ? 0 : -1;
    if (t->n)
        add(arg, header, t->values[0]);
    pthread_rwlock_unlock(&t->lock);
    return rc;
}
