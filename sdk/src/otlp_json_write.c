/*
 * otlp_json_write.c: OTLP/JSON straight from protobuf wire bytes.
 *
 * Each message is read twice without decoding into structs: an index pass
 * notes, per known field, its last value, the position of its first
 * occurrence and how often it occurs; an output pass then writes the fields
 * in field-number order, rescanning from the first occurrence for repeated
 * fields. That gives one canonical key order whatever order the sender
 * used, no duplicate keys, and protobuf's "last one wins" for scalars,
 * with all state on the stack.
 *
 * Messages as encoders write them (fields in order, none repeated but
 * lists) go through the single pass of otlp_json_fast.c first; this
 * writer takes what that pass gives up on, which always includes the
 * request's outer levels, too large to reserve for at once.
 */
#include <otelc/sdk/otlp_json.h>

#include "json_out.h"
#include "otlp_json_fast.h"
#include "otlp_json_schema.h"

#include <errno.h>
#include <stdlib.h>

/* A decoded wire value: a number, or a view of length-delimited bytes
 * (for an F_PACKED field, `packed` says they are a run of its values). */
struct wvalue {
    union {
        uint64_t num;
        pb_bytes bytes;
    };
    bool packed;
};

/* What the index pass learnt about one field of one message. */
struct slot {
    struct wvalue last;   /* value of the last occurrence */
    const uint8_t *first; /* tag of the first occurrence */
    uint32_t first_part;  /* part holding it */
    uint32_t count;       /* occurrences */
};

/* A message's bytes: usually one part, several when occurrences merge. */
struct wmsg {
    const pb_bytes *parts;
    size_t nparts;
};

/* Reads one value of wire type `wt`; false on malformed input. */
static bool read_value(pb_cursor *c, enum pb_wire_type wt, struct wvalue *v)
{
    uint32_t u32;
    switch (wt) {
    case PB_VARINT: return pb_read_varint(c, &v->num);
    case PB_I64: return pb_read_fixed64(c, &v->num);
    case PB_I32:
        if (!pb_read_fixed32(c, &u32))
            return false;
        v->num = u32;
        return true;
    case PB_LEN: return pb_read_len(c, &v->bytes);
    default: return false;
    }
}

/* A read position inside a message that may span several parts. */
struct scan {
    const struct wschema *s;
    const struct wmsg *m;
    size_t part;
    pb_cursor c;
    const uint8_t *tag; /* where the field last read began */
};

static void scan_from(struct scan *sc, const struct wschema *s, const struct wmsg *m, size_t part,
                      const uint8_t *at)
{
    sc->s = s;
    sc->m = m;
    sc->part = part;
    sc->c.p = at;
    sc->c.end = m->parts[part].ptr + m->parts[part].len;
    sc->tag = at;
}

/*
 * Reads the next field, moving on to later parts as each ends. Returns 1
 * with the field read (*num is 0 for an unknown field, which is skipped),
 * 0 at the end, or -EBADMSG. A known field number with another wire type
 * is malformed, as it is for protobuf-c, except a packed run of a
 * repeated scalar.
 */
static int next_field(struct scan *sc, uint32_t *num, struct wvalue *v)
{
    const struct wschema *s = sc->s;
    enum pb_wire_type wt;
    while (pb_at_end(&sc->c)) {
        if (++sc->part >= sc->m->nparts)
            return 0;
        sc->c = pb_cursor_of(sc->m->parts[sc->part].ptr, sc->m->parts[sc->part].len);
    }
    sc->tag = sc->c.p;
    if (!pb_read_tag(&sc->c, num, &wt))
        return -EBADMSG;
    if (*num <= s->max_num && s->fields[*num].kind != K_NONE) {
        const struct wfield *f = &s->fields[*num];
        v->packed = wt == PB_LEN && (f->flags & F_PACKED);
        if (wt != wire_type_of((enum wkind)f->kind) && !v->packed)
            return -EBADMSG;
        return read_value(&sc->c, wt, v) ? 1 : -EBADMSG;
    }
    *num = 0;
    return pb_skip(&sc->c, wt) ? 1 : -EBADMSG;
}

static void write_message(struct json_out *o, const struct wschema *s, const struct wmsg *m,
                          unsigned depth);

static void write_value(struct json_out *o, const struct wfield *f, const struct wvalue *v,
                        unsigned depth)
{
    union {
        uint64_t u;
        double d;
    } bits;
    switch ((enum wkind)f->kind) {
    case K_STRING: jo_string(o, v->bytes.ptr, v->bytes.len); break;
    case K_HEXID: jo_hex(o, v->bytes.ptr, v->bytes.len); break;
    case K_BYTES: jo_base64(o, v->bytes.ptr, v->bytes.len); break;
    case K_FIXED64:
    case K_UINT64: jo_u64(o, v->num, true); break;
    case K_INT64:
    case K_SFIXED64: jo_i64(o, (int64_t)v->num, true); break;
    case K_UINT32:
    case K_FIXED32: jo_u64(o, (uint32_t)v->num, false); break;
    case K_INT32: jo_i64(o, (int32_t)(uint32_t)v->num, false); break;
    case K_SINT32: jo_i64(o, zigzag32(v->num), false); break;
    case K_BOOL:
        if (v->num)
            jo_put(o, "true", 4);
        else
            jo_put(o, "false", 5);
        break;
    case K_DOUBLE:
        bits.u = v->num;
        jo_double(o, bits.d);
        break;
    case K_MESSAGE: {
        struct wmsg sub = {&v->bytes, 1};
        write_message(o, f->sub, &sub, depth);
        break;
    }
    default: break;
    }
}

/* Writes the values of a packed run, each after a comma unless it is
 * the list's first; *written counts the list's values so far. */
static void write_run(struct json_out *o, const struct wfield *f, pb_bytes run, size_t *written)
{
    pb_cursor c = pb_cursor_of(run.ptr, run.len);
    enum pb_wire_type wt = wire_type_of((enum wkind)f->kind);
    while (!pb_at_end(&c) && !o->err) {
        struct wvalue v = {.num = 0};
        if (!read_value(&c, wt, &v)) {
            jo_fail(o, -EBADMSG);
            return;
        }
        if (*written)
            jo_putc(o, ',');
        write_value(o, f, &v, 0);
        (*written)++;
    }
}

/* Writes every occurrence of field `num`, starting at its first. */
static void write_list(struct json_out *o, const struct wschema *s, const struct wmsg *m,
                       uint32_t num, const struct slot *sl, unsigned depth)
{
    struct scan sc;
    uint32_t left = sl->count;
    size_t written = 0;
    scan_from(&sc, s, m, sl->first_part, sl->first);
    jo_putc(o, '[');
    while (left && !o->err) {
        uint32_t got;
        struct wvalue v;
        if (next_field(&sc, &got, &v) <= 0) { /* the index pass saw them all: cannot happen */
            jo_fail(o, -EBADMSG);
            return;
        }
        if (got != num)
            continue;
        left--;
        if (v.packed) {
            write_run(o, &s->fields[num], v.bytes, &written);
            continue;
        }
        if (written)
            jo_putc(o, ',');
        write_value(o, &s->fields[num], &v, depth);
        written++;
    }
    jo_putc(o, ']');
}

/* Writes a singular message field that occurs more than once: merged, as
 * the concatenation of its occurrences. Rare, so kept out of line: its
 * array would otherwise weigh on every level of the recursion. */
__attribute__((noinline)) static void write_merged(struct json_out *o, const struct wschema *s, const struct wmsg *m,
                         uint32_t num, const struct slot *sl, unsigned depth)
{
    pb_bytes parts[OTLP_JSON_MAX_MERGE];
    struct scan sc;
    size_t n = 0;
    if (sl->count > OTLP_JSON_MAX_MERGE) {
        jo_fail(o, -E2BIG);
        return;
    }
    scan_from(&sc, s, m, sl->first_part, sl->first);
    while (n < sl->count) {
        uint32_t got;
        struct wvalue v;
        if (next_field(&sc, &got, &v) <= 0) {
            jo_fail(o, -EBADMSG);
            return;
        }
        if (got == num)
            parts[n++] = v.bytes;
    }
    struct wmsg merged = {parts, n};
    write_message(o, s->fields[num].sub, &merged, depth);
}

/* proto3 leaves zero scalars, empty strings and bytes off the wire. */
static bool is_default(const struct wfield *f, const struct wvalue *v)
{
    union {
        uint64_t u;
        double d;
    } bits;
    switch ((enum wkind)f->kind) {
    case K_STRING:
    case K_HEXID:
    case K_BYTES: return v->bytes.len == 0;
    case K_UINT32:
    case K_INT32:
    case K_FIXED32: return (uint32_t)v->num == 0;
    case K_DOUBLE:
        bits.u = v->num;
        return bits.d == 0;
    case K_MESSAGE: return false;
    default: return v->num == 0;
    }
}

/* The index pass: fills slots[1..max_num]; returns the oneof member set
 * last (0 if none), or a negative errno. */
static int index_fields(const struct wschema *s, const struct wmsg *m, struct slot *slots)
{
    struct scan sc;
    int oneof = 0;
    scan_from(&sc, s, m, 0, m->parts[0].ptr);
    for (;;) {
        uint32_t num;
        struct wvalue v;
        int rc = next_field(&sc, &num, &v);
        if (rc <= 0)
            return rc < 0 ? rc : oneof;
        if (num == 0)
            continue;
        struct slot *sl = &slots[num];
        if (sl->count++ == 0) {
            sl->first = sc.tag;
            sl->first_part = (uint32_t)sc.part;
        }
        sl->last = v;
        if (s->fields[num].flags & F_ONEOF)
            oneof = (int)num;
    }
}

static void write_message(struct json_out *o, const struct wschema *s, const struct wmsg *m,
                          unsigned depth)
{
    struct slot slots[MAX_FIELD_NUM + 1];
    bool first = true;

    if (m->nparts == 1 && otlp_json_fast_message(o, s, &m->parts[0], depth))
        return;
    if (s->is_anyvalue && ++depth > OTLP_JSON_MAX_DEPTH) {
        jo_fail(o, -ELOOP);
        return;
    }
    memset(slots, 0, (s->max_num + 1u) * sizeof slots[0]);
    int oneof = index_fields(s, m, slots);
    if (oneof < 0) {
        jo_fail(o, oneof);
        return;
    }
    jo_putc(o, '{');
    for (uint32_t num = 1; num <= s->max_num && !o->err; num++) {
        const struct wfield *f = &s->fields[num];
        const struct slot *sl = &slots[num];
        if (!sl->count || ((f->flags & F_ONEOF) && num != (uint32_t)oneof))
            continue;
        if (!(f->flags & (F_ONEOF | F_REPEATED | F_PRESENT)) && is_default(f, &sl->last))
            continue;
        memcpy(jo_room(o, KEY_COPY), f->key + first, KEY_COPY);
        o->cur += f->key_len - first;
        first = false;
        if (f->flags & F_REPEATED)
            write_list(o, s, m, num, sl, depth);
        else if (f->kind == K_MESSAGE && sl->count > 1 && !(f->flags & F_ONEOF))
            write_merged(o, s, m, num, sl, depth);
        else
            write_value(o, f, &sl->last, depth);
    }
    jo_putc(o, '}');
}

/* How a signal's request starts: its list's key and its elements' schema. */
struct request_kind {
    otelc_signal signal;
    const char *open;
    const struct wschema *schema;
};

static const struct request_kind *request_kind_of(otelc_signal signal)
{
    static const struct request_kind kinds[] = {
        {OTELC_TRACES, "\"resourceSpans\":[", &otlp_resource_spans_schema},
        {OTELC_METRICS, "\"resourceMetrics\":[", &otlp_resource_metrics_schema},
        {OTELC_LOGS, "\"resourceLogs\":[", &otlp_resource_logs_schema},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].signal == signal)
            return &kinds[i];
    return NULL;
}

/* Finds the next resource_{spans,metrics,logs} (field 1) of a request,
 * skipping other fields: 1 with *rs set, 0 at the end, or -EBADMSG. */
static int next_resource(pb_cursor *c, pb_bytes *rs)
{
    while (!pb_at_end(c)) {
        uint32_t num;
        enum pb_wire_type wt;
        if (!pb_read_tag(c, &num, &wt))
            return -EBADMSG;
        if (num == 1)
            return wt == PB_LEN && pb_read_len(c, rs) ? 1 : -EBADMSG;
        if (!pb_skip(c, wt))
            return -EBADMSG;
    }
    return 0;
}

/* The request itself: only field 1 (resourceSpans and its kin) matters,
 * and each part is a whole request, so parts are simply read in turn. */
static void write_request(struct json_out *o, otelc_signal signal, const pb_bytes *parts,
                          size_t nparts)
{
    const struct request_kind *kind = request_kind_of(signal);
    bool open = false;
    if (!kind) {
        jo_fail(o, -EINVAL);
        return;
    }
    jo_putc(o, '{');
    for (size_t i = 0; i < nparts && !o->err; i++) {
        if (parts[i].len == 0)
            continue; /* an empty request; its pointer may be NULL */
        pb_cursor c = pb_cursor_of(parts[i].ptr, parts[i].len);
        pb_bytes b;
        int rc = 0;
        while (!o->err && (rc = next_resource(&c, &b)) > 0) {
            struct wmsg rs = {&b, 1};
            if (open)
                jo_putc(o, ',');
            else
                jo_put(o, kind->open, strlen(kind->open));
            open = true;
            write_message(o, kind->schema, &rs, 0);
        }
        if (rc < 0)
            jo_fail(o, rc);
    }
    if (open)
        jo_putc(o, ']');
    jo_putc(o, '}');
}

/* Large enough that a sink sees few, big chunks. */
#define STAGE_SIZE 16384

int otlp_json_writev_signal(otelc_signal signal, const pb_bytes *parts, size_t n,
                            otlp_json_sink sink, void *ctx)
{
    char stage[STAGE_SIZE];
    struct json_out o;
    jo_init_sink(&o, sink, ctx, stage, sizeof stage);
    write_request(&o, signal, parts, n);
    return jo_finish(&o);
}

int otlp_json_writev_signal_buf(otelc_signal signal, const pb_bytes *parts, size_t n,
                                struct otlp_buf *out)
{
    size_t len_before = out->data ? out->len : 0;
    struct json_out o;
    jo_init_buf(&o, out);
    write_request(&o, signal, parts, n);
    int rc = jo_finish(&o);
    if (rc)
        out->len = len_before;
    return rc;
}

int otlp_json_writev(const pb_bytes *parts, size_t n, otlp_json_sink sink, void *ctx)
{
    return otlp_json_writev_signal(OTELC_TRACES, parts, n, sink, ctx);
}

int otlp_json_write(const uint8_t *pb, size_t len, otlp_json_sink sink, void *ctx)
{
    pb_bytes part = {pb, len};
    return otlp_json_writev_signal(OTELC_TRACES, &part, 1, sink, ctx);
}

int otlp_json_writev_buf(const pb_bytes *parts, size_t n, struct otlp_buf *out)
{
    return otlp_json_writev_signal_buf(OTELC_TRACES, parts, n, out);
}

int otlp_json_write_buf(const uint8_t *pb, size_t len, struct otlp_buf *out)
{
    pb_bytes part = {pb, len};
    return otlp_json_writev_signal_buf(OTELC_TRACES, &part, 1, out);
}

void otlp_buf_free(struct otlp_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
