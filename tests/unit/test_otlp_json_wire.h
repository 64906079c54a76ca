/*
 * test_otlp_json_wire.h: builds protobuf wire bytes field by field, so
 * tests can make what no encoder would (fields out of order, repeated
 * singular fields, unknown fields, malformed bytes). Fails the test on
 * allocation failure.
 */
#ifndef TEST_OTLP_JSON_WIRE_H
#define TEST_OTLP_JSON_WIRE_H

#include "test_otlp_json_util.h"

struct wire {
    uint8_t *p;
    size_t len;
    size_t cap;
};

static inline void w_raw(struct wire *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 64;
        w->p = realloc(w->p, w->cap);
        assert_non_null(w->p);
    }
    if (n)
        memcpy(w->p + w->len, p, n);
    w->len += n;
}

static inline void w_varint(struct wire *w, uint64_t v)
{
    uint8_t tmp[10];
    w_raw(w, tmp, pb_write_varint(tmp, v));
}

static inline void w_tag(struct wire *w, uint32_t num, enum pb_wire_type wt)
{
    w_varint(w, (uint64_t)num << 3 | wt);
}

static inline void f_varint(struct wire *w, uint32_t num, uint64_t v)
{
    w_tag(w, num, PB_VARINT);
    w_varint(w, v);
}

static inline void f_fixed64(struct wire *w, uint32_t num, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    w_tag(w, num, PB_I64);
    w_raw(w, b, 8);
}

static inline void f_double(struct wire *w, uint32_t num, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    f_fixed64(w, num, bits);
}

static inline void f_fixed32(struct wire *w, uint32_t num, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    w_tag(w, num, PB_I32);
    w_raw(w, b, 4);
}

static inline void f_bytes(struct wire *w, uint32_t num, const void *p, size_t n)
{
    w_tag(w, num, PB_LEN);
    w_varint(w, n);
    w_raw(w, p, n);
}

static inline void f_str(struct wire *w, uint32_t num, const char *s)
{
    f_bytes(w, num, s, strlen(s));
}

/* Embeds sub as field num and frees sub. */
static inline void f_msg(struct wire *w, uint32_t num, struct wire *sub)
{
    f_bytes(w, num, sub->p, sub->len);
    free(sub->p);
    memset(sub, 0, sizeof *sub);
}

/* request { resource_spans { scope_spans { spans: <span> } } }; frees span. */
static inline struct wire request_of_span(struct wire *span)
{
    struct wire ss = {0}, rs = {0}, req = {0};
    f_msg(&ss, 2, span);
    f_msg(&rs, 2, &ss);
    f_msg(&req, 1, &rs);
    return req;
}

/* A span holding one attribute "k" whose AnyValue is av; frees av. */
static inline struct wire span_with_value(struct wire *av)
{
    struct wire kv = {0}, span = {0};
    f_str(&kv, 1, "k");
    f_msg(&kv, 2, av);
    f_msg(&span, 9, &kv);
    return span;
}

#define SPAN_JSON_PREFIX "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
#define SPAN_JSON_SUFFIX "]}]}]}"

#endif /* TEST_OTLP_JSON_WIRE_H */
