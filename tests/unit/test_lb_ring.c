/*
 * test_lb_ring.c: the load_balancing ring is the collector's: its
 * positions and lookups on the collector's own test vectors, keys spread
 * evenly, about 1/N of them moving when one of N endpoints goes, and the
 * same answer whatever order the endpoints came in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

static const char *name_of(const char *const *eps, const lb_ring *r, const void *key,
                           size_t len)
{
    int i = lb_ring_find(r, key, len);
    return i < 0 ? NULL : eps[i];
}

/* consistent_hashing_test.go, TestPositionsForEndpoints (weight 5). */
static void test_collector_positions(void **state)
{
    static const char *const eps[] = {"endpoint-1", "endpoint-2"};
    static const uint32_t pos[] = {1401, 4175, 10240, 14133, 15002, 17836, 21263, 21667, 26806,
                                   27020};
    static const uint32_t owner[] = {0, 0, 1, 0, 1, 0, 1, 0, 1, 1};
    lb_ring r;
    (void)state;
    assert_int_equal(lb_ring_build_weighted(&r, eps, 2, 5), 0);
    assert_int_equal(r.n, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(r.items[i].pos, pos[i]);
        assert_int_equal(r.items[i].endpoint, owner[i]);
    }
    lb_ring_free(&r);
    static const char *const dup[] = {"endpoint-1", "endpoint-1"};
    assert_int_equal(lb_ring_build_weighted(&r, dup, 2, 5), 0);
    assert_int_equal(r.n, 5); /* a taken position stays with the first */
    lb_ring_free(&r);
}

/* consistent_hashing_test.go, TestEndpointFor (weight 100). */
static void test_collector_lookups(void **state)
{
    static const char *const eps[] = {"endpoint-1", "endpoint-2"};
    static const uint8_t a[] = {1, 2, 0, 0}, b[] = {128, 128, 0, 0};
    lb_ring r;
    (void)state;
    assert_int_equal(lb_ring_build(&r, eps, 2), 0);
    assert_int_equal(r.n, 200);
    assert_string_equal(name_of(eps, &r, a, 4), "endpoint-1");
    assert_string_equal(name_of(eps, &r, b, 4), "endpoint-2");
    assert_string_equal(name_of(eps, &r, "ad-service-7", 12), "endpoint-1");
    assert_string_equal(name_of(eps, &r, "get-recommendations-1", 21), "endpoint-2");
    lb_ring_free(&r);
}

static void key_of(uint32_t i, uint8_t key[16])
{
    uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
    for (int j = 0; j < 16; j++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ULL;
        key[j] = (uint8_t)(x >> 56);
    }
}

#define KEYS ((size_t)20000)

static void test_spread_and_movement(void **state)
{
    static const char *const four[] = {"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317",
                                       "10.0.0.4:4317"};
    static const char *const three[] = {"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.4:4317"};
    lb_ring r4, r3;
    size_t per[4] = {0}, moved = 0, wrong = 0;
    (void)state;
    assert_int_equal(lb_ring_build(&r4, four, 4), 0);
    assert_int_equal(lb_ring_build(&r3, three, 3), 0);
    for (uint32_t i = 0; i < KEYS; i++) {
        uint8_t k[16];
        key_of(i, k);
        const char *before = name_of(four, &r4, k, 16), *after = name_of(three, &r3, k, 16);
        per[lb_ring_find(&r4, k, 16)]++;
        if (strcmp(before, after) != 0) {
            moved++;
            wrong += strcmp(before, "10.0.0.3:4317") != 0; /* only the removed one's keys move */
        }
    }
    for (int i = 0; i < 4; i++)
        assert_true(per[i] > KEYS / 4 / 2 && per[i] < KEYS / 4 * 2);
    assert_int_equal(wrong, 0);
    assert_int_equal(moved, per[2]);
    lb_ring_free(&r4);
    lb_ring_free(&r3);
}

static void test_deterministic(void **state)
{
    static const char *const eps[] = {"a:1", "b:1", "c:1"};
    lb_ring r1, r2, empty;
    (void)state;
    assert_int_equal(lb_ring_build(&r1, eps, 3), 0);
    assert_int_equal(lb_ring_build(&r2, eps, 3), 0);
    assert_int_equal(r1.n, r2.n);
    assert_memory_equal(r1.items, r2.items, r1.n * sizeof(*r1.items));
    assert_int_equal(lb_ring_build(&empty, NULL, 0), 0);
    assert_int_equal(lb_ring_find(&empty, (const uint8_t *)"x", 1), -1);
    lb_ring_free(&r1);
    lb_ring_free(&r2);
    lb_ring_free(&empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collector_positions),
        cmocka_unit_test(test_collector_lookups),
        cmocka_unit_test(test_spread_and_movement),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
