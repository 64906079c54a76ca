/*
 * otlp_json_lex.h: the OTLP/JSON reader's tokens (internal to the reader),
 * parsed by yajl. yajl streams: it reports tokens as it reads and builds
 * no document tree, so the reader turns each value straight into its
 * protobuf-c field and memory is the decoded request itself, not a tree
 * of every value (an empty object in a tree costs some hundred bytes for
 * its three bytes of JSON).
 *
 * yajl pushes tokens and the reader pulls them: the body goes to yajl a
 * chunk at a time and the chunk's tokens wait in a queue here. A string's
 * decoded text lives in the lexer's buffer until the next token is read;
 * the reader copies what it keeps.
 */
#ifndef OTELC_SDK_OTLP_JSON_LEX_H
#define OTELC_SDK_OTLP_JSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Arrays and objects nested in one another, the document's own included. */
#define OJL_MAX_NESTING 2048

typedef enum ojv_type {
    OJV_NULL,
    OJV_FALSE,
    OJV_TRUE,
    OJV_INT,
    OJV_REAL,
    OJV_STRING,
    OJV_OBJECT, /* only its '{' is read: ojl_member walks it */
    OJV_ARRAY,  /* only its '[' is read: ojl_element walks it */
} ojv_type;

/* One value. */
typedef struct ojv {
    ojv_type type;
    const char *s; /* OJV_STRING: decoded, NUL-terminated, lexer's buffer */
    size_t n;      /* its length (it may hold U+0000) */
    int64_t i;     /* OJV_INT */
    double d;      /* OJV_REAL */
} ojv;

struct yajl_handle_t;
struct oj_tok;

/* Why yajl stopped (a syntax error, or a callback's refusal), kept until
 * the reader has taken the tokens before it. */
struct oj_stop {
    const char *why;
    size_t pos;
    bool nomem;
};

typedef struct oj_lex {
    const char *json;
    size_t len;
    size_t fed;  /* bytes given to yajl so far */
    size_t base; /* input offset of the chunk yajl is reading */
    bool completed; /* yajl was told the input ended */
    struct yajl_handle_t *yajl;
    unsigned depth; /* nesting where yajl is */
    struct oj_tok *toks; /* the queue: toks[head] to toks[count - 1] */
    size_t head, count, toks_cap;
    char *text; /* the queued strings, each NUL-terminated */
    size_t text_used, text_cap;
    struct oj_stop stop;
    char yajl_why[128]; /* yajl's message, for stop.why */
    size_t pos;         /* input offset where reading stopped */
    bool failed, nomem;
    const char *why; /* the first error the reader met */
} oj_lex;

void ojl_init(oj_lex *l, const char *json, size_t len);
void ojl_free(oj_lex *l);

/* Reads one value into *v. false on a syntax error (l->failed). */
bool ojl_value(oj_lex *l, ojv *v);

/* In an object whose '{' was read: true with the next member's key in
 * *key; false at the closing '}' or on an error. */
bool ojl_member(oj_lex *l, ojv *key);

/* In an array whose '[' was read: true when another element follows
 * (read it with ojl_value); false at the closing ']' or on an error. */
bool ojl_element(oj_lex *l);

/* Skips what is left of v (the rest of an object or array). */
bool ojl_skip(oj_lex *l, const ojv *v);

/* True when only whitespace is left. */
bool ojl_at_end(oj_lex *l);

/* Records the reader's own refusal of the document's shape as a syntax
 * error at the last token read; returns false. */
bool ojl_fail(oj_lex *l, const char *why);

/* Line and column (from 1) of where reading stopped. */
void ojl_where(const oj_lex *l, unsigned *line, unsigned *col);

#endif /* OTELC_SDK_OTLP_JSON_LEX_H */
