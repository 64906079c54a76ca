/*
 * qout.h: a query's answer as it is written: bytes gather in a buffer
 * and go out as one response when small, or as a chunked stream once
 * they outgrow the buffer, so a large trace is never held whole as text.
 * A qout without a request only gathers (to build a string).
 *
 * With JSON helpers: strings escaped (bytes that are not UTF-8 become
 * U+FFFD), ids as hex, integers, doubles, base64, and OTLP AnyValues.
 *
 * Threads: one qout is used by one thread at a time; the host's answer
 * functions it calls may run on any thread.
 */
#ifndef OTELC_TQ_QOUT_H
#define OTELC_TQ_QOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>

#define QOUT_CHUNK 65536

typedef struct qout {
    const otelc_host_api *api;
    otelc_http_req *req;  /* NULL: gather only */
    int status;
    const char *content_type; /* static string */
    char *buf;
    size_t len, cap;
    bool streaming;
    bool failed;          /* memory ran out: the answer is cut */
} qout;

/* Starts an answer to req with status and content type (both kept until
 * the end), or a gathering buffer when req is NULL. */
void qout_init(qout *o, const otelc_host_api *api, otelc_http_req *req, int status,
               const char *content_type);

/* Appends n bytes (copied). */
void qout_write(qout *o, const void *p, size_t n);

/* Appends a C string. */
void qout_puts(qout *o, const char *s);

/* Sends what is left and ends the answer (exactly once per answer), or,
 * gathering, leaves the bytes in o->buf for the caller; then frees. */
void qout_end(qout *o);

/* Frees a gathering qout's buffer. */
void qout_free(qout *o);

/* ---- JSON (jsonw.c) ---- */

void jw_string(qout *o, const void *p, size_t n); /* "..." escaped */
void jw_cstr(qout *o, const char *s);
void jw_bytes(qout *o, pb_bytes b); /* a string field as a JSON string */
void jw_hex(qout *o, const uint8_t *p, size_t n); /* "0a1b..." */
void jw_u64(qout *o, uint64_t v);
void jw_i64(qout *o, int64_t v);
void jw_u64_string(qout *o, uint64_t v); /* "123": 64-bit integers in OTLP/JSON */
void jw_double(qout *o, double v);      /* non-finite values as "NaN", "Infinity" */
void jw_base64(qout *o, const uint8_t *p, size_t n);

/* An AnyValue as native JSON: strings, numbers, booleans, arrays,
 * kvlists as objects, bytes as base64 strings, empty as null. */
void jw_any(qout *o, const otlp_anyvalue *v);

/* An AnyValue as plain text (unquoted): a string as is, numbers and
 * booleans as written in JSON, arrays and kvlists as their JSON. */
void jw_any_text(qout *o, const otlp_anyvalue *v);

/* A list of KeyValues as a JSON object {"key": value, ...}. */
void jw_attrs_object(qout *o, const otlp_list *attrs);

#endif /* OTELC_TQ_QOUT_H */
