// Start order, unwinding on a failed start, duplicate route claims, and a
// SIGTERM that drains what is queued before exiting 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { start, run, writeConfig, post, eventually, BIN, PLUGIN_DIRS } from './lib/harness.mjs';

const cfg = (sink) => `
receivers:
  testsource:
processors:
  testproc:
exporters:
  testsink:
${sink}
extensions:
  health_check: { endpoint: "127.0.0.1:0" }
service:
  extensions: [health_check]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      processors: [testproc]
      exporters: [testsink]
`;

function order(log, lines) {
  let at = -1;
  for (const l of lines) {
    const i = log.indexOf(l, at + 1);
    assert.ok(i > at, `expected "${l}" after position ${at} in:\n${log}`);
    at = i;
  }
}

test('starts extensions, exporters, processors, receivers; stops in reverse; exit 0', async () => {
  const o = await start(cfg('    mode: ok'));
  const { code } = await o.stop('SIGTERM');
  assert.equal(code, 0, o.log);
  order(o.log, ['health_check: started extension', 'testsink: started exporter',
    'testproc@traces: started processor', 'testsource: started receiver', 'running 1 pipeline',
    'shutting down', 'testsource: stopped receiver', 'testproc@traces: stopped processor',
    'testsink: stopped exporter', 'health_check: stopped extension']);
});

test('a failing start unwinds what started and exits 3', async () => {
  const r = await run(['--config', writeConfig(cfg('    fail_start: true').replace('127.0.0.1:0" }\n  telemetry', '127.0.0.1:0" }\n  telemetry'))]);
  assert.equal(r.code, 3, r.stderr);
  order(r.stderr, ['health_check: started extension', 'testsink: failing start as configured',
    'start failed', 'health_check: stopped extension']);
  assert.doesNotMatch(r.stderr, /testsource: started receiver/);
});

test('the same route claimed twice is a start error', async () => {
  const yaml = cfg('    route_prefix: /same\n  testsink/b:\n    route_prefix: /same')
    .replace('exporters: [testsink]', 'exporters: [testsink, testsink/b]');
  const r = await run(['--config', writeConfig(yaml)]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /route GET \/same\/stats: claimed already/);
});

test('SIGTERM drains queued batches before exit', async () => {
  const o = await start(cfg('    mode: pending\n    delay: 300ms\n    sending_queue: { num_consumers: 1 }'));
  // Five batches queue up behind one slow consumer; all were accepted.
  const r = await post(o.url('/test/testsource/emit?count=5&spans=10'));
  assert.deepEqual(r.json, { ok: 5, retry: 0, reject: 0 });
  const { code } = await o.stop('SIGTERM');
  assert.equal(code, 0, o.log);
  assert.match(o.log, /testsink: delivered 50 spans in 5 batches/);
  assert.doesNotMatch(o.log, /lost/);
});

// Started under a soft limit of 256 open files, otelc takes what the hard
// limit allows, as the collector does: idle clients cannot lock others out.
test('the soft limit on open files is raised to the hard one', async (t) => {
  const config = writeConfig(cfg(''));
  const dirs = PLUGIN_DIRS.flatMap((d) => ['--plugin-dir', d]);
  const p = spawn('sh', ['-c', 'ulimit -S -n 256 && exec "$@"', 'sh', BIN, '--config', config, ...dirs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  p.stdout.on('data', (d) => { log += d; });
  p.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => p.on('close', r));
  t.after(async () => { p.kill('SIGTERM'); await exited; });
  assert.ok(await eventually(() => /running \d+ pipeline/.test(log)), log);
  const limits = readFileSync(`/proc/${p.pid}/limits`, 'utf8');
  const m = limits.match(/^Max open files\s+(\d+)\s+(\d+)/m);
  assert.ok(m, limits);
  assert.equal(m[1], m[2], 'soft limit equals the hard one');
  assert.ok(Number(m[1]) > 256);
});
