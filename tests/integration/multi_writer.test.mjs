// Several instances on one trace table: two otelc writers (each with its
// own durable queue) store one client's traces, whose spans alternate
// between them, in one SigV4-checking bucket (s3rver); a third otelc
// running only trace_query answers for both, whole traces in Jaeger JSON
// and Tempo protobuf and /spans, equal to what DuckDB reads from the same
// files. Then a writer is killed (kill -9) mid-stream and restarted on its
// queue: no acknowledged span is lost and none is counted twice by the
// API; and the query node, restarted with an empty cache, answers the
// same after listing the bucket again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { start, get, eventually, sleep, tempDir } from './lib/harness.mjs';
import { startS3 } from './lib/s3server.mjs';
import { useQueryPort, protoSpans } from './lib/query_traffic.mjs';
import {
  freePort, writerConfig, queryNodeConfig, queued, alternatingClient, objectFiles, duckRows, distinctSpans,
} from './lib/multi_writer.mjs';

let s3;
let db;
before(async () => {
  s3 = await startS3();
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
after(async () => { if (s3) await s3.stop(); });

// Two writers under prefix, each on a port of its own; stopped after t.
async function writers(t, prefix, flushes = ['200ms', '200ms']) {
  const w = [];
  for (const [i, name] of ['a', 'b'].entries()) {
    const cfg = { prefix, port: await freePort(), queue: tempDir(), name, flush: flushes[i] };
    w.push({ cfg, o: await start(writerConfig(s3, cfg)) });
  }
  t.after(() => Promise.all(w.map((x) => x.o.stop())));
  return w;
}

async function queryNode(t, prefix) {
  const node = useQueryPort(await start(queryNodeConfig(s3, { prefix })));
  t.after(() => node.stop());
  return node;
}

// Waits until both writers' queues are empty.
async function drained(w) {
  const ok = await eventually(async () => {
    const q = await Promise.all(w.map((x) => queued(x.o)));
    return q.every((n) => n === 0);
  }, { timeoutMs: 20000, everyMs: 100 });
  assert.ok(ok, 'the writers drained their queues');
}

const json = async (node, path) => {
  const r = await get(node.url(path));
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  return r.json;
};

const bytes = async (node, path) => {
  const res = await fetch(node.url(path), { headers: { Accept: 'application/protobuf' } });
  assert.equal(res.status, 200, path);
  return Buffer.from(await res.arrayBuffer());
};

// DuckDB's spans of one trace, in the shape both answers are compared in.
const duckTrace = (spans, traceId) => [...spans.values()].filter((r) => r.TraceId === traceId)
  .map((r) => ({ spanId: r.SpanId, parent: r.ParentSpanId, name: r.SpanName, service: r.ServiceName,
    us: r.us, dur: r.dur }))
  .sort((a, b) => a.spanId.localeCompare(b.spanId));

// A Jaeger trace in that shape (times in µs: Jaeger's unit).
function jaegerTrace(t) {
  return t.spans.map((s) => ({
    spanId: s.spanID,
    parent: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID || '',
    name: s.operationName, service: t.processes[s.processID].serviceName,
    us: String(s.startTime), dur: s.duration,
  })).sort((a, b) => a.spanId.localeCompare(b.spanId));
}

// A Tempo (OTLP protobuf) trace in that shape, durations in ns.
function tempoTrace(buf) {
  return protoSpans(buf).map((x) => ({
    spanId: x.spanId, parent: x.parentSpanId, name: x.span.name,
    service: x.resource.attributes.find((a) => a.key === 'service.name').value.stringValue,
    us: String(BigInt(x.span.startTimeUnixNano) / 1000n),
    dur: String(BigInt(x.span.endTimeUnixNano) - BigInt(x.span.startTimeUnixNano)),
  })).sort((a, b) => a.spanId.localeCompare(b.spanId));
}

// Checks every trace, by Jaeger JSON and by Tempo protobuf, against DuckDB.
async function assertTraces(node, spans, traceIds) {
  for (const id of traceIds) {
    const want = duckTrace(spans, id);
    const j = await json(node, `/api/traces/${id}`);
    assert.equal(j.data.length, 1, id);
    const got = jaegerTrace(j.data[0]);
    assert.deepEqual(got.map(({ dur, ...x }) => x), want.map(({ dur, ...x }) => x), `Jaeger ${id}`);
    assert.deepEqual(got.map((x) => x.dur), want.map((x) => Math.floor(Number(x.dur) / 1000)), `Jaeger ${id}`);
    assert.deepEqual(tempoTrace(await bytes(node, `/api/traces/${id}`)), want, `Tempo ${id}`);
  }
}

// /spans as a set of span ids, checked for repeats.
async function spansEndpoint(node) {
  const list = (await json(node, '/spans?limit=10000')).spans;
  const ids = new Set(list.map((s) => s.spanId));
  assert.equal(ids.size, list.length, '/spans answers each span once');
  return ids;
}

const sorted = (it) => [...it].sort();

test('two writers, one table: a query node answers every trace whole, as DuckDB reads it', async (t) => {
  const prefix = 'multi';
  const w = await writers(t, prefix);
  const node = await queryNode(t, prefix);
  const c = alternatingClient(w.map((x) => x.cfg.port));
  const traceIds = [];
  for (let i = 0; i < 40; i++) {
    traceIds.push(c.trace(i));
    if (i % 10 === 9) await c.flush();
  }
  await c.flush();
  await c.shutdown();
  assert.equal(c.failed, 0);
  assert.equal(c.acked.size, 240);
  await drained(w);

  const rows = await duckRows(db, objectFiles(s3, prefix));
  const spans = distinctSpans(rows);
  assert.equal(rows.length, 240, 'each span stored once');
  assert.deepEqual(sorted(spans.keys()), sorted(c.acked.keys()));
  for (const [id, a] of c.acked) assert.equal(spans.get(id).writer, 'ab'[a.writer], `span ${id}'s writer`);
  for (const id of traceIds) {
    const by = new Set(duckTrace(spans, id).map((s) => spans.get(s.spanId).writer));
    assert.deepEqual(sorted(by), ['a', 'b'], `trace ${id} is cut between the writers`);
  }

  // The listing of the hour is at most list_interval (500 ms) old.
  await eventually(async () => (await spansEndpoint(node)).size === 240, { timeoutMs: 5000 });
  assert.deepEqual(sorted(await spansEndpoint(node)), sorted(spans.keys()), '/spans sees both writers');
  await assertTraces(node, spans, traceIds);
  assert.deepEqual((await json(node, '/api/services')).data, ['backend', 'db', 'frontend']);
});

// Sends a trace every 5 ms until stop() is called.
function stream(c) {
  let on = true;
  const done = (async () => {
    for (let i = 0; on; i++) {
      c.trace(i);
      await sleep(5);
    }
  })();
  return async () => { on = false; await done; };
}

// The query node's answers that must survive its restart.
async function answers(node, traceIds) {
  const out = { services: (await json(node, '/api/services')).data, spans: sorted(await spansEndpoint(node)) };
  out.search = (await json(node, '/api/traces?service=frontend&limit=1000')).data.map((x) => x.traceID).sort();
  out.traces = [];
  for (const id of traceIds) out.traces.push(jaegerTrace((await json(node, `/api/traces/${id}`)).data[0]));
  return out;
}

test('kill -9 of a writer mid-stream: no acknowledged span lost, none counted twice; a query node with a lost cache answers the same', async (t) => {
  const prefix = 'crash';
  // Writer a keeps what it acknowledges for 2 s before it uploads, so the
  // kill finds acknowledged spans only in its queue.
  const w = await writers(t, prefix, ['2s', '200ms']);
  const c = alternatingClient(w.map((x) => x.cfg.port), { spans: 4 });
  const stop = stream(c);
  await eventually(() => [...c.acked.values()].some((a) => a.writer === 0), { timeoutMs: 5000 });
  await sleep(500);
  w[0].o.proc.kill('SIGKILL');
  await w[0].o.exited;
  const ackedByA = [...c.acked].filter(([, a]) => a.writer === 0).map(([id]) => id);
  await sleep(300);
  const uploaded = distinctSpans(await duckRows(db, objectFiles(s3, prefix).filter((f) => /\/a-traces_/.test(f))));
  const onlyQueued = ackedByA.filter((id) => !uploaded.has(id));
  assert.ok(onlyQueued.length > 0, 'acknowledged spans were only in the killed writer\'s queue');

  w[0].o = await start(writerConfig(s3, w[0].cfg));
  assert.match(w[0].o.log, /resuming \d+ queued entries/);
  await eventually(() => [...c.acked.values()].filter((a) => a.writer === 0).length > ackedByA.length,
    { timeoutMs: 5000 });
  await stop();
  await c.flush();
  // A batch the client sends again (its answer lost, say) through the other writer.
  assert.equal((await c.resend(0, 1)).code, 0);
  await c.shutdown();
  await drained(w);

  const rows = await duckRows(db, objectFiles(s3, prefix));
  const spans = distinctSpans(rows);
  const lost = [...c.acked.keys()].filter((id) => !spans.has(id));
  t.diagnostic(`${c.acked.size} spans acknowledged (${onlyQueued.length} only in the queue at the kill), ` +
    `${c.failed} failed, ${rows.length} rows stored, ${spans.size} distinct`);
  assert.deepEqual(lost, [], 'no acknowledged span lost');
  assert.ok(rows.length > spans.size, 'the resent batch is stored twice');

  const node = await queryNode(t, prefix);
  assert.deepEqual(sorted(await spansEndpoint(node)), sorted(spans.keys()), '/spans counts each span once');
  const traceIds = sorted(new Set([...spans.values()].map((r) => r.TraceId)));
  const sample = traceIds.filter((_, i) => i % 5 === 0);
  for (const id of sample) {
    const j = await json(node, `/api/traces/${id}`);
    assert.equal(j.data[0].spans.length, duckTrace(spans, id).length, `trace ${id}: each span once`);
  }
  await assertTraces(node, spans, c.lastBatch[0].map((s) => s.spanContext().traceId));

  const before = await answers(node, sample);
  await node.stop();
  const fresh = await queryNode(t, prefix);
  assert.deepEqual(await answers(fresh, sample), before, 'the same answers after the cache is lost');
});
