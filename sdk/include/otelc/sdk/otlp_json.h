/*
 * otlp_json.h: OTLP/JSON for traces, metrics and logs, to and from the
 * protobuf wire form.
 *
 * Part of the otelc plugin SDK: pure functions, no global state.
 *
 * The JSON is the OTLP "JSON Protobuf Encoding" of an
 * opentelemetry.proto.collector.{trace,metrics,logs}.v1.Export*ServiceRequest:
 * proto3's JSON mapping with lowerCamelCase keys, trace and span ids as
 * hex (spans, links, log records, exemplars), enums as integers, 64-bit
 * integers as decimal strings, bytes as base64, NaN/Infinity/-Infinity as
 * strings, and default values left out (except the one member set in a
 * oneof, so {"intValue":"0"} and {"asDouble":0} stay, and a proto3
 * `optional` field that is present: a histogram's "sum":0).
 *
 * Each function below that takes no signal handles traces; its _signal
 * form takes an otelc_signal (OTELC_TRACES, OTELC_METRICS, OTELC_LOGS)
 * and behaves alike for that signal's request. A value that is none of
 * the three gives -EINVAL.
 *
 * The writer produces one canonical form: keys in field-number order, no
 * whitespace, lowercase hex, the shortest decimal that reads back to the
 * same double. Reading that form and writing it again gives the same bytes.
 *
 * Threading: every function is reentrant; distinct calls may run on any
 * threads at once. Numbers are formatted and parsed in the C locale
 * whatever the process's locale is.
 */
#ifndef OTELC_SDK_OTLP_JSON_H
#define OTELC_SDK_OTLP_JSON_H

#include <otelc/plugin.h>
#include <otelc/sdk/pbwire.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Deepest AnyValue nesting written or read: an attribute's value is at
 * depth 1, a value inside its arrayValue or kvlistValue at depth 2, and so
 * on. Deeper input fails with -ELOOP (writer) or an error (reader).
 */
#define OTLP_JSON_MAX_DEPTH 64

/*
 * A singular message field (resource, scope, status, a KeyValue's value)
 * that occurs several times in one message is merged, as protobuf-c
 * merges it. The writer merges at most this many occurrences (-E2BIG
 * past that); no real sender repeats a singular field at all.
 */
#define OTLP_JSON_MAX_MERGE 8

/*
 * The reader's memory for a request (its structs, lists and strings) may
 * reach this many times the JSON's length, plus 1 MiB. Real requests take
 * two to four times; a body made of empty objects or lists (three bytes
 * each, a struct of up to 200 bytes each) is refused with an error naming
 * the limit instead of costing a hundredfold.
 */
#define OTLP_JSON_MAX_EXPANSION 8

/* A growing byte buffer. Zero it to start; the caller frees `data`. */
struct otlp_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Frees b->data and zeroes *b. b may be NULL. */
void otlp_buf_free(struct otlp_buf *b);

/*
 * Receives the JSON in order, in chunks of any size (n > 0); `p` is valid
 * only during the call. Returns 0 to go on; any other value stops the
 * writer, which returns that value unchanged.
 */
typedef int (*otlp_json_sink)(void *ctx, const char *p, size_t n);

/*
 * Writes the JSON of the serialized request `pb` (`len` bytes) to `sink`.
 * `pb` is only read, and not kept. Allocates nothing; uses about 17 KiB
 * of stack plus 1.5 KiB per AnyValue nesting level (some 110 KiB at
 * OTLP_JSON_MAX_DEPTH).
 *
 * Returns 0, or:
 *   -EBADMSG  `pb` is not a well-formed request (truncated, bad varint,
 *             a known field with the wrong wire type);
 *   -EILSEQ   a string is not valid UTF-8;
 *   -ELOOP    AnyValue nesting deeper than OTLP_JSON_MAX_DEPTH;
 *   -E2BIG    a singular field repeated more than OTLP_JSON_MAX_MERGE times;
 *   the sink's own non-zero return value.
 * Unknown fields are skipped: JSON has no place for them. On error, what
 * the sink already received is an incomplete document; throw it away.
 */
int otlp_json_write(const uint8_t *pb, size_t len, otlp_json_sink sink, void *ctx);

/*
 * As otlp_json_write(), for a request held in `n` parts, each a complete
 * serialized ExportTraceServiceRequest (a batch's segments). The JSON is
 * that of their concatenation: one document whose resourceSpans are those
 * of every part, in order.
 */
int otlp_json_writev(const pb_bytes *parts, size_t n, otlp_json_sink sink, void *ctx);

/*
 * As otlp_json_write(), appending to `out` (which may hold data already;
 * it is grown with realloc and stays the caller's). The result is not
 * NUL-terminated. On error `out->len` is as it was before the call (the
 * buffer may have grown). Adds -ENOMEM to the errors above.
 */
int otlp_json_write_buf(const uint8_t *pb, size_t len, struct otlp_buf *out);

/* As otlp_json_writev(), appending to `out` as otlp_json_write_buf() does. */
int otlp_json_writev_buf(const pb_bytes *parts, size_t n, struct otlp_buf *out);

/* otlp_json_writev() and otlp_json_writev_buf() for a request of `signal`
 * (its parts each a complete Export*ServiceRequest of that signal). A
 * histogram's bucketCounts and explicitBounds are read packed or not. */
int otlp_json_writev_signal(otelc_signal signal, const pb_bytes *parts, size_t n,
                            otlp_json_sink sink, void *ctx);
int otlp_json_writev_signal_buf(otelc_signal signal, const pb_bytes *parts, size_t n,
                                struct otlp_buf *out);

/*
 * Reads the OTLP/JSON ExportTraceServiceRequest in `json` (`len` bytes,
 * UTF-8, need not be NUL-terminated) and serializes it as protobuf.
 *
 * Accepts what the OTLP specification allows a receiver to accept:
 * lowerCamelCase keys only (the original snake_case names are not valid
 * OTLP/JSON and, like every unknown key, are ignored); ids as hex in any
 * case (32 digits for trace ids, 16 for span ids, or "" for none); 64-bit
 * integers as strings or numbers; enums as integers, and leniently as their
 * names (SPAN_KIND_SERVER), which producers must not send; doubles as
 * numbers or the strings "NaN", "Infinity", "-Infinity"; bytes in standard
 * or URL-safe base64 with or without padding; null as "not set".
 * Refused besides malformed input: a string holding U+0000 (protobuf-c,
 * which packs the result, ends strings at NUL), two members of one oneof,
 * integers out of their field's range, 64-bit integers written as bare
 * JSON numbers above 2^63 - 1 (quote them), and a request that would take
 * more than OTLP_JSON_MAX_EXPANSION times its length in memory.
 *
 * On success returns 0 and sets *pb to a malloc'd buffer of *pb_len bytes
 * that the caller frees (an empty request gives a valid 1-byte buffer with
 * *pb_len == 0). On failure returns -EINVAL (invalid input) or -ENOMEM,
 * sets *pb to NULL and, when err_len > 0, writes a NUL-terminated message
 * to `err` naming the field path, e.g.
 *   "resourceSpans[0].scopeSpans[0].spans[3].traceId: expected 32 hex digits".
 * `json` is only read and not kept.
 */
int otlp_json_read(const char *json, size_t len, uint8_t **pb, size_t *pb_len, char *err,
                   size_t err_len);

/* otlp_json_read() of the Export*ServiceRequest of `signal`: metrics'
 * and logs' enums (AGGREGATION_TEMPORALITY_CUMULATIVE,
 * SEVERITY_NUMBER_INFO) read as integers or names alike, and the hex ids
 * of log records and exemplars as those of spans. */
int otlp_json_read_signal(otelc_signal signal, const char *json, size_t len, uint8_t **pb,
                          size_t *pb_len, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_JSON_H */
