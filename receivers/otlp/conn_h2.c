/*
 * conn_h2.c: nghttp2's callbacks, turning HTTP/2 events into gRPC call
 * steps. They run inside nghttp2_session_mem_recv/mem_send on the
 * connection's loop thread and never free the connection.
 */
#include "otlp_recv.h"

static otlp_stream *stream_of(nghttp2_session *h2, int32_t id)
{
    return nghttp2_session_get_stream_user_data(h2, id);
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
    otlp_conn *c = user;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    otlp_stream *s = stream_new(c, f->hd.stream_id);
    if (!s)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream */
    nghttp2_session_set_stream_user_data(h2, f->hd.stream_id, s);
    return 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
    otlp_stream *s = stream_of(h2, f->hd.stream_id);
    /* Trailers from a client carry nothing gRPC defines; ignore them. */
    if (!s || f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    return call_header(s, name, nlen, value, vlen) ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
    otlp_conn *c = user;
    otlp_stream *s = NULL;
    switch (f->hd.type) {
    case NGHTTP2_HEADERS:
        s = stream_of(h2, f->hd.stream_id);
        if (s && f->headers.cat == NGHTTP2_HCAT_REQUEST)
            call_headers_done(s);
        break;
    case NGHTTP2_DATA: s = stream_of(h2, f->hd.stream_id); break;
    case NGHTTP2_SETTINGS:
        if (!(f->hd.flags & NGHTTP2_FLAG_ACK))
            conn_client_settings(c);
        return 0;
    case NGHTTP2_PING:
        if (f->hd.flags & NGHTTP2_FLAG_ACK)
            c->ping_sent_ns = 0;
        else
            conn_client_ping(c);
        return 0;
    default: return 0;
    }
    if (s && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        call_request_done(s);
    return 0;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *user)
{
    otlp_stream *s = stream_of(h2, id);
    if (s)
        call_data(s, data, len);
    return 0;
}

/* Once the answer ended our side, the rest of an unread request body is
 * unwanted: RST_STREAM(NO_ERROR) tells the client to stop sending it. */
static int on_frame_send(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        !nghttp2_session_get_stream_remote_close(h2, f->hd.stream_id))
        nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, f->hd.stream_id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t code, void *user)
{
    otlp_stream *s = stream_of(h2, id);
    if (s) {
        nghttp2_session_set_stream_user_data(h2, id, NULL);
        stream_detach(s);
    }
    return 0;
}

nghttp2_session_callbacks *conn_h2_callbacks(void)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        return NULL;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    return cb;
}
