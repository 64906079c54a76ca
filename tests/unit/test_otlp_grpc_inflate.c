/*
 * test_otlp_grpc_inflate.c: gzip and zstd decompression with a limit,
 * including bombs that would expand far past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "grpc_inflate.h"

#define MIB ((size_t)1 << 20)

static uint8_t *gzip(const uint8_t *in, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
                     Z_OK);
    size_t cap = deflateBound(&z, n) + 64;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static uint8_t *zstd(const uint8_t *in, size_t n, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(n);
    uint8_t *out = malloc(cap);
    *out_len = ZSTD_compress(out, cap, in, n, 3);
    assert_false(ZSTD_isError(*out_len));
    return out;
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i % 251 + (i / 997));
    return p;
}

static void roundtrip(grpc_encoding enc, uint8_t *(*pack)(const uint8_t *, size_t, size_t *))
{
    size_t n = 300000, zn, out_len = 0;
    uint8_t *plain = pattern(n), *out = NULL;
    uint8_t *packed = pack(plain, n, &zn);
    assert_int_equal(grpc_inflate(enc, packed, zn, n, &out, &out_len), GRPC_INFLATE_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, plain, n);
    free(out);
    /* One byte under the message size is over the limit. */
    out = NULL;
    assert_int_equal(grpc_inflate(enc, packed, zn, n - 1, &out, &out_len), GRPC_INFLATE_TOO_BIG);
    assert_null(out);
    free(packed);
    free(plain);
}

static void test_gzip_roundtrip(void **state)
{
    roundtrip(GRPC_ENC_GZIP, gzip);
}

static void test_zstd_roundtrip(void **state)
{
    roundtrip(GRPC_ENC_ZSTD, zstd);
}

/* 64 MiB of zeros compress to a few tens of KiB; a 4 MiB limit stops it. */
static void bomb(grpc_encoding enc, uint8_t *(*pack)(const uint8_t *, size_t, size_t *))
{
    size_t n = 64 * MIB, zn, out_len = 0;
    uint8_t *zeros = calloc(1, n), *out = NULL;
    uint8_t *packed = pack(zeros, n, &zn);
    free(zeros);
    assert_true(zn < (size_t)200 * 1024);
    assert_int_equal(grpc_inflate(enc, packed, zn, 4 * MIB, &out, &out_len),
                     GRPC_INFLATE_TOO_BIG);
    assert_null(out);
    free(packed);
}

static void test_gzip_bomb(void **state)
{
    bomb(GRPC_ENC_GZIP, gzip);
}

static void test_zstd_bomb(void **state)
{
    bomb(GRPC_ENC_ZSTD, zstd);
}

static void corrupt(grpc_encoding enc, uint8_t *(*pack)(const uint8_t *, size_t, size_t *))
{
    size_t n = 5000, zn, out_len;
    uint8_t *plain = pattern(n), *out = NULL;
    uint8_t *packed = pack(plain, n, &zn);
    /* Truncated. */
    assert_int_equal(grpc_inflate(enc, packed, zn / 2, MIB, &out, &out_len),
                     GRPC_INFLATE_CORRUPT);
    /* Not that format at all. */
    assert_int_equal(grpc_inflate(enc, plain, n, MIB, &out, &out_len), GRPC_INFLATE_CORRUPT);
    /* Nothing. */
    assert_int_equal(grpc_inflate(enc, packed, 0, MIB, &out, &out_len), GRPC_INFLATE_CORRUPT);
    assert_null(out);
    free(packed);
    free(plain);
}

static void test_gzip_corrupt(void **state)
{
    corrupt(GRPC_ENC_GZIP, gzip);
}

static void test_zstd_corrupt(void **state)
{
    corrupt(GRPC_ENC_ZSTD, zstd);
}

/* A flipped byte inside the deflate data or the CRC is caught. */
static void test_gzip_checksum(void **state)
{
    size_t n = 5000, zn, out_len;
    uint8_t *plain = pattern(n), *out = NULL;
    uint8_t *packed = gzip(plain, n, &zn);
    packed[zn - 6] ^= 0x55; /* inside the CRC32 trailer */
    assert_int_equal(grpc_inflate(GRPC_ENC_GZIP, packed, zn, MIB, &out, &out_len),
                     GRPC_INFLATE_CORRUPT);
    assert_null(out);
    free(packed);
    free(plain);
}

/* Concatenated gzip members decode as one message, as gzip readers do. */
static void test_gzip_members(void **state)
{
    const uint8_t a[] = "first part ", b[] = "second part";
    size_t an, bn, out_len = 0;
    uint8_t *za = gzip(a, sizeof(a) - 1, &an), *zb = gzip(b, sizeof(b) - 1, &bn), *out = NULL;
    uint8_t *both = malloc(an + bn);
    memcpy(both, za, an);
    memcpy(both + an, zb, bn);
    assert_int_equal(grpc_inflate(GRPC_ENC_GZIP, both, an + bn, 100, &out, &out_len),
                     GRPC_INFLATE_OK);
    assert_int_equal(out_len, sizeof(a) - 1 + sizeof(b) - 1);
    assert_memory_equal(out, "first part second part", out_len);
    free(out);
    free(both);
    free(za);
    free(zb);
}

/* An empty message compresses to a valid stream with no output. */
static void test_empty_payload(void **state)
{
    size_t zn, out_len = 7;
    uint8_t *out = (uint8_t *)"x";
    uint8_t *packed = gzip((const uint8_t *)"", 0, &zn);
    assert_int_equal(grpc_inflate(GRPC_ENC_GZIP, packed, zn, 10, &out, &out_len),
                     GRPC_INFLATE_OK);
    assert_int_equal(out_len, 0);
    assert_null(out);
    free(packed);
}

static void test_encoding_parse(void **state)
{
    assert_int_equal(grpc_encoding_parse("gzip", 4), GRPC_ENC_GZIP);
    assert_int_equal(grpc_encoding_parse("GZIP", 4), GRPC_ENC_GZIP);
    assert_int_equal(grpc_encoding_parse("zstd", 4), GRPC_ENC_ZSTD);
    assert_int_equal(grpc_encoding_parse("identity", 8), GRPC_ENC_IDENTITY);
    assert_int_equal(grpc_encoding_parse("", 0), GRPC_ENC_IDENTITY);
    assert_int_equal(grpc_encoding_parse("snappy", 6), GRPC_ENC_UNKNOWN);
    assert_int_equal(grpc_encoding_parse("gzipx", 5), GRPC_ENC_UNKNOWN);
    assert_int_equal(grpc_encoding_parse("gzip", 3), GRPC_ENC_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_roundtrip), cmocka_unit_test(test_zstd_roundtrip),
        cmocka_unit_test(test_gzip_bomb),      cmocka_unit_test(test_zstd_bomb),
        cmocka_unit_test(test_gzip_corrupt),   cmocka_unit_test(test_zstd_corrupt),
        cmocka_unit_test(test_gzip_checksum),  cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_empty_payload),  cmocka_unit_test(test_encoding_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
