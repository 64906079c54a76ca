// The batch processor in the real host: requests pass on at once (split
// above send_batch_max_size) and the exporter queue of the pipeline forms
// the batches its keys describe, on size, on timeout and at shutdown;
// clients are answered when their data is queued or committed, never
// after the timeout; the collector's metrics count what the exporter got.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, get, post, eventually, tempDir, run, writeConfig } from './lib/harness.mjs';

function config({ batch, sink = '' }) {
  return `
receivers:
  testsource:
processors:
  batch:
${batch}
exporters:
  testsink:
${sink}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      processors: [batch]
      exporters: [testsink]
`;
}

const stats = async (o) => (await get(o.url('/test/testsink/stats'))).json;
const metrics = async (o) => (await get(o.url('/metrics'))).text;
const labels = 'pipeline="traces",processor="batch"';

const exporterBatches = (text) => {
  const m = text.match(/^otelcol_exporter_queue_batch_send_size_count\{exporter="testsink"\} (\d+)$/m);
  return m ? Number(m[1]) : 0;
};

test('the queue merges to send_batch_size; requests above send_batch_max_size are split first', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 10\n    send_batch_max_size: 10\n    timeout: 300ms',
  }));
  t.after(() => o.stop());
  // 2 requests of 5 spans, answered when queued: one batch of exactly 10.
  let r = await post(o.url('/test/testsource/emit?count=2&spans=5'));
  assert.deepEqual(r.json, { ok: 2, retry: 0, reject: 0 });
  let s = await eventually(async () => { const x = await stats(o); return x.spans === 10 ? x : null; });
  assert.ok(s, 'the merged batch reached the sink');
  assert.equal(s.batches, 1);
  // One request of 25 spans, cut into 10 + 10 + 5 before it is queued:
  // two batches leave on size, the last 5 on the timeout.
  r = await post(o.url('/test/testsource/emit?count=1&spans=25'));
  assert.deepEqual(r.json, { ok: 1, retry: 0, reject: 0 });
  s = await eventually(async () => { const x = await stats(o); return x.spans === 35 ? x : null; });
  assert.ok(s, 'all 35 spans delivered');
  assert.equal(s.batches, 4);
  const m = await eventually(async () => {
    const text = await metrics(o);
    return text.includes(`otelcol_processor_batch_batch_send_size_count{${labels}} 4`) ? text : null;
  });
  assert.ok(m, 'four sends observed');
  assert.match(m, new RegExp(`^otelcol_processor_batch_batch_size_trigger_send_total\\{${labels}\\} 3$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_batch_timeout_trigger_send_total\\{${labels}\\} 1$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_batch_batch_send_size_sum\\{${labels}\\} 35$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_batch_batch_send_size_bucket\\{${labels},le="10"\\} 4$`, 'm'));
  assert.equal(exporterBatches(m), 4, 'the exporter counts the same four batches');
  assert.match(m, /^otelcol_exporter_queue_batch_send_size_sum\{exporter="testsink"\} 35$/m);
});

test('nothing waits for the timeout; shutdown sends what the queue holds', async (t) => {
  const o = await start(config({ batch: '    send_batch_size: 1000\n    timeout: 1h' }));
  const t0 = Date.now();
  const r = await post(o.url('/test/testsource/emit?count=3&spans=4'));
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  assert.ok(Date.now() - t0 < 30000, 'answered when queued, not after the hour');
  await new Promise((res) => setTimeout(res, 200));
  assert.equal((await stats(o)).spans, 0, 'queued, not yet sent');
  const ended = await o.stop();
  assert.equal(ended.code, 0);
  assert.match(o.log, /delivered 12 spans in 1 batches/);
});

test('without a sending_queue nothing batches: requests reach the exporter as they come', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 4\n    timeout: 50ms\n    max_unsent_spans: 4',
    sink: '    mode: retry\n    sending_queue: { enabled: false }',
  }));
  t.after(() => o.stop());
  assert.match(o.log, /testsink: has no sending_queue, so nothing batches for it: batch@traces sends/);
  assert.match(o.log, /max_unsent_spans/, 'the old key is accepted with a warning');
  // The exporter's RETRY reaches the client at once: nothing is held.
  let r = await post(o.url('/test/testsource/emit?count=3&spans=4'));
  assert.deepEqual(r.json, { ok: 0, retry: 3, reject: 0 });
  await post(o.url('/test/testsink/mode?set=ok'));
  r = await post(o.url('/test/testsource/emit?count=3&spans=4'));
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  const s = await stats(o);
  assert.equal(s.spans, 12);
  assert.equal(s.batches, 3);
});

test('an exporter with its own sending_queue.batch keeps it', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 1000\n    timeout: 1h',
    sink: '    sending_queue: { batch: { min_size: 8, flush_timeout: 1h } }',
  }));
  t.after(() => o.stop());
  assert.match(o.log, /testsink: keeps its own sending_queue\.batch; the batching of batch@traces does not apply/);
  await post(o.url('/test/testsource/emit?count=2&spans=4'));
  const s = await eventually(async () => { const x = await stats(o); return x.spans === 8 ? x : null; });
  assert.ok(s, 'the exporter batch of 8 left on its own min_size');
  assert.equal(s.batches, 1);
});

test('a bad batch config fails before start with the collector message', async () => {
  const o = await start(config({ batch: '    send_batch_size: 100\n    send_batch_max_size: 10' }))
    .then(() => null, (e) => e);
  assert.ok(o instanceof Error);
  assert.match(o.message, /send_batch_max_size must be greater or equal to send_batch_size/);
});

// Behind a durable queue: answered at the commit, long before the
// batch's timeout, and what was answered survives kill -9.
test('durable pipeline: answers at the commit, and what was answered survives kill -9', async (t) => {
  const dir = tempDir();
  const durable = (mode, timeout) => config({
    batch: `    send_batch_size: 1000\n    timeout: ${timeout}`,
    sink: `    mode: ${mode}
    sending_queue: { storage: file_storage, num_consumers: 1 }
    retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 0 }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }`,
  }).replace('service:\n', 'service:\n  extensions: [file_storage]\n');
  // The sink refuses everything, so nothing is ever delivered or deleted.
  const o = await start(durable('retry', '1h'));
  const t0 = Date.now();
  const r = await post(o.url('/test/testsource/emit?count=4&spans=5'));
  assert.deepEqual(r.json, { ok: 4, retry: 0, reject: 0 });
  assert.ok(Date.now() - t0 < 30000, 'answered at the commit, not after the hour');
  assert.equal((await stats(o)).spans, 0);
  o.proc.kill('SIGKILL');
  await o.exited;
  // Batching is the read side's: the next run may batch differently.
  const again = await start(durable('ok', '100ms'));
  t.after(() => again.stop());
  const s = await eventually(async () => { const x = await stats(again); return x.spans === 20 ? x : null; });
  assert.ok(s, 'every answered span was on disk and is delivered after the restart');
  assert.equal(s.batches, 1, 'the four entries leave as one batch');
});

test('two pipelines asking one exporter for different batches: the first wins, with a warning', async () => {
  const r = await run(['validate', '--config', writeConfig(`
receivers:
  testsource:
processors:
  batch/a: { send_batch_size: 100 }
  batch/b: { send_batch_size: 200 }
exporters:
  testsink:
service:
  pipelines:
    traces/a: { receivers: [testsource], processors: [batch/a], exporters: [testsink] }
    traces/b: { receivers: [testsource], processors: [batch/b], exporters: [testsink] }
`)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /testsink: batches as batch\/a@traces\/a asked first; the batching of batch\/b@traces\/b does not apply/);
});
