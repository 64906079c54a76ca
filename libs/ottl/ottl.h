/*
 * ottl.h: the OpenTelemetry Transformation Language of the collector's
 * filter, transform and tail sampling processors, for traces, metrics
 * and logs.
 *
 * Statements ("set(span.attributes[\"k\"], \"v\") where span.name ==
 * \"GET\"") and conditions (the where part alone) are parsed once, with
 * the collector's grammar, and bound to a context: the paths, enums and
 * functions a context offers are resolved then, so a statement that names
 * something unknown is refused before any data flows. They are evaluated
 * against the resource, scope, span, span event, log record, metric or
 * data point the SDK's OTLP editor
 * (otelc/sdk/otlp_edit.h) stands on: values are read from the wire bytes
 * and edits go through the editor, nothing is decoded into objects.
 *
 * The contexts are the collector's resource and scope (of every
 * signal), span and spanevent (traces), log (logs), metric and datapoint
 * (metrics). docs/ottl.md lists the paths and functions implemented and
 * those refused by name.
 *
 * OWNERSHIP. Compiled statements and conditions own copies of their text
 * and everything they need; free each with its free function. An env
 * (ottl_env) holds the scratch memory of evaluation and reuses it: values
 * made while a statement runs live until the next statement or condition
 * runs in that env, and the views handed to ottl_env_* are copied.
 *
 * THREADS. Compiled statements and conditions hold regex match data:
 * evaluate each on one thread at a time, with one env per thread (a
 * processor instance whose consume is not concurrent owns one of each).
 */
#ifndef OTTL_OTTL_H
#define OTTL_OTTL_H

#include <otelc/sdk/otlp_edit.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The contexts, lowest level last. New contexts are appended. */
typedef enum ottl_context {
    OTTL_CTX_RESOURCE = 0,
    OTTL_CTX_SCOPE = 1,
    OTTL_CTX_SPAN = 2,
    OTTL_CTX_SPANEVENT = 3,
    OTTL_CTX_LOG = 4,
    OTTL_CTX_METRIC = 5,
    OTTL_CTX_DATAPOINT = 6,
    OTTL_CTX_COUNT,
    /* compile: infer it from the paths, as the collector does, among the
     * contexts of traces, logs or metrics (ottl_infer_for) */
    OTTL_CTX_INFER = -1,
    OTTL_CTX_INFER_LOGS = -2,
    OTTL_CTX_INFER_METRICS = -3,
} ottl_context;

/* The OTTL_CTX_INFER* value of a signal. */
ottl_context ottl_infer_for(otelc_signal signal);

/* Whether context c belongs to signal s (resource and scope belong to
 * all three). */
bool ottl_context_in_signal(ottl_context c, otelc_signal s);

/* The collector's name of a context ("spanevent"). */
const char *ottl_context_name(ottl_context c);

/*
 * The context named `name` (case-insensitive, as the collector reads
 * it). Returns 0, -1 for a name the collector does not know either, or
 * -2 for a context the collector has and otelc does not offer
 * (exemplar, profile).
 */
int ottl_context_parse(const char *name, ottl_context *out);

/* What an evaluation error does (the processors' error_mode). */
typedef enum ottl_error_mode {
    OTTL_PROPAGATE = 0, /* the whole request fails */
    OTTL_IGNORE = 1,    /* logged; the next statement or condition runs */
    OTTL_SILENT = 2,    /* as ignore, not logged */
} ottl_error_mode;

/* "propagate", "ignore" or "silent", any case. 0, or -1. */
int ottl_error_mode_parse(const char *s, ottl_error_mode *out);

/* Why text did not compile: where in the text (1-based line and column,
 * in bytes) and what. */
typedef struct ottl_error {
    unsigned line, col;
    char msg[240];
} ottl_error;

typedef struct ottl_statement ottl_statement;
typedef struct ottl_condition ottl_condition;

/*
 * Compiles the n texts (NUL-terminated; copied) as statements of context
 * ctx into out[0..n), or with OTTL_CTX_INFER (traces), _INFER_LOGS or
 * _INFER_METRICS for the one context of that signal the collector would
 * infer from them all (their paths must name their context:
 * "span.name", "log.body", "resource.attributes[...]"). *used (may be NULL)
 * gets the context. Returns 0, or -1 with *err filled and *bad (may be
 * NULL) set to the index of the text at fault; nothing is left allocated
 * then.
 */
int ottl_compile_statements(const char *const *texts, size_t n, ottl_context ctx,
                            ottl_statement **out, ottl_context *used, ottl_error *err,
                            size_t *bad);

/* The same for conditions (boolean expressions, no editor). */
int ottl_compile_conditions(const char *const *texts, size_t n, ottl_context ctx,
                            ottl_condition **out, ottl_context *used, ottl_error *err,
                            size_t *bad);

/*
 * The context of `signal` the collector infers for a group of
 * statements and its conditions together (each text's paths must name
 * their context). 0 with *out, or -1 with *err and *bad the index of the
 * text at fault (statements first, then conditions).
 */
int ottl_infer_context(otelc_signal signal, const char *const *stmts, size_t nstmts,
                       const char *const *conds, size_t nconds, ottl_context *out,
                       ottl_error *err, size_t *bad);

void ottl_statement_free(ottl_statement *s);
void ottl_condition_free(ottl_condition *c);

/* The text a statement or condition was compiled from. */
const char *ottl_statement_text(const ottl_statement *s);
const char *ottl_condition_text(const ottl_condition *c);

/* ---- evaluation ---- */

typedef struct ottl_env ottl_env;

/* A new env, or NULL if memory ran out. */
ottl_env *ottl_env_new(void);
void ottl_env_free(ottl_env *e);

/*
 * Where evaluation stands: the editor (NULL to evaluate read-only: edits
 * then fail) and the views it handed out (copied). Entering a level
 * forgets the levels below it. Edits to attributes go through the editor
 * at that level (OTLP_EDIT_RESOURCE, ..._SCOPE, ..._SPAN, ..._EVENT,
 * ..._LOG, ..._METRIC, ..._DATAPOINT), which must still stand there when
 * statements run. A data point is entered below its metric.
 */
void ottl_env_resource(ottl_env *e, otlp_editor *ed, const otlp_resource *r);
void ottl_env_scope(ottl_env *e, const otlp_scope *s);
void ottl_env_span(ottl_env *e, const otlp_span *sp);
void ottl_env_event(ottl_env *e, const otlp_event *ev);
void ottl_env_log(ottl_env *e, const otlp_log *l);
void ottl_env_metric(ottl_env *e, const otlp_metric *m);
void ottl_env_datapoint(ottl_env *e, const otlp_datapoint *dp);

/* Evaluates c where e stands. 0 with *match set, or -1 (ottl_env_error
 * says why). */
int ottl_condition_eval(const ottl_condition *c, ottl_env *e, bool *match);

/* Runs s where e stands: its condition, then its editor if the condition
 * held. 0, or -1 (ottl_env_error says why; an edit may have been made). */
int ottl_statement_run(const ottl_statement *s, ottl_env *e);

/* The last error's message; "" when none. Valid until the next run. */
const char *ottl_env_error(const ottl_env *e);

/* Edits made through e since it was created (a counter: processors
 * compare it before and after a pass to know whether anything changed). */
uint64_t ottl_env_changes(const ottl_env *e);

/* True when the last error came from the editor running out of memory
 * (the request should be retried rather than refused). */
bool ottl_env_oom(const ottl_env *e);

/* The current time for Now(), in ns since the epoch; 0 (the default)
 * reads the real clock. For tests. */
void ottl_env_set_now(ottl_env *e, int64_t unix_nano);

#endif /* OTTL_OTTL_H */
