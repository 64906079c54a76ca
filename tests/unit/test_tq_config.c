/*
 * trace_query: its settings: the hour prefix taken from the writers'
 * partition format, the key prefix, the bucket's endpoint, refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tq_compact.h"
#include "trace_query.h"

#define HOUR (3600 * 1000000000LL)

static tq_cfg base(void)
{
    return (tq_cfg){.endpoint = "localhost:16686", .region = "us-east-1",
                    .s3_bucket = "traces", .s3_endpoint = "http://127.0.0.1:4568",
                    .s3_force_path_style = true,
                    .s3_partition_format = "year=%Y/month=%m/day=%d/hour=%H/minute=%M",
                    .lookback_ns = 24 * HOUR, .list_interval_ns = 10000000000LL,
                    .cache_max_size = 256u << 20, .compact_interval_ns = 300 * 1000000000LL,
                    .compact_min_age_ns = 600 * 1000000000LL, .compact_min_files = 2,
                    .compact_group_rows = 131072, .compact_max_file_size = 256u << 20};
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
    c = base();
    c.compact_min_files = 1;
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "compaction.min_files"));
    c = base();
    c.compact_max_file_size = 1000;
    assert_int_equal(tq_settings_init(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "compaction.max_file_size"));
}

/* Output names from the inputs' keys and sizes; lists and groups. */
static void compaction_plan(void **state)
{
    (void)state;
    s3_list_entry in[3] = {{"p/h/a.parquet", 0, 10}, {"p/h/b.parquet", 0, 20},
                           {"p/h/c.parquet", 0, 30}};
    char k1[256], k2[256];
    assert_int_equal(tq_compact_output_key("p/h/minute=00", in, 3, k1, sizeof(k1)), 0);
    assert_int_equal(tq_compact_output_key("p/h/minute=00", in, 3, k2, sizeof(k2)), 0);
    assert_string_equal(k1, k2);
    assert_int_equal(strlen(k1), strlen("p/h/minute=00/compacted-.parquet") + 32);
    assert_true(tq_compact_is_output(k1) && !tq_compact_is_output(in[0].key));
    in[2].size = 31; /* another size: another output */
    assert_int_equal(tq_compact_output_key("p/h/minute=00", in, 3, k2, sizeof(k2)), 0);
    assert_string_not_equal(k1, k2);
    char *all = tq_compact_input_list(in, 3), *two = tq_compact_input_list(in, 2);
    assert_string_equal(all, "p/h/a.parquet\np/h/b.parquet\np/h/c.parquet");
    assert_true(tq_compact_listed(all, strlen(all), "p/h/b.parquet"));
    assert_false(tq_compact_listed(all, strlen(all), "p/h/b.parq"));
    assert_true(tq_compact_subset(two, strlen(two), all, strlen(all)));
    assert_false(tq_compact_subset(all, strlen(all), two, strlen(two)));
    free(all);
    free(two);
    size_t at = 0;
    assert_int_equal(tq_compact_next_group(in, 3, &at, 30), 2);
    assert_int_equal(tq_compact_next_group(in, 3, &at, 30), 1); /* too big alone: one */
    assert_int_equal(at, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_list_per_hour),
        cmocka_unit_test(refusals_name_the_key),
        cmocka_unit_test(compaction_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
