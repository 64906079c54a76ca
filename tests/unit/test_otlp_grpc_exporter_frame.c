/*
 * otlp_grpc exporter framing: the 5-byte prefix, the body of a batch in
 * each compression read back whole through og_body_next, and the request
 * bytes unchanged under the prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <otelc/testkit.h>

#include "frame.h"

static void test_prefix(void **state)
{
    uint8_t p[OG_PREFIX_LEN];
    bool compressed;
    size_t len;
    (void)state;
    og_frame_prefix_write(p, true, 0x01020304);
    assert_memory_equal(p, "\x01\x01\x02\x03\x04", 5);
    og_frame_prefix_read(p, &compressed, &len);
    assert_true(compressed);
    assert_int_equal(len, 0x01020304);
    og_frame_prefix_write(p, false, 7);
    og_frame_prefix_read(p, &compressed, &len);
    assert_false(compressed);
    assert_int_equal(len, 7);
}

/* The whole body through og_body_next in pieces of at most step bytes. */
static uint8_t *read_all(const og_body *b, size_t step, size_t *len)
{
    og_body_cursor c = {0};
    uint8_t *out = calloc(1, b->len > OG_PREFIX_LEN ? b->len : OG_PREFIX_LEN);
    const uint8_t *p;
    size_t n;
    *len = 0;
    while ((n = og_body_next(b, &c, step, &p)) > 0) {
        assert_true(n <= step);
        memcpy(out + *len, p, n);
        *len += n;
    }
    return out;
}

/* A batch of two segments, as the queues merge them. */
static otelc_batch *two_part_batch(void)
{
    otelc_test_host *h = otelc_test_host_new();
    otelc_batch *parts[2] = {otelc_test_batch_spans("a", 3), otelc_test_batch_spans("b", 5)};
    otelc_batch *merged = otelc_test_host_api(h)->batch_merge(parts, 2);
    struct iovec iov[2];
    assert_int_equal(otelc_batch_segments(merged, iov, 2), 2);
    otelc_batch_unref(parts[0]);
    otelc_batch_unref(parts[1]);
    otelc_test_host_free(h);
    return merged;
}

static void check_body(og_compression comp, size_t step)
{
    otelc_batch *b = two_part_batch();
    og_body body;
    assert_int_equal(og_body_build(comp, b, &body), 0);
    size_t len;
    uint8_t *all = read_all(&body, step, &len);
    assert_int_equal(len, body.len);
    bool compressed;
    size_t msg_len;
    og_frame_prefix_read(all, &compressed, &msg_len);
    assert_int_equal(compressed, comp != OG_NONE);
    assert_int_equal(msg_len + OG_PREFIX_LEN, len);
    uint8_t *plain = all + OG_PREFIX_LEN, *inflated = NULL;
    size_t plain_len = msg_len;
    if (comp != OG_NONE) {
        assert_int_equal(og_inflate(comp, plain, msg_len, 1 << 20, &inflated, &plain_len), 0);
        plain = inflated;
    }
    assert_int_equal(plain_len, otelc_batch_len(b));
    assert_memory_equal(plain, otelc_batch_flat(b), plain_len);
    free(inflated);
    free(all);
    og_body_free(&body);
    otelc_batch_unref(b);
}

static void test_bodies(void **state)
{
    static const size_t steps[] = {1, 3, 5, 16384};
    (void)state;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        check_body(OG_NONE, steps[i]);
        check_body(OG_GZIP, steps[i]);
        check_body(OG_ZSTD, steps[i]);
    }
    assert_int_equal(otelc_test_batches_live(), 0);
}

static void test_inflate_limit(void **state)
{
    uint8_t *out = NULL;
    size_t n = 0;
    (void)state;
    otelc_batch *b = otelc_test_batch_spans("svc", 50);
    og_body body;
    assert_int_equal(og_body_build(OG_GZIP, b, &body), 0);
    const uint8_t *msg = body.owned + OG_PREFIX_LEN;
    size_t len = body.len - OG_PREFIX_LEN;
    assert_int_equal(og_inflate(OG_GZIP, msg, len, otelc_batch_len(b) - 1, &out, &n), -1);
    assert_int_equal(og_inflate(OG_GZIP, msg, len - 1, 1 << 20, &out, &n), -1);
    assert_int_equal(og_inflate(OG_ZSTD, msg, len, 1 << 20, &out, &n), -1);
    og_body_free(&body);
    otelc_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_inflate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
