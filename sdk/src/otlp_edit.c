/*
 * otlp_edit.c: the OTLP editor: walks a trace request and writes the
 * edited copy in one pass.
 *
 * The input is read in wire order at three levels (request, ResourceSpans,
 * ScopeSpans), each a frame: a cursor over the message body and the place
 * of its copy in the output. Fields that are not children are copied as
 * they come, except the header message (Resource, InstrumentationScope),
 * written with the edited attribute list. A frame's length prefix is
 * written when it closes; a header edited after it was written is written
 * again then and spliced into place. The SDK walker runs in step with the
 * frames and decodes the views handed to the caller; the frames check
 * that both stand on the same bytes.
 */
#include "otlp_edit_int.h"

#include <stdlib.h>
#include <string.h>

#define HEADER_FIELD 1 /* ResourceSpans.resource, ScopeSpans.scope */
#define SPAN_TRACE_STATE 3
#define SPAN_NAME 5
#define SPAN_KIND 6
#define SPAN_START 7
#define SPAN_END 8
#define SPAN_ATTRS 9
#define SPAN_DROPPED_ATTRS 10
#define SPAN_STATUS 15
#define RESOURCE_DROPPED_ATTRS 2
#define SCOPE_DROPPED_ATTRS 4
#define STATUS_MESSAGE 2
#define STATUS_CODE 3
#define LOG_ATTRS 6
#define METRIC_METADATA 12

/* The span's scalar fields otlp_edit_span_kind, _start, _end and _id set,
 * in field order (SC_* in otlp_edit_int.h). */
static const uint32_t scalar_field[SC_COUNT] = {1, 2, 4, SPAN_KIND, SPAN_START, SPAN_END};

static const pb_bytes no_bytes = {NULL, 0};

/* ---- lifecycle ---- */

otlp_editor *otlp_editor_new(void)
{
    otlp_editor *ed = calloc(1, sizeof *ed);
    if (ed)
        otlp_edit_begin(ed, NULL, 0);
    return ed;
}

void otlp_editor_free(otlp_editor *ed)
{
    if (!ed)
        return;
    ebuf_release(&ed->out);
    ebuf_release(&ed->scratch);
    for (int i = LV_RESOURCE; i < LV_COUNT; i++)
        attrs_release(&ed->f[i].hdr.attrs);
    attrs_release(&ed->sp.attrs);
    fields_release(&ed->sp.fields);
    sub_release(&ed->sp.events);
    sub_release(&ed->sp.links);
    ebuf_release(&ed->sp.name);
    ebuf_release(&ed->sp.message);
    ebuf_release(&ed->sp.state);
    edit_metric_release(&ed->mt);
    free(ed);
}

#define MAX_BUFS 32

/* Puts the three buffers of an attribute list into bufs at n. */
static size_t list_bufs(attr_list *l, ebuf **bufs, size_t n)
{
    bufs[n] = &l->cur;
    bufs[n + 1] = &l->tmp;
    bufs[n + 2] = &l->value;
    return n + 3;
}

/* Every buffer of the editor, for the failure flags. */
static size_t all_bufs(otlp_editor *ed, ebuf **bufs)
{
    size_t n = 0;
    bufs[n++] = &ed->out;
    bufs[n++] = &ed->scratch;
    bufs[n++] = &ed->sp.name;
    bufs[n++] = &ed->sp.message;
    bufs[n++] = &ed->sp.state;
    bufs[n++] = &ed->sp.events.out;
    bufs[n++] = &ed->sp.links.out;
    n = list_bufs(&ed->sp.attrs, bufs, n);
    n = list_bufs(&ed->sp.events.attrs, bufs, n);
    n = list_bufs(&ed->sp.links.attrs, bufs, n);
    bufs[n++] = &ed->mt.field;
    bufs[n++] = &ed->mt.points.out;
    n = list_bufs(&ed->mt.points.attrs, bufs, n);
    for (int i = LV_RESOURCE; i < LV_COUNT; i++)
        n = list_bufs(&ed->f[i].hdr.attrs, bufs, n);
    return n;
}

/* Drops an allocation failure of an earlier request: buffers are reused. */
static void clear_failures(otlp_editor *ed)
{
    ebuf *bufs[MAX_BUFS];
    size_t n = all_bufs(ed, bufs);
    for (size_t i = 0; i < n; i++)
        bufs[i]->failed = false;
}

static bool any_failed(otlp_editor *ed)
{
    ebuf *bufs[MAX_BUFS];
    size_t n = all_bufs(ed, bufs);
    for (size_t i = 0; i < n; i++)
        if (bufs[i]->failed)
            return true;
    return false;
}

void otlp_edit_begin(otlp_editor *ed, const uint8_t *buf, size_t len)
{
    pb_bytes whole = {buf, len};
    otlp_walk_init(&ed->w, buf, len);
    ed->signal = OTELC_TRACES;
    clear_failures(ed);
    ed->out.len = 0;
    for (int i = 0; i < LV_COUNT; i++)
        ed->f[i].open = false;
    ed->sp.open = false;
    ed->spans = 0;
    ed->err = OTLP_OK;
    ed->finished = ed->taken = false;
    ed->f[LV_REQUEST] = (frame){.in = view_cursor(whole), .child = 1, .open = true};
}

int edit_fail(otlp_editor *ed, int rc)
{
    if (rc < 0 && ed->err == OTLP_OK)
        ed->err = rc;
    return rc;
}

/* ---- headers ---- */

/* Writes a header message with the edited attributes into b. */
static int header_write(ebuf *b, header *h, pb_bytes body)
{
    return write_with_attrs(b, HEADER_FIELD, body, &h->attrs);
}

/* A header met in the input: written with the edits made so far. */
static int header_met(otlp_editor *ed, header *h, pb_bytes whole, pb_bytes body)
{
    int rc = OTLP_OK;
    h->in = body;
    h->seen = true;
    h->at = ed->out.len;
    h->gen = h->attrs.gen;
    if (h->gen == 0)
        ebuf_put(&ed->out, whole.ptr, whole.len);
    else
        rc = header_write(&ed->out, h, body);
    h->len = ed->out.len - h->at;
    return rc;
}

/* Edits made after the header was written (or with none in the input):
 * write it again and put it in place of the old one (or first). */
static int header_fixup(otlp_editor *ed, frame *fr)
{
    header *h = &fr->hdr;
    int rc;
    if (h->attrs.gen == h->gen)
        return OTLP_OK;
    ed->scratch.len = 0;
    rc = header_write(&ed->scratch, h, h->seen ? h->in : no_bytes);
    ebuf_splice(&ed->out, h->seen ? h->at : fr->msg.body_at, h->seen ? h->len : 0,
                ed->scratch.p, ed->scratch.len);
    return rc;
}

/* ---- frames ---- */

/*
 * Copies the frame's body fields up to its next child, writing the header
 * on the way. Returns 1 with the child (the whole field and its payload),
 * 0 at the end of the body, or a negative code.
 */
static int frame_next_child(otlp_editor *ed, frame *fr, pb_bytes *whole, pb_bytes *payload)
{
    *payload = no_bytes;
    while (!pb_at_end(&fr->in)) {
        const uint8_t *start = fr->in.p;
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&fr->in, &f, &wt))
            return OTLP_EMALFORMED;
        if (f == fr->child && wt != PB_LEN)
            return OTLP_EWIRETYPE;
        if (wt == PB_LEN ? !pb_read_len_fast(&fr->in, payload) : !pb_skip(&fr->in, wt))
            return OTLP_EMALFORMED;
        whole->ptr = start;
        whole->len = (size_t)(fr->in.p - start);
        if (f == fr->child)
            return 1;
        bool is_header = fr != &ed->f[LV_REQUEST] && f == HEADER_FIELD && wt == PB_LEN;
        int rc = is_header ? header_met(ed, &fr->hdr, *whole, *payload) : OTLP_OK;
        if (!is_header)
            ebuf_put(&ed->out, whole->ptr, whole->len);
        if (rc != OTLP_OK)
            return rc;
    }
    return 0;
}

static void frame_open(otlp_editor *ed, int level, pb_bytes payload, const otlp_list *attrs,
                       attr_where where)
{
    frame *fr = &ed->f[level];
    fr->in = view_cursor(payload);
    fr->child = 2; /* ResourceSpans.scope_spans, ScopeSpans.spans */
    fr->start = ed->out.len;
    fr->msg = msg_open(&ed->out, level == LV_RESOURCE ? 1 : 2, payload.len);
    fr->spans_out = 0;
    fr->open = true;
    fr->dropped = fr->lost = false;
    fr->hdr.seen = false;
    fr->hdr.gen = 0;
    attrs_enter(&fr->hdr.attrs, attrs, where);
}

static int span_flush(otlp_editor *ed);
static int frame_close(otlp_editor *ed, int level);

/* Copies the children a caller did not visit, unchanged. */
static int frame_copy_rest(otlp_editor *ed, int level)
{
    static const otlp_list no_list = {{NULL, 0}, 0};
    frame *fr = &ed->f[level];
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    int rc;
    while ((rc = frame_next_child(ed, fr, &whole, &payload)) > 0) {
        if (level == LV_SCOPE) {
            size_t items;
            if ((rc = edit_item_count(ed, payload, &items)) != OTLP_OK)
                return rc;
            ebuf_put(&ed->out, whole.ptr, whole.len);
            fr->spans_out += items;
            continue;
        }
        frame_open(ed, level + 1, payload, &no_list, (attr_where){0, 0});
        if ((rc = frame_close(ed, level + 1)) != OTLP_OK)
            return rc;
    }
    return rc;
}

/* The frame's output is removed: dropped, or emptied by drops inside. */
static bool frame_removed(const frame *fr, int level)
{
    return level != LV_REQUEST && (fr->dropped || (fr->lost && fr->spans_out == 0));
}

/* Finishes a frame (and the ones inside it): the rest of its body, its
 * header, its length; or its removal. */
static int frame_close(otlp_editor *ed, int level)
{
    frame *fr = &ed->f[level];
    int rc = OTLP_OK;
    if (!fr->open)
        return OTLP_OK;
    if (level + 1 < LV_COUNT)
        rc = frame_close(ed, level + 1);
    else
        rc = span_flush(ed);
    if (rc == OTLP_OK && !fr->dropped)
        rc = frame_copy_rest(ed, level);
    if (rc == OTLP_OK && !fr->dropped && level != LV_REQUEST)
        rc = header_fixup(ed, fr);
    fr->open = false;
    if (level == LV_REQUEST)
        return rc;
    if (frame_removed(fr, level)) {
        ed->out.len = fr->start;
        ed->f[level - 1].lost = true;
    } else {
        msg_close(&ed->out, fr->msg);
        ed->f[level - 1].spans_out += fr->spans_out;
    }
    return rc;
}

/* ---- the current span ---- */

/* The Status field from the code and the current message. */
static pb_bytes status_field(otlp_editor *ed)
{
    span_edit *sp = &ed->sp;
    pb_bytes msg = sp->message_set ? (pb_bytes){sp->message.p, sp->message.len}
                                   : sp->input_message;
    uint64_t code = (uint64_t)(int64_t)sp->code;
    size_t body = (msg.len ? len_field_size(msg.len) : 0) +
                  (code ? 1 + pb_varint_size(code) : 0);
    ed->scratch.len = 0;
    if (body) {
        ebuf_tag(&ed->scratch, SPAN_STATUS, PB_LEN);
        ebuf_varint(&ed->scratch, body);
        if (msg.len)
            ebuf_len_field(&ed->scratch, STATUS_MESSAGE, msg.ptr, msg.len);
        if (code) {
            ebuf_tag(&ed->scratch, STATUS_CODE, PB_VARINT);
            ebuf_varint(&ed->scratch, code);
        }
    }
    return (pb_bytes){ed->scratch.p, ed->scratch.len};
}

static patch scalar_patch(const span_edit *sp, int which)
{
    patch p = {scalar_field[which], {sp->scalar[which], sp->scalar_len[which]},
               sp->scalar_set[which]};
    return p;
}

/* The span's patches in field order; how many are on. */
#define SPAN_PATCHES 15
static size_t span_patches(otlp_editor *ed, patch *p)
{
    span_edit *sp = &ed->sp;
    size_t on = 0;
    p[0] = scalar_patch(sp, SC_TRACE_ID);
    p[1] = scalar_patch(sp, SC_SPAN_ID);
    p[2] = (patch){SPAN_TRACE_STATE, {sp->state.p, sp->state.len}, sp->state_set};
    p[3] = scalar_patch(sp, SC_PARENT_ID);
    p[4] = (patch){SPAN_NAME, {sp->name.p, sp->name.len}, sp->name_set};
    p[5] = scalar_patch(sp, SC_KIND);
    p[6] = scalar_patch(sp, SC_START);
    p[7] = scalar_patch(sp, SC_END);
    p[8] = attrs_patch(&sp->attrs);
    p[9] = attrs_dropped_patch(&sp->attrs);
    p[10] = sub_patch(&sp->events);
    p[11] = sub_count_patch(&sp->events);
    p[12] = sub_patch(&sp->links);
    p[13] = sub_count_patch(&sp->links);
    p[14] = (patch){SPAN_STATUS, no_bytes, sp->status_set};
    if (sp->status_set)
        p[14].bytes = status_field(ed);
    for (size_t i = 0; i < SPAN_PATCHES; i++)
        on += p[i].on;
    return on;
}

/* ScopeSpans.spans and ScopeLogs.log_records */
#define ITEM_FIELD 2

/* A log record's attributes, their dropped count, and the fields
 * otlp_edit_field set, in field order. */
static int write_log_record(otlp_editor *ed)
{
    span_edit *sp = &ed->sp;
    patch own[2] = {attrs_patch(&sp->attrs), attrs_dropped_patch(&sp->attrs)};
    patch all[FIELD_SET_MAX + 2];
    size_t n = fields_merge(&sp->fields, own, 2, all);
    open_msg m = msg_open(&ed->out, ITEM_FIELD, sp->body.len);
    int rc = copy_patched(&ed->out, sp->body, all, n);
    msg_close(&ed->out, m);
    return rc;
}

/* A log record's edits are its attributes and fields: the span's patches,
 * whose field numbers are a span's, would put them out of order. */
static int item_write_edited(otlp_editor *ed, const patch *patches)
{
    span_edit *sp = &ed->sp;
    if (ed->signal == OTELC_LOGS)
        return write_log_record(ed);
    open_msg m = msg_open(&ed->out, ITEM_FIELD, sp->body.len);
    int rc = copy_patched(&ed->out, sp->body, patches, SPAN_PATCHES);
    msg_close(&ed->out, m);
    return rc;
}

/* Writes the current item out (or not, if dropped) and leaves it. A log
 * record's patches are a span's with only its attributes on. */
static int span_flush(otlp_editor *ed)
{
    span_edit *sp = &ed->sp;
    frame *ss = &ed->f[LV_SCOPE];
    patch patches[SPAN_PATCHES];
    int rc = OTLP_OK;
    if (!sp->open)
        return OTLP_OK;
    if (ed->signal == OTELC_METRICS)
        return edit_metric_flush(ed);
    sp->open = false;
    if (sp->dropped) {
        ss->lost = true;
        return OTLP_OK;
    }
    if ((rc = sub_close(&sp->events)) != OTLP_OK || (rc = sub_close(&sp->links)) != OTLP_OK)
        return rc;
    if (span_patches(ed, patches) > 0 || sp->fields.n > 0)
        rc = item_write_edited(ed, patches);
    else
        ebuf_put(&ed->out, sp->whole.ptr, sp->whole.len);
    ss->spans_out++;
    return rc;
}

void edit_item_enter(otlp_editor *ed, pb_bytes whole, pb_bytes body, const otlp_list *attrs,
                     attr_where where)
{
    static const otlp_list none = {{NULL, 0}, 0};
    span_edit *sp = &ed->sp;
    sp->open = true;
    sp->dropped = sp->name_set = sp->status_set = sp->message_set = sp->state_set = false;
    memset(sp->scalar_set, 0, sizeof sp->scalar_set);
    fields_clear(&sp->fields);
    sp->whole = whole;
    sp->body = body;
    sp->input_message = (pb_bytes){NULL, 0};
    sp->code = 0;
    attrs_enter(&sp->attrs, attrs, where);
    sub_enter(&sp->events, SUB_EVENTS, &none, 0);
    sub_enter(&sp->links, SUB_LINKS, &none, 0);
}

static void span_enter(otlp_editor *ed, pb_bytes whole, const otlp_span *view)
{
    span_edit *sp = &ed->sp;
    edit_item_enter(ed, whole, view->raw, &view->attrs,
                    (attr_where){SPAN_DROPPED_ATTRS, view->dropped_attributes_count});
    sp->input_message = view->status_message;
    sp->code = view->status_code;
    sub_enter(&sp->events, SUB_EVENTS, &view->events, view->dropped_events_count);
    sub_enter(&sp->links, SUB_LINKS, &view->links, view->dropped_links_count);
}

/* ---- iteration ---- */

/* The walker must have read the child the frame found. */
int edit_in_step(int walk_rc, pb_bytes walked, pb_bytes found)
{
    if (walk_rc < 0)
        return walk_rc;
    return walk_rc == 1 && walked.ptr == found.ptr && walked.len == found.len
               ? 1
               : OTLP_EMALFORMED;
}

int otlp_edit_resource(otlp_editor *ed, otlp_resource *out)
{
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    int rc = ed->err ? ed->err : ed->finished ? 0 : frame_close(ed, LV_RESOURCE);
    if (rc != OTLP_OK || ed->finished)
        return edit_fail(ed, rc);
    rc = frame_next_child(ed, &ed->f[LV_REQUEST], &whole, &payload);
    if (rc > 0)
        rc = edit_in_step(otlp_walk_resource(&ed->w, out), out->raw, payload);
    if (rc <= 0)
        return edit_fail(ed, rc);
    frame_open(ed, LV_RESOURCE, payload, &out->attrs,
               (attr_where){RESOURCE_DROPPED_ATTRS, out->dropped_attributes_count});
    return 1;
}

int otlp_edit_scope(otlp_editor *ed, otlp_scope *out)
{
    frame *rs = &ed->f[LV_RESOURCE];
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    int rc = ed->err ? ed->err : !rs->open || rs->dropped ? 0 : frame_close(ed, LV_SCOPE);
    if (rc != OTLP_OK || !rs->open || rs->dropped)
        return edit_fail(ed, rc);
    rc = frame_next_child(ed, rs, &whole, &payload);
    if (rc > 0)
        rc = edit_in_step(otlp_walk_scope(&ed->w, out), out->raw, payload);
    if (rc <= 0)
        return edit_fail(ed, rc);
    frame_open(ed, LV_SCOPE, payload, &out->attrs,
               (attr_where){SCOPE_DROPPED_ATTRS, out->dropped_attributes_count});
    return 1;
}

int edit_item_next(otlp_editor *ed, pb_bytes *whole, pb_bytes *payload)
{
    frame *ss = &ed->f[LV_SCOPE];
    int rc = ed->err ? ed->err : !ss->open || ss->dropped ? 0 : span_flush(ed);
    if (rc != OTLP_OK || !ss->open || ss->dropped)
        return edit_fail(ed, rc);
    return edit_fail(ed, frame_next_child(ed, ss, whole, payload));
}

int otlp_edit_span(otlp_editor *ed, otlp_span *out)
{
    pb_bytes whole = {NULL, 0}, payload = {NULL, 0};
    if (ed->signal != OTELC_TRACES)
        return OTLP_ESTATE;
    int rc = edit_item_next(ed, &whole, &payload);
    if (rc > 0)
        rc = edit_in_step(otlp_walk_span(&ed->w, out), out->raw, payload);
    if (rc <= 0)
        return edit_fail(ed, rc);
    span_enter(ed, whole, out);
    return 1;
}

int otlp_edit_finish(otlp_editor *ed, size_t *spans)
{
    int rc = ed->err;
    if (rc == OTLP_OK && !ed->finished) {
        rc = edit_fail(ed, frame_close(ed, LV_REQUEST));
        if (rc == OTLP_OK && any_failed(ed))
            rc = edit_fail(ed, OTLP_ENOMEM);
        ed->spans = ed->f[LV_REQUEST].spans_out;
        ed->finished = rc == OTLP_OK;
    }
    if (rc == OTLP_OK && spans)
        *spans = ed->spans;
    return rc;
}

const uint8_t *otlp_edit_output(const otlp_editor *ed, size_t *len)
{
    bool ready = ed->finished && !ed->taken && ed->err == OTLP_OK;
    static const uint8_t empty;
    *len = ready ? ed->out.len : 0;
    return !ready ? NULL : ed->out.p ? ed->out.p : &empty;
}

int otlp_edit_take(otlp_editor *ed, uint8_t **bytes, size_t *len)
{
    if (ed->err != OTLP_OK)
        return ed->err;
    if (!ed->finished || ed->taken)
        return OTLP_ESTATE;
    if (!ed->out.p && !ebuf_reserve(&ed->out, 1))
        return edit_fail(ed, OTLP_ENOMEM);
    *bytes = ed->out.p;
    *len = ed->out.len;
    memset(&ed->out, 0, sizeof ed->out);
    ed->taken = true;
    return OTLP_OK;
}

/* ---- edits ---- */

/* Whether something is current at a target (entered, not dropped). */
/* The target the current item answers to, by the request's signal. */
static enum otlp_edit_target item_target(const otlp_editor *ed)
{
    return ed->signal == OTELC_METRICS ? OTLP_EDIT_METRIC
           : ed->signal == OTELC_LOGS  ? OTLP_EDIT_LOG
                                       : OTLP_EDIT_SPAN;
}

static bool sub_current(const otlp_editor *ed, const sub_list *l)
{
    return ed->sp.open && !ed->sp.dropped && l->open && !l->dropped;
}

static bool current(const otlp_editor *ed, enum otlp_edit_target at)
{
    if (ed->finished || ed->err)
        return false;
    switch (at) {
    case OTLP_EDIT_RESOURCE: return ed->f[LV_RESOURCE].open && !ed->f[LV_RESOURCE].dropped;
    case OTLP_EDIT_SCOPE: return ed->f[LV_SCOPE].open && !ed->f[LV_SCOPE].dropped;
    case OTLP_EDIT_SPAN:
    case OTLP_EDIT_LOG:
    case OTLP_EDIT_METRIC: return at == item_target(ed) && ed->sp.open && !ed->sp.dropped;
    case OTLP_EDIT_EVENT: return sub_current(ed, &ed->sp.events);
    case OTLP_EDIT_LINK: return sub_current(ed, &ed->sp.links);
    case OTLP_EDIT_DATAPOINT: return sub_current(ed, &ed->mt.points);
    default: return false;
    }
}

static attr_list *target_attrs(otlp_editor *ed, enum otlp_edit_target at)
{
    if (!current(ed, at))
        return NULL;
    switch (at) {
    case OTLP_EDIT_RESOURCE: return &ed->f[LV_RESOURCE].hdr.attrs;
    case OTLP_EDIT_SCOPE: return &ed->f[LV_SCOPE].hdr.attrs;
    case OTLP_EDIT_EVENT: return &ed->sp.events.attrs;
    case OTLP_EDIT_LINK: return &ed->sp.links.attrs;
    case OTLP_EDIT_DATAPOINT: return &ed->mt.points.attrs;
    default: return &ed->sp.attrs; /* span, log record, metric (its metadata) */
    }
}

int otlp_edit_drop(otlp_editor *ed, enum otlp_edit_target at)
{
    if (!current(ed, at))
        return ed->err ? ed->err : OTLP_ESTATE;
    if (at == OTLP_EDIT_EVENT || at == OTLP_EDIT_LINK || at == OTLP_EDIT_DATAPOINT) {
        sub_list *l = at == OTLP_EDIT_EVENT  ? &ed->sp.events
                      : at == OTLP_EDIT_LINK ? &ed->sp.links
                                             : &ed->mt.points;
        l->dropped = true;
        return 1;
    }
    if (at == OTLP_EDIT_RESOURCE)
        ed->f[LV_RESOURCE].dropped = true;
    if (at <= OTLP_EDIT_SCOPE && ed->f[LV_SCOPE].open)
        ed->f[LV_SCOPE].dropped = true;
    if (ed->sp.open)
        ed->sp.dropped = true;
    return 1;
}

static pb_bytes bytes_of(const char *p, size_t len)
{
    pb_bytes b = {(const uint8_t *)p, len};
    return b;
}

/* Runs an attribute edit's outcome through the sticky error. */
static int attr_result(otlp_editor *ed, int rc)
{
    return rc < 0 ? edit_fail(ed, rc) : rc;
}

int otlp_edit_attr_put(otlp_editor *ed, enum otlp_edit_target at, const char *key,
                       size_t key_len, const otlp_anyvalue *v, enum otlp_attr_mode mode)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_put(l, bytes_of(key, key_len), v, mode));
}

int otlp_edit_attr_delete(otlp_editor *ed, enum otlp_edit_target at, const char *key,
                          size_t key_len)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_delete(l, bytes_of(key, key_len)));
}

int otlp_edit_attr_rename(otlp_editor *ed, enum otlp_edit_target at, const char *from,
                          size_t from_len, const char *to, size_t to_len)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_rename(l, bytes_of(from, from_len), bytes_of(to, to_len)));
}

int otlp_edit_attr_splice(otlp_editor *ed, enum otlp_edit_target at, size_t index,
                          size_t n_remove, const otlp_kv *ins, size_t n_insert)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    int rc = attrs_splice(l, index, n_remove, ins, n_insert);
    /* A range past the end is the caller's mistake, not the request's. */
    return rc == OTLP_EINVALID ? rc : attr_result(ed, rc);
}

int otlp_edit_attr_limit(otlp_editor *ed, enum otlp_edit_target at, size_t max)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_limit(l, max));
}

int otlp_edit_attr_truncate(otlp_editor *ed, enum otlp_edit_target at, size_t max)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_truncate(l, max));
}

int otlp_edit_span_limit(otlp_editor *ed, enum otlp_edit_target what, size_t max)
{
    if (!current(ed, OTLP_EDIT_SPAN) || (what != OTLP_EDIT_EVENT && what != OTLP_EDIT_LINK))
        return ed->err ? ed->err : OTLP_ESTATE;
    int rc = sub_limit(what == OTLP_EDIT_EVENT ? &ed->sp.events : &ed->sp.links, max);
    return rc == OTLP_ESTATE ? rc : attr_result(ed, rc);
}

/* Moves to the next event or link of the current span. */
static int sub_move(otlp_editor *ed, sub_list *s, void *view)
{
    if (ed->err)
        return ed->err;
    if (!current(ed, OTLP_EDIT_SPAN))
        return 0;
    int rc = sub_next(s, view);
    return rc < 0 ? edit_fail(ed, rc) : rc;
}

int otlp_edit_event(otlp_editor *ed, otlp_event *out)
{
    return sub_move(ed, &ed->sp.events, out);
}

int otlp_edit_link(otlp_editor *ed, otlp_link *out)
{
    return sub_move(ed, &ed->sp.links, out);
}

int otlp_edit_attrs(otlp_editor *ed, enum otlp_edit_target at, otlp_list *out)
{
    attr_list *l = target_attrs(ed, at);
    if (!l)
        return ed->err ? ed->err : OTLP_ESTATE;
    return attr_result(ed, attrs_current(l, out));
}

int otlp_edit_span_name(otlp_editor *ed, const char *name, size_t len)
{
    if (!current(ed, OTLP_EDIT_SPAN))
        return ed->err ? ed->err : OTLP_ESTATE;
    ed->sp.name.len = 0;
    ebuf_len_field(&ed->sp.name, SPAN_NAME, name, len);
    ed->sp.name_set = true;
    return ed->sp.name.failed ? edit_fail(ed, OTLP_ENOMEM) : 1;
}

int otlp_edit_span_trace_state(otlp_editor *ed, const char *state, size_t len)
{
    if (!current(ed, OTLP_EDIT_SPAN))
        return ed->err ? ed->err : OTLP_ESTATE;
    ed->sp.state.len = 0;
    if (len) /* proto3: an empty string is no field */
        ebuf_len_field(&ed->sp.state, SPAN_TRACE_STATE, state, len);
    ed->sp.state_set = true;
    return ed->sp.state.failed ? edit_fail(ed, OTLP_ENOMEM) : 1;
}

int otlp_edit_span_status(otlp_editor *ed, int32_t code, const char *message, size_t len)
{
    span_edit *sp = &ed->sp;
    if (!current(ed, OTLP_EDIT_SPAN))
        return ed->err ? ed->err : OTLP_ESTATE;
    sp->code = code;
    sp->status_set = true;
    if (message) {
        sp->message.len = 0;
        ebuf_put(&sp->message, message, len);
        sp->message_set = true;
    }
    return sp->message.failed ? edit_fail(ed, OTLP_ENOMEM) : 1;
}

/* Records a scalar field of the current span: its encoded bytes (none
 * when the value is proto3's default). */
static int span_scalar(otlp_editor *ed, int which, const uint8_t *field, size_t len)
{
    span_edit *sp = &ed->sp;
    if (!current(ed, OTLP_EDIT_SPAN))
        return ed->err ? ed->err : OTLP_ESTATE;
    memcpy(sp->scalar[which], field, len);
    sp->scalar_len[which] = len;
    sp->scalar_set[which] = true;
    return 1;
}

int otlp_edit_span_kind(otlp_editor *ed, int32_t kind)
{
    uint8_t f[16];
    size_t n = kind ? varint_field(f, SPAN_KIND, (uint64_t)(int64_t)kind) : 0;
    return span_scalar(ed, SC_KIND, f, n);
}

static int span_time(otlp_editor *ed, int which, uint64_t ns)
{
    uint8_t f[9];
    f[0] = (uint8_t)(scalar_field[which] << 3 | PB_I64);
    for (int i = 0; i < 8; i++)
        f[1 + i] = (uint8_t)(ns >> (8 * i));
    return span_scalar(ed, which, f, ns ? sizeof f : 0);
}

int otlp_edit_span_start(otlp_editor *ed, uint64_t unix_nano)
{
    return span_time(ed, SC_START, unix_nano);
}

int otlp_edit_span_end(otlp_editor *ed, uint64_t unix_nano)
{
    return span_time(ed, SC_END, unix_nano);
}

int otlp_edit_span_id(otlp_editor *ed, enum otlp_span_id_field which, const uint8_t *id,
                      size_t len)
{
    static const int slot[] = {SC_TRACE_ID, SC_SPAN_ID, SC_PARENT_ID};
    uint8_t f[18];
    size_t want = which == OTLP_TRACE_ID ? 16 : 8;
    if ((unsigned)which > OTLP_PARENT_SPAN_ID ||
        (len != want && !(which == OTLP_PARENT_SPAN_ID && len == 0)))
        return OTLP_EINVALID;
    f[0] = (uint8_t)(scalar_field[slot[which]] << 3 | PB_LEN);
    f[1] = (uint8_t)len;
    if (len)
        memcpy(f + 2, id, len);
    return span_scalar(ed, slot[which], f, len ? 2 + len : 0);
}

/* Whether otlp_edit_field may set field `number` at `at`: not the
 * lists other calls edit. */
static bool settable_field(const otlp_editor *ed, enum otlp_edit_target at, uint32_t number)
{
    switch (at) {
    case OTLP_EDIT_LOG: return number != LOG_ATTRS;
    case OTLP_EDIT_METRIC: return number != METRIC_METADATA;
    case OTLP_EDIT_DATAPOINT: return number != otlp_datapoint_attrs_field(ed->mt.kind);
    default: return false;
    }
}

int otlp_edit_field(otlp_editor *ed, enum otlp_edit_target at, const otlp_field *f)
{
    if (!current(ed, at))
        return ed->err ? ed->err : OTLP_ESTATE;
    if (!settable_field(ed, at, f->number))
        return OTLP_EINVALID;
    field_set *fs = at == OTLP_EDIT_DATAPOINT ? &ed->mt.points.fields : &ed->sp.fields;
    int rc = fields_put(fs, f);
    return rc == OTLP_ENOMEM ? edit_fail(ed, rc) : rc;
}

/* ---- callbacks ---- */

static int run_spans(otlp_editor *ed, const otlp_edit_fns *fns, void *arg)
{
    otlp_span sp;
    int rc;
    while ((rc = otlp_edit_span(ed, &sp)) > 0)
        if ((rc = fns->span(arg, ed, &sp)) < 0)
            return rc;
    return rc;
}

/* Whether fns visits the items of the editor's signal. */
static bool visits_items(const otlp_editor *ed, const otlp_edit_fns *fns)
{
    if (ed->signal == OTELC_METRICS)
        return fns->metric || fns->datapoint;
    return ed->signal == OTELC_LOGS ? fns->log != NULL : fns->span != NULL;
}

static int run_scopes(otlp_editor *ed, const otlp_edit_fns *fns, void *arg)
{
    otlp_scope s;
    int rc;
    bool items = visits_items(ed, fns);
    while ((rc = otlp_edit_scope(ed, &s)) > 0) {
        if (fns->scope && (rc = fns->scope(arg, ed, &s)) < 0)
            return rc;
        if (!items)
            continue;
        rc = ed->signal == OTELC_TRACES ? run_spans(ed, fns, arg) : edit_run_items(ed, fns, arg);
        if (rc < 0)
            return rc;
    }
    return rc;
}

int otlp_edit_run(otlp_editor *ed, const uint8_t *buf, size_t len, const otlp_edit_fns *fns,
                  void *arg, size_t *spans)
{
    return otlp_edit_run_signal(ed, OTELC_TRACES, buf, len, fns, arg, spans);
}

int otlp_edit_run_signal(otlp_editor *ed, otelc_signal signal, const uint8_t *buf, size_t len,
                         const otlp_edit_fns *fns, void *arg, size_t *items)
{
    otlp_resource r;
    int rc;
    otlp_edit_begin_signal(ed, signal, buf, len);
    while ((rc = otlp_edit_resource(ed, &r)) > 0) {
        if (fns->resource && (rc = fns->resource(arg, ed, &r)) < 0)
            return rc;
        if ((fns->scope || visits_items(ed, fns)) && (rc = run_scopes(ed, fns, arg)) < 0)
            return rc;
    }
    return rc < 0 ? rc : otlp_edit_finish(ed, items);
}
