/* durable_format.c: encoding and decoding of the queue's records. */
#include "durable_format.h"

#include "queue/exporter_queue.h"

#include <string.h>

#define MAGIC_ENTRY 0xE1
#define MAGIC_BATCH 0xB1
#define MAGIC_DEAD 0xD1
#define VERSION 1

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void df_key_put(uint8_t out[8], uint64_t id)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(id >> (56 - 8 * i));
}

uint64_t df_key_get(const void *key, size_t len)
{
    const uint8_t *k = key;
    uint64_t v = 0;
    for (size_t i = 0; i < 8 && i < len; i++)
        v = v << 8 | k[i];
    return len == 8 ? v : 0;
}

size_t df_meta_len(const otelc_batch_meta *meta)
{
    if (!meta || meta->npairs == 0)
        return 0;
    if (meta->npairs > DF_MAX_PAIRS)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < meta->npairs; i++) {
        size_t kl = strlen(meta->pairs[i].key), vl = strlen(meta->pairs[i].value);
        if (kl > 0xffff || vl > 0xffff)
            return 0;
        n += 2 + kl + 1 + 2 + vl + 1;
    }
    return n;
}

size_t df_entry_len(size_t meta_len, size_t payload_len)
{
    return DF_ENTRY_HDR + meta_len + payload_len;
}

uint8_t *df_entry_write_head(uint8_t *out, const otelc_batch_meta *meta, size_t meta_len,
                             uint32_t spans, int64_t committed_ns)
{
    size_t npairs = meta && meta_len ? meta->npairs : 0;
    out[0] = MAGIC_ENTRY;
    out[1] = VERSION;
    put16(out + 2, (uint16_t)npairs);
    put32(out + 4, spans);
    put64(out + 8, (uint64_t)(meta ? meta->received_ns : 0));
    put64(out + 16, (uint64_t)committed_ns);
    put32(out + 24, (uint32_t)meta_len);
    put32(out + 28, (uint32_t)queue_meta_signal(meta));
    uint8_t *p = out + DF_ENTRY_HDR;
    for (size_t i = 0; i < npairs; i++) {
        const char *s[2] = {meta->pairs[i].key, meta->pairs[i].value};
        for (int j = 0; j < 2; j++) {
            size_t l = strlen(s[j]);
            put16(p, (uint16_t)l);
            memcpy(p + 2, s[j], l + 1);
            p += 2 + l + 1;
        }
    }
    return p;
}

/* Checks that the metadata holds npairs well-formed NUL-ended strings. */
static bool meta_ok(const uint8_t *p, size_t len, size_t npairs)
{
    size_t off = 0;
    for (size_t i = 0; i < 2 * npairs; i++) {
        if (len - off < 2)
            return false;
        size_t l = get16(p + off);
        if (len - off - 2 < l + 1 || p[off + 2 + l] != 0 || memchr(p + off + 2, 0, l))
            return false;
        off += 2 + l + 1;
    }
    return off == len;
}

int df_entry_read(const uint8_t *p, size_t len, df_entry *out)
{
    if (len < DF_ENTRY_HDR || p[0] != MAGIC_ENTRY || p[1] != VERSION)
        return -1;
    size_t meta_len = get32(p + 24);
    if (meta_len > len - DF_ENTRY_HDR)
        return -1;
    out->npairs = get16(p + 2);
    out->spans = get32(p + 4);
    uint32_t sig = get32(p + 28);
    out->signal = sig ? (otelc_signal)sig : OTELC_TRACES;
    out->received_ns = (int64_t)get64(p + 8);
    out->committed_ns = (int64_t)get64(p + 16);
    out->meta = p + DF_ENTRY_HDR;
    out->meta_len = meta_len;
    out->payload = p + DF_ENTRY_HDR + meta_len;
    out->payload_len = len - DF_ENTRY_HDR - meta_len;
    if (out->npairs > DF_MAX_PAIRS || !meta_ok(out->meta, meta_len, out->npairs))
        return -1;
    return 0;
}

void df_pairs(const df_entry *e, otelc_kv *pairs, size_t cap)
{
    const uint8_t *p = e->meta;
    for (size_t i = 0; i < e->npairs && i < cap; i++) {
        pairs[i].key = (const char *)(p + 2);
        p += 2 + get16(p) + 1;
        pairs[i].value = (const char *)(p + 2);
        p += 2 + get16(p) + 1;
    }
}

size_t df_batch_len(size_t nranges)
{
    return DF_BATCH_HDR + nranges * DF_RANGE_SIZE;
}

void df_batch_write(uint8_t *out, uint64_t batch_id, int64_t enqueued_ns, const df_range *r,
                    size_t n)
{
    out[0] = MAGIC_BATCH;
    out[1] = VERSION;
    put16(out + 2, 0);
    put32(out + 4, (uint32_t)n);
    put64(out + 8, batch_id);
    put64(out + 16, (uint64_t)enqueued_ns);
    for (size_t i = 0; i < n; i++) {
        put64(out + DF_BATCH_HDR + i * DF_RANGE_SIZE, r[i].first);
        put32(out + DF_BATCH_HDR + i * DF_RANGE_SIZE + 8, r[i].count);
    }
}

int df_batch_read(const uint8_t *p, size_t len, df_batch *out)
{
    if (len < DF_BATCH_HDR || p[0] != MAGIC_BATCH || p[1] != VERSION)
        return -1;
    out->nranges = get32(p + 4);
    if (out->nranges == 0 || (len - DF_BATCH_HDR) / DF_RANGE_SIZE != out->nranges ||
        (len - DF_BATCH_HDR) % DF_RANGE_SIZE)
        return -1;
    out->batch_id = get64(p + 8);
    out->enqueued_ns = (int64_t)get64(p + 16);
    out->ranges = p + DF_BATCH_HDR;
    return 0;
}

df_range df_batch_range(const df_batch *b, size_t i)
{
    const uint8_t *p = b->ranges + i * DF_RANGE_SIZE;
    return (df_range){get64(p), get32(p + 8)};
}

size_t df_dead_len(size_t reason_len, size_t entries_bytes, size_t nentries)
{
    return DF_DEAD_HDR + reason_len + entries_bytes + 4 * nentries;
}

uint8_t *df_dead_write_head(uint8_t *out, const df_dead *d)
{
    out[0] = MAGIC_DEAD;
    out[1] = VERSION;
    put16(out + 2, (uint16_t)d->reason_len);
    put32(out + 4, (uint32_t)d->nentries);
    put64(out + 8, d->batch_id);
    put64(out + 16, (uint64_t)d->enqueued_ns);
    put64(out + 24, (uint64_t)d->died_ns);
    put32(out + 32, d->spans);
    put32(out + 36, 0);
    memcpy(out + DF_DEAD_HDR, d->reason, d->reason_len);
    return out + DF_DEAD_HDR + d->reason_len;
}

uint8_t *df_dead_put_entry(uint8_t *out, const void *entry, size_t len)
{
    put32(out, (uint32_t)len);
    memcpy(out + 4, entry, len);
    return out + 4 + len;
}

int df_dead_read(const uint8_t *p, size_t len, df_dead *out)
{
    if (len < DF_DEAD_HDR || p[0] != MAGIC_DEAD || p[1] != VERSION)
        return -1;
    out->reason_len = get16(p + 2);
    if (out->reason_len > len - DF_DEAD_HDR)
        return -1;
    out->nentries = get32(p + 4);
    out->batch_id = get64(p + 8);
    out->enqueued_ns = (int64_t)get64(p + 16);
    out->died_ns = (int64_t)get64(p + 24);
    out->spans = get32(p + 32);
    out->reason = (const char *)(p + DF_DEAD_HDR);
    out->entries = p + DF_DEAD_HDR + out->reason_len;
    out->entries_len = len - DF_DEAD_HDR - out->reason_len;
    return 0;
}

int df_dead_next(const df_dead *d, size_t *off, const uint8_t **entry, size_t *len)
{
    if (*off == d->entries_len)
        return 0;
    if (d->entries_len - *off < 4)
        return -1;
    size_t l = get32(d->entries + *off);
    if (l > d->entries_len - *off - 4)
        return -1;
    *entry = d->entries + *off + 4;
    *len = l;
    *off += 4 + l;
    return 1;
}

uint64_t df_cost(size_t len, unsigned page_size)
{
    /* LMDB keeps a value inline while a node fits in about half a page
     * (its nodemax); beyond, the value takes whole overflow pages. */
    size_t nodemax = (page_size - 16) / 2;
    if (len + 8 + 8 > nodemax)
        return ((uint64_t)len + 16 + page_size - 1) / page_size * page_size;
    return ((uint64_t)len + 8 + 8 + 2) * 2;
}

uint64_t df_batch_id(uint64_t epoch, uint64_t first_entry)
{
    /* splitmix64's finaliser: distinct inputs give distinct outputs. */
    uint64_t z = epoch + first_entry * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1; /* 0 means "no batch id" to exporters */
}
