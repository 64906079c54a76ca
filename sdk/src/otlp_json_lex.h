/*
 * otlp_json_lex.h: the OTLP/JSON reader's tokenizer (internal to the
 * reader). It walks the document in place, one value at a time, and builds
 * nothing: the reader asks for the next member or element and turns each
 * value straight into its protobuf-c field. Memory is the decoded request
 * itself, not a document tree of every value (an empty object in a tree
 * costs some hundred bytes for its three bytes of JSON).
 *
 * A string's decoded text lives in the lexer's scratch buffer until the
 * next token is read; the reader copies what it keeps.
 */
#ifndef OTELC_SDK_OTLP_JSON_LEX_H
#define OTELC_SDK_OTLP_JSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting the tokenizer accepts where the reader skips a value. */
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
    const char *s; /* OJV_STRING: decoded, NUL-terminated, scratch */
    size_t n;      /* its length (it may hold U+0000) */
    int64_t i;     /* OJV_INT */
    double d;      /* OJV_REAL */
} ojv;

typedef struct oj_lex {
    const char *start, *p, *end;
    char *buf; /* scratch for the last string */
    size_t cap;
    bool failed, nomem;
    const char *why; /* the first syntax error */
} oj_lex;

void ojl_init(oj_lex *l, const char *json, size_t len);
void ojl_free(oj_lex *l);

/* Reads one value into *v. false on a syntax error (l->failed). */
bool ojl_value(oj_lex *l, ojv *v);

/* In an object whose '{' was read: true with the next member's key in
 * *key and its ':' read; false at the closing '}' or on an error. *first
 * starts true. */
bool ojl_member(oj_lex *l, bool *first, ojv *key);

/* In an array whose '[' was read: true when another element follows
 * (read it with ojl_value); false at the closing ']' or on an error. */
bool ojl_element(oj_lex *l, bool *first);

/* Skips what is left of v (the rest of an object or array). */
bool ojl_skip(oj_lex *l, const ojv *v);

/* True when only whitespace is left. */
bool ojl_at_end(oj_lex *l);

/* Line and column (from 1) of where the lexer stopped. */
void ojl_where(const oj_lex *l, unsigned *line, unsigned *col);

#endif /* OTELC_SDK_OTLP_JSON_LEX_H */
