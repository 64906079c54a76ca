// Runs the micro-benchmark binaries and reads their result lines
// ("name  value unit  value unit", see bench/bench_report.h).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './util.mjs';

export const MICRO = ['bench_sdk', 'bench_s3', 'bench_queue', 'bench_merge'];

export function parseMicro(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, a, b] = line.trim().split(/\s{2,}/);
    const first = /^(\S+) (.+)$/.exec(a || '');
    if (!first) continue;
    const second = /^(\S+) (.+)$/.exec(b || '');
    out.push({ name, value: Number(first[1]), unit: first[2],
      ...(second ? { value2: Number(second[1]), unit2: second[2] } : {}) });
  }
  return out;
}

// Runs each binary (bench_queue in queueDir); prints their output as it
// comes. Returns { binary: { header, results } }.
export async function runMicro(paths, queueDir, print) {
  const all = {};
  for (const name of MICRO) {
    const bin = join(paths.benchBins, name);
    if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (make build)`);
    const r = await runCommand(bin, name === 'bench_queue' ? [queueDir] : []);
    print(r.stdout.trimEnd());
    if (r.code !== 0) throw new Error(`${name} failed (${r.code ?? r.signal}):\n${r.stderr}`);
    const header = r.stdout.split('\n').filter((l) => l.startsWith('#')).map((l) => l.slice(2));
    all[name] = { header, results: parseMicro(r.stdout) };
  }
  return all;
}
