/*
 * fn_replace.c: replace_pattern, replace_match, replace_all_matches and
 * replace_all_patterns, with the collector's semantics:
 *
 *  - patterns are Go regexes (unanchored) or globs (whole string);
 *  - a regex replacement expands $1, ${name} and $$ for each match;
 *  - with a function (SHA256, ...) each match's expanded replacement is
 *    passed through it, put into replacement_format's %s if given, and
 *    every occurrence of that match's text replaced by the result (the
 *    collector's applyOptReplaceFunction, occurrence rule included);
 *  - values that are not strings are left alone.
 */
#include "fn.h"

const char *ottl_check_replace(const call_node *c)
{
    if (!has_arg(c, 4))
        return NULL;
    pb_bytes f = lit_str(c, 4);
    size_t verbs = 0, percents = 0;
    for (size_t k = 0; k < f.len; k++)
        if (f.ptr[k] == '%') {
            percents++;
            verbs += k + 1 < f.len && f.ptr[k + 1] == 's';
        }
    return verbs == 1 && percents == 1 ? NULL
                                       : "replacement_format must hold exactly one %s and "
                                         "no other format verb";
}

const char *ottl_check_replace_all_patterns(const call_node *c)
{
    pb_bytes mode = lit_str(c, 1);
    if (!bytes_eq(mode, "key", 3) && !bytes_eq(mode, "value", 5))
        return "invalid mode, must be key or value";
    if (!has_arg(c, 5))
        return NULL;
    call_node shifted = *c; /* the same check, one parameter further */
    shifted.argv[4] = c->argv[5];
    return ottl_check_replace(&shifted);
}

/* The replacement argument, through the function and format if given. */
typedef struct repl {
    pb_bytes text;
    const ottl_fn *fn;
    bool has_format;
    pb_bytes format;
} repl;

static int get_repl(ottl_env *e, const call_node *c, size_t i, repl *r)
{
    r->fn = has_arg(c, i + 1) ? c->argv[i + 1]->fnref : NULL;
    r->has_format = has_arg(c, i + 2);
    if (r->has_format)
        r->format = lit_str(c, i + 2);
    return ottl_arg_string(e, c, i, &r->text);
}

/* s through the function, then the format. */
static int finish(ottl_env *e, const repl *r, pb_bytes s, pb_bytes *out)
{
    if (ottl_apply_string_fn(e, r->fn, s, out) != 0)
        return -1;
    return r->has_format ? ottl_apply_format(e, r->format, *out, out) : 0;
}

/* Bytes of the UTF-8 character at s (1 for a byte that starts none). */
static size_t rune_len(const uint8_t *s, size_t n)
{
    size_t want = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    if (want > n)
        return 1;
    for (size_t k = 1; k < want; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 1;
    return want;
}

static void put(uint8_t *buf, size_t *o, const uint8_t *p, size_t n)
{
    if (n)
        memcpy(buf + *o, p, n);
    *o += n;
}

static bool at_old(pb_bytes s, size_t k, pb_bytes old)
{
    return k + old.len <= s.len && memcmp(s.ptr + k, old.ptr, old.len) == 0;
}

/*
 * The longest string a replacement makes. With a function, each match
 * is replaced in what the earlier ones made (the collector's rule), and
 * a pattern that matches the empty string puts the replacement before
 * every character each time: the text grows exponentially with the
 * matches (the collector runs out of memory). Past this size it is an
 * evaluation error instead.
 */
#define REPLACED_MAX ((size_t)16 << 20)

static bool too_long(size_t len, size_t hits, pb_bytes old, pb_bytes with)
{
    if (with.len <= old.len)
        return false; /* it does not grow */
    return len > REPLACED_MAX || hits > (REPLACED_MAX - len) / (with.len - old.len);
}

/* Go's strings.ReplaceAll(s, old, with); an empty old puts with before
 * every character and at the end. */
static int replace_text(ottl_env *e, pb_bytes s, pb_bytes old, pb_bytes with, pb_bytes *out)
{
    size_t hits = 0, len, o = 0;
    for (size_t k = 0; k < s.len;) {
        bool hit = old.len ? at_old(s, k, old) : true;
        hits += hit;
        if (!old.len)
            k += rune_len(s.ptr + k, s.len - k);
        else
            k += hit ? old.len : 1;
    }
    hits += !old.len;
    if (!hits) {
        *out = s;
        return 0;
    }
    if (too_long(s.len, hits, old, with))
        return ottl_errorf(e, "replacing would make a string over %zu bytes", REPLACED_MAX);
    len = s.len - hits * old.len + hits * with.len;
    uint8_t *buf = ottl_arena_alloc(&e->scratch, len + 1);
    if (!buf)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < s.len;) {
        bool hit = old.len ? at_old(s, k, old) : true;
        size_t step = old.len ? (hit ? old.len : 1) : rune_len(s.ptr + k, s.len - k);
        if (hit)
            put(buf, &o, with.ptr, with.len);
        if (!hit || !old.len)
            put(buf, &o, s.ptr + k, step);
        k += step;
    }
    if (!old.len)
        put(buf, &o, with.ptr, with.len);
    *out = bytes_of(buf, o);
    return 0;
}

typedef struct fn_pass {
    ottl_env *e;
    const repl *r;
    pb_bytes current;
} fn_pass;

static int each_match(void *arg, pb_bytes match, pb_bytes expanded)
{
    fn_pass *p = arg;
    pb_bytes with;
    if (finish(p->e, p->r, expanded, &with) != 0)
        return -1;
    return replace_text(p->e, p->current, match, with, &p->current);
}

/* A regex replacement of s: Go's ReplaceAllString, or the function path. */
static int regex_replace(ottl_env *e, ottl_regex *re, pb_bytes s, const repl *r, pb_bytes *out)
{
    if (!r->fn)
        return ottl_regex_replace_all(e, re, s, r->text, out);
    fn_pass p = {e, r, s};
    if (ottl_regex_each(e, re, s, r->text, each_match, &p) != 0)
        return -1;
    *out = p.current;
    return 0;
}

/* The string at target i, or none (nil or not a string: left alone). */
static int target_string(ottl_env *e, const call_node *c, pb_bytes *s, bool *is_string)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    *is_string = v.t == V_STRING;
    *s = v.s;
    return 0;
}

static int set_if_changed(ottl_env *e, const call_node *c, pb_bytes was, pb_bytes now)
{
    if (bytes_eq(was, now.ptr, now.len))
        return 0;
    value v = v_str(now);
    return ottl_set_target(e, c, 0, &v);
}

RUN(ottl_fn_replace_pattern)
{
    pb_bytes s, result;
    bool is_string;
    repl r;
    (void)out;
    if (target_string(e, c, &s, &is_string) != 0 || get_repl(e, c, 2, &r) != 0)
        return -1;
    if (!is_string)
        return 0;
    int m = ottl_regex_search(c->aux[1], s);
    if (m <= 0)
        return m < 0 ? ottl_errorf(e, "the regex match limit was reached") : 0;
    if (regex_replace(e, c->aux[1], s, &r, &result) != 0)
        return -1;
    return set_if_changed(e, c, s, result);
}

/* The whole replacement for a glob match. */
static int glob_result(ottl_env *e, const repl *r, pb_bytes *out)
{
    if (!r->fn) {
        *out = r->text;
        return 0;
    }
    return finish(e, r, r->text, out);
}

RUN(ottl_fn_replace_match)
{
    pb_bytes s, result;
    bool is_string;
    repl r;
    (void)out;
    if (target_string(e, c, &s, &is_string) != 0 || get_repl(e, c, 2, &r) != 0)
        return -1;
    if (!is_string || !ottl_glob_match(c->aux[1], s))
        return 0;
    if (glob_result(e, &r, &result) != 0)
        return -1;
    return set_if_changed(e, c, s, result);
}

RUN(ottl_fn_replace_all_matches)
{
    otlp_kv *kv;
    size_t n, changed = 0;
    repl r;
    pb_bytes result;
    (void)out;
    if (get_repl(e, c, 2, &r) != 0 || ottl_target_entries(e, c, 0, &kv, &n) != 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        pb_bytes s = kv[k].value.bytes;
        if (kv[k].value.type != OTLP_ANY_STRING || !ottl_glob_match(c->aux[1], s))
            continue;
        if (glob_result(e, &r, &result) != 0)
            return -1;
        if (!bytes_eq(s, result.ptr, result.len)) {
            kv[k].value.bytes = result;
            changed++;
        }
    }
    return changed ? ottl_set_map_entries(e, c->argv[0], kv, n) : 0;
}

/* One entry of replace_all_patterns in value mode. 1 when it changed. */
static int pattern_value(ottl_env *e, const call_node *c, const repl *r, otlp_kv *kv)
{
    pb_bytes s = kv->value.bytes, result;
    if (kv->value.type != OTLP_ANY_STRING)
        return 0;
    int m = ottl_regex_search(c->aux[2], s);
    if (m <= 0)
        return m < 0 ? ottl_errorf(e, "the regex match limit was reached") : 0;
    if (regex_replace(e, c->aux[2], s, r, &result) != 0)
        return -1;
    if (bytes_eq(s, result.ptr, result.len))
        return 0;
    kv->value.bytes = result;
    return 1;
}

/* Key mode: a renamed key that meets an earlier one overwrites its
 * value in place (pcommon's PutEmpty). */
static int pattern_keys(ottl_env *e, const call_node *c, const repl *r, otlp_kv *kv, size_t *n)
{
    size_t out = 0, changed = 0;
    for (size_t k = 0; k < *n; k++) {
        otlp_kv cur = kv[k];
        int m = ottl_regex_search(c->aux[2], cur.key);
        if (m < 0)
            return ottl_errorf(e, "the regex match limit was reached");
        if (m && regex_replace(e, c->aux[2], kv[k].key, r, &cur.key) != 0)
            return -1;
        changed += !bytes_eq(cur.key, kv[k].key.ptr, kv[k].key.len);
        size_t at = 0;
        while (at < out && !bytes_eq(kv[at].key, cur.key.ptr, cur.key.len))
            at++;
        kv[at] = cur;
        out += at == out;
    }
    *n = out;
    return changed > 0;
}

RUN(ottl_fn_replace_all_patterns)
{
    otlp_kv *kv;
    size_t n;
    int changed = 0;
    repl r;
    (void)out;
    if (get_repl(e, c, 3, &r) != 0 || ottl_target_entries(e, c, 0, &kv, &n) != 0)
        return -1;
    if (bytes_eq(lit_str(c, 1), "key", 3)) {
        changed = pattern_keys(e, c, &r, kv, &n);
    } else {
        for (size_t k = 0; k < n && changed >= 0; k++) {
            int rc = pattern_value(e, c, &r, &kv[k]);
            changed = rc < 0 ? -1 : changed + rc;
        }
    }
    if (changed < 0)
        return -1;
    return changed ? ottl_set_map_entries(e, c->argv[0], kv, n) : 0;
}
