// The memory_limiter under a flood: the example client sends as fast as it
// can into a pipeline whose exporter drains slowly, so queued requests
// pile up; the limiter refuses above its soft limit, the process's
// anonymous memory stays under the hard limit, the client is told to back
// off (UNAVAILABLE), and every span it was answered OK for is delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, start, get, eventually } from './lib/harness.mjs';

const CLIENT = join(dirname(BIN), 'otelc-client');
const LIMIT_MIB = 48;
// Under ASan every allocation carries redzones and a quarantine: the
// limiter still refuses, but the process's memory is not the code's.
const SANITIZED = process.env.OTELC_SANITIZE === 'ON';

const config = `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
processors:
  memory_limiter: { check_interval: 20ms, limit_mib: ${LIMIT_MIB}, spike_limit_mib: 24 }
exporters:
  testsink:
    mode: pending
    delay: 5ms
    sending_queue: { enabled: true, num_consumers: 1, queue_size: 1000000 }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [testsink]
`;

const rssAnonMiB = (pid) => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^RssAnon:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : 0;
};

function flood(port, seconds) {
  return new Promise((resolve, reject) => {
    execFile(CLIENT, ['--endpoint', `127.0.0.1:${port}`, '--duration', String(seconds),
      '--connections', '4', '--streams', '16', '--spans-per-request', '200',
      '--allow-failures', '--print-ids', '--quiet'],
    { maxBuffer: 1 << 28, timeout: (seconds + 60) * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').filter(Boolean).length);
    });
  });
}

test('a flood is refused above the soft limit, memory stays under the limit, nothing acknowledged is lost', async (t) => {
  const o = await start(config);
  t.after(() => o.stop());
  const port = Number(o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(gRPC/)[1]);
  let peak = 0;
  const watch = setInterval(() => { peak = Math.max(peak, rssAnonMiB(o.proc.pid)); }, 10);
  const acked = await flood(port, 5);
  clearInterval(watch);
  const metrics = (await get(o.url('/metrics'))).text;
  const refused = Number((metrics.match(/^otelcol_processor_refused_spans_total\{[^}]*\} (\d+)$/m) || [])[1] || 0);
  assert.ok(refused > 0, `the flood reached the soft limit (peak ${peak.toFixed(1)} MiB)`);
  if (!SANITIZED)
    assert.ok(peak < LIMIT_MIB, `peak anonymous memory ${peak.toFixed(1)} MiB, limit ${LIMIT_MIB} MiB`);
  const delivered = async () => (await get(o.url('/test/testsink/stats'))).json.spans;
  assert.ok(await eventually(async () => (await delivered()) >= acked, { timeoutMs: 60000 }),
    `every acknowledged span delivered: ${await delivered()} of ${acked}`);
  console.log(`# flood: ${acked} spans acknowledged, ${refused} refused, peak RssAnon ${peak.toFixed(1)} MiB`);
});
