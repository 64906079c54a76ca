// A batch larger than part_size (5 MiB, S3's smallest part) goes up as a
// multipart upload (initiate, parts, complete) and reads back whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, post, get, tempDir } from './lib/harness.mjs';
import { startS3, awss3Config, cleanAwsEnv, collectSpans, keyTime, waitSent } from './lib/s3server.mjs';

const SPANS = 100000; // about 8 MiB of protobuf from the test source

for (const marshaler of ['otlp_proto', 'otlp_json']) test(`${marshaler}: a batch above part_size is uploaded in parts`, { timeout: 120000 }, async (t) => {
  const s3 = await startS3();
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, {
    prefix: 'big', marshaler, uploader: '\n      part_size: 5MiB', exporter: '\n    timeout: 60s',
  }), { env: cleanAwsEnv(tempDir(), { OTELC_LOG: 'debug' }) });
  t.after(() => o.stop());

  const r = await post(o.url(`/test/testsource/emit?count=1&spans=${SPANS}`));
  assert.deepEqual(r.json, { ok: 1, retry: 0, reject: 0 });
  assert.ok(await waitSent(o, SPANS, { timeoutMs: 60000 }), o.log.slice(-2000));
  const objects = await s3.list('big/');
  assert.equal(objects.length, 1);
  assert.ok(objects[0].size > 5 * 1024 * 1024, `object of ${objects[0].size} bytes`);
  keyTime(objects[0].key);
  const parts = Math.ceil(objects[0].size / (5 * 1024 * 1024));
  assert.match(o.log, new RegExp(`uploaded .*: ${SPANS} spans, ${objects[0].size} bytes, ${parts} part\\(s\\)`));

  const got = await collectSpans(s3, 'big/');
  assert.equal(got.spans.length, SPANS);
  assert.equal(got.ids.size, SPANS);
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, new RegExp(`^otelc_awss3_uploaded_bytes_total\\{exporter="awss3"\\} ${objects[0].size}$`, 'm'));
  assert.equal((await o.stop()).code, 0, o.log);
});
