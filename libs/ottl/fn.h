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
int ottl_arg_string(ottl_env *e, const call_node *c, size_t i, pb_bytes *out);
/* Argument i as an int64 (an IntGetter). */
int ottl_arg_int(ottl_env *e, const call_node *c, size_t i, int64_t *out);
/* Argument i as a time.Time / time.Duration. */
int ottl_arg_time(ottl_env *e, const call_node *c, size_t i, vtype want, int64_t *out);

/* Each item of a list argument (a list literal's items, or the items of
 * a value that is a list), evaluated in turn. */
typedef int (*item_fn)(ottl_env *e, void *arg, const value *item);
int ottl_arg_each_item(ottl_env *e, const call_node *c, size_t i, item_fn fn, void *fnarg);

/* Applies a string-to-string function (SHA256, ToLowerCase, ...) to s. */
int ottl_apply_string_fn(ottl_env *e, const ottl_fn *f, pb_bytes s, pb_bytes *out);

/* Writes v to a target path (the editors that set their target). */
int ottl_set_target(ottl_env *e, const call_node *c, size_t i, const value *v);

/* Replaces the attributes of a map target with n entries (one splice). */
int ottl_set_map_entries(ottl_env *e, const node *target, const otlp_kv *kv, size_t n);

/* The map a P_MAP target reads, as its entries. */
int ottl_target_entries(ottl_env *e, const call_node *c, size_t i, otlp_kv **kv, size_t *n);

/* "%s" in format replaced by s (the replace functions' replacementFormat). */
int ottl_apply_format(ottl_env *e, pb_bytes format, pb_bytes s, pb_bytes *out);

/* ---- run functions (fn_*.c) ---- */

#define RUN(name) int name(ottl_env *e, const call_node *c, value *out)

/* fn_edit.c */
RUN(ottl_fn_set);
RUN(ottl_fn_delete_key);
RUN(ottl_fn_delete_matching_keys);
RUN(ottl_fn_keep_keys);
RUN(ottl_fn_keep_matching_keys);
RUN(ottl_fn_limit);
RUN(ottl_fn_merge_maps);
RUN(ottl_fn_truncate_all);
const char *ottl_check_limit(const call_node *c);
const char *ottl_check_truncate_all(const call_node *c);
const char *ottl_check_merge_maps(const call_node *c);

/* fn_metric.c */
RUN(ottl_fn_convert_sum_to_gauge);
RUN(ottl_fn_convert_gauge_to_sum);
RUN(ottl_fn_has_attr_key_on_datapoint);
RUN(ottl_fn_has_attr_on_datapoint);
const char *ottl_check_convert_gauge_to_sum(const call_node *c);

/* fn_replace.c */
RUN(ottl_fn_replace_pattern);
RUN(ottl_fn_replace_match);
RUN(ottl_fn_replace_all_matches);
RUN(ottl_fn_replace_all_patterns);
const char *ottl_check_replace(const call_node *c);
const char *ottl_check_replace_all_patterns(const call_node *c);

/* fn_semconv.c */
RUN(ottl_fn_set_semconv_span_name);
const char *ottl_check_semconv(const call_node *c);

/* fn_types.c */
RUN(ottl_fn_int);
RUN(ottl_fn_double);
RUN(ottl_fn_string);
RUN(ottl_fn_bool);
RUN(ottl_fn_is_string);
RUN(ottl_fn_is_int);
RUN(ottl_fn_is_double);
RUN(ottl_fn_is_bool);
RUN(ottl_fn_is_map);
RUN(ottl_fn_is_list);
RUN(ottl_fn_is_empty);
RUN(ottl_fn_len);
RUN(ottl_fn_hex);
RUN(ottl_fn_trace_id);
RUN(ottl_fn_span_id);
RUN(ottl_fn_coalesce);
RUN(ottl_fn_contains_value);

/* ottl_fn_string.c */
RUN(ottl_fn_concat);
RUN(ottl_fn_is_match);
RUN(ottl_fn_to_lower);
RUN(ottl_fn_to_upper);
RUN(ottl_fn_substring);
RUN(ottl_fn_split);
RUN(ottl_fn_has_prefix);
RUN(ottl_fn_has_suffix);
RUN(ottl_fn_trim);
RUN(ottl_fn_trim_prefix);
RUN(ottl_fn_trim_suffix);
RUN(ottl_fn_sha1);
RUN(ottl_fn_sha256);
RUN(ottl_fn_sha512);
RUN(ottl_fn_md5);
RUN(ottl_fn_fnv);

/* fn_time.c */
RUN(ottl_fn_now);
RUN(ottl_fn_unix);
RUN(ottl_fn_unix_nano);
RUN(ottl_fn_unix_micro);
RUN(ottl_fn_unix_milli);
RUN(ottl_fn_unix_seconds);
RUN(ottl_fn_duration);
RUN(ottl_fn_nanoseconds);
RUN(ottl_fn_microseconds);
RUN(ottl_fn_milliseconds);
RUN(ottl_fn_seconds);
RUN(ottl_fn_minutes);
RUN(ottl_fn_hours);
RUN(ottl_fn_truncate_time);
RUN(ottl_fn_is_root_span);

#endif /* OTTL_FN_H */
