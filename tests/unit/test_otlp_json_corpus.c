/*
 * test_otlp_json_corpus.c: OTLP/JSON round trips over the request corpus.
 *
 *   test_otlp_json_corpus             tests/data/otlp: each NAME.txtpb
 *                                     (encoded at build time into
 *                                     OTLP_CORPUS_BIN_DIR) against its
 *                                     golden NAME.json, and each
 *                                     variants/NAME.*.json against both
 *   test_otlp_json_corpus --sdk DIR   the NAME.binpb / NAME.json pairs that
 *                                     gen_sdk_requests.js wrote with the
 *                                     OpenTelemetry JS SDK's serializers
 *                                     (exit 77, "skipped", if there are none)
 *
 * For every protobuf request P with writer output J:
 *   read(J) == protobuf-c's unpack+pack of P   (nothing lost or invented)
 *   write(read(J)) == J                         (the canonical form is stable)
 *   the sink, the buffer and a split request all give the same J.
 */
#include "test_otlp_json_util.h"

#include <dirent.h>
#include <limits.h>

struct corpus_case {
    char name[128];
    char path[PATH_MAX];       /* the .binpb, or the variant's .json */
    char other[PATH_MAX];      /* golden JSON (corpus), SDK JSON (sdk) */
    char base_binpb[PATH_MAX]; /* variants: the request they spell */
};

static int append_sink(void *ctx, const char *p, size_t n)
{
    struct otlp_buf *b = ctx;
    assert_true(n > 0);
    char *grown = realloc(b->data, b->len + n);
    assert_non_null(grown);
    memcpy(grown + b->len, p, n);
    b->data = grown;
    b->len += n;
    return 0;
}

/* The request split after its first top-level field, when it has one:
 * writev over the two parts must give the JSON of the whole. */
static void check_split_write(otelc_signal sig, const uint8_t *pb, size_t len,
                              const struct otlp_buf *want)
{
    pb_cursor c = pb_cursor_of(pb, len);
    uint32_t num;
    enum pb_wire_type wt;
    if (len == 0 || !pb_read_tag(&c, &num, &wt) || !pb_skip(&c, wt))
        return;
    pb_bytes parts[2] = {{pb, (size_t)(c.p - pb)}, {c.p, (size_t)(c.end - c.p)}};
    struct otlp_buf got = {0};
    assert_int_equal(otlp_json_writev_signal_buf(sig, parts, 2, &got), 0);
    assert_same_json(got.data, got.len, want->data, want->len);
    otlp_buf_free(&got);
}

/* All the round-trip properties of one protobuf request; returns its JSON. */
static struct otlp_buf check_round_trip(otelc_signal sig, const uint8_t *pb, size_t len)
{
    size_t want_len, back_len;
    uint8_t *want = repack_signal(sig, pb, len, &want_len);
    struct otlp_buf json = to_json_signal(sig, pb, len);
    uint8_t *back = from_json_signal(sig, json.data, json.len, &back_len);
    assert_same_bytes(back, back_len, want, want_len);

    struct otlp_buf again = to_json_signal(sig, back, back_len);
    assert_same_json(again.data, again.len, json.data, json.len);

    struct otlp_buf sunk = {0};
    pb_bytes whole = {pb, len};
    assert_int_equal(otlp_json_writev_signal(sig, &whole, 1, append_sink, &sunk), 0);
    assert_same_json(sunk.data, sunk.len, json.data, json.len);
    check_split_write(sig, pb, len, &json);

    otlp_buf_free(&sunk);
    otlp_buf_free(&again);
    free(back);
    free(want);
    return json;
}

/* A golden file holds the JSON and one final newline. */
static void assert_matches_golden(const struct otlp_buf *json, const char *golden_path)
{
    size_t len;
    char *golden = read_file(golden_path, &len);
    if (len && golden[len - 1] == '\n')
        len--;
    assert_same_json(json->data, json->len, golden, len);
    free(golden);
}

static void test_corpus_request(void **state)
{
    const struct corpus_case *cc = *state;
    size_t len;
    uint8_t *pb = (uint8_t *)read_file(cc->path, &len);
    struct otlp_buf json = check_round_trip(signal_of_name(cc->name), pb, len);
    assert_matches_golden(&json, cc->other);
    otlp_buf_free(&json);
    free(pb);
}

/* A variant spelling reads to the same request as the canonical one. */
static void test_variant(void **state)
{
    const struct corpus_case *cc = *state;
    size_t len, base_len, want_len, got_len;
    char *variant = read_file(cc->path, &len);
    uint8_t *base = (uint8_t *)read_file(cc->base_binpb, &base_len);
    otelc_signal sig = signal_of_name(cc->name);
    uint8_t *want = repack_signal(sig, base, base_len, &want_len);
    uint8_t *got = from_json_signal(sig, variant, len, &got_len);
    assert_same_bytes(got, got_len, want, want_len);

    struct otlp_buf json = to_json_signal(sig, got, got_len);
    assert_matches_golden(&json, cc->other);
    otlp_buf_free(&json);
    free(got);
    free(want);
    free(base);
    free(variant);
}

/* The JS SDK's JSON and protobuf of the same spans read the same. */
static void test_sdk_request(void **state)
{
    const struct corpus_case *cc = *state;
    size_t len, sdk_json_len, want_len, got_len;
    uint8_t *pb = (uint8_t *)read_file(cc->path, &len);
    char *sdk_json = read_file(cc->other, &sdk_json_len);
    otelc_signal sig = signal_of_name(cc->name);
    struct otlp_buf json = check_round_trip(sig, pb, len);

    uint8_t *want = repack_signal(sig, pb, len, &want_len);
    uint8_t *got = from_json_signal(sig, sdk_json, sdk_json_len, &got_len);
    assert_same_bytes(got, got_len, want, want_len);

    otlp_buf_free(&json);
    free(got);
    free(want);
    free(sdk_json);
    free(pb);
}

/* snprintf into an array that must hold the whole result. */
#define FORMAT_INTO(out, ...)                                                                      \
    do {                                                                                           \
        int n_ = snprintf((out), sizeof(out), __VA_ARGS__);                                        \
        if (n_ < 0 || (size_t)n_ >= sizeof(out))                                                   \
            fail_msg("path too long: %s", (out));                                                  \
    } while (0)

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir ending in suffix; NULL-terminated, malloc'd. */
static char **list_dir(const char *dir, const char *suffix, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = calloc(256, sizeof *names);
    struct dirent *e;
    *n = 0;
    assert_non_null(names);
    while (d && (e = readdir(d)) && *n < 255)
        if (has_suffix(e->d_name, suffix))
            names[(*n)++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, *n, sizeof *names, by_name);
    return names;
}

static void add_case(struct CMUnitTest *t, struct corpus_case *cc, const char *kind,
                     CMUnitTestFunction fn)
{
    char *name = malloc(strlen(kind) + strlen(cc->name) + 2);
    assert_non_null(name);
    sprintf(name, "%s %s", kind, cc->name);
    memset(t, 0, sizeof *t);
    t->name = name;
    t->test_func = fn;
    t->initial_state = cc;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* NAME from "NAME.suffix" or, for variants, "NAME.what.json". */
static void stem(char *out, size_t cap, const char *file)
{
    size_t n = strcspn(file, ".");
    if (n >= cap)
        fail_msg("file name too long: %s", file);
    memcpy(out, file, n);
    out[n] = '\0';
}

static size_t collect_corpus(struct CMUnitTest *tests, struct corpus_case *cases)
{
    const char *src = OTELC_TEST_DATA "/otlp";
    size_t n_bin, n_var, k = 0;
    char **bins = list_dir(OTLP_CORPUS_BIN_DIR, ".binpb", &n_bin);
    char **vars = list_dir(OTELC_TEST_DATA "/otlp/variants", ".json", &n_var);
    for (size_t i = 0; i < n_bin; i++, k++) {
        struct corpus_case *cc = &cases[k];
        stem(cc->name, sizeof cc->name, bins[i]);
        FORMAT_INTO(cc->path, "%s/%s", OTLP_CORPUS_BIN_DIR, bins[i]);
        FORMAT_INTO(cc->other, "%s/%s.json", src, cc->name);
        add_case(&tests[k], cc, "request", test_corpus_request);
    }
    for (size_t i = 0; i < n_var; i++, k++) {
        struct corpus_case *cc = &cases[k];
        char base[128];
        stem(base, sizeof base, vars[i]);
        FORMAT_INTO(cc->name, "%s", vars[i]);
        FORMAT_INTO(cc->path, "%s/variants/%s", src, vars[i]);
        FORMAT_INTO(cc->other, "%s/%s.json", src, base);
        FORMAT_INTO(cc->base_binpb, "%s/%s.binpb", OTLP_CORPUS_BIN_DIR, base);
        add_case(&tests[k], cc, "variant", test_variant);
    }
    free_list(bins, n_bin);
    free_list(vars, n_var);
    return k;
}

static size_t collect_sdk(struct CMUnitTest *tests, struct corpus_case *cases, const char *dir)
{
    size_t n, k;
    char **bins = list_dir(dir, ".binpb", &n);
    for (k = 0; k < n; k++) {
        struct corpus_case *cc = &cases[k];
        stem(cc->name, sizeof cc->name, bins[k]);
        FORMAT_INTO(cc->path, "%s/%s", dir, bins[k]);
        FORMAT_INTO(cc->other, "%s/%s.json", dir, cc->name);
        add_case(&tests[k], cc, "sdk", test_sdk_request);
    }
    free_list(bins, n);
    return k;
}

int main(int argc, char **argv)
{
    static struct CMUnitTest tests[512];
    static struct corpus_case cases[512];
    bool sdk = argc == 3 && strcmp(argv[1], "--sdk") == 0;
    size_t n = sdk ? collect_sdk(tests, cases, argv[2]) : collect_corpus(tests, cases);
    if (n == 0 && sdk) {
        printf("skipped: no SDK requests in %s (gen_sdk_requests.js found no npm packages)\n",
               argv[2]);
        return 77; /* ctest's SKIP_RETURN_CODE */
    }
    if (n == 0) {
        fprintf(stderr, "no corpus found in %s\n", OTLP_CORPUS_BIN_DIR);
        return 1;
    }
    int failed = _cmocka_run_group_tests(sdk ? "otlp_json_sdk" : "otlp_json_corpus", tests, n,
                                         NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free((char *)tests[i].name);
    return failed;
}
