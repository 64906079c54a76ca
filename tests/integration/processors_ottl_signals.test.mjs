// The filter and transform processors on metrics and logs in the real
// binary: OTLP/JSON requests over HTTP go to pipelines writing them as
// they came (file/raw) and through transform then filter (file/out). The
// requests after are the requests before changed and cut exactly as the
// statements and conditions say, decoded and compared field by field;
// the dropped log records and data points are counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, tempDir, get, request } from './lib/harness.mjs';

const config = (raw, out) => `
receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  transform:
    error_mode: ignore
    log_statements:
      - set(log.severity_text, "FAIL") where log.body == "request failed"
      - replace_pattern(log.body, "password=[^ ]*", "password=***")
      - set(log.attributes["service"], resource.attributes["service.name"])
    metric_statements:
      - context: metric
        statements:
          - set(unit, "s") where name == "http.duration"
      - context: datapoint
        statements:
          - set(value_double, value_double * 2.0) where metric.name == "http.duration"
          - set(attributes["env"], "prod")
  filter:
    error_mode: ignore
    logs:
      log_record:
        - severity_number < SEVERITY_NUMBER_INFO
    metrics:
      metric:
        - name == "internal.debug"
      datapoint:
        - attributes["state"] == "idle"
exporters:
  file/raw: { path: "${raw}" }
  file/out: { path: "${out}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    logs/raw: { receivers: [otlp], exporters: [file/raw] }
    logs: { receivers: [otlp], processors: [transform, filter], exporters: [file/out] }
    metrics/raw: { receivers: [otlp], exporters: [file/raw] }
    metrics: { receivers: [otlp], processors: [transform, filter], exporters: [file/out] }
`;

const str = (s) => ({ stringValue: s });
const resource = { attributes: [{ key: 'service.name', value: str('checkout') }] };

const logs = {
  resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'app' }, logRecords: [
    { severityNumber: 9, severityText: 'INFO', body: str('request failed') },
    { severityNumber: 17, severityText: 'ERROR', body: str('login password=abc ok') },
    { severityNumber: 5, severityText: 'DEBUG', body: str('noise') },
  ] }] }],
};

const point = (state, v) => ({ attributes: [{ key: 'state', value: str(state) }],
  timeUnixNano: '1700000000000000000', asDouble: v });
const metrics = {
  resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 'app' }, metrics: [
    { name: 'http.duration', unit: 'ms', gauge: { dataPoints: [point('idle', 1.5), point('busy', 2.5)] } },
    { name: 'queue.idle', gauge: { dataPoints: [point('idle', 4)] } },
    { name: 'internal.debug', gauge: { dataPoints: [point('busy', 1)] } },
  ] }] }],
};

// What the statements and conditions do, written again here.
function expectedLogs(req) {
  const out = structuredClone(req);
  const sl = out.resourceLogs[0].scopeLogs[0];
  sl.logRecords = sl.logRecords.filter((l) => l.severityNumber >= 9).map((l) => ({
    ...l,
    severityText: l.body.stringValue === 'request failed' ? 'FAIL' : l.severityText,
    body: str(l.body.stringValue.replace(/password=[^ ]*/, 'password=***')),
    attributes: [...(l.attributes || []), { key: 'service', value: str('checkout') }],
  }));
  return out;
}

function expectedMetrics(req) {
  const out = structuredClone(req);
  const sm = out.resourceMetrics[0].scopeMetrics[0];
  sm.metrics = sm.metrics.filter((m) => m.name !== 'internal.debug').map((m) => {
    const points = m.gauge.dataPoints.filter((p) => p.attributes[0].value.stringValue !== 'idle')
      .map((p) => ({ ...p, asDouble: m.name === 'http.duration' ? p.asDouble * 2 : p.asDouble,
        attributes: [...p.attributes, { key: 'env', value: str('prod') }] }));
    return { ...m, ...(m.name === 'http.duration' ? { unit: 's' } : {}), gauge: { dataPoints: points } };
  }).filter((m) => m.gauge.dataPoints.length > 0);
  return out;
}

// The file exporter's lines of one signal, parsed.
const linesOf = (path, key) => readFileSync(path, 'utf8').trimEnd().split('\n')
  .filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r[key]);

test('filter and transform: metrics and logs after are the requests before changed and cut as the config says', async () => {
  const dir = tempDir();
  const raw = join(dir, 'raw.jsonl');
  const out = join(dir, 'out.jsonl');
  const o = await start(config(raw, out));
  const m = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/);
  assert.ok(m, o.log);
  const send = async (path, body) => {
    const r = await request(`http://127.0.0.1:${m[1]}${path}`, { method: 'POST',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200, r.text);
  };
  await send('/v1/logs', logs);
  await send('/v1/metrics', metrics);
  const text = (await get(o.url('/metrics'))).text;
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);
  const [rawLogs] = linesOf(raw, 'resourceLogs');
  const [rawMetrics] = linesOf(raw, 'resourceMetrics');
  const [outLogs] = linesOf(out, 'resourceLogs');
  const [outMetrics] = linesOf(out, 'resourceMetrics');
  assert.deepEqual(rawLogs, logs); // what came in, as the file exporter writes it
  assert.deepEqual(outLogs, expectedLogs(rawLogs));
  assert.deepEqual(outMetrics, expectedMetrics(rawMetrics));
  assert.equal(outMetrics.resourceMetrics[0].scopeMetrics[0].metrics.length, 1);
  assert.match(text, /otelcol_processor_filter_logs_filtered_total\{filter="filter",pipeline="logs"\} 1\n/);
  assert.match(text, /otelcol_processor_filter_datapoints_filtered_total\{filter="filter",pipeline="metrics"\} 3\n/);
  assert.doesNotMatch(o.log, /failed to execute/);
});
