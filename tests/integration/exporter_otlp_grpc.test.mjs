// The otlp_grpc exporter in the real host: otelc -> otlp_grpc -> otelc
// (the second with its otlp receiver on gRPC and a file exporter) in every
// compression, spans compared whole; a @grpc/grpc-js server of the test's
// own answering UNAVAILABLE with RetryInfo, RESOURCE_EXHAUSTED,
// INVALID_ARGUMENT, partial success and slow answers; many calls on one
// connection; TLS with certificates made here and a wrong CA refused; the
// downstream restarted while batches flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import grpc from '@grpc/grpc-js';
import { start, get, request, tempDir, eventually, sleep, run, writeConfig } from './lib/harness.mjs';
import { spansFromProto, EXPORT } from './lib/otlp.mjs';

const COMPRESSIONS = ['gzip', 'zstd', 'none'];

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
function spanLines(...paths) {
  const out = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
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
  }
  return out.sort();
}

const listening = (o, id, proto) => {
  const m = o.log.match(new RegExp(`${id.replace('/', '\\/')}: listening on 127\\.0\\.0\\.1:(\\d+) \\(${proto}`));
  assert.ok(m, `no ${proto} port for ${id} in:\n${o.log}`);
  return Number(m[1]);
};

const admin = `
service:
  admin: { endpoint: "127.0.0.1:0" }
  shutdown_timeout: 2s
  telemetry: { metrics: { level: none } }`;

// The downstream otelc: one otlp receiver (gRPC) and file exporter per name.
async function downstream(names, { tls = '', port = 0, dir = tempDir(), file = 'spans' } = {}) {
  const recv = names.map((n) => `  otlp/${n}:\n    protocols:\n      grpc:\n        endpoint: "127.0.0.1:${port}"\n${tls}`).join('\n');
  const exp = names.map((n) => `  file/${n}: { path: "${join(dir, `${n}-${file}.jsonl`)}" }`).join('\n');
  const pipes = names.map((n) => `    traces/${n}: { receivers: [otlp/${n}], exporters: [file/${n}] }`).join('\n');
  const o = await start(`receivers:\n${recv}\nexporters:\n${exp}\n${admin}\n  pipelines:\n${pipes}\n`);
  const ports = Object.fromEntries(names.map((n) => [n, listening(o, `otlp/${n}`, 'gRPC')]));
  return { o, port: ports, dir, file: (n) => join(dir, `${n}-${file}.jsonl`) };
}

const fastRetry = 'retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }';

// The upstream otelc: its otlp receiver (HTTP) feeds the given exporters
// and a file exporter keeping what was sent (and any pipelines of more).
async function upstream(exporters, ids, more = '') {
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
${more}`);
  const port = listening(o, 'otlp', 'HTTP');
  const send = (body) => request(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { o, send, sent };
}

const metrics = async (o) => (await get(o.url('/metrics'))).text;
const metric = async (o, re) => {
  const m = (await metrics(o)).match(re);
  return m ? Number(m[1]) : NaN;
};

test('otelc -> otlp_grpc -> otelc: spans arrive whole in every compression', async (t) => {
  const down = await downstream(COMPRESSIONS);
  t.after(() => down.o.stop());
  const exporters = COMPRESSIONS.map((c) => `  otlp_grpc/${c}:
    endpoint: "127.0.0.1:${down.port[c]}"
    tls: { insecure: true }
    compression: ${c}
    ${fastRetry}`).join('\n');
  const alias = `  otlp:
    endpoint: "http://127.0.0.1:${down.port.gzip}"
    tls: { insecure: true }
    sending_queue: { enabled: false }`;
  // Without a queue the host calls consume (here in a pipeline of its own).
  const up = await upstream(`${exporters}\n${alias}`, COMPRESSIONS.map((c) => `otlp_grpc/${c}`).join(', '),
    '    traces/direct: { receivers: [otlp], exporters: [otlp] }\n');
  t.after(() => up.o.stop());
  for (let i = 0; i < 20; i++) assert.equal((await up.send(richRequest(i))).status, 200);
  const total = 60;
  const want = { gzip: 2 * total, zstd: total, none: total }; // gzip's receiver also has the alias's
  for (const c of COMPRESSIONS) {
    const ok = await eventually(() => spanLines(down.file(c)).length >= want[c]);
    assert.ok(ok, `${c}: ${spanLines(down.file(c)).length} of ${want[c]} spans\n${up.o.log}`);
  }
  assert.equal(await metric(up.o, /^otelc_otlp_grpc_connections_total\{exporter="otlp_grpc\/zstd"\} (\d+)$/m), 1);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
  assert.equal((await down.o.stop()).code, 0, down.o.log);
  const sent = spanLines(up.sent);
  assert.equal(sent.length, total);
  for (const c of ['zstd', 'none']) assert.deepEqual(spanLines(down.file(c)), sent, `${c} differs`);
  assert.deepEqual(spanLines(down.file('gzip')), [...sent, ...sent].sort(), 'gzip and the alias differ');
  assert.match(up.o.log, /"otlp" alias is deprecated; use "otlp_grpc" instead/);
  assert.match(up.o.log, /otlp_grpc\/zstd: exporting to 127\.0\.0\.1:\d+ \(cleartext, compression zstd\)/);
});

// google.rpc.Status { code, message, details: [Any(RetryInfo { retry_delay })] }.
const varint = (n) => {
  const out = [];
  do { out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n);
  return Buffer.from(out);
};
const pbLen = (no, b) => Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
const pbInt = (no, n) => Buffer.concat([varint(no << 3), varint(n)]);
function statusDetails(code, message, delaySeconds) {
  const retryInfo = pbLen(1, delaySeconds ? pbInt(1, delaySeconds) : Buffer.alloc(0));
  const any = Buffer.concat([pbLen(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), pbLen(2, retryInfo)]);
  return Buffer.concat([pbInt(1, code), pbLen(2, Buffer.from(message)), pbLen(3, any)]);
}

// A gRPC server of the test's own on grpc-js: answer(call, n) picks each
// reply ({ code, details, metadata } or { response }), possibly after
// delayMs; every call's spans, metadata and peer are kept.
async function fakeServer(answer, { delayMs = () => 0 } = {}) {
  const calls = [];
  let open = 0;
  const stats = { maxOpen: 0, peers: new Set() };
  const raw = (b) => b;
  const service = {
    Export: { path: EXPORT, requestStream: false, responseStream: false,
      requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
  };
  const server = new grpc.Server();
  server.addService(service, {
    Export: (call, cb) => {
      const c = { at: Date.now(), metadata: call.metadata.getMap(), spans: spansFromProto(call.request) };
      calls.push(c);
      stats.peers.add(call.getPeer());
      stats.maxOpen = Math.max(stats.maxOpen, ++open);
      const a = answer(c, calls.length);
      setTimeout(() => {
        open--;
        if (a.code) cb({ code: a.code, details: a.details, metadata: a.metadata });
        else cb(null, a.response || Buffer.alloc(0));
      }, delayMs(calls.length));
    },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { calls, stats, port, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

const withDetails = (bin) => {
  const md = new grpc.Metadata();
  md.set('grpc-status-details-bin', bin);
  return md;
};

test('UNAVAILABLE with RetryInfo is waited out and retried; nothing is lost', async (t) => {
  const srv = await fakeServer((c, n) => (n <= 2
    ? { code: grpc.status.UNAVAILABLE, details: 'busy', metadata: withDetails(statusDetails(14, 'busy', 1)) }
    : {}));
  t.after(() => srv.stop());
  const up = await upstream(`  otlp_grpc:
    endpoint: "127.0.0.1:${srv.port}"
    tls: { insecure: true }
    headers: { X-Tenant: acme, trace-bin: "\\u0001\\u0002" }
    sending_queue: { num_consumers: 1 }
    ${fastRetry}`, 'otlp_grpc');
  t.after(() => up.o.stop());
  assert.equal((await up.send(richRequest(1, 4))).status, 200);
  assert.ok(await eventually(() => srv.calls.length >= 3, { timeoutMs: 15000 }), up.o.log);
  const md = srv.calls[0].metadata;
  assert.equal(md['x-tenant'], 'acme');
  assert.deepEqual(md['trace-bin'], Buffer.from([1, 2]));
  assert.match(md['user-agent'], /^otelc\/\S+/);
  assert.ok(srv.calls[1].at - srv.calls[0].at >= 950, 'RetryInfo 1s was honoured');
  assert.ok(srv.calls[2].at - srv.calls[1].at >= 950, 'RetryInfo 1s was honoured');
  assert.deepEqual(srv.calls[2].spans.map((s) => s.spanId), srv.calls[0].spans.map((s) => s.spanId));
  assert.equal(srv.calls[2].spans.length, 4);
  assert.match(up.o.log, /rpc error: code = Unavailable desc = busy; will retry after the 1s the server asked for/);
  const m = await metrics(up.o);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="otlp_grpc"\} 4$/m);
  assert.match(m, /^otelc_otlp_grpc_requests_total\{exporter="otlp_grpc",outcome="retry"\} 2$/m);
  assert.match(m, /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_grpc"\} 0$/m);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

test('INVALID_ARGUMENT and RESOURCE_EXHAUSTED without RetryInfo reject; partial success is counted', async (t) => {
  const partial = pbLen(1, Buffer.concat([pbInt(1, 1), pbLen(2, Buffer.from('one dropped'))]));
  const srv = await fakeServer((c) => {
    if (c.spans.length === 2) return { code: grpc.status.INVALID_ARGUMENT, details: 'bad span' };
    if (c.spans.length === 1) return { code: grpc.status.RESOURCE_EXHAUSTED, details: 'full' };
    return { response: partial };
  });
  t.after(() => srv.stop());
  const up = await upstream(`  otlp_grpc:
    endpoint: "127.0.0.1:${srv.port}"
    tls: { insecure: true }
    compression: none
    ${fastRetry}`, 'otlp_grpc');
  t.after(() => up.o.stop());
  assert.equal((await up.send(richRequest(1, 2))).status, 200);
  assert.equal((await up.send(richRequest(2, 1))).status, 200);
  const failed = /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_grpc"\} 3$/m;
  assert.ok(await eventually(async () => failed.test(await metrics(up.o))), up.o.log);
  await sleep(300);
  assert.equal(srv.calls.length, 2, 'not retried');
  assert.match(up.o.log, /refused 2 spans for good: rpc error: code = InvalidArgument desc = bad span/);
  assert.match(up.o.log, /refused 1 spans for good: rpc error: code = ResourceExhausted desc = full/);
  assert.equal((await up.send(richRequest(3, 3))).status, 200);
  const counted = /^otelc_otlp_grpc_partial_rejected_spans_total\{exporter="otlp_grpc"\} 1$/m;
  assert.ok(await eventually(async () => counted.test(await metrics(up.o))), await metrics(up.o));
  assert.match(up.o.log, /Partial success response: message "one dropped", dropped_spans 1/);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

test('many batches at once share one connection; a slow answer past timeout is cancelled and retried', async (t) => {
  const srv = await fakeServer(() => ({}), { delayMs: (n) => (n === 1 ? 3000 : 300) });
  t.after(() => srv.stop());
  const up = await upstream(`  otlp_grpc:
    endpoint: "127.0.0.1:${srv.port}"
    tls: { insecure: true }
    timeout: 1s
    sending_queue: { num_consumers: 16 }
    ${fastRetry}`, 'otlp_grpc');
  t.after(() => up.o.stop());
  await Promise.all(Array.from({ length: 40 }, (_, i) => up.send(richRequest(i, 2))));
  const sent = /^otelcol_exporter_sent_spans_total\{exporter="otlp_grpc"\} 80$/m;
  assert.ok(await eventually(async () => sent.test(await metrics(up.o)), { timeoutMs: 20000 }), up.o.log);
  assert.equal(srv.stats.peers.size, 1, `connections: ${[...srv.stats.peers]}`);
  assert.ok(srv.stats.maxOpen >= 8, `at most ${srv.stats.maxOpen} calls at once`);
  assert.match(up.o.log, /rpc error: code = DeadlineExceeded desc = context deadline exceeded; will retry/);
  assert.equal(await metric(up.o, /^otelc_otlp_grpc_connections_total\{exporter="otlp_grpc"\} (\d+)$/m), 1);
  const ids = new Set(srv.calls.flatMap((c) => c.spans.map((s) => s.spanId)));
  assert.equal(ids.size, 80);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

function selfSigned(dir, name, san) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key, cert };
}

test('TLS: the exporter trusts ca_file, honours server_name_override, pauses on a wrong CA', async (t) => {
  const dir = tempDir();
  const good = selfSigned(dir, 'good', 'IP:127.0.0.1');
  const named = selfSigned(dir, 'named', 'DNS:otelc.test');
  const other = selfSigned(dir, 'other', 'IP:127.0.0.1');
  const tls = (c) => `        tls: { cert_file: "${c.cert}", key_file: "${c.key}" }`;
  const downGood = await downstream(['tls'], { tls: tls(good) });
  t.after(() => downGood.o.stop());
  const downNamed = await downstream(['named'], { tls: tls(named) });
  t.after(() => downNamed.o.stop());
  const up = await upstream(`  otlp_grpc/good:
    endpoint: "127.0.0.1:${downGood.port.tls}"
    tls: { ca_file: "${good.cert}", min_version: "1.2" }
    ${fastRetry}
  otlp_grpc/named:
    endpoint: "https://127.0.0.1:${downNamed.port.named}"
    tls: { ca_pem: ${JSON.stringify(readFileSync(named.cert, 'utf8'))}, server_name_override: otelc.test }
    ${fastRetry}
  otlp_grpc/wrong:
    endpoint: "127.0.0.1:${downGood.port.tls}"
    tls: { ca_file: "${other.cert}" }
    ${fastRetry}`, 'otlp_grpc/good, otlp_grpc/named, otlp_grpc/wrong');
  t.after(() => up.o.stop());
  for (let i = 0; i < 3; i++) assert.equal((await up.send(richRequest(i, 2))).status, 200);
  assert.ok(await eventually(() => spanLines(downGood.file('tls')).length >= 6), up.o.log);
  assert.ok(await eventually(() => spanLines(downNamed.file('named')).length >= 6), up.o.log);
  const paused = await eventually(() => /otlp_grpc\/wrong.*certificate.*pausing the exporter/.test(up.o.log));
  assert.ok(paused, up.o.log);
  await sleep(300);
  assert.equal(spanLines(downGood.file('tls')).length, 6, 'the wrong CA delivered nothing');
  const m = await metrics(up.o);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="otlp_grpc\/wrong"\} 0$/m);
  assert.match(m, /^otelc_otlp_grpc_requests_total\{exporter="otlp_grpc\/wrong",outcome="pause"\} [1-9]/m);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
  assert.deepEqual(spanLines(downGood.file('tls')), spanLines(up.sent));
  assert.deepEqual(spanLines(downNamed.file('named')), spanLines(up.sent));
});

test('the downstream restarted while batches flow: reconnected, nothing lost', async (t) => {
  const first = await downstream(['d']);
  const port = first.port.d;
  const up = await upstream(`  otlp_grpc:
    endpoint: "127.0.0.1:${port}"
    tls: { insecure: true }
    sending_queue: { num_consumers: 4 }
    ${fastRetry}`, 'otlp_grpc');
  t.after(() => up.o.stop());
  let second;
  t.after(() => second?.o.stop());
  const sending = (async () => {
    for (let i = 0; i < 60; i++) {
      assert.equal((await up.send(richRequest(i, 2))).status, 200);
      await sleep(25);
    }
  })();
  await sleep(500);
  assert.equal((await first.o.stop()).code, 0, first.o.log);
  await sleep(400);
  second = await downstream(['d'], { port, dir: first.dir, file: 'again' });
  await sending;
  const sentIds = () => new Set(spanLines(first.file('d'), second.file('d')));
  assert.ok(await eventually(() => sentIds().size >= 120, { timeoutMs: 20000 }), `${sentIds().size} of 120\n${up.o.log}`);
  assert.ok(await metric(up.o, /^otelc_otlp_grpc_connections_total\{exporter="otlp_grpc"\} (\d+)$/m) >= 2);
  assert.equal((await up.o.stop()).code, 0, up.o.log);
  assert.equal((await second.o.stop()).code, 0, second.o.log);
  assert.deepEqual([...sentIds()].sort(), [...new Set(spanLines(up.sent))].sort());
  assert.ok(spanLines(first.file('d')).length > 0, 'the first downstream got some');
  assert.ok(spanLines(second.file('d')).length > 0, 'the second downstream got the rest');
  assert.match(up.o.log, /rpc error: code = Unavailable/);
});

test('bad settings name their key', async () => {
  const cfg = (exp) => writeConfig(`receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  otlp_grpc:
${exp}
${admin}
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_grpc] }
`);
  const cases = [
    ['    endpoint: x:4317\n    compression: br', /config\.yaml:6:18: key .exporters\.otlp_grpc\.compression.: compression: unsupported compression type "br"/],
    ['    endpoint: x:4317\n    compression: snappy', /compression: snappy is not supported yet/],
    ['    tls: { insecure: true }', /requires a non-empty "endpoint"/],
    ['    endpoint: localhost', /address localhost: missing port in address/],
    ['    endpoint: "x:http"', /invalid port "http"/],
    ['    endpoint: unix:///tmp/s', /unix sockets are not supported yet/],
    ['    endpoint: x:4317\n    balancer_name: grpclb', /invalid balancer_name: grpclb/],
    ['    endpoint: x:4317\n    auth: { authenticator: bearertokenauth }', /key .exporters\.otlp_grpc\.auth\.authenticator.: failed to resolve authenticator "bearertokenauth"/],
    ['    endpoint: x:4317\n    headers: { "bad name": v }', /not a valid gRPC metadata name/],
    ['    endpoint: x:4317\n    tls: { cert_file: /c.pem }', /must include both certificate and key/],
    ['    endpoint: x:4317\n    tls: { min_version: "1.5" }', /key .exporters\.otlp_grpc\.tls\.min_version.: tls\.min_version: invalid TLS min_version/],
  ];
  for (const [exp, want] of cases) {
    const r = await run(['validate', '--config', cfg(exp)]);
    assert.equal(r.code, 1, `${exp}\n${r.stderr}`);
    assert.match(r.stderr, want);
  }
  const ok = await run(['validate', '--config', cfg(`    endpoint: dns:///collector:4317
    headers: [{ name: X-A, value: b }]
    compression: zstd
    balancer_name: pick_first
    authority: collector.internal
    user_agent: test/1
    read_buffer_size: 65536
    write_buffer_size: 524288
    wait_for_ready: true
    keepalive: { time: 30s, timeout: 5s, permit_without_stream: true }
    timeout: 5s
    sending_queue: { enabled: true, num_consumers: 2 }
    retry_on_failure: { enabled: true }
    tls: { insecure: false, insecure_skip_verify: false, server_name_override: c }`)]);
  assert.equal(ok.code, 0, ok.stderr);
});
