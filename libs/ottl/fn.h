/*
 * fn.h: what the function implementations share: argument access and
 * the run functions the table (fn_table.c) points at.
 */
#ifndef OTTL_FN_H
#define OTTL_FN_H

#include "paths.h"
#include "regex.h"
#include "value.h"

/* Evaluates argument i. */
static inline int arg(ottl_env *e, const call_node *c, size_t i, value *out)
{
    return ottl_eval(e, c->argv[i], out);
}

static inline bool has_arg(const call_node *c, size_t i)
{
    return c->argv[i] != NULL;
}

/* A string literal argument (bound: checked to be one). */
static inline pb_bytes lit_str(const call_node *c, size_t i)
{
    return bytes_of(c->argv[i]->str.p, c->argv[i]->str.n);
}

/* Argument i as a string (a StringGetter: anything else, nil included,
 * is an error). */
int arg_string(ottl_env *e, const call_node *c, size_t i, pb_bytes *out);
/* Argument i as an int64 (an IntGetter). */
int arg_int(ottl_env *e, const call_node *c, size_t i, int64_t *out);
/* Argument i as a time.Time / time.Duration. */
int arg_time(ottl_env *e, const call_node *c, size_t i, vtype want, int64_t *out);

/* Each item of a list argument (a list literal's items, or the items of
 * a value that is a list), evaluated in turn. */
typedef int (*item_fn)(ottl_env *e, void *arg, const value *item);
int arg_each_item(ottl_env *e, const call_node *c, size_t i, item_fn fn, void *fnarg);

/* Applies a string-to-string function (SHA256, ToLowerCase, ...) to s. */
int apply_string_fn(ottl_env *e, const ottl_fn *f, pb_bytes s, pb_bytes *out);

/* Writes v to a target path (the editors that set their target). */
int set_target(ottl_env *e, const call_node *c, size_t i, const value *v);

/* Replaces the attributes of a map target with n entries (one splice). */
int set_map_entries(ottl_env *e, const node *target, const otlp_kv *kv, size_t n);

/* The map a P_MAP target reads, as its entries. */
int target_entries(ottl_env *e, const call_node *c, size_t i, otlp_kv **kv, size_t *n);

/* "%s" in format replaced by s (the replace functions' replacementFormat). */
int apply_format(ottl_env *e, pb_bytes format, pb_bytes s, pb_bytes *out);

/* ---- run functions (fn_*.c) ---- */

#define RUN(name) int name(ottl_env *e, const call_node *c, value *out)

/* fn_edit.c */
RUN(fn_set);
RUN(fn_delete_key);
RUN(fn_delete_matching_keys);
RUN(fn_keep_keys);
RUN(fn_keep_matching_keys);
RUN(fn_limit);
RUN(fn_merge_maps);
RUN(fn_truncate_all);
const char *check_limit(const call_node *c);
const char *check_truncate_all(const call_node *c);
const char *check_merge_maps(const call_node *c);

/* fn_replace.c */
RUN(fn_replace_pattern);
RUN(fn_replace_match);
RUN(fn_replace_all_matches);
RUN(fn_replace_all_patterns);
const char *check_replace(const call_node *c);
const char *check_replace_all_patterns(const call_node *c);

/* fn_semconv.c */
RUN(fn_set_semconv_span_name);
const char *check_semconv(const call_node *c);

/* fn_types.c */
RUN(fn_int);
RUN(fn_double);
RUN(fn_string);
RUN(fn_bool);
RUN(fn_is_string);
RUN(fn_is_int);
RUN(fn_is_double);
RUN(fn_is_bool);
RUN(fn_is_map);
RUN(fn_is_list);
RUN(fn_is_empty);
RUN(fn_len);
RUN(fn_hex);
RUN(fn_trace_id);
RUN(fn_span_id);
RUN(fn_coalesce);
RUN(fn_contains_value);

/* fn_string.c */
RUN(fn_concat);
RUN(fn_is_match);
RUN(fn_to_lower);
RUN(fn_to_upper);
RUN(fn_substring);
RUN(fn_split);
RUN(fn_has_prefix);
RUN(fn_has_suffix);
RUN(fn_trim);
RUN(fn_trim_prefix);
RUN(fn_trim_suffix);
RUN(fn_sha1);
RUN(fn_sha256);
RUN(fn_sha512);
RUN(fn_md5);
RUN(fn_fnv);

/* fn_time.c */
RUN(fn_now);
RUN(fn_unix);
RUN(fn_unix_nano);
RUN(fn_unix_micro);
RUN(fn_unix_milli);
RUN(fn_unix_seconds);
RUN(fn_duration);
RUN(fn_nanoseconds);
RUN(fn_microseconds);
RUN(fn_milliseconds);
RUN(fn_seconds);
RUN(fn_minutes);
RUN(fn_hours);
RUN(fn_truncate_time);
RUN(fn_is_root_span);

#endif /* OTTL_FN_H */
