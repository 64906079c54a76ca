// The memory_limiter processor in the real host: above its soft limit
// every request is refused with RETRY (counted) and nothing passes; under
// it requests go on; its config is checked with the collector's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, get, post, run, writeConfig, eventually } from './lib/harness.mjs';

const config = (limiter) => `
receivers:
  testsource:
processors:
  memory_limiter:
${limiter}
exporters:
  testsink:
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      processors: [memory_limiter]
      exporters: [testsink]
`;

const emit = async (o, count, spans) =>
  (await post(o.url(`/test/testsource/emit?count=${count}&spans=${spans}`))).json;
const stats = async (o) => (await get(o.url('/test/testsink/stats'))).json;

test('above the soft limit every request is refused with RETRY, and counted', async (t) => {
  // 2 MiB with 1 MiB of spike room: any process is above it.
  const o = await start(config('    check_interval: 100ms\n    limit_mib: 2\n    spike_limit_mib: 1'));
  t.after(() => o.stop());
  assert.match(o.log, /memory_limiter@traces: limit 2 MiB, soft limit 1 MiB/);
  assert.deepEqual(await emit(o, 5, 10), { ok: 0, retry: 5, reject: 0 });
  assert.equal((await stats(o)).spans, 0, 'nothing passed');
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, /^otelcol_processor_refused_spans_total\{pipeline="traces",processor="memory_limiter"\} 50$/m);
  assert.match(m, /^otelc_processor_memory_limiter_memory_bytes\{pipeline="traces",processor="memory_limiter"\} [1-9]\d*$/m);
});

test('under the limit requests pass unchanged', async (t) => {
  const o = await start(config('    check_interval: 1s\n    limit_percentage: 95\n    spike_limit_percentage: 5'));
  t.after(() => o.stop());
  assert.deepEqual(await emit(o, 4, 25), { ok: 4, retry: 0, reject: 0 });
  assert.ok(await eventually(async () => (await stats(o)).spans === 100));
});

test('the collector\'s rules for its keys', async () => {
  const v = async (yaml) => run(['validate', '--config', writeConfig(config(yaml))]);
  let r = await v('    limit_mib: 100');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /check_interval must be greater than zero/);
  r = await v('    check_interval: 1s\n    limit_mib: 100\n    spike_limit_mib: 100');
  assert.match(r.stderr, /spike_limit_mib must be smaller than limit_mib/);
  r = await v('    check_interval: 1s');
  assert.match(r.stderr, /limit_mib or limit_percentage must be greater than zero/);
  r = await v('    check_interval: 1s\n    limit_mib: 400\n    min_gc_interval_when_soft_limited: 10s');
  assert.equal(r.code, 0, r.stderr);
});
