// Collector-shaped configs (tests/data/collector) run unchanged: each
// passes `otelc validate` as written, and starts and stops cleanly with
// its endpoints moved to free ports through the ${env:...} they read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, start, tempDir } from './lib/harness.mjs';

const DIR = join(process.env.OTELC_SOURCE_DIR, 'tests/data/collector');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

// Free ports and local places for every endpoint the configs read.
const env = () => ({
  OTLP_GRPC_ENDPOINT: '127.0.0.1:0', OTLP_HTTP_ENDPOINT: '127.0.0.1:0',
  HEALTH_ENDPOINT: '127.0.0.1:0', TELEMETRY_ENDPOINT: '127.0.0.1:0',
  QUEUE_DIR: join(tempDir(), 'queue'), S3_ENDPOINT: 'http://127.0.0.1:9',
  BACKEND_ENDPOINT: '127.0.0.1:9', GATEWAY_URL: 'http://127.0.0.1:9',
  UPSTREAM_URL: 'http://127.0.0.1:9', TENANT_ENDPOINT: '127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret',
});

test('there are collector-shaped configs to check', () => {
  assert.ok(FILES.length >= 4, FILES.join(', '));
});

for (const file of FILES) {
  test(`${file}: validates as written`, async () => {
    const r = await run(['validate', '--config', join(DIR, file)], { env: env() });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  });

  test(`${file}: runs and stops`, async () => {
    const o = await start('service:\n  admin: { endpoint: "127.0.0.1:0" }\n',
      { base: [join(DIR, file)], env: env() });
    assert.match(o.log, /running \d+ pipeline\(s\)/);
    if (file === 'gateway.yaml')
      assert.match(o.log, /running 3 pipeline\(s\)/, 'traces, metrics and logs');
    const { code } = await o.stop();
    assert.equal(code, 0, o.log);
    assert.doesNotMatch(o.log, /ERROR/, o.log);
  });
}
