// The query API's index over restarts and losses: a restart keeps every
// answer; an index deleted while otelc is down is rebuilt from the bucket
// listing at start (page by page, foreign objects skipped) with the same
// answers; `otelc admin POST /api/reindex` rebuilds on demand; the retention bound drops
// old objects from the index and from rebuilds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { start, get, run, tempDir, eventually, sleep } from './lib/harness.mjs';
import { startS3, waitSent } from './lib/s3server.mjs';
import { queryConfig, sendTraces, SPANS } from './lib/query_traffic.mjs';

let s3;
before(async () => { s3 = await startS3(); });
after(async () => { await s3.stop(); });

// Everything the API answers about the stored traces, as raw bytes.
async function answers(o, traceId) {
  const paths = ['/spans', '/spans?service=db&limit=3', '/api/services',
    '/api/services/frontend/operations', '/api/traces?service=frontend',
    `/api/traces/${traceId}`, `/api/v2/traces/${traceId}`];
  const out = {};
  for (const p of paths) {
    const r = await get(o.url(p));
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    out[p] = r.text;
  }
  const res = await fetch(o.url(`/api/traces/${traceId}`), { headers: { Accept: 'application/protobuf' } });
  out.protobuf = Buffer.from(await res.arrayBuffer()).toString('hex');
  return out;
}

// An object no exporter wrote, put straight into the bucket.
function putForeign(key) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: s3.port, method: 'PUT',
      path: `/${s3.bucket}/${key}`, headers: { 'Content-Length': 5 } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end('hello');
  });
}

const spanCount = async (o) => ((await get(o.url('/spans?limit=10000'))).json?.spans || []).length;

test('restart keeps the answers; a lost index is rebuilt at start and by otelc admin POST /api/reindex', async (t) => {
  const dir = tempDir();
  const index = join(dir, 'index');
  const cfg = queryConfig(s3, { prefix: 'r', marshaler: 'otlp_proto', compression: 'zstd', index,
    queue: join(dir, 'queue'), extra: '\n      list_page_size: 2' });
  let o = await start(cfg);
  t.after(() => o.stop());
  const want = await sendTraces(o);
  assert.ok(await waitSent(o, SPANS), o.log);
  const traceId = want.find((s) => s.trace === 5).traceId;
  const first = await answers(o, traceId);
  assert.equal(JSON.parse(first['/spans']).spans.length, SPANS);
  assert.ok(existsSync(join(index, 'data.mdb')));
  assert.ok(existsSync(join(dir, 'queue')), 'the queue has an environment of its own');
  const objects = (await s3.list('r/')).length;
  assert.ok(objects >= 3, `${objects} objects`);
  assert.equal((await o.stop()).code, 0, o.log);

  o = await start(cfg);
  assert.match(o.log, new RegExp(`index at ${index}: ${objects} objects, ${SPANS} spans`));
  assert.doesNotMatch(o.log, /rebuilding/);
  assert.deepEqual(await answers(o, traceId), first, 'the same answers after a restart');
  await o.stop();

  await putForeign('r/README.txt');
  await putForeign('elsewhere/traces_0000000000000001-0000000000000001.binpb');
  rmSync(index, { recursive: true, force: true });
  o = await start(cfg);
  assert.match(o.log, /index is empty: rebuilding it from the bucket/);
  assert.ok(await eventually(() => /reindex: \d+ objects/.test(o.log)), o.log);
  assert.match(o.log, new RegExp(`reindex: ${objects} objects \\(${SPANS} spans\\) indexed, 1 skipped, 0 failed`));
  assert.deepEqual(await answers(o, traceId), first, 'the same answers after the rebuild');

  const r = await run(['admin', 'POST', '/api/reindex', '--admin', `127.0.0.1:${o.port}`]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.objects, objects);
  assert.equal(summary.spans, SPANS);
  assert.equal(summary.skipped, 1);
  assert.equal(summary.failed, 0);
  assert.deepEqual(await answers(o, traceId), first, 'the same answers after otelc admin POST /api/reindex');
});

test('otelc admin: a daemon that is not there, or an index that is off', async (t) => {
  const usage = await run(['admin', 'GET']);
  assert.equal(usage.code, 2, 'a method without a path is a usage error');
  assert.match(usage.stderr, /usage: otelc admin/);
  const r = await run(['admin', 'POST', '/api/reindex', '--admin', '127.0.0.1:1']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cannot reach the daemon/);
  const o = await start(queryConfig(s3, { prefix: 'off', extra: '\n      enabled: false' }));
  t.after(() => o.stop());
  const x = await run(['admin', 'POST', '/api/reindex', '--admin', `127.0.0.1:${o.port}`]);
  assert.equal(x.code, 1);
  assert.match(x.stderr, /answered 404/);
  assert.equal((await get(o.url('/spans'))).status, 404, 'no index: no query API');
});

test('retention: old objects leave the index and stay out of rebuilds', async (t) => {
  const index = join(tempDir(), 'index');
  const cfg = queryConfig(s3, { prefix: 'ret', index, extra: '\n      retention: 2s' });
  const o = await start(cfg);
  t.after(() => o.stop());
  const old = await sendTraces(o);
  assert.ok(await waitSent(o, SPANS), o.log);
  assert.equal(await spanCount(o), SPANS);
  await sleep(2200);
  const fresh = await sendTraces(o); // its commit prunes what is past 2 s
  assert.ok(await waitSent(o, 2 * SPANS), o.log);
  const ids = new Set(((await get(o.url('/spans'))).json.spans).map((s) => s.spanId));
  assert.equal(ids.size, SPANS);
  for (const s of fresh) assert.ok(ids.has(s.spanId), 'the fresh spans are indexed');
  for (const s of old) assert.ok(!ids.has(s.spanId), 'the old ones are gone');
  const gone = await get(o.url(`/api/traces/${old[0].traceId}`));
  assert.equal(gone.status, 404);
  const r = await run(['admin', 'POST', '/api/reindex', '--admin', `127.0.0.1:${o.port}`]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.spans, SPANS, 'only the fresh objects are rebuilt');
  assert.ok(summary.skipped >= 1);
  assert.equal(await spanCount(o), SPANS);
});
