/*
 * awss3 object decoding: every marshaler and compression the exporter
 * writes reads back to the same request bytes; keys of other formats,
 * corrupt and oversized objects are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <otelc/sdk/otlp_json.h>

#include "encode.h"
#include "objdecode.h"
#include "otlp_fixture.h"

/* The request as stored under a marshaler and compression. */
static uint8_t *stored(awss3_marshaler m, awss3_compression c, const uint8_t *pb, size_t len,
                       size_t *out_len)
{
    struct iovec seg = {(void *)pb, len};
    uint8_t *out = NULL;
    if (m == AWSS3_OTLP_PROTO && c == AWSS3_COMPRESS_NONE) {
        out = malloc(len + 1);
        memcpy(out, pb, len);
        *out_len = len;
        return out;
    }
    assert_int_equal(s3_encode(m, c, &seg, 1, len, &out, out_len), 0);
    uint8_t *spare = realloc(out, *out_len + 1);
    assert_non_null(spare);
    return spare;
}

static void test_round_trips(void **state)
{
    static const struct {
        awss3_marshaler m;
        awss3_compression c;
        const char *ext;
    } cases[] = {
        {AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE, ".binpb"},
        {AWSS3_OTLP_PROTO, AWSS3_COMPRESS_GZIP, ".binpb.gz"},
        {AWSS3_OTLP_PROTO, AWSS3_COMPRESS_ZSTD, ".binpb.zst"},
        {AWSS3_OTLP_JSON, AWSS3_COMPRESS_NONE, ".json"},
        {AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP, ".json.gz"},
        {AWSS3_OTLP_JSON, AWSS3_COMPRESS_ZSTD, ".json.zst"},
    };
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char key[128], err[256];
        snprintf(key, sizeof(key), "p/year=2026/traces_00-01%s", cases[i].ext);
        awss3_marshaler m;
        awss3_compression c;
        assert_true(awss3_object_format(key, &m, &c));
        assert_int_equal(m, cases[i].m);
        assert_int_equal(c, cases[i].c);
        size_t slen, olen;
        uint8_t *obj = stored(cases[i].m, cases[i].c, pb, len, &slen), *out;
        assert_int_equal(awss3_object_decode(key, obj, slen, 1 << 20, &out, &olen, err,
                                             sizeof(err)),
                         0);
        /* JSON reads back to an equivalent request: compare as JSON. */
        struct otlp_buf want = {0}, got = {0};
        assert_int_equal(otlp_json_write_buf(pb, len, &want), 0);
        assert_int_equal(otlp_json_write_buf(out, olen, &got), 0);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        otlp_buf_free(&want);
        otlp_buf_free(&got);
        free(out);
    }
    fx_free_all();
}

static void test_refusals(void **state)
{
    size_t len, slen, olen;
    char err[256];
    uint8_t *pb = fx_pack(fx_rich_request(), &len), *out;
    awss3_marshaler m;
    awss3_compression c;
    assert_false(awss3_object_format("p/other.json", &m, &c));
    assert_false(awss3_object_format("p/traces_1.txt", &m, &c));
    assert_false(awss3_object_format("traces_x/data.json", &m, &c)); /* only the name counts */

    uint8_t *obj = stored(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE, pb, len, &slen);
    assert_int_equal(awss3_object_decode("p/x.csv", obj, slen, 1 << 20, &out, &olen, err,
                                         sizeof(err)),
                     -EINVAL);
    obj = stored(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_GZIP, pb, len, &slen);
    obj[slen / 2] ^= 0x55;
    assert_int_equal(awss3_object_decode("p/traces_1.binpb.gz", obj, slen - 4, 1 << 20, &out,
                                         &olen, err, sizeof(err)),
                     -EBADMSG);
    obj = stored(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_ZSTD, pb, len, &slen);
    assert_int_equal(awss3_object_decode("p/traces_1.binpb.zst", obj, slen - 3, 1 << 20, &out,
                                         &olen, err, sizeof(err)),
                     -EBADMSG);
    obj = stored(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_GZIP, pb, len, &slen);
    assert_int_equal(awss3_object_decode("p/traces_1.binpb.gz", obj, slen, len - 1, &out, &olen,
                                         err, sizeof(err)),
                     -EFBIG);
    obj = malloc(16);
    memcpy(obj, "{\"resourceSpans\"", 16);
    assert_int_equal(awss3_object_decode("p/traces_1.json", obj, 16, 1 << 20, &out, &olen, err,
                                         sizeof(err)),
                     -EBADMSG);
    assert_true(err[0] != 0);
    fx_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
