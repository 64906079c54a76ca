// Signals and connectors in the real host: batches go to the pipelines of
// their signal, the forward connector joins pipelines and answers its
// upstream with its downstream's answer, and the graph refuses what the
// collector refuses (a component of the wrong signal, a connector used on
// one side only or with a pair it does not join, a cycle), each at its
// position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, run, writeConfig, get, post, eventually, tempDir } from './lib/harness.mjs';

const stats = async (o, id) => (await get(o.url(`/test/${id}/stats`))).json;
const emit = async (o, id, query) => (await post(o.url(`/test/${id}/emit?${query}`))).json;

const admin = `
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }`;

test('batches reach the pipelines of their signal only', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink/t:
    sending_queue: { enabled: false }
  testsink/m:
    sending_queue: { enabled: false }
service:${admin}
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink/t]
    metrics:
      receivers: [testsource]
      exporters: [testsink/m]
`);
  t.after(() => o.stop());
  assert.deepEqual(await emit(o, 'testsource', 'count=2&spans=3&signal=metrics'),
    { ok: 2, retry: 0, reject: 0 });
  assert.deepEqual(await emit(o, 'testsource', 'count=1&spans=4'), { ok: 1, retry: 0, reject: 0 });
  // No logs pipeline: a logs batch is refused, nothing reaches a sink.
  assert.deepEqual(await emit(o, 'testsource', 'count=1&spans=5&signal=logs'),
    { ok: 0, retry: 0, reject: 1 });
  const m = await stats(o, 'testsink/m'), tr = await stats(o, 'testsink/t');
  assert.equal(m.metrics, 6);
  assert.equal(m.spans, 6, 'the metrics sink took the metric points only');
  assert.equal(tr.spans, 4);
  assert.equal(tr.metrics, 0);
  assert.equal(tr.logs + m.logs, 0);
  const text = (await get(o.url('/metrics'))).text;
  assert.match(text, /^otelcol_receiver_accepted_metric_points_total\{receiver="testsource",transport="testsource"\} 6$/m);
  assert.match(text, /^otelcol_receiver_accepted_spans_total\{receiver="testsource",transport="testsource"\} 4$/m);
  assert.match(text, /^otelcol_receiver_refused_log_records_total\{receiver="testsource",transport="testsource"\} 5$/m);
  assert.match(text, /^otelcol_exporter_sent_metric_points_total\{exporter="testsink\/m"\} /m);
  assert.doesNotMatch(text, /otelcol_exporter_sent_spans_total\{exporter="testsink\/m"\}/,
    'an exporter has series for the signals of its pipelines only');
});

test('a receiver has series only for the signals and transports that carried data', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink:
service:${admin}
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`);
  t.after(() => o.stop());
  let text = (await get(o.url('/metrics'))).text;
  assert.doesNotMatch(text, /otelcol_receiver_accepted_spans_total/);
  await emit(o, 'testsource', 'count=1&spans=2');
  text = (await get(o.url('/metrics'))).text;
  assert.match(text, /^otelcol_receiver_accepted_spans_total\{receiver="testsource",transport="testsource"\} 2$/m);
});

const joined = (sink, queue = 'sending_queue: { enabled: false }') => `
receivers:
  testsource:
exporters:
  testsink:
    mode: ${sink}
    delay: 300ms
    ${queue}
connectors:
  forward:
service:${admin}
  pipelines:
    traces/in:
      receivers: [testsource]
      exporters: [forward]
    traces/out:
      receivers: [forward]
      exporters: [testsink]
    metrics/in:
      receivers: [testsource]
      exporters: [forward]
    metrics/out:
      receivers: [forward]
      exporters: [testsink]
`;

test('forward joins two traces pipelines and a metrics pair; the answer is the downstream one', async (t) => {
  const o = await start(joined('pending'));
  t.after(() => o.stop());
  const began = Date.now();
  assert.deepEqual(await emit(o, 'testsource', 'count=3&spans=2'), { ok: 3, retry: 0, reject: 0 });
  assert.ok(Date.now() - began >= 290, 'the client waited for the queue-less sink downstream');
  assert.deepEqual(await emit(o, 'testsource', 'count=2&spans=5&signal=metrics'),
    { ok: 2, retry: 0, reject: 0 });
  const s = await stats(o, 'testsink');
  assert.equal(s.spans, 16);
  assert.equal(s.metrics, 10);
  assert.equal(s.batches, 5);
});

test('a refusal downstream of a connector reaches the client', async (t) => {
  const o = await start(joined('reject'));
  t.after(() => o.stop());
  assert.deepEqual(await emit(o, 'testsource', 'count=2&spans=1'), { ok: 0, retry: 0, reject: 2 });
  await post(o.url('/test/testsink/mode?set=retry'));
  assert.deepEqual(await emit(o, 'testsource', 'count=1&spans=1'), { ok: 0, retry: 1, reject: 0 });
});

test('behind a durable queue downstream, the connector answers at the commit', async (t) => {
  const o = await start(`
receivers:
  testsource:
exporters:
  testsink:
    sending_queue: { storage: file_storage }
extensions:
  file_storage: { directory: "${tempDir()}" }
connectors:
  forward:
service:${admin}
  extensions: [file_storage]
  pipelines:
    traces/in:
      receivers: [testsource]
      exporters: [forward]
    traces/out:
      receivers: [forward]
      exporters: [testsink]
`);
  t.after(() => o.stop());
  assert.deepEqual(await emit(o, 'testsource', 'count=4&spans=3'), { ok: 4, retry: 0, reject: 0 });
  assert.ok(await eventually(async () => (await stats(o, 'testsink')).spans === 12));
});

async function validate(yaml) {
  const file = writeConfig(yaml);
  const r = await run(['validate', '--config', file]);
  return { ...r, file };
}

test('the graph refuses a connector used on one side, an unsupported pair, a cycle', async () => {
  let r = await validate(`
receivers:
  testsource:
exporters:
  testsink:
connectors:
  forward:
service:
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [forward, testsink]
    metrics:
      receivers: [forward]
      exporters: [testsink]
`);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:12:19: key 'service.pipelines.traces.exporters[0]': connector "forward" used as exporter in traces pipeline but not used in any supported receiver pipeline`), r.stderr);
  assert.ok(r.stderr.includes(`${r.file}:14:19: key 'service.pipelines.metrics.receivers[0]': connector "forward" used as receiver in metrics pipeline but not used in any supported exporter pipeline`), r.stderr);

  r = await validate(`
receivers:
  testsource:
exporters:
  testsink:
connectors:
  forward:
  forward/back:
service:
  pipelines:
    traces/a:
      receivers: [testsource, forward/back]
      exporters: [forward]
    traces/b:
      receivers: [forward]
      exporters: [forward/back, testsink]
`);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`key 'service.pipelines.traces/a': cycle detected: pipeline "traces/a" -> connector "forward" -> pipeline "traces/b" -> connector "forward/back" -> pipeline "traces/a"`), r.stderr);

  r = await validate(`
receivers:
  testsource:
processors:
  converter:
exporters:
  testsink:
service:
  pipelines:
    logs:
      receivers: [testsource]
      processors: [converter]
      exporters: [testsink]
`);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${r.file}:12:20: key 'service.pipelines.logs.processors[0]': processor "converter" does not support logs (pipeline "logs"): telemetry type is not supported; it handles traces`), r.stderr);
});

test('every component otelc lacks and a profiles pipeline are named in one run', async () => {
  const r = await validate(`
receivers:
  testsource:
  hostmetrics:
    collection_interval: 10s
  filelog:
    include: [/var/log/*.log]
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:9
  testsink:
service:
  pipelines:
    metrics:
      receivers: [hostmetrics]
      exporters: [prometheusremotewrite]
    logs:
      receivers: [filelog]
      exporters: [testsink]
    profiles:
      receivers: [testsource]
      exporters: [testsink]
`);
  assert.equal(r.code, 1);
  for (const line of [
    `${r.file}:4:3: key 'receivers.hostmetrics': unknown receiver type "hostmetrics"`,
    `${r.file}:6:3: key 'receivers.filelog': unknown receiver type "filelog"`,
    `${r.file}:9:3: key 'exporters.prometheusremotewrite': unknown exporter type "prometheusremotewrite"`,
    `${r.file}:20:5: key 'service.pipelines.profiles': unknown signal 'profiles'`,
    'otelc: the config has 4 error(s)'])
    assert.ok(r.stderr.includes(line), `${line}\n${r.stderr}`);
});
