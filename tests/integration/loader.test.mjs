// The plugin loader through `otelc components`: what is found, and every
// refusal with its message naming the file and both ABI versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, PLUGIN_DIRS, BAD_PLUGIN_DIR } from './lib/harness.mjs';

// The ABI version of the tree's header, as "1.1", and its parts.
const header = readFileSync(join(process.env.OTELC_SOURCE_DIR, 'sdk/include/otelc/plugin.h'), 'utf8');
const MAJOR = Number(header.match(/#define OTELC_ABI_MAJOR (\d+)/)[1]);
const MINOR = Number(header.match(/#define OTELC_ABI_MINOR (\d+)/)[1]);
const ABI = `${MAJOR}\\.${MINOR}`; // for regular expressions
const re = (source) => new RegExp(source, 'm');

test('components lists the plugins found with kind, version, ABI, signals and file', async () => {
  const r = await run(['components']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, re(`^receiver\\s+testsource\\s+1\\.0\\.0\\s+${ABI}\\s+traces,metrics,logs\\s+\\S+test_source\\.so$`));
  assert.match(r.stdout, re(`^exporter\\s+testsink\\s+1\\.0\\.0\\s+${ABI}\\s+traces,metrics,logs\\s+\\S+test_sink\\.so$`));
  // A connector lists the pairs it joins.
  assert.match(r.stdout, re(`^connector\\s+forward\\s+\\S+\\s+${ABI}\\s+traces>traces,metrics>metrics,logs>logs\\s+\\S+forward_connector\\.so$`));
  assert.match(r.stdout, re(`^processor\\s+testproc\\s+1\\.0\\.0\\s+${ABI}\\s+traces\\s+\\S+test_proc\\.so$`));
  assert.match(r.stdout, re(`^extension\\s+health_check\\s+\\S+\\s+${ABI}\\s+-\\s+\\(built in\\)$`));
  assert.match(r.stdout, /^KIND\s+TYPE\s+VERSION\s+ABI\s+SIGNALS\s+FILE$/m);
  assert.doesNotMatch(r.stdout, /refused/);
});

test('each broken plugin is refused with its reason', async () => {
  const r = await run(['components'], { dirs: [BAD_PLUGIN_DIR] });
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, re(`refused: \\S+bad_abi_major\\.so: ABI major version differs \\(plugin ABI ${MAJOR + 98}\\.${MINOR}, host ABI ${ABI}\\)`));
  assert.match(out, re(`refused: \\S+bad_abi_minor\\.so: plugin needs a newer host \\(plugin ABI ${MAJOR}\\.${MINOR + 1}, host ABI ${ABI}\\)`));
  assert.match(out, re(`refused: \\S+bad_size\\.so: descriptor too small: 16 bytes, ABI ${MAJOR}\\.\\d+ needs \\d+ \\(plugin ABI ${ABI}, host ABI ${ABI}\\)`));
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

test('plugins export only their entry symbol; the host exports none', async () => {
  const { readdirSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const dirs = PLUGIN_DIRS.filter((d) => readdirSync(d).some((f) => f.endsWith('.so')));
  assert.ok(dirs.length > 0);
  for (const d of dirs) {
    for (const f of readdirSync(d).filter((n) => n.endsWith('.so'))) {
      const syms = execFileSync('nm', ['-D', '--defined-only', join(d, f)], { encoding: 'utf8' })
        .trim().split('\n').map((l) => l.split(' ').pop());
      assert.deepEqual(syms, ['otelc_plugin_entry_v1'], f);
    }
  }
  const host = execFileSync('nm', ['-D', '--defined-only', process.env.OTELC_BIN], { encoding: 'utf8' });
  assert.doesNotMatch(host, / [TD] (?!_)/, 'the host exports no functions or data of its own');
});

test('the plugin in docs/plugins.md builds out of tree and loads', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tempDir } = await import('./lib/harness.mjs');
  const src = process.env.OTELC_SOURCE_DIR;
  const doc = readFileSync(join(src, 'docs/plugins.md'), 'utf8');
  const code = doc.match(/```c\n([\s\S]*?)```/)[1];
  const dir = tempDir();
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'counter.c'), code);
  execFileSync('cc', ['-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Werror',
    '-I', join(src, 'sdk/include'), join(dir, 'counter.c'), '-o', join(dir, 'plugins/counter.so')]);
  const r = await run(['components'], { dirs: [join(dir, 'plugins')] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, re(`^exporter\\s+counter\\s+1\\.0\\.0\\s+${ABI}\\s+traces\\s+\\S+counter\\.so$`));
});

test('components --keys prints every key with its type, default and doc', async () => {
  const r = await run(['components', '--keys']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^exporter\s+testsink\s/m);
  assert.match(r.stdout, /^ {4}mode\s+string\s+ok\s+ok, pending, retry or reject$/m);
  assert.match(r.stdout, /^ {4}delay\s+duration\s+10ms\s+completion delay in pending mode$/m);
  assert.match(r.stdout, /^ {4}response_body\s+node\s+-\s+\[not supported yet\] custom bodies$/m);
  const plain = await run(['components']);
  assert.doesNotMatch(plain.stdout, /^ {4}mode\s/m, 'keys only with --keys');
});
