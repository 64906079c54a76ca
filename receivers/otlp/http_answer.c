/*
 * http_answer.c: OTLP/HTTP answer bodies.
 */
#include "http_answer.h"

#include <stdio.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"

static const char *const type_of[] = {
    [HTTP_BODY_TEXT] = "text/plain; charset=utf-8",
    [HTTP_BODY_PROTO] = "application/x-protobuf",
    [HTTP_BODY_JSON] = "application/json",
};

static void reset(http_answer *a, http_body_kind kind, int status)
{
    a->status = status;
    a->content_type = type_of[kind];
    a->retry_after = status == 503;
    a->allow_post = status == 405;
    a->len = 0;
}

void http_answer_ok(http_answer *a, http_body_kind kind)
{
    static const uint8_t pb[] = {0x0a, 0x00}; /* partial_success, empty */
    static const char js[] = "{\"partialSuccess\":{}}";
    reset(a, kind == HTTP_BODY_JSON ? HTTP_BODY_JSON : HTTP_BODY_PROTO, 200);
    if (kind == HTTP_BODY_JSON) {
        a->len = sizeof(js) - 1;
        memcpy(a->body, js, a->len);
    } else {
        a->len = sizeof(pb);
        memcpy(a->body, pb, a->len);
    }
}

/* Copies msg into out (cap bytes, NUL-terminated) as printable ASCII. */
static size_t clean(const char *msg, char *out, size_t cap)
{
    size_t n = 0;
    for (; msg && *msg && n + 1 < cap; msg++) {
        unsigned char ch = (unsigned char)*msg;
        out[n++] = ch >= ' ' && ch < 0x7f ? (char)ch : '?';
    }
    out[n] = '\0';
    return n;
}

/* Writes {"code":N,"message":"msg"} into body (cap bytes), escaping what
 * JSON requires; msg is printable ASCII already. Returns its length. */
static size_t json_status(uint8_t *body, size_t cap, int code, const char *msg)
{
    int n = snprintf((char *)body, cap, "{\"code\":%d", code);
    size_t len = n > 0 ? (size_t)n : 0;
    if (*msg) {
        static const char key[] = ",\"message\":\"";
        for (const char *k = key; *k; k++)
            body[len++] = (uint8_t)*k;
        /* Room is kept for the closing "}" and one escape. */
        for (; *msg && len + 4 < cap; msg++) {
            if (*msg == '"' || *msg == '\\')
                body[len++] = '\\';
            body[len++] = (uint8_t)*msg;
        }
        body[len++] = '"';
    }
    body[len++] = '}';
    return len;
}

void http_answer_error(http_answer *a, http_body_kind kind, int status, int grpc_code,
                       const char *msg)
{
    /* Room for the framing around the message in every encoding. */
    char text[HTTP_ANSWER_BODY_MAX / 2];
    size_t n = clean(msg, text, sizeof(text));
    reset(a, kind, status);
    if (kind == HTTP_BODY_PROTO) {
        Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
        st.code = grpc_code;
        st.message = text;
        a->len = google__rpc__status__pack(&st, a->body);
    } else if (kind == HTTP_BODY_JSON) {
        a->len = json_status(a->body, sizeof(a->body), grpc_code, text);
    } else {
        memcpy(a->body, text, n);
        a->body[n] = '\n';
        a->len = n + 1;
    }
}

const char *http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}
