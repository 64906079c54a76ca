// The batch processor in the real host: merge and split by span count,
// timeout and shutdown sends, RETRY from the exporter kept until it takes
// the data again, the unsent bound, and the collector's metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, get, post, eventually, tempDir } from './lib/harness.mjs';

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

test('merges to send_batch_size and splits at send_batch_max_size', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 10\n    send_batch_max_size: 10\n    timeout: 300ms',
  }));
  t.after(() => o.stop());
  // 2 requests of 5 spans: one merged batch of exactly 10.
  let r = await post(o.url('/test/testsource/emit?count=2&spans=5'));
  assert.deepEqual(r.json, { ok: 2, retry: 0, reject: 0 });
  let s = await eventually(async () => { const x = await stats(o); return x.spans === 10 ? x : null; });
  assert.ok(s, 'the merged batch reached the sink');
  assert.equal(s.batches, 1);
  // One request of 25 spans: two batches of 10 on size, the last 5 on
  // timeout; the request is answered only once all 25 were taken.
  r = await post(o.url('/test/testsource/emit?count=1&spans=25'));
  assert.deepEqual(r.json, { ok: 1, retry: 0, reject: 0 });
  // Answered once the sink's queue took the batches; delivery follows.
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
});

test('shutdown sends what the processor holds', async (t) => {
  const o = await start(config({ batch: '    send_batch_size: 1000\n    timeout: 1h' }));
  // Not awaited: the answer comes only when the batch is sent.
  const pending = post(o.url('/test/testsource/emit?count=3&spans=4')).catch(() => null);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await stats(o)).spans, 0, 'held, not sent');
  const ended = await o.stop();
  assert.equal(ended.code, 0);
  assert.match(o.log, /delivered 12 spans in 1 batches/);
  await pending;
});

test('RETRY from the exporter: kept, sent again, nothing lost', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 4\n    timeout: 50ms',
    sink: '    mode: retry\n    sending_queue: { enabled: false }',
  }));
  t.after(() => o.stop());
  const answer = post(o.url('/test/testsource/emit?count=3&spans=4'));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await stats(o)).spans, 0, 'the exporter refused everything so far');
  await post(o.url('/test/testsink/mode?set=ok'));
  const r = await answer;
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  const s = await stats(o);
  assert.equal(s.spans, 12);
  assert.equal(s.batches, 3);
});

test('past max_unsent_spans new requests are told to retry', async (t) => {
  const o = await start(config({
    batch: '    send_batch_size: 4\n    timeout: 50ms\n    max_unsent_spans: 4',
    sink: '    mode: retry\n    sending_queue: { enabled: false }',
  }));
  t.after(() => o.stop());
  const first = post(o.url('/test/testsource/emit?count=1&spans=4'));
  await new Promise((r) => setTimeout(r, 200));
  const second = await post(o.url('/test/testsource/emit?count=1&spans=4'));
  assert.deepEqual(second.json, { ok: 0, retry: 1, reject: 0 });
  await post(o.url('/test/testsink/mode?set=ok'));
  assert.deepEqual((await first).json, { ok: 1, retry: 0, reject: 0 });
  assert.equal((await stats(o)).spans, 4);
});

test('a bad batch config fails before start with the collector message', async () => {
  const o = await start(config({ batch: '    send_batch_size: 100\n    send_batch_max_size: 10' }))
    .then(() => null, (e) => e);
  assert.ok(o instanceof Error);
  assert.match(o.message, /send_batch_max_size must be greater or equal to send_batch_size/);
});

// The durable pipeline (batch processor in front of a file_storage queue,
// answers within `timeout` of the commit) needs the durable queue, which
// is not in the host yet.
test('durable pipeline: answers after the commit, and what was answered survives kill -9', async (t) => {
  const dir = tempDir();
  const durable = (mode) => config({
    batch: '    send_batch_size: 1000\n    timeout: 300ms',
    sink: `    mode: ${mode}
    sending_queue: { storage: file_storage, num_consumers: 1 }
    retry_on_failure: { initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 0 }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }`,
  }).replace('service:\n', 'service:\n  extensions: [file_storage]\n');
  // The sink refuses everything, so nothing is ever delivered or deleted.
  const o = await start(durable('retry'));
  const t0 = Date.now();
  const r = await post(o.url('/test/testsource/emit?count=4&spans=5'));
  // 20 spans stay under send_batch_size: the processor sends on its
  // timeout, and the requests are answered once that batch is committed.
  assert.deepEqual(r.json, { ok: 4, retry: 0, reject: 0 });
  assert.ok(Date.now() - t0 >= 250, 'answered only after the timeout send');
  assert.equal((await stats(o)).spans, 0);
  o.proc.kill('SIGKILL');
  await o.exited;
  const again = await start(durable('ok'));
  t.after(() => again.stop());
  const s = await eventually(async () => { const x = await stats(again); return x.spans === 20 ? x : null; });
  assert.ok(s, 'every answered span was on disk and is delivered after the restart');
});
