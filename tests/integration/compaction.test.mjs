// Compaction of the trace table, end to end: two otelc writers store
// small Parquet files in a closed hour (their partition format names the
// previous hour) and in an open one (the next hour); a query node reads
// them with a listing it keeps for an hour; then two otelc instances with
// compaction enabled start at once and merge the closed hour while a
// query load runs. The answers of /spans, Jaeger search, Jaeger and Tempo
// trace by id before, during and after are the same; the closed hour ends
// as one file sorted by TraceId with bloom filters and TraceId statistics
// (DuckDB), every span in it once; the open hour is left alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { start, get, request, sleep } from './lib/harness.mjs';
import { startS3, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';
import { useQueryPort, otlpHttpPort } from './lib/query_traffic.mjs';

const HOUR = 3600000;
const PREFIX = 'c';
const TRACES = 30;
const PER_TRACE = 4;
const REQUESTS = 12; // one small file each

let s3;
let query;
const procs = [];
const tmp = mkdtempSync(join(tmpdir(), 'otelc-compact-'));

// ---- OTLP protobuf by hand -------------------------------------------------

const varint = (v) => {
  let n = BigInt.asUintN(64, BigInt(v));
  const out = [];
  while (n > 127n) { out.push(Number(n & 127n) | 128); n >>= 7n; }
  out.push(Number(n));
  return Buffer.from(out);
};
const len = (no, b) => Buffer.concat([varint((no << 3) | 2), varint(b.length), Buffer.from(b)]);
const num = (no, v) => Buffer.concat([varint(no << 3), varint(v)]);
const fixed64 = (no, v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return Buffer.concat([varint((no << 3) | 1), b]); };
const cat = (...b) => Buffer.concat(b);
const kv = (key, value) => cat(len(1, Buffer.from(key)), len(2, value));
const str = (s) => len(1, Buffer.from(s));
const int = (i) => num(3, i);
const SERVICES = ['frontend', 'checkout', 'db'];

const hex = (n, digits) => n.toString(16).padStart(digits, '0');
// Trace t of a batch: ids spread over the whole range, so sorting shows.
const traceId = (tag, t) => hex(BigInt.asUintN(64, BigInt(t + 1) * 0x9e3779b97f4a7c15n), 16) + hex(BigInt(tag), 16);
const spanId = (tag, t, s) => hex(BigInt(tag * 100000 + t * 10 + s + 1), 16);

function span(tag, t, s, t0) {
  const start = t0 + BigInt(t) * 1000000000n + BigInt(s) * 1000000n;
  return cat(len(1, Buffer.from(traceId(tag, t), 'hex')), len(2, Buffer.from(spanId(tag, t, s), 'hex')),
    s ? len(4, Buffer.from(spanId(tag, t, s - 1), 'hex')) : Buffer.alloc(0),
    len(5, Buffer.from(s ? `step ${s}` : `GET /item/${t % 3}`)), num(6, s ? 3 : 2),
    fixed64(7, start), fixed64(8, start + BigInt(10 + t + s) * 1000000n),
    len(9, kv('item.id', int(t))), len(9, kv('step', str(`s${s}`))),
    t % 5 === 0 ? len(11, cat(fixed64(1, start + 1000n), len(2, Buffer.from('retry')), len(3, kv('attempt', int(s))))) : Buffer.alloc(0),
    len(15, t % 7 === 3 ? cat(len(2, Buffer.from('boom')), num(3, 2)) : num(3, 1)));
}

// Request r of a batch: every trace's span s = r % PER_TRACE for a slice
// of the traces, so each trace is spread over several files.
function requestOf(tag, r, t0) {
  const bySvc = SERVICES.map(() => []);
  for (let t = r % 3; t < TRACES; t += 3) {
    const s = Math.floor(r / 3) % PER_TRACE;
    bySvc[s % SERVICES.length].push(span(tag, t, s, t0));
  }
  const rs = SERVICES.map((svc, i) => bySvc[i].length ? len(1, cat(
    len(1, cat(len(1, kv('service.name', str(svc))), len(1, kv('host.name', str(`${svc}-1`))))),
    len(2, cat(len(1, cat(len(1, Buffer.from(`shop.${svc}`)), len(2, Buffer.from('1.0')))), ...bySvc[i].map((b) => len(2, b)))))) : Buffer.alloc(0));
  return cat(...rs);
}

// ---- configs -----------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');
// A partition format naming the hour holding ms (minutes still vary).
function partitionOf(ms) {
  const d = new Date(ms);
  return `year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}/hour=${pad(d.getUTCHours())}/minute=%M`;
}
const hourDir = (ms) => `${PREFIX}/${partitionOf(ms).replace('/minute=%M', '')}/`;

const uploader = (extra = '') => `
    s3uploader:
      region: us-east-1
      s3_bucket: ${s3.bucket}
      s3_prefix: ${PREFIX}
      endpoint: "${s3.endpoint}"
      s3_force_path_style: true
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}${extra}`;

const writerConfig = (ms) => `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:${uploader(`
      s3_partition_format: "${partitionOf(ms)}"`)}
    marshaler: parquet
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [awss3] }
`;

const queryNodeConfig = (compaction) => `
extensions:
  trace_query:
    endpoint: "127.0.0.1:0"
    list_interval: 1h${uploader()}${compaction ? `
    compaction: { enabled: true, interval: 1s, min_age: 0s }` : ''}
service:
  extensions: [trace_query]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
`;

async function startProc(yaml) {
  const o = await start(yaml);
  procs.push(o);
  return o;
}

// Writes REQUESTS small files of batch `tag` into the hour holding ms,
// spans starting at t0 (ns); returns the span count.
async function write(ms, tag, t0) {
  const w = await startProc(writerConfig(ms));
  const url = `http://127.0.0.1:${otlpHttpPort(w)}/v1/traces`;
  for (let r = 0; r < REQUESTS; r++) {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: requestOf(tag, r, t0) });
    assert.equal(res.status, 200, res.text);
  }
  await w.stop();
  return TRACES * PER_TRACE;
}

const objects = async (prefix) => (await s3.list(prefix)).filter((o) => o.key.endsWith('.parquet'));
const now = Date.now();
const closedHour = Math.floor(now / HOUR) * HOUR - HOUR;
const openHour = Math.floor(now / HOUR) * HOUR + HOUR;
let total = 0;

before(async () => {
  s3 = await startS3();
  const t0 = BigInt(closedHour + 20 * 60000) * 1000000n;
  total += await write(closedHour, 1, t0);
  total += await write(openHour, 2, BigInt(now - 5 * 60000) * 1000000n);
  query = useQueryPort(await startProc(queryNodeConfig(false)));
});
after(async () => {
  for (const o of procs) await o.stop();
  if (s3) await s3.stop();
  rmSync(tmp, { recursive: true, force: true });
});

// ---- answers, in a form that does not depend on file order -----------------

const byId = (a, b) => (a.spanID || a.spanId) < (b.spanID || b.spanId) ? -1 : 1;
const jaegerTrace = (t) => ({ traceID: t.traceID, spans: t.spans.map((s) => ({ ...s, processID: undefined, process: t.processes[s.processID] })).sort(byId) });
function tempoTrace(j) {
  const spans = [];
  for (const rs of j.trace.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) spans.push({ res: rs.resource, scope: ss.scope, ...sp });
  return spans.sort(byId);
}

const probeTraces = [0, 3, 7, 14, 29].map((t) => traceId(1, t)).concat([traceId(2, 5)]);
async function answers() {
  const q = async (path, headers) => {
    const r = await request(query.url(path), { headers });
    assert.equal(r.status, 200, `${path}: ${r.text}\n${query.log}`);
    return r;
  };
  const out = {};
  out.spans = (await q('/spans?limit=10000')).text;
  out.spans7 = (await q('/spans?limit=7')).text;
  out.spansCheckout = (await q('/spans?service=checkout&limit=25')).text;
  out.search = (await q('/api/traces?service=frontend&limit=9')).json.data.map(jaegerTrace);
  out.searchTags = (await q(`/api/traces?service=db&tags=${encodeURIComponent('{"step":"s2"}')}&limit=50`)).json.data.map(jaegerTrace);
  for (const id of probeTraces) {
    out[`jaeger ${id}`] = (await q(`/api/traces/${id}`)).json.data.map(jaegerTrace);
    out[`tempo ${id}`] = tempoTrace((await q(`/api/v2/traces/${id}`)).json);
  }
  return out;
}

function assertSame(got, want, when) {
  for (const k of Object.keys(want)) assert.deepEqual(got[k], want[k], `${when}: ${k}`);
}

async function duck() {
  return (await DuckDBInstance.create(':memory:')).connect();
}

// The objects under prefix as files named by their keys.
async function copyOut(prefix) {
  const dir = mkdtempSync(join(tmp, 'files-'));
  for (const { key } of await objects(prefix)) {
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    copyFileSync(join(s3.dir, s3.bucket, `${key}._S3rver_object`), join(dir, key));
  }
  return dir;
}

test('compaction under a query load: same answers, one sorted file, every span once', async () => {
  const before = await objects(hourDir(closedHour));
  const open = await objects(hourDir(openHour));
  assert.ok(before.length >= REQUESTS / 2, `small files in the closed hour: ${before.length}`);
  assert.ok(open.length >= 2);
  const want = await answers();
  assert.equal(JSON.parse(want.spans).spans.length, total);
  assert.equal(want['jaeger ' + probeTraces[0]][0].spans.length, PER_TRACE);

  // The load: queries back to back until the compaction is over.
  let done = false;
  let during = 0;
  const load = (async () => {
    while (!done) {
      assertSame(await answers(), want, `during compaction (round ${during})`);
      during++;
    }
  })();
  const t0 = Date.now();
  const [c1, c2] = await Promise.all([startProc(queryNodeConfig(true)), startProc(queryNodeConfig(true))]);
  let after;
  for (;;) {
    after = await objects(hourDir(closedHour));
    if (after.length === 1 && /\/compacted-[0-9a-f]{32}\.parquet$/.test(after[0].key)) break;
    assert.ok(Date.now() - t0 < 20000, `compaction did not finish: ${JSON.stringify(after)}\n${c1.log}\n${c2.log}`);
    await sleep(100);
  }
  await sleep(1500); // a round more of each compactor: nothing left to do
  done = true;
  await load;
  assert.ok(during >= 1, 'queries ran during compaction');
  assertSame(await answers(), want, 'after compaction');

  // One output, at the small files' depth, the open hour untouched.
  assert.match(after[0].key, new RegExp(`^${hourDir(closedHour)}minute=00/compacted-[0-9a-f]{32}\\.parquet$`));
  assert.deepEqual((await objects(hourDir(openHour))).map((o) => o.key), open.map((o) => o.key));
  assert.match(c1.log + c2.log, /compaction: \d+ files, 120 spans into/);

  // DuckDB: every span once, the file sorted by TraceId then SpanId, with
  // TraceId statistics and bloom filters.
  const db = await duck();
  const dir = await copyOut(`${PREFIX}/`);
  const rows = async (q) => (await db.runAndReadAll(q)).getRowObjectsJson();
  const [all] = await rows(`SELECT count(*) AS n, count(DISTINCT SpanId) AS d FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`);
  assert.equal(Number(all.n), total);
  assert.equal(Number(all.d), total);
  const file = join(dir, after[0].key);
  const ids = (await rows(`SELECT TraceId, SpanId FROM read_parquet('${file}')`)).map((r) => r.TraceId + r.SpanId);
  assert.equal(ids.length, TRACES * PER_TRACE);
  assert.deepEqual(ids, [...ids].sort());
  const meta = await rows(`SELECT stats_min_value AS lo, stats_max_value AS hi, bloom_filter_offset AS bloom FROM parquet_metadata('${file}') WHERE path_in_schema = 'TraceId'`);
  assert.ok(meta.length >= 1 && meta.every((m) => m.lo && m.hi && Number(m.bloom) > 0), JSON.stringify(meta));
  const [probe] = await rows(`SELECT bool_or(bloom_filter_excludes) AS excl FROM parquet_bloom_probe('${file}', 'TraceId', '${traceId(1, 7)}')`);
  assert.equal(probe.excl, false);
  const [miss] = await rows(`SELECT bool_and(bloom_filter_excludes) AS excl FROM parquet_bloom_probe('${file}', 'TraceId', '${'0'.repeat(31)}1')`);
  assert.equal(miss.excl, true);
  const [kvs] = await rows(`SELECT count(*) AS n FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'otelc.compaction.inputs'`);
  assert.equal(Number(kvs.n), 1);
});
