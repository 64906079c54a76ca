/*
 * tracestate.c: W3C tracestate syntax and the `ot` section, read and
 * written as the collector's pkg/sampling does (w3ctracestate.go,
 * oteltracestate.go, common.go).
 */
#include "tracestate.h"

#include <stdio.h>
#include <string.h>

#define MAX_KEY_LEN 256
#define MAX_TENANT_LEN 241
#define MAX_SYSTEM_LEN 14
#define MAX_VALUE_LEN 256

/* A slice of text. */
typedef struct span {
    const char *p;
    size_t n;
} span;

static bool lc_alpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool lc_alnum(char c)
{
    return lc_alpha(c) || (c >= '0' && c <= '9');
}

static bool key_char(char c)
{
    return lc_alnum(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

static bool nonblank_char(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= 0x21 && u <= 0x2b) || (u >= 0x2d && u <= 0x3c) || (u >= 0x3e && u <= 0x7e);
}

static bool key_chars(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!key_char(p[i]))
            return false;
    return true;
}

static const char *find(span s, char c)
{
    return s.n ? memchr(s.p, c, s.n) : NULL;
}

/* Cuts s at the first sep: *head before it, s after it (or all, then s
 * is empty). Returns whether there was a separator. */
static bool cut(span *s, char sep, span *head)
{
    const char *at = find(*s, sep);
    head->p = s->p;
    head->n = at ? (size_t)(at - s->p) : s->n;
    s->p += at ? head->n + 1 : s->n;
    s->n -= at ? head->n + 1 : s->n;
    return at != NULL;
}

static span trim_ows(span s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* simple-key, or tenant-id "@" system-id. */
static bool w3c_key(span k)
{
    const char *at = find(k, '@');
    if (!at)
        return k.n && lc_alpha(k.p[0]) && key_chars(k.p + 1, k.n - 1);
    size_t tn = (size_t)(at - k.p), sn = k.n - tn - 1;
    if (tn == 0 || sn == 0 || !lc_alnum(k.p[0]) || !lc_alpha(at[1]))
        return false;
    return key_chars(k.p + 1, tn - 1) && key_chars(at + 2, sn - 1);
}

static bool w3c_value(span v)
{
    if (v.n == 0 || v.n > MAX_VALUE_LEN || !nonblank_char(v.p[v.n - 1]))
        return false;
    for (size_t i = 0; i + 1 < v.n; i++)
        if (v.p[i] != ' ' && !nonblank_char(v.p[i]))
            return false;
    return true;
}

static bool w3c_valid(span s)
{
    span m;
    while (s.n) {
        cut(&s, ',', &m);
        m = trim_ows(m);
        if (m.n == 0)
            continue;
        const char *eq = find(m, '=');
        if (!eq || eq == m.p)
            return false;
        span k = {m.p, (size_t)(eq - m.p)}, v = {eq + 1, m.n - k.n - 1};
        if (!w3c_key(k) || !w3c_value(v))
            return false;
    }
    return true;
}

static bool ot_value_char(char c)
{
    return lc_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
}

static bool ot_valid(span s)
{
    span m;
    if (s.n == 0 || s.p[s.n - 1] == ';')
        return false;
    while (s.n) {
        cut(&s, ';', &m);
        const char *colon = find(m, ':');
        if (!colon || colon == m.p || !lc_alpha(m.p[0]))
            return false;
        for (const char *c = m.p + 1; c < colon; c++)
            if (!lc_alnum(*c))
                return false;
        for (const char *c = colon + 1; c < m.p + m.n; c++)
            if (!ot_value_char(*c))
                return false;
    }
    return true;
}

static bool span_is(span s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int keep_first(int rc, int err)
{
    return rc ? rc : err;
}

static int ot_member(ps_tracestate *ts, span k, span v)
{
    if (span_is(k, "rv")) {
        ts->rv[0] = '\0';
        ts->rnd = 0;
        if (ps_rvalue_parse(v.p, v.n, &ts->rnd) != 0)
            return v.n != PS_HEX_DIGITS ? PS_TS_ERVALUE : PS_TS_ESYNTAX;
        snprintf(ts->rv, sizeof ts->rv, "%.*s", (int)v.n, v.p);
    } else if (span_is(k, "th")) {
        ts->th[0] = '\0';
        if (ps_tvalue_parse(v.p, v.n, &ts->threshold) != 0)
            return v.n == 0 ? PS_TS_ETEMPTY : v.n > PS_HEX_DIGITS ? PS_TS_ETVALUE : PS_TS_ESYNTAX;
        snprintf(ts->th, sizeof ts->th, "%.*s", (int)v.n, v.p);
    } else if (ts->n_ot_extra < PS_OT_MAX_EXTRA) {
        ts->ot_extra[ts->n_ot_extra++] = (ps_member){k.p, v.p, k.n, v.n};
    }
    return PS_TS_OK;
}

/* The `ot` value; replaces what an earlier `ot` member set. */
static int ot_parse(ps_tracestate *ts, span s)
{
    span m;
    int rc = PS_TS_OK;
    ts->rv[0] = ts->th[0] = '\0';
    ts->rnd = ts->threshold = 0;
    ts->n_ot_extra = 0;
    if (s.n > PS_OT_MAX_LEN)
        return PS_TS_ESIZE;
    if (!ot_valid(s))
        return PS_TS_ESYNTAX;
    while (s.n) {
        cut(&s, ';', &m);
        const char *colon = find(m, ':');
        span k = {m.p, (size_t)(colon - m.p)}, v = {colon + 1, m.n - k.n - 1};
        rc = keep_first(rc, ot_member(ts, k, v));
    }
    return rc;
}

static int w3c_member(ps_tracestate *ts, span k, span v)
{
    const char *at = find(k, '@');
    if (k.n > MAX_KEY_LEN)
        return PS_TS_ESIZE;
    if (at && ((size_t)(at - k.p) > MAX_TENANT_LEN ||
               k.n - (size_t)(at - k.p) - 1 > MAX_SYSTEM_LEN))
        return PS_TS_ESIZE;
    if (span_is(k, "ot"))
        return ot_parse(ts, v);
    if (ts->n_extra < PS_TS_MAX_MEMBERS)
        ts->extra[ts->n_extra++] = (ps_member){k.p, v.p, k.n, v.n};
    return PS_TS_OK;
}

int ps_tracestate_parse(ps_tracestate *ts, const char *text, size_t len)
{
    span s = {text, len}, m;
    int rc = PS_TS_OK, items = 0;
    memset(ts, 0, offsetof(ps_tracestate, ot_extra));
    ts->n_ot_extra = ts->n_extra = 0;
    if (len > PS_TS_MAX_LEN)
        return PS_TS_ESIZE;
    if (!w3c_valid(s))
        return PS_TS_ESYNTAX;
    while (s.n) {
        /* Counted before empty members are skipped, and refused at the
         * 32nd: the collector's own reading of the limit. */
        if (++items >= PS_TS_MAX_MEMBERS)
            return keep_first(rc, PS_TS_ESIZE);
        cut(&s, ',', &m);
        m = trim_ows(m);
        const char *eq = find(m, '=');
        if (m.n == 0 || !eq)
            continue;
        span k = {m.p, (size_t)(eq - m.p)}, v = {eq + 1, m.n - k.n - 1};
        rc = keep_first(rc, w3c_member(ts, k, v));
    }
    return rc;
}

int ps_carrier_parse(ps_tracestate *ts, const char *rv, size_t rv_len, const char *th,
                     size_t th_len)
{
    static const span rv_key = {"rv", 2}, th_key = {"th", 2};
    int rc = PS_TS_OK;
    memset(ts, 0, offsetof(ps_tracestate, ot_extra));
    ts->n_ot_extra = ts->n_extra = 0;
    if (rv)
        rc = ot_member(ts, rv_key, (span){rv, rv_len});
    if (th)
        rc = keep_first(rc, ot_member(ts, th_key, (span){th, th_len}));
    return rc;
}

const char *ps_ts_strerror(int code)
{
    switch (code) {
    case PS_TS_OK:
        return "ok";
    case PS_TS_ESIZE:
        return "invalid tracestate size";
    case PS_TS_ERVALUE:
        return "r-value must have 14 hex digits";
    case PS_TS_ETVALUE:
        return "t-value exceeds 14 hex digits";
    case PS_TS_ETEMPTY:
        return "t-value is empty";
    default:
        return "invalid syntax";
    }
}

void ps_ts_set_rv(ps_tracestate *ts, ps_randomness rnd)
{
    ts->rnd = rnd;
    ps_rvalue_format(rnd, ts->rv);
}

void ps_ts_clear_th(ps_tracestate *ts)
{
    ts->th[0] = '\0';
    ts->threshold = 0;
}

int ps_ts_update_th(ps_tracestate *ts, ps_threshold th)
{
    if (ps_ts_has_th(ts) && ts->threshold > th)
        return -1;
    ts->threshold = th;
    ps_tvalue_format(th, ts->th);
    return 0;
}

/* ---- writing ---- */

typedef struct writer {
    char *p;
    size_t len, cap;
    bool full;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (w->full || n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put_str(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* "key<eq>value", after sep unless it is the first. */
static void put_member(writer *w, size_t *count, char sep, const ps_member *m, char eq)
{
    if ((*count)++)
        put(w, &sep, 1);
    put(w, m->key, m->klen);
    put(w, &eq, 1);
    put(w, m->value, m->vlen);
}

static void put_ot(writer *w, const ps_tracestate *ts)
{
    size_t n = 0;
    const ps_member rv = {"rv", ts->rv, 2, strlen(ts->rv)};
    const ps_member th = {"th", ts->th, 2, strlen(ts->th)};
    put_str(w, "ot=");
    if (ps_ts_has_rv(ts))
        put_member(w, &n, ';', &rv, ':');
    if (ps_ts_has_th(ts))
        put_member(w, &n, ';', &th, ':');
    for (size_t i = 0; i < ts->n_ot_extra; i++)
        put_member(w, &n, ';', &ts->ot_extra[i], ':');
}

long ps_tracestate_format(const ps_tracestate *ts, char *out, size_t cap)
{
    writer w = {out, 0, cap, cap == 0};
    size_t n = 0;
    if (ps_ts_has_rv(ts) || ps_ts_has_th(ts) || ts->n_ot_extra) {
        put_ot(&w, ts);
        n++;
    }
    for (size_t i = 0; i < ts->n_extra; i++)
        put_member(&w, &n, ',', &ts->extra[i], '=');
    if (w.full)
        return -1;
    out[w.len] = '\0';
    return (long)w.len;
}
