/*
 * awss3 span index: objects and summaries in, the time-ordered scan (and
 * its bounds), traces, object keys, services and operations out; an
 * object indexed twice counts once; retention and size pruning remove the
 * oldest objects with all they brought; clearing; reopening keeps it all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "index.h"

#define NS 1000000000LL

static char dir[256];

static ix_env *open_index(uint64_t max_size, int64_t retention_ns)
{
    ix_options o = {dir, max_size, retention_ns};
    ix_env *e = NULL;
    char err[512];
    if (ix_open(&o, &e, err, sizeof(err)) != 0)
        fail_msg("ix_open: %s", err);
    return e;
}

static int setup(void **state)
{
    char base[64];
    snprintf(base, sizeof(base), "/tmp/otelc-ixtest-XXXXXX");
    if (!mkdtemp(base))
        return -1;
    snprintf(dir, sizeof(dir), "%s/index/sub", base); /* created with its parents */
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(dir) - 10), dir);
    return system(cmd) == 0 ? 0 : -1;
}

static pb_bytes str(const char *s)
{
    return (pb_bytes){(const uint8_t *)s, strlen(s)};
}

/* Span i of trace t: start 1000*i, duration 10*i + 1, trace byte t. */
static ix_span span(int t, int i, const char *service, const char *name)
{
    ix_span s = {0};
    memset(s.trace_id, 0, 16);
    s.trace_id[15] = (uint8_t)t;
    s.span_id[7] = (uint8_t)i;
    s.parent_id[7] = (uint8_t)(i > 1 ? i - 1 : 0);
    s.start_ns = 1000 * (uint64_t)i;
    s.end_ns = s.start_ns + 10 * (uint64_t)i + 1;
    s.kind = 2;
    s.status = i % 3 == 0 ? 2 : 0;
    s.service = str(service);
    s.name = str(name);
    return s;
}

static void add(ix_env *e, const char *key, int64_t stored, ix_span *spans, size_t n, bool *dup)
{
    MDB_txn *txn;
    assert_int_equal(ix_write_begin(e, &txn), 0);
    ix_object o = {key, stored, 123};
    assert_int_equal(ix_add(e, txn, &o, spans, n, dup), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

typedef struct collected {
    ix_hit hits[64];
    char names[64][32];
    size_t n, stop_at;
} collected;

static int collect(void *arg, const ix_hit *h)
{
    collected *c = arg;
    c->hits[c->n] = *h;
    snprintf(c->names[c->n], sizeof(c->names[0]), "%.*s/%.*s", (int)h->service.len,
             (const char *)h->service.ptr, (int)h->name.len, (const char *)h->name.ptr);
    c->n++;
    return c->stop_at && c->n == c->stop_at;
}

static collected scan(ix_env *e, uint64_t lo, uint64_t hi, size_t stop_at)
{
    collected c = {.n = 0, .stop_at = stop_at};
    MDB_txn *txn;
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_scan(e, txn, lo, hi, collect, &c), 0);
    ix_read_end(txn);
    return c;
}

/* Two objects: trace 1 (spans 1..3) in a, trace 1 (span 4) and trace 2
 * (span 5) in b. */
static ix_env *two_objects(void)
{
    ix_env *e = open_index(64ull << 20, 0);
    ix_span a[] = {span(1, 2, "svc-a", "op-x"), span(1, 1, "svc-a", "op-y"),
                   span(1, 3, "svc-b", "op-x")};
    ix_span b[] = {span(1, 4, "svc-b", "op-z"), span(2, 5, "svc-a", "op-x")};
    bool dup;
    add(e, "p/traces_a.json", 100 * NS, a, 3, &dup);
    assert_false(dup);
    add(e, "p/traces_b.json", 200 * NS, b, 2, &dup);
    assert_false(dup);
    return e;
}

static void test_scan_newest_first_with_bounds(void **state)
{
    ix_env *e = two_objects();
    collected c = scan(e, 0, UINT64_MAX, 0);
    assert_int_equal(c.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(c.hits[i].start_ns, 1000 * (5 - i));
    assert_string_equal(c.names[0], "svc-a/op-x");
    assert_string_equal(c.names[1], "svc-b/op-z");
    assert_int_equal(c.hits[0].trace_id[15], 2);
    assert_int_equal(c.hits[0].span_id[7], 5);
    assert_int_equal(c.hits[0].parent_id[7], 4);
    assert_int_equal(c.hits[0].duration_ns, 51);
    assert_int_equal(c.hits[0].kind, 2);
    assert_int_equal(c.hits[2].status, 2); /* span 3 */
    assert_int_not_equal(c.hits[0].obj, c.hits[2].obj);
    assert_int_equal(c.hits[1].obj, c.hits[0].obj);

    c = scan(e, 2000, 4000, 0); /* both ends inclusive */
    assert_int_equal(c.n, 3);
    assert_int_equal(c.hits[0].start_ns, 4000);
    assert_int_equal(c.hits[2].start_ns, 2000);
    c = scan(e, 0, 3500, 0);
    assert_int_equal(c.hits[0].start_ns, 3000);
    c = scan(e, 0, UINT64_MAX, 2); /* the callback stops it */
    assert_int_equal(c.n, 2);
    c = scan(e, 6000, UINT64_MAX, 0);
    assert_int_equal(c.n, 0);
    ix_close(e);
}

static void test_traces_objects_and_keys(void **state)
{
    ix_env *e = two_objects();
    MDB_txn *txn;
    ix_trace *t = malloc(sizeof(*t));
    uint8_t tid[16] = {0};
    char key[64];
    assert_int_equal(ix_read_begin(e, &txn), 0);
    tid[15] = 1;
    assert_int_equal(ix_trace_get(e, txn, tid, t), 0);
    assert_int_equal(t->nobjects, 2);
    assert_int_equal(t->min_start_ns, 1000);
    assert_int_equal(t->max_end_ns, 4041);
    assert_int_equal(ix_object_key(e, txn, t->objects[0], key, sizeof(key)), 0);
    assert_string_equal(key, "p/traces_a.json");
    assert_int_equal(ix_object_key(e, txn, t->objects[1], key, sizeof(key)), 0);
    assert_string_equal(key, "p/traces_b.json");
    assert_int_equal(ix_object_key(e, txn, t->objects[1], key, 5), MDB_BAD_VALSIZE);
    tid[15] = 2;
    assert_int_equal(ix_trace_get(e, txn, tid, t), 0);
    assert_int_equal(t->nobjects, 1);
    tid[15] = 3;
    assert_int_equal(ix_trace_get(e, txn, tid, t), MDB_NOTFOUND);
    assert_true(ix_has_object(e, txn, "p/traces_a.json"));
    assert_false(ix_has_object(e, txn, "p/traces_c.json"));
    ix_stats st;
    assert_int_equal(ix_stats_get(e, txn, &st), 0);
    assert_int_equal(st.objects, 2);
    assert_int_equal(st.spans, 5);
    assert_int_equal(st.traces, 2);
    assert_true(st.used_bytes > 0);
    ix_read_end(txn);
    free(t);
    ix_close(e);
}

typedef struct names {
    char items[16][40];
    size_t n;
} names;

static int add_name(void *arg, pb_bytes name, int kind)
{
    names *l = arg;
    snprintf(l->items[l->n++], sizeof(l->items[0]), "%.*s:%d", (int)name.len,
             (const char *)name.ptr, kind);
    return 0;
}

static void test_services_and_operations(void **state)
{
    ix_env *e = two_objects();
    MDB_txn *txn;
    names l = {.n = 0};
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_services(e, txn, add_name, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0], "svc-a:-1");
    assert_string_equal(l.items[1], "svc-b:-1");
    l.n = 0;
    assert_int_equal(ix_operations(e, txn, "svc-b", add_name, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0], "op-x:2");
    assert_string_equal(l.items[1], "op-z:2");
    l.n = 0;
    assert_int_equal(ix_operations(e, txn, "svc", add_name, &l), 0);
    assert_int_equal(l.n, 0); /* a prefix of a service is not the service */
    ix_read_end(txn);
    ix_close(e);
}

static void test_same_object_twice_counts_once(void **state)
{
    ix_env *e = two_objects();
    ix_span again[] = {span(9, 9, "svc-c", "op")};
    bool dup;
    add(e, "p/traces_a.json", 300 * NS, again, 1, &dup);
    assert_true(dup);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 5);
    ix_close(e);
}

static void test_retention_removes_oldest_objects(void **state)
{
    ix_env *e = two_objects();
    ix_close(e);
    e = open_index(64ull << 20, 50 * NS); /* a retention of 50 s */
    MDB_txn *txn;
    size_t removed = 0;
    assert_int_equal(ix_write_begin(e, &txn), 0);
    /* At 160 s object a (stored at 100 s) is past it, b (200 s) is not. */
    assert_int_equal(ix_prune(e, txn, 160 * NS, 100, 0, &removed), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(removed, 1);
    collected c = scan(e, 0, UINT64_MAX, 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.hits[0].start_ns, 5000);
    assert_int_equal(c.hits[1].start_ns, 4000);
    ix_trace *t = malloc(sizeof(*t));
    uint8_t tid[16] = {0};
    tid[15] = 1;
    names l = {.n = 0};
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_trace_get(e, txn, tid, t), 0);
    assert_int_equal(t->nobjects, 1); /* only b is left of trace 1 */
    assert_false(ix_has_object(e, txn, "p/traces_a.json"));
    assert_int_equal(ix_services(e, txn, add_name, &l), 0);
    assert_int_equal(l.n, 2); /* b saw both services at 200 s */
    ix_read_end(txn);
    assert_int_equal(ix_write_begin(e, &txn), 0);
    assert_int_equal(ix_prune(e, txn, 1000 * NS, 100, 0, &removed), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 0);
    l.n = 0;
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_trace_get(e, txn, tid, t), MDB_NOTFOUND);
    assert_int_equal(ix_services(e, txn, add_name, &l), 0);
    assert_int_equal(l.n, 0); /* operations not seen within the retention go */
    ix_read_end(txn);
    free(t);
    ix_close(e);
}

static void test_size_bound_removes_oldest(void **state)
{
    ix_env *e = open_index(16ull << 20, 0);
    static ix_span spans[2000];
    char key[64];
    size_t removed = 0, total_removed = 0;
    for (int obj = 0; obj < 100; obj++) { /* some 109 bytes a span: 21 MB in all */
        for (int i = 0; i < 2000; i++) {
            spans[i] = span(obj % 250 + 1, i, "svc", "operation-with-a-longer-name");
            spans[i].start_ns = (uint64_t)obj * 1000000 + (uint64_t)i;
            spans[i].span_id[6] = (uint8_t)obj;
            spans[i].span_id[5] = (uint8_t)(i >> 8);
        }
        bool dup;
        snprintf(key, sizeof(key), "p/traces_%02d.binpb", obj);
        add(e, key, (int64_t)obj * NS, spans, 2000, &dup);
        MDB_txn *txn;
        assert_int_equal(ix_write_begin(e, &txn), 0);
        assert_int_equal(ix_prune(e, txn, 0, 1000, 0, &removed), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        total_removed += removed;
    }
    MDB_txn *txn;
    ix_stats st;
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_stats_get(e, txn, &st), 0);
    assert_true(total_removed > 0);
    assert_true(st.used_bytes <= 16ull << 20);
    assert_int_equal(st.objects, 100 - total_removed);
    assert_false(ix_has_object(e, txn, "p/traces_00.binpb")); /* the oldest went first */
    assert_true(ix_has_object(e, txn, "p/traces_99.binpb"));
    ix_read_end(txn);
    /* The oldest span left belongs to the oldest object left. */
    collected c = scan(e, 0, (uint64_t)total_removed * 1000000 - 1, 0);
    assert_int_equal(c.n, 0);
    ix_close(e);
}

static void test_clear_and_reopen(void **state)
{
    ix_env *e = two_objects();
    ix_close(e);
    e = open_index(64ull << 20, 0);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 5); /* kept on disk */
    MDB_txn *txn;
    assert_int_equal(ix_write_begin(e, &txn), 0);
    assert_int_equal(ix_clear(e, txn), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 0);
    ix_span one[] = {span(1, 1, "svc", "op")};
    bool dup;
    add(e, "p/traces_a.json", 100 * NS, one, 1, &dup);
    assert_false(dup); /* cleared: the key may come again */
    ix_close(e);
}

/* An object whose spans start before and after what is indexed already:
 * the older ones go in among the rows, the newer ones at the end; many
 * spans of one trace and operation still make one trace entry and one
 * operation. */
static void test_interleaved_objects(void **state)
{
    ix_env *e = open_index(64ull << 20, 50 * NS);
    ix_span a[40], b[41];
    for (int i = 0; i < 40; i++)
        a[i] = span(1, 2 * i + 2, "svc-a", "op"); /* starts 2000, 4000, ... */
    for (int i = 0; i < 40; i++)
        b[i] = span(2, 2 * (39 - i) + 1, "svc-b", i % 2 ? "op" : "op2"); /* 1000, 3000, ... */
    b[40] = span(1, 80, "svc-a", "op"); /* a's last span, indexed again */
    bool dup;
    add(e, "p/a", 100 * NS, a, 40, &dup);
    add(e, "p/b", 200 * NS, b, 41, &dup);
    MDB_txn *txn;
    ix_stats st;
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_stats_get(e, txn, &st), 0);
    ix_read_end(txn);
    assert_int_equal(st.spans, 80);
    assert_int_equal(st.traces, 2);
    collected c = scan(e, 0, 64000, 0);
    assert_int_equal(c.n, 64);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.hits[i].start_ns, 1000 * (64 - i));
    names l = {.n = 0};
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_operations(e, txn, "svc-b", add_name, &l), 0);
    ix_read_end(txn);
    assert_int_equal(l.n, 2);
    /* Removing a removes its rows (the one b indexed again included). */
    size_t removed = 0;
    assert_int_equal(ix_write_begin(e, &txn), 0);
    assert_int_equal(ix_prune(e, txn, 160 * NS, 100, 0, &removed), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(removed, 1);
    c = scan(e, 0, UINT64_MAX, 0);
    assert_int_equal(c.n, 40);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.hits[i].start_ns % 2000, 1000);
    ix_close(e);
}

/* An index written by the first schema (byobj with sorted duplicates) is
 * emptied on open and takes objects in the new layout. */
static void test_older_schema_is_replaced(void **state)
{
    ix_env *e = open_index(64ull << 20, 0);
    ix_close(e);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi byobj, meta;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "byobj", 0, &byobj), 0);
    assert_int_equal(mdb_drop(txn, byobj, 1), 0);
    assert_int_equal(mdb_dbi_open(txn, "byobj", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &byobj),
                     0);
    uint8_t id[8] = {0, 0, 0, 0, 0, 0, 0, 1}, k1[32] = {1}, k2[32] = {2}, one[8] = {1};
    MDB_val k = {8, id}, v1 = {32, k1}, v2 = {32, k2};
    assert_int_equal(mdb_put(txn, byobj, &k, &v1, 0), 0);
    assert_int_equal(mdb_put(txn, byobj, &k, &v2, 0), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val sk = {6, "schema"}, sv = {8, one};
    assert_int_equal(mdb_put(txn, meta, &sk, &sv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    e = open_index(64ull << 20, 0);
    ix_span s[] = {span(1, 1, "svc", "op"), span(1, 2, "svc", "op")};
    bool dup;
    add(e, "p/x", 100 * NS, s, 2, &dup);
    assert_false(dup);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 2);
    size_t removed = 0;
    assert_int_equal(ix_write_begin(e, &txn), 0);
    assert_int_equal(ix_prune(e, txn, 0, 100, 1ull << 40, &removed), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(scan(e, 0, UINT64_MAX, 0).n, 0);
    ix_close(e);
}

static void test_open_refuses_a_file_as_directory(void **state)
{
    char path[300], err[512];
    snprintf(path, sizeof(path), "%s/data.mdb/x", dir);
    ix_env *e = open_index(64ull << 20, 0); /* makes dir/data.mdb */
    ix_close(e);
    ix_options o = {path, 64ull << 20, 0};
    assert_int_equal(ix_open(&o, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "index.directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_newest_first_with_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traces_objects_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_services_and_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_object_twice_counts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_removes_oldest_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_bound_removes_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interleaved_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_schema_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_a_file_as_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
