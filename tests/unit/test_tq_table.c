/*
 * trace_query: the table's file cache: a file met again in a later
 * listing is the same entry, linked once into its hash bucket and the
 * table's list (a file linked twice made a cycle that a lookup of another
 * key of its bucket then followed forever).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tq_table.c" /* its statics: file_get, file_put, key_bucket */

static s3_list_entry entry(const char *key)
{
    s3_list_entry e = {.size = 1000};
    snprintf(e.key, sizeof(e.key), "%s", key);
    return e;
}

/* A key of the same hash bucket as key, other than it. */
static s3_list_entry bucket_mate(const char *key)
{
    char k[64];
    for (unsigned i = 0;; i++) {
        snprintf(k, sizeof(k), "t/traces_%u.parquet", i);
        if (strcmp(k, key) != 0 && key_bucket(k) == key_bucket(key))
            return entry(k);
    }
}

static tq_file *use(tq_table *t, const s3_list_entry *e)
{
    tq_file *f = file_get(t, e);
    assert_non_null(f);
    file_put(t, f);
    return f;
}

static void a_file_met_again_is_linked_once(void **state)
{
    (void)state;
    tq_table *t = tq_table_new(1u << 20);
    s3_list_entry a = entry("t/traces_a.parquet"), c = entry("t/traces_c.parquet");
    s3_list_entry b = bucket_mate(a.key);
    tq_file *fa = use(t, &a);
    tq_file *fc = use(t, &c);
    assert_ptr_equal(use(t, &a), fa); /* the oldest, unreferenced: met again */
    assert_ptr_equal(t->files, fc);
    assert_ptr_equal(fc->next, fa);
    assert_null(fa->next);
    assert_null(fa->chain);
    tq_file *fb = use(t, &b); /* its bucket's chain ends */
    assert_ptr_not_equal(fb, fa);
    assert_ptr_equal(fb->chain, fa);
    assert_ptr_equal(use(t, &a), fa);
    assert_ptr_equal(use(t, &b), fb);
    tq_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_file_met_again_is_linked_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
