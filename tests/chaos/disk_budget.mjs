// Chaos: the disk budget reached with S3 down. The shipped pipeline with
// `sending_queue.max_disk_size: 2MiB` and the S3 server stopped from the
// start; a gRPC client (the example client) and an HTTP/1.1 client (50
// spans of OTLP/JSON every 100 ms) stream until the queue is at its
// budget and for 20 s more. Checked: past the budget clients get
// UNAVAILABLE (gRPC 14) and 503 with Retry-After, /health is 503 with
// at_budget, the process stays up with bounded memory (VmHWM, and
// anonymous RSS sampled every 250 ms); once the S3 server is back otelc
// recovers by itself (no restart, no admin call): clients are accepted
// again and the queue drains; every acknowledged span is in the bucket
// and no refused one is. Wall time: about 30 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sleep } from '../integration/lib/harness.mjs';
import { startS3 } from '../integration/lib/s3server.mjs';
import { procStatus, resetPeak } from '../integration/lib/hostile.mjs';
import {
  shippedOverride, s3Env, launch, startClient, bucketSpans, compare, waitDrained, freePort,
  scratchDir, cleanScratch, report, health, metricsText, metric, mib,
} from './lib/chaos.mjs';

const RATE = 2000;
const AT_BUDGET_MS = 20000;
// Peak RSS allowed: the queue keeps at most max_memory_size (32 MiB) of
// requests in memory and the budget is 2 MiB; the rest is the process.
const HWM_LIMIT_MIB = 256;

let seq = 0;
const hex = (n, len) => n.toString(16).padStart(len, '0');
function jsonRequest() {
  const trace = hex(0xd15c0000 + (++seq), 32);
  const spans = Array.from({ length: 50 }, (_, i) => ({ traceId: trace, spanId: hex(seq * 64 + i + 1, 16),
    name: 'budget', startTimeUnixNano: String(Date.now() * 1e6), endTimeUnixNano: String(Date.now() * 1e6 + 1000) }));
  return { ids: spans.map((x) => `${x.traceId} ${x.spanId}`),
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }) };
}

// Posts until stopped: { answers: [{ t, status, retryAfter, ids }] }.
function httpClient(port) {
  const st = { answers: [], running: true };
  st.done = (async () => {
    while (st.running) {
      const req = jsonRequest();
      const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body: req.body,
        headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30000) })
        .catch((e) => ({ status: 0, error: e, headers: new Headers() }));
      if (res.text) await res.text();
      st.answers.push({ t: Date.now(), status: res.status, retryAfter: res.headers.get('retry-after'), ids: req.ids });
      await sleep(100);
    }
  })();
  st.stop = async () => { st.running = false; await st.done; return st; };
  return st;
}

test('disk budget with S3 down: refused, bounded, recovers by itself, nothing acknowledged lost', { timeout: 600000 }, async (t) => {
  const wall = Date.now();
  const s3 = await startS3({ directory: scratchDir('s3') });
  await s3.stop(); // down from the start: its port refuses connections
  t.after(async () => { await s3.stop(); cleanScratch(); });
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const yaml = shippedOverride(s3, { grpcPort, httpPort, dir: join(scratchDir('queue'), 'queue'), awss3: `
    sending_queue: { max_disk_size: 2MiB, batch: { min_size: 8192, flush_timeout: 1s } }
    retry_on_failure: { initial_interval: 500ms, max_interval: 2s }` });
  const o = launch(yaml, { env: s3Env(scratchDir('home')) });
  t.after(() => o.kill());
  await o.ready;
  const pid = o.proc.pid;
  resetPeak(pid);
  let peakAnon = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try { peakAnon = Math.max(peakAnon, procStatus(pid).anon); } catch { /* exited: asserted below */ }
      await sleep(250);
    }
  })();

  const client = startClient(grpcPort, { rate: RATE });
  const poster = httpClient(httpPort);

  // Until the queue says it is at its budget.
  let atBudget = null;
  for (const end = Date.now() + 120000; Date.now() < end && !atBudget; await sleep(250)) {
    const h = await health(o);
    if (h.json.components?.awss3?.queue?.at_budget || /at_budget":true/.test(JSON.stringify(h.json))) atBudget = h;
  }
  assert.ok(atBudget, `the queue reached its budget:\n${o.log.slice(-3000)}`);
  const budgetAt = Date.now();
  const diskUsed = metric(await metricsText(o), 'otelc_exporter_queue_disk_bytes');
  await sleep(AT_BUDGET_MS);
  const held = await health(o);
  assert.equal(o.proc.exitCode, null, 'otelc is still running');
  const hwm = procStatus(pid).hwm;

  // S3 back: no restart, no admin call.
  await s3.start();
  const back = Date.now();
  let recoveredMs = null;
  for (const end = Date.now() + 180000; Date.now() < end; await sleep(250)) {
    const h = await health(o);
    const acceptedAgain = poster.answers.some((a) => a.t > back && a.status === 200);
    if (h.http === 200 && h.awss3 === 'ok' && acceptedAgain) {
      recoveredMs = Date.now() - back;
      break;
    }
  }
  await sleep(3000); // a few more accepted requests after the recovery
  const c = await client.stop();
  const p = await poster.stop();
  assert.ok(await waitDrained(o), `the queue drains:\n${o.log.slice(-3000)}`);
  sampling = false;
  await sampler;
  const stored = await bucketSpans(s3);

  const httpOk = p.answers.filter((a) => a.status === 200);
  const http503 = p.answers.filter((a) => a.status === 503);
  const httpOther = p.answers.filter((a) => a.status !== 200 && a.status !== 503);
  const acked = new Set([...c.ids, ...httpOk.flatMap((a) => a.ids)]);
  const r = compare(acked, stored);
  const refusedStored = http503.flatMap((a) => a.ids).filter((id) => stored.counts.has(id)).length;
  const grpcRefused = c.statuses['14'] || 0;
  const stop = await o.stop();
  const figures = {
    rate: RATE, budgetBytes: 2 * 1024 * 1024, diskUsedAtBudget: diskUsed, secondsToBudget: Math.round((budgetAt - wall) / 1000),
    grpc: { ok: c.requests.ok, unavailable: grpcRefused, statuses: c.statuses },
    http: { ok: httpOk.length, s503: http503.length, other: httpOther.length },
    healthAtBudget: held.http, vmHwmMiB: mib(hwm), peakAnonMiB: mib(peakAnon), recoveredMs, ...r, refusedStored,
    wallSeconds: Math.round((Date.now() - wall) / 1000),
  };
  delete figures.missingIds;
  report('disk_budget', `max_disk_size 2MiB, S3 down: at the budget (${diskUsed} bytes counted) /health ${held.http}; ` +
    `gRPC ${grpcRefused} UNAVAILABLE / ${c.requests.ok} OK, HTTP ${http503.length} 503 / ${httpOk.length} 200` +
    `${httpOther.length ? ` / ${httpOther.length} other` : ''}; ` +
    `VmHWM ${mib(hwm)} MiB, peak anon RSS ${mib(peakAnon)} MiB over ${AT_BUDGET_MS / 1000} s at the budget; S3 back: recovered by itself in ` +
    `${recoveredMs === null ? 'NEVER' : `${(recoveredMs / 1000).toFixed(1)} s`}; ${r.acked} spans acknowledged, missing ${r.missing}, ` +
    `duplicates ${r.duplicates}, refused but stored ${refusedStored}; wall ${figures.wallSeconds} s`, figures);

  assert.ok(grpcRefused > 0, 'gRPC clients got UNAVAILABLE at the budget');
  assert.ok(http503.length > 0, 'HTTP clients got 503 at the budget');
  for (const a of http503) assert.ok(Number(a.retryAfter) > 0, 'a 503 says when to come back');
  assert.deepEqual(httpOther.map((a) => a.status), [], 'no answer but 200 or 503');
  assert.equal(held.http, 503, '/health is 503 while the queue is at its budget');
  assert.ok(mib(hwm) < HWM_LIMIT_MIB, `VmHWM ${mib(hwm)} MiB`);
  assert.ok(recoveredMs !== null, 'otelc recovered by itself once S3 was back');
  assert.equal(r.missing, 0, `acknowledged spans missing from the bucket, e.g. ${r.missingIds.join(', ')}`);
  assert.equal(refusedStored, 0, 'no refused span was stored');
  assert.equal(stop.code, 0, o.log.slice(-3000));
});
