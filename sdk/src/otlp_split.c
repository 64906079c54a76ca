/*
 * otlp_split.c: cutting a trace request into pieces at span boundaries.
 *
 * Only the request, ResourceSpans and ScopeSpans levels are read; spans are
 * stepped over by their length prefix. A piece is planned forwards (its
 * exact size is tracked span by span, so a byte limit is exact) and
 * produced by walking the same spans again, measuring each enclosing
 * message just before its length prefix is written.
 */
#include <otelc/sdk/otlp_split.h>

#include <string.h>

#define REQ_RESOURCE_SPANS 1 /* ExportTraceServiceRequest.resource_spans */
#define CHILD_FIELD 2        /* ResourceSpans.scope_spans, ScopeSpans.spans */

static const pb_cursor no_cursor = {NULL, NULL};

static pb_cursor view_cursor(pb_bytes b)
{
    pb_cursor c = {b.ptr, b.ptr ? b.ptr + b.len : b.ptr};
    return c;
}

/* Bytes of a LEN field (1-byte tag) with a body of `body` bytes. */
static size_t field_size(size_t body)
{
    return 1 + pb_varint_size(body) + body;
}

/*
 * Sums the bytes of a ResourceSpans or ScopeSpans body outside its child
 * fields, checking the wire types of the known fields (1..3, all LEN).
 */
static int header_size(pb_bytes body, size_t *out)
{
    pb_cursor c = view_cursor(body);
    size_t hdr = 0;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&c, &f, &wt))
            return OTLP_EMALFORMED;
        if (f <= 3 && wt != PB_LEN)
            return OTLP_EWIRETYPE;
        if (!pb_skip(&c, wt))
            return OTLP_EMALFORMED;
        if (f != CHILD_FIELD)
            hdr += (size_t)(c.p - start);
    }
    *out = hdr;
    return OTLP_OK;
}

/* Next LEN field `field` in c; 1 with its body, 0 at the end, or < 0. */
static int next_child(pb_cursor *c, uint32_t field, pb_bytes *out)
{
    while (!pb_at_end(c)) {
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(c, &f, &wt))
            return OTLP_EMALFORMED;
        if (f == field && wt != PB_LEN)
            return OTLP_EWIRETYPE;
        if (f == field)
            return pb_read_len_fast(c, out) ? 1 : OTLP_EMALFORMED;
        if (!pb_skip(c, wt))
            return OTLP_EMALFORMED;
    }
    return 0;
}

/*
 * Moves c onto the next span field without consuming it. Returns 1 with the
 * field's total size in *size, 0 at the end of the ScopeSpans, or < 0.
 */
static int peek_span(pb_cursor *c, size_t *size)
{
    while (!pb_at_end(c)) {
        pb_cursor t = *c;
        uint32_t f;
        enum pb_wire_type wt;
        pb_bytes body;
        if (!pb_read_tag_fast(&t, &f, &wt))
            return OTLP_EMALFORMED;
        if (f == CHILD_FIELD && wt != PB_LEN)
            return OTLP_EWIRETYPE;
        if (f == CHILD_FIELD) {
            if (!pb_read_len_fast(&t, &body))
                return OTLP_EMALFORMED;
            *size = (size_t)(t.p - c->p);
            return 1;
        }
        if (!pb_skip(&t, wt))
            return OTLP_EMALFORMED;
        *c = t;
    }
    return 0;
}

static int enter(pb_bytes body, pb_bytes *keep, size_t *hdr, pb_cursor *children)
{
    int rc = header_size(body, hdr);
    *keep = body;
    *children = view_cursor(body);
    return rc;
}

/*
 * Normalizes a position onto the next span, crossing into later ScopeSpans
 * and ResourceSpans as needed. Returns 1 with *size set, 0 when no span is
 * left, or < 0. Idempotent at a span.
 */
static int seek_span(otlp_split_pos *p, size_t *size)
{
    for (;;) {
        pb_bytes body;
        int rc = peek_span(&p->ss, size);
        if (rc != 0)
            return rc;
        rc = next_child(&p->rs, CHILD_FIELD, &body);
        if (rc > 0) {
            rc = enter(body, &p->ss_body, &p->ss_hdr, &p->ss);
        } else if (rc == 0) {
            rc = next_child(&p->req, REQ_RESOURCE_SPANS, &body);
            if (rc <= 0)
                return rc;
            rc = enter(body, &p->rs_body, &p->rs_hdr, &p->rs);
            p->ss = no_cursor;
        }
        if (rc < 0)
            return rc;
    }
}

/* ---- planning ---- */

/* Running size of a piece: closed ResourceSpans, then the open ones. */
struct tally {
    size_t closed;   /* bytes of finished ResourceSpans fields */
    size_t rs_inner; /* open ResourceSpans: header + finished ScopeSpans fields */
    size_t ss_inner; /* open ScopeSpans: header + span fields */
    const uint8_t *rs, *ss; /* which ones are open (NULL: none yet) */
};

static size_t tally_total(const struct tally *t)
{
    return t->closed + field_size(t->rs_inner + field_size(t->ss_inner));
}

/* The tally after adding the span at p (of `size` bytes). */
static struct tally tally_add(struct tally t, const otlp_split_pos *p, size_t size)
{
    if (t.rs != p->rs_body.ptr) {
        if (t.rs)
            t.closed = tally_total(&t);
        t.rs = p->rs_body.ptr;
        t.rs_inner = p->rs_hdr;
        t.ss = NULL;
    }
    if (t.ss != p->ss_body.ptr) {
        if (t.ss)
            t.rs_inner += field_size(t.ss_inner);
        t.ss = p->ss_body.ptr;
        t.ss_inner = p->ss_hdr;
    }
    t.ss_inner += size;
    return t;
}

void otlp_split_init(otlp_splitter *s, const uint8_t *buf, size_t len, size_t max_spans,
                     size_t max_bytes)
{
    pb_bytes whole = {buf, len};
    memset(s, 0, sizeof *s);
    s->pos.req = view_cursor(whole);
    s->pos.rs = s->pos.ss = no_cursor;
    s->max_spans = max_spans;
    s->max_bytes = max_bytes;
}

static int split_fail(otlp_splitter *s, int rc)
{
    if (rc < 0)
        s->err = rc;
    return rc;
}

int otlp_split_next(otlp_splitter *s, otlp_piece *out)
{
    struct tally t = {0, 0, 0, NULL, NULL};
    size_t size = 0;
    int rc = s->err ? s->err : seek_span(&s->pos, &size);
    if (rc <= 0)
        return split_fail(s, rc);
    out->start = s->pos;
    out->spans = 0;
    while (rc > 0) {
        struct tally next = tally_add(t, &s->pos, size);
        if (out->spans > 0 && s->max_bytes && tally_total(&next) > s->max_bytes)
            break;
        t = next;
        out->spans++;
        s->pos.ss.p += size;
        if (s->max_spans && out->spans == s->max_spans)
            break;
        rc = seek_span(&s->pos, &size);
    }
    out->size = tally_total(&t);
    return rc < 0 ? split_fail(s, rc) : 1;
}

/* ---- producing ---- */

/* Passes segments on, merging adjacent borrowed ones. */
struct gather {
    otlp_segment_fn fn;
    void *ctx;
    const uint8_t *run;
    size_t run_len;
};

static int gather_flush(struct gather *g)
{
    size_t len = g->run_len;
    g->run_len = 0;
    return len ? g->fn(g->ctx, g->run, len, true) : 0;
}

static int gather_borrow(struct gather *g, const uint8_t *p, size_t len)
{
    int rc = 0;
    if (g->run_len && g->run + g->run_len == p) {
        g->run_len += len;
        return 0;
    }
    rc = gather_flush(g);
    g->run = p;
    g->run_len = len;
    return rc;
}

/* Writes the tag and length prefix of a LEN field. */
static int gather_prefix(struct gather *g, uint32_t field, size_t body_len)
{
    uint8_t tmp[11];
    int rc = gather_flush(g);
    if (rc != 0)
        return rc;
    tmp[0] = (uint8_t)(field << 3 | PB_LEN);
    return g->fn(g->ctx, tmp, 1 + pb_write_varint(tmp + 1, body_len), false);
}

/* Passes on every field of a container body except its children. */
static int gather_header(struct gather *g, pb_bytes body)
{
    pb_cursor c = view_cursor(body);
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        int rc;
        if (!pb_read_tag_fast(&c, &f, &wt) || !pb_skip(&c, wt))
            return OTLP_EMALFORMED;
        if (f != CHILD_FIELD && (rc = gather_borrow(g, start, (size_t)(c.p - start))) != 0)
            return rc;
    }
    return OTLP_OK;
}

/*
 * Measures the spans of the current ScopeSpans from p on, at most *left of
 * them: adds their bytes to *len, takes them off *left and leaves p at the
 * next span (possibly in another ScopeSpans). Returns 1, 0 at the end of
 * input, or < 0; p is not moved past the last span of the budget.
 */
static int measure_scope(otlp_split_pos *p, size_t *left, size_t *len)
{
    const uint8_t *ss = p->ss_body.ptr;
    size_t size;
    int rc = seek_span(p, &size);
    while (rc > 0 && p->ss_body.ptr == ss && *left > 0) {
        *len += size;
        --*left;
        p->ss.p += size;
        if (*left > 0)
            rc = seek_span(p, &size);
    }
    return rc;
}

/* Body size of the piece's part of the current ResourceSpans. */
static int measure_resource(otlp_split_pos p, size_t left, size_t *len)
{
    const uint8_t *rs = p.rs_body.ptr;
    int rc = 1;
    *len = p.rs_hdr;
    while (rc > 0 && left > 0 && p.rs_body.ptr == rs) {
        size_t ss_len = p.ss_hdr;
        rc = measure_scope(&p, &left, &ss_len);
        if (rc >= 0)
            *len += field_size(ss_len);
    }
    return rc < 0 ? rc : OTLP_OK;
}

static int gather_scope(struct gather *g, otlp_split_pos *p, size_t *left)
{
    otlp_split_pos m = *p;
    size_t budget = *left, ss_len = p->ss_hdr, size;
    const uint8_t *ss = p->ss_body.ptr;
    int rc = measure_scope(&m, &budget, &ss_len);
    if (rc < 0 || (rc = gather_prefix(g, CHILD_FIELD, ss_len)) != 0 ||
        (rc = gather_header(g, p->ss_body)) != 0)
        return rc;
    while (*left > 0 && (rc = seek_span(p, &size)) > 0 && p->ss_body.ptr == ss) {
        if ((rc = gather_borrow(g, p->ss.p, size)) != 0)
            return rc;
        p->ss.p += size;
        --*left;
    }
    return rc < 0 ? rc : OTLP_OK;
}

static int gather_resource(struct gather *g, otlp_split_pos *p, size_t *left)
{
    const uint8_t *rs = p->rs_body.ptr;
    size_t rs_len, size;
    int rc = measure_resource(*p, *left, &rs_len);
    if (rc < 0 || (rc = gather_prefix(g, REQ_RESOURCE_SPANS, rs_len)) != 0 ||
        (rc = gather_header(g, p->rs_body)) != 0)
        return rc;
    while (*left > 0 && (rc = seek_span(p, &size)) > 0 && p->rs_body.ptr == rs)
        if ((rc = gather_scope(g, p, left)) != 0)
            return rc;
    return rc < 0 ? rc : OTLP_OK;
}

int otlp_piece_gather(const otlp_piece *piece, otlp_segment_fn fn, void *ctx)
{
    struct gather g = {fn, ctx, NULL, 0};
    otlp_split_pos p = piece->start;
    size_t left = piece->spans, size;
    while (left > 0) {
        int rc = seek_span(&p, &size);
        if (rc == 0)
            rc = OTLP_EMALFORMED; /* fewer spans than planned */
        if (rc < 0 || (rc = gather_resource(&g, &p, &left)) != 0)
            return rc;
    }
    return gather_flush(&g);
}

struct sink {
    uint8_t *dst;
    size_t used, cap;
};

static int sink_write(void *ctx, const uint8_t *data, size_t len, bool borrowed)
{
    struct sink *s = ctx;
    (void)borrowed;
    if (len > s->cap - s->used)
        return OTLP_ENOSPACE;
    memcpy(s->dst + s->used, data, len);
    s->used += len;
    return 0;
}

int otlp_piece_write(const otlp_piece *p, uint8_t *dst, size_t cap)
{
    struct sink s = {dst, 0, cap};
    int rc;
    if (cap < p->size)
        return OTLP_ENOSPACE;
    rc = otlp_piece_gather(p, sink_write, &s);
    if (rc == OTLP_OK && s.used != p->size)
        rc = OTLP_EMALFORMED; /* the input changed since planning */
    return rc;
}
