/*
 * answer.c: grpc-status, grpc-message, RetryInfo in grpc-status-details-bin,
 * the response message's framing and its partial_success.
 */
#include "answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <otelc/sdk/pbwire.h>

#include "config.h"
#include "frame.h"

#define NS_PER_S 1000000000LL
#define RETRY_DELAY_MAX_S (24 * 3600LL) /* a longer wait is taken as a day */
#define DETAILS_MAX 8192                /* bytes of grpc-status-details-bin kept */

void og_answer_init(og_answer *a)
{
    memset(a, 0, sizeof(*a));
    a->grpc_status = -1;
}

void og_answer_free(og_answer *a)
{
    free(a->details);
    free(a->msg);
    a->details = NULL;
    a->msg = NULL;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* grpc-message is percent-encoded UTF-8 (gRPC's HTTP/2 protocol). */
static void percent_decode(char *out, size_t cap, const uint8_t *v, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        int hi = i + 2 < n && v[i] == '%' ? hexval(v[i + 1]) : -1;
        int lo = hi >= 0 ? hexval(v[i + 2]) : -1;
        if (lo >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = v[i] < 0x20 ? ' ' : (char)v[i];
        }
    }
    out[o] = 0;
}

static bool name_is(const uint8_t *name, size_t nlen, const char *want)
{
    return nlen == strlen(want) && memcmp(name, want, nlen) == 0;
}

static int parse_small_int(const uint8_t *v, size_t n)
{
    int x = 0;
    if (n == 0 || n > 6)
        return -2;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -2;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

static void set_encoding(og_answer *a, const uint8_t *v, size_t n)
{
    if (n == 4 && memcmp(v, "gzip", 4) == 0)
        a->encoding = OG_GZIP;
    else if (n == 4 && memcmp(v, "zstd", 4) == 0)
        a->encoding = OG_ZSTD;
    else if (n == 8 && memcmp(v, "identity", 8) == 0)
        a->encoding = OG_NONE;
    else
        a->bad_encoding = true;
}

static void keep_details(og_answer *a, const uint8_t *v, size_t n)
{
    if (a->details || n > DETAILS_MAX)
        return;
    a->details = malloc(n + 1);
    if (!a->details)
        return;
    memcpy(a->details, v, n);
    a->details[n] = 0;
    a->details_len = n;
}

void og_answer_header(og_answer *a, const uint8_t *name, size_t nlen, const uint8_t *value,
                      size_t vlen)
{
    if (name_is(name, nlen, ":status"))
        a->http_status = parse_small_int(value, vlen);
    else if (name_is(name, nlen, "grpc-status"))
        a->grpc_status = parse_small_int(value, vlen);
    else if (name_is(name, nlen, "grpc-message"))
        percent_decode(a->message, sizeof(a->message), value, vlen);
    else if (name_is(name, nlen, "grpc-status-details-bin"))
        keep_details(a, value, vlen);
    else if (name_is(name, nlen, "grpc-encoding"))
        set_encoding(a, value, vlen);
    else if (name_is(name, nlen, "content-type"))
        a->grpc_content = vlen >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
                          (vlen == 16 || value[16] == '+' || value[16] == ';');
}

/* Takes the 5-byte prefix of the first message, then its bytes (up to
 * OG_ANSWER_MAX); returns how many of n it used. */
static size_t take_first(og_answer *a, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (a->prefix_have < 5 && used < n)
        a->prefix[a->prefix_have++] = p[used++];
    if (a->prefix_have < 5)
        return used;
    if (!a->msg && !a->msg_too_big) {
        og_frame_prefix_read(a->prefix, &a->msg_compressed, &a->msg_want);
        a->msg_too_big = a->msg_want > OG_ANSWER_MAX;
        a->msg = a->msg_too_big ? NULL : malloc(a->msg_want ? a->msg_want : 1);
        a->msg_too_big |= !a->msg;
    }
    size_t take = n - used;
    size_t left = a->msg_want - a->msg_len;
    take = take < left ? take : left;
    if (a->msg && take)
        memcpy(a->msg + a->msg_len, p + used, take);
    a->msg_len += take;
    a->msg_done = a->msg_len == a->msg_want;
    return used + take;
}

void og_answer_data(og_answer *a, const uint8_t *p, size_t n)
{
    if (!a->msg_done)
        (void)take_first(a, p, n);
    /* Unary: one message; anything after it is not ours to read. */
}

/* ---- google.rpc.Status details: RetryInfo ---- */

/* A cursor over b, which may be empty with no pointer at all. */
static pb_cursor cursor_of(const uint8_t *p, size_t n)
{
    static const uint8_t none[1];
    return p ? pb_cursor_of(p, n) : pb_cursor_of(none, 0);
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/* Base64, padded or not (gRPC senders drop the padding); -1 on a bad
 * character. out holds at least n bytes. */
static long b64_decode(const char *in, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        int v = b64val((uint8_t)in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* google.protobuf.Duration {1: seconds, 2: nanos} as ns, capped. */
static int64_t duration_ns(pb_bytes d)
{
    pb_cursor c = cursor_of(d.ptr, d.len);
    uint32_t field;
    enum pb_wire_type type;
    int64_t s = 0, ns = 0;
    while (pb_read_tag(&c, &field, &type)) {
        uint64_t v;
        if (type == PB_VARINT && pb_read_varint(&c, &v)) {
            if (field == 1)
                s = (int64_t)v;
            else if (field == 2)
                ns = (int32_t)(uint32_t)v;
        } else if (!pb_skip(&c, type)) {
            break;
        }
    }
    if (s < 0 || ns < 0)
        return 0;
    s = s > RETRY_DELAY_MAX_S ? RETRY_DELAY_MAX_S : s;
    return s * NS_PER_S + (ns < NS_PER_S ? ns : 0);
}

/* RetryInfo {1: retry_delay Duration}. */
static void retry_info(pb_bytes ri, og_verdict *v)
{
    pb_cursor c = cursor_of(ri.ptr, ri.len);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes d;
    v->retry_info = true;
    while (pb_read_tag(&c, &field, &type)) {
        bool ok = field == 1 && type == PB_LEN ? pb_read_len(&c, &d) : pb_skip(&c, type);
        if (!ok)
            return;
        if (field == 1 && type == PB_LEN)
            v->retry_after_ns = duration_ns(d);
    }
}

/* google.protobuf.Any {1: type_url, 2: value}. */
static void any_detail(pb_bytes any, og_verdict *v)
{
    static const char want[] = "type.googleapis.com/google.rpc.RetryInfo";
    pb_cursor c = cursor_of(any.ptr, any.len);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes url = {0}, value = {0}, b;
    while (pb_read_tag(&c, &field, &type)) {
        if (type != PB_LEN) {
            if (!pb_skip(&c, type))
                return;
            continue;
        }
        if (!pb_read_len(&c, &b))
            return;
        if (field == 1)
            url = b;
        else if (field == 2)
            value = b;
    }
    if (url.len == sizeof(want) - 1 && memcmp(url.ptr, want, url.len) == 0)
        retry_info(value, v);
}

/* google.rpc.Status {1: code, 2: message, 3: repeated Any details}. */
static void status_details(const og_answer *a, og_verdict *v, char *msg, size_t cap)
{
    uint8_t *raw = a->details ? malloc(a->details_len + 1) : NULL;
    long n = raw ? b64_decode(a->details, a->details_len, raw) : -1;
    pb_cursor c = cursor_of(raw, n > 0 ? (size_t)n : 0);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes b;
    while (n > 0 && pb_read_tag(&c, &field, &type)) {
        if (type != PB_LEN) {
            if (!pb_skip(&c, type))
                break;
            continue;
        }
        if (!pb_read_len(&c, &b))
            break;
        if (field == 3)
            any_detail(b, v);
        else if (field == 2 && !msg[0])
            snprintf(msg, cap, "%.*s", (int)b.len, (const char *)b.ptr);
    }
    free(raw);
}

/* ---- the verdict ---- */

bool og_code_retryable(int code, bool has_retry_info)
{
    switch (code) {
    case OG_CODE_CANCELLED:
    case OG_CODE_DEADLINE_EXCEEDED:
    case OG_CODE_ABORTED:
    case OG_CODE_OUT_OF_RANGE:
    case OG_CODE_UNAVAILABLE:
    case OG_CODE_DATA_LOSS:
        return true;
    case OG_CODE_RESOURCE_EXHAUSTED:
        return has_retry_info;
    default:
        return false;
    }
}

const char *og_code_name(int code, char *buf, size_t cap)
{
    static const char *const names[] = {
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
        "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
        "Unauthenticated"};
    if (code >= 0 && code <= OG_CODE_UNAUTHENTICATED)
        return names[code];
    snprintf(buf, cap, "Code(%d)", code);
    return buf;
}

int og_code_of_http(int s)
{
    switch (s) {
    case 400: return OG_CODE_INTERNAL;
    case 401: return OG_CODE_UNAUTHENTICATED;
    case 403: return OG_CODE_PERMISSION_DENIED;
    case 404: return OG_CODE_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return OG_CODE_UNAVAILABLE;
    default: return OG_CODE_UNKNOWN;
    }
}

int og_code_of_h2(uint32_t e)
{
    switch (e) {
    case 0x3: /* FLOW_CONTROL_ERROR */
    case 0xb: return OG_CODE_RESOURCE_EXHAUSTED; /* ENHANCE_YOUR_CALM */
    case 0x7: return OG_CODE_UNAVAILABLE;         /* REFUSED_STREAM: never processed */
    case 0x8: return OG_CODE_CANCELLED;
    case 0xc: return OG_CODE_PERMISSION_DENIED;   /* INADEQUATE_SECURITY */
    default: return OG_CODE_INTERNAL;
    }
}

static void set_reason(og_verdict *v, const char *desc)
{
    char buf[16];
    snprintf(v->reason, sizeof(v->reason), "rpc error: code = %s desc = %s",
             og_code_name(v->code, buf, sizeof(buf)), desc);
}

static void decide(og_verdict *v, const char *desc)
{
    if (v->code == OG_CODE_OK) {
        v->status = OTELC_OK;
        return;
    }
    v->status = og_code_retryable(v->code, v->retry_info) ? OTELC_RETRY : OTELC_REJECT;
    if (v->status != OTELC_RETRY)
        v->retry_after_ns = 0;
    set_reason(v, desc);
}

void og_verdict_local(og_verdict *v, int code, const char *desc)
{
    memset(v, 0, sizeof(*v));
    v->code = code;
    decide(v, desc);
}

/* The code and description when the server sent no grpc-status. */
static int code_without_status(const og_answer *a, uint32_t h2_error, char *desc, size_t cap)
{
    if (h2_error) {
        snprintf(desc, cap, "stream terminated by RST_STREAM with error code: %u", h2_error);
        return og_code_of_h2(h2_error);
    }
    if (a->http_status != 200) {
        snprintf(desc, cap, "unexpected HTTP status code received from server: %d",
                 a->http_status);
        return a->http_status > 0 ? og_code_of_http(a->http_status) : OG_CODE_INTERNAL;
    }
    snprintf(desc, cap, "server closed the stream without sending trailers");
    return OG_CODE_INTERNAL;
}

/* Export{Trace,Metrics,Logs}ServiceResponse.partial_success (field 1):
 * rejected_spans, rejected_data_points or rejected_log_records (1, int64)
 * and error_message (2). */
static void partial_success(const uint8_t *m, size_t len, og_verdict *v)
{
    pb_cursor c = cursor_of(m, len);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes ps = {0};
    while (pb_read_tag(&c, &field, &type)) {
        bool ok = field == 1 && type == PB_LEN ? pb_read_len(&c, &ps) : pb_skip(&c, type);
        if (!ok)
            return;
    }
    pb_cursor p = cursor_of(ps.ptr, ps.len);
    while (ps.len && pb_read_tag(&p, &field, &type)) {
        uint64_t n;
        pb_bytes msg;
        if (field == 1 && type == PB_VARINT && pb_read_varint(&p, &n))
            v->rejected = (int64_t)n;
        else if (field == 2 && type == PB_LEN && pb_read_len(&p, &msg))
            snprintf(v->reason, sizeof(v->reason), "%.*s", (int)msg.len, (const char *)msg.ptr);
        else if (!pb_skip(&p, type))
            return;
    }
}

/* The response message of an OK call, inflated when compressed. A message
 * that cannot be read is no reason to fail a call the server took. */
static void read_response(const og_answer *a, og_verdict *v)
{
    if (!a->msg_done || !a->msg || a->msg_too_big)
        return;
    if (!a->msg_compressed) {
        partial_success(a->msg, a->msg_len, v);
        return;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (a->bad_encoding || a->encoding == OG_NONE ||
        og_inflate(a->encoding, a->msg, a->msg_len, OG_ANSWER_MAX, &out, &out_len) != 0)
        return;
    partial_success(out, out_len, v);
    free(out);
}

void og_answer_verdict(og_answer *a, uint32_t h2_error, og_verdict *v)
{
    char desc[400];
    memset(v, 0, sizeof(*v));
    if (a->grpc_status < 0) {
        v->code = code_without_status(a, h2_error, desc, sizeof(desc));
        decide(v, desc);
        return;
    }
    v->code = a->grpc_status;
    snprintf(desc, sizeof(desc), "%s", a->message);
    if (v->code != OG_CODE_OK) {
        status_details(a, v, desc, sizeof(desc));
        decide(v, desc);
        return;
    }
    v->status = OTELC_OK;
    read_response(a, v);
}
