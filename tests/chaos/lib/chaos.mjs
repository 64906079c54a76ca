// What the chaos scenarios share: the shipped pipeline (pipelines.yaml)
// moved onto the scenario's ports, bucket and queue directory; otelc
// started without waiting (so it can be killed at any moment, start-up
// included); the example client as the application, whose acknowledged
// span ids are its record of what otelc took responsibility for; the
// bucket read back through DuckDB; figures from /metrics, /health and
// /proc; one printed line and one JSON record per scenario.
//
// Scenarios assert outcomes, never timings: every wait is bounded, and
// generously, because the machine may be busy with other work.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIN, PLUGIN_DIRS, sleep, writeConfig } from '../../integration/lib/harness.mjs';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, cleanAwsEnv } from '../../integration/lib/s3server.mjs';

export const SOURCE = process.env.OTELC_SOURCE_DIR;
export const SHIPPED = join(SOURCE, 'pipelines.yaml');
export const CLIENT = join(dirname(BIN), 'otelc-client');

// A directory removed when the scenario ends (tmp would fill up over
// repeated runs otherwise).
const scratch = [];
export function scratchDir(tag) {
  const d = mkdtempSync(join(tmpdir(), `otelc-chaos-${tag}-`));
  scratch.push(d);
  return d;
}
export function cleanScratch() {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A seeded generator (mulberry32), so a run can be repeated: CHAOS_SEED.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const seed = () => Number(process.env.CHAOS_SEED || (Date.now() % 1000000));

// The second config merged over pipelines.yaml: fixed receiver ports (a
// restarted process must be found where the client left it), the
// scenario's bucket and queue directory, everything else on free ports.
// awss3 / grpc / http: more YAML under those keys (indented as they are);
// telemetry: service.telemetry.
export function shippedOverride(s3, { grpcPort, httpPort = 0, dir, endpoint = s3.endpoint,
  awss3 = '', grpc = '', http = '', telemetry = '{ metrics: { level: none } }' }) {
  return `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "127.0.0.1:${grpcPort}"
${grpc}
      http:
        endpoint: "127.0.0.1:${httpPort}"
${http}
processors:
  metadata_extractor: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:
    s3uploader: { s3_bucket: ${s3.bucket}, endpoint: "${endpoint}" }
${awss3}
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
  health_check: { endpoint: "127.0.0.1:0" }
  trace_query:
    endpoint: "127.0.0.1:0"
    s3uploader: { s3_bucket: ${s3.bucket}, endpoint: "${s3.endpoint}" }
    cache: { directory: "${join(dirname(dir), 'query-cache')}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: ${telemetry}
`;
}

// Credentials from the environment, as a deployment would give them.
export const s3Env = (home) => cleanAwsEnv(home, { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY });

// Starts otelc over pipelines.yaml plus yaml and returns at once:
// o.ready resolves once it runs (admin port known) and rejects if it
// exits first or does not run within timeoutMs. wrap: a command that
// execs otelc (prlimit), so o.proc.pid is otelc's.
export function launch(yaml, { env = {}, timeoutMs = 90000, wrap = [], base = [SHIPPED] } = {}) {
  const config = writeConfig(yaml);
  const argv = [BIN, ...[...base, config].flatMap((c) => ['--config', c]),
    ...PLUGIN_DIRS.flatMap((d) => ['--plugin-dir', d])];
  const proc = spawn(wrap[0] || BIN, [...wrap.slice(1), ...(wrap.length ? argv : argv.slice(1))], {
    env: { OTELC_LOG: 'info', ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const o = { proc, log: '', port: 0, startedAt: Date.now() };
  o.exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  proc.stdout.on('data', (d) => { o.log += d; });
  proc.stderr.on('data', (d) => { o.log += d; });
  o.url = (path) => `http://127.0.0.1:${o.port}${path}`;
  o.ready = (async () => {
    let ended = false;
    o.exited.then(() => { ended = true; });
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !ended;) {
      const m = o.log.match(/admin: listening on \S+ \(port (\d+)\)/);
      if (m && /running \d+ pipeline/.test(o.log)) {
        o.port = Number(m[1]);
        return o;
      }
      await sleep(20);
    }
    if (!ended) proc.kill('SIGKILL');
    throw new Error(`otelc did not start (${ended ? 'it exited' : 'timed out'}):\n${o.log.slice(-4000)}`);
  })();
  o.ready.catch(() => {});
  o.kill = async () => { proc.kill('SIGKILL'); return o.exited; };
  o.stop = async (ms = 60000) => {
    proc.kill('SIGTERM');
    const r = await Promise.race([o.exited, sleep(ms).then(() => null)]);
    if (r) return r;
    proc.kill('SIGKILL');
    return { ...(await o.exited), hung: true };
  };
  return o;
}

// ---- the application: otelc-client ----

// otelc-client streaming to the gRPC port until stop(): a fixed rate,
// reconnecting when otelc is away (--allow-failures), printing the ids
// of the spans otelc acknowledged (--print-ids). stop() interrupts it
// (SIGINT: it waits for the answers in flight) and returns
// { ids: Set('traceid spanid'), requests: { sent, ok, failed }, statuses:
// { code: count }, spans: { acknowledged, failed }, stderr }.
export function startClient(port, { rate = 2000, spansPerRequest = 100, connections = 1, streams = 4,
  timeout = 30 } = {}) {
  const args = ['--endpoint', `127.0.0.1:${port}`, '--duration', '3600', '--rate', String(rate),
    '--spans-per-request', String(spansPerRequest), '--connections', String(connections),
    '--streams', String(streams), '--timeout', String(timeout), '--print-ids', '--allow-failures'];
  const proc = spawn(CLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  let stderr = '';
  proc.stdout.on('data', (d) => out.push(d));
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const c = { proc };
  c.stop = async () => {
    proc.kill('SIGINT');
    let r = await Promise.race([exited, sleep(90000).then(() => null)]);
    if (!r) {
      proc.kill('SIGKILL');
      r = await exited;
      throw new Error(`otelc-client did not stop on SIGINT within 90 s:\n${stderr.slice(-2000)}`);
    }
    const ids = new Set(Buffer.concat(out).toString().split('\n').filter(Boolean));
    const num = (re) => { const m = stderr.match(re); return m ? Number(m[1]) : 0; };
    const statuses = {};
    for (const m of stderr.matchAll(/grpc-status\s+(\d+)\s+\S+\s+(\d+)/g)) statuses[m[1]] = Number(m[2]);
    return {
      code: r.code, ids, statuses, stderr,
      requests: { sent: num(/requests: (\d+) sent/), ok: num(/(\d+) ok/), failed: num(/ok, (\d+) failed/) },
      spans: { acknowledged: num(/spans: (\d+) acknowledged/), failed: num(/acknowledged, (\d+) failed/) },
    };
  };
  return c;
}

// ---- the bucket, read back ----

let duck;
async function duckdb() {
  if (!duck) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  }
  return duck;
}

// Every span of every trace-table file under prefix, read by DuckDB:
// { objects, rows, counts: Map('traceid spanid' -> copies) }.
export async function bucketSpans(s3, prefix = 'traces/') {
  const objects = await s3.list(prefix);
  const counts = new Map();
  if (!objects.length) return { objects: 0, rows: 0, counts };
  const dir = scratchDir('read');
  for (let i = 0; i < objects.length; i += 8) {
    await Promise.all(objects.slice(i, i + 8).map(async (ob, j) => {
      const r = await s3.get(ob.key);
      writeFileSync(join(dir, `${i + j}.parquet`), r.body);
    }));
  }
  const db = await duckdb();
  const r = await db.runAndReadAll(`SELECT lower(TraceId) || ' ' || lower(SpanId) AS id, count(*) AS n
    FROM read_parquet('${dir}/*.parquet') GROUP BY 1`);
  let rows = 0;
  for (const x of r.getRowObjects()) {
    counts.set(x.id, Number(x.n));
    rows += Number(x.n);
  }
  rmSync(dir, { recursive: true, force: true });
  return { objects: objects.length, rows, counts };
}

// Acknowledged ids against the bucket: missing (acknowledged, not
// stored: must be none), duplicates (extra copies of stored spans:
// at-least-once allows them), unacknowledged (stored though the client
// never heard OK: a request in flight when otelc died).
export function compare(acked, stored) {
  let missing = 0;
  const missingIds = [];
  for (const id of acked) {
    if (!stored.counts.has(id)) {
      missing++;
      if (missingIds.length < 5) missingIds.push(id);
    }
  }
  let duplicates = 0;
  let unacknowledged = 0;
  for (const [id, n] of stored.counts) {
    duplicates += n - 1;
    if (!acked.has(id)) unacknowledged++;
  }
  return { acked: acked.size, stored: stored.counts.size, rows: stored.rows, objects: stored.objects,
    missing, missingIds, duplicates, unacknowledged };
}

// ---- figures ----

export async function metricsText(o) {
  const r = await fetch(o.url('/metrics'), { signal: AbortSignal.timeout(30000) });
  return r.text();
}
export function metric(text, name, labels = 'exporter="awss3"') {
  const esc = labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = text.match(new RegExp(`^${name}\\{${esc}\\} ([0-9.eE+-]+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}
export async function queueSpans(o) {
  return metric(await metricsText(o), 'otelc_exporter_queue_spans');
}

export async function health(o) {
  const r = await fetch(o.url('/health'), { signal: AbortSignal.timeout(30000) });
  const json = await r.json();
  return { http: r.status, status: json.status, awss3: json.components?.awss3?.status,
    detail: json.components?.awss3?.detail, json };
}

// Polls until the queue holds no span; true, or false at the timeout.
export async function waitDrained(o, timeoutMs = 180000) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(250))
    if ((await queueSpans(o).catch(() => undefined)) === 0) return true;
  return false;
}

export const mib = (kib) => Math.round(kib / 1024);

// One scenario's figures: a line on stdout ("chaos NAME: ...") and a JSON
// record appended to $CHAOS_RESULTS for the summary table.
export function report(name, line, figures) {
  console.log(`chaos ${name}: ${line}`);
  if (process.env.CHAOS_RESULTS)
    appendFileSync(process.env.CHAOS_RESULTS, `${JSON.stringify({ name, line, ...figures })}\n`);
}
