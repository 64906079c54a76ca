// Secrets reach nothing a person or a scraper reads. A full pipeline
// (otlp over gRPC and HTTP -> durable queue -> awss3 writing the trace
// table, and an otlp_http exporter; trace_query, health_check, zpages and
// pprof beside them) runs at debug level with secrets in the config and
// in the environment:
//   awss3: access key, secret key and session token in the config;
//   trace_query: secret key and session token from AWS_* variables;
//   the gRPC port: bearertokenauth with its token from a variable; the
//     HTTP port: basicauth with a password in the config (htpasswd inline);
//   otlp_http: basicauth's client password in the config, and an API key
//     from a variable expanded into a header (${env:...}).
// Clients present a wrong token and a wrong password too (refused), and
// those must not be echoed either. The S3 server knows both key pairs
// (s3rver checks SigV4, but also takes unsigned requests, so the test
// proves the check): first the awss3 secret is wrong (S3 refuses,
// nothing is stored, the exporter pauses) and the otlp_http endpoint
// answers 401 (counted, logged); then, on the
// same queue, the right secret (everything lands, trace_query reads it
// back with the variables' credentials). Every output of both runs is
// searched for every secret: the log, /health, /metrics, the dead-letter
// routes, trace_query's answers, otelc validate of the config and of
// broken variants of it, otelc queue inspect and otelc admin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import http2 from 'node:http2';
import { join } from 'node:path';
import { start, run, get, eventually, tempDir, writeConfig, BIN } from './lib/harness.mjs';
import { startS3, cleanAwsEnv } from './lib/s3server.mjs';
import { call, frame, protoRequest } from './lib/otlp.mjs';

const require = createRequire(import.meta.url);
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account');

// Each secret's random part is what is searched for: a leak of a prefix,
// a suffix or a quoted form still shows it.
const canary = (what) => `${what}-${randomBytes(12).toString('hex')}`;
const S = {
  awss3Secret: canary('awss3-secret'),
  awss3Wrong: canary('awss3-wrong-secret'),
  awss3Token: canary('awss3-session-token'),
  envSecret: canary('env-secret'),
  envToken: canary('env-session-token'),
  rxToken: canary('receiver-token'),
  rxWrongToken: canary('presented-wrong-token'),
  rxPassword: canary('receiver-password'),
  rxWrongPassword: canary('presented-wrong-password'),
  outPassword: canary('exporter-password'),
  apiKey: canary('api-key'),
};
// Basic credentials travel base64-encoded: those forms are searched too.
const basic = (user, password) => Buffer.from(`${user}:${password}`).toString('base64');
const ENCODED = {
  rxPassword: basic('ingest', S.rxPassword),
  rxWrongPassword: basic('ingest', S.rxWrongPassword),
  outPassword: basic('exporter', S.outPassword),
};
const KEY_CFG = 'CANARYCONFIGKEY';
const KEY_ENV = 'CANARYENVKEY';
DUMMY_ACCOUNT.createKeyPair(KEY_CFG, S.awss3Secret);
DUMMY_ACCOUNT.createKeyPair(KEY_ENV, S.envSecret);

// An OTLP/HTTP endpoint that records the headers it got and answers
// `status` (401 with a google.rpc.Status, or 200).
async function otlpEndpoint() {
  const e = { status: 401, seen: [] };
  e.server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      e.seen.push({ authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] });
      if (e.status === 200) {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      } else {
        const body = JSON.stringify({ code: 16, message: 'unauthenticated: bad token' });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(body);
      }
    });
  });
  await new Promise((r) => e.server.listen(0, '127.0.0.1', r));
  e.port = e.server.address().port;
  return e;
}

function config(s3, ep, dir, secret) {
  return `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0", auth: { authenticator: bearertokenauth/in } }
      http: { endpoint: "127.0.0.1:0", auth: { authenticator: basicauth/in } }
exporters:
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${s3.bucket}
      s3_prefix: traces
      endpoint: "${s3.endpoint}"
      s3_force_path_style: true
      access_key_id: ${KEY_CFG}
      secret_access_key: "${secret}"
      session_token: "${S.awss3Token}"
    marshaler: parquet
    sending_queue: { enabled: true, storage: file_storage, batch: { min_size: 100, flush_timeout: 500ms } }
    retry_on_failure: { initial_interval: 200ms, max_interval: 1s }
  otlp_http:
    endpoint: "http://127.0.0.1:${ep.port}"
    auth: { authenticator: basicauth/out }
    headers:
      x-api-key: "\${env:CANARY_API_KEY}"
    retry_on_failure: { initial_interval: 200ms, max_interval: 1s }
extensions:
  bearertokenauth/in: { token: "\${env:CANARY_RX_TOKEN}" }
  basicauth/in:
    htpasswd: { inline: "ingest:${S.rxPassword}" }
  basicauth/out:
    client_auth: { username: exporter, password: "${S.outPassword}" }
  file_storage: { directory: "${dir}", create_directory: true }
  health_check: { endpoint: "127.0.0.1:0" }
  trace_query:
    endpoint: "127.0.0.1:0"
    list_interval: 1s
    s3uploader: { s3_bucket: ${s3.bucket}, s3_prefix: traces, endpoint: "${s3.endpoint}", s3_force_path_style: true }
  zpages: {}
  pprof: {}
service:
  extensions: [bearertokenauth/in, basicauth/in, basicauth/out, file_storage, health_check, trace_query, zpages, pprof]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { logs: { level: debug } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [awss3, otlp_http]
`;
}

// The environment: the trace_query credentials and the API key.
const environment = (home) => cleanAwsEnv(home, { OTELC_LOG: 'debug', AWS_ACCESS_KEY_ID: KEY_ENV,
  AWS_SECRET_ACCESS_KEY: S.envSecret, AWS_SESSION_TOKEN: S.envToken, CANARY_API_KEY: S.apiKey,
  CANARY_RX_TOKEN: S.rxToken });

const TRACE = 'feed'.repeat(8);
const spansJson = (n0) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name',
  value: { stringValue: 'secrets' } }] }, scopeSpans: [{ spans: Array.from({ length: 5 }, (_, i) => ({
  traceId: TRACE, spanId: (n0 + i + 1).toString(16).padStart(16, '0'), name: 'op',
  startTimeUnixNano: String(Date.now() * 1e6), endTimeUnixNano: String(Date.now() * 1e6 + 1e6) })) }] }] });

const portOf = (o, re) => Number(o.log.match(re)[1]);

// A gRPC call with a wrong bearer token, then the right one; an HTTP
// post with a wrong password, then the right one: the statuses.
async function send(grpcPort, httpPort, n0) {
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => {});
  const body = frame(protoRequest(Array.from({ length: 5 }, (_, i) => ({ traceId: Buffer.from(TRACE, 'hex'),
    spanId: Buffer.from((0x100 + n0 + i).toString(16).padStart(16, '0'), 'hex') }))));
  const grpc = [];
  for (const token of [S.rxWrongToken, S.rxToken])
    grpc.push((await call(session, body, { headers: { authorization: `Bearer ${token}` } })).grpc);
  session.close();
  const http = [];
  for (const password of [S.rxWrongPassword, S.rxPassword]) {
    const r = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', body: spansJson(n0),
      headers: { 'content-type': 'application/json', authorization: `Basic ${basic('ingest', password)}` } });
    await r.text();
    http.push(r.status);
  }
  return { grpc, http };
}

function cli(args, env) {
  return new Promise((resolve) => execFile(BIN, args, { env: { ...process.env, ...env } },
    (err, stdout, stderr) => resolve(`$ otelc ${args.join(' ')}\n${stdout}${stderr}`)));
}

// Everything a person or a scraper can read from a running otelc.
async function outputs(o, env) {
  const out = [];
  const tq = portOf(o, /trace_query: listening on \S+ \(port (\d+)\)/);
  const hc = o.log.match(/health_check: listening on \S+ \(port (\d+)\)/);
  for (const path of ['/health', '/metrics', '/api/queue/awss3/deadletters', '/api/queue/otlp_http/deadletters'])
    out.push(`${path}\n${(await get(o.url(path))).text}`);
  if (hc) out.push((await get(`http://127.0.0.1:${hc[1]}/`)).text);
  for (const path of ['/api/services', `/api/traces/${TRACE}`, `/api/v2/traces/${TRACE}`, '/spans?limit=20',
    '/api/traces?service=secrets', '/api/traces/nothex', '/ready'])
    out.push(`${path}\n${(await get(`http://127.0.0.1:${tq}${path}`)).text}`);
  const admin = ['--admin', `127.0.0.1:${o.port}`];
  for (const args of [['queue', 'inspect', 'awss3'], ['queue', 'inspect', 'otlp_http'], ['admin', 'GET', '/health']])
    out.push(await cli([...args, ...admin], env));
  return out;
}

function assertNoSecret(what, text) {
  const forms = [...Object.entries(S).map(([name, value]) => [name, value.slice(value.lastIndexOf('-') + 1)]),
    ...Object.entries(ENCODED).map(([name, value]) => [`${name} (base64)`, value])];
  for (const [name, random] of forms) {
    assert.ok(!text.includes(random), `the ${name} appears in ${what}:\n${text.slice(Math.max(0,
      text.indexOf(random) - 400), text.indexOf(random) + 200)}`);
  }
}

test('secrets in the config and the environment appear in no output of a full pipeline', { timeout: 240000 }, async (t) => {
  const s3 = await startS3();
  t.after(() => s3.stop());
  const ep = await otlpEndpoint();
  t.after(() => ep.server.close());
  const home = tempDir();
  const env = environment(home);
  const dir = join(tempDir(), 'queue');
  const seen = [];

  // 1. The wrong awss3 secret; the OTLP endpoint refuses the token (a
  // REJECT: counted and logged with the answer's message).
  const wrongYaml = config(s3, ep, dir, S.awss3Wrong);
  let o = await start(wrongYaml, { env });
  const first = o;
  t.after(() => first.stop());
  const grpcPort = portOf(o, /otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC/);
  const httpPort = portOf(o, /otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.deepEqual(await send(grpcPort, httpPort, 0), { grpc: [16, 0], http: [401, 200] },
    'wrong token and password refused, right ones accepted');
  assert.ok(await eventually(async () => /SignatureDoesNotMatch/.test(o.log), { timeoutMs: 30000 }),
    `S3 refused the wrong secret:\n${o.log.slice(-3000)}`);
  const refused = /^otelcol_exporter_send_failed_spans_total\{exporter="otlp_http"\} [1-9]/m;
  assert.ok(await eventually(async () => refused.test((await get(o.url('/metrics'))).text), { timeoutMs: 30000 }),
    `the endpoint's 401 was counted as a failure:\n${o.log.slice(-3000)}`);
  assert.equal((await s3.list('traces/')).length, 0, 'nothing is stored with the wrong secret: SigV4 is checked');
  seen.push(...(await outputs(o, env)).map((x) => ['run 1 answers', x]));
  assert.equal((await o.stop()).code, 0);
  seen.push(['run 1 log', o.log]);

  // otelc validate: the config, and broken variants next to the secrets.
  const variants = [
    wrongYaml,
    wrongYaml.replace(`secret_access_key: "${S.awss3Wrong}"`, `secret_access_key: ["${S.awss3Wrong}"]`),
    wrongYaml.replace(`secret_access_key: "${S.awss3Wrong}"`, `secret_acess_key: "${S.awss3Wrong}"`),
    wrongYaml.replace(`session_token: "${S.awss3Token}"`, `session_token: { token: "${S.awss3Token}" }`),
    wrongYaml.replace('x-api-key: "${env:CANARY_API_KEY}"', `x-api-key: "${S.apiKey}\\r\\nx: y"`),
    wrongYaml.replace(`password: "${S.outPassword}"`, `password: ["${S.outPassword}"]`),
    wrongYaml.replace('token: "${env:CANARY_RX_TOKEN}"', `token: "${S.rxToken}", tokens: ["${S.rxToken}"]`),
    wrongYaml.replace(`inline: "ingest:${S.rxPassword}"`, `inline: { ingest: "${S.rxPassword}" }`),
    wrongYaml.replace('region: us-east-1', 'region: "not a region!"'),
  ];
  const codes = [];
  for (const v of variants) {
    const r = await run(['validate', '--config', writeConfig(v)], { env });
    codes.push(r.code);
    seen.push(['otelc validate', `${r.stdout}${r.stderr}`]);
  }
  assert.equal(codes[0], 0, 'the config itself is valid');
  assert.ok(codes.slice(1).every((c) => c !== 0), `every broken variant is refused (${codes})`);

  // 2. The right secret, on the same queue: everything lands and is read back.
  ep.status = 200;
  o = await start(config(s3, ep, dir, S.awss3Secret), { env });
  t.after(() => o.stop());
  const seenBefore = ep.seen.length;
  assert.deepEqual(await send(portOf(o, /otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC/),
    portOf(o, /otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/), 50), { grpc: [16, 0], http: [401, 200] });
  assert.ok(await eventually(async () => ep.seen.length > seenBefore, { timeoutMs: 30000 }), 'otlp_http exported');
  assert.ok(await eventually(async () => (await s3.list('traces/')).length > 0, { timeoutMs: 60000 }),
    `stored with the right secret:\n${o.log.slice(-3000)}`);
  const tq = portOf(o, /trace_query: listening on \S+ \(port (\d+)\)/);
  assert.ok(await eventually(async () => (await get(`http://127.0.0.1:${tq}/api/traces/${TRACE}`)).status === 200,
    { timeoutMs: 60000 }), 'trace_query reads the table with the credentials of the environment');
  const sent = ep.seen.at(-1);
  assert.deepEqual(sent, { authorization: `Basic ${ENCODED.outPassword}`, apiKey: S.apiKey },
    'the exporter sent its credentials and the API key');
  seen.push(...(await outputs(o, env)).map((x) => ['run 2 answers', x]));
  assert.equal((await o.stop()).code, 0);
  seen.push(['run 2 log', o.log]);

  for (const [what, text] of seen.filter(([w]) => w.endsWith('log')))
    assert.match(text, /^DEBUG awss3: /m, `${what} is at debug level`);
  const bytes = seen.reduce((n, [, x]) => n + x.length, 0);
  t.diagnostic(`searched ${seen.length} outputs (${bytes} bytes) for ${Object.keys(S).length} secrets`);
  for (const [what, text] of seen) assertNoSecret(what, text);
});
