/* The durable queue's record layout: round trips and refusal of
 * malformed bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue/durable/durable_format.h"

static void test_keys_sort_numerically(void **state)
{
    uint8_t a[8], b[8];
    df_key_put(a, 255);
    df_key_put(b, 256);
    assert_true(memcmp(a, b, 8) < 0);
    assert_true(df_key_get(b, 8) == 256);
    assert_true(df_key_get(b, 7) == 0);
}

static void test_entry_round_trip(void **state)
{
    otelc_kv pairs[] = {{"tenant", "acme"}, {"x-scope", ""}};
    otelc_batch_meta m = {.struct_size = sizeof(m), .received_ns = 42, .pairs = pairs,
                          .npairs = 2};
    size_t ml = df_meta_len(&m);
    size_t len = df_entry_len(ml, 5);
    uint8_t *buf = malloc(len);
    uint8_t *p = df_entry_write_head(buf, &m, ml, 7, 99);
    memcpy(p, "hello", 5);
    df_entry e;
    assert_int_equal(df_entry_read(buf, len, &e), 0);
    assert_int_equal(e.spans, 7);
    assert_true(e.received_ns == 42 && e.committed_ns == 99);
    assert_int_equal(e.payload_len, 5);
    assert_memory_equal(e.payload, "hello", 5);
    otelc_kv out[2];
    df_pairs(&e, out, 2);
    assert_string_equal(out[0].key, "tenant");
    assert_string_equal(out[0].value, "acme");
    assert_string_equal(out[1].key, "x-scope");
    assert_string_equal(out[1].value, "");
    /* Damaged: wrong magic, truncated metadata, a missing terminator. */
    buf[0] ^= 0xff;
    assert_int_equal(df_entry_read(buf, len, &e), -1);
    buf[0] ^= 0xff;
    assert_int_equal(df_entry_read(buf, 20, &e), -1);
    assert_int_equal(df_entry_read(buf, DF_ENTRY_HDR + 3, &e), -1);
    buf[DF_ENTRY_HDR + 2 + 6] = 'X';
    assert_int_equal(df_entry_read(buf, len, &e), -1);
    free(buf);
}

/* The signal rides in a header byte that entries of earlier releases
 * hold as zero: those read as traces. */
static void test_entry_signal(void **state)
{
    otelc_batch_meta m = {.struct_size = sizeof(m), .signal = OTELC_LOGS};
    uint8_t buf[DF_ENTRY_HDR + 1];
    df_entry_write_head(buf, &m, 0, 3, 5)[0] = 'x';
    df_entry e;
    assert_int_equal(df_entry_read(buf, sizeof(buf), &e), 0);
    assert_int_equal(e.signal, OTELC_LOGS);
    memset(buf + 28, 0, 4); /* as an entry written before signals */
    assert_int_equal(df_entry_read(buf, sizeof(buf), &e), 0);
    assert_int_equal(e.signal, OTELC_TRACES);
    assert_int_equal(e.spans, 3);
}

static void test_entry_without_metadata(void **state)
{
    assert_int_equal(df_meta_len(NULL), 0);
    uint8_t buf[DF_ENTRY_HDR + 3];
    uint8_t *p = df_entry_write_head(buf, NULL, 0, 1, 5);
    p[0] = 'a';
    p[1] = 'b';
    p[2] = 'c';
    df_entry e;
    assert_int_equal(df_entry_read(buf, sizeof(buf), &e), 0);
    assert_int_equal(e.npairs, 0);
    assert_int_equal(e.payload_len, 3);
}

static void test_batch_record(void **state)
{
    df_range r[] = {{10, 3}, {20, 1}};
    uint8_t buf[64];
    df_batch_write(buf, 0xabcdef, 123, r, 2);
    df_batch b;
    assert_int_equal(df_batch_read(buf, df_batch_len(2), &b), 0);
    assert_true(b.batch_id == 0xabcdef && b.enqueued_ns == 123);
    assert_int_equal(b.nranges, 2);
    assert_true(df_batch_range(&b, 1).first == 20);
    assert_int_equal(df_batch_range(&b, 0).count, 3);
    assert_int_equal(df_batch_read(buf, df_batch_len(2) - 1, &b), -1);
    assert_int_equal(df_batch_read(buf, df_batch_len(1), &b), -1);
}

static void test_dead_record(void **state)
{
    const char *reason = "refused";
    df_dead d = {.batch_id = 7, .enqueued_ns = 8, .died_ns = 9, .spans = 3, .nentries = 2,
                 .reason = reason, .reason_len = strlen(reason)};
    size_t len = df_dead_len(d.reason_len, 5 + 2, 2);
    uint8_t *buf = malloc(len);
    uint8_t *p = df_dead_write_head(buf, &d);
    p = df_dead_put_entry(p, "first", 5);
    p = df_dead_put_entry(p, "2e", 2);
    assert_ptr_equal(p, buf + len);
    df_dead back;
    assert_int_equal(df_dead_read(buf, len, &back), 0);
    assert_true(back.batch_id == 7 && back.died_ns == 9 && back.spans == 3);
    assert_memory_equal(back.reason, "refused", 7);
    size_t off = 0, l;
    const uint8_t *e;
    assert_int_equal(df_dead_next(&back, &off, &e, &l), 1);
    assert_memory_equal(e, "first", 5);
    assert_int_equal(df_dead_next(&back, &off, &e, &l), 1);
    assert_int_equal(l, 2);
    assert_int_equal(df_dead_next(&back, &off, &e, &l), 0);
    assert_int_equal(df_dead_read(buf, len - 3, &back), 0);
    off = 0;
    df_dead_next(&back, &off, &e, &l);
    assert_int_equal(df_dead_next(&back, &off, &e, &l), -1);
    free(buf);
}

static void test_cost_and_ids(void **state)
{
    /* Small values share pages; big ones take whole overflow pages. */
    assert_true(df_cost(100, 4096) < 4096);
    assert_int_equal(df_cost(5000, 4096), 8192);
    assert_int_equal(df_cost(8192, 4096), 12288);
    assert_true(df_batch_id(1, 1) != df_batch_id(1, 2));
    assert_true(df_batch_id(1, 1) != df_batch_id(2, 1));
    assert_true(df_batch_id(5, 9) == df_batch_id(5, 9));
    assert_true(df_batch_id(0, 0) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_sort_numerically),
        cmocka_unit_test(test_entry_round_trip),
        cmocka_unit_test(test_entry_signal),
        cmocka_unit_test(test_entry_without_metadata),
        cmocka_unit_test(test_batch_record),
        cmocka_unit_test(test_dead_record),
        cmocka_unit_test(test_cost_and_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
