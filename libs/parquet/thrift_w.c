/*
 * thrift_w.c: the Thrift compact protocol, writing side: just what the
 * Parquet footer, page headers and bloom filter headers use (structs,
 * lists, i32, i64, binary, bool).
 */
#include <string.h>

#include "pq_int.h"

/* Compact integers are zigzag varints, so small negatives stay short. */
static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

void tc_init(tc_writer *w, pq_buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

void tc_field(tc_writer *w, int16_t id, uint8_t type)
{
    int16_t delta = (int16_t)(id - w->last[w->depth]);
    if (delta > 0 && delta <= 15) {
        pq_buf_byte(w->out, (uint8_t)(delta << 4 | type));
    } else {
        pq_buf_byte(w->out, type);
        pq_buf_varint(w->out, zigzag(id));
    }
    w->last[w->depth] = id;
}

void tc_i32(tc_writer *w, int32_t v)
{
    pq_buf_varint(w->out, zigzag(v));
}

void tc_i64(tc_writer *w, int64_t v)
{
    pq_buf_varint(w->out, zigzag(v));
}

void tc_binary(tc_writer *w, const void *p, size_t n)
{
    pq_buf_varint(w->out, n);
    pq_buf_put(w->out, p, n);
}

void tc_list(tc_writer *w, uint8_t elem_type, uint32_t n)
{
    if (n < 15) {
        pq_buf_byte(w->out, (uint8_t)(n << 4 | elem_type));
        return;
    }
    pq_buf_byte(w->out, (uint8_t)(0xf0 | elem_type));
    pq_buf_varint(w->out, n);
}

void tc_field_i32(tc_writer *w, int16_t id, int32_t v)
{
    tc_field(w, id, TC_I32);
    tc_i32(w, v);
}

void tc_field_i64(tc_writer *w, int16_t id, int64_t v)
{
    tc_field(w, id, TC_I64);
    tc_i64(w, v);
}

void tc_field_bool(tc_writer *w, int16_t id, bool v)
{
    tc_field(w, id, v ? TC_TRUE : TC_FALSE);
}

void tc_field_binary(tc_writer *w, int16_t id, const void *p, size_t n)
{
    tc_field(w, id, TC_BINARY);
    tc_binary(w, p, n);
}

void tc_field_str(tc_writer *w, int16_t id, const char *s)
{
    tc_field_binary(w, id, s, strlen(s));
}

void tc_field_list(tc_writer *w, int16_t id, uint8_t elem_type, uint32_t n)
{
    tc_field(w, id, TC_LIST);
    tc_list(w, elem_type, n);
}

/* Nesting deeper than TC_MAX_DEPTH is a bug of this library's own
 * schemas, never of input: it is kept from overflowing all the same. */
void tc_struct_begin(tc_writer *w)
{
    if (w->depth + 1 < TC_MAX_DEPTH)
        w->depth++;
    w->last[w->depth] = 0;
}

void tc_field_struct(tc_writer *w, int16_t id)
{
    tc_field(w, id, TC_STRUCT);
    tc_struct_begin(w);
}

void tc_struct_end(tc_writer *w)
{
    pq_buf_byte(w->out, TC_STOP);
    if (w->depth > 0)
        w->depth--;
}

void tc_field_empty(tc_writer *w, int16_t id)
{
    tc_field_struct(w, id);
    tc_struct_end(w);
}
