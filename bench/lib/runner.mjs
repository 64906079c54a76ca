// Runs one scenario: sink, otelc, a warm-up, a measured run, a drain, then
// counts what landed. Every figure comes from outside otelc (/proc, the
// generator, the sink) except the exporter's sent counter where the
// output is /dev/null or a sink that stores nothing (nginx).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pipelineYaml } from './configs.mjs';
import { runClient, runH2load, dumpBody } from './load.mjs';
import { startOtelc, pipelineCounters, drain, commitStats } from './otelc.mjs';
import { cpuSeconds, machineBusySeconds, sampler, waitQuiet } from './procstat.mjs';
import { startS3, startNginx, s3Spans, fileSpans } from './sinks.mjs';
import { runCommand } from './util.mjs';

const MIB = 1024 * 1024;

function generate(paths, port, seconds, sc, body, dir, onStart) {
  if (sc.load.generator === 'client') return runClient(paths, port, seconds, sc.load, onStart);
  return runH2load(paths, port, seconds, sc.load, body, dir, onStart);
}

async function landedSpans(sc, ctx, counters) {
  if (ctx.s3 && !ctx.s3.stores)
    return { landed: counters.sent, landedBy: 'exporter sent counter (nginx stores nothing)' };
  if (ctx.s3) {
    const got = await s3Spans(ctx.s3);
    return { landed: got.spans, landedBy: `${got.objects} S3 objects read back` };
  }
  if (sc.parseFile) return { landed: fileSpans(ctx.filePath), landedBy: 'file output parsed' };
  return { landed: counters.sent, landedBy: 'exporter sent counter' };
}

// CPU taken during a measured run: otelc's, the sink's, the machine's.
function costMeter(ctx) {
  const m = { cpu0: cpuSeconds(ctx.otelc.pid), busy0: machineBusySeconds() };
  m.sink = ctx.s3 ? sampler(ctx.s3.pid, 200) : null;
  m.sinkCpu0 = m.sink ? m.sink.lastCpu : 0;
  m.stop = (seconds) => {
    if (m.sink) m.sink.stop();
    return {
      otelcCores: (cpuSeconds(ctx.otelc.pid) - m.cpu0) / seconds,
      sinkCores: m.sink ? (m.sink.lastCpu - m.sinkCpu0) / seconds : null,
      machineCores: (machineBusySeconds() - m.busy0) / seconds,
    };
  };
  return m;
}

// perf record of otelc for the measured run, when opts.perf names a
// directory: <dir>/perf-<scenario>.data (call graphs through DWARF, as
// release builds keep no frame pointers).
function startPerf(paths, sc, ctx, opts) {
  if (!opts.perf) return null;
  const out = join(opts.perf, `perf-${sc.id}${paths.label ? `-${paths.label}` : ''}.data`);
  return runCommand('perf', ['record', '-q', '-F', '499', '--call-graph', 'dwarf,16384', '-o', out,
    '-p', String(ctx.otelc.pid), '--', 'sleep', String(Math.max(1, opts.duration - 1))]);
}

// The measured part: the generator runs with otelc, the generator and the
// sink sampled; then the pipeline drains.
async function measure(paths, sc, ctx, opts) {
  const busyBefore = opts.quietWait > 0 ? await waitQuiet(opts.quietWait) : null;
  const before = await pipelineCounters(ctx.otelc);
  const mem = sampler(ctx.otelc.pid);
  const meter = costMeter(ctx);
  const perf = startPerf(paths, sc, ctx, opts);
  let gen;
  const r = await generate(paths, ctx.port, opts.duration, sc, ctx.body, ctx.dir,
    (pid) => { gen = sampler(pid, 200); });
  const cores = meter.stop(r.seconds);
  gen.stop();
  if (perf && (await perf).code !== 0) throw new Error('perf record failed');
  const t0 = Date.now();
  const after = await drain(ctx.otelc);
  const drainSeconds = (Date.now() - t0) / 1000;
  mem.stop();
  const spans = after.accepted - before.accepted;
  const generatorCores = gen.lastCpu / r.seconds;
  return {
    r, after, drainSeconds, busyBefore, ...cores, generatorCores,
    commit: commitStats(before, after),
    cpuPerMspans: spans > 0 ? (cpuSeconds(ctx.otelc.pid) - meter.cpu0) / (spans / 1e6) : null,
    otherCores: Math.max(0, cores.machineCores - cores.otelcCores - generatorCores
      - (cores.sinkCores || 0)),
    peakRssAnonMiB: mem.peakRssAnon / MIB,
  };
}

function row(paths, sc, ctx, warm, m, landed, exit) {
  const both = (k) => (warm ? warm[k] : 0) + m.r[k];
  const l = sc.load;
  return {
    id: sc.id, title: sc.title, build: paths.label || null,
    sink: ctx.s3 ? ctx.s3.kind : (ctx.filePath === '/dev/null' ? '/dev/null' : 'file'),
    generator: l.generator === 'client' ? 'otelc-client --replay'
      : `h2load (${l.protocol})`,
    spansPerRequest: l.spansPerRequest, connections: l.connections,
    streams: l.protocol === 'h1' ? 1 : l.streams, targetRate: l.rate || null, gzip: !!l.gzip,
    seconds: m.r.seconds, spansPerSec: Math.round(m.r.acked / m.r.seconds),
    cpuSecondsPerMspans: m.cpuPerMspans,
    spansPerCpuSecond: m.cpuPerMspans ? Math.round(1e6 / m.cpuPerMspans) : null,
    otelcCores: m.otelcCores,
    generatorCores: m.generatorCores, sinkCores: m.sinkCores, otherCores: m.otherCores,
    busyCoresBefore: m.busyBefore, machineCoresTotal: cpus().length,
    peakRssAnonMiB: m.peakRssAnonMiB, p50ms: m.r.p50, p99ms: m.r.p99,
    sent: both('sent'), acked: both('acked'), failed: both('failed'), errors: m.r.errors,
    landed: landed.landed, lost: Math.max(0, both('acked') - landed.landed),
    landedBy: landed.landedBy, drained: m.after.drained, drainSeconds: m.drainSeconds,
    queueCommits: m.commit, otelcExit: exit,
  };
}

// Runs sc and returns its row. opts: { duration, warmup, workRoot, keep,
// quietWait (seconds to wait for an idle machine before measuring),
// perf (a directory for perf profiles of otelc, or undefined),
// awss3Index (true|false: write awss3's index.enabled, for builds that
// have that key; undefined: write none) }. paths.label names the build in
// the row (after, before) when two are measured.
export async function runScenario(paths, sc, opts) {
  const dir = mkdtempSync(join(opts.workRoot, `${sc.id}-`));
  const ctx = { dir, filePath: sc.parseFile ? join(dir, 'spans.binpb') : '/dev/null' };
  try {
    if (sc.pipeline.exporter === 'awss3') {
      ctx.s3 = sc.sink === 'nginx' ? await startNginx(paths, join(dir, 'nginx'))
        : await startS3(paths, join(dir, 's3'));
    }
    const yaml = pipelineYaml({ ...sc.pipeline, filePath: ctx.filePath, s3: ctx.s3?.config,
      queueDir: join(dir, 'queue'), index: sc.pipeline.shipped ? undefined : opts.awss3Index,
      shippedQuery: sc.pipeline.shipped && /^\s*trace_query:/m.test(readFileSync(paths.pipelines, 'utf8')),
      shippedExtractor: sc.pipeline.shipped &&
        /^\s*metadata_extractor:/m.test(readFileSync(paths.pipelines, 'utf8')) });
    ctx.otelc = await startOtelc(paths, yaml, dir,
      { base: sc.pipeline.shipped ? [paths.pipelines] : [] });
    ctx.port = sc.pipeline.protocol === 'grpc' ? ctx.otelc.ports.grpc : ctx.otelc.ports.http;
    if (sc.load.generator === 'h2load')
      ctx.body = await dumpBody(paths, dir, sc.load, sc.load.protocol === 'grpc');
    let warm = null;
    if (opts.warmup > 0) {
      warm = await generate(paths, ctx.port, opts.warmup, sc, ctx.body, dir);
      await drain(ctx.otelc);
    }
    const m = await measure(paths, sc, ctx, opts);
    const landed = await landedSpans(sc, ctx, m.after);
    const exit = await ctx.otelc.stop();
    return row(paths, sc, ctx, warm, m, landed, exit.code ?? exit.signal);
  } finally {
    if (ctx.otelc) await ctx.otelc.stop();
    if (ctx.s3) await ctx.s3.stop();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}
