/*
 * internal.h: what the parts of libs/ottl share: the arena, tokens, the
 * syntax tree, values, the function table and the env.
 */
#ifndef OTTL_INTERNAL_H
#define OTTL_INTERNAL_H

#include "ottl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- arena: bump allocation in chunks that never move ---- */

typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head; /* the chunk being filled */
    arena_chunk *first;
    bool failed;       /* an allocation failed since the last reset */
} arena;

/* Zeroed memory aligned for any type, or NULL (and failed set). */
void *ottl_arena_alloc(arena *a, size_t n);
/* A copy of n bytes (NUL-terminated, not counted in n). */
char *ottl_arena_dup(arena *a, const void *p, size_t n);
/* Forgets everything allocated; keeps the chunks for reuse. */
void ottl_arena_reset(arena *a);
void ottl_arena_free(arena *a);

/* ---- tokens ---- */

typedef enum tok_kind {
    T_EOF,
    T_BYTES,  /* 0x... */
    T_FLOAT,
    T_INT,
    T_STRING, /* with its quotes, escapes not yet read */
    T_NOT,
    T_OR,
    T_AND,
    T_CMP,    /* == != < <= > >= */
    T_ADDSUB, /* + - */
    T_MULDIV, /* * / */
    T_BOOL,
    T_EQUAL,  /* = (named arguments) */
    T_LPAREN,
    T_RPAREN,
    T_LBRACE,
    T_RBRACE,
    T_COLON,
    T_COMMA,
    T_DOT,
    T_LBRACK,
    T_RBRACK,
    T_UPPER,  /* an identifier starting with an uppercase letter */
    T_LOWER,  /* ... with a lowercase letter */
} tok_kind;

typedef struct token {
    tok_kind kind;
    uint32_t pos, len; /* byte offset and length in the text */
} token;

/* Splits text into tokens (ending with T_EOF) in the arena. 0, or -1
 * with err filled. */
int ottl_lex(arena *a, const char *text, token **out, size_t *n, ottl_error *err);

/* Line and column (1-based) of byte offset pos in text. */
void ottl_position(const char *text, uint32_t pos, unsigned *line, unsigned *col);

/* Fills err: "msg" at pos of text. Returns -1. */
int ottl_fail(ottl_error *err, const char *text, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads a Go double-quoted string literal (quotes included) as Go's
 * strconv.Unquote does. 0 with *out (in the arena), or -1 with err. */
int ottl_unquote(arena *a, const char *text, const token *t, char **out, size_t *n,
                 ottl_error *err);

/* ---- syntax tree ---- */

typedef enum node_kind {
    N_NIL,
    N_BOOL,
    N_INT,
    N_FLOAT,
    N_STRING,
    N_BYTES,
    N_ENUM,    /* an uppercase symbol: an enum, or a function given by name */
    N_FUNCREF, /* bound: a function given by name as an argument */
    N_LIST,
    N_MAP,
    N_PATH,
    N_CALL,    /* a converter (or, at the top of a statement, an editor) */
    N_MATH,
    N_CMP,
    N_AND,
    N_OR,
    N_NOT,
} node_kind;

typedef enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } cmp_op;
typedef enum math_op { MATH_ADD, MATH_SUB, MATH_MUL, MATH_DIV } math_op;

typedef struct node node;
struct ottl_fn;

/* One field of a path as written: name and its keys ([...]). */
typedef struct path_seg {
    const char *name;
    size_t len;
    node **keys;
    size_t nkeys;
    uint32_t pos;
} path_seg;

typedef struct path_node {
    path_seg *segs;
    size_t nsegs;
    /* bound: what the path reads (a path_id), at which level, its keys */
    int id;
    int level; /* ottl_context of the data it reads */
    node **keys;
    size_t nkeys;
} path_node;

typedef struct call_arg {
    const char *name; /* NULL: positional */
    size_t nlen;
    node *value;
    uint32_t pos;
} call_arg;

#define OTTL_MAX_PARAMS 6

typedef struct call_node {
    const char *name;
    size_t len;
    call_arg *args;
    size_t nargs;
    node **keys; /* indexes applied to the result: Split(x, ",")[0] */
    size_t nkeys;
    /* bound: the function, its arguments by parameter (NULL: absent) and
     * what each needs compiled (a regex, a glob) */
    const struct ottl_fn *fn;
    node *argv[OTTL_MAX_PARAMS];
    void *aux[OTTL_MAX_PARAMS];
} call_node;

struct node {
    node_kind kind;
    uint32_t pos;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            const char *p;
            size_t n;
        } str;                       /* STRING (unquoted), BYTES (decoded), ENUM */
        const struct ottl_fn *fnref; /* FUNCREF */
        struct {
            node **items;
            size_t n;
        } list;                      /* LIST, AND, OR */
        struct {
            const char **keys;
            size_t *klens;
            node **vals;
            size_t n;
        } map;
        struct {
            node *l, *r;
            int op;
        } bin;                       /* MATH, CMP */
        node *sub;                   /* NOT */
        path_node path;
        call_node call;
    };
};

/* Something binding compiled outside the arena (a regex), freed with
 * the parsed text. */
typedef struct owned {
    void *p;
    void (*free_fn)(void *p);
    struct owned *next;
} owned;

/* A parsed text: the tree and what it was parsed from. */
typedef struct parsed {
    arena mem;       /* every node, and the text copy */
    const char *text;
    node *editor;    /* statements: the editor call */
    node *where;     /* the condition; NULL when none */
    owned *owned;
} parsed;

/* Parses text as a statement (editor [where cond]) or a condition.
 * 0, or -1 with err. p->mem must be zeroed before. */
int ottl_parse(parsed *p, const char *text, bool statement, ottl_error *err);

/* Binds a parsed text to a context: paths, enums, functions and their
 * arguments (regexes compiled). 0, or -1 with err. */
int ottl_bind(parsed *p, ottl_context ctx, ottl_error *err);

/* The context of `signal` inferred from parsed texts: 0, or -1 with err
 * (a path without a context name, a context of another signal). */
int ottl_infer(parsed *const *p, size_t n, otelc_signal signal, ottl_context *out, ottl_error *err,
               size_t *bad);

/* Whether s names an enum symbol of some context. */
bool ottl_enum_known(const char *s, size_t n);
/* The value of enum symbol s and the mask of contexts (1 << ctx) that
 * have it; false when no context has it. */
bool ottl_enum_lookup(const char *s, size_t n, int64_t *out, unsigned *contexts);

/* Frees what binding compiled (regexes) and the arena. */
void ottl_parsed_release(parsed *p);

/* ---- values ---- */

typedef enum vtype {
    V_NIL,
    V_BOOL,
    V_INT,
    V_DOUBLE,
    V_STRING,
    V_BYTES,
    V_MAP,      /* KeyValue list: attributes, a kvlist value, a map literal */
    V_SLICE,    /* AnyValue list: an array value, a list literal */
    V_TIME,     /* ns since the epoch (Go's time.Time) */
    V_DURATION, /* ns (time.Duration) */
    V_TRACE_ID, /* 16 bytes */
    V_SPAN_ID,  /* 8 bytes */
    V_EVENTS,   /* a span's events (ptrace.SpanEventSlice): l, and i = count */
    V_LINKS,
    V_FUNC,     /* a function given by name */
} vtype;

typedef struct value {
    vtype t;
    int64_t i;   /* INT, TIME, DURATION; the count of EVENTS, LINKS */
    union {
        bool b;
        double d;
        pb_bytes s;                 /* STRING, BYTES, TRACE_ID, SPAN_ID */
        otlp_list l;                /* MAP, SLICE, EVENTS, LINKS */
        const struct ottl_fn *fn;   /* FUNC */
    };
} value;

/* Go's name of a value's type in messages: "string", "int64", ... */
const char *ottl_type_name(vtype t);

/* ---- the env ---- */

/* A span's fields as statements left them (views of the input until set). */
typedef struct span_now {
    pb_bytes name, trace_state, trace_id, span_id, parent_span_id, status_message;
    int32_t kind, status_code;
    uint64_t start, end;
} span_now;

/* A data point's values (the walker's view leaves them out), decoded
 * when it is entered and kept as statements set them. */
typedef struct point_now {
    bool is_int;           /* a number point holding as_int */
    double value_double;   /* number points */
    int64_t value_int;
    uint64_t count;        /* histograms and summaries */
    double sum;
    int32_t scale;         /* exponential histograms */
    uint64_t zero_count;
} point_now;

struct ottl_env {
    arena scratch; /* values made while one statement runs */
    arena keep;    /* item fields set by statements; reset per span, log
                    * record or metric */
    otlp_editor *ed;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    otlp_event ev;
    span_now now;
    otlp_log lg;       /* views of the input until a statement set them */
    otlp_metric mt;
    otlp_datapoint dp;
    point_now pt;
    bool has[OTTL_CTX_COUNT];
    uint64_t changes;
    int64_t fixed_now;
    bool oom;
    char err[256];
};

/* Decodes the values of a data point (path_metric.c); a malformed field
 * reads as zero (the request was validated when it came in). */
void ottl_point_decode(const otlp_datapoint *dp, point_now *out);

/* Sets e->err (printf style). Returns -1. */
int ottl_errorf(ottl_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The editor failed with rc: records it. Returns -1. */
int ottl_edit_failed(ottl_env *e, int rc);

/* Evaluates n into *out. 0, or -1 with e->err. */
int ottl_eval(ottl_env *e, const node *n, value *out);
/* Evaluates a boolean expression. */
int ottl_eval_bool(ottl_env *e, const node *n, bool *out);

/* ---- functions ---- */

typedef enum param_kind {
    P_ANY,      /* any value (a Getter) */
    P_TARGET,   /* a path that can be set (a GetSetter) */
    P_MAP,      /* an attributes path (a PMapGetSetter) */
    P_STRING,   /* a string literal */
    P_INT,      /* an int literal */
    P_BOOL,     /* a bool literal */
    P_STRINGS,  /* a list literal of string literals */
    P_LIST,     /* a list literal, or a value that is a list */
    P_FUNC,     /* a converter given by name */
    P_REGEX,    /* a string literal, compiled as a regex */
    P_GLOB,     /* a string literal, compiled as a glob */
} param_kind;

typedef struct fparam {
    const char *name;
    param_kind kind;
    bool optional;
} fparam;

typedef struct ottl_fn {
    const char *name;
    bool editor;
    unsigned nparams;
    fparam params[OTTL_MAX_PARAMS];
    unsigned contexts; /* mask of 1 << ottl_context where it exists */
    bool string_fn;    /* a converter from one string to a string (a replace function) */
    /* Checks of bound literal arguments beyond their kinds; may be NULL. */
    const char *(*check)(const call_node *c);
    int (*run)(ottl_env *e, const call_node *c, value *out);
} ottl_fn;

#define ALL_CTX ((1u << OTTL_CTX_COUNT) - 1)
#define SPAN_CTX (1u << OTTL_CTX_SPAN)
#define METRIC_CTX (1u << OTTL_CTX_METRIC)

/* The function named name, or NULL. */
const ottl_fn *ottl_fn_find(const char *name, size_t len);
/* True when the collector has a function of that name otelc lacks. */
bool ottl_fn_collector_only(const char *name, size_t len);

#endif /* OTTL_INTERNAL_H */
