// The otlp receiver's metrics and logs in the real host: MetricsService
// and LogsService over gRPC, /v1/metrics and /v1/logs over OTLP/HTTP
// (HTTP/1.1 and h2c, protobuf and JSON), answered with the statuses of
// traces; a signal no pipeline takes answered as the collector answers a
// service it never registered; the host's receiver metrics per signal.
// (What arrives, field by field, from the real SDK: exporters_signals.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { start, get, post } from './lib/harness.mjs';
import { field, fixed64, varintField, bytes, frame, call, EXPORT, METRICS_EXPORT, LOGS_EXPORT } from './lib/otlp.mjs';

const MIB = 1 << 20;

const config = ({ pipelines = ['traces', 'metrics', 'logs'], http: extra = '' } = {}) => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http:
        endpoint: "127.0.0.1:0"
        max_request_body_size: 64KiB
${extra}
exporters:
  testsink:
    sending_queue: { enabled: false }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
${pipelines.map((p) => `    ${p}:\n      receivers: [otlp]\n      exporters: [testsink]\n`).join('')}`;

function ports(o) {
  const g = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC\)/);
  const h = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP\)/);
  assert.ok(g && h, `no listening lines in the log:\n${o.log}`);
  return { grpc: Number(g[1]), http: Number(h[1]) };
}

const stats = async (o) => (await get(o.url('/test/testsink/stats'))).json;
const mode = (o, m) => post(o.url(`/test/testsink/mode?set=${m}`));

// ExportMetricsServiceRequest: one sum of n int points, one histogram
// point (buckets packed); its data points number n + 1.
function metricsRequest(n, { bucketBytes = 16 } = {}) {
  const points = Array.from({ length: n }, (_, i) => field(1, Buffer.concat([
    fixed64(3, 1732480000000000000n + BigInt(i)), fixed64(6, BigInt(i - 1)),
  ])));
  const sum = field(7, Buffer.concat([...points, varintField(2, 2), varintField(3, 1)]));
  const hist = field(9, field(1, Buffer.concat([fixed64(4, 3n), field(6, Buffer.alloc(bucketBytes, 0))])));
  const metrics = Buffer.concat([field(2, Buffer.concat([field(1, bytes('requests')), sum])),
    field(2, Buffer.concat([field(1, bytes('latency')), hist]))]);
  return field(1, field(2, metrics));
}

// ExportLogsServiceRequest of n records, each a string body (text or raw
// bytes) and a trace id of traceIdLen bytes.
function logsRequest(n, { traceIdLen = 16, body = 'hello' } = {}) {
  const records = Array.from({ length: n }, () => field(2, Buffer.concat([
    field(5, field(1, Buffer.isBuffer(body) ? body : bytes(body))), field(9, Buffer.alloc(traceIdLen, 7)),
    field(10, Buffer.alloc(8, 9)),
  ])));
  return field(1, field(2, Buffer.concat(records)));
}

const metricsJson = (n) => JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{
  name: 'g', gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ asDouble: i + 0.5 })) },
}] }] }] });
const logsJson = (records) => JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });

// google.rpc.Status from protobuf: { code, message }.
function decodeStatus(buf) {
  const st = { code: 0, message: '' };
  let i = 0;
  const v = () => {
    let n = 0;
    let s = 0;
    for (;;) {
      const b = buf[i++];
      n += (b & 0x7f) * 2 ** s;
      if (!(b & 0x80)) return n;
      s += 7;
    }
  };
  while (i < buf.length) {
    const key = v();
    if (key === 0x08) st.code = v();
    else if (key === 0x12) {
      const n = v();
      st.message = buf.subarray(i, i + n).toString();
      i += n;
    } else throw new Error(`unexpected key ${key}`);
  }
  return st;
}

function h1(port, { path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function h2req(session, { path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, ...headers });
    const chunks = [];
    let head;
    req.on('response', (h) => { head = h; });
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => resolve({ status: head?.[':status'], headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

const pb = { 'content-type': 'application/x-protobuf' };
const js = { 'content-type': 'application/json' };

test('gRPC: metrics and logs get every status traces get', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${ports(o).grpc}`);
  t.after(() => session.close());
  const m = { path: METRICS_EXPORT };
  const l = { path: LOGS_EXPORT };

  let r = await call(session, frame(metricsRequest(3)), m);
  assert.equal(r.grpc, 0);
  assert.deepEqual([...r.data], [0, 0, 0, 0, 0], 'an empty ExportMetricsServiceResponse');
  r = await call(session, frame(logsRequest(2)), l);
  assert.equal(r.grpc, 0);
  assert.deepEqual([...r.data], [0, 0, 0, 0, 0], 'an empty ExportLogsServiceResponse');
  r = await call(session, frame(Buffer.alloc(0)), l);
  assert.equal(r.grpc, 0, 'an empty request succeeds');
  const gz = zlib.gzipSync(logsRequest(3));
  r = await call(session, frame(gz, { compressed: true }), { ...l, headers: { 'grpc-encoding': 'gzip' } });
  assert.equal(r.grpc, 0, 'gzip');

  for (const [what, msg, route] of [
    ['malformed protobuf', Buffer.from([0x0a, 0x05, 0x01]), m],
    ['a 15-byte trace id', logsRequest(1, { traceIdLen: 15 }), l],
    ['a broken packed list', metricsRequest(1, { bucketBytes: 12 }), m],
    ['invalid UTF-8 in a body', logsRequest(1, { body: Buffer.from([0x68, 0xff]) }), l],
    ['a metrics request to the logs service', metricsRequest(1), l],
  ]) {
    r = await call(session, frame(msg), route);
    assert.equal(r.grpc, 3, `${what}: INVALID_ARGUMENT`);
  }
  r = await call(session, frame(logsRequest(1, { traceIdLen: 15 })), l);
  assert.equal(r.message, 'log record 0: trace_id must be empty or 16 bytes');
  r = await call(session, frame(metricsRequest(2, { bucketBytes: 12 })), m);
  assert.equal(r.message, 'data point 2: bucket_counts[0] is a malformed packed list');
  r = await call(session, frame(Buffer.alloc(4 * MIB + 1)), m);
  assert.equal(r.grpc, 8, 'over max_recv_msg_size_mib: RESOURCE_EXHAUSTED');
  r = await call(session, frame(logsRequest(1)), { path: '/opentelemetry.proto.collector.logs.v1.LogsService/Nope' });
  assert.equal(r.grpc, 12);
  assert.equal(r.message, 'unknown method for service opentelemetry.proto.collector.logs.v1.LogsService');

  await mode(o, 'retry');
  r = await call(session, frame(metricsRequest(1)), m);
  assert.equal(r.grpc, 14, 'pipeline full: UNAVAILABLE');
  await mode(o, 'reject');
  r = await call(session, frame(logsRequest(1)), l);
  assert.equal(r.grpc, 3, 'pipeline refuses: INVALID_ARGUMENT');
  await mode(o, 'pending');
  r = await call(session, frame(logsRequest(4)), l);
  assert.equal(r.grpc, 0, 'answered once the pending export completed');
  await mode(o, 'ok');
  r = await call(session, frame(Buffer.from(field(1, field(2, field(2, field(5, field(1, bytes('x')))))))));
  assert.equal(r.grpc, 3, 'a logs request to the trace service is refused');

  const s = await stats(o);
  assert.equal(s.metrics, 3 + 1, 'data points, of every kind');
  assert.equal(s.logs, 2 + 3 + 4, 'log records');
  session.close();
  assert.equal((await o.stop()).code, 0, o.log);
});

test('OTLP/HTTP: /v1/metrics and /v1/logs get every status /v1/traces gets, over HTTP/1.1 and h2c', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const port = ports(o).http;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  for (const [proto, send] of [['h1', (opts) => h1(port, opts)], ['h2', (opts) => h2req(session, opts)]]) {
    let r = await send({ path: '/v1/metrics', headers: pb, body: metricsRequest(2) });
    assert.equal(r.status, 200, proto);
    assert.deepEqual([...r.body], [0x0a, 0x00], 'an ExportMetricsServiceResponse with empty partial_success');
    r = await send({ path: '/v1/logs', headers: js, body: logsJson([{ body: { stringValue: 'a' } }, {}]) });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { partialSuccess: {} });
    r = await send({ path: '/v1/metrics', headers: { ...js, 'content-encoding': 'gzip' }, body: zlib.gzipSync(metricsJson(4)) });
    assert.equal(r.status, 200, `${proto}: gzip JSON`);

    r = await send({ path: '/v1/logs', headers: js, body: '{"resourceLogs":[' });
    assert.equal(r.status, 400, `${proto}: malformed JSON`);
    assert.equal(JSON.parse(r.body).code, 3);
    r = await send({ path: '/v1/logs', headers: js, body: logsJson([{ spanId: '0102' }]) });
    assert.equal(r.status, 400, `${proto}: a short span id`);
    assert.equal(JSON.parse(r.body).message, 'resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex digits');
    r = await send({ path: '/v1/logs', headers: pb, body: logsRequest(1, { traceIdLen: 3 }) });
    assert.equal(r.status, 400, `${proto}: a 3-byte trace id`);
    assert.deepEqual(decodeStatus(r.body), { code: 3, message: 'log record 0: trace_id must be empty or 16 bytes' });
    r = await send({ path: '/v1/metrics', headers: js, body: '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"asInt":"1","asDouble":2}]}}]}]}]}' });
    assert.equal(r.status, 400, `${proto}: two members of a oneof`);
    r = await send({ path: '/v1/metrics', headers: pb, body: Buffer.alloc(64 * 1024 + 1) });
    assert.equal(r.status, 413, `${proto}: over max_request_body_size`);

    await mode(o, 'retry');
    r = await send({ path: '/v1/metrics', headers: js, body: metricsJson(1) });
    assert.equal(r.status, 503, `${proto}: pipeline full`);
    assert.equal(r.headers['retry-after'], '1');
    await mode(o, 'reject');
    r = await send({ path: '/v1/logs', headers: pb, body: logsRequest(1) });
    assert.equal(r.status, 400, `${proto}: pipeline refuses`);
    await mode(o, 'ok');
  }
  const s = await stats(o);
  assert.equal(s.metrics, 2 * (3 + 4));
  assert.equal(s.logs, 2 * 2);
  session.close();
  assert.equal((await o.stop()).code, 0, o.log);
});

test('a signal no pipeline takes: gRPC Unimplemented, HTTP 404, as the collector answers', async (t) => {
  const o = await start(config({ pipelines: ['metrics'], http: '        metrics_url_path: /custom/metrics' }));
  t.after(() => o.stop());
  const { grpc, http: port } = ports(o);
  const session = http2.connect(`http://127.0.0.1:${grpc}`);
  t.after(() => session.close());
  let r = await call(session, frame(metricsRequest(1)), { path: METRICS_EXPORT });
  assert.equal(r.grpc, 0);
  r = await call(session, frame(logsRequest(1)), { path: LOGS_EXPORT });
  assert.equal(r.grpc, 12);
  assert.equal(r.message, 'unknown service opentelemetry.proto.collector.logs.v1.LogsService');
  r = await call(session, frame(Buffer.alloc(0)), { path: EXPORT });
  assert.equal(r.grpc, 12);
  assert.equal(r.message, 'unknown service opentelemetry.proto.collector.trace.v1.TraceService');

  r = await h1(port, { path: '/custom/metrics', headers: pb, body: metricsRequest(1) });
  assert.equal(r.status, 200, 'metrics_url_path');
  for (const path of ['/v1/metrics', '/v1/logs', '/v1/traces']) {
    r = await h1(port, { path, headers: pb, body: Buffer.alloc(0) });
    assert.equal(r.status, 404, path);
  }
  assert.equal((await stats(o)).metrics, 2 * 2);
});

test('the receiver metrics count data points and log records per transport', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const { grpc, http: port } = ports(o);
  const session = http2.connect(`http://127.0.0.1:${grpc}`);
  t.after(() => session.close());
  assert.equal((await call(session, frame(metricsRequest(4)), { path: METRICS_EXPORT })).grpc, 0);
  assert.equal((await call(session, frame(logsRequest(3)), { path: LOGS_EXPORT })).grpc, 0);
  assert.equal((await h1(port, { path: '/v1/logs', headers: pb, body: logsRequest(6) })).status, 200);
  assert.equal((await h1(port, { path: '/v1/metrics', headers: js, body: metricsJson(2) })).status, 200);
  await mode(o, 'reject');
  assert.equal((await h1(port, { path: '/v1/logs', headers: pb, body: logsRequest(2) })).status, 400);
  await mode(o, 'ok');

  const text = (await get(o.url('/metrics'))).text;
  const value = (name, transport) => {
    const m = text.match(new RegExp(`^${name}\\{receiver="otlp",transport="${transport}"\\} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : undefined;
  };
  assert.equal(value('otelcol_receiver_accepted_metric_points_total', 'grpc'), 5);
  assert.equal(value('otelcol_receiver_accepted_metric_points_total', 'http'), 2);
  assert.equal(value('otelcol_receiver_accepted_log_records_total', 'grpc'), 3);
  assert.equal(value('otelcol_receiver_accepted_log_records_total', 'http'), 6);
  assert.equal(value('otelcol_receiver_refused_log_records_total', 'http'), 2);
  assert.equal(value('otelcol_receiver_accepted_spans_total', 'grpc'), undefined,
    'no series for a signal and transport that carried nothing');
});
