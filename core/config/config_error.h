/* Config errors are collected, not printed one by one: `otelc validate`
 * shows every problem of a config at once, each line
 * "FILE:LINE:COL: key 'dotted.path': message".
 *
 * An otelc_errors belongs to one thread at a time. */
#ifndef OTELC_CONFIG_ERROR_H
#define OTELC_CONFIG_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config_node.h"

typedef struct otelc_errors {
    char **lines;       /* owned; each line owned */
    otelc_pos *where;   /* each line's position, for sorting; the file
                           names point into a tree, so sorting forgets
                           them (file NULL: none or forgotten) */
    size_t count;
    size_t cap;
    bool out_of_memory; /* a line could not be stored */
} otelc_errors;

/* Starts an empty list; no allocation until the first error. */
void otelc_errors_init(otelc_errors *errs);

/* Frees every line; the list is empty (and usable) again afterwards. */
void otelc_errors_fini(otelc_errors *errs);

/* Lines recorded, plus one if a line was lost for lack of memory. */
size_t otelc_errors_count(const otelc_errors *errs);

/* The i-th line (owned by the list), in the order recorded. */
const char *otelc_errors_line(const otelc_errors *errs, size_t i);

/* Writes every line, each ending in a newline. */
void otelc_errors_print(const otelc_errors *errs, FILE *out);

/* Records a line as given (for problems that have no position, such as a
 * file that cannot be opened: "FILE: cannot open: ..."). */
void otelc_errors_add(otelc_errors *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records "FILE:LINE:COL: message". */
void otelc_errors_add_pos(otelc_errors *errs, otelc_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "FILE:LINE:COL: key 'path': message" at the node's value (wrong
 * type, bad duration). The "key" part is left out for the root. */
void otelc_errors_add_value(otelc_errors *errs, const otelc_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same at the node's key (unknown key, malformed id, defined twice). */
void otelc_errors_add_key(otelc_errors *errs, const otelc_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Orders the lines recorded from index `from` on by file (in the order of
 * `files[0..n_files)`; lines without a position or of another file come
 * first), then line and column. Stable. Call it while the trees the lines
 * point into still live; it forgets their file names. */
void otelc_errors_sort(otelc_errors *errs, size_t from, char *const *files, size_t n_files);

/* Writes "FILE:LINE:COL: key 'path': " for `node` (at its key when `at_key`)
 * into buf[0..cap), cut to fit; for log lines that point into the config. */
void otelc_errors_prefix(char *buf, size_t cap, const otelc_node *node, bool at_key);

#endif
