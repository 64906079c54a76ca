/*
 * qout.c: gathering and streaming a query's answer.
 */
#include "qout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qout_init(qout *o, const otelc_host_api *api, otelc_http_req *req, int status,
               const char *content_type)
{
    memset(o, 0, sizeof(*o));
    o->api = api;
    o->req = req;
    o->status = status;
    o->content_type = content_type;
}

static void headers_of(const qout *o, const char *h[3])
{
    h[0] = "Content-Type";
    h[1] = o->content_type;
    h[2] = NULL;
}

/* Sends the buffer as a chunk, starting the stream first. */
static void flush_chunk(qout *o)
{
    if (!o->streaming) {
        const char *h[3];
        headers_of(o, h);
        o->api->http_stream_start(o->req, o->status, h);
        o->streaming = true;
    }
    if (o->len)
        o->api->http_stream_chunk(o->req, o->buf, o->len);
    o->len = 0;
}

static bool grow(qout *o, size_t want)
{
    size_t cap = o->cap ? o->cap : 4096;
    while (cap - o->len < want)
        cap *= 2;
    char *p = realloc(o->buf, cap + 1);
    if (!p) {
        o->failed = true;
        return false;
    }
    o->buf = p;
    o->cap = cap;
    return true;
}

void qout_write(qout *o, const void *p, size_t n)
{
    const char *src = p;
    while (n && !o->failed) {
        if (o->req && o->len == QOUT_CHUNK)
            flush_chunk(o);
        size_t room = o->req ? QOUT_CHUNK - o->len : n;
        size_t take = n < room ? n : room;
        if (o->cap - o->len < take && !grow(o, take))
            return;
        memcpy(o->buf + o->len, src, take);
        o->len += take;
        o->buf[o->len] = 0;
        src += take;
        n -= take;
    }
}

void qout_puts(qout *o, const char *s)
{
    qout_write(o, s, strlen(s));
}

void qout_end(qout *o)
{
    if (!o->req)
        return;
    if (o->streaming) {
        flush_chunk(o);
        o->api->http_stream_end(o->req);
    } else {
        const char *h[3];
        headers_of(o, h);
        if (o->failed)
            o->api->http_respond(o->req, 500, NULL, "out of memory\n", 14);
        else
            o->api->http_respond(o->req, o->status, h, o->buf ? o->buf : "", o->len);
    }
    qout_free(o);
    o->req = NULL;
}

void qout_free(qout *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}
