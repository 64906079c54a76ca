// A wrong secret: S3 refuses every request (s3rver checks SigV4), otelc
// logs S3's code, pauses the exporter (/health 503) and loses nothing.
// Fixing the shared credentials file is picked up by the next probe of
// the paused exporter and every span lands; with the durable queue, so
// does a restart with the right key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, run, post, get, eventually, tempDir, writeConfig } from './lib/harness.mjs';
import { startS3, awss3Config, cleanAwsEnv, collectSpans, waitSent } from './lib/s3server.mjs';

const WRONG = 'wrong-secret-0123456789';

let s3;
before(async () => { s3 = await startS3(); });
after(async () => { await s3.stop(); });

function credentialsFile(dir, secret) {
  const file = join(dir, 'credentials');
  writeFileSync(file, `[default]\naws_access_key_id = S3RVER\naws_secret_access_key = ${secret}\n`);
  return file;
}

async function expectPaused(o) {
  const logged = await eventually(async () => /SignatureDoesNotMatch/.test(o.log));
  assert.ok(logged, `S3's error code is logged:\n${o.log}`);
  const h = await eventually(async () => {
    const r = await get(o.url('/health'));
    return r.status === 503 ? r : null;
  });
  assert.ok(h, 'the paused exporter makes /health unhealthy');
  assert.equal(h.json.status, 'unhealthy');
  assert.equal(h.json.components.awss3.status, 'unhealthy');
  assert.match(h.json.components.awss3.detail, /^SignatureDoesNotMatch: /);
  assert.match(o.log, /exporter paused: SignatureDoesNotMatch/);
}

test('wrong secret: paused and unhealthy, nothing lost; a fixed file resumes it', async (t) => {
  const home = tempDir();
  const file = credentialsFile(home, WRONG);
  const o = await start(awss3Config(s3, { prefix: 'auth', credentials: false }),
    { env: cleanAwsEnv(home, { AWS_SHARED_CREDENTIALS_FILE: file }) });
  t.after(() => o.stop());
  const r = await post(o.url('/test/testsource/emit?count=3&spans=10'));
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  await expectPaused(o);
  assert.equal((await s3.list('auth/')).length, 0, 'nothing was stored');
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, /^otelcol_exporter_send_failed_spans_total\{exporter="awss3"\} 0$/m);
  assert.match(m, /^otelc_awss3_uploads_total\{exporter="awss3",outcome="pause"\} [1-9]/m);

  credentialsFile(home, 'S3RVER');
  assert.ok(await waitSent(o, 30, { timeoutMs: 40000 }), `every span lands after the fix:\n${o.log}`);
  const got = await collectSpans(s3, 'auth/');
  assert.equal(got.spans.length, 30);
  assert.equal(got.ids.size, 30);
  assert.match(o.log, /re-read credentials from .*credentials \(profile default\)/);
  assert.match(o.log, /S3 accepts uploads again/);
  const h = await eventually(async () => (await get(o.url('/health'))).status === 200);
  assert.ok(h, '/health is healthy again');
  assert.ok(!o.log.includes(WRONG), 'the secret never reaches the log');
  assert.equal((await o.stop()).code, 0, o.log);
});

test('wrong secret, then a restart with the right one (durable queue)', async (t) => {
  const home = tempDir();
  const data = tempDir();
  const durable = {
    exporter: '\n    sending_queue: { enabled: true, storage: file_storage }',
    extensions: `extensions:\n  file_storage: { directory: "${data}" }`,
    service: '\n  extensions: [file_storage]',
  };
  const probe = await run(['validate', '--config', writeConfig(awss3Config(s3, durable))]);
  if (/not supported yet/.test(probe.stderr)) {
    t.skip('sending_queue.storage (the durable queue) is not available in this build');
    return;
  }
  assert.equal(probe.code, 0, probe.stderr);
  let o = await start(awss3Config(s3, { prefix: 'restart', secret: WRONG, ...durable }),
    { env: cleanAwsEnv(home) });
  const r = await post(o.url('/test/testsource/emit?count=4&spans=5'));
  assert.deepEqual(r.json, { ok: 4, retry: 0, reject: 0 });
  await expectPaused(o);
  await o.stop();
  assert.equal((await s3.list('restart/')).length, 0);

  o = await start(awss3Config(s3, { prefix: 'restart', ...durable }), { env: cleanAwsEnv(home) });
  t.after(() => o.stop());
  assert.ok(await waitSent(o, 20, { timeoutMs: 30000 }), `every span lands after the restart:\n${o.log}`);
  const got = await collectSpans(s3, 'restart/');
  assert.equal(got.ids.size, 20);
  assert.equal(got.spans.length, 20, 'none twice');
});

// Secrets reach nothing a person or a scraper reads: a full run at debug
// level with a wrong secret and a session token from the config (S3
// refuses, the exporter pauses), its /health, /metrics and queue routes,
// and otelc validate of the same config with an error beside them.
test('the secret key and session token appear in no log, answer or error', async (t) => {
  const SECRET = 'canary-secret-7f3a9c1e5b';
  const TOKEN = 'canary-token-2d8e4b6a0f';
  const uploader = `
      session_token: ${TOKEN}`;
  const yaml = awss3Config(s3, { prefix: 'secrets', secret: SECRET, uploader });
  const o = await start(yaml, { env: { ...cleanAwsEnv(tempDir()), OTELC_LOG: 'debug' } });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=2&spans=5'));
  assert.ok(await eventually(async () => /SignatureDoesNotMatch|InvalidAccessKeyId|InvalidToken/.test(o.log)),
    `S3 refused the signature:\n${o.log}`);
  const answers = [];
  for (const path of ['/health', '/metrics', '/api/queue/awss3/deadletters'])
    answers.push((await get(o.url(path))).text);
  const bad = yaml.replace('region: us-east-1', 'region: "not a region!"');
  const v = await run(['validate', '--config', writeConfig(bad)]);
  assert.equal(v.code, 1, 'the broken config is refused');
  await o.stop();
  for (const [what, text] of [['log', o.log], ['validate', v.stdout + v.stderr],
    ...answers.map((a, i) => [`answer ${i}`, a])]) {
    assert.ok(!text.includes(SECRET), `the secret key appears in the ${what}`);
    assert.ok(!text.includes(TOKEN), `the session token appears in the ${what}`);
  }
});
