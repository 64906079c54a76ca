/*
 * grpc_frame.c: gRPC message framing, response reading and status mapping
 * for the example client.
 */
#include "grpc_frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

int grpc_buf_reserve(grpc_buf *b, size_t cap)
{
    if (cap <= b->cap)
        return 0;
    size_t want = b->cap ? b->cap : 4096;
    while (want < cap)
        want *= 2;
    uint8_t *p = realloc(b->data, want);
    if (!p)
        return -1;
    b->data = p;
    b->cap = want;
    return 0;
}

void grpc_buf_free(grpc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void grpc_encoder_init(grpc_encoder *e)
{
    memset(e, 0, sizeof(*e));
}

void grpc_encoder_free(grpc_encoder *e)
{
    if (e->z_ready)
        deflateEnd(&e->z);
    grpc_buf_free(&e->packed);
    memset(e, 0, sizeof(*e));
}

void grpc_prefix_put(uint8_t out[GRPC_PREFIX_LEN], bool compressed, uint32_t len)
{
    out[0] = compressed ? 1 : 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

/* gzip (RFC 1952) of e->packed into out after the prefix. */
static int gzip_into(grpc_encoder *e, grpc_buf *out)
{
    if (!e->z_ready) {
        if (deflateInit2(&e->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return -1;
        e->z_ready = true;
    } else if (deflateReset(&e->z) != Z_OK) {
        return -1;
    }
    uLong bound = deflateBound(&e->z, (uLong)e->packed.len);
    if (grpc_buf_reserve(out, GRPC_PREFIX_LEN + bound))
        return -1;
    e->z.next_in = e->packed.data;
    e->z.avail_in = (uInt)e->packed.len;
    e->z.next_out = out->data + GRPC_PREFIX_LEN;
    e->z.avail_out = (uInt)bound;
    if (deflate(&e->z, Z_FINISH) != Z_STREAM_END)
        return -1;
    out->len = GRPC_PREFIX_LEN + e->z.total_out;
    return 0;
}

int grpc_encode(grpc_encoder *e, const ProtobufCMessage *msg, bool gzip, grpc_buf *out)
{
    size_t size = protobuf_c_message_get_packed_size(msg);

    if (size > UINT32_MAX - 1024)
        return -1;
    if (!gzip) {
        if (grpc_buf_reserve(out, GRPC_PREFIX_LEN + size))
            return -1;
        protobuf_c_message_pack(msg, out->data + GRPC_PREFIX_LEN);
        out->len = GRPC_PREFIX_LEN + size;
        grpc_prefix_put(out->data, false, (uint32_t)size);
        return 0;
    }
    if (grpc_buf_reserve(&e->packed, size))
        return -1;
    e->packed.len = protobuf_c_message_pack(msg, e->packed.data);
    if (gzip_into(e, out))
        return -1;
    grpc_prefix_put(out->data, true, (uint32_t)(out->len - GRPC_PREFIX_LEN));
    return 0;
}

int grpc_parse_reply(const uint8_t *body, size_t n, int64_t *rejected, char *msg,
                     size_t msgcap)
{
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r;

    *rejected = 0;
    if (msgcap)
        msg[0] = '\0';
    if (n == 0)
        return 0;
    if (n < GRPC_PREFIX_LEN || body[0] > 1)
        return -1;
    uint32_t len = (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 |
                   (uint32_t)body[3] << 8 | body[4];
    if (len != n - GRPC_PREFIX_LEN)
        return -1;
    if (body[0] == 1)
        return 1;
    r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
        NULL, len, body + GRPC_PREFIX_LEN);
    if (!r)
        return -1;
    if (r->partial_success) {
        *rejected = r->partial_success->rejected_spans;
        if (msgcap)
            snprintf(msg, msgcap, "%s", r->partial_success->error_message);
    }
    opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
        r, NULL);
    return 0;
}

static int code_from_http(int http_status)
{
    switch (http_status) {
    case 400: return GRPC_INTERNAL;
    case 401: return GRPC_UNAUTHENTICATED;
    case 403: return GRPC_PERMISSION_DENIED;
    case 404: return GRPC_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return GRPC_UNAVAILABLE;
    default: return GRPC_UNKNOWN;
    }
}

static int code_from_rst(uint32_t h2_error)
{
    switch (h2_error) {
    case 0x7: return GRPC_UNAVAILABLE;          /* REFUSED_STREAM: safe to retry */
    case 0x8: return GRPC_CANCELLED;            /* CANCEL */
    case 0xb: return GRPC_RESOURCE_EXHAUSTED;   /* ENHANCE_YOUR_CALM */
    case 0xc: return GRPC_PERMISSION_DENIED;    /* INADEQUATE_SECURITY */
    default: return GRPC_INTERNAL;
    }
}

int grpc_outcome(int http_status, int grpc_code, bool reset, uint32_t rst_code)
{
    if (grpc_code >= 0)
        return grpc_code;
    if (http_status != 0 && http_status != 200)
        return code_from_http(http_status);
    if (reset)
        return code_from_rst(rst_code);
    /* A 200 without grpc-status is a broken server; nothing at all, a lost one. */
    return http_status == 200 ? GRPC_INTERNAL : GRPC_UNAVAILABLE;
}

int grpc_code_parse(const uint8_t *v, size_t n)
{
    int code = 0;

    if (n == 0 || n > 2)
        return GRPC_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return GRPC_UNKNOWN;
        code = code * 10 + (v[i] - '0');
    }
    return code < GRPC_CODE_COUNT ? code : GRPC_UNKNOWN;
}

const char *grpc_code_label(int code)
{
    static const char *const NAMES[GRPC_CODE_COUNT] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    return code >= 0 && code < GRPC_CODE_COUNT ? NAMES[code] : "UNKNOWN";
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t grpc_message_decode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        int hi = -1, lo = -1;
        if (in[i] == '%' && i + 2 < n) {
            hi = hex_value(in[i + 1]);
            lo = hex_value(in[i + 2]);
        }
        if (hi >= 0 && lo >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = (char)in[i];
        }
    }
    out[o] = '\0';
    return o;
}
