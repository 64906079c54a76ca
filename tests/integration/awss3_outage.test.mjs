// The S3 server goes away for 20 s in the middle of a stream and comes
// back: the exporter reports degraded health (not unhealthy: it is riding
// out an outage), retries, and in the end every span is stored exactly
// once (a retried batch keeps its object key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, post, get, eventually, sleep, tempDir } from './lib/harness.mjs';
import { startS3, awss3Config, cleanAwsEnv, collectSpans, waitSent } from './lib/s3server.mjs';

test('S3 down for 20 s mid-stream: every span lands once', { timeout: 120000 }, async (t) => {
  const s3 = await startS3();
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, {
    prefix: 'outage', compression: 'gzip',
    exporter: '\n    retry_on_failure: { enabled: true, initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0 }',
  }), { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());

  let sent = 0;
  const emit = async () => {
    const r = await post(o.url('/test/testsource/emit?count=2&spans=10'));
    assert.deepEqual(r.json, { ok: 2, retry: 0, reject: 0 });
    sent += 20;
  };
  const stream = async (ms) => {
    for (const end = Date.now() + ms; Date.now() < end;) {
      await emit();
      await sleep(250);
    }
  };

  await stream(3000);
  await s3.stop();
  const down = Date.now();
  await stream(5000);
  const h = await eventually(async () => {
    const r = await get(o.url('/health'));
    return r.json.components.awss3.status === 'degraded' ? r : null;
  });
  assert.ok(h, `degraded while S3 is away:\n${o.log}`);
  assert.equal(h.status, 200, 'an outage is not a reason to restart otelc');
  assert.match(h.json.components.awss3.detail, /^connection: /);
  await stream(20000 - (Date.now() - down));
  await s3.start(); // same port, same directory
  await stream(3000);

  assert.ok(await waitSent(o, sent, { timeoutMs: 30000 }), `all ${sent} spans land:\n${o.log.slice(-3000)}`);
  const got = await collectSpans(s3, 'outage/');
  assert.equal(got.ids.size, sent);
  assert.equal(got.spans.length, sent, 'no span stored twice');
  assert.match(o.log, /failed: connection: .*; will retry/);
  const healthy = await eventually(async () =>
    (await get(o.url('/health'))).json.components.awss3.status === 'ok');
  assert.ok(healthy, 'healthy again');
  assert.equal((await o.stop()).code, 0, o.log);
});
