// What is acknowledged when, through the shipped pipeline (pipelines.yaml
// with its ports, bucket and queue directory moved by a merged second
// config): a real SDK at a steady rate loses nothing; the exporters still
// receive merged batches of the batch processor's size; at the disk
// budget with S3 down every request is answered at once and nothing
// refused is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { dirname, join } from 'node:path';
import { start, get, tempDir, sleep, eventually } from './lib/harness.mjs';
import { startS3, collectSpans, cleanAwsEnv, waitSent, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';
import { call, frame, protoRequest } from './lib/otlp.mjs';

const SOURCE = process.env.OTELC_SOURCE_DIR;
const SHIPPED = join(SOURCE, 'pipelines.yaml');
const SENDER = join(SOURCE, 'tests/integration/lib/sdk_sender.mjs');

// Moves the shipped pipeline onto free ports, the test's bucket and a
// fresh queue directory; awss3 is more of that exporter's YAML (indented
// four spaces), extra more top-level YAML (service: no, it is here).
function override(s, { dir = join(tempDir(), 'queue'), endpoint = s.endpoint, awss3 = '', extra = '' } = {}) {
  return `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }
processors:
  metadata_extractor: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:
    s3uploader: { s3_bucket: ${s.bucket}, endpoint: "${endpoint}" }
${awss3}
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
  health_check: { endpoint: "127.0.0.1:0" }
  trace_query:
    endpoint: "127.0.0.1:0"
    s3uploader: { s3_bucket: ${s.bucket}, endpoint: "${endpoint}" }
    cache: { directory: "${join(dirname(dir), 'query-cache')}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
${extra}`;
}

const env = () => cleanAwsEnv(tempDir(), { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY });

function port(o, proto) {
  const re = proto === 'http' ? /otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/
    : /otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC/;
  const m = o.log.match(re);
  assert.ok(m, `no ${proto} listener in the log:\n${o.log}`);
  return Number(m[1]);
}

// The SDK sender in a process of its own, as an application would be.
function sdkSend(url, rate, seconds) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SENDER, '--url', url, '--rate', String(rate), '--seconds', String(seconds)],
      { env: process.env, timeout: (seconds + 60) * 1000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      });
  });
}

const metricsText = async (o) => (await get(o.url('/metrics'))).text;

// Under ASan the binary does a third of the work per CPU second, so the
// 20k rate would measure the sanitizer, not the pipeline: the sanitized
// run checks the 5k one.
const RATES = process.env.OTELC_SANITIZE === 'ON' ? [5000] : [5000, 20000];
for (const rate of RATES) {
  test(`the real SDK at ${rate} spans/s through the shipped pipeline drops nothing`, async (t) => {
    const s = await startS3();
    t.after(() => s.stop());
    const o = await start(override(s), { base: [SHIPPED], env: env() });
    t.after(() => o.stop());
    const r = await sdkSend(`http://127.0.0.1:${port(o, 'grpc')}`, rate, 4);
    assert.equal(r.created, rate * 4 + 1024, 'the steady spans and the warm-up ones');
    assert.equal(r.failed, 0, 'no export failed');
    assert.equal(r.exported, r.created, `the SDK exported ${r.exported} of ${r.created} spans (the rest it dropped)`);
    assert.ok(await waitSent(o, r.created, { timeoutMs: 30000 }), 'every span was uploaded');
    const stored = await collectSpans(s, 'traces/');
    assert.equal(stored.ids.size, r.created, 'every span is in S3 once');
  });
}

// ---- batch placed as collector configs place it ----

// A collector-shaped config: otlp -> processors -> awss3, with a memory or
// a durable sending_queue.
function batchConfig(s, durable, processors = '[batch]') {
  const dir = join(tempDir(), 'queue');
  return `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 90, spike_limit_percentage: 10 }
  batch: { send_batch_size: 2048, timeout: 1s }
exporters:
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${s.bucket}
      s3_prefix: traces
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      compression: gzip
    marshaler: otlp_json
    sending_queue: { num_consumers: 4${durable ? ', storage: file_storage' : ''} }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: ${processors}
      exporters: [awss3]
`;
}

const metric = (text, re) => {
  const m = text.match(re);
  return m ? Number(m[1]) : undefined;
};

for (const [queue, processors] of [['memory', '[batch]'], ['durable', '[batch]'],
  ['durable', '[memory_limiter, batch]']]) {
  test(`${processors} before a ${queue} queue: nothing dropped, the exporter gets batches of send_batch_size`, async (t) => {
    const s = await startS3();
    t.after(() => s.stop());
    const o = await start(batchConfig(s, queue === 'durable', processors), { env: env() });
    t.after(() => o.stop());
    const r = await sdkSend(`http://127.0.0.1:${port(o, 'grpc')}`, 5000, 3);
    assert.equal(r.exported, r.created, `the SDK exported ${r.exported} of ${r.created} spans`);
    assert.ok(await waitSent(o, r.created, { timeoutMs: 30000 }), 'every span was uploaded');
    const text = await metricsText(o);
    const count = metric(text, /^otelcol_exporter_queue_batch_send_size_count\{exporter="awss3"\} (\d+)$/m);
    const sum = metric(text, /^otelcol_exporter_queue_batch_send_size_sum\{exporter="awss3"\} (\d+)$/m);
    const small = metric(text, /^otelcol_exporter_queue_batch_send_size_bucket\{exporter="awss3",le="2000"\} (\d+)$/m);
    const bySize = metric(text, /^otelcol_processor_batch_batch_size_trigger_send_total\{pipeline="traces",processor="batch"\} (\d+)$/m);
    t.diagnostic(`${r.created} spans in ${r.exports} SDK exports reached awss3 in ${count} batches (${small} under 2000 spans)`);
    assert.equal(sum, r.created, 'the batches hold every span');
    assert.ok(count <= Math.ceil(r.created / 2048) + 1, `${count} batches: merged, not one per request`);
    assert.ok(small <= 2, `${small} batches under send_batch_size (the last ones, on the timeout)`);
    assert.ok(bySize >= count - 2, 'the processor counts the size sends');
    const stored = await collectSpans(s, 'traces/');
    assert.equal(stored.ids.size, r.created, 'every span is in S3 once');
  });
}

// ---- the disk budget with S3 down ----

let idSeq = 0;
function spanBatch(n) {
  return Array.from({ length: n }, () => {
    const id = Buffer.alloc(8);
    id.writeUInt32BE(++idSeq, 4);
    id.writeUInt32BE(process.pid, 0);
    return { traceId: Buffer.concat([id, id]), spanId: id };
  });
}

const jsonBody = (spans) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: spans.map((s) => ({
  traceId: s.traceId.toString('hex'), spanId: s.spanId.toString('hex'), name: 'budget',
  startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }] });

// One client: requests of 50 spans back to back until stop(); each gets
// { t0, t1, ok, retryAfter, ids } (ms since the epoch).
async function httpClient(url, until, out) {
  while (!until()) {
    const spans = spanBatch(50);
    const t0 = Date.now();
    const res = await fetch(url, { method: 'POST', body: jsonBody(spans),
      headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000) })
      .catch((e) => ({ status: 0, error: e, headers: new Headers() }));
    if (res.text) await res.text();
    out.push({ t0, t1: Date.now(), proto: 'http', status: res.status, ok: res.status === 200,
      retryAfter: res.headers.get('retry-after'), ids: spans.map((s) => s.spanId.toString('hex')) });
  }
}

async function grpcClient(session, until, out) {
  while (!until()) {
    const spans = spanBatch(50);
    const t0 = Date.now();
    const r = await Promise.race([call(session, frame(protoRequest(spans))),
      sleep(5000).then(() => ({ grpc: -1 }))]).catch(() => ({ grpc: -2 }));
    out.push({ t0, t1: Date.now(), proto: 'grpc', status: r.grpc, ok: r.grpc === 0,
      ids: spans.map((s) => s.spanId.toString('hex')) });
  }
}

test('at the disk budget with S3 down every request is answered at once; nothing refused is stored', async (t) => {
  const s = await startS3();
  await s.stop(); // down: its port refuses connections
  t.after(() => s.stop());
  const o = await start(override(s, { awss3: `
    sending_queue: { max_disk_size: 256KiB }
    retry_on_failure: { initial_interval: 100ms, max_interval: 200ms }` }), { base: [SHIPPED], env: env() });
  t.after(() => o.stop());
  const session = http2.connect(`http://127.0.0.1:${port(o, 'grpc')}`);
  t.after(() => session.close());
  const url = `http://127.0.0.1:${port(o, 'http')}/v1/traces`;
  const answers = [];
  let firstRefusal = 0;
  const until = () => {
    if (!firstRefusal) {
      const r = answers.find((a) => !a.ok);
      if (r) firstRefusal = r.t1;
    }
    return firstRefusal && Date.now() > firstRefusal + 2000;
  };
  await Promise.all([0, 1, 2].flatMap(() => [httpClient(url, until, answers),
    grpcClient(session, until, answers)]));

  const ok = answers.filter((a) => a.ok);
  const refused = answers.filter((a) => !a.ok);
  assert.ok(ok.length >= 10, `accepted ${ok.length} requests before the budget`);
  assert.ok(refused.length >= 10, `refused ${refused.length} requests at the budget`);
  for (const a of refused) {
    assert.ok(a.proto === 'http' ? a.status === 503 : a.status === 14,
      `refused with ${a.proto} status ${a.status}, not UNAVAILABLE/503`);
    if (a.proto === 'http') assert.ok(Number(a.retryAfter) > 0, 'a 503 says when to come back');
  }
  const slowest = Math.max(...answers.map((a) => a.t1 - a.t0));
  t.diagnostic(`${ok.length} requests accepted, ${refused.length} refused; slowest answer ${slowest} ms`);
  assert.ok(slowest < 1000, `every request was answered within a second (slowest ${slowest} ms)`);
  const late = answers.filter((a) => a.t0 > firstRefusal && a.ok);
  assert.equal(late.length, 0, 'nothing is accepted once at the budget while S3 is down');

  // S3 comes back: exactly what was accepted is stored.
  await s.start();
  const accepted = new Set(ok.flatMap((a) => a.ids));
  assert.ok(await waitSent(o, accepted.size, { timeoutMs: 30000 }), 'the queue drained into S3');
  const stored = await collectSpans(s, 'traces/');
  assert.equal(stored.spans.length, stored.ids.size, 'no span stored twice');
  const refusedIds = refused.flatMap((a) => a.ids).filter((id) => stored.ids.has(id));
  assert.deepEqual(refusedIds, [], 'no refused span was stored');
  assert.equal(stored.ids.size, accepted.size, 'every accepted span was stored');
});
