/*
 * conv_arena.h: a bump allocator for decoding, changing and re-encoding
 * one request. protobuf-c unpacks into it (its free is a no-op), changed
 * messages point at strings and arrays allocated from it, and the whole
 * request goes at once with conv_arena_reset. The first block is kept
 * across resets, so a steady stream of similar requests stops allocating.
 *
 * One arena is used by one thread at a time.
 */
#ifndef OTELC_PROC_CONV_ARENA_H
#define OTELC_PROC_CONV_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct conv_block conv_block;

typedef struct conv_arena {
    conv_block *head; /* the block being filled; older ones behind it */
    size_t block_size;
    int failed;       /* an allocation failed since the last reset */
    ProtobufCAllocator pb; /* hands protobuf-c this arena */
} conv_arena;

void conv_arena_init(conv_arena *a);
/* Frees every block. */
void conv_arena_fini(conv_arena *a);
/* Forgets every allocation; keeps the largest block for reuse. */
void conv_arena_reset(conv_arena *a);

/* n bytes aligned for any type, or NULL (and a->failed set). */
void *conv_alloc(conv_arena *a, size_t n);
/* A NUL-terminated copy of the n bytes at s, or NULL. */
char *conv_strndup(conv_arena *a, const char *s, size_t n);

#endif
