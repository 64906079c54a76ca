/* A small protobuf writer; see pbw.h. */
#include "pbw.h"

#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/pbwire.h>

/* Room kept for a nested message's length: 5 varint bytes cover 32 GiB. */
#define PBW_LEN_ROOM 5

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

void pbw_init(pbw *w)
{
    *w = (pbw){0};
}

void pbw_free(pbw *w)
{
    free(w->p);
    pbw_init(w);
}

void pbw_reset(pbw *w)
{
    w->len = 0;
    w->failed = false;
}

void pbw_truncate(pbw *w, size_t len)
{
    if (!w->failed && len <= w->len)
        w->len = len;
}

uint8_t *pbw_take(pbw *w, size_t *len)
{
    uint8_t *p = w->failed ? NULL : w->p;
    *len = w->failed ? 0 : w->len;
    if (w->failed)
        free(w->p);
    pbw_init(w);
    return p;
}

/* Makes room for n more bytes; false (and sticky failure) if it cannot. */
static bool room(pbw *w, size_t n)
{
    if (w->failed)
        return false;
    if (w->len + n <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
        cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (!p) {
        w->failed = true;
        return false;
    }
    w->p = p;
    w->cap = cap;
    return true;
}

static void put_varint(pbw *w, uint64_t v)
{
    if (room(w, 10))
        w->len += pb_write_varint(w->p + w->len, v);
}

static void put_tag(pbw *w, uint32_t field, int wire_type)
{
    put_varint(w, ((uint64_t)field << 3) | (uint64_t)wire_type);
}

static void put_le64(pbw *w, uint64_t v)
{
    if (!room(w, 8))
        return;
    for (int i = 0; i < 8; i++)
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

void pbw_raw(pbw *w, const void *data, size_t len)
{
    if (len && room(w, len)) {
        memcpy(w->p + w->len, data, len);
        w->len += len;
    }
}

void pbw_varint(pbw *w, uint32_t field, uint64_t v)
{
    put_tag(w, field, WT_VARINT);
    put_varint(w, v);
}

void pbw_sint32(pbw *w, uint32_t field, int32_t v)
{
    /* zigzag: small negative numbers stay short */
    uint32_t u = (uint32_t)v;
    uint32_t z = (u << 1) ^ (0u - (u >> 31));
    pbw_varint(w, field, z);
}

void pbw_fixed64(pbw *w, uint32_t field, uint64_t v)
{
    put_tag(w, field, WT_I64);
    put_le64(w, v);
}

static uint64_t double_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    return u;
}

void pbw_double(pbw *w, uint32_t field, double v)
{
    pbw_fixed64(w, field, double_bits(v));
}

void pbw_bytes(pbw *w, uint32_t field, const void *data, size_t len)
{
    put_tag(w, field, WT_LEN);
    put_varint(w, len);
    pbw_raw(w, data, len);
}

void pbw_str(pbw *w, uint32_t field, const char *s)
{
    pbw_bytes(w, field, s, strlen(s));
}

void pbw_packed_fixed64(pbw *w, uint32_t field, const uint64_t *v, size_t n)
{
    if (!n)
        return;
    put_tag(w, field, WT_LEN);
    put_varint(w, n * 8);
    for (size_t i = 0; i < n; i++)
        put_le64(w, v[i]);
}

void pbw_packed_double(pbw *w, uint32_t field, const double *v, size_t n)
{
    if (!n)
        return;
    put_tag(w, field, WT_LEN);
    put_varint(w, n * 8);
    for (size_t i = 0; i < n; i++)
        put_le64(w, double_bits(v[i]));
}

void pbw_packed_varint(pbw *w, uint32_t field, const uint64_t *v, size_t n)
{
    if (!n)
        return;
    size_t mark = pbw_open(w, field);
    for (size_t i = 0; i < n; i++)
        put_varint(w, v[i]);
    pbw_close(w, mark);
}

size_t pbw_open(pbw *w, uint32_t field)
{
    if (field)
        put_tag(w, field, WT_LEN);
    size_t mark = w->len;
    if (room(w, PBW_LEN_ROOM))
        w->len += PBW_LEN_ROOM;
    return mark;
}

void pbw_close(pbw *w, size_t mark)
{
    if (w->failed)
        return;
    size_t body = mark + PBW_LEN_ROOM;
    size_t blen = w->len - body;
    size_t vlen = pb_write_varint(w->p + mark, blen);
    memmove(w->p + mark + vlen, w->p + body, blen);
    w->len -= PBW_LEN_ROOM - vlen;
}
