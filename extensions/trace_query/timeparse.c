/*
 * timeparse.c: Go durations, as the query API takes them.
 */
#include "timeparse.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* The unit at p and its length in bytes; 0 when none. */
static int64_t unit(const char *p, size_t *len)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {{"ns", 1},           {"us", 1000},        {"\xc2\xb5s", 1000},
                 {"\xce\xbcs", 1000}, {"ms", 1000000},     {"s", 1000000000},
                 {"m", 60000000000},  {"h", 3600000000000}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(p, units[i].name, n) == 0) {
            *len = n;
            return units[i].ns;
        }
    }
    return 0;
}

int tq_parse_duration(const char *s, int64_t *ns)
{
    const char *p = s;
    double total = 0;
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (!*p)
        return -1;
    while (*p) {
        double whole = 0, frac = 0, scale = 1;
        bool any = false;
        for (; isdigit((unsigned char)*p); p++, any = true)
            whole = whole * 10 + (*p - '0');
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++, any = true)
                frac += (*p - '0') * (scale /= 10);
        size_t len = 0;
        int64_t u = unit(p, &len);
        if (!any || !u)
            return -1;
        p += len;
        total += (whole + frac) * (double)u;
        if (total > 9.2e18)
            return -1;
    }
    *ns = (int64_t)(total + 0.5);
    return 0;
}
