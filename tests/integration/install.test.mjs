// `make install` for plugin authors, from a clean prefix: the binary, the
// bundled plugins (found by the installed otelc with no flags, while the
// build tree's otelc keeps its plugins.d), headers,
// libotelc_sdk.a, otelc-plugin.pc and the CMake package; a plugin that
// calls the SDK builds out of tree with pkg-config and with
// find_package(otelc), both load and run; one built with another ABI major
// is refused by the installed otelc with the loader's documented message;
// sdk/examples/count, built with find_package(otelc), passes its unit test
// (installed test kit and cmocka) and counts in a running pipeline;
// sdk/examples/redact
// masks secrets on their way to the file exporter, and its unit test
// builds against the installed test kit (CMake and pkg-config) and passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BIN, PLUGIN_DIRS, tempDir, start, get, post, request, eventually } from './lib/harness.mjs';

const BUILD = dirname(BIN);
// The tree's lib folder as GNUInstallDirs chose it when configuring.
const LIBDIR = readFileSync(join(BUILD, 'CMakeCache.txt'), 'utf8')
  .match(/^CMAKE_INSTALL_LIBDIR:PATH=(.*)$/m)[1];
// A caller's OTELC_PLUGIN_PATH would hide where otelc looks by itself.
const { OTELC_PLUGIN_PATH: _, ...NO_PATH_ENV } = process.env;
// A sanitizer build's libraries carry its instrumentation: so must what
// links them.
const SAN = process.env.OTELC_SANITIZE === 'ON' ? ['-fsanitize=address,undefined'] : [];

// An exporter whose create() turns OTLP/JSON into protobuf and validates
// it with the SDK: a link missing libotelc_sdk.a, the generated OTLP code,
// jansson or protobuf-c fails (-z defs), and `otelc validate` runs it.
const PLUGIN = (type) => `
#include <stdlib.h>
#include <otelc/plugin.h>
#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

static const char json[] = "{\\"resourceSpans\\":[{\\"scopeSpans\\":[{\\"spans\\":[{"
    "\\"traceId\\":\\"5b8efff798038103d269b633813fc60c\\",\\"spanId\\":\\"eee19b7ec3c1b174\\","
    "\\"name\\":\\"${type}\\"}]}]}]}";

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    uint8_t *pb;
    size_t len, spans = 0;
    *state = NULL;
    if (otlp_json_read(json, sizeof(json) - 1, &pb, &len, NULL, 0) != 0)
        return -1;
    int ok = otlp_validate_request(pb, len, &spans, NULL) == OTLP_OK && spans == 1;
    free(pb);
    return ok ? 0 : -1;
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

// The same plugin built by a CMake project through the installed package.
const CMAKE_PROJECT = (plugins) => `
cmake_minimum_required(VERSION 3.20)
project(cmsink C)
find_package(otelc REQUIRED)
message(STATUS "OTELC_PLUGIN_DIR=\${OTELC_PLUGIN_DIR}")
add_library(cmsink MODULE cm.c)
set_target_properties(cmsink PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                      LIBRARY_OUTPUT_DIRECTORY "${plugins}")
target_compile_options(cmsink PRIVATE -Wall -Werror)
target_link_options(cmsink PRIVATE -Wl,-z,defs)
target_link_libraries(cmsink PRIVATE otelc::sdk)
`;

// Both out-of-tree exporters behind the installed otlp receiver.
const PIPELINE = `
receivers:
  otlp: { protocols: { grpc: { endpoint: "127.0.0.1:0" } } }
exporters:
  pcsink:
  cmsink:
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [pcsink, cmsink] }
`;

const sh = (cmd, args, env = {}, cwd = undefined) =>
  execFileSync(cmd, args, { encoding: 'utf8', cwd, env: { ...NO_PATH_ENV, ...env } });

// A temporary folder removed after the test: an installed tree is 4 MB.
function scratch(t) {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function install(t) {
  const prefix = join(scratch(t), 'prefix');
  sh('cmake', ['--install', BUILD, '--prefix', prefix]);
  return prefix;
}

// `otelc components` rows as { type: file }.
function componentFiles(out) {
  return Object.fromEntries(out.split('\n').map((l) => l.split(/\s+/))
    .filter((f) => f.length === 6).map((f) => [f[1], f[5]]));
}

test('installed into a prefix: every part in its place; otelc finds its plugins', (t) => {
  const p = install(t);
  for (const f of ['bin/otelc', 'include/otelc/plugin.h', 'include/otelc/sdk/otlp_walk.h',
    `${LIBDIR}/libotelc_sdk.a`, `${LIBDIR}/libotelc_proto.a`,
    `${LIBDIR}/pkgconfig/otelc-plugin.pc`, `${LIBDIR}/cmake/otelc/otelcConfig.cmake`,
    `${LIBDIR}/cmake/otelc/otelcConfigVersion.cmake`, 'include/otelc/testkit.h',
    `${LIBDIR}/libotelc_testkit.a`, `${LIBDIR}/pkgconfig/otelc-testkit.pc`,
    `${LIBDIR}/otelc/plugins/awss3_exporter.so`, `${LIBDIR}/otelc/plugins/otlp_receiver.so`])
    assert.ok(existsSync(join(p, f)), `${f} installed`);
  assert.ok(!existsSync(join(p, LIBDIR, 'otelc/plugins/test_sink.so')), 'no test plugin installed');
  // No --plugin-dir, no OTELC_PLUGIN_PATH: the plugins beside the binary.
  const files = componentFiles(sh(join(p, 'bin/otelc'), ['components']));
  for (const [type, so] of [['awss3', 'awss3_exporter'], ['otlp', 'otlp_receiver'],
    ['batch', 'batch_processor'], ['memory_limiter', 'memory_limiter_processor']])
    assert.equal(files[type], join(p, LIBDIR, 'otelc/plugins', `${so}.so`), type);
  // With no --config and no ./pipelines.yaml, the installed default.
  assert.ok(existsSync(join(p, 'share/otelc/pipelines.yaml')));
  assert.match(sh(join(p, 'bin/otelc'), ['validate'], {}, scratch(t)), /the config is valid/);
});

test('the build tree\'s otelc, with no flags, still reads its plugins.d', () => {
  const files = componentFiles(sh(BIN, ['components']));
  assert.equal(files.otlp, join(BUILD, 'plugins.d/otlp_receiver.so'));
});

test('DESTDIR stages the tree under another root, where it runs as it lies', (t) => {
  const root = scratch(t);
  sh('cmake', ['--install', BUILD, '--prefix', '/opt/otelc'], { DESTDIR: root });
  const p = join(root, 'opt/otelc');
  for (const f of ['bin/otelc', 'include/otelc/plugin.h', `${LIBDIR}/libotelc_sdk.a`,
    `${LIBDIR}/pkgconfig/otelc-plugin.pc`, `${LIBDIR}/cmake/otelc/otelcConfig.cmake`])
    assert.ok(existsSync(join(p, f)), `${f} under DESTDIR`);
  const files = componentFiles(sh(join(p, 'bin/otelc'), ['components']));
  assert.equal(files.awss3, join(p, LIBDIR, 'otelc/plugins/awss3_exporter.so'));
});

test('a plugin builds out of tree with pkg-config and with find_package, and loads', (t) => {
  const p = install(t);
  const env = { PKG_CONFIG_PATH: join(p, LIBDIR, 'pkgconfig') };
  const flags = sh('pkg-config', ['--cflags', '--libs', 'otelc-plugin'], env).trim().split(/\s+/);
  // The .pc file finds its prefix from where it lies (relocatable).
  const inc = flags.find((f) => f.startsWith('-I'));
  assert.equal(inc && resolve(inc.slice(2)), join(p, 'include'), flags.join(' '));
  assert.ok(flags.includes('-lotelc_sdk'));
  assert.equal(resolve(sh('pkg-config', ['--variable=plugindir', 'otelc-plugin'], env).trim()),
    join(p, LIBDIR, 'otelc/plugins'));

  const dir = scratch(t);
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  writeFileSync(join(dir, 'pc.c'), PLUGIN('pcsink'));
  sh('cc', ['-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Werror', ...SAN,
    join(dir, 'pc.c'), '-o', join(plugins, 'pcsink.so'), '-Wl,-z,defs', ...flags]);

  const proj = join(dir, 'cmsink');
  mkdirSync(proj);
  writeFileSync(join(proj, 'cm.c'), PLUGIN('cmsink'));
  writeFileSync(join(proj, 'CMakeLists.txt'), CMAKE_PROJECT(plugins));
  const san = SAN.length ? [`-DCMAKE_C_FLAGS=${SAN[0]}`, `-DCMAKE_MODULE_LINKER_FLAGS=${SAN[0]}`] : [];
  const conf = sh('cmake', ['-S', proj, '-B', join(proj, 'build'), `-DCMAKE_PREFIX_PATH=${p}`, ...san]);
  assert.ok(conf.includes(`OTELC_PLUGIN_DIR=${join(p, LIBDIR, 'otelc/plugins')}\n`), conf);
  sh('cmake', ['--build', join(proj, 'build')]);

  const out = sh(join(p, 'bin/otelc'), ['components', '--plugin-dir', plugins]);
  assert.match(out, /^exporter\s+pcsink\s+0\.0\.1\s+\S+\s+traces\s+\S+pcsink\.so$/m, out);
  assert.match(out, /^exporter\s+cmsink\s+0\.0\.1\s+\S+\s+traces\s+\S+cmsink\.so$/m, out);
  // validate creates every instance: both run the SDK code they linked.
  writeFileSync(join(dir, 'config.yaml'), PIPELINE);
  const v = sh(join(p, 'bin/otelc'), ['validate', '--config', join(dir, 'config.yaml'),
    '--plugin-dir', plugins, '--plugin-dir', join(p, LIBDIR, 'otelc/plugins')]);
  assert.match(v, /the config is valid/);
});

test('a plugin built with another ABI major is refused by the installed otelc', (t) => {
  const p = install(t);
  const env = { PKG_CONFIG_PATH: join(p, LIBDIR, 'pkgconfig') };
  const flags = sh('pkg-config', ['--cflags', '--libs', 'otelc-plugin'], env).trim().split(/\s+/);
  const major = Number(sh('pkg-config', ['--variable=abi_major', 'otelc-plugin'], env).trim());
  const minor = Number(sh('pkg-config', ['--variable=abi_minor', 'otelc-plugin'], env).trim());
  // The installed headers, a descriptor that says the next major.
  const src = PLUGIN('nextabi').replace('.abi_major = OTELC_ABI_MAJOR,',
    '.abi_major = OTELC_ABI_MAJOR + 1,');
  assert.ok(src.includes('OTELC_ABI_MAJOR + 1'));
  const dir = scratch(t);
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins);
  writeFileSync(join(dir, 'next.c'), src);
  sh('cc', ['-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Werror', ...SAN,
    join(dir, 'next.c'), '-o', join(plugins, 'nextabi.so'), '-Wl,-z,defs', ...flags]);
  const so = join(plugins, 'nextabi.so');
  const message = `${so}: ABI major version differs (plugin ABI ${major + 1}.${minor}, ` +
    `host ABI ${major}.${minor})`;
  const out = sh(join(p, 'bin/otelc'), ['components', '--plugin-dir', plugins]);
  assert.ok(out.includes(`refused: ${message}\n`), out);
  assert.doesNotMatch(out, /^exporter\s+nextabi\s/m);
  // A config that uses it fails validation, and the log says why.
  writeFileSync(join(dir, 'config.yaml'), PIPELINE.replace('pcsink', 'nextabi')
    .replace(/\n  cmsink:/, '').replace('[pcsink, cmsink]', '[nextabi]'));
  let failed;
  try {
    sh(join(p, 'bin/otelc'), ['validate', '--config', join(dir, 'config.yaml'), '--plugin-dir', plugins,
      '--plugin-dir', join(p, LIBDIR, 'otelc/plugins')]);
  } catch (e) {
    failed = e;
  }
  assert.ok(failed && failed.status !== 0, 'validate refuses the config');
  assert.ok(failed.stderr.includes(message), failed.stderr);
});

// Copies sdk/examples/<name> out of the tree and builds it against the
// installed prefix p; returns its build folder.
function buildExample(t, p, name) {
  const proj = join(scratch(t), name);
  sh('cp', ['-r', join(process.env.OTELC_SOURCE_DIR, 'sdk/examples', name), proj]);
  const san = SAN.length ? [`-DCMAKE_C_FLAGS=${SAN[0]}`, `-DCMAKE_MODULE_LINKER_FLAGS=${SAN[0]}`] : [];
  sh('cmake', ['-S', proj, '-B', join(proj, 'build'), `-DCMAKE_PREFIX_PATH=${p}`, ...san]);
  sh('cmake', ['--build', join(proj, 'build')]);
  return join(proj, 'build');
}

test('the count example runs in a pipeline of the installed otelc and counts', async (t) => {
  const p = install(t);
  const build = buildExample(t, p, 'count');
  // Its cmocka unit test, built by its CMakeLists against the installed kit.
  assert.ok(existsSync(join(build, 'test_count')), 'test_count built with otelc::testkit');
  const unit = sh('ctest', ['--test-dir', build, '--output-on-failure']);
  assert.match(unit, /100% tests passed, 0 tests failed out of 1/, unit);
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
`, { dirs: [build, ...PLUGIN_DIRS.filter((d) => d.includes('tests'))] });
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

// OTLP/JSON with secrets on the resource and on spans, in keys a pattern
// names whole, by suffix and by prefix; `token` alone matches none.
const SECRET_REQUEST = {
  resourceSpans: [{
    resource: { attributes: [
      { key: 'service.name', value: { stringValue: 'shop' } },
      { key: 'db.password', value: { stringValue: 'hunter2' } }] },
    scopeSpans: [{
      scope: { name: 'shop.http' },
      spans: [0, 1].map((i) => ({
        traceId: '5b8efff798038103d269b633813fc60c', spanId: `eee19b7ec3c1b17${i}`,
        name: `GET /cart/${i}`, startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000001000000000',
        attributes: [
          { key: 'http.route', value: { stringValue: '/cart' } },
          { key: 'session.token', value: { stringValue: `s3cr3t-${i}` } },
          { key: 'token', value: { stringValue: 'visible' } },
          { key: 'http.request.header.authorization', value: { stringValue: 'Bearer abc' } },
          { key: 'password', value: { intValue: '1234' } }],
      })),
    }],
  }],
};

// { key: value } of an OTLP/JSON attribute list.
const attrMap = (list = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

test('the redact example masks secrets on their way to the file exporter', async (t) => {
  const p = install(t);
  const build = buildExample(t, p, 'redact');
  const out = join(scratch(t), 'spans.jsonl');
  const o = await start(`
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
  redact:
    keys: [ "*password", "*.token", "http.request.header.*" ]
exporters:
  file: { path: "${out}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      processors: [redact]
      exporters: [file]
`, { dirs: [build, join(p, LIBDIR, 'otelc/plugins')] });
  t.after(() => o.stop());
  const port = o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+) \(HTTP/)[1];
  const r = await request(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SECRET_REQUEST) });
  assert.equal(r.status, 200, r.text);
  assert.match((await get(o.url('/metrics'))).text,
    /^redact_processor_masked_attributes_total\{pipeline="traces",processor="redact"\} 7$/m);
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const docs = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const rs = docs.flatMap((d) => d.resourceSpans);
  assert.equal(rs.length, 1);
  assert.deepEqual(attrMap(rs[0].resource.attributes), { 'service.name': 'shop', 'db.password': '***' });
  assert.equal(rs[0].scopeSpans[0].scope.name, 'shop.http');
  const spans = rs[0].scopeSpans[0].spans;
  assert.deepEqual(spans.map((s) => s.name), ['GET /cart/0', 'GET /cart/1']);
  for (const s of spans)
    assert.deepEqual(attrMap(s.attributes), {
      'http.route': '/cart', 'session.token': '***', token: 'visible',
      'http.request.header.authorization': '***', password: '***' });
});

test('the redact example\'s unit test runs against the installed test kit', (t) => {
  const p = install(t);
  // find_package(otelc) defines otelc::testkit: the example's CMakeLists
  // builds test_redact beside the plugin and ctest runs it.
  const build = buildExample(t, p, 'redact');
  assert.ok(existsSync(join(build, 'test_redact')), 'test_redact built with otelc::testkit');
  const out = sh('ctest', ['--test-dir', build, '--output-on-failure']);
  assert.match(out, /100% tests passed, 0 tests failed out of 1/, out);
  assert.match(sh(join(build, 'test_redact'), []), /all checks passed/);

  // The same test linked with pkg-config's flags alone.
  const env = { PKG_CONFIG_PATH: join(p, LIBDIR, 'pkgconfig') };
  const flags = sh('pkg-config', ['--cflags', '--libs', 'otelc-testkit'], env).trim().split(/\s+/);
  const src = join(process.env.OTELC_SOURCE_DIR, 'sdk/examples/redact');
  const exe = join(scratch(t), 'test_redact');
  sh('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', ...SAN, join(src, 'test_redact.c'),
    join(src, 'redact.c'), '-o', exe, ...flags]);
  assert.match(sh(exe, []), /all checks passed/);
});
