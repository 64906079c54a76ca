// Where the binaries are: a build directory (--build, default build/), or
// the variables ctest hands integration tests (OTELC_BIN, ...).
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function which(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim() || null;
  } catch {
    return null;
  }
}

// buildArg: --build; pipelinesArg: --pipelines (the shipped pipeline a
// scenario runs; default the tree's pipelines.yaml).
export function resolvePaths(buildArg, pipelinesArg) {
  const build = resolve(buildArg || (process.env.OTELC_BIN ? dirname(process.env.OTELC_BIN)
    : join(SOURCE_DIR, 'build')));
  const otelc = process.env.OTELC_BIN || join(build, 'otelc');
  const envDirs = (process.env.OTELC_TEST_PLUGIN_DIRS || '').split(':').filter(Boolean);
  const p = {
    build,
    otelc,
    client: join(dirname(otelc), 'otelc-client'),
    pluginDirs: envDirs.length ? envDirs : [join(build, 'plugins.d')],
    benchBins: join(build, 'bench'),
    h2load: which('h2load'),
    nginx: which('nginx') || (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null),
    s3server: join(SOURCE_DIR, 'scripts', 's3server.mjs'),
    pipelines: resolve(pipelinesArg || join(SOURCE_DIR, 'pipelines.yaml')),
    nodeModules: join(SOURCE_DIR, 'node_modules'),
  };
  for (const f of [p.otelc, p.client])
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (make build)`);
  return p;
}

// The source tree a build directory was configured from (its CMake cache),
// or null.
export function buildSource(build) {
  try {
    const m = /^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$/m
      .exec(readFileSync(join(build, 'CMakeCache.txt'), 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

// The paths of a second build measured beside the first (--before): its
// otelc and plugins, its own shipped pipelines.yaml (from its source tree
// unless pipelinesArg names one), and the first build's load generator,
// so that both builds get the very same load.
export function resolveBefore(buildArg, pipelinesArg, after) {
  const build = resolve(buildArg);
  const source = buildSource(build);
  const p = {
    ...after,
    build,
    otelc: join(build, 'otelc'),
    pluginDirs: [join(build, 'plugins.d')],
    pipelines: resolve(pipelinesArg || join(source || build, 'pipelines.yaml')),
    source,
  };
  if (!existsSync(p.otelc)) throw new Error(`${p.otelc} is missing`);
  return p;
}
