// Small helpers shared by the bench driver.
import { spawn } from 'node:child_process';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a command to completion: { code, signal, stdout, stderr, pid }.
// onStart(pid) is called once it runs (to sample it).
export function runCommand(cmd, args, { onStart, env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('spawn', () => onStart && onStart(p.pid));
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: p.pid }));
  });
}

// Percentile q (0..1) of an array of numbers by nearest rank.
export function percentile(values, q) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}
