// The otlp receiver's HTTP side in the real host: the OpenTelemetry SDK's
// OTLP/HTTP exporters (JSON and protobuf) as real clients, curl for
// HTTP/1.1 keep-alive and h2c, raw sockets for pipelining and slow
// clients, and every status the OTLP/HTTP specification names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { start, get, post, tempDir, sleep, run, writeConfig } from './lib/harness.mjs';
import { field } from './lib/otlp.mjs';

const MIB = 1 << 20;
const TRACE = '0102030405060708090a0b0c0d0e0f10';

const config = ({ http: extra = '', grpc = false, exporter = 'testsink', sink = '' } = {}) => `
receivers:
  otlp:
    protocols:
${grpc ? '      grpc: { endpoint: "127.0.0.1:0" }\n' : ''}      http:
        endpoint: "127.0.0.1:0"
${extra}
exporters:
  ${exporter === 'testsink' ? 'testsink:\n    sending_queue: { enabled: false }' : exporter}
${sink}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [${exporter === 'testsink' ? 'testsink' : 'file'}]
`;

function httpPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.ok(m, `no HTTP listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

const stats = async (o) => (await get(o.url('/test/testsink/stats'))).json;
const mode = (o, m) => post(o.url(`/test/testsink/mode?set=${m}`));

// One span as OTLP/JSON, with the given attributes.
function jsonRequest(attributes = [], { spanId = '1112131415161718', name = 'op' } = {}) {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [{ spans: [{ traceId: TRACE, spanId, name, attributes }] }],
    }],
  });
}

// The same request as protobuf, through lib/otlp.mjs's minimal encoder.
function protoRequest(nspans = 1, { traceIdLen = 16 } = {}) {
  const spans = [];
  for (let i = 0; i < nspans; i++) {
    spans.push(field(2, Buffer.concat([
      field(1, Buffer.alloc(traceIdLen, 1)), field(2, Buffer.from([0, 0, 0, 0, 0, 0, 0, i + 1])),
      field(5, Buffer.from(`span${i}`)),
    ])));
  }
  return field(1, field(2, Buffer.concat(spans)));
}

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

// HTTP/1.1 request with node:http: { status, headers, body (Buffer) }.
function h1(port, { method = 'POST', path = '/v1/traces', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// One request on an http2 session: { status, headers, body }.
function h2req(session, { method = 'POST', path = '/v1/traces', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': method, ':path': path, ...headers });
    const chunks = [];
    let head;
    req.on('response', (h) => { head = h; });
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => resolve({ status: head?.[':status'], headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end(body);
  });
}

function curl(args) {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

// Reads from a socket until `done(text)` is true or the socket closes.
function rawExchange(port, data, done, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = () => { clearTimeout(timer); sock.destroy(); resolve({ text, closed }); };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => { text += d.toString('latin1'); if (done(text)) finish(); });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', () => {});
    if (data) sock.write(data);
  });
}

// AnyValue → plain JS, as the SDK's attributes are.
function plain(v) {
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (v.arrayValue.values || []).map(plain);
  if ('kvlistValue' in v) return Object.fromEntries((v.kvlistValue.values || []).map((kv) => [kv.key, plain(kv.value || {})]));
  if ('bytesValue' in v) return Buffer.from(v.bytesValue, 'base64');
  return undefined;
}
const attrs = (list = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value || {})]));
const nanos = (hr) => (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();

test('the OpenTelemetry SDK exports OTLP/HTTP JSON and protobuf: every span arrives unaltered', async (t) => {
  const dir = tempDir();
  const out = join(dir, 'spans.jsonl');
  const o = await start(config({ exporter: `file: { path: "${out}" }` }));
  t.after(() => o.stop());
  const url = `http://127.0.0.1:${httpPort(o)}/v1/traces`;
  // What the SDK ended, kept apart from what it exported.
  const sent = [];
  const memory = { export: (spans, cb) => { sent.push(...spans); cb({ code: 0 }); }, shutdown: async () => {} };
  const results = [];
  const exporters = [
    new JsonExporter({ url }), new ProtoExporter({ url }),
    new JsonExporter({ url, compression: 'gzip' }), new ProtoExporter({ url, compression: 'gzip' }),
  ];
  for (const [i, exporter] of exporters.entries()) {
    const orig = exporter.export.bind(exporter);
    exporter.export = (spans, cb) => orig(spans, (r) => { results.push(r.code); cb(r); });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': `svc-${i}`, 'deployment.environment': 'test' }),
      spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('otlp-http-test', '1.2.3');
    tracer.startActiveSpan('parent', { kind: SpanKind.SERVER }, (parent) => {
      for (let j = 0; j < 10; j++) {
        const s = tracer.startSpan(`child-${i}-${j}`, {
          kind: SpanKind.CLIENT,
          attributes: {
            'str': `v${j} ünïcødé "q"`, 'int': j * 1000, 'neg': -j - 1, 'dbl': j + 0.25, 'flag': j % 2 === 0,
            'strs': ['a', 'b'], 'ints': [1, 2, 3], 'dbls': [1.5, -2.5], 'bools': [true, false],
          },
        });
        s.addEvent('evt', { 'e.n': j });
        s.setStatus({ code: j % 3 === 0 ? SpanStatusCode.ERROR : SpanStatusCode.OK, message: j % 3 === 0 ? 'bad' : undefined });
        s.end();
      }
      parent.end();
    });
    await provider.forceFlush();
    await provider.shutdown();
  }
  assert.deepEqual(results, [0, 0, 0, 0], 'every export succeeded');
  await o.stop();

  const got = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const received = new Map();
  for (const req of got) {
    for (const rs of req.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) received.set(s.spanId, { s, resource: attrs(rs.resource?.attributes), scope: ss.scope });
      }
    }
  }
  assert.equal(sent.length, 44);
  assert.equal(received.size, 44, 'every span arrived once');
  for (const span of sent) {
    const ctx = span.spanContext();
    const r = received.get(ctx.spanId);
    assert.ok(r, `span ${span.name} arrived`);
    assert.equal(r.s.traceId, ctx.traceId);
    assert.equal(r.s.name, span.name);
    assert.equal(r.s.parentSpanId || undefined, span.parentSpanContext?.spanId);
    assert.equal(r.s.kind, span.kind + 1, 'OTLP kinds are the API kinds plus one');
    assert.equal(r.s.startTimeUnixNano, nanos(span.startTime));
    assert.equal(r.s.endTimeUnixNano, nanos(span.endTime));
    assert.deepEqual(attrs(r.s.attributes), span.attributes);
    assert.deepEqual((r.s.events || []).map((e) => [e.name, attrs(e.attributes)]),
      span.events.map((e) => [e.name, e.attributes]));
    assert.equal(r.s.status?.code || 0, span.status.code);
    assert.equal(r.s.status?.message, span.status.message);
    assert.deepEqual(r.resource, span.resource.attributes);
    assert.deepEqual(r.scope, { name: 'otlp-http-test', version: '1.2.3' });
  }
});

test('curl: HTTP/1.1 keep-alive, h2c with prior knowledge, gzip', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const url = `http://127.0.0.1:${httpPort(o)}/v1/traces`;
  const file = join(tempDir(), 'req.json');
  writeFileSync(file, jsonRequest());
  const json = ['-H', 'Content-Type: application/json', '--data-binary', `@${file}`];
  let r = await curl(['-v', '--http1.1', '-w', '%{http_code} %{http_version} %{num_connects}\n', ...json, url,
    '--next', '--http1.1', '-w', '%{http_code} %{http_version} %{num_connects}\n', ...json, url]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"partialSuccess":{}}200 1.1 1\n{"partialSuccess":{}}200 1.1 0\n');
  assert.match(r.stderr, /Re-using existing connection/);

  r = await curl(['--http2-prior-knowledge', '-w', ' %{http_code} %{http_version}', ...json, url]);
  assert.equal(r.stdout, '{"partialSuccess":{}} 200 2');

  const gz = join(tempDir(), 'req.pb.gz');
  writeFileSync(gz, zlib.gzipSync(protoRequest(3)));
  r = await curl(['--http1.1', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/x-protobuf',
    '-H', 'Content-Encoding: gzip', '--data-binary', `@${gz}`, url]);
  assert.equal(r.stdout, '200');
  r = await curl(['--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/x-protobuf',
    '-H', 'Content-Encoding: gzip', '--data-binary', `@${gz}`, url]);
  assert.equal(r.stdout, '200');
  // A large body makes curl ask "Expect: 100-continue" first.
  const big = join(tempDir(), 'big.json');
  writeFileSync(big, jsonRequest([{ key: 'pad', value: { stringValue: 'x'.repeat(2 * MIB) } }]));
  r = await curl(['-v', '--http1.1', '-w', '%{http_code}', '-o', '/dev/null', '-H', 'Content-Type: application/json',
    '-H', 'Expect: 100-continue', '--data-binary', `@${big}`, url]);
  assert.equal(r.stdout, '200');
  assert.match(r.stderr, /HTTP\/1\.1 100 Continue/);
  const s = await stats(o);
  assert.equal(s.spans, 1 + 1 + 1 + 3 + 3 + 1);
  // The host counts them under the receiver's transport, as the collector does.
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, /^otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="http"\} 10$/m);
  assert.doesNotMatch(m, /transport="grpc"/);
});

test('every status, over HTTP/1.1 and h2c', async (t) => {
  const o = await start(config({ http: '        max_request_body_size: 64KiB\n        response_headers: { X-Served-By: otelc }' }));
  t.after(() => o.stop());
  const port = httpPort(o);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.after(() => session.close());
  const pb = { 'content-type': 'application/x-protobuf' };
  const js = { 'content-type': 'application/json' };
  for (const [proto, send] of [['h1', (opts) => h1(port, opts)], ['h2', (opts) => h2req(session, opts)]]) {
    let r = await send({ headers: pb, body: protoRequest(2) });
    assert.equal(r.status, 200, proto);
    assert.equal(r.headers['content-type'], 'application/x-protobuf');
    assert.equal(r.headers['x-served-by'], 'otelc', `${proto}: response_headers`);
    assert.deepEqual([...r.body], [0x0a, 0x00], 'an ExportTraceServiceResponse with empty partial_success');

    r = await send({ headers: js, body: jsonRequest() });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { partialSuccess: {} });

    r = await send({ path: '/v1/metrics', headers: pb, body: protoRequest(1) });
    assert.equal(r.status, 404, `${proto}: other paths`);
    r = await send({ method: 'GET' });
    assert.equal(r.status, 405, `${proto}: other methods`);
    assert.equal(r.headers.allow, 'POST');
    r = await send({ headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(r.status, 415, `${proto}: other content types`);
    assert.match(r.body.toString(), /application\/x-protobuf.*application\/json/);

    r = await send({ headers: js, body: '{"resourceSpans":[' });
    assert.equal(r.status, 400, `${proto}: malformed JSON`);
    assert.equal(JSON.parse(r.body).code, 3);
    r = await send({ headers: pb, body: protoRequest(1, { traceIdLen: 3 }) });
    assert.equal(r.status, 400, `${proto}: invalid trace id`);
    const st = decodeStatus(r.body);
    assert.equal(st.code, 3);
    assert.match(st.message, /trace_id/);
    // The OTLP spec calls an all-zero trace id invalid, in JSON as well.
    r = await send({ headers: js, body: jsonRequest().replace(TRACE, '0'.repeat(32)) });
    assert.equal(r.status, 400, `${proto}: all-zero trace id over JSON`);
    assert.match(JSON.parse(r.body).message, /trace_id must not be all zeros/);
    r = await send({ headers: { ...pb, 'content-encoding': 'snappy' }, body: protoRequest(1) });
    assert.equal(r.status, 400, `${proto}: unknown Content-Encoding`);

    r = await send({ headers: pb, body: Buffer.alloc(64 * 1024 + 1) });
    assert.equal(r.status, 413, `${proto}: over max_request_body_size`);
    assert.equal(decodeStatus(r.body).code, 8);
    r = await send({ headers: { ...pb, 'content-encoding': 'gzip' }, body: zlib.gzipSync(Buffer.alloc(8 * MIB)) });
    assert.equal(r.status, 413, `${proto}: the limit applies after decompression`);

    await mode(o, 'retry');
    r = await send({ headers: js, body: jsonRequest() });
    assert.equal(r.status, 503, `${proto}: pipeline full`);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(JSON.parse(r.body).code, 14);
    await mode(o, 'reject');
    r = await send({ headers: pb, body: protoRequest(1) });
    assert.equal(r.status, 400, `${proto}: pipeline refuses`);
    await mode(o, 'pending');
    r = await send({ headers: pb, body: protoRequest(4) });
    assert.equal(r.status, 200, `${proto}: answered once the pending export completed`);
    await mode(o, 'ok');
  }
  const s = await stats(o);
  assert.equal(s.spans, 2 * (2 + 1 + 4));
});

test('JSON with every AnyValue kind arrives as sent', async (t) => {
  const dir = tempDir();
  const out = join(dir, 'spans.jsonl');
  const o = await start(config({ exporter: `file: { path: "${out}" }` }));
  const port = httpPort(o);
  const kinds = [
    { key: 'str', value: { stringValue: 'héllo "wörld" \\ \n\t' } },
    { key: 'bool', value: { boolValue: true } },
    { key: 'int', value: { intValue: '-9223372036854775808' } },
    { key: 'big', value: { intValue: '9223372036854775807' } },
    { key: 'dbl', value: { doubleValue: 1.5e-300 } },
    { key: 'inf', value: { doubleValue: 'Infinity' } },
    { key: 'nan', value: { doubleValue: 'NaN' } },
    { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
    { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { arrayValue: {} }] } } },
    { key: 'kv', value: { kvlistValue: { values: [{ key: 'in', value: { boolValue: false } }, { key: 'deep', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 2 } }] } } }] } } },
    { key: 'empty', value: {} },
  ];
  const body = jsonRequest(kinds);
  const r = await h1(port, { headers: { 'content-type': 'application/json' }, body });
  assert.equal(r.status, 200, r.body.toString());
  await o.stop();
  const line = JSON.parse(readFileSync(out, 'utf8'));
  const span = line.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(span.traceId, TRACE);
  assert.deepEqual(span.attributes, kinds);
});

test('pipelined requests are answered in order', async (t) => {
  const o = await start(config({ sink: '    mode: pending\n    delay: 300ms' }));
  t.after(() => o.stop());
  const port = httpPort(o);
  const body = protoRequest(1);
  const slow = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`;
  const fast = 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n';
  const last = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`;
  const data = Buffer.concat([Buffer.from(slow, 'latin1'), body, Buffer.from(fast + last, 'latin1')]);
  const { text, closed } = await rawExchange(port, data, () => false);
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 404, 200], text);
  assert.ok(closed, 'Connection: close is honoured');
  assert.match(text, /Connection: close\r\n/);
});

test('a client that leaves while its export is pending does not disturb the receiver', async (t) => {
  const o = await start(config({ sink: '    mode: pending\n    delay: 300ms' }));
  t.after(() => o.stop());
  const port = httpPort(o);
  const body = protoRequest(2);
  const head = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`;
  const r = await rawExchange(port, Buffer.concat([Buffer.from(head), body]), () => false, { timeoutMs: 50 });
  assert.equal(r.text, '', 'gone before the answer');
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const req = session.request({ ':method': 'POST', ':path': '/v1/traces', 'content-type': 'application/x-protobuf' });
  req.on('error', () => {});
  req.end(protoRequest(3));
  await sleep(50);
  session.destroy();
  await sleep(500);
  // Both exports were accepted downstream; the receiver still serves.
  assert.equal((await stats(o)).spans, 5);
  const again = await h1(port, { headers: { 'content-type': 'application/x-protobuf' }, body: protoRequest(1) });
  assert.equal(again.status, 200);
});

test('slow clients: header, idle and body timeouts close the connection', async (t) => {
  const o = await start(config({ http: '        read_header_timeout: 400ms\n        idle_timeout: 400ms\n        read_timeout: 1s' }));
  t.after(() => o.stop());
  const port = httpPort(o);
  let began = Date.now();
  let r = await rawExchange(port, 'POST /v1/traces HTTP/1.1\r\nHost: x\r\n', () => false);
  assert.ok(r.closed && r.text === '', 'closed without an answer');
  assert.ok(Date.now() - began >= 350 && Date.now() - began < 3000, `after read_header_timeout (${Date.now() - began} ms)`);

  began = Date.now();
  r = await rawExchange(port, null, () => false);
  assert.ok(r.closed && Date.now() - began >= 350, 'a silent connection closes too');

  const req = `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
  began = Date.now();
  r = await rawExchange(port, req, () => false);
  assert.match(r.text, /^HTTP\/1\.1 200 /);
  assert.ok(r.closed && Date.now() - began >= 350, 'idle_timeout after an answer');

  began = Date.now();
  r = await rawExchange(port, 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{', () => false);
  assert.ok(r.closed && r.text === '');
  assert.ok(Date.now() - began >= 900, `a body that never completes meets read_timeout (${Date.now() - began} ms)`);
  // The server keeps serving.
  assert.equal((await h1(port, { headers: { 'content-type': 'application/json' }, body: '{}' })).status, 200);
});

test('h2c: a stream whose body does not arrive within read_timeout gets 408, the connection serves on', async (t) => {
  const o = await start(config({ http: '        read_timeout: 600ms' }));
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${httpPort(o)}`);
  t.after(() => session.close());
  const began = Date.now();
  const slow = session.request({ ':method': 'POST', ':path': '/v1/traces', 'content-type': 'application/json' });
  slow.write('{"resourceSpans":'); // and nothing more
  const answer = await new Promise((resolve, reject) => {
    const chunks = [];
    let head;
    slow.on('response', (h) => { head = h; });
    slow.on('data', (d) => chunks.push(d));
    slow.on('close', () => resolve({ status: head?.[':status'], body: Buffer.concat(chunks).toString() }));
    slow.on('error', reject);
  });
  const waited = Date.now() - began;
  assert.equal(answer.status, 408);
  assert.match(answer.body, /read_timeout/);
  assert.ok(waited >= 550 && waited < 5000, `answered after read_timeout (${waited} ms)`);
  // A stream that completes in time on the same connection is served.
  const ok = await h2req(session, { headers: { 'content-type': 'application/json' }, body: jsonRequest() });
  assert.equal(ok.status, 200);
  assert.ok(!session.closed && !session.destroyed);
  assert.equal((await stats(o)).spans, 1);
});

test('malformed HTTP gets 400 and a close; huge headers 431', async (t) => {
  const o = await start(config());
  t.after(() => o.stop());
  const port = httpPort(o);
  let r = await rawExchange(port, 'BLAH\r\n\r\n', () => false);
  assert.match(r.text, /^HTTP\/1\.1 400 /);
  assert.ok(r.closed);
  r = await rawExchange(port, `POST /v1/traces HTTP/1.1\r\nX-Big: ${'a'.repeat(70000)}\r\n\r\n`, () => false);
  assert.match(r.text, /^HTTP\/1\.1 431 /);
  assert.ok(r.closed);
});

test('only the protocols the config names run', async (t) => {
  let o = await start(config());
  assert.doesNotMatch(o.log, /listening on .*\(gRPC/);
  await o.stop();
  o = await start(config({ grpc: true }));
  assert.match(o.log, /listening on 127\.0\.0\.1:\d+ \(gRPC\)/);
  assert.match(o.log, /listening on 127\.0\.0\.1:\d+ \(HTTP\)/);
  await o.stop();
  const none = `receivers:\n  otlp:\n    protocols: {}\nexporters:\n  testsink:\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [testsink]\n`;
  let v = await run(['--config', writeConfig(none)]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /protocols must name grpc, http or both/);
  v = await run(['validate', '--config', writeConfig(none.replace('protocols: {}', 'protocols:\n      http:'))]);
  assert.equal(v.code, 0, v.stderr);
  v = await run(['validate', '--config', writeConfig(none.replace('protocols: {}', 'protocols:\n      http: { cors: { allowed_origins: ["*"] } }'))]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /collector key protocols\.http\.cors\.allowed_origins is not supported yet/);
});

test('TLS: HTTP/1.1 and h2 by ALPN', async (t) => {
  const dir = tempDir();
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const o = await start(config({ http: `        tls: { cert_file: "${cert}", key_file: "${key}" }` }));
  t.after(() => o.stop());
  const port = httpPort(o);
  const ca = readFileSync(cert);
  const r = await new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', ca, ALPNProtocols: ['http/1.1'],
      headers: { 'content-type': 'application/x-protobuf' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, alpn: res.socket.alpnProtocol }));
    });
    req.on('error', reject);
    req.end(protoRequest(2));
  });
  assert.deepEqual(r, { status: 200, alpn: 'http/1.1' });
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
  t.after(() => session.close());
  const r2 = await h2req(session, { headers: { 'content-type': 'application/x-protobuf' }, body: protoRequest(3) });
  assert.equal(r2.status, 200);
  assert.equal(session.alpnProtocol, 'h2');
  assert.equal((await stats(o)).spans, 5);
});

test('shutdown answers the request in flight, then closes', async (t) => {
  const o = await start(config({ sink: '    mode: pending\n    delay: 600ms' }));
  const port = httpPort(o);
  const inflight = h1(port, { headers: { 'content-type': 'application/json' }, body: jsonRequest() });
  await sleep(150);
  const stopping = o.stop('SIGTERM');
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.headers.connection, 'close');
  assert.equal((await stopping).code, 0);
});
