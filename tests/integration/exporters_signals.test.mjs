// Metrics and logs end to end with the real OpenTelemetry JS SDK: its
// metrics and logs exporters (gRPC, OTLP/HTTP JSON, OTLP/HTTP protobuf)
// send through the otlp receiver into the file exporter (JSON lines and
// length-prefixed protobuf), awss3 (otlp_proto objects in the local S3
// server) and the debug exporter; every data point and log record the SDK
// exported is compared, field by field, with what the file and the
// objects hold, and the receiver metrics count what was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueType, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPMetricExporter as GrpcMetrics } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetrics } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetrics } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter as GrpcLogs } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogs } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogs } from '@opentelemetry/exporter-logs-otlp-proto';
import { JsonLogsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { start, get, tempDir } from './lib/harness.mjs';
import { lengthPrefixed } from './lib/otlp.mjs';
import { startS3, decompress, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';

// The SDK's own protobuf definitions, to decode what file wrote as proto.
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const requestType = {
  metrics: root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest,
  logs: root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest,
};

const config = (dir, s) => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }
exporters:
  file/json:
    path: "${join(dir, 'out.jsonl')}"
    sending_queue: { enabled: false }
  file/proto:
    path: "${join(dir, 'out.binpb')}"
    format: proto
    sending_queue: { enabled: false }
  debug: { verbosity: normal }
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${s.bucket}
      s3_prefix: sdk
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      compression: gzip
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}
    marshaler: otlp_proto
    sending_queue: { enabled: false }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [file/json, file/proto, debug, awss3]
    logs:
      receivers: [otlp]
      exporters: [file/json, file/proto, debug, awss3]
`;

function ports(o) {
  const g = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC\)/);
  const h = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP\)/);
  assert.ok(g && h, `no listening lines in the log:\n${o.log}`);
  return { grpc: Number(g[1]), http: Number(h[1]) };
}

// ---- one comparable view of OTLP/JSON (otelc's canonical form, the
// SDK's serializer, protobufjs's decoding): defaults made explicit, 64-bit
// numbers as decimal strings, ids as lowercase hex, values tagged by kind.

const n64 = (x) => BigInt(x ?? 0).toString();
const opt = (x) => (x === undefined || x === null ? undefined : Number(x));
let idsInBase64 = false; // protobufjs gives bytes as base64
const id = (x) => (!x ? '' : idsInBase64 ? Buffer.from(x, 'base64').toString('hex') : x.toLowerCase());

function value(v) {
  if (!v) return null;
  if ('stringValue' in v) return { s: v.stringValue };
  if ('boolValue' in v) return { b: v.boolValue };
  if ('intValue' in v) return { i: n64(v.intValue) };
  if ('doubleValue' in v) return { d: Number(v.doubleValue) };
  if ('bytesValue' in v) return { y: v.bytesValue };
  if ('arrayValue' in v) return { a: (v.arrayValue.values || []).map(value) };
  if ('kvlistValue' in v) return { m: attrs(v.kvlistValue.values) };
  return null;
}
const attrs = (list = []) => list.map((kv) => [kv.key, value(kv.value)]);

const buckets = (b) => (b ? { offset: b.offset || 0, counts: (b.bucketCounts || []).map(n64) } : undefined);
const exemplars = (list = []) => list.map((e) => ({
  attributes: attrs(e.filteredAttributes), time: n64(e.timeUnixNano), asInt: e.asInt === undefined ? undefined : n64(e.asInt),
  asDouble: opt(e.asDouble), traceId: id(e.traceId), spanId: id(e.spanId),
}));

function point(p) {
  return {
    attributes: attrs(p.attributes), start: n64(p.startTimeUnixNano), time: n64(p.timeUnixNano),
    asInt: p.asInt === undefined ? undefined : n64(p.asInt), asDouble: opt(p.asDouble),
    count: n64(p.count), sum: opt(p.sum), min: opt(p.min), max: opt(p.max), flags: p.flags || 0,
    bucketCounts: (p.bucketCounts || []).map(n64), explicitBounds: (p.explicitBounds || []).map(Number),
    scale: p.scale || 0, zeroCount: n64(p.zeroCount), zeroThreshold: p.zeroThreshold || 0,
    positive: buckets(p.positive), negative: buckets(p.negative),
    quantiles: (p.quantileValues || []).map((q) => [q.quantile || 0, q.value || 0]),
    exemplars: exemplars(p.exemplars),
  };
}

const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

// Every data point of a request, with what it belongs to.
function dataPoints(req) {
  const out = [];
  for (const rm of req.resourceMetrics || []) {
    for (const sm of rm.scopeMetrics || []) {
      for (const m of sm.metrics || []) {
        const kind = KINDS.find((k) => m[k]);
        for (const p of m[kind]?.dataPoints || []) {
          out.push({
            resource: attrs(rm.resource?.attributes), scope: [sm.scope?.name || '', sm.scope?.version || ''],
            metric: [m.name, m.description || '', m.unit || '', kind], temporality: m[kind].aggregationTemporality || 0,
            monotonic: !!m[kind].isMonotonic, ...point(p),
          });
        }
      }
    }
  }
  return out;
}

// Every log record of a request, with what it belongs to.
function logRecords(req) {
  const out = [];
  for (const rl of req.resourceLogs || []) {
    for (const sl of rl.scopeLogs || []) {
      for (const r of sl.logRecords || []) {
        out.push({
          resource: attrs(rl.resource?.attributes), scope: [sl.scope?.name || '', sl.scope?.version || ''],
          time: n64(r.timeUnixNano), observed: n64(r.observedTimeUnixNano), severityNumber: r.severityNumber || 0,
          severityText: r.severityText || '', body: value(r.body), attributes: attrs(r.attributes),
          dropped: r.droppedAttributesCount || 0, flags: r.flags || 0, traceId: id(r.traceId), spanId: id(r.spanId),
          eventName: r.eventName || '',
        });
      }
    }
  }
  return out;
}

const serviceOf = (item) => item.resource.find(([k]) => k === 'service.name')?.[1]?.s;

// ---- what the SDK sends ----

// Wraps an exporter: keeps the SDK's JSON serialization of every export
// (the SDK's own view of what it sent) and every export's result code.
function capture(exporter, serializer) {
  const sent = [];
  const codes = [];
  const orig = exporter.export.bind(exporter);
  exporter.export = (data, cb) => {
    sent.push(JSON.parse(Buffer.from(serializer.serializeRequest(data)).toString()));
    orig(data, (r) => { codes.push(r.code); cb(r); });
  };
  return { sent, codes };
}

async function sendMetrics(exporter, service) {
  const got = capture(exporter, JsonMetricsSerializer);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.id': 7 }),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('@otelc/signals-test', '1.0.0');
  const counter = meter.createCounter('requests', { unit: '{request}', description: 'requests served' });
  counter.add(5, { route: '/a', code: 200 });
  counter.add(2.5, { route: '/b', ok: true });
  const hist = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 10, 100] } });
  for (const v of [0, 3, 10, 50, 1000]) hist.record(v, { method: 'GET' });
  hist.record(7.5, { method: 'POST', tags: ['x', 'y'] });
  const gauge = meter.createGauge('temperature', { unit: 'Cel' });
  gauge.record(-4.25, { room: 'ünï "q"' });
  const updown = meter.createUpDownCounter('queue.depth', { valueType: ValueType.INT });
  updown.add(10);
  updown.add(-13, { queue: 'slow' });
  const exp = meter.createHistogram('payload.size', { unit: 'By' });
  for (const v of [1, 2, 1024, 0.001, 7]) exp.record(v);
  await reader.forceFlush();
  await provider.shutdown();
  return got;
}

async function sendLogs(exporter, service) {
  const got = capture(exporter, JsonLogsSerializer);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new BatchLogRecordProcessor(exporter)],
  });
  const logger = provider.getLogger('@otelc/signals-test', '0.208.0');
  const t0 = [1732480000, 123456789];
  logger.emit({ body: 'plain text ünï 😀 "quoted"', severityNumber: 9, severityText: 'INFO', timestamp: t0,
    observedTimestamp: [1732480001, 5], attributes: { 'user.id': 42, ok: true, ratio: 0.5, tags: ['a', 'b'] } });
  logger.emit({ body: 17, severityNumber: 17, severityText: 'ERROR', timestamp: t0 });
  logger.emit({ body: -2.75, severityNumber: 13, timestamp: t0 });
  logger.emit({ body: false, timestamp: t0 });
  logger.emit({ body: { k: 'v', n: 1, nested: { list: [1, 'two', 3.5, true] } }, eventName: 'app.event', timestamp: t0 });
  logger.emit({ body: ['a', 1, true, ['deep']], timestamp: t0, attributes: { empty: '' } });
  const span = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: 1 };
  logger.emit({ body: 'inside a span', context: trace.setSpanContext(context.active(), span), timestamp: t0 });
  logger.emit({});
  await provider.forceFlush();
  await provider.shutdown();
  return got;
}

// ---- what the file exporter wrote ----

function fileJson(dir) {
  return readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

// The proto file's messages, read with the SDK's decoder; each is of the
// signal of the JSON line at its place (both files see the same batches
// in the same order: the test sends one request at a time).
function fileProto(dir, lines) {
  idsInBase64 = true;
  try {
    return [...lengthPrefixed(readFileSync(join(dir, 'out.binpb')))].map((msg, i) => {
      const signal = lines[i]?.resourceMetrics ? 'metrics' : 'logs';
      const type = requestType[signal];
      const obj = type.toObject(type.decode(msg), { longs: String, bytes: String, defaults: false });
      return { signal, items: signal === 'metrics' ? dataPoints(obj) : logRecords(obj) };
    });
  } finally {
    idsInBase64 = false;
  }
}

// awss3's objects (metrics_*.binpb.gz, logs_*.binpb.gz), read with the
// SDK's decoder: the items of each signal, in a stable order.
async function objectItems(s) {
  const items = { metrics: [], logs: [] };
  idsInBase64 = true;
  try {
    for (const { key } of await s.list('sdk/')) {
      const signal = /\/metrics_[0-9a-f-]+\.binpb\.gz$/.test(key) ? 'metrics' : 'logs';
      assert.match(key, /\/(metrics|logs)_[0-9a-f]{16}-[0-9a-f]{16}\.binpb\.gz$/);
      const type = requestType[signal];
      const obj = type.toObject(type.decode(decompress(key, (await s.get(key)).body)),
        { longs: String, bytes: String, defaults: false });
      items[signal].push(...(signal === 'metrics' ? dataPoints(obj) : logRecords(obj)));
    }
  } finally {
    idsInBase64 = false;
  }
  return items;
}

const sorted = (items) => items.map((x) => JSON.stringify(x)).sort();

test('the SDK\'s metrics and logs arrive unaltered over gRPC, HTTP JSON and HTTP protobuf', async (t) => {
  const dir = tempDir();
  const s = await startS3();
  t.after(() => s.stop());
  const o = await start(config(dir, s));
  t.after(() => o.stop());
  const { grpc, http } = ports(o);
  const transports = {
    grpc: [new GrpcMetrics({ url: `http://127.0.0.1:${grpc}` }), new GrpcLogs({ url: `http://127.0.0.1:${grpc}` })],
    json: [new JsonMetrics({ url: `http://127.0.0.1:${http}/v1/metrics` }), new JsonLogs({ url: `http://127.0.0.1:${http}/v1/logs` })],
    proto: [new ProtoMetrics({ url: `http://127.0.0.1:${http}/v1/metrics`, compression: 'gzip' }),
      new ProtoLogs({ url: `http://127.0.0.1:${http}/v1/logs` })],
  };
  const sent = {};
  for (const [name, [metrics, logs]] of Object.entries(transports)) {
    sent[name] = { metrics: await sendMetrics(metrics, `metrics-${name}`), logs: await sendLogs(logs, `logs-${name}`) };
    assert.ok(sent[name].metrics.codes.length >= 1 && sent[name].metrics.codes.every((c) => c === 0), `${name}: metrics exported`);
    assert.deepEqual(sent[name].logs.codes, [0], `${name}: logs exported`);
  }
  const text = (await get(o.url('/metrics'))).text;
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const lines = fileJson(dir);
  const filePoints = lines.flatMap(dataPoints);
  const fileRecords = lines.flatMap(logRecords);
  const proto = fileProto(dir, lines);
  assert.equal(proto.length, lines.length, 'one proto message per JSON line');
  let points = { grpc: 0, http: 0 };
  let records = { grpc: 0, http: 0 };
  for (const name of Object.keys(transports)) {
    const wantPoints = sent[name].metrics.sent.flatMap(dataPoints);
    const wantRecords = sent[name].logs.sent.flatMap(logRecords);
    assert.ok(wantPoints.length >= 12 && wantRecords.length === 8, `${name}: ${wantPoints.length} points, ${wantRecords.length} records`);
    assert.deepEqual(filePoints.filter((p) => serviceOf(p) === `metrics-${name}`), wantPoints, `${name}: every data point`);
    assert.deepEqual(fileRecords.filter((r) => serviceOf(r) === `logs-${name}`), wantRecords, `${name}: every log record`);
    const transport = name === 'grpc' ? 'grpc' : 'http';
    points[transport] += wantPoints.length;
    records[transport] += wantRecords.length;
  }
  // The same, written as protobuf and read back with the SDK's own decoder.
  assert.deepEqual(proto.filter((m) => m.signal === 'metrics').flatMap((m) => m.items), filePoints);
  assert.deepEqual(proto.filter((m) => m.signal === 'logs').flatMap((m) => m.items), fileRecords);
  // And in awss3's objects, one per request.
  const objects = await objectItems(s);
  assert.deepEqual(sorted(objects.metrics), sorted(filePoints), 'every data point in the objects');
  assert.deepEqual(sorted(objects.logs), sorted(fileRecords), 'every log record in the objects');

  const counted = (name, transport) => Number(text.match(new RegExp(
    `^${name}\\{receiver="otlp",transport="${transport}"\\} (\\d+)$`, 'm'))?.[1]);
  assert.equal(counted('otelcol_receiver_accepted_metric_points_total', 'grpc'), points.grpc);
  assert.equal(counted('otelcol_receiver_accepted_metric_points_total', 'http'), points.http);
  assert.equal(counted('otelcol_receiver_accepted_log_records_total', 'grpc'), records.grpc);
  assert.equal(counted('otelcol_receiver_accepted_log_records_total', 'http'), records.http);

  // debug (normal): a line per data point and per log record.
  assert.match(o.log, /^requests\{route=\/a,code=200\} 5$/m);
  assert.match(o.log, /^queue\.depth\{queue=slow\} -13$/m);
  assert.match(o.log, /^latency\{method=GET\} count=5 sum=1063 min=0 max=1000 le0=1 le10=2 le100=1 1$/m);
  assert.match(o.log, /^plain text ünï 😀 "quoted" user\.id=42 ok=true ratio=0\.5 tags=\["a","b"\]$/m);
  assert.match(o.log, /^\{"k":"v","n":1,"nested":\{"list":\[1,"two",3\.5,true\]\}\} $/m);
});

test('debug prints metrics and logs at basic and detailed, as the collector lays them out', async (t) => {
  const o = await start(`
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  debug/basic:
  debug/detailed: { verbosity: detailed }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics: { receivers: [otlp], exporters: [debug/basic, debug/detailed] }
    logs: { receivers: [otlp], exporters: [debug/basic, debug/detailed] }
`);
  t.after(() => o.stop());
  const corpus = join(process.env.OTELC_SOURCE_DIR, 'tests/data/otlp');
  const port = Number(o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP\)/)[1]);
  for (const signal of ['metrics', 'logs']) {
    const file = signal === 'metrics' ? 'metrics_all_kinds.json' : 'logs_bodies.json';
    const r = await fetch(`http://127.0.0.1:${port}/v1/${signal}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(corpus, file)),
    });
    assert.equal(r.status, 200);
  }
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);
  const count = (re) => (o.log.match(re) || []).length;
  assert.equal(count(/^Metrics \{"resource metrics": 1, "metrics": 7, "data points": 13\}$/gm), 2, o.log);
  assert.equal(count(/^Logs \{"resource logs": 1, "log records": 12\}$/gm), 2);
  for (const line of [
    'Resource attributes:', '     -> service.name: Str(checkout)', 'InstrumentationScope @otelc/test-metrics 2.0.1',
    '     -> DataType: ExponentialHistogram', '     -> AggregationTemporality: Cumulative',
    '          -> prometheus.type: Str(gauge)', 'StartTimestamp: 2024-11-24 20:26:40 +0000 UTC',
    'Value: -7', 'Value: 0.250000', '     -> Trace ID: 5b8efff798038103d269b633813fc60c',
    'Sum: 0.000000', 'Bucket [0, 0], Count: 1', 'QuantileValue #1: Quantile 0.500000, Value 7.250000',
    'ScopeLogs SchemaURL: https://opentelemetry.io/schemas/1.26.0', 'Timestamp: 2024-11-24 20:26:40.123456789 +0000 UTC',
    'SeverityNumber: Fatal4(24)', 'Body: Int(-9223372036854775808)', 'Body: Bytes(AAH+/w==)', 'Body: Double(NaN)',
    'Body: Map({"state":"foreground","since":3,"nested":[true,{}]})', 'Body: Slice(["a",0,[-2.5],null])',
    'EventName: device.app.lifecycle', 'Trace ID: 5b8efff798038103d269b633813fc60c', 'Flags: 1',
  ]) assert.ok(o.log.split('\n').includes(line), `a line "${line}"`);
  assert.equal(count(/^LogRecord #\d+$/gm), 12);
  assert.equal(count(/^(Number|Histogram|ExponentialHistogram|Summary)DataPoints #\d+$/gm), 13);
});
