/*
 * enums.c: the enum symbols of the contexts: the trace proto's span
 * kinds and status codes (span, spanevent), the logs proto's severity
 * numbers (log), and the metrics proto's temporalities, pdata's metric
 * types and the data point flags (metric, datapoint).
 */
#include "internal.h"

#include <string.h>

#define SPAN_CTXS ((1u << OTTL_CTX_SPAN) | (1u << OTTL_CTX_SPANEVENT))
#define METRIC_CTXS ((1u << OTTL_CTX_METRIC) | (1u << OTTL_CTX_DATAPOINT))

static const struct {
    const char *name;
    int64_t value;
    unsigned contexts;
} enums[] = {
    {"SPAN_KIND_UNSPECIFIED", 0, SPAN_CTXS},
    {"SPAN_KIND_INTERNAL", 1, SPAN_CTXS},
    {"SPAN_KIND_SERVER", 2, SPAN_CTXS},
    {"SPAN_KIND_CLIENT", 3, SPAN_CTXS},
    {"SPAN_KIND_PRODUCER", 4, SPAN_CTXS},
    {"SPAN_KIND_CONSUMER", 5, SPAN_CTXS},
    {"STATUS_CODE_UNSET", 0, SPAN_CTXS},
    {"STATUS_CODE_OK", 1, SPAN_CTXS},
    {"STATUS_CODE_ERROR", 2, SPAN_CTXS},
    {"AGGREGATION_TEMPORALITY_UNSPECIFIED", 0, METRIC_CTXS},
    {"AGGREGATION_TEMPORALITY_DELTA", 1, METRIC_CTXS},
    {"AGGREGATION_TEMPORALITY_CUMULATIVE", 2, METRIC_CTXS},
    {"METRIC_DATA_TYPE_NONE", 0, METRIC_CTXS},
    {"METRIC_DATA_TYPE_GAUGE", 1, METRIC_CTXS},
    {"METRIC_DATA_TYPE_SUM", 2, METRIC_CTXS},
    {"METRIC_DATA_TYPE_HISTOGRAM", 3, METRIC_CTXS},
    {"METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4, METRIC_CTXS},
    {"METRIC_DATA_TYPE_SUMMARY", 5, METRIC_CTXS},
    {"FLAG_NONE", 0, 1u << OTTL_CTX_DATAPOINT},
    {"FLAG_NO_RECORDED_VALUE", 1, 1u << OTTL_CTX_DATAPOINT},
    {"SEVERITY_NUMBER_UNSPECIFIED", 0, 1u << OTTL_CTX_LOG},
};

/* SEVERITY_NUMBER_<LEVEL>[2-4]: TRACE is 1, TRACE2 2 ... FATAL4 24. */
static bool severity(const char *s, size_t n, int64_t *out)
{
    static const char prefix[] = "SEVERITY_NUMBER_";
    static const char *const levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    size_t p = sizeof prefix - 1;
    if (n <= p || memcmp(s, prefix, p) != 0)
        return false;
    for (int l = 0; l < 6; l++) {
        size_t len = strlen(levels[l]);
        if (n - p < len || memcmp(s + p, levels[l], len) != 0)
            continue;
        if (n - p == len) {
            *out = 4 * l + 1;
            return true;
        }
        char d = s[p + len];
        if (n - p == len + 1 && d >= '2' && d <= '4') {
            *out = 4 * l + (d - '0');
            return true;
        }
    }
    return false;
}

bool ottl_enum_lookup(const char *s, size_t n, int64_t *out, unsigned *contexts)
{
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++)
        if (strlen(enums[i].name) == n && memcmp(enums[i].name, s, n) == 0) {
            *out = enums[i].value;
            *contexts = enums[i].contexts;
            return true;
        }
    *contexts = 1u << OTTL_CTX_LOG;
    return severity(s, n, out);
}

bool ottl_enum_known(const char *s, size_t n)
{
    int64_t v;
    unsigned c;
    return ottl_enum_lookup(s, n, &v, &c);
}
