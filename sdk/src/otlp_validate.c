/*
 * otlp_validate.c: one-pass validation of Export{Trace,Metrics,Logs}-
 * ServiceRequest bytes.
 *
 * The OTLP schema is described by tables (otlp_validate_schema.c: one per
 * message, indexed by field number) and checked by a single recursive
 * loop, so adding a field is one table row. The location of a failure is kept as a chain of stack frames
 * and only turned into text when something is wrong: the happy path does
 * no formatting and no counting beyond the span total.
 *
 * Attributes are most of a request's fields, and nearly all of them are a
 * key with a scalar value; most spans hold nothing but such attributes,
 * ids, strings, numbers and a plain status. Both are checked by
 * straight-line fast paths that only ever say "valid". Anything else they
 * meet (an array, a kvlist, an event, a link, an unknown field, a flaw)
 * sends the attribute or span through the tables, which accept it or name
 * the problem exactly as before.
 */
#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/utf8.h>

#include "otlp_validate_schema.h"

#include <stdio.h>
#include <string.h>

/* One step of the path from the request to the field being checked. */
struct vpath {
    const struct vpath *up;
    const struct vfield *field;
    const uint8_t *msg_start;   /* body of the message holding the field */
    const uint8_t *field_start; /* its tag */
    uint32_t field_no;
};

struct vctx {
    size_t items; /* items (spans, data points, log records) entered so far */
    unsigned depth;
    otlp_verror *err;
};

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- failure reports (cold path) ---- */

/* Position of a repeated field among its siblings, found by re-reading. */
static size_t occurrence(const struct vpath *n)
{
    pb_cursor c = {n->msg_start, n->field_start};
    size_t index = 0;
    uint32_t f;
    enum pb_wire_type wt;
    /* Everything before field_start was already read successfully. */
    while (!pb_at_end(&c) && pb_read_tag(&c, &f, &wt) && pb_skip(&c, wt))
        index += f == n->field_no;
    return index;
}

/* Writes `len` bytes ending at *pos in buf; false when they do not fit. */
static bool prepend(char *buf, size_t *pos, const char *s, size_t len)
{
    if (len > *pos)
        return false;
    *pos -= len;
    memcpy(buf + *pos, s, len);
    return true;
}

static bool is_item(const struct vpath *n)
{
    return n->field->msg != NULL && n->field->msg->role == ROLE_ITEM;
}

/* One path element as text: "span 3", "attributes[2]" or "name". */
static int path_piece(const struct vctx *ctx, const struct vpath *n, bool as_item,
                      char *out, size_t cap)
{
    if (as_item)
        return snprintf(out, cap, "%s %zu", n->field->msg->item, ctx->items - 1);
    if (n->field->repeated)
        return snprintf(out, cap, "%s[%zu]", n->field->name, occurrence(n));
    return snprintf(out, cap, "%s", n->field->name);
}

/*
 * Renders the path innermost first into the tail of buf. `inside` says the
 * failure lies within the message `at` names rather than in the field.
 * Returns where the text starts; *cut is set when outer parts were dropped.
 */
static size_t render_path(const struct vctx *ctx, const struct vpath *at, bool inside,
                          const char *leaf, char *buf, size_t cap, bool *cut)
{
    size_t pos = cap;
    bool have_inner = false;
    *cut = false;
    if (leaf) {
        *cut = !prepend(buf, &pos, leaf, strlen(leaf));
        have_inner = true;
    }
    for (const struct vpath *n = at; n && !*cut; n = n->up) {
        bool as_item = is_item(n) && (n != at || inside);
        char piece[80];
        int len = path_piece(ctx, n, as_item, piece, sizeof piece);
        const char *sep = as_item ? ": " : ".";
        if (len < 0 || (size_t)len >= sizeof piece ||
            (have_inner && !prepend(buf, &pos, sep, strlen(sep))) ||
            !prepend(buf, &pos, piece, (size_t)len))
            *cut = true;
        have_inner = true;
        if (as_item)
            break; /* an item's number in the request is location enough */
    }
    if (!have_inner)
        *cut = !prepend(buf, &pos, "request", 7);
    return pos;
}

static int fail(struct vctx *ctx, const struct vpath *at, bool inside, const char *leaf,
                const char *reason, int status)
{
    otlp_verror *e = ctx->err;
    char path[sizeof e->msg];
    bool cut;
    if (!e)
        return status;
    e->status = status;
    e->reason = reason;
    size_t room = sizeof e->msg - strlen(reason) - 5; /* "...", ' ', NUL */
    size_t pos = render_path(ctx, at, inside, leaf, path, room, &cut);
    snprintf(e->msg, sizeof e->msg, "%s%.*s %s", cut ? "..." : "", (int)(room - pos),
             path + pos, reason);
    return status;
}

/* ---- the checking loop ---- */

/* The OTLP spec calls an all-zero trace or span id invalid. */
static bool all_zero(pb_bytes b)
{
    for (size_t i = 0; i < b.len; i++)
        if (b.ptr[i])
            return false;
    return true;
}

static const char *id_rule(enum vkind k)
{
    switch (k) {
    case VK_ID16: return "must be 16 bytes";
    case VK_ID8: return "must be 8 bytes";
    case VK_ID16_OPT: return "must be empty or 16 bytes";
    default: return "must be empty or 8 bytes";
    }
}

static size_t id_size(enum vkind k)
{
    return k == VK_ID16 || k == VK_ID16_OPT ? 16 : 8;
}

/* Span and link ids are required; log record and exemplar ids optional. */
static bool id_optional(enum vkind k)
{
    return k == VK_ID16_OPT || k == VK_ID8_OPT;
}

static int check_message(struct vctx *ctx, const struct vmsg *m, pb_bytes body,
                         const struct vpath *up);

/* ---- the attribute fast path: true only for a valid scalar attribute ---- */

/* AnyValue holding scalars only (the oneof may repeat, as the tables allow). */
static bool scalar_any_ok(pb_bytes body)
{
    pb_cursor c = {body.ptr, body.ptr ? body.ptr + body.len : body.ptr};
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        uint64_t u64;
        pb_bytes b;
        if (!pb_read_tag_fast(&c, &f, &wt))
            return false;
        bool ok;
        switch (f << 3 | wt) {
        case 1u << 3 | PB_LEN: /* string_value */
            ok = pb_read_len_fast(&c, &b) && otlp_utf8_valid(b.ptr, b.len);
            break;
        case 2u << 3 | PB_VARINT: /* bool_value */
        case 3u << 3 | PB_VARINT: /* int_value */
        case 8u << 3 | PB_VARINT: /* string_value_strindex */
            ok = pb_read_varint(&c, &u64);
            break;
        case 4u << 3 | PB_I64: /* double_value */
            ok = pb_read_fixed64(&c, &u64);
            break;
        case 7u << 3 | PB_LEN: /* bytes_value */
            ok = pb_read_len_fast(&c, &b);
            break;
        default: /* arrays, kvlists, unknown fields: the tables decide */
            return false;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* KeyValue with a string key and a scalar value. */
static bool scalar_kv_ok(pb_bytes body)
{
    pb_cursor c = {body.ptr, body.ptr ? body.ptr + body.len : body.ptr};
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        pb_bytes b;
        if (!pb_read_tag_fast(&c, &f, &wt) || wt != PB_LEN || !pb_read_len_fast(&c, &b))
            return false;
        if (f == 1 ? !otlp_utf8_valid(b.ptr, b.len) : f != 2 || !scalar_any_ok(b))
            return false;
    }
    return true;
}

/* Status with a message and a code only. */
static bool plain_status_ok(pb_bytes body)
{
    pb_cursor c = {body.ptr, body.ptr ? body.ptr + body.len : body.ptr};
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        uint64_t u64;
        pb_bytes b;
        if (!pb_read_tag_fast(&c, &f, &wt))
            return false;
        bool ok = f == 2 && wt == PB_LEN   ? pb_read_len_fast(&c, &b) && otlp_utf8_valid(b.ptr, b.len)
                  : f == 3 && wt == PB_VARINT ? pb_read_varint(&c, &u64)
                                              : false;
        if (!ok)
            return false;
    }
    return true;
}

/* A span whose fields are ids, strings, numbers, scalar attributes and a
 * plain status: most spans. Events, links and anything unusual go
 * through the tables. Checks the same rules as span_schema. */
static bool plain_span_ok(pb_bytes body)
{
    pb_cursor c = {body.ptr, body.ptr ? body.ptr + body.len : body.ptr};
    uint32_t seen = 0;
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        uint64_t u64;
        uint32_t u32;
        pb_bytes b;
        if (!pb_read_tag_fast(&c, &f, &wt) || f > 16 || wt != otlp_vspan_fields[f].wt ||
            !otlp_vspan_fields[f].name)
            return false;
        bool ok;
        switch (f) {
        case 1: ok = pb_read_len_fast(&c, &b) && b.len == 16 && !all_zero(b); break;
        case 2: ok = pb_read_len_fast(&c, &b) && b.len == 8 && !all_zero(b); break;
        case 4: ok = pb_read_len_fast(&c, &b) && (b.len == 8 || b.len == 0); break;
        case 3:
        case 5: ok = pb_read_len_fast(&c, &b) && otlp_utf8_valid(b.ptr, b.len); break;
        case 6:
        case 10:
        case 12:
        case 14: ok = pb_read_varint(&c, &u64); break;
        case 7:
        case 8: ok = pb_read_fixed64(&c, &u64); break;
        case 9: ok = pb_read_len_fast(&c, &b) && scalar_kv_ok(b); break;
        case 15: ok = pb_read_len_fast(&c, &b) && plain_status_ok(b); break;
        case 16: ok = pb_read_fixed32(&c, &u32); break;
        default: return false; /* events, links */
        }
        if (!ok)
            return false;
        seen |= VBIT(f);
    }
    return (otlp_vspan.required & ~seen) == 0;
}

static int enter_message(struct vctx *ctx, const struct vpath *at, pb_bytes body)
{
    const struct vmsg *m = at->field->msg;
    int rc;
    if (m->role == ROLE_ITEM)
        ctx->items++;
    if (m->role != ROLE_ANY)
        return check_message(ctx, m, body, at);
    if (++ctx->depth > OTLP_MAX_DEPTH)
        return fail(ctx, at, false, NULL, "is nested deeper than " STR(OTLP_MAX_DEPTH) " levels",
                    OTLP_EDEPTH);
    rc = check_message(ctx, m, body, at);
    ctx->depth--;
    return rc;
}

static bool is_packed(enum vkind k)
{
    return k == VK_PACKED_I64 || k == VK_PACKED_VARINT;
}

static bool varints_ok(pb_bytes run)
{
    pb_cursor c = pb_cursor_of(run.ptr, run.len);
    uint64_t u64;
    while (!pb_at_end(&c))
        if (!pb_read_varint(&c, &u64))
            return false;
    return true;
}

/* A packed run of repeated scalars: whole fixed64s, or sound varints. */
static int check_packed(struct vctx *ctx, const struct vpath *at, pb_bytes run)
{
    bool ok = at->field->kind == VK_PACKED_I64 ? run.len % 8 == 0 : varints_ok(run);
    if (!ok)
        return fail(ctx, at, false, NULL, "is a malformed packed list", OTLP_EMALFORMED);
    return OTLP_OK;
}

/* Reads one value of wire type wt; false when truncated or malformed. */
static bool read_wire_value(pb_cursor *c, enum pb_wire_type wt, pb_bytes *b)
{
    uint64_t u64;
    uint32_t u32;
    switch (wt) {
    case PB_VARINT: return pb_read_varint(c, &u64);
    case PB_I64: return pb_read_fixed64(c, &u64);
    case PB_I32: return pb_read_fixed32(c, &u32);
    default: return pb_read_len_fast(c, b);
    }
}

/* Checks one field's value; the tag (wire type wt) is already read and
 * matches the schema. A packed kind's element read alone needs no more. */
static int check_value(struct vctx *ctx, const struct vpath *at, pb_cursor *c,
                       enum pb_wire_type wt)
{
    enum vkind k = at->field->kind;
    pb_bytes b = {NULL, 0};
    if (!read_wire_value(c, wt, &b))
        return fail(ctx, at, false, NULL, "is truncated or malformed", OTLP_EMALFORMED);
    switch (k) {
    case VK_STRING:
        if (!otlp_utf8_valid(b.ptr, b.len))
            return fail(ctx, at, false, NULL, "is not valid UTF-8", OTLP_EINVALID);
        return OTLP_OK;
    case VK_ID16:
    case VK_ID8:
    case VK_ID16_OPT:
    case VK_ID8_OPT:
        if (b.len != id_size(k) && !(id_optional(k) && b.len == 0))
            return fail(ctx, at, false, NULL, id_rule(k), OTLP_EINVALID);
        if (!id_optional(k) && all_zero(b))
            return fail(ctx, at, false, NULL, "must not be all zeros", OTLP_EINVALID);
        return OTLP_OK;
    case VK_PACKED_I64:
    case VK_PACKED_VARINT:
        return wt == PB_LEN ? check_packed(ctx, at, b) : OTLP_OK;
    case VK_MSG:
        /* The value's AnyValue counts one level of nesting, as the tables do. */
        if (at->field->msg == &otlp_vkey_value && ctx->depth < OTLP_MAX_DEPTH &&
            scalar_kv_ok(b))
            return OTLP_OK;
        if (at->field->msg == &otlp_vspan && plain_span_ok(b)) {
            ctx->items++;
            return OTLP_OK;
        }
        return enter_message(ctx, at, b);
    default:
        return OTLP_OK;
    }
}

/* Reports the lowest-numbered required field that never appeared. */
static int missing_field(struct vctx *ctx, const struct vmsg *m, uint32_t absent,
                         const struct vpath *up)
{
    uint32_t f = 0;
    while (!(absent & VBIT(f)))
        f++;
    return fail(ctx, up, true, m->fields[f].name, id_rule(m->fields[f].kind), OTLP_EINVALID);
}

static int check_message(struct vctx *ctx, const struct vmsg *m, pb_bytes body,
                         const struct vpath *up)
{
    pb_cursor c = {body.ptr, body.ptr ? body.ptr + body.len : body.ptr};
    uint32_t seen = 0;
    while (!pb_at_end(&c)) {
        struct vpath node = {up, NULL, body.ptr, c.p, 0};
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&c, &node.field_no, &wt))
            return fail(ctx, up, true, NULL, "has a malformed field tag", OTLP_EMALFORMED);
        if (node.field_no > m->max_field || !m->fields[node.field_no].name) {
            if (!pb_skip(&c, wt))
                return fail(ctx, up, true, NULL, "has a truncated unknown field",
                            OTLP_EMALFORMED);
            continue;
        }
        node.field = &m->fields[node.field_no];
        if (wt != node.field->wt && !(is_packed(node.field->kind) && wt == PB_LEN))
            return fail(ctx, &node, false, NULL, "has the wrong wire type", OTLP_EWIRETYPE);
        seen |= VBIT(node.field_no);
        int rc = check_value(ctx, &node, &c, wt);
        if (rc != OTLP_OK)
            return rc;
    }
    if (m->required & ~seen)
        return missing_field(ctx, m, m->required & ~seen, up);
    return OTLP_OK;
}

static const struct vmsg *request_schema(otelc_signal signal)
{
    switch (signal) {
    case OTELC_TRACES: return &otlp_vtraces_request;
    case OTELC_METRICS: return &otlp_vmetrics_request;
    case OTELC_LOGS: return &otlp_vlogs_request;
    default: return NULL;
    }
}

int otlp_validate_signal(otelc_signal signal, const uint8_t *buf, size_t len, size_t *items,
                         otlp_verror *err)
{
    pb_bytes body = {buf, len};
    struct vctx ctx = {0, 0, NULL};
    const struct vmsg *schema = request_schema(signal);
    if (err) {
        err->status = OTLP_OK;
        err->reason = NULL;
        err->msg[0] = '\0';
        ctx.err = err;
    }
    if (!schema)
        return fail(&ctx, NULL, true, NULL, "is of an unknown signal", OTLP_EINVALID);
    int rc = check_message(&ctx, schema, body, NULL);
    if (rc == OTLP_OK)
        *items = ctx.items;
    return rc;
}

int otlp_validate_request(const uint8_t *buf, size_t len, size_t *span_count,
                          otlp_verror *err)
{
    return otlp_validate_signal(OTELC_TRACES, buf, len, span_count, err);
}
