// Runs the real otelc binary with real plugins for integration tests:
// writes a config, starts the process on free ports, reads the admin port
// from its log, and stops it with a signal.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.OTELC_BIN;
export const PLUGIN_DIRS = (process.env.OTELC_TEST_PLUGIN_DIRS || '').split(':').filter(Boolean);
export const BAD_PLUGIN_DIR = process.env.OTELC_BAD_PLUGIN_DIR;

if (!BIN) throw new Error('OTELC_BIN is not set: run the integration tests through ctest');

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'otelc-test-'));
}

export function writeConfig(yaml, name = 'config.yaml') {
  const path = join(tempDir(), name);
  writeFileSync(path, yaml);
  return path;
}

function pluginArgs(dirs) {
  return dirs.flatMap((d) => ['--plugin-dir', d]);
}

// Runs otelc to completion: { code, stdout, stderr }.
export function run(args, { dirs = PLUGIN_DIRS, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, [...args, ...pluginArgs(dirs)], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// Starts otelc with the given YAML and waits until it runs. The config must
// set service.admin.endpoint to 127.0.0.1:0 (the port is read from the log).
// base: config files merged before it (the YAML then only overrides them).
// wrap: a command that execs otelc (e.g. ['prlimit', '--nofile=1024:4096', '--']),
// so proc.pid is still otelc's.
export async function start(yaml, { dirs = PLUGIN_DIRS, env = {}, timeoutMs = 15000, base = [], wrap = [] } = {}) {
  const config = writeConfig(yaml);
  const configs = [...base, config].flatMap((c) => ['--config', c]);
  const argv = [BIN, ...configs, ...pluginArgs(dirs)];
  const proc = spawn(wrap[0] || BIN, [...wrap.slice(1), ...(wrap.length ? argv : argv.slice(1))], {
    env: { OTELC_LOG: 'info', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const o = { proc, config, log: '', port: 0, exited: null };
  o.exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  proc.stdout.on('data', (d) => { o.log += d; });
  proc.stderr.on('data', (d) => { o.log += d; });
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  o.exited.then(() => { ended = true; });
  while (Date.now() < deadline && !ended) {
    const m = o.log.match(/admin: listening on \S+ \(port (\d+)\)/);
    if (m && /running \d+ pipeline/.test(o.log)) {
      o.port = Number(m[1]);
      break;
    }
    await sleep(20);
  }
  if (!o.port) {
    proc.kill('SIGKILL');
    throw new Error(`otelc did not start:\n${o.log}`);
  }
  o.url = (path) => `http://127.0.0.1:${o.port}${path}`;
  o.stop = async (signal = 'SIGTERM') => {
    if (!ended) proc.kill(signal);
    return o.exited;
  };
  return o;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// HTTP helpers returning { status, text, json, headers }. A request left
// unanswered fails after a minute rather than hanging the suite.
export async function request(url, init = {}) {
  const res = await fetch(url, { signal: AbortSignal.timeout(60000), ...init });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json, headers: res.headers };
}

export const get = (url) => request(url);
export const post = (url, body) => request(url, { method: 'POST', body });

// Polls fn until it returns a truthy value or the time is up.
export async function eventually(fn, { timeoutMs = 10000, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  return last;
}
