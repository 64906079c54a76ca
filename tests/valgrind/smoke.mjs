#!/usr/bin/env node
// make valgrind: otelc under valgrind's memcheck through a short real
// pipeline, the shipped one (pipelines.yaml) moved onto free ports: the
// example client over gRPC and OTLP/JSON over HTTP (gzip'ed too, and one
// request refused as malformed) -> otlp receiver -> durable queue ->
// awss3 (the trace table) -> the S3 server, which then goes away for a
// moment (a failed upload, retried); then trace_query answers for
// the stored traces, the metadata extractor for what it learnt from them,
// /health, /metrics and the dead-letter route; then
// SIGTERM. Fails on any invalid access (read, write, free, jump on
// uninitialised data) and any definite leak: memcheck runs with
// --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1,
// and tests/valgrind/otelc.supp holds the few third-party false
// positives, each explained. Wall time: about 1 to 2 minutes (otelc runs
// some 20 to 50 times slower under memcheck).
//
//   node tests/valgrind/smoke.mjs [--build DIR] [--keep-log]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = resolve(HERE, '..', '..');
const { values: opt } = parseArgs({ options: { build: { type: 'string' }, 'keep-log': { type: 'boolean' } } });
const build = resolve(opt.build || join(SOURCE, 'build'));
process.env.OTELC_BIN = join(build, 'otelc');
process.env.OTELC_TEST_PLUGIN_DIRS = join(build, 'plugins.d');
process.env.OTELC_SOURCE_DIR = SOURCE;
for (const f of ['otelc', 'otelc-client'])
  if (!existsSync(join(build, f))) throw new Error(`${join(build, f)} is missing: build first (make build)`);

// After the environment: the harness reads it when loaded.
const { startS3, ACCESS_KEY_ID, SECRET_ACCESS_KEY, cleanAwsEnv } = await import('../integration/lib/s3server.mjs');
const { sleep } = await import('../integration/lib/harness.mjs');
const { launch, shippedOverride, freePort, metricsText, metric } = await import('../chaos/lib/chaos.mjs');

const wall = Date.now();
const work = mkdtempSync(join(tmpdir(), 'otelc-valgrind-'));
const vlog = join(work, 'memcheck.log');
const fail = (why) => { throw new Error(why); };

const s3 = await startS3({ directory: join(work, 's3') });
const grpcPort = await freePort();
const httpPort = await freePort();
const yaml = shippedOverride(s3, { grpcPort, httpPort, dir: join(work, 'queue'), awss3: `
    sending_queue: { batch: { min_size: 1000, flush_timeout: 1s } }
    retry_on_failure: { initial_interval: 500ms, max_interval: 2s }`,
telemetry: '{ metrics: { level: none }, logs: { level: debug } }' });
const valgrind = ['valgrind', '--tool=memcheck', '--leak-check=full', '--errors-for-leak-kinds=definite',
  '--error-exitcode=1', '--track-origins=yes', '--num-callers=30', `--log-file=${vlog}`,
  `--suppressions=${join(HERE, 'otelc.supp')}`, '--'];
const o = launch(yaml, { env: cleanAwsEnv(join(work), { AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY }), wrap: valgrind, timeoutMs: 300000 });
let code = 1;
try {
  await o.ready;
  const startedS = Math.round((Date.now() - wall) / 1000);
  // The example client: 1,000 spans in requests of 100, gRPC.
  const ids = execFileSync(join(build, 'otelc-client'), ['--endpoint', `127.0.0.1:${grpcPort}`, '--spans', '1000',
    '--spans-per-request', '100', '--timeout', '60', '--print-ids', '--quiet'], { timeout: 300000 })
    .toString().trim().split('\n');
  if (ids.length !== 1000) fail(`the client had ${ids.length} of 1000 spans acknowledged`);
  // OTLP/JSON over HTTP, plain and gzip'ed, and a malformed request.
  const json = (n) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name',
    value: { stringValue: 'valgrind-http' } }] }, scopeSpans: [{ spans: [{ traceId: 'ab'.repeat(16),
    spanId: n.toString(16).padStart(16, '0'), name: 'http-span', startTimeUnixNano: String(Date.now() * 1e6),
    endTimeUnixNano: String(Date.now() * 1e6 + 5e6), attributes: [{ key: 'k', value: { intValue: '7' } }] }] }] }] });
  const post = (body, headers) => fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', body,
    headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(120000) });
  const answers = [(await post(json(1))).status, (await post(gzipSync(json(2)), { 'content-encoding': 'gzip' })).status,
    (await post('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}')).status];
  if (answers.join() !== '200,200,400') fail(`HTTP answers ${answers}`);
  // Uploaded: the exporter sent every accepted span.
  let sent = 0;
  for (const end = Date.now() + 300000; Date.now() < end && sent < 1002; await sleep(1000))
    sent = metric(await metricsText(o), 'otelcol_exporter_sent_spans_total') || 0;
  if (sent < 1002) fail(`only ${sent} of 1002 spans uploaded`);
  // S3 away for a moment: the upload fails, is retried, and lands.
  await s3.stop();
  if ((await post(json(3))).status !== 200) fail('a request was refused while S3 was away');
  for (const end = Date.now() + 300000; Date.now() < end && !/will retry/.test(o.log);) await sleep(500);
  if (!/will retry/.test(o.log)) fail('no failed upload while S3 was away');
  await s3.start();
  for (const end = Date.now() + 300000; Date.now() < end && sent < 1003; await sleep(1000))
    sent = metric(await metricsText(o), 'otelcol_exporter_sent_spans_total') || 0;
  if (sent < 1003) fail(`only ${sent} of 1003 spans uploaded after S3 came back`);
  // trace_query: the stored traces come back.
  const tq = Number(o.log.match(/trace_query: listening on \S+ \(port (\d+)\)/)[1]);
  const q = async (path) => {
    const r = await fetch(`http://127.0.0.1:${tq}${path}`, { signal: AbortSignal.timeout(120000) });
    return { status: r.status, text: await r.text() };
  };
  const traceId = ids[0].split(' ')[0];
  let found = null;
  for (const end = Date.now() + 300000; Date.now() < end && !found; await sleep(2000)) {
    const r = await q(`/api/traces/${traceId}`);
    if (r.status === 200 && r.text.includes(traceId)) found = r;
  }
  if (!found) fail(`trace ${traceId} was not found by trace_query`);
  const more = [await q('/api/services'), await q('/spans?limit=50&service=valgrind-http'),
    await q(`/api/v2/traces/${'ab'.repeat(16)}`), await q('/api/traces?service=frontend&limit=5'),
    await q('/api/traces/not-an-id')];
  if (more.slice(0, 4).some((r) => r.status !== 200)) fail(`query answers ${more.map((r) => r.status)}`);
  // the metadata extractor's view of the same spans, and its page
  const mx = Number(o.log.match(/metadata_extractor\S*: listening on \S+ \(port (\d+)\)/)[1]);
  const view = await Promise.all(['/api/dependencies', '/api/metadata/services', '/api/anomalies',
    '/ui/', '/api/anomalies?limit=x'].map((path) => fetch(`http://127.0.0.1:${mx}${path}`)));
  if (view.map((r) => r.status).join() !== '200,200,200,200,400')
    fail(`the extractor's view answers ${view.map((r) => r.status)}`);
  for (const path of ['/health', '/metrics', '/api/queue/awss3/deadletters'])
    if ((await fetch(o.url(path))).status !== 200) fail(`${path} did not answer 200`);
  const stop = await o.stop(120000);
  code = stop.code;
  const log = readFileSync(vlog, 'utf8');
  const errors = Number((log.match(/ERROR SUMMARY: (\d+) errors/) || [])[1]);
  const lost = (kind) => (log.match(new RegExp(`${kind} lost: ([\\d,]+) bytes in ([\\d,]+) blocks`)) || [null, '0', '0'])
    .slice(1).map((x) => Number(x.replace(/,/g, '')));
  const [defB, defN] = lost('definitely');
  const [indB] = lost('indirectly');
  const [posB] = lost('possibly');
  const suppressed = (log.match(/suppressed: ([\d,]+) bytes in ([\d,]+) blocks/) || [])[2] || '0';
  console.log(`valgrind: otelc exit ${stop.code}${stop.hung ? ' (hung: killed)' : ''}; memcheck ${errors} errors, ` +
    `definitely lost ${defB} bytes in ${defN} blocks (indirectly ${indB}, possibly ${posB}; suppressed blocks ${suppressed}); ` +
    `1000 spans over gRPC and 3 over HTTP stored (one after an S3 outage) and queried back; started in ${startedS} s; ` +
    `wall ${Math.round((Date.now() - wall) / 1000)} s`);
  if (stop.code !== 0 || errors !== 0) {
    process.stdout.write(log.split('\n').filter((l) => /^==\d+==/.test(l)).slice(0, 400).join('\n'));
    console.log(`\n(valgrind log: ${vlog})`);
    opt['keep-log'] = true;
  }
} catch (e) {
  console.error(`valgrind smoke failed: ${e.message}\n${o.log.slice(-3000)}`);
  if (existsSync(vlog)) console.error(readFileSync(vlog, 'utf8').split('\n').slice(-80).join('\n'));
  await o.kill();
  opt['keep-log'] = true;
  code = 1;
} finally {
  await s3.stop();
  if (!opt['keep-log']) rmSync(work, { recursive: true, force: true });
}
process.exit(code === 0 ? 0 : 1);
