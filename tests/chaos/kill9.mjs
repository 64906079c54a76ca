// Chaos: kill -9 at random moments. The example client streams spans
// over gRPC for about a minute while otelc (the shipped pipeline: durable
// queue, awss3 writing the trace table) is killed with SIGKILL every 2 to
// 6 s, one kill in four during start-up (while the queue is being opened
// and its recorded batches resumed), and started again on the same queue
// directory and ports. At the end every span the client heard OK for is
// in the bucket; copies are counted and printed, not failed
// (at-least-once). Wall time: about 70 s (60 s of traffic, the drain, the
// read-back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sleep } from '../integration/lib/harness.mjs';
import { startS3 } from '../integration/lib/s3server.mjs';
import {
  shippedOverride, s3Env, launch, startClient, bucketSpans, compare, waitDrained, freePort, rng, seed,
  scratchDir, cleanScratch, report,
} from './lib/chaos.mjs';

const SECONDS = Number(process.env.CHAOS_KILL_SECONDS || 60);
const RATE = 3000;

test('kill -9 loop: every acknowledged span is in S3', { timeout: 600000 }, async (t) => {
  const wall = Date.now();
  const s = seed();
  const random = rng(s);
  const s3 = await startS3({ directory: scratchDir('s3') });
  t.after(async () => { await s3.stop(); cleanScratch(); });
  const grpcPort = await freePort();
  // Files of at most 8192 spans or 1 s (the shipped 64k / 5 s would leave
  // most kills with no upload in flight).
  const yaml = shippedOverride(s3, { grpcPort, dir: join(scratchDir('queue'), 'queue'), awss3: `
    sending_queue: { batch: { min_size: 8192, flush_timeout: 1s } }
    retry_on_failure: { initial_interval: 200ms, max_interval: 2s }` });
  const env = s3Env(scratchDir('home'));

  let o = launch(yaml, { env });
  t.after(() => o.kill());
  await o.ready;
  const client = startClient(grpcPort, { rate: RATE, spansPerRequest: 50, connections: 2 });
  let kills = 0;
  let duringStart = 0;
  const startMs = [];
  // At least SECONDS and 10 kills (a slow machine takes longer to restart),
  // but never more than three times SECONDS.
  const t0 = Date.now();
  const more = () => Date.now() - t0 < SECONDS * 1000 || (kills < 10 && Date.now() - t0 < SECONDS * 3000);
  while (more()) {
    if (random() < 0.25) {
      // Killed while starting: somewhere in its first half second.
      await sleep(random() * 500);
      duringStart++;
    } else {
      await o.ready;
      await sleep(2000 + random() * 4000);
    }
    await o.kill();
    kills++;
    o = launch(yaml, { env });
    const launched = Date.now();
    o.ready.then(() => startMs.push(Date.now() - launched), () => {});
  }
  const loopSeconds = Math.round((Date.now() - t0) / 1000);
  await o.ready;
  const c = await client.stop();
  assert.ok(await waitDrained(o), `the queue drains:\n${o.log.slice(-3000)}`);
  const stored = await bucketSpans(s3);
  const r = compare(c.ids, stored);
  const stop = await o.stop();
  const maxStart = Math.max(0, ...startMs);
  const figures = { seed: s, seconds: loopSeconds, rate: RATE, kills, duringStart, ...r,
    requests: c.requests, statuses: c.statuses, maxStartMs: maxStart, wallSeconds: Math.round((Date.now() - wall) / 1000) };
  delete figures.missingIds;
  report('kill9', `${kills} kills (${duringStart} during start-up) in ${loopSeconds} s at ${RATE} spans/s (seed ${s}); ` +
    `client ${c.requests.ok}/${c.requests.sent} requests OK, ${r.acked} spans acknowledged; bucket ${r.stored} spans ` +
    `in ${r.objects} files, missing ${r.missing}, duplicates ${r.duplicates}, stored unacknowledged ${r.unacknowledged}; ` +
    `slowest restart ${maxStart} ms; wall ${figures.wallSeconds} s`, figures);
  assert.ok(kills >= 10, `only ${kills} kills`);
  assert.ok(r.acked > 0, 'the client had spans acknowledged');
  assert.equal(r.missing, 0, `acknowledged spans missing from the bucket, e.g. ${r.missingIds.join(', ')}`);
  assert.equal(stop.code, 0, `a clean stop at the end:\n${o.log.slice(-3000)}`);
});
