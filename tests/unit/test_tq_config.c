/*
 * trace_query: its settings: the hour prefix taken from the writers'
 * partition format, the key prefix, the bucket's endpoint, refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trace_query.h"

#define HOUR (3600 * 1000000000LL)

static tq_cfg base(void)
{
    return (tq_cfg){.endpoint = "localhost:16686", .region = "us-east-1",
                    .s3_bucket = "traces", .s3_endpoint = "http://127.0.0.1:4568",
                    .s3_force_path_style = true,
                    .s3_partition_format = "year=%Y/month=%m/day=%d/hour=%H/minute=%M",
                    .lookback_ns = 24 * HOUR, .list_interval_ns = 10000000000LL,
                    .cache_max_size = 256u << 20};
}

static void defaults_list_per_hour(void **state)
{
    (void)state;
    tq_cfg c = base();
    tq_settings s;
    char err[256];
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), 0);
    assert_string_equal(s.hour_format, "year=%Y/month=%m/day=%d/hour=%H");
    assert_string_equal(s.key_prefix, "");
    assert_string_equal(s.ep.base_url, "http://127.0.0.1:4568");
    assert_string_equal(s.ep.path_prefix, "/traces");
    c.s3_base_prefix = "/root/";
    c.s3_prefix = "otel/traces/";
    c.s3_partition_format = "dt=%Y-%m-%d-%H";
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), 0);
    assert_string_equal(s.key_prefix, "root/otel/traces");
    assert_string_equal(s.hour_format, "dt=%Y-%m-%d-%H");
}

static void refusals_name_the_key(void **state)
{
    (void)state;
    tq_cfg c = base();
    tq_settings s;
    char err[256];
    c.s3_partition_format = "year=%Y/month=%m/day=%d";
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "s3uploader.s3_partition_format"));
    c = base();
    c.s3_bucket = NULL;
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "s3uploader.s3_bucket"));
    c = base();
    c.lookback_ns = 0;
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "lookback"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_list_per_hour),
        cmocka_unit_test(refusals_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
