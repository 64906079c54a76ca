// The awss3 exporter's parquet marshaler in the real host against s3rver
// (SigV4 checked), read back with a real Parquet reader, DuckDB: every
// column of every span sent by hand (each attribute type, events, links)
// or by the OpenTelemetry JS SDK comes back, the key prefix reads as one
// Hive-partitioned table, the metadata shows the bloom filter,
// statistics and dictionaries, and the bloom filter answers probes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { start, run, writeConfig, tempDir } from './lib/harness.mjs';
import { startS3, awss3Config, cleanAwsEnv, waitSent } from './lib/s3server.mjs';

const KEY = /^(?<prefix>.+)\/year=(?<y>\d{4})\/month=(?<mo>\d\d)\/day=(?<d>\d\d)\/hour=(?<h>\d\d)\/minute=(?<mi>\d\d)\/traces_[0-9a-f]{16}-[0-9a-f]{16}\.parquet$/;

let s3;
let db;
before(async () => {
  s3 = await startS3();
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
after(async () => { await s3.stop(); });

const sql = async (q) => (await db.runAndReadAll(q)).getRowObjectsJson();

// otelc with the otlp receiver (HTTP) into awss3 writing parquet.
function parquetConfig(prefix, extra = {}) {
  return awss3Config(s3, { prefix, marshaler: 'parquet', ...extra })
    .replace('receivers:\n  testsource:',
      'receivers:\n  otlp:\n    protocols:\n      http: { endpoint: "127.0.0.1:0" }')
    .replace('receivers: [testsource]', 'receivers: [otlp]');
}

function httpUrl(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  assert.ok(m, o.log);
  return `http://127.0.0.1:${m[1]}/v1/traces`;
}

// The objects under prefix, copied from s3rver's files on disk into a
// fresh directory with their keys as paths (Hive partitions and all),
// after checking each file is what a GET of the object returns.
async function stored(t, prefix) {
  const dir = mkdtempSync(join(tmpdir(), 'otelc-parquet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const objects = await s3.list(`${prefix}/`);
  for (const { key } of objects) {
    assert.match(key, KEY);
    const file = join(s3.dir, s3.bucket, `${key}._S3rver_object`);
    assert.ok(existsSync(file), file);
    const got = await s3.get(key);
    assert.equal(got.headers['content-type'], 'application/vnd.apache.parquet');
    assert.equal(got.headers['content-encoding'], undefined);
    assert.ok(readFileSync(file).equals(got.body), `${key}: file and object differ`);
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    copyFileSync(file, join(dir, key));
  }
  return { dir, objects, glob: `${dir}/${prefix}/**/*.parquet` };
}

const asMap = (entries) => Object.fromEntries(entries.map((e) => [e.key, e.value]));

// ---- OTLP protobuf by hand, for every AnyValue kind ----------------------

const varint = (v) => {
  let n = BigInt.asUintN(64, BigInt(v));
  const out = [];
  while (n > 127n) { out.push(Number(n & 127n) | 128); n >>= 7n; }
  out.push(Number(n));
  return Buffer.from(out);
};
const tag = (no, wt) => varint((no << 3) | wt);
const len = (no, b) => Buffer.concat([tag(no, 2), varint(b.length), Buffer.from(b)]);
const num = (no, v) => Buffer.concat([tag(no, 0), varint(v)]);
const fixed64 = (no, v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return Buffer.concat([tag(no, 1), b]); };
const dbl = (no, v) => { const b = Buffer.alloc(8); b.writeDoubleLE(v); return Buffer.concat([tag(no, 1), b]); };
const cat = (...b) => Buffer.concat(b);

const any = {
  str: (s) => len(1, Buffer.from(s)),
  bool: (b) => num(2, b ? 1 : 0),
  int: (i) => num(3, i),
  double: (d) => dbl(4, d),
  array: (...vals) => len(5, cat(...vals.map((v) => len(1, v)))),
  kvlist: (...kvs) => len(6, cat(...kvs.map((k) => len(1, k)))),
  bytes: (b) => len(7, Buffer.from(b)),
  empty: () => Buffer.alloc(0),
};
const kv = (key, value) => cat(len(1, Buffer.from(key)), len(2, value));
const hexId = (h) => Buffer.from(h, 'hex');

const T0 = 1767225600123456789n; // 2026-01-01T00:00:00.123456789Z
const A = { trace: '0af7651916cd43dd8448eb211c80319c', span: 'b7ad6b7169203331' };
const B = { trace: A.trace, span: '00f067aa0ba902b7' };
const C = { trace: '4bf92f3577b34da6a3ce929d0e0e4736', span: '53995c3f42cd8ad8' };

function handRequest() {
  const spanA = cat(len(1, hexId(A.trace)), len(2, hexId(A.span)), len(3, Buffer.from('congo=t61rcWkgMzE')),
    len(5, Buffer.from('GET /cart')), num(6, 2), fixed64(7, T0), fixed64(8, T0 + 105000123n),
    len(9, kv('http.method', any.str('GET'))), len(9, kv('ok', any.bool(true))),
    len(9, kv('retries', any.int(-42))), len(9, kv('ratio', any.double(0.25))),
    len(9, kv('blob', any.bytes([0x00, 0xff, 0x7f]))),
    len(9, kv('list', any.array(any.int(1), any.str('two'), any.array(any.bool(true))))),
    len(9, kv('map', any.kvlist(kv('inner', any.kvlist(kv('deep', any.double(3.5)))), kv('n', any.int(-9))))),
    len(9, kv('nothing', any.empty())),
    len(11, cat(fixed64(1, T0 + 5000n), len(2, Buffer.from('exception')),
      len(3, kv('exception.type', any.str('E'))), len(3, kv('exception.count', any.int(2))))),
    len(11, cat(fixed64(1, T0 + 6000n), len(2, Buffer.from('retry')))),
    len(13, cat(len(1, hexId(C.trace)), len(2, hexId(C.span)), len(3, Buffer.from('l=1')),
      len(4, kv('link.kind', any.int(0))), len(4, kv('link.note', any.str('caused by'))))),
    len(15, cat(len(2, Buffer.from('boom')), num(3, 2))));
  const spanB = cat(len(1, hexId(B.trace)), len(2, hexId(B.span)), len(4, hexId(A.span)),
    len(5, Buffer.from('SELECT cart')), num(6, 3), fixed64(7, T0 + 1000n), fixed64(8, T0 + 2000n),
    len(15, num(3, 1)));
  const spanC = cat(len(1, hexId(C.trace)), len(2, hexId(C.span)), len(5, Buffer.from('consume')),
    num(6, 5), fixed64(7, T0 + 3000n), fixed64(8, T0 + 2500n));
  const resource1 = len(1, cat(len(1, kv('service.name', any.str('checkout'))),
    len(1, kv('host.name', any.str('h1'))), len(1, kv('process.pid', any.int(4242)))));
  const rs1 = cat(resource1, len(2, cat(len(1, cat(len(1, Buffer.from('io.otelc.cart')), len(2, Buffer.from('1.2.3')))),
    len(2, spanA), len(2, spanB))));
  const rs2 = cat(len(1, len(1, kv('service.name', any.str('worker')))), len(2, len(2, spanC)));
  return cat(len(1, rs1), len(1, rs2));
}

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
  assert.equal(r.status, 200, await r.text());
}

test('parquet: every column of hand-built spans reads back in DuckDB', async (t) => {
  const prefix = 'pq/hand';
  const o = await start(parquetConfig(prefix), { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  await post(httpUrl(o), handRequest());
  assert.ok(await waitSent(o, 3), o.log);
  assert.match(o.log, /writing parquet objects to bucket/);
  const { objects, glob } = await stored(t, prefix);
  assert.equal(objects.length, 1);

  const rows = await sql(`SELECT *, epoch_ns("Timestamp")::VARCHAR AS ns,
      list_transform("Events", e -> epoch_ns(e."Timestamp")::VARCHAR) AS event_ns
    FROM read_parquet('${glob}', hive_partitioning = false) ORDER BY "Timestamp"`);
  assert.equal(rows.length, 3);
  const [a, b, c] = rows;
  // TIMESTAMP(NANOS, UTC): DuckDB reads it as TIMESTAMPTZ, to the microsecond.
  assert.equal(a.ns, String(T0 - (T0 % 1000n)));
  assert.deepEqual(a.event_ns, [String(T0 + 5000n - (T0 % 1000n)), String(T0 + 6000n - (T0 % 1000n))]);
  const scalars = ['TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
    'ScopeName', 'ScopeVersion', 'Duration', 'StatusCode', 'StatusMessage'];
  assert.deepEqual(Object.fromEntries(scalars.map((k) => [k, a[k]])), {
    TraceId: A.trace, SpanId: A.span, ParentSpanId: '', TraceState: 'congo=t61rcWkgMzE', SpanName: 'GET /cart',
    SpanKind: 'Server', ServiceName: 'checkout', ScopeName: 'io.otelc.cart', ScopeVersion: '1.2.3',
    Duration: '105000123', StatusCode: 'Error', StatusMessage: 'boom',
  });
  assert.deepEqual(asMap(a.ResourceAttributes), { 'service.name': 'checkout', 'host.name': 'h1', 'process.pid': '4242' });
  assert.deepEqual(asMap(a.ResourceAttributeTypes), { 'process.pid': 'int' });
  assert.deepEqual(asMap(a.SpanAttributes), {
    'http.method': 'GET', ok: 'true', retries: '-42', ratio: '0.25', blob: 'AP9/',
    list: '[1,"two",[true]]', map: '{"inner":{"deep":3.5},"n":-9}', nothing: '',
  });
  assert.deepEqual(asMap(a.SpanAttributeTypes), {
    ok: 'bool', retries: 'int', ratio: 'double', blob: 'bytes', list: 'array', map: 'map', nothing: 'empty',
  });
  assert.deepEqual(a.Events.map((e) => [e.Name, asMap(e.Attributes), asMap(e.AttributeTypes)]), [
    ['exception', { 'exception.type': 'E', 'exception.count': '2' }, { 'exception.count': 'int' }],
    ['retry', {}, {}],
  ]);
  assert.deepEqual(a.Links.map((l) => [l.TraceId, l.SpanId, l.TraceState, asMap(l.Attributes), asMap(l.AttributeTypes)]), [
    [C.trace, C.span, 'l=1', { 'link.kind': '0', 'link.note': 'caused by' }, { 'link.kind': 'int' }],
  ]);
  assert.deepEqual([b.SpanId, b.ParentSpanId, b.SpanKind, b.StatusCode, b.Duration, b.Events, b.Links],
    [B.span, A.span, 'Client', 'Ok', '1000', [], []]);
  assert.deepEqual(asMap(b.SpanAttributes), {});
  // An end before the start stays visible as a negative duration.
  assert.deepEqual([c.ServiceName, c.SpanKind, c.StatusCode, c.Duration, c.ScopeName, asMap(c.ResourceAttributes)],
    ['worker', 'Consumer', 'Unset', '-500', '', { 'service.name': 'worker' }]);

  // The typed values come back through the documented rule.
  const typed = await sql(`SELECT k, "SpanAttributes"[k] AS v, coalesce("SpanAttributeTypes"[k], 'string') AS t
    FROM read_parquet('${glob}'), unnest(map_keys("SpanAttributes")) AS u(k) WHERE "SpanId" = '${A.span}'
    ORDER BY k`);
  assert.equal(typed.find((r) => r.k === 'retries').t, 'int');
  assert.equal(typed.find((r) => r.k === 'http.method').t, 'string');
  const ints = await sql(`SELECT CAST("SpanAttributes"['retries'] AS BIGINT) AS i,
    CAST("SpanAttributes"['ratio'] AS DOUBLE) AS d, CAST("SpanAttributes"['ok'] AS BOOLEAN) AS b,
    from_base64("SpanAttributes"['blob'])::VARCHAR AS raw, json_extract("SpanAttributes"['map'], '$.inner.deep')::DOUBLE AS deep
    FROM read_parquet('${glob}') WHERE "SpanId" = '${A.span}'`);
  assert.deepEqual(ints, [{ i: '-42', d: 0.25, b: true, raw: '\\x00\\xFF\\x7F', deep: 3.5 }]);
});

test('parquet: OpenTelemetry SDK spans, Hive partitions, metadata and bloom filter', async (t) => {
  const prefix = 'pq/sdk';
  const o = await start(parquetConfig(prefix), { env: cleanAwsEnv(tempDir()) });
  t.after(() => o.stop());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-svc', 'deployment.environment': 'ci', 'process.pid': 7 }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: httpUrl(o) }))],
  });
  const tracer = provider.getTracer('parquet-test', '0.9.0');
  const sent = [];
  let previous;
  for (let i = 0; i < 40; i++) {
    const span = tracer.startSpan(`op-${i % 4}`, {
      kind: [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL][i % 5],
      attributes: { 'http.route': `/r/${i}`, 'http.status_code': 200 + i, ratio: i + 0.5, ok: i % 2 === 0,
        tags: ['a', `b${i}`] },
      links: previous ? [{ context: previous, attributes: { 'link.i': i } }] : [],
    });
    span.addEvent('tick', { n: i });
    if (i % 3 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `bad ${i}` });
    if (i % 3 === 1) span.setStatus({ code: SpanStatusCode.OK });
    span.end();
    previous = span.spanContext();
    sent.push({ i, ...span.spanContext() });
  }
  await provider.forceFlush();
  await provider.shutdown();
  assert.ok(await waitSent(o, 40), o.log);
  const { objects, glob } = await stored(t, prefix);
  assert.ok(objects.length >= 1);

  const rows = await sql(`SELECT * FROM read_parquet('${glob}', hive_partitioning = true, filename = true)`);
  assert.equal(rows.length, 40);
  const bySpan = new Map(rows.map((r) => [r.SpanId, r]));
  const kinds = ['Server', 'Client', 'Producer', 'Consumer', 'Internal'];
  for (const s of sent) {
    const r = bySpan.get(s.spanId);
    assert.ok(r, `span ${s.spanId}`);
    assert.equal(r.TraceId, s.traceId);
    assert.equal(r.SpanName, `op-${s.i % 4}`);
    assert.equal(r.SpanKind, kinds[s.i % 5]);
    assert.equal(r.ServiceName, 'sdk-svc');
    assert.equal(r.ScopeName, 'parquet-test');
    assert.equal(r.ScopeVersion, '0.9.0');
    assert.deepEqual([r.StatusCode, r.StatusMessage], s.i % 3 === 0 ? ['Error', `bad ${s.i}`]
      : s.i % 3 === 1 ? ['Ok', ''] : ['Unset', '']);
    assert.deepEqual(asMap(r.SpanAttributes), { 'http.route': `/r/${s.i}`, 'http.status_code': String(200 + s.i),
      ratio: String(s.i + 0.5), ok: String(s.i % 2 === 0), tags: `["a","b${s.i}"]` });
    assert.deepEqual(asMap(r.SpanAttributeTypes), { 'http.status_code': 'int', ratio: 'double', ok: 'bool', tags: 'array' });
    assert.deepEqual(asMap(r.ResourceAttributeTypes), { 'process.pid': 'int' });
    assert.equal(asMap(r.ResourceAttributes)['deployment.environment'], 'ci');
    assert.deepEqual(r.Events.map((e) => [e.Name, asMap(e.Attributes)]), [['tick', { n: String(s.i) }]]);
    assert.equal(r.Links.length, s.i ? 1 : 0);
    if (s.i) assert.deepEqual([r.Links[0].SpanId, asMap(r.Links[0].Attributes)], [sent[s.i - 1].spanId, { 'link.i': String(s.i) }]);
    // The partition columns are those of the object's key.
    const key = r.filename.slice(r.filename.indexOf(`${prefix}/`)).match(KEY).groups;
    assert.deepEqual([r.year, r.month, r.day, r.hour, r.minute].map(Number),
      [key.y, key.mo, key.d, key.h, key.mi].map(Number));
  }

  const file = glob.replace('**/*.parquet', '') + objects[0].key.slice(prefix.length + 1);
  const meta = await sql(`SELECT path_in_schema AS p, encodings, stats_min_value, stats_max_value, stats_null_count,
      bloom_filter_offset, bloom_filter_length, dictionary_page_offset, compression
    FROM parquet_metadata('${file}')`);
  const col = (p) => meta.find((m) => m.p === p);
  assert.ok(meta.every((m) => m.compression === 'ZSTD'));
  const trace = col('TraceId');
  assert.ok(Number(trace.bloom_filter_offset) > 0 && Number(trace.bloom_filter_length) > 0, JSON.stringify(trace));
  assert.match(trace.stats_min_value, /^[0-9a-f]{32}$/);
  for (const p of ['Timestamp', 'TraceId', 'ServiceName']) {
    assert.equal(col(p).stats_null_count, '0', p);
    assert.ok(col(p).stats_min_value !== null && col(p).stats_max_value !== null, p);
  }
  assert.equal(col('ServiceName').stats_min_value, 'sdk-svc');
  for (const p of ['ServiceName', 'SpanName', 'ScopeName', 'SpanKind', 'StatusCode',
    'SpanAttributes.key_value.key', 'ResourceAttributes.key_value.key']) {
    const m = meta.find((x) => x.p.replaceAll(', ', '.') === p);
    assert.ok(m, `${p} in ${meta.map((x) => x.p)}`);
    assert.match(m.encodings, /RLE_DICTIONARY/, p);
    assert.ok(Number(m.dictionary_page_offset) > 0, p);
  }
  const schema = await sql(`SELECT name, logical_type FROM parquet_schema('${file}') WHERE name = 'Timestamp'`);
  assert.match(schema[0].logical_type, /isAdjustedToUTC=1.*NANOS=NanoSeconds/);

  const mine = await sql(`SELECT TraceId FROM read_parquet('${file}') LIMIT 1`);
  const hit = await sql(`SELECT bloom_filter_excludes AS x FROM parquet_bloom_probe('${file}', 'TraceId', '${mine[0].TraceId}')`);
  assert.deepEqual(hit.map((r) => r.x), [false]);
  const miss = await sql(`SELECT bloom_filter_excludes AS x FROM parquet_bloom_probe('${file}', 'TraceId', 'ffffffffffffffffffffffffffffffff')`);
  assert.deepEqual(miss.map((r) => r.x), [true]);
});

test('parquet refuses object compression with a clear error', async () => {
  const r = await run(['--config', writeConfig(parquetConfig('pq/bad', { compression: 'gzip' }))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /s3uploader\.compression: "gzip" cannot be used with marshaler parquet/);
});
