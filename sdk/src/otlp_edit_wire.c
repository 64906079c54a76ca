/*
 * otlp_edit_wire.c: output buffers, patched message copies and attribute
 * lists for the OTLP editor. Field numbers follow opentelemetry-proto
 * (common/v1: KeyValue, AnyValue).
 */
#include "otlp_edit_wire.h"

#include <stdlib.h>
#include <string.h>

#define KV_KEY 1   /* KeyValue.key */
#define KV_VALUE 2 /* KeyValue.value */

/* ---- the buffer ---- */

bool ebuf_reserve(ebuf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 256;
    if (b->failed)
        return false;
    if (more <= b->cap - b->len)
        return true;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void ebuf_put(ebuf *b, const void *p, size_t n)
{
    if (n == 0 || !ebuf_reserve(b, n))
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void ebuf_varint(ebuf *b, uint64_t v)
{
    if (ebuf_reserve(b, 10))
        b->len += pb_write_varint(b->p + b->len, v);
}

void ebuf_tag(ebuf *b, uint32_t field, enum pb_wire_type wt)
{
    ebuf_varint(b, (uint64_t)field << 3 | (uint64_t)wt);
}

void ebuf_len_field(ebuf *b, uint32_t field, const void *p, size_t n)
{
    ebuf_tag(b, field, PB_LEN);
    ebuf_varint(b, n);
    ebuf_put(b, p, n);
}

void ebuf_splice(ebuf *b, size_t at, size_t old, const uint8_t *p, size_t n)
{
    if (b->failed || (n > old && !ebuf_reserve(b, n - old)))
        return;
    memmove(b->p + at + n, b->p + at + old, b->len - at - old);
    if (n)
        memcpy(b->p + at, p, n);
    b->len = b->len - old + n;
}

void ebuf_release(ebuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- messages written before their length is known ---- */

open_msg msg_open(ebuf *b, uint32_t field, size_t guess)
{
    open_msg m = {0, pb_varint_size(guess)};
    ebuf_tag(b, field, PB_LEN);
    if (ebuf_reserve(b, m.reserved))
        b->len += m.reserved;
    m.body_at = b->len;
    return m;
}

void msg_close(ebuf *b, open_msg m)
{
    if (b->failed)
        return;
    size_t body = b->len - m.body_at, need = pb_varint_size(body);
    if (need > m.reserved && !ebuf_reserve(b, need - m.reserved))
        return;
    uint8_t *prefix = b->p + m.body_at - m.reserved;
    if (need != m.reserved)
        memmove(prefix + need, b->p + m.body_at, body);
    pb_write_varint(prefix, body);
    b->len = m.body_at - m.reserved + need + body;
}

/* ---- patched copies ---- */

static const patch *patch_for(const patch *patches, size_t n, uint32_t field)
{
    for (size_t i = 0; i < n; i++)
        if (patches[i].on && patches[i].field == field)
            return &patches[i];
    return NULL;
}

/* Writes the patches of fields below `before` not written yet. */
static void write_missing(ebuf *b, const patch *patches, size_t n, bool *done,
                          uint32_t before)
{
    for (size_t i = 0; i < n && patches[i].field < before; i++)
        if (patches[i].on && !done[i]) {
            ebuf_put(b, patches[i].bytes.ptr, patches[i].bytes.len);
            done[i] = true;
        }
}

int copy_patched(ebuf *b, pb_bytes body, const patch *patches, size_t n)
{
    pb_cursor c = view_cursor(body);
    bool done[16] = {false}; /* a span has 9 patchable fields */
    if (n > sizeof done / sizeof done[0])
        return OTLP_EINVALID;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&c, &f, &wt) || !pb_skip(&c, wt))
            return OTLP_EMALFORMED;
        write_missing(b, patches, n, done, f);
        const patch *p = patch_for(patches, n, f);
        if (!p)
            ebuf_put(b, start, (size_t)(c.p - start));
        else if (!done[p - patches])
            ebuf_put(b, p->bytes.ptr, p->bytes.len);
        if (p)
            done[p - patches] = true;
    }
    write_missing(b, patches, n, done, UINT32_MAX);
    return OTLP_OK;
}

/* ---- AnyValue encoding ---- */

static size_t any_size(const otlp_anyvalue *v)
{
    switch (v->type) {
    case OTLP_ANY_STRING:
    case OTLP_ANY_ARRAY:
    case OTLP_ANY_KVLIST:
    case OTLP_ANY_BYTES: return len_field_size(v->bytes.len);
    case OTLP_ANY_BOOL: return 2;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: return 1 + pb_varint_size((uint64_t)v->integer);
    case OTLP_ANY_DOUBLE: return 9;
    default: return 0;
    }
}

static void write_double(ebuf *b, double d)
{
    uint64_t bits;
    uint8_t le[8];
    memcpy(&bits, &d, sizeof bits);
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(bits >> (8 * i));
    ebuf_tag(b, 4, PB_I64);
    ebuf_put(b, le, sizeof le);
}

/* The AnyValue body; field numbers are the value_case of each type. */
static void any_write(ebuf *b, const otlp_anyvalue *v)
{
    static const uint32_t len_fields[] = {
        [OTLP_ANY_STRING] = 1, [OTLP_ANY_ARRAY] = 5, [OTLP_ANY_KVLIST] = 6, [OTLP_ANY_BYTES] = 7};
    switch (v->type) {
    case OTLP_ANY_STRING:
    case OTLP_ANY_ARRAY:
    case OTLP_ANY_KVLIST:
    case OTLP_ANY_BYTES: ebuf_len_field(b, len_fields[v->type], v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_BOOL: ebuf_tag(b, 2, PB_VARINT); ebuf_varint(b, v->boolean); break;
    case OTLP_ANY_INT: ebuf_tag(b, 3, PB_VARINT); ebuf_varint(b, (uint64_t)v->integer); break;
    case OTLP_ANY_DOUBLE: write_double(b, v->number); break;
    case OTLP_ANY_STRINDEX: ebuf_tag(b, 8, PB_VARINT); ebuf_varint(b, (uint64_t)v->integer); break;
    default: break;
    }
}

void any_field_write(ebuf *b, uint32_t field, const otlp_anyvalue *v)
{
    ebuf_tag(b, field, PB_LEN);
    ebuf_varint(b, any_size(v));
    any_write(b, v);
}

/* A KeyValue field with a new value. */
static void kv_write(ebuf *b, uint32_t field, pb_bytes key, const otlp_anyvalue *v)
{
    size_t value = any_size(v);
    ebuf_tag(b, field, PB_LEN);
    ebuf_varint(b, len_field_size(key.len) + len_field_size(value));
    ebuf_len_field(b, KV_KEY, key.ptr, key.len);
    ebuf_tag(b, KV_VALUE, PB_LEN);
    ebuf_varint(b, value);
    any_write(b, v);
}

/* A KeyValue field with a new key and the AnyValue body it had. */
static void kv_write_raw(ebuf *b, uint32_t field, pb_bytes key, pb_bytes value)
{
    ebuf_tag(b, field, PB_LEN);
    ebuf_varint(b, len_field_size(key.len) + len_field_size(value.len));
    ebuf_len_field(b, KV_KEY, key.ptr, key.len);
    ebuf_len_field(b, KV_VALUE, value.ptr, value.len);
}

/* ---- attribute lists ---- */

/* One KeyValue field of an edited list. */
typedef struct kv_entry {
    pb_bytes whole; /* the field, tag to end */
    pb_bytes key;
    pb_bytes value; /* the AnyValue body */
} kv_entry;

static bool same_key(pb_bytes a, pb_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int kv_split(pb_bytes kv, kv_entry *e)
{
    pb_cursor c = view_cursor(kv);
    memset(&e->key, 0, sizeof e->key);
    memset(&e->value, 0, sizeof e->value);
    while (!pb_at_end(&c)) {
        uint32_t f;
        enum pb_wire_type wt;
        if (!pb_read_tag_fast(&c, &f, &wt))
            return OTLP_EMALFORMED;
        pb_bytes *into = f == KV_KEY ? &e->key : f == KV_VALUE ? &e->value : NULL;
        bool ok = into && wt == PB_LEN ? pb_read_len_fast(&c, into) : pb_skip(&c, wt);
        if (!ok)
            return OTLP_EMALFORMED;
    }
    return OTLP_OK;
}

/* The next KeyValue of a list: 1, 0 at the end, or a negative code. */
static int next_entry(pb_cursor *c, uint32_t field, kv_entry *e)
{
    while (!pb_at_end(c)) {
        const uint8_t *start = c->p;
        uint32_t f;
        enum pb_wire_type wt;
        pb_bytes kv;
        if (!pb_read_tag_fast(c, &f, &wt))
            return OTLP_EMALFORMED;
        if (f != field || wt != PB_LEN) {
            if (!pb_skip(c, wt))
                return OTLP_EMALFORMED;
            continue;
        }
        if (!pb_read_len_fast(c, &kv))
            return OTLP_EMALFORMED;
        e->whole.ptr = start;
        e->whole.len = (size_t)(c->p - start);
        return kv_split(kv, e) == OTLP_OK ? 1 : OTLP_EMALFORMED;
    }
    return 0;
}

void attrs_enter(attr_list *l, const otlp_list *in, attr_where where)
{
    l->field = in->field;
    l->in = *in;
    l->loaded = false;
    l->gen = 0;
    l->dropped_field = where.dropped_field;
    l->dropped_in = where.dropped_in;
    l->dropped_add = 0;
}

void attrs_release(attr_list *l)
{
    ebuf_release(&l->cur);
    ebuf_release(&l->tmp);
    ebuf_release(&l->value);
}

patch attrs_patch(const attr_list *l)
{
    patch p = {l->field, {l->cur.p, l->cur.len}, l->gen > 0};
    return p;
}

size_t varint_field(uint8_t *out, uint32_t field, uint64_t v)
{
    size_t n = pb_write_varint(out, (uint64_t)field << 3 | PB_VARINT);
    return n + pb_write_varint(out + n, v);
}

patch attrs_dropped_patch(attr_list *l)
{
    /* A message without a dropped count (a data point, a metric's
     * metadata) has nowhere to record a cut. */
    patch p = {l->dropped_field, {l->dropped_bytes, 0}, l->dropped_add > 0 && l->dropped_field};
    /* The count saturates rather than wrapping to a small number. */
    uint64_t sum = (uint64_t)l->dropped_in + l->dropped_add;
    if (p.on)
        p.bytes.len = varint_field(l->dropped_bytes, l->dropped_field,
                                   sum > UINT32_MAX ? UINT32_MAX : sum);
    return p;
}

int write_with_attrs(ebuf *b, uint32_t field, pb_bytes body, attr_list *l)
{
    patch p[2] = {attrs_patch(l), attrs_dropped_patch(l)};
    open_msg m = msg_open(b, field, body.len);
    /* Patches go in field order: the list may follow its count. */
    if (p[0].field > p[1].field) {
        patch t = p[0];
        p[0] = p[1];
        p[1] = t;
    }
    int rc = copy_patched(b, body, p, 2);
    msg_close(b, m);
    return rc;
}

/* Copies the input's KeyValue fields into cur, once, for the first edit. */
static int attrs_load(attr_list *l)
{
    pb_cursor c = view_cursor(l->in.range);
    kv_entry e;
    int rc;
    if (l->loaded)
        return OTLP_OK;
    l->cur.len = 0;
    while ((rc = next_entry(&c, l->field, &e)) > 0)
        ebuf_put(&l->cur, e.whole.ptr, e.whole.len);
    l->loaded = rc == 0;
    return rc;
}

/* Loads the list and tells whether it holds `key`: 1, 0 or < 0. */
static int attrs_find(attr_list *l, pb_bytes key)
{
    int rc = attrs_load(l);
    pb_cursor c = view_cursor((pb_bytes){l->cur.p, l->cur.len});
    kv_entry e;
    if (rc != OTLP_OK)
        return rc;
    while ((rc = next_entry(&c, l->field, &e)) > 0)
        if (same_key(e.key, key))
            return 1;
    return rc;
}

/* What a rewrite does to each attribute of one key. */
typedef struct rewrite {
    pb_bytes key;
    const otlp_anyvalue *value; /* the new value; else: */
    pb_bytes new_key;           /* rename to this; else (NULL ptr): delete */
} rewrite;

/* Makes tmp the current list (after a rewrite into it). */
static int attrs_swap(attr_list *l)
{
    ebuf swap = l->cur;
    l->cur = l->tmp;
    l->tmp = swap;
    l->gen++;
    return l->cur.failed ? OTLP_ENOMEM : OTLP_OK;
}

/* Rewrites cur into tmp, changing the attributes of rw->key, then swaps. */
static int attrs_rewrite(attr_list *l, const rewrite *rw)
{
    pb_cursor c = view_cursor((pb_bytes){l->cur.p, l->cur.len});
    kv_entry e;
    int rc;
    l->tmp.len = 0;
    while ((rc = next_entry(&c, l->field, &e)) > 0) {
        if (!same_key(e.key, rw->key))
            ebuf_put(&l->tmp, e.whole.ptr, e.whole.len);
        else if (rw->value)
            kv_write(&l->tmp, l->field, rw->key, rw->value);
        else if (rw->new_key.ptr)
            kv_write_raw(&l->tmp, l->field, rw->new_key, e.value);
    }
    int swapped = attrs_swap(l);
    if (rc == 0)
        rc = swapped;
    return rc < 0 ? rc : 1;
}

int attrs_current(attr_list *l, otlp_list *out)
{
    if (l->gen == 0 && !l->loaded) {
        *out = l->in;
        return OTLP_OK;
    }
    int rc = attrs_load(l);
    out->range = (pb_bytes){l->cur.p, l->cur.len};
    out->field = l->field;
    return rc;
}

/* Whether v's bytes lie inside cur (a value read back through
 * attrs_current), which an append may move while reading them. */
static bool aliases_cur(const attr_list *l, const otlp_anyvalue *v)
{
    bool viewed = v->type == OTLP_ANY_STRING || v->type == OTLP_ANY_BYTES ||
                  v->type == OTLP_ANY_ARRAY || v->type == OTLP_ANY_KVLIST;
    uintptr_t p = (uintptr_t)v->bytes.ptr, lo = (uintptr_t)l->cur.p;
    return viewed && l->cur.p && p >= lo && p < lo + l->cur.len;
}

/* Appends key = v; through tmp when v points into cur. */
static int attrs_append(attr_list *l, pb_bytes key, const otlp_anyvalue *v)
{
    if (aliases_cur(l, v)) {
        l->tmp.len = 0;
        ebuf_put(&l->tmp, l->cur.p, l->cur.len);
        kv_write(&l->tmp, l->field, key, v);
        ebuf swap = l->cur;
        l->cur = l->tmp;
        l->tmp = swap;
    } else {
        kv_write(&l->cur, l->field, key, v);
    }
    l->gen++;
    return l->cur.failed ? OTLP_ENOMEM : 1;
}

int attrs_put(attr_list *l, pb_bytes key, const otlp_anyvalue *v, enum otlp_attr_mode mode)
{
    int found = attrs_find(l, key);
    if (found < 0)
        return found;
    if (found ? mode == OTLP_ATTR_INSERT : mode == OTLP_ATTR_UPDATE)
        return 0;
    if (found) {
        rewrite rw = {key, v, {NULL, 0}};
        return attrs_rewrite(l, &rw);
    }
    return attrs_append(l, key, v);
}

int attrs_delete(attr_list *l, pb_bytes key)
{
    rewrite rw = {key, NULL, {NULL, 0}};
    int found = attrs_find(l, key);
    return found > 0 ? attrs_rewrite(l, &rw) : found;
}

int attrs_rename(attr_list *l, pb_bytes from, pb_bytes to)
{
    static const uint8_t none;
    int found = same_key(from, to) ? 0 : attrs_find(l, from);
    int taken = found > 0 ? attrs_find(l, to) : 0;
    if (found <= 0 || taken < 0)
        return found <= 0 ? found : taken;
    /* A renamed key needs a non-NULL pointer, even when empty. */
    rewrite rw = {from, NULL, {taken ? NULL : to.ptr ? to.ptr : &none, to.len}};
    return attrs_rewrite(l, &rw);
}

/* ---- places and limits ---- */

/* Writes the entries of cur from the cursor on into tmp, all of them
 * (n SIZE_MAX) or n; returns how many, or a negative code. */
static long copy_entries(attr_list *l, pb_cursor *c, size_t n)
{
    kv_entry e;
    long copied = 0;
    int rc = 0;
    while ((size_t)copied < n && (rc = next_entry(c, l->field, &e)) > 0) {
        ebuf_put(&l->tmp, e.whole.ptr, e.whole.len);
        copied++;
    }
    return rc < 0 ? rc : copied;
}

/* Skips n entries; OTLP_OK, OTLP_EINVALID past the end, or < 0. */
static int skip_entries(attr_list *l, pb_cursor *c, size_t n)
{
    kv_entry e;
    for (size_t i = 0; i < n; i++) {
        int rc = next_entry(c, l->field, &e);
        if (rc <= 0)
            return rc < 0 ? rc : OTLP_EINVALID;
    }
    return OTLP_OK;
}

int attrs_splice(attr_list *l, size_t index, size_t n_remove, const otlp_kv *ins,
                 size_t n_insert)
{
    int rc = n_remove || n_insert ? attrs_load(l) : 0;
    pb_cursor c = view_cursor((pb_bytes){l->cur.p, l->cur.len});
    if (rc != OTLP_OK || (!n_remove && !n_insert))
        return rc;
    l->tmp.len = 0;
    long kept = copy_entries(l, &c, index);
    if (kept < 0)
        return (int)kept;
    if ((size_t)kept < index || (rc = skip_entries(l, &c, n_remove)) != OTLP_OK)
        return rc < 0 ? rc : OTLP_EINVALID;
    for (size_t i = 0; i < n_insert; i++)
        kv_write(&l->tmp, l->field, ins[i].key, &ins[i].value);
    kept = copy_entries(l, &c, SIZE_MAX);
    rc = attrs_swap(l);
    return kept < 0 ? (int)kept : rc < 0 ? rc : 1;
}

int attrs_limit(attr_list *l, size_t max)
{
    int rc = attrs_load(l);
    pb_cursor c = view_cursor((pb_bytes){l->cur.p, l->cur.len});
    kv_entry e;
    size_t n = 0, keep_len = 0;
    if (rc != OTLP_OK)
        return rc;
    while ((rc = next_entry(&c, l->field, &e)) > 0)
        if (++n == max)
            keep_len = (size_t)(c.p - l->cur.p);
    if (rc < 0 || n <= max)
        return rc < 0 ? rc : 0;
    /* cur holds only the list's own fields: its first `max` end there. */
    l->cur.len = keep_len;
    l->gen++;
    size_t cut = n - max;
    l->dropped_add = cut > UINT32_MAX - l->dropped_add ? UINT32_MAX : l->dropped_add + (uint32_t)cut;
    return cut > INT32_MAX ? INT32_MAX : (int)cut;
}

size_t otlp_utf8_cut(const void *s, size_t len, size_t max)
{
    const uint8_t *p = s;
    size_t cut = max;
    if (len <= max)
        return len;
    /* p[cut] is the first byte left out: if it continues a character,
     * that whole character goes. */
    while (cut > 0 && (p[cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}

/* The kept length of a string or bytes value over max; len if not. */
static size_t cut_len(const otlp_anyvalue *v, size_t max)
{
    if (v->type == OTLP_ANY_STRING)
        return otlp_utf8_cut(v->bytes.ptr, v->bytes.len, max);
    return v->type == OTLP_ANY_BYTES && v->bytes.len > max ? max : v->bytes.len;
}

static bool cuttable(const otlp_anyvalue *v)
{
    return v->type == OTLP_ANY_STRING || v->type == OTLP_ANY_BYTES;
}

/* An ArrayValue body with its long items cut into l->value; the count
 * cut, or a negative code. */
static int array_cut(attr_list *l, pb_bytes body, size_t max)
{
    pb_cursor c = view_cursor(body);
    int cut = 0;
    l->value.len = 0;
    while (!pb_at_end(&c)) {
        const uint8_t *start = c.p;
        uint32_t f;
        enum pb_wire_type wt;
        pb_bytes item;
        otlp_anyvalue v;
        if (!pb_read_tag_fast(&c, &f, &wt) || (wt == PB_LEN ? !pb_read_len_fast(&c, &item)
                                                             : !pb_skip(&c, wt)))
            return OTLP_EMALFORMED;
        bool over = f == 1 && wt == PB_LEN && otlp_any_decode(item.ptr, item.len, &v) == OTLP_OK &&
                    cuttable(&v) && cut_len(&v, max) < v.bytes.len;
        if (!over) {
            ebuf_put(&l->value, start, (size_t)(c.p - start));
            continue;
        }
        v.bytes.len = cut_len(&v, max);
        ebuf_tag(&l->value, 1, PB_LEN);
        ebuf_varint(&l->value, any_size(&v));
        any_write(&l->value, &v);
        cut++;
    }
    return cut;
}

/* One attribute under the length limit into tmp; how many values cut. */
static int truncate_entry(attr_list *l, const kv_entry *e, size_t max)
{
    otlp_anyvalue v;
    int cut = 0;
    if (otlp_any_decode(e->value.ptr, e->value.len, &v) != OTLP_OK)
        v.type = OTLP_ANY_EMPTY; /* left as it is, like a kvlist */
    if (cuttable(&v) && cut_len(&v, max) < v.bytes.len) {
        v.bytes.len = cut_len(&v, max);
        cut = 1;
    } else if (v.type == OTLP_ANY_ARRAY && (cut = array_cut(l, v.bytes, max)) > 0) {
        v.bytes = (pb_bytes){l->value.p, l->value.len};
    }
    if (cut > 0)
        kv_write(&l->tmp, l->field, e->key, &v);
    else if (cut == 0)
        ebuf_put(&l->tmp, e->whole.ptr, e->whole.len);
    return cut;
}

int attrs_truncate(attr_list *l, size_t max)
{
    int rc = attrs_load(l), cut = 0;
    pb_cursor c = view_cursor((pb_bytes){l->cur.p, l->cur.len});
    kv_entry e;
    if (rc != OTLP_OK)
        return rc;
    l->tmp.len = 0;
    while ((rc = next_entry(&c, l->field, &e)) > 0) {
        int n = truncate_entry(l, &e, max);
        if (n < 0)
            return n;
        cut += n;
    }
    if (rc < 0 || cut == 0)
        return rc; /* tmp is scratch: cur stays as it was */
    rc = attrs_swap(l);
    return rc < 0 ? rc : cut;
}
