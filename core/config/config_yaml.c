/* libyaml events to a config tree; see config_yaml.h. */
#include "config_yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config_node_impl.h"

typedef struct frame {
    otelc_node *container;
    char *key; /* a map's key waiting for its value; owned */
    otelc_pos key_pos;
} frame;

typedef struct builder {
    const char *file;
    otelc_errors *errs;
    otelc_node *root;
    frame stack[OTELC_YAML_MAX_DEPTH];
    size_t depth;
    unsigned documents;
    bool failed; /* an error was recorded; parsing may go on to find more */
} builder;

/* libyaml marks count from 0. */
static otelc_pos mark_pos(const builder *b, yaml_mark_t mark)
{
    otelc_pos pos = {b->file, (unsigned)mark.line + 1, (unsigned)mark.column + 1};

    return pos;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    const char *text = (const char *)ev->data.scalar.value;

    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag != NULL)
        return false;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
        if (strcmp(text, nulls[i]) == 0)
            return true;
    }
    return false;
}

/* A tagged or non-plain scalar is meant as a string. */
static bool is_quoted_scalar(const yaml_event_t *ev)
{
    return ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag != NULL;
}

static void check_duplicate(builder *b, const otelc_node *map, const otelc_node *added)
{
    for (const otelc_node *c = map->first; c != added; c = c->next) {
        if (strcmp(c->key, added->key) == 0) {
            otelc_errors_add_key(b->errs, added, "defined twice (first at line %u, column %u)",
                                 c->key_pos.line, c->key_pos.col);
            b->failed = true;
            return;
        }
    }
}

/* Hangs a new value below the innermost open container. Takes `node`. */
static int attach(builder *b, otelc_node *node)
{
    frame *top;

    if (b->depth == 0) {
        b->root = node;
        return 0;
    }
    top = &b->stack[b->depth - 1];
    if (top->container->kind == OTELC_NODE_LIST) {
        otelc_node_append(top->container, node);
        return 0;
    }
    if (otelc_node_append_keyed(top->container, node, top->key, top->key_pos) != 0) {
        otelc_node_free(node);
        return -1;
    }
    free(top->key);
    top->key = NULL;
    check_duplicate(b, top->container, node);
    return 0;
}

static bool awaiting_key(const builder *b)
{
    const frame *top = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;

    return top != NULL && top->container->kind == OTELC_NODE_MAP && top->key == NULL;
}

static int fatal(builder *b, yaml_mark_t mark, const char *message)
{
    otelc_errors_add_pos(b->errs, mark_pos(b, mark), "%s", message);
    return -1;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    otelc_node *node;

    if (strlen(text) != len)
        return fatal(b, ev->start_mark, "a value holds a NUL character");
    if (awaiting_key(b)) {
        frame *top = &b->stack[b->depth - 1];
        top->key = strdup(text);
        top->key_pos = mark_pos(b, ev->start_mark);
        return top->key != NULL ? 0 : fatal(b, ev->start_mark, "out of memory");
    }
    node = otelc_node_new(is_null_scalar(ev) ? OTELC_NODE_NULL : OTELC_NODE_SCALAR,
                          mark_pos(b, ev->start_mark));
    if (node == NULL)
        return fatal(b, ev->start_mark, "out of memory");
    if (node->kind == OTELC_NODE_SCALAR) {
        if (otelc_node_set_text(node, text, len) != 0) {
            otelc_node_free(node);
            return fatal(b, ev->start_mark, "out of memory");
        }
        if (is_quoted_scalar(ev))
            node->flags |= OTELC_NODE_QUOTED;
    }
    return attach(b, node) == 0 ? 0 : fatal(b, ev->start_mark, "out of memory");
}

static int on_container_start(builder *b, const yaml_event_t *ev, otelc_node_kind kind)
{
    otelc_node *node;

    if (awaiting_key(b))
        return fatal(b, ev->start_mark, "a map key must be a plain value, not a map or list");
    if (b->depth == OTELC_YAML_MAX_DEPTH)
        return fatal(b, ev->start_mark, "nesting is deeper than 64 levels");
    node = otelc_node_new(kind, mark_pos(b, ev->start_mark));
    if (node == NULL || attach(b, node) != 0)
        return fatal(b, ev->start_mark, "out of memory");
    b->stack[b->depth].container = node;
    b->stack[b->depth].key = NULL;
    b->depth++;
    return 0;
}

static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return ev->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor;
    default:
        return NULL;
    }
}

static int on_event(builder *b, const yaml_event_t *ev)
{
    if (event_anchor(ev) != NULL)
        return fatal(b, ev->start_mark, "YAML anchors (&name) are not supported");
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fatal(b, ev->start_mark, "a config file holds one YAML document only");
        return 0;
    case YAML_ALIAS_EVENT:
        return fatal(b, ev->start_mark, "YAML aliases (*name) are not supported");
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_container_start(b, ev, OTELC_NODE_LIST);
    case YAML_MAPPING_START_EVENT:
        return on_container_start(b, ev, OTELC_NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        b->depth--;
        return 0;
    default:
        return 0;
    }
}

/* libyaml's reader errors carry a byte offset but no mark. */
static otelc_pos offset_pos(const builder *b, const char *text, size_t len, size_t offset)
{
    otelc_pos pos = {b->file, 1, 1};

    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            pos.line++;
            pos.col = 1;
        } else {
            pos.col++;
        }
    }
    return pos;
}

static void report_parser_error(builder *b, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *problem = p->problem != NULL ? p->problem : "cannot parse";

    if (p->error == YAML_MEMORY_ERROR) {
        otelc_errors_add(b->errs, "%s: out of memory while parsing", b->file);
    } else if (p->error == YAML_READER_ERROR) {
        otelc_errors_add_pos(b->errs, offset_pos(b, text, len, p->problem_offset), "%s", problem);
    } else if (p->context != NULL) {
        otelc_errors_add_pos(b->errs, mark_pos(b, p->problem_mark),
                             "%s (%s that starts at line %zu, column %zu)", problem, p->context,
                             p->context_mark.line + 1, p->context_mark.column + 1);
    } else {
        otelc_errors_add_pos(b->errs, mark_pos(b, p->problem_mark), "%s", problem);
    }
}

static int run_parser(builder *b, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc = 0;
    bool done = false;

    if (!yaml_parser_initialize(&parser)) {
        otelc_errors_add(b->errs, "%s: out of memory while parsing", b->file);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (rc == 0 && !done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            report_parser_error(b, &parser, text, len);
            rc = -1;
            break;
        }
        rc = on_event(b, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Keys left waiting when parsing stopped half-way. */
static void release_keys(builder *b)
{
    for (size_t i = 0; i < b->depth; i++) {
        free(b->stack[i].key);
        b->stack[i].key = NULL;
    }
}

static void builder_discard(builder *b)
{
    release_keys(b);
    otelc_node_free(b->root);
    b->root = NULL;
}

int otelc_yaml_parse_string(const char *name, const char *text, size_t len, otelc_errors *errs,
                            otelc_node **root)
{
    builder b;
    otelc_pos start = {name, 1, 1};

    memset(&b, 0, sizeof(b));
    b.file = name;
    b.errs = errs;
    *root = NULL;
    if (run_parser(&b, text, len) != 0 || b.failed) {
        builder_discard(&b);
        return -1;
    }
    release_keys(&b);
    if (b.root == NULL) {
        b.root = otelc_node_new(OTELC_NODE_NULL, start);
        if (b.root == NULL) {
            otelc_errors_add(errs, "%s: out of memory while parsing", name);
            return -1;
        }
    }
    *root = b.root;
    return 0;
}

/* Reads the whole file; returns a NUL-terminated buffer (the caller's) or
 * NULL with an error recorded. */
static char *read_file(const char *path, otelc_errors *errs, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *text = NULL;

    if (f == NULL) {
        otelc_errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        otelc_errors_add(errs, "%s: cannot read: not a regular file", path);
        goto out_close;
    }
    if ((unsigned long long)st.st_size > (unsigned long long)OTELC_YAML_MAX_FILE_BYTES) {
        otelc_errors_add(errs, "%s: cannot read: larger than 16 MiB", path);
        goto out_close;
    }
    text = malloc((size_t)st.st_size + 1);
    if (text == NULL) {
        otelc_errors_add(errs, "%s: cannot read: out of memory", path);
        goto out_close;
    }
    *len = fread(text, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        otelc_errors_add(errs, "%s: cannot read: %s", path, strerror(errno));
        free(text);
        text = NULL;
        goto out_close;
    }
    text[*len] = '\0';
out_close:
    fclose(f);
    return text;
}

int otelc_yaml_parse_file(const char *path, otelc_errors *errs, otelc_node **root)
{
    size_t len = 0;
    char *text = read_file(path, errs, &len);
    int rc;

    *root = NULL;
    if (text == NULL)
        return -1;
    rc = otelc_yaml_parse_string(path, text, len, errs, root);
    free(text);
    return rc;
}
