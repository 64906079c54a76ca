/*
 * otlp_edit_field.c: the fields otlp_edit_field sets on a log record, a
 * metric or a data point, kept as encoded fields until the item is
 * written, then merged with the item's other patches (its attributes,
 * a metric's data points) in field order.
 */
#include "otlp_edit_wire.h"

void fields_release(field_set *fs)
{
    for (size_t i = 0; i < FIELD_SET_MAX; i++)
        ebuf_release(&fs->val[i]);
    fs->n = 0;
}

static void put_le(ebuf *b, uint64_t v, int bytes)
{
    uint8_t le[8];
    for (int i = 0; i < bytes; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    ebuf_put(b, le, (size_t)bytes);
}

/* The encoded field, or nothing when it is removed. */
static int encode(ebuf *b, const otlp_field *f)
{
    if (f->absent)
        return OTLP_OK;
    switch (f->wire) {
    case PB_VARINT: ebuf_tag(b, f->number, PB_VARINT); ebuf_varint(b, f->u); break;
    case PB_I64: ebuf_tag(b, f->number, PB_I64); put_le(b, f->u, 8); break;
    case PB_I32: ebuf_tag(b, f->number, PB_I32); put_le(b, f->u, 4); break;
    case PB_LEN:
        if (f->any)
            any_field_write(b, f->number, f->any);
        else
            ebuf_len_field(b, f->number, f->bytes.ptr, f->bytes.len);
        break;
    default: return OTLP_EINVALID;
    }
    return b->failed ? OTLP_ENOMEM : OTLP_OK;
}

static size_t slot_of(field_set *fs, uint32_t number)
{
    size_t i = 0;
    while (i < fs->n && fs->num[i] != number)
        i++;
    return i;
}

int fields_put(field_set *fs, const otlp_field *f)
{
    size_t i = slot_of(fs, f->number);
    if (i == FIELD_SET_MAX || f->number == 0)
        return OTLP_EINVALID;
    fs->val[i].len = 0;
    int rc = encode(&fs->val[i], f);
    if (rc != OTLP_OK)
        return rc;
    fs->num[i] = f->number;
    fs->n += i == fs->n;
    return 1;
}

/* Inserts p into the sorted out[0..n): a patch of a number present is
 * replaced only when `wins`. Returns the new count. */
static size_t insert_sorted(patch *out, size_t n, patch p, bool wins)
{
    size_t i = 0;
    while (i < n && out[i].field < p.field)
        i++;
    if (i < n && out[i].field == p.field) {
        if (wins)
            out[i] = p;
        return n;
    }
    for (size_t k = n; k > i; k--)
        out[k] = out[k - 1];
    out[i] = p;
    return n + 1;
}

size_t fields_merge(const field_set *fs, const patch *others, size_t n, patch *out)
{
    size_t count = 0;
    for (size_t i = 0; i < fs->n; i++) {
        patch p = {fs->num[i], {fs->val[i].p, fs->val[i].len}, true};
        count = insert_sorted(out, count, p, true);
    }
    for (size_t i = 0; i < n; i++)
        count = insert_sorted(out, count, others[i], false);
    return count;
}
