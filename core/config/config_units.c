/* Durations and sizes from text; see config_units.h. */
#include "config_units.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct unit {
    const char *name;
    uint64_t factor;
} unit;

static const unit duration_units[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"\xc2\xb5s", 1000ULL}, /* U+00B5 MICRO SIGN */
    {"\xce\xbcs", 1000ULL}, /* U+03BC GREEK SMALL LETTER MU */
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

static const unit size_units[] = {
    {"B", 1ULL},
    {"KB", 1000ULL},
    {"kB", 1000ULL},
    {"MB", 1000ULL * 1000ULL},
    {"GB", 1000ULL * 1000ULL * 1000ULL},
    {"TB", 1000ULL * 1000ULL * 1000ULL * 1000ULL},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
};

/* 2^63: the magnitude of INT64_MIN, one past INT64_MAX. */
#define DURATION_LIMIT (1ULL << 63)

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const unit *find_unit(const unit *units, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(units[i].name) == len && memcmp(units[i].name, name, len) == 0)
            return &units[i];
    }
    return NULL;
}

/* Reads one "<number><unit>" and adds it to *total. */
static const char *add_duration_part(const char **text, uint64_t *total)
{
    const char *p = *text;
    const char *unit_start;
    uint64_t whole = 0, frac = 0;
    double scale = 1;
    bool digits = false;
    const unit *u;

    for (; is_digit(*p); p++, digits = true) {
        if (whole > DURATION_LIMIT / 10)
            return "out of range";
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > DURATION_LIMIT)
            return "out of range";
    }
    if (*p == '.') {
        /* Digits past what 63 bits hold cannot change the result. */
        for (p++; is_digit(*p); p++, digits = true) {
            if (frac > (DURATION_LIMIT - 1) / 10)
                continue;
            frac = frac * 10 + (uint64_t)(*p - '0');
            scale *= 10;
        }
    }
    if (!digits)
        return "not a duration";
    for (unit_start = p; *p != '\0' && *p != '.' && !is_digit(*p); p++)
        ;
    if (p == unit_start)
        return "missing unit (ns, us, ms, s, m, h)";
    u = find_unit(duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                  unit_start, (size_t)(p - unit_start));
    if (u == NULL)
        return "unknown unit (ns, us, ms, s, m, h)";
    if (whole > DURATION_LIMIT / u->factor)
        return "out of range";
    whole *= u->factor;
    whole += (uint64_t)((double)frac * ((double)u->factor / scale));
    if (whole > DURATION_LIMIT || *total > DURATION_LIMIT - whole)
        return "out of range";
    *total += whole;
    *text = p;
    return NULL;
}

const char *otelc_parse_duration(const char *text, int64_t *out_ns)
{
    bool negative = false;
    uint64_t total = 0;
    const char *why;

    if (*text == '-' || *text == '+')
        negative = *text++ == '-';
    if (strcmp(text, "0") == 0) {
        *out_ns = 0;
        return NULL;
    }
    if (*text == '\0')
        return "not a duration";
    while (*text != '\0') {
        why = add_duration_part(&text, &total);
        if (why != NULL)
            return why;
    }
    if (negative) {
        *out_ns = total == DURATION_LIMIT ? INT64_MIN : -(int64_t)total;
        return NULL;
    }
    if (total == DURATION_LIMIT)
        return "out of range";
    *out_ns = (int64_t)total;
    return NULL;
}

const char *otelc_parse_size(const char *text, uint64_t *out_bytes)
{
    const char *p = text;
    uint64_t value = 0;
    const unit *u;

    if (*p == '-')
        return "must not be negative";
    if (!is_digit(*p))
        return "not a size";
    for (; is_digit(*p); p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return "out of range";
        value = value * 10 + digit;
    }
    if (*p == '\0') {
        *out_bytes = value;
        return NULL;
    }
    if (*p == '.')
        return "not a whole number";
    u = find_unit(size_units, sizeof(size_units) / sizeof(size_units[0]), p, strlen(p));
    if (u == NULL)
        return "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)";
    if (value > UINT64_MAX / u->factor)
        return "out of range";
    *out_bytes = value * u->factor;
    return NULL;
}
