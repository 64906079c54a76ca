// Pipelines of test plugins in the real host: fan-in, fan-out, shared
// instances, per-pipeline processors, routes, health and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { start, get, post, eventually } from './lib/harness.mjs';

const twoPipelines = `
receivers:
  testsource:
  testsource/b:
processors:
  testproc:
exporters:
  testsink:
  testsink/two:
    mode: pending
    delay: 20ms
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/a:
      receivers: [testsource]
      processors: [testproc]
      exporters: [testsink, testsink/two]
    traces/b:
      receivers: [testsource, testsource/b]
      processors: [testproc]
      exporters: [testsink]
`;

const stats = async (o, id) => (await get(o.url(`/test/${id}/stats`))).json;

test('fan-in, fan-out, shared exporters and per-pipeline processors', async (t) => {
  const o = await start(twoPipelines);
  t.after(() => o.stop());
  // testsource feeds both pipelines: 3 requests of 7 spans reach testsink
  // twice (once per pipeline) and testsink/two once.
  let r = await post(o.url('/test/testsource/emit?count=3&spans=7'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  // testsource/b feeds pipeline b only.
  r = await post(o.url('/test/testsource/b/emit?count=2&spans=5'));
  assert.deepEqual(r.json, { ok: 2, retry: 0, reject: 0 });

  const sink = await eventually(async () => {
    const s = await stats(o, 'testsink');
    return s.spans === 3 * 7 * 2 + 2 * 5 ? s : null;
  });
  assert.ok(sink, 'testsink got every span of both pipelines');
  assert.equal(sink.batches, 3 * 2 + 2);
  const two = await eventually(async () => {
    const s = await stats(o, 'testsink/two');
    return s.spans === 21 ? s : null;
  });
  assert.ok(two, 'testsink/two got pipeline a only');

  // The sink records a batch just before completing it; the queue counts
  // it as sent just after: wait for the counter too.
  const m = await eventually(async () => {
    const text = (await get(o.url('/metrics'))).text;
    return /^otelcol_exporter_sent_spans_total\{exporter="testsink\/two"\} 21$/m.test(text) ? text : null;
  });
  assert.ok(m, 'sent counters caught up');
  assert.match(m, /^test_processor_spans_total\{pipeline="traces\/a",processor="testproc"\} 21$/m);
  assert.match(m, /^test_processor_spans_total\{pipeline="traces\/b",processor="testproc"\} 31$/m);
  assert.match(m, /^otelcol_receiver_accepted_spans_total\{receiver="testsource",transport="testsource"\} 21$/m);
  assert.match(m, /^otelcol_receiver_accepted_spans_total\{receiver="testsource\/b",transport="testsource"\} 10$/m);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="testsink"\} 52$/m);
  assert.match(m, /^otelcol_exporter_sent_spans_total\{exporter="testsink\/two"\} 21$/m);
  assert.match(m, /^otelcol_exporter_queue_capacity\{exporter="testsink"\} 1000$/m);
  assert.match(m, /^# TYPE otelcol_process_memory_rss_bytes gauge$/m);
});

test('/metrics passes promtool check metrics', async (t) => {
  let promtool = true;
  try { execFileSync('promtool', ['--version'], { stdio: 'ignore' }); } catch { promtool = false; }
  if (!promtool && process.env.CI !== 'true') {
    t.skip('promtool is not installed (scripts/setup.sh installs it)');
    return;
  }
  const o = await start(twoPipelines);
  t.after(() => o.stop());
  await post(o.url('/test/testsource/emit?count=1&spans=3'));
  const text = (await get(o.url('/metrics'))).text;
  const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.doesNotMatch(out, /error/i);
});

test('/health flips with a component report', async (t) => {
  const o = await start(twoPipelines);
  t.after(() => o.stop());
  let h = await get(o.url('/health'));
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'healthy');
  assert.equal(h.json.components['testproc@traces/a'].kind, 'processor');

  await post(o.url('/test/testsink/two/health?status=degraded&detail=slow%20backend'));
  h = await get(o.url('/health'));
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'degraded');
  assert.equal(h.json.components['testsink/two'].detail, 'slow backend');

  await post(o.url('/test/testsink/two/health?status=unhealthy&detail=paused'));
  h = await get(o.url('/health'));
  assert.equal(h.status, 503);
  assert.equal(h.json.status, 'unhealthy');

  await post(o.url('/test/testsink/two/health?status=ok'));
  h = await get(o.url('/health'));
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'healthy');
});

test('RETRY and REJECT reach the emitter; unknown routes are 404', async (t) => {
  const o = await start(twoPipelines.replace('    mode: pending\n    delay: 20ms\n', '    mode: reject\n'));
  t.after(() => o.stop());
  // The memory queue takes the batch (OK); the exporter then refuses it
  // for good, which the host counts as failed.
  let r = await post(o.url('/test/testsource/b/emit?count=1&spans=4'));
  assert.deepEqual(r.json, { ok: 1, retry: 0, reject: 0 });
  const failed = await eventually(async () => /^otelcol_exporter_send_failed_spans_total\{exporter="testsink\/two"\} 0$/m
    .test((await get(o.url('/metrics'))).text));
  assert.ok(failed);
  r = await post(o.url('/test/testsource/emit?count=1&spans=4'));
  assert.equal(r.status, 200);
  const rejected = await eventually(async () => /^otelcol_exporter_send_failed_spans_total\{exporter="testsink\/two"\} 4$/m
    .test((await get(o.url('/metrics'))).text));
  assert.ok(rejected, 'the rejected batch is counted as failed');
  r = await get(o.url('/no/such/route'));
  assert.equal(r.status, 404);
});

test('a full queue answers RETRY, and resume() follows when there is room', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink:
    mode: pending
    delay: 200ms
    sending_queue: { queue_size: 1, num_consumers: 1 }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`);
  t.after(() => o.stop());
  // One batch waits in the queue and at most one more is being exported
  // (the consumer may not have taken the first yet); the rest are refused.
  const r = await post(o.url('/test/testsource/emit?count=5&spans=2'));
  const { ok, retry } = r.json;
  assert.ok(ok >= 1 && ok <= 2 && ok + retry === 5, JSON.stringify(r.json));
  const m = await eventually(async () => {
    const text = (await get(o.url('/metrics'))).text;
    return text.includes(`otelcol_exporter_enqueue_failed_spans_total{exporter="testsink"} ${retry * 2}\n`) &&
      text.includes(`otelcol_receiver_refused_spans_total{receiver="testsource",transport="testsource"} ${retry * 2}\n`);
  });
  assert.ok(m, 'refusals are counted on both sides');
  assert.ok(await eventually(() => /testsource: resume: downstream has room again/.test(o.log)), o.log);
  const s = await eventually(async () => {
    const st = (await get(o.url('/test/testsink/stats'))).json;
    return st.spans === ok * 2 ? st : null;
  });
  assert.ok(s, 'the two accepted batches were delivered');
});

test('the memory queue batches on the read side with sending_queue.batch', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink:
    sending_queue:
      num_consumers: 2
      batch: { min_size: 10, flush_timeout: 400ms }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`);
  t.after(() => o.stop());
  const stats = async () => (await get(o.url('/test/testsink/stats'))).json;
  // 25 requests of 2 spans: batches leave once 10 spans are queued.
  const r = await post(o.url('/test/testsource/emit?count=25&spans=2'));
  assert.equal(r.json.ok, 25, JSON.stringify(r.json));
  const s = await eventually(async () => { const x = await stats(); return x.spans === 50 ? x : null; });
  assert.ok(s, 'all 50 spans delivered');
  assert.ok(s.batches < 25, `merged into fewer exports: ${s.batches}`);
  // The merged batch is one valid request holding its parts' spans.
  const last = (await get(o.url('/test/testsink/received'))).json;
  const spansIn = (req) => req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length;
  assert.ok(last.length > 0 && last.every((req) => spansIn(req) >= 2 && spansIn(req) % 2 === 0));
  assert.ok(last.some((req) => spansIn(req) >= 10), 'a batch reached min_size');

  // Below min_size, what is queued leaves after flush_timeout, as one batch.
  const before = await stats();
  const t0 = Date.now();
  assert.equal((await post(o.url('/test/testsource/emit?count=3&spans=2'))).json.ok, 3);
  const after = await eventually(async () => { const x = await stats(); return x.spans === 56 ? x : null; });
  assert.ok(after, 'the small batches were delivered');
  assert.ok(Date.now() - t0 >= 300, 'held until flush_timeout');
  assert.equal(after.batches - before.batches, 1, 'as one merged export');
});

// The collector calls an exporter without a sending queue from the
// fan-out itself: it gets every batch, the answer waits for it and joins
// its outcome with the queues', and shutdown does not wait for a queue
// that never runs.
test('an exporter without a sending queue beside one with: both get every batch, promptly', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink/direct:
    mode: pending
    delay: 300ms
    sending_queue: { enabled: false }
  testsink/queued:
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  shutdown_timeout: 10s
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink/direct, testsink/queued]
`);
  t.after(() => o.stop());
  const t0 = Date.now();
  let r = await post(o.url('/test/testsource/emit?count=3&spans=4'));
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  assert.ok(Date.now() - t0 >= 280, 'the answer waited for the exporter without a queue');
  assert.equal((await stats(o, 'testsink/direct')).spans, 12);
  assert.ok(await eventually(async () => (await stats(o, 'testsink/queued')).spans === 12), o.log);

  // Its refusals reach the client, joined with the queue's OK.
  await post(o.url('/test/testsink/direct/mode?set=reject'));
  r = await post(o.url('/test/testsource/emit?count=1&spans=2'));
  assert.deepEqual(r.json, { ok: 0, retry: 0, reject: 1 });
  await post(o.url('/test/testsink/direct/mode?set=retry'));
  r = await post(o.url('/test/testsource/emit?count=1&spans=2'));
  assert.deepEqual(r.json, { ok: 0, retry: 1, reject: 0 });
  assert.ok(await eventually(async () => (await stats(o, 'testsink/queued')).spans === 16), o.log);

  const stopAt = Date.now();
  assert.equal((await o.stop()).code, 0, o.log);
  assert.ok(Date.now() - stopAt < 3000, `shutdown took ${Date.now() - stopAt} ms:\n${o.log}`);
  assert.doesNotMatch(o.log, /lost|did not drain/);
});
