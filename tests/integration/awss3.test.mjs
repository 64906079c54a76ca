// The awss3 exporter in the real host against a real S3 server (s3rver,
// which checks every SigV4 signature): every span lands exactly once in
// objects that follow the key layout, in each marshaler and compression;
// config refusals; missing credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, run, post, get, tempDir, writeConfig } from './lib/harness.mjs';
import { startS3, awss3Config, cleanAwsEnv, collectSpans, keyTime, waitSent, KEY_RE } from './lib/s3server.mjs';

let s3;
before(async () => { s3 = await startS3(); });
after(async () => { await s3.stop(); });

const formats = [
  ['otlp_proto', 'none', '.binpb'],
  ['otlp_proto', 'gzip', '.binpb.gz'],
  ['otlp_proto', 'zstd', '.binpb.zst'],
  ['otlp_json', 'none', '.json'],
  ['otlp_json', 'gzip', '.json.gz'],
  ['otlp_json', 'zstd', '.json.zst'],
];

for (const [marshaler, compression, ext] of formats) {
  test(`${marshaler} + ${compression}: every span lands once, keys follow the layout`, async (t) => {
    const prefix = `fmt/${marshaler}-${compression}`;
    const before = Date.now();
    const o = await start(awss3Config(s3, { prefix, marshaler, compression }),
      { env: cleanAwsEnv(tempDir()) });
    t.after(() => o.stop());
    const r = await post(o.url('/test/testsource/emit?count=5&spans=20'));
    assert.deepEqual(r.json, { ok: 5, retry: 0, reject: 0 });

    assert.ok(await waitSent(o, 100), `100 spans sent:\n${o.log}`);
    const got = await collectSpans(s3, `${prefix}/`);
    assert.equal(got.spans.length, 100, 'no span twice');
    assert.equal(got.ids.size, 100, 'every span id distinct');
    assert.equal(got.objects.length, 5, 'one object per batch');
    for (const { key } of got.objects) {
      assert.ok(key.startsWith(`${prefix}/year=`), key);
      assert.ok(key.endsWith(ext), key);
      assert.match(key, KEY_RE);
      const ms = keyTime(key); // partition = UTC minute of the batch time
      assert.ok(ms >= before - 1000 && ms <= Date.now(), `time of ${key}`);
      if (compression !== 'none') {
        const obj = await s3.get(key);
        assert.equal(obj.headers['content-encoding'], compression);
      }
    }
    for (const s of got.spans) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
    }
    const m = (await get(o.url('/metrics'))).text;
    assert.match(m, /^otelc_awss3_uploads_total\{exporter="awss3",outcome="ok"\} 5$/m);
    assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="awss3"\} 100$/m);
    const h = await get(o.url('/health'));
    assert.equal(h.json.components.awss3.status, 'ok');
    assert.equal((await o.stop()).code, 0, o.log);
  });
}

test('credentials from the environment and the shared file sign as well', async (t) => {
  const home = tempDir();
  const cfg = awss3Config(s3, { prefix: 'creds', credentials: false });
  let o = await start(cfg, { env: cleanAwsEnv(home, { AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER' }) });
  await post(o.url('/test/testsource/emit?count=1&spans=3'));
  assert.match(o.log, /credentials from environment/);
  assert.ok(await waitSent(o, 3), o.log);
  await o.stop();
  assert.equal((await s3.list('creds/')).length, 1);

  const file = writeConfig('[other]\naws_access_key_id = x\naws_secret_access_key = y\n' +
    '[ci]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n', 'credentials');
  o = await start(cfg, { env: cleanAwsEnv(home, { AWS_SHARED_CREDENTIALS_FILE: file,
    AWS_PROFILE: 'ci' }) });
  t.after(() => o.stop());
  assert.match(o.log, /credentials from shared credentials file/);
  await post(o.url('/test/testsource/emit?count=1&spans=3'));
  assert.ok(await waitSent(o, 3), o.log);
  assert.equal((await s3.list('creds/')).length, 2);
});

test('no credentials anywhere: start fails and says where it looked', async () => {
  const cfg = writeConfig(awss3Config(s3, { credentials: false }));
  const r = await run(['--config', cfg], { env: cleanAwsEnv(tempDir()) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /awss3: no AWS credentials/);
  assert.match(r.stderr, /instance metadata credentials are not supported yet/);
});

test('unsupported and bad keys are refused before anything starts', async () => {
  const cases = [
    [{ uploader: '\n      role_arn: arn:aws:iam::1:role/x' }, /collector key s3uploader\.role_arn is not supported yet/],
    [{ compression: 'snappy' }, /s3uploader\.compression: "snappy" is not supported/],
    [{ marshaler: 'sumo_ic' }, /marshaler: sumo_ic is not supported yet/],
    [{ uploader: '\n      part_size: 1MiB' }, /s3uploader\.part_size: .* outside 5MiB\.\.5GiB/],
    [{ uploader: '\n      endpoint2: x' }, /unknown key/],
  ];
  for (const [opts, want] of cases) {
    // Values are checked by the exporter's create, which validate skips.
    const r = await run(['--config', writeConfig(awss3Config(s3, opts))]);
    assert.equal(r.code, 1, `${want}\n${r.stderr}`);
    assert.match(r.stderr, want);
    assert.doesNotMatch(r.stderr, /started exporter/);
  }
  // Harmless collector keys only warn.
  const r = await run(['validate', '--config', writeConfig(awss3Config(s3,
    { uploader: '\n      retry_mode: standard' }))]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /s3uploader\.retry_mode is ignored/);
});

test('insecure_skip_verify warns at start; secrets never reach the log', async (t) => {
  const o = await start(awss3Config(s3, { uploader: '\n      insecure_skip_verify: true',
    secret: 'S3RVER' }), { env: cleanAwsEnv(tempDir(), { OTELC_LOG: 'debug' }) });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=2'));
  assert.ok(await waitSent(o, 2), o.log);
  assert.match(o.log, /insecure_skip_verify: TLS certificates of .* are not verified/);
  assert.doesNotMatch(o.log, /S3RVER|secret_access_key|Authorization|Signature=/);
});
