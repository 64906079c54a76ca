// The trace table the query bench reads: otelc itself (the full path:
// OTLP/gRPC -> durable queue -> marshaler parquet -> S3) fed by the
// example client at full speed with fresh traces (not replayed: every
// request has new ids), into the bench's S3 server; then what DuckDB
// reads from the server's files: spans, traces, files, bytes, and trace
// ids to look up.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineYaml } from './configs.mjs';
import { startOtelc, drain } from './otelc.mjs';
import { cpuSeconds } from './procstat.mjs';
import { S3_BUCKET } from './sinks.mjs';
import { runCommand } from './util.mjs';

export const TABLE_PREFIX = 'bench';

// The example client sends `spans` fresh spans over 4 x 8 streams (seed:
// its ids); refused requests (a full queue) are not sent again.
async function sendFresh(paths, port, spans, seed) {
  const args = ['--endpoint', `127.0.0.1:${port}`, '--spans', String(spans), '--connections', '4',
    '--streams', '8', '--seed', String(seed), '--timeout', '60', '--allow-failures'];
  const r = await runCommand(paths.client, args);
  if (r.signal || r.code > 1) throw new Error(`otelc-client failed (${r.code ?? r.signal}):\n${r.stderr}`);
  const m = /^spans: (\d+) acknowledged, (\d+) failed/m.exec(r.stderr);
  return { acked: Number(m[1]), failed: Number(m[2]) };
}

// Sends until `spans` were acknowledged, each round with other ids.
async function sendAll(paths, port, spans, log) {
  const sum = { acked: 0, failed: 0, rounds: 0 };
  while (sum.acked < spans) {
    const r = await sendFresh(paths, port, Math.ceil((spans - sum.acked) / 100) * 100, 7 + sum.rounds);
    sum.acked += r.acked;
    sum.failed += r.failed;
    sum.rounds++;
    log(`  round ${sum.rounds}: ${r.acked} acknowledged, ${r.failed} refused`);
  }
  return sum;
}

// Writes at least `spans` spans into the table on s3 through otelc (the
// c-parquet pipeline: durable queue, batches of 8192 spans or 200 ms,
// here at most 8192 too, so that 10 million spans make over 1,000 files).
// Returns the writer's cost: CPU seconds from start to drained, per
// million spans accepted.
export async function fillTable(paths, s3, workDir, spans, log) {
  const yaml = pipelineYaml({ protocol: 'grpc', loopThreads: 2, exporter: 'awss3', durable: true,
    fsync: true, consumers: 4, marshaler: 'parquet', batchMaxSize: 8192, s3: s3.config, queueDir: join(workDir, 'queue') });
  const o = await startOtelc(paths, yaml, workDir);
  try {
    const cpu0 = cpuSeconds(o.pid);
    const t0 = Date.now();
    log(`writing ${spans} spans through otelc into the table ...`);
    const sent = await sendAll(paths, o.ports.grpc, spans, log);
    const d = await drain(o, { timeoutMs: 600000 });
    const cpu = cpuSeconds(o.pid) - cpu0;
    const seconds = (Date.now() - t0) / 1000;
    return { ...sent, accepted: d.accepted, drained: d.drained, seconds, otelcCpu: cpu,
      cpuPerMspans: cpu / (d.accepted / 1e6), spansPerCpuSecond: d.accepted / cpu };
  } finally {
    await o.stop();
  }
}

// The Parquet object files under the table's prefix in s3rver's directory.
export function tableFiles(s3dir) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.parquet._S3rver_object')) out.push(p);
    }
  };
  walk(join(s3dir, S3_BUCKET, TABLE_PREFIX));
  return out.sort();
}

let duck;
async function sql(q) {
  if (!duck) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  }
  return (await duck.runAndReadAll(q)).getRowObjectsJson();
}

const list = (files) => `[${files.map((f) => `'${f}'`).join(', ')}]`;

// Spans, distinct traces and services, files and bytes of the table, as
// DuckDB reads it; the hours its partitions cover.
export async function tableStats(files) {
  const [r] = await sql(`SELECT count(*)::BIGINT AS spans, count(DISTINCT TraceId)::BIGINT AS traces,
      count(DISTINCT ServiceName)::BIGINT AS services, min("Timestamp")::VARCHAR AS first,
      max("Timestamp")::VARCHAR AS last FROM read_parquet(${list(files)})`);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const spans = Number(r.spans);
  return { files: files.length, spans, traces: Number(r.traces), services: Number(r.services),
    bytes, bytesPerSpan: bytes / spans, firstSpan: r.first, lastSpan: r.last };
}

// A seeded generator, so that a rerun picks the same files.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// n trace ids, each from a different file picked at random, and the
// services of the table.
export async function sampleTraces(files, n, seed = 1) {
  const rand = rng(seed);
  const pool = [...files];
  const picked = [];
  while (picked.length < Math.min(n, files.length))
    picked.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  const rows = await sql(`SELECT filename, any_value(TraceId ORDER BY SpanId) AS id
    FROM read_parquet(${list(picked)}, filename = true) GROUP BY filename`);
  const byFile = new Map(rows.map((x) => [x.filename, x.id]));
  const services = (await sql(`SELECT DISTINCT ServiceName AS s FROM read_parquet(${list(picked.slice(0, 8))})
    ORDER BY 1`)).map((x) => x.s);
  return { ids: picked.map((f) => byFile.get(f)), services };
}
