/*
 * schema.c: a schema given as a depth-first node table, its leaves (with
 * the definition and repetition levels they reach), and its
 * SchemaElement list for the footer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pq_int.h"

typedef struct walk {
    pq_schema *s;
    size_t next;   /* node to visit */
    size_t cap;
    const char *path[PQ_MAX_PATH];
    int err;
} walk;

static void add_leaf(walk *w, const pq_node *n, int depth, uint8_t def, uint8_t rep)
{
    pq_schema *s = w->s;
    if (s->nleaves == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        pq_leaf *p = realloc(s->leaves, cap * sizeof(*p));
        if (!p) {
            w->err = -ENOMEM;
            return;
        }
        s->leaves = p;
        w->cap = cap;
    }
    pq_leaf *l = &s->leaves[s->nleaves++];
    memset(l, 0, sizeof(*l));
    l->node = n;
    l->max_def = def;
    l->max_rep = rep;
    l->depth = (uint8_t)depth;
    memcpy(l->path, w->path, (size_t)depth * sizeof(l->path[0]));
}

/* Visits node w->next, below a parent at the given depth and levels. */
static void visit(walk *w, int depth, uint8_t def, uint8_t rep)
{
    if (w->err || w->next >= w->s->nnodes || depth >= PQ_MAX_PATH) {
        w->err = w->err ? w->err : -EINVAL;
        return;
    }
    const pq_node *n = &w->s->nodes[w->next++];
    w->path[depth] = n->name;
    def += n->repetition != PQ_REQUIRED;
    rep += n->repetition == PQ_REPEATED;
    if (n->physical != PQ_GROUP) {
        add_leaf(w, n, depth + 1, def, rep);
        return;
    }
    for (int i = 0; i < n->children; i++)
        visit(w, depth + 1, def, rep);
}

int pq_schema_init(pq_schema *s, const pq_node *nodes, size_t n)
{
    memset(s, 0, sizeof(*s));
    s->nodes = nodes;
    s->nnodes = n;
    walk w = {.s = s, .next = 1}; /* nodes[0] is the root, outside every path */
    for (int i = 0; n > 0 && i < nodes[0].children; i++)
        visit(&w, 0, 0, 0);
    if (!w.err && (n == 0 || w.next != n))
        w.err = -EINVAL; /* children counts and the table disagree */
    if (w.err)
        pq_schema_free(s);
    return w.err;
}

void pq_schema_free(pq_schema *s)
{
    free(s->leaves);
    s->leaves = NULL;
    s->nleaves = 0;
}

static void write_logical(tc_writer *w, uint8_t logical)
{
    if (logical == PQ_LOG_NONE)
        return;
    tc_field_struct(w, 10);
    if (logical == PQ_LOG_TIMESTAMP_NS) {
        tc_field_struct(w, 8);
        tc_field_bool(w, 1, true); /* isAdjustedToUTC: span times are UTC */
        tc_field_struct(w, 2);
        tc_field_empty(w, 3);      /* NANOS */
        tc_struct_end(w);
        tc_struct_end(w);
    } else {
        static const int16_t field[] = {[PQ_LOG_STRING] = 1, [PQ_LOG_MAP] = 2, [PQ_LOG_LIST] = 3};
        tc_field_empty(w, field[logical]);
    }
    tc_struct_end(w);
}

/* ConvertedType, for readers older than LogicalType: UTF8 0, MAP 1, LIST 3. */
static void write_converted(tc_writer *w, uint8_t logical)
{
    static const int32_t converted[] = {[PQ_LOG_NONE] = -1, [PQ_LOG_STRING] = 0,
                                        [PQ_LOG_MAP] = 1, [PQ_LOG_LIST] = 3,
                                        [PQ_LOG_TIMESTAMP_NS] = -1};
    if (converted[logical] >= 0)
        tc_field_i32(w, 6, converted[logical]);
}

static void write_element(tc_writer *w, const pq_node *n, bool root)
{
    tc_struct_begin(w);
    if (n->physical != PQ_GROUP)
        tc_field_i32(w, 1, n->physical);
    if (!root)
        tc_field_i32(w, 3, n->repetition);
    tc_field_str(w, 4, n->name);
    if (n->physical == PQ_GROUP)
        tc_field_i32(w, 5, n->children);
    write_converted(w, n->logical);
    write_logical(w, n->logical);
    tc_struct_end(w);
}

void pq_schema_write(tc_writer *w, const pq_schema *s)
{
    tc_field_list(w, 2, TC_STRUCT, (uint32_t)s->nnodes);
    for (size_t i = 0; i < s->nnodes; i++)
        write_element(w, &s->nodes[i], i == 0);
}
