// What is acknowledged when, through the shipped pipeline (pipelines.yaml
// with its ports, bucket and queue directory moved by a merged second
// config): a real SDK at a steady rate loses nothing; the exporters still
// receive merged batches of the batch processor's size; at the disk
// budget with S3 down every request is answered at once and nothing
// refused is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { start, get, tempDir, sleep, eventually } from './lib/harness.mjs';
import { startS3, collectSpans, cleanAwsEnv, waitSent, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';

const SOURCE = process.env.OTELC_SOURCE_DIR;
const SHIPPED = join(SOURCE, 'pipelines.yaml');
const SENDER = join(SOURCE, 'tests/integration/lib/sdk_sender.mjs');

// Moves the shipped pipeline onto free ports, the test's bucket and a
// fresh queue directory; extra is more YAML merged on top.
function override(s, { dir = join(tempDir(), 'queue'), endpoint = s.endpoint, extra = '' } = {}) {
  return `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:
    s3uploader: { s3_bucket: ${s.bucket}, endpoint: "${endpoint}" }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
  health_check: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
${extra}`;
}

const env = () => cleanAwsEnv(tempDir(), { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY });

function port(o, proto) {
  const re = proto === 'http' ? /otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/
    : /otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC/;
  const m = o.log.match(re);
  assert.ok(m, `no ${proto} listener in the log:\n${o.log}`);
  return Number(m[1]);
}

// The SDK sender in a process of its own, as an application would be.
function sdkSend(url, rate, seconds) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SENDER, '--url', url, '--rate', String(rate), '--seconds', String(seconds)],
      { env: process.env, timeout: (seconds + 60) * 1000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      });
  });
}

const metricsText = async (o) => (await get(o.url('/metrics'))).text;

for (const rate of [5000, 20000]) {
  test(`the real SDK at ${rate} spans/s through the shipped pipeline drops nothing`, async (t) => {
    const s = await startS3();
    t.after(() => s.stop());
    const o = await start(override(s), { base: [SHIPPED], env: env() });
    t.after(() => o.stop());
    const r = await sdkSend(`http://127.0.0.1:${port(o, 'grpc')}`, rate, 4);
    assert.equal(r.created, rate * 4 + 1024, 'the steady spans and the warm-up ones');
    assert.equal(r.failed, 0, 'no export failed');
    assert.equal(r.exported, r.created, `the SDK exported ${r.exported} of ${r.created} spans (the rest it dropped)`);
    assert.ok(await waitSent(o, r.created, { timeoutMs: 30000 }), 'every span was uploaded');
    const stored = await collectSpans(s, 'traces/');
    assert.equal(stored.ids.size, r.created, 'every span is in S3 once');
  });
}
