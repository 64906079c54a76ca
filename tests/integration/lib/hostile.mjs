// Hostile and well-behaved clients of the otlp receiver, on raw sockets
// where the abuse needs frames no client library would send: HTTP/1.1
// posts on connections of their own, HTTP/2 frames by hand, a steady
// honest client, and the process figures (/proc) that say whether memory
// stayed bounded. Used by otlp_limits.test.mjs (one abuse at a time) and
// tests/chaos/abuse.mjs (all of them at once).
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { sleep } from './harness.mjs';

export const TRACE = '0102030405060708090a0b0c0d0e0f10';

// Resets VmHWM to the current RSS (proc(5), clear_refs "5").
export const resetPeak = (pid) => writeFileSync(`/proc/${pid}/clear_refs`, '5');
const kib = (line) => Number(line.trim().split(/\s+/)[0]);

// { hwm, rss, anon } in KiB: peak RSS, RSS, anonymous RSS (LMDB's mapped
// pages count in RSS but not in anon).
export function procStatus(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => kib(s.match(new RegExp(`^${k}:(.*)$`, 'm'))[1]);
  return { hwm: get('VmHWM'), rss: get('VmRSS'), anon: get('RssAnon') };
}

// HTTP/1.1 POST on a connection of its own: { status, body (string), headers }.
export function h1(p, body, { type = 'application/json', path = '/v1/traces', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: p, method: 'POST', path, agent: false,
      headers: { 'content-type': type, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const goodJson = (i, trace = TRACE) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
  traceId: trace, spanId: (0x1000 + i).toString(16).padStart(16, '0'), name: 'good' }] }] }] });

// A well-behaved client posting one span every everyMs until stopped:
// how many it sent, how many got 200, the statuses of the others and the
// slowest answer. trace: the trace id of its spans (hex), so that a test
// can find them in a store.
export function goodClient(p, { everyMs = 20, trace = TRACE } = {}) {
  const st = { sent: 0, ok: 0, worstMs: 0, other: {}, running: true };
  st.done = (async () => {
    while (st.running) {
      const t0 = Date.now();
      const r = await h1(p, goodJson(st.sent++, trace)).catch((e) => ({ status: e.code || 'error' }));
      st.worstMs = Math.max(st.worstMs, Date.now() - t0);
      if (r.status === 200) st.ok++;
      else st.other[r.status] = (st.other[r.status] || 0) + 1;
      await sleep(everyMs);
    }
  })();
  st.stop = async () => { st.running = false; await st.done; return st; };
  return st;
}

// ---- raw sockets and HTTP/2 frames ----

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

// One HTTP/2 frame (RFC 9113 section 4.1).
export function h2frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}
export const H2 = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 };
export const SETTINGS = h2frame(H2.SETTINGS, 0, 0);
export const PING = h2frame(H2.PING, 0, 0, Buffer.alloc(8, 1));

// HPACK (RFC 7541): a header block for a gRPC Export call from the
// static table and literals without indexing; extra: [[name, value]].
function hpackInt(prefixBits, first, n) {
  const max = (1 << prefixBits) - 1;
  if (n < max) return Buffer.from([first | n]);
  const out = [first | max];
  n -= max;
  while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}
const hpackString = (s) => { const b = Buffer.from(s); return Buffer.concat([hpackInt(7, 0, b.length), b]); };
const literalIndexedName = (index, value) => Buffer.concat([hpackInt(4, 0, index), hpackString(value)]);
const literalNewName = (name, value) => Buffer.concat([Buffer.from([0]), hpackString(name), hpackString(value)]);
export function grpcHeaderBlock(extra = []) {
  return Buffer.concat([
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http
    literalIndexedName(4, '/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
    literalIndexedName(1, '127.0.0.1'), // :authority
    literalIndexedName(31, 'application/grpc'), // content-type
    literalNewName('te', 'trailers'),
    ...extra.map(([n, v]) => literalNewName(n, v)),
  ]);
}

export function openRaw(p, data) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(p, '127.0.0.1', () => { if (data) sock.write(data); resolve(sock); });
    sock.on('error', reject);
  });
}

// Resolves with the time a socket took to be closed by the server, or null.
export function closedWithin(sock, ms, t0 = Date.now()) {
  return new Promise((resolve) => {
    if (sock.destroyed) { resolve(Date.now() - t0); return; }
    const timer = setTimeout(() => resolve(null), ms);
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
}

// Collects what the server sends on a raw HTTP/2 connection: { bytes,
// goaway (its error code, or null), rst (the first RST_STREAM's code, or
// null), status (the first response's :status when HPACK-indexed), closed
// (a promise) }.
export function h2Watch(sock) {
  const w = { bytes: 0, goaway: null, rst: null, status: null, buf: Buffer.alloc(0) };
  const statusIndex = { 0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500 };
  sock.on('data', (d) => {
    w.bytes += d.length;
    w.buf = Buffer.concat([w.buf, d]);
    while (w.buf.length >= 9) {
      const len = w.buf.readUIntBE(0, 3);
      if (w.buf.length < 9 + len) break;
      const type = w.buf[3];
      if (type === H2.GOAWAY && w.goaway === null) w.goaway = w.buf.readUInt32BE(13);
      if (type === H2.RST_STREAM && w.rst === null) w.rst = w.buf.readUInt32BE(9);
      if (type === H2.HEADERS && w.status === null && len > 0) w.status = statusIndex[w.buf[9]] || 'other';
      w.buf = w.buf.subarray(9 + len);
    }
  });
  sock.on('error', () => {});
  w.closed = new Promise((resolve) => sock.on('close', () => resolve(true)));
  return w;
}

export const H2_ERRORS = { 0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 2: 'INTERNAL_ERROR', 6: 'FRAME_SIZE_ERROR',
  8: 'CANCEL', 9: 'COMPRESSION_ERROR', 11: 'ENHANCE_YOUR_CALM' };
export const h2ErrorName = (code) => (code === null ? 'none' : H2_ERRORS[code] || `0x${code.toString(16)}`);
