/*
 * awss3 settings: defaults, value checks naming the key, the endpoint
 * forms (scheme or not, ports, IPv6, base paths) and the addressing style.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static awss3_cfg base(void)
{
    awss3_cfg c = {0};
    c.region = "us-east-1";
    c.s3_bucket = "my-bucket";
    c.s3_partition_format = "year=%Y/month=%m/day=%d/hour=%H/minute=%M";
    c.compression = "none";
    c.storage_class = "STANDARD";
    c.marshaler = "otlp_json";
    c.part_size = 16u << 20;
    return c;
}

static awss3_settings ok(const awss3_cfg *c)
{
    awss3_settings s;
    char err[256] = "";
    if (awss3_settings_init(&s, c, err, sizeof(err)) != 0)
        fail_msg("unexpected: %s", err);
    return s;
}

static void refused(const awss3_cfg *c, const char *want)
{
    awss3_settings s;
    char err[256] = "";
    assert_int_equal(awss3_settings_init(&s, c, err, sizeof(err)), -1);
    if (!strstr(err, want))
        fail_msg("\"%s\" lacks \"%s\"", err, want);
}

static void test_defaults_go_to_aws(void **state)
{
    awss3_cfg c = base();
    awss3_settings s = ok(&c);
    assert_true(s.ep.tls);
    assert_false(s.ep.path_style);
    assert_string_equal(s.ep.base_url, "https://my-bucket.s3.us-east-1.amazonaws.com");
    assert_string_equal(s.ep.host_header, "my-bucket.s3.us-east-1.amazonaws.com");
    assert_string_equal(s.ep.path_prefix, "");
    assert_string_equal(s.extension, ".json");
    assert_string_equal(s.obj.content_type, "application/json");
    assert_null(s.obj.content_encoding);
    assert_string_equal(s.obj.storage_class, ""); /* STANDARD needs no header */
    assert_string_equal(s.key_prefix, "");
    assert_int_equal(s.part_size, 16u << 20);
    c.disable_ssl = true;
    c.s3_force_path_style = true;
    s = ok(&c);
    assert_string_equal(s.ep.base_url, "http://s3.us-east-1.amazonaws.com");
    assert_string_equal(s.ep.path_prefix, "/my-bucket");
}

static void test_local_endpoint(void **state)
{
    awss3_cfg c = base();
    c.endpoint = "http://127.0.0.1:4566";
    awss3_settings s = ok(&c);
    assert_false(s.ep.tls);
    assert_true(s.ep.path_style); /* an IP cannot carry the bucket */
    assert_string_equal(s.ep.base_url, "http://127.0.0.1:4566");
    assert_string_equal(s.ep.host_header, "127.0.0.1:4566");
    assert_string_equal(s.ep.path_prefix, "/my-bucket");
    c.endpoint = "HTTP://localhost:80/";
    s = ok(&c);
    assert_string_equal(s.ep.host_header, "localhost");
    assert_string_equal(s.ep.base_url, "http://localhost");
    c.endpoint = "http://[::1]:9000/s3/";
    s = ok(&c);
    assert_string_equal(s.ep.host_header, "[::1]:9000");
    assert_string_equal(s.ep.path_prefix, "/s3/my-bucket");
}

static void test_named_endpoint(void **state)
{
    awss3_cfg c = base();
    c.endpoint = "minio.example.com:9000";
    awss3_settings s = ok(&c);
    assert_true(s.ep.tls); /* no scheme: https unless disable_ssl */
    assert_string_equal(s.ep.base_url, "https://my-bucket.minio.example.com:9000");
    c.disable_ssl = true;
    s = ok(&c);
    assert_string_equal(s.ep.base_url, "http://my-bucket.minio.example.com:9000");
    c.endpoint = "https://s3.example.com:443";
    c.s3_bucket = "with.dots";
    s = ok(&c);
    assert_true(s.ep.path_style); /* a dotted bucket breaks the TLS name */
    assert_string_equal(s.ep.host_header, "s3.example.com");
    assert_string_equal(s.ep.path_prefix, "/with.dots");
}

static void test_bad_endpoints(void **state)
{
    awss3_cfg c = base();
    const char *bad[] = {"ftp://x", "http://", "http://h:0", "http://h:70000", "http://h:12ab",
                         "http://u:p@h", "http://[::1", "http://h/p?q=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c.endpoint = bad[i];
        refused(&c, "s3uploader.endpoint");
    }
}

static void test_values_checked(void **state)
{
    awss3_cfg c = base();
    c.compression = "snappy";
    refused(&c, "s3uploader.compression: \"snappy\" is not supported");
    c = base();
    c.marshaler = "sumo_ic";
    refused(&c, "marshaler: sumo_ic is not supported yet");
    c.marshaler = "avro";
    refused(&c, "unknown marshaler");
    c = base();
    c.marshaler = "parquet";
    c.compression = "gzip";
    refused(&c, "s3uploader.compression: \"gzip\" cannot be used with marshaler parquet");
    c = base();
    c.storage_class = "FAST";
    refused(&c, "s3uploader.storage_class");
    c = base();
    c.acl = "everyone";
    refused(&c, "s3uploader.acl");
    c = base();
    c.part_size = (5u << 20) - 1;
    refused(&c, "s3uploader.part_size");
    c = base();
    c.s3_partition_timezone = "Europe/Paris";
    refused(&c, "only UTC");
    c = base();
    c.s3_bucket = NULL;
    refused(&c, "s3uploader.s3_bucket is required");
    c = base();
    c.s3_bucket = "a/b";
    refused(&c, "not a bucket name");
    c = base();
    c.region = "US East";
    refused(&c, "s3uploader.region");
    c = base();
    c.file_prefix = "a/";
    refused(&c, "s3uploader.file_prefix");
}

static void test_layout_and_headers(void **state)
{
    awss3_cfg c = base();
    c.s3_base_prefix = "/root/";
    c.s3_prefix = "traces/";
    c.file_prefix = "node1_";
    c.compression = "zstd";
    c.marshaler = "otlp_proto";
    c.storage_class = "STANDARD_IA";
    c.acl = "bucket-owner-full-control";
    c.s3_partition_timezone = "UTC";
    awss3_settings s = ok(&c);
    assert_string_equal(s.key_prefix, "root/traces");
    assert_string_equal(s.file_prefix, "node1_");
    assert_string_equal(s.extension, ".binpb.zst");
    assert_string_equal(s.obj.content_type, "application/x-protobuf");
    assert_string_equal(s.obj.content_encoding, "zstd");
    assert_string_equal(s.obj.storage_class, "STANDARD_IA");
    assert_string_equal(s.obj.acl, "bucket-owner-full-control");
    c.compression = "gzip";
    c.s3_base_prefix = NULL;
    s = ok(&c);
    assert_string_equal(s.key_prefix, "traces");
    assert_string_equal(s.obj.content_encoding, "gzip");
    assert_string_equal(awss3_extension(AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP), ".json.gz");
    c.compression = NULL; /* absent reads as none */
    c.marshaler = NULL;   /* and otlp_json */
    s = ok(&c);
    assert_string_equal(s.extension, ".json");
    c.marshaler = "parquet";
    c.compression = "none";
    s = ok(&c);
    assert_int_equal(s.marshaler, AWSS3_PARQUET);
    assert_string_equal(s.extension, ".parquet");
    assert_string_equal(s.obj.content_type, "application/vnd.apache.parquet");
    assert_null(s.obj.content_encoding);
}

static void test_key_table(void **state)
{
    /* Every collector key is declared; the unimplemented ones are marked. */
    const char *must[] = {"s3uploader.region", "s3uploader.s3_bucket", "s3uploader.s3_prefix",
                          "s3uploader.s3_partition_format", "s3uploader.file_prefix",
                          "s3uploader.endpoint", "s3uploader.s3_force_path_style",
                          "s3uploader.disable_ssl", "s3uploader.compression",
                          "s3uploader.storage_class", "s3uploader.acl", "s3uploader.role_arn",
                          "marshaler", "s3uploader.part_size", "s3uploader.secret_access_key",
                          "encoding", "resource_attrs_to_s3", NULL};
    for (size_t i = 0; must[i]; i++) {
        const otelc_cfg_key *k = awss3_config_keys;
        while (k->name && strcmp(k->name, must[i]) != 0)
            k++;
        if (!k->name)
            fail_msg("key %s is not declared", must[i]);
        if (strcmp(must[i], "s3uploader.role_arn") == 0 || strcmp(must[i], "encoding") == 0)
            assert_true(k->flags & OTELC_KEY_UNSUPPORTED);
        if (strstr(must[i], "secret"))
            assert_true(k->flags & OTELC_KEY_SECRET);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_go_to_aws),
        cmocka_unit_test(test_local_endpoint),
        cmocka_unit_test(test_named_endpoint),
        cmocka_unit_test(test_bad_endpoints),
        cmocka_unit_test(test_values_checked),
        cmocka_unit_test(test_layout_and_headers),
        cmocka_unit_test(test_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
