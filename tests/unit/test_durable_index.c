/* The durable queue's in-memory index: FIFO per metadata partition and
 * the read-side batching rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "queue/durable/durable_index.h"

static dq_item item(uint64_t id, uint32_t spans, uint32_t meta, int64_t due)
{
    return (dq_item){.id = id, .committed_ns = (int64_t)id * 10, .due_ns = due, .spans = spans,
                     .bytes = spans * 100, .cost = 200, .meta = meta};
}

static void test_meta_interning(void **state)
{
    dq_index *x = dq_index_new();
    otelc_kv a[] = {{"tenant", "a"}}, a2[] = {{"tenant", "a"}}, b[] = {{"tenant", "b"}};
    uint32_t ia = dq_index_meta(x, a, 1);
    assert_int_equal(dq_index_meta(x, NULL, 0), 0);
    assert_true(ia != 0);
    assert_int_equal(dq_index_meta(x, a2, 1), ia);
    assert_true(dq_index_meta(x, b, 1) != ia);
    dq_index_free(x);
}

static void test_no_batching_is_fifo_one_by_one(void **state)
{
    dq_index *x = dq_index_new();
    dq_limits l = {.batching = false};
    for (uint64_t i = 1; i <= 300; i++) /* grows the ring a few times */
        assert_int_equal(dq_index_push(x, &(dq_item){.id = i, .spans = 1}), 0);
    dq_item *out;
    int64_t due;
    for (uint64_t i = 1; i <= 300; i++) {
        assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 1);
        assert_true(out[0].id == i);
        free(out);
    }
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 0);
    assert_int_equal(due, 0);
    dq_index_free(x);
}

static void test_batching_rules(void **state)
{
    dq_index *x = dq_index_new();
    dq_limits l = {.batching = true, .min_size = 10, .max_size = 12, .max_items = 100};
    dq_item it[] = {item(1, 4, 1, 500), item(2, 4, 2, 600), item(3, 4, 1, 700),
                    item(4, 4, 1, 800)};
    for (size_t i = 0; i < 4; i++)
        dq_index_push(x, &it[i]);
    dq_index_stats st;
    dq_index_stats_get(x, &st);
    assert_int_equal(st.count, 4);
    assert_int_equal(st.spans, 16);
    assert_true(st.oldest_ns == 10);
    dq_item *out;
    int64_t due;
    /* Partition 1 holds 12 spans: ready; it never takes partition 2's. */
    otelc_send_trigger why;
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, &why), 3);
    assert_int_equal(why, OTELC_SEND_SIZE);
    assert_true(out[0].id == 1 && out[1].id == 3 && out[2].id == 4);
    /* Put back (say the record failed), then take again: same order. */
    assert_int_equal(dq_index_unshift(x, out, 3), 0);
    free(out);
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 3);
    assert_true(out[0].id == 1 && out[2].id == 4);
    free(out);
    /* Partition 2: 4 spans, under min_size: not before its due time. */
    assert_int_equal(dq_index_take(x, &l, 599, false, &out, &due, NULL), 0);
    assert_int_equal(due, 600);
    assert_int_equal(dq_index_take(x, &l, 600, false, &out, &due, &why), 1);
    assert_int_equal(why, OTELC_SEND_TIMEOUT);
    assert_int_equal(dq_index_unshift(x, out, 1), 0);
    free(out);
    assert_int_equal(dq_index_take(x, &l, 0, true, &out, &due, &why), 1);
    assert_int_equal(why, OTELC_SEND_FLUSH);
    assert_true(out[0].id == 2);
    free(out);
    dq_index_free(x);
}

static void test_max_size_and_bytes(void **state)
{
    dq_index *x = dq_index_new();
    dq_limits l = {.batching = true, .min_size = 1, .max_size = 5, .max_items = 100};
    dq_index_push(x, &(dq_item){.id = 1, .spans = 9, .bytes = 10});
    dq_index_push(x, &(dq_item){.id = 2, .spans = 2, .bytes = 10});
    dq_index_push(x, &(dq_item){.id = 3, .spans = 2, .bytes = 10});
    dq_index_push(x, &(dq_item){.id = 4, .spans = 2, .bytes = 10, .due_ns = 1000});
    dq_item *out;
    int64_t due;
    /* An entry bigger than max_size leaves alone, never split. */
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 1);
    free(out);
    l.max_size = 0;
    l.max_bytes = 25;
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 2);
    free(out);
    l.by_bytes = true; /* sizer bytes: min/max count request bytes */
    l.min_size = 11;
    assert_int_equal(dq_index_take(x, &l, 0, false, &out, &due, NULL), 0);
    dq_index_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_interning),
        cmocka_unit_test(test_no_batching_is_fifo_one_by_one),
        cmocka_unit_test(test_batching_rules),
        cmocka_unit_test(test_max_size_and_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
