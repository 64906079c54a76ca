#!/usr/bin/env node
// gen_sdk_requests.js OUTDIR
//
// Writes OTLP trace requests made by the OpenTelemetry JS SDK's own
// serializers (@opentelemetry/otlp-transformer) into OUTDIR, as pairs:
//   NAME.binpb  ProtobufTraceSerializer output (ExportTraceServiceRequest)
//   NAME.json   JsonTraceSerializer output of the very same spans
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
    };
  } catch (e) {
    console.log(`skipped: OpenTelemetry JS packages not installed (npm ci): ${e.message}`);
    process.exit(77);
  }
}

let api, base, resources, transformer;

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

function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: gen_sdk_requests.js OUTDIR');
    process.exit(1);
  }
  // Stale files from an earlier run must not stand in for this one's.
  fs.rmSync(outDir, { recursive: true, force: true });
  ({ api, base, resources, transformer } = load());
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, [resourceAttrs, build]] of Object.entries(REQUESTS)) {
    const spans = record(resourceAttrs, build);
    const pb = transformer.ProtobufTraceSerializer.serializeRequest(spans);
    const json = transformer.JsonTraceSerializer.serializeRequest(spans);
    fs.writeFileSync(path.join(outDir, `${name}.binpb`), pb);
    fs.writeFileSync(path.join(outDir, `${name}.json`), json);
    console.log(`${name}: ${spans.length} spans, ${pb.length} bytes protobuf, ${json.length} bytes JSON`);
  }
}

main();
