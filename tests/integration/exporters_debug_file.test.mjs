// The debug and file exporters through the real binary: every span the
// test source emits is written, with its ids, in every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, post, tempDir, run, writeConfig } from './lib/harness.mjs';
import { spansFromJson, spansFromProto, lengthPrefixed } from './lib/otlp.mjs';

const cfg = (exporters, ids) => `
receivers:
  testsource:
exporters:
${exporters}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [${ids}]
`;

// The ids test_source gives span i of request seq: see test_request.c.
function uniqueIds(spans) {
  return new Set(spans.map((s) => `${s.traceId}/${s.spanId}`)).size;
}

test('file exporter writes OTLP/JSON lines and length-prefixed protobuf', async () => {
  const dir = tempDir();
  const jsonPath = join(dir, 'out.jsonl');
  const protoPath = join(dir, 'out.binpb');
  const o = await start(cfg(`  file/json: { path: "${jsonPath}" }
  file/proto: { path: "${protoPath}", format: proto }`, 'file/json, file/proto'));
  const r = await post(o.url('/test/testsource/emit?count=7&spans=13'));
  assert.deepEqual(r.json, { ok: 7, retry: 0, reject: 0 });
  const { code } = await o.stop();
  assert.equal(code, 0, o.log);

  const lines = readFileSync(jsonPath, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 7);
  const fromJson = lines.flatMap((l) => spansFromJson(JSON.parse(l)));
  assert.equal(fromJson.length, 91);
  assert.equal(uniqueIds(fromJson), 91);
  assert.ok(fromJson.every((s) => s.service === 'test-service' && s.name === 'test-span'));
  assert.ok(fromJson.every((s) => /^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId)));

  const msgs = [...lengthPrefixed(readFileSync(protoPath))];
  assert.equal(msgs.length, 7);
  // Ten queue consumers write concurrently: compare as sets, not in order.
  const fromProto = msgs.flatMap((m) => spansFromProto(m));
  const key = (s) => `${s.traceId}/${s.spanId}/${s.attributes['test.index']}`;
  assert.deepEqual(fromProto.map(key).sort(), fromJson.map(key).sort());
});

test('debug exporter prints at its three verbosities', async () => {
  const o = await start(cfg(`  debug/basic:
  debug/normal: { verbosity: normal }
  debug/detailed: { verbosity: detailed }`, 'debug/basic, debug/normal, debug/detailed'));
  await post(o.url('/test/testsource/emit?count=2&spans=3'));
  await o.stop();
  const summaries = o.log.match(/^Traces \{"resource spans": 1, "spans": 3\}$/gm) || [];
  assert.equal(summaries.length, 6, o.log); /* 2 batches x 3 exporters */
  const normal = o.log.match(/^test-span [0-9a-f]{32} [0-9a-f]{16}$/gm) || [];
  assert.equal(normal.length, 6);
  assert.equal((o.log.match(/^Span #\d+$/gm) || []).length, 6);
  assert.equal((o.log.match(/^ {5}-> test\.index: Int\(\d\)$/gm) || []).length, 6);
  assert.match(o.log, /^ {5}-> service\.name: Str\(test-service\)$/m);
});

test('bad settings name their key', async () => {
  let r = await run(['--config', writeConfig(cfg('  debug: { verbosity: loud }', 'debug'))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:5:23: key .exporters\.debug\.verbosity.: verbosity must be basic, normal or detailed/);
  // validate runs create() too, so it finds the same problem without starting.
  r = await run(['validate', '--config', writeConfig(cfg('  debug: { verbosity: loud }', 'debug'))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /key .exporters\.debug\.verbosity.: verbosity must be basic, normal or detailed/);
  assert.doesNotMatch(r.stderr, /listening/);
  r = await run(['--config', writeConfig(cfg('  file: { format: xml, path: /dev/null }', 'file'))]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /config\.yaml:5:19: key .exporters\.file\.format.: format must be json or proto/);
  r = await run(['validate', '--config', writeConfig(cfg('  file: { path: x, rotation: { max_megabytes: 1 } }', 'file'))]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /collector key rotation is not supported yet/);
});
