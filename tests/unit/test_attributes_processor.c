/*
 * test_attributes_processor.c: the attributes processor on the SDK's test
 * kit. Requests are built with protobuf-c, the processor's output decoded
 * with it; every action, value type, match rule and config check is
 * asserted on what came out.
 */
#include "signal_fixture.h"
#include "test_attraction_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

#define V_STR OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define V_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define V_DBL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define V_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE

#define SHA_ALICE "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976"
#define SHA_INT42 "ed049108bc18f2c64369e8d0ea42850bdd1a7d1dd340cfde716315579702a76c"
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_K "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"

static void assert_str(const fx_any *v, const char *want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, V_STR);
    assert_string_equal(v->string_value, want);
}

static void assert_int_value(const fx_any *v, int64_t want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, V_INT);
    assert_int_equal(v->int_value, want);
}

static void assert_double_value(const fx_any *v, double want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, V_DBL);
    assert_true(v->double_value == want);
}

static void assert_bool_value(const fx_any *v, bool want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, V_BOOL);
    assert_int_equal(v->bool_value, want);
}

/* checkout / io.test.http 1.2.0: span 0 a server span with attributes of
 * every type, span 1 a client span with secrets, span 2 with none. */
static fx_request *base_request(void)
{
    fx_span *spans[3] = {
        tu_span(1, "GET /users", KIND_SERVER, fx_kv_new("http.url", fx_str("/api/v1/users/123")),
                fx_kv_new("user.email", fx_str("alice@example.com")),
                fx_kv_new("retries", fx_str("3")), fx_kv_new("ratio", fx_double(2.7)),
                fx_kv_new("flag", fx_bool(true)), fx_kv_new("count", fx_int(42)), KV_END),
        tu_span(2, "SELECT", KIND_CLIENT, fx_kv_new("db.statement", fx_str("select 1")),
                fx_kv_new("secret.token", fx_str("abc")), fx_kv_new("secret.key", fx_str("k")),
                KV_END),
        tu_span(3, "GET /health", KIND_SERVER, KV_END),
    };
    fx_resource *res = tu_resource(fx_kv_new("service.name", fx_str("checkout")),
                                   fx_kv_new("deployment.environment", fx_str("prod")), KV_END);
    return tu_request(res, tu_scope("io.test.http", "1.2.0"), 3, spans);
}

/* Runs base_request through a processor made from yaml. */
static fx_request *run(tu_proc *p, const char *yaml, bool *same)
{
    tu_start(p, otelc_plugin_entry_v1(), yaml);
    return tu_consume(p, base_request(), NULL, same);
}

static size_t span_attr_count(const fx_request *r, size_t span)
{
    return r->resource_spans[0]->scope_spans[0]->spans[span]->n_attributes;
}

static void test_insert_update_upsert(void **state)
{
    tu_proc p;
    (void)state;
    fx_request *r = run(&p,
                        "actions:\n"
                        "  - {key: env, action: insert, value: staging}\n"
                        "  - {key: count, action: insert, value: 7}\n"
                        "  - {key: count, action: update, value: 43}\n"
                        "  - {key: absent, action: update, value: x}\n"
                        "  - {key: ratio, action: UPSERT, value: 0.5}\n"
                        "  - {key: flag, action: upsert, value: false}\n"
                        "  - {key: new.int, action: upsert, value: -5}\n"
                        "  - {key: email.copy, action: insert, from_attribute: user.email}\n"
                        "  - {key: env.copy, action: upsert, from_attribute: env}\n"
                        "  - {key: none.copy, action: insert, from_attribute: no.such.key}\n",
                        NULL);
    assert_str(tu_span_attr(r, 0, "env"), "staging");
    assert_int_value(tu_span_attr(r, 0, "count"), 43);
    assert_null(tu_span_attr(r, 0, "absent"));
    assert_double_value(tu_span_attr(r, 0, "ratio"), 0.5);
    assert_bool_value(tu_span_attr(r, 0, "flag"), false);
    assert_int_value(tu_span_attr(r, 0, "new.int"), -5);
    assert_str(tu_span_attr(r, 0, "email.copy"), "alice@example.com");
    assert_str(tu_span_attr(r, 0, "env.copy"), "staging"); /* sees the insert above */
    assert_null(tu_span_attr(r, 0, "none.copy"));
    assert_int_equal(span_attr_count(r, 0), 10);
    /* A span without attributes: count inserted, then updated; nothing
     * to copy from user.email. */
    assert_str(tu_span_attr(r, 2, "env"), "staging");
    assert_int_value(tu_span_attr(r, 2, "count"), 43);
    assert_null(tu_span_attr(r, 2, "email.copy"));
    assert_str(tu_span_attr(r, 2, "env.copy"), "staging");
    assert_int_equal(span_attr_count(r, 2), 6);
    /* The resource is not the attributes processor's. */
    assert_int_equal(r->resource_spans[0]->resource->n_attributes, 2);
    tu_stop(&p);
}

static void test_delete_and_hash(void **state)
{
    tu_proc p;
    (void)state;
    fx_request *r = run(&p,
                        "actions:\n"
                        "  - {key: db.statement, action: delete}\n"
                        "  - {key: absent.key, action: delete}\n"
                        "  - {key: user.email, action: hash}\n"
                        "  - {key: count, action: hash}\n"
                        "  - {pattern: ^secret\\., action: hash}\n"
                        "  - {pattern: ^rat, action: delete}\n",
                        NULL);
    assert_str(tu_span_attr(r, 0, "user.email"), SHA_ALICE);
    assert_str(tu_span_attr(r, 0, "count"), SHA_INT42); /* an int hashes its 8 bytes */
    assert_null(tu_span_attr(r, 0, "ratio"));
    assert_str(tu_span_attr(r, 0, "retries"), "3");
    assert_null(tu_span_attr(r, 1, "db.statement"));
    assert_str(tu_span_attr(r, 1, "secret.token"), SHA_ABC);
    assert_str(tu_span_attr(r, 1, "secret.key"), SHA_K);
    assert_int_equal(span_attr_count(r, 1), 2);
    tu_stop(&p);
}

static void test_extract(void **state)
{
    tu_proc p;
    (void)state;
    fx_request *r = run(&p,
                        "actions:\n"
                        "  - key: http.url\n"
                        "    action: extract\n"
                        "    pattern: ^/api/(?P<version>v\\d+)/users/(?P<user_id>\\d+)"
                        "(?P<rest>/.*)?$\n"
                        "  - {key: count, action: extract, pattern: '(?P<n>\\d+)'}\n"
                        "  - {key: user.email, action: extract, pattern: '^(?P<nomatch>x)$'}\n",
                        NULL);
    assert_str(tu_span_attr(r, 0, "version"), "v1");
    assert_str(tu_span_attr(r, 0, "user_id"), "123");
    assert_str(tu_span_attr(r, 0, "rest"), ""); /* took no part: "", as Go's submatch */
    assert_str(tu_span_attr(r, 0, "http.url"), "/api/v1/users/123");
    assert_null(tu_span_attr(r, 0, "n")); /* only strings are extracted from */
    assert_null(tu_span_attr(r, 0, "nomatch"));
    assert_int_equal(span_attr_count(r, 1), 3);
    tu_stop(&p);
}

static void test_convert(void **state)
{
    tu_proc p;
    (void)state;
    fx_request *r = run(&p,
                        "actions:\n"
                        "  - {key: retries, action: convert, converted_type: int}\n"
                        "  - {key: ratio, action: convert, converted_type: int}\n"
                        "  - {key: flag, action: convert, converted_type: string}\n"
                        "  - {key: count, action: convert, converted_type: double}\n"
                        "  - {key: user.email, action: convert, converted_type: int}\n"
                        "  - {key: absent, action: convert, converted_type: int}\n",
                        NULL);
    assert_int_value(tu_span_attr(r, 0, "retries"), 3);
    assert_int_value(tu_span_attr(r, 0, "ratio"), 2);
    assert_str(tu_span_attr(r, 0, "flag"), "true");
    assert_double_value(tu_span_attr(r, 0, "count"), 42.0);
    assert_str(tu_span_attr(r, 0, "user.email"), "alice@example.com"); /* did not convert */
    assert_null(tu_span_attr(r, 0, "absent"));
    tu_stop(&p);
}

static void test_from_context(void **state)
{
    static const otelc_kv pairs[] = {{"k", "a"}, {"k", "b"}, {"x-tenant", "acme"}};
    otelc_batch_meta meta = {.struct_size = sizeof meta, .pairs = pairs, .npairs = 3};
    tu_proc p;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(),
             "actions:\n"
             "  - {key: tenant, action: insert, from_context: metadata.x-tenant}\n"
             "  - {key: tenant2, action: insert, from_context: X-Tenant}\n"
             "  - {key: subject, action: insert, from_context: auth.subject}\n"
             "  - {key: multi, action: upsert, from_context: metadata.k}\n"
             "  - {key: nothing, action: upsert, from_context: metadata.none}\n");
    fx_request *r = tu_consume(&p, base_request(), &meta, NULL);
    assert_str(tu_span_attr(r, 2, "tenant"), "acme");
    assert_str(tu_span_attr(r, 2, "tenant2"), "acme");
    assert_null(tu_span_attr(r, 2, "subject"));
    assert_str(tu_span_attr(r, 2, "multi"), "a;b");
    assert_null(tu_span_attr(r, 2, "nothing"));
    tu_stop(&p);
}

/* Nothing to change: the batch itself goes on, byte for byte. */
static void test_unchanged_is_passed_on(void **state)
{
    tu_proc p;
    bool same = false;
    (void)state;
    run(&p, "actions:\n  - {key: absent, action: update, value: x}\n", &same);
    assert_true(same);
    tu_stop(&p);
}

/* Which spans got the "tag" upsert of a processor with these sections. */
static unsigned tagged(const char *sections)
{
    char yaml[2048];
    tu_proc p;
    unsigned mask = 0;
    snprintf(yaml, sizeof yaml, "actions:\n  - {key: tag, action: upsert, value: x}\n%s",
             sections);
    fx_request *r = run(&p, yaml, NULL);
    for (size_t i = 0; i < 3; i++)
        if (tu_span_attr(r, i, "tag"))
            mask |= 1u << i;
    tu_stop(&p);
    return mask;
}

static void test_include_exclude_strict(void **state)
{
    (void)state;
    assert_int_equal(tagged("include:\n  match_type: strict\n  services: [checkout]\n"
                            "  span_names: [GET /users, GET /health]\n"),
                     0x5);
    assert_int_equal(tagged("include:\n  match_type: strict\n  services: [checkout]\n"
                            "exclude:\n  match_type: strict\n  span_names: [GET /health]\n"),
                     0x3);
    assert_int_equal(tagged("include:\n  match_type: strict\n  services: [cart]\n"), 0);
    assert_int_equal(tagged("include:\n  match_type: strict\n  services: [checkou]\n"), 0);
    assert_int_equal(tagged("exclude:\n  match_type: strict\n  span_kinds: [SPAN_KIND_SERVER]\n"),
                     0x2);
}

static void test_match_attributes(void **state)
{
    (void)state;
    /* Typed under strict: count is the int 42, retries the string "3". */
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  attributes: [{key: count, value: 42}]\n"),
                     0x1);
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  attributes: [{key: retries, value: 3}]\n"),
                     0);
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  attributes: [{key: flag}, {key: ratio, value: 2.7}]\n"),
                     0x1);
    /* Every attribute must match. */
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  attributes: [{key: flag}, {key: db.statement}]\n"),
                     0);
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  attributes: [{key: secret.key, value: k}]\n"),
                     0x2);
}

static void test_match_regexp(void **state)
{
    (void)state;
    /* Unanchored, as Go's MatchString. */
    assert_int_equal(tagged("include:\n  match_type: regexp\n  span_names: ['^GET ']\n"), 0x5);
    assert_int_equal(tagged("include:\n  match_type: regexp\n  span_names: [ELEC]\n"), 0x2);
    assert_int_equal(tagged("include:\n  match_type: regexp\n  span_names: ['^GET ']\n"
                            "  attributes: [{key: http.url, value: 'users/\\d+'}]\n"),
                     0x1);
    /* A double's text is strconv's 'f' format. */
    assert_int_equal(tagged("include:\n  match_type: regexp\n"
                            "  attributes: [{key: ratio, value: '^2\\.7$'}]\n"),
                     0x1);
    assert_int_equal(tagged("include:\n  match_type: regexp\n  services: ['^check']\n"
                            "exclude:\n  match_type: regexp\n  span_names: [health]\n"),
                     0x3);
}

static void test_match_resources_libraries_kinds(void **state)
{
    (void)state;
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  resources: [{key: deployment.environment, value: prod}]\n"
                            "  libraries: [{name: io.test.http, version: 1.2.0}]\n"
                            "  span_kinds: [SPAN_KIND_CLIENT]\n"),
                     0x2);
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  libraries: [{name: io.test.http, version: 1.3.0}]\n"),
                     0);
    assert_int_equal(tagged("include:\n  match_type: strict\n  libraries: [{name: io.test.http}]\n"),
                     0x7);
    assert_int_equal(tagged("include:\n  match_type: strict\n"
                            "  resources: [{key: deployment.environment, value: dev}]\n"),
                     0);
}

static void assert_config_error(const char *yaml, const char *where, const char *what)
{
    const char *err = tu_create_error(otelc_plugin_entry_v1(), yaml);
    if (!err || !strstr(err, where) || !strstr(err, what))
        fail_msg("config\n%s\nwanted \"%s\" and \"%s\", got: %s", yaml, where, what,
                 err ? err : "(accepted)");
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_config_error("", "config:", "actions is required");
    assert_config_error("actions:\n  - {key: a, action: bogus}\n", "config:2:22: key 'actions[0].action'",
                        "unsupported action \"bogus\"");
    assert_config_error("actions:\n  - {action: insert, value: 1}\n", "config:2:5: key 'actions[0]'",
                        "key is required");
    assert_config_error("actions:\n  - {key: a, action: insert}\n", "actions[0]",
                        "needs one of value, from_attribute or from_context");
    assert_config_error("actions:\n  - {key: a, action: insert, value: 1, from_attribute: b}\n",
                        "actions[0]", "only one of");
    assert_config_error("actions:\n  - {key: a, action: delete, value: 1}\n", "actions[0]",
                        "does not use value or from_attribute");
    assert_config_error("actions:\n  - {action: hash}\n", "actions[0]",
                        "key or pattern is required");
    assert_config_error("actions:\n  - {key: a, action: extract, pattern: '(\\d+)'}\n",
                        "actions[0].pattern", "has no name");
    assert_config_error("actions:\n  - {key: a, action: extract}\n", "actions[0]",
                        "needs a pattern");
    assert_config_error("actions:\n  - {key: a, action: delete, pattern: '('}\n",
                        "actions[0].pattern", "does not compile");
    assert_config_error("actions:\n  - {key: a, action: convert, converted_type: bool}\n",
                        "actions[0].converted_type", "is not string, int or double");
    assert_config_error("actions:\n  - {key: a, action: insert, value: 1, colour: red}\n",
                        "actions[0].colour", "unknown key colour");
    assert_config_error("actions:\n  - {key: a, action: insert, value: [1]}\n",
                        "actions[0].value", "not supported yet");
    assert_config_error("actions: {key: a}\n", "'actions'", "must be a list");
}

static void test_match_config_errors(void **state)
{
    static const char acts[] = "actions:\n  - {key: a, action: delete}\n";
    char yaml[512];
    (void)state;
    snprintf(yaml, sizeof yaml, "%sinclude:\n  services: [a]\n", acts);
    assert_config_error(yaml, "'include'", "match_type is required");
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: glob\n  services: [a]\n", acts);
    assert_config_error(yaml, "include.match_type", "strict or regexp");
    snprintf(yaml, sizeof yaml, "%sexclude:\n  match_type: strict\n", acts);
    assert_config_error(yaml, "'exclude'", "at least one of services");
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n  span_kinds: [server]\n", acts);
    assert_config_error(yaml, "include.span_kinds", "standard span kinds");
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: regexp\n  span_names: ['(']\n", acts);
    assert_config_error(yaml, "include.span_names", "does not compile");
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n  attributes: [{value: 1}]\n",
             acts);
    assert_config_error(yaml, "include.attributes[0]", "key is required");
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n  log_bodies: [x]\n", acts);
    assert_config_error(yaml, "include.log_bodies", "should not be specified for trace spans");
    snprintf(yaml, sizeof yaml,
             "%sinclude:\n  match_type: strict\n  services: [a]\n  regexp: {cacheenabled: true}\n",
             acts);
    assert_null(tu_create_error(otelc_plugin_entry_v1(), yaml)); /* ignored, with a warning */
}

/* ---- logs and metrics ---- */

static const char tag_env[] = "actions:\n  - {key: env, action: upsert, value: prod}\n";

/* The logs fixture through the processor in a logs pipeline: a bit per
 * record that got env=prod; the output must be the fixture with exactly
 * those records changed. */
static unsigned logs_tagged(const char *match)
{
    tu_proc p;
    size_t len, out_len, got_len, want_len;
    uint32_t items;
    char yaml[512];
    unsigned bits = 0, k = 0;
    snprintf(yaml, sizeof yaml, "%s%s", tag_env, match);
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS, yaml);
    const uint8_t *in = fxl_pack(fxl_rich_request(), &len);
    const uint8_t *out =
        tu_consume_signal(&p, OTELC_LOGS, in, len, FXL_RICH_RECORDS, &out_len, &items, NULL);
    fxl_request *got = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
        NULL, out_len, out);
    fxl_request *want = fxl_rich_request();
    assert_non_null(got);
    for (size_t i = 0; i < want->n_resource_logs; i++)
        for (size_t j = 0; j < want->resource_logs[i]->scope_logs[0]->n_log_records; j++, k++) {
            fxl_record *g = got->resource_logs[i]->scope_logs[0]->log_records[j];
            if (!tu_attr(g->attributes, g->n_attributes, "env"))
                continue;
            bits |= 1u << k;
            fxl_attr_add(want->resource_logs[i]->scope_logs[0]->log_records[j],
                         fx_kv_new("env", fx_str("prod")));
        }
    const uint8_t *w = fxl_pack(want, &want_len);
    const uint8_t *g = fxl_canonical(out, out_len, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(g, w, want_len);
    assert_int_equal(items, FXL_RICH_RECORDS);
    opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(got,
                                                                                          NULL);
    tu_stop(&p);
    return bits;
}

static void test_logs_matched_by_severity_body_and_attributes(void **state)
{
    (void)state;
    assert_int_equal(logs_tagged(""), 0x1f);
    /* records: 0 INFO, 1 ERROR, 2 unspecified, 3 WARN "slow", 4 DEBUG */
    assert_int_equal(logs_tagged("include:\n  match_type: strict\n"
                                 "  log_severity_number: {min: WARN}\n"
                                 "exclude:\n  match_type: strict\n  log_bodies: [slow]\n"),
                     0x2);
    assert_int_equal(logs_tagged("include:\n  match_type: strict\n"
                                 "  log_severity_number: {min: error, match_undefined: true}\n"),
                     0x6);
    assert_int_equal(logs_tagged("include:\n  match_type: regexp\n"
                                 "  log_severity_texts: ['^(INFO|DEBUG)$']\n"
                                 "  libraries: [{name: io.otelc.logs}]\n"),
                     0x1);
    assert_int_equal(logs_tagged("include:\n  match_type: strict\n"
                                 "  resources: [{key: service.name, value: cart}]\n"
                                 "  attributes: [{key: user.id, value: u2}]\n"),
                     0x8);
    assert_int_equal(logs_tagged("include:\n  match_type: regexp\n  log_bodies: ['^user']\n"),
                     0x1);
}

/* The points of a fixture metric. */
static size_t fx_points(const fxm_metric *m)
{
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: return m->sum->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        return m->histogram->n_data_points;
    default: return 1; /* every other metric of the fixture has one */
    }
}

/* Adds env=prod to every point of metric m (fixture) if the output's
 * copy of it has it on its first point; true then. */
static bool tag_like(fxm_metric *want, fxm_metric *got)
{
    size_t *n;
    fx_kv ***g = fxm_point_attrs(got, 0, &n);
    if (!tu_attr(*g, *n, "env"))
        return false;
    for (size_t i = 0; i < fx_points(want); i++) {
        fx_kv ***a = fxm_point_attrs(want, i, &n);
        (*a)[(*n)++] = fx_kv_new("env", fx_str("prod"));
    }
    return true;
}

/* The metrics fixture in a metrics pipeline: a bit per metric (in
 * request order, both resources) whose points got env=prod; the output
 * must be the fixture with exactly those points changed (so no metric
 * gets it partly). */
static unsigned metrics_tagged(const char *match)
{
    tu_proc p;
    size_t len, out_len, got_len, want_len;
    uint32_t items;
    char yaml[512];
    unsigned bits = 0, k = 0;
    snprintf(yaml, sizeof yaml, "%s%s", tag_env, match);
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_METRICS, yaml);
    const uint8_t *in = fxm_pack(fxm_rich_request(), &len);
    const uint8_t *out =
        tu_consume_signal(&p, OTELC_METRICS, in, len, FXM_RICH_POINTS, &out_len, &items, NULL);
    fxm_request *want = fxm_rich_request();
    fxm_request *got =
        opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
            NULL, out_len, out);
    assert_non_null(got);
    for (size_t r = 0; r < want->n_resource_metrics; r++) {
        fxm_sm *w = want->resource_metrics[r]->scope_metrics[0];
        fxm_sm *g = got->resource_metrics[r]->scope_metrics[0];
        for (size_t m = 0; m < w->n_metrics; m++, k++)
            bits |= tag_like(w->metrics[m], g->metrics[m]) ? 1u << k : 0;
    }
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
        got, NULL);
    const uint8_t *wb = fxm_pack(want, &want_len);
    const uint8_t *gb = fxm_canonical(out, out_len, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(gb, wb, want_len);
    assert_int_equal(items, FXM_RICH_POINTS);
    tu_stop(&p);
    return bits;
}

static void test_metrics_points_of_matched_metrics(void **state)
{
    (void)state;
    assert_int_equal(metrics_tagged("include:\n  match_type: strict\n"
                                    "  metric_names: [http.requests, latency]\n"),
                     0x5);
    assert_int_equal(metrics_tagged("exclude:\n  match_type: regexp\n"
                                    "  metric_names: ['^(cpu|queue)']\n"),
                     0x1d);
    assert_int_equal(metrics_tagged(""), 0x3f);
}

static void test_logs_and_metrics_config(void **state)
{
    static const char acts[] = "actions:\n  - {key: a, action: delete}\n";
    char yaml[512];
    tu_proc p;
    (void)state;
    otelc_test_host *h = otelc_test_host_new();
    void *st;
    otelc_test_host_set_signals_fed(h, OTELC_LOGS);
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n  services: [a]\n", acts);
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL, yaml, &st), -1);
    assert_non_null(strstr(otelc_test_host_last_error(h), "not valid for log records"));
    otelc_test_host_free(h);
    h = otelc_test_host_new();
    otelc_test_host_set_signals_fed(h, OTELC_LOGS);
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n"
             "  log_severity_number: {min: LOUD}\n", acts);
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL, yaml, &st), -1);
    assert_non_null(strstr(otelc_test_host_last_error(h), "not a valid severity"));
    otelc_test_host_free(h);
    /* metrics: the span properties are ignored, with a warning */
    snprintf(yaml, sizeof yaml, "%sinclude:\n  match_type: strict\n  services: [a]\n", tag_env);
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_METRICS, yaml);
    assert_int_equal(otelc_test_logged(p.h, "include.services does not apply to metrics"), 1);
    tu_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_update_upsert),
        cmocka_unit_test(test_delete_and_hash),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_from_context),
        cmocka_unit_test(test_unchanged_is_passed_on),
        cmocka_unit_test(test_include_exclude_strict),
        cmocka_unit_test(test_match_attributes),
        cmocka_unit_test(test_match_regexp),
        cmocka_unit_test(test_match_resources_libraries_kinds),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_match_config_errors),
        cmocka_unit_test(test_logs_matched_by_severity_body_and_attributes),
        cmocka_unit_test(test_metrics_points_of_matched_metrics),
        cmocka_unit_test(test_logs_and_metrics_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
