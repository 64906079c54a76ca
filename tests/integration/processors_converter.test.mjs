// The converter in the real host: spans from the OpenTelemetry JS SDK with
// deprecated attribute names go through the OTLP gRPC receiver and the
// converter; the test sink shows what arrived (GET /test/<id>/received,
// OTLP/JSON). Untouched batches pass and are counted as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
import { start, get, post, eventually } from './lib/harness.mjs';

const config = (converter) => `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "127.0.0.1:0"
  testsource:
processors:
  converter:
${converter}
exporters:
  testsink:
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp, testsource]
      processors: [converter]
      exporters: [testsink]
`;

const converterKeys = `
    delete: [secret.token]
    from_resource: [{ key: deployment.environment.name, action: move }]
    max_attribute_value_length: 24
    coerce: [{ key: http.response.status_code, to: int }]`;

function grpcPort(o) {
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, `no listening line in the log:\n${o.log}`);
  return Number(m[1]);
}

// { key: value } of an OTLP/JSON attribute list, values unwrapped.
function attrs(list = []) {
  const out = {};
  for (const { key, value } of list) {
    const [kind] = Object.keys(value);
    out[key] = kind === 'arrayValue' ? value.arrayValue.values.map((v) => Object.values(v)[0])
      : value[kind];
  }
  return out;
}

function spansOf(docs) {
  const spans = [];
  for (const doc of docs) {
    for (const rs of doc.resourceSpans || []) {
      for (const ss of rs.scopeSpans || []) {
        for (const sp of ss.spans || []) spans.push({ span: sp, resource: attrs(rs.resource?.attributes) });
      }
    }
  }
  return spans;
}

const received = async (o) => (await get(o.url('/test/testsink/received'))).json;
const labels = 'pipeline="traces",processor="converter"';

test('SDK spans with deprecated names arrive in the current conventions', async (t) => {
  const o = await start(config(converterKeys));
  t.after(() => o.stop());
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort(o)}` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'legacy', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('legacy');
  tracer.startSpan('GET /cart', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.method': 'GET',
      'http.status_code': '200',
      'http.target': '/cart?id=7',
      'net.peer.name': '10.0.0.1',
      'secret.token': 'xyz',
      'http.user_agent': 'Mozilla/5.0 (X11; Linux x86_64)',
    },
  }).end();
  tracer.startSpan('query', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'mssql', 'db.statement': 'SELECT 1', 'net.peer.name': 'sql.local' },
  }).end();
  await provider.forceFlush();
  await provider.shutdown();

  const docs = await eventually(async () => {
    const d = await received(o);
    return spansOf(d).length === 2 ? d : null;
  });
  assert.ok(docs, 'both spans reached the sink');
  const spans = spansOf(docs);
  const server = spans.find((s) => s.span.name === 'GET /cart');
  const a = attrs(server.span.attributes);
  assert.equal(a['http.request.method'], 'GET');
  assert.equal(a['http.response.status_code'], '200'); // coerced: int64 is a string in OTLP/JSON
  assert.equal(server.span.attributes.find((x) => x.key === 'http.response.status_code').value.intValue, '200');
  assert.equal(a['url.path'], '/cart');
  assert.equal(a['url.query'], 'id=7');
  assert.equal(a['client.address'], '10.0.0.1');
  assert.equal(a['user_agent.original'], 'Mozilla/5.0 (X11; Linux ', 'cut to 24 bytes');
  assert.equal(a['deployment.environment.name'], 'prod', 'copied from the resource');
  assert.equal(a['secret.token'], undefined, 'deleted');
  for (const old of ['http.method', 'http.status_code', 'http.target', 'net.peer.name']) {
    assert.equal(a[old], undefined, `${old} is gone`);
  }
  assert.equal(server.resource['deployment.environment.name'], undefined, 'moved off the resource');
  assert.equal(server.resource['service.name'], 'legacy');
  const client = attrs(spans.find((s) => s.span.name === 'query').span.attributes);
  assert.equal(client['db.system.name'], 'microsoft.sql_server');
  assert.equal(client['db.query.text'], 'SELECT 1');
  assert.equal(client['server.address'], 'sql.local');

  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, new RegExp(`^otelcol_processor_converter_converted_spans_total\\{${labels}\\} 2$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_converter_renamed_attributes_total\\{${labels}\\} 8$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_converter_truncated_values_total\\{${labels}\\} 1$`, 'm'));
});

test('batches no rule touches pass through as they are', async (t) => {
  const o = await start(config('    semconv_upgrade: true'));
  t.after(() => o.stop());
  const r = await post(o.url('/test/testsource/emit?count=3&spans=5'));
  assert.deepEqual(r.json, { ok: 3, retry: 0, reject: 0 });
  const docs = await eventually(async () => {
    const d = await received(o);
    return spansOf(d).length === 15 ? d : null;
  });
  assert.ok(docs);
  assert.ok('test.index' in attrs(spansOf(docs)[0].span.attributes));
  const m = (await get(o.url('/metrics'))).text;
  assert.match(m, new RegExp(`^otelcol_processor_converter_passed_spans_total\\{${labels}\\} 15$`, 'm'));
  assert.match(m, new RegExp(`^otelcol_processor_converter_converted_spans_total\\{${labels}\\} 0$`, 'm'));
});

test('bad converter config fails before start, naming the key', async () => {
  for (const [keys, message] of [
    ['    coerce: [{ key: a, to: float }]', /to must be string, int, double or bool/],
    ['    renames: [{ from: a }]', /to is required/],
    ['    to_resource: [{ key: a, action: steal }]', /action must be copy or move/],
    ['    renames: [{ from: a, to: b }, { from: a, to: c }]', /renames: key given twice: "a"/],
  ]) {
    const err = await start(config(keys)).then(() => null, (e) => e);
    assert.ok(err instanceof Error, keys);
    assert.match(err.message, message);
  }
});
