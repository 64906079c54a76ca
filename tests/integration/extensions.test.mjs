// The collector's pprof and zpages extensions: a config naming them, as
// many collector configs do, validates and runs; their keys are checked;
// each says once that it serves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, run, writeConfig } from './lib/harness.mjs';

const config = (ext) => `
receivers:
  testsource:
exporters:
  testsink:
extensions:
${ext}
service:
  extensions: [pprof, zpages]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [testsink]
`;

test('pprof and zpages run with their keys and say they serve nothing', async (t) => {
  const o = await start(config(`  pprof: { endpoint: "localhost:1777", block_profile_fraction: 3, save_to_file: cpu.prof }
  zpages: { endpoint: "0.0.0.0:55679", expvar: { enabled: true } }`));
  t.after(() => o.stop());
  assert.match(o.log, /pprof: otelc serves no Go profiles: localhost:1777 is not opened and save_to_file writes nothing/);
  assert.match(o.log, /zpages: otelc serves no zPages: 0.0.0.0:55679 is not opened/);
  assert.match(o.log, /started extension/);
});

test('their keys are checked like any component\'s', async () => {
  const r = await run(['validate', '--config', writeConfig(config(`  pprof: { mutex_profile_fraction: lots }
  zpages: { endpoint: "localhost:55679", bogus: 1 }`))]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'extensions.pprof.mutex_profile_fraction'/);
  assert.match(r.stderr, /key 'extensions.zpages.bogus'/);
  const ok = await run(['validate', '--config', writeConfig(config('  pprof:\n  zpages:'))]);
  assert.equal(ok.code, 0, ok.stderr);
});
