// The metadata_extractor processor in the real host: synthetic traces of
// known shape (frontend → cart → a database known only from the client
// span's db.system, frontend → checkout → payment → a database named by
// db.name, payment starting to fail part way, and one slow database call), each service's spans in a request of its own
// and the called services first, so that every request is paired across
// requests and out of order. The view is asked as Grafana and the page
// ask it, on an endpoint it shares with trace_query, and compared with
// what was sent: edges and counts exactly, quantiles within a bucket,
// anomalies exactly where injected, the flag attribute on exactly the
// flagged spans, expired halves counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, get, tempDir, eventually, sleep } from './lib/harness.mjs';
import { freePort, otlpHttpPort, send, span, SERVER, CLIENT } from './lib/traces.mjs';

const SLICE_MS = 60000; // window 15m: slices of a minute
// Every span in the last whole minute, so that one slice holds them all.
const SLOT_START = Math.floor(Date.now() / SLICE_MS) * SLICE_MS - SLICE_MS;
const T0 = BigInt(SLOT_START + 1000) * 1000000n;

// A span starting at T0.
const at = (trace, id, parent, name, kind, ms, o = {}) =>
  span(trace, id, parent, name, kind, ms, { start: T0, ...o });

const config = (queryPort, path, cache) => `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  metadata_extractor:
    endpoint: "127.0.0.1:${queryPort}"
    store: { ttl: 1500ms, max_items: 10000 }   # long enough for every send under load
    anomaly_attribute: otelc.anomaly
extensions:
  trace_query:
    endpoint: "127.0.0.1:${queryPort}"
    cache: { directory: "${cache}" }
    s3uploader:
      s3_bucket: none
      endpoint: "http://127.0.0.1:9"
      s3_force_path_style: true
      access_key_id: unused
      secret_access_key: unused
exporters:
  file: { path: "${path}" }
service:
  extensions: [trace_query]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: [metadata_extractor]
      exporters: [file]
`;

// A deterministic spread: n values from lo to hi.
const spread = (i, n, lo, hi) => lo + ((i * 7919) % n) * (hi - lo) / (n - 1);

const CARTS = 150;     // frontend → cart → postgresql; the last one slow in the database
const CHECKOUTS = 130; // frontend → checkout → payment; the last 30 fail at payment
const FAILING = 30;

function traffic() {
  const by = { frontend: [], cart: [], checkout: [], payment: [] };
  const db = [];
  for (let t = 1; t <= CARTS; t++) {
    const b = t * 10, ms = spread(t, CARTS, 5, 10);
    const dbMs = t === CARTS ? 90 : ms;
    db.push(dbMs);
    by.frontend.push(at(t, b + 1, 0, 'GET /cart', SERVER, 100 + 2 * ms + dbMs),
      at(t, b + 2, b + 1, 'GET cart', CLIENT, 80 + ms + dbMs));
    by.cart.push(at(t, b + 3, b + 2, 'GET /cart', SERVER, 40 + ms + dbMs),
      at(t, b + 4, b + 3, 'SELECT cart', CLIENT, dbMs, { attributes: [['db.system', 'postgresql']] }));
  }
  for (let c = 1; c <= CHECKOUTS; c++) {
    const t = 1000 + c, b = t * 10, ms = spread(c, CHECKOUTS, 20, 30);
    const failed = c > CHECKOUTS - FAILING;
    by.frontend.push(at(t, b + 1, 0, 'POST /checkout', SERVER, 200 + ms),
      at(t, b + 2, b + 1, 'POST checkout', CLIENT, 150 + ms));
    by.checkout.push(at(t, b + 3, b + 2, 'POST /checkout', SERVER, 120 + ms),
      at(t, b + 4, b + 3, 'POST payment', CLIENT, 60 + ms, { error: failed }));
    by.payment.push(at(t, b + 5, b + 4, 'POST /charge', SERVER, 50 + ms, { error: failed }),
      at(t, b + 6, b + 5, 'INSERT', CLIENT, 10, { attributes: [['db.name', 'ledger']] }));
  }
  return { by, db };
}

const hexId = (t) => t.toString(16).padStart(32, '0');
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const near = (got, want, rel, what) =>
  assert.ok(Math.abs(got - want) <= rel * want, `${what}: ${got}, want ${want} ± ${rel * 100}%`);

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

async function runOnce() {
  const queryPort = await freePort();
  const dir = tempDir();
  const path = join(dir, 'spans.jsonl');
  const o = await start(config(queryPort, path, join(dir, 'cache')));
  const { by, db } = traffic();
  await send(otlpHttpPort(o), by, { chunk: 50 }); // called services first, 50 spans a request
  await sleep(1600); // the database calls expire into their virtual node
  return { o, by, db, path, url: (p) => `http://127.0.0.1:${queryPort}${p}` };
}

test('metadata_extractor: service graph, RED figures, anomalies and the flagged spans', async (t) => {
  const run = await runOnce();
  t.after(() => run.o.stop());
  const end = SLOT_START + SLICE_MS - 1, range = `endTs=${end}&lookback=${SLICE_MS - 1}`;

  await t.test('dependencies in Jaeger\'s shape, as Grafana asks them', async () => {
    const r = await get(run.url(`/api/dependencies?${range}`));
    assert.equal(r.status, 200, r.text);
    const edges = r.json.data.map((d) => `${d.parent}>${d.child}=${d.callCount}`).sort();
    assert.deepEqual(edges, [`cart>postgresql=${CARTS}`, `checkout>payment=${CHECKOUTS}`,
      `frontend>cart=${CARTS}`, `frontend>checkout=${CHECKOUTS}`, `payment>ledger=${CHECKOUTS}`]);
    assert.equal(r.json.errors, null);
    const none = await get(run.url(`/api/dependencies?endTs=${SLOT_START - 1}&lookback=1000`));
    assert.deepEqual(none.json.data, [], 'nothing before the spans');
    assert.equal((await get(run.url('/api/dependencies?endTs=x'))).status, 400);
  });

  await t.test('services: calls, errors, quantiles, neighbours and latency shares', async () => {
    const r = await get(run.url(`/api/metadata/services?${range}`));
    assert.equal(r.status, 200, r.text);
    const byName = Object.fromEntries(r.json.services.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(byName), ['cart', 'checkout', 'frontend', 'ledger', 'payment', 'postgresql']);
    assert.equal(byName.ledger.virtual, true, 'a database named by db.name: a request on its own');
    assert.equal(r.json.window.end - r.json.window.start, SLICE_MS);
    const { cart, payment, frontend, postgresql } = byName;
    assert.equal(postgresql.virtual, true);
    assert.equal(postgresql.calls, 0);
    assert.deepEqual(postgresql.upstream, [{ service: 'cart', calls: CARTS, errors: 0 }]);
    assert.equal(frontend.calls, CARTS + CHECKOUTS);
    near(frontend.rate, (CARTS + CHECKOUTS) / 60, 1e-9, 'frontend rate');
    assert.equal(payment.errors, FAILING);
    near(payment.error_rate, FAILING / CHECKOUTS, 1e-9, 'payment error rate');
    const select = cart.operations.find((op) => op.name === 'SELECT cart');
    for (const [q, key] of [[0.5, 'p50_ms'], [0.95, 'p95_ms'], [0.99, 'p99_ms']])
      near(select[key], quantile(run.db, q), 0.1, `SELECT cart ${key}`);
    assert.deepEqual(cart.upstream, [{ service: 'frontend', calls: CARTS, errors: 0 }]);
    // frontend's time in each downstream: its client spans over its entry spans
    const entry = sum(run.by.frontend.filter((s) => s.kind === SERVER).map(durationMs));
    const toCart = sum(run.by.frontend.filter((s) => s.name === 'GET cart').map(durationMs));
    const down = Object.fromEntries(frontend.downstream.map((d) => [d.service, d]));
    near(down.cart.latency_share, toCart / entry, 1e-9, 'frontend → cart share');
    assert.equal(down.checkout.calls, CHECKOUTS);
    const pay = byName.checkout.downstream.find((d) => d.service === 'payment');
    assert.equal(pay.errors, FAILING);
  });

  await t.test('anomalies exactly where injected', async () => {
    const r = await get(run.url(`/api/anomalies?${range}`));
    assert.equal(r.status, 200, r.text);
    const found = r.json.anomalies.map((a) => `${a.kind} ${a.service} ${a.operation}`).sort();
    assert.deepEqual(found, ['error_rate checkout POST payment', 'error_rate payment POST /charge',
      'latency cart SELECT cart']);
    const slow = r.json.anomalies.find((a) => a.kind === 'latency');
    assert.deepEqual(slow.traces, [hexId(CARTS)]);
    assert.equal(slow.value_ms, 90);
    // the operation's p99 before the slow call: that of the others
    near(slow.p99_ms, quantile(run.db.slice(0, -1), 0.99), 0.1, 'p99 when flagged');
    near(slow.threshold_ms, 3 * slow.p99_ms, 1e-9, 'threshold');
    near(slow.factor, 90 / slow.p99_ms, 1e-9, 'factor');
    // 100 good calls: the 25th failure takes the rate to 0.2
    const charge = r.json.anomalies.find((a) => a.service === 'payment');
    assert.equal(charge.count, FAILING - 24);
    assert.equal(charge.baseline_error_rate, 0);
    near(charge.error_rate, FAILING / CHECKOUTS, 1e-9, 'worst rate');
    assert.deepEqual(charge.traces, [1, 2, 3, 4, 5].map((i) => hexId(1000 + CHECKOUTS - FAILING + 24 + i)));
  });

  await t.test('flagged spans carry the attribute, the others pass unchanged', async () => {
    const spans = await eventually(() => {
      const all = readFileSync(run.path, 'utf8').trimEnd().split('\n').flatMap((l) =>
        JSON.parse(l).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
      return all.length === sum(Object.values(run.by).map((x) => x.length)) && all;
    });
    const flagged = spans.filter((s) => (s.attributes || []).some((a) => a.key === 'otelc.anomaly'))
      .map((s) => `${s.name}:${s.attributes.find((a) => a.key === 'otelc.anomaly').value.stringValue}`);
    assert.equal(flagged.filter((f) => f === 'SELECT cart:latency').length, 1);
    assert.equal(flagged.filter((f) => f === 'POST /charge:error_rate').length, FAILING - 24);
    assert.equal(flagged.filter((f) => f === 'POST payment:error_rate').length, FAILING - 24);
    assert.equal(flagged.length, 1 + 2 * (FAILING - 24));
  });

  await t.test('expired halves and anomalies counted; trace_query still answers beside the view', async () => {
    const admin = run.o.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
    const m = await get(`http://127.0.0.1:${admin}/metrics`);
    const expired = Number(m.text.match(
      /otelc_processor_metadata_extractor_expired_requests_total\{[^}]*\} (\d+)/)[1]);
    // the database calls and the frontend's root spans never meet a partner
    assert.equal(expired, CARTS + CARTS + CHECKOUTS);
    const anomalies = (kind) => Number(m.text.match(new RegExp(
      `otelc_processor_metadata_extractor_anomalies_total\\{kind="${kind}",[^}]*\\} (\\d+)`))[1]);
    assert.equal(anomalies('latency'), 1);
    assert.equal(anomalies('error_rate'), 2);
    // lookback alone ends at the newest slice (Jaeger's "now"): after one
    // span of this minute, a second's lookback holds no edge of the last
    const now = BigInt(Math.floor(Date.now() / SLICE_MS) * SLICE_MS) * 1000000n;
    await send(otlpHttpPort(run.o), { probe: [span(9999, 1, 0, 'GET /', SERVER, 1, { start: now })] },
      { order: ['probe'] });
    assert.deepEqual((await get(run.url('/api/dependencies?lookback=1000'))).json.data, []);
    assert.equal((await get(run.url(`/api/dependencies?${range}`))).json.data.length, 5);
    assert.equal((await get(run.url('/api/echo'))).status, 200);
    const page = await get(run.url('/ui/'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
  });
});

function durationMs(s) {
  return Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6;
}

test('metadata_extractor: bounded by max_operations, the rest counted', async (t) => {
  const queryPort = await freePort();
  const o = await start(`
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
  metadata_extractor: { endpoint: "127.0.0.1:${queryPort}", max_operations: 3 }
exporters:
  debug: {}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [metadata_extractor], exporters: [debug] }
`);
  t.after(() => o.stop());
  const spans = Array.from({ length: 50 }, (_, i) => at(1, i + 1, 0, `op-${i}`, SERVER, 5));
  await send(otlpHttpPort(o), { flood: spans }, { order: ['flood'] });
  const r = await get(`http://127.0.0.1:${queryPort}/api/metadata/services`);
  assert.equal(r.json.services[0].operations.length, 3);
  assert.equal(r.json.services[0].calls, 50, 'the service still counts every entry span');
  const admin = o.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
  const m = await get(`http://127.0.0.1:${admin}/metrics`);
  assert.match(m.text, /otelc_processor_metadata_extractor_capped_total\{[^}]*\} 47/);
});
