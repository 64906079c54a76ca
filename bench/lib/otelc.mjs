// Runs otelc for a scenario: writes its config, starts it, learns the
// ports it bound (every endpoint says port 0) from its log, reads
// /metrics, waits for the pipeline to drain, and stops it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './util.mjs';

// base: config files yaml is merged over (the shipped pipelines.yaml).
export async function startOtelc(paths, yaml, workDir, { timeoutMs = 15000, base = [] } = {}) {
  const config = join(workDir, 'otelc.yaml');
  writeFileSync(config, yaml);
  const args = [...[...base, config].flatMap((c) => ['--config', c]),
    ...paths.pluginDirs.flatMap((d) => ['--plugin-dir', d])];
  // Run in the scenario's directory, so that no relative default path
  // (queue, index) lands anywhere else.
  const proc = spawn(paths.otelc, args, {
    cwd: workDir,
    env: { ...process.env, OTELC_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const o = { proc, pid: proc.pid, log: '', ports: {}, ended: false };
  o.exited = new Promise((resolve) => proc.on('close', (code, signal) => {
    o.ended = true;
    resolve({ code, signal });
  }));
  const keep = (d) => { o.log = (o.log + d).slice(-200000); };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !o.ended && !/running \d+ pipeline/.test(o.log)) await sleep(20);
  const admin = /admin: listening on \S+ \(port (\d+)\)/.exec(o.log);
  if (!admin || o.ended) {
    proc.kill('SIGKILL');
    throw new Error(`otelc did not start:\n${o.log}`);
  }
  o.ports.admin = Number(admin[1]);
  for (const m of o.log.matchAll(/otlp: listening on [^ ]*:(\d+) \((gRPC|HTTP)\)/g))
    o.ports[m[2] === 'gRPC' ? 'grpc' : 'http'] = Number(m[1]);
  o.stop = async () => {
    if (!o.ended) proc.kill('SIGTERM');
    return o.exited;
  };
  return o;
}

// Sums the samples of a Prometheus series by name (over all labels).
function sumSeries(text, name) {
  let sum = 0;
  let seen = false;
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    sum += Number(m[1]);
    seen = true;
  }
  return seen ? sum : null;
}

// The queue writer's commit-duration histogram, summed over storages:
// { le: [bounds...], counts: [cumulative...], sum, count }.
function commitHistogram(text) {
  const h = { le: [], counts: [], sum: 0, count: 0 };
  const re = /^otelc_file_storage_commit_duration_seconds_bucket\{[^}]*le="([^"]+)"\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    const i = h.le.indexOf(m[1]);
    if (i < 0) {
      h.le.push(m[1]);
      h.counts.push(Number(m[2]));
    } else h.counts[i] += Number(m[2]);
  }
  h.sum = sumSeries(text, 'otelc_file_storage_commit_duration_seconds_sum') ?? 0;
  h.count = sumSeries(text, 'otelc_file_storage_commit_duration_seconds_count') ?? 0;
  return h;
}

// Commits between two readings: how many, their mean and the bucket bound
// under which 99 % of them finished (ms), or null without a durable queue.
export function commitStats(before, after) {
  const n = after.commits.count - before.commits.count;
  if (!n) return null;
  const at = (i) => after.commits.counts[i] - (before.commits.counts[i] || 0);
  const i99 = after.commits.le.findIndex((_, i) => at(i) >= 0.99 * n);
  const le = after.commits.le[i99];
  return { commits: n, meanMs: ((after.commits.sum - before.commits.sum) / n) * 1000,
    p99Ms: le === '+Inf' ? null : Number(le) * 1000 };
}

// The counters the bench reads: spans the receiver accepted, spans the
// exporters sent (and failed to send), requests still queued.
export async function pipelineCounters(o) {
  const res = await fetch(`http://127.0.0.1:${o.ports.admin}/metrics`);
  const text = await res.text();
  return {
    accepted: sumSeries(text, 'otelcol_receiver_accepted_spans_total') ?? 0,
    sent: sumSeries(text, 'otelcol_exporter_sent_spans_total') ?? 0,
    failed: sumSeries(text, 'otelcol_exporter_send_failed_spans_total') ?? 0,
    queued: sumSeries(text, 'otelcol_exporter_queue_size') ?? 0,
    commits: commitHistogram(text),
  };
}

// Waits until every accepted span is sent (or failed) and the queues are
// empty. Returns the last counters and whether it drained in time.
export async function drain(o, { timeoutMs = 120000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let c;
  for (;;) {
    c = await pipelineCounters(o);
    if (c.queued === 0 && c.sent + c.failed >= c.accepted) return { ...c, drained: true };
    if (Date.now() > deadline) return { ...c, drained: false };
    await sleep(50);
  }
}
