/*
 * test_otlp_grpc_frame.c: the gRPC length-prefixed message reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grpc_frame.h"

/* Writes a prefix for a message of len bytes into out. */
static void prefix(uint8_t *out, uint8_t flag, uint32_t len)
{
    out[0] = flag;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

/* A whole body: prefix + len bytes of a counting pattern. */
static uint8_t *body(uint8_t flag, uint32_t len, size_t *n)
{
    uint8_t *b = malloc(GRPC_PREFIX_LEN + len);
    prefix(b, flag, len);
    for (uint32_t i = 0; i < len; i++)
        b[GRPC_PREFIX_LEN + i] = (uint8_t)(i * 7);
    *n = GRPC_PREFIX_LEN + len;
    return b;
}

static void test_whole_message(void **state)
{
    size_t n, len = 0;
    uint8_t *b = body(0, 300, &n), *msg = NULL;
    bool compressed = true;
    grpc_frame_reader r;
    grpc_frame_init(&r, 1000);
    assert_int_equal(grpc_frame_feed(&r, b, n), GRPC_FRAME_OK);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_OK);
    assert_int_equal(len, 300);
    assert_false(compressed);
    assert_memory_equal(msg, b + GRPC_PREFIX_LEN, 300);
    free(msg);
    grpc_frame_free(&r);
    free(b);
}

/* Every split of the body into two DATA frames yields the same message. */
static void test_every_split(void **state)
{
    size_t n;
    uint8_t *b = body(1, 40, &n);
    for (size_t cut = 0; cut <= n; cut++) {
        grpc_frame_reader r;
        uint8_t *msg = NULL;
        size_t len = 0;
        bool compressed = false;
        grpc_frame_init(&r, 40);
        assert_int_equal(grpc_frame_feed(&r, b, cut), GRPC_FRAME_OK);
        assert_int_equal(grpc_frame_feed(&r, b + cut, n - cut), GRPC_FRAME_OK);
        assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_OK);
        assert_true(compressed);
        assert_int_equal(len, 40);
        assert_memory_equal(msg, b + GRPC_PREFIX_LEN, 40);
        free(msg);
        grpc_frame_free(&r);
    }
    free(b);
}

static void test_byte_by_byte(void **state)
{
    size_t n, len = 0;
    uint8_t *b = body(0, 17, &n), *msg = NULL;
    bool compressed;
    grpc_frame_reader r;
    grpc_frame_init(&r, 17);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(grpc_frame_feed(&r, b + i, 1), GRPC_FRAME_OK);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_OK);
    assert_memory_equal(msg, b + GRPC_PREFIX_LEN, 17);
    free(msg);
    free(b);
}

/* Over the limit is refused from the prefix alone, before any payload,
 * and the error sticks. */
static void test_too_big(void **state)
{
    uint8_t p[GRPC_PREFIX_LEN], more[8] = {0};
    uint8_t *msg = NULL;
    size_t len;
    bool compressed;
    grpc_frame_reader r;
    grpc_frame_init(&r, 4u << 20);
    prefix(p, 0, (4u << 20) + 1);
    assert_int_equal(grpc_frame_feed(&r, p, sizeof(p)), GRPC_FRAME_TOO_BIG);
    assert_null(r.buf);
    assert_int_equal(grpc_frame_feed(&r, more, sizeof(more)), GRPC_FRAME_TOO_BIG);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_TOO_BIG);
    assert_null(msg);
    grpc_frame_free(&r);
}

static void test_at_limit(void **state)
{
    size_t n, len = 0;
    uint8_t *b = body(0, 64, &n), *msg = NULL;
    bool compressed;
    grpc_frame_reader r;
    grpc_frame_init(&r, 64);
    assert_int_equal(grpc_frame_feed(&r, b, n), GRPC_FRAME_OK);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_OK);
    assert_int_equal(len, 64);
    free(msg);
    free(b);
}

static void test_bad_flag(void **state)
{
    size_t n;
    uint8_t *b = body(2, 3, &n);
    grpc_frame_reader r;
    grpc_frame_init(&r, 100);
    assert_int_equal(grpc_frame_feed(&r, b, n), GRPC_FRAME_BAD_FLAG);
    grpc_frame_free(&r);
    free(b);
}

/* Export is unary: a second message (even an empty one) is refused. */
static void test_second_message(void **state)
{
    size_t n;
    uint8_t *b = body(0, 10, &n);
    uint8_t second[GRPC_PREFIX_LEN];
    prefix(second, 0, 0);
    grpc_frame_reader r;
    grpc_frame_init(&r, 100);
    assert_int_equal(grpc_frame_feed(&r, b, n), GRPC_FRAME_OK);
    assert_int_equal(grpc_frame_feed(&r, second, 1), GRPC_FRAME_EXTRA);
    assert_null(r.buf);
    grpc_frame_free(&r);
    free(b);
}

static void test_truncated(void **state)
{
    size_t n, len;
    uint8_t *b = body(0, 10, &n), *msg = NULL;
    bool compressed;
    size_t cuts[] = {1, 4, GRPC_PREFIX_LEN, n - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        grpc_frame_reader r;
        grpc_frame_init(&r, 100);
        assert_int_equal(grpc_frame_feed(&r, b, cuts[i]), GRPC_FRAME_OK);
        assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_TRUNCATED);
        assert_null(msg);
        grpc_frame_free(&r);
    }
    free(b);
}

static void test_empty_body_and_empty_message(void **state)
{
    uint8_t *msg = (uint8_t *)"x";
    size_t len = 99;
    bool compressed = true;
    uint8_t p[GRPC_PREFIX_LEN];
    grpc_frame_reader r;
    grpc_frame_init(&r, 100);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_EMPTY);
    grpc_frame_init(&r, 100);
    prefix(p, 0, 0);
    assert_int_equal(grpc_frame_feed(&r, p, sizeof(p)), GRPC_FRAME_OK);
    assert_int_equal(grpc_frame_finish(&r, &msg, &len, &compressed), GRPC_FRAME_OK);
    assert_null(msg);
    assert_int_equal(len, 0);
    assert_false(compressed);
}

static void test_strerror(void **state)
{
    int codes[] = {GRPC_FRAME_TOO_BIG, GRPC_FRAME_BAD_FLAG, GRPC_FRAME_EXTRA,
                   GRPC_FRAME_NOMEM, GRPC_FRAME_TRUNCATED, GRPC_FRAME_EMPTY};
    for (size_t i = 0; i < 6; i++)
        for (size_t j = i + 1; j < 6; j++)
            assert_string_not_equal(grpc_frame_strerror(codes[i]), grpc_frame_strerror(codes[j]));
    assert_non_null(strstr(grpc_frame_strerror(GRPC_FRAME_TOO_BIG), "max_recv_msg_size_mib"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_message),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_at_limit),
        cmocka_unit_test(test_bad_flag),
        cmocka_unit_test(test_second_message),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_empty_body_and_empty_message),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
