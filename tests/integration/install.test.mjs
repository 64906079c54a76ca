// `make install` for plugin authors, from a clean prefix: the binary, the
// bundled plugins (found by the installed otelc with no flags), headers,
// libotelc_sdk.a, otelc-plugin.pc and the CMake package; a plugin that
// calls the SDK builds out of tree with pkg-config, sdk/examples/count
// with find_package(otelc), and both load; the example counts in a
// running pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BIN, PLUGIN_DIRS, tempDir, start, get, post, eventually } from './lib/harness.mjs';

const BUILD = dirname(BIN);
// A sanitizer build's libraries carry its instrumentation: so must what
// links them.
const SAN = process.env.OTELC_SANITIZE === 'ON' ? ['-fsanitize=address,undefined'] : [];

// An exporter that counts spans and checks a string with the SDK's UTF-8
// validator, so linking libotelc_sdk.a is really exercised.
const PLUGIN = (type) => `
#include <stdlib.h>
#include <otelc/plugin.h>
#include <otelc/sdk/utf8.h>

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    *state = NULL;
    return otlp_utf8_valid("${type}", sizeof("${type}") - 1) ? 0 : -1;
}
static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t) { return OTELC_OK; }
static void destroy(void *state) {}
static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR, .abi_minor = OTELC_ABI_MINOR, .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER, .type = "${type}", .version = "0.0.1", .doc = "test",
    .create = create, .consume = consume, .destroy = destroy,
};
OTELC_PLUGIN(desc)
`;

const sh = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });

function install() {
  const prefix = join(tempDir(), 'prefix');
  sh('cmake', ['--install', BUILD, '--prefix', prefix]);
  return prefix;
}

test('installed into a prefix: every part in its place; otelc finds its plugins', () => {
  const p = install();
  for (const f of ['bin/otelc', 'include/otelc/plugin.h', 'include/otelc/sdk/otlp_walk.h',
    'lib/libotelc_sdk.a', 'lib/libotelc_proto.a', 'lib/pkgconfig/otelc-plugin.pc',
    'lib/cmake/otelc/otelcConfig.cmake', 'lib/cmake/otelc/otelcConfigVersion.cmake',
    'lib/otelc/plugins/awss3_exporter.so', 'lib/otelc/plugins/otlp_receiver.so'])
    assert.ok(existsSync(join(p, f)), `${f} installed`);
  assert.ok(!existsSync(join(p, 'lib/otelc/plugins/test_sink.so')), 'no test plugin installed');
  const out = sh(join(p, 'bin/otelc'), ['components']);
  for (const t of ['awss3', 'otlp', 'batch', 'memory_limiter'])
    assert.match(out, new RegExp(`\\s${t}\\s.*${p}/bin/\\.\\./lib/otelc/plugins/`), out);  // With no --config and no ./pipelines.yaml, the installed default.
  assert.ok(existsSync(join(p, 'share/otelc/pipelines.yaml')));
  const v = execFileSync(join(p, 'bin/otelc'), ['validate'], { cwd: tempDir(), encoding: 'utf8' });
  assert.match(v, /the config is valid/);
});

test('DESTDIR stages the tree under another root', () => {
  const root = tempDir();
  sh('cmake', ['--install', BUILD, '--prefix', '/opt/otelc'], { DESTDIR: root });
  assert.ok(existsSync(join(root, 'opt/otelc/bin/otelc')));
  assert.ok(existsSync(join(root, 'opt/otelc/lib/pkgconfig/otelc-plugin.pc')));
});

test('a plugin builds out of tree with pkg-config and with find_package, and loads', () => {
  const p = install();
  const env = { PKG_CONFIG_PATH: join(p, 'lib/pkgconfig') };
  const flags = sh('pkg-config', ['--cflags', '--libs', 'otelc-plugin'], env).trim().split(/\s+/);
  // The .pc file finds its prefix from where it lies (relocatable).
  const inc = flags.find((f) => f.startsWith('-I'));
  assert.equal(inc && resolve(inc.slice(2)), join(p, 'include'), flags.join(' '));
  assert.ok(flags.includes('-lotelc_sdk'));
  assert.equal(resolve(sh('pkg-config', ['--variable=plugindir', 'otelc-plugin'], env).trim()),
    join(p, 'lib/otelc/plugins'));

  const dir = tempDir();
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  writeFileSync(join(dir, 'pc.c'), PLUGIN('pcsink'));
  sh('cc', ['-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Werror', ...SAN,
    join(dir, 'pc.c'), '-o', join(plugins, 'pcsink.so'), '-Wl,-z,defs', ...flags]);

  // sdk/examples/count, copied out of the tree and built with find_package.
  const proj = join(dir, 'count');
  sh('cp', ['-r', join(process.env.OTELC_SOURCE_DIR, 'sdk/examples/count'), proj]);
  const b = join(proj, 'build');
  const san = SAN.length ? [`-DCMAKE_C_FLAGS=${SAN[0]}`, `-DCMAKE_MODULE_LINKER_FLAGS=${SAN[0]}`] : [];
  sh('cmake', ['-S', proj, '-B', b, `-DCMAKE_PREFIX_PATH=${p}`, ...san]);
  sh('cmake', ['--build', b]);
  sh('cp', [join(b, 'count.so'), plugins]);

  const out = sh(join(p, 'bin/otelc'), ['components', '--plugin-dir', plugins]);
  assert.match(out, /^exporter\s+pcsink\s+0\.0\.1\s+\S+\s+\S+pcsink\.so$/m, out);
  assert.match(out, /^exporter\s+count\s+1\.0\.0\s+\S+\s+\S+count\.so$/m, out);
  return { p, plugins };
});

test('the count example runs in a pipeline of the installed otelc and counts', async (t) => {
  const p = install();
  const dir = tempDir();
  const proj = join(dir, 'count');
  sh('cp', ['-r', join(process.env.OTELC_SOURCE_DIR, 'sdk/examples/count'), proj]);
  const san = SAN.length ? [`-DCMAKE_C_FLAGS=${SAN[0]}`, `-DCMAKE_MODULE_LINKER_FLAGS=${SAN[0]}`] : [];
  sh('cmake', ['-S', proj, '-B', join(proj, 'build'), `-DCMAKE_PREFIX_PATH=${p}`, ...san]);
  sh('cmake', ['--build', join(proj, 'build')]);
  const o = await start(`
receivers:
  testsource:
exporters:
  count:
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [count]
`, { dirs: [join(proj, 'build'), ...PLUGIN_DIRS.filter((d) => d.includes('tests'))] });
  t.after(() => o.stop());
  assert.deepEqual((await post(o.url('/test/testsource/emit?count=4&spans=25'))).json,
    { ok: 4, retry: 0, reject: 0 });
  const c = await eventually(async () => {
    const r = await get(o.url('/count/count'));
    return r.json && r.json.spans === 100 ? r.json : null;
  });
  assert.deepEqual(c, { batches: 4, spans: 100 });
  assert.match((await get(o.url('/metrics'))).text, /^count_exporter_spans_total\{exporter="count"\} 100$/m);
});
