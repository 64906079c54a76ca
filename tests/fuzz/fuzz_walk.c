/*
 * fuzz_walk.c: libFuzzer target for the OTLP walker, validation and split.
 *
 * Besides "no crash, no read out of bounds", it checks that the three
 * readers agree with each other and with protobuf-c:
 *  - whatever validation accepts, the walker reads to the end, counting the
 *    same spans, and protobuf-c decodes to the same span fields;
 *  - whatever the walker reads, the counter counts alike;
 *  - splitting succeeds exactly when counting does, covers every span once,
 *    and the pieces of a valid request are valid and hold the same span
 *    bytes in the same order.
 */
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_deep_walk.h"

#include <otelc/sdk/otlp_split.h>
#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/otlp_walk.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pc_request;
typedef Opentelemetry__Proto__Trace__V1__Span pc_span;

#define require(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            __builtin_trap();                                                              \
    } while (0)

/* The next span of a request, crossing resources and scopes. */
static int next_span(otlp_walker *w, otlp_span *sp)
{
    for (;;) {
        otlp_resource r;
        otlp_scope s;
        int rc = otlp_walk_span(w, sp);
        if (rc != 0)
            return rc;
        rc = otlp_walk_scope(w, &s);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        rc = otlp_walk_resource(w, &r);
        if (rc <= 0)
            return rc;
    }
}

static bool same_bytes(pb_bytes a, const uint8_t *p, size_t len)
{
    return a.len == len && (len == 0 || memcmp(a.ptr, p, len) == 0);
}

/* protobuf-c strings end at their first NUL; compare up to it. */
static bool same_string(pb_bytes a, const char *s)
{
    size_t n = strlen(s);
    bool has_nul = a.len && memchr(a.ptr, 0, a.len) != NULL;
    return (has_nul ? n <= a.len : n == a.len) && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* How often field `field` occurs at the top level of a message. */
static size_t occurrences(pb_bytes msg, uint32_t field)
{
    pb_cursor c = pb_cursor_of(msg.ptr, msg.len);
    uint32_t f;
    enum pb_wire_type wt;
    size_t n = 0;
    while (!pb_at_end(&c) && pb_read_tag(&c, &f, &wt) && pb_skip(&c, wt))
        n += f == field;
    return n;
}

static void check_span(const otlp_span *sp, const pc_span *pc)
{
    require(same_bytes(sp->trace_id, pc->trace_id.data, pc->trace_id.len));
    require(same_bytes(sp->span_id, pc->span_id.data, pc->span_id.len));
    require(same_bytes(sp->parent_span_id, pc->parent_span_id.data, pc->parent_span_id.len));
    require(same_string(sp->name, pc->name));
    require(same_string(sp->trace_state, pc->trace_state));
    require(sp->kind == (int32_t)pc->kind);
    require(sp->flags == pc->flags);
    require(sp->start_time_unix_nano == pc->start_time_unix_nano);
    require(sp->end_time_unix_nano == pc->end_time_unix_nano);
    require(sp->dropped_attributes_count == pc->dropped_attributes_count);
    /* protobuf-c merges a repeated Status differently from the protobuf
     * rules (it drops an earlier code), so only single ones are compared. */
    if (occurrences(sp->raw, 15) <= 1) {
        require(sp->status_code == (pc->status ? (int32_t)pc->status->code : 0));
        require(same_string(sp->status_message, pc->status ? pc->status->message : ""));
    }
}

/* Validated input: protobuf-c must decode it to the spans the walker saw. */
static void check_against_protobuf_c(const uint8_t *data, size_t size, size_t spans)
{
    pc_request *req =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, size, data);
    otlp_walker w;
    otlp_span sp;
    size_t seen = 0;
    require(req != NULL);
    otlp_walk_init(&w, data, size);
    for (size_t i = 0; i < req->n_resource_spans; i++)
        for (size_t j = 0; j < req->resource_spans[i]->n_scope_spans; j++) {
            const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss =
                req->resource_spans[i]->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++, seen++) {
                require(next_span(&w, &sp) == 1);
                check_span(&sp, ss->spans[k]);
            }
        }
    require(seen == spans && next_span(&w, &sp) == 0);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        req, NULL);
}

/* A valid request's piece: valid, and its spans are the original's next ones. */
static void check_piece(const uint8_t *piece, size_t len, size_t spans, otlp_walker *orig)
{
    otlp_walker w;
    otlp_span a, b;
    size_t n = 0;
    require(otlp_validate_request(piece, len, &n, NULL) == OTLP_OK && n == spans);
    otlp_walk_init(&w, piece, len);
    while (next_span(&w, &a) > 0) {
        require(next_span(orig, &b) == 1);
        require(same_bytes(a.raw, b.raw.ptr, b.raw.len));
    }
}

static void check_split(const uint8_t *data, size_t size, bool valid, bool countable,
                        size_t counted)
{
    size_t max_spans = size % 7, max_bytes = size % 3 ? 0 : 40 + size % 400, total = 0;
    otlp_splitter sp;
    otlp_piece p;
    otlp_walker orig;
    int rc;
    otlp_walk_init(&orig, data, size);
    otlp_split_init(&sp, data, size, max_spans, max_bytes);
    while ((rc = otlp_split_next(&sp, &p)) > 0) {
        uint8_t *out = malloc(p.size ? p.size : 1);
        require(out != NULL);
        require(p.spans > 0 && (!max_spans || p.spans <= max_spans));
        require(!max_bytes || p.spans == 1 || p.size <= max_bytes);
        require(otlp_piece_write(&p, out, p.size) == OTLP_OK);
        if (valid)
            check_piece(out, p.size, p.spans, &orig);
        total += p.spans;
        free(out);
    }
    require((rc == 0) == countable);
    require(rc != 0 || total == counted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t walked = 0, counted = 0, validated = 0;
    otlp_verror err;
    int wrc = fx_deep_walk(data, size, &walked);
    int crc = otlp_count_spans(data, size, &counted);
    int vrc = otlp_validate_request(data, size, &validated, &err);

    if (wrc == OTLP_OK)
        require(crc == OTLP_OK && counted == walked);
    if (vrc == OTLP_OK) {
        require(wrc == OTLP_OK && walked == validated);
        check_against_protobuf_c(data, size, validated);
    } else {
        require(err.status == vrc && err.reason != NULL);
        require(err.msg[0] != '\0' && strlen(err.msg) < sizeof err.msg);
    }
    check_split(data, size, vrc == OTLP_OK, crc == OTLP_OK, counted);
    return 0;
}
