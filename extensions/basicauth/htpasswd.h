/*
 * htpasswd.h: an htpasswd table as the collector reads one (its
 * go-htpasswd with the default systems): "user:hash" lines, blank lines
 * skipped, a later line for a user replacing an earlier one. Hashes:
 * bcrypt ($2a$, $2b$, $2x$, $2y$), MD5-crypt ($1$), SHA-crypt ($5$, $6$)
 * through libcrypt (crypt_rn); Apache's $apr1$; {SHA} and {SSHA} (SHA-1,
 * base64); anything else is a plain-text password (also matched with a
 * {PLAIN} prefix, as nginx writes them).
 *
 * A table is built once, then only read, from any number of threads.
 */
#ifndef OTELC_BASICAUTH_HTPASSWD_H
#define OTELC_BASICAUTH_HTPASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hp_scheme { HP_CRYPT, HP_APR1, HP_SHA, HP_SSHA, HP_PLAIN } hp_scheme;

typedef struct hp_entry {
    char *user;
    char *hash;       /* as written after the colon */
    hp_scheme scheme;
    uint8_t *raw;     /* {SHA}, {SSHA}: the decoded digest (and salt) */
    size_t rawlen;
} hp_entry;

typedef struct hp_table {
    hp_entry *e;
    size_t n, cap;
} hp_table;

/* Called for each line refused (no colon, a malformed {SHA} or $apr1$);
 * line counts from 1. why never holds the hash. */
typedef void (*hp_bad_fn)(void *arg, size_t line, const char *why);

/* Adds text's lines. 0, or -1 without memory. */
int hp_table_add_text(hp_table *t, const char *text, hp_bad_fn bad, void *arg);

/* Whether user's entry matches password (plen bytes; may hold any byte). */
bool hp_table_match(const hp_table *t, const char *user, const char *password, size_t plen);

/* Whether user's entry is costly to check (crypt and apr1 schemes). */
bool hp_table_costly(const hp_table *t, const char *user);

void hp_table_free(hp_table *t);

/* Apache's $apr1$ MD5: the 22 characters after "$apr1$salt$" for
 * password (plen bytes) and salt (up to 8 characters, slen), into out
 * (23 bytes with the NUL). 0, or -1 if the digest failed. */
int hp_apr1(const char *password, size_t plen, const char *salt, size_t slen, char out[23]);

#endif /* OTELC_BASICAUTH_HTPASSWD_H */
