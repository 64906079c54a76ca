// The transform processor in the real binary: spans from the
// OpenTelemetry JS SDK over OTLP/gRPC go to two pipelines, one writing
// them as they came (file/raw), one through transform (file/out). The
// spans after equal the spans before changed here, in JavaScript, the way
// the statements say; nothing else differs. Config errors name the file,
// line, column and key of the statement and the place in its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
import { start, tempDir, run, writeConfig } from './lib/harness.mjs';

const config = (transform, raw, out) => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
processors:
  transform:
${transform}
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
      processors: [transform]
      exporters: [file/out]
`;

const transformKeys = `
    error_mode: ignore
    trace_statements:
      - context: resource
        statements:
          - set(attributes["deployment.environment"], "prod")
          - delete_key(attributes, "host.name")
      - context: span
        conditions:
          - kind == SPAN_KIND_SERVER
        statements:
          - replace_pattern(attributes["http.target"], "password=[^&]*", "password=***")
          - set(status.code, STATUS_CODE_ERROR) where attributes["http.response.status_code"] >= 500
      - statements:
          - set(span.attributes["duration.ms"], Milliseconds(span.end_time - span.start_time))
          - set_semconv_span_name("1.37.0", "original_span_name")
      - context: spanevent
        statements:
          - set(attributes["in.span"], span.name) where name == "exception"`;

function grpcPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, `no listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

// Every written span with its resource, [resource, span], by span id
// (the SDK exports each span on its own: requests may arrive in any order).
function spansIn(path) {
  const out = [];
  for (const line of readFileSync(path, 'utf8').trimEnd().split('\n').filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans || []) {
      for (const ss of rs.scopeSpans || []) for (const sp of ss.spans || []) out.push([rs.resource, sp]);
    }
  }
  return out.sort(([, a], [, b]) => a.spanId.localeCompare(b.spanId));
}

async function sendSpans(port) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'host.name': 'node-7' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` }))],
  });
  const tracer = provider.getTracer('shop-http', '1.0.0');
  const t0 = Date.now();
  const get = tracer.startSpan('GET /users/42', {
    kind: SpanKind.SERVER,
    startTime: t0 - 120,
    attributes: { 'http.request.method': 'GET', 'http.route': '/users/{id}',
      'http.target': '/users/42?password=hunter2&x=1', 'http.response.status_code': 503 },
  });
  get.addEvent('exception', { 'exception.type': 'Timeout' });
  get.end(t0);
  tracer.startSpan('work', { kind: SpanKind.INTERNAL, startTime: t0 - 7,
    attributes: { 'http.target': '/users/1?password=x' } }).end(t0);
  await provider.forceFlush();
  await provider.shutdown();
}

const str = (s) => ({ stringValue: s });
const withAttr = (attrs, key, value) => [...(attrs || []).filter((a) => a.key !== key), { key, value }];
const setAttr = (attrs, key, value) => (attrs || []).some((a) => a.key === key)
  ? attrs.map((a) => (a.key === key ? { key, value } : a)) : withAttr(attrs, key, value);
const attrOf = (obj, key) => (obj.attributes || []).find((a) => a.key === key)?.value;

// What the statements do, written again here.
function expected([resource, span]) {
  const res = { ...resource,
    attributes: withAttr(resource.attributes, 'deployment.environment', str('prod'))
      .filter((a) => a.key !== 'host.name') };
  let sp = { ...span };
  if (sp.kind === 2) {
    const target = attrOf(sp, 'http.target');
    if (target) sp.attributes = setAttr(sp.attributes, 'http.target',
      str(target.stringValue.replace(/password=[^&]*/g, 'password=***')));
    if (Number(attrOf(sp, 'http.response.status_code')?.intValue) >= 500) sp.status = { ...(sp.status || {}), code: 2 };
  }
  const ms = (BigInt(sp.endTimeUnixNano) - BigInt(sp.startTimeUnixNano)) / 1000000n;
  sp.attributes = withAttr(sp.attributes, 'duration.ms', { intValue: String(ms) });
  if (sp.kind === 2) {
    const name = `${attrOf(sp, 'http.request.method').stringValue} ${attrOf(sp, 'http.route').stringValue}`;
    sp.attributes = withAttr(sp.attributes, 'original_span_name', str(sp.name));
    sp.name = name;
  }
  sp.events = sp.events?.map((e) => (e.name === 'exception'
    ? { ...e, attributes: withAttr(e.attributes, 'in.span', str(sp.name)) } : e));
  if (!sp.events) delete sp.events;
  return [res, sp];
}

test('transform: the spans after are the spans before changed as the statements say', async () => {
  const dir = tempDir();
  const raw = join(dir, 'raw.jsonl');
  const out = join(dir, 'out.jsonl');
  const o = await start(config(transformKeys, raw, out));
  await sendSpans(grpcPort(o));
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);
  const before = spansIn(raw);
  const after = spansIn(out);
  assert.deepEqual(before.map(([, s]) => s.name).sort(), ['GET /users/42', 'work']);
  assert.deepEqual(after, before.map(expected));
  const byName = Object.fromEntries(after.map(([, s]) => [s.name, s]));
  assert.deepEqual(attrOf(byName['GET /users/{id}'], 'http.target'), str('/users/42?password=***&x=1'));
  assert.deepEqual(attrOf(byName.work, 'http.target'), str('/users/1?password=x'));
  assert.doesNotMatch(o.log, /failed to execute/);
});

test('transform: validate names the statement at fault with its position', async () => {
  const bad = writeConfig(config(`
    trace_statements:
      - context: span
        statements:
          - set(attributes["a"], "b")
          - set(attributes["a"] "b")
          - merge_maps(attributes, ParseJSON(attributes["j"]), "upsert")`, '/dev/null', '/dev/null'));
  const r = await run(['validate', '--config', bad]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:13:13: key 'processors\.transform\.trace_statements\[0\]\.statements\[1\]': OTTL statement, at 1:21: unexpected ""b"", expected "," or "\)"/);
  assert.match(r.stderr, /config\.yaml:14:13: key 'processors\.transform\.trace_statements\[0\]\.statements\[2\]': OTTL statement, at 1:24: the function ParseJSON is not supported by otelc yet/);
  const logs = writeConfig(config(`
    log_statements:
      - set(log.body, "x")
      - set(span.name, "x")`, '/dev/null', '/dev/null'));
  const l = await run(['validate', '--config', logs]);
  assert.equal(l.code, 1, l.stderr);
  assert.match(l.stderr, /log_statements\[1\]': OTTL statement, at 1:5: the span context is not one of logs/);
  const good = await run(['validate', '--config', writeConfig(config(transformKeys, '/dev/null', '/dev/null'))]);
  assert.equal(good.code, 0, good.stderr);
});
