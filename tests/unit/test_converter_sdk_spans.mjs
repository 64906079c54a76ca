// Writes the bytes of an OTLP ExportTraceServiceRequest that a real
// OpenTelemetry JS SDK produces for spans carrying deprecated attribute
// names (the ones instrumentations emitted before the current semantic
// conventions), for test_converter_sdk. Usage: node this.mjs OUT_FILE
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH || '', '/'));
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
  require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { SpanKind } = require('@opentelemetry/api');

const out = process.argv[2];
if (!out) throw new Error('usage: node test_converter_sdk_spans.mjs OUT_FILE');

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'legacy-shop', 'otel.library.name': 'old' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('legacy-instrumentation', '0.1.0');

function span(name, kind, attributes) {
  tracer.startSpan(name, { kind, attributes }).end();
}

span('GET /orders', SpanKind.SERVER, {
  'http.method': 'GET',
  'http.target': '/orders?page=2',
  'http.scheme': 'https',
  'http.status_code': 200,
  'http.user_agent': 'curl/8.5.0',
  'http.flavor': '1.1',
  'http.request_content_length': 120,
  'net.host.name': 'shop.local',
  'net.host.port': 8080,
  'net.peer.name': '10.1.2.3',
});
span('SELECT orders', SpanKind.CLIENT, {
  'db.system': 'postgresql',
  'db.name': 'shop',
  'db.statement': 'SELECT * FROM orders WHERE id = $1',
  'db.operation': 'SELECT',
  'db.sql.table': 'orders',
  'net.peer.name': 'db.local',
  'net.peer.port': 5432,
  'net.transport': 'ip_tcp',
});
span('orders publish', SpanKind.PRODUCER, {
  'messaging.system': 'kafka',
  'messaging.destination.name': 'orders',
  'messaging.operation': 'publish',
  'messaging.kafka.destination.partition': 3,
});
span('shop.Orders/Get', SpanKind.CLIENT, {
  'rpc.system': 'grpc',
  'rpc.service': 'shop.Orders',
  'rpc.method': 'Get',
  'rpc.grpc.status_code': 5,
  'net.sock.peer.addr': '10.0.0.9',
});

writeFileSync(out, ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
