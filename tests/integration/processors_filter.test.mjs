// The filter processor in the real binary: spans from the OpenTelemetry JS
// SDK over OTLP/gRPC go to two pipelines, one writing them as they came
// (file/raw), one through the filter (file/out); the spans after are the
// spans before minus exactly those the conditions select, field for field.
// Config errors name the file, line, column and key of the condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
import { start, tempDir, run, writeConfig, get } from './lib/harness.mjs';

const config = (filter, raw, out) => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
processors:
  filter:
${filter}
exporters:
  file/raw: { path: "${raw}" }
  file/out: { path: "${out}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/raw:
      receivers: [otlp]
      exporters: [file/raw]
    traces:
      receivers: [otlp]
      processors: [filter]
      exporters: [file/out]
`;

const filterKeys = `
    error_mode: ignore
    traces:
      span:
        - 'attributes["http.route"] == "/health"'
        - 'kind == SPAN_KIND_CLIENT and end_time - start_time > Duration("1s")'
      spanevent:
        - 'name == "debug" and span.name == "GET /users/{id}"'`;

function grpcPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, `no listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

// Every span the file exporter wrote, by name (the SDK exports each span
// on its own, so requests may arrive in any order).
function spansIn(path) {
  const spans = [];
  for (const line of readFileSync(path, 'utf8').trimEnd().split('\n').filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans || []) {
      for (const ss of rs.scopeSpans || []) spans.push(...(ss.spans || []));
    }
  }
  return spans.sort((a, b) => a.name.localeCompare(b.name));
}

// The application: a health check, a request with two events, a slow and
// a quick database call; one span per export (SimpleSpanProcessor).
async function sendSpans(port) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` }))],
  });
  const tracer = provider.getTracer('shop-http', '1.0.0');
  const t0 = Date.now();
  tracer.startSpan('GET /health', { kind: SpanKind.SERVER, attributes: { 'http.route': '/health' } }).end();
  const req = tracer.startSpan('GET /users/{id}', { kind: SpanKind.SERVER, attributes: { 'http.route': '/users/{id}' } });
  req.addEvent('debug', { detail: 'cache miss' });
  req.addEvent('exception', { 'exception.type': 'IOError' });
  req.end();
  tracer.startSpan('SELECT slow', { kind: SpanKind.CLIENT, startTime: t0 - 2000 }).end(t0);
  tracer.startSpan('SELECT quick', { kind: SpanKind.CLIENT, startTime: t0 - 5 }).end(t0);
  await provider.forceFlush();
  await provider.shutdown();
}

test('filter: the spans after are the spans before minus those the conditions select', async () => {
  const dir = tempDir();
  const raw = join(dir, 'raw.jsonl');
  const out = join(dir, 'out.jsonl');
  const o = await start(config(filterKeys, raw, out));
  await sendSpans(grpcPort(o));
  const metrics = (await get(o.url('/metrics'))).text;
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const before = spansIn(raw);
  const after = spansIn(out);
  assert.deepEqual(before.map((s) => s.name), ['GET /health', 'GET /users/{id}', 'SELECT quick', 'SELECT slow']);
  // The expected output, made from the input here: two spans and one event go.
  const expected = before
    .filter((s) => s.name !== 'GET /health' && s.name !== 'SELECT slow')
    .map((s) => (s.events ? { ...s, events: s.events.filter((e) => e.name !== 'debug') } : s));
  assert.deepEqual(after, expected);
  assert.equal(after[0].events.length, 1);
  assert.match(metrics, /otelcol_processor_filter_spans_filtered_total\{filter="filter",pipeline="traces"\} 2\n/);
});

test('filter: validate names the condition at fault with its position', async () => {
  const bad = writeConfig(config(`
    traces:
      span:
        - 'name == "ok"'
        - 'attributes["a"] = "b"'
      spanevent:
        - 'Keys(attributes) == nil'`, '/dev/null', '/dev/null'));
  const r = await run(['validate', '--config', bad]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:12:11: key 'processors\.filter\.traces\.span\[1\]': OTTL condition, at 1:17: unexpected "=", expected a comparison operator/);
  assert.match(r.stderr, /config\.yaml:14:11: key 'processors\.filter\.traces\.spanevent\[0\]': OTTL condition, at 1:1: the function Keys is not supported by otelc yet/);
  const good = await run(['validate', '--config', writeConfig(config(filterKeys, '/dev/null', '/dev/null'))]);
  assert.equal(good.code, 0, good.stderr);
});
