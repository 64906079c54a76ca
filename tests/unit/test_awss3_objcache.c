/*
 * awss3 object cache: hits, least recently used out first within the byte
 * bound, a held object outliving its eviction, the first of two racing
 * puts kept, objects too big to keep handed back uncached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "objcache.h"

static uint8_t *bytes(size_t n, int fill)
{
    uint8_t *p = malloc(n);
    memset(p, fill, n);
    return p;
}

static void test_lru_within_bound(void **state)
{
    awss3_objcache *c = awss3_objcache_new(300);
    awss3_obj_unref(awss3_objcache_put(c, "a", bytes(100, 'a'), 100));
    awss3_obj_unref(awss3_objcache_put(c, "b", bytes(100, 'b'), 100));
    awss3_obj_unref(awss3_objcache_put(c, "c", bytes(100, 'c'), 100));
    awss3_obj *a = awss3_objcache_get(c, "a"); /* a is now the newest */
    assert_non_null(a);
    assert_int_equal(a->pb[99], 'a');
    awss3_obj_unref(a);
    awss3_obj_unref(awss3_objcache_put(c, "d", bytes(100, 'd'), 100));
    awss3_obj *b = awss3_objcache_get(c, "b");
    assert_null(b); /* b was the least recently used */
    a = awss3_objcache_get(c, "a");
    assert_non_null(a);
    awss3_obj_unref(a);
    assert_null(awss3_objcache_get(c, "zz"));
    awss3_objcache_free(c);
}

static void test_held_objects_and_races(void **state)
{
    awss3_objcache *c = awss3_objcache_new(150);
    awss3_obj *held = awss3_objcache_put(c, "a", bytes(100, 'a'), 100);
    awss3_obj_unref(awss3_objcache_put(c, "b", bytes(100, 'b'), 100)); /* evicts a */
    assert_null(awss3_objcache_get(c, "a"));
    assert_int_equal(held->pb[0], 'a'); /* still ours */
    awss3_obj_unref(held);
    awss3_obj *first = awss3_objcache_get(c, "b");
    awss3_obj *second = awss3_objcache_put(c, "b", bytes(50, 'x'), 50);
    assert_ptr_equal(first, second); /* the cached one wins; the new bytes are freed */
    assert_int_equal(second->len, 100);
    awss3_obj_unref(first);
    awss3_obj_unref(second);
    awss3_obj *big = awss3_objcache_put(c, "big", bytes(1000, 'g'), 1000);
    assert_non_null(big);
    assert_null(awss3_objcache_get(c, "big"));
    awss3_objcache_free(c); /* big lives on */
    assert_int_equal(big->pb[999], 'g');
    awss3_obj_unref(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_within_bound),
        cmocka_unit_test(test_held_objects_and_races),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
