/*
 * paths.h: the paths of the contexts (the collector's ottlresource,
 * ottlscope, ottlspan, ottlspanevent, ottllog, ottlmetric and
 * ottldatapoint), reading and writing them.
 */
#ifndef OTTL_PATHS_H
#define OTTL_PATHS_H

#include "internal.h"

typedef enum path_id {
    PATH_ATTRS,          /* the attributes of the path's level */
    PATH_DROPPED_ATTRS,  /* dropped_attributes_count of the path's level */
    PATH_SCHEMA_URL,     /* resource and scope */
    PATH_SCOPE_NAME,
    PATH_SCOPE_VERSION,
    PATH_TRACE_ID,
    PATH_TRACE_ID_STRING,
    PATH_SPAN_ID,
    PATH_SPAN_ID_STRING,
    PATH_PARENT_ID,
    PATH_PARENT_ID_STRING,
    PATH_TRACE_STATE,
    PATH_SPAN_NAME,
    PATH_KIND,
    PATH_KIND_STRING,
    PATH_KIND_DEPRECATED,
    PATH_START_NANO,
    PATH_END_NANO,
    PATH_START_TIME,
    PATH_END_TIME,
    PATH_EVENTS,
    PATH_DROPPED_EVENTS,
    PATH_LINKS,
    PATH_DROPPED_LINKS,
    PATH_STATUS_CODE,
    PATH_STATUS_MESSAGE,
    PATH_EVENT_NAME,
    PATH_EVENT_NANO,
    PATH_EVENT_TIME,
    /* log records (path_log.c) */
    PATH_LOG_TIME_NANO,
    PATH_LOG_OBSERVED_NANO,
    PATH_LOG_TIME,
    PATH_LOG_OBSERVED,
    PATH_LOG_SEVERITY_NUMBER,
    PATH_LOG_SEVERITY_TEXT,
    PATH_LOG_BODY,
    PATH_LOG_BODY_STRING,
    PATH_LOG_FLAGS,
    PATH_LOG_TRACE_ID,
    PATH_LOG_TRACE_ID_STRING,
    PATH_LOG_SPAN_ID,
    PATH_LOG_SPAN_ID_STRING,
    PATH_LOG_EVENT_NAME,
    /* metrics and data points (path_metric.c) */
    PATH_METRIC_NAME,
    PATH_METRIC_DESCRIPTION,
    PATH_METRIC_UNIT,
    PATH_METRIC_TYPE,
    PATH_METRIC_TEMPORALITY,
    PATH_METRIC_MONOTONIC,
    PATH_DP_START_NANO,
    PATH_DP_TIME_NANO,
    PATH_DP_START_TIME,
    PATH_DP_TIME,
    PATH_DP_VALUE_DOUBLE,
    PATH_DP_VALUE_INT,
    PATH_DP_FLAGS,
    PATH_DP_COUNT,
    PATH_DP_SUM,
    PATH_DP_SCALE,
    PATH_DP_ZERO_COUNT,
} path_id;

/* What binding knows of a path. */
typedef struct path_def {
    int level;         /* ottl_context of the data */
    const char *name;  /* its fields after the context, dotted */
    path_id id;
    unsigned max_keys; /* indexes allowed on its last field */
    bool settable;
} path_def;

/*
 * Binds path node n (its segments) for a statement of context ctx: the
 * context prefix, the field, the keys. With infer, a path must name its
 * context. 0, or -1 with err.
 */
int ottl_bind_path(node *n, ottl_context ctx, const char *text, ottl_error *err);

/* The definition a bound path has. */
const path_def *ottl_path_def(const node *n);

/* A context named by a path's first field ("instrumentation_scope" is
 * the scope), or -1. */
int ottl_context_of_name(const char *s, size_t n);

/* Reads a bound path where e stands. 0, or -1 with e->err. */
int ottl_path_get(ottl_env *e, const node *n, value *out);
/* Sets it (set() and the editors that write a target). 0 or -1. A nil v
 * is not passed here: set() does nothing with nil. */
int ottl_path_set(ottl_env *e, const node *n, const value *v);

/* Whether a statement of context ctx reaches the data of level: its own,
 * the resource and scope, and the span of a span event or the metric of
 * a data point. */
bool ottl_context_reaches(int ctx, int level);

/* Log record, metric and data point fields (path_log.c, path_metric.c):
 * read where e stands (0 or -1), and set through the editor (0 or -1). */
int ottl_log_get(ottl_env *e, const node *n, value *out);
int ottl_log_set(ottl_env *e, const node *n, const value *v);
int ottl_metric_get(ottl_env *e, const node *n, value *out);
int ottl_metric_set(ottl_env *e, const node *n, const value *v);
/* Sets metric.aggregation_temporality or metric.is_monotonic, which live
 * in the metric's data message (fn_metric.c). 0 or -1. */
int ottl_metric_set_shape(ottl_env *e, path_id id, const value *v);

/* Reads an id as the collector does (all zero when absent) and as its
 * hex text; sets one from either (path_get.c, path_set.c). */
value ottl_id_value(pb_bytes id, vtype t);
int ottl_id_string(ottl_env *e, pb_bytes id, vtype t, value *out);
int ottl_id_bytes(ottl_env *e, const value *v, vtype t, bool text, uint8_t *out, size_t n);
/* A time value of type t (V_TIME) or the ns as an int. */
value ottl_time_value(vtype t, uint64_t ns);
/* The editor's answer to an edit: counted when it changed something. */
int ottl_edited(ottl_env *e, int rc);
/* Copies s where the current item's record keeps it (until the next
 * item). */
pb_bytes ottl_keep(ottl_env *e, pb_bytes s);
/* Fails unless v is of type t. */
int ottl_need(ottl_env *e, const value *v, vtype t);

/* Sets the current span's name (a string value). 0 or -1. */
int ottl_set_span_name(ottl_env *e, const value *v);

/* The attributes of a level as they stand (edits included), and the
 * editor target for them. 0, or -1 with e->err. */
int ottl_level_attrs(ottl_env *e, int level, otlp_list *out);
enum otlp_edit_target ottl_level_target(int level);

#endif /* OTTL_PATHS_H */
