// Chaos: S3 away, failing and slow while a client streams. otelc (the
// shipped pipeline) uploads through a fault-injecting proxy on loopback
// (lib/faultproxy.mjs) to the S3 server. In turn: the S3 server stopped
// for 20 s, then for 40 s, and started again on the same port and
// directory; the proxy answering every request 500 InternalError for
// 10 s, then 503 SlowDown for 10 s; then holding every request 1 to 8 s
// (the exporter's timeout is 5 s) for 15 s. The client never stops.
// Checked: /health says degraded during each outage and each error
// spell (HTTP 200: an outage is no reason to restart otelc), never
// unhealthy; the backlog drains after each; at the end every
// acknowledged span is in the bucket. Printed: per fault, the peak queue
// (spans) and the drain time (from the fault's end until the queue is
// back under 3 s of traffic). Wall time: about 2 minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sleep } from '../integration/lib/harness.mjs';
import { startS3 } from '../integration/lib/s3server.mjs';
import { startFaultProxy } from './lib/faultproxy.mjs';
import {
  shippedOverride, s3Env, launch, startClient, bucketSpans, compare, waitDrained, freePort,
  scratchDir, cleanScratch, report, health, metricsText, metric,
} from './lib/chaos.mjs';

const RATE = 2000;
const DRAINED = RATE * 3; // spans: what 3 s of traffic leave in the queue at most
const DRAIN_TIMEOUT = 150000;

test('S3 down, failing and slow: degraded, nothing lost, the backlog drains', { timeout: 900000 }, async (t) => {
  const wall = Date.now();
  const s3 = await startS3({ directory: scratchDir('s3') });
  const proxy = await startFaultProxy(() => s3.port);
  t.after(async () => { await proxy.stop(); await s3.stop(); cleanScratch(); });
  const grpcPort = await freePort();
  const yaml = shippedOverride(s3, { grpcPort, endpoint: proxy.endpoint, dir: join(scratchDir('queue'), 'queue'),
    awss3: `
    sending_queue: { batch: { min_size: 8192, flush_timeout: 1s } }
    retry_on_failure: { initial_interval: 500ms, max_interval: 5s }` });
  const o = launch(yaml, { env: s3Env(scratchDir('home')) });
  t.after(() => o.kill());
  await o.ready;
  const client = startClient(grpcPort, { rate: RATE });

  // A sampler: /health and the queue's spans every 500 ms, tagged with
  // the fault of the moment.
  let phase = 'baseline';
  const samples = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const [h, m] = await Promise.all([health(o), metricsText(o)]);
        samples.push({ t: Date.now(), phase, http: h.http, status: h.status, awss3: h.awss3, detail: h.detail,
          spans: metric(m, 'otelc_exporter_queue_spans') });
      } catch (e) {
        samples.push({ t: Date.now(), phase, error: String(e) });
      }
      await sleep(500);
    }
  })();
  const lastSpans = () => {
    for (let i = samples.length - 1; i >= 0; i--) if (samples[i].spans !== undefined) return samples[i].spans;
    return undefined;
  };
  // From now until the queue holds under DRAINED spans twice in a row.
  const drain = async () => {
    const t0 = Date.now();
    let under = 0;
    let seen = samples.length;
    while (Date.now() - t0 < DRAIN_TIMEOUT) {
      await sleep(250);
      if (samples.length === seen) continue;
      seen = samples.length;
      under = lastSpans() <= DRAINED ? under + 1 : 0;
      if (under >= 2) return Date.now() - t0;
    }
    return null;
  };

  const faults = [];
  const fault = async (name, inject, ms, heal) => {
    phase = name;
    await inject();
    await sleep(ms);
    await heal();
    phase = `${name} drain`;
    const drainMs = await drain();
    const during = samples.filter((x) => x.phase === name || x.phase === `${name} drain`);
    const f = {
      name, faultSeconds: ms / 1000,
      peakSpans: Math.max(0, ...during.map((x) => x.spans || 0)),
      drainMs,
      degraded: during.some((x) => x.awss3 === 'degraded'),
      unhealthy: during.filter((x) => x.http === 503 || x.status === 'unhealthy').length,
      statuses: [...new Set(during.map((x) => x.awss3))].join('/'),
    };
    faults.push(f);
    phase = 'between';
    return f;
  };

  await sleep(5000);
  const proxyPass = () => proxy.setMode('pass');
  await fault('S3 stopped 20 s', () => s3.stop(), 20000, () => s3.start());
  await fault('S3 stopped 40 s', () => s3.stop(), 40000, () => s3.start());
  await fault('500 InternalError 10 s', () => proxy.setMode('error', { status: 500, code: 'InternalError' }), 10000, proxyPass);
  await fault('503 SlowDown 10 s', () => proxy.setMode('error', { status: 503, code: 'SlowDown' }), 10000, proxyPass);
  await fault('slow 1-8 s 15 s', () => proxy.setMode('slow', { minMs: 1000, maxMs: 8000 }), 15000, proxyPass);

  const c = await client.stop();
  const drained = await waitDrained(o);
  sampling = false;
  await sampler;
  const end = await health(o);
  const stored = await bucketSpans(s3);
  const r = compare(c.ids, stored);
  const stop = await o.stop();
  const figures = { rate: RATE, faults, ...r, requests: c.requests, statuses: c.statuses, proxy: proxy.counts,
    wallSeconds: Math.round((Date.now() - wall) / 1000) };
  delete figures.missingIds;
  const fmt = (f) => `${f.name}: ${f.degraded ? 'degraded' : 'NOT degraded'}${f.unhealthy ? ` (${f.unhealthy} unhealthy samples)` : ''}, ` +
    `peak queue ${f.peakSpans} spans, drained in ${f.drainMs === null ? 'NEVER' : `${(f.drainMs / 1000).toFixed(1)} s`}`;
  report('s3_outage', `${RATE} spans/s throughout; ${faults.map(fmt).join('; ')}; client ${c.requests.ok}/${c.requests.sent} ` +
    `requests OK, ${r.acked} spans acknowledged, bucket ${r.stored} in ${r.objects} files, missing ${r.missing}, ` +
    `duplicates ${r.duplicates}; wall ${figures.wallSeconds} s`, figures);

  assert.ok(drained, 'the queue drained at the end');
  assert.equal(r.missing, 0, `acknowledged spans missing from the bucket, e.g. ${r.missingIds.join(', ')}`);
  for (const f of faults) {
    assert.ok(f.drainMs !== null, `${f.name}: the backlog drained`);
    if (!f.name.startsWith('slow')) assert.ok(f.degraded, `${f.name}: /health said degraded (saw ${f.statuses})`);
    assert.equal(f.unhealthy, 0, `${f.name}: /health never said unhealthy`);
  }
  assert.equal(end.awss3, 'ok', 'healthy at the end');
  assert.equal(c.requests.failed, 0, 'the client was never refused');
  assert.equal(stop.code, 0, o.log.slice(-3000));
});
