#!/usr/bin/env node
// The otelc benchmark: micro-benchmarks, then end-to-end scenarios on
// loopback (load generator -> otelc -> sink), a table on stdout and a
// JSON record in bench/results/<date>.json. See docs/performance.md.
//
//   node bench/run.mjs [--build DIR] [--only a,b,...] [--duration S]
//                      [--pipelines FILE] the shipped pipeline of the
//                                        shipped-* scenarios (default the
//                                        tree's pipelines.yaml)
//                      [--warmup S] [--no-micro] [--out FILE] [--keep]
//                      [--quiet-wait S]  wait up to S s (default 60) for an
//                                        idle machine before each measurement
//                      [--repeat N]      run each scenario N times; the table
//                                        shows the run least disturbed by
//                                        other processes, the JSON all runs
//                      [--perf DIR]      perf record otelc during each
//                                        measured run into DIR/perf-<id>.data
//                      [--before DIR]    a second build (the previous
//                                        release) measured beside --build:
//                                        each scenario's runs alternate
//                                        between the two, same load generator
//                      [--before-pipelines FILE]  its shipped pipeline
//                                        (default its source tree's)
//                      [--before-index on|off]  write awss3's index.enabled
//                                        for the --before build (builds
//                                        before the trace table indexed
//                                        every upload by default)
//   node bench/run.mjs --smoke           (a) and (b) for 5 s at a modest rate;
//                                        exits 1 if an acknowledged span is lost
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runMicro } from './lib/micro.mjs';
import { resolveBefore, resolvePaths, SOURCE_DIR } from './lib/paths.mjs';
import { waitQuiet } from './lib/procstat.mjs';
import { machine, spread, spreadTable, table } from './lib/report.mjs';
import { runScenario } from './lib/runner.mjs';
import { SCENARIOS, SMOKE } from './lib/scenarios.mjs';

const { values: opt } = parseArgs({
  options: {
    build: { type: 'string' },
    pipelines: { type: 'string' },
    only: { type: 'string' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    smoke: { type: 'boolean', default: false },
    'no-micro': { type: 'boolean', default: false },
    out: { type: 'string' },
    work: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'quiet-wait': { type: 'string', default: '60' },
    repeat: { type: 'string', default: '1' },
    perf: { type: 'string' },
    before: { type: 'string' },
    'before-pipelines': { type: 'string' },
    'before-index': { type: 'string' },
  },
});

const log = (s) => process.stderr.write(`${s}\n`);

function pickScenarios() {
  if (opt.smoke) return SMOKE;
  if (!opt.only) return SCENARIOS;
  const ids = opt.only.split(',');
  const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length)
    throw new Error(`unknown scenario ${unknown}; known: ${SCENARIOS.map((s) => s.id)}`);
  return SCENARIOS.filter((s) => ids.includes(s.id));
}

function options(paths) {
  // Queue files go under the build directory (a real disk, usually; on
  // tmpfs fsync would cost nothing), in a directory removed afterwards.
  const base = opt.work || paths.build;
  mkdirSync(base, { recursive: true });
  const o = {
    duration: opt.smoke ? 2.5 : Number(opt.duration),
    warmup: opt.smoke ? 0 : Number(opt.warmup),
    quietWait: opt.smoke ? 0 : Number(opt['quiet-wait']),
    repeat: opt.smoke ? 1 : Math.max(1, Number(opt.repeat)),
    workRoot: mkdtempSync(join(base, 'bench-work-')),
    keep: opt.keep,
    perf: opt.perf && resolve(opt.perf),
    beforeIndex: opt['before-index'] === undefined ? undefined : opt['before-index'] === 'on',
  };
  if (o.perf) mkdirSync(o.perf, { recursive: true });
  return o;
}

// Runs sc o.repeat times on each build (alternating, so that both see the
// machine alike); per build the row shown is the least disturbed run, with
// the spread of all.
async function runRepeated(builds, sc, o) {
  const runs = builds.map(() => []);
  for (let i = 0; i < o.repeat; i++) {
    for (const [b, paths] of builds.entries()) {
      const opts = { ...o, awss3Index: paths.label === 'before' ? o.beforeIndex : undefined };
      log(`== ${sc.id}: ${sc.title}${paths.label ? ` [${paths.label}]` : ''}${o.repeat > 1 ? ` (run ${i + 1} of ${o.repeat})` : ''}`);
      let r;
      try {
        r = await runScenario(paths, sc, opts);
      } catch (e) {
        // One broken run does not cost the others: recorded, and a failure.
        log(`   failed: ${e.stack || e}`);
        runs[b].push({ id: sc.id, title: sc.title, build: paths.label || null, generator: 'failed',
          error: String(e.message || e) });
        continue;
      }
      log(`   ${r.spansPerSec} spans/s, ${r.cpuSecondsPerMspans?.toFixed(2)} CPU s/Mspans, RssAnon ${r.peakRssAnonMiB.toFixed(1)} MiB, p99 ${r.p99ms} ms, lost ${r.lost} (landed: ${r.landedBy}), other load ${r.otherCores.toFixed(2)} cores`);
      runs[b].push(r);
    }
  }
  return runs.map((rs) => {
    const ok = rs.filter((r) => !r.error);
    const best = ok.length ? ok.reduce((a, b) => (b.otherCores < a.otherCores ? b : a)) : rs[0];
    return rs.length > 1 ? { ...best, spread: spread(ok), runs: rs } : best;
  });
}

function save(record) {
  const out = opt.out || (opt.smoke ? null
    : join(SOURCE_DIR, 'bench', 'results', `${record.machine.date.slice(0, 10)}.json`));
  if (!out) return;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  log(`wrote ${out}`);
}

// Every run must have landed what was acknowledged, drained, exited 0.
function failures(rows) {
  const bad = rows.flatMap((r) => r.runs || [r])
    .filter((r) => r.error || r.lost > 0 || !r.drained || r.otelcExit !== 0);
  for (const r of bad) {
    log(r.error ? `FAIL ${r.id}: ${r.error}`
      : `FAIL ${r.id}: ${r.lost} acknowledged spans lost, drained ${r.drained}, otelc exit ${r.otelcExit}`);
  }
  return bad.length;
}

async function main() {
  const paths = resolvePaths(opt.build, opt.pipelines);
  const builds = [paths];
  if (opt.before) {
    paths.label = 'after';
    builds.unshift({ ...resolveBefore(opt.before, opt['before-pipelines'], paths), label: 'before' });
  }
  const scenarios = pickScenarios();
  if (scenarios.some((s) => s.load.generator === 'h2load') && !paths.h2load)
    throw new Error('h2load is missing (Debian package nghttp2-client; make setup installs it)');
  const o = options(paths);
  const record = { machine: machine(paths, o, SOURCE_DIR), micro: null, scenarios: [] };
  if (opt.before) {
    const b = builds[0];
    // The shipped pipeline as a path in that build's tree, not this machine's.
    record.before = { ...machine(b, o, b.source || b.build),
      pipelines: b.source ? relative(b.source, b.pipelines) : basename(b.pipelines),
      awss3Index: o.beforeIndex ?? null };
  }
  try {
    if (!opt.smoke && !opt['no-micro']) {
      if (o.quietWait > 0) await waitQuiet(o.quietWait);
      record.micro = await runMicro(paths, o.workRoot, log);
    }
    for (const sc of scenarios) record.scenarios.push(...await runRepeated(builds, sc, o));
  } finally {
    if (!o.keep) rmSync(o.workRoot, { recursive: true, force: true });
  }
  console.log(table(record.scenarios));
  if (o.repeat > 1) console.log(`\nspread over the runs (lowest-highest):\n${spreadTable(record.scenarios)}`);
  save(record);
  return failures(record.scenarios) ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  log(`bench: ${e.stack || e}`);
  process.exitCode = 2;
});
