/*
 * otlp_validate.c: one-pass validation of ExportTraceServiceRequest bytes.
 *
 * The OTLP schema is described by tables (one per message, indexed by field
 * number) and checked by a single recursive loop, so adding a field is one
 * table row. The location of a failure is kept as a chain of stack frames
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

#include <stdio.h>
#include <string.h>

enum vkind {
    VK_VARINT,
    VK_FIXED64,
    VK_FIXED32,
    VK_STRING, /* must be UTF-8 */
    VK_BYTES,
    VK_ID16,    /* trace ids */
    VK_ID8,     /* span ids */
    VK_ID8_OPT, /* parent span id: empty or 8 bytes */
    VK_MSG,
};

enum vrole { ROLE_PLAIN, ROLE_SPAN, ROLE_ANY };

struct vmsg;

struct vfield {
    const char *name; /* NULL: not in the schema, skipped */
    enum vkind kind;
    bool repeated;
    const struct vmsg *msg; /* VK_MSG only */
    enum pb_wire_type wt;   /* what kind takes on the wire */
};

struct vmsg {
    const struct vfield *fields; /* indexed by field number */
    uint32_t max_field;          /* < 32, so `seen` masks fit a uint32_t */
    uint32_t required;           /* fields that must be present, as bits */
    enum vrole role;
};

/* One step of the path from the request to the field being checked. */
struct vpath {
    const struct vpath *up;
    const struct vfield *field;
    const uint8_t *msg_start;   /* body of the message holding the field */
    const uint8_t *field_start; /* its tag */
    uint32_t field_no;
};

struct vctx {
    size_t spans; /* spans entered so far */
    unsigned depth;
    otlp_verror *err;
};

#define STR_(x) #x
#define STR(x) STR_(x)

#define WIRE(k) ((k) == VK_VARINT ? PB_VARINT : (k) == VK_FIXED64 ? PB_I64 \
                 : (k) == VK_FIXED32 ? PB_I32 : PB_LEN)
#define ONE(n, k) {n, k, false, NULL, WIRE(k)}
#define MANY(n, k) {n, k, true, NULL, WIRE(k)}
#define SUB(n, m) {n, VK_MSG, false, &(m), PB_LEN}
#define SUBS(n, m) {n, VK_MSG, true, &(m), PB_LEN}
#define SCHEMA(f, req, role) {f, sizeof(f) / sizeof((f)[0]) - 1, req, role}
#define BIT(n) (1u << (n))

/* The schema is recursive (AnyValue -> ArrayValue -> AnyValue). */
static const struct vmsg any_value_schema, key_value_schema;

static const struct vfield array_value_fields[] = {[1] = SUBS("values", any_value_schema)};
static const struct vmsg array_value_schema = SCHEMA(array_value_fields, 0, ROLE_PLAIN);

static const struct vfield kvlist_value_fields[] = {[1] = SUBS("values", key_value_schema)};
static const struct vmsg kvlist_value_schema = SCHEMA(kvlist_value_fields, 0, ROLE_PLAIN);

static const struct vfield any_value_fields[] = {
    [1] = ONE("string_value", VK_STRING),    [2] = ONE("bool_value", VK_VARINT),
    [3] = ONE("int_value", VK_VARINT),       [4] = ONE("double_value", VK_FIXED64),
    [5] = SUB("array_value", array_value_schema),   [6] = SUB("kvlist_value", kvlist_value_schema),
    [7] = ONE("bytes_value", VK_BYTES),      [8] = ONE("string_value_strindex", VK_VARINT),
};
static const struct vmsg any_value_schema = SCHEMA(any_value_fields, 0, ROLE_ANY);

static const struct vfield key_value_fields[] = {
    [1] = ONE("key", VK_STRING),
    [2] = SUB("value", any_value_schema),
    [3] = ONE("key_strindex", VK_VARINT),
};
static const struct vmsg key_value_schema = SCHEMA(key_value_fields, 0, ROLE_PLAIN);

static const struct vfield entity_ref_fields[] = {
    [1] = ONE("schema_url", VK_STRING),
    [2] = ONE("type", VK_STRING),
    [3] = MANY("id_keys", VK_STRING),
    [4] = MANY("description_keys", VK_STRING),
};
static const struct vmsg entity_ref_schema = SCHEMA(entity_ref_fields, 0, ROLE_PLAIN);

static const struct vfield resource_fields[] = {
    [1] = SUBS("attributes", key_value_schema),
    [2] = ONE("dropped_attributes_count", VK_VARINT),
    [3] = SUBS("entity_refs", entity_ref_schema),
};
static const struct vmsg resource_schema = SCHEMA(resource_fields, 0, ROLE_PLAIN);

static const struct vfield scope_fields[] = {
    [1] = ONE("name", VK_STRING),
    [2] = ONE("version", VK_STRING),
    [3] = SUBS("attributes", key_value_schema),
    [4] = ONE("dropped_attributes_count", VK_VARINT),
};
static const struct vmsg scope_schema = SCHEMA(scope_fields, 0, ROLE_PLAIN);

static const struct vfield status_fields[] = {
    [2] = ONE("message", VK_STRING),
    [3] = ONE("code", VK_VARINT),
};
static const struct vmsg status_schema = SCHEMA(status_fields, 0, ROLE_PLAIN);

static const struct vfield event_fields[] = {
    [1] = ONE("time_unix_nano", VK_FIXED64),
    [2] = ONE("name", VK_STRING),
    [3] = SUBS("attributes", key_value_schema),
    [4] = ONE("dropped_attributes_count", VK_VARINT),
};
static const struct vmsg event_schema = SCHEMA(event_fields, 0, ROLE_PLAIN);

static const struct vfield link_fields[] = {
    [1] = ONE("trace_id", VK_ID16),
    [2] = ONE("span_id", VK_ID8),
    [3] = ONE("trace_state", VK_STRING),
    [4] = SUBS("attributes", key_value_schema),
    [5] = ONE("dropped_attributes_count", VK_VARINT),
    [6] = ONE("flags", VK_FIXED32),
};
static const struct vmsg link_schema = SCHEMA(link_fields, BIT(1) | BIT(2), ROLE_PLAIN);

static const struct vfield span_fields[] = {
    [1] = ONE("trace_id", VK_ID16),
    [2] = ONE("span_id", VK_ID8),
    [3] = ONE("trace_state", VK_STRING),
    [4] = ONE("parent_span_id", VK_ID8_OPT),
    [5] = ONE("name", VK_STRING),
    [6] = ONE("kind", VK_VARINT),
    [7] = ONE("start_time_unix_nano", VK_FIXED64),
    [8] = ONE("end_time_unix_nano", VK_FIXED64),
    [9] = SUBS("attributes", key_value_schema),
    [10] = ONE("dropped_attributes_count", VK_VARINT),
    [11] = SUBS("events", event_schema),
    [12] = ONE("dropped_events_count", VK_VARINT),
    [13] = SUBS("links", link_schema),
    [14] = ONE("dropped_links_count", VK_VARINT),
    [15] = SUB("status", status_schema),
    [16] = ONE("flags", VK_FIXED32),
};
static const struct vmsg span_schema = SCHEMA(span_fields, BIT(1) | BIT(2), ROLE_SPAN);

static const struct vfield scope_spans_fields[] = {
    [1] = SUB("scope", scope_schema),
    [2] = SUBS("spans", span_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg scope_spans_schema = SCHEMA(scope_spans_fields, 0, ROLE_PLAIN);

static const struct vfield resource_spans_fields[] = {
    [1] = SUB("resource", resource_schema),
    [2] = SUBS("scope_spans", scope_spans_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg resource_spans_schema = SCHEMA(resource_spans_fields, 0, ROLE_PLAIN);

static const struct vfield request_fields[] = {[1] = SUBS("resource_spans", resource_spans_schema)};
static const struct vmsg request_schema = SCHEMA(request_fields, 0, ROLE_PLAIN);

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

static bool is_span(const struct vpath *n)
{
    return n->field->msg != NULL && n->field->msg->role == ROLE_SPAN;
}

/* One path element as text: "span 3", "attributes[2]" or "name". */
static int path_piece(const struct vctx *ctx, const struct vpath *n, bool as_span,
                      char *out, size_t cap)
{
    if (as_span)
        return snprintf(out, cap, "span %zu", ctx->spans - 1);
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
        bool as_span = is_span(n) && (n != at || inside);
        char piece[80];
        int len = path_piece(ctx, n, as_span, piece, sizeof piece);
        const char *sep = as_span ? ": " : ".";
        if (len < 0 || (size_t)len >= sizeof piece ||
            (have_inner && !prepend(buf, &pos, sep, strlen(sep))) ||
            !prepend(buf, &pos, piece, (size_t)len))
            *cut = true;
        have_inner = true;
        if (as_span)
            break; /* a span's global number is location enough */
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
    default: return "must be empty or 8 bytes";
    }
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
        if (!pb_read_tag_fast(&c, &f, &wt) || f > 16 || wt != span_fields[f].wt ||
            !span_fields[f].name)
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
        seen |= BIT(f);
    }
    return (span_schema.required & ~seen) == 0;
}

static int enter_message(struct vctx *ctx, const struct vpath *at, pb_bytes body)
{
    const struct vmsg *m = at->field->msg;
    int rc;
    if (m->role == ROLE_SPAN)
        ctx->spans++;
    if (m->role != ROLE_ANY)
        return check_message(ctx, m, body, at);
    if (++ctx->depth > OTLP_MAX_DEPTH)
        return fail(ctx, at, false, NULL, "is nested deeper than " STR(OTLP_MAX_DEPTH) " levels",
                    OTLP_EDEPTH);
    rc = check_message(ctx, m, body, at);
    ctx->depth--;
    return rc;
}

/* Checks one field's value; the tag is already read and matches the schema. */
static int check_value(struct vctx *ctx, const struct vpath *at, pb_cursor *c)
{
    enum vkind k = at->field->kind;
    uint64_t u64;
    uint32_t u32;
    pb_bytes b;
    bool ok = k == VK_VARINT    ? pb_read_varint(c, &u64)
              : k == VK_FIXED64 ? pb_read_fixed64(c, &u64)
              : k == VK_FIXED32 ? pb_read_fixed32(c, &u32)
                                : pb_read_len_fast(c, &b);
    if (!ok)
        return fail(ctx, at, false, NULL, "is truncated or malformed", OTLP_EMALFORMED);
    switch (k) {
    case VK_STRING:
        if (!otlp_utf8_valid(b.ptr, b.len))
            return fail(ctx, at, false, NULL, "is not valid UTF-8", OTLP_EINVALID);
        return OTLP_OK;
    case VK_ID16:
    case VK_ID8:
    case VK_ID8_OPT:
        if (b.len != (k == VK_ID16 ? 16u : 8u) && !(k == VK_ID8_OPT && b.len == 0))
            return fail(ctx, at, false, NULL, id_rule(k), OTLP_EINVALID);
        if (k != VK_ID8_OPT && all_zero(b))
            return fail(ctx, at, false, NULL, "must not be all zeros", OTLP_EINVALID);
        return OTLP_OK;
    case VK_MSG:
        /* The value's AnyValue counts one level of nesting, as the tables do. */
        if (at->field->msg == &key_value_schema && ctx->depth < OTLP_MAX_DEPTH &&
            scalar_kv_ok(b))
            return OTLP_OK;
        if (at->field->msg == &span_schema && plain_span_ok(b)) {
            ctx->spans++;
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
    while (!(absent & BIT(f)))
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
        if (wt != node.field->wt)
            return fail(ctx, &node, false, NULL, "has the wrong wire type", OTLP_EWIRETYPE);
        seen |= BIT(node.field_no);
        int rc = check_value(ctx, &node, &c);
        if (rc != OTLP_OK)
            return rc;
    }
    if (m->required & ~seen)
        return missing_field(ctx, m, m->required & ~seen, up);
    return OTLP_OK;
}

int otlp_validate_request(const uint8_t *buf, size_t len, size_t *span_count,
                          otlp_verror *err)
{
    pb_bytes body = {buf, len};
    struct vctx ctx = {0, 0, NULL};
    int rc;
    if (err) {
        err->status = OTLP_OK;
        err->reason = NULL;
        err->msg[0] = '\0';
        ctx.err = err;
    }
    rc = check_message(&ctx, &request_schema, body, NULL);
    if (rc == OTLP_OK)
        *span_count = ctx.spans;
    return rc;
}
