/*
 * qparams.h: the query API's parameters, checked. Each reader takes the
 * parameter's name and value (NULL or "" when absent: the default holds)
 * and returns 0, or -1 with "bad parameter <name>: <why>" in err.
 * Pure; any thread.
 */
#ifndef OTELC_TQ_QPARAMS_H
#define OTELC_TQ_QPARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "jaeger.h"

/* A count in 1..max; dflt when absent. */
int qp_limit(const char *name, const char *v, size_t dflt, size_t max, size_t *out, char *err,
             size_t n);

/* A time: RFC 3339, or unix nanoseconds as an integer. *ns untouched when
 * absent. */
int qp_time(const char *name, const char *v, int64_t *ns, char *err, size_t n);

/* Jaeger's times: unix microseconds as an integer. */
int qp_time_us(const char *name, const char *v, int64_t *ns, char *err, size_t n);

/* A duration: Go's form ("1.5s", "100ms") or nanoseconds as an integer. */
int qp_duration(const char *name, const char *v, int64_t *ns, char *err, size_t n);

/* A trace id: 1 to 32 hex digits (shorter ids are left-padded with zeros,
 * as Jaeger prints them). Required: absent is an error. */
int qp_trace_id(const char *name, const char *v, uint8_t out[16], char *err, size_t n);

/* Search tags: a JSON object {"key": "value", ...} (numbers and booleans
 * taken as their text). On success *conds (free with qp_tags_free) holds
 * *count conditions; none when absent. */
int qp_tags(const char *name, const char *v, jaeger_tag_cond **conds, size_t *count, char *err,
            size_t n);

void qp_tags_free(jaeger_tag_cond *conds, size_t count);

#endif /* OTELC_TQ_QPARAMS_H */
