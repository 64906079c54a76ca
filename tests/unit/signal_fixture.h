/*
 * signal_fixture.h: OTLP metrics and logs requests for the tests of the
 * SDK's walker and editor and of the processors and exporters that handle
 * those signals, built with protobuf-c (the trusted encoder) in the arena
 * of otlp_fixture.h (freed by fx_free_all()).
 */
#ifndef OTELC_TEST_SIGNAL_FIXTURE_H
#define OTELC_TEST_SIGNAL_FIXTURE_H

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "otlp_fixture.h"

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest fxl_request;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs fxl_rl;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs fxl_sl;
typedef Opentelemetry__Proto__Logs__V1__LogRecord fxl_record;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest fxm_request;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics fxm_rm;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics fxm_sm;
typedef Opentelemetry__Proto__Metrics__V1__Metric fxm_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint fxm_number;

/* Log records and data points in the rich requests below. */
#define FXL_RICH_RECORDS 5
#define FXM_RICH_POINTS 8

/* A resource with service.name = service (NULL: no resource at all). */
fx_resource *fx_service(const char *service);
/* A scope named name (version may be NULL). */
fx_scope *fx_scope_named(const char *name, const char *version);

/*
 * The reference logs request (5 records):
 *  rl[0]: resource {service.name="checkout"}
 *    sl[0]: scope {"io.otelc.logs", "1.0"}
 *      0: INFO (9) "INFO", body "user logged in", {user.id="u1", http.status=200},
 *         trace id of seed 1, span id of seed 1
 *      1: ERROR (17) "ERROR", body "db down", {db.system="postgres"}, trace seed 2
 *      2: severity 0, no text, body kvlist {k=1}, no attributes, no trace id
 *  rl[1]: resource {service.name="cart"}
 *    sl[0]: scope {"io.otelc.b"}
 *      3: WARN (13) "WARN", body "slow", {user.id="u2"}, trace seed 1
 *      4: DEBUG (5) "DEBUG", body "tick", {}, trace seed 3
 */
fxl_request *fxl_rich_request(void);
fxl_record *fxl_record_new(int severity, const char *text, const char *body, unsigned seed);
fxl_request *fxl_request_new(size_t n_rl);
fxl_rl *fxl_rl_new(fx_resource *res, size_t n_sl);
fxl_sl *fxl_sl_new(fx_scope *scope, size_t n_records);
/* Appends attribute kv to a record. */
void fxl_attr_add(fxl_record *r, fx_kv *kv);
uint8_t *fxl_pack(const fxl_request *r, size_t *len);
/* Unpacks bytes (protobuf-c) and packs them again: the canonical form to
 * compare with fxl_pack of an expected request. NULL if they do not
 * parse. Arena-owned. */
uint8_t *fxl_canonical(const uint8_t *p, size_t len, size_t *out_len);

/*
 * The reference metrics request (8 data points):
 *  rm[0]: resource {service.name="checkout"}
 *    sm[0]: scope {"io.otelc.m"}
 *      m0 "http.requests": sum, cumulative, monotonic; int points
 *         {http.route="/a"} 3 and {http.route="/b"} 4
 *      m1 "cpu.usage": gauge; double point {cpu="0"} 0.5
 *      m2 "latency": histogram, delta; points {http.route="/a"}, {http.route="/b"}
 *      m3 "sizes": exponential histogram; point {k="v"}
 *      m4 "rpc": summary; point {q="1"}; metadata {m.meta="x"}
 *  rm[1]: resource {service.name="cart"}
 *    sm[0]: no scope
 *      m5 "queue.depth": gauge; int point {} 7
 */
fxm_request *fxm_rich_request(void);
fxm_request *fxm_request_new(size_t n_rm);
fxm_rm *fxm_rm_new(fx_resource *res, size_t n_sm);
fxm_sm *fxm_sm_new(fx_scope *scope, size_t n_metrics);
/* A gauge of n int points valued 0..n-1, each with attribute i=<index>. */
fxm_metric *fxm_gauge(const char *name, size_t n);
uint8_t *fxm_pack(const fxm_request *r, size_t *len);
uint8_t *fxm_canonical(const uint8_t *p, size_t len, size_t *out_len);

/* The attributes of the data points of a metric, by index (for tests
 * that change them): the array and its count. */
fx_kv ***fxm_point_attrs(fxm_metric *m, size_t i, size_t **n);

#endif /* OTELC_TEST_SIGNAL_FIXTURE_H */
