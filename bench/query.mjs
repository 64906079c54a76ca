#!/usr/bin/env node
// The query bench: a trace table of about 10 million spans in more than
// 1,000 Parquet files, written by otelc itself (OTLP -> durable queue ->
// parquet -> the local S3 server), then a query node (otelc with only
// trace_query) timed on it: trace by id with a cold cache (a fresh node
// per lookup) and a warm one, /spans?limit=100, and a Jaeger search of
// one service over the last hour. Prints a table; writes a JSON record.
// See docs/performance.md ("The trace table").
//
//   node bench/query.mjs [--build DIR] [--spans N]   spans to write (10000000)
//                        [--bucket DIR]  the S3 server's directory: reused
//                                        when it holds the table already
//                        [--cold N] [--warm N]  trace lookups (10, 200)
//                        [--scans N]     warm /spans and searches (5)
//                        [--list-interval D]  the node's list_interval (10s)
//                        [--out FILE] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolvePaths, SOURCE_DIR } from './lib/paths.mjs';
import { machine } from './lib/report.mjs';
import { startNode, timed } from './lib/querynode.mjs';
import { startS3 } from './lib/sinks.mjs';
import { fillTable, tableFiles, tableStats, sampleTraces } from './lib/table.mjs';
import { percentile } from './lib/util.mjs';

const { values: opt } = parseArgs({
  options: {
    build: { type: 'string' },
    spans: { type: 'string', default: '10000000' },
    bucket: { type: 'string' },
    cold: { type: 'string', default: '10' },
    warm: { type: 'string', default: '200' },
    scans: { type: 'string', default: '5' },
    'list-interval': { type: 'string', default: '10s' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const log = (s) => process.stderr.write(`${s}\n`);

// The files of the table, written first when the bucket has none.
async function table(paths, s3, work) {
  let files = [];
  try { files = tableFiles(s3.dir); } catch { /* no table yet */ }
  const fill = files.length ? null : await fillTable(paths, s3, work, Number(opt.spans), log);
  if (fill) files = tableFiles(s3.dir);
  const stats = await tableStats(files);
  log(`table: ${stats.spans} spans, ${stats.traces} traces in ${stats.files} files, ` +
    `${(stats.bytesPerSpan).toFixed(1)} B/span`);
  return { files, stats, fill };
}

function check(r, what) {
  if (r.status !== 200) throw new Error(`${what} ${r.path}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  const j = JSON.parse(r.body);
  r.items = (j.data || j.spans || []).length;
  if (what === 'trace') r.items = j.data[0].spans.length;
  if (!r.items) throw new Error(`${what} ${r.path}: nothing found`);
  r.note = j.errors ? j.errors.map((e) => e.msg).join('; ') : null;
  delete r.body;
  return r;
}

const searchPath = (service) => {
  const now = Date.now() * 1000;
  return `/api/traces?service=${encodeURIComponent(service)}&start=${now - 3600e6}&end=${now}&limit=20`;
};

// One lookup on a fresh node per path (an empty cache each time).
async function cold(ctx, paths, what) {
  const out = [];
  for (const path of paths) {
    const node = await startNode(ctx.paths, ctx.s3, ctx.work, { listInterval: opt['list-interval'] });
    try {
      out.push(check(await timed(node, ctx.s3, path), what));
    } finally {
      await node.stop();
    }
  }
  return out;
}

// The paths on one node whose cache a first trace lookup filled.
async function warm(ctx, primeId, sets) {
  const node = await startNode(ctx.paths, ctx.s3, ctx.work, { listInterval: opt['list-interval'] });
  try {
    check(await timed(node, ctx.s3, `/api/traces/${primeId}`), 'trace');
    const out = {};
    for (const [name, what, paths] of sets) {
      out[name] = [];
      for (const path of paths) out[name].push(check(await timed(node, ctx.s3, path), what));
    }
    return out;
  } finally {
    await node.stop();
  }
}

function summary(name, runs) {
  const ms = runs.map((r) => r.ms);
  const mean = (k) => runs.reduce((n, r) => n + r[k], 0) / runs.length;
  return { name, n: runs.length, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: Math.max(...ms),
    gets: mean('gets'), mib: mean('bytes') / 1048576, nodeCpuMs: mean('nodeCpu') * 1000,
    s3CpuMs: mean('s3Cpu') * 1000, items: mean('items'),
    notes: [...new Set(runs.map((r) => r.note).filter(Boolean))] };
}

function print(rows) {
  const head = ['query', 'n', 'p50 ms', 'p99 ms', 'max ms', 'GETs', 'MiB read', 'node CPU ms', 'S3 CPU ms', 'items'];
  const f = (v, d) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const lines = rows.map((r) => [r.name, String(r.n), f(r.p50, 1), f(r.p99, 1), f(r.max, 1), f(r.gets, 1),
    f(r.mib, 2), f(r.nodeCpuMs, 0), f(r.s3CpuMs, 0), f(r.items, 1)]);
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (c) => c.map((v, i) => (i ? v.padStart(w[i]) : v.padEnd(w[i]))).join('  ');
  return [line(head), ...lines.map(line)].join('\n');
}

async function measure(ctx, sample) {
  const nCold = Number(opt.cold);
  const ids = sample.ids;
  const svc = sample.services[0];
  const traceIds = ids.slice(1, 1 + nCold);
  const warmIds = ids.slice(1 + nCold, 1 + nCold + Number(opt.warm));
  log(`cold: ${nCold} trace lookups, each on a fresh node ...`);
  const rows = [summary('trace by id, cold', await cold(ctx, traceIds.map((id) => `/api/traces/${id}`), 'trace'))];
  rows.push(summary('/spans?limit=100, cold', await cold(ctx, ['/spans?limit=100'], 'spans')));
  rows.push(summary('search 1 h, cold', await cold(ctx, [searchPath(svc)], 'search')));
  log(`warm: ${warmIds.length} trace lookups, then /spans and searches, on one node ...`);
  const w = await warm(ctx, ids[0], [
    ['trace by id, warm', 'trace', warmIds.map((id) => `/api/traces/${id}`)],
    ['/spans?limit=100, warm', 'spans', Array(Number(opt.scans)).fill('/spans?limit=100')],
    ['search 1 h, warm', 'search', Array(Number(opt.scans)).fill(null).map(() => searchPath(svc))],
  ]);
  for (const [name, runs] of Object.entries(w)) rows.push(summary(name, runs));
  return rows;
}

async function main() {
  const paths = resolvePaths(opt.build);
  const work = mkdtempSync(join(paths.build, 'bench-query-'));
  const s3dir = opt.bucket ? resolve(opt.bucket) : join(work, 's3');
  const s3 = await startS3(paths, s3dir);
  const ctx = { paths, s3, work };
  const record = { machine: machine(paths, { workRoot: work }, SOURCE_DIR) };
  try {
    Object.assign(record, await table(paths, s3, work));
    const sample = await sampleTraces(record.files, 1 + Number(opt.cold) + Number(opt.warm));
    delete record.files;
    record.listInterval = opt['list-interval'];
    record.queries = await measure(ctx, sample);
  } finally {
    await s3.stop();
    if (!opt.keep) rmSync(work, { recursive: true, force: true });
  }
  console.log(print(record.queries));
  for (const r of record.queries) if (r.notes.length) console.log(`${r.name}: ${r.notes.join('; ')}`);
  const out = opt.out || join(SOURCE_DIR, 'bench', 'results', `${record.machine.date.slice(0, 10)}-query.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  log(`wrote ${out}`);
}

main().catch((e) => {
  log(`bench: ${e.stack || e}`);
  process.exitCode = 2;
});
