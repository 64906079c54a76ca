// Known traces for the query API tests, sent by the OpenTelemetry JS SDK
// (OTLP/HTTP protobuf) through otelc's OTLP receiver into the awss3
// exporter; and what the tests expect back, span by span.
//
// Six traces, i = 0..5, ten minutes ago, one second apart:
//   frontend SERVER "GET /item" (even i) or "GET /cart" (odd i), 100+i ms
//     checkout CLIENT "reserve", 10 ms later, 50+i ms, one "retry" event
//       db CLIENT "SELECT items", 5 ms later, 20+i ms
// Trace 3 fails: its root answers 500 (ERROR "boom") and its db span
// times out (ERROR "timeout"). Trace 5's root links to trace 4's root.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tempDir } from './harness.mjs';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './s3server.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');

export const MS = 1000000n;
export const TRACES = 6;
export const SPANS = 3 * TRACES;
export const SERVICES = ['checkout', 'db', 'frontend'];

const hr = (ns) => [Number(ns / 1000000000n), Number(ns % 1000000000n)];
const nanos = (t) => BigInt(t[0]) * 1000000000n + BigInt(t[1]);

// The s3uploader keys of the bucket's table under prefix on server s.
function uploader(s, prefix, extra = '') {
  return `
    s3uploader:
      region: us-east-1
      s3_bucket: ${s.bucket}
      s3_prefix: ${prefix}
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}${extra}`;
}

// An otelc config: OTLP/HTTP in, awss3 writing the trace table (marshaler
// parquet) on server s, and the trace_query extension reading it back on
// a port of its own. writer: false leaves the pipeline out (a query
// node); query: false the extension (a writer only); queue (a directory)
// puts the exporter's queue in the durable file_storage; extra adds
// exporter keys.
export function queryConfig(s, { prefix = 'q', extra = '', queue = '', writer = true, query = true, queryExtra = '' } = {}) {
  const durable = queue ? `
    sending_queue: { enabled: true, storage: file_storage }` : '';
  const extensions = [queue && 'file_storage', query && 'trace_query'].filter(Boolean);
  return `
extensions:${queue ? `
  file_storage: { directory: "${queue}", create_directory: true }` : ''}${query ? `
  trace_query:
    endpoint: "127.0.0.1:0"${uploader(s, prefix)}${queryExtra}` : ''}${writer ? `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:${uploader(s, prefix)}
    marshaler: parquet${extra}${durable}` : ''}
service:
  extensions: [${extensions.join(', ')}]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }${writer ? `
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [awss3]` : ''}
`;
}

// Points o.url at the trace_query extension's port (from its log line).
export function useQueryPort(o) {
  const m = o.log.match(/trace_query: listening on \S+ \(port (\d+)\)/);
  if (!m) throw new Error(`no trace_query listener in the log:\n${o.log}`);
  o.url = (path) => `http://127.0.0.1:${m[1]}${path}`;
  return o;
}

// The OTLP HTTP port from otelc's log.
export function otlpHttpPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/);
  if (!m) throw new Error(`no OTLP/HTTP listener in the log:\n${o.log}`);
  return Number(m[1]);
}

function provider(service, url, sent) {
  const memory = { export: (spans, cb) => { sent.push(...spans); cb({ code: 0 }); }, shutdown: async () => {} };
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test', 'host.name': `${service}-1` }),
    spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
}

function oneTrace(i, t0, tracers, roots) {
  const start = t0 + BigInt(i) * 1000n * MS;
  const links = i === 5 ? [{ context: roots[4].spanContext(), attributes: { 'link.why': 'retry-of' } }] : [];
  const root = tracers.frontend.startSpan(i % 2 ? 'GET /cart' : 'GET /item', {
    kind: SpanKind.SERVER, startTime: hr(start), links,
    attributes: { 'http.route': i % 2 ? '/cart' : '/item', 'http.status_code': i === 3 ? 500 : 200, 'item.id': i },
  }, ROOT_CONTEXT);
  roots.push(root);
  const child = tracers.checkout.startSpan('reserve', {
    kind: SpanKind.CLIENT, startTime: hr(start + 10n * MS),
    attributes: { 'cart.size': i, 'ratio': i + 0.5, 'express': i % 2 === 0, 'skus': ['a', `b${i}`] },
  }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('retry', { attempt: i + 1 }, hr(start + 20n * MS));
  const grand = tracers.db.startSpan('SELECT items', {
    kind: SpanKind.CLIENT, startTime: hr(start + 15n * MS), attributes: { 'db.system': 'postgresql' },
  }, trace.setSpan(ROOT_CONTEXT, child));
  if (i === 3) grand.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  grand.end(hr(start + 15n * MS + BigInt(20 + i) * MS));
  child.setStatus({ code: SpanStatusCode.OK });
  child.end(hr(start + 10n * MS + BigInt(50 + i) * MS));
  if (i === 3) root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  root.end(hr(start + BigInt(100 + i) * MS));
}

// A plain view of an SDK span: what every answer is checked against.
function expected(s, i) {
  const ctx = s.spanContext();
  const start = nanos(s.startTime);
  const end = nanos(s.endTime);
  return {
    trace: i, traceId: ctx.traceId, spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId || '', name: s.name, kind: s.kind + 1,
    service: s.resource.attributes['service.name'], resource: s.resource.attributes,
    scope: s.instrumentationScope, start, end, attributes: s.attributes,
    status: { code: s.status.code, message: s.status.message || '' },
    events: s.events.map((e) => ({ name: e.name, time: nanos(e.time), attributes: e.attributes })),
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: l.attributes })),
  };
}

// Sends the six traces to otelc; returns the expected spans, newest first.
export async function sendTraces(o) {
  const url = `http://127.0.0.1:${otlpHttpPort(o)}/v1/traces`;
  const sent = [];
  const providers = Object.fromEntries(SERVICES.map((s) => [s, provider(s, url, sent)]));
  const tracers = Object.fromEntries(SERVICES.map((s) => [s, providers[s].getTracer(`shop.${s}`, '2.0.1')]));
  const t0 = (BigInt(Date.now()) - 600000n) * MS;
  const roots = [];
  for (let i = 0; i < TRACES; i++) oneTrace(i, t0, tracers, roots);
  for (const p of Object.values(providers)) { await p.forceFlush(); await p.shutdown(); }
  const traceOf = new Map(roots.map((r, i) => [r.spanContext().traceId, i]));
  return sent.map((s) => expected(s, traceOf.get(s.spanContext().traceId)))
    .sort((a, b) => (a.start < b.start ? 1 : -1));
}

// ---- protobuf answers ----

let root;
function types() {
  if (!root) {
    root = new protobuf.Root();
    const dir = join(process.env.OTELC_SOURCE_DIR, 'proto');
    root.resolvePath = (origin, target) => join(dir, target);
    root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'tempopb/tempo.proto']);
  }
  return {
    traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    byId: root.lookupType('tempopb.TraceByIDResponse'),
  };
}

const conv = { longs: String, bytes: String, enums: Number, defaults: false };
const b64hex = (b) => Buffer.from(b || '', 'base64').toString('hex');

// The spans of OTLP TracesData bytes (or of a decoded Trace), flattened.
export function protoSpans(bytesOrTrace) {
  const msg = Buffer.isBuffer(bytesOrTrace)
    ? types().traces.toObject(types().traces.decode(bytesOrTrace), conv) : bytesOrTrace;
  const out = [];
  for (const rs of msg.resourceSpans || []) {
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        out.push({ resource: rs.resource, scope: ss.scope, span: s,
          traceId: b64hex(s.traceId), spanId: b64hex(s.spanId), parentSpanId: b64hex(s.parentSpanId) });
      }
    }
  }
  return out;
}

export function decodeTraceById(bytes) {
  return types().byId.toObject(types().byId.decode(bytes), conv);
}

// OTLP KeyValue lists (protobufjs or OTLP/JSON objects) as a plain map.
export function kvMap(list = []) {
  const v = (x) => {
    if (x.stringValue !== undefined) return x.stringValue;
    if (x.boolValue !== undefined) return x.boolValue;
    if (x.intValue !== undefined) return Number(x.intValue);
    if (x.doubleValue !== undefined) return x.doubleValue;
    if (x.arrayValue) return (x.arrayValue.values || []).map(v);
    return undefined;
  };
  return Object.fromEntries(list.map((kv) => [kv.key, v(kv.value || {})]));
}
