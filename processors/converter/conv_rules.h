/*
 * conv_rules.h: what the converter does, as a spec (from config) and as
 * compiled rules (a hash table keyed by attribute key that both the wire
 * walker and the rewrite consult).
 *
 * Rules apply in this order, each seeing what the previous produced:
 * renames (built-in semantic-convention upgrades, then config renames,
 * which win for the same key), deletes, to_resource, from_resource,
 * coerce, limits. Renames, deletes and coerce apply to resource and span
 * attributes; limits to spans, their events and links.
 */
#ifndef OTELC_PROC_CONV_RULES_H
#define OTELC_PROC_CONV_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum conv_type {
    CONV_NONE = 0,
    CONV_TO_STRING = 1,
    CONV_TO_INT = 2,
    CONV_TO_DOUBLE = 3,
    CONV_TO_BOOL = 4,
} conv_type;

typedef enum conv_action {
    CONV_NO_MOVE = 0,
    CONV_COPY = 1,
    CONV_MOVE = 2,
} conv_action;

typedef struct conv_rename_spec {
    const char *from, *to;
} conv_rename_spec;

typedef struct conv_key_action {
    const char *key;
    conv_action action;
} conv_key_action;

typedef struct conv_coerce_spec {
    const char *key;
    conv_type to;
} conv_coerce_spec;

/* The converter's settings. Strings are borrowed for the rules' life. */
typedef struct conv_spec {
    bool semconv_upgrade;
    const conv_rename_spec *renames;
    size_t nrenames;
    const char *const *deletes;
    size_t ndeletes;
    const conv_key_action *from_resource;
    size_t nfrom_resource;
    const conv_key_action *to_resource;
    size_t nto_resource;
    const conv_coerce_spec *coerce;
    size_t ncoerce;
    int64_t max_attributes_per_span; /* 0 = no limit, for all four */
    int64_t max_attribute_value_length;
    int64_t max_events_per_span;
    int64_t max_links_per_span;
} conv_spec;

/* How a deprecated key becomes its current form. */
typedef enum conv_rename_kind {
    RN_NONE = 0,
    RN_PLAIN,        /* new key, value kept (or mapped through `values`) */
    RN_BY_KIND,      /* `to`, or `to_server` on SERVER and CONSUMER spans */
    RN_SPLIT_TARGET, /* "path?query" -> `to` (path) and `to_query` (query) */
    RN_TO_STRING,    /* integer value written as a decimal string */
    RN_GRPC_CODE,    /* integer gRPC status code as its name ("OK", ...) */
    RN_HEADER,       /* value as a one-element string array (a header) */
    RN_QUALIFY,      /* value prefixed to `to`'s value with `sep`; key removed */
} conv_rename_kind;

/* Value replacements for a renamed key; the list ends with a NULL from. */
typedef struct conv_value_map {
    const char *from, *to;
} conv_value_map;

/* One built-in semantic-convention upgrade. */
typedef struct conv_semconv {
    const char *from;
    conv_rename_kind kind;
    const char *to;
    const char *alt; /* RN_BY_KIND: server target; RN_SPLIT_TARGET: query key */
    const conv_value_map *values;
    char sep; /* RN_QUALIFY */
} conv_semconv;

/* The built-in table (conv_semconv.c); ends with a NULL from. */
extern const conv_semconv conv_semconv_table[];

/* Everything the rules say about one attribute key. */
typedef struct conv_entry {
    const char *key;
    size_t key_len;
    const conv_semconv *rename; /* NULL: not renamed */
    bool del;
    conv_type coerce;
    conv_action to_resource;
    conv_action from_resource;
} conv_entry;

typedef struct conv_rules {
    conv_entry *slots; /* open addressing, mask + 1 slots; key NULL = empty */
    size_t mask;
    conv_semconv *config_renames; /* config renames as RN_PLAIN rows */
    const conv_key_action *to_resource, *from_resource; /* the spec's, borrowed */
    size_t nto_resource, nfrom_resource;
    bool has_coerce;
    bool has_renames; /* any rename (built-in or config) or delete */
    uint64_t max_attrs, max_value_len, max_events, max_links; /* 0 = none */
} conv_rules;

/*
 * Compiles spec into r. Returns 0, or -1 with a reason in why (cap bytes)
 * for a key given twice for one role, an empty key, or out of memory.
 * Allocates; free with conv_rules_free. Not thread-safe; the compiled
 * rules are read-only and may be shared by any threads.
 */
int conv_rules_build(conv_rules *r, const conv_spec *spec, char *why, size_t cap);
void conv_rules_free(conv_rules *r);

/* The entry for the `len` bytes at key, or NULL. Pure, allocation-free. */
const conv_entry *conv_rules_find(const conv_rules *r, const void *key, size_t len);

/* True when the rules can change anything at all. */
bool conv_rules_active(const conv_rules *r);

#endif
