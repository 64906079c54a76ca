// Metrics and logs out of otelc: one otelc (A) takes OTLP/JSON metrics and
// logs requests with every kind of data point and log body, and exports
// them through otlp_grpc and otlp_http to a second otelc (B, one receiver
// per protocol, each into a file exporter) and through awss3 (otlp_json
// gzip'ed, and parquet, under which metrics and logs are OTLP/JSON) into
// the local S3 server. Every metric and log record that A's own file
// exporter holds must arrive unaltered in B's files and in the objects,
// and the objects are named as the collector's awss3exporter names them.
// A fake OTLP/HTTP and gRPC server answer logs with a partial success,
// counted per signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import grpc from '@grpc/grpc-js';
import { start, request, tempDir, eventually } from './lib/harness.mjs';
import { startS3, decompress, ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './lib/s3server.mjs';
import { LOGS_EXPORT } from './lib/otlp.mjs';

const attr = (key, value) => ({ key, value });
const hex = (v, bytes) => v.toString(16).padStart(bytes * 2, '0');
const T0 = 1700000000000000000n;

// A metrics request with a point of every kind, distinct per i.
function metricsRequest(i) {
  const at = (k) => String(T0 + BigInt(i * 100 + k));
  const point = (k, extra) => ({ attributes: [attr('i', { intValue: String(i) }), attr('k', { stringValue: `p${k}` })],
    startTimeUnixNano: at(0), timeUnixNano: at(k), ...extra });
  return {
    resourceMetrics: [{
      resource: { attributes: [attr('service.name', { stringValue: `svc-${i % 2}` })] },
      scopeMetrics: [{
        scope: { name: 'meter', version: '1.0' },
        metrics: [
          { name: 'requests', unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true,
            dataPoints: [point(1, { asInt: String(10 + i) }), point(2, { asInt: '3' })] } },
          { name: 'cpu', gauge: { dataPoints: [point(3, { asDouble: 0.25 + i })] } },
          { name: 'latency', histogram: { aggregationTemporality: 1, dataPoints: [point(4, {
            count: '6', sum: 21.5, bucketCounts: ['2', '3', '1'], explicitBounds: [1, 10], min: 0.5, max: 12 })] } },
          { name: 'sizes', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [point(5, {
            count: '3', scale: 2, zeroCount: '1', positive: { offset: 1, bucketCounts: ['1', '1'] } })] } },
          { name: 'rpc', summary: { dataPoints: [point(6, { count: '4', sum: 9,
            quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 5 }] })] },
          metadata: [attr('m', { stringValue: 'x' })] },
        ],
      }],
    }],
  };
}

// A logs request: string, map and bytes bodies, with and without trace ids.
function logsRequest(i) {
  const rec = (k, extra) => ({ timeUnixNano: String(T0 + BigInt(i * 10 + k)),
    observedTimeUnixNano: String(T0 + BigInt(i * 10 + k + 1)), attributes: [attr('n', { intValue: String(k) })],
    ...extra });
  return {
    resourceLogs: [{
      resource: { attributes: [attr('service.name', { stringValue: `svc-${i % 2}` })] },
      scopeLogs: [{
        scope: { name: 'logger' },
        logRecords: [
          rec(1, { severityNumber: 9, severityText: 'INFO', body: { stringValue: `hello ${i} ü` },
            traceId: hex(0xabc00 + i, 16), spanId: hex(i + 1, 8), flags: 1 }),
          rec(2, { severityNumber: 17, body: { kvlistValue: { values: [attr('k', { boolValue: true })] } },
            eventName: 'ev' }),
          rec(3, { body: { bytesValue: Buffer.from([0, 1, 2]).toString('base64') }, droppedAttributesCount: 2 }),
        ],
      }],
    }],
  };
}

const SIGNALS = {
  metrics: { resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' },
  logs: { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
};

// Every metric or log record of OTLP/JSON requests with its resource and
// scope, one string each (otelc writes one canonical form), sorted: a view
// that ignores how batches were cut or merged.
function itemsOf(requests, signal) {
  const k = SIGNALS[signal];
  const out = [];
  for (const req of requests)
    for (const r of req[k.resources] || [])
      for (const s of r[k.scopes] || [])
        for (const it of s[k.items] || [])
          out.push(JSON.stringify([r.resource, r.schemaUrl, s.scope, s.schemaUrl, it]));
  return out.sort();
}

const fileRequests = (path) => (existsSync(path)
  ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

function port(o, id, proto) {
  const m = o.log.match(new RegExp(`${id}: listening on 127\\.0\\.0\\.1:(\\d+) \\(${proto}\\)`));
  assert.ok(m, `no ${id} ${proto} port in:\n${o.log}`);
  return Number(m[1]);
}

const bConfig = (dir) => `
receivers:
  otlp/g: { protocols: { grpc: { endpoint: "127.0.0.1:0" } } }
  otlp/h: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  file/g: { path: "${join(dir, 'b-grpc.jsonl')}", sending_queue: { enabled: false } }
  file/h: { path: "${join(dir, 'b-http.jsonl')}", sending_queue: { enabled: false } }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics/g: { receivers: [otlp/g], exporters: [file/g] }
    logs/g: { receivers: [otlp/g], exporters: [file/g] }
    metrics/h: { receivers: [otlp/h], exporters: [file/h] }
    logs/h: { receivers: [otlp/h], exporters: [file/h] }
`;

const uploader = (s, prefix, compression) => `
    s3uploader:
      region: us-east-1
      s3_bucket: ${s.bucket}
      s3_prefix: ${prefix}
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      compression: ${compression}
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}`;

const aConfig = (dir, b, s) => `
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  file/a: { path: "${join(dir, 'a.jsonl')}", sending_queue: { enabled: false } }
  otlp_grpc: { endpoint: "127.0.0.1:${port(b, 'otlp/g', 'gRPC')}", tls: { insecure: true }, compression: zstd }
  otlp_http: { endpoint: "http://127.0.0.1:${port(b, 'otlp/h', 'HTTP')}", encoding: json }
  awss3/json:${uploader(s, 'json', 'gzip')}
    marshaler: otlp_json
  awss3/pq:${uploader(s, 'pq', 'none')}
    marshaler: parquet
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [file/a, otlp_grpc, otlp_http, awss3/json, awss3/pq] }
    logs: { receivers: [otlp], exporters: [file/a, otlp_grpc, otlp_http, awss3/json, awss3/pq] }
`;

// The JSON requests of every object under prefix, and their keys.
async function objects(s, prefix) {
  const list = await s.list(prefix);
  const reqs = [];
  for (const o of list) reqs.push(JSON.parse(decompress(o.key, (await s.get(o.key)).body).toString()));
  return { keys: list.map((o) => o.key), reqs };
}

const KEY = (prefix, signal, ext) => new RegExp(`^${prefix}/year=\\d{4}/month=\\d\\d/day=\\d\\d/hour=\\d\\d/`
  + `minute=\\d\\d/${signal}_[0-9a-f]{16}-[0-9a-f]{16}\\.${ext}$`);

test('metrics and logs through otlp_grpc, otlp_http and awss3 arrive unaltered', async () => {
  const dir = tempDir();
  const s = await startS3();
  const b = await start(bConfig(dir));
  const a = await start(aConfig(dir, b, s));
  try {
    const http = port(a, 'otlp', 'HTTP');
    const N = 4;
    for (let i = 0; i < N; i++) {
      for (const [path, body] of [['/v1/metrics', metricsRequest(i)], ['/v1/logs', logsRequest(i)]]) {
        const r = await request(`http://127.0.0.1:${http}${path}`, { method: 'POST',
          headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(r.status, 200, r.text);
      }
    }
    const want = { metrics: N * 5, logs: N * 3 };
    const sent = (exp, unit) => new RegExp(`^otelcol_exporter_sent_${unit}_total\\{exporter="${exp}"\\} (\\d+)$`, 'm');
    await eventually(async () => {
      const m = (await request(a.url('/metrics'))).text;
      return ['otlp_grpc', 'otlp_http', 'awss3/json', 'awss3/pq'].every((e) =>
        Number((sent(e, 'metric_points').exec(m) || [])[1]) === N * 6
        && Number((sent(e, 'log_records').exec(m) || [])[1]) === N * 3);
    }, { timeoutMs: 20000 });
    const json = await objects(s, 'json/');
    const pq = await objects(s, 'pq/');
    for (const signal of ['metrics', 'logs']) {
      const ref = itemsOf(fileRequests(join(dir, 'a.jsonl')), signal);
      assert.equal(ref.length, want[signal]);
      assert.deepEqual(itemsOf(fileRequests(join(dir, 'b-grpc.jsonl')), signal), ref, `${signal} over gRPC`);
      assert.deepEqual(itemsOf(fileRequests(join(dir, 'b-http.jsonl')), signal), ref, `${signal} over HTTP`);
      assert.deepEqual(itemsOf(json.reqs, signal), ref, `${signal} in otlp_json objects`);
      assert.deepEqual(itemsOf(pq.reqs, signal), ref, `${signal} under parquet`);
    }
    // Named as the collector's awss3exporter names them; parquet's are JSON.
    const named = (keys, signal, ext) => keys.filter((k) => KEY(k.split('/')[0], signal, ext).test(k)).length;
    assert.equal(named(json.keys, 'metrics', 'json\\.gz') + named(json.keys, 'logs', 'json\\.gz'), json.keys.length,
      json.keys.join('\n'));
    assert.ok(named(json.keys, 'metrics', 'json\\.gz') > 0 && named(json.keys, 'logs', 'json\\.gz') > 0);
    assert.equal(named(pq.keys, 'metrics', 'json') + named(pq.keys, 'logs', 'json'), pq.keys.length, pq.keys.join('\n'));
    assert.match(a.log, /awss3\/pq: marshaler parquet is the trace table: metrics and logs go to otlp_json objects/);
    assert.match(a.log, /otlp_http: exporting logs to http:\/\/127\.0\.0\.1:\d+\/v1\/logs \(json, compression gzip\)/);
  } finally {
    await a.stop();
    await b.stop();
    await s.stop();
  }
});

// ExportLogsServiceResponse{partial_success{rejected_log_records 2, "quota"}}.
const PARTIAL = Buffer.from([0x0a, 0x09, 0x08, 0x02, 0x12, 0x05, ...Buffer.from('quota')]);

test('a partial success of logs is counted and logged as log records', async () => {
  const seen = [];
  const web = createServer((req, res) => {
    seen.push(req.url);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"quota"}}');
    });
  });
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  const server = new grpc.Server();
  server.register(LOGS_EXPORT, (call, cb) => cb(null, PARTIAL), (b) => b, (b) => b, 'unary');
  const gport = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const a = await start(`
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  otlp_http: { endpoint: "http://127.0.0.1:${web.address().port}", sending_queue: { enabled: false } }
  otlp_grpc: { endpoint: "127.0.0.1:${gport}", tls: { insecure: true }, sending_queue: { enabled: false } }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    logs: { receivers: [otlp], exporters: [otlp_http, otlp_grpc] }
`);
  try {
    const r = await request(`http://127.0.0.1:${port(a, 'otlp', 'HTTP')}/v1/logs`, { method: 'POST',
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(logsRequest(0)) });
    assert.equal(r.status, 200, r.text);
    await eventually(async () => {
      const m = (await request(a.url('/metrics'))).text;
      return /^otelc_otlp_http_partial_rejected_log_records_total\{exporter="otlp_http"\} 2$/m.test(m)
        && /^otelc_otlp_grpc_partial_rejected_log_records_total\{exporter="otlp_grpc"\} 2$/m.test(m);
    });
    assert.deepEqual(seen, ['/v1/logs']);
    assert.match(a.log, /otlp_http: Partial success response: message "quota", dropped_log_records 2/);
    assert.match(a.log, /otlp_grpc: Partial success response: message "quota", dropped_log_records 2/);
    // Only the signals of the exporters' pipelines have a series.
    const m = (await request(a.url('/metrics'))).text;
    assert.doesNotMatch(m, /otelc_otlp_(http|grpc)_partial_rejected_spans_total/);
  } finally {
    await a.stop();
    web.close();
    server.forceShutdown();
  }
});
