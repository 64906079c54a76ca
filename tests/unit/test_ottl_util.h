/*
 * test_ottl_util.h: OTTL statements and conditions run over an OTLP/JSON
 * request with the SDK's editor, the output read back as JSON (jansson),
 * for the libs/ottl tests.
 */
#ifndef OTELC_TEST_OTTL_UTIL_H
#define OTELC_TEST_OTTL_UTIL_H

#include <jansson.h>
#include <ottl/ottl.h>

/*
 * The reference request: one resource {service.name: checkout, host.name:
 * h1}, one scope io.test.http 1.2.0 {scope.flag: true}, three spans:
 *  0 "GET /users/123", server, attributes http.method GET, http.route
 *    /users/{id}, http.target /users/123?password=abc, user.email
 *    alice@example.com, retries 3, ratio 2.5, flag true, token "s3cr3t",
 *    trace_state "rojo=00f067aa0ba902b7", 250 ms long, status unset;
 *  1 "SELECT", client, child of 0, attributes db.system postgresql, db.name
 *    shop, db.operation SELECT, db.sql.table orders, status error "boom",
 *    2 s long, events "exception" {exception.type: IOError} and "retry"
 *    {attempt: 2};
 *  2 "health", internal, http.route /health, 1 ms long.
 */
extern const char *const ottl_fixture_json;

/*
 * The logs request: resource {service.name: checkout, host.name: h1},
 * scope io.test.log, three log records:
 *  0 body "request failed", INFO (9) "INFO", http.route /user/1/list/2,
 *    time 1700000000 s, a trace and span id;
 *  1 body "login password=abc", ERROR (17) "ERROR";
 *  2 body {k: v} (a map), DEBUG (5).
 * The metrics request: resource {service.name: checkout}, scope
 * io.test.metrics, metrics:
 *  "http.duration" (unit ms) gauge: {state: idle} 1.5, {state: busy} 2.5;
 *  "requests" cumulative monotonic sum: {pid: 1} 7 (an int);
 *  "latency" delta histogram: count 3, sum 6, buckets [1, 2] bounds [1].
 */
extern const char *const ottl_logs_fixture_json;
extern const char *const ottl_metrics_fixture_json;

/* Fixed "now" for Now(): 2023-11-14T22:13:20Z. */
#define OTTL_TEST_NOW 1700000000000000000LL

/*
 * Runs the n statements (compiled for ctx, OTTL_CTX_INFER to infer) over
 * the request in json, each level visited as a transform group visits
 * it. Returns the output parsed as JSON (json_decref it), or NULL with
 * why in err: "compile: <line>:<col>: <msg>" or "run: <msg>" (the first
 * statement that failed; the others still run, as with error_mode
 * ignore).
 */
json_t *ottl_test_run(const char *json, ottl_context ctx, const char *const *stmts, size_t n,
                      char *err, size_t cap);

/*
 * Evaluates a condition on every span (ctx span), event (spanevent),
 * scope or resource of the request, in order: writes '1' (true), '0'
 * (false) or 'E' (an evaluation error) for each into out. 0, or -1 when
 * it does not compile (err says why, as above).
 */
int ottl_test_match(const char *json, ottl_context ctx, const char *cond, char *out, size_t cap,
                    char *err, size_t cap_err);

/* Span i of the first resource and scope of a request parsed as JSON. */
json_t *ottl_test_span(json_t *req, size_t i);
/* The value of attribute key in an object holding "attributes", as its
 * compact JSON text (free() it), or "absent". */
char *ottl_test_attr(json_t *obj, const char *key);
/* A member as compact JSON text (free() it), or "absent". */
char *ottl_test_member(json_t *obj, const char *name);

#endif /* OTELC_TEST_OTTL_UTIL_H */
