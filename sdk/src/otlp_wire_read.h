/*
 * otlp_wire_read.h: field readers that check the wire type first, shared
 * by the SDK's walkers (traces in otlp_walk.c, metrics and logs in
 * otlp_walk_signals.c). Private to the SDK. Each returns OTLP_OK,
 * OTLP_EWIRETYPE for a known field of the wrong wire type, or
 * OTLP_EMALFORMED.
 */
#ifndef OTELC_SDK_OTLP_WIRE_READ_H
#define OTELC_SDK_OTLP_WIRE_READ_H

#include <otelc/sdk/otlp_walk.h>

/* A cursor over a view; empty views may carry a NULL pointer. */
static inline pb_cursor wr_view_cursor(const uint8_t *ptr, size_t len)
{
    pb_cursor c = {ptr, ptr ? ptr + len : ptr};
    return c;
}

static inline int rd_bytes(pb_cursor *c, enum pb_wire_type wt, pb_bytes *out)
{
    if (wt != PB_LEN)
        return OTLP_EWIRETYPE;
    return pb_read_len_fast(c, out) ? OTLP_OK : OTLP_EMALFORMED;
}

static inline int rd_varint(pb_cursor *c, enum pb_wire_type wt, uint64_t *out)
{
    if (wt != PB_VARINT)
        return OTLP_EWIRETYPE;
    return pb_read_varint(c, out) ? OTLP_OK : OTLP_EMALFORMED;
}

/* uint32 and enum (int32) fields: protobuf truncates wider varints. */
static inline int rd_u32(pb_cursor *c, enum pb_wire_type wt, uint32_t *out)
{
    uint64_t v;
    int rc = rd_varint(c, wt, &v);
    if (rc == OTLP_OK)
        *out = (uint32_t)v;
    return rc;
}

static inline int rd_enum(pb_cursor *c, enum pb_wire_type wt, int32_t *out)
{
    uint32_t v;
    int rc = rd_u32(c, wt, &v);
    if (rc == OTLP_OK)
        *out = (int32_t)v;
    return rc;
}

static inline int rd_fixed64(pb_cursor *c, enum pb_wire_type wt, uint64_t *out)
{
    if (wt != PB_I64)
        return OTLP_EWIRETYPE;
    return pb_read_fixed64(c, out) ? OTLP_OK : OTLP_EMALFORMED;
}

static inline int rd_fixed32(pb_cursor *c, enum pb_wire_type wt, uint32_t *out)
{
    if (wt != PB_I32)
        return OTLP_EWIRETYPE;
    return pb_read_fixed32(c, out) ? OTLP_OK : OTLP_EMALFORMED;
}

static inline int rd_skip(pb_cursor *c, enum pb_wire_type wt)
{
    return pb_skip(c, wt) ? OTLP_OK : OTLP_EMALFORMED;
}

/* Grows a list's range to cover one more occurrence starting at `start`. */
static inline int rd_list(pb_cursor *c, enum pb_wire_type wt, const uint8_t *start,
                   otlp_list *list)
{
    pb_bytes item;
    int rc = rd_bytes(c, wt, &item);
    if (rc != OTLP_OK)
        return rc;
    if (list->range.len == 0)
        list->range.ptr = start;
    list->range.len = (size_t)(c->p - list->range.ptr);
    return OTLP_OK;
}

static inline int rd_tag(pb_cursor *c, uint32_t *field, enum pb_wire_type *wt)
{
    return pb_read_tag_fast(c, field, wt) ? OTLP_OK : OTLP_EMALFORMED;
}

/*
 * Finds the next occurrence of LEN field `field`, skipping other fields.
 * Returns 1 with its payload, 0 at the end, or a negative code.
 */
static inline int next_len_field(pb_cursor *c, uint32_t field, pb_bytes *out)
{
    while (!pb_at_end(c)) {
        uint32_t f;
        enum pb_wire_type wt;
        int rc = rd_tag(c, &f, &wt);
        if (rc == OTLP_OK)
            rc = f == field ? rd_bytes(c, wt, out) : rd_skip(c, wt);
        if (rc != OTLP_OK)
            return rc;
        if (f == field)
            return 1;
    }
    return 0;
}

/* Records a negative rc as the walk's sticky error; passes rc through. */
static inline int wr_walk_fail(otlp_walker *w, int rc)
{
    static const pb_cursor no_cursor = {NULL, NULL};
    if (rc < 0) {
        w->err = rc;
        w->scopes = w->spans = no_cursor;
    }
    return rc;
}

#endif /* OTELC_SDK_OTLP_WIRE_READ_H */
