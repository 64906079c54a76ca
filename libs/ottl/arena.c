/*
 * arena.c: bump allocation in chunks. Chunks never move, so a value made
 * in the arena stays where it is while more are made; a reset keeps the
 * chunks, so evaluation in steady state allocates nothing.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 4096u

struct arena_chunk {
    arena_chunk *next;
    size_t cap, used;
    max_align_t data[];
};

static arena_chunk *chunk_new(size_t cap)
{
    arena_chunk *c = malloc(sizeof(*c) + cap);
    if (c) {
        c->next = NULL;
        c->cap = cap;
        c->used = 0;
    }
    return c;
}

/* The next chunk with room for n bytes, reusing those a reset left. */
static arena_chunk *chunk_with_room(arena *a, size_t n)
{
    arena_chunk *c = a->head ? a->head->next : a->first;
    while (c && c->cap < n)
        c = c->next; /* a chunk too small for this stays for later */
    if (c)
        return c;
    c = chunk_new(n > CHUNK_MIN ? n : CHUNK_MIN);
    if (!c)
        return NULL;
    if (!a->first) {
        a->first = c;
    } else {
        arena_chunk *last = a->head ? a->head : a->first;
        while (last->next)
            last = last->next;
        last->next = c;
    }
    return c;
}

void *ottl_arena_alloc(arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    if (!a->head || a->head->cap - a->head->used < n) {
        arena_chunk *c = chunk_with_room(a, n);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->used = 0;
        a->head = c;
    }
    void *p = (char *)a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *ottl_arena_dup(arena *a, const void *p, size_t n)
{
    char *d = ottl_arena_alloc(a, n + 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

void ottl_arena_reset(arena *a)
{
    a->head = NULL;
    a->failed = false;
}

void ottl_arena_free(arena *a)
{
    arena_chunk *c = a->first;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->first = a->head = NULL;
}

void ottl_position(const char *text, uint32_t pos, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (uint32_t i = 0; i < pos && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int ottl_fail(ottl_error *err, const char *text, uint32_t pos, const char *fmt, ...)
{
    va_list ap;
    ottl_position(text, pos, &err->line, &err->col);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
