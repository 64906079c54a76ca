/*
 * answer.c: statuses, Retry-After, partial success and google.rpc.Status.
 */
#include "answer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <otelc/sdk/pbwire.h>

#define NS_PER_S 1000000000LL
#define RETRY_AFTER_MAX_S (24 * 3600LL) /* a longer wait is taken as a day */

bool oh_status_retryable(long status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

static int64_t seconds_ns(long long s)
{
    if (s < 0)
        return 0;
    return (s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : s) * NS_PER_S;
}

int64_t oh_retry_after_ns(const char *value, int64_t now_real_ns)
{
    while (value && (*value == ' ' || *value == '\t'))
        value++;
    if (!value || !*value)
        return -1;
    char *end;
    long long s = strtoll(value, &end, 10);
    if (end != value && (*end == 0 || isspace((unsigned char)*end)))
        return seconds_ns(s);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!rest)
        return -1;
    long long at = (long long)timegm(&tm);
    return seconds_ns(at - now_real_ns / NS_PER_S);
}

/* Content-Type without its parameters, compared case-insensitively. */
static bool type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* Export{Trace,Metrics,Logs}ServiceResponse.partial_success (field 1):
 * rejected_spans, rejected_data_points or rejected_log_records (1, int64)
 * and error_message (2). */
static void partial_from_proto(const char *body, size_t len, oh_verdict *v)
{
    pb_cursor c = pb_cursor_of((const uint8_t *)body, len);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes ps = {0};
    while (pb_read_tag(&c, &field, &type)) {
        bool ok = field == 1 && type == PB_LEN ? pb_read_len(&c, &ps) : pb_skip(&c, type);
        if (!ok)
            return;
    }
    pb_cursor p = pb_cursor_of(ps.ptr, ps.len);
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

/* A JSON int64 is a string or a number. */
static int64_t json_int64(const json_t *j)
{
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    return json_is_string(j) ? strtoll(json_string_value(j), NULL, 10) : 0;
}

/* The same in OTLP/JSON: each response names its count after its items. */
static void partial_from_json(const char *body, size_t len, otelc_signal s, oh_verdict *v)
{
    const char *count = s == OTELC_METRICS ? "rejectedDataPoints"
                        : s == OTELC_LOGS  ? "rejectedLogRecords"
                                           : "rejectedSpans";
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *ps = root ? json_object_get(root, "partialSuccess") : NULL;
    if (ps) {
        v->rejected = json_int64(json_object_get(ps, count));
        const char *m = json_string_value(json_object_get(ps, "errorMessage"));
        if (m)
            snprintf(v->reason, sizeof(v->reason), "%s", m);
    }
    json_decref(root);
}

/* google.rpc.Status message (field 2), protobuf or JSON. */
static void status_message(const oh_response *r, char *out, size_t size)
{
    out[0] = 0;
    if (type_is(r->content_type, "application/json")) {
        json_t *root = json_loadb(r->body, r->body_len, 0, NULL);
        const char *m = json_string_value(json_object_get(root, "message"));
        if (m)
            snprintf(out, size, "%s", m);
        json_decref(root);
        return;
    }
    pb_cursor c = pb_cursor_of((const uint8_t *)r->body, r->body_len);
    uint32_t field;
    enum pb_wire_type type;
    pb_bytes msg;
    while (r->body_len && pb_read_tag(&c, &field, &type)) {
        if (field == 2 && type == PB_LEN && pb_read_len(&c, &msg)) {
            snprintf(out, size, "%.*s", (int)msg.len, (const char *)msg.ptr);
            return;
        }
        if (!pb_skip(&c, type))
            return;
    }
}

static void classify_failure(const oh_response *r, oh_verdict *v)
{
    char msg[384];
    status_message(r, msg, sizeof(msg));
    snprintf(v->reason, sizeof(v->reason), "HTTP %ld%s%s", r->status, msg[0] ? ", Message=" : "",
             msg);
    if (!oh_status_retryable(r->status)) {
        v->status = OTELC_REJECT;
        return;
    }
    v->status = OTELC_RETRY;
    /* Only the throttling answers carry a wait the collector honours. */
    if ((r->status == 429 || r->status == 503) && r->retry_after) {
        int64_t ns = oh_retry_after_ns(r->retry_after, r->now_real_ns);
        v->retry_after_ns = ns > 0 ? ns : 0;
    }
}

void oh_classify(const oh_response *r, oh_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (r->status < 200 || r->status > 299) {
        classify_failure(r, v);
        return;
    }
    v->status = OTELC_OK;
    if (!r->body || r->body_len == 0)
        return;
    if (type_is(r->content_type, "application/x-protobuf"))
        partial_from_proto(r->body, r->body_len, v);
    else if (type_is(r->content_type, "application/json"))
        partial_from_json(r->body, r->body_len, r->signal, v);
}
