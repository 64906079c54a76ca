/*
 * fn_table.c: the functions otelc implements, with the collector's
 * names, parameters (positional order and snake_case names for named
 * arguments) and contexts; and the names of the collector's functions it
 * does not implement, refused by name.
 */
#include "fn.h"

#define P(n, k) {n, k, false}
#define OPT(n, k) {n, k, true}
#define EDITOR(name, run, check, ...)                                                       \
    {name, true, sizeof((fparam[]){__VA_ARGS__}) / sizeof(fparam), {__VA_ARGS__}, ALL_CTX, \
     false, check, run}
#define CONV(name, run, ...)                                                                \
    {name, false, sizeof((fparam[]){__VA_ARGS__}) / sizeof(fparam), {__VA_ARGS__}, ALL_CTX, \
     false, NULL, run}
#define STRFN(name, run, arg)                                                               \
    {name, false, 1, {P(arg, P_ANY)}, ALL_CTX, true, NULL, run}
#define CONV0(name, run, ctx) {name, false, 0, {{0}}, ctx, false, NULL, run}

static const ottl_fn table[] = {
    /* editors */
    EDITOR("set", ottl_fn_set, NULL, P("target", P_TARGET), P("value", P_ANY)),
    EDITOR("delete_key", ottl_fn_delete_key, NULL, P("target", P_MAP), P("key", P_STRING)),
    EDITOR("delete_matching_keys", ottl_fn_delete_matching_keys, NULL, P("target", P_MAP),
           P("pattern", P_REGEX)),
    EDITOR("keep_keys", ottl_fn_keep_keys, NULL, P("target", P_MAP), P("keys", P_STRINGS)),
    EDITOR("keep_matching_keys", ottl_fn_keep_matching_keys, NULL, P("target", P_MAP),
           P("pattern", P_REGEX)),
    EDITOR("limit", ottl_fn_limit, ottl_check_limit, P("target", P_MAP), P("limit", P_INT),
           P("priority_keys", P_STRINGS)),
    EDITOR("merge_maps", ottl_fn_merge_maps, ottl_check_merge_maps, P("target", P_MAP),
           P("source", P_ANY), P("strategy", P_STRING)),
    EDITOR("truncate_all", ottl_fn_truncate_all, ottl_check_truncate_all, P("target", P_MAP),
           P("limit", P_INT), OPT("utf8_safe", P_BOOL), OPT("truncation_marker", P_STRING)),
    EDITOR("replace_pattern", ottl_fn_replace_pattern, ottl_check_replace, P("target", P_TARGET),
           P("regex", P_REGEX), P("replacement", P_ANY), OPT("function", P_FUNC),
           OPT("replacement_format", P_STRING)),
    EDITOR("replace_match", ottl_fn_replace_match, ottl_check_replace, P("target", P_TARGET),
           P("pattern", P_GLOB), P("replacement", P_ANY), OPT("function", P_FUNC),
           OPT("replacement_format", P_STRING)),
    EDITOR("replace_all_matches", ottl_fn_replace_all_matches, ottl_check_replace,
           P("target", P_MAP), P("pattern", P_GLOB), P("replacement", P_ANY),
           OPT("function", P_FUNC), OPT("replacement_format", P_STRING)),
    EDITOR("replace_all_patterns", ottl_fn_replace_all_patterns, ottl_check_replace_all_patterns,
           P("target", P_MAP), P("mode", P_STRING), P("regex", P_REGEX),
           P("replacement", P_ANY), OPT("function", P_FUNC),
           OPT("replacement_format", P_STRING)),
    {"set_semconv_span_name", true, 2,
     {P("semconv_version", P_STRING), OPT("original_span_name_attribute", P_STRING)},
     SPAN_CTX, false, ottl_check_semconv, ottl_fn_set_semconv_span_name},
    {"convert_sum_to_gauge", true, 0, {{0}}, METRIC_CTX, false, NULL,
     ottl_fn_convert_sum_to_gauge},
    {"convert_gauge_to_sum", true, 2,
     {P("aggregation_temporality", P_STRING), P("is_monotonic", P_BOOL)}, METRIC_CTX, false,
     ottl_check_convert_gauge_to_sum, ottl_fn_convert_gauge_to_sum},
    /* converters */
    CONV("Concat", ottl_fn_concat, P("vals", P_LIST), P("delimiter", P_STRING)),
    CONV("IsMatch", ottl_fn_is_match, P("target", P_ANY), P("pattern", P_REGEX)),
    STRFN("SHA1", ottl_fn_sha1, "value"),
    STRFN("SHA256", ottl_fn_sha256, "value"),
    STRFN("SHA512", ottl_fn_sha512, "input"),
    STRFN("MD5", ottl_fn_md5, "value"),
    CONV("FNV", ottl_fn_fnv, P("value", P_ANY)),
    STRFN("ToLowerCase", ottl_fn_to_lower, "target"),
    STRFN("ToUpperCase", ottl_fn_to_upper, "target"),
    CONV("Substring", ottl_fn_substring, P("target", P_ANY), P("start", P_ANY), P("length", P_ANY),
         OPT("utf8_safe", P_BOOL)),
    CONV("Split", ottl_fn_split, P("target", P_ANY), P("delimiter", P_STRING)),
    CONV("HasPrefix", ottl_fn_has_prefix, P("value", P_ANY), P("prefix", P_STRING)),
    CONV("HasSuffix", ottl_fn_has_suffix, P("value", P_ANY), P("suffix", P_STRING)),
    CONV("Trim", ottl_fn_trim, P("target", P_ANY), OPT("replacement", P_STRING)),
    CONV("TrimPrefix", ottl_fn_trim_prefix, P("value", P_ANY), P("prefix", P_STRING)),
    CONV("TrimSuffix", ottl_fn_trim_suffix, P("value", P_ANY), P("suffix", P_STRING)),
    CONV("Len", ottl_fn_len, P("target", P_ANY)),
    CONV("Int", ottl_fn_int, P("value", P_ANY)),
    CONV("Double", ottl_fn_double, P("value", P_ANY)),
    CONV("String", ottl_fn_string, P("value", P_ANY)),
    CONV("Bool", ottl_fn_bool, P("value", P_ANY)),
    CONV("IsString", ottl_fn_is_string, P("value", P_ANY)),
    CONV("IsInt", ottl_fn_is_int, P("value", P_ANY)),
    CONV("IsDouble", ottl_fn_is_double, P("value", P_ANY)),
    CONV("IsBool", ottl_fn_is_bool, P("value", P_ANY)),
    CONV("IsMap", ottl_fn_is_map, P("value", P_ANY)),
    CONV("IsList", ottl_fn_is_list, P("value", P_ANY)),
    CONV("IsEmpty", ottl_fn_is_empty, P("value", P_ANY)),
    CONV("Hex", ottl_fn_hex, P("value", P_ANY)),
    CONV("TraceID", ottl_fn_trace_id, P("bytes", P_ANY)),
    CONV("SpanID", ottl_fn_span_id, P("bytes", P_ANY)),
    CONV("Coalesce", ottl_fn_coalesce, P("values", P_LIST)),
    CONV("ContainsValue", ottl_fn_contains_value, P("target", P_ANY), P("item", P_ANY)),
    CONV0("Now", ottl_fn_now, ALL_CTX),
    CONV("Unix", ottl_fn_unix, P("seconds", P_ANY), OPT("nanoseconds", P_ANY)),
    CONV("UnixNano", ottl_fn_unix_nano, P("time", P_ANY)),
    CONV("UnixMicro", ottl_fn_unix_micro, P("time", P_ANY)),
    CONV("UnixMilli", ottl_fn_unix_milli, P("time", P_ANY)),
    CONV("UnixSeconds", ottl_fn_unix_seconds, P("time", P_ANY)),
    CONV("Duration", ottl_fn_duration, P("duration", P_ANY)),
    CONV("Nanoseconds", ottl_fn_nanoseconds, P("duration", P_ANY)),
    CONV("Microseconds", ottl_fn_microseconds, P("duration", P_ANY)),
    CONV("Milliseconds", ottl_fn_milliseconds, P("duration", P_ANY)),
    CONV("Seconds", ottl_fn_seconds, P("duration", P_ANY)),
    CONV("Minutes", ottl_fn_minutes, P("duration", P_ANY)),
    CONV("Hours", ottl_fn_hours, P("duration", P_ANY)),
    CONV("TruncateTime", ottl_fn_truncate_time, P("time", P_ANY), P("duration", P_ANY)),
    CONV0("IsRootSpan", ottl_fn_is_root_span, SPAN_CTX),
    /* the filter processor's, for metrics */
    {"HasAttrKeyOnDatapoint", false, 1, {P("key", P_STRING)}, METRIC_CTX, false, NULL,
     ottl_fn_has_attr_key_on_datapoint},
    {"HasAttrOnDatapoint", false, 2, {P("key", P_STRING), P("expected_value", P_STRING)},
     METRIC_CTX, false, NULL, ottl_fn_has_attr_on_datapoint},
};

/* The collector's functions (pkg/ottl/ottlfuncs and the transform and
 * filter processors' own) that otelc does not implement yet. */
static const char *const collector_only[] = {
    "append", "delete_index", "flatten", "stringify_all",
    "extract_count_metric",
    "extract_sum_metric", "copy_metric", "scale_metric", "aggregate_on_attributes",
    "aggregate_on_attribute_value", "drop",
    "All", "Any", "Base64Decode", "Base64Encode", "Day", "Decode", "CommunityID",
    "ConvertCase", "ConvertAttributesToElementsXML", "ConvertTextToElementsXML",
    "ExtractPatterns", "ExtractGrokPatterns", "Filter", "Find", "Format", "FormatTime",
    "GetXML", "Hour", "Index", "InsertXML", "IsInCIDR", "IsValidLuhn", "Keys", "Log",
    "MapEach", "MapKeys", "Minute", "Month", "Murmur3Hash", "Murmur3Hash128",
    "Nanosecond", "ParseCSV", "ParseInt", "ParseJSON", "ParseKeyValue", "ParseSeverity",
    "ParseSimplifiedXML", "ParseXML", "ProfileID", "Reduce", "RemoveXML", "Second",
    "SliceToMap", "Sort", "Time", "ToCamelCase", "ToKeyValueString", "ToSnakeCase",
    "URL", "UserAgent", "UUID", "UUIDv7", "Values", "Weekday", "When", "XXH3", "XXH128",
    "Year", "ParseCEF", "ParseCLF", "ParseELF", "ParseLEEF",
};

static bool same_name(const char *name, const char *s, size_t len)
{
    return strlen(name) == len && memcmp(name, s, len) == 0;
}

const ottl_fn *ottl_fn_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (same_name(table[i].name, name, len))
            return &table[i];
    return NULL;
}

bool ottl_fn_collector_only(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof collector_only / sizeof collector_only[0]; i++)
        if (same_name(collector_only[i], name, len))
            return true;
    return false;
}
