// The benchmark's smoke run (bench/run.mjs --smoke): scenarios (a) and
// (b) for a few seconds at a modest rate through the real binary, the
// example client and the file exporter, asserting only that every
// acknowledged span landed. Never a speed: figures belong to `make bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './lib/harness.mjs';
import { spansFromProto } from './lib/otlp.mjs';

const SOURCE = process.env.OTELC_SOURCE_DIR;
const CLIENT = join(dirname(process.env.OTELC_BIN), 'otelc-client');
const { requestSpans, lengthPrefixedSpans } = await import(join(SOURCE, 'bench/lib/spancount.mjs'));

test('the bench counts the spans of a request as a full decoder does', () => {
  const file = join(tempDir(), 'req.grpc');
  execFileSync(CLIENT, ['--dump', file, '--seed', '7', '--spans-per-request', '37']);
  const body = readFileSync(file).subarray(5);
  assert.equal(spansFromProto(body).length, 37);
  assert.equal(requestSpans(body), 37);
  // The file exporter's framing: a 4-byte big-endian length per request.
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const framed = Buffer.concat([len, body, len, body]);
  assert.deepEqual(lengthPrefixedSpans(framed), { requests: 2, spans: 74 });
  assert.throws(() => lengthPrefixedSpans(framed.subarray(0, framed.length - 1)), /truncated/);
});

test('smoke: (a) and (b) lose no acknowledged span', async (t) => {
  const out = join(tempDir(), 'smoke.json');
  let code = 0;
  let stderr = '';
  try {
    ({ stderr } = await promisify(execFile)(process.execPath,
      [join(SOURCE, 'bench/run.mjs'), '--smoke', '--out', out], { timeout: 120000 }));
  } catch (e) {
    code = e.code;
    stderr = e.stderr;
  }
  t.diagnostic(stderr.trim());
  assert.equal(code, 0, stderr);
  const { scenarios } = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(scenarios.map((s) => s.id), ['a', 'b']);
  for (const s of scenarios) {
    assert.equal(s.landedBy, 'file output parsed', s.id);
    assert.ok(s.acked > 0 && s.landed > 0, `${s.id}: acked ${s.acked}, landed ${s.landed}`);
    assert.equal(s.lost, 0, `${s.id}: acked ${s.acked}, landed ${s.landed}`);
    assert.ok(s.landed <= s.sent, `${s.id}: landed ${s.landed} of ${s.sent} sent`);
    assert.equal(s.otelcExit, 0, s.id);
  }
});
