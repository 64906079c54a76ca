/*
 * rfc3339.c: RFC 3339 timestamps, as S3 writes LastModified and as query
 * parameters give times.
 */
#include "rfc3339.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Reads exactly n digits; false otherwise. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, const char *one_of)
{
    if (!**p || !strchr(one_of, **p))
        return false;
    (*p)++;
    return true;
}

/* Fractional seconds after '.', as nanoseconds (digits past 9 ignored). */
static bool fraction(const char **p, int64_t *ns)
{
    int64_t v = 0, scale = 100000000;
    if (!isdigit((unsigned char)**p))
        return false;
    for (; isdigit((unsigned char)**p); (*p)++, scale /= 10)
        v += scale ? (**p - '0') * scale : 0;
    *ns = v;
    return true;
}

/* "Z" or "+hh:mm"/"-hh:mm" as seconds east of UTC; must end the string. */
static bool offset(const char *p, int64_t *secs)
{
    int h, m;
    if ((*p == 'Z' || *p == 'z') && p[1] == 0) {
        *secs = 0;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1;
    p++;
    if (!digits(&p, 2, &h) || !expect(&p, ":") || !digits(&p, 2, &m) || *p || h > 23 || m > 59)
        return false;
    *secs = (int64_t)sign * ((int64_t)h * 3600 + (int64_t)m * 60);
    return true;
}

int s3_parse_rfc3339(const char *s, int64_t *ns)
{
    int y, mo, d, h, mi, sec;
    int64_t frac = 0, off = 0;
    const char *p = s;
    if (!digits(&p, 4, &y) || !expect(&p, "-") || !digits(&p, 2, &mo) || !expect(&p, "-") ||
        !digits(&p, 2, &d) || !expect(&p, "Tt ") || !digits(&p, 2, &h) || !expect(&p, ":") ||
        !digits(&p, 2, &mi) || !expect(&p, ":") || !digits(&p, 2, &sec))
        return -1;
    if (*p == '.' && (p++, !fraction(&p, &frac)))
        return -1;
    if (!offset(p, &off) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
        return -1;
    int64_t secs = (int64_t)t - off;
    /* Unix nanoseconds in 64 bits end in 2262 (and begin in 1677). */
    if (secs >= INT64_MAX / 1000000000 || secs <= INT64_MIN / 1000000000)
        return -1;
    *ns = secs * 1000000000 + frac;
    return 0;
}
