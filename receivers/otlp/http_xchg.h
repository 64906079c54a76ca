/*
 * http_xchg.h: one OTLP/HTTP export, whatever carries it (HTTP/1.1 or an
 * h2 stream).
 *
 * The transport feeds the request in: method, target, headers, body
 * pieces. The target's path says the signal (traces_path, metrics_path,
 * logs_path of the options); a path of a signal not served is no path at
 * all, as in the collector. The exchange decides, as early as it can,
 * whether the request is refused (wrong path 404, method 405,
 * Content-Type 415, encoding 400, body over max_request_body_size 413)
 * and then turns the body into a validated Export*ServiceRequest of that
 * signal: decompressed with the size limit applied to the result,
 * OTLP/JSON read into protobuf, checked whole. The transport then emits
 * it and answers with hx_answer_outcome().
 *
 * Pure: no I/O, no globals. One exchange per request, one thread at a
 * time. Every answer is written into an http_answer the caller provides.
 */
#ifndef OTELC_OTLP_HTTP_XCHG_H
#define OTELC_OTLP_HTTP_XCHG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "http_answer.h"
#include "otlp_config.h"

typedef struct http_xchg {
    const otlp_http_opts *opt; /* borrowed; outlives the exchange */
    size_t limit;              /* body bytes, before and after decompression */
    bool post, on_path, saw_length;
    otelc_signal signal;       /* of the path, when on_path */
    bool type_known;           /* Content-Type is protobuf or JSON */
    http_body_kind kind;       /* how answers are encoded */
    int enc;                   /* grpc_encoding of Content-Encoding */
    uint64_t declared;         /* Content-Length, when saw_length */
    uint8_t *body;             /* owned until hx_finish hands it on */
    size_t len, cap;
} http_xchg;

/* What hx_finish did. */
typedef enum hx_result {
    HX_EMIT = 0,     /* *pb holds a request with spans to hand on */
    HX_ANSWERED = 1, /* the answer is in *a; nothing to emit */
} hx_result;

/* How long a body may trickle before min_body_rate applies. */
#define HX_BODY_GRACE_NS (INT64_C(10) * 1000000000)

/*
 * When a request still being received is cut (monotonic ns; OTLP_NEVER:
 * never): read_timeout after its first byte (begin_ns), or, once its
 * headers are in (body_ns > 0), when its body has averaged less than
 * min_body_rate since then, after a grace of HX_BODY_GRACE_NS. got is the
 * body bytes received so far; every byte moves the second deadline later,
 * so a large body on a slow but honest link is never cut. Pure.
 */
int64_t hx_read_deadline(const otlp_http_opts *o, int64_t begin_ns, int64_t body_ns,
                         uint64_t got);

/* Starts an exchange; limit is max_request_body_size. */
void hx_init(http_xchg *x, const otlp_http_opts *opt, size_t limit);

/* The request method and target (origin- or absolute-form; a query part
 * is ignored). n bytes, borrowed, not NUL-terminated. The target is on a
 * path when it is the path of a signal the options serve. */
void hx_method(http_xchg *x, const char *m, size_t n);
void hx_target(http_xchg *x, const char *t, size_t n);

/* One request header, names in any case; Content-Type, Content-Encoding
 * and Content-Length are read, the rest ignored. Borrowed bytes. */
void hx_header(http_xchg *x, const char *name, size_t nlen, const char *value, size_t vlen);

/*
 * Judges the request once its headers are complete; draining, or a
 * pipeline known to be full, refuses it (503). Returns true with the refusal in *a, or false: go on and send
 * the body. A known Content-Length within the limit is allocated here (up
 * to 1 MiB; the rest when the body passes that), so the body lands in the
 * buffer that is later handed on without a copy.
 */
bool hx_head_check(http_xchg *x, bool draining, bool full, http_answer *a);

/* Adds n body bytes (borrowed). Returns true with the refusal in *a when
 * the body passes the limit (413) or memory ran out (503). */
bool hx_body(http_xchg *x, const uint8_t *p, size_t n, http_answer *a);

/*
 * Ends the body and decodes it. HX_EMIT: *pb is a malloc'd, validated
 * Export*ServiceRequest of x->signal, *len bytes with *items > 0 items
 * (spans, data points, log records); the caller owns it. HX_ANSWERED: *a
 * holds the answer (200 for a request without items, 400 for
 * undecodable or invalid data, 413 past the limit after decompression).
 * Either way the exchange owns nothing afterwards.
 */
hx_result hx_finish(http_xchg *x, uint8_t **pb, size_t *len, size_t *items, http_answer *a);

/* The answer to a pipeline outcome: OK 200, RETRY 503 with Retry-After,
 * REJECT 400; draining says the receiver is stopping. */
void hx_answer_outcome(const http_xchg *x, otelc_status st, bool draining, http_answer *a);

/* Frees what the exchange still owns; it may be re-initialised. */
void hx_free(http_xchg *x);

/* Classifies a Content-Type value (parameters ignored): protobuf, JSON,
 * or HTTP_BODY_TEXT for anything else. Exposed for tests. */
http_body_kind hx_content_kind(const char *v, size_t n);

#endif /* OTELC_OTLP_HTTP_XCHG_H */
