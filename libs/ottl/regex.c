/*
 * regex.c: PCRE2 with Go's regexp semantics where OTTL meets them:
 * unanchored search, ReplaceAllString's walk over the matches (at least
 * one character forward after an empty match, no replacement of an empty
 * match right after another), FindAll's (empty matches abutting a
 * previous match skipped) and Expand's template ($1, ${1}, $name,
 * ${name}, $$; a malformed $ stays as it is).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"
#include "value.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

/* Backtracking steps before a match gives up: far above what a sane
 * pattern needs on an attribute, low enough that a catastrophic one
 * costs milliseconds. */
#define MATCH_LIMIT 1000000u

struct ottl_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
};

void ottl_regex_free(void *p)
{
    ottl_regex *re = p;
    if (!re)
        return;
    pcre2_match_context_free(re->mctx);
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    free(re);
}

ottl_regex *ottl_regex_compile(const char *pattern, size_t n, char *err, size_t cap)
{
    /* Go's `$` is the end of the text only; subjects are never trusted */
    const uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    ottl_regex *re = calloc(1, sizeof(*re));
    int code;
    PCRE2_SIZE at;
    if (!re) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    re->code = pcre2_compile((PCRE2_SPTR)pattern, n, opts, &code, &at, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, cap, "%s at offset %zu", (const char *)msg, (size_t)at);
        ottl_regex_free(re);
        return NULL;
    }
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->md || !re->mctx) {
        snprintf(err, cap, "out of memory");
        ottl_regex_free(re);
        return NULL;
    }
    pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
    return re;
}

/* A match at or after pos: 1 (ovector set), 0 none, -1 the limit. */
static int match_at(ottl_regex *re, pb_bytes s, size_t pos)
{
    static const uint8_t empty;
    int rc = pcre2_match(re->code, s.ptr ? s.ptr : &empty, s.len, pos, 0, re->md, re->mctx);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int ottl_regex_search(ottl_regex *re, pb_bytes s)
{
    return match_at(re, s, 0);
}

/* Width of the character at pos for stepping past an empty match. */
static size_t step_width(pb_bytes s, size_t pos)
{
    if (pos >= s.len)
        return 1;
    uint8_t c = s.ptr[pos];
    size_t w = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return pos + w <= s.len ? w : 1;
}

/* ---- Expand ---- */

typedef struct piece_list {
    pb_bytes *v;
    size_t n, cap;
    ottl_env *e;
} piece_list;

static int add(piece_list *l, pb_bytes b)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        pb_bytes *v = ottl_arena_alloc(&l->e->scratch, cap * sizeof(pb_bytes));
        if (!v)
            return ottl_errorf(l->e, "out of memory");
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(pb_bytes));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = b;
    return 0;
}

static bool name_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c >= 0x80;
}

/* Go's extract: the name after a $ (braced or not). Returns the bytes
 * consumed, 0 when malformed; *num is the group number or -1. */
static size_t extract(pb_bytes t, size_t at, pb_bytes *name, long *num)
{
    bool brace = at < t.len && t.ptr[at] == '{';
    size_t i = at + brace, start = i;
    while (i < t.len && name_char(t.ptr[i]))
        i++;
    if (i == start || (brace && (i >= t.len || t.ptr[i] != '}')))
        return 0;
    *name = bytes_of(t.ptr + start, i - start);
    *num = 0;
    for (size_t k = 0; k < name->len && *num >= 0; k++)
        *num = (name->ptr[k] < '0' || name->ptr[k] > '9' || *num >= 100000000)
                   ? -1
                   : *num * 10 + (name->ptr[k] - '0');
    if (name->len > 1 && name->ptr[0] == '0')
        *num = -1;
    return i - at + brace;
}

/* The group a name stands for: its number, or -1. */
static long group_of(ottl_regex *re, pb_bytes name, long num)
{
    char buf[128];
    if (num >= 0)
        return num;
    if (name.len >= sizeof buf)
        return -1;
    memcpy(buf, name.ptr, name.len);
    buf[name.len] = 0;
    int g = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)buf);
    return g < 0 ? -1 : g;
}

static pb_bytes group_text(ottl_regex *re, pb_bytes s, long g)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    if (g < 0 || (uint32_t)g >= pcre2_get_ovector_count(re->md) || ov[2 * g] == PCRE2_UNSET)
        return bytes_of("", 0);
    return bytes_of(s.ptr + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

static int expand(ottl_regex *re, pb_bytes s, pb_bytes t, piece_list *out)
{
    size_t k = 0, lit = 0;
    while (k < t.len) {
        pb_bytes name;
        long num;
        size_t used;
        if (t.ptr[k] != '$') {
            k++;
            continue;
        }
        if (add(out, bytes_of(t.ptr + lit, k - lit)) != 0)
            return -1;
        if (k + 1 < t.len && t.ptr[k + 1] == '$') {
            lit = k + 1; /* $$ is a $ */
            k += 2;
        } else if ((used = extract(t, k + 1, &name, &num)) == 0) {
            lit = k++; /* malformed: the $ stays */
        } else {
            if (add(out, group_text(re, s, group_of(re, name, num))) != 0)
                return -1;
            k += 1 + used;
            lit = k;
        }
    }
    return add(out, bytes_of(t.ptr + lit, t.len - lit));
}

/* ---- the walks ---- */

int ottl_regex_replace_all(ottl_env *e, ottl_regex *re, pb_bytes s, pb_bytes repl,
                           pb_bytes *out)
{
    piece_list l = {.e = e};
    size_t pos = 0, last_end = 0;
    int rc;
    while (pos <= s.len && (rc = match_at(re, s, pos)) != 0) {
        if (rc < 0)
            return ottl_errorf(e, "the regex match limit was reached");
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        size_t ms = ov[0], me = ov[1];
        if (add(&l, bytes_of(s.ptr + last_end, ms - last_end)) != 0)
            return -1;
        /* no replacement for an empty match right after another match */
        if ((me > last_end || ms == 0) && expand(re, s, repl, &l) != 0)
            return -1;
        last_end = me;
        size_t w = step_width(s, pos);
        pos = pos + w > me ? pos + w : me;
    }
    if (add(&l, bytes_of(s.ptr + last_end, s.len - last_end)) != 0)
        return -1;
    *out = ottl_scratch_concat(e, l.v, l.n);
    return out->ptr || !s.len ? 0 : ottl_errorf(e, "out of memory");
}

int ottl_regex_each(ottl_env *e, ottl_regex *re, pb_bytes s, pb_bytes repl, ottl_match_fn fn,
                    void *arg)
{
    size_t pos = 0;
    long prev_end = -1;
    int rc;
    while (pos <= s.len && (rc = match_at(re, s, pos)) != 0) {
        if (rc < 0)
            return ottl_errorf(e, "the regex match limit was reached");
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        size_t ms = ov[0], me = ov[1];
        bool accept = !(me == pos && (long)ms == prev_end);
        pos = me == pos ? pos + step_width(s, pos) : me;
        prev_end = (long)me;
        if (!accept)
            continue;
        piece_list l = {.e = e};
        pb_bytes whole = bytes_of(s.ptr + ms, me - ms);
        if (expand(re, s, repl, &l) != 0)
            return -1;
        pb_bytes expanded = ottl_scratch_concat(e, l.v, l.n);
        if (fn(arg, whole, expanded) != 0)
            return -1;
    }
    return 0;
}
