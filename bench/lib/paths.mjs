// Where the binaries are: a build directory (--build, default build/), or
// the variables ctest hands integration tests (OTELC_BIN, ...).
import { existsSync } from 'node:fs';
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
    s3server: join(SOURCE_DIR, 'scripts', 's3server.mjs'),
    pipelines: resolve(pipelinesArg || join(SOURCE_DIR, 'pipelines.yaml')),
    nodeModules: join(SOURCE_DIR, 'node_modules'),
  };
  for (const f of [p.otelc, p.client])
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (make build)`);
  return p;
}
