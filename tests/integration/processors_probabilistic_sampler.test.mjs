// The probabilistic_sampler in the real binary: OTLP/JSON over HTTP into
// the otlp receiver, two traces pipelines (hash_seed and proportional)
// and a logs pipeline (hash_seed) each writing what survives with the
// file exporter. Which traces survive is
// computed here, apart from the C code, from the collector's algorithms:
// FNV-1a over the seed's little-endian bytes and the trace id for
// hash_seed, the trace id's last 56 bits against the threshold for
// proportional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, tempDir, run, writeConfig, get } from './lib/harness.mjs';

const SEED = 4312;

const config = (hashPath, propPath, logsPath) => `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  probabilistic_sampler/hash:
    sampling_percentage: 30
    hash_seed: ${SEED}
    from_attribute: user.id
  probabilistic_sampler/prop:
    sampling_percentage: 30
    mode: proportional
exporters:
  file/hash: { path: "${hashPath}" }
  file/prop: { path: "${propPath}" }
  file/logs: { path: "${logsPath}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/hash:
      receivers: [otlp]
      processors: [probabilistic_sampler/hash]
      exporters: [file/hash]
    traces/prop:
      receivers: [otlp]
      processors: [probabilistic_sampler/prop]
      exporters: [file/prop]
    logs/hash:
      receivers: [otlp]
      processors: [probabilistic_sampler/hash]
      exporters: [file/logs]
`;

// 200 fixed trace ids (xorshift32 bytes).
function traceIds(n) {
  let x = 2463534242;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x & 0xff; };
  return Array.from({ length: n }, () => Buffer.from(Array.from({ length: 16 }, next)).toString('hex'));
}

function fnv1a(seed, bytes) {
  let h = 0x811c9dc5;
  const eat = (b) => { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; };
  for (let i = 0; i < 4; i++) eat((seed >>> (8 * i)) & 0xff);
  for (const b of bytes) eat(b);
  return h;
}

// hash_seed at 30 %: bucket < trunc(float32(30) * float32(163.84)).
const RATE = Math.trunc(Math.fround(Math.fround(30) * Math.fround(163.84)));
function hashed(bytes) {
  const h = fnv1a(SEED, bytes);
  const bucket = h & 0x3fff;
  const unused = BigInt(h >>> 18);
  const rnd = (BigInt(0x3fff - bucket) << 42n) | ((unused ^ (unused << 10n)) << 14n) | BigInt(bucket);
  return { kept: bucket < RATE, rv: rnd.toString(16).padStart(14, '0') };
}
function hashVerdict(tid) {
  const { kept, rv } = hashed(Buffer.from(tid, 'hex'));
  return { kept, ts: `ot=rv:${rv};th:b334` };
}

// proportional at 30 %, precision 4: threshold b333 (0.7 in hex, 4 digits).
const propKept = (tid) => BigInt('0x' + tid.slice(18)) >= 0xb3330000000000n;

const span = (traceId, spanId, attrs = {}) => ({
  traceId, spanId, name: 'op', startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000000001000',
  attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })),
});
const body = (spans) => JSON.stringify({ resourceSpans: [{
  resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
  scopeSpans: [{ scope: { name: 'lib' }, spans }] }] });

function httpPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.ok(m, o.log);
  return Number(m[1]);
}

// Log records: with the trace ids, then without one but with a user.id
// (the hash of its bytes decides).
const users = Array.from({ length: 100 }, (_, i) => `u${i}`);
const logsBody = (ids) => JSON.stringify({ resourceLogs: [{
  resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
  scopeLogs: [{ scope: { name: 'lib' }, logRecords: [
    ...ids.map((traceId) => ({ traceId, body: { stringValue: traceId } })),
    ...users.map((u) => ({ body: { stringValue: u },
      attributes: [{ key: 'user.id', value: { stringValue: u } }] })),
  ] }] }] });

function writtenLogs(path) {
  const records = [];
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean))
    for (const rl of JSON.parse(line).resourceLogs)
      for (const sl of rl.scopeLogs) records.push(...sl.logRecords);
  return records;
}

function written(path) {
  const spans = [];
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean))
    for (const rs of JSON.parse(line).resourceSpans)
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
  return spans;
}

test('otlp → probabilistic_sampler → file: exactly the traces the collector keeps', async () => {
  const dir = tempDir();
  const [hashPath, propPath, logsPath] = ['hash', 'prop', 'logs'].map((n) => join(dir, `${n}.jsonl`));
  const o = await start(config(hashPath, propPath, logsPath));
  const ids = traceIds(200);
  const dropped = ids.find((t) => !hashVerdict(t).kept && !propKept(t));
  const kept = ids.find((t) => hashVerdict(t).kept && propKept(t));
  // Each trace's first span in one request, its second in another; a
  // dropped trace's span kept by sampling.priority, a kept trace's span
  // dropped by it.
  const first = ids.map((t) => span(t, '0000000000000001'));
  const second = ids.map((t) => span(t, '0000000000000002'));
  second.push(span(dropped, '0000000000000003', { 'sampling.priority': { intValue: '1' } }));
  second.push(span(kept, '0000000000000004', { 'sampling.priority': { intValue: '0' } }));
  const url = `http://127.0.0.1:${httpPort(o)}/v1/traces`;
  for (const spans of [first, second]) {
    const res = await fetch(url, { method: 'POST', body: body(spans), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200, await res.text());
  }
  const logsUrl = `http://127.0.0.1:${httpPort(o)}/v1/logs`;
  const res = await fetch(logsUrl, { method: 'POST', body: logsBody(ids), headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200, await res.text());
  const metrics = (await get(o.url('/metrics'))).text;
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const key = (s) => `${s.traceId}/${s.spanId}`;
  const expectHash = ids.filter((t) => hashVerdict(t).kept);
  const expectProp = ids.filter(propKept);
  assert.ok(expectHash.length > 30 && expectHash.length < 90, `${expectHash.length}`);
  assert.ok(expectProp.length > 30 && expectProp.length < 90, `${expectProp.length}`);

  const hashSpans = written(hashPath);
  assert.deepEqual(hashSpans.map(key).sort(), [
    ...expectHash.flatMap((t) => [`${t}/0000000000000001`, `${t}/0000000000000002`]),
    `${dropped}/0000000000000003`].sort());
  // The span kept by priority has its hash as rv too, at threshold 0.
  for (const s of hashSpans)
    assert.equal(s.traceState, hashVerdict(s.traceId).ts.replace(/th:\w+$/, s.spanId.endsWith('3') ? 'th:0' : 'th:b334'));

  const propSpans = written(propPath);
  assert.deepEqual(propSpans.map(key).sort(), [
    ...expectProp.flatMap((t) => [`${t}/0000000000000001`, `${t}/0000000000000002`]),
    `${dropped}/0000000000000003`].sort());
  for (const s of propSpans)
    assert.equal(s.traceState, s.spanId.endsWith('3') ? 'ot=th:0' : 'ot=th:b333');

  // Every span counted once per pipeline, with its policy.
  const count = (pipeline, policy, sampled) => {
    const re = new RegExp(`otelcol_processor_probabilistic_sampler_count_spans_processed_total\\{[^}]*pipeline="${pipeline}",policy="${policy}",[^}]*sampled="${sampled}"\\} (\\d+)`);
    const m = metrics.match(re);
    return m ? Number(m[1]) : 0;
  };
  assert.equal(count('traces/hash', 'trace_id_hash', 'true'), 2 * expectHash.length, metrics);
  assert.equal(count('traces/hash', 'trace_id_hash', 'false'), 400 - 2 * expectHash.length);
  assert.equal(count('traces/prop', 'trace_id_w3c', 'true'), 2 * expectProp.length);
  assert.equal(count('traces/prop', 'sampling_priority', 'true'), 1);
  assert.equal(count('traces/prop', 'sampling_priority', 'false'), 1);

  // Log records: a trace's records share its spans' fate; the others go
  // by user.id's hash. Kept ones carry the randomness and threshold.
  const expectLogs = [...expectHash, ...users.filter((u) => hashed(Buffer.from(u)).kept)];
  assert.ok(expectLogs.length > expectHash.length, `${expectLogs.length}`);
  const records = writtenLogs(logsPath);
  assert.deepEqual(records.map((r) => r.body.stringValue).sort(), expectLogs.sort());
  for (const r of records) {
    const attr = (k) => r.attributes.find((a) => a.key === k)?.value.stringValue;
    const source = r.traceId ? Buffer.from(r.traceId, 'hex') : Buffer.from(r.body.stringValue);
    assert.equal(attr('sampling.randomness'), hashed(source).rv);
    assert.equal(attr('sampling.threshold'), 'b334');
  }
  const logsCount = (policy, sampled) => {
    const re = new RegExp(`otelcol_processor_probabilistic_sampler_count_logs_sampled_total\\{[^}]*pipeline="logs/hash",policy="${policy.replace('.', '\\.')}",[^}]*sampled="${sampled}"\\} (\\d+)`);
    const m = metrics.match(re);
    return m ? Number(m[1]) : 0;
  };
  assert.equal(logsCount('trace_id_hash', 'true'), expectHash.length, metrics);
  assert.equal(logsCount('user.id', 'true'), expectLogs.length - expectHash.length);
  assert.equal(logsCount('user.id', 'false'), users.length - (expectLogs.length - expectHash.length));
});

test('validate names a bad key with its position', async () => {
  const bad = (line) => writeConfig(config('/dev/null', '/dev/null')
    .replace('    mode: proportional', `    mode: proportional\n${line}`));
  let r = await run(['validate', '--config', bad('    sampling_precision: 15')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:\d+:\d+: key 'processors\.probabilistic_sampler\/prop\.sampling_precision': sampling precision is too great, should be <= 14: 15/);
  r = await run(['validate', '--config', writeConfig(config('/dev/null', '/dev/null').replace('mode: proportional', 'mode: fair'))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /key 'processors\.probabilistic_sampler\/prop\.mode': unsupported sampler mode "fair"/);
  r = await run(['validate', '--config', writeConfig(config('/dev/null', '/dev/null'))]);
  assert.equal(r.code, 0, r.stderr);
});
