// Authenticators in the real host: the OpenTelemetry JS SDK's OTLP/HTTP
// and gRPC exporters against an otlp receiver with bearertokenauth (right
// token in, wrong or missing refused with 401 / UNAUTHENTICATED and
// counted); otelc -> otlp_http -> otelc and otelc -> otlp_grpc -> otelc
// chains with bearertokenauth and basicauth on both sides, the gRPC one
// also over mutual TLS and through load_balancing; headers_setter forwarding a header the first
// receiver kept as metadata; and the config errors of an authenticator
// id that leads nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { start, get, request, tempDir, eventually, run, sleep, writeConfig } from './lib/harness.mjs';

// A bcrypt (cost 4) entry for alice / wonderland, computed once.
const HTPASSWD = 'alice:$2y$04$t8rjHxEIEgVuhFwIp4G3punnd0dNfnFj/HUMMSnSu4FzxxneSg2BK';

const base = `
  admin: { endpoint: "127.0.0.1:0" }
  shutdown_timeout: 2s
  telemetry: { metrics: { level: none } }`;

const port = (o, id, proto) => {
  const m = o.log.match(new RegExp(`${id.replace('/', '\\/')}: listening on 127\\.0\\.0\\.1:(\\d+) \\(${proto}`));
  assert.ok(m, `no ${proto} port for ${id} in:\n${o.log}`);
  return Number(m[1]);
};

const spansIn = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean)
  .flatMap((l) => JSON.parse(l).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) : []);

const metric = async (o, re) => {
  const m = (await get(o.url('/metrics'))).text.match(re);
  return m ? Number(m[1]) : 0;
};

// An otelc whose otlp receiver checks bearer tokens on both protocols and
// writes what it takes to a file; grpcTls: its gRPC side's tls settings.
async function guarded(auth = 'bearertokenauth', ext = 'bearertokenauth: { token: "s3cret" }', grpcTls = '') {
  const dir = tempDir();
  const file = join(dir, 'out.jsonl');
  const o = await start(`
extensions:
  ${ext}
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0", auth: { authenticator: ${auth} }${grpcTls ? `, tls: ${grpcTls}` : ''} }
      http: { endpoint: "127.0.0.1:0", auth: { authenticator: ${auth} } }
exporters:
  file: { path: "${file}" }
service:${base}
  extensions: [${auth}]
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
`);
  return { o, file, grpc: port(o, 'otlp', 'gRPC'), http: port(o, 'otlp', 'HTTP') };
}

// One span through an SDK exporter; the export's result.
async function exportOne(exporter, name) {
  let result;
  const orig = exporter.export.bind(exporter);
  exporter.export = (spans, cb) => orig(spans, (r) => { result = r; cb(r); });
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.getTracer('auth-test').startSpan(name).end();
  await provider.forceFlush();
  await provider.shutdown();
  return result;
}

const grpcMeta = (value) => {
  const m = new Metadata();
  if (value) m.set('authorization', value);
  return m;
};

test('the JS SDK over OTLP/HTTP and gRPC: the right token in, wrong and missing ones refused and counted', async (t) => {
  const s = await guarded();
  t.after(() => s.o.stop());
  const http = (headers) => new HttpExporter({ url: `http://127.0.0.1:${s.http}/v1/traces`, headers });
  const grpc = (value) => new GrpcExporter({ url: `http://127.0.0.1:${s.grpc}`, metadata: grpcMeta(value) });

  assert.equal((await exportOne(http({ Authorization: 'Bearer s3cret' }), 'http-ok')).code, 0);
  assert.equal((await exportOne(grpc('Bearer s3cret'), 'grpc-ok')).code, 0);
  for (const [exp, name] of [[http({ Authorization: 'Bearer wrong' }), 'http-wrong'], [http({}), 'http-none']]) {
    const r = await exportOne(exp, name);
    assert.equal(r.code, 1, name);
    assert.match(String(r.error), /401|Unauthorized/, `${name}: ${r.error}`);
  }
  for (const [exp, name] of [[grpc('Bearer wrong'), 'grpc-wrong'], [grpc(''), 'grpc-none']]) {
    const r = await exportOne(exp, name);
    assert.equal(r.code, 1, name);
    assert.equal(r.error.code, 16, `${name}: ${r.error}`); // UNAUTHENTICATED
  }
  assert.ok(await eventually(() => spansIn(s.file).length >= 2));
  assert.deepEqual(spansIn(s.file).map((x) => x.name).sort(), ['grpc-ok', 'http-ok']);

  // The answers themselves: 401 with a google.rpc.Status in the request's encoding.
  const body = JSON.stringify({ resourceSpans: [] });
  const r = await request(`http://127.0.0.1:${s.http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, { code: 16, message: 'missing or empty authorization header: Authorization' });

  assert.equal(await metric(s.o, /^otelc_receiver_unauthenticated_requests_total\{receiver="otlp",transport="http"\} (\d+)$/m), 3);
  assert.equal(await metric(s.o, /^otelc_receiver_unauthenticated_requests_total\{receiver="otlp",transport="grpc"\} (\d+)$/m), 2);
  assert.match(s.o.log, /otlp: (http|grpc): refused 1 request\(s\) without valid credentials in the last 10s/);
  assert.doesNotMatch(s.o.log, /s3cret|Bearer wrong/, 'no token in the log');
  assert.equal((await s.o.stop()).code, 0, s.o.log);
});

// An upstream otelc taking JSON over HTTP (with include_metadata) and
// exporting through otlp_http (or the exporter given) with the given auth
// (none without an id) and further exporter keys.
async function upstream(endpoint, authId, ext, { exporter = 'otlp_http', keys = '' } = {}) {
  const o = await start(`${authId ? `
extensions:
  ${ext}` : ''}
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0", include_metadata: true }
exporters:
  ${exporter}:
    endpoint: "${endpoint}"
    ${authId ? `auth: { authenticator: ${authId} }` : ''}
    ${keys}
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }
service:${base}
  extensions: [${authId || ''}]
  pipelines:
    traces: { receivers: [otlp], exporters: [${exporter}] }
`);
  const p = port(o, 'otlp', 'HTTP');
  const send = (name, headers = {}) => request(`http://127.0.0.1:${p}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: '0102030405060708090a0b0c0d0e0f10', spanId: `01020304050607${String(name.length).padStart(2, '0')}`, name,
    }] }] }] }),
  });
  return { o, send };
}

test('otelc -> otlp_http with bearertokenauth -> otelc with bearertokenauth', async (t) => {
  const down = await guarded();
  t.after(() => down.o.stop());
  const url = `http://127.0.0.1:${down.http}`;
  const good = await upstream(url, 'bearertokenauth/out', 'bearertokenauth/out: { token: "s3cret" }');
  t.after(() => good.o.stop());
  assert.equal((await good.send('chained')).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 1), `${good.o.log}\n${down.o.log}`);
  assert.equal(spansIn(down.file)[0].name, 'chained');

  const bad = await upstream(url, 'bearertokenauth/out', 'bearertokenauth/out: { token: "guess" }');
  t.after(() => bad.o.stop());
  assert.equal((await bad.send('refused')).status, 200); // the upstream took it
  const failed = await eventually(() => metric(bad.o, /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_http"\} (\d+)$/m));
  assert.equal(failed, 1, bad.o.log); // 401 is permanent, as in the collector
  assert.match(bad.o.log, /HTTP 401/);
  assert.equal(await metric(down.o, /^otelc_receiver_unauthenticated_requests_total\{receiver="otlp",transport="http"\} (\d+)$/m), 1);
  assert.equal(spansIn(down.file).length, 1);
  for (const o of [good.o, bad.o, down.o]) assert.equal((await o.stop()).code, 0, o.log);
});

const basicServer = `basicauth/in:
    htpasswd:
      inline: |
        ${HTPASSWD}`;
const basicClient = 'basicauth/out: { client_auth: { username: alice, password: wonderland } }';

test('otelc -> otlp_http with basicauth -> otelc with basicauth (bcrypt htpasswd)', async (t) => {
  const down = await guarded('basicauth/in', basicServer);
  t.after(() => down.o.stop());
  const url = `http://127.0.0.1:${down.http}`;
  const up = await upstream(url, 'basicauth/out', basicClient);
  t.after(() => up.o.stop());
  for (let i = 0; i < 3; i++) assert.equal((await up.send(`basic-${i}`)).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 3), `${up.o.log}\n${down.o.log}`);

  const wrong = await up.o.stop();
  assert.equal(wrong.code, 0);
  const r = await request(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('alice:rabbit').toString('base64')}` },
    body: '{}',
  });
  assert.equal(r.status, 401);
  assert.equal(r.json.message, 'invalid credentials');
  assert.equal((await down.o.stop()).code, 0, down.o.log);
});

const overGrpc = (keys = 'tls: { insecure: true }') => ({ exporter: 'otlp_grpc', keys });

test('otelc -> otlp_grpc with bearertokenauth -> otelc with bearertokenauth on gRPC', async (t) => {
  const down = await guarded();
  t.after(() => down.o.stop());
  const target = `127.0.0.1:${down.grpc}`;
  const good = await upstream(target, 'bearertokenauth/out', 'bearertokenauth/out: { token: "s3cret" }', overGrpc());
  t.after(() => good.o.stop());
  assert.equal((await good.send('chained-grpc')).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 1), `${good.o.log}\n${down.o.log}`);
  assert.equal(spansIn(down.file)[0].name, 'chained-grpc');

  const bad = await upstream(target, 'bearertokenauth/out', 'bearertokenauth/out: { token: "guess" }', overGrpc());
  t.after(() => bad.o.stop());
  assert.equal((await bad.send('refused')).status, 200); // the upstream took it
  const failed = await eventually(() => metric(bad.o, /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_grpc"\} (\d+)$/m));
  assert.equal(failed, 1, bad.o.log); // UNAUTHENTICATED is permanent, as in the collector
  assert.match(bad.o.log, /rpc error: code = Unauthenticated/);
  assert.equal(await metric(down.o, /^otelc_receiver_unauthenticated_requests_total\{receiver="otlp",transport="grpc"\} (\d+)$/m), 1);
  assert.equal(spansIn(down.file).length, 1);
  assert.doesNotMatch(good.o.log + bad.o.log + down.o.log, /s3cret|Bearer guess/, 'no token in the logs');
  for (const o of [good.o, bad.o, down.o]) assert.equal((await o.stop()).code, 0, o.log);
});

test('otelc -> otlp_grpc with basicauth -> otelc with basicauth on gRPC', async (t) => {
  const down = await guarded('basicauth/in', basicServer);
  t.after(() => down.o.stop());
  const up = await upstream(`127.0.0.1:${down.grpc}`, 'basicauth/out', basicClient, overGrpc());
  t.after(() => up.o.stop());
  for (let i = 0; i < 3; i++) assert.equal((await up.send(`grpc-basic-${i}`)).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 3), `${up.o.log}\n${down.o.log}`);
  assert.deepEqual(spansIn(down.file).map((x) => x.name).sort(), ['grpc-basic-0', 'grpc-basic-1', 'grpc-basic-2']);
  for (const o of [up.o, down.o]) assert.equal((await o.stop()).code, 0, o.log);
});

// load_balancing takes the otlp exporter's keys under protocol.otlp,
// auth among them: every backend's calls carry the authenticator's
// metadata.
async function balancer(backendEndpoint, token) {
  const o = await start(`
extensions:
  bearertokenauth/out: { token: "${token}" }
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  load_balancing:
    protocol:
      otlp:
        auth: { authenticator: bearertokenauth/out }
        tls: { insecure: true }
    resolver:
      static: { hostnames: ["${backendEndpoint}"] }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }
service:${base}
  extensions: [bearertokenauth/out]
  pipelines:
    traces: { receivers: [otlp], exporters: [load_balancing] }
`);
  const p = port(o, 'otlp', 'HTTP');
  const send = (name) => request(`http://127.0.0.1:${p}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name,
    }] }] }] }),
  });
  return { o, send };
}

test('otelc -> load_balancing with bearertokenauth (protocol.otlp.auth) -> otelc with bearertokenauth on gRPC', async (t) => {
  const down = await guarded();
  t.after(() => down.o.stop());
  const target = `127.0.0.1:${down.grpc}`;
  const good = await balancer(target, 's3cret');
  t.after(() => good.o.stop());
  assert.equal((await good.send('balanced')).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 1), `${good.o.log}\n${down.o.log}`);
  assert.equal(spansIn(down.file)[0].name, 'balanced');

  const bad = await balancer(target, 'guess');
  t.after(() => bad.o.stop());
  assert.equal((await bad.send('refused')).status, 200); // the upstream took it
  assert.ok(await eventually(() => /rpc error: code = Unauthenticated/.test(bad.o.log)), bad.o.log);
  assert.equal(await metric(down.o, /^otelc_receiver_unauthenticated_requests_total\{receiver="otlp",transport="grpc"\} (\d+)$/m), 1);
  assert.equal(spansIn(down.file).length, 1);
  assert.doesNotMatch(good.o.log + bad.o.log + down.o.log, /s3cret|Bearer guess/, 'no token in the logs');
  for (const o of [good.o, bad.o, down.o]) assert.equal((await o.stop()).code, 0, o.log);

  const nowhere = await run(['validate', '--config', writeConfig(`
extensions:
  bearertokenauth: { token: t }
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  load_balancing:
    protocol: { otlp: { auth: { authenticator: nope } } }
    resolver: { static: { hostnames: ["127.0.0.1:1"] } }
service:
  extensions: [bearertokenauth]
  pipelines:
    traces: { receivers: [otlp], exporters: [load_balancing] }
`)]);
  assert.notEqual(nowhere.code, 0, nowhere.stderr);
  assert.match(nowhere.stderr, /key 'exporters\.load_balancing\.protocol\.otlp\.auth\.authenticator': failed to resolve authenticator "nope"/);
});

function selfSigned(dir, name, san) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key, cert };
}

test('mTLS and a bearer token: otlp_grpc presents its client certificate; without one the call is refused', async (t) => {
  const dir = tempDir();
  const server = selfSigned(dir, 'server', 'IP:127.0.0.1');
  const client = selfSigned(dir, 'client', 'DNS:otelc-client');
  const down = await guarded('bearertokenauth', 'bearertokenauth: { token: "s3cret" }',
    `{ cert_file: "${server.cert}", key_file: "${server.key}", client_ca_file: "${client.cert}" }`);
  t.after(() => down.o.stop());
  const target = `127.0.0.1:${down.grpc}`;
  const ext = 'bearertokenauth/out: { token: "s3cret" }';
  const withCert = await upstream(target, 'bearertokenauth/out', ext,
    overGrpc(`tls: { ca_file: "${server.cert}", cert_file: "${client.cert}", key_file: "${client.key}" }`));
  t.after(() => withCert.o.stop());
  assert.equal((await withCert.send('mtls')).status, 200);
  assert.ok(await eventually(() => spansIn(down.file).length === 1), `${withCert.o.log}\n${down.o.log}`);
  assert.equal(spansIn(down.file)[0].name, 'mtls');

  const noCert = await upstream(target, 'bearertokenauth/out', ext, overGrpc(`tls: { ca_file: "${server.cert}" }`));
  t.after(() => noCert.o.stop());
  assert.equal((await noCert.send('no-cert')).status, 200);
  // TLS 1.3: the server's alert comes after the handshake, on the first
  // read (unless the reset overtakes it); the call is retried.
  const refused = await eventually(() => /error reading from server: (tls: .*certificate required|EOF|connection reset); will retry/
    .test(noCert.o.log));
  assert.ok(refused, noCert.o.log);
  await sleep(300);
  assert.equal(spansIn(down.file).length, 1, 'nothing came without a client certificate');
  assert.equal(await metric(noCert.o, /^otelcol_exporter_sent_spans_total\{exporter="otlp_grpc"\} (\d+)$/m), 0);
  for (const o of [withCert.o, noCert.o, down.o]) assert.equal((await o.stop()).code, 0, o.log);
});

test('headers_setter: a header the receiver kept as metadata reaches the next hop', async (t) => {
  const seen = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const up = await upstream(`http://127.0.0.1:${server.address().port}`, 'headers_setter', `headers_setter:
    headers:
      - { key: X-Scope-OrgID, from_context: x-tenant, action: upsert }
      - { key: X-Source, value: otelc, action: insert }
      - { key: X-Region, from_context: x-region, default_value: unknown, action: upsert }`);
  t.after(() => up.o.stop());
  assert.equal((await up.send('tenant-a', { 'X-Tenant': 'acme' })).status, 200);
  assert.ok(await eventually(() => seen.length >= 1), up.o.log);
  assert.equal(seen[0]['x-scope-orgid'], 'acme');
  assert.equal(seen[0]['x-source'], 'otelc');
  assert.equal(seen[0]['x-region'], 'unknown');
  assert.equal(seen[0]['content-type'], 'application/x-protobuf');
  assert.equal((await up.o.stop()).code, 0, up.o.log);
});

test('an authenticator id that leads nowhere fails validation at its key', async () => {
  const config = (recvAuth, expAuth, extensions = '[bearertokenauth, headers_setter]') => writeConfig(`
extensions:
  bearertokenauth: { token: t }
  headers_setter: { headers: [{ key: X-A, value: b, action: upsert }] }
receivers:
  otlp:
    protocols:
      http:
        endpoint: "127.0.0.1:0"
        auth:
          authenticator: ${recvAuth}
exporters:
  otlp_http:
    endpoint: "http://127.0.0.1:1"
    auth: { authenticator: ${expAuth} }
service:
  extensions: ${extensions}
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_http] }
`);
  const cases = [
    [config('bearertokenauth/missing', 'bearertokenauth'),
      /config\.yaml:11:26: key 'receivers\.otlp\.protocols\.http\.auth\.authenticator': failed to resolve authenticator "bearertokenauth\/missing": authenticator not found/],
    [config('bearertokenauth', 'nope'),
      /config\.yaml:15:28: key 'exporters\.otlp_http\.auth\.authenticator': failed to resolve authenticator "nope"/],
    [config('headers_setter', 'bearertokenauth'),
      /key 'receivers\.otlp\.protocols\.http\.auth\.authenticator': "headers_setter": requested authenticator is not a server authenticator/],
    [config('bearertokenauth', 'bearertokenauth', '[headers_setter]'),
      /failed to resolve authenticator "bearertokenauth": authenticator not found \(is it defined and listed in service\.extensions\?\)/],
  ];
  for (const [path, re] of cases) {
    const r = await run(['validate', '--config', path]);
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, re);
  }
  const ok = await run(['validate', '--config', config('bearertokenauth', 'headers_setter')]);
  assert.equal(ok.code, 0, ok.stderr);
});
