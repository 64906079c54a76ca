/*
 * ring.c: the consistent-hash ring (ring.h).
 */
#include "ring.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static uint32_t position_of(const uint8_t *p, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, p, (uInt)len);
    return (uint32_t)(c % LB_RING_POSITIONS);
}

static uint32_t endpoint_position(const char *endpoint, int i)
{
    uint8_t b = (uint8_t)i;
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, (const Bytef *)endpoint, (uInt)strlen(endpoint));
    c = crc32(c, &b, 1);
    return (uint32_t)(c % LB_RING_POSITIONS);
}

static int by_pos(const void *a, const void *b)
{
    const lb_ring_item *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int lb_ring_build(lb_ring *r, const char *const *endpoints, size_t n)
{
    return lb_ring_build_weighted(r, endpoints, n, LB_RING_WEIGHT);
}

int lb_ring_build_weighted(lb_ring *r, const char *const *endpoints, size_t n, int weight)
{
    bool *taken = calloc(LB_RING_POSITIONS, sizeof(*taken));
    r->items = n ? malloc(n * (size_t)weight * sizeof(*r->items)) : NULL;
    r->n = 0;
    if (!taken || (n && !r->items)) {
        free(taken);
        free(r->items);
        r->items = NULL;
        return -1;
    }
    for (size_t e = 0; e < n; e++) {
        for (int i = 0; i < weight; i++) {
            uint32_t pos = endpoint_position(endpoints[e], i);
            if (taken[pos])
                continue;
            taken[pos] = true;
            r->items[r->n++] = (lb_ring_item){pos, (uint32_t)e};
        }
    }
    free(taken);
    if (r->n)
        qsort(r->items, r->n, sizeof(*r->items), by_pos);
    return 0;
}

int lb_ring_find(const lb_ring *r, const uint8_t *key, size_t len)
{
    if (r->n == 0)
        return -1;
    uint32_t pos = position_of(key, len);
    size_t lo = 0, hi = r->n; /* the first item with item.pos >= pos */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->items[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)r->items[lo == r->n ? 0 : lo].endpoint;
}

void lb_ring_free(lb_ring *r)
{
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
