/*
 * tk_values.c: typed config values as the host reads them: strings,
 * booleans (true/True/TRUE), integers, plain decimal numbers, durations
 * ("1h30m", "200ms", "1.5s", "0") and sizes ("4MiB", "512KB", 1048576).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

typedef struct unit {
    const char *name;
    uint64_t factor;
} unit;

static const unit duration_units[] = {
    {"ns", 1}, {"us", 1000}, {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
    {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000},
};

static const unit size_units[] = {
    {"B", 1}, {"KB", 1000}, {"kB", 1000}, {"MB", 1000000}, {"GB", 1000000000},
    {"TB", 1000000000000}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
};

static const unit *find_unit(const unit *units, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(units[i].name) == len && memcmp(units[i].name, name, len) == 0)
            return &units[i];
    return NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* One "<number>[.<fraction>]<unit>" in ns, added to *total. */
static const char *duration_part(const char **text, double *total)
{
    const char *p = *text;
    double value = 0, scale = 1;
    bool digits = false;
    for (; is_digit(*p); p++, digits = true)
        value = value * 10 + (*p - '0');
    if (*p == '.')
        for (p++; is_digit(*p); p++, digits = true) {
            scale /= 10;
            value += (*p - '0') * scale;
        }
    if (!digits)
        return "not a duration";
    const char *name = p, *end = p;
    while (*end && !is_digit(*end) && *end != '.')
        end++;
    if (end == name)
        return "missing unit (ns, us, ms, s, m, h)";
    const unit *u = find_unit(duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                              name, (size_t)(end - name));
    if (!u)
        return "unknown unit (ns, us, ms, s, m, h)";
    *total += value * (double)u->factor;
    *text = end;
    return NULL;
}

const char *tk_parse_duration(const char *text, int64_t *out_ns)
{
    bool negative = *text == '-';
    double total = 0;
    if (*text == '-' || *text == '+')
        text++;
    if (strcmp(text, "0") == 0) {
        *out_ns = 0;
        return NULL;
    }
    if (!*text)
        return "not a duration";
    while (*text) {
        const char *why = duration_part(&text, &total);
        if (why)
            return why;
    }
    if (total >= 9.2e18)
        return "out of range";
    /* Rounded: 0.3 * 1e9 is 299999999.99... in binary. */
    *out_ns = negative ? -llround(total) : llround(total);
    return NULL;
}

const char *tk_parse_size(const char *text, uint64_t *out)
{
    uint64_t value = 0;
    const char *p = text;
    if (!is_digit(*p))
        return *p == '-' ? "must not be negative" : "not a size";
    for (; is_digit(*p); p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return "out of range";
        value = value * 10 + digit;
    }
    uint64_t factor = 1;
    if (*p) {
        const unit *u = find_unit(size_units, sizeof(size_units) / sizeof(size_units[0]), p,
                                  strlen(p));
        if (!u)
            return "unknown unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)";
        factor = u->factor;
    }
    if (value > UINT64_MAX / factor)
        return "out of range";
    *out = value * factor;
    return NULL;
}

static void wrong_type(otelc_test_host *h, const otelc_node *n, const char *expected)
{
    static const char *const kinds[] = {"an empty value", "a scalar", "a map", "a list"};
    if (n->kind == OTELC_NODE_SCALAR)
        tk_config_error(h, n, false, "expected %s, got '%s'", expected, n->text);
    else
        tk_config_error(h, n, false, "expected %s, got %s", expected, kinds[n->kind]);
}

/* The text of a scalar: 1, absent 0, not a scalar -1 (reported). */
static int scalar_text(otelc_test_host *h, const otelc_node *n, const char *expected,
                       const char **text)
{
    if (!n || n->kind == OTELC_NODE_NULL)
        return 0;
    if (n->kind != OTELC_NODE_SCALAR) {
        wrong_type(h, n, expected);
        return -1;
    }
    *text = n->text;
    return 1;
}

int tk_read_string(otelc_test_host *h, const otelc_node *n, const char **out)
{
    return scalar_text(h, n, "a string", out);
}

int tk_read_bool(otelc_test_host *h, const otelc_node *n, bool *out)
{
    static const char *const truths[] = {"true", "True", "TRUE"};
    static const char *const lies[] = {"false", "False", "FALSE"};
    const char *t = NULL;
    int rc = scalar_text(h, n, "true or false", &t);
    for (size_t i = 0; rc > 0 && i < 3; i++) {
        if (strcmp(t, truths[i]) == 0 || strcmp(t, lies[i]) == 0) {
            *out = strcmp(t, truths[i]) == 0;
            return 1;
        }
    }
    if (rc > 0)
        wrong_type(h, n, "true or false");
    return rc > 0 ? -1 : rc;
}

int tk_read_int(otelc_test_host *h, const otelc_node *n, int64_t *out)
{
    const char *t = NULL;
    char *end;
    int rc = scalar_text(h, n, "an integer", &t);
    if (rc <= 0)
        return rc;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (!(is_digit(t[0]) || t[0] == '-' || t[0] == '+') || *end || errno == ERANGE) {
        wrong_type(h, n, "an integer");
        return -1;
    }
    *out = v;
    return 1;
}

int tk_read_double(otelc_test_host *h, const otelc_node *n, double *out)
{
    const char *t = NULL;
    char *end;
    int rc = scalar_text(h, n, "a number", &t);
    if (rc <= 0)
        return rc;
    /* strtod also takes hex, "inf" and "nan"; YAML numbers are decimals. */
    double v = strtod(t, &end);
    if (!t[0] || strspn(t, "0123456789+-.eE") != strlen(t) || *end || !isfinite(v)) {
        wrong_type(h, n, "a number");
        return -1;
    }
    *out = v;
    return 1;
}

int tk_read_duration(otelc_test_host *h, const otelc_node *n, int64_t *out)
{
    const char *t = NULL;
    int64_t v = 0;
    int rc = scalar_text(h, n, "a duration", &t);
    if (rc <= 0)
        return rc;
    const char *why = tk_parse_duration(t, &v);
    if (!why && v < 0)
        why = "must not be negative";
    if (why) {
        tk_config_error(h, n, false, "invalid duration '%s': %s", t, why);
        return -1;
    }
    *out = v;
    return 1;
}

int tk_read_size(otelc_test_host *h, const otelc_node *n, uint64_t *out)
{
    const char *t = NULL;
    int rc = scalar_text(h, n, "a size", &t);
    if (rc <= 0)
        return rc;
    const char *why = tk_parse_size(t, out);
    if (why) {
        tk_config_error(h, n, false, "invalid size '%s': %s", t, why);
        return -1;
    }
    return 1;
}
