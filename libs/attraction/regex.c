/*
 * regex.c: PCRE2 behind the small interface of regex.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backtracking steps before a match gives up: far above what a sane
 * pattern needs on an attribute value, low enough that a catastrophic
 * one costs milliseconds, not a stalled pipeline. */
#define MATCH_LIMIT 1000000u

struct attr_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    size_t groups;
    char **names; /* [groups + 1]; NULL for unnamed groups */
};

void attr_regex_free(attr_regex *re)
{
    if (!re)
        return;
    for (size_t i = 0; re->names && i <= re->groups; i++)
        free(re->names[i]);
    free(re->names);
    pcre2_match_context_free(re->mctx);
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    free(re);
}

/* Copies the name table (group number, big-endian, then the name). */
static int load_names(attr_regex *re)
{
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
    re->names = calloc(re->groups + 1, sizeof(char *));
    if (!re->names)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * entry;
        size_t group = (size_t)e[0] << 8 | e[1];
        if (group <= re->groups && !re->names[group] &&
            !(re->names[group] = strdup((const char *)e + 2)))
            return -1;
    }
    return 0;
}

static attr_regex *compile_fail(attr_regex *re, char *err, size_t cap, const char *why)
{
    snprintf(err, cap, "%s", why);
    attr_regex_free(re);
    return NULL;
}

attr_regex *attr_regex_compile(const char *pattern, char *err, size_t err_cap)
{
    /* Go's `$` is end of text only; subjects are UTF-8 but never trusted. */
    const uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    attr_regex *re = calloc(1, sizeof(*re));
    int code;
    PCRE2_SIZE at;
    if (!re)
        return compile_fail(re, err, err_cap, "out of memory");
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &at, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, err_cap, "%s at offset %zu", (const char *)msg, (size_t)at);
        attr_regex_free(re);
        return NULL;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &groups);
    re->groups = groups;
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->md || !re->mctx || load_names(re) != 0)
        return compile_fail(re, err, err_cap, "out of memory");
    pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
    return re;
}

bool attr_regex_search(attr_regex *re, const uint8_t *s, size_t n)
{
    static const uint8_t empty;
    return pcre2_match(re->code, s ? s : &empty, n, 0, 0, re->md, re->mctx) > 0;
}

size_t attr_regex_groups(const attr_regex *re)
{
    return re->groups;
}

const char *attr_regex_group_name(const attr_regex *re, size_t i)
{
    return i >= 1 && i <= re->groups ? re->names[i] : NULL;
}

pb_bytes attr_regex_group(const attr_regex *re, const uint8_t *s, size_t i)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    pb_bytes g = {NULL, 0};
    if (i > re->groups || i >= pcre2_get_ovector_count(re->md) || ov[2 * i] == PCRE2_UNSET)
        return g;
    g.ptr = s + ov[2 * i];
    g.len = ov[2 * i + 1] - ov[2 * i];
    return g;
}
