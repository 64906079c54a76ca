// Several otelc writers on one trace table, and a query node reading it:
// their configs, a client (the OpenTelemetry JS SDK) whose spans alternate
// between the writers, and what DuckDB reads from the bucket's files.
//
// Writers take OTLP/HTTP on a port chosen here (so a writer restarted
// after kill -9 is found again by the client) and write the table through
// the durable queue into its own directory; file_prefix tells their files
// apart. The query node runs only the trace_query extension.
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SpanKind, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { get } from './harness.mjs';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './s3server.mjs';

export const SERVICES = ['frontend', 'backend', 'db'];

// A port nothing listens on now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

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

// A writer: OTLP/HTTP on port, awss3 (marshaler parquet) through the
// durable queue in queue, its files named name-traces_...; a batch leaves
// after flush (or 100,000 spans).
export function writerConfig(s, { prefix, port, queue, name, flush = '200ms' }) {
  return `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${port}" }
exporters:
  awss3:${uploader(s, prefix, `
      file_prefix: ${name}-`)}
    marshaler: parquet
    sending_queue:
      storage: file_storage
      batch: { min_size: 100000, flush_timeout: ${flush} }
extensions:
  file_storage: { directory: "${queue}", create_directory: true }
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [awss3]
`;
}

// A query node: only trace_query, listing an open hour again after
// listInterval.
export function queryNodeConfig(s, { prefix, listInterval = '500ms' }) {
  return `
extensions:
  trace_query:
    endpoint: "127.0.0.1:0"
    list_interval: ${listInterval}${uploader(s, prefix)}
service:
  extensions: [trace_query]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
`;
}

// Requests (not spans) still in a writer's queue.
export async function queued(o) {
  const text = (await get(o.url('/metrics'))).text;
  const m = /^otelcol_exporter_queue_size\{exporter="awss3"\} (\S+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

// Hands each ended span to the next writer's processor in turn, so the
// spans of one trace alternate between the writers.
class Alternate {
  constructor(procs) { this.procs = procs; this.n = 0; }
  onStart() {}
  onEnd(span) { this.procs[this.n++ % this.procs.length].onEnd(span); }
  forceFlush() { return Promise.all(this.procs.map((p) => p.forceFlush())); }
  shutdown() { return Promise.resolve(); }
}

// An SDK exporter to writer w that records the spans it got acknowledged
// (spanId -> { traceId, writer }) and the last acknowledged batch.
function exporterTo(c, url, w) {
  const exp = new OTLPTraceExporter({ url, timeoutMillis: 5000 });
  const send = exp.export.bind(exp);
  exp.export = (spans, done) => send(spans, (r) => {
    if (r.code === 0) {
      for (const s of spans) c.acked.set(s.spanContext().spanId, { traceId: s.spanContext().traceId, writer: w });
      c.lastBatch[w] = spans;
    } else c.failed += spans.length;
    done(r);
  });
  return exp;
}

// A client of the writers at ports: c.trace(i) makes one trace of `spans`
// spans (services in turn, each the child of the one before) whose spans
// alternate between the writers; c.flush() exports what is pending;
// c.resend(from, to) exports writer from's last acknowledged batch again
// through writer to (an SDK retrying a batch whose answer was lost).
export function alternatingClient(ports, { spans = 6 } = {}) {
  const c = { acked: new Map(), lastBatch: [], failed: 0, created: [] };
  c.exporters = ports.map((p, w) => exporterTo(c, `http://127.0.0.1:${p}/v1/traces`, w));
  c.procs = c.exporters.map((e) => new BatchSpanProcessor(e, { scheduledDelayMillis: 50, maxExportBatchSize: 64 }));
  const router = new Alternate(c.procs);
  const tracers = SERVICES.map((s) => new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': s, 'host.name': `${s}-1` }),
    spanProcessors: [router],
  }).getTracer(`shop.${s}`, '1.0.0'));
  c.trace = (i) => {
    let ctx = ROOT_CONTEXT;
    const open = [];
    for (let k = 0; k < spans; k++) {
      const span = tracers[k % tracers.length].startSpan(k ? `step ${k}` : `GET /t/${i % 7}`, {
        kind: k ? SpanKind.CLIENT : SpanKind.SERVER, attributes: { 'trace.no': i, 'step': k },
      }, ctx);
      ctx = trace.setSpan(ROOT_CONTEXT, span);
      open.push(span);
    }
    for (const span of open.reverse()) span.end();
    c.created.push(...open.map((s) => s.spanContext()));
    return open[open.length - 1].spanContext().traceId;
  };
  c.flush = () => router.forceFlush();
  c.resend = (from, to) => new Promise((resolve) => {
    c.exporters[to].export(c.lastBatch[from], resolve);
  });
  c.shutdown = () => Promise.all(c.procs.map((p) => p.shutdown()));
  return c;
}

// The object files of s3rver's directory under prefix (the keys' files).
export function objectFiles(s, prefix) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.parquet._S3rver_object')) out.push(p);
    }
  };
  const root = join(s.dir, s.bucket, prefix);
  if (existsSync(root)) walk(root);
  return out.sort();
}

// Every row DuckDB reads from files: ids, names, times (µs: DuckDB's
// TIMESTAMPTZ) and the writer that wrote it (its file_prefix).
export async function duckRows(db, files) {
  if (!files.length) return [];
  const list = files.map((f) => `'${f}'`).join(', ');
  const r = await db.runAndReadAll(`SELECT TraceId, SpanId, ParentSpanId, SpanName, ServiceName,
      epoch_us("Timestamp")::VARCHAR AS us, Duration::VARCHAR AS dur,
      regexp_extract(filename, '/([a-z]+)-traces_[^/]*$', 1) AS writer
    FROM read_parquet([${list}], filename = true)`);
  return r.getRowObjectsJson();
}

// The rows once per (TraceId, SpanId), as a reader that de-duplicates
// sees them; Map spanId -> row.
export function distinctSpans(rows) {
  return new Map(rows.map((r) => [r.SpanId, r]));
}
