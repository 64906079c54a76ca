/*
 * grpc_frame.h: the gRPC side of the example client, without I/O.
 *
 * Encoding a request body (5-byte prefix: a compressed flag and a
 * big-endian length, then the protobuf message, gzip'ed when asked),
 * reading the Export response (partial success), and turning what came
 * back (HTTP status, grpc-status, RST_STREAM code) into one gRPC status
 * code, as gRPC clients do. All functions are pure; an encoder belongs
 * to one thread at a time.
 */
#ifndef OTELC_CLIENT_GRPC_FRAME_H
#define OTELC_CLIENT_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>
#include <zlib.h>

#define GRPC_PREFIX_LEN 5
#define GRPC_EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* gRPC status codes used by name here. */
enum {
    GRPC_OK = 0, GRPC_CANCELLED = 1, GRPC_UNKNOWN = 2, GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4, GRPC_PERMISSION_DENIED = 7, GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13, GRPC_UNAVAILABLE = 14, GRPC_UNAUTHENTICATED = 16,
    GRPC_CODE_COUNT = 17,
};

/* A growable byte buffer; zero-initialised is empty. */
typedef struct grpc_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} grpc_buf;

/* Makes room for cap bytes (contents kept). Returns 0 or -1 (no memory). */
int grpc_buf_reserve(grpc_buf *b, size_t cap);
void grpc_buf_free(grpc_buf *b);

/* Scratch space and a gzip stream kept across requests. */
typedef struct grpc_encoder {
    grpc_buf packed;
    z_stream z;
    bool z_ready;
} grpc_encoder;

void grpc_encoder_init(grpc_encoder *e);
void grpc_encoder_free(grpc_encoder *e);

/*
 * Replaces out's contents with one gRPC message: the prefix and msg
 * packed (gzip'ed, flag 1, when gzip). out and e keep their memory for
 * the next call. Returns 0, or -1 when memory runs out or the message
 * would not fit the 32-bit length.
 */
int grpc_encode(grpc_encoder *e, const ProtobufCMessage *msg, bool gzip, grpc_buf *out);

void grpc_prefix_put(uint8_t out[GRPC_PREFIX_LEN], bool compressed, uint32_t len);

/*
 * Reads an Export response body (prefix and message, borrowed): stores
 * partial_success.rejected_spans in *rejected and its error_message,
 * NUL-terminated and cut to fit, in msg. Returns 0; 1 when the message is
 * compressed (nothing read); -1 when the body is not one well-formed
 * message. An empty body counts as a response without partial success.
 */
int grpc_parse_reply(const uint8_t *body, size_t n, int64_t *rejected, char *msg,
                     size_t msgcap);

/*
 * The call's gRPC code from what arrived: grpc_code (-1 if no grpc-status
 * came), http_status (0 if no response headers came), and whether and how
 * the stream was reset. Follows gRPC's HTTP/2 mapping.
 */
int grpc_outcome(int http_status, int grpc_code, bool reset, uint32_t rst_code);

/* A grpc-status header value ("0".."16") as a code; anything else UNKNOWN. */
int grpc_code_parse(const uint8_t *v, size_t n);

/* "OK", "UNAVAILABLE", ... (static); codes out of range read "UNKNOWN". */
const char *grpc_code_label(int code);

/*
 * Percent-decodes a grpc-message value into out (cap > 0), NUL-terminated
 * and cut to fit; bad escapes are kept as they are. Returns the length.
 */
size_t grpc_message_decode(const uint8_t *in, size_t n, char *out, size_t cap);

#endif /* OTELC_CLIENT_GRPC_FRAME_H */
