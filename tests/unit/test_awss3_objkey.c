/*
 * awss3 object keys: the collector's layout in UTC, the unique part from
 * the batch identity (so a retry keeps its key), and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "objkey.h"

#define T_2026 (1767323045LL * 1000000000LL + 123456789) /* 2026-01-02T03:04:05.123456789Z */
#define DEFAULT_FORMAT "year=%Y/month=%m/day=%d/hour=%H/minute=%M"

static const awss3_key_layout layout = {"traces", DEFAULT_FORMAT, "", ".binpb.gz", NULL};

static void test_default_layout(void **state)
{
    char key[S3_KEY_MAX];
    awss3_identity id = {0x2a, T_2026};
    int n = awss3_object_key(key, sizeof(key), &layout, id);
    assert_int_equal(n, (int)strlen(key));
    assert_string_equal(key, "traces/year=2026/month=01/day=02/hour=03/minute=04/"
                             "traces_1886caf223f1ff15-000000000000002a.binpb.gz");
}

static void test_same_identity_same_key(void **state)
{
    char a[S3_KEY_MAX], b[S3_KEY_MAX], c[S3_KEY_MAX];
    awss3_object_key(a, sizeof(a), &layout, (awss3_identity){7, T_2026});
    awss3_object_key(b, sizeof(b), &layout, (awss3_identity){7, T_2026});
    awss3_object_key(c, sizeof(c), &layout, (awss3_identity){8, T_2026});
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
}

static void test_empty_parts_drop_their_slash(void **state)
{
    char key[S3_KEY_MAX];
    awss3_identity id = {1, T_2026};
    awss3_key_layout no_prefix = {"", DEFAULT_FORMAT, "host1_", ".json", NULL};
    awss3_object_key(key, sizeof(key), &no_prefix, id);
    assert_string_equal(key, "year=2026/month=01/day=02/hour=03/minute=04/"
                             "host1_traces_1886caf223f1ff15-0000000000000001.json");
    awss3_key_layout no_partition = {"a/b", "", "", ".json.zst", NULL};
    awss3_object_key(key, sizeof(key), &no_partition, id);
    assert_string_equal(key, "a/b/traces_1886caf223f1ff15-0000000000000001.json.zst");
    awss3_key_layout custom = {NULL, "%Y%m%d", NULL, NULL, NULL};
    awss3_object_key(key, sizeof(key), &custom, id);
    assert_string_equal(key, "20260102/traces_1886caf223f1ff15-0000000000000001");
}

static void test_before_1970_floors(void **state)
{
    char key[S3_KEY_MAX];
    awss3_key_layout l = {"", "%Y-%m-%dT%H:%M:%S", "", "", NULL};
    awss3_object_key(key, sizeof(key), &l, (awss3_identity){1, -1}); /* 1 ns before 1970 */
    assert_memory_equal(key, "1969-12-31T23:59:59/", 20);
}

static void test_too_long(void **state)
{
    char key[S3_KEY_MAX], prefix[1100];
    memset(prefix, 'p', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = 0;
    awss3_key_layout l = {prefix, DEFAULT_FORMAT, "", ".json", NULL};
    assert_int_equal(awss3_object_key(key, sizeof(key), &l, (awss3_identity){1, T_2026}), -1);
    /* Just at S3's limit of 1024 bytes is fine; one more is not. */
    prefix[982] = 0; /* 982 + "/" + "traces_" + 33 unique bytes = 1023 */
    awss3_key_layout fits = {prefix, "", "", "", NULL};
    assert_int_equal(awss3_object_key(key, sizeof(key), &fits, (awss3_identity){1, 0}), 1023);
    awss3_key_layout over = {prefix, "", "x", "", NULL};
    assert_int_equal(awss3_object_key(key, sizeof(key), &over, (awss3_identity){1, 0}), 1024);
    awss3_key_layout over2 = {prefix, "", "xy", "", NULL};
    assert_int_equal(awss3_object_key(key, sizeof(key), &over2, (awss3_identity){1, 0}), -1);
    /* A small buffer is refused, not overrun. */
    char small[16];
    assert_int_equal(awss3_object_key(small, sizeof(small), &layout, (awss3_identity){1, 0}), -1);
}

static void test_identity_from_meta(void **state)
{
    otelc_batch_meta m = {.struct_size = sizeof(m), .batch_id = 99, .enqueued_ns = T_2026};
    awss3_identity id = awss3_identity_of(&m, 5, 1234);
    assert_int_equal(id.id, 99);
    assert_int_equal(id.time_ns, T_2026);
    /* Not numbered by a queue: random id, now. */
    m.batch_id = 0;
    id = awss3_identity_of(&m, 5, 1234);
    assert_int_equal(id.id, 1234);
    assert_int_equal(id.time_ns, 5);
    id = awss3_identity_of(NULL, 6, 77);
    assert_int_equal(id.id, 77);
    assert_int_equal(id.time_ns, 6);
    /* A numbered batch without a time still gets one. */
    m.batch_id = 3;
    m.enqueued_ns = 0;
    id = awss3_identity_of(&m, 8, 1);
    assert_int_equal(id.id, 3);
    assert_int_equal(id.time_ns, 8);
    /* Metadata from an older host without the fields counts as unnumbered. */
    m.struct_size = offsetof(otelc_batch_meta, batch_id);
    m.batch_id = 3;
    id = awss3_identity_of(&m, 8, 1);
    assert_int_equal(id.id, 1);
}

static void test_unique_format(void **state)
{
    char u[AWSS3_UNIQUE_SIZE];
    awss3_unique(u, (awss3_identity){UINT64_MAX, INT64_MAX});
    assert_string_equal(u, "7fffffffffffffff-ffffffffffffffff");
    assert_int_equal(strlen(u), AWSS3_UNIQUE_SIZE - 1);
}

static void test_key_time(void **state)
{
    assert_int_equal(awss3_key_time("p/year=2026/traces_18ab0c0d0e0f1011-0000000000000001.json"),
                     0x18ab0c0d0e0f1011ll);
    assert_int_equal(awss3_key_time("traces_0000000000000010-ff.binpb.gz"), 16);
    assert_int_equal(awss3_key_time("p/host1_traces_0000000000000002-0000000000000001.json"), 2);
    assert_int_equal(awss3_key_time("p/traces_123.json"), -1);
    assert_int_equal(awss3_key_time("p/other.json"), -1);
    assert_int_equal(awss3_key_time("traces_/x_0000000000000002-1.json"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_layout),
        cmocka_unit_test(test_same_identity_same_key),
        cmocka_unit_test(test_empty_parts_drop_their_slash),
        cmocka_unit_test(test_before_1970_floors),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_identity_from_meta),
        cmocka_unit_test(test_unique_format),
        cmocka_unit_test(test_key_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
