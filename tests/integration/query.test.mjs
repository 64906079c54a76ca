// The query API of the trace_query extension, end to end: the
// OpenTelemetry SDK sends known traces over OTLP/HTTP, otelc stores them in
// a real S3 server (s3rver) as the Parquet trace table; then /spans
// (content, order, every filter), the Jaeger API (services, operations,
// search, trace by id, field by field), Tempo's trace by id (protobuf and
// JSON) and the refusals of bad parameters are checked against what the
// SDK recorded, on the writing instance and on a query node of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, get, request, tempDir } from './lib/harness.mjs';
import { startS3, waitSent } from './lib/s3server.mjs';
import { queryConfig, useQueryPort, sendTraces, protoSpans, decodeTraceById, kvMap, SPANS, SERVICES, MS } from './lib/query_traffic.mjs';

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

let s3;
let o;
let want; // expected spans, newest first

before(async () => {
  s3 = await startS3();
  o = await start(queryConfig(s3));
  want = await sendTraces(o);
  assert.equal(want.length, SPANS);
  assert.ok(await waitSent(o, SPANS), `every span stored:\n${o.log}`);
  useQueryPort(o);
});
after(async () => {
  if (o) await o.stop();
  if (s3) await s3.stop();
});

const q = (path) => get(o.url(path));
const spansOf = async (query) => {
  const r = await q(`/spans${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json.spans;
};
const idsOf = (list) => list.map((s) => s.spanId);
const pick = (fn) => want.filter(fn);
const rfc3339 = (ns) => `${new Date(Number(ns / MS)).toISOString().slice(0, 19)}.${String(ns % 1000000000n).padStart(9, '0')}Z`;

function assertFlatSpan(got, w) {
  const label = `${w.service} ${w.name} of trace ${w.trace}`;
  assert.equal(got.traceId, w.traceId, label);
  assert.equal(got.spanId, w.spanId, label);
  assert.equal(got.parentSpanId, w.parentSpanId, label);
  assert.equal(got.name, w.name, label);
  assert.equal(got.kind, `SPAN_KIND_${KINDS[w.kind]}`, label);
  assert.equal(got.service, w.service, label);
  assert.equal(got.startTimeUnixNano, String(w.start), label);
  assert.equal(got.endTimeUnixNano, String(w.end), label);
  assert.equal(got.durationNano, Number(w.end - w.start), label);
  const status = { code: STATUS[w.status.code] };
  if (w.status.message) status.message = w.status.message;
  assert.deepEqual(got.status, status, label);
  assert.deepEqual(got.attributes, w.attributes, label);
}

test('/spans: every span, newest first, field by field', async () => {
  const got = await spansOf('');
  assert.equal(got.length, SPANS);
  got.forEach((s, i) => assertFlatSpan(s, want[i]));
  assert.deepEqual(idsOf(await spansOf('?limit=4')), idsOf(want.slice(0, 4)));
  assert.deepEqual(idsOf(await spansOf('?limit=10000')), idsOf(want));
});

test('/spans: each filter, alone and together', async () => {
  const cases = [
    ['?service=checkout', (s) => s.service === 'checkout'],
    ['?service=nope', () => false],
    ['?name=reserve', (s) => s.name === 'reserve'],
    ['?name=GET%20%2Fcart', (s) => s.name === 'GET /cart'],
    [`?trace_id=${want.find((s) => s.trace === 2).traceId}`, (s) => s.trace === 2],
    [`?trace_id=${'0'.repeat(31)}1`, () => false],
    ['?min_duration=103ms', (s) => s.end - s.start >= 103n * MS],
    ['?max_duration=25ms', (s) => s.end - s.start <= 25n * MS],
    [`?min_duration=22ms&max_duration=${52n * MS}`, (s) => s.end - s.start >= 22n * MS && s.end - s.start <= 52n * MS],
    ['?service=frontend&min_duration=104ms', (s) => s.service === 'frontend' && s.end - s.start >= 104n * MS],
    ['?service=db&limit=2', (s) => s.service === 'db', 2],
  ];
  const roots = want.filter((s) => s.parentSpanId === '').sort((a, b) => a.trace - b.trace);
  const [t2, t4] = [roots[2].start, roots[4].start];
  cases.push([`?start=${rfc3339(t2)}&end=${t4}`, (s) => s.start >= t2 && s.start <= t4]);
  cases.push([`?start=${t4 + 1n}`, (s) => s.start > t4]);
  cases.push([`?end=${rfc3339(t2 - 1n)}`, (s) => s.start < t2]);
  for (const [query, fn, limit] of cases) {
    const expect = idsOf(pick(fn)).slice(0, limit || SPANS);
    assert.deepEqual(idsOf(await spansOf(query)), expect, query);
  }
  assert.equal((await spansOf('?min_duration=22ms&max_duration=52ms')).length, 7);
});

test('/spans: bad parameters get 400 naming them', async () => {
  const cases = [
    ['limit=0', 'limit'], ['limit=10001', 'limit'], ['limit=ten', 'limit'],
    ['trace_id=xyz', 'trace_id'], ['trace_id=0123456789abcdef0123456789abcdef00', 'trace_id'],
    ['min_duration=fast', 'min_duration'], ['max_duration=-1s', 'max_duration'],
    ['start=yesterday', 'start'], ['end=2020-13-01T00:00:00Z', 'end'],
    ['start=2021-01-01T00:00:00Z&end=2020-01-01T00:00:00Z', 'end'],
  ];
  for (const [query, name] of cases) {
    const r = await q(`/spans?${query}`);
    assert.equal(r.status, 400, query);
    assert.match(r.json.error, new RegExp(`^bad parameter ${name}: `), query);
  }
});

const envelope = (data) => ({ data, total: data.length, limit: 0, offset: 0, errors: null });

test('Jaeger: services and operations', async () => {
  assert.deepEqual((await q('/api/services')).json, envelope(SERVICES));
  assert.deepEqual((await q('/api/services/frontend/operations')).json, envelope(['GET /cart', 'GET /item']));
  assert.deepEqual((await q('/api/services/db/operations')).json, envelope(['SELECT items']));
  assert.deepEqual((await q('/api/services/nope/operations')).json, envelope([]));
  assert.deepEqual((await q('/api/operations?service=checkout&spanKind=client')).json,
    envelope([{ name: 'reserve', spanKind: 'client' }]));
  assert.deepEqual((await q('/api/operations?service=checkout&spanKind=server')).json, envelope([]));
  assert.deepEqual((await q('/api/operations?service=frontend')).json,
    envelope([{ name: 'GET /cart', spanKind: 'server' }, { name: 'GET /item', spanKind: 'server' }]));
  const r = await q('/api/operations?spanKind=client');
  assert.equal(r.status, 400);
  assert.match(r.json.errors[0].msg, /service/);
});

// Jaeger's typed tag of an OTLP attribute value.
function jaegerTag(key, v) {
  if (typeof v === 'boolean') return { key, type: 'bool', value: v };
  if (typeof v === 'number') return { key, type: Number.isInteger(v) ? 'int64' : 'float64', value: v };
  if (Array.isArray(v)) return { key, type: 'string', value: JSON.stringify(v) };
  return { key, type: 'string', value: v };
}

function assertJaegerTrace(t, trace) {
  const spans = pick((s) => s.trace === trace);
  assert.equal(t.traceID, spans[0].traceId);
  assert.equal(t.warnings, null);
  assert.equal(t.spans.length, spans.length);
  for (const w of spans) {
    const s = t.spans.find((x) => x.spanID === w.spanId);
    assert.ok(s, `span ${w.name} of trace ${trace}`);
    assert.equal(s.traceID, w.traceId);
    assert.equal(s.operationName, w.name);
    const refs = [];
    if (w.parentSpanId) refs.push({ refType: 'CHILD_OF', traceID: w.traceId, spanID: w.parentSpanId });
    for (const l of w.links) refs.push({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId });
    assert.deepEqual(s.references, refs, w.name);
    assert.equal(s.startTime, Number(w.start / 1000n));
    assert.equal(s.duration, Number((w.end - w.start) / 1000n));
    const tags = [
      { key: 'otel.scope.name', type: 'string', value: w.scope.name },
      { key: 'otel.scope.version', type: 'string', value: w.scope.version },
      ...Object.entries(w.attributes).map(([k, v]) => jaegerTag(k, v)),
      { key: 'span.kind', type: 'string', value: KINDS[w.kind].toLowerCase() },
    ];
    if (w.status.code) tags.push({ key: 'otel.status_code', type: 'string', value: w.status.code === 2 ? 'ERROR' : 'OK' });
    if (w.status.code === 2) tags.push({ key: 'error', type: 'bool', value: true });
    if (w.status.message) tags.push({ key: 'otel.status_description', type: 'string', value: w.status.message });
    assert.deepEqual(s.tags, tags, w.name);
    assert.deepEqual(s.logs, w.events.map((e) => ({ timestamp: Number(e.time / 1000n),
      fields: [{ key: 'event', type: 'string', value: e.name },
        ...Object.entries(e.attributes).map(([k, v]) => jaegerTag(k, v))] })));
    assert.equal(s.warnings, null);
    const p = t.processes[s.processID];
    assert.ok(p, `process ${s.processID}`);
    assert.equal(p.serviceName, w.service);
    assert.deepEqual(p.tags.map((x) => x.key).sort(), Object.keys(w.resource).filter((k) => k !== 'service.name').sort());
    assert.deepEqual(p.tags.find((x) => x.key === 'host.name'), { key: 'host.name', type: 'string', value: `${w.service}-1` });
  }
  assert.equal(Object.keys(t.processes).length, 3, 'one process per service');
}

const traceId = (i) => want.find((s) => s.trace === i).traceId;

test('Jaeger: trace by id, field by field; unknown and bad ids', async () => {
  for (const i of [3, 5]) {
    const r = await q(`/api/traces/${traceId(i)}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.equal(r.json.total, 1);
    assert.equal(r.json.errors, null);
    assertJaegerTrace(r.json.data[0], i);
  }
  const nf = await q(`/api/traces/${'ab'.repeat(16)}`);
  assert.equal(nf.status, 404);
  assert.deepEqual(nf.json, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
  const bad = await q('/api/traces/not-hex');
  assert.equal(bad.status, 400);
  assert.match(bad.json.errors[0].msg, /bad parameter traceId/);
});

test('Jaeger: search by service, operation, tags, durations, time and limit', async () => {
  const search = async (query) => {
    const r = await q(`/api/traces?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    assert.equal(r.json.total, r.json.data.length);
    return r.json.data.map((t) => want.find((s) => s.traceId === t.traceID).trace);
  };
  const roots = want.filter((s) => !s.parentSpanId).sort((a, b) => a.trace - b.trace);
  const us = (ns) => String(ns / 1000n);
  const tags = (m) => encodeURIComponent(JSON.stringify(m));
  const cases = [
    ['service=frontend', [5, 4, 3, 2, 1, 0]],
    ['service=frontend&limit=2', [5, 4]],
    ['service=frontend&operation=GET%20%2Fcart', [5, 3, 1]],
    [`service=frontend&tags=${tags({ 'http.status_code': '500' })}`, [3]],
    [`service=db&tags=${tags({ error: 'true' })}`, [3]],
    [`service=checkout&tags=${tags({ express: 'true', 'cart.size': '4' })}`, [4]],
    [`service=db&tags=${tags({ 'deployment.environment': 'test', 'otel.status_code': 'ERROR' })}`, [3]],
    [`service=db&tags=${tags({ 'db.system': 'mysql' })}`, []],
    ['service=frontend&minDuration=104ms', [5, 4]],
    ['service=frontend&maxDuration=101ms', [1, 0]],
    ['service=db&minDuration=22ms&maxDuration=23ms', [3, 2]],
    [`service=frontend&start=${us(roots[2].start)}&end=${us(roots[3].start)}`, [3, 2]],
    ['service=nope', []],
  ];
  for (const [query, traces] of cases) assert.deepEqual(await search(query), traces, query);
  const r = await q(`/api/traces?service=frontend&limit=3`);
  r.json.data.forEach((t, i) => assertJaegerTrace(t, 5 - i));
  for (const [query, name] of [['', 'service'], ['service=db&limit=0', 'limit'], ['service=db&limit=1001', 'limit'],
    ['service=db&tags=error', 'tags'], ['service=db&minDuration=soon', 'minDuration'],
    ['service=db&start=2024-01-01', 'start'], ['service=db&start=20&end=10', 'end']]) {
    const b = await q(`/api/traces?${query}`);
    assert.equal(b.status, 400, query);
    assert.equal(b.json.data, null);
    assert.equal(b.json.errors[0].code, 400);
    assert.match(b.json.errors[0].msg, new RegExp(`bad parameter ${name}`), query);
  }
});

function assertOtlpSpans(list, trace, fromJson) {
  const spans = pick((s) => s.trace === trace);
  assert.equal(list.length, spans.length);
  const hex = (x) => (fromJson ? x || '' : x);
  for (const w of spans) {
    const g = list.find((x) => hex(fromJson ? x.span.spanId : x.spanId) === w.spanId);
    assert.ok(g, `${w.name} of trace ${trace}`);
    const s = g.span;
    assert.equal(fromJson ? s.traceId : g.traceId, w.traceId);
    assert.equal(fromJson ? s.parentSpanId || '' : g.parentSpanId, w.parentSpanId);
    assert.equal(s.name, w.name);
    assert.equal(s.kind, w.kind);
    assert.equal(String(s.startTimeUnixNano), String(w.start));
    assert.equal(String(s.endTimeUnixNano), String(w.end));
    assert.deepEqual(kvMap(s.attributes), w.attributes);
    assert.equal(s.status?.code || 0, w.status.code);
    assert.equal(s.status?.message || '', w.status.message);
    assert.deepEqual((s.events || []).map((e) => [e.name, String(e.timeUnixNano), kvMap(e.attributes)]),
      w.events.map((e) => [e.name, String(e.time), e.attributes]));
    assert.equal((s.links || []).length, w.links.length);
    assert.deepEqual(kvMap(g.resource.attributes), w.resource);
    assert.equal(g.scope.name, w.scope.name);
    assert.equal(g.scope.version, w.scope.version);
  }
}

const getBytes = async (path, accept) => {
  const res = await fetch(o.url(path), { headers: accept ? { Accept: accept } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
};

test('Tempo: trace by id as OTLP protobuf, and v2 in protobuf and JSON', async () => {
  for (const i of [0, 3, 5]) {
    const v1 = await getBytes(`/api/traces/${traceId(i)}`, 'application/protobuf');
    assert.equal(v1.status, 200);
    assert.equal(v1.type, 'application/protobuf');
    assertOtlpSpans(protoSpans(v1.body), i, false);

    const v2 = await getBytes(`/api/v2/traces/${traceId(i)}`, 'application/protobuf');
    assert.equal(v2.status, 200);
    const msg = decodeTraceById(v2.body);
    assert.ok(Number(msg.metrics.inspectedBytes) > 0);
    assert.equal(msg.status || 0, 0, 'COMPLETE');
    assertOtlpSpans(protoSpans(msg.trace), i, false);

    const js = await q(`/api/v2/traces/${traceId(i)}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /application\/json/);
    assert.deepEqual(Object.keys(js.json), ['trace', 'metrics']);
    assert.match(js.json.metrics.inspectedBytes, /^[1-9]\d*$/);
    const flat = [];
    for (const rs of js.json.trace.resourceSpans)
      for (const ss of rs.scopeSpans) for (const s of ss.spans) flat.push({ resource: rs.resource, scope: ss.scope, span: s });
    assertOtlpSpans(flat, i, true);
  }
  const unknown = 'cd'.repeat(16);
  assert.equal((await getBytes(`/api/traces/${unknown}`, 'application/protobuf')).status, 404);
  assert.equal((await getBytes(`/api/v2/traces/${unknown}`, 'application/protobuf')).status, 404);
  const nf = await q(`/api/v2/traces/${unknown}`);
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error, 'trace not found');
  assert.equal((await q('/api/v2/traces/zz')).status, 400);
  const echo = await q('/api/echo');
  assert.equal(echo.status, 200);
  assert.equal(echo.text, 'echo');
  const ready = await q('/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.text, 'ready');
});

test('Jaeger ids may be short (leading zeros dropped) and upper case', async () => {
  const id = traceId(1);
  const r = await request(o.url(`/api/traces/${id.toUpperCase()}`));
  assert.equal(r.status, 200);
  assert.equal(r.json.data[0].traceID, id);
  assert.equal((await q('/api/traces/7')).status, 404, 'a short id is an id (Jaeger prints them so)');
});

test('a query node (only the extension, no pipeline) answers the same', async (t) => {
  const node = useQueryPort(await start(queryConfig(s3, { writer: false })));
  t.after(() => node.stop());
  for (const path of ['/api/services', `/api/traces/${traceId(3)}`, '/spans?limit=7',
    '/api/traces?service=frontend', '/api/operations?service=checkout']) {
    const [a, b] = [await q(path), await get(node.url(path))];
    assert.equal(b.status, 200, path);
    assert.deepEqual(b.json, a.json, path);
  }
  assert.match(node.log, /running 0 pipeline\(s\)/);
});

test('a foreign or truncated .parquet object is skipped, warned about and counted', async (t) => {
  const file = (await s3.list('q/')).find((x) => x.key.endsWith('.parquet'));
  const dir = file.key.slice(0, file.key.lastIndexOf('/') + 1);
  const real = (await s3.get(file.key)).body;
  await s3.put(`${dir}traces_foreign.parquet`, Buffer.from('PAR1 this is not a table PAR1'));
  await s3.put(`${dir}traces_cut.parquet`, real.subarray(0, real.length - 100));
  t.after(async () => {
    const { rmSync } = await import('node:fs');
    for (const name of ['traces_foreign.parquet', 'traces_cut.parquet'])
      rmSync(join(s3.dir, s3.bucket, `${dir}${name}._S3rver_object`), { force: true });
  });
  const node = useQueryPort(await start(queryConfig(s3, { writer: false })));
  t.after(() => node.stop());
  for (const path of [`/api/traces/${traceId(3)}`, '/api/services', '/spans?limit=3']) {
    const r = await get(node.url(path));
    assert.equal(r.status, 200, path);
    assert.deepEqual(r.json, (await q(path)).json, path);
  }
  assert.match(node.log, /traces_foreign\.parquet: not a trace-table file, skipped/);
  assert.match(node.log, /traces_cut\.parquet: not a trace-table file, skipped/);
  const admin = node.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
  const metrics = (await get(`http://127.0.0.1:${admin}/metrics`)).text;
  assert.match(metrics, /^otelc_trace_query_files_skipped_total(\{[^}]*\})? 2$/m);
});

// The bloom filters sit just before the footer: the footer's read brings
// them, so a cold lookup costs one GET per file and one per row group
// that may hold the trace (at most one more per file here), not three.
test('trace by id on a cold node: one GET per file for footer and bloom filter, then the rows', async (t) => {
  const node = useQueryPort(await start(queryConfig(s3, { writer: false })));
  t.after(() => node.stop());
  const files = (await s3.list('q/')).filter((x) => x.key.endsWith('.parquet')).length;
  const r = await get(node.url(`/api/traces/${traceId(2)}`));
  assert.equal(r.status, 200);
  const admin = node.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
  const metrics = (await get(`http://127.0.0.1:${admin}/metrics`)).text;
  const gets = Number(metrics.match(/^otelc_trace_query_gets_total(?:\{[^}]*\})? (\d+)$/m)[1]);
  assert.ok(gets >= files && gets <= 2 * files, `${gets} GETs for ${files} files`);
});

// cache.directory keeps what a node read of each file (its footer and the
// bloom filters before it): a node started again on the same directory
// reads no footer from the bucket, only the trace's rows.
test('a node restarted on its cache.directory fetches no footer again', async (t) => {
  const dir = tempDir();
  const cfg = queryConfig(s3, { writer: false, queryExtra: `\n    cache: { directory: "${dir}" }` });
  const gets = async (node) => {
    const admin = node.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
    const text = (await get(`http://127.0.0.1:${admin}/metrics`)).text;
    return Number(text.match(/^otelc_trace_query_gets_total(?:\{[^}]*\})? (\d+)$/m)[1]);
  };
  const files = (await s3.list('q/')).filter((x) => x.key.endsWith('.parquet')).length;
  const first = useQueryPort(await start(cfg));
  const a = await get(first.url(`/api/traces/${traceId(4)}`));
  const cold = await gets(first);
  await first.stop();
  const again = useQueryPort(await start(cfg));
  t.after(() => again.stop());
  const b = await get(again.url(`/api/traces/${traceId(4)}`));
  assert.equal(b.status, 200);
  assert.deepEqual(b.json, a.json);
  const warm = await gets(again);
  assert.ok(cold >= files, `${cold} GETs cold for ${files} files`);
  assert.ok(warm <= cold - files, `${warm} GETs with the cache, ${cold} without`);
});

// /spans keeps the newest `limit` spans: once it holds them, row groups
// that end before the oldest kept are not fetched at all. A filter that
// matches nothing reads every row group (and no row): more GETs than
// finding the newest span.
test('/spans?limit=1 on a cold node skips the row groups older than what it keeps', async (t) => {
  const gets = async (node) => {
    const admin = node.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
    const text = (await get(`http://127.0.0.1:${admin}/metrics`)).text;
    return Number(text.match(/^otelc_trace_query_gets_total(?:\{[^}]*\})? (\d+)$/m)[1]);
  };
  const one = useQueryPort(await start(queryConfig(s3, { writer: false })));
  t.after(() => one.stop());
  const r = await get(one.url('/spans?limit=1'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.spans.map((x) => x.spanId), [want[0].spanId]);
  const none = useQueryPort(await start(queryConfig(s3, { writer: false })));
  t.after(() => none.stop());
  assert.deepEqual((await get(none.url('/spans?limit=1&max_duration=1ns'))).json.spans, []);
  const [few, all] = [await gets(one), await gets(none)];
  assert.ok(few < all, `${few} GETs for the newest span, ${all} to look at every row group`);
});

test('the extension serves on its own port, not on the admin endpoint', async () => {
  const admin = o.log.match(/admin: listening on \S+ \(port (\d+)\)/)[1];
  const r = await get(`http://127.0.0.1:${admin}/api/services`);
  assert.equal(r.status, 404);
});
