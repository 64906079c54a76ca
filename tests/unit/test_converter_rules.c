/*
 * The converter's rules on crafted requests: the wire decision (touched or
 * not) and the rewrite, for every rule kind: built-in upgrades (plain,
 * value maps, by span kind, split, gRPC codes, headers, qualifiers),
 * config renames, deletes, resource moves, coerce and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conv_detect.h"
#include "test_converter_util.h"

#define INTERNAL 1
#define SERVER 2
#define CLIENT 3
#define CONSUMER 5

static conv_rules rules;

static void build(const conv_spec *spec)
{
    char why[200];
    assert_int_equal(conv_rules_build(&rules, spec, why, sizeof(why)), 0);
}

static int teardown(void **state)
{
    conv_rules_free(&rules);
    fx_free_all();
    return 0;
}

static void assert_str(const pb_any *v, const char *want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, PB_STRING);
    assert_string_equal(v->string_value, want);
}

static void assert_int_value(const pb_any *v, int64_t want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, PB_INT);
    assert_int_equal(v->int_value, want);
}

#define SPAN_ATTR(sp, key) cu_attr((sp)->attributes, (sp)->n_attributes, key)
#define RES_ATTR(out, key)                                                         \
    cu_attr((out)->resource_spans[0]->resource->attributes,                        \
            (out)->resource_spans[0]->resource->n_attributes, key)

static void test_clean_request_is_untouched(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true, .max_attribute_value_length = 64});
    fx_span *sp = cu_span(1, CLIENT, fx_kv_new("http.request.method", fx_str("GET")),
                          fx_kv_new("url.full", fx_str("https://example.com/")),
                          fx_kv_new("http.response.status_code", fx_int(200)), CU_END);
    fx_request *req = cu_request(cu_kvs(fx_kv_new("service.name", fx_str("shop")), CU_END), &sp, 1);
    assert_int_equal(cu_touches(&rules, req), 0);
    /* One deprecated key anywhere makes it touched. */
    fx_span *old = cu_span(2, CLIENT, fx_kv_new("http.method", fx_str("GET")), CU_END);
    fx_span *both[] = {sp, old};
    assert_int_equal(cu_touches(&rules, cu_request(NULL, both, 2)), 1);
}

static void test_plain_renames_and_value_maps(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true});
    fx_span *sp = cu_span(1, CLIENT, fx_kv_new("http.method", fx_str("POST")),
                          fx_kv_new("http.status_code", fx_int(503)),
                          fx_kv_new("http.url", fx_str("https://a/b?c=d")),
                          fx_kv_new("db.system", fx_str("mssql")),
                          fx_kv_new("db.statement", fx_str("SELECT 1")),
                          fx_kv_new("net.transport", fx_str("ip_tcp")),
                          fx_kv_new("messaging.operation", fx_str("publish")),
                          fx_kv_new("keep.me", fx_bool(true)), CU_END);
    fx_request *req = cu_request(cu_kvs(fx_kv_new("otel.library.name", fx_str("lib")), CU_END), &sp, 1);
    assert_int_equal(cu_touches(&rules, req), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, req, &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_int_equal(o->n_attributes, 8);
    assert_str(SPAN_ATTR(o, "http.request.method"), "POST");
    assert_int_value(SPAN_ATTR(o, "http.response.status_code"), 503);
    assert_str(SPAN_ATTR(o, "url.full"), "https://a/b?c=d");
    assert_str(SPAN_ATTR(o, "db.system.name"), "microsoft.sql_server");
    assert_str(SPAN_ATTR(o, "db.query.text"), "SELECT 1");
    assert_str(SPAN_ATTR(o, "network.transport"), "tcp");
    assert_str(SPAN_ATTR(o, "messaging.operation.type"), "send");
    assert_non_null(SPAN_ATTR(o, "keep.me"));
    assert_null(SPAN_ATTR(o, "http.method"));
    assert_str(RES_ATTR(out, "otel.scope.name"), "lib"); /* resources too */
    assert_int_equal(st.renamed, 8);
    /* The rest of the span is untouched. */
    assert_string_equal(o->name, "span-1");
    assert_int_equal(o->span_id.len, 8);
    cu_free(out);
}

static void test_renames_by_span_kind(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true});
    fx_span *spans[] = {
        cu_span(1, CLIENT, fx_kv_new("net.peer.name", fx_str("db.local")),
                fx_kv_new("net.peer.port", fx_int(5432)), CU_END),
        cu_span(2, SERVER, fx_kv_new("net.peer.name", fx_str("10.0.0.7")),
                fx_kv_new("net.host.name", fx_str("api.local")), CU_END),
        cu_span(3, CONSUMER, fx_kv_new("net.peer.port", fx_int(9092)), CU_END),
    };
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, spans, 3), &st);
    pb_span *client = cu_out_span(out, 0, 0), *server = cu_out_span(out, 0, 1);
    assert_str(SPAN_ATTR(client, "server.address"), "db.local");
    assert_int_value(SPAN_ATTR(client, "server.port"), 5432);
    assert_str(SPAN_ATTR(server, "client.address"), "10.0.0.7");
    assert_str(SPAN_ATTR(server, "server.address"), "api.local");
    assert_int_value(SPAN_ATTR(cu_out_span(out, 0, 2), "client.port"), 9092);
    cu_free(out);
}

static void test_special_upgrades(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true});
    fx_span *sp = cu_span(
        1, SERVER, fx_kv_new("http.target", fx_str("/search?q=otel&x=1")),
        fx_kv_new("rpc.grpc.status_code", fx_int(4)),
        fx_kv_new("http.request_content_length", fx_int(3495)),
        fx_kv_new("rpc.service", fx_str("EchoService")), fx_kv_new("rpc.method", fx_str("Echo")),
        fx_kv_new("code.namespace", fx_str("com.example.Svc")),
        fx_kv_new("code.function", fx_str("serve")),
        fx_kv_new("db.redis.database_index", fx_int(3)), CU_END);
    fx_span *sp2 = cu_span(2, SERVER, fx_kv_new("http.target", fx_str("/plain")),
                           fx_kv_new("rpc.jsonrpc.error_code", fx_int(-32602)),
                           fx_kv_new("rpc.grpc.status_code", fx_int(99)), CU_END);
    fx_span *spans[] = {sp, sp2};
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, spans, 2), &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_str(SPAN_ATTR(o, "url.path"), "/search");
    assert_str(SPAN_ATTR(o, "url.query"), "q=otel&x=1");
    assert_str(SPAN_ATTR(o, "rpc.status_code"), "DEADLINE_EXCEEDED");
    const pb_any *hdr = SPAN_ATTR(o, "http.request.header.content-length");
    assert_non_null(hdr);
    assert_int_equal(hdr->value_case, PB_ARRAY);
    assert_int_equal(hdr->array_value->n_values, 1);
    assert_str(hdr->array_value->values[0], "3495");
    assert_str(SPAN_ATTR(o, "rpc.method"), "EchoService/Echo");
    assert_null(SPAN_ATTR(o, "rpc.service"));
    assert_str(SPAN_ATTR(o, "code.function.name"), "com.example.Svc.serve");
    assert_null(SPAN_ATTR(o, "code.namespace"));
    assert_str(SPAN_ATTR(o, "db.namespace"), "3");
    assert_int_equal(o->n_attributes, 7);
    pb_span *o2 = cu_out_span(out, 0, 1);
    assert_str(SPAN_ATTR(o2, "url.path"), "/plain");
    assert_null(SPAN_ATTR(o2, "url.query"));
    /* first deprecated key wins for the same current key */
    assert_str(SPAN_ATTR(o2, "rpc.status_code"), "-32602");
    assert_int_equal(o2->n_attributes, 2);
    cu_free(out);
}

static void test_current_key_wins(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true});
    fx_span *sp = cu_span(1, CLIENT, fx_kv_new("http.method", fx_str("OLD")),
                          fx_kv_new("http.request.method", fx_str("GET")),
                          fx_kv_new("url.full", fx_str("https://new")),
                          fx_kv_new("http.url", fx_str("https://old")), CU_END);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, &sp, 1), &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_int_equal(o->n_attributes, 2);
    assert_str(SPAN_ATTR(o, "http.request.method"), "GET");
    assert_str(SPAN_ATTR(o, "url.full"), "https://new");
    cu_free(out);
}

static void test_semconv_off_and_config_renames(void **state)
{
    conv_rename_spec renames[] = {{"http.method", "my.method"}, {"legacy.user", "user.id"}};
    build(&(conv_spec){.semconv_upgrade = false, .renames = renames, .nrenames = 2});
    fx_span *untouched = cu_span(1, CLIENT, fx_kv_new("http.url", fx_str("u")), CU_END);
    assert_int_equal(cu_touches(&rules, cu_request(NULL, &untouched, 1)), 0);
    fx_span *sp = cu_span(2, CLIENT, fx_kv_new("http.method", fx_str("GET")),
                          fx_kv_new("legacy.user", fx_str("ann")),
                          fx_kv_new("http.url", fx_str("u")), CU_END);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, &sp, 1), &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_str(SPAN_ATTR(o, "my.method"), "GET");
    assert_str(SPAN_ATTR(o, "user.id"), "ann");
    assert_str(SPAN_ATTR(o, "http.url"), "u"); /* built-in table is off */
    assert_int_equal(st.renamed, 2);
    cu_free(out);
    conv_rules_free(&rules);
    /* With the table on, a config rename wins over the built-in row. */
    build(&(conv_spec){.semconv_upgrade = true, .renames = renames, .nrenames = 1});
    out = cu_rewrite(&rules, cu_request(NULL, &sp, 1), &st);
    o = cu_out_span(out, 0, 0);
    assert_str(SPAN_ATTR(o, "my.method"), "GET");
    assert_str(SPAN_ATTR(o, "url.full"), "u");
    cu_free(out);
}

static void test_delete(void **state)
{
    const char *del[] = {"secret", "url.full"};
    build(&(conv_spec){.semconv_upgrade = true, .deletes = del, .ndeletes = 2});
    fx_span *sp = cu_span(1, CLIENT, fx_kv_new("secret", fx_str("x")),
                          fx_kv_new("http.url", fx_str("https://a")),
                          fx_kv_new("keep", fx_int(1)), CU_END);
    fx_request *req = cu_request(cu_kvs(fx_kv_new("secret", fx_str("r")),
                                        fx_kv_new("service.name", fx_str("s")), CU_END),
                                 &sp, 1);
    assert_int_equal(cu_touches(&rules, req), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, req, &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_int_equal(o->n_attributes, 1); /* renamed, then deleted: later rules see new names */
    assert_non_null(SPAN_ATTR(o, "keep"));
    assert_null(RES_ATTR(out, "secret"));
    assert_non_null(RES_ATTR(out, "service.name"));
    assert_int_equal(st.deleted, 3);
    cu_free(out);
}

static void test_from_resource(void **state)
{
    conv_key_action from[] = {{"deployment.environment.name", CONV_COPY},
                              {"host.name", CONV_MOVE}};
    build(&(conv_spec){.from_resource = from, .nfrom_resource = 2});
    fx_span *spans[] = {cu_span(1, CLIENT, NULL),
                        cu_span(2, CLIENT, fx_kv_new("host.name", fx_str("own")), CU_END)};
    fx_request *req = cu_request(cu_kvs(fx_kv_new("deployment.environment.name", fx_str("prod")),
                                        fx_kv_new("host.name", fx_str("h1")), CU_END),
                                 spans, 2);
    assert_int_equal(cu_touches(&rules, req), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, req, &st);
    pb_span *a = cu_out_span(out, 0, 0), *b = cu_out_span(out, 0, 1);
    assert_str(SPAN_ATTR(a, "deployment.environment.name"), "prod");
    assert_str(SPAN_ATTR(a, "host.name"), "h1");
    assert_str(SPAN_ATTR(b, "host.name"), "own"); /* a span's own value wins */
    assert_str(RES_ATTR(out, "deployment.environment.name"), "prod"); /* copy */
    assert_null(RES_ATTR(out, "host.name"));                          /* move */
    cu_free(out);
    /* A resource without the keys: nothing to do, nothing touched. */
    fx_span *plain = cu_span(3, CLIENT, NULL);
    assert_int_equal(cu_touches(&rules, cu_request(cu_kvs(fx_kv_new("a", fx_int(1)), CU_END),
                                                   &plain, 1)),
                     0);
}

static void test_to_resource(void **state)
{
    conv_key_action to[] = {{"service.version", CONV_MOVE}, {"tenant", CONV_COPY}};
    build(&(conv_spec){.to_resource = to, .nto_resource = 2});
    fx_span *spans[] = {
        cu_span(1, CLIENT, fx_kv_new("service.version", fx_str("1.2")),
                fx_kv_new("tenant", fx_str("t1")), CU_END),
        cu_span(2, CLIENT, fx_kv_new("service.version", fx_str("1.3")), CU_END),
        cu_span(3, CLIENT, fx_kv_new("service.version", fx_str("1.2")), CU_END),
    };
    fx_request *req = cu_request(NULL, spans, 3); /* no resource at all */
    assert_int_equal(cu_touches(&rules, req), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, req, &st);
    assert_str(RES_ATTR(out, "service.version"), "1.2"); /* the first span's */
    assert_str(RES_ATTR(out, "tenant"), "t1");
    assert_null(SPAN_ATTR(cu_out_span(out, 0, 0), "service.version")); /* moved */
    assert_str(SPAN_ATTR(cu_out_span(out, 0, 0), "tenant"), "t1");    /* copied */
    assert_str(SPAN_ATTR(cu_out_span(out, 0, 1), "service.version"), "1.3"); /* differs: kept */
    assert_null(SPAN_ATTR(cu_out_span(out, 0, 2), "service.version"));
    cu_free(out);
}

static void test_coerce(void **state)
{
    conv_coerce_spec co[] = {{"http.response.status_code", CONV_TO_INT},
                             {"retry", CONV_TO_BOOL},
                             {"ratio", CONV_TO_STRING},
                             {"count", CONV_TO_DOUBLE},
                             {"bad", CONV_TO_INT},
                             {"flag", CONV_TO_STRING}};
    build(&(conv_spec){.semconv_upgrade = true, .coerce = co, .ncoerce = 6});
    fx_span *ok = cu_span(1, CLIENT, fx_kv_new("http.response.status_code", fx_int(200)), CU_END);
    assert_int_equal(cu_touches(&rules, cu_request(NULL, &ok, 1)), 0); /* already an int */
    fx_span *sp = cu_span(2, CLIENT, fx_kv_new("http.status_code", fx_str("404")),
                          fx_kv_new("retry", fx_str("TRUE")), fx_kv_new("ratio", fx_double(0.1)),
                          fx_kv_new("count", fx_int(3)), fx_kv_new("bad", fx_str("12abc")),
                          fx_kv_new("flag", fx_bool(false)), CU_END);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, &sp, 1), &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_int_value(SPAN_ATTR(o, "http.response.status_code"), 404); /* renamed, then coerced */
    assert_int_equal(SPAN_ATTR(o, "retry")->value_case, PB_BOOL);
    assert_true(SPAN_ATTR(o, "retry")->bool_value);
    assert_str(SPAN_ATTR(o, "ratio"), "0.1"); /* shortest form that reads back */
    assert_int_equal(SPAN_ATTR(o, "count")->value_case, PB_DOUBLE);
    assert_true(SPAN_ATTR(o, "count")->double_value == 3.0);
    assert_str(SPAN_ATTR(o, "bad"), "12abc"); /* does not convert: left alone */
    assert_str(SPAN_ATTR(o, "flag"), "false");
    assert_int_equal(st.coerced, 5);
    cu_free(out);
}

static fx_event *event_new(const char *name, fx_kv *kv)
{
    fx_event *e = fx_alloc(sizeof(*e));
    opentelemetry__proto__trace__v1__span__event__init(e);
    e->name = (char *)name;
    if (kv) {
        e->n_attributes = 1;
        e->attributes = cu_kvs(kv, CU_END);
    }
    return e;
}

static fx_link *link_new(unsigned seed)
{
    fx_link *l = fx_alloc(sizeof(*l));
    opentelemetry__proto__trace__v1__span__link__init(l);
    l->trace_id.data = fx_alloc(16);
    l->trace_id.len = 16;
    l->span_id.data = fx_alloc(8);
    l->span_id.len = 8;
    fx_span_ids(seed, l->trace_id.data, l->span_id.data);
    return l;
}

static fx_span *busy_span(void)
{
    fx_span *sp = cu_span(1, CLIENT, fx_kv_new("a", fx_int(1)), fx_kv_new("b", fx_int(2)),
                          fx_kv_new("c", fx_int(3)), fx_kv_new("d", fx_int(4)), CU_END);
    sp->dropped_attributes_count = 5;
    sp->n_events = 3;
    sp->events = fx_alloc(3 * sizeof(fx_event *));
    for (int i = 0; i < 3; i++)
        sp->events[i] = event_new(i == 0 ? "e0" : i == 1 ? "e1" : "e2", NULL);
    sp->n_links = 2;
    sp->links = fx_alloc(2 * sizeof(fx_link *));
    sp->links[0] = link_new(10);
    sp->links[1] = link_new(11);
    return sp;
}

static void test_count_limits(void **state)
{
    build(&(conv_spec){.max_attributes_per_span = 2, .max_events_per_span = 1,
                       .max_links_per_span = 1});
    fx_span *small = cu_span(2, CLIENT, fx_kv_new("a", fx_int(1)), CU_END);
    assert_int_equal(cu_touches(&rules, cu_request(NULL, &small, 1)), 0);
    fx_span *sp = busy_span();
    assert_int_equal(cu_touches(&rules, cu_request(NULL, &sp, 1)), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, cu_request(NULL, &sp, 1), &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_int_equal(o->n_attributes, 2);
    assert_string_equal(o->attributes[0]->key, "a"); /* the first ones stay */
    assert_string_equal(o->attributes[1]->key, "b");
    assert_int_equal(o->dropped_attributes_count, 5 + 2);
    assert_int_equal(o->n_events, 1);
    assert_string_equal(o->events[0]->name, "e0");
    assert_int_equal(o->dropped_events_count, 2);
    assert_int_equal(o->n_links, 1);
    assert_int_equal(o->dropped_links_count, 1);
    assert_int_equal(st.dropped_attributes, 2);
    assert_int_equal(st.dropped_events, 2);
    assert_int_equal(st.dropped_links, 1);
    cu_free(out);
}

static void test_value_length_limit(void **state)
{
    build(&(conv_spec){.max_attribute_value_length = 4});
    fx_span *ok = cu_span(1, CLIENT, fx_kv_new("s", fx_str("abcd")), CU_END);
    assert_int_equal(cu_touches(&rules, cu_request(NULL, &ok, 1)), 0);
    fx_any *arr_items[] = {fx_str("xy"), fx_str("123456")};
    /* "h\xc3\xa9llo": cutting at 4 bytes keeps "h\xc3\xa9l"; at 2 it must
     * not split the two-byte \xc3\xa9. */
    fx_span *sp = cu_span(2, CLIENT, fx_kv_new("s", fx_str("h\xc3\xa9llo")),
                          fx_kv_new("e", fx_str("\xe2\x82\xac\xe2\x82\xac")), /* two euro signs */
                          fx_kv_new("b", fx_bytes("0123456789", 10)),
                          fx_kv_new("arr", fx_array(2, arr_items)),
                          fx_kv_new("n", fx_int(123456789)), CU_END);
    sp->n_events = 1;
    sp->events = fx_alloc(sizeof(fx_event *));
    sp->events[0] = event_new("ev", fx_kv_new("msg", fx_str("long message")));
    fx_request *req = cu_request(cu_kvs(fx_kv_new("service.name", fx_str("a-long-name")), CU_END),
                                 &sp, 1);
    assert_int_equal(cu_touches(&rules, req), 1);
    conv_stats st;
    pb_request *out = cu_rewrite(&rules, req, &st);
    pb_span *o = cu_out_span(out, 0, 0);
    assert_str(SPAN_ATTR(o, "s"), "h\xc3\xa9l");
    assert_str(SPAN_ATTR(o, "e"), "\xe2\x82\xac"); /* 3 bytes: the next char would pass 4 */
    assert_int_equal(SPAN_ATTR(o, "b")->bytes_value.len, 4);
    assert_memory_equal(SPAN_ATTR(o, "b")->bytes_value.data, "0123", 4);
    const pb_any *arr = SPAN_ATTR(o, "arr");
    assert_str(arr->array_value->values[0], "xy");
    assert_str(arr->array_value->values[1], "1234");
    assert_int_value(SPAN_ATTR(o, "n"), 123456789);
    assert_str(cu_attr(o->events[0]->attributes, o->events[0]->n_attributes, "msg"), "long");
    assert_str(RES_ATTR(out, "service.name"), "a-long-name"); /* resources have no limit */
    assert_int_equal(st.truncated, 5);
    cu_free(out);
}

static void test_utf8_cut(void **state)
{
    assert_int_equal(conv_utf8_cut("abc", 3, 5), 3);
    assert_int_equal(conv_utf8_cut("abcdef", 6, 3), 3);
    assert_int_equal(conv_utf8_cut("h\xc3\xa9", 3, 2), 1);
    assert_int_equal(conv_utf8_cut("\xf0\x9f\x98\x80x", 5, 3), 0); /* a 4-byte emoji */
    assert_int_equal(conv_utf8_cut("\xf0\x9f\x98\x80x", 5, 4), 4);
}

static void test_shared_values_are_not_cut_in_place(void **state)
{
    /* from_resource shares the resource's value with spans; the span's
     * copy is cut, the resource keeps the whole value. */
    conv_key_action from[] = {{"team", CONV_COPY}};
    build(&(conv_spec){.from_resource = from, .nfrom_resource = 1,
                       .max_attribute_value_length = 3});
    fx_span *sp = cu_span(1, CLIENT, NULL);
    conv_stats st;
    pb_request *out = cu_rewrite(
        &rules, cu_request(cu_kvs(fx_kv_new("team", fx_str("payments")), CU_END), &sp, 1), &st);
    assert_str(SPAN_ATTR(cu_out_span(out, 0, 0), "team"), "pay");
    assert_str(RES_ATTR(out, "team"), "payments");
    cu_free(out);
}

static void test_rules_refuse_bad_specs(void **state)
{
    char why[200] = "";
    conv_rename_spec twice[] = {{"a", "b"}, {"a", "c"}};
    assert_int_equal(conv_rules_build(&rules, &(conv_spec){.renames = twice, .nrenames = 2}, why,
                                      sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "twice"));
    conv_rename_spec empty[] = {{"", "b"}};
    assert_int_equal(conv_rules_build(&rules, &(conv_spec){.renames = empty, .nrenames = 1}, why,
                                      sizeof(why)),
                     -1);
    conv_coerce_spec co[] = {{"k", CONV_TO_INT}, {"k", CONV_TO_BOOL}};
    assert_int_equal(conv_rules_build(&rules, &(conv_spec){.coerce = co, .ncoerce = 2}, why,
                                      sizeof(why)),
                     -1);
    /* Nothing configured at all: inactive, every batch passes. */
    build(&(conv_spec){0});
    assert_false(conv_rules_active(&rules));
}

static void test_malformed_bytes(void **state)
{
    build(&(conv_spec){.semconv_upgrade = true});
    const uint8_t junk[] = {0x0a, 0x05, 0x01};
    assert_true(conv_touches(&rules, junk, sizeof(junk)) < 0);
    conv_work w;
    assert_int_equal(conv_work_init(&w), 0);
    uint8_t *out;
    size_t len;
    conv_stats st = {0};
    assert_int_equal(conv_rewrite(&rules, &w, junk, sizeof(junk), &out, &len, &st), CONV_EDECODE);
    assert_null(out);
    conv_work_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clean_request_is_untouched, teardown),
        cmocka_unit_test_teardown(test_plain_renames_and_value_maps, teardown),
        cmocka_unit_test_teardown(test_renames_by_span_kind, teardown),
        cmocka_unit_test_teardown(test_special_upgrades, teardown),
        cmocka_unit_test_teardown(test_current_key_wins, teardown),
        cmocka_unit_test_teardown(test_semconv_off_and_config_renames, teardown),
        cmocka_unit_test_teardown(test_delete, teardown),
        cmocka_unit_test_teardown(test_from_resource, teardown),
        cmocka_unit_test_teardown(test_to_resource, teardown),
        cmocka_unit_test_teardown(test_coerce, teardown),
        cmocka_unit_test_teardown(test_count_limits, teardown),
        cmocka_unit_test_teardown(test_value_length_limit, teardown),
        cmocka_unit_test_teardown(test_utf8_cut, teardown),
        cmocka_unit_test_teardown(test_shared_values_are_not_cut_in_place, teardown),
        cmocka_unit_test_teardown(test_rules_refuse_bad_specs, teardown),
        cmocka_unit_test_teardown(test_malformed_bytes, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
