// The span_metrics and service_graph connectors in the real host: traces
// of known shape (frontend → cart → a database, frontend → checkout →
// payment with errors on the last edge) go in over OTLP/HTTP, each
// service's spans in a request of its own and the called services first,
// so that every request is paired across requests and out of order. A
// metrics pipeline from both connectors ends in the prometheus exporter,
// whose scrape is compared edge by edge and series by series and must
// pass promtool (whose linter wants durations in seconds: the span
// durations are configured so; milliseconds, the default, are checked by
// the unit tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { start, run, get, writeConfig, eventually } from './lib/harness.mjs';
import { traffic, request, otlpHttpPort } from './lib/traces.mjs';

const config = `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
connectors:
  span_metrics:
    metrics_flush_interval: 100ms
    histogram: { unit: s }
  service_graph:
    metrics_flush_interval: 100ms
    store: { ttl: 300ms }
    store_expiration_loop: 50ms
exporters:
  prometheus:
    endpoint: "127.0.0.1:0"
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [span_metrics, service_graph]
    metrics:
      receivers: [span_metrics, service_graph]
      exporters: [prometheus]
`;

// The samples of a text exposition: [{ name, labels, value }].
function samples(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

// The value of the one sample of name whose labels include want.
function value(all, name, want) {
  const hits = all.filter((s) => s.name === name &&
    Object.entries(want).every(([k, v]) => (v === undefined ? !(k in s.labels) : s.labels[k] === v)));
  assert.ok(hits.length <= 1, `${name} ${JSON.stringify(want)}: ${hits.length} series`);
  return hits.length ? hits[0].value : undefined;
}

// A bucket's count by its bound (the exporter writes bounds its own way).
function bucket(all, name, want, le) {
  const hits = all.filter((s) => s.name === name && Number(s.labels.le) === le &&
    Object.entries(want).every(([k, v]) => s.labels[k] === v));
  assert.equal(hits.length, 1, `${name} le=${le} ${JSON.stringify(want)}`);
  return hits[0].value;
}

const port = (o, re) => {
  const m = o.log.match(re);
  assert.ok(m, `no listening line ${re} in the log:\n${o.log}`);
  return Number(m[1]);
};

test('service graph and span metrics from traces split across requests, scraped', async (t) => {
  const o = await start(config);
  t.after(() => o.stop());
  const otlp = otlpHttpPort(o);
  const prom = port(o, /prometheus: listening on \S+ \(port (\d+)\)/);
  const by = traffic();
  // called services first: every server span waits for its client
  for (const svc of ['payment', 'cart', 'checkout', 'frontend']) {
    const began = Date.now();
    const r = await fetch(`http://127.0.0.1:${otlp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: request(svc, by[svc]),
    });
    assert.equal(r.status, 200, await r.text());
    assert.ok(Date.now() - began < 1000, 'the connectors answer at once');
  }
  const scrape = async () => (await get(`http://127.0.0.1:${prom}/metrics`)).text;
  const edge = (client, server, extra = {}) => ({ client, server, ...extra });
  const G = 'traces_service_graph_request_total';
  // the roots' callers appear once their store entries expired
  const text = await eventually(async () => {
    const s = await scrape();
    const all = samples(s);
    return value(all, G, edge('user', 'frontend')) === 9 &&
      value(all, 'traces_span_metrics_calls_total', { service_name: 'payment', status_code: 'STATUS_CODE_ERROR' }) === 2
      ? s : undefined;
  });
  assert.ok(text, `the expected series never appeared:\n${await scrape()}`);
  const all = samples(text);

  // the graph: exact edges and counts
  assert.equal(value(all, G, edge('frontend', 'cart', { connection_type: '', failed: 'false' })), 5);
  assert.equal(value(all, G, edge('cart', 'cartdb', { connection_type: 'database' })), 5);
  assert.equal(value(all, G, edge('frontend', 'checkout', { failed: 'false' })), 4);
  assert.equal(value(all, G, edge('checkout', 'payment', { failed: 'false' })), 2);
  assert.equal(value(all, G, edge('checkout', 'payment', { failed: 'true' })), 2);
  assert.equal(value(all, G, edge('user', 'frontend', { connection_type: 'virtual_node' })), 9);
  assert.equal(all.filter((s) => s.name === G).length, 6, 'no other edge');
  assert.equal(value(all, 'traces_service_graph_request_failed_total', edge('checkout', 'payment')), 2);
  assert.equal(all.filter((s) => s.name === 'traces_service_graph_request_failed_total').length, 1);
  // latencies: the server's 25 ms and the client's 30 ms of frontend → cart
  const fc = edge('frontend', 'cart');
  assert.equal(value(all, 'traces_service_graph_request_server_seconds_count', fc), 5);
  assert.equal(bucket(all, 'traces_service_graph_request_server_seconds_bucket', fc, 0.01), 0);
  assert.equal(bucket(all, 'traces_service_graph_request_server_seconds_bucket', fc, 0.05), 5);
  assert.ok(Math.abs(value(all, 'traces_service_graph_request_client_seconds_sum', fc) - 0.15) < 1e-9);

  // span metrics: calls by service, name, kind and status; durations
  const C = 'traces_span_metrics_calls_total';
  assert.equal(value(all, C, { service_name: 'frontend', span_name: 'GET /cart', span_kind: 'SPAN_KIND_SERVER', status_code: 'STATUS_CODE_UNSET' }), 5);
  assert.equal(value(all, C, { service_name: 'payment', span_name: 'charge', status_code: 'STATUS_CODE_UNSET' }), 2);
  assert.equal(value(all, C, { service_name: 'checkout', span_name: 'charge', span_kind: 'SPAN_KIND_CLIENT', status_code: 'STATUS_CODE_ERROR' }), 2);
  assert.equal(all.filter((s) => s.name === C).length, 11, 'one series per service, name, kind and status');
  const cartServer = { service_name: 'cart', span_name: 'GET /cart', span_kind: 'SPAN_KIND_SERVER' };
  const D = 'traces_span_metrics_duration_seconds';
  assert.equal(value(all, `${D}_count`, cartServer), 5);
  assert.ok(Math.abs(value(all, `${D}_sum`, cartServer) - 0.125) < 1e-9);
  assert.equal(bucket(all, `${D}_bucket`, cartServer, 0.01), 0);
  assert.equal(bucket(all, `${D}_bucket`, cartServer, 0.05), 5);

  // the scrape is valid exposition text
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);

  // the connector's own counters on otelc's /metrics
  const own = samples((await get(o.url('/metrics'))).text);
  const sg = { connector: 'service_graph' };
  assert.equal(value(own, 'otelcol_connector_servicegraph_expired_edges_total', sg), 9);
  assert.equal(value(own, 'otelcol_connector_servicegraph_total_edges_total', sg), 27);
  assert.equal(value(own, 'otelcol_connector_servicegraph_dropped_spans_total', sg), 0);
});

test('the collector\'s former type names still load, with its deprecation warning', async () => {
  const file = writeConfig(config.replaceAll('span_metrics', 'spanmetrics')
    .replaceAll('service_graph', 'servicegraph'));
  const r = await run(['validate', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /"spanmetrics" alias is deprecated; use "span_metrics" instead/);
  assert.match(r.stderr, /"servicegraph" alias is deprecated; use "service_graph" instead/);
});
