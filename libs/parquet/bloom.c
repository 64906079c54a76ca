/*
 * bloom.c: the split-block bloom filter of the Parquet format: the bitset
 * is blocks of eight 32-bit words; the upper half of a value's 64-bit
 * xxHash picks the block, the lower half sets one bit in each word
 * through eight fixed odd multipliers.
 */
#include <math.h>

#include "pq_int.h"

static const uint32_t salt[8] = {0x47b6137bu, 0x44974d91u, 0x8824ad5bu, 0xa2b7289du,
                                 0x705495c7u, 0x2df1424bu, 0x9efc4947u, 0x5c6bfb31u};

#define BLOCK_BYTES 32u

uint32_t pq_bloom_bytes(uint64_t ndv, double fpp)
{
    if (fpp <= 0 || fpp >= 1)
        fpp = 0.001;
    /* Bits for ndv values at fpp with eight bits set per value. */
    double bits = -8.0 * (double)ndv / log(1.0 - pow(fpp, 1.0 / 8.0));
    uint32_t bytes = PQ_BLOOM_MIN_BYTES;
    while (bytes < PQ_BLOOM_MAX_BYTES && (double)bytes * 8.0 < bits)
        bytes *= 2;
    return bytes;
}

static uint8_t *block_of(const uint8_t *bits, uint32_t nbytes, uint64_t hash)
{
    uint64_t nblocks = nbytes / BLOCK_BYTES;
    uint64_t block = ((hash >> 32) * nblocks) >> 32;
    return (uint8_t *)bits + block * BLOCK_BYTES;
}

static uint32_t bit_of(uint64_t hash, size_t word)
{
    return 1u << (((uint32_t)hash * salt[word]) >> 27);
}

/* Words are little-endian in the file whatever the host. */
void pq_bloom_insert(uint8_t *bits, uint32_t nbytes, uint64_t hash)
{
    uint8_t *b = block_of(bits, nbytes, hash);
    for (size_t i = 0; i < 8; i++) {
        uint32_t w = pq_load_u32le(b + 4 * i) | bit_of(hash, i);
        for (size_t k = 0; k < 4; k++)
            b[4 * i + k] = (uint8_t)(w >> (8 * k));
    }
}

bool pq_bloom_has(const uint8_t *bits, uint32_t nbytes, uint64_t hash)
{
    const uint8_t *b = block_of(bits, nbytes, hash);
    for (size_t i = 0; i < 8; i++)
        if (!(pq_load_u32le(b + 4 * i) & bit_of(hash, i)))
            return false;
    return true;
}
