// The otlp_http exporter in the real host: otelc -> otlp_http -> otelc
// (the second with its otlp receiver and a file exporter) in every
// encoding and compression, spans compared whole; a server of the test's
// own answering 503 with Retry-After, 400 and partial success; TLS with a
// certificate made here, and a wrong CA refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { start, get, request, tempDir, eventually, sleep, run, writeConfig } from './lib/harness.mjs';
import { spansFromProto } from './lib/otlp.mjs';

const COMBOS = [
  ['proto', 'gzip'], ['proto', 'zstd'], ['proto', 'none'],
  ['json', 'gzip'], ['json', 'zstd'], ['json', 'none'],
];
const comboId = ([enc, comp]) => `${enc}_${comp}`;

// A request with every kind of field OTLP has, ids unique per (i, j).
function richRequest(i, nspans = 3) {
  const hex = (v, bytes) => v.toString(16).padStart(bytes * 2, '0');
  const attr = (key, value) => ({ key, value });
  const spans = [];
  for (let j = 0; j < nspans; j++) {
    const t0 = 1700000000000000000n + BigInt(i * 1000 + j);
    spans.push({
      traceId: hex(0xabc0000 + i, 16), spanId: hex(((i + 1) << 8) + j + 1, 8),
      parentSpanId: j ? hex(((i + 1) << 8) + 1, 8) : '', traceState: 'k=v',
      name: `op-${i}-${j}`, kind: 2, flags: 1,
      startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + 1500n),
      attributes: [attr('http.route', { stringValue: '/x/ü' }), attr('n', { intValue: String(i * j) }),
        attr('ok', { boolValue: j % 2 === 0 }), attr('ratio', { doubleValue: 0.25 }),
        attr('list', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }] } }),
        attr('map', { kvlistValue: { values: [attr('inner', { stringValue: 'v' })] } }),
        attr('raw', { bytesValue: Buffer.from([1, 2, 3]).toString('base64') })],
      droppedAttributesCount: 1,
      events: [{ timeUnixNano: String(t0 + 10n), name: 'ev', attributes: [attr('e', { intValue: '1' })], droppedAttributesCount: 2 }],
      links: [{ traceId: hex(0xdef, 16), spanId: hex(0x42, 8), traceState: 'l=1', attributes: [attr('l', { stringValue: 'x' })], flags: 1 }],
      status: { code: 2, message: 'bad' },
    });
  }
  return {
    resourceSpans: [{
      resource: { attributes: [attr('service.name', { stringValue: `svc-${i % 3}` })], droppedAttributesCount: 0 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
      scopeSpans: [{ scope: { name: 'lib', version: '1.2.3', attributes: [attr('s', { stringValue: 'y' })] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.21.0', spans }],
    }],
  };
}

// One line per span with its resource and scope, from file exporter
// OTLP/JSON lines: a whole-span view that ignores how batches were cut.
function spanLines(path) {
  if (!existsSync(path)) return [];
  const out = [];
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans || []) {
      for (const ss of rs.scopeSpans || []) {
        for (const span of ss.spans || []) {
          out.push(JSON.stringify({ resource: rs.resource, rsSchema: rs.schemaUrl, scope: ss.scope,
            ssSchema: ss.schemaUrl, span }));
        }
      }
    }
  }
  return out.sort();
}

const listening = (o, id) => {
  const m = o.log.match(new RegExp(`${id.replace('/', '\\/')}: listening on 127\\.0\\.0\\.1:(\\d+) \\(HTTP`));
  assert.ok(m, `no HTTP port for ${id} in:\n${o.log}`);
  return Number(m[1]);
};

const admin = `
service:
  admin: { endpoint: "127.0.0.1:0" }
  shutdown_timeout: 2s
  telemetry: { metrics: { level: none } }`;

// The downstream otelc: one otlp receiver and file exporter per name.
async function downstream(names, { tls = '' } = {}) {
  const dir = tempDir();
  const recv = names.map((n) => `  otlp/${n}:\n    protocols:\n      http:\n        endpoint: "127.0.0.1:0"\n${tls}`).join('\n');
  const exp = names.map((n) => `  file/${n}: { path: "${join(dir, `${n}.jsonl`)}" }`).join('\n');
  const pipes = names.map((n) => `    traces/${n}: { receivers: [otlp/${n}], exporters: [file/${n}] }`).join('\n');
  const o = await start(`receivers:\n${recv}\nexporters:\n${exp}\n${admin}\n  pipelines:\n${pipes}\n`);
  const port = Object.fromEntries(names.map((n) => [n, listening(o, `otlp/${n}`)]));
  return { o, port, file: (n) => join(dir, `${n}.jsonl`) };
}

const fastRetry = 'retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }';

// The upstream otelc: its otlp receiver feeds the given exporters and a
// file exporter keeping what was sent.
async function upstream(exporters, ids) {
  const dir = tempDir();
  const sent = join(dir, 'sent.jsonl');
  const o = await start(`receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
${exporters}
  file/sent: { path: "${sent}" }
${admin}
  pipelines:
    traces: { receivers: [otlp], exporters: [${ids}, file/sent] }
`);
  const port = listening(o, 'otlp');
  const send = (body) => request(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { o, send, sent };
}

test('otelc -> otlp_http -> otelc: spans arrive whole in every encoding and compression', async (t) => {
  const names = COMBOS.map(comboId);
  const down = await downstream(names);
  t.after(() => down.o.stop());
  const exporters = COMBOS.map((c) => `  otlp_http/${comboId(c)}:
    endpoint: "http://127.0.0.1:${down.port[comboId(c)]}"
    encoding: ${c[0]}
    compression: ${c[1]}
    ${fastRetry}`).join('\n');
  const up = await upstream(exporters, names.map((n) => `otlp_http/${n}`).join(', '));
  t.after(() => up.o.stop());
  for (let i = 0; i < 20; i++) assert.equal((await up.send(richRequest(i))).status, 200);
  const total = 60;
  for (const n of names) {
    const ok = await eventually(() => spanLines(down.file(n)).length >= total);
    assert.ok(ok, `${n}: ${spanLines(down.file(n)).length} of ${total} spans\n${up.o.log}`);
  }
  assert.equal((await up.o.stop()).code, 0, up.o.log);
  assert.equal((await down.o.stop()).code, 0, down.o.log);
  const sent = spanLines(up.sent);
  assert.equal(sent.length, total);
  for (const n of names) assert.deepEqual(spanLines(down.file(n)), sent, `${n} differs`);
  assert.match(up.o.log, /exporting traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(json, compression zstd\)/);
});

// A server of the test's own: answer(req, body, n) picks each reply;
// every request's spans are decoded and kept.
async function fakeServer(answer) {
  const reqs = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const r = { at: Date.now(), headers: req.headers, url: req.url, spans: spansFromProto(body) };
      reqs.push(r);
      const a = answer(r, reqs.length);
      res.writeHead(a.status, { 'content-type': 'application/x-protobuf', ...(a.headers || {}) });
      res.end(a.body || Buffer.alloc(0));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { reqs, port: server.address().port, stop: () => new Promise((r) => server.close(r)) };
}

const metrics = async (o) => (await get(o.url('/metrics'))).text;
const pb = (field, payload) => Buffer.concat([Buffer.from([(field << 3) | 2, payload.length]), payload]);

test('503 with Retry-After is waited out and retried; nothing is lost', async (t) => {
  const srv = await fakeServer((r, n) => (n <= 2
    ? { status: 503, headers: { 'retry-after': '1' }, body: Buffer.concat([Buffer.from([8, 14]), pb(2, Buffer.from('busy'))]) }
    : { status: 200 }));
  t.after(() => srv.stop());
  const up = await upstream(`  otlphttp:
    endpoint: "http://127.0.0.1:${srv.port}/"
    headers: { X-Tenant: acme }
    sending_queue: { num_consumers: 1 }
    ${fastRetry}`, 'otlphttp');
  t.after(() => up.o.stop());
  assert.equal((await up.send(richRequest(1, 4))).status, 200);
  assert.ok(await eventually(() => srv.reqs.length >= 3, { timeoutMs: 15000 }), up.o.log);
  assert.equal(srv.reqs[0].url, '/v1/traces');
  assert.equal(srv.reqs[0].headers['x-tenant'], 'acme');
  assert.equal(srv.reqs[0].headers['content-type'], 'application/x-protobuf');
  assert.ok(srv.reqs[1].at - srv.reqs[0].at >= 950, 'Retry-After: 1 was honoured');
  assert.ok(srv.reqs[2].at - srv.reqs[1].at >= 950, 'Retry-After: 1 was honoured');
  assert.deepEqual(srv.reqs[2].spans.map((s) => s.spanId), srv.reqs[0].spans.map((s) => s.spanId));
  assert.equal(srv.reqs[2].spans.length, 4);
  assert.match(up.o.log, /"otlphttp" alias is deprecated; use "otlp_http" instead/);
  assert.match(up.o.log, /HTTP 503, Message=busy; will retry after the 1s the server asked for/);
  const m = await metrics(up.o);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="otlphttp"\} 4$/m);
  assert.match(m, /^otelc_otlp_http_requests_total\{exporter="otlphttp",outcome="retry"\} 2$/m);
  assert.match(m, /^otelcol_exporter_send_failed_spans_total\{exporter="otlphttp"\} 0$/m);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

test('an attempt waiting out Retry-After does not hold up shutdown', async (t) => {
  const srv = await fakeServer(() => ({ status: 429, headers: { 'retry-after': '100' } }));
  t.after(() => srv.stop());
  const up = await upstream(`  otlp_http:
    endpoint: "http://127.0.0.1:${srv.port}"
    ${fastRetry}`, 'otlp_http');
  t.after(() => up.o.stop());
  assert.equal((await up.send(richRequest(1, 2))).status, 200);
  assert.ok(await eventually(() => /will retry after the 100s the server asked for/.test(up.o.log)), up.o.log);
  const began = Date.now();
  await up.o.stop();
  assert.ok(Date.now() - began < 20000, `shutdown waited for the Retry-After:\n${up.o.log}`);
  assert.equal(srv.reqs.length, 1);
});

test('400 rejects the batch for good and counts it failed; partial success is counted', async (t) => {
  const srv = await fakeServer((r) => (r.spans.length === 2
    ? { status: 400, body: Buffer.concat([Buffer.from([8, 3]), pb(2, Buffer.from('bad span'))]) }
    : { status: 200, body: pb(1, Buffer.concat([Buffer.from([8, 1]), pb(2, Buffer.from('one dropped'))])) }));
  t.after(() => srv.stop());
  const up = await upstream(`  otlp_http:
    endpoint: "http://127.0.0.1:${srv.port}"
    compression: none
    ${fastRetry}`, 'otlp_http');
  t.after(() => up.o.stop());
  assert.equal((await up.send(richRequest(1, 2))).status, 200);
  const failed = await eventually(async () => /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_http"\} 2$/m
    .test(await metrics(up.o)));
  assert.ok(failed, up.o.log);
  await sleep(300);
  assert.equal(srv.reqs.length, 1, 'not retried');
  assert.match(up.o.log, /refused 2 spans for good: HTTP 400, Message=bad span/);
  assert.equal((await up.send(richRequest(2, 3))).status, 200);
  const counted = await eventually(async () => /^otelc_otlp_http_partial_rejected_spans_total\{exporter="otlp_http"\} 1$/m
    .test(await metrics(up.o)));
  assert.ok(counted, await metrics(up.o));
  assert.match(up.o.log, /Partial success response: message "one dropped", dropped_spans 1/);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

function selfSigned(dir, name, san) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key, cert };
}

test('TLS: the exporter trusts ca_file, honours server_name_override, refuses a wrong CA', async (t) => {
  const dir = tempDir();
  const good = selfSigned(dir, 'good', 'IP:127.0.0.1');
  const named = selfSigned(dir, 'named', 'DNS:otelc.test');
  const other = selfSigned(dir, 'other', 'IP:127.0.0.1');
  const tls = (c) => `        tls: { cert_file: "${c.cert}", key_file: "${c.key}" }`;
  const downGood = await downstream(['tls'], { tls: tls(good) });
  t.after(() => downGood.o.stop());
  const downNamed = await downstream(['named'], { tls: tls(named) });
  t.after(() => downNamed.o.stop());
  const up = await upstream(`  otlp_http/good:
    endpoint: "https://127.0.0.1:${downGood.port.tls}"
    tls: { ca_file: "${good.cert}", min_version: "1.2" }
    ${fastRetry}
  otlp_http/named:
    endpoint: "https://127.0.0.1:${downNamed.port.named}"
    tls: { ca_file: "${named.cert}", server_name_override: otelc.test }
    ${fastRetry}
  otlp_http/wrong:
    endpoint: "https://127.0.0.1:${downGood.port.tls}"
    tls: { ca_file: "${other.cert}" }
    ${fastRetry}`, 'otlp_http/good, otlp_http/named, otlp_http/wrong');
  t.after(() => up.o.stop());
  for (let i = 0; i < 3; i++) assert.equal((await up.send(richRequest(i, 2))).status, 200);
  assert.ok(await eventually(() => spanLines(downGood.file('tls')).length >= 6), up.o.log);
  assert.ok(await eventually(() => spanLines(downNamed.file('named')).length >= 6), up.o.log);
  const paused = await eventually(() => /otlp_http\/wrong.*(certificate|SSL).*pausing the exporter/.test(up.o.log));
  assert.ok(paused, up.o.log);
  await sleep(300);
  assert.equal(spanLines(downGood.file('tls')).length, 6, 'the wrong CA delivered nothing');
  const m = await metrics(up.o);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="otlp_http\/wrong"\} 0$/m);
  assert.match(m, /^otelc_otlp_http_requests_total\{exporter="otlp_http\/wrong",outcome="pause"\} [1-9]/m);
  await up.o.stop();
  assert.deepEqual(spanLines(downGood.file('tls')), spanLines(up.sent));
  assert.deepEqual(spanLines(downNamed.file('named')), spanLines(up.sent));
});

test('bad settings name their key', async () => {
  const cfg = (exp) => writeConfig(`receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  otlp_http:
${exp}
${admin}
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_http] }
`);
  const cases = [
    ['    endpoint: http://x\n    compression: br', /config\.yaml:6:18: key .exporters\.otlp_http\.compression.: compression: unsupported compression type "br"/],
    ['    endpoint: http://x\n    compression: snappy', /compression: snappy is not supported yet/],
    ['    endpoint: http://x\n    encoding: xml', /invalid encoding type: xml/],
    ['    tls: { insecure: true }', /at least one endpoint must be specified/],
    ['    endpoint: localhost:4318', /endpoint: "localhost:4318" is not an http:\/\/ or https:\/\/ URL/],
    ['    endpoint: http://x\n    auth: { authenticator: basicauth }', /config\.yaml:6:28: key .exporters\.otlp_http\.auth\.authenticator.: failed to resolve authenticator "basicauth"/],
    ['    endpoint: http://x\n    headers: { "bad name": v }', /not a valid header name/],
    ['    endpoint: http://x\n    tls: { cert_file: /c.pem }', /must include both certificate and key/],
    ['    endpoint: http://x\n    tls: { min_version: "1.5" }', /key .exporters\.otlp_http\.tls\.min_version.: tls\.min_version: invalid TLS min_version/],
  ];
  for (const [exp, want] of cases) {
    const r = await run(['validate', '--config', cfg(exp)]);
    assert.equal(r.code, 1, `${exp}\n${r.stderr}`);
    assert.match(r.stderr, want);
  }
  const ok = await run(['validate', '--config', cfg(`    endpoint: https://collector:4318
    traces_endpoint: https://other/v1/t
    headers: [{ name: X-A, value: b }]
    read_buffer_size: 123
    write_buffer_size: 524288
    max_idle_conns: 10
    max_idle_conns_per_host: 5
    idle_conn_timeout: 10s
    timeout: 5s
    sending_queue: { enabled: true, num_consumers: 2 }
    retry_on_failure: { enabled: true }
    tls: { insecure: false, insecure_skip_verify: false }`)]);
  assert.equal(ok.code, 0, ok.stderr);
});
