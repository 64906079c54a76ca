/*
 * fn_time.c: times and durations (Go's time.Time and time.Duration as
 * int64 nanoseconds): Now, Unix, UnixNano, UnixMicro, UnixMilli,
 * UnixSeconds, Duration (Go's ParseDuration), Nanoseconds, Microseconds,
 * Milliseconds, Seconds, Minutes, Hours, TruncateTime; and IsRootSpan.
 */
#include "fn.h"

#include <otelc/sdk/clock.h>

static value time_of(vtype t, int64_t ns)
{
    value v = v_nil();
    v.t = t;
    v.i = ns;
    return v;
}

RUN(ottl_fn_now)
{
    (void)c;
    *out = time_of(V_TIME, e->fixed_now ? e->fixed_now : (int64_t)otelc_real_ns());
    return 0;
}

RUN(ottl_fn_unix)
{
    int64_t sec, nsec = 0;
    if (ottl_arg_int(e, c, 0, &sec) != 0 || (has_arg(c, 1) && ottl_arg_int(e, c, 1, &nsec) != 0))
        return -1;
    *out = time_of(V_TIME, (int64_t)((uint64_t)sec * 1000000000u + (uint64_t)nsec));
    return 0;
}

/* Floor division, as Go's Unix* methods round towards the past. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int unix_in(ottl_env *e, const call_node *c, int64_t unit, value *out)
{
    int64_t t;
    if (ottl_arg_time(e, c, 0, V_TIME, &t) != 0)
        return -1;
    *out = v_int(floor_div(t, unit));
    return 0;
}

RUN(ottl_fn_unix_nano) { return unix_in(e, c, 1, out); }
RUN(ottl_fn_unix_micro) { return unix_in(e, c, 1000, out); }
RUN(ottl_fn_unix_milli) { return unix_in(e, c, 1000000, out); }
RUN(ottl_fn_unix_seconds) { return unix_in(e, c, 1000000000, out); }

/* ---- Duration: Go's time.ParseDuration ---- */

static int64_t unit_ns(pb_bytes u)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {{"ns", 1},          {"us", 1000},        {"\xc2\xb5s", 1000},
                 {"\xce\xbcs", 1000}, {"ms", 1000000},     {"s", 1000000000},
                 {"m", 60000000000},  {"h", 3600000000000}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (bytes_eq(u, units[k].name, strlen(units[k].name)))
            return units[k].ns;
    return 0;
}

#define DURATION_MAX ((uint64_t)1 << 63)

/* Digits at s[*k] into *v (false on overflow); *scale counts fraction
 * digits kept (Go ignores those past the 19th). */
static bool read_digits(pb_bytes s, size_t *k, uint64_t *v, uint64_t *scale, size_t *count)
{
    bool overflow = false;
    for (; *k < s.len && s.ptr[*k] >= '0' && s.ptr[*k] <= '9'; (*k)++, (*count)++) {
        if (*v > (DURATION_MAX - 9) / 10) {
            overflow = !scale; /* a long fraction is cut, not an error */
            continue;
        }
        *v = *v * 10 + (uint64_t)(s.ptr[*k] - '0');
        if (scale)
            *scale *= 10;
    }
    return !overflow;
}

/* One "<number><unit>" of a duration at s[*k]; adds its ns to *total. */
static bool duration_part(pb_bytes s, size_t *k, uint64_t *total)
{
    uint64_t v = 0, f = 0, scale = 1;
    size_t digits = 0, u;
    if (!read_digits(s, k, &v, NULL, &digits))
        return false;
    if (*k < s.len && s.ptr[*k] == '.') {
        (*k)++;
        read_digits(s, k, &f, &scale, &digits);
    }
    for (u = *k; *k < s.len && s.ptr[*k] != '.' && (s.ptr[*k] < '0' || s.ptr[*k] > '9');)
        (*k)++;
    uint64_t unit = (uint64_t)unit_ns(bytes_of(s.ptr + u, *k - u));
    if (!digits || !unit || v > DURATION_MAX / unit)
        return false;
    v = v * unit + (f ? (uint64_t)((double)f * ((double)unit / (double)scale)) : 0);
    if (v > DURATION_MAX || *total + v > DURATION_MAX)
        return false;
    *total += v;
    return true;
}

static bool parse_duration(pb_bytes s, int64_t *out)
{
    size_t k = 0;
    uint64_t total = 0;
    bool neg = s.len && s.ptr[0] == '-';
    if (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+'))
        k++;
    if (s.len - k == 1 && s.ptr[k] == '0') {
        *out = 0;
        return true;
    }
    if (k == s.len)
        return false;
    while (k < s.len)
        if (!duration_part(s, &k, &total))
            return false;
    if (!neg && total == DURATION_MAX)
        return false;
    *out = neg ? (int64_t)(0 - total) : (int64_t)total;
    return true;
}

RUN(ottl_fn_duration)
{
    pb_bytes s;
    int64_t ns;
    if (ottl_arg_string(e, c, 0, &s) != 0)
        return -1;
    if (!parse_duration(s, &ns))
        return ottl_errorf(e, "time: invalid duration \"%.*s\"", (int)s.len, (const char *)s.ptr);
    *out = time_of(V_DURATION, ns);
    return 0;
}

static int whole(ottl_env *e, const call_node *c, int64_t unit, value *out)
{
    int64_t d;
    if (ottl_arg_time(e, c, 0, V_DURATION, &d) != 0)
        return -1;
    *out = v_int(d / unit); /* Go's integer division truncates */
    return 0;
}

RUN(ottl_fn_nanoseconds) { return whole(e, c, 1, out); }
RUN(ottl_fn_microseconds) { return whole(e, c, 1000, out); }
RUN(ottl_fn_milliseconds) { return whole(e, c, 1000000, out); }

static int fractional(ottl_env *e, const call_node *c, int64_t unit, value *out)
{
    int64_t d;
    if (ottl_arg_time(e, c, 0, V_DURATION, &d) != 0)
        return -1;
    int64_t whole_units = d / unit; /* Go splits a duration the same way */
    *out = v_double((double)whole_units + (double)(d % unit) / (double)unit);
    return 0;
}

RUN(ottl_fn_seconds) { return fractional(e, c, 1000000000, out); }
RUN(ottl_fn_minutes) { return fractional(e, c, 60000000000, out); }
RUN(ottl_fn_hours) { return fractional(e, c, 3600000000000, out); }

/* Go's Time.Truncate: rounds down to a multiple of d counted from Go's
 * zero time (1 January of year 1, UTC). */
RUN(ottl_fn_truncate_time)
{
    int64_t t, d;
    const __int128 zero_offset = (__int128)62135596800 * 1000000000;
    if (ottl_arg_time(e, c, 0, V_TIME, &t) != 0 || ottl_arg_time(e, c, 1, V_DURATION, &d) != 0)
        return -1;
    if (d > 0) {
        __int128 abs = (__int128)t + zero_offset, r = abs % d;
        t -= (int64_t)(r < 0 ? r + d : r);
    }
    *out = time_of(V_TIME, t);
    return 0;
}

RUN(ottl_fn_is_root_span)
{
    pb_bytes p = e->now.parent_span_id;
    bool root = true;
    (void)c;
    if (!e->has[OTTL_CTX_SPAN])
        return ottl_errorf(e, "IsRootSpan needs a span");
    for (size_t k = 0; k < p.len; k++)
        root = root && p.ptr[k] == 0;
    *out = v_bool(root);
    return 0;
}
