/*
 * grpc_frame.c: the gRPC length-prefixed message reader.
 */
#include "grpc_frame.h"

#include <stdlib.h>
#include <string.h>

void grpc_frame_init(grpc_frame_reader *r, size_t limit)
{
    memset(r, 0, sizeof(*r));
    r->limit = limit;
}

static int fail(grpc_frame_reader *r, int rc)
{
    r->error = rc;
    free(r->buf);
    r->buf = NULL;
    return rc;
}

/* The prefix is complete: check it and allocate the whole message once. */
static int take_prefix(grpc_frame_reader *r)
{
    if (r->prefix[0] > 1)
        return fail(r, GRPC_FRAME_BAD_FLAG);
    r->compressed = r->prefix[0] == 1;
    r->len = (uint32_t)r->prefix[1] << 24 | (uint32_t)r->prefix[2] << 16 |
             (uint32_t)r->prefix[3] << 8 | r->prefix[4];
    if (r->len > r->limit)
        return fail(r, GRPC_FRAME_TOO_BIG);
    if (r->len > 0) {
        r->buf = malloc(r->len);
        if (!r->buf)
            return fail(r, GRPC_FRAME_NOMEM);
    }
    return GRPC_FRAME_OK;
}

int grpc_frame_feed(grpc_frame_reader *r, const uint8_t *p, size_t n)
{
    if (r->error)
        return r->error;
    if (r->prefix_got < GRPC_PREFIX_LEN) {
        size_t k = GRPC_PREFIX_LEN - r->prefix_got;
        if (k > n)
            k = n;
        memcpy(r->prefix + r->prefix_got, p, k);
        r->prefix_got += k;
        p += k;
        n -= k;
        if (r->prefix_got < GRPC_PREFIX_LEN)
            return GRPC_FRAME_OK;
        int rc = take_prefix(r);
        if (rc)
            return rc;
    }
    size_t room = r->len - r->got;
    if (n > room)
        return fail(r, GRPC_FRAME_EXTRA);
    if (n) {
        memcpy(r->buf + r->got, p, n);
        r->got += n;
    }
    return GRPC_FRAME_OK;
}

int grpc_frame_finish(grpc_frame_reader *r, uint8_t **buf, size_t *len, bool *compressed)
{
    if (r->error)
        return r->error;
    if (r->prefix_got == 0)
        return fail(r, GRPC_FRAME_EMPTY);
    if (r->prefix_got < GRPC_PREFIX_LEN || r->got < r->len)
        return fail(r, GRPC_FRAME_TRUNCATED);
    *buf = r->buf;
    *len = r->len;
    *compressed = r->compressed;
    r->buf = NULL;
    return GRPC_FRAME_OK;
}

void grpc_frame_free(grpc_frame_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

const char *grpc_frame_strerror(int rc)
{
    switch (rc) {
    case GRPC_FRAME_OK: return "ok";
    case GRPC_FRAME_TOO_BIG: return "message larger than max_recv_msg_size_mib";
    case GRPC_FRAME_BAD_FLAG: return "invalid compressed-flag byte in message prefix";
    case GRPC_FRAME_EXTRA: return "more than one message in a unary request";
    case GRPC_FRAME_NOMEM: return "out of memory for the message";
    case GRPC_FRAME_TRUNCATED: return "request body ended inside a message";
    case GRPC_FRAME_EMPTY: return "request has no message";
    default: return "unknown framing error";
    }
}
