/* Collected config errors; see config_error.h. */
#include "config_error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_BYTES 512

void otelc_errors_init(otelc_errors *errs)
{
    memset(errs, 0, sizeof(*errs));
}

void otelc_errors_fini(otelc_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++)
        free(errs->lines[i]);
    free(errs->lines);
    free(errs->where);
    otelc_errors_init(errs);
}

size_t otelc_errors_count(const otelc_errors *errs)
{
    return errs->count + (errs->out_of_memory ? 1 : 0);
}

const char *otelc_errors_line(const otelc_errors *errs, size_t i)
{
    if (i < errs->count)
        return errs->lines[i];
    return errs->out_of_memory && i == errs->count ? "out of memory while recording errors"
                                                   : NULL;
}

void otelc_errors_print(const otelc_errors *errs, FILE *out)
{
    for (size_t i = 0; i < otelc_errors_count(errs); i++)
        fprintf(out, "%s\n", otelc_errors_line(errs, i));
}

static int grow(otelc_errors *errs)
{
    size_t cap = errs->cap != 0 ? errs->cap * 2 : 8;
    char **lines = realloc(errs->lines, cap * sizeof(*lines));
    otelc_pos *where;

    if (lines == NULL)
        return -1;
    errs->lines = lines;
    where = realloc(errs->where, cap * sizeof(*where));
    if (where == NULL)
        return -1;
    errs->where = where;
    errs->cap = cap;
    return 0;
}

/* Takes ownership of `line` (NULL means it could not be built). */
static void push_line(otelc_errors *errs, otelc_pos pos, char *line)
{
    if (line != NULL && errs->count == errs->cap && grow(errs) != 0) {
        free(line);
        line = NULL;
    }
    if (line == NULL) {
        errs->out_of_memory = true;
        return;
    }
    errs->where[errs->count] = pos;
    errs->lines[errs->count++] = line;
}

/* Builds "PREFIX" + formatted message into one owned line. */
static void add_prefixed(otelc_errors *errs, otelc_pos pos, const char *prefix, const char *fmt,
                         va_list ap)
{
    char *message = NULL;
    char *line = NULL;

    if (vasprintf(&message, fmt, ap) < 0) {
        push_line(errs, pos, NULL);
        return;
    }
    if (asprintf(&line, "%s%s", prefix, message) < 0)
        line = NULL;
    free(message);
    push_line(errs, pos, line);
}

/* 0 for no file or an unlisted one, else 1 + the file's index. */
static size_t file_rank(const char *file, char *const *files, size_t n_files)
{
    for (size_t i = 0; file != NULL && i < n_files; i++) {
        if (strcmp(files[i], file) == 0)
            return i + 1;
    }
    return 0;
}

static bool sorts_before(const otelc_pos *a, size_t rank_a, const otelc_pos *b, size_t rank_b)
{
    if (rank_a != rank_b)
        return rank_a < rank_b;
    if (a->line != b->line)
        return a->line < b->line;
    return a->col < b->col;
}

void otelc_errors_sort(otelc_errors *errs, size_t from, char *const *files, size_t n_files)
{
    size_t *rank;

    if (errs->count <= from)
        return;
    rank = malloc(errs->count * sizeof(*rank));
    if (rank == NULL)
        return; /* the lines stay in the order found: still all there */
    for (size_t i = from; i < errs->count; i++)
        rank[i] = file_rank(errs->where[i].file, files, n_files);
    /* Insertion sort: stable, and error lists are short. */
    for (size_t i = from + 1; i < errs->count; i++) {
        otelc_pos pos = errs->where[i];
        char *line = errs->lines[i];
        size_t r = rank[i], j = i;

        for (; j > from && sorts_before(&pos, r, &errs->where[j - 1], rank[j - 1]); j--) {
            errs->where[j] = errs->where[j - 1];
            errs->lines[j] = errs->lines[j - 1];
            rank[j] = rank[j - 1];
        }
        errs->where[j] = pos;
        errs->lines[j] = line;
        rank[j] = r;
    }
    free(rank);
    for (size_t i = from; i < errs->count; i++)
        errs->where[i].file = NULL;
}

/* "FILE:LINE:COL: key 'path': " for `node` at `pos`, cut to fit `cap`. */
static void format_prefix(char *buf, size_t cap, otelc_pos pos, const otelc_node *node)
{
    char path[PATH_MAX_BYTES];
    size_t len = 0;

    path[0] = '\0';
    if (node != NULL)
        otelc_node_path(node, path, sizeof(path));
    buf[0] = '\0';
    if (pos.file != NULL)
        len = (size_t)snprintf(buf, cap, "%s:%u:%u: ", pos.file, pos.line, pos.col);
    if (path[0] != '\0' && len < cap)
        snprintf(buf + len, cap - len, "key '%s': ", path);
}

void otelc_errors_prefix(char *buf, size_t cap, const otelc_node *node, bool at_key)
{
    if (cap == 0)
        return;
    format_prefix(buf, cap, at_key ? otelc_node_key_pos(node) : otelc_node_pos(node), node);
}

void otelc_errors_add(otelc_errors *errs, const char *fmt, ...)
{
    va_list ap;

    otelc_pos none = {NULL, 0, 0};

    va_start(ap, fmt);
    add_prefixed(errs, none, "", fmt, ap);
    va_end(ap);
}

void otelc_errors_add_pos(otelc_errors *errs, otelc_pos pos, const char *fmt, ...)
{
    char prefix[PATH_MAX_BYTES + 128];
    va_list ap;

    format_prefix(prefix, sizeof(prefix), pos, NULL);
    va_start(ap, fmt);
    add_prefixed(errs, pos, prefix, fmt, ap);
    va_end(ap);
}

void otelc_errors_add_value(otelc_errors *errs, const otelc_node *node, const char *fmt, ...)
{
    char prefix[PATH_MAX_BYTES + 128];
    va_list ap;

    format_prefix(prefix, sizeof(prefix), otelc_node_pos(node), node);
    va_start(ap, fmt);
    add_prefixed(errs, otelc_node_pos(node), prefix, fmt, ap);
    va_end(ap);
}

void otelc_errors_add_key(otelc_errors *errs, const otelc_node *node, const char *fmt, ...)
{
    char prefix[PATH_MAX_BYTES + 128];
    va_list ap;

    format_prefix(prefix, sizeof(prefix), otelc_node_key_pos(node), node);
    va_start(ap, fmt);
    add_prefixed(errs, otelc_node_key_pos(node), prefix, fmt, ap);
    va_end(ap);
}
