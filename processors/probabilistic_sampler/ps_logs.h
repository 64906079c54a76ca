/*
 * ps_logs.h: a log record through the sampler, as the collector's logs
 * processor reads and marks it: its trace id, its from_attribute (hashed
 * in hash_seed mode when the record has no trace id, or always with
 * attribute_source record), its sampling_priority attribute (a
 * percentage that replaces the mode's), and the sampling.randomness and
 * sampling.threshold string attributes that carry OTEP 235 information
 * for logs where spans have their tracestate.
 */
#ifndef PS_LOGS_H
#define PS_LOGS_H

#include <otelc/sdk/otlp_edit.h>

#include <attraction/value.h>

#include "decide.h"
#include "ps_config.h"

/*
 * The record's input to ps_decide. text holds from_attribute's text when
 * it is not a string or bytes (pcommon's AsString of a number or bool);
 * in views it and l, which must outlive it.
 */
void ps_log_input(const ps_settings *set, const otlp_log *l, attr_buf *text, ps_span_in *in);

/*
 * Writes what a kept record leaves with (v->rewrite): the
 * sampling.randomness and sampling.threshold attributes as v->ts has
 * them, where they differ from what in arrived with. Returns the changes
 * made (0 or more) or a negative OTLP_E* code.
 */
int ps_log_mark(otlp_editor *ed, const ps_span_in *in, const ps_verdict *v);

#endif /* PS_LOGS_H */
