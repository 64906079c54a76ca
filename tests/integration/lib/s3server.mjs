// A real S3-compatible server for integration tests: @20minutes/s3rver,
// which verifies SigV4 (key S3RVER, secret S3RVER) but also takes unsigned
// requests, started through its library API on 127.0.0.1 with a free port,
// a temporary directory and one bucket. Objects are listed and read back
// over plain unsigned HTTP, and decoded into the spans they hold.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver');

export const ACCESS_KEY_ID = 'S3RVER';
export const SECRET_ACCESS_KEY = 'S3RVER';

// Starts a server; port 0 picks a free one. The returned handle can stop
// the server (dropping open connections, as a crash would) and start it
// again on the same port and directory.
export async function startS3({ bucket = 'test-bucket', port = 0, directory } = {}) {
  const dir = directory || mkdtempSync(join(tmpdir(), 'otelc-s3-'));
  const s = { bucket, dir, port, server: null };
  s.start = async () => {
    s.server = new S3rver({
      address: '127.0.0.1', port: s.port, directory: dir, silent: true,
      configureBuckets: [{ name: bucket }],
    });
    const addr = await s.server.run();
    s.port = addr.port;
    s.endpoint = `http://127.0.0.1:${s.port}`;
    return s;
  };
  s.stop = async () => {
    if (!s.server) return;
    const server = s.server;
    s.server = null;
    const closed = server.close();
    server.httpServer.closeAllConnections();
    await closed;
  };
  s.list = (prefix = '') => listObjects(s, prefix);
  s.get = (key) => getObject(s, key);
  s.put = async (key, body) => {
    const r = await raw(s, `/${s.bucket}/${enc(key)}`, 'PUT', body);
    if (r.status !== 200) throw new Error(`put ${key}: HTTP ${r.status}`);
  };
  return s.start();
}

// An unsigned request (s3rver takes those; otelc's are signed).
function raw(s, path, method = 'GET', body = null) {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-length': body.length } : {};
    const req = httpRequest({ host: '127.0.0.1', port: s.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body || undefined);
  });
}

const enc = (k) => k.split('/').map(encodeURIComponent).join('/');

function xmlValues(xml, tag) {
  const out = [];
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]);
  return out;
}

// Every object under prefix: [{ key, size }], in key order.
async function listObjects(s, prefix) {
  const out = [];
  let marker = '';
  for (;;) {
    const q = `?prefix=${encodeURIComponent(prefix)}&marker=${encodeURIComponent(marker)}`;
    const r = await raw(s, `/${s.bucket}${q}`);
    if (r.status !== 200) throw new Error(`list: HTTP ${r.status} ${r.body}`);
    const xml = r.body.toString();
    const keys = xmlValues(xml, 'Key');
    const sizes = xmlValues(xml, 'Size');
    keys.forEach((key, i) => out.push({ key, size: Number(sizes[i]) }));
    if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || keys.length === 0) return out;
    marker = keys[keys.length - 1];
  }
}

// The object's bytes exactly as stored, with its headers.
async function getObject(s, key) {
  const r = await raw(s, `/${s.bucket}/${enc(key)}`);
  if (r.status !== 200) throw new Error(`get ${key}: HTTP ${r.status}`);
  return r;
}

// Undoes the compression named by the key's extension.
export function decompress(key, body) {
  if (key.endsWith('.gz')) return gunzipSync(body);
  if (key.endsWith('.zst')) return execFileSync('zstd', ['-d', '-c', '-q'], { input: body });
  return body;
}

// ---- OTLP: the span ids inside an ExportTraceServiceRequest ----

function varint(buf, at) {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at.i++];
    if (b === undefined) throw new Error('truncated varint');
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
    shift += 7n;
  }
}

// Calls fn(field, bytes) for each length-delimited field of a message.
function eachLen(buf, fn) {
  const at = { i: 0 };
  while (at.i < buf.length) {
    const tag = Number(varint(buf, at));
    const wire = tag & 7;
    if (wire === 0) varint(buf, at);
    else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else if (wire === 2) {
      const len = Number(varint(buf, at));
      fn(tag >> 3, buf.subarray(at.i, at.i + len));
      at.i += len;
    } else throw new Error(`wire type ${wire}`);
  }
}

// [{ traceId, spanId }] (hex) of a protobuf request:
// request.1 resource_spans -> .2 scope_spans -> .2 spans -> .1 trace_id, .2 span_id
export function protoSpans(buf) {
  const spans = [];
  eachLen(buf, (f, rs) => f === 1 && eachLen(rs, (g, ss) => g === 2 && eachLen(ss, (h, sp) => {
    if (h !== 2) return;
    const s = {};
    eachLen(sp, (k, v) => {
      if (k === 1) s.traceId = v.toString('hex');
      if (k === 2) s.spanId = v.toString('hex');
    });
    spans.push(s);
  })));
  return spans;
}

// The same from OTLP/JSON.
export function jsonSpans(text) {
  const doc = JSON.parse(text);
  const spans = [];
  for (const rs of doc.resourceSpans || [])
    for (const ss of rs.scopeSpans || [])
      for (const sp of ss.spans || []) spans.push({ traceId: sp.traceId, spanId: sp.spanId });
  return spans;
}

// The spans of a stored object, decoded by its extension.
export function objectSpans(key, body) {
  const plain = decompress(key, body);
  if (/\.json(\.|$)/.test(key)) return jsonSpans(plain.toString('utf8'));
  if (/\.binpb(\.|$)/.test(key)) return protoSpans(plain);
  throw new Error(`unknown object type: ${key}`);
}

// The spans of a trace-table file, read by DuckDB (a real Parquet reader,
// loaded on first use).
let duck;
export async function parquetSpans(body) {
  if (!duck) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  }
  const file = join(mkdtempSync(join(tmpdir(), 'otelc-pq-')), 'f.parquet');
  writeFileSync(file, body);
  const r = await duck.runAndReadAll(`SELECT TraceId, SpanId FROM read_parquet('${file}')`);
  return r.getRowObjects().map((x) => ({ traceId: x.TraceId, spanId: x.SpanId }));
}

// Every span in every object under prefix: { objects, spans, ids: Set }.
export async function collectSpans(s, prefix = '') {
  const objects = await s.list(prefix);
  const spans = [];
  for (const o of objects) {
    const r = await s.get(o.key);
    spans.push(...(o.key.endsWith('.parquet') ? await parquetSpans(r.body) : objectSpans(o.key, r.body)));
  }
  return { objects, spans, ids: new Set(spans.map((x) => x.spanId)) };
}

// An otelc config feeding the test source into awss3 on server s. Options:
// prefix, marshaler, compression, uploader (extra s3uploader lines),
// exporter (extra exporter lines), extensions/service (extra YAML).
export function awss3Config(s, o = {}) {
  const creds = o.credentials === false ? '' : `
      access_key_id: ${ACCESS_KEY_ID}
      secret_access_key: ${o.secret || SECRET_ACCESS_KEY}`;
  return `
receivers:
  testsource:
exporters:
  awss3:
    s3uploader:
      region: us-east-1
      s3_bucket: ${s.bucket}
      s3_prefix: ${o.prefix || 'traces'}
      endpoint: "${s.endpoint}"
      s3_force_path_style: true
      compression: ${o.compression || 'none'}${creds}${o.uploader || ''}
    marshaler: ${o.marshaler || 'otlp_proto'}${o.exporter || ''}
${o.extensions || ''}
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { metrics: { level: none } }${o.service || ''}
  pipelines:
    traces:
      receivers: [testsource]
      exporters: [awss3]
`;
}

// The environment otelc gets: no AWS variables from the caller's, and a
// HOME without ~/.aws, plus extra.
export function cleanAwsEnv(home, extra = {}) {
  const env = { HOME: home };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE',
    'AWS_SHARED_CREDENTIALS_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
    env[k] = '';
  return { ...env, ...extra };
}

// The key layout of DESIGN.md: prefix, UTC minute partition, unique id.
export const KEY_RE = /^(?<prefix>.+)\/year=(?<y>\d{4})\/month=(?<mo>\d\d)\/day=(?<d>\d\d)\/hour=(?<h>\d\d)\/minute=(?<mi>\d\d)\/traces_(?<t>[0-9a-f]{16})-(?<id>[0-9a-f]{16})\.(?<ext>json|binpb)(?<z>\.gz|\.zst)?$/;

// Checks that a key's partition is the UTC minute of the time in its
// unique part; returns that time (ms) or throws.
export function keyTime(key) {
  const m = KEY_RE.exec(key);
  if (!m) throw new Error(`key does not follow the layout: ${key}`);
  const ms = Number(BigInt(`0x${m.groups.t}`) / 1000000n);
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  const want = `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${p(d.getUTCHours())}/${p(d.getUTCMinutes())}`;
  const got = `${m.groups.y}/${m.groups.mo}/${m.groups.d}/${m.groups.h}/${m.groups.mi}`;
  if (want !== got) throw new Error(`partition ${got} is not the UTC minute ${want} of ${key}`);
  return ms;
}

// Polls otelc's /metrics until the exporter has sent n spans (an object is
// complete in the store once S3 answered): true, or false at the timeout.
export async function waitSent(o, n, { timeoutMs = 20000, exporter = 'awss3' } = {}) {
  const re = new RegExp(`^otelcol_exporter_sent_spans_total\\{exporter="${exporter}"\\} (\\d+)$`, 'm');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(o.url('/metrics'));
    const m = re.exec(await res.text());
    if (m && Number(m[1]) >= n) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
