// The example client against the real receiver: every span it reports as
// acknowledged is in the file exporter's output, with its ids, and nothing
// else is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, start, tempDir } from './lib/harness.mjs';
import { spansFromJson } from './lib/otlp.mjs';

const CLIENT = join(dirname(BIN), 'otelc-client');
const run = promisify(execFile);

const config = (path) => `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
exporters:
  file: { path: "${path}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`;

for (const gzip of [false, true]) {
  test(`otelc-client sends N spans${gzip ? ' gzip\'ed' : ''}; exactly those land`, async (t) => {
    const out = join(tempDir(), 'spans.jsonl');
    const o = await start(config(out));
    t.after(() => o.stop());
    const port = Number(o.log.match(/otlp: listening on 127\.0\.0\.1:(\d+)/)[1]);
    const args = ['--endpoint', `127.0.0.1:${port}`, '--spans', '3000', '--spans-per-request', '100',
      '--connections', '2', '--streams', '8', '--print-ids', '--quiet'];
    if (gzip) args.push('--gzip');
    const { stdout } = await run(CLIENT, args, { maxBuffer: 1 << 26 });
    const sent = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join('/'));
    assert.equal(sent.length, 3000);
    await o.stop();
    const landed = readFileSync(out, 'utf8').trimEnd().split('\n')
      .flatMap((l) => spansFromJson(JSON.parse(l))).map((s) => `${s.traceId}/${s.spanId}`);
    assert.equal(landed.length, 3000);
    assert.deepEqual([...landed].sort(), [...sent].sort());
  });
}
