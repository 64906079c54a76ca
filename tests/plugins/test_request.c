/* test_request.c: a tiny protobuf encoder, just enough for test traffic. */
#include "test_request.h"

#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/pbwire.h>

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        uint8_t *grown = realloc(b->p, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_varint(buf *b, uint64_t v)
{
    uint8_t tmp[10];
    put(b, tmp, pb_write_varint(tmp, v));
}

static void put_bytes(buf *b, uint32_t field, const void *data, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | PB_LEN);
    put_varint(b, n);
    put(b, data, n);
}

static void put_fixed64(buf *b, uint32_t field, uint64_t v)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    put_varint(b, (uint64_t)field << 3 | PB_I64);
    put(b, le, 8);
}

/* Appends the message `inner` as field `field` of `outer` and resets inner. */
static void put_msg(buf *outer, uint32_t field, buf *inner)
{
    put_bytes(outer, field, inner->p, inner->len);
    outer->failed |= inner->failed;
    inner->len = 0;
}

static void put_be64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void put_span(buf *spans, buf *tmp, uint64_t seq, uint32_t i)
{
    uint8_t trace_id[16], span_id[8];
    put_be64(trace_id, seq + 1);
    put_be64(trace_id + 8, i / 4 + 1);
    put_be64(span_id, seq << 20 | (i + 1));
    buf attr = {0}, val = {0};
    put_varint(&val, 3 << 3 | PB_VARINT); /* int_value */
    put_varint(&val, i);
    put_bytes(&attr, 1, "test.index", 10);
    put_msg(&attr, 2, &val);

    put_bytes(tmp, 1, trace_id, 16);
    put_bytes(tmp, 2, span_id, 8);
    put_bytes(tmp, 5, "test-span", 9);
    put_varint(tmp, 6 << 3 | PB_VARINT);
    put_varint(tmp, 2); /* SERVER */
    put_fixed64(tmp, 7, 1700000000000000000ull + i);
    put_fixed64(tmp, 8, 1700000000000001000ull + i);
    put_msg(tmp, 9, &attr);
    put_msg(spans, 2, tmp);
    free(attr.p);
    free(val.p);
}

uint8_t *test_request_build(const char *service, uint32_t nspans, uint64_t seq, size_t *len)
{
    buf req = {0}, rs = {0}, res = {0}, kv = {0}, av = {0}, ss = {0}, tmp = {0};
    put_bytes(&av, 1, service, strlen(service));
    put_bytes(&kv, 1, "service.name", 12);
    put_msg(&kv, 2, &av);
    put_msg(&res, 1, &kv);
    put_msg(&rs, 1, &res);

    buf scope = {0};
    put_bytes(&scope, 1, "otelc-test", 10);
    put_msg(&ss, 1, &scope);
    for (uint32_t i = 0; i < nspans; i++)
        put_span(&ss, &tmp, seq, i);
    put_msg(&rs, 2, &ss);
    put_msg(&req, 1, &rs);

    int failed = req.failed | rs.failed | ss.failed | tmp.failed;
    free(rs.p);
    free(res.p);
    free(kv.p);
    free(av.p);
    free(ss.p);
    free(tmp.p);
    free(scope.p);
    if (failed) {
        free(req.p);
        return NULL;
    }
    *len = req.len;
    return req.p;
}
