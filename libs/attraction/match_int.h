/*
 * match_int.h: the matcher's parts, shared by its parsing and matching
 * halves.
 */
#ifndef ATTRACTION_MATCH_INT_H
#define ATTRACTION_MATCH_INT_H

#include "match.h"
#include "regex.h"
#include "value.h"

/* A filterset: strings equal to one item (strict) or matched by one of
 * the regexes. Off when the property was not given. */
typedef struct strset {
    bool on;
    otelc_strlist items;
    attr_regex **re; /* [items.n] under regexp */
} strset;

/* One attribute condition: the key present and, if has_value, its value
 * equal (strict) or its text matched (re). */
typedef struct attr_cond {
    const char *key;
    bool has_value;
    otlp_anyvalue value;
    attr_regex *re;
} attr_cond;

/* One library condition: the scope's name and, if has_version, version. */
typedef struct lib_cond {
    strset name, version;
} lib_cond;

/* log_severity_number: numbers from min on, and 0 when match_undefined. */
typedef struct severity_cond {
    bool on;
    int32_t min;
    bool match_undefined;
} severity_cond;

struct attr_match {
    bool regexp;
    strset services, span_names, span_kinds;
    strset log_bodies, severity_texts, metric_names;
    severity_cond severity;
    attr_cond *attrs, *res;
    size_t n_attrs, n_res;
    lib_cond *libs;
    size_t n_libs;
    const char **lib_strings; /* name, version of each library: its strsets view them */
    attr_buf text; /* a value's text while matching */
};

#endif /* ATTRACTION_MATCH_INT_H */
