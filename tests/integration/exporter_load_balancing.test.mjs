// The load_balancing exporter in the real host: one otelc balancing over
// otelc backends (each an otlp gRPC receiver and a file exporter). Every
// trace lands whole on exactly the backend the collector's ring names
// (the ring is rebuilt here from its definition: crc32, 100 positions
// per endpoint on 36000); a backend removed moves only its own traces; a
// backend down has its pieces retried until it returns while the others
// get theirs once; the dns resolver on `localhost` (one backend per
// address the name has, all on one port). Log records by trace id (the
// collector's logs key: the id in hex, "" without one) and metrics by
// service, each on the backend the ring names; each signal's refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { start, request, tempDir, eventually, sleep } from './lib/harness.mjs';

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

// The collector's ring over endpoint strings: key bytes -> endpoint.
function ring(endpoints) {
  const taken = new Set();
  const items = [];
  for (const e of [...endpoints].sort()) {
    for (let i = 0; i < 100; i++) {
      const pos = crc32(Buffer.concat([Buffer.from(e), Buffer.from([i])])) % 36000;
      if (taken.has(pos)) continue;
      taken.add(pos);
      items.push([pos, e]);
    }
  }
  items.sort((a, b) => a[0] - b[0]);
  return (key) => {
    const pos = crc32(key) % 36000;
    return (items.find(([p]) => p >= pos) || items[0])[1];
  };
}

const admin = `
service:
  admin: { endpoint: "127.0.0.1:0" }
  shutdown_timeout: 2s
  telemetry: { metrics: { level: none } }`;

const listening = (o, id, proto) => {
  const m = o.log.match(new RegExp(`${id.replace('/', '\\/')}: listening on \\S+:(\\d+) \\(${proto}`));
  assert.ok(m, `no ${proto} port for ${id} in:\n${o.log}`);
  return Number(m[1]);
};

// A backend otelc: otlp gRPC on host:port (0: any) into a file.
async function backend(dir, name, { host = '127.0.0.1', port = 0 } = {}) {
  const file = join(dir, `${name}.jsonl`);
  const ep = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const o = await start(`receivers:
  otlp:
    protocols:
      grpc: { endpoint: "${ep}" }
exporters:
  file: { path: "${file}" }
${admin}
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
    metrics: { receivers: [otlp], exporters: [file] }
    logs: { receivers: [otlp], exporters: [file] }
`);
  const p = listening(o, 'otlp', 'gRPC');
  return { o, file, port: p, endpoint: host.includes(':') ? `[${host}]:${p}` : `${host}:${p}` };
}

// The balancer: OTLP/HTTP in, load_balancing out with the given resolver.
async function balancer(resolver, { type = 'load_balancing', extra = '' } = {}) {
  const o = await start(`receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  ${type}:
    protocol:
      otlp:
        tls: { insecure: true }
        timeout: 2s
    resolver:
${resolver}
    retry_on_failure: { initial_interval: 50ms, max_interval: 300ms, max_elapsed_time: 0 }
${extra}
${admin}
  pipelines:
    traces: { receivers: [otlp], exporters: [${type}] }
`);
  const port = listening(o, 'otlp', 'HTTP');
  const send = (body) => request(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { o, send };
}

const staticResolver = (eps) => `      static:\n        hostnames: [${eps.map((e) => `"${e}"`).join(', ')}]`;

// n traces of 3 spans each, named by round.
function traces(n, round) {
  return Array.from({ length: n }, (_, i) => ({ id: randomBytes(16).toString('hex'), i, round }));
}

// Requests of 10 traces each; a trace's spans split across two requests
// and two services, so routing, not batching, keeps a trace together.
function requests(ts) {
  const out = [];
  for (let k = 0; k < ts.length; k += 10) {
    const group = ts.slice(k, k + 10);
    for (const part of [[0, 1], [2]]) {
      const rs = ['svc-a', 'svc-b'].map((svc, s) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
        scopeSpans: [{ scope: { name: 'lb' }, spans: group.flatMap((t) => part.filter((j) => (part.length === 1 ? s === 0 : j % 2 === s)).map((j) => ({
          traceId: t.id, spanId: randomBytes(8).toString('hex'), name: `${t.round}-${t.i}-${j}`, kind: 1,
          startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000001000',
        }))) }],
      }));
      out.push({ resourceSpans: rs.filter((r) => r.scopeSpans[0].spans.length) });
    }
  }
  return out;
}

// Spans in a backend's file: [{ traceId, name, spanId }].
function spansIn(file) {
  if (!existsSync(file)) return [];
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean))
    for (const rs of JSON.parse(line).resourceSpans || [])
      for (const ss of rs.scopeSpans || [])
        for (const s of ss.spans || []) out.push({ traceId: s.traceId, name: s.name, spanId: s.spanId });
  return out;
}

// trace id -> set of backends that got spans of it, for one round.
function placement(backends, round) {
  const where = new Map();
  for (const b of backends)
    for (const s of spansIn(b.file).filter((x) => x.name.startsWith(`${round}-`))) {
      if (!where.has(s.traceId)) where.set(s.traceId, new Set());
      where.get(s.traceId).add(b.endpoint);
    }
  return where;
}

const roundSpans = (backends, round) => backends.flatMap((b) => spansIn(b.file)).filter((s) => s.name.startsWith(`${round}-`));

async function sendAll(lb, ts) {
  for (const body of requests(ts)) assert.equal((await lb.send(body)).status, 200);
}

test('static: every trace whole on the backend the ring names, balanced; one removed moves only its own', async (t) => {
  const dir = tempDir();
  const bs = [];
  for (const n of ['a', 'b', 'c']) bs.push(await backend(dir, n));
  t.after(() => Promise.all(bs.map((b) => b.o.stop())));
  const eps = bs.map((b) => b.endpoint);
  const ts = traces(300, 'r1');
  let lb = await balancer(staticResolver(eps), { type: 'loadbalancing' });
  await sendAll(lb, ts);
  assert.ok(await eventually(() => roundSpans(bs, 'r1').length >= 900, { timeoutMs: 15000 }),
    `${roundSpans(bs, 'r1').length} of 900 spans\n${lb.o.log}`);
  assert.equal((await lb.o.stop()).code, 0, lb.o.log);
  assert.match(lb.o.log, /"loadbalancing" alias is deprecated; use "load_balancing" instead/);
  assert.equal(roundSpans(bs, 'r1').length, 900, 'no span twice');
  const want = ring(eps);
  const where1 = placement(bs, 'r1');
  const per = new Map(eps.map((e) => [e, 0]));
  for (const tr of ts) {
    const got = [...(where1.get(tr.id) || [])];
    assert.deepEqual(got, [want(Buffer.from(tr.id, 'hex'))], `trace ${tr.id}`);
    per.set(got[0], per.get(got[0]) + 1);
  }
  for (const [e, n] of per) assert.ok(n >= 300 * 0.15, `${e} got ${n} of 300 traces`);

  // Without backend b: the same trace ids again.
  const kept = eps.filter((e) => e !== bs[1].endpoint);
  lb = await balancer(staticResolver(kept));
  await sendAll(lb, ts.map((x) => ({ ...x, round: 'r2' })));
  const live = [bs[0], bs[2]];
  assert.ok(await eventually(() => roundSpans(live, 'r2').length >= 900, { timeoutMs: 15000 }), lb.o.log);
  assert.equal((await lb.o.stop()).code, 0, lb.o.log);
  const where2 = placement(live, 'r2');
  const want2 = ring(kept);
  let moved = 0;
  for (const tr of ts) {
    const before = [...where1.get(tr.id)][0];
    const after = [...where2.get(tr.id)];
    assert.deepEqual(after, [want2(Buffer.from(tr.id, 'hex'))], `trace ${tr.id} after`);
    if (before !== bs[1].endpoint) assert.equal(after[0], before, `trace ${tr.id} moved though its backend stayed`);
    else moved++;
  }
  assert.equal(moved, per.get(bs[1].endpoint));
  assert.ok(moved <= 300 * 0.45, `${moved} of 300 traces moved`);
});

test('a backend down: its pieces retried until it returns, the others delivered once', async (t) => {
  const dir = tempDir();
  const bs = [];
  for (const n of ['a', 'b', 'c']) bs.push(await backend(dir, n));
  const eps = bs.map((b) => b.endpoint);
  // A batch whose piece for b waits holds one of the queue's consumers
  // (the host's retry): enough of them for every request here.
  const lb = await balancer(staticResolver(eps), { extra: '    sending_queue: { num_consumers: 40 }' });
  t.after(() => Promise.all([lb.o.stop(), ...bs.map((b) => b.o.stop())]));
  assert.equal((await bs[1].o.stop()).code, 0);
  const ts = traces(120, 'd');
  await sendAll(lb, ts);
  const want = ring(eps);
  const onB = ts.filter((x) => want(Buffer.from(x.id, 'hex')) === bs[1].endpoint).length;
  const others = [bs[0], bs[2]];
  assert.ok(await eventually(() => roundSpans(others, 'd').length >= 3 * (120 - onB), { timeoutMs: 15000 }), lb.o.log);
  await sleep(1500); // retries of b's pieces go on meanwhile
  assert.equal(roundSpans(others, 'd').length, 3 * (120 - onB), 'the others got theirs once');
  assert.equal(spansIn(bs[1].file).length, 0);
  bs[1] = await backend(dir, 'b2', { port: bs[1].port });
  assert.ok(await eventually(() => spansIn(bs[1].file).length >= 3 * onB, { timeoutMs: 20000 }),
    `${spansIn(bs[1].file).length} of ${3 * onB} spans on the returned backend\n${lb.o.log}`);
  await sleep(500);
  const all = roundSpans(bs, 'd');
  assert.equal(all.length, 360, 'every span once');
  assert.equal(new Set(all.map((s) => s.spanId)).size, 360);
  for (const [id, at] of placement(bs.map((b, i) => ({ ...b, endpoint: eps[i] })), 'd'))
    assert.deepEqual([...at], [want(Buffer.from(id, 'hex'))]);
});

async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

test('dns: the addresses of localhost, re-resolved every interval', async (t) => {
  const addrs = (await lookup('localhost', { all: true })).map((a) => a.address);
  const port = await freePort();
  const dir = tempDir();
  const bs = [];
  for (const [i, a] of addrs.entries()) bs.push(await backend(dir, `d${i}`, { host: a, port }));
  t.after(() => Promise.all(bs.map((b) => b.o.stop())));
  const lb = await balancer(`      dns: { hostname: localhost, port: "${port}", interval: 200ms, timeout: 1s }`,
    { extra: '' });
  t.after(() => lb.o.stop());
  const ts = traces(60, 'n');
  await sendAll(lb, ts);
  assert.ok(await eventually(() => roundSpans(bs, 'n').length >= 180, { timeoutMs: 15000 }), lb.o.log);
  const want = ring(bs.map((b) => b.endpoint));
  for (const [id, at] of placement(bs, 'n')) assert.deepEqual([...at], [want(Buffer.from(id, 'hex'))]);
  assert.match(lb.o.log, new RegExp(`${bs.length} backends \\(dns resolver\\)`));
  await sleep(700);
  assert.equal((await lb.o.stop()).code, 0, lb.o.log);
  assert.equal(roundSpans(bs, 'n').length, 180);
});

// What a backend's file holds of one signal: [{ service, item }].
function itemsIn(file, signal) {
  const [res, scopes, items] = signal === 'logs' ? ['resourceLogs', 'scopeLogs', 'logRecords']
    : ['resourceMetrics', 'scopeMetrics', 'metrics'];
  if (!existsSync(file)) return [];
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean))
    for (const r of JSON.parse(line)[res] || []) {
      const svc = (r.resource?.attributes || []).find((a) => a.key === 'service.name')?.value.stringValue;
      for (const sc of r[scopes] || []) for (const it of sc[items] || []) out.push({ service: svc, item: it });
    }
  return out;
}

test('logs by trace id and metrics by service: each on the backend the ring names', async (t) => {
  const dir = tempDir();
  const bs = [];
  for (const n of ['la', 'lb', 'lc']) bs.push(await backend(dir, n));
  t.after(() => Promise.all(bs.map((b) => b.o.stop())));
  const eps = bs.map((b) => b.endpoint);
  const lbKeys = (name, key) => `  load_balancing/${name}:${key ? `\n    routing_key: ${key}` : ''}
    protocol: { otlp: { tls: { insecure: true }, timeout: 2s } }
    resolver:
${staticResolver(eps)}`;
  const o = await start(`receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
${lbKeys('logs', 'traceID')}
${lbKeys('metrics', '')}
${admin}
  pipelines:
    logs: { receivers: [otlp], exporters: [load_balancing/logs] }
    metrics: { receivers: [otlp], exporters: [load_balancing/metrics] }
`);
  t.after(() => o.stop());
  assert.match(o.log, /load_balancing\/logs: balancing logs by traceID over the static resolver/);
  assert.match(o.log, /load_balancing\/metrics: balancing metrics by service over the static resolver/);
  const port = listening(o, 'otlp', 'HTTP');
  const post = (path, body) => request(`http://127.0.0.1:${port}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ids = Array.from({ length: 60 }, (_, i) => (i < 50 ? randomBytes(16).toString('hex') : ''));
  for (let k = 0; k < 60; k += 20) {
    const logRecords = ids.slice(k, k + 20).map((id, j) => ({ body: { stringValue: `r-${k + j}` }, ...(id ? { traceId: id } : {}) }));
    assert.equal((await post('/v1/logs', { resourceLogs: [{ scopeLogs: [{ logRecords }] }] })).status, 200);
  }
  const svcs = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
  const resourceMetrics = svcs.map((svc) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
    scopeMetrics: [{ metrics: [{ name: `g-${svc}`, gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '1' }] } }] }],
  }));
  assert.equal((await post('/v1/metrics', { resourceMetrics })).status, 200);
  const all = (signal) => bs.flatMap((b) => itemsIn(b.file, signal).map((x) => ({ ...x, at: b.endpoint })));
  assert.ok(await eventually(() => all('logs').length >= 60 && all('metrics').length >= 12, { timeoutMs: 15000 }),
    `${all('logs').length} records, ${all('metrics').length} metrics\n${o.log}`);
  const want = ring(eps);
  const records = all('logs');
  assert.equal(records.length, 60);
  for (const r of records) {
    const i = Number(r.item.body.stringValue.slice(2));
    assert.equal(r.item.traceId || '', ids[i], `record ${i}`);
    assert.equal(r.at, want(Buffer.from(ids[i])), `record ${i} (trace id "${ids[i]}")`);
  }
  assert.ok(new Set(records.filter((r) => r.item.traceId).map((r) => r.at)).size > 1, 'spread over backends');
  const metrics = all('metrics');
  assert.equal(metrics.length, 12);
  for (const m of metrics) {
    assert.equal(m.item.name, `g-${m.service}`);
    assert.equal(m.at, want(Buffer.from(m.service)), m.service);
  }
});

test('config: each signal\'s routing keys, as the collector\'s exporters take them', async () => {
  const { run, writeConfig } = await import('./lib/harness.mjs');
  const cases = [
    ['metrics', 'traceID', /unsupported routing_key: "traceID"/],
    ['logs', 'metric', /unsupported routing_key: "metric"/],
    ['logs', 'resource', /routing_key: resource is not supported yet for logs/],
    ['metrics', 'streamID', /routing_key: streamID is not supported yet for metrics/],
  ];
  for (const [signal, key, re] of cases) {
    const cfg = writeConfig(`receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  load_balancing:\n    routing_key: ${key}\n    protocol: { otlp: { tls: { insecure: true } } }\n    resolver: { static: { hostnames: [a] } }\nservice:\n  pipelines:\n    ${signal}: { receivers: [otlp], exporters: [load_balancing] }\n`);
    const r = await run(['validate', '--config', cfg]);
    assert.notEqual(r.code, 0, `${signal} ${key}`);
    assert.match(r.stdout + r.stderr, re, `${signal} ${key}`);
  }
});

test('config: the collector\'s refusals', async () => {
  const { run, writeConfig } = await import('./lib/harness.mjs');
  const cases = [
    ['routing_key: resource', /unsupported routing_key: resource/],
    ['routing_key: attributes', /routing_key: attributes is not supported yet/],
    ['resolver: { k8s: { service: lb } }', /not supported yet/],
  ];
  for (const [keys, re] of cases) {
    const cfg = writeConfig(`receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  load_balancing:\n    protocol: { otlp: { tls: { insecure: true } } }\n    ${keys.startsWith('resolver') ? keys : `${keys}\n    resolver: { static: { hostnames: [a] } }`}\nservice:\n  pipelines:\n    traces: { receivers: [otlp], exporters: [load_balancing] }\n`);
    const r = await run(['validate', '--config', cfg]);
    assert.notEqual(r.code, 0, keys);
    assert.match(r.stdout + r.stderr, re, keys);
  }
  const both = writeConfig(`receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  load_balancing:\n    resolver: { static: { hostnames: [a] }, dns: { hostname: b } }\nservice:\n  pipelines:\n    traces: { receivers: [otlp], exporters: [load_balancing] }\n`);
  const r = await run(['validate', '--config', both]);
  assert.match(r.stdout + r.stderr, /only one resolver should be specified/);
});
