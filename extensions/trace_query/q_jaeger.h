/*
 * q_jaeger.h: the Jaeger API's envelope, shared by its handlers
 * (q_jaeger.c, q_search.c, q_tempo.c). Query threads.
 */
#ifndef OTELC_TQ_Q_JAEGER_H
#define OTELC_TQ_Q_JAEGER_H

#include <stdbool.h>
#include <stddef.h>

#include "trace_query.h"
#include "qout.h"

/* Answers status with {"data":null,...,"errors":[{"code":status,"msg":msg}]}. */
void jaeger_fail(tq_query *q, otelc_http_req *req, int status, const char *msg);

/* Closes the "data" array opened by '{"data":[' and the envelope, with
 * total and errors (a JSON array text, or NULL for null). */
void jaeger_envelope_end(qout *o, size_t total, const char *errors);

/* The time range of a trace by id: Tempo's start and end (unix seconds;
 * absent: *start and *end stay, the lookback applies). Returns 0, or 400
 * with a reason in err. */
int trace_window(tq_query *q, otelc_http_req *req, int64_t *start, int64_t *end, char *err,
                 size_t n);

/* True when the request asks for protobuf (Accept: application/protobuf). */
bool wants_protobuf(tq_query *q, otelc_http_req *req);

#endif /* OTELC_TQ_Q_JAEGER_H */
