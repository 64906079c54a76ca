/*
 * test_ottl_util.c: see test_ottl_util.h.
 */
#include "test_ottl_util.h"

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2023-11-14T22:13:20Z and later, in ns. */
#define T0 "1700000000000000000"

const char *const ottl_fixture_json =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
    "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h1\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"io.test.http\",\"version\":\"1.2.0\","
    "\"attributes\":[{\"key\":\"scope.flag\",\"value\":{\"boolValue\":true}}]},"
    "\"spans\":["
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"1111111111111111\","
    "\"traceState\":\"rojo=00f067aa0ba902b7\",\"name\":\"GET /users/123\",\"kind\":2,"
    "\"startTimeUnixNano\":\"" T0 "\",\"endTimeUnixNano\":\"1700000000250000000\","
    "\"attributes\":["
    "{\"key\":\"http.method\",\"value\":{\"stringValue\":\"GET\"}},"
    "{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/users/{id}\"}},"
    "{\"key\":\"http.target\",\"value\":{\"stringValue\":\"/users/123?password=abc\"}},"
    "{\"key\":\"user.email\",\"value\":{\"stringValue\":\"alice@example.com\"}},"
    "{\"key\":\"retries\",\"value\":{\"intValue\":\"3\"}},"
    "{\"key\":\"ratio\",\"value\":{\"doubleValue\":2.5}},"
    "{\"key\":\"flag\",\"value\":{\"boolValue\":true}},"
    "{\"key\":\"token\",\"value\":{\"stringValue\":\"s3cr3t\"}}]},"
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"2222222222222222\","
    "\"parentSpanId\":\"1111111111111111\",\"name\":\"SELECT\",\"kind\":3,"
    "\"startTimeUnixNano\":\"1700000000010000000\",\"endTimeUnixNano\":\"1700000002010000000\","
    "\"attributes\":["
    "{\"key\":\"db.system\",\"value\":{\"stringValue\":\"postgresql\"}},"
    "{\"key\":\"db.name\",\"value\":{\"stringValue\":\"shop\"}},"
    "{\"key\":\"db.operation\",\"value\":{\"stringValue\":\"SELECT\"}},"
    "{\"key\":\"db.sql.table\",\"value\":{\"stringValue\":\"orders\"}}],"
    "\"events\":["
    "{\"timeUnixNano\":\"1700000001000000000\",\"name\":\"exception\",\"attributes\":["
    "{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"IOError\"}}]},"
    "{\"timeUnixNano\":\"1700000001500000000\",\"name\":\"retry\",\"attributes\":["
    "{\"key\":\"attempt\",\"value\":{\"intValue\":\"2\"}}]}],"
    "\"status\":{\"message\":\"boom\",\"code\":2}},"
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"3333333333333333\","
    "\"name\":\"health\",\"kind\":1,"
    "\"startTimeUnixNano\":\"" T0 "\",\"endTimeUnixNano\":\"1700000000001000000\","
    "\"attributes\":[{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/health\"}}]}"
    "]}]}]}";

typedef struct runner {
    otlp_editor *ed;
    ottl_env *env;
    ottl_context ctx;
    ottl_statement **stmts;
    size_t n;
    ottl_condition *cond;
    char *matches;
    size_t nmatch, cap;
    char *err;
    size_t errcap;
} runner;

static void visit(runner *r)
{
    if (r->cond) {
        bool m = false;
        int rc = ottl_condition_eval(r->cond, r->env, &m);
        if (r->nmatch + 1 < r->cap)
            r->matches[r->nmatch++] = rc != 0 ? 'E' : m ? '1' : '0';
        if (rc != 0 && !r->err[0])
            snprintf(r->err, r->errcap, "run: %s", ottl_env_error(r->env));
        return;
    }
    for (size_t k = 0; k < r->n; k++)
        if (ottl_statement_run(r->stmts[k], r->env) != 0 && !r->err[0])
            snprintf(r->err, r->errcap, "run: %s", ottl_env_error(r->env));
}

static void walk_spans(runner *r)
{
    otlp_span sp;
    otlp_event ev;
    while (otlp_edit_span(r->ed, &sp) > 0) {
        ottl_env_span(r->env, &sp);
        if (r->ctx == OTTL_CTX_SPAN)
            visit(r);
        while (r->ctx == OTTL_CTX_SPANEVENT && otlp_edit_event(r->ed, &ev) > 0) {
            ottl_env_event(r->env, &ev);
            visit(r);
        }
    }
}

static int walk(runner *r, const uint8_t *pb, size_t len, uint8_t **out, size_t *out_len)
{
    otlp_resource res;
    otlp_scope s;
    otlp_edit_begin(r->ed, pb, len);
    while (otlp_edit_resource(r->ed, &res) > 0) {
        ottl_env_resource(r->env, r->ed, &res);
        if (r->ctx == OTTL_CTX_RESOURCE)
            visit(r);
        while (r->ctx != OTTL_CTX_RESOURCE && otlp_edit_scope(r->ed, &s) > 0) {
            ottl_env_scope(r->env, &s);
            if (r->ctx == OTTL_CTX_SCOPE)
                visit(r);
            else
                walk_spans(r);
        }
    }
    if (otlp_edit_finish(r->ed, NULL) != OTLP_OK)
        return -1;
    return otlp_edit_take(r->ed, out, out_len) == OTLP_OK ? 0 : -1;
}

static json_t *to_json(const uint8_t *pb, size_t len)
{
    struct otlp_buf b = {0};
    json_t *j = NULL;
    if (otlp_json_write_buf(pb, len, &b) == 0)
        j = json_loadb(b.data, b.len, 0, NULL);
    otlp_buf_free(&b);
    return j;
}

static void compile_error(char *err, size_t cap, const ottl_error *e)
{
    snprintf(err, cap, "compile: %u:%u: %s", e->line, e->col, e->msg);
}

static json_t *run(runner *r, const char *json)
{
    uint8_t *pb = NULL, *out = NULL;
    size_t len, out_len;
    json_t *j = NULL;
    char why[256];
    if (otlp_json_read(json, strlen(json), &pb, &len, why, sizeof why) != 0) {
        snprintf(r->err, r->errcap, "fixture: %s", why);
        return NULL;
    }
    r->ed = otlp_editor_new();
    r->env = ottl_env_new();
    ottl_env_set_now(r->env, OTTL_TEST_NOW);
    if (walk(r, pb, len, &out, &out_len) == 0)
        j = to_json(out, out_len);
    else if (!r->err[0])
        snprintf(r->err, r->errcap, "the editor failed");
    free(out);
    free(pb);
    ottl_env_free(r->env);
    otlp_editor_free(r->ed);
    return j;
}

json_t *ottl_test_run(const char *json, ottl_context ctx, const char *const *stmts, size_t n,
                      char *err, size_t cap)
{
    ottl_statement *compiled[16] = {0};
    ottl_error e;
    runner r = {.ctx = ctx, .stmts = compiled, .n = n, .err = err, .errcap = cap};
    err[0] = 0;
    if (ottl_compile_statements(stmts, n, ctx, compiled, &r.ctx, &e, NULL) != 0) {
        compile_error(err, cap, &e);
        return NULL;
    }
    json_t *j = run(&r, json);
    for (size_t k = 0; k < n; k++)
        ottl_statement_free(compiled[k]);
    return j;
}

int ottl_test_match(const char *json, ottl_context ctx, const char *cond, char *out, size_t cap,
                    char *err, size_t cap_err)
{
    ottl_error e;
    runner r = {.ctx = ctx, .matches = out, .cap = cap, .err = err, .errcap = cap_err};
    err[0] = 0;
    if (ottl_compile_conditions(&cond, 1, ctx, &r.cond, &r.ctx, &e, NULL) != 0) {
        compile_error(err, cap_err, &e);
        return -1;
    }
    json_t *j = run(&r, json);
    out[r.nmatch] = 0;
    json_decref(j);
    ottl_condition_free(r.cond);
    return 0;
}

json_t *ottl_test_span(json_t *req, size_t i)
{
    json_t *rs = json_array_get(json_object_get(req, "resourceSpans"), 0);
    json_t *ss = json_array_get(json_object_get(rs, "scopeSpans"), 0);
    return json_array_get(json_object_get(ss, "spans"), i);
}

static char *dump(json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("absent");
}

char *ottl_test_attr(json_t *obj, const char *key)
{
    json_t *attrs = json_object_get(obj, "attributes"), *kv;
    size_t i;
    json_array_foreach(attrs, i, kv) {
        if (strcmp(json_string_value(json_object_get(kv, "key")), key) == 0)
            return dump(json_object_get(kv, "value"));
    }
    return strdup("absent");
}

char *ottl_test_member(json_t *obj, const char *name)
{
    return dump(json_object_get(obj, name));
}

/* ---- logs and metrics ---- */

const char *const ottl_logs_fixture_json =
    "{\"resourceLogs\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
    "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h1\"}}]},"
    "\"scopeLogs\":[{\"scope\":{\"name\":\"io.test.log\"},\"logRecords\":["
    "{\"timeUnixNano\":\"1700000000000000000\",\"severityNumber\":9,\"severityText\":\"INFO\","
    "\"body\":{\"stringValue\":\"request failed\"},"
    "\"attributes\":[{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/user/1/list/2\"}}],"
    "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\"},"
    "{\"severityNumber\":17,\"severityText\":\"ERROR\","
    "\"body\":{\"stringValue\":\"login password=abc\"}},"
    "{\"severityNumber\":5,\"body\":{\"kvlistValue\":{\"values\":["
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"v\"}}]}}}"
    "]}]}]}";

const char *const ottl_metrics_fixture_json =
    "{\"resourceMetrics\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}}]},"
    "\"scopeMetrics\":[{\"scope\":{\"name\":\"io.test.metrics\"},\"metrics\":["
    "{\"name\":\"http.duration\",\"unit\":\"ms\",\"gauge\":{\"dataPoints\":["
    "{\"attributes\":[{\"key\":\"state\",\"value\":{\"stringValue\":\"idle\"}}],"
    "\"timeUnixNano\":\"1700000000000000000\",\"asDouble\":1.5},"
    "{\"attributes\":[{\"key\":\"state\",\"value\":{\"stringValue\":\"busy\"}}],"
    "\"timeUnixNano\":\"1700000000000000000\",\"asDouble\":2.5}]}},"
    "{\"name\":\"requests\",\"sum\":{\"aggregationTemporality\":2,\"isMonotonic\":true,"
    "\"dataPoints\":[{\"attributes\":[{\"key\":\"pid\",\"value\":{\"intValue\":\"1\"}}],"
    "\"startTimeUnixNano\":\"1699999990000000000\",\"timeUnixNano\":\"1700000000000000000\","
    "\"asInt\":\"7\"}]}},"
    "{\"name\":\"latency\",\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":["
    "{\"timeUnixNano\":\"1700000000000000000\",\"count\":\"3\",\"sum\":6,"
    "\"bucketCounts\":[\"1\",\"2\"],\"explicitBounds\":[1]}]}}"
    "]}]}]}";
