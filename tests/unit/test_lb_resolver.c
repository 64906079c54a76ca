/*
 * test_lb_resolver.c: the resolvers with an injected lookup: the static
 * list sorted and told once; dns answers as "ip:port" and "[v6]:port",
 * sorted, told only when they change; a failed lookup keeps the last
 * list and counts as a failed resolution; the thread resolves again
 * every interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolver.h"

typedef struct fake {
    const char *answers[4][4]; /* per round; NULL ends a list */
    int fail_round;            /* this round fails */
    int round;
    char seen[8][256];         /* each list told, joined by spaces */
    int told, ok, failed;
} fake;

static int lookup(void *arg, const char *host, int64_t timeout_ns, char out[][64], size_t cap,
                  char *err, size_t err_size)
{
    fake *f = arg;
    int r = f->round < 3 ? f->round : 3;
    (void)timeout_ns;
    (void)cap;
    assert_string_equal(host, "backends.example");
    f->round++;
    if (r == f->fail_round) {
        snprintf(err, err_size, "lookup %s: no such host", host);
        return -1;
    }
    int n = 0;
    for (; f->answers[r][n]; n++)
        snprintf(out[n], 64, "%s", f->answers[r][n]);
    return n;
}

static void on_change(void *arg, const char *const *eps, size_t n)
{
    fake *f = arg;
    char *s = f->seen[f->told++];
    s[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(s + strlen(s), 256 - strlen(s), "%s%s", i ? " " : "", eps[i]);
}

static void on_outcome(void *arg, bool ok, const char *err)
{
    fake *f = arg;
    (void)err;
    if (ok)
        f->ok++;
    else
        f->failed++;
}

static void test_static(void **state)
{
    static const char *const hosts[] = {"c:4317", "a:4317", "b", "a:4317"};
    fake f = {0};
    lb_resolver r = {.hostnames = hosts, .nhostnames = 4, .on_change = on_change,
                     .on_outcome = on_outcome, .arg = &f};
    (void)state;
    assert_int_equal(lb_resolver_start(&r), 0);
    assert_int_equal(f.told, 1);
    assert_string_equal(f.seen[0], "a:4317 b c:4317");
    lb_resolver_stop(&r);
    lb_resolver_stop(&r);
}

static void test_dns_rounds(void **state)
{
    fake f = {.answers = {{"10.0.0.2", "::1", "10.0.0.1", NULL},
                          {"10.0.0.1", "10.0.0.2", "::1", NULL},
                          {NULL},
                          {"10.0.0.1", NULL}},
              .fail_round = 2};
    lb_resolver r = {.dns_host = "backends.example", .dns_port = "4317",
                     .interval_ns = 3600 * 1000000000LL, .lookup = lookup, .lookup_arg = &f,
                     .on_change = on_change, .on_outcome = on_outcome, .arg = &f};
    (void)state;
    assert_int_equal(lb_resolver_start(&r), 0);
    assert_string_equal(f.seen[0], "10.0.0.1:4317 10.0.0.2:4317 [::1]:4317");
    lb_resolver_round(&r); /* the same set in another order: nothing told */
    assert_int_equal(f.told, 1);
    lb_resolver_round(&r); /* failed: the last list stays */
    assert_int_equal(f.told, 1);
    assert_int_equal(f.failed, 1);
    lb_resolver_round(&r); /* one left */
    assert_int_equal(f.told, 2);
    assert_string_equal(f.seen[1], "10.0.0.1:4317");
    assert_int_equal(f.ok, 3);
    lb_resolver_stop(&r);
}

static void test_dns_thread(void **state)
{
    fake f = {.answers = {{"10.0.0.1", NULL}, {"10.0.0.1", NULL}, {"10.0.0.1", NULL},
                          {"10.0.0.9", NULL}},
              .fail_round = -1};
    lb_resolver r = {.dns_host = "backends.example", .interval_ns = 20 * 1000000LL,
                     .lookup = lookup, .lookup_arg = &f, .on_change = on_change,
                     .on_outcome = on_outcome, .arg = &f};
    (void)state;
    assert_int_equal(lb_resolver_start(&r), 0);
    for (int i = 0; i < 200 && f.told < 2; i++)
        usleep(10000);
    lb_resolver_stop(&r);
    assert_int_equal(f.told, 2);
    assert_string_equal(f.seen[0], "10.0.0.1"); /* no port: bare, as the collector's ring */
    assert_string_equal(f.seen[1], "10.0.0.9");
    assert_true(f.ok >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_dns_rounds),
        cmocka_unit_test(test_dns_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
