// The durable sending queue in the real host: what is acknowledged
// survives kill -9, a failing exporter is retried until it recovers (with
// the request it prepared once per outgoing batch), the
// disk budget turns emits away without dropping anything accepted, and a
// batch refused for good lands in the dead letters and replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, run, writeConfig, tempDir, get, post, request, eventually } from './lib/harness.mjs';

// One testsource feeding one testsink through a durable queue in dir.
function config(dir, { sink = 'testsink', mode = 'ok', queue = '', retry = '' } = {}) {
  return `
receivers:
  testsource:
exporters:
  ${sink}:
    mode: ${mode}
    sending_queue: { storage: file_storage, num_consumers: 2${queue} }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0${retry} }
extensions:
  file_storage: { directory: "${dir}", create_directory: true }
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [${sink}]
`;
}

const stats = async (o, id = 'testsink') => (await get(o.url(`/test/${id}/stats`))).json;
const setMode = (o, mode, id = 'testsink') => post(o.url(`/test/${id}/mode?set=${mode}`));
const emit = async (o, count, spans) =>
  (await post(o.url(`/test/testsource/emit?count=${count}&spans=${spans}`))).json;
const metric = async (o, name, id = 'testsink') => {
  const text = (await get(o.url('/metrics'))).text;
  const m = text.match(new RegExp(`^${name}\\{exporter="${id.replace('/', '\\/')}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
};
const queueHealth = async (o, id = 'testsink') => {
  const h = await get(o.url('/health'));
  return { status: h.status, queue: h.json.components[id].queue };
};

test('kill -9 while a client emits: every acknowledged span arrives after a restart', async (t) => {
  const dir = join(tempDir(), 'queue');
  // The exporter refuses everything, so what is acknowledged stays queued.
  const first = await start(config(dir, { mode: 'retry' }));
  let acked = 0;
  let inflight = 0;
  let stop = false;
  const client = async () => {
    while (!stop) {
      inflight++;
      try {
        const r = await post(first.url('/test/testsource/emit?count=1&spans=5'));
        if (r.json) acked += r.json.ok * 5;
      } catch {
        return; // the process died under this request: not acknowledged
      } finally {
        inflight--;
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await eventually(() => acked >= 500, { timeoutMs: 20000 });
  const inflightAtKill = inflight;
  first.proc.kill('SIGKILL');
  stop = true;
  await Promise.all(clients);
  await first.exited;
  assert.ok(acked >= 500, `acknowledged ${acked} spans before the kill`);

  const second = await start(config(dir, { mode: 'ok' }));
  t.after(() => second.stop());
  const done = await eventually(async () => (await metric(second, 'otelcol_exporter_queue_size')) === 0 &&
    (await stats(second)).spans >= acked, { timeoutMs: 20000 });
  const got = (await stats(second)).spans;
  t.diagnostic(`acknowledged ${acked} spans, ${inflightAtKill} requests in flight at the kill, delivered ${got}`);
  assert.ok(done, `delivered ${got} of ${acked} acknowledged spans`);
  // At-least-once: at most the requests in flight at the kill come twice.
  assert.ok(got <= acked + inflightAtKill * 5, `delivered ${got}, acknowledged ${acked}`);
  assert.match(second.log, /resuming \d+ queued entries/);
});

test('a failing exporter is retried until it recovers; the queue drains to zero', async (t) => {
  const dir = join(tempDir(), 'queue');
  const o = await start(config(dir, { mode: 'retry', queue: ', batch: { min_size: 40, flush_timeout: 100ms }' }));
  t.after(() => o.stop());
  assert.deepEqual(await emit(o, 30, 4), { ok: 30, retry: 0, reject: 0 });
  assert.ok(await eventually(async () => (await metric(o, 'otelc_exporter_queue_retries_total')) > 2));
  const h = await queueHealth(o);
  assert.equal(h.queue.kind, 'durable');
  assert.equal(h.queue.spans, 120);
  assert.ok(h.queue.oldest_age_seconds > 0);
  assert.equal((await stats(o)).spans, 0);

  await setMode(o, 'ok');
  const drained = await eventually(async () => (await metric(o, 'otelcol_exporter_queue_size')) === 0 &&
    (await stats(o)).spans === 120, { timeoutMs: 10000 });
  assert.ok(drained, JSON.stringify(await stats(o)));
  const s = await stats(o);
  assert.ok(s.batches < 30, `read-side batching merged 30 requests into ${s.batches} batches`);
  // Request-based: each outgoing batch was prepared once however often it
  // was sent, and every request was given back.
  assert.equal(s.prepared, s.batches, JSON.stringify(s));
  assert.ok(s.attempts > s.prepared, `retried: ${s.attempts} attempts for ${s.prepared} requests`);
  assert.ok(await eventually(async () => (await stats(o)).freed === s.prepared), 'every request freed');
  assert.equal(await metric(o, 'otelcol_exporter_sent_spans_total'), 120);
  assert.equal((await queueHealth(o)).queue.disk_used_bytes, 0);
});

test('at the disk budget emits get RETRY, the process stays up, nothing accepted is lost', async (t) => {
  const dir = join(tempDir(), 'queue');
  const o = await start(config(dir, { mode: 'retry', queue: ', max_disk_size: 64KiB' }));
  t.after(() => o.stop());
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 100 && refused === 0; i++) {
    const r = await emit(o, 1, 50);
    accepted += r.ok * 50;
    refused += r.retry;
  }
  assert.ok(refused > 0, 'the budget turned an emit away');
  assert.ok(accepted >= 250, `accepted ${accepted} spans first`);
  let h = await queueHealth(o);
  assert.equal(h.status, 503);
  assert.equal(h.queue.at_budget, true);
  assert.ok(h.queue.disk_used_bytes <= 65536);
  assert.equal(await metric(o, 'otelcol_exporter_enqueue_failed_spans_total'), refused * 50);
  assert.equal((await emit(o, 3, 50)).retry, 3, 'still refused while full');

  await setMode(o, 'ok');
  assert.ok(await eventually(async () => (await stats(o)).spans === accepted, { timeoutMs: 10000 }),
    `delivered ${(await stats(o)).spans} of ${accepted}`);
  assert.ok(await eventually(async () => (await queueHealth(o)).status === 200));
  h = await queueHealth(o);
  assert.equal(h.queue.at_budget, false);
  assert.deepEqual(await emit(o, 2, 50), { ok: 2, retry: 0, reject: 0 });
  assert.equal(o.proc.exitCode, null, 'the process stays up');
});

test('a batch refused for good lands in the dead letters, survives a restart and replays', async (t) => {
  const dir = join(tempDir(), 'queue');
  const id = 'testsink/dl';
  let o = await start(config(dir, { sink: id, mode: 'reject' }));
  assert.deepEqual(await emit(o, 3, 4), { ok: 3, retry: 0, reject: 0 });
  const listed = async () => (await get(o.url(`/api/queue/${id}/deadletters`))).json;
  assert.ok(await eventually(async () => (await listed()).count === 3), JSON.stringify(await listed()));
  const list = await listed();
  assert.equal(list.exporter, id);
  assert.equal(list.spans, 12);
  assert.equal(list.deadletters.length, 3);
  assert.match(list.deadletters[0].reason, /REJECT/);
  assert.match(list.deadletters[0].batch_id, /^[0-9a-f]{16}$/);
  assert.equal((await queueHealth(o, id)).queue.dead_letters, 3);
  assert.equal(await metric(o, 'otelcol_exporter_send_failed_spans_total', id), 12);
  await o.stop();

  o = await start(config(dir, { sink: id, mode: 'ok' }));
  t.after(() => o.stop());
  assert.equal((await listed()).count, 3, 'dead letters survive a restart');
  assert.equal((await stats(o, id)).spans, 0, 'and are not sent by themselves');
  // The CLI shows the same through the admin API of the running daemon.
  const admin = ['--admin', `127.0.0.1:${o.port}`];
  let cli = await run(['queue', 'inspect', id, ...admin], { dirs: [] });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /"dead_letters": 3/);
  assert.match(cli.stdout, /dead letters:\n\{.*"count":\s*3/s);
  const one = (await listed()).deadletters[0].id;
  let r = await post(o.url(`/api/queue/${id}/deadletters/replay?id=${one}`));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { replayed: 1, spans: 4 });
  r = await post(o.url(`/api/queue/${id}/deadletters/replay?id=${one}`));
  assert.equal(r.status, 404);
  cli = await run(['queue', 'replay', id, ...admin], { dirs: [] });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), { replayed: 2, spans: 8 });
  cli = await run(['queue', 'replay', id, String(one), ...admin], { dirs: [] });
  assert.equal(cli.code, 1, 'replaying a dead letter twice is refused');
  assert.match(cli.stderr, /answered 404/);
  assert.ok(await eventually(async () => (await stats(o, id)).spans === 12));
  assert.equal((await listed()).count, 0);
  assert.equal((await queueHealth(o, id)).queue.dead_letters, 0);
  r = await request(o.url(`/api/queue/${id}/deadletters`), { method: 'DELETE' });
  assert.deepEqual(r.json, { purged: 0, spans: 0 });
});

test('otelc queue: usage errors and an unreachable daemon', async () => {
  let r = await run(['queue', 'inspect'], { dirs: [] });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /usage: otelc queue inspect EXPORTER/);
  r = await run(['queue', 'inspect', 'x', '--admin', '127.0.0.1:1'], { dirs: [] });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cannot reach the daemon/);
});

test('one process per directory; storage must name a file_storage extension', async (t) => {
  const dir = join(tempDir(), 'queue');
  const o = await start(config(dir));
  t.after(() => o.stop());
  const second = await run(['--config', writeConfig(config(dir))]);
  assert.equal(second.code, 3, second.stderr);
  assert.match(second.stderr, new RegExp(`directory ${dir} is in use by another process \\(pid \\d+\\)`));

  const wrong = config(dir).replace('storage: file_storage', 'storage: file_storage/missing');
  const v = await run(['validate', '--config', writeConfig(wrong)]);
  assert.equal(v.code, 1, v.stderr);
  assert.match(v.stderr, /storage 'file_storage\/missing' is not an extension of service.extensions/);
  const noStorage = config(dir).replace('storage: file_storage, ', '').replace('num_consumers: 2', 'num_consumers: 2, max_disk_size: 1MiB');
  const v2 = await run(['validate', '--config', writeConfig(noStorage)]);
  assert.equal(v2.code, 1, v2.stderr);
  assert.match(v2.stderr, /sending_queue.max_disk_size needs sending_queue.storage/);
});

// A queue directory written by otelc 0.1 (before entries recorded their
// signal; tests/data/queue: 500 spans in 10 entries an awss3 exporter
// could not upload, its LMDB file zstd-compressed, and the span ids the
// client was acknowledged) opens in this release and drains into a real
// S3 server: every acknowledged span arrives, once.
test('a queue written by the previous release opens and drains', async (t) => {
  const { startS3, collectSpans, waitSent, ACCESS_KEY_ID, SECRET_ACCESS_KEY } =
    await import('./lib/s3server.mjs');
  const { execFileSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const data = join(process.env.OTELC_SOURCE_DIR, 'tests/data/queue');
  const dir = tempDir();
  execFileSync('zstd', ['-d', '-q', join(data, 'release-0.1-awss3.mdb.zst'), '-o', join(dir, 'data.mdb')]);
  const want = readFileSync(join(data, 'release-0.1-awss3.spans'), 'utf8').trim().split('\n');
  const s3 = await startS3();
  t.after(() => s3.stop());
  const o = await start(`
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
exporters:
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${s3.bucket}
      endpoint: "${s3.endpoint}"
      s3_force_path_style: true
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${SECRET_ACCESS_KEY}
    sending_queue: { storage: file_storage }
extensions:
  file_storage: { directory: "${dir}" }
service:
  extensions: [file_storage]
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [awss3]
`);
  t.after(() => o.stop());
  assert.match(o.log, /resuming 10 queued entries \(500 spans\)/);
  assert.ok(await waitSent(o, want.length), `the old entries drained:\n${o.log}`);
  const stored = await collectSpans(s3);
  assert.equal(stored.spans.length, want.length, 'each span once');
  assert.deepEqual([...stored.ids].sort(), want);
});
