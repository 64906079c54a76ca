/*
 * tracestate.c: parsing and editing a W3C tracestate the way Go's otel
 * trace package does, for trace_state["key"].
 */
#include "tracestate.h"
#include "value.h"

#define MAX_MEMBERS 32

typedef struct member {
    pb_bytes key, val;
} member;

static bool key_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '*' || c == '/';
}

/* [a-z][_0-9a-z-*\/]{0,255}, or tenant@system as W3C allows. */
static bool valid_key(pb_bytes k)
{
    const uint8_t *at = k.len ? memchr(k.ptr, '@', k.len) : NULL;
    size_t tenant = at ? (size_t)(at - k.ptr) : k.len;
    if (!k.len || (!at && (k.ptr[0] < 'a' || k.ptr[0] > 'z')) || (!at && k.len > 256))
        return false;
    if (at && (tenant == 0 || tenant > 241 || k.len - tenant - 1 == 0 ||
               k.len - tenant - 1 > 14 || at[1] < 'a' || at[1] > 'z'))
        return false;
    for (size_t i = 0; i < k.len; i++)
        if (i != tenant && !key_char(k.ptr[i]))
            return false;
    return true;
}

/* Printable ASCII but ',' and '=', at most 256, not ending in a space. */
static bool valid_value(pb_bytes v)
{
    if (!v.len || v.len > 256 || v.ptr[v.len - 1] == ' ')
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] < 0x20 || v.ptr[i] > 0x7e || v.ptr[i] == ',' || v.ptr[i] == '=')
            return false;
    return true;
}

static pb_bytes trim(pb_bytes b, bool left, bool right)
{
    while (left && b.len && (b.ptr[0] == ' ' || b.ptr[0] == '\t')) {
        b.ptr++;
        b.len--;
    }
    while (right && b.len && (b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == '\t'))
        b.len--;
    return b;
}

static bool parse_member(pb_bytes m, member *out)
{
    const uint8_t *eq = memchr(m.ptr, '=', m.len);
    if (!eq)
        return false;
    /* optional white space around a member: before its key, after its value */
    out->key = trim(bytes_of(m.ptr, (size_t)(eq - m.ptr)), true, false);
    out->val = trim(bytes_of(eq + 1, m.len - (size_t)(eq - m.ptr) - 1), false, true);
    return valid_key(out->key) && valid_value(out->val);
}

static bool duplicate(const member *ms, size_t n, pb_bytes key)
{
    for (size_t i = 0; i < n; i++)
        if (bytes_eq(ms[i].key, key.ptr, key.len))
            return true;
    return false;
}

/* The members of ts; -1 when it does not parse. */
static int parse(pb_bytes ts, member *ms)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= ts.len; i++) {
        if (i < ts.len && ts.ptr[i] != ',')
            continue;
        pb_bytes m = bytes_of(ts.ptr + start, i - start);
        start = i + 1;
        if (!m.len)
            continue;
        if (n == MAX_MEMBERS || !parse_member(m, &ms[n]) || duplicate(ms, n, ms[n].key))
            return -1;
        n++;
    }
    return (int)n;
}

bool ottl_tracestate_get(pb_bytes ts, pb_bytes key, pb_bytes *out)
{
    member ms[MAX_MEMBERS];
    int n = parse(ts, ms);
    for (int i = 0; i < n; i++)
        if (bytes_eq(ms[i].key, key.ptr, key.len)) {
            *out = ms[i].val;
            return true;
        }
    return false;
}

int ottl_tracestate_put(ottl_env *e, pb_bytes ts, pb_bytes key, pb_bytes val, pb_bytes *out)
{
    member ms[MAX_MEMBERS];
    pb_bytes parts[4 * MAX_MEMBERS];
    int n = parse(ts, ms);
    size_t np = 0;
    if (n < 0 || !valid_key(key) || !valid_value(val))
        return 0;
    parts[np++] = key;
    parts[np++] = bytes_of("=", 1);
    parts[np++] = val;
    /* the updated member goes first; the last one falls off past 32 */
    for (int i = 0, kept = 1; i < n && kept < MAX_MEMBERS; i++) {
        if (bytes_eq(ms[i].key, key.ptr, key.len))
            continue;
        parts[np++] = bytes_of(",", 1);
        parts[np++] = ms[i].key;
        parts[np++] = bytes_of("=", 1);
        parts[np++] = ms[i].val;
        kept++;
    }
    *out = ottl_scratch_concat(e, parts, np);
    return out->ptr ? 1 : ottl_errorf(e, "out of memory");
}
