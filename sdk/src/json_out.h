/*
 * json_out.h: the low-level JSON output of the OTLP/JSON writer (internal).
 *
 * A json_out is a window [cur, lim) of writable bytes that is refilled on
 * demand, either by handing the full window to a sink or by growing a
 * caller's otlp_buf. Errors are sticky: the first one is kept in `err` and
 * later output lands in a scratch area, so writers check `err` only where
 * stopping early saves work.
 */
#ifndef OTELC_SDK_JSON_OUT_H
#define OTELC_SDK_JSON_OUT_H

#include <otelc/sdk/otlp_json.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Most bytes any single jo_room() call may ask for: what the scratch
 * area holds. */
#define JO_MAX_ROOM ((size_t)64)

/* Most bytes any single jo_reserve() call may ask for. */
#define JO_MAX_RESERVE ((size_t)8192)

struct json_out {
    char *cur;
    char *lim;
    int err;                    /* first error, or 0 */
    otlp_json_sink sink;        /* sink mode when non-NULL */
    void *ctx;
    char *stage;                /* sink mode: the window's start */
    size_t stage_cap;
    struct otlp_buf *buf;       /* buffer mode */
    char scratch[JO_MAX_ROOM];  /* where output goes after an error */
};

/* Sink mode: `stage` (cap >= JO_MAX_RESERVE) is lent for the whole run. */
void jo_init_sink(struct json_out *o, otlp_json_sink sink, void *ctx, char *stage,
                  size_t stage_cap);

/* Buffer mode: appends after buf->len. */
void jo_init_buf(struct json_out *o, struct otlp_buf *buf);

/* Hands out the last bytes (sink) or settles buf->len; returns o->err. */
int jo_finish(struct json_out *o);

/* Records the first error and sends further output to the scratch area. */
void jo_fail(struct json_out *o, int err);

/* Refills the window so that at least n (<= JO_MAX_ROOM) bytes fit. */
void jo_refill(struct json_out *o, size_t n);

static inline char *jo_room(struct json_out *o, size_t n)
{
    if ((size_t)(o->lim - o->cur) < n)
        jo_refill(o, n);
    return o->cur;
}

/*
 * Room for n (<= JO_MAX_RESERVE) bytes at o->cur, for a run of unchecked
 * writes that then moves o->cur; NULL once the output has failed and the
 * scratch area cannot take n bytes. Refilling hands earlier output to the
 * sink, so bytes written since the previous jo_reserve() stay in place
 * only as long as no refill happens.
 */
static inline char *jo_reserve(struct json_out *o, size_t n)
{
    if ((size_t)(o->lim - o->cur) < n) {
        jo_refill(o, n);
        if ((size_t)(o->lim - o->cur) < n)
            return NULL;
    }
    return o->cur;
}

/* Copies n bytes of any length. */
void jo_put_slow(struct json_out *o, const void *p, size_t n);

static inline void jo_put(struct json_out *o, const void *p, size_t n)
{
    if ((size_t)(o->lim - o->cur) >= n) {
        memcpy(o->cur, p, n);
        o->cur += n;
    } else {
        jo_put_slow(o, p, n);
    }
}

static inline void jo_putc(struct json_out *o, char c)
{
    *jo_room(o, 1) = c;
    o->cur++;
}

/* A JSON string of UTF-8 bytes, quoted and escaped; invalid UTF-8 fails
 * the output with -EILSEQ. */
void jo_string(struct json_out *o, const uint8_t *p, size_t n);

/* Quoted lowercase hex of n bytes (trace and span ids). */
void jo_hex(struct json_out *o, const uint8_t *p, size_t n);

/* Quoted standard base64 with padding. */
void jo_base64(struct json_out *o, const uint8_t *p, size_t n);

/* Decimal integers, bare or quoted (64-bit values in proto3 JSON). */
void jo_u64(struct json_out *o, uint64_t v, bool quoted);
void jo_i64(struct json_out *o, int64_t v, bool quoted);

/* A double as jf_double() writes it. */
void jo_double(struct json_out *o, double d);

#endif /* OTELC_SDK_JSON_OUT_H */
