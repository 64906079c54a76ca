/*
 * awss3 span summaries: every field taken from the wire, the service from
 * the resource (unknown_service without a string service.name), requests
 * in several segments, spans with bad ids left out, malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <otelc/sdk/otlp_walk.h>

#include "otlp_fixture.h"
#include "summary.h"

static void assert_bytes(pb_bytes b, const char *want)
{
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.ptr, want, b.len);
}

static void test_rich_request(void **state)
{
    size_t len, n;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    struct iovec seg = {pb, len};
    ix_span *s;
    assert_int_equal(awss3_summarize(&seg, 1, &s, &n), 0);
    assert_int_equal(n, FX_RICH_SPANS);
    uint8_t tid[16], sid[8], sid0[8];
    fx_span_ids(0, tid, sid0);
    assert_memory_equal(s[0].trace_id, tid, 16);
    assert_memory_equal(s[0].span_id, sid0, 8);
    assert_int_equal(s[0].kind, 2);   /* SERVER */
    assert_int_equal(s[0].status, 2); /* ERROR */
    assert_int_equal(s[0].start_ns, 1700000000000000000ull);
    assert_int_equal(s[0].end_ns, 1700000000000000500ull);
    assert_bytes(s[0].service, "checkout");
    assert_bytes(s[0].name, "span-0");
    static const uint8_t zero[8];
    assert_memory_equal(s[0].parent_id, zero, 8);
    assert_memory_equal(s[1].parent_id, sid0, 8);
    assert_int_equal(s[1].kind, 3); /* CLIENT */
    fx_span_ids(5, tid, sid);
    assert_memory_equal(s[5].span_id, sid, 8);
    assert_bytes(s[5].service, AWSS3_UNKNOWN_SERVICE); /* service.name is an int there */
    assert_bytes(s[6].service, AWSS3_UNKNOWN_SERVICE); /* no resource at all */
    assert_bytes(s[7].name, "span-7");
    free(s);
    fx_free_all();
}

static void test_segments_and_empty(void **state)
{
    size_t len, n;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    struct iovec segs[3] = {{pb, len}, {pb, 0}, {pb, len}};
    ix_span *s;
    assert_int_equal(awss3_summarize(segs, 3, &s, &n), 0);
    assert_int_equal(n, 2 * FX_RICH_SPANS);
    assert_bytes(s[FX_RICH_SPANS].name, "span-0");
    free(s);
    assert_int_equal(awss3_summarize(segs + 1, 1, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_null(s);
    fx_free_all();
}

static void test_bad_ids_skipped_and_malformed_refused(void **state)
{
    fx_wire span = {0}, req = {0};
    uint8_t tid[15] = {1};
    fxw_bytes(&span, 1, tid, sizeof(tid)); /* a 15-byte trace id */
    fxw_bytes(&span, 2, "12345678", 8);
    fxw_str(&span, 5, "short-id");
    fxw_wrap_span(&req, &span);
    struct iovec seg = {req.buf, req.len};
    ix_span *s;
    size_t n;
    assert_int_equal(awss3_summarize(&seg, 1, &s, &n), 0);
    assert_int_equal(n, 0);
    free(s);
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    uint8_t *cut = fx_exact_copy(pb, len - 3);
    seg = (struct iovec){cut, len - 3};
    assert_true(awss3_summarize(&seg, 1, &s, &n) < 0);
    free(cut);
    fx_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rich_request),
        cmocka_unit_test(test_segments_and_empty),
        cmocka_unit_test(test_bad_ids_skipped_and_malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
