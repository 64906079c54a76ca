/*
 * answer.c: gRPC responses. A success is headers, the empty
 * ExportTraceServiceResponse as one 5-byte message, then trailers; a
 * failure is trailers-only (one HEADERS frame ending the stream).
 */
#include <stdio.h>
#include <string.h>

#include "grpc_status.h"
#include "otlp_recv.h"

#define NV(n, v)                                                                   \
    {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1,                 \
     NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE}

static const nghttp2_nv ok_headers[] = {
    NV(":status", "200"),
    NV("content-type", "application/grpc"),
    NV("grpc-accept-encoding", "gzip,zstd"),
};
static const nghttp2_nv ok_trailers[] = {NV("grpc-status", "0")};

/* An empty protobuf message, uncompressed: flag 0, length 0. */
static const uint8_t empty_response[GRPC_PREFIX_LEN];

static ssize_t response_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t length,
                             uint32_t *flags, nghttp2_data_source *src, void *user)
{
    otlp_stream *s = src->ptr;
    size_t n = sizeof(empty_response) - s->resp_sent;
    if (n > length)
        n = length;
    memcpy(buf, empty_response + s->resp_sent, n);
    s->resp_sent += n;
    if (s->resp_sent == sizeof(empty_response)) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        if (nghttp2_submit_trailer(h2, id, ok_trailers, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)n;
}

/* Marks s answered and gives back what it held; false if it was already
 * answered or has no connection left. */
bool stream_settle(otlp_stream *s)
{
    otlp_conn *c = s->conn;
    if (s->answered || !c)
        return false;
    s->answered = true;
    conn_held_release(c, &s->held);
    grpc_frame_free(&s->rd);
    hx_free(&s->hx);
    if (s->awaiting) {
        s->awaiting = false;
        c->awaiting--;
    }
    c->ping_strikes = 0;
    return true;
}

static void submit(otlp_stream *s, const nghttp2_nv *nv, size_t n, nghttp2_data_provider *body)
{
    nghttp2_session *h2 = s->conn->h2;
    if (nghttp2_submit_response(h2, s->id, nv, n, body) != 0)
        nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

static void error_headers(nghttp2_nv *nv, const char *status, const char *code, char *msg,
                          size_t msglen)
{
    nv[0] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)status, 7, strlen(status),
                         NGHTTP2_NV_FLAG_NONE};
    nv[1] = ok_headers[1];
    nv[2] = ok_headers[2];
    nv[3] = (nghttp2_nv){(uint8_t *)"grpc-status", (uint8_t *)code, 11, strlen(code),
                         NGHTTP2_NV_FLAG_NONE};
    nv[4] = (nghttp2_nv){(uint8_t *)"grpc-message", (uint8_t *)msg, 12, msglen,
                         NGHTTP2_NV_FLAG_NONE};
}

void answer_status(otlp_stream *s, int code, const char *msg)
{
    if (!stream_settle(s))
        return;
    if (code == GRPC_OK) {
        nghttp2_data_provider body = {.source.ptr = s, .read_callback = response_read};
        submit(s, ok_headers, 3, &body);
        return;
    }
    char enc[512], num[12];
    nghttp2_nv nv[5];
    size_t len = grpc_message_encode(msg ? msg : "", enc, sizeof(enc));
    snprintf(num, sizeof(num), "%d", code);
    error_headers(nv, "200", num, enc, len);
    submit(s, nv, len ? 5 : 4, NULL);
}

void answer_http(otlp_stream *s, int http_status, const char *msg)
{
    if (!stream_settle(s))
        return;
    char enc[256], num[12], status[8];
    nghttp2_nv nv[5];
    size_t len = grpc_message_encode(msg, enc, sizeof(enc));
    snprintf(status, sizeof(status), "%d", http_status);
    snprintf(num, sizeof(num), "%d", GRPC_INTERNAL);
    error_headers(nv, status, num, enc, len);
    nv[1] = (nghttp2_nv){(uint8_t *)"content-type", (uint8_t *)"text/plain", 12, 10,
                         NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    submit(s, nv, 5, NULL);
}
