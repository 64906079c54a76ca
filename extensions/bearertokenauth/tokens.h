/*
 * tokens.h: the header values a bearertokenauth instance accepts (and
 * sends: the first), swapped whole when the token file changes.
 *
 * Values are "<scheme> <token>" (the token alone when the scheme is
 * empty). Readers (receiver loops, exporter threads) and the writer (the
 * file watcher) may run at once: a read lock covers every use.
 */
#ifndef OTELC_BEARERTOKENAUTH_TOKENS_H
#define OTELC_BEARERTOKENAUTH_TOKENS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct bt_tokens {
    pthread_rwlock_t lock;
    char **values; /* malloc'd, n of them */
    size_t n;
} bt_tokens;

void bt_tokens_init(bt_tokens *t);
void bt_tokens_free(bt_tokens *t);

/* Replaces the values with scheme + tokens[0..n) (copied; empty tokens
 * are left out). 0, or -1 without memory (the old values stay). */
int bt_tokens_set(bt_tokens *t, const char *scheme, const char *const *tokens, size_t n);

/* The same from a token file's text: one token per line, each trimmed.
 * Returns how many tokens it holds, or -1 without memory. */
long bt_tokens_set_text(bt_tokens *t, const char *scheme, const char *text);

/* Whether value equals one of the values (each compared in constant
 * time, all of them compared). */
bool bt_tokens_match(bt_tokens *t, const char *value);

/* Calls add(arg, header, first value) under the read lock; -1 when there
 * is no value (no token could be read yet). */
int bt_tokens_send(bt_tokens *t, const char *header,
                   void (*add)(void *arg, const char *name, const char *value), void *arg);

#endif /* OTELC_BEARERTOKENAUTH_TOKENS_H */
