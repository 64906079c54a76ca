/*
 * glob.c: the globs of replace_match and replace_all_matches, as the
 * collector compiles them (gobwas/glob without separators): the whole
 * string must match; * is any run of characters, ? one character,
 * [abc] [a-z] [!abc] a class, {a,b} alternatives, \x the character x.
 * Alternatives are expanded when the glob compiles (at most 256
 * patterns); matching walks characters (UTF-8), not bytes.
 */
#include "regex.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_ALTERNATIVES 256

struct ottl_glob {
    size_t n;
    char **pats; /* brace-free patterns, NUL-terminated */
};

void ottl_glob_free(void *p)
{
    ottl_glob *g = p;
    if (!g)
        return;
    for (size_t k = 0; k < g->n; k++)
        free(g->pats[k]);
    free(g->pats);
    free(g);
}

/* ---- characters ---- */

static uint32_t next_rune(const char **s, const char *end)
{
    const uint8_t *p = (const uint8_t *)*s;
    size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
    uint32_t r = n == 1 ? p[0] : p[0] & (0x3f >> (n - 1));
    if ((size_t)(end - *s) < n) {
        n = 1;
        r = p[0];
    }
    for (size_t k = 1; k < n; k++)
        r = r << 6 | (p[k] & 0x3f);
    *s += n;
    return r;
}

/* Whether rune r is in the class starting after '['; *p moves past ']'. */
static bool in_class(const char **p, uint32_t r)
{
    const char *q = *p, *end = q + strlen(q);
    bool negate = *q == '!', hit = false;
    q += negate;
    while (*q && *q != ']') {
        uint32_t lo = next_rune(&q, end), hi = lo;
        if (*q == '-' && q[1] && q[1] != ']') {
            q++;
            hi = next_rune(&q, end);
        }
        hit = hit || (r >= lo && r <= hi);
    }
    *p = *q ? q + 1 : q;
    return hit != negate;
}

/* One pattern item against rune r: 1 match, 0 not; *p moves past it. */
static bool item_matches(const char **p, uint32_t r)
{
    const char *end = *p + strlen(*p);
    if (**p == '?') {
        (*p)++;
        return true;
    }
    if (**p == '[') {
        (*p)++;
        return in_class(p, r);
    }
    if (**p == '\\' && (*p)[1])
        (*p)++;
    return next_rune(p, end) == r;
}

/* Whole-string match of a brace-free pattern, backtracking to the last
 * star (linear in practice, quadratic at worst). */
static bool match_one(const char *pat, const char *s, const char *end)
{
    const char *star = NULL, *resume = NULL;
    while (s < end) {
        if (*pat == '*') {
            while (*pat == '*')
                pat++;
            star = pat;
            resume = s;
            continue;
        }
        const char *p = pat, *q = s;
        if (*pat && item_matches(&p, next_rune(&q, end))) {
            pat = p;
            s = q;
        } else if (star) {
            pat = star;
            next_rune(&resume, end);
            s = resume;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == 0;
}

bool ottl_glob_match(const ottl_glob *g, pb_bytes s)
{
    const char *p = s.ptr ? (const char *)s.ptr : "";
    const char *end = p + (s.ptr ? s.len : 0);
    for (size_t k = 0; k < g->n; k++)
        if (match_one(g->pats[k], p, end))
            return true;
    return false;
}

/* ---- compiling: alternatives expanded ---- */

typedef struct expander {
    ottl_glob *g;
    char *err;
    size_t cap;
} expander;

/* The end of the group opened at b ('{'), and the commas at its top. */
static const char *group_end(const char *b)
{
    int depth = 0;
    for (const char *q = b; *q; q++) {
        if (*q == '\\' && q[1])
            q++;
        else if (*q == '[')
            while (q[1] && q[1] != ']')
                q++;
        else if (*q == '{')
            depth++;
        else if (*q == '}' && --depth == 0)
            return q;
    }
    return NULL;
}

static const char *first_brace(const char *p)
{
    for (const char *q = p; *q; q++) {
        if (*q == '\\' && q[1])
            q++;
        else if (*q == '{')
            return q;
    }
    return NULL;
}

static int add_pattern(expander *x, const char *p, size_t n)
{
    ottl_glob *g = x->g;
    if (g->n == MAX_ALTERNATIVES) {
        snprintf(x->err, x->cap, "more than %d alternatives", MAX_ALTERNATIVES);
        return -1;
    }
    char **pats = realloc(g->pats, (g->n + 1) * sizeof(char *));
    char *copy = malloc(n + 1);
    if (pats)
        g->pats = pats;
    if (!pats || !copy) {
        free(copy);
        snprintf(x->err, x->cap, "out of memory");
        return -1;
    }
    memcpy(copy, p, n);
    copy[n] = 0;
    g->pats[g->n++] = copy;
    return 0;
}

static int expand(expander *x, const char *p);

/* prefix + alternative + suffix, expanded again. */
static int expand_alt(expander *x, const char *p, const char *b, const char *alt, size_t alen,
                      const char *rest)
{
    size_t pre = (size_t)(b - p), post = strlen(rest);
    char *joined = malloc(pre + alen + post + 1);
    if (!joined) {
        snprintf(x->err, x->cap, "out of memory");
        return -1;
    }
    memcpy(joined, p, pre);
    memcpy(joined + pre, alt, alen);
    memcpy(joined + pre + alen, rest, post + 1);
    int rc = expand(x, joined);
    free(joined);
    return rc;
}

static int expand(expander *x, const char *p)
{
    const char *b = first_brace(p), *e;
    if (!b)
        return add_pattern(x, p, strlen(p));
    if (!(e = group_end(b))) {
        snprintf(x->err, x->cap, "unclosed {");
        return -1;
    }
    const char *alt = b + 1;
    int depth = 0;
    for (const char *q = alt; q <= e; q++) {
        if (*q == '\\' && q < e)
            q++;
        else if (*q == '{')
            depth++;
        else if ((*q == ',' && depth == 0) || q == e) {
            if (expand_alt(x, p, b, alt, (size_t)(q - alt), e + 1) != 0)
                return -1;
            alt = q + 1;
        } else if (*q == '}')
            depth--;
    }
    return 0;
}

static bool classes_closed(const char *p)
{
    for (const char *q = p; *q; q++) {
        if (*q == '\\') {
            if (!q[1])
                return false;
            q++;
        } else if (*q == '[') {
            while (q[1] && q[1] != ']')
                q++;
            if (!q[1])
                return false;
            q++;
        }
    }
    return true;
}

ottl_glob *ottl_glob_compile(const char *pattern, size_t n, char *err, size_t cap)
{
    char *p = malloc(n + 1);
    ottl_glob *g = calloc(1, sizeof(*g));
    expander x = {g, err, cap};
    if (!p || !g) {
        snprintf(err, cap, "out of memory");
        free(p);
        free(g);
        return NULL;
    }
    memcpy(p, pattern, n);
    p[n] = 0;
    int rc = classes_closed(p) ? expand(&x, p) : -1;
    if (rc != 0 && !classes_closed(p))
        snprintf(err, cap, "unclosed [ or a trailing \\");
    free(p);
    if (rc != 0) {
        ottl_glob_free(g);
        return NULL;
    }
    return g;
}
