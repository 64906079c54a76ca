// The tail_sampling processor through the real binary: traces over
// OTLP/HTTP (each in two requests), kept on disk while they wait for their
// decision, otelc killed with SIGKILL in the middle of that wait and
// started again on the same directory. Every trace is decided after the
// restart; the file exporter's output (read back from OTLP/JSON lines)
// holds exactly the traces the policies keep, every span of each (a trace
// may appear twice: at-least-once). Twice: with `storage: file_storage`,
// and without the key, the exporter's durable sending queue making the
// processor durable. Then what the host answers the processor's
// pipeline_storage through a connector (otelc validate, debug log).
// Wall time: about 12 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, run, tempDir, writeConfig, sleep, eventually } from './lib/harness.mjs';
import { spansFromJson } from './lib/otlp.mjs';

const WAIT_MS = 2000;

// storage: the processor's storage line, or '' to leave it to the exporter.
function config(dir, out, storage) {
  return `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  tail_sampling:
    decision_wait: ${WAIT_MS}ms
    ${storage}
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: slow, type: latency, latency: { threshold_ms: 500 } }
      - { name: gold, type: string_attribute, string_attribute: { key: customer.tier, values: [gold] } }
      - name: no-health
        type: drop
        drop: { drop_sub_policy: [ { name: health, type: string_attribute,
                                     string_attribute: { key: url.path, values: [/health] } } ] }
exporters:
  file:
    path: "${out}"
    append: true
    sending_queue: { storage: file_storage }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling]
      exporters: [file]
`;
}

// Trace i's kind: 0 an error, 1 slow, 2 a gold customer (kept); 3 plain,
// 4 an error on /health (dropped by the drop policy). What makes a trace
// kept or dropped is on its last span, which comes in a second request.
const KINDS = ['error', 'slow', 'gold', 'plain', 'health'];
const kindOf = (i) => KINDS[i % KINDS.length];
const kept = (i) => ['error', 'slow', 'gold'].includes(kindOf(i));
const hex = (n, width) => n.toString(16).padStart(width, '0');
const traceId = (i) => `7a11${hex(i, 28)}`;
const spanId = (i, k) => `5a${hex(i, 10)}${hex(k, 4)}`;
const T0 = 1700000000000000000n;

function span(i, k) {
  const s = {
    traceId: traceId(i), spanId: spanId(i, k), name: `op-${k}`,
    startTimeUnixNano: String(T0 + BigInt(k) * 1000n),
    endTimeUnixNano: String(T0 + BigInt(k) * 1000n + 1000000n),
    attributes: [],
  };
  if (k < 2) return s;
  const kind = kindOf(i);
  if (kind === 'error' || kind === 'health') s.status = { code: 2 };
  if (kind === 'slow') s.endTimeUnixNano = String(T0 + 800000000n);
  if (kind === 'gold') s.attributes.push({ key: 'customer.tier', value: { stringValue: 'gold' } });
  if (kind === 'health') s.attributes.push({ key: 'url.path', value: { stringValue: '/health' } });
  return s;
}

function request(traces, spanIdx) {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeSpans: [{ scope: { name: 'test' }, spans: traces.flatMap((i) => spanIdx.map((k) => span(i, k))) }],
    }],
  });
}

function httpPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.ok(m, `no HTTP listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

// Sends traces [from, to) in requests of ten: their first two spans, then
// their last; every request must be answered 200 (on disk).
async function sendTraces(port, from, to) {
  for (const spans of [[0, 1], [2]]) {
    for (let i = from; i < to; i += 10) {
      const ids = Array.from({ length: Math.min(10, to - i) }, (_, k) => i + k);
      const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: request(ids, spans),
      });
      assert.equal(res.status, 200, await res.text());
    }
  }
}

// The exporter's output: trace id -> the set of its span ids, and how
// many spans were written in all.
function written(out) {
  const traces = new Map();
  let spans = 0;
  if (!existsSync(out)) return { traces, spans };
  for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) {
    for (const s of spansFromJson(JSON.parse(line))) {
      if (!traces.has(s.traceId)) traces.set(s.traceId, new Set());
      traces.get(s.traceId).add(s.spanId);
      spans++;
    }
  }
  return { traces, spans };
}

const expected = (n) => new Set(Array.from({ length: n }, (_, i) => i).filter(kept).map(traceId));

// Traces decided in the ordinary way, then more acknowledged and killed
// in their wait; after the restart every kept trace arrives, whole.
// Returns the first start's log.
async function killDuringWait(t, storage) {
  const dir = join(tempDir(), 'data');
  const out = join(tempDir(), 'kept.jsonl');
  const yaml = config(dir, out, storage);
  let o = await start(yaml);
  t.after(() => o.stop('SIGKILL'));
  const firstLog = o.log;

  // Phase 1: decided and written in the ordinary way.
  await sendTraces(httpPort(o), 0, 40);
  const first = await eventually(() => written(out).traces.size === expected(40).size,
    { timeoutMs: WAIT_MS + 5000 });
  assert.ok(first, 'the first traces were not decided');

  // Phase 2: acknowledged (on disk), then killed at once, well inside
  // their wait (a slow machine may have decided a few already).
  await sendTraces(httpPort(o), 40, 100);
  const before = written(out);
  const pending = [...expected(100)].filter((id) => !expected(40).has(id) && !before.traces.has(id));
  assert.ok(pending.length > 0, 'every trace of the second wave was decided before the kill');
  await o.stop('SIGKILL');

  o = await start(yaml);
  const back = o.log.match(/(\d+) undecided traces \((\d+) pieces\) read back from storage file_storage/);
  assert.ok(back && Number(back[1]) > 0, o.log);
  t.diagnostic(`killed with ${back[1]} traces undecided, ${pending.length} of them to keep`);
  const all = await eventually(() => written(out).traces.size === expected(100).size,
    { timeoutMs: WAIT_MS + 5000 });
  assert.ok(all, `not every kept trace arrived: ${written(out).traces.size} of ${expected(100).size}`);
  await sleep(300); // anything that should not be there would come by now
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const { traces, spans } = written(out);
  assert.deepEqual(new Set(traces.keys()), expected(100));
  for (const [id, spanIds] of traces) {
    const i = parseInt(id.slice(4), 16);
    assert.deepEqual(spanIds, new Set([0, 1, 2].map((k) => spanId(i, k))), `trace ${i} is incomplete`);
  }
  t.diagnostic(`${traces.size} traces kept of 100, ${spans} spans written (${spans - 3 * traces.size} copies)`);
  return firstLog;
}

const ON_DISK = /undecided traces are kept on disk in file_storage, as every exporter downstream queues there/;

test('kill -9 during decision_wait: every trace decided after the restart, no kept one lost', async (t) => {
  const log = await killDuringWait(t, 'storage: file_storage');
  assert.doesNotMatch(log, ON_DISK); // its own storage, not the exporters'
});

test('no storage key, a durable exporter queue: kill -9 during decision_wait loses no kept trace', async (t) => {
  const log = await killDuringWait(t, '');
  assert.match(log, ON_DISK);
});

// tail_sampling -> file/a and a forward connector -> file/b: what the host
// answers the processor's pipeline_storage for each queue of file/b, as
// `otelc validate` (every create runs) logs it at debug.
function connectorConfig(queueB) {
  return `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  tail_sampling:
    policies: [{ name: all, type: always_sample }]
connectors:
  forward: {}
exporters:
  file/a: { path: a.jsonl, sending_queue: { storage: file_storage/a } }
  file/b: { path: b.jsonl, sending_queue: ${queueB} }
extensions:
  file_storage/a: { directory: unused-a }
  file_storage/b: { directory: unused-b }
service:
  extensions: [file_storage/a, file_storage/b]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling]
      exporters: [file/a, forward]
    traces/out:
      receivers: [forward]
      exporters: [file/b]
`;
}

const answers = [
  ['the same storage through the connector', '{ storage: file_storage/a }',
    'pipeline_storage: file_storage/a: every exporter downstream queues there'],
  ['a memory queue behind the connector', '{ queue_size: 100 }',
    'pipeline_storage: none: exporter "file/b" queues in memory'],
  ['no queue behind the connector', '{ enabled: false }',
    'pipeline_storage: none: exporter "file/b" has no sending queue'],
  ['another storage behind the connector', '{ storage: file_storage/b }',
    'pipeline_storage: none: exporter "file/b" queues in file_storage/b, another one in file_storage/a'],
];

for (const [what, queueB, line] of answers) {
  test(`pipeline_storage with ${what}`, async () => {
    const r = await run(['validate', '--config', writeConfig(connectorConfig(queueB))],
      { env: { OTELC_LOG: 'debug' } });
    const log = r.stdout + r.stderr;
    assert.equal(r.code, 0, log);
    assert.ok(log.includes(`tail_sampling@traces: ${line}`), log);
    assert.equal(/undecided traces are kept on disk in file_storage\/a/.test(log),
      line.includes('every exporter'), log);
  });
}
