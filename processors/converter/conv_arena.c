/*
 * conv_arena.c: the bump allocator behind the converter's rewrite.
 */
#include "conv_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BLOCK ((size_t)64 * 1024)
#define MAX_BLOCK ((size_t)16 * 1024 * 1024)

struct conv_block {
    conv_block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

static void *pb_alloc(void *data, size_t n)
{
    return conv_alloc(data, n);
}

static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p; /* released with the arena */
}

void conv_arena_init(conv_arena *a)
{
    *a = (conv_arena){.block_size = MIN_BLOCK};
    a->pb = (ProtobufCAllocator){pb_alloc, pb_free, a};
}

static void free_blocks(conv_block *b)
{
    while (b) {
        conv_block *next = b->next;
        free(b);
        b = next;
    }
}

void conv_arena_fini(conv_arena *a)
{
    free_blocks(a->head);
    a->head = NULL;
}

void conv_arena_reset(conv_arena *a)
{
    conv_block *keep = a->head;
    for (conv_block *b = a->head; b; b = b->next)
        if (b->size > keep->size)
            keep = b;
    for (conv_block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (b != keep)
            free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->failed = 0;
}

static conv_block *block_new(conv_arena *a, size_t need)
{
    size_t size = a->block_size;
    while (size < need)
        size *= 2;
    conv_block *b = malloc(sizeof(*b) + size);
    if (!b)
        return NULL;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    /* Blocks grow with the requests they serve. */
    if (a->block_size < MAX_BLOCK)
        a->block_size *= 2;
    return b;
}

void *conv_alloc(conv_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    conv_block *b = a->head;
    if (!b || b->size - b->used < n)
        b = block_new(a, n);
    if (!b) {
        a->failed = 1;
        return NULL;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *conv_strndup(conv_arena *a, const char *s, size_t n)
{
    char *d = conv_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}
