// The attributes and resource processors in the real binary: OTLP/JSON
// over HTTP into the otlp receiver, attributes then resource, the file
// exporter writing what came out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, tempDir, run, writeConfig } from './lib/harness.mjs';

const TRACE = '0102030405060708090a0b0c0d0e0f10';
const SHA_ALICE = 'ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976';

const config = (path) => `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0", include_metadata: true }
processors:
  attributes:
    actions:
      - { key: user.email, action: hash }
      - { key: http.url, action: extract, pattern: '^/api/(?P<api_version>v\\d+)/' }
      - { key: retries, action: convert, converted_type: int }
      - { key: tenant, action: insert, from_context: metadata.x-tenant }
      - { key: password, action: delete }
      - { key: checked, action: upsert, value: true }
    include:
      match_type: regexp
      span_names: ["^GET "]
    exclude:
      match_type: strict
      attributes: [{ key: http.url, value: /api/v1/health }]
  resource:
    attributes:
      - { key: deployment.environment, action: upsert, value: production }
      - { key: host.name, action: delete }
      - { key: replicas, action: insert, value: 3 }
exporters:
  file: { path: "${path}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: [attributes, resource]
      exporters: [file]
`;

const str = (s) => ({ stringValue: s });

function span(spanId, name, attrs) {
  return {
    traceId: TRACE, spanId, name, startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000000001000',
    attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })),
  };
}

const request = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: str('checkout') },
      { key: 'host.name', value: str('node-1') }] },
    scopeSpans: [{ scope: { name: 'lib' }, spans: [
      span('1111111111111111', 'GET /users', { 'user.email': str('alice@example.com'),
        'http.url': str('/api/v2/users/7'), retries: str('3'), password: str('hunter2') }),
      span('2222222222222222', 'GET /health', { 'http.url': str('/api/v1/health'), password: str('x') }),
      span('3333333333333333', 'POST /orders', { password: str('y') }),
    ] }],
  }],
};

function httpPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.ok(m, o.log);
  return Number(m[1]);
}

const attrs = (s) => Object.fromEntries((s.attributes || []).map((a) => [a.key, a.value]));

test('otlp → attributes → resource → file: the written spans carry every action', async () => {
  const path = join(tempDir(), 'out.jsonl');
  const o = await start(config(path));
  const res = await fetch(`http://127.0.0.1:${httpPort(o)}/v1/traces`, {
    method: 'POST', body: JSON.stringify(request),
    headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
  });
  assert.equal(res.status, 200, await res.text());
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const rs = JSON.parse(lines[0]).resourceSpans;
  assert.equal(rs.length, 1);
  assert.deepEqual(attrs(rs[0].resource), {
    'service.name': str('checkout'),
    'deployment.environment': str('production'),
    replicas: { intValue: '3' },
  });
  const spans = rs[0].scopeSpans[0].spans;
  assert.deepEqual(spans.map((s) => s.name), ['GET /users', 'GET /health', 'POST /orders']);
  assert.deepEqual(attrs(spans[0]), {
    'user.email': str(SHA_ALICE),
    'http.url': str('/api/v2/users/7'),
    retries: { intValue: '3' },
    'api_version': str('v2'),
    tenant: str('acme'),
    checked: { boolValue: true },
  });
  // Excluded by its http.url, and not included by its name: untouched.
  assert.deepEqual(attrs(spans[1]), { 'http.url': str('/api/v1/health'), password: str('x') });
  assert.deepEqual(attrs(spans[2]), { password: str('y') });
});

test('validate names the action at fault with its position', async () => {
  const bad = (actions) => writeConfig(config('/dev/null').replace(
    /actions:\n(.|\n)*?\n    include:/, `actions:\n${actions}\n    include:`));
  let r = await run(['validate', '--config', bad('      - { key: a, action: rename }')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:\d+:\d+: key 'processors\.attributes\.actions\[0\]\.action': unsupported action "rename"/);
  r = await run(['validate', '--config', bad('      - { action: upsert, value: 1 }')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:\d+:\d+: key 'processors\.attributes\.actions\[0\]': key is required for action "upsert"/);
  r = await run(['validate', '--config', writeConfig(config('/dev/null'))]);
  assert.equal(r.code, 0, r.stderr);
});
