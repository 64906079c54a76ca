// The bench's table on stdout and its JSON record.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-'
  : Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

const COLUMNS = [
  ['scenario', (r) => r.id],
  ['build', (r) => r.build || ''],
  ['generator', (r) => r.generator],
  ['spans/req', (r) => fmt(r.spansPerRequest)],
  ['conn x str', (r) => `${r.connections} x ${r.streams}`],
  ['spans/s', (r) => fmt(r.spansPerSec)],
  ['CPU s/Mspans', (r) => fmt(r.cpuSecondsPerMspans, 2)],
  ['spans/CPU-s', (r) => fmt(r.spansPerCpuSecond)],
  ['otelc cores', (r) => fmt(r.otelcCores, 2)],
  ['gen cores', (r) => fmt(r.generatorCores, 2)],
  ['sink cores', (r) => fmt(r.sinkCores, 2)],
  ['other cores', (r) => fmt(r.otherCores, 2)],
  ['RssAnon MiB', (r) => fmt(r.peakRssAnonMiB, 1)],
  ['p50 ms', (r) => fmt(r.p50ms, 2)],
  ['p99 ms', (r) => fmt(r.p99ms, 2)],
  ['sent', (r) => fmt(r.sent)],
  ['acked', (r) => fmt(r.acked)],
  ['refused', (r) => fmt(r.failed)],
  ['landed', (r) => fmt(r.landed)],
  ['lost', (r) => fmt(r.lost)],
];

// A plain-text table, right-aligned numbers.
export function table(rows) {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => String(f(r))));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
    .join('  ');
  return [line(COLUMNS.map(([h]) => h)), ...cells.map(line)].join('\n');
}

// Lowest and highest of a figure over a row's runs.
function range(runs, k) {
  const v = runs.map((r) => r[k]).filter((x) => x !== null && x !== undefined);
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
}

// The spread of the figures that decide the targets, over a row's runs
// (--repeat): [lowest, highest] each.
export function spread(runs) {
  const s = { runs: runs.length };
  for (const k of ['spansPerSec', 'cpuSecondsPerMspans', 'spansPerCpuSecond', 'peakRssAnonMiB',
    'p99ms', 'otherCores', 'sinkCores'])
    s[k] = range(runs, k);
  return s;
}

const SPREAD = [
  ['spans/s', 'spansPerSec', 0],
  ['CPU s/Mspans', 'cpuSecondsPerMspans', 2],
  ['spans/CPU-s', 'spansPerCpuSecond', 0],
  ['RssAnon MiB', 'peakRssAnonMiB', 1],
  ['p99 ms', 'p99ms', 2],
  ['other cores', 'otherCores', 2],
];

// Every row's spread over its runs: lowest-highest.
export function spreadTable(rows) {
  const head = ['scenario', 'build', 'runs', ...SPREAD.map(([h]) => h)];
  const cells = rows.map((r) => {
    const s = r.spread || spread([r]);
    return [r.id, r.build || '', String(s.runs), ...SPREAD.map(([, k, d]) => (s[k]
      ? (s[k][0] === s[k][1] ? fmt(s[k][0], d) : `${fmt(s[k][0], d)}-${fmt(s[k][1], d)}`) : '-'))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
    .join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}

function gitCommit(dir) {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return null;
  }
}

function buildType(build) {
  const cache = join(build, 'CMakeCache.txt');
  if (!existsSync(cache)) return null;
  const m = /^CMAKE_BUILD_TYPE:STRING=(.*)$/m.exec(readFileSync(cache, 'utf8'));
  return m ? m[1] || null : null;
}

function fsType(dir) {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir]).toString().trim();
  } catch {
    return null;
  }
}

// When the binaries under test were last linked: otelc and its plugins.
function newestBuild(paths) {
  const files = [paths.otelc, ...paths.pluginDirs.flatMap((d) => (existsSync(d)
    ? readdirSync(d).filter((f) => f.endsWith('.so')).map((f) => join(d, f)) : []))];
  return new Date(Math.max(...files.map((f) => statSync(f).mtimeMs))).toISOString();
}

// Where and how the figures were made.
export function machine(paths, opts, sourceDir) {
  return {
    date: new Date().toISOString(),
    commit: gitCommit(sourceDir), // HEAD of the tree; the binary may hold more
    built: newestBuild(paths),
    buildType: buildType(paths.build),
    cpu: cpus()[0]?.model, cores: cpus().length, kernel: release(), node: process.version,
    queueFilesystem: fsType(opts.workRoot),
    duration: opts.duration, warmup: opts.warmup, repeat: opts.repeat,
  };
}
