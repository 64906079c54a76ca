/*
 * libs/s3 multipart planning (single PUT up to part_size, whole parts, the
 * 10000-part limit), the completion body, and the body reader that serves
 * a byte range of scattered buffers to libcurl, rewinds included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "s3/body.h"
#include "s3/multipart.h"

#define MIB (1ull << 20)

static void test_single_put_up_to_part_size(void **state)
{
    s3_plan p = s3_plan_parts(0, 16 * MIB);
    assert_int_equal(p.nparts, 1);
    p = s3_plan_parts(16 * MIB, 16 * MIB);
    assert_int_equal(p.nparts, 1);
    uint64_t off, len;
    s3_plan_range(&p, 16 * MIB, 0, &off, &len);
    assert_int_equal(off, 0);
    assert_int_equal(len, 16 * MIB);
}

static void test_parts_cover_every_byte(void **state)
{
    uint64_t total = 16 * MIB + 1;
    s3_plan p = s3_plan_parts(total, 5 * MIB);
    assert_int_equal(p.nparts, 4);
    assert_int_equal(p.part_size, 5 * MIB);
    uint64_t next = 0;
    for (uint32_t i = 0; i < p.nparts; i++) {
        uint64_t off, len;
        s3_plan_range(&p, total, i, &off, &len);
        assert_int_equal(off, next);
        assert_true(len > 0);
        assert_true(i + 1 == p.nparts || len == 5 * MIB); /* only the last is short */
        next = off + len;
    }
    assert_int_equal(next, total);
    uint64_t off, len;
    s3_plan_range(&p, total, 3, &off, &len);
    assert_int_equal(len, MIB + 1);
}

static void test_part_limit_grows_parts(void **state)
{
    uint64_t total = 5 * MIB * 10000 + 1; /* one byte over 10000 parts of 5 MiB */
    s3_plan p = s3_plan_parts(total, 5 * MIB);
    assert_true(p.nparts <= S3_MAX_PARTS);
    assert_int_equal(p.part_size % MIB, 0);
    assert_true(p.part_size * p.nparts >= total);
    assert_int_equal(p.part_size, 6 * MIB);
    p = s3_plan_parts(5 * MIB * 10000, 5 * MIB);
    assert_int_equal(p.nparts, 10000);
    assert_int_equal(p.part_size, 5 * MIB);
}

static void test_complete_body(void **state)
{
    char etags[2][S3_ETAG_SIZE] = {"\"aaa\"", "\"b<&>\""};
    size_t len = 0;
    char *body = s3_complete_body((const char(*)[S3_ETAG_SIZE])etags, 2, &len);
    assert_non_null(body);
    assert_string_equal(body, "<CompleteMultipartUpload>"
                              "<Part><PartNumber>1</PartNumber><ETag>&quot;aaa&quot;</ETag></Part>"
                              "<Part><PartNumber>2</PartNumber>"
                              "<ETag>&quot;b&lt;&amp;&gt;&quot;</ETag></Part>"
                              "</CompleteMultipartUpload>");
    assert_int_equal(len, strlen(body));
    free(body);
    /* The worst case fits the estimate: 10000 parts of full-size ETags. */
    char(*big)[S3_ETAG_SIZE] = malloc(S3_MAX_PARTS * sizeof(*big));
    assert_non_null(big);
    for (size_t i = 0; i < S3_MAX_PARTS; i++) {
        memset(big[i], '"', S3_ETAG_SIZE - 1);
        big[i][S3_ETAG_SIZE - 1] = 0;
    }
    body = s3_complete_body((const char(*)[S3_ETAG_SIZE])big, S3_MAX_PARTS, &len);
    assert_non_null(body);
    assert_int_equal(len, strlen(body));
    free(body);
    free(big);
}

/* "0123456789abcdefghij" in four uneven pieces, one of them empty. */
static char text[] = "0123456789abcdefghij";
static struct iovec pieces[5];

static int setup_pieces(void **state)
{
    pieces[0] = (struct iovec){text, 3};
    pieces[1] = (struct iovec){text + 3, 0};
    pieces[2] = (struct iovec){text + 3, 9};
    pieces[3] = (struct iovec){text + 12, 1};
    pieces[4] = (struct iovec){text + 13, 7};
    return 0;
}

static void test_body_reads_a_range(void **state)
{
    s3_body b;
    char out[32];
    s3_body_init(&b, pieces, 5, 2, 13); /* "23456789abcde" */
    assert_int_equal(s3_body_read(&b, out, 4), 4);
    assert_memory_equal(out, "2345", 4);
    assert_int_equal(s3_body_read(&b, out, 32), 9);
    assert_memory_equal(out, "6789abcde", 9);
    assert_int_equal(s3_body_read(&b, out, 32), 0);
    /* A rewind serves the same bytes again. */
    assert_int_equal(s3_body_seek(&b, 0), 0);
    assert_int_equal(s3_body_read(&b, out, 32), 13);
    assert_memory_equal(out, "23456789abcde", 13);
    assert_int_equal(s3_body_seek(&b, 10), 0);
    assert_int_equal(s3_body_read(&b, out, 32), 3);
    assert_memory_equal(out, "cde", 3);
    assert_int_equal(s3_body_seek(&b, 14), -1);
    /* One byte at a time crosses every boundary. */
    s3_body_init(&b, pieces, 5, 0, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s3_body_read(&b, out, 1), 1);
        assert_int_equal(out[0], text[i]);
    }
    /* An empty body. */
    s3_body_init(&b, NULL, 0, 0, 0);
    assert_int_equal(s3_body_read(&b, out, 8), 0);
}

static void test_slices(void **state)
{
    struct iovec out[5];
    size_t n = s3_iov_slice(pieces, 5, 2, 11, out, 5); /* "23456789abc" */
    char joined[32] = "";
    for (size_t i = 0; i < n; i++)
        strncat(joined, out[i].iov_base, out[i].iov_len);
    assert_string_equal(joined, "23456789abc");
    assert_int_equal(n, 3);
    assert_int_equal(s3_iov_slice(pieces, 5, 0, 20, out, 2), (size_t)-1);
    assert_int_equal(s3_iov_slice(pieces, 5, 5, 0, out, 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_put_up_to_part_size),
        cmocka_unit_test(test_parts_cover_every_byte),
        cmocka_unit_test(test_part_limit_grows_parts),
        cmocka_unit_test(test_complete_body),
        cmocka_unit_test_setup(test_body_reads_a_range, setup_pieces),
        cmocka_unit_test_setup(test_slices, setup_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
