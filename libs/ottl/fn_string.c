/*
 * ottl_fn_string.c: converters on strings: Concat, IsMatch, ToLowerCase,
 * ToUpperCase, Substring, Split, HasPrefix, HasSuffix, Trim, TrimPrefix,
 * TrimSuffix, and the hashes SHA1, SHA256, SHA512, MD5 (OpenSSL, lower
 * case hex) and FNV (64-bit FNV-1a as an int64).
 */
#include "fn.h"

#include <locale.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <wctype.h>

/* ---- Concat, IsMatch ---- */

typedef struct joiner {
    pb_bytes delim;
    pb_bytes *parts;
    size_t n, cap;
} joiner;

static int join_item(ottl_env *e, void *arg, const value *item)
{
    joiner *j = arg;
    pb_bytes s;
    bool nil;
    if (ottl_value_string_like(e, item, &s, &nil) != 0)
        return -1;
    if (j->n + 2 > j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 16;
        pb_bytes *p = ottl_arena_alloc(&e->scratch, cap * sizeof(pb_bytes));
        if (!p)
            return ottl_errorf(e, "out of memory");
        if (j->n)
            memcpy(p, j->parts, j->n * sizeof(pb_bytes));
        j->parts = p;
        j->cap = cap;
    }
    if (j->n)
        j->parts[j->n++] = j->delim;
    j->parts[j->n++] = nil ? bytes_of("<nil>", 5) : s;
    return 0;
}

RUN(ottl_fn_concat)
{
    joiner j = {.delim = lit_str(c, 1)};
    if (ottl_arg_each_item(e, c, 0, join_item, &j) < 0)
        return -1;
    *out = v_str(j.n ? ottl_scratch_concat(e, j.parts, j.n) : bytes_of("", 0));
    return out->s.ptr ? 0 : ottl_errorf(e, "out of memory");
}

RUN(ottl_fn_is_match)
{
    value v;
    pb_bytes s;
    bool nil;
    if (arg(e, c, 0, &v) != 0 || ottl_value_text(e, &v, TEXT_IS_MATCH, &s, &nil) != 0)
        return -1;
    int m = nil ? 0 : ottl_regex_search(c->aux[1], s);
    if (m < 0)
        return ottl_errorf(e, "the regex match limit was reached");
    *out = v_bool(m == 1);
    return 0;
}

/* ---- case ---- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void load_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes the character at s (n bytes left); 0 with *len 1 when invalid. */
static uint32_t decode(const uint8_t *s, size_t n, size_t *len)
{
    size_t want = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    *len = 1;
    if (want == 0 || want > n)
        return 0;
    uint32_t r = want == 1 ? s[0] : s[0] & (0x3fu >> (want - 1));
    for (size_t k = 1; k < want; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        r = r << 6 | (s[k] & 0x3f);
    }
    *len = want;
    return r;
}

static size_t encode(uint32_t r, uint8_t *o)
{
    if (r < 0x80) {
        o[0] = (uint8_t)r;
        return 1;
    }
    if (r < 0x800) {
        o[0] = (uint8_t)(0xc0 | r >> 6);
        o[1] = (uint8_t)(0x80 | (r & 0x3f));
        return 2;
    }
    if (r < 0x10000) {
        o[0] = (uint8_t)(0xe0 | r >> 12);
        o[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (r & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | r >> 18);
    o[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
    o[3] = (uint8_t)(0x80 | (r & 0x3f));
    return 4;
}

static uint32_t map_case(uint32_t r, bool upper)
{
    if (r < 0x80)
        return upper ? (r >= 'a' && r <= 'z' ? r - 32 : r) : (r >= 'A' && r <= 'Z' ? r + 32 : r);
    if (!utf8_locale)
        return r;
    wint_t w = (wint_t)r;
    return (uint32_t)(upper ? towupper_l(w, utf8_locale) : towlower_l(w, utf8_locale));
}

/* Unicode case mapping (ASCII always; beyond it with the C.UTF-8 locale). */
static int change_case(ottl_env *e, const call_node *c, bool upper, value *out)
{
    pb_bytes s;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    pthread_once(&utf8_once, load_utf8_locale);
    uint8_t *buf = ottl_arena_alloc(&e->scratch, 4 * s.len + 1);
    size_t o = 0, len;
    if (!buf)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < s.len; k += len) {
        uint32_t r = decode(s.ptr + k, s.len - k, &len);
        if (r == 0 && s.ptr[k] != 0) {
            buf[o++] = s.ptr[k]; /* not UTF-8: the byte stays */
            continue;
        }
        o += encode(map_case(r, upper), buf + o);
    }
    *out = v_str(bytes_of(buf, o));
    return 0;
}

RUN(ottl_fn_to_lower) { return change_case(e, c, false, out); }
RUN(ottl_fn_to_upper) { return change_case(e, c, true, out); }

/* ---- pieces ---- */

RUN(ottl_fn_substring)
{
    pb_bytes s;
    int64_t start, length;
    if (ottl_arg_string(e, c, 0, &s) != 0 || ottl_arg_int(e, c, 1, &start) != 0 ||
        ottl_arg_int(e, c, 2, &length) != 0)
        return -1;
    if (start < 0)
        return ottl_errorf(e, "invalid start for substring function, %lld cannot be negative",
                           (long long)start);
    if (length <= 0)
        return ottl_errorf(e, "invalid length for substring function, %lld cannot be negative "
                              "or zero", (long long)length);
    if ((uint64_t)start + (uint64_t)length > s.len)
        return ottl_errorf(e, "invalid range for substring function, %lld cannot be greater "
                              "than the length of target string(%zu)",
                           (long long)start + (long long)length, s.len);
    size_t from = (size_t)start, to = (size_t)(start + length);
    if (has_arg(c, 3) && c->argv[3]->b) {
        while (from < s.len && (s.ptr[from] & 0xc0) == 0x80)
            from++;
        to = from + otlp_utf8_cut(s.ptr + from, s.len - from, to > from ? to - from : 0);
    }
    *out = v_str(bytes_of(s.ptr + from, to > from ? to - from : 0));
    return 0;
}

/* Go's strings.Split: by the delimiter, or into characters when it is
 * empty (then "" gives no items). */
RUN(ottl_fn_split)
{
    pb_bytes s, d = lit_str(c, 1);
    size_t n = 0, at = 0, len;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    value *items = ottl_arena_alloc(&e->scratch, (s.len + 1) * sizeof(value));
    if (!items)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; !d.len && k < s.len; k += len) {
        decode(s.ptr + k, s.len - k, &len);
        items[n++] = v_str(bytes_of(s.ptr + k, len));
    }
    for (size_t k = 0; d.len && k + d.len <= s.len;) {
        if (memcmp(s.ptr + k, d.ptr, d.len) != 0) {
            k++;
            continue;
        }
        items[n++] = v_str(bytes_of(s.ptr + at, k - at));
        k += d.len;
        at = k;
    }
    if (d.len)
        items[n++] = v_str(bytes_of(s.ptr + at, s.len - at));
    return ottl_build_slice(e, items, n, out);
}

static int affix(ottl_env *e, const call_node *c, bool suffix, bool trim, value *out)
{
    pb_bytes s, a = lit_str(c, 1);
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    bool has = s.len >= a.len &&
               (!a.len || memcmp(s.ptr + (suffix ? s.len - a.len : 0), a.ptr, a.len) == 0);
    if (!trim) {
        *out = v_bool(has);
        return 0;
    }
    *out = v_str(has ? bytes_of(s.ptr + (suffix ? 0 : a.len), s.len - a.len) : s);
    return 0;
}

RUN(ottl_fn_has_prefix) { return affix(e, c, false, false, out); }
RUN(ottl_fn_has_suffix) { return affix(e, c, true, false, out); }
RUN(ottl_fn_trim_prefix) { return affix(e, c, false, true, out); }
RUN(ottl_fn_trim_suffix) { return affix(e, c, true, true, out); }

/* Whether the character at s is one of the cutset's. */
static bool in_cutset(pb_bytes cut, const uint8_t *s, size_t len)
{
    size_t step;
    for (size_t k = 0; k < cut.len; k += step) {
        decode(cut.ptr + k, cut.len - k, &step);
        if (step == len && memcmp(cut.ptr + k, s, len) == 0)
            return true;
    }
    return false;
}

RUN(ottl_fn_trim)
{
    pb_bytes s, cut = has_arg(c, 1) ? lit_str(c, 1) : bytes_of(" ", 1);
    size_t len;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    while (s.len) {
        decode(s.ptr, s.len, &len);
        if (!in_cutset(cut, s.ptr, len))
            break;
        s.ptr += len;
        s.len -= len;
    }
    while (s.len) {
        size_t k = s.len - 1;
        while (k > 0 && (s.ptr[k] & 0xc0) == 0x80)
            k--;
        if (!in_cutset(cut, s.ptr + k, s.len - k))
            break;
        s.len = k;
    }
    *out = v_str(s);
    return 0;
}

/* ---- hashes ---- */

static int digest(ottl_env *e, const call_node *c, const EVP_MD *md, value *out)
{
    static const char hex[] = "0123456789abcdef";
    pb_bytes s;
    unsigned char sum[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    if (!EVP_Digest(s.ptr ? s.ptr : (const uint8_t *)"", s.len, sum, &n, md, NULL))
        return ottl_errorf(e, "hashing failed");
    char *h = ottl_arena_alloc(&e->scratch, 2 * (size_t)n + 1);
    if (!h)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < n; k++) {
        h[2 * k] = hex[sum[k] >> 4];
        h[2 * k + 1] = hex[sum[k] & 15];
    }
    *out = v_str(bytes_of(h, 2 * (size_t)n));
    return 0;
}

RUN(ottl_fn_sha1) { return digest(e, c, EVP_sha1(), out); }
RUN(ottl_fn_sha256) { return digest(e, c, EVP_sha256(), out); }
RUN(ottl_fn_sha512) { return digest(e, c, EVP_sha512(), out); }
RUN(ottl_fn_md5) { return digest(e, c, EVP_md5(), out); }

RUN(ottl_fn_fnv)
{
    pb_bytes s;
    uint64_t h = 14695981039346656037ull;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    for (size_t k = 0; k < s.len; k++) {
        h ^= s.ptr[k];
        h *= 1099511628211ull;
    }
    *out = v_int((int64_t)h);
    return 0;
}
