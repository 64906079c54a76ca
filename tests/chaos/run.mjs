#!/usr/bin/env node
// The chaos run (make chaos): the real binary, a real S3 server, loopback.
// Runs each scenario in a process of its own, one after the other (they
// measure memory and drain times, and the machine has few cores), prints
// the scenarios' own lines as they come and a summary table at the end,
// and writes the figures to <build>/chaos/last-run.{json,md} (the table
// docs/reliability.md keeps). Exits 1 if any scenario failed.
//
//   node tests/chaos/run.mjs [--build DIR] [--only kill9,s3_outage,...]
//   CHAOS_SEED=N    repeat the random kill moments of a run
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = resolve(HERE, '..', '..');
export const SCENARIOS = ['kill9', 's3_outage', 'disk_budget', 'abuse'];

const { values: opt } = parseArgs({ options: { build: { type: 'string' }, only: { type: 'string' } } });
const build = resolve(opt.build || join(SOURCE, 'build'));
const only = opt.only ? opt.only.split(',') : SCENARIOS;
for (const n of only) if (!SCENARIOS.includes(n)) throw new Error(`unknown scenario ${n}; known: ${SCENARIOS}`);
for (const f of ['otelc', 'otelc-client']) {
  if (!existsSync(join(build, f))) throw new Error(`${join(build, f)} is missing: build first (make build)`);
}

const out = join(build, 'chaos');
mkdirSync(out, { recursive: true });
const results = join(out, 'results.jsonl');
rmSync(results, { force: true });
const env = {
  ...process.env,
  OTELC_BIN: join(build, 'otelc'),
  OTELC_TEST_PLUGIN_DIRS: [join(build, 'plugins.d'), join(build, 'tests', 'plugins.d')].join(':'),
  OTELC_SOURCE_DIR: SOURCE,
  NODE_PATH: join(SOURCE, 'node_modules'),
  CHAOS_RESULTS: results,
};

function runOne(name) {
  return new Promise((resolveRun) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, ['--test-reporter=spec', '--test-force-exit', join(HERE, `${name}.mjs`)],
      { env, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('close', (code) => resolveRun({ name, code, seconds: Math.round((Date.now() - t0) / 1000) }));
  });
}

const wall = Date.now();
const runs = [];
for (const name of only) {
  console.log(`\n== chaos ${name}`);
  runs.push(await runOne(name));
}

const records = existsSync(results)
  ? readFileSync(results, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const machine = {
  date: new Date().toISOString(), cores: cpus().length, cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version,
  load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
};
const rows = runs.map((r) => {
  const rec = records.filter((x) => x.name === r.name);
  const line = rec.map((x) => x.line).join('; ') || '(no figures: failed before its report)';
  return `| ${r.name} | ${r.code === 0 ? 'pass' : 'FAIL'} | ${r.seconds} s | ${line.replace(/\|/g, '\\|')} |`;
});
const md = [
  `Run of ${machine.date.slice(0, 16).replace('T', ' ')} UTC: ${machine.cores} cores (${machine.cpu}), ` +
    `${machine.memoryGiB} GiB, Linux ${machine.kernel}, node ${machine.node}, load ${machine.load} at the end; ` +
    `${Math.round((Date.now() - wall) / 1000)} s in all.`,
  '',
  '| scenario | result | wall time | figures |',
  '| --- | --- | --- | --- |',
  ...rows,
].join('\n');
writeFileSync(join(out, 'last-run.md'), `${md}\n`);
writeFileSync(join(out, 'last-run.json'), `${JSON.stringify({ machine, runs, records }, null, 1)}\n`);
console.log(`\n== chaos summary\n${md}\n(written to ${join(out, 'last-run.md')})`);
process.exit(runs.every((r) => r.code === 0) ? 0 : 1);
