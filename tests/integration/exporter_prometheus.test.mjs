// The prometheus exporter end to end: the real OpenTelemetry JS metrics
// SDK sends a counter, an up-down counter, a histogram and a gauge over
// OTLP/gRPC (cumulative) and OTLP/HTTP (delta) into a metrics pipeline;
// the scrape shows the collector's names, types, labels and values, adds
// the deltas up, and passes `promtool check metrics`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as GrpcMetrics } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetrics } from '@opentelemetry/exporter-metrics-otlp-proto';
import { start, get } from './lib/harness.mjs';

const config = `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus:
    endpoint: "127.0.0.1:0"
    const_labels: { region: eu }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus]
`;

const portOf = (o, what) => Number(o.log.match(new RegExp(`${what} \\(port (\\d+)\\)`))[1]);

// One meter provider of service `cart` (instance i-1) exporting through
// exporter; record() makes its instruments' values; then one export.
async function sendMetrics(exporter, record) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'cart', 'service.namespace': 'shop',
      'service.instance.id': 'i-1', 'host.name': 'h1' }),
    readers: [reader],
  });
  record(provider.getMeter('checkout-lib', '2.0.0'));
  await provider.forceFlush();
  await provider.shutdown();
}

function promtool(text) {
  return new Promise((resolve) => {
    const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, out: stdout + stderr }));
    p.stdin.end(text);
  });
}

test('JS SDK metrics through the prometheus exporter: names, labels, values, promtool', async (t) => {
  const o = await start(config);
  t.after(() => o.stop());
  const grpc = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC\)/)[1];
  const http = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP\)/)[1];
  const scrapePort = portOf(o, 'prometheus: listening on \\S+');

  await sendMetrics(new GrpcMetrics({ url: `http://127.0.0.1:${grpc}` }), (m) => {
    m.createCounter('http.server.requests', { unit: '{request}', description: 'Requests served' })
      .add(7, { 'http.request.method': 'GET' });
    m.createUpDownCounter('queue.depth', { unit: '{item}' }).add(-3);
    const h = m.createHistogram('http.server.request.duration', { unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 1] } });
    for (const v of [0.05, 0.5, 0.7, 3]) h.record(v, { route: '/cart' });
    m.createGauge('system.cpu.utilization', { unit: '1' }).record(0.25);
  });
  // Delta temporality over OTLP/HTTP protobuf, twice: the exporter adds up.
  for (let i = 0; i < 2; i++)
    await sendMetrics(new ProtoMetrics({ url: `http://127.0.0.1:${http}/v1/metrics`,
      temporalityPreference: AggregationTemporality.DELTA }), (m) => {
      m.createCounter('jobs.done', { unit: '{job}' }).add(5);
    });

  const r = await get(`http://127.0.0.1:${scrapePort}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = r.text;
  const base = 'instance="i-1",job="shop/cart",otel_scope_name="checkout-lib",otel_scope_version="2.0.0",region="eu"';
  assert.match(text, /^# HELP http_server_requests_total Requests served$/m);
  assert.match(text, /^# TYPE http_server_requests_total counter$/m);
  assert.ok(text.includes(`http_server_requests_total{http_request_method="GET",${base}} 7\n`), text);
  assert.match(text, /^# TYPE queue_depth gauge$/m, 'a non-monotonic sum is a gauge');
  assert.ok(text.includes(`queue_depth{${base}} -3\n`), text);
  assert.match(text, /^# TYPE http_server_request_duration_seconds histogram$/m);
  for (const [le, n] of [['0.1', 1], ['1', 3], ['+Inf', 4]])
    assert.ok(text.includes(`http_server_request_duration_seconds_bucket{${base},route="/cart",le="${le}"} ${n}\n`), `le=${le}\n${text}`);
  assert.ok(text.includes(`http_server_request_duration_seconds_count{${base},route="/cart"} 4\n`), text);
  assert.ok(text.includes(`http_server_request_duration_seconds_sum{${base},route="/cart"} 4.25\n`), text);
  assert.ok(text.includes(`system_cpu_utilization_ratio{${base}} 0.25\n`), text);
  assert.ok(text.includes(`jobs_done_total{${base}} 10\n`), `two deltas of 5\n${text}`);
  assert.ok(text.includes('target_info{host_name="h1",instance="i-1",job="shop/cart",region="eu"} 1\n'), text);
  const lint = await promtool(text);
  assert.equal(lint.code, 0, lint.out);
});
