// The exporter against a scripted S3 stand-in (a few lines of node:http)
// that answers what a test tells it to, to reach what a healthy server
// never says: throttling, an error about one object, a part failing in
// the middle of a multipart upload (abort, then a retry under the same
// key), and an error inside a 200 answer to the completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { start, post, get, eventually, tempDir } from './lib/harness.mjs';
import { awss3Config, cleanAwsEnv, waitSent } from './lib/s3server.mjs';

const xmlError = (code, message) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

// A stand-in for S3. script(req) may return { status, body, headers } to
// answer a request in its own way; otherwise it behaves like S3.
async function fakeS3(script = () => null) {
  const log = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const r = { method: req.method, path: decodeURIComponent(url.pathname), query: url.searchParams,
        body: Buffer.concat(chunks), headers: req.headers };
      log.push(r);
      const a = script(r) || normal(r);
      res.writeHead(a.status, a.headers || {});
      res.end(a.body || '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s = { bucket: 'b', endpoint: `http://127.0.0.1:${server.address().port}`, log };
  s.stop = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  return s;
}

function normal(r) {
  if (r.method === 'POST' && r.query.has('uploads'))
    return { status: 200, body: '<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>' };
  if (r.method === 'PUT' && r.query.has('partNumber'))
    return { status: 200, headers: { ETag: `"etag-${r.query.get('partNumber')}"` } };
  if (r.method === 'POST' && r.query.has('uploadId'))
    return { status: 200, body: '<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>' };
  if (r.method === 'DELETE') return { status: 204 };
  return { status: 200, headers: { ETag: '"e"' } };
}

const retryFast = '\n    retry_on_failure: { enabled: true, initial_interval: 100ms, max_interval: 200ms, max_elapsed_time: 0 }';

test('SlowDown is retried and the retry writes the same key', async (t) => {
  let refusals = 2;
  const s3 = await fakeS3((r) => (r.method === 'PUT' && refusals-- > 0
    ? { status: 503, body: xmlError('SlowDown', 'Please reduce your request rate.') } : null));
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, { exporter: retryFast }), { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=5'));
  assert.ok(await waitSent(o, 5), o.log);
  const puts = s3.log.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 3);
  assert.equal(new Set(puts.map((r) => r.path)).size, 1, 'one key for all attempts');
  for (const p of puts) // each attempt carries its own signature
    assert.match(p.headers.authorization, /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/);
  assert.match(o.log, /SlowDown: Please reduce your request rate\. \(HTTP 503\); will retry/);
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, /^otelc_awss3_uploads_total\{exporter="awss3",outcome="retry"\} 2$/m);
  assert.equal((await o.stop()).code, 0, o.log);
});

test('an error about the object itself rejects the batch for good', async (t) => {
  const s3 = await fakeS3((r) => (r.method === 'PUT'
    ? { status: 400, body: xmlError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size') } : null));
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, { exporter: retryFast }), { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=4'));
  const failed = await eventually(async () => /^otelcol_exporter_send_failed_spans_total\{exporter="awss3"\} 4$/m
    .test((await get(o.url('/metrics'))).text));
  assert.ok(failed, o.log);
  assert.equal(s3.log.length, 1, 'not retried');
  assert.match(o.log, /S3 refused .* \(4 spans\) for good: EntityTooLarge/);
  assert.equal((await get(o.url('/health'))).status, 200, 'one bad object is no reason to pause');
  assert.equal((await o.stop()).code, 0, o.log);
});

test('a part failing mid-upload aborts it; the retry uploads every part again', async (t) => {
  let failPart2 = true;
  const s3 = await fakeS3((r) => {
    if (r.method === 'PUT' && r.query.get('partNumber') === '2' && failPart2) {
      failPart2 = false;
      return { status: 500, body: xmlError('InternalError', 'We encountered an internal error.') };
    }
    return null;
  });
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, { exporter: retryFast, uploader: '\n      part_size: 5MiB' }),
    { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=100000'));
  assert.ok(await waitSent(o, 100000, { timeoutMs: 30000 }), o.log);

  const seq = s3.log.map((r) => `${r.method} ${[...r.query.keys()].join('&')}${r.query.get('partNumber') || ''}`);
  assert.deepEqual(seq, ['POST uploads', 'PUT partNumber&uploadId1', 'PUT partNumber&uploadId2',
    'DELETE uploadId', 'POST uploads', 'PUT partNumber&uploadId1', 'PUT partNumber&uploadId2',
    'POST uploadId']);
  assert.equal(new Set(s3.log.map((r) => r.path)).size, 1, 'every request is about one key');
  const parts = s3.log.filter((r) => r.method === 'PUT');
  assert.equal(parts[0].body.length, 5 * 1024 * 1024);
  assert.ok(parts[3].body.equals(parts[1].body), 'the retry sends the same bytes');
  const complete = s3.log[s3.log.length - 1].body.toString();
  assert.equal(complete, '<CompleteMultipartUpload>' +
    '<Part><PartNumber>1</PartNumber><ETag>&quot;etag-1&quot;</ETag></Part>' +
    '<Part><PartNumber>2</PartNumber><ETag>&quot;etag-2&quot;</ETag></Part>' +
    '</CompleteMultipartUpload>');
  // Every part is signed over its own bytes.
  const { createHash } = await import('node:crypto');
  for (const p of parts)
    assert.equal(p.headers['x-amz-content-sha256'], createHash('sha256').update(p.body).digest('hex'));
  assert.equal((await o.stop()).code, 0, o.log);
});

test('an error inside a 200 answer to the completion is an error', async (t) => {
  let once = true;
  const s3 = await fakeS3((r) => {
    if (r.method === 'POST' && r.query.has('uploadId') && once) {
      once = false;
      return { status: 200, body: xmlError('InternalError', 'Completion failed.') };
    }
    return null;
  });
  t.after(() => s3.stop());
  const o = await start(awss3Config(s3, { exporter: retryFast, uploader: '\n      part_size: 5MiB' }),
    { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=100000'));
  assert.ok(await waitSent(o, 100000, { timeoutMs: 30000 }), o.log);
  assert.equal(s3.log.filter((r) => r.method === 'POST' && r.query.has('uploadId')).length, 2);
  assert.equal(s3.log.filter((r) => r.method === 'DELETE').length, 1);
  assert.match(o.log, /InternalError: Completion failed\. \(HTTP 200\); will retry/);
  assert.equal((await o.stop()).code, 0, o.log);
});
