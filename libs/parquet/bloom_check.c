/*
 * bloom_check.c: a bloom filter read back: its header says how large the
 * bitset is and must name the only algorithm, hash and compression the
 * format has, or the bits cannot be trusted.
 */
#include <errno.h>

#include <xxhash.h>

#include "pq_int.h"

/* A union field of the header: it must hold choice 1 (an empty struct). */
static bool first_choice(tc_reader *r, uint8_t type)
{
    int16_t last = 0, id = 0, chosen = 0;
    uint8_t t;
    if (!tc_enter(r, type))
        return false;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        chosen = chosen ? -1 : id;
        tc_skip(r, t);
    }
    tc_leave(r);
    return !r->err && chosen == 1;
}

/* Reads the header; returns the bitset size, or -EBADMSG. */
static int64_t read_header(tc_reader *r)
{
    int16_t last = 0, id;
    uint8_t t;
    int64_t nbytes = -1;
    int choices = 0;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        if (id == 1)
            nbytes = tc_read_int(r, t);
        else if (id >= 2 && id <= 4)
            choices += first_choice(r, t) ? 1 : 100;
        else
            tc_skip(r, t);
    }
    if (r->err || choices != 3 || nbytes < PQ_BLOOM_MIN_BYTES || nbytes > PQ_BLOOM_MAX_BYTES ||
        nbytes % 32 != 0)
        return -EBADMSG;
    return nbytes;
}

int pq_bloom_check(const uint8_t *bloom, size_t len, const void *value, size_t value_len)
{
    tc_reader r;
    tc_reader_init(&r, bloom, len);
    int64_t nbytes = read_header(&r);
    if (nbytes < 0 || (size_t)(r.end - r.p) < (size_t)nbytes)
        return -EBADMSG;
    return pq_bloom_has(r.p, (uint32_t)nbytes, XXH64(value, value_len, 0));
}
