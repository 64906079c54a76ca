/* Batches: adoption without copy, merge by segments, flat views, metadata
 * and reference counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "host_batch.h"

static int freed;
static void count_free(void *arg, void *buf)
{
    freed += *(int *)arg;
    free(buf);
}

static uint8_t *dup_bytes(const char *s)
{
    return (uint8_t *)strdup(s);
}

static void test_adopt_keeps_the_buffer(void **state)
{
    int one = 1;
    uint8_t *buf = dup_bytes("abc");
    freed = 0;
    otelc_batch *b = otelc_hbatch_adopt(buf, 3, 2, count_free, &one, NULL);
    assert_non_null(b);
    assert_ptr_equal(otelc_batch_flat(b), buf); /* no copy */
    assert_int_equal(otelc_batch_len(b), 3);
    assert_int_equal(otelc_batch_spans(b), 2);
    otelc_batch_ref(b);
    otelc_batch_unref(b);
    assert_int_equal(freed, 0);
    otelc_batch_unref(b);
    assert_int_equal(freed, 1);
    assert_int_equal(otelc_hbatch_live(), 0);
}

static void test_merge_references_segments(void **state)
{
    otelc_batch *a = otelc_hbatch_copy((const uint8_t *)"aa", 2, 1, NULL);
    otelc_batch *b = otelc_hbatch_copy((const uint8_t *)"bbb", 3, 2, NULL);
    otelc_batch *parts[] = {a, b};
    otelc_batch *m = otelc_hbatch_merge(parts, 2);
    assert_int_equal(otelc_batch_len(m), 5);
    assert_int_equal(otelc_batch_spans(m), 3);
    struct iovec iov[4];
    assert_int_equal(otelc_batch_segments(m, iov, 4), 2);
    assert_ptr_equal(iov[0].iov_base, otelc_batch_flat(a));
    assert_ptr_equal(iov[1].iov_base, otelc_batch_flat(b));
    assert_memory_equal(otelc_batch_flat(m), "aabbb", 5);
    /* The parts may go; the merged batch keeps their bytes alive. */
    otelc_batch_unref(a);
    otelc_batch_unref(b);
    assert_memory_equal(otelc_batch_flat(m), "aabbb", 5);
    /* Merging a merged batch stays flat: segments are leaves. */
    otelc_batch *c = otelc_hbatch_copy((const uint8_t *)"c", 1, 1, NULL);
    otelc_batch *parts2[] = {m, c};
    otelc_batch *mm = otelc_hbatch_merge(parts2, 2);
    assert_int_equal(otelc_batch_segments(mm, iov, 4), 3);
    assert_memory_equal(otelc_batch_flat(mm), "aabbbc", 6);
    assert_int_equal(otelc_batch_segments(mm, iov, 1), 3); /* count beyond max */
    otelc_batch_unref(m);
    otelc_batch_unref(c);
    otelc_batch_unref(mm);
    assert_int_equal(otelc_hbatch_live(), 0);
}

static void test_meta_is_copied_and_merged(void **state)
{
    char key[] = "tenant", val[] = "blue";
    otelc_kv pairs[] = {{key, val}};
    otelc_batch_meta m1 = {.struct_size = sizeof(m1), .received_ns = 50, .pairs = pairs,
                           .npairs = 1};
    otelc_batch_meta m2 = {.struct_size = sizeof(m2), .received_ns = 20};
    otelc_batch *a = otelc_hbatch_copy((const uint8_t *)"a", 1, 1, &m1);
    otelc_batch *b = otelc_hbatch_copy((const uint8_t *)"b", 1, 1, &m2);
    key[0] = 'X'; /* the batch holds its own copy */
    const otelc_batch_meta *am = otelc_batch_meta_of(a);
    assert_string_equal(am->pairs[0].key, "tenant");
    assert_string_equal(am->pairs[0].value, "blue");
    otelc_batch *parts[] = {a, b};
    otelc_batch *m = otelc_hbatch_merge(parts, 2);
    const otelc_batch_meta *mm = otelc_batch_meta_of(m);
    assert_int_equal(mm->received_ns, 20); /* earliest */
    assert_int_equal(mm->npairs, 1);
    otelc_batch_meta stamp = {.struct_size = sizeof(stamp), .batch_id = 7, .enqueued_ns = 99};
    otelc_batch *s = otelc_hbatch_with_meta(m, &stamp);
    assert_int_equal(otelc_batch_meta_of(s)->batch_id, 7);
    assert_memory_equal(otelc_batch_flat(s), "ab", 2);
    otelc_batch_unref(a);
    otelc_batch_unref(b);
    otelc_batch_unref(m);
    otelc_batch_unref(s);
    assert_int_equal(otelc_hbatch_live(), 0);
}

static void test_empty_batch(void **state)
{
    otelc_batch *b = otelc_hbatch_copy(NULL, 0, 0, NULL);
    assert_non_null(b);
    assert_int_equal(otelc_batch_len(b), 0);
    assert_non_null(otelc_batch_flat(b));
    otelc_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adopt_keeps_the_buffer),
        cmocka_unit_test(test_merge_references_segments),
        cmocka_unit_test(test_meta_is_copied_and_merged),
        cmocka_unit_test(test_empty_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
