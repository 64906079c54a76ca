/*
 * ring.h: the consistent-hash ring of the collector's loadbalancing
 * exporter, reproduced so that with the same backends the same keys go
 * to the same backend as in the collector: each endpoint string (as its
 * resolver gives it) takes 100 positions on a circle of 36000, position i
 * being crc32(endpoint bytes, then the byte i) % 36000 (IEEE CRC-32, Go's
 * hash/crc32); a position already taken by an endpoint earlier in the
 * list stays with that one. A key (a trace id's 16 bytes, a service name)
 * goes to the first position at or after crc32(key) % 36000, wrapping
 * round. Adding or removing one of N endpoints moves about 1/N of the
 * keys. Pure; a built ring is read by any number of threads.
 */
#ifndef OTELC_LB_RING_H
#define OTELC_LB_RING_H

#include <stddef.h>
#include <stdint.h>

#define LB_RING_POSITIONS 36000u /* 360 degrees with two decimals */
#define LB_RING_WEIGHT 100       /* positions per endpoint */

typedef struct lb_ring_item {
    uint32_t pos;
    uint32_t endpoint; /* index into the list the ring was built from */
} lb_ring_item;

typedef struct lb_ring {
    lb_ring_item *items; /* sorted by pos */
    size_t n;
} lb_ring;

/* Builds the ring of n endpoints in the order given (the resolvers sort
 * them, as the collector's do). 0, or -1 without memory. */
int lb_ring_build(lb_ring *r, const char *const *endpoints, size_t n);

/* The same with weight positions per endpoint (the collector's tests use
 * 5). */
int lb_ring_build_weighted(lb_ring *r, const char *const *endpoints, size_t n, int weight);

/* The endpoint index for key; -1 for an empty ring. */
int lb_ring_find(const lb_ring *r, const uint8_t *key, size_t len);

void lb_ring_free(lb_ring *r);

#endif /* OTELC_LB_RING_H */
