// TLS and authenticators on otelc's own HTTP endpoints, in the real host:
// the admin endpoint (service.admin.tls, .auth) with basicauth, the
// trace_query extension's query API with bearertokenauth, TLS and client
// certificates on both (Node's https client with the test CA; the admin
// CLI with credentials from the environment), the health_check extension
// staying open beside a locked admin endpoint, the warning for an
// endpoint other machines reach without auth, and the config errors of
// ids and TLS settings that do not fit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, get, request, tempDir, run, writeConfig } from './lib/harness.mjs';
import { startS3, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';

const dir = tempDir();
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

// A self-signed certificate for 127.0.0.1 (it is its own CA), as the
// other TLS tests make them.
function selfSigned(name) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key, cert, pem: readFileSync(cert) };
}

const server = selfSigned('server');
const client = selfSigned('client');

// GET over TLS: { status, headers, text }; opts add ca, cert, key, headers.
function httpsGet(port, path, { headers = {}, ...tls } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, headers, ca: server.pem, agent: false,
      ...tls }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const portOf = (o, id) => {
  const m = o.log.match(new RegExp(`${id}: listening on \\S+ \\(port (\\d+)\\)`));
  assert.ok(m, `no ${id} listener in:\n${o.log}`);
  return Number(m[1]);
};

const uploader = (s) => `
    s3uploader:
      s3_bucket: ${s.bucket}
      s3_prefix: q
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}`;

let s3;
before(async () => { s3 = await startS3(); });
after(async () => { if (s3) await s3.stop(); });

test('admin: basicauth guards /metrics and /health (401 with a Basic challenge); health_check stays open', async (t) => {
  const o = await start(`
extensions:
  basicauth/admin: { htpasswd: { inline: "ops:let-me-in" } }
  health_check: { endpoint: "127.0.0.1:0" }
service:
  extensions: [basicauth/admin, health_check]
  admin: { endpoint: "127.0.0.1:0", auth: { authenticator: basicauth/admin } }
  telemetry: { metrics: { level: none } }
`);
  t.after(() => o.stop());
  const none = await get(o.url('/metrics'));
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Basic realm="otelc", charset="UTF-8"');
  assert.deepEqual(none.json, { error: 'unauthorized' });
  const wrong = await request(o.url('/metrics'), { headers: { authorization: basic('ops', 'guess') } });
  assert.equal(wrong.status, 401);
  assert.equal((await get(o.url('/health'))).status, 401, '/health is an admin route: guarded too');
  const ok = await request(o.url('/metrics'), { headers: { authorization: basic('ops', 'let-me-in') } });
  assert.equal(ok.status, 200);
  assert.match(ok.text, /^otelc_http_server_unauthenticated_requests_total\{server="admin"\} 3$/m);
  const health = await request(o.url('/health'), { headers: { authorization: basic('ops', 'let-me-in') } });
  assert.equal(health.status, 200);
  const hc = await get(`http://127.0.0.1:${portOf(o, 'health_check')}/`);
  assert.equal(hc.status, 200, 'the health_check extension has no auth of its own here');
  assert.match(o.log, /WARN admin: refused 1 request\(s\) without valid credentials in the last 10s; the latest: no basic auth provided/);
  assert.doesNotMatch(o.log, /let-me-in|reachable from other machines/);
  assert.equal((await o.stop()).code, 0, o.log);
});

test('trace_query: bearertokenauth refuses without the token and answers with it', async (t) => {
  const o = await start(`
extensions:
  bearertokenauth/q: { token: "q-token" }
  trace_query:
    endpoint: "127.0.0.1:0"
    auth: { authenticator: bearertokenauth/q }${uploader(s3)}
service:
  extensions: [trace_query, bearertokenauth/q]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
`);
  t.after(() => o.stop());
  const q = portOf(o, 'trace_query');
  const none = await get(`http://127.0.0.1:${q}/api/services`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="otelc"');
  const wrong = await request(`http://127.0.0.1:${q}/api/services`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  const ok = await request(`http://127.0.0.1:${q}/api/services`, { headers: { authorization: 'Bearer q-token' } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.data, []);
  const metrics = await get(o.url('/metrics'));
  assert.match(metrics.text, /^otelc_http_server_unauthenticated_requests_total\{server="trace_query"\} 2$/m);
  assert.doesNotMatch(o.log, /q-token/);
  assert.equal((await o.stop()).code, 0, o.log);
});

test('TLS on the admin endpoint and on trace_query, client certificates on the query API', async (t) => {
  const o = await start(`
extensions:
  basicauth/admin: { htpasswd: { inline: "ops:let-me-in" } }
  trace_query:
    endpoint: "127.0.0.1:0"
    tls: { cert_file: "${server.cert}", key_file: "${server.key}", client_ca_file: "${client.cert}" }${uploader(s3)}
service:
  extensions: [basicauth/admin, trace_query]
  admin:
    endpoint: "127.0.0.1:0"
    tls: { cert_file: "${server.cert}", key_file: "${server.key}", min_version: "1.3" }
    auth: { authenticator: basicauth/admin }
  telemetry: { metrics: { level: none } }
`);
  t.after(() => o.stop());
  assert.match(o.log, /admin: listening on 127\.0\.0\.1:0 \(port \d+\) with TLS/);
  const auth = { authorization: basic('ops', 'let-me-in') };
  assert.equal((await httpsGet(o.port, '/metrics')).status, 401);
  assert.equal((await httpsGet(o.port, '/metrics', { headers: auth })).status, 200);
  await assert.rejects(get(o.url('/metrics')), 'plain HTTP gets no answer from a TLS port');
  await assert.rejects(httpsGet(o.port, '/metrics', { headers: auth, maxVersion: 'TLSv1.2' }),
    'min_version 1.3 refuses a TLS 1.2 client');
  // The CLI reaches it with credentials from the environment.
  const cli = (env) => run(['admin', 'GET', '/health', '--admin', `https://127.0.0.1:${o.port}`],
    { dirs: [], env: { OTELC_ADMIN_CA_FILE: server.cert, ...env } });
  const withAuth = await cli({ OTELC_ADMIN_AUTHORIZATION: auth.authorization });
  assert.equal(withAuth.code, 0, withAuth.stderr);
  assert.match(withAuth.stdout, /"status"/);
  const noAuth = await cli({});
  assert.equal(noAuth.code, 1);
  assert.match(noAuth.stderr, /GET \/health answered 401/);

  const q = portOf(o, 'trace_query');
  const ok = await httpsGet(q, '/api/services', { cert: readFileSync(client.cert), key: readFileSync(client.key) });
  assert.equal(ok.status, 200, ok.text);
  await assert.rejects(httpsGet(q, '/api/services'), 'no client certificate, no answer');
  assert.match(o.log, /trace_query: listening on \S+ \(port \d+\) with TLS/);
  assert.equal((await o.stop()).code, 0, o.log);
});

test('an endpoint other machines reach without auth is warned about, naming it', async (t) => {
  const o = await start(`
extensions:
  bearertokenauth: { token: "t" }
  trace_query:
    endpoint: "0.0.0.0:0"${uploader(s3)}
  trace_query/locked:
    endpoint: "0.0.0.0:0"
    auth: { authenticator: bearertokenauth }${uploader(s3)}
service:
  extensions: [bearertokenauth, trace_query, trace_query/locked]
  admin: { endpoint: "0.0.0.0:0" }
  telemetry: { metrics: { level: none } }
`);
  t.after(() => o.stop());
  const warned = o.log.split('\n').filter((l) => /reachable from other machines and has no auth/.test(l));
  assert.deepEqual(warned.map((l) => l.split(':')[0]).sort(), ['WARN admin', 'WARN trace_query']);
  assert.match(warned.join('\n'), /endpoint 0\.0\.0\.0:0 is reachable/);
});

test('config errors: an id that is no server authenticator, tls keys that do not fit', async () => {
  const cfg = (ext, admin) => writeConfig(`
extensions:
  bearertokenauth: { token: "t" }
  trace_query:
    endpoint: "127.0.0.1:0"
    ${ext}${uploader(s3)}
service:
  extensions: [bearertokenauth, trace_query]
  admin: { endpoint: "127.0.0.1:0"${admin} }
`);
  let v = await run(['validate', '--config', cfg('auth: { authenticator: basicauth/none }', '')]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /key 'extensions\.trace_query\.auth\.authenticator': failed to resolve authenticator "basicauth\/none": authenticator not found/);
  v = await run(['validate', '--config', cfg('', ', auth: { authenticator: nope }')]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /key 'service\.admin\.auth\.authenticator': failed to resolve authenticator "nope"/);
  v = await run(['validate', '--config', cfg('tls: { cert_file: a.pem, cert_pem: x }', '')]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /key 'extensions\.trace_query\.tls\.cert_pem': collector key is not supported yet/);
  assert.match(v.stderr, /key 'extensions\.trace_query\.tls': cert_file and key_file go together/);
  v = await run(['validate', '--config', cfg('auth: { authenticator: bearertokenauth }', ', tls: { cert_file: a.pem, key_file: b.pem }')]);
  assert.equal(v.code, 0, v.stderr);
  const missing = await run(['--config', cfg('', `, tls: { cert_file: "${join(dir, 'none.pem')}", key_file: "${server.key}" }`)]);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /service\.admin: endpoint "127\.0\.0\.1:0": tls: cannot load cert_file \S+none\.pem/);
});
