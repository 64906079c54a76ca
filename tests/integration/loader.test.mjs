// The plugin loader through `otelc components`: what is found, and every
// refusal with its message naming the file and both ABI versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, PLUGIN_DIRS, BAD_PLUGIN_DIR } from './lib/harness.mjs';

test('components lists the plugins found with kind, version, ABI and file', async () => {
  const r = await run(['components']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^receiver\s+testsource\s+1\.0\.0\s+1\.0\s+\S+test_source\.so$/m);
  assert.match(r.stdout, /^exporter\s+testsink\s+1\.0\.0\s+1\.0\s+\S+test_sink\.so$/m);
  assert.match(r.stdout, /^processor\s+testproc\s+1\.0\.0\s+1\.0\s+\S+test_proc\.so$/m);
  assert.match(r.stdout, /^extension\s+health_check\s+\S+\s+1\.0\s+\(built in\)$/m);
  assert.doesNotMatch(r.stdout, /refused/);
});

test('each broken plugin is refused with its reason', async () => {
  const r = await run(['components'], { dirs: [BAD_PLUGIN_DIR] });
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /refused: \S+bad_abi_major\.so: ABI major version differs \(plugin ABI 99\.0, host ABI 1\.0\)/);
  assert.match(out, /refused: \S+bad_abi_minor\.so: plugin needs a newer host \(plugin ABI 1\.1, host ABI 1\.0\)/);
  assert.match(out, /refused: \S+bad_size\.so: descriptor too small: 16 bytes, ABI 1\.0 needs \d+ \(plugin ABI 1\.0, host ABI 1\.0\)/);
  assert.match(out, /refused: \S+no_symbol\.so: no otelc_plugin_entry_v1 symbol: not an otelc plugin/);
  assert.match(out, /refused: \S+dup_b\.so: exporter type "dup" is already provided by \S+dup_a\.so/);
  // The first of the duplicates loads; none of the broken ones does.
  assert.match(out, /^exporter\s+dup\s+/m);
  assert.doesNotMatch(out, /^exporter\s+badabi/m);
  // Refusals are logged as errors too.
  assert.match(r.stderr, /ERROR loader: \S+bad_abi_major\.so: ABI major version differs/);
});

test('OTELC_PLUGIN_PATH is searched like --plugin-dir', async () => {
  const r = await run(['components'], { dirs: [], env: { OTELC_PLUGIN_PATH: PLUGIN_DIRS.join(':') } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /testsink/);
});
