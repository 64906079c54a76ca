#!/usr/bin/env node
// gen_sdk_requests.js OUTDIR
//
// Writes OTLP requests made by the OpenTelemetry JS SDK's own serializers
// (@opentelemetry/otlp-transformer) into OUTDIR, as pairs:
//   NAME.binpb  Protobuf{Trace,Metrics,Logs}Serializer output
//   NAME.json   Json{Trace,Metrics,Logs}Serializer output of the same data
// Metrics requests are named metrics_*, logs requests logs_*, as the
// tests tell the signal from the name.
// The otlp_json tests read these to check that otelc's OTLP/JSON writer and
// reader agree with a real SDK. Nothing it writes is committed: ctest runs
// this script at test time (a fixture) and puts its output in the build
// tree. Span and trace ids are random, times fixed.
//
// Exit status: 0 when written, 77 (ctest's "skipped") when the npm packages
// are not installed, 1 on any other failure.
//
// Attribute values stay within what the JS API sends faithfully in both
// encodings: JSON.stringify turns NaN and Infinity into null and a
// Uint8Array into an object, so neither appears here (the C tests cover
// them).
'use strict';

const fs = require('fs');
const path = require('path');

function load() {
  try {
    return {
      api: require('@opentelemetry/api'),
      base: require('@opentelemetry/sdk-trace-base'),
      resources: require('@opentelemetry/resources'),
      transformer: require('@opentelemetry/otlp-transformer'),
      metrics: require('@opentelemetry/sdk-metrics'),
      logs: require('@opentelemetry/sdk-logs'),
    };
  } catch (e) {
    console.log(`skipped: OpenTelemetry JS packages not installed (npm ci): ${e.message}`);
    process.exit(77);
  }
}

let api, base, resources, transformer, metrics, logs;

const T0 = 1732480000; // seconds; every span starts at a fixed offset from it
const at = (ms) => [T0 + Math.floor(ms / 1000), (ms % 1000) * 1e6 + 123];

// Builds spans through a provider and returns them as ReadableSpans.
function record(resourceAttrs, build) {
  const exporter = new base.InMemorySpanExporter();
  const provider = new base.BasicTracerProvider({
    resource: resources.resourceFromAttributes(resourceAttrs),
    spanProcessors: [new base.SimpleSpanProcessor(exporter)],
  });
  build(provider);
  return exporter.getFinishedSpans();
}

function httpServer(provider) {
  const tracer = provider.getTracer('@otelc/test-http', '1.2.3');
  const server = tracer.startSpan('GET /api/orders/{id}', {
    kind: api.SpanKind.SERVER,
    startTime: at(0),
    attributes: {
      'http.request.method': 'GET',
      'url.full': 'https://shop.example.com/api/orders/42?expand=items',
      'http.response.status_code': 200,
      'server.port': 443,
      'app.ratio': 0.25,
      'app.price': 149.99,
      'app.negative': -17,
      'app.big': 9007199254740991,
      'app.cache.hit': true,
      'app.retry': false,
      'app.tags': ['a', 'b', ''],
      'app.codes': [1, 2, 3],
      'app.weights': [0.5, 1.5],
      'app.flags': [true, false],
      'app.empty': '',
      'app.zero': 0,
    },
  });
  const ctx = api.trace.setSpan(api.context.active(), server);
  const client = tracer.startSpan('SELECT orders', {
    kind: api.SpanKind.CLIENT,
    startTime: at(5),
    attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM "orders" WHERE id = $1' },
  }, ctx);
  client.addEvent('retry', { attempt: 2, reason: 'timeout\n"upstream"' }, at(7));
  client.setStatus({ code: api.SpanStatusCode.ERROR, message: 'connection reset' });
  client.end(at(9));
  server.addEvent('exception', {
    'exception.type': 'Error',
    'exception.message': 'boom\t\\ /',
    'exception.stacktrace': 'Error: boom\n    at handler (server.js:10:5)',
  }, at(11));
  server.addLink({ context: client.spanContext(), attributes: { 'link.kind': 'follows' } });
  server.setStatus({ code: api.SpanStatusCode.OK });
  server.end(at(20));
}

function unicodeAndKinds(provider) {
  const tracer = provider.getTracer('unicode-tracer');
  const kinds = [api.SpanKind.INTERNAL, api.SpanKind.PRODUCER, api.SpanKind.CONSUMER];
  kinds.forEach((kind, i) => {
    const span = tracer.startSpan(`span-${i} ünïcödé 漢字 😀`, {
      kind,
      startTime: at(100 + i),
      attributes: {
        'text.emoji': 'grin 😀 and flag 🇫🇷',
        'text.cjk': '日本語のテキスト',
        'text.control': 'bell\u0007 esc\u001b del\u007f',
        'text.quotes': 'she said "hi" \\o/',
        'text.separators': 'line\u2028para\u2029end',
        'ключ': 'значение',
      },
    });
    span.addEvent('plain event', at(100 + i));
    span.end(at(150 + i));
  });
  const second = provider.getTracer('second-scope', '0.0.1');
  second.startSpan('lonely', { startTime: at(200) }).end(at(201));
}

function manySpans(provider) {
  const tracer = provider.getTracer('bulk');
  const root = tracer.startSpan('batch-root', { startTime: at(1000) });
  const ctx = api.trace.setSpan(api.context.active(), root);
  for (let i = 0; i < 100; i++) {
    const s = tracer.startSpan(`item ${i}`, {
      startTime: at(1000 + i),
      attributes: { index: i, even: i % 2 === 0, label: `item-${i}`, share: i / 100 },
    }, ctx);
    s.end(at(1001 + i));
  }
  root.end(at(1200));
}

const REQUESTS = {
  sdk_http: [{ 'service.name': 'checkout', 'service.version': '2.14.1', 'host.name': 'web-1' }, httpServer],
  sdk_unicode: [{ 'service.name': 'ünïcödé-service', 'deployment.environment': 'tëst' }, unicodeAndKinds],
  sdk_bulk: [{ 'service.name': 'bulk', 'process.pid': 4242 }, manySpans],
};

// Metrics: every instrument kind, an exponential histogram by view, data
// points with and without attributes. Collected once, cumulative.
async function recordMetrics() {
  class Reader extends metrics.MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  const reader = new Reader();
  const provider = new metrics.MeterProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'meters', 'service.version': '1.0.0' }),
    readers: [reader],
    views: [{
      instrumentName: 'payload.size',
      aggregation: { type: metrics.AggregationType.EXPONENTIAL_HISTOGRAM },
    }],
  });
  const meter = provider.getMeter('@otelc/test-meter', '3.1.4');
  const counter = meter.createCounter('requests', { unit: '1', description: 'requests served' });
  counter.add(5, { route: '/a' });
  counter.add(2.5, { route: '/b', ok: true });
  const updown = meter.createUpDownCounter('queue.depth', { valueType: api.ValueType.INT });
  updown.add(10);
  updown.add(-13, { queue: 'slow' });
  const hist = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 10, 100] } });
  [0, 3, 10, 50, 1000].forEach((v) => hist.record(v, { method: 'GET' }));
  const exp = meter.createHistogram('payload.size', { unit: 'By' });
  [1, 2, 1024, 0.001, 7].forEach((v) => exp.record(v));
  const gauge = meter.createGauge('temperature');
  gauge.record(-4.25, { room: 'ünï' });
  meter.createObservableGauge('uptime').addCallback((r) => r.observe(123.5));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

// Logs: bodies of every kind the JS API takes, attributes, severities,
// a record inside a span (trace and span ids) and an event name.
function recordLogs() {
  const exporter = new logs.InMemoryLogRecordExporter();
  const provider = new logs.LoggerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'loggers' }),
    processors: [new logs.SimpleLogRecordProcessor(exporter)],
  });
  const logger = provider.getLogger('@otelc/test-logger', '0.208.0');
  const t = at(0);
  logger.emit({ body: 'plain text ünï 😀', severityNumber: 9, severityText: 'INFO', timestamp: t,
                observedTimestamp: at(1), attributes: { 'user.id': 42, ok: true, ratio: 0.5 } });
  logger.emit({ body: 17, severityNumber: 17, severityText: 'ERROR', timestamp: t });
  logger.emit({ body: -2.75, timestamp: t });
  logger.emit({ body: false, timestamp: t });
  logger.emit({ body: { k: 'v', n: 1, nested: { list: [1, 'two', 3.5] } }, timestamp: t,
                eventName: 'app.event' });
  logger.emit({ body: ['a', 1, true], timestamp: t, attributes: { tags: ['x', 'y'] } });
  const spanContext = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
                        traceFlags: 1 };
  const ctx = api.trace.setSpanContext(api.context.active(), spanContext);
  logger.emit({ body: 'inside a span', context: ctx, timestamp: t });
  logger.emit({});
  return exporter.getFinishedLogRecords();
}

function write(outDir, name, pb, json, what) {
  fs.writeFileSync(path.join(outDir, `${name}.binpb`), pb);
  fs.writeFileSync(path.join(outDir, `${name}.json`), json);
  console.log(`${name}: ${what}, ${pb.length} bytes protobuf, ${json.length} bytes JSON`);
}

async function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: gen_sdk_requests.js OUTDIR');
    process.exit(1);
  }
  // Stale files from an earlier run must not stand in for this one's.
  fs.rmSync(outDir, { recursive: true, force: true });
  ({ api, base, resources, transformer, metrics, logs } = load());
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, [resourceAttrs, build]] of Object.entries(REQUESTS)) {
    const spans = record(resourceAttrs, build);
    const pb = transformer.ProtobufTraceSerializer.serializeRequest(spans);
    const json = transformer.JsonTraceSerializer.serializeRequest(spans);
    write(outDir, name, pb, json, `${spans.length} spans`);
  }
  const rm = await recordMetrics();
  write(outDir, 'metrics_sdk_instruments', transformer.ProtobufMetricsSerializer.serializeRequest(rm),
        transformer.JsonMetricsSerializer.serializeRequest(rm), `${rm.scopeMetrics[0].metrics.length} metrics`);
  const records = recordLogs();
  write(outDir, 'logs_sdk_records', transformer.ProtobufLogsSerializer.serializeRequest(records),
        transformer.JsonLogsSerializer.serializeRequest(records), `${records.length} log records`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
