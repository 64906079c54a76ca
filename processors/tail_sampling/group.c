/*
 * group.c: cutting a request per trace id (group.h). A plan is made in
 * one walk (every span's trace, resource and scope), then each trace's
 * request is sized and written from the plan.
 */
#include "group.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

#define NONE UINT32_MAX
#define TAG_RESOURCE_SPANS 0x0a /* ExportTraceServiceRequest.resource_spans, LEN */
#define TAG_NESTED 0x12         /* ResourceSpans.scope_spans, ScopeSpans.spans: LEN */
#define NESTED_FIELD 2

/* One span of the request, chained to the next span of its trace. */
typedef struct span_rec {
    uint32_t rs, ss, next;
    pb_bytes raw;
} span_rec;

/* A ResourceSpans or ScopeSpans and the size of its fields but the list. */
typedef struct wrapper {
    pb_bytes raw;
    size_t hdr_len;
} wrapper;

typedef struct grp {
    const uint8_t *id;
    uint32_t first, last, spans;
    size_t size;
} grp;

typedef struct plan {
    span_rec *recs;
    size_t nrec, caprec;
    wrapper *rs, *ss;
    size_t nrs, caprs, nss, capss;
    grp *groups;
    size_t ngrp, capgrp;
    uint32_t *slots; /* open addressing: group index + 1, 0 empty */
    size_t nslots;
    size_t *runs; /* wrapper lengths, in the order the writer needs them */
    size_t nruns, capruns;
} plan;

static int grow(void *vp, size_t *cap, size_t need, size_t elem)
{
    void **v = vp;
    if (need <= *cap)
        return OTLP_OK;
    size_t cap2 = *cap ? *cap * 2 : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *nv = realloc(*v, cap2 * elem);
    if (!nv)
        return OTLP_ENOMEM;
    *v = nv;
    *cap = cap2;
    return OTLP_OK;
}

static size_t field_size(size_t len)
{
    return 1 + pb_varint_size(len) + len;
}

/* Bytes of raw's fields other than the nested list; -1 if malformed. */
static long header_len(pb_bytes raw)
{
    pb_cursor c = pb_cursor_of(raw.ptr, raw.len);
    size_t n = 0;
    while (!pb_at_end(&c)) {
        const uint8_t *at = c.p;
        uint32_t field;
        enum pb_wire_type type;
        if (!pb_read_tag(&c, &field, &type) || !pb_skip(&c, type))
            return -1;
        if (field != NESTED_FIELD)
            n += (size_t)(c.p - at);
    }
    return (long)n;
}

/* Copies raw's fields other than the nested list to dst; returns the end. */
static uint8_t *header_write(pb_bytes raw, uint8_t *dst)
{
    pb_cursor c = pb_cursor_of(raw.ptr, raw.len);
    while (!pb_at_end(&c)) {
        const uint8_t *at = c.p;
        uint32_t field;
        enum pb_wire_type type;
        if (!pb_read_tag(&c, &field, &type) || !pb_skip(&c, type))
            break; /* cannot happen: header_len read it */
        if (field != NESTED_FIELD) {
            memcpy(dst, at, (size_t)(c.p - at));
            dst += c.p - at;
        }
    }
    return dst;
}

static int add_wrapper(wrapper **v, size_t *n, size_t *cap, pb_bytes raw)
{
    long hl = header_len(raw);
    if (hl < 0)
        return OTLP_EMALFORMED;
    if (grow(v, cap, *n + 1, sizeof(**v)) != OTLP_OK)
        return OTLP_ENOMEM;
    (*v)[(*n)++] = (wrapper){raw, (size_t)hl};
    return OTLP_OK;
}

/* ---- trace id -> group ---- */

static size_t id_hash(const uint8_t *id)
{
    uint64_t a, b;
    memcpy(&a, id, 8);
    memcpy(&b, id + 8, 8);
    return (size_t)((a ^ b) * 0x9e3779b97f4a7c15ULL >> 17);
}

static int rehash(plan *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return OTLP_ENOMEM;
    for (size_t g = 0; g < p->ngrp; g++) {
        size_t i = id_hash(p->groups[g].id) & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)g + 1;
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = n;
    return OTLP_OK;
}

static int new_group(plan *p, const uint8_t *id, size_t slot, uint32_t *g)
{
    if (grow(&p->groups, &p->capgrp, p->ngrp + 1, sizeof(*p->groups)) != OTLP_OK)
        return OTLP_ENOMEM;
    *g = (uint32_t)p->ngrp;
    p->groups[p->ngrp++] = (grp){.id = id, .first = NONE, .last = NONE};
    p->slots[slot] = *g + 1;
    if (p->ngrp * 2 > p->nslots)
        return rehash(p);
    return OTLP_OK;
}

static int group_of(plan *p, const uint8_t *id, uint32_t *g)
{
    if (!p->nslots && rehash(p) != OTLP_OK)
        return OTLP_ENOMEM;
    size_t i = id_hash(id) & (p->nslots - 1);
    for (; p->slots[i]; i = (i + 1) & (p->nslots - 1))
        if (memcmp(p->groups[p->slots[i] - 1].id, id, TS_TRACE_ID_LEN) == 0) {
            *g = p->slots[i] - 1;
            return OTLP_OK;
        }
    return new_group(p, id, i, g);
}

/* ---- the walk ---- */

static int add_span(plan *p, const otlp_span *sp)
{
    uint32_t g;
    if (sp->trace_id.len != TS_TRACE_ID_LEN)
        return OTLP_EINVALID;
    int rc = group_of(p, sp->trace_id.ptr, &g);
    if (rc == OTLP_OK)
        rc = grow(&p->recs, &p->caprec, p->nrec + 1, sizeof(*p->recs));
    if (rc != OTLP_OK)
        return rc;
    uint32_t r = (uint32_t)p->nrec++;
    p->recs[r] = (span_rec){(uint32_t)p->nrs - 1, (uint32_t)p->nss - 1, NONE, sp->raw};
    grp *gr = &p->groups[g];
    if (gr->last == NONE)
        gr->first = r;
    else
        p->recs[gr->last].next = r;
    gr->last = r;
    gr->spans++;
    return OTLP_OK;
}

static int walk_scopes(plan *p, otlp_walker *w)
{
    otlp_scope sc;
    otlp_span sp;
    int rc;
    while ((rc = otlp_walk_scope(w, &sc)) > 0) {
        int e = add_wrapper(&p->ss, &p->nss, &p->capss, sc.raw);
        while (e == OTLP_OK && (rc = otlp_walk_span(w, &sp)) > 0)
            e = add_span(p, &sp);
        if (e != OTLP_OK)
            return e;
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int plan_walk(plan *p, const uint8_t *req, size_t len)
{
    otlp_walker w;
    otlp_resource res;
    int rc;
    otlp_walk_init(&w, req, len);
    while ((rc = otlp_walk_resource(&w, &res)) > 0) {
        int e = add_wrapper(&p->rs, &p->nrs, &p->caprs, res.raw);
        if (e == OTLP_OK)
            e = walk_scopes(p, &w);
        if (e != OTLP_OK)
            return e;
    }
    return rc;
}

/* ---- sizing: the runs of one resource and one scope a trace's spans form ---- */

typedef struct sizer {
    plan *p;
    uint32_t rs, ss;          /* the open runs, NONE when closed */
    size_t rs_slot, ss_slot;  /* where their lengths go in p->runs */
    size_t rs_len, ss_len, total;
} sizer;

static int push_run(plan *p, size_t *slot)
{
    if (grow(&p->runs, &p->capruns, p->nruns + 1, sizeof(*p->runs)) != OTLP_OK)
        return OTLP_ENOMEM;
    *slot = p->nruns++;
    return OTLP_OK;
}

static void close_scope(sizer *s)
{
    if (s->ss == NONE)
        return;
    s->p->runs[s->ss_slot] = s->ss_len;
    s->rs_len += field_size(s->ss_len);
    s->ss = NONE;
}

static void close_resource(sizer *s)
{
    close_scope(s);
    if (s->rs == NONE)
        return;
    s->p->runs[s->rs_slot] = s->rs_len;
    s->total += field_size(s->rs_len);
    s->rs = NONE;
}

static int size_span(sizer *s, const span_rec *r)
{
    if (r->rs != s->rs) {
        close_resource(s);
        if (push_run(s->p, &s->rs_slot) != OTLP_OK)
            return OTLP_ENOMEM;
        s->rs = r->rs;
        s->rs_len = s->p->rs[r->rs].hdr_len;
    }
    if (r->ss != s->ss) {
        close_scope(s);
        if (push_run(s->p, &s->ss_slot) != OTLP_OK)
            return OTLP_ENOMEM;
        s->ss = r->ss;
        s->ss_len = s->p->ss[r->ss].hdr_len;
    }
    s->ss_len += field_size(r->raw.len);
    return OTLP_OK;
}

static int size_group(plan *p, grp *g)
{
    sizer s = {.p = p, .rs = NONE, .ss = NONE};
    for (uint32_t r = g->first; r != NONE; r = p->recs[r].next)
        if (size_span(&s, &p->recs[r]) != OTLP_OK)
            return OTLP_ENOMEM;
    close_resource(&s);
    g->size = s.total;
    return OTLP_OK;
}

/* ---- writing ---- */

static uint8_t *write_len_field(uint8_t *dst, uint8_t tag, size_t len)
{
    *dst++ = tag;
    return dst + pb_write_varint(dst, len);
}

/* Writes group g's request at dst; *run walks p->runs in sizing order. */
static void write_group(const plan *p, const grp *g, uint8_t *dst, size_t *run)
{
    uint32_t rs = NONE, ss = NONE;
    for (uint32_t r = g->first; r != NONE; r = p->recs[r].next) {
        const span_rec *rec = &p->recs[r];
        if (rec->rs != rs) {
            dst = write_len_field(dst, TAG_RESOURCE_SPANS, p->runs[(*run)++]);
            dst = header_write(p->rs[rec->rs].raw, dst);
            rs = rec->rs;
            ss = NONE;
        }
        if (rec->ss != ss) {
            dst = write_len_field(dst, TAG_NESTED, p->runs[(*run)++]);
            dst = header_write(p->ss[rec->ss].raw, dst);
            ss = rec->ss;
        }
        dst = write_len_field(dst, TAG_NESTED, rec->raw.len);
        memcpy(dst, rec->raw.ptr, rec->raw.len);
        dst += rec->raw.len;
    }
}

static int make_cuts(plan *p, size_t headroom, ts_cuts *out)
{
    size_t run = 0;
    out->v = calloc(p->ngrp ? p->ngrp : 1, sizeof(*out->v));
    if (!out->v)
        return OTLP_ENOMEM;
    for (size_t i = 0; i < p->ngrp; i++) {
        const grp *g = &p->groups[i];
        ts_cut *c = &out->v[out->n];
        c->buf = malloc(headroom + g->size);
        if (!c->buf)
            return OTLP_ENOMEM;
        out->n++;
        memcpy(c->trace_id, g->id, TS_TRACE_ID_LEN);
        c->len = g->size;
        c->spans = g->spans;
        write_group(p, g, c->buf + headroom, &run);
    }
    return OTLP_OK;
}

static void plan_free(plan *p)
{
    free(p->recs);
    free(p->rs);
    free(p->ss);
    free(p->groups);
    free(p->slots);
    free(p->runs);
}

int ts_group(const uint8_t *req, size_t len, size_t headroom, ts_cuts *out)
{
    plan p = {0};
    memset(out, 0, sizeof(*out));
    int rc = plan_walk(&p, req, len);
    for (size_t g = 0; rc == OTLP_OK && g < p.ngrp; g++)
        rc = size_group(&p, &p.groups[g]);
    if (rc == OTLP_OK)
        rc = make_cuts(&p, headroom, out);
    plan_free(&p);
    if (rc != OTLP_OK)
        ts_cuts_free(out);
    return rc;
}

void ts_cuts_free(ts_cuts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].buf);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}
