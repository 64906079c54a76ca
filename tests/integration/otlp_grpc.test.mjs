// The otlp receiver's gRPC side in the real host: the OpenTelemetry SDK's
// gRPC exporter as a real client, and node:http2 for every status the
// receiver answers, all on one connection that must keep serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { start, get, post, eventually, tempDir, sleep } from './lib/harness.mjs';
import { field, bytes as str, frame, call, EXPORT } from './lib/otlp.mjs';

const MIB = 1 << 20;

const config = ({ grpc = '', sink = '' } = {}) => `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "127.0.0.1:0"
${grpc}
exporters:
  testsink:
    sending_queue: { enabled: false }
${sink}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [testsink]
`;

function grpcPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, `no listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

function span(i, { traceIdLen = 16, pad = 0 } = {}) {
  const parts = [field(1, randomBytes(traceIdLen)), field(2, randomBytes(8)), field(5, str(`span${i}`))];
  if (pad) parts.push(field(9, Buffer.concat([field(1, str('pad')), field(2, field(1, str('a'.repeat(pad))))])));
  return field(2, Buffer.concat(parts)); // ScopeSpans.spans
}

// ExportTraceServiceRequest { resource_spans { scope_spans { spans... } } }
function request(nspans, opts) {
  const spans = Array.from({ length: nspans }, (_, i) => span(i, opts));
  return field(1, field(2, Buffer.concat(spans)));
}

const stats = async (o, id = 'testsink') => (await get(o.url(`/test/${id}/stats`))).json;

test('the OpenTelemetry SDK exports through gRPC, plain and gzip', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const port = grpcPort(o);
  for (const compression of ['none', 'gzip']) {
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}`, compression });
    const results = [];
    const orig = exporter.export.bind(exporter);
    exporter.export = (spans, cb) => orig(spans, (r) => { results.push(r.code); cb(r); });
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracer = provider.getTracer('otlp-grpc-test');
    for (let i = 0; i < 25; i++) tracer.startSpan(`s${i}`).end();
    await provider.forceFlush();
    await provider.shutdown();
    assert.deepEqual(results, [0], `${compression}: one successful export`);
  }
  const s = await stats(o);
  assert.equal(s.spans, 50);
  assert.equal(s.batches, 2);
});

test('every gRPC status, on one connection that keeps serving', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${grpcPort(o)}`);
  t.after(() => session.close());

  let r = await call(session, frame(request(3)));
  assert.equal(r.status, 200);
  assert.equal(r.grpc, 0);
  assert.equal(r.headers['content-type'], 'application/grpc');
  assert.match(r.headers['grpc-accept-encoding'], /gzip/);
  assert.deepEqual([...r.data], [0, 0, 0, 0, 0], 'an empty ExportTraceServiceResponse');

  r = await call(session, frame(Buffer.from([0x0a, 0x05, 0x01])));
  assert.equal(r.grpc, 3, 'malformed protobuf: INVALID_ARGUMENT');
  r = await call(session, frame(request(2, { traceIdLen: 3 })));
  assert.equal(r.grpc, 3, 'invalid trace id: INVALID_ARGUMENT');
  assert.match(r.message, /trace_id/);

  r = await call(session, frame(Buffer.alloc(4 * MIB + 1)));
  assert.equal(r.grpc, 8, 'over max_recv_msg_size_mib: RESOURCE_EXHAUSTED');
  const bomb = zlib.gzipSync(Buffer.alloc(16 * MIB));
  r = await call(session, frame(bomb, { compressed: true }), { headers: { 'grpc-encoding': 'gzip' } });
  assert.equal(r.grpc, 8, 'gzip bomb: RESOURCE_EXHAUSTED');

  const gz = zlib.gzipSync(request(4));
  r = await call(session, frame(gz, { compressed: true }), { headers: { 'grpc-encoding': 'gzip' } });
  assert.equal(r.grpc, 0, 'gzip request');
  r = await call(session, frame(gz, { compressed: true }), { headers: { 'grpc-encoding': 'snappy' } });
  assert.equal(r.grpc, 12, 'unsupported grpc-encoding: UNIMPLEMENTED');
  r = await call(session, frame(gz, { compressed: true }));
  assert.equal(r.grpc, 13, 'compressed flag without grpc-encoding: INTERNAL');

  r = await call(session, frame(request(1)), { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' });
  assert.equal(r.grpc, 12, 'unknown service: UNIMPLEMENTED');
  r = await call(session, frame(request(1)), { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Nope' });
  assert.equal(r.grpc, 12, 'unknown method: UNIMPLEMENTED');
  r = await call(session, frame(request(1)), { headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 415, 'wrong content-type: HTTP 415');

  // A message far larger than the 64 KiB default stream window.
  const big = request(1, { pad: 4 * MIB - 200 });
  assert.ok(big.length > 4 * MIB - 256 && big.length <= 4 * MIB);
  r = await call(session, frame(big));
  assert.equal(r.grpc, 0, 'a message close to 4 MiB passes');

  await post(o.url('/test/testsink/mode?set=retry'));
  r = await call(session, frame(request(2)));
  assert.equal(r.grpc, 14, 'pipeline full: UNAVAILABLE');
  await post(o.url('/test/testsink/mode?set=reject'));
  r = await call(session, frame(request(2)));
  assert.equal(r.grpc, 3, 'pipeline refuses: INVALID_ARGUMENT');
  await post(o.url('/test/testsink/mode?set=pending'));
  r = await call(session, frame(request(2)));
  assert.equal(r.grpc, 0, 'answered once the pending export completed');
  await post(o.url('/test/testsink/mode?set=ok'));

  r = await call(session, frame(request(5)));
  assert.equal(r.grpc, 0, 'the connection still serves');
  assert.ok(!session.closed && !session.destroyed);
  const s = await stats(o);
  assert.equal(s.spans, 3 + 4 + 1 + 2 + 5);
});

test('a full queue refuses calls at their headers until it has room again', async (t) => {
  const o = await start(`
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
exporters:
  testsink:
    mode: pending
    delay: 300ms
    sending_queue: { queue_size: 1, num_consumers: 1 }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [testsink]
`);
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${grpcPort(o)}`);
  t.after(() => session.close());
  let acked = 0;
  // One call is exported (for 300 ms), one waits in the queue, the third
  // is refused; the pause lets the consumer take the first off the queue.
  const fill = async () => {
    for (let i = 0; i < 10; i++) {
      const r = await call(session, frame(request(2)));
      if (r.grpc !== 0) return r;
      acked += 2;
      await sleep(50);
    }
    return null;
  };
  const early = async () => {
    const text = (await get(o.url('/metrics'))).text;
    const m = text.match(/^otelc_receiver_early_refused_requests_total\{receiver="otlp"\} (\d+)$/m);
    assert.ok(m, 'the early refusal counter is exported');
    return Number(m[1]);
  };
  const delivered = () => eventually(async () => ((await stats(o)).spans === acked ? true : null),
    { timeoutMs: 15000 });

  // The first RETRY is answered after the body was read: the receiver has
  // not yet seen the host resume it, so it cannot tell a queue from an
  // exporter that failed once.
  let r = await fill();
  assert.equal(r?.grpc, 14, 'the queue fills: UNAVAILABLE');
  assert.ok(await delivered(), 'everything acknowledged is delivered');
  assert.equal(await early(), 0);

  // From then on a RETRY turns the next calls away at their headers.
  r = await fill();
  assert.equal(r?.grpc, 14);
  const more = await call(session, frame(request(2)));
  assert.equal(more.grpc, 14);
  assert.match(more.message, /pipeline is full/);
  assert.ok(await early() >= 1, 'refused before the body was read');

  // Once the queue has room, calls go through again; nothing refused was kept.
  assert.ok(await delivered());
  r = await call(session, frame(request(2)));
  assert.equal(r.grpc, 0, 'served again once the queue had room');
  acked += 2;
  assert.ok(await delivered());
  assert.ok(!session.closed && !session.destroyed, 'one connection throughout');
});

test('concurrent streams over several loops', async (t) => {
  const o = await start(config({ grpc: '        loop_threads: 3' }));
  t.after(() => o.stop());
  const port = grpcPort(o);
  const sessions = Array.from({ length: 4 }, () => http2.connect(`http://127.0.0.1:${port}`));
  t.after(() => sessions.forEach((s) => s.close()));
  const calls = [];
  for (const s of sessions) for (let i = 0; i < 20; i++) calls.push(call(s, frame(request(3))));
  const results = await Promise.all(calls);
  assert.deepEqual(new Set(results.map((r) => r.grpc)), new Set([0]));
  const s = await stats(o);
  assert.equal(s.spans, 4 * 20 * 3);
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, /^otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="grpc"\} 240$/m);
});

test('shutdown lets a call in flight finish, then closes', async (t) => {
  const o = await start(config({ sink: '    mode: pending\n    delay: 700ms' }));
  const session = http2.connect(`http://127.0.0.1:${grpcPort(o)}`);
  session.on('error', () => {});
  t.after(() => session.destroy());
  await call(session, frame(request(1))); // warm up: the session is established
  const inflight = call(session, frame(request(2)));
  await sleep(150);
  const stopping = o.stop('SIGTERM');
  const r = await inflight;
  assert.equal(r.grpc, 0, 'the call in flight is answered before the receiver stops');
  const { code } = await stopping;
  assert.equal(code, 0);
  assert.match(o.log, /otlp: stopped receiver/);
});

test('TLS with ALPN h2', async (t) => {
  const dir = tempDir();
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const o = await start(config({ grpc: `        tls: { cert_file: "${cert}", key_file: "${key}" }` }));
  t.after(() => o.stop());
  const port = grpcPort(o);
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: readFileSync(cert) });
  t.after(() => session.close());
  const r = await call(session, frame(request(6)));
  assert.equal(r.grpc, 0);
  assert.equal(session.alpnProtocol, 'h2');
  const s = await stats(o);
  assert.equal(s.spans, 6);
  // A plaintext client on the TLS port gets no answer.
  const plain = http2.connect(`http://127.0.0.1:${port}`);
  const failed = await new Promise((resolve) => {
    plain.on('error', () => resolve(true));
    plain.on('close', () => resolve(true));
    const req = plain.request({ ':method': 'POST', ':path': EXPORT });
    req.on('error', () => {});
    req.on('response', () => resolve(false));
    req.end();
  });
  plain.destroy();
  assert.ok(failed);
});

test('a tiny inflight budget pauses reads but every call completes', { timeout: 30000 }, async (t) => {
  const o = await start(config({
    grpc: '        max_inflight_bytes_per_connection: 64KiB',
    sink: '    mode: pending\n    delay: 50ms',
  }));
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${grpcPort(o)}`);
  t.after(() => session.close());
  const body = frame(request(1, { pad: 300000 }));
  const results = await Promise.all(Array.from({ length: 6 }, () => call(session, body)));
  assert.deepEqual(results.map((r) => r.grpc), [0, 0, 0, 0, 0, 0]);
  assert.equal((await stats(o)).spans, 6);
});

test('keepalive: idle connections get GOAWAY, ping floods ENHANCE_YOUR_CALM', async (t) => {
  const o = await start(config({
    grpc: '        keepalive:\n          server_parameters: { max_connection_idle: 1s }\n' +
          '          enforcement_policy: { min_time: 10s }',
  }));
  t.after(() => o.stop());
  const port = grpcPort(o);
  const idle = http2.connect(`http://127.0.0.1:${port}`);
  const goaway = new Promise((resolve) => idle.on('goaway', (code) => resolve(code)));
  assert.equal((await call(idle, frame(request(1)))).grpc, 0);
  const began = Date.now();
  assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
  assert.ok(Date.now() - began >= 800, 'not before max_connection_idle');
  idle.destroy();

  const flood = http2.connect(`http://127.0.0.1:${port}`);
  flood.on('error', () => {});
  const calm = new Promise((resolve) => flood.on('goaway', (code, last, data) => resolve([code, String(data)])));
  await new Promise((resolve) => flood.on('connect', resolve));
  const open = flood.request({ ':method': 'POST', ':path': EXPORT, 'content-type': 'application/grpc' });
  open.on('error', () => {});
  open.write(Buffer.alloc(2)); // a stream in progress: pings are judged by min_time
  for (let i = 0; i < 5 && !flood.destroyed; i++) await new Promise((resolve) => flood.ping(resolve));
  assert.deepEqual(await calm, [http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 'too_many_pings']);
  flood.destroy();
});
