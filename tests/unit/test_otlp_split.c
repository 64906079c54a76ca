/*
 * test_otlp_split.c: splitting requests at span boundaries. Every piece is
 * re-parsed with protobuf-c and compared with the original, and piece
 * sizes are checked against protobuf-c's own size of the same spans.
 */
#include "otlp_fixture.h"

#include <otelc/sdk/otlp_split.h>
#include <otelc/sdk/otlp_validate.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_SPANS 64

/* Where each span of a request sits: its enclosing messages. */
struct span_ref {
    const fx_rs *rs;
    const fx_ss *ss;
    const fx_span *span;
};

static size_t list_spans(const fx_request *r, struct span_ref *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_resource_spans; i++)
        for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++) {
            const fx_ss *ss = r->resource_spans[i]->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++) {
                assert_true(n < MAX_SPANS);
                out[n++] = (struct span_ref){r->resource_spans[i], ss, ss->spans[k]};
            }
        }
    return n;
}

static fx_request *unpack(const uint8_t *buf, size_t len)
{
    fx_request *r =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, len, buf);
    assert_non_null(r);
    return r;
}

static void unpack_free(fx_request *r)
{
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        r, NULL);
}

/* protobuf-c's encoding of any message, for comparing two of them. */
static void assert_same_message(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    if (!a || !b) {
        assert_ptr_equal(a, b);
        return;
    }
    size_t la = protobuf_c_message_get_packed_size(a);
    size_t lb = protobuf_c_message_get_packed_size(b);
    assert_int_equal(la, lb);
    uint8_t *pa = fx_alloc(la + 1), *pb = fx_alloc(lb + 1);
    protobuf_c_message_pack(a, pa);
    protobuf_c_message_pack(b, pb);
    assert_memory_equal(pa, pb, la);
}

static void assert_same_place(const struct span_ref *got, const struct span_ref *want)
{
    assert_same_message(&got->span->base, &want->span->base);
    assert_same_message(got->rs->resource ? &got->rs->resource->base : NULL,
                        want->rs->resource ? &want->rs->resource->base : NULL);
    assert_string_equal(got->rs->schema_url, want->rs->schema_url);
    assert_same_message(got->ss->scope ? &got->ss->scope->base : NULL,
                        want->ss->scope ? &want->ss->scope->base : NULL);
    assert_string_equal(got->ss->schema_url, want->ss->schema_url);
}

/* The request protobuf-c would write for spans [first, first + count). */
static size_t oracle_size(const struct span_ref *all, size_t first, size_t count)
{
    fx_request *r = fx_request_new(count);
    fx_rs *rs = NULL;
    fx_ss *ss = NULL;
    r->n_resource_spans = 0;
    for (size_t i = first; i < first + count; i++) {
        if (!all[i].rs || !all[i].ss) {
            fail_msg("span %zu was not listed", i);
            return 0;
        }
        if (!rs || all[i].rs != all[i - 1].rs) {
            rs = fx_rs_new(all[i].rs->resource, count);
            rs->schema_url = all[i].rs->schema_url;
            rs->n_scope_spans = 0;
            r->resource_spans[r->n_resource_spans++] = rs;
            ss = NULL;
        }
        if (!ss || all[i].ss != all[i - 1].ss) {
            ss = fx_ss_new(all[i].ss->scope, count);
            ss->schema_url = all[i].ss->schema_url;
            ss->n_spans = 0;
            rs->scope_spans[rs->n_scope_spans++] = ss;
        }
        ss->spans[ss->n_spans++] = (fx_span *)all[i].span;
    }
    return protobuf_c_message_get_packed_size(&r->base);
}

/*
 * Splits buf with the limits, checks every piece against the original
 * spans and the oracle, and returns the number of pieces; piece_spans[]
 * receives each piece's span count.
 */
static size_t split_and_check(const uint8_t *buf, size_t len, size_t max_spans,
                              size_t max_bytes, size_t *piece_spans)
{
    struct span_ref want[MAX_SPANS] = {{0}}, got[MAX_SPANS] = {{0}};
    fx_request *orig = unpack(buf, len);
    size_t total = list_spans(orig, want), seen = 0, pieces = 0;
    otlp_splitter sp;
    otlp_piece p;
    int rc;
    otlp_split_init(&sp, buf, len, max_spans, max_bytes);
    while ((rc = otlp_split_next(&sp, &p)) > 0) {
        uint8_t *out = malloc(p.size);
        size_t n_spans;
        assert_int_equal(otlp_piece_write(&p, out, p.size), OTLP_OK);
        assert_int_equal(p.size, oracle_size(want, seen, p.spans));
        assert_int_equal(otlp_validate_request(out, p.size, &n_spans, NULL), OTLP_OK);
        assert_int_equal(n_spans, p.spans);
        fx_request *piece = unpack(out, p.size);
        size_t listed = list_spans(piece, got);
        assert_int_equal(listed, p.spans);
        for (size_t i = 0; i < listed && seen + i < total; i++)
            assert_same_place(&got[i], &want[seen + i]);
        if (max_spans)
            assert_true(p.spans <= max_spans);
        if (max_bytes && p.spans > 1)
            assert_true(p.size <= max_bytes);
        /* Greedy: one more span would have broken a limit. */
        if (seen + p.spans < total)
            assert_true(p.spans == max_spans ||
                        (max_bytes && oracle_size(want, seen, p.spans + 1) > max_bytes));
        seen += p.spans;
        piece_spans[pieces++] = p.spans;
        unpack_free(piece);
        free(out);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(seen, total);
    assert_int_equal(otlp_split_next(&sp, &p), 0); /* stays at the end */
    unpack_free(orig);
    return pieces;
}

/* The request's bytes in an exact-size heap buffer; free() it. */
static uint8_t *packed_copy(const fx_request *r, size_t *len)
{
    const uint8_t *packed = fx_pack(r, len);
    return fx_exact_copy(packed, *len);
}

static int teardown(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

static void test_split_by_span_count(void **state)
{
    size_t len, counts[MAX_SPANS];
    (void)state;
    uint8_t *buf = packed_copy(fx_rich_request(), &len);
    for (size_t max = 1; max <= FX_RICH_SPANS + 1; max++) {
        size_t pieces = split_and_check(buf, len, max, 0, counts);
        assert_int_equal(pieces, (FX_RICH_SPANS + max - 1) / max);
        for (size_t i = 0; i < pieces; i++)
            assert_int_equal(counts[i], i + 1 < pieces ? max : FX_RICH_SPANS - max * i);
    }
    assert_int_equal(split_and_check(buf, len, 0, 0, counts), 1);
    assert_int_equal(counts[0], FX_RICH_SPANS);
    free(buf);
}

static void test_split_by_bytes(void **state)
{
    static const size_t limits[] = {1, 60, 120, 200, 300, 500, 700, 1000, 100000};
    size_t len, counts[MAX_SPANS];
    (void)state;
    uint8_t *buf = packed_copy(fx_rich_request(), &len);
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        size_t pieces = split_and_check(buf, len, 0, limits[i], counts);
        assert_true(pieces >= 1 && pieces <= FX_RICH_SPANS);
        if (limits[i] == 1)
            assert_int_equal(pieces, FX_RICH_SPANS); /* oversized spans go alone */
        split_and_check(buf, len, 3, limits[i], counts);
    }
    free(buf);
}

/* Many spans, so length prefixes grow past one byte within a piece. */
static void test_split_large_request(void **state)
{
    size_t len, counts[MAX_SPANS];
    (void)state;
    fx_request *r = fx_request_new(2);
    for (unsigned i = 0; i < 2; i++) {
        r->resource_spans[i] = fx_rs_new(NULL, 1);
        r->resource_spans[i]->scope_spans[0] = fx_ss_new(NULL, 30);
        for (unsigned k = 0; k < 30; k++)
            r->resource_spans[i]->scope_spans[0]->spans[k] = fx_span_new(i * 30 + k);
    }
    uint8_t *buf = packed_copy(r, &len);
    assert_int_equal(split_and_check(buf, len, 0, 0, counts), 1);
    assert_int_equal(split_and_check(buf, len, 25, 0, counts), 3);
    assert_int_equal(counts[1], 25);
    for (size_t limit = 120; limit < 3000; limit += 97)
        split_and_check(buf, len, 0, limit, counts);
    free(buf);
}

struct collect {
    uint8_t out[8192];
    size_t len, segments, scratch;
    const uint8_t *in;
    size_t in_len;
};

static int collect(void *ctx, const uint8_t *data, size_t len, bool borrowed)
{
    struct collect *c = ctx;
    if (borrowed) {
        assert_true(data >= c->in && data + len <= c->in + c->in_len);
    } else {
        assert_true(len >= 2 && len <= 11); /* a tag and a varint */
        c->scratch++;
    }
    assert_true(c->len + len <= sizeof c->out);
    memcpy(c->out + c->len, data, len);
    c->len += len;
    c->segments++;
    return 0;
}

static void test_gather_matches_write(void **state)
{
    static struct collect c;
    size_t len;
    otlp_splitter sp;
    otlp_piece p;
    (void)state;
    uint8_t *buf = packed_copy(fx_rich_request(), &len);
    c.in = buf;
    c.in_len = len;
    otlp_split_init(&sp, buf, len, 0, 0);
    assert_int_equal(otlp_split_next(&sp, &p), 1);
    assert_int_equal(otlp_piece_gather(&p, collect, &c), OTLP_OK);
    assert_int_equal(c.len, p.size);
    uint8_t *out = malloc(p.size);
    assert_int_equal(otlp_piece_write(&p, out, p.size), OTLP_OK);
    assert_memory_equal(out, c.out, p.size);
    /* 3 resources, 4 scopes with spans: one prefix each; runs of spans are merged. */
    assert_int_equal(c.scratch, 7);
    /*
     * Adjacent input bytes travel as one segment: rs0 = prefix, resource,
     * schema_url; its ss0 = prefix, scope, schema_url, spans 0-2; its ss1 =
     * prefix, spans 3-4; rs1 = prefix, resource; ss = prefix, scope + span 5;
     * rs2 = prefix; ss = prefix, scope + spans 6-7.
     */
    assert_int_equal(c.segments, 16);
    assert_int_equal(otlp_piece_write(&p, out, p.size - 1), OTLP_ENOSPACE);
    free(out);
    free(buf);
}

static int stop_at_third(void *ctx, const uint8_t *data, size_t len, bool borrowed)
{
    int *calls = ctx;
    (void)data, (void)len, (void)borrowed;
    return ++*calls == 3 ? 42 : 0;
}

static void test_gather_stops_on_request(void **state)
{
    size_t len;
    int calls = 0;
    otlp_splitter sp;
    otlp_piece p;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    otlp_split_init(&sp, buf, len, 0, 0);
    assert_int_equal(otlp_split_next(&sp, &p), 1);
    assert_int_equal(otlp_piece_gather(&p, stop_at_third, &calls), 42);
    assert_int_equal(calls, 3);
}

static void test_no_spans_no_pieces(void **state)
{
    static fx_wire ss, rs, req;
    otlp_splitter sp;
    otlp_piece p;
    (void)state;
    otlp_split_init(&sp, NULL, 0, 10, 0);
    assert_int_equal(otlp_split_next(&sp, &p), 0);
    fxw_str(&ss, 3, "https://schemas/only");
    fxw_msg(&rs, 2, &ss);
    fxw_msg(&rs, 2, &ss);
    fxw_msg(&req, 1, &rs);
    fxw_msg(&req, 1, &rs);
    otlp_split_init(&sp, req.buf, req.len, 10, 0);
    assert_int_equal(otlp_split_next(&sp, &p), 0);
}

/* Unknown header fields, and headers written after the spans, are kept. */
static void test_headers_kept_whole(void **state)
{
    static fx_wire span, ss, rs, req;
    static const uint8_t unknown_ss[] = {0xa0, 0x06, 0x05}; /* field 100 = 5 */
    static const uint8_t unknown_rs[] = {0xa8, 0x06, 0x06}; /* field 101 = 6 */
    otlp_splitter sp;
    otlp_piece p;
    size_t n;
    (void)state;
    for (unsigned i = 0; i < 2; i++) {
        span.len = 0;
        fxw_span(&span, i, i ? "b" : "a");
        fxw_msg(&ss, 2, &span);
    }
    fxw_raw(&ss, unknown_ss, sizeof unknown_ss);
    fxw_str(&ss, 3, "late-schema");
    fxw_msg(&rs, 2, &ss);
    fxw_raw(&rs, unknown_rs, sizeof unknown_rs);
    fxw_uint(&req, 9, 1); /* unknown request field: dropped */
    fxw_msg(&req, 1, &rs);
    otlp_split_init(&sp, req.buf, req.len, 1, 0);
    for (unsigned i = 0; i < 2; i++) {
        uint8_t out[512];
        assert_int_equal(otlp_split_next(&sp, &p), 1);
        assert_int_equal(otlp_piece_write(&p, out, sizeof out), OTLP_OK);
        assert_non_null(memmem(out, p.size, unknown_ss, sizeof unknown_ss));
        assert_non_null(memmem(out, p.size, unknown_rs, sizeof unknown_rs));
        assert_non_null(memmem(out, p.size, "late-schema", 11));
        assert_null(memmem(out, p.size, i ? "\x2a\x01" "a" : "\x2a\x01" "b", 3));
        assert_int_equal(otlp_validate_request(out, p.size, &n, NULL), OTLP_OK);
        assert_int_equal(n, 1);
    }
    assert_int_equal(otlp_split_next(&sp, &p), 0);
}

/* Splitting reads what counting reads: same verdict, same spans. */
static void check_like_count(const uint8_t *p, size_t n, size_t max_spans)
{
    otlp_splitter sp;
    otlp_piece piece;
    size_t counted = 0, split = 0;
    int rc, crc = otlp_count_spans(p, n, &counted);
    otlp_split_init(&sp, p, n, max_spans, 0);
    while ((rc = otlp_split_next(&sp, &piece)) > 0) {
        uint8_t *out = malloc(piece.size);
        assert_int_equal(otlp_piece_write(&piece, out, piece.size), OTLP_OK);
        free(out);
        split += piece.spans;
    }
    assert_int_equal(rc == 0, crc == OTLP_OK);
    if (rc == 0)
        assert_int_equal(split, counted);
    else
        assert_int_equal(otlp_split_next(&sp, &piece), rc); /* sticky */
}

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_truncations_and_garbage(void **state)
{
    size_t len;
    (void)state;
    uint8_t *valid = fx_pack(fx_rich_request(), &len);
    if (len == 0) {
        fail_msg("empty reference request");
        return;
    }
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *p = fx_exact_copy(valid, cut);
        check_like_count(p, cut, 1 + cut % 4);
        free(p);
    }
    for (int round = 0; round < 3000; round++) {
        size_t n = round % 2 ? rng() % 600 : len;
        uint8_t *p = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)rng();
        if (round % 2 == 0) {
            memcpy(p, valid, len);
            p[rng() % len] = (uint8_t)rng();
        }
        check_like_count(p, n, 1 + round % 5);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_split_by_span_count, teardown),
        cmocka_unit_test_teardown(test_split_by_bytes, teardown),
        cmocka_unit_test_teardown(test_split_large_request, teardown),
        cmocka_unit_test_teardown(test_gather_matches_write, teardown),
        cmocka_unit_test_teardown(test_gather_stops_on_request, teardown),
        cmocka_unit_test_teardown(test_no_spans_no_pieces, teardown),
        cmocka_unit_test_teardown(test_headers_kept_whole, teardown),
        cmocka_unit_test_teardown(test_truncations_and_garbage, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
